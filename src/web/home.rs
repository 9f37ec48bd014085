//! GET / — what needs me now, then my programmes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::Routes;
use super::pages::Page;
use super::paths;
use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new().get(paths::HOME, show)
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    first_name: String,
    has_seat: bool,
    is_admin: bool,
    programmes: Vec<Programme>,
}

async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<HomePage> {
    let programmes = if user.can(Action::ReadProgramme) {
        db::programmes::list_in_org(&state.pool, user.organisation_id).await?
    } else {
        Vec::new()
    };
    Ok(HomePage {
        page: Page::for_user(&state, &user).await?,
        first_name: user
            .display_name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        has_seat: !user.seats.is_empty(),
        is_admin: user.can(Action::Administer),
        programmes,
    })
}
