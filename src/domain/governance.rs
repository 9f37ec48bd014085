//! The governance framework at work (SPEC §12): an agent's states, who may
//! suspend and resume it by the signed framework, incidents and the clock of
//! a serious one, and the override rate per agent and decision type. Pure
//! rules, no I/O.

use chrono::{DateTime, Duration, Utc};

use super::brief::OVERRIDE_ROLES;
use super::seat::{SeatKind, Seats};

/// Where an agent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    /// It acts as the framework allows.
    Live,
    /// Stopped by a person; it takes no decision until resumed.
    Suspended,
    /// Taken out of service for good.
    Retired,
}

impl AgentState {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Live => "live",
            AgentState::Suspended => "suspended",
            AgentState::Retired => "retired",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<AgentState> {
        match text {
            "live" => Some(AgentState::Live),
            "suspended" => Some(AgentState::Suspended),
            "retired" => Some(AgentState::Retired),
            _ => None,
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            AgentState::Live => "Live",
            AgentState::Suspended => "Suspended",
            AgentState::Retired => "Retired",
        }
    }
}

/// How grave an incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Minor,
    Major,
    /// The CEO and the COO must each acknowledge it within [`ACKNOWLEDGE_WITHIN`].
    Serious,
}

impl Severity {
    /// Every severity, mildest first.
    pub const ALL: [Severity; 3] = [Severity::Minor, Severity::Major, Severity::Serious];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Serious => "serious",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Minor => "Minor",
            Severity::Major => "Major",
            Severity::Serious => "Serious",
        }
    }

    /// What it means, for the form.
    pub fn hint(self) -> &'static str {
        match self {
            Severity::Minor => "Caught by the controls; no one outside the team affected.",
            Severity::Major => {
                "Customers, suppliers, money or data affected, and contained by the team."
            }
            Severity::Serious => {
                "Harm to people, a legal or regulatory breach, or a loss the board must hear of: \
                 the CEO and the COO each acknowledge it within 24 hours."
            }
        }
    }
}

/// How long the CEO and the COO have to acknowledge a serious incident.
pub const ACKNOWLEDGE_WITHIN: Duration = Duration::hours(24);

/// Where a serious incident's clock stands for the executives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentClock {
    /// Not every executive has acknowledged it; this much time is left.
    Running(Duration),
    /// The clock ran out before both acknowledged it: a warning sign.
    Overdue,
    /// Both acknowledged it.
    Acknowledged,
}

impl IncidentClock {
    /// The clock of an incident due by `by`, with the CEO's and the COO's
    /// acknowledgements, at `now`.
    pub fn of(
        by: DateTime<Utc>,
        ceo: Option<DateTime<Utc>>,
        coo: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> IncidentClock {
        if ceo.is_some() && coo.is_some() {
            IncidentClock::Acknowledged
        } else if now >= by {
            IncidentClock::Overdue
        } else {
            IncidentClock::Running(by - now)
        }
    }
}

/// When serious incidents stood unacknowledged past their clocks, merged
/// where they overlap: each clock is (due, when both had acknowledged).
pub fn unacknowledged_spells(
    clocks: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut late: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = clocks
        .iter()
        .filter(|(due, acknowledged)| *due <= now && acknowledged.is_none_or(|a| a > *due))
        .copied()
        .collect();
    late.sort();
    let mut merged: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = Vec::new();
    for (start, end) in late {
        match merged.last_mut() {
            Some((_, last_end)) if last_end.is_none_or(|e| start <= e) => {
                *last_end = match (*last_end, end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Why a person overruled an agent.
pub const OVERRIDE_CATEGORIES: &[(&str, &str)] = &[
    ("wrong_outcome", "The agent's outcome was wrong"),
    ("low_confidence", "Below its confidence threshold"),
    ("policy", "Policy or regulation"),
    ("customer", "A customer or supplier relationship"),
    ("data", "Missing or wrong data"),
    ("other", "Something else"),
];

/// The label of an override category.
pub fn category_label(key: &str) -> &str {
    OVERRIDE_CATEGORIES
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, label)| label)
}

/// The label of an override role of the framework.
pub fn role_label(key: &str) -> &str {
    OVERRIDE_ROLES
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, label)| label)
}

/// In which capacity a person may suspend an agent: as the COO, or as the
/// override owner the signed framework names for one of its decision types
/// (an approver whose title is that role, "CFO" for `cfo`). `None`: they may
/// not.
pub fn suspends_as(seats: &Seats, titles: &[String], override_roles: &[&str]) -> Option<String> {
    if seats.holds(SeatKind::Coo) {
        return Some("COO".to_owned());
    }
    if !seats.holds(SeatKind::Approver) {
        return None;
    }
    override_roles.iter().find_map(|role| {
        let label = role_label(role);
        titles
            .iter()
            .any(|title| title.trim().eq_ignore_ascii_case(label))
            .then(|| format!("override owner ({label})"))
    })
}

/// The executives whose decision resumes a suspended agent: the COO's
/// always, and the CEO's as well when a serious incident concerning the
/// agent was recorded since it last went live.
pub fn resumed_by(serious_incident_since_live: bool) -> &'static [SeatKind] {
    if serious_incident_since_live {
        &[SeatKind::Coo, SeatKind::Ceo]
    } else {
        &[SeatKind::Coo]
    }
}

/// Whether a process may move to *live*: not when every one of its agents
/// still in service is suspended (retired agents do not count; a process
/// without agents may).
pub fn blocks_live(states: &[AgentState]) -> bool {
    let in_service: Vec<_> = states
        .iter()
        .filter(|s| **s != AgentState::Retired)
        .collect();
    !in_service.is_empty() && in_service.iter().all(|s| **s == AgentState::Suspended)
}

/// One month of an agent's decisions of one type.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthRate {
    /// The month ("2026-10").
    pub month: String,
    pub overrides: i64,
    /// As reported; `None` when the platform reported nothing that month.
    pub decisions: Option<i64>,
}

