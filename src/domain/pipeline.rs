//! The expansion pipeline (SPEC §5): the processes that come after the
//! first, their stages, and the go-live gates a process may carry on
//! metrics — "the exception rate below 5 % for four consecutive weeks" —
//! judged on the values as they stand.

use chrono::NaiveDate;

use super::metrics::{Cadence, Period};

/// Where a process stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Proposed.
    Candidate,
    /// Approved by the executive committee.
    Approved,
    /// Being deployed.
    Deploying,
    /// Live.
    Live,
    /// No longer pursued or switched off.
    Retired,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 5] = [
        Stage::Candidate,
        Stage::Approved,
        Stage::Deploying,
        Stage::Live,
        Stage::Retired,
    ];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Candidate => "candidate",
            Stage::Approved => "approved",
            Stage::Deploying => "deploying",
            Stage::Live => "live",
            Stage::Retired => "retired",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the gates must hold to enter this stage.
    pub fn gated(self) -> bool {
        self == Stage::Deploying
    }
}

/// Which side of the threshold the metric must stay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// Strictly below.
    Below,
    /// Strictly above.
    Above,
}

/// A go-live gate: a metric held on one side of a threshold for a number of
/// consecutive periods, up to the last one due.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The metric.
    pub metric_id: String,
    /// Below or above.
    pub comparator: Comparator,
    /// The threshold.
    pub threshold: f64,
    /// How many consecutive periods.
    pub periods: usize,
}

/// What a gate's check found.
#[derive(Debug, Clone, PartialEq)]
pub enum GateResult {
    /// It holds; the periods that show it.
    Holds(Vec<(Period, f64)>),
    /// A period was on the wrong side; the periods looked at.
    Fails(Vec<(Period, f64)>),
    /// A period in the window has no value.
    Missing(Period),
}

impl GateResult {
    /// Whether the gate holds.
    pub fn holds(&self) -> bool {
        matches!(self, GateResult::Holds(_))
    }
}

impl Gate {
    fn passes(&self, value: f64) -> bool {
        match self.comparator {
            Comparator::Below => value < self.threshold,
            Comparator::Above => value > self.threshold,
        }
    }

    /// Judges the gate on a metric's values (any order) as of `today`: the
    /// last `periods` complete periods must each have a value on the right
    /// side of the threshold.
    pub fn check(
        &self,
        cadence: Cadence,
        values: &[(Period, f64)],
        today: NaiveDate,
    ) -> GateResult {
        let mut period = Period::containing(today, cadence).previous();
        let mut window = Vec::new();
        for _ in 0..self.periods {
            match values.iter().find(|(p, _)| *p == period) {
                Some(found) => window.push(*found),
                None => return GateResult::Missing(period),
            }
            period = period.previous();
        }
        window.reverse();
        if window.iter().all(|(_, v)| self.passes(*v)) {
            GateResult::Holds(window)
        } else {
            GateResult::Fails(window)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(w: u32) -> Period {
        Period::Week {
            year: 2026,
            week: w,
        }
    }

    fn gate() -> Gate {
        Gate {
            metric_id: "exception-rate".into(),
            comparator: Comparator::Below,
            threshold: 5.0,
            periods: 4,
        }
    }

    // Monday of ISO week 47 of 2026: the last complete week is 46.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
    }

    #[test]
    fn a_gate_holds_on_four_weeks_below_the_threshold() {
        let values: Vec<(Period, f64)> = (40..=46).map(|w| (week(w), 4.0)).collect();
        match gate().check(Cadence::Weekly, &values, today()) {
            GateResult::Holds(window) => {
                assert_eq!(
                    window.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
                    vec![week(43), week(44), week(45), week(46)]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_week_on_the_wrong_side_fails_it() {
        let values = [
            (week(43), 4.0),
            (week(44), 5.0),
            (week(45), 4.2),
            (week(46), 3.9),
        ];
        assert!(matches!(
            gate().check(Cadence::Weekly, &values, today()),
            GateResult::Fails(_)
        ));
        let above = Gate {
            comparator: Comparator::Above,
            threshold: 3.0,
            ..gate()
        };
        assert!(above.check(Cadence::Weekly, &values, today()).holds());
    }

    #[test]
    fn too_few_weeks_or_a_missing_one_is_not_a_pass() {
        let values = [(week(45), 4.0), (week(46), 4.0)];
        assert_eq!(
            gate().check(Cadence::Weekly, &values, today()),
            GateResult::Missing(week(44))
        );
        let gap = [(week(43), 4.0), (week(44), 4.0), (week(46), 4.0)];
        assert_eq!(
            gate().check(Cadence::Weekly, &gap, today()),
            GateResult::Missing(week(45))
        );
        assert!(Stage::Deploying.gated() && !Stage::Approved.gated());
        assert_eq!(Stage::parse("live"), Some(Stage::Live));
    }
}
