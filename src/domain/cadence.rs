//! The cadence of SPEC §2, as rules over dates: what each phase expects and
//! when, the 24-hour clock of decision requests, and action items that
//! carry over from one alignment session to the next.
//!
//! Nothing here runs in the background: every answer is computed from the
//! stored timestamps and the clock the caller passes in.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::metrics::{Cadence, Period};
use super::phase::Phase;

/// How long the CEO has to answer a decision request.
pub const DECISION_WINDOW: Duration = Duration::hours(24);
/// The weeks of a deployment that each get a COO update.
pub const DEPLOYMENT_WEEKS: u32 = 8;
/// How many monthly ExCo reviews follow go-live (months 2–12 review months 1–11).
pub const REVIEW_MONTHS: u32 = 11;
/// The day of the following month by which a month's ExCo review is due.
pub const REVIEW_DUE_DAY: u32 = 15;
/// How far ahead the schedule looks for alignment sessions not yet held.
pub const LOOKAHEAD_WEEKS: i64 = 4;
/// An open action item carried over this many times is flagged and proposed
/// for the next ExCo agenda.
pub const CARRIED_FLAG: usize = 2;

/// Who writes a cadence record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// The CEO and the COO together.
    Both,
    Coo,
    Ceo,
}

impl Writer {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Writer::Both => "CEO and COO",
            Writer::Coo => "COO",
            Writer::Ceo => "CEO",
        }
    }
}

/// A record the cadence expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The weekly alignment session of an ISO week (pre-deployment).
    Session(Period),
    /// The COO's update for week 1–8 of the deployment.
    Update(u32),
    /// The ExCo review of a month (post-deployment).
    Review(Period),
}

impl Expected {
    /// What it is, in a few words.
    pub fn title(self) -> String {
        match self {
            Expected::Session(week) => format!("Alignment session, {}", week.label()),
            Expected::Update(week) => format!("COO update, week {week} of {DEPLOYMENT_WEEKS}"),
            Expected::Review(month) => format!("ExCo review of {}", month.label()),
        }
    }

    /// Who writes it.
    pub fn writer(self) -> Writer {
        match self {
            Expected::Session(_) | Expected::Review(_) => Writer::Both,
            Expected::Update(_) => Writer::Coo,
        }
    }

    /// A key that stays the same however the event moves: the calendar's UID.
    pub fn key(self) -> String {
        match self {
            Expected::Session(week) => format!("session-{week}"),
            Expected::Update(week) => format!("update-week-{week}"),
            Expected::Review(month) => format!("review-{month}"),
        }
    }
}

/// Where an expected record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    Done,
    /// Due now (its period has begun, its day not passed).
    Due,
    /// Its day has passed and nothing was recorded.
    Overdue,
    Upcoming,
    /// No longer expected: the programme moved on before it fell due.
    Cancelled,
    /// Not recorded, and its phase is over: history, no longer overdue.
    Missed,
}

impl DueState {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            DueState::Done => "done",
            DueState::Due => "due",
            DueState::Overdue => "overdue",
            DueState::Upcoming => "upcoming",
            DueState::Cancelled => "called off",
            DueState::Missed => "missed",
        }
    }

    /// The CSS modifier of its tag.
    pub fn css(self) -> &'static str {
        match self {
            DueState::Done => "tag-ok",
            DueState::Due => "tag-warn",
            DueState::Overdue => "tag-bad",
            DueState::Upcoming | DueState::Cancelled | DueState::Missed => "",
        }
    }
}

/// One expected record with its day and standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// What is expected.
    pub expected: Expected,
    /// The day it is due (or, for a review already planned, its meeting day).
    pub due_on: NaiveDate,
    /// Where it stands.
    pub state: DueState,
}

