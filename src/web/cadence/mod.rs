//! The cadence of a programme (SPEC §2): what is due and overdue, weekly
//! alignment sessions with their relationship checks and action items,
//! weekly COO updates with decision requests on a 24-hour clock, the
//! decision log, and monthly ExCo reviews frozen into a printable pack.

mod actions;
mod decisions;
mod overview;
mod review_pipeline;
mod reviews;
mod sessions;
mod updates;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Routes;
use crate::auth::extract::{CurrentUser, Viewer};
use crate::db;
use crate::db::cadence::{ActionRow, CadenceSource, NewAction, Reads, RequestRow};
use crate::db::programmes::Programme;
use crate::domain::cadence::{self, Clock, Outcome};
use crate::domain::dates::Day;
use crate::domain::metrics::{Cadence, Period};
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::domain::values::text;
use crate::error::{AppError, Result};
use crate::paths::route;
use crate::state::AppState;
use crate::web::forms::{FieldErrors, Typed};

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(route::CADENCE, overview::show)
        .get(route::SESSION_NEW, sessions::new)
        .post(route::SESSIONS, sessions::create)
        .get(route::SESSION, sessions::show)
        .post(route::SESSION_CHECK, sessions::check)
        .post(route::ACTION_ITEM, actions::submit)
        .get(route::UPDATE_NEW, updates::new)
        .post(route::UPDATES, updates::create)
        .get(route::UPDATE, updates::show)
        .post(route::UPDATE_REQUESTS, updates::raise)
        .get(route::DECISIONS, decisions::log)
        .get(route::DECISION, decisions::show)
        .post(route::DECISION, decisions::decide)
        .post(route::REVIEWS, reviews::open)
        .get(route::REVIEW, reviews::show)
        .post(route::REVIEW, reviews::write)
        .post(route::REVIEW_HOLD, reviews::hold)
        .post(route::REVIEW_PIPELINE, review_pipeline::submit)
        .get(route::REVIEW_PACK, reviews::pack)
        .get(route::REVIEW_VERIFY, reviews::verify)
}

/// The user, and the programme's cadence if they may read it (404
/// otherwise), in one round trip with the session.
async fn see(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    reads: Reads<'_>,
) -> Result<(CurrentUser, Programme, CadenceSource)> {
    let seen = db::cadence::source(state.readers(), &viewer.who(state), id, reads).await?;
    let (user, mut source) = viewer.admit(state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.take().ok_or(AppError::NotFound)?;
    Ok((user, programme, source))
}

/// The programme's cadence, if `user` may read it; 404 otherwise.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    reads: Reads<'_>,
) -> Result<(Programme, CadenceSource)> {
    let (_, programme, source) = see(state, Viewer::Known(user.clone()), id, reads).await?;
    Ok((programme, source))
}

/// An action item as pages show it.
#[derive(Debug, Clone)]
pub(crate) struct ActionView {
    pub row: ActionRow,
    /// How many sessions it was carried over to.
    pub carried: usize,
    /// Carried twice and still open: proposed for the next ExCo agenda.
    pub flagged: bool,
    /// Past its due date and still open.
    pub overdue: bool,
}

impl ActionView {
    /// Who owns it.
    pub fn owner(&self) -> &'static str {
        seat_label(&self.row.owner_seat)
    }

    /// Where it was set: "session 3", "ExCo review of October 2026".
    pub fn origin(&self) -> String {
        match (&self.row.session_number, &self.row.review_month) {
            (Some(n), _) => format!("session {n}"),
            (None, Some(month)) => Period::parse_for(month, Cadence::Monthly).map_or_else(
                |_| month.clone(),
                |p| format!("ExCo review of {}", p.label()),
            ),
            _ => "—".to_owned(),
        }
    }
}

/// The executive seat's label ("—" for anything else).
fn seat_label(seat: &str) -> &'static str {
    SeatKind::executive(seat).map_or("—", SeatKind::label)
}

/// The programme's action items with their carry-over counts.
fn action_views(source: &CadenceSource, today: NaiveDate) -> Vec<ActionView> {
    source
        .actions
        .iter()
        .map(|row| {
            let carried = cadence::times_carried(
                row.origin_on,
                row.done_at.map(|d| d.date_naive()),
                &source.held_on,
            );
            ActionView {
                flagged: cadence::flagged(carried, row.done_at.is_some()),
                overdue: row.done_at.is_none() && row.due_on < today,
                carried,
                row: row.clone(),
            }
        })
        .collect()
}

/// A decision request as pages show it.
#[derive(Debug, Clone)]
pub(crate) struct RequestView {
    pub row: RequestRow,
    /// Its 24-hour clock.
    pub clock: Clock,
    /// The outcome, once decided.
    pub outcome: Option<Outcome>,
}

impl RequestView {
    fn of(row: &RequestRow, now: DateTime<Utc>) -> RequestView {
        RequestView {
            clock: Clock::of(row.raised_at, row.decided_at, now),
            outcome: row.decision.as_deref().and_then(Outcome::parse),
            row: row.clone(),
        }
    }

    /// The deadline.
    pub fn deadline(&self) -> DateTime<Utc> {
        cadence::deadline(self.row.raised_at)
    }
}

/// Up to this many action items can be added on one form.
pub(crate) const ACTION_ROWS: usize = 3;

/// An action-item row of a form, as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionInput {
    pub title: String,
    /// `ceo` or `coo`.
    pub owner: String,
    /// Due date, as typed.
    pub due: String,
}

/// Reads the action-item rows `action_title_N`, `action_owner_N`,
/// `action_due_N` of a form into what was typed and what they mean; empty
/// rows are skipped, bad ones get a message beside the field.
pub(crate) fn parse_actions(
    form: &impl Typed,
    errors: &mut FieldErrors,
) -> (Vec<ActionInput>, Vec<NewAction>) {
    let mut typed = Vec::new();
    let mut parsed = Vec::new();
    for n in 1..=ACTION_ROWS {
        let get = |key: &str| form.value(&format!("{key}_{n}")).to_owned();
        let input = ActionInput {
            title: get("action_title").trim().to_owned(),
            owner: get("action_owner"),
            due: get("action_due").trim().to_owned(),
        };
        if !input.title.is_empty() {
            let owner = match SeatKind::executive(&input.owner) {
                Some(seat) => Some(seat.as_str()),
                None => {
                    errors.add(format!("action_owner_{n}"), "Choose who owns this action.");
                    None
                }
            };
            let due = errors.check(
                format!("action_due_{n}"),
                Day::parse(&input.due).map(Day::date),
            );
            match text(&input.title, 300) {
                Ok(title) => {
                    if let (Some(owner_seat), Some(due_on)) = (owner, due) {
                        parsed.push(NewAction {
                            title,
                            owner_seat,
                            due_on,
                        });
                    }
                }
                Err(message) => errors.add(format!("action_title_{n}"), message),
            }
        }
        typed.push(input);
    }
    (typed, parsed)
}
