//! GET /programmes/{id}/dashboard — the shared dashboard: the primary metric
//! first and largest, then the business and operational metrics with their
//! status and sparklines, then ROI against the signed business case.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use crate::auth::extract::Viewer;
use crate::db;
use crate::db::metrics::BoardRead;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::forms::FieldErrors;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/view.html")]
pub(super) struct DashboardPage {
    page: Page,
    programme: Programme,
    /// The board as HTML (`board_shown`): kept, or rendered now.
    shown: String,
    can_record_roi: bool,
    can_import: bool,
    /// The ROI form as typed (empty on a first view).
    pub(super) roi_form: super::RoiForm,
    /// Messages beside the ROI form's fields.
    pub(super) roi_errors: FieldErrors,
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<DashboardPage> {
    page(&state, viewer, id).await
}

/// The dashboard of programme `id`, with an empty ROI form: the board as
/// kept if it is what it would render now, else rendered from the kept
/// document, in one round trip with the session.
pub(super) async fn page(state: &AppState, viewer: Viewer, id: Uuid) -> Result<DashboardPage> {
    let today = state.now().date_naive();
    let markup = crate::board_shown::markup();
    let seen =
        db::metrics::dashboard_view(state.readers(), &viewer.who(state), id, today, markup).await?;
    let (user, (programme, board)) = viewer.admit(state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = programme.ok_or(AppError::NotFound)?;
    let shown = match board {
        BoardRead::Shown(shown) => shown,
        BoardRead::Source(source) => crate::board_shown::render(programme.id, &source, today).0,
    };
    Ok(DashboardPage {
        page: Page::of(state, &user),
        shown,
        roi_form: Default::default(),
        roi_errors: FieldErrors::new(),
        can_record_roi: user.can(Action::RecordBusinessMetric),
        can_import: user.can(Action::RecordBusinessMetric)
            || user.can(Action::RecordOperationalMetric),
        programme,
    })
}