impl MonthRate {
    /// The share of decisions overruled, in per cent; `None` without a
    /// report or with no decision taken.
    pub fn rate(&self) -> Option<f64> {
        match self.decisions {
            Some(d) if d > 0 => Some(self.overrides as f64 * 100.0 / d as f64),
            _ => None,
        }
    }
}

/// An agent's override rate for one decision type, month by month.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSeries {
    /// The months, oldest first.
    pub months: Vec<MonthRate>,
}

impl RateSeries {
    /// The months from counts of overrides and reported decisions, each
    /// `(month, n)`; every month either names, in order.
    pub fn of(overrides: &[(String, i64)], decisions: &[(String, i64)]) -> RateSeries {
        let mut months: Vec<String> = overrides
            .iter()
            .chain(decisions)
            .map(|(m, _)| m.clone())
            .collect();
        months.sort();
        months.dedup();
        RateSeries {
            months: months
                .into_iter()
                .map(|month| MonthRate {
                    overrides: overrides
                        .iter()
                        .filter(|(m, _)| *m == month)
                        .map(|(_, n)| n)
                        .sum(),
                    decisions: decisions.iter().find(|(m, _)| *m == month).map(|(_, n)| *n),
                    month,
                })
                .collect(),
        }
    }

    /// The latest month with a rate, and the one with a rate before it.
    fn last_two(&self) -> (Option<&MonthRate>, Option<&MonthRate>) {
        let mut rated = self.months.iter().rev().filter(|m| m.rate().is_some());
        (rated.next(), rated.next())
    }

    /// The latest rate, if any month has one.
    pub fn latest(&self) -> Option<f64> {
        self.last_two().0.and_then(MonthRate::rate)
    }

    /// Whether the latest rate is above `threshold` (per cent).
    pub fn flagged(&self, threshold: f64) -> bool {
        self.latest().is_some_and(|rate| rate > threshold)
    }

    /// Whether the latest rate is higher than the one before it.
    pub fn rising(&self) -> bool {
        match self.last_two() {
            (Some(last), Some(before)) => last.rate() > before.rate(),
            _ => false,
        }
    }
}

