//! POST /admin/users/{id}/password — set a new initial password. The user
//! must change it at their next login; their sessions end now.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{parse_version, stale};
use super::user_page::UserPage;
use crate::auth::extract::CurrentUser;
use crate::auth::password;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::users::PasswordSetter;
use crate::domain::permission::Action;
use crate::domain::values::NewPassword;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::pages::done;

/// The fields as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ResetForm {
    password: String,
    version: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let mut page = UserPage::load(&state, &user, id).await?;
    let Some(new_password) = page
        .errors
        .check("password", NewPassword::parse(&form.password))
    else {
        return Ok(page.invalid());
    };
    let hash = password::hash(new_password.expose()).await?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    if !db::users::bump_version(&mut *tx, id, parse_version(&form.version)).await? {
        return Err(stale(&page));
    }
    db::users::replace_password(
        &mut tx,
        &user.actor(&client, now),
        id,
        &hash,
        PasswordSetter::Administrator,
    )
    .await?;
    // The password chosen here replaces any way in still open by e-mail.
    db::invitations::withdraw_open(&mut tx, id, now).await?;
    done(
        tx,
        &user,
        &paths::admin_user(id),
        &format!(
            "New initial password set. {} must change it at the next sign-in.",
            page.target.display_name
        ),
    )
    .await
}
