//! GET /admin/seats — who holds which seat, and who held it before.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::seats::Seat;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "admin/seats.html")]
pub(super) struct SeatsPage {
    page: Page,
    sitting: Vec<Seat>,
    history: Vec<Seat>,
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<SeatsPage> {
    user.require(Action::Administer)?;
    let (sitting, history) = db::seats::all_in_org(&state.pool, user.organisation_id)
        .await?
        .into_iter()
        .partition(|seat| seat.ended_at.is_none());
    Ok(SeatsPage {
        page: Page::of(&state, &user),
        sitting,
        history,
    })
}