/// What a programme's dates and records say, as the schedule needs them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The phase now.
    pub phase: Option<Phase>,
    /// When the programme was created (the first alignment week).
    pub created_on: Option<NaiveDate>,
    /// The first day of week 1 of the deployment.
    pub deploying_since: Option<NaiveDate>,
    pub live_since: Option<NaiveDate>,
    pub closed_since: Option<NaiveDate>,
    /// The days alignment sessions were held.
    pub sessions_held: Vec<NaiveDate>,
    /// The weeks with a COO update.
    pub updates_written: Vec<u32>,
    /// Reviews opened: month, meeting day, whether held.
    pub reviews: Vec<(Period, NaiveDate, bool)>,
}

/// Where a record stands. Once its phase has ended (`phase_end`), a record
/// not made is history: called off if it fell due after the end, missed if
/// before.
fn state(
    done: bool,
    phase_end: Option<NaiveDate>,
    starts: NaiveDate,
    due_on: NaiveDate,
    today: NaiveDate,
) -> DueState {
    if done {
        DueState::Done
    } else if let Some(end) = phase_end {
        if due_on >= end {
            DueState::Cancelled
        } else {
            DueState::Missed
        }
    } else if due_on < today {
        DueState::Overdue
    } else if starts <= today {
        DueState::Due
    } else {
        DueState::Upcoming
    }
}

/// Everything the cadence expects of a programme, in date order, as of `today`.
pub fn schedule(facts: &Facts, today: NaiveDate) -> Vec<Due> {
    let mut due = Vec::new();
    let Some(created_on) = facts.created_on else {
        return due;
    };
    let pre = facts.phase == Some(Phase::PreDeployment);

    // Weekly alignment sessions, from the week the programme was created
    // until the deployment began (or a few weeks ahead while it has not).
    // Once the deployment began, the weeks that were already announced are
    // listed as called off, so calendars drop them.
    let ended = facts
        .deploying_since
        .or(facts.live_since)
        .or(facts.closed_since)
        .filter(|_| !pre);
    let horizon = ended.unwrap_or(today.max(created_on)) + Duration::weeks(LOOKAHEAD_WEEKS);
    let mut week = Period::containing(created_on, Cadence::Weekly);
    while week.start() <= horizon {
        let friday = week.start() + Duration::days(4);
        let done = facts
            .sessions_held
            .iter()
            .any(|held| Period::containing(*held, Cadence::Weekly) == week);
        let state = state(done, ended, week.start(), friday, today);
        due.push(Due {
            expected: Expected::Session(week),
            due_on: friday,
            state,
        });
        week = week.next();
    }

    // Weekly COO updates in weeks 1–8 of the deployment.
    if let Some(start) = facts.deploying_since {
        for n in 1..=DEPLOYMENT_WEEKS {
            let begins = start + Duration::weeks(i64::from(n) - 1);
            let due_on = begins + Duration::days(6);
            let done = facts.updates_written.contains(&n);
            let phase_end = facts.live_since.or(facts.closed_since);
            due.push(Due {
                expected: Expected::Update(n),
                due_on,
                state: state(done, phase_end, begins, due_on, today),
            });
        }
    }

    // Monthly ExCo reviews of months 1–11 after go-live.
    if let Some(live) = facts.live_since {
        let mut month = Period::containing(live, Cadence::Monthly);
        for _ in 0..REVIEW_MONTHS {
            let planned = facts.reviews.iter().find(|(m, _, _)| *m == month);
            let next = month.next().start();
            let default_day = next.with_day(REVIEW_DUE_DAY).unwrap_or(next);
            let due_on = planned.map_or(default_day, |(_, meeting, _)| *meeting);
            let done = planned.is_some_and(|(_, _, held)| *held);
            due.push(Due {
                expected: Expected::Review(month),
                due_on,
                state: state(done, facts.closed_since, due_on, due_on, today),
            });
            month = month.next();
        }
    }
    due.sort_by_key(|d| d.due_on);
    due
}

/// The records overdue, oldest first.
pub fn overdue(schedule: &[Due]) -> Vec<Due> {
    schedule
        .iter()
        .filter(|d| d.state == DueState::Overdue)
        .copied()
        .collect()
}

