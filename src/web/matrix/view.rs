//! GET /programmes/{id}/matrix — the grid with its problems, now or as it
//! stood on a chosen date (`?as_of=YYYY-MM-DD`): the body kept for every
//! viewer (`matrix_page`), or for a date rendered now, filled for this one.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::end_of;
use crate::auth::extract::{CurrentUser, Viewer};
use crate::db;
use crate::db::pages::MatrixRead;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::error::AppError;
use crate::error::Result;
use crate::kept;
use crate::matrix_page::{self, Asked};
use crate::programme_pages;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "matrix/view.html")]
pub(super) struct MatrixPage {
    page: Page,
    programme: Programme,
    /// The body as this viewer sees it.
    body: String,
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
            Err(_) => (None, Some("Enter a date as YYYY-MM-DD.")),
        },
    };
    // The programme and its matrix in one round trip.
    let who = viewer.who(&state);
    let before = as_of.map(end_of);
    let seen =
        db::pages::matrix(state.readers(), &who, id, before, programme_pages::markup()).await?;
    let (user, source) = viewer.admit(&state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.ok_or(AppError::NotFound)?;
    let parts = match source.read {
        MatrixRead::Shown(parts) => parts,
        MatrixRead::Version(version) => {
            let asked = Asked {
                as_of,
                as_of_error,
                line: None,
            };
            matrix_page::render(&programme, version.as_ref(), &asked)
        }
    };
    Ok(page_of(&state, &user, programme, &parts))
}

/// The page for a programme as it stands now, with the reporting line's
/// form as typed and why it was not saved.
pub(super) async fn with_line_error(
    state: &AppState,
    user: &CurrentUser,
    programme: Programme,
    (note, error): (&str, &str),
) -> Result<MatrixPage> {
    let version = db::raci::latest(&state.pool, programme.id).await?;
    let asked = Asked {
        line: Some((note, error)),
        ..Asked::default()
    };
    let parts = matrix_page::render(&programme, version.as_ref(), &asked);
    Ok(page_of(state, user, programme, &parts))
}

/// The page around a body, filled for `user`.
fn page_of(
    state: &AppState,
    user: &CurrentUser,
    programme: Programme,
    parts: &[String],
) -> MatrixPage {
    MatrixPage {
        body: kept::fill(parts, user.kept()),
        page: Page::of(state, user),
        programme,
    }
}
