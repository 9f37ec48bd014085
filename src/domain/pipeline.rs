//! The expansion pipeline (SPEC §5): the processes that come after the
//! first, their stages, and the go-live gates a process may carry on
//! metrics — "the exception rate below 5 % for four consecutive weeks" —
//! judged on the values as they stand.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::brief::{self, Content};
use super::metrics::{Cadence, Period, Unit};

/// Where a process stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Candidate,
    /// Approved by the executive committee.
    Approved,
    Deploying,
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

    /// How the stage reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Candidate => "Candidate",
            Stage::Approved => "Approved",
            Stage::Deploying => "Deploying",
            Stage::Live => "Live",
            Stage::Retired => "Retired",
        }
    }

    /// Whether the gates must hold to enter this stage.
    pub fn gated(self) -> bool {
        self == Stage::Deploying
    }

    /// The stages a process at this one may move to: one step on, one step
    /// back before it is live, retired from anywhere, and a retired one
    /// back to candidate.
    pub fn moves(self) -> &'static [Stage] {
        match self {
            Stage::Candidate => &[Stage::Approved, Stage::Retired],
            Stage::Approved => &[Stage::Deploying, Stage::Candidate, Stage::Retired],
            Stage::Deploying => &[Stage::Live, Stage::Approved, Stage::Retired],
            Stage::Live => &[Stage::Retired],
            Stage::Retired => &[Stage::Candidate],
        }
    }
}

/// A gate with what its check found, described for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub gate: Gate,
    /// In words ("Exception rate below 5 % for 4 consecutive weeks").
    pub described: String,
    /// What the check found.
    pub result: GateResult,
}

/// Why a process may not move from `from` to `to`, if it may not: the move
/// must be one the stage allows, and entering *deploying* needs the process
/// in the brief as last signed and every one of its gates holding (each
/// failing gate is named, as the brief's phase gate names the missing
/// signatures).
pub fn move_refusal(
    from: Stage,
    to: Stage,
    in_signed_plan: bool,
    gates: &[Judged],
) -> Option<Vec<String>> {
    if !from.moves().contains(&to) {
        return Some(vec![format!(
            "A process that is {} cannot become {}.",
            from.label().to_lowercase(),
            to.label().to_lowercase()
        )]);
    }
    if !to.gated() {
        return None;
    }
    let mut reasons = Vec::new();
    if !in_signed_plan {
        reasons.push(
            "The process is not in the brief as last signed: sign a version that includes it first."
                .to_owned(),
        );
    }
    for Judged {
        gate,
        described,
        result,
    } in gates
    {
        match result {
            GateResult::Holds(_) => {}
            GateResult::Fails(window) if window.is_empty() => {
                reasons.push(format!("Gate not met: {described}."));
            }
            GateResult::Fails(window) => {
                let wrong: Vec<String> = window
                    .iter()
                    .filter(|(_, v)| !gate.passes(*v))
                    .map(|(p, _)| p.label())
                    .collect();
                reasons.push(format!(
                    "Gate not met: {described} ({} of the {} periods on the wrong side).",
                    wrong.len(),
                    window.len()
                ));
            }
            GateResult::Missing(period) => reasons.push(format!(
                "Gate not met: {described} (no value for {}).",
                period.label()
            )),
        }
    }
    (!reasons.is_empty()).then_some(reasons)
}

/// Which side of the threshold the metric must stay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Below,
    Above,
}

impl Comparator {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Below => "below",
            Comparator::Above => "above",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<Comparator> {
        match text {
            "below" => Some(Comparator::Below),
            "above" => Some(Comparator::Above),
            _ => None,
        }
    }
}

/// The most consecutive periods a gate may ask for (half a year of weeks).
pub const MAX_GATE_PERIODS: usize = 26;

/// A go-live gate: a metric held on one side of a threshold for a number of
/// consecutive periods, up to the last one due.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub metric_id: String,
    /// Below or above.
    pub comparator: Comparator,
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

    /// The periods the verdict rests on (none when a value is missing).
    pub fn window(&self) -> &[(Period, f64)] {
        match self {
            GateResult::Holds(window) | GateResult::Fails(window) => window,
            GateResult::Missing(_) => &[],
        }
    }
}

/// One period a gate looked at, as the pipeline shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The period.
    pub period: Period,
    /// Its value.
    pub value: f64,
    /// The value in the metric's unit.
    pub shown: String,
    /// Whether it is on the right side of the threshold.
    pub met: bool,
}

