//! What needs a person now — signatures, decisions, updates, review parts,
//! action items, warning signs — from the home page's source and their
//! seats. The home page lists it; the weekly digest closes with it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::brief::{AwaitingAgreement, AwaitingSignature};
use crate::db::pages::{
    HomeAction, HomeIncident, HomeRequest, HomeReview, HomeSource, HomeSuspended,
};
use crate::db::programmes::Programme;
use crate::domain::brief;
use crate::domain::cadence::{self, Clock};
use crate::domain::permission::Action;
use crate::domain::seat::{SeatKind, Seats};

/// Action items due within this many days need their owner now.
pub const ACTIONS_AHEAD_DAYS: i64 = 7;

/// Everything waiting for one person.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    /// Programmes showing warning signs: id, name, how many.
    pub signs: Vec<(Uuid, String, usize)>,
    /// Decisions awaiting me, with their clocks.
    pub decisions: Vec<(HomeRequest, Clock)>,
    /// Weekly updates I must write: programme, name, week.
    pub updates_due: Vec<(Uuid, String, u32)>,
    /// ExCo reviews whose part is mine to write.
    pub reviews_due: Vec<HomeReview>,
    /// My action items due soon or overdue, with whether overdue.
    pub my_actions: Vec<(HomeAction, bool)>,
    pub to_sign: Vec<AwaitingSignature>,
    pub to_agree: Vec<(AwaitingAgreement, &'static str)>,
    /// Serious incidents I have not acknowledged yet.
    pub incidents: Vec<HomeIncident>,
    /// Suspended agents whose resumption waits for my decision.
    pub resumptions: Vec<HomeSuspended>,
}

impl Needs {
    /// What `source` holds for someone in `seats` at `now`, and the
    /// programmes they may read.
    pub fn of(source: HomeSource, seats: &Seats, now: DateTime<Utc>) -> (Needs, Vec<Programme>) {
        let today = now.date_naive();
        let as_ceo = seats.holds(SeatKind::Ceo);
        let as_coo = seats.holds(SeatKind::Coo);
        let decisions = if seats.permits(Action::DecideRequest) {
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
        let updates_due = if seats.permits(Action::WriteWeeklyUpdate) {
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
        let programmes = if seats.permits(Action::ReadProgramme) {
            source.programmes
        } else {
            Vec::new()
        };
        let to_sign = if seats.permits(Action::SignBrief) {
            source.to_sign
        } else {
            Vec::new()
        };
        let to_agree = if as_ceo || as_coo {
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
        // A warning sign on one of my programmes stays until it clears.
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
        let incidents = source
            .incidents
            .into_iter()
            .filter(|i| (as_ceo && !i.ceo_acknowledged) || (as_coo && !i.coo_acknowledged))
            .collect();
        let resumptions = source
            .suspended
            .into_iter()
            .filter(|a| {
                let open = |seat: &str| !a.decided.iter().any(|d| d == seat);
                (as_coo && open("coo")) || (as_ceo && a.ceo_needed && open("ceo"))
            })
            .collect();
        let needs = Needs {
            incidents,
            resumptions,
            signs,
            decisions,
            updates_due,
            reviews_due,
            my_actions,
            to_sign,
            to_agree,
        };
        (needs, programmes)
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty()
            && self.resumptions.is_empty()
            && self.to_sign.is_empty()
            && self.to_agree.is_empty()
            && self.decisions.is_empty()
            && self.updates_due.is_empty()
            && self.reviews_due.is_empty()
            && self.my_actions.is_empty()
            && self.signs.is_empty()
    }

    /// Each need as one line of plain text with the page it links to (the
    /// digest's list).
    pub fn lines(&self) -> Vec<(String, String)> {
        let mut lines = Vec::new();
        for (id, name, count) in &self.signs {
            let what = if *count == 1 {
                "A warning sign stands".to_owned()
            } else {
                format!("{count} warning signs stand")
            };
            lines.push((format!("{what} — {name}"), crate::paths::health(id)));
        }
        for i in &self.incidents {
            lines.push((
                format!(
                    "Acknowledge serious incident #{}: {} — {}",
                    i.number, i.title, i.programme_name
                ),
                crate::paths::incident(i.programme_id, i.number),
            ));
        }
        for a in &self.resumptions {
            lines.push((
                format!(
                    "{} is suspended: decide whether it resumes — {}",
                    a.name, a.programme_name
                ),
                crate::paths::agent(a.programme_id, a.agent_id),
            ));
        }
        for (r, clock) in &self.decisions {
            lines.push((
                format!(
                    "Decide #{}: {} — {} ({})",
                    r.number,
                    r.question,
                    r.programme_name,
                    clock.describe()
                ),
                crate::paths::decision(r.programme_id, r.number),
            ));
        }
        for (id, name, week) in &self.updates_due {
            lines.push((
                format!("Write the week {week} update — {name}"),
                crate::paths::update_new(id),
            ));
        }
        for r in &self.reviews_due {
            lines.push((
                format!(
                    "Write your part of the review of {} — {}",
                    r.month, r.programme_name
                ),
                crate::paths::review(r.programme_id, &r.month),
            ));
        }
        for (a, overdue) in &self.my_actions {
            let when = if *overdue { "overdue since" } else { "due" };
            lines.push((
                format!(
                    "{} — {} ({when} {})",
                    a.title,
                    a.programme_name,
                    a.due_on.format("%-d %B")
                ),
                crate::paths::cadence(a.programme_id),
            ));
        }
        for item in &self.to_sign {
            lines.push((
                format!(
                    "Sign version {} of the brief — {}",
                    item.number, item.programme_name
                ),
                crate::paths::brief_sign(item.programme_id, item.number),
            ));
        }
        for (item, title) in &self.to_agree {
            lines.push((
                format!("Agree “{title}” — {}", item.programme_name),
                crate::paths::brief(item.programme_id),
            ));
        }
        lines
    }
}
