//! POST /programmes/{id}/brief/sections/{key}/agree — the CEO or the COO
//! marks a joint section agreed, as it stood when they read it.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::readable_programme;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::brief::{self, Owner};
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::pages::{ConflictPage, Page, done};

/// The section version the executive read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AgreeForm {
    version: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path((id, key)): Path<(Uuid, String)>,
    Form(form): Form<AgreeForm>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    user.require(Action::EditJointSection)?;
    let section = brief::section(&key)
        .filter(|s| s.owner == Owner::Joint)
        .ok_or(AppError::NotFound)?;
    let as_ceo = user.seats.holds(SeatKind::Ceo);
    let version = form.version.trim().parse().unwrap_or(-1);
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let actor = user.actor(&client, now);
    if !db::brief::agree(&mut tx, &actor, id, section.key, version, as_ceo).await? {
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the section “{}” of {}", section.title, programme.name),
            reload_url: format!("{}#{}", paths::brief(id), section.key),
            fields: Vec::new(),
        }
        .into());
    }
    done(
        tx,
        &user,
        &format!("{}#{}", paths::brief(id), section.key),
        &format!("You agreed “{}”.", section.title),
    )
    .await
}
