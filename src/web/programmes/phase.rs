//! POST /programmes/{id}/phase — the CEO or the COO moves the programme to
//! its next phase. No deployment without a signed brief: the move to
//! `deploying` is refused, naming the missing signatures, unless the latest
//! version of the brief is signed by everyone.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::domain::phase::Phase;
use crate::domain::signoff::BriefStatus;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::pages::{ConflictField, ConflictPage, Page, Refusal, done};

/// The programme version the button was shown for.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PhaseForm {
    version: String,
}

/// Why the programme cannot enter `next` now, if it cannot.
pub(crate) fn gate(next: Phase, brief: &BriefStatus) -> Option<Vec<String>> {
    crate::domain::signoff::phase_gate(next, brief)
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<PhaseForm>,
) -> Result<Response> {
    user.require(Action::ReadProgramme)?;
    let programme: Programme = db::programmes::find_in_org(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    user.require(Action::MovePhase)?;
    let back = (paths::programme(id), "Back to the programme".to_owned());
    let Some(next) = programme.phase().next() else {
        return Refusal::conflict(
            &state,
            &user,
            "The programme is closed",
            "A closed programme has no next phase.",
            Vec::new(),
            back,
        )
        .await;
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    // The same lock as submissions and signatures: the brief cannot change
    // between the gate's check and the move.
    db::programmes::lock(&mut tx, id).await?;
    if let Some(reasons) = gate(next, &db::brief::latest_status(&mut tx, id).await?) {
        return Refusal::conflict(
            &state,
            &user,
            format!("The programme cannot move to {} yet", next.label()),
            "No deployment starts without a brief signed by every required signatory.",
            reasons,
            (paths::brief(id), "Open the brief".to_owned()),
        )
        .await;
    }
    let version = form.version.trim().parse().unwrap_or(-1);
    let Some(_) = db::programmes::set_phase(
        &mut tx,
        &user.actor(&client, now),
        &programme,
        version,
        next,
    )
    .await?
    else {
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the programme {}", programme.name),
            reload_url: paths::programme(id),
            fields: vec![ConflictField {
                label: "Phase".into(),
                yours: next.label().into(),
                theirs: programme.phase().label().into(),
            }],
        }
        .into());
    };
    done(
        tx,
        &user,
        &paths::programme(id),
        &format!("{} is now in the phase: {}.", programme.name, next.label()),
    )
    .await
}
