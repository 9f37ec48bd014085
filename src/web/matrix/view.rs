//! GET /programmes/{id}/matrix — the grid with its problems, now or as it
//! stood on a chosen date (`?as_of=YYYY-MM-DD`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::{Grid, end_of};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::dates;
use crate::domain::permission::Action;
use crate::domain::raci::{Matrix, ReportingLine};
use crate::error::AppError;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "matrix/view.html")]
pub(super) struct MatrixPage {
    page: Page,
    programme: Programme,
    grid: Option<Grid>,
    saved: String,
    as_of: Option<NaiveDate>,
    as_of_error: Option<String>,
    can_edit: bool,
    line: ReportingLine,
    lines: [ReportingLine; 3],
    pub(super) line_note: String,
    pub(super) line_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ViewQuery {
    as_of: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(query): Query<ViewQuery>,
) -> Result<MatrixPage> {
    let (as_of, as_of_error) = match query.as_of.trim() {
        "" => (None, None),
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(date) => (Some(date), None),
            Err(_) => (None, Some("Enter a date as YYYY-MM-DD.".to_owned())),
        },
    };
    // The programme and its matrix in one round trip.
    let seen = db::pages::matrix(&state.pool, &viewer.who(&state), id, as_of.map(end_of)).await?;
    let (user, source) = viewer.admit(&state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.ok_or(AppError::NotFound)?;
    let mut page = page_of(&state, &user, programme, as_of, source.version);
    page.as_of_error = as_of_error;
    Ok(page)
}

/// The page for a programme as it stands now.
pub(super) async fn build(
    state: &AppState,
    user: &CurrentUser,
    programme: Programme,
) -> Result<MatrixPage> {
    let version = db::raci::latest(&state.pool, programme.id).await?;
    Ok(page_of(state, user, programme, None, version))
}

/// The page of `programme` with the matrix `version` in force (now, or as
/// of a date).
fn page_of(
    state: &AppState,
    user: &CurrentUser,
    programme: Programme,
    as_of: Option<NaiveDate>,
    version: Option<db::raci::Version>,
) -> MatrixPage {
    let (grid, saved) = match (as_of, version) {
        (None, latest) => {
            let saved = latest.as_ref().map(describe).unwrap_or_default();
            let matrix = latest.map_or_else(Matrix::framework_default, |v| v.matrix.0);
            (Some(Grid::of(&matrix)), saved)
        }
        (Some(_), Some(found)) => (Some(Grid::of(&found.matrix.0)), describe(&found)),
        (Some(_), None) => (None, String::new()),
    };
    MatrixPage {
        page: Page::of(state, user),
        line: programme.reporting_line(),
        line_note: programme.coo_reports_to_note.clone(),
        line_error: None,
        programme,
        grid,
        saved,
        as_of,
        as_of_error: None,
        can_edit: user.can(Action::EditMatrix),
        lines: ReportingLine::ALL,
    }
}

fn describe(version: &db::raci::Version) -> String {
    format!(
        "Version {}, saved {} at {} UTC{}",
        version.version,
        dates::long(version.saved_at),
        dates::clock(&version.saved_at),
        version
            .saved_by_name
            .as_ref()
            .map(|name| format!(" by {name}"))
            .unwrap_or_default()
    )
}