/// A rate in words: "4.2 %".
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{r:.1} %"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use SeatKind::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default()
            + Duration::hours(hours)
    }

    #[test]
    fn the_override_rate_is_overrides_over_reported_decisions_per_month() {
        let series = RateSeries::of(
            &[
                ("2026-08".into(), 2),
                ("2026-09".into(), 3),
                ("2026-10".into(), 9),
            ],
            &[
                ("2026-08".into(), 100),
                ("2026-09".into(), 100),
                ("2026-10".into(), 120),
            ],
        );
        let rates: Vec<_> = series.months.iter().map(MonthRate::rate).collect();
        assert_eq!(rates, vec![Some(2.0), Some(3.0), Some(7.5)]);
        assert_eq!(series.latest(), Some(7.5));
        assert!(series.rising());
        assert!(series.flagged(5.0));
        assert!(!series.flagged(7.5), "at the threshold is not above it");
    }

    #[test]
    fn a_month_without_a_report_has_no_rate_and_does_not_count() {
        let series = RateSeries::of(
            &[("2026-09".into(), 1), ("2026-10".into(), 40)],
            &[("2026-09".into(), 50), ("2026-10".into(), 0)],
        );
        assert_eq!(series.months[1].rate(), None, "no decision taken");
        assert_eq!(series.latest(), Some(2.0), "the latest month with a rate");
        assert!(!series.flagged(5.0));
        assert!(!series.rising(), "one rated month cannot rise");
        let unreported = RateSeries::of(&[("2026-10".into(), 3)], &[]);
        assert_eq!(unreported.latest(), None);
        assert!(!unreported.flagged(0.1));
        assert_eq!(percent(unreported.latest()), "—");
    }

    #[test]
    fn a_serious_incident_clock_runs_until_both_have_acknowledged() {
        let by = at(24);
        assert_eq!(
            IncidentClock::of(by, None, None, at(20)),
            IncidentClock::Running(Duration::hours(4))
        );
        assert_eq!(
            IncidentClock::of(by, Some(at(1)), None, at(24)),
            IncidentClock::Overdue,
            "one acknowledgement is not enough"
        );
        assert_eq!(
            IncidentClock::of(by, Some(at(1)), Some(at(30)), at(40)),
            IncidentClock::Acknowledged,
            "late, but acknowledged"
        );
    }

    #[test]
    fn late_acknowledgements_make_spells_that_merge_where_they_overlap() {
        let spells = unacknowledged_spells(
            &[
                (at(24), Some(at(10))),
                (at(30), Some(at(40))),
                (at(35), Some(at(50))),
                (at(60), Some(at(61))),
                (at(70), None),
                (at(500), None),
            ],
            at(100),
        );
        assert_eq!(
            spells,
            vec![
                (at(30), Some(at(50))),
                (at(60), Some(at(61))),
                (at(70), None)
            ],
            "in time is no spell; a clock not yet run out is none either"
        );
    }

    #[test]
    fn the_coo_and_the_override_owner_of_the_signed_framework_may_suspend() {
        let coo = Seats::new(vec![Coo]);
        assert_eq!(suspends_as(&coo, &[], &[]).as_deref(), Some("COO"));
        let cfo = Seats::new(vec![Approver]);
        let titles = vec!["cfo ".to_owned()];
        assert_eq!(
            suspends_as(&cfo, &titles, &["team_lead", "cfo"]).as_deref(),
            Some("override owner (CFO)")
        );
        assert_eq!(suspends_as(&cfo, &titles, &["team_lead"]), None);
        assert_eq!(
            suspends_as(&Seats::new(vec![Ceo]), &[], &["coo", "cfo"]),
            None,
            "the CEO is no override owner"
        );
        assert_eq!(
            suspends_as(&Seats::new(vec![Exco]), &titles, &["cfo"]),
            None,
            "a title without an approver's seat is no override owner"
        );
    }

    #[test]
    fn the_ceo_resumes_as_well_only_after_a_serious_incident() {
        assert_eq!(resumed_by(false), &[Coo]);
        assert_eq!(resumed_by(true), &[Coo, Ceo]);
    }

    #[test]
    fn a_process_whose_agents_are_all_suspended_cannot_go_live() {
        use AgentState::*;
        assert!(blocks_live(&[Suspended, Suspended]));
        assert!(blocks_live(&[Suspended, Retired]));
        assert!(!blocks_live(&[Suspended, Live]));
        assert!(!blocks_live(&[]));
        assert!(!blocks_live(&[Retired]));
    }

    #[test]
    fn stored_values_read_back() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        for s in [AgentState::Live, AgentState::Suspended, AgentState::Retired] {
            assert_eq!(AgentState::parse(s.as_str()), Some(s));
        }
        assert_eq!(category_label("policy"), "Policy or regulation");
        assert_eq!(role_label("compliance_officer"), "Compliance officer");
    }
}