/// The next record due or upcoming.
pub fn next_due(schedule: &[Due]) -> Option<Due> {
    schedule
        .iter()
        .find(|d| matches!(d.state, DueState::Due | DueState::Upcoming))
        .copied()
}

/// The week of the deployment that `today` falls in (1-based), if deploying.
pub fn deployment_week(deploying_since: NaiveDate, today: NaiveDate) -> Option<u32> {
    let days = (today - deploying_since).num_days();
    if days < 0 {
        return None;
    }
    u32::try_from(days / 7 + 1)
        .ok()
        .filter(|w| *w <= DEPLOYMENT_WEEKS)
}

/// What the CEO decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Go ahead as recommended.
    Approved,
    Rejected,
    /// Come back with more.
    MoreInformation,
}

impl Outcome {
    /// Every outcome, in the form's order.
    pub const ALL: [Outcome; 3] = [
        Outcome::Approved,
        Outcome::Rejected,
        Outcome::MoreInformation,
    ];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Rejected => "rejected",
            Outcome::MoreInformation => "more_information",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Approved => "Approved",
            Outcome::Rejected => "Rejected",
            Outcome::MoreInformation => "More information asked",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// A decision request's 24-hour clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Open, with this long left.
    Open(Duration),
    /// Open, and late by this much.
    Late(Duration),
    /// Answered within the window, after this long.
    InTime(Duration),
    /// Answered after the window, after this long.
    AnsweredLate(Duration),
}

impl Clock {
    /// The clock of a request raised at `raised_at`, answered at `decided_at`, seen at `now`.
    pub fn of(
        raised_at: DateTime<Utc>,
        decided_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Clock {
        let deadline = deadline(raised_at);
        match decided_at {
            Some(at) if at <= deadline => Clock::InTime(at - raised_at),
            Some(at) => Clock::AnsweredLate(at - raised_at),
            None if now <= deadline => Clock::Open(deadline - now),
            None => Clock::Late(now - deadline),
        }
    }

    /// Whether the 24 hours were breached (answered late, or still open past them).
    pub fn breached(self) -> bool {
        matches!(self, Clock::Late(_) | Clock::AnsweredLate(_))
    }

    /// Whether it is still waiting for the CEO.
    pub fn is_open(self) -> bool {
        matches!(self, Clock::Open(_) | Clock::Late(_))
    }

    /// In words: "5 h 10 min left", "late by 2 h", "decided in 3 h", "decided in 1 day 2 h (late)".
    pub fn describe(self) -> String {
        match self {
            Clock::Open(left) => format!("{} left", duration_words(left)),
            Clock::Late(by) => format!("late by {}", duration_words(by)),
            Clock::InTime(took) => format!("decided in {}", duration_words(took)),
            Clock::AnsweredLate(took) => {
                format!("decided in {}, past the 24 hours", duration_words(took))
            }
        }
    }

    /// The time it took to decide, if decided.
    pub fn time_to_decide(self) -> Option<Duration> {
        match self {
            Clock::InTime(took) | Clock::AnsweredLate(took) => Some(took),
            _ => None,
        }
    }
}

/// When a request raised at `raised_at` must be answered.
pub fn deadline(raised_at: DateTime<Utc>) -> DateTime<Utc> {
    raised_at + DECISION_WINDOW
}

/// A duration in the two units that matter, in hours up to two days (the
/// 24-hour clock reads best so): "12 min", "4 h 5 min", "27 h 0 min", "3 days 2 h".
pub fn duration_words(duration: Duration) -> String {
    let minutes = duration.num_minutes().max(0);
    let (hours, mins) = (minutes / 60, minutes % 60);
    match hours {
        0 => format!("{mins} min"),
        1..48 => format!("{hours} h {mins} min"),
        _ => format!("{} days {} h", hours / 24, hours % 24),
    }
}

/// The decision log's totals.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LogTotals {
    pub raised: usize,
    pub decided: usize,
    /// Breaches of the 24 hours: answered late, or open past them.
    pub breaches: usize,
    /// The median time to decide, in hours.
    pub median_hours: Option<f64>,
}

