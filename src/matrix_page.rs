//! The responsibility matrix page's body (everything below its programme
//! navigation), written to HTML when the matrix or the programme changes
//! and kept beside the programme's document (issue 23): the grid with its
//! problems and the COO's reporting line. The link to edit and the
//! reporting line's form are for those who may edit, marked as such
//! (`kept`); each view fills in its own. A date asked for, or a form that
//! comes back with errors, is rendered now.

use askama::Template;
use chrono::NaiveDate;

use crate::db::programmes::Programme;
use crate::db::raci::Version;
use crate::domain::dates;
use crate::domain::permission::Action;
use crate::domain::raci::{Matrix, ReportingLine};
use crate::kept;
use crate::web::matrix::Grid;

#[derive(Template)]
#[template(path = "matrix/body.html")]
struct MatrixBody<'a> {
    programme: &'a Programme,
    grid: Option<Grid>,
    saved: String,
    as_of: Option<NaiveDate>,
    as_of_error: Option<&'a str>,
    /// Opens the link to edit and the reporting line's form.
    edit_gate: String,
    line: ReportingLine,
    lines: [ReportingLine; 3],
    line_note: &'a str,
    line_error: Option<&'a str>,
    csrf_token: &'static str,
}

/// What a view asked for besides the matrix: a date, and the reporting
/// line's form as typed with its error.
#[derive(Debug, Default)]
pub struct Asked<'a> {
    /// The matrix as it stood at the end of this day (`version` is the one
    /// then in force).
    pub as_of: Option<NaiveDate>,
    /// Why the date typed was not taken.
    pub as_of_error: Option<&'a str>,
    /// The note typed, and why the reporting line was not saved.
    pub line: Option<(&'a str, &'a str)>,
}

/// The body of `programme`'s matrix page with `version` in force (the
/// latest, unless a date was asked for) as every viewer's view is filled
/// from it ([`kept::fill`]).
pub fn render(programme: &Programme, version: Option<&Version>, asked: &Asked<'_>) -> Vec<String> {
    let (grid, saved) = match (asked.as_of, version) {
        (None, latest) => {
            let saved = latest.map(describe).unwrap_or_default();
            let grid = match latest {
                Some(found) => Grid::of(&found.matrix.0),
                None => Grid::of(&Matrix::framework_default()),
            };
            (Some(grid), saved)
        }
        (Some(_), Some(found)) => (Some(Grid::of(&found.matrix.0)), describe(found)),
        (Some(_), None) => (None, String::new()),
    };
    let body = MatrixBody {
        programme,
        grid,
        saved,
        as_of: asked.as_of,
        as_of_error: asked.as_of_error,
        edit_gate: kept::when(Action::EditMatrix),
        line: programme.reporting_line(),
        lines: ReportingLine::ALL,
        line_note: asked
            .line
            .map_or(programme.coo_reports_to_note.as_str(), |(note, _)| note),
        line_error: asked.line.map(|(_, error)| error),
        csrf_token: kept::CSRF,
    };
    // Writing to a String cannot fail.
    kept::split(&body.render().unwrap_or_default())
}

/// When a version was saved, and by whom.
fn describe(version: &Version) -> String {
    format!(
        "Version {}, saved {} at {} UTC{}",
        version.version,
        dates::long(version.saved_at),
        dates::clock(version.saved_at),
        version
            .saved_by_name
            .as_ref()
            .map(|name| format!(" by {name}"))
            .unwrap_or_default()
    )
}
