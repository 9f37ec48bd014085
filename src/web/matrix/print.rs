//! GET /programmes/{id}/matrix/print — a compact read-only matrix for one
//! A4 landscape page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use super::{Grid, current, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::db::programmes::Programme;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "matrix/print.html")]
pub(super) struct PrintPage {
    page: Page,
    programme: Programme,
    grid: Grid,
    version: i32,
    printed: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<PrintPage> {
    let programme = readable_programme(&state, &user, id).await?;
    let (version, matrix) = current(&state, id).await?;
    Ok(PrintPage {
        page: Page::of(&state, &user),
        programme,
        grid: Grid::of(&matrix),
        version,
        printed: crate::domain::dates::long(state.now()).to_string(),
    })
}
