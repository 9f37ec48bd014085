//! The responsibility matrix of a programme: view (now or as of a date),
//! edit the whole grid, history and comparison, print, CSV, and the COO's
//! AI reporting line.

mod edit;
mod export;
mod form;
mod history;
mod print;
mod reporting_line;
mod view;

use chrono::{DateTime, Days, NaiveDate, Utc};
use uuid::Uuid;

use super::Routes;
use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::raci::{Letter, Matrix, Role, validate};
use crate::error::Result;
use crate::state::AppState;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(crate::paths::route::MATRIX, view::show)
        .post(crate::paths::route::MATRIX, edit::submit)
        .get(crate::paths::route::MATRIX_EDIT, edit::show)
        .get(crate::paths::route::MATRIX_HISTORY, history::show)
        .get(crate::paths::route::MATRIX_PRINT, print::show)
        .get(crate::paths::route::MATRIX_CSV, export::csv)
        .get(crate::paths::route::MATRIX_XLSX, export::xlsx)
        .post(crate::paths::route::REPORTING_LINE, reporting_line::submit)
}

/// A programme the user may read, or 404.
async fn readable_programme(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Programme> {
    crate::web::extract::readable(state, user, id).await
}

/// The current matrix and its version number (0 and the framework default if
/// none was ever saved).
async fn current(state: &AppState, programme_id: Uuid) -> Result<(i32, Matrix)> {
    Ok(match db::raci::latest(&state.pool, programme_id).await? {
        Some(version) => (version.version, version.matrix.0),
        None => (0, Matrix::framework_default()),
    })
}

/// The first instant after the end of `date` (UTC): "as it stood on D"
/// means every version saved before this.
fn end_of(date: NaiveDate) -> DateTime<Utc> {
    date.checked_add_days(Days::new(1))
        .unwrap_or(date)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

/// The matrix as the grid shows it: active roles, and each row with its
/// letters aligned to them and its problems spelled out.
#[derive(Debug, Clone)]
pub struct Grid {
    pub roles: Vec<Role>,
    pub rows: Vec<GridRow>,
    /// How many rows have problems.
    pub problem_rows: usize,
    /// Whether any row routes a COO responsibility through the CTO.
    pub routed_through_cto: bool,
}

/// One row of the grid.
#[derive(Debug, Clone)]
pub struct GridRow {
    pub name: String,
    pub description: String,
    /// Kind, for people.
    pub kind: &'static str,
    /// Kind, for CSS.
    pub kind_class: &'static str,
    /// Letters, aligned with [`Grid::roles`].
    pub cells: Vec<Option<Letter>>,
    /// What is wrong, in words.
    pub problems: Vec<String>,
}

impl Grid {
    /// The grid of a matrix.
    pub fn of(matrix: &Matrix) -> Grid {
        let roles: Vec<Role> = matrix.active_roles().cloned().collect();
        let problems = validate(matrix);
        let rows = matrix
            .active_rows()
            .map(|row| {
                let found = problems.iter().find(|p| p.row_key == row.key);
                GridRow {
                    name: row.name.clone(),
                    description: row.description.clone(),
                    kind: row.kind.label(),
                    kind_class: row.kind.as_str(),
                    cells: roles.iter().map(|role| row.cell(&role.key)).collect(),
                    problems: found
                        .map(|p| p.problems.iter().map(|problem| problem.message()).collect())
                        .unwrap_or_default(),
                }
            })
            .collect();
        Grid {
            roles,
            rows,
            problem_rows: problems.len(),
            routed_through_cto: problems
                .iter()
                .any(|p| p.problems.iter().any(|problem| problem.is_warning_sign())),
        }
    }
}
