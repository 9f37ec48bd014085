//! GET / — what needs me now, then my programmes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::Routes;
use super::pages::Page;
use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::brief::{AwaitingAgreement, AwaitingSignature};
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Owner, SECTIONS};
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::error::Result;
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
    to_sign: Vec<AwaitingSignature>,
    to_agree: Vec<(AwaitingAgreement, &'static str)>,
}

async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<HomePage> {
    let joint: Vec<&str> = SECTIONS
        .iter()
        .filter(|s| s.owner == Owner::Joint)
        .map(|s| s.key)
        .collect();
    let as_ceo = user.seats.holds(SeatKind::Ceo);
    let source =
        db::pages::home(&state.pool, user.organisation_id, user.id, as_ceo, &joint).await?;
    let programmes = if user.can(Action::ReadProgramme) {
        source.programmes
    } else {
        Vec::new()
    };
    let to_sign = if user.can(Action::SignBrief) {
        source.to_sign
    } else {
        Vec::new()
    };
    let to_agree = if as_ceo || user.seats.holds(SeatKind::Coo) {
        source
            .to_agree
            .into_iter()
            .filter_map(|item| {
                brief::section(&item.section_key).map(|section| (item, section.title))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(HomePage {
        to_sign,
        to_agree,
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