impl Gate {
    /// The gate in words: "Exception rate below 5 % for 4 consecutive weeks".
    pub fn describe(&self, metric_name: &str, unit: Unit, cadence: Cadence) -> String {
        let periods = match (cadence, self.periods) {
            (Cadence::Weekly, 1) => "the last week".to_owned(),
            (Cadence::Monthly, 1) => "the last month".to_owned(),
            (Cadence::Weekly, n) => format!("{n} consecutive weeks"),
            (Cadence::Monthly, n) => format!("{n} consecutive months"),
        };
        format!(
            "{metric_name} {} {} for {periods}",
            self.comparator.as_str(),
            unit.format(self.threshold)
        )
    }

    /// Whether one value is on the right side of the threshold.
    pub fn passes(&self, value: f64) -> bool {
        match self.comparator {
            Comparator::Below => value < self.threshold,
            Comparator::Above => value > self.threshold,
        }
    }

    /// The periods behind a verdict of this gate, each with whether it met
    /// the threshold, shown in the metric's unit.
    pub fn evidence(&self, result: &GateResult, unit: Unit) -> Vec<Evidence> {
        result
            .window()
            .iter()
            .map(|(period, value)| Evidence {
                period: *period,
                value: *value,
                shown: unit.format(*value),
                met: self.passes(*value),
            })
            .collect()
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

/// What the executive committee decided about a process at a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcoDecision {
    /// Go ahead: a candidate becomes approved.
    Approve,
    /// Not now: nothing moves.
    Hold,
    /// Change its place in the sequence (the brief is then edited and signed).
    Reprioritise,
    /// Stop pursuing it.
    Retire,
}

impl ExcoDecision {
    /// Every decision, in the order a form offers them.
    pub const ALL: [ExcoDecision; 4] = [
        ExcoDecision::Approve,
        ExcoDecision::Hold,
        ExcoDecision::Reprioritise,
        ExcoDecision::Retire,
    ];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            ExcoDecision::Approve => "approve",
            ExcoDecision::Hold => "hold",
            ExcoDecision::Reprioritise => "reprioritise",
            ExcoDecision::Retire => "retire",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<ExcoDecision> {
        ExcoDecision::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// How it reads.
    pub fn label(self) -> &'static str {
        match self {
            ExcoDecision::Approve => "Approved to proceed",
            ExcoDecision::Hold => "On hold",
            ExcoDecision::Reprioritise => "To be re-sequenced",
            ExcoDecision::Retire => "Retired",
        }
    }

    /// The stage the decision moves a process at `stage` to: `Ok(None)` when
    /// it moves nothing, `Err` when it makes no sense for that stage.
    pub fn stage_after(self, stage: Stage) -> Result<Option<Stage>, String> {
        match self {
            ExcoDecision::Approve if stage == Stage::Candidate => Ok(Some(Stage::Approved)),
            ExcoDecision::Approve => Err(format!(
                "Only a candidate can be approved; this process is {}.",
                stage.label().to_lowercase()
            )),
            ExcoDecision::Retire if stage == Stage::Retired => {
                Err("This process is already retired.".to_owned())
            }
            ExcoDecision::Retire => Ok(Some(Stage::Retired)),
            ExcoDecision::Hold | ExcoDecision::Reprioritise => Ok(None),
        }
    }
}

/// A process as the brief describes it: the plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Planned {
    /// The stable id (the brief row's).
    pub key: String,
    /// Its place in the sequence, from 1.
    pub sequence: usize,
    pub name: String,
    /// Volume per month.
    pub monthly_volume: String,
    /// Expected ROI, %.
    pub expected_roi: String,
    pub complexity: String,
    /// Expected go-live date.
    pub expected_go_live: String,
    pub investment: String,
    /// Expected benefit per year.
    pub expected_benefit: String,
    /// Why it is in this position.
    pub rationale: String,
}

