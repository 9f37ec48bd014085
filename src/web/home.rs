//! GET / — what needs me now, then my programmes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::Routes;
use super::pages::Page;
use crate::auth::extract::Viewer;
use crate::db;
use crate::db::pages::HomeCommittee;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::error::Result;
use crate::needs::{ACTIONS_AHEAD_DAYS, Needs};
use crate::paths;
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
    needs: Needs,
    /// For the committee: each live programme's next review and latest pack.
    committee: Vec<HomeCommittee>,
}

async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<HomePage> {
    let now = state.now();
    let seen = db::pages::home(state.readers(), &viewer.who(&state)).await?;
    let (user, kept) = viewer.admit(&state, seen).await?;
    let mut source = kept.for_reader(
        user.id,
        user.seats.holds(SeatKind::Ceo),
        now.date_naive() + chrono::Duration::days(ACTIONS_AHEAD_DAYS),
    );
    let committee = if user.can(Action::ReadProgramme) {
        std::mem::take(&mut source.committee)
    } else {
        Vec::new()
    };
    let (needs, programmes) = Needs::of(source, &user.seats, now);
    Ok(HomePage {
        needs,
        committee,
        page: Page::of(&state, &user),
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
