//! GET / — what needs me now, then my programmes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::Routes;
use super::pages::Page;
use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::brief::{AwaitingAgreement, AwaitingSignature};
use crate::db::pages::{HomeAction, HomeRequest, HomeReview};
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Owner, SECTIONS};
use crate::domain::cadence::{self, Clock};
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;

/// Action items due within this many days show on the home page.
const ACTIONS_AHEAD_DAYS: i64 = 7;

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
    /// Decisions awaiting me, with their clocks.
    decisions: Vec<(HomeRequest, Clock)>,
    /// Weekly updates I must write: programme, name, week.
    updates_due: Vec<(uuid::Uuid, String, u32)>,
    /// ExCo reviews whose part is mine to write.
    reviews_due: Vec<HomeReview>,
    /// My action items due soon or overdue, with whether overdue.
    my_actions: Vec<(HomeAction, bool)>,
    /// Programmes showing warning signs: id, name, how many.
    signs: Vec<(uuid::Uuid, String, usize)>,
}

impl HomePage {
    fn has_needs(&self) -> bool {
        !(self.to_sign.is_empty()
            && self.to_agree.is_empty()
            && self.decisions.is_empty()
            && self.updates_due.is_empty()
            && self.reviews_due.is_empty()
            && self.my_actions.is_empty()
            && self.signs.is_empty())
    }
}

async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<HomePage> {
    let joint: Vec<&str> = SECTIONS
        .iter()
        .filter(|s| s.owner == Owner::Joint)
        .map(|s| s.key)
        .collect();
    let as_ceo = user.seats.holds(SeatKind::Ceo);
    let now = state.now();
    let today = now.date_naive();
    let source = db::pages::home(
        &state.pool,
        user.organisation_id,
        user.id,
        as_ceo,
        &joint,
        today + chrono::Duration::days(ACTIONS_AHEAD_DAYS),
    )
    .await?;
    let as_coo = user.seats.holds(SeatKind::Coo);
    let decisions = if user.can(Action::DecideRequest) {
        source
            .open_requests
            .into_iter()
            .map(|r| {
                let clock = Clock::of(r.raised_at, None, now);
                (r, clock)
            })
            .collect()
    } else {
        Vec::new()
    };
    let updates_due = if user.can(Action::WriteWeeklyUpdate) {
        source
            .deploying
            .into_iter()
            .filter_map(|p| {
                let week = cadence::deployment_week(p.deploying_since?, today)?;
                (!p.weeks.contains(&i32::try_from(week).ok()?)).then_some((
                    p.programme_id,
                    p.programme_name,
                    week,
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    let reviews_due = source
        .open_reviews
        .into_iter()
        .filter(|r| (as_ceo && r.ceo_missing) || (as_coo && r.coo_missing))
        .collect();
    let my_actions = source
        .actions
        .into_iter()
        .filter(|a| match SeatKind::executive(&a.owner_seat) {
            Some(SeatKind::Ceo) => as_ceo,
            Some(SeatKind::Coo) => as_coo,
            _ => false,
        })
        .map(|a| {
            let overdue = a.due_on < today;
            (a, overdue)
        })
        .collect();
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
    // A warning sign on one of my programmes stays here until it clears.
    let signs = if as_ceo || as_coo {
        programmes
            .iter()
            .filter(|p| p.phase() != crate::domain::phase::Phase::Closed)
            .map(|p| (p.id, p.name.clone(), p.sign_count(now)))
            .filter(|(_, _, count)| *count > 0)
            .collect()
    } else {
        Vec::new()
    };
    Ok(HomePage {
        signs,
        decisions,
        updates_due,
        reviews_due,
        my_actions,
        to_sign,
        to_agree,
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
