//! GET /programmes/{id}/cadence — what the cadence expects and what was
//! recorded: due and overdue, open decisions, sessions, updates, reviews
//! and action items.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use super::{ActionView, RequestView, action_views, see};
use crate::auth::extract::Viewer;
use crate::db::cadence::Reads;
use crate::db::cadence::{ReviewFact, SessionRow, UpdateRow};
use crate::db::programmes::Programme;
use crate::domain::cadence::Due;
use crate::domain::cadence::DueSummary;
use crate::domain::metrics::Period;
use crate::domain::permission::Action;
use crate::domain::phase::Phase;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::forms::FieldErrors;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "cadence/overview.html")]
pub(super) struct CadencePage {
    page: Page,
    programme: Programme,
    due: DueSummary,
    schedule: Vec<Due>,
    sessions: Vec<SessionRow>,
    updates: Vec<UpdateRow>,
    requests: Vec<RequestView>,
    reviews: Vec<ReviewFact>,
    actions: Vec<ActionView>,
    can_record_session: bool,
    can_write_update: bool,
    can_open_review: bool,
    /// The open-review form: month and meeting day, as typed or proposed.
    review_form: (String, String),
    errors: FieldErrors,
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<CadencePage> {
    page(&state, viewer, id, None, FieldErrors::new()).await
}

/// The cadence page; `typed` is the open-review form as sent, if it was refused.
pub(super) async fn page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    typed: Option<(String, String)>,
    errors: FieldErrors,
) -> Result<CadencePage> {
    let (user, programme, source) = see(state, viewer, id, Reads::OVERVIEW).await?;
    let user = &user;
    let now = state.now();
    let today = now.date_naive();
    let facts = source.facts();
    let phase = programme.phase();
    let last_month = Period::containing(today, crate::domain::metrics::Cadence::Monthly).previous();
    Ok(CadencePage {
        due: facts.due_summary(&programme, now),
        schedule: facts
            .schedule(&programme, today)
            .into_iter()
            .filter(|d| {
                d.due_on >= today - chrono::Duration::days(28)
                    && d.due_on <= today + chrono::Duration::days(42)
            })
            .collect(),
        actions: action_views(&source, today)
            .into_iter()
            .filter(|a| a.row.done_at.is_none())
            .collect(),
        requests: source
            .requests
            .iter()
            .rev()
            .take(5)
            .map(|r| RequestView::of(r, now))
            .collect(),
        can_record_session: user.can(Action::RecordAlignment),
        can_write_update: user.can(Action::WriteWeeklyUpdate) && phase == Phase::Deploying,
        can_open_review: user.can(Action::WriteExcoReview)
            && matches!(phase, Phase::PostDeployment | Phase::Deploying),
        review_form: typed.unwrap_or_else(|| {
            (
                last_month.to_string(),
                (today + chrono::Duration::days(7)).to_string(),
            )
        }),
        errors,
        page: Page::of(state, user),
        sessions: source.sessions.into_iter().rev().collect(),
        updates: source.updates,
        reviews: source.reviews.into_iter().rev().collect(),
        programme,
    })
}