/// Totals over the clocks of every request.
pub fn totals(clocks: &[Clock]) -> LogTotals {
    let mut took: Vec<i64> = clocks
        .iter()
        .filter_map(|c| c.time_to_decide())
        .map(|d| d.num_minutes())
        .collect();
    took.sort_unstable();
    let median_hours = match took.len() {
        0 => None,
        n if n % 2 == 1 => Some(took[n / 2] as f64 / 60.0),
        n => Some((took[n / 2 - 1] + took[n / 2]) as f64 / 120.0),
    };
    LogTotals {
        raised: clocks.len(),
        decided: took.len(),
        breaches: clocks.iter().filter(|c| c.breached()).count(),
        median_hours,
    }
}

/// How many alignment sessions an action item was carried over to: the
/// sessions held after the day it was set (`origin_on`) while it was still
/// open (a session on the day it was done counts: it was closed there).
pub fn times_carried(
    origin_on: NaiveDate,
    done_on: Option<NaiveDate>,
    sessions_held: &[NaiveDate],
) -> usize {
    sessions_held
        .iter()
        .filter(|held| **held > origin_on && done_on.is_none_or(|done| **held <= done))
        .count()
}

/// Whether an action item is flagged for the next ExCo agenda.
pub fn flagged(carried: usize, done: bool) -> bool {
    !done && carried >= CARRIED_FLAG
}

/// Where a workstream stands against the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    OnPlan,
    /// Ahead of the plan.
    Ahead,
    /// Behind, recoverable.
    AtRisk,
    /// Behind, needs help.
    Behind,
    Complete,
}

