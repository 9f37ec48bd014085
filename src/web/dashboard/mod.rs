//! The shared metrics dashboard of a programme: the overview, a page per
//! metric with its chart, history and record / correct form, the actual
//! investment and benefit against the signed business case, and CSV out and in.

mod import;
mod metric;
mod roi_record;
mod view;

use crate::board::{Board, MetricView};

use uuid::Uuid;

use super::Routes;
use crate::auth::extract::{CurrentUser, Viewer};
use crate::db;
use crate::db::metrics::DashboardSource;
use crate::db::programmes::Programme;
use crate::domain::metrics::MetricKind;
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(crate::paths::route::DASHBOARD, view::show)
        .get(crate::paths::route::DASHBOARD_CSV, import::export)
        .get(crate::paths::route::DASHBOARD_XLSX, import::export_xlsx)
        .get(crate::paths::route::DASHBOARD_IMPORT, import::show)
        .post(crate::paths::route::DASHBOARD_IMPORT, import::submit)
        .post(crate::paths::route::DASHBOARD_ROI, roi_record::submit)
        .get(crate::paths::route::METRIC, metric::show)
        .post(crate::paths::route::METRIC, metric::submit)
}

/// The action that records values of a metric of this kind.
pub(crate) fn record_action(kind: MetricKind) -> Action {
    match kind {
        MetricKind::Business => Action::RecordBusinessMetric,
        MetricKind::Operational => Action::RecordOperationalMetric,
    }
}

/// The user, the programme if they may read it, and its dashboard source,
/// in one round trip with the session.
async fn load(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    focus: Option<&str>,
) -> Result<(CurrentUser, Programme, DashboardSource)> {
    let seen = db::metrics::dashboard_page(state.readers(), &viewer.who(state), id, focus).await?;
    let (user, (programme, source)) = viewer.admit(state, seen).await?;
    user.require(crate::domain::permission::Action::ReadProgramme)?;
    Ok((user, programme.ok_or(AppError::NotFound)?, source))
}

/// Finds a metric of the board, or 404.
fn metric_of<'a>(board: &'a Board, metric: &str) -> Result<&'a MetricView> {
    board
        .metrics
        .iter()
        .find(|m| m.def.id == metric)
        .ok_or(AppError::NotFound)
}

/// A month of actual investment and benefit, as typed (the dashboard shows
/// the form; the ROI action reads it).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct RoiForm {
    pub(super) month: String,
    pub(super) investment: String,
    pub(super) benefit: String,
    pub(super) note: String,
    pub(super) version: String,
}
