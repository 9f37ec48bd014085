//! POST /admin/users/{id}/invitation — e-mail a person who has not joined
//! yet a new invitation; the earlier link stops working.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::user_page::UserPage;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::once::Once;
use crate::web::pages::done;

/// The form: only its one-time key (a double click sends one invitation).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct InviteForm {
    once: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let mut page = UserPage::load(&state, &user, id).await?;
    if page.target.disabled_at.is_some() {
        page.errors.add(
            "invitation",
            "Enable the account first: a disabled account cannot join.",
        );
        return Ok(page.invalid());
    }
    if page.has_joined() {
        page.errors.add(
            "invitation",
            "They have joined already: set an initial password instead if they lost theirs.",
        );
        return Ok(page.invalid());
    }
    let now = state.now();
    let actor = user.actor(&client, now);
    let once = Once::parse(&form.once);
    let mut tx = state.pool.begin().await?;
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    once.recorded(&mut tx, user.id, &paths::admin_user(id))
        .await?;
    super::user_new::invite(&state, &mut tx, &user, &actor, &page.target, None, now).await?;
    done(
        tx,
        &user,
        &paths::admin_user(id),
        &format!(
            "We e-mailed {} a new invitation to {}; the earlier link no longer works.",
            page.target.display_name, page.target.email
        ),
    )
    .await
}
