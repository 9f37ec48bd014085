//! GET /admin/programmes — the organisation's programmes, to create and edit.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "admin/programmes.html")]
pub(super) struct ProgrammesPage {
    page: Page,
    programmes: Vec<Programme>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<ProgrammesPage> {
    user.require(Action::Administer)?;
    Ok(ProgrammesPage {
        programmes: db::programmes::list_in_org(&state.pool, user.organisation_id).await?,
        page: Page::of(&state, &user),
    })
}
