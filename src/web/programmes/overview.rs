//! GET /programmes/{id} — the programme at a glance.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use crate::auth::extract::Viewer;
use crate::db;
use crate::db::programmes::{Programme, Signatory};
use crate::domain::cadence::DueSummary;
use crate::domain::permission::Action;
use crate::domain::phase::Phase;
use crate::domain::seat::SeatKind;
use crate::domain::signoff::BriefStatus;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "programmes/overview.html")]
pub(super) struct OverviewPage {
    page: Page,
    programme: Programme,
    phase: Phase,
    phases: Vec<(Phase, &'static str)>,
    ceo: Option<String>,
    coo: Option<String>,
    signatories: Vec<Signatory>,
    is_admin: bool,
    matrix: crate::domain::raci::Health,
    line_warning: Option<&'static str>,
    brief: BriefStatus,
    next_phase: Option<Phase>,
    gate: Option<Vec<String>>,
    can_move: bool,
    due: DueSummary,
}

/// Shows a programme of the user's organisation; any other id is not found.
pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<OverviewPage> {
    let seen = db::pages::overview(state.readers(), &viewer.who(&state), id).await?;
    let (user, source) = viewer.admit(&state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.ok_or(AppError::NotFound)?;
    let holder = |kind: SeatKind| {
        source
            .executives
            .iter()
            .find(|seat| seat.ended_at.is_none() && seat.seat_kind() == Some(kind))
            .map(|seat| seat.holder_name.clone())
    };
    let phase = programme.phase();
    let position = Phase::ALL.iter().position(|p| *p == phase).unwrap_or(0);
    let phases = Phase::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let state = match i.cmp(&position) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "upcoming",
            };
            (*p, state)
        })
        .collect();
    let brief = match &source.latest {
        Some((number, slots)) => db::brief::status_of(*number, slots),
        None => BriefStatus::None,
    };
    let next_phase = programme.phase().next();
    Ok(OverviewPage {
        due: source.cadence.due_summary(&programme, state.now()),
        gate: next_phase.and_then(|next| super::phase::gate(next, &brief)),
        next_phase,
        brief,
        can_move: user.can(Action::MovePhase),
        page: Page::of(&state, &user),
        matrix: source.matrix_health,
        line_warning: programme.reporting_line().warning(),
        signatories: source.signatories,
        programme,
        phase,
        phases,
        ceo: holder(SeatKind::Ceo),
        coo: holder(SeatKind::Coo),
        is_admin: user.can(Action::Administer),
    })
}
