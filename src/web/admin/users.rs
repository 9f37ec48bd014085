//! GET /admin/users — everyone in the organisation and their seats.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::users::Listed;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub(super) struct UsersPage {
    page: Page,
    users: Vec<Listed>,
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<UsersPage> {
    user.require(Action::Administer)?;
    Ok(UsersPage {
        users: db::users::list_in_org(&state.pool, user.organisation_id).await?,
        page: Page::of(&state, &user),
    })
}