/// The processes of a process-scope section, in sequence.
pub fn planned(process_scope: &Content) -> Vec<Planned> {
    brief::rows(process_scope, "processes")
        .into_iter()
        .enumerate()
        .map(|(i, mut row): (usize, BTreeMap<String, String>)| {
            let mut take = |key: &str| row.remove(key).unwrap_or_default();
            Planned {
                key: take("id"),
                sequence: i + 1,
                name: take("name"),
                monthly_volume: take("monthly_volume"),
                expected_roi: take("expected_roi"),
                complexity: take("complexity"),
                expected_go_live: take("expected_go_live"),
                investment: take("investment"),
                expected_benefit: take("expected_benefit"),
                rationale: take("rationale"),
            }
        })
        .collect()
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

    #[test]
    fn a_gate_reads_as_a_sentence() {
        assert_eq!(
            gate().describe("Exception rate", Unit::Percent, Cadence::Weekly),
            "Exception rate below 5 % for 4 consecutive weeks"
        );
    }

    #[test]
    fn deploying_needs_the_signed_plan_and_every_gate_and_names_what_fails() {
        let holds = GateResult::Holds(vec![(week(46), 4.0)]);
        let fails = GateResult::Fails(vec![(week(45), 4.0), (week(46), 6.5)]);
        let judged = |described: &str, result: GateResult| Judged {
            gate: Gate {
                periods: 2,
                ..gate()
            },
            described: described.to_owned(),
            result,
        };
        let gates = vec![
            judged("Cycle time below 2 h for 1 week", holds.clone()),
            judged("Exception rate below 5 % for 2 weeks", fails),
            judged(
                "Error rate below 1 % for 4 weeks",
                GateResult::Missing(week(44)),
            ),
        ];
        let reasons = move_refusal(Stage::Approved, Stage::Deploying, true, &gates).unwrap();
        assert_eq!(reasons.len(), 2);
        assert!(
            reasons[0].contains("Exception rate below 5 %"),
            "{reasons:?}"
        );
        assert!(reasons[0].contains("1 of the 2 periods"), "{reasons:?}");
        assert!(reasons[1].contains("no value for"), "{reasons:?}");
        let passing = vec![judged("g", holds)];
        assert_eq!(
            move_refusal(Stage::Approved, Stage::Deploying, true, &passing),
            None
        );
        let unsigned = move_refusal(Stage::Approved, Stage::Deploying, false, &passing).unwrap();
        assert!(unsigned[0].contains("as last signed"));
        // Other moves ignore the gates, but not the order of the stages.
        assert_eq!(
            move_refusal(Stage::Candidate, Stage::Approved, false, &gates),
            None
        );
        assert!(move_refusal(Stage::Candidate, Stage::Deploying, true, &passing).is_some());
        assert!(move_refusal(Stage::Live, Stage::Candidate, true, &[]).is_some());
    }

    #[test]
    fn exco_decisions_move_only_what_they_should() {
        assert_eq!(
            ExcoDecision::Approve.stage_after(Stage::Candidate),
            Ok(Some(Stage::Approved))
        );
        assert!(ExcoDecision::Approve.stage_after(Stage::Live).is_err());
        assert_eq!(ExcoDecision::Hold.stage_after(Stage::Approved), Ok(None));
        assert_eq!(
            ExcoDecision::Retire.stage_after(Stage::Deploying),
            Ok(Some(Stage::Retired))
        );
        assert!(ExcoDecision::Retire.stage_after(Stage::Retired).is_err());
        assert_eq!(
            ExcoDecision::parse("reprioritise"),
            Some(ExcoDecision::Reprioritise)
        );
    }

    #[test]
    fn the_plan_reads_the_scope_in_sequence() {
        let scope: Content = serde_json::from_value(serde_json::json!({
            "processes": [
                {"id": "a", "name": "Invoices", "investment": "120000"},
                {"id": "b", "name": "Customs", "expected_go_live": "2027-06-01"},
            ]
        }))
        .unwrap();
        let plan = planned(&scope);
        assert_eq!(plan.len(), 2);
        assert_eq!((plan[0].sequence, plan[0].key.as_str()), (1, "a"));
        assert_eq!(plan[0].investment, "120000");
        assert_eq!(plan[1].expected_go_live, "2027-06-01");
    }

    #[test]
    fn the_evidence_is_the_window_with_each_periods_verdict() {
        let g = gate();
        let values = [
            (week(1), 6.0),
            (week(2), 4.0),
            (week(3), 3.5),
            (week(4), 4.5),
            (week(5), 4.9),
        ];
        let result = g.check(Cadence::Weekly, &values, today());
        let evidence = g.evidence(&result, Unit::Percent);
        assert_eq!(evidence.len(), result.window().len());
        assert!(evidence.iter().all(|e| e.shown.ends_with(" %")));
        assert_eq!(
            evidence.iter().map(|e| e.met).collect::<Vec<_>>(),
            result
                .window()
                .iter()
                .map(|(_, v)| g.passes(*v))
                .collect::<Vec<_>>()
        );
        let missing = g.check(Cadence::Weekly, &[], today());
        assert!(g.evidence(&missing, Unit::Percent).is_empty());
    }
}