impl Standing {
    /// Every standing, in the form's order.
    pub const ALL: [Standing; 5] = [
        Standing::OnPlan,
        Standing::Ahead,
        Standing::AtRisk,
        Standing::Behind,
        Standing::Complete,
    ];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::OnPlan => "on_plan",
            Standing::Ahead => "ahead",
            Standing::AtRisk => "at_risk",
            Standing::Behind => "behind",
            Standing::Complete => "complete",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Standing::OnPlan => "On plan",
            Standing::Ahead => "Ahead",
            Standing::AtRisk => "At risk",
            Standing::Behind => "Behind",
            Standing::Complete => "Complete",
        }
    }

    /// The CSS modifier of its tag.
    pub fn css(self) -> &'static str {
        match self {
            Standing::OnPlan | Standing::Ahead | Standing::Complete => "tag-ok",
            Standing::AtRisk => "tag-warn",
            Standing::Behind => "tag-bad",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<Standing> {
        Standing::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A decision request still waiting for the CEO.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OpenRequest {
    /// Its number in the programme.
    pub number: i32,
    pub question: String,
    /// When the COO raised it (its 24 hours start then).
    pub raised_at: DateTime<Utc>,
}

/// What is due next and what is overdue, for a programme's pages.
#[derive(Debug, Clone, Default)]
pub struct DueSummary {
    /// The next record expected.
    pub next: Option<Due>,
    /// Records overdue, newest first, at most [`DueSummary::OVERDUE_SHOWN`].
    pub overdue: Vec<Due>,
    /// How many are overdue in all.
    pub overdue_count: usize,
    /// Open decision requests: number, question, clock.
    pub open_requests: Vec<(i32, String, Clock)>,
}

impl DueSummary {
    /// How many overdue records a summary lists.
    pub const OVERDUE_SHOWN: usize = 5;

    /// Summarises a schedule and the open requests as of `now`.
    pub fn of(schedule: &[Due], open_requests: &[OpenRequest], now: DateTime<Utc>) -> DueSummary {
        let mut overdue = overdue(schedule);
        overdue.reverse();
        let overdue_count = overdue.len();
        overdue.truncate(Self::OVERDUE_SHOWN);
        DueSummary {
            next: next_due(schedule),
            overdue,
            overdue_count,
            open_requests: open_requests
                .iter()
                .map(|r| {
                    (
                        r.number,
                        r.question.clone(),
                        Clock::of(r.raised_at, None, now),
                    )
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn the_clock_counts_down_then_up() {
        let raised = at(2026, 11, 2, 9, 0);
        assert_eq!(
            Clock::of(raised, None, at(2026, 11, 2, 13, 30)),
            Clock::Open(Duration::minutes(19 * 60 + 30))
        );
        assert_eq!(
            Clock::of(raised, None, at(2026, 11, 3, 9, 0)),
            Clock::Open(Duration::zero())
        );
        assert_eq!(
            Clock::of(raised, None, at(2026, 11, 3, 11, 0)),
            Clock::Late(Duration::hours(2))
        );
        assert_eq!(
            Clock::of(raised, Some(at(2026, 11, 2, 15, 0)), at(2026, 12, 1, 0, 0)),
            Clock::InTime(Duration::hours(6))
        );
        let late = Clock::of(raised, Some(at(2026, 11, 3, 12, 0)), at(2026, 11, 3, 12, 0));
        assert_eq!(late, Clock::AnsweredLate(Duration::hours(27)));
        assert!(late.breached());
        assert!(!Clock::Open(Duration::hours(1)).breached());
        assert_eq!(
            Clock::Open(Duration::minutes(310)).describe(),
            "5 h 10 min left"
        );
        assert_eq!(late.describe(), "decided in 27 h 0 min, past the 24 hours");
        assert_eq!(duration_words(Duration::hours(75)), "3 days 3 h");
    }

    #[test]
    fn totals_count_breaches_and_the_median() {
        let clocks = [
            Clock::InTime(Duration::hours(2)),
            Clock::AnsweredLate(Duration::hours(30)),
            Clock::Late(Duration::hours(1)),
            Clock::Open(Duration::hours(3)),
            Clock::InTime(Duration::hours(4)),
        ];
        let t = totals(&clocks);
        assert_eq!((t.raised, t.decided, t.breaches), (5, 3, 2));
        assert_eq!(t.median_hours, Some(4.0));
        assert_eq!(totals(&[]).median_hours, None);
    }

    #[test]
    fn carried_items_count_the_sessions_they_stayed_open_through() {
        let sessions = [day(2026, 1, 5), day(2026, 1, 12), day(2026, 1, 19)];
        assert_eq!(times_carried(day(2026, 1, 5), None, &sessions), 2);
        assert!(flagged(2, false));
        assert!(!flagged(2, true));
        assert_eq!(
            times_carried(day(2026, 1, 5), Some(day(2026, 1, 12)), &sessions),
            1
        );
        assert_eq!(
            times_carried(day(2026, 1, 5), Some(day(2026, 1, 8)), &sessions),
            0
        );
        assert_eq!(times_carried(day(2026, 1, 19), None, &sessions), 0);
    }

    fn facts(phase: Phase) -> Facts {
        Facts {
            phase: Some(phase),
            created_on: Some(day(2026, 1, 5)),
            ..Facts::default()
        }
    }

    #[test]
    fn pre_deployment_expects_a_session_every_week() {
        let mut f = facts(Phase::PreDeployment);
        f.sessions_held = vec![day(2026, 1, 7)];
        let s = schedule(&f, day(2026, 1, 21));
        let sessions: Vec<&Due> = s
            .iter()
            .filter(|d| matches!(d.expected, Expected::Session(_)))
            .collect();
        assert_eq!(sessions[0].state, DueState::Done);
        assert_eq!(sessions[0].due_on, day(2026, 1, 9));
        assert_eq!(sessions[1].state, DueState::Overdue, "week 3 had none");
        assert_eq!(sessions[2].state, DueState::Due, "this week's");
        assert_eq!(sessions[3].state, DueState::Upcoming);
        assert_eq!(overdue(&s).len(), 1);
        assert_eq!(next_due(&s).map(|d| d.due_on), Some(day(2026, 1, 23)));
    }

    #[test]
    fn deployment_expects_eight_updates_and_go_live_calls_off_the_rest() {
        let mut f = facts(Phase::Deploying);
        f.deploying_since = Some(day(2026, 3, 2));
        f.updates_written = vec![1];
        let s = schedule(&f, day(2026, 3, 16));
        let updates: Vec<&Due> = s
            .iter()
            .filter(|d| matches!(d.expected, Expected::Update(_)))
            .collect();
        assert_eq!(updates.len(), 8);
        assert_eq!(updates[0].state, DueState::Done);
        assert_eq!(updates[1].state, DueState::Overdue);
        assert_eq!(updates[1].due_on, day(2026, 3, 15));
        assert_eq!(updates[2].state, DueState::Due);
        assert_eq!(deployment_week(day(2026, 3, 2), day(2026, 3, 16)), Some(3));
        assert_eq!(deployment_week(day(2026, 3, 2), day(2026, 6, 1)), None);
        // Sessions still listed before the deployment are called off after it.
        assert!(
            s.iter()
                .any(|d| matches!(d.expected, Expected::Session(_))
                    && d.state == DueState::Cancelled)
        );

        f.phase = Some(Phase::PostDeployment);
        f.live_since = Some(day(2026, 4, 13));
        let s = schedule(&f, day(2026, 4, 20));
        let week7 = s
            .iter()
            .find(|d| d.expected == Expected::Update(7))
            .unwrap();
        assert_eq!(week7.state, DueState::Cancelled);
    }

    #[test]
    fn after_go_live_a_review_is_due_each_month_on_its_meeting_day() {
        let mut f = facts(Phase::PostDeployment);
        f.deploying_since = Some(day(2026, 3, 2));
        f.live_since = Some(day(2026, 4, 27));
        let april = Period::Month {
            year: 2026,
            month: 4,
        };
        f.reviews = vec![(april, day(2026, 5, 12), true)];
        let s = schedule(&f, day(2026, 6, 20));
        let reviews: Vec<&Due> = s
            .iter()
            .filter(|d| matches!(d.expected, Expected::Review(_)))
            .collect();
        assert_eq!(reviews.len(), REVIEW_MONTHS as usize);
        assert_eq!(
            (reviews[0].due_on, reviews[0].state),
            (day(2026, 5, 12), DueState::Done)
        );
        assert_eq!(
            (reviews[1].due_on, reviews[1].state),
            (day(2026, 6, 15), DueState::Overdue)
        );
        assert_eq!(reviews[2].state, DueState::Upcoming);
        assert_eq!(Expected::Review(april).key(), "review-2026-04");
    }

    #[test]
    fn a_summary_lists_the_newest_overdue_first_and_the_open_clocks() {
        // Pre-deployment from 5 January with no session: ten weeks overdue.
        let f = facts(Phase::PreDeployment);
        let now = at(2026, 3, 20, 12, 0);
        let s = schedule(&f, now.date_naive());
        let raised = at(2026, 3, 20, 9, 0);
        let open = OpenRequest {
            number: 4,
            question: "Extend the pilot?".into(),
            raised_at: raised,
        };
        let summary = DueSummary::of(&s, &[open], now);
        assert_eq!(summary.overdue_count, overdue(&s).len());
        assert!(summary.overdue_count > DueSummary::OVERDUE_SHOWN);
        assert_eq!(summary.overdue.len(), DueSummary::OVERDUE_SHOWN);
        assert!(
            summary.overdue[0].due_on > summary.overdue[1].due_on,
            "newest first"
        );
        assert_eq!(
            summary.next.map(|d| d.due_on),
            next_due(&s).map(|d| d.due_on)
        );
        assert_eq!(
            summary.open_requests,
            vec![(
                4,
                "Extend the pilot?".to_owned(),
                Clock::Open(Duration::hours(21))
            )]
        );
    }
}
