//! POST /admin/users/{id}/single-sign-on/unlink and
//! /admin/users/{id}/passkeys/remove — an administrator's recovery of a
//! person's ways in: a provider identity that moved, a device lost.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::user_page::UserPage;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::pages::{done, nothing_changed};

pub(super) async fn unlink(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let page = UserPage::load(&state, &user, id).await?;
    let mut tx = state.pool.begin().await?;
    let unlinked =
        db::sso::unlink_all(&mut tx, &user.actor(&client, state.now()), page.target.id).await?;
    if unlinked == 0 {
        drop(tx);
        return nothing_changed(&state, &user, &paths::admin_user(id)).await;
    }
    let message = format!(
        "{} is no longer linked to the provider: their next sign-in there links again only as the single sign-on settings allow.",
        page.target.display_name
    );
    done(tx, &user, paths::admin_user(id), message).await
}

pub(super) async fn remove_passkeys(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let page = UserPage::load(&state, &user, id).await?;
    let mut tx = state.pool.begin().await?;
    let removed =
        db::passkeys::remove_all(&mut tx, &user.actor(&client, state.now()), page.target.id)
            .await?;
    if removed == 0 {
        drop(tx);
        return nothing_changed(&state, &user, &paths::admin_user(id)).await;
    }
    let message = format!(
        "Removed {removed} passkey{} of {}: none signs in any more.",
        if removed == 1 { "" } else { "s" },
        page.target.display_name
    );
    done(tx, &user, paths::admin_user(id), message).await
}
