//! GET /programmes/{id}/dashboard — the shared dashboard: the primary metric
//! first and largest, then the business and operational metrics with their
//! status and sparklines, then ROI against the signed business case.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use super::load;
use crate::auth::extract::Viewer;
use crate::board::{Board, MetricView};
use crate::db::programmes::Programme;
use crate::domain::metrics::{MetricKind, NEAR, ON_TRACK, format_number};
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::forms::FieldErrors;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/view.html")]
pub(super) struct DashboardPage {
    page: Page,
    programme: Programme,
    board: Board,
    can_record_roi: bool,
    can_import: bool,
    thresholds: (String, String),
    /// (heading, id, metrics): business, then operational.
    groups: Vec<(&'static str, &'static str, Vec<MetricView>)>,
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

/// The dashboard of programme `id`, with an empty ROI form.
pub(super) async fn page(state: &AppState, viewer: Viewer, id: Uuid) -> Result<DashboardPage> {
    let (user, programme, source) = load(state, viewer, id, None).await?;
    let user = &user;
    let board = Board::build(&source, state.now().date_naive());
    let group = |kind| board.of_kind(kind).into_iter().cloned().collect();
    let groups = vec![
        ("Business metrics", "business", group(MetricKind::Business)),
        (
            "Operational metrics",
            "operational",
            group(MetricKind::Operational),
        ),
    ];
    Ok(DashboardPage {
        groups,
        page: Page::of(state, user),
        roi_form: Default::default(),
        roi_errors: FieldErrors::new(),
        can_record_roi: user.can(Action::RecordBusinessMetric),
        can_import: user.can(Action::RecordBusinessMetric)
            || user.can(Action::RecordOperationalMetric),
        thresholds: (format_number(ON_TRACK * 100.0), format_number(NEAR * 100.0)),
        programme,
        board,
    })
}
