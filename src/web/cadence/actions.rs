//! POST /programmes/{id}/actions/{action} — the CEO or the COO marks an
//! action item done, or opens it again.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::cadence::Saved;
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::pages::{ConflictField, ConflictPage, Page};

/// The form, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DoneForm {
    done: String,
    version: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, action)): Path<(Uuid, Uuid)>,
    Form(form): Form<DoneForm>,
) -> Result<Response> {
    user.require(Action::RecordAlignment)?;
    let done = match form.done.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("done must be true or false".into())),
    };
    let back = paths::cadence(id);
    let mut tx = state.pool.begin().await?;
    let saved = db::cadence::set_action_done(
        &mut tx,
        &user.actor(&client, state.now()),
        id,
        action,
        done,
        form.version.trim().parse().unwrap_or(-1),
    )
    .await?;
    match saved {
        Saved::Saved => {
            let message = if done {
                "Marked done."
            } else {
                "Opened again."
            };
            crate::web::pages::done(tx, &user, &format!("{back}#actions-title"), message).await
        }
        Saved::Unchanged => {
            drop(tx);
            crate::web::pages::nothing_changed(&state, &user, &back).await
        }
        Saved::Missing => Err(AppError::NotFound),
        Saved::Stale((title, is_done)) => Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the action item “{title}”"),
            reload_url: back,
            fields: vec![ConflictField {
                label: "Done".into(),
                yours: if done { "yes" } else { "no" }.into(),
                theirs: if is_done { "yes" } else { "no" }.into(),
            }],
        }
        .into()),
    }
}
