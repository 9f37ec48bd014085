//! The expansion pipeline assembled from what db/ read: each process with
//! its plan as signed (and the draft's changes), its stage and moves, its
//! go-live gates judged on today's values with the periods behind each
//! verdict, and the ExCo's decisions. The pipeline page and the API share it,
//! as they share the dashboard's board.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::board::Board;
use crate::db::metrics::DashboardSource;
use crate::db::pipeline::{DecisionRow, GateRow, MoveRow, PipelineSource, ProcessRow};
use crate::domain::brief::{self, Kind};
use crate::domain::metrics::{Cadence, Unit};
use crate::domain::pipeline::{self, Evidence, GateResult, Judged, Planned, Stage};

/// A gate judged on today's values.
#[derive(Debug, Clone)]
pub(crate) struct GateView {
    /// The stored gate.
    pub row: GateRow,
    pub described: String,
    /// What the check found; `None` when the metric is no longer on the
    /// dashboard (which counts as not met).
    pub result: Option<GateResult>,
    /// The periods looked at.
    pub evidence: Vec<Evidence>,
}

impl GateView {
    /// Whether it holds.
    pub fn holds(&self) -> bool {
        self.result.as_ref().is_some_and(GateResult::holds)
    }

    /// Its standing in a few words.
    pub fn verdict(&self) -> String {
        match &self.result {
            Some(GateResult::Holds(_)) => "Holds".to_owned(),
            Some(GateResult::Fails(_)) => "Not met".to_owned(),
            Some(GateResult::Missing(period)) => {
                format!("Not met: no value for {}", period.label())
            }
            None => "Not met: the metric is no longer on the dashboard".to_owned(),
        }
    }

    fn judged(&self) -> Judged {
        Judged {
            gate: self.row.gate(),
            described: self.described.clone(),
            result: self.result.clone().unwrap_or(GateResult::Fails(Vec::new())),
        }
    }
}

/// One process as the pipeline shows it.
#[derive(Debug, Clone)]
pub(crate) struct ProcessView {
    pub row: ProcessRow,
    /// The plan: the process as last signed.
    pub plan: Option<Planned>,
    /// The process in the draft, when it differs from the plan.
    pub draft: Option<Planned>,
    pub gates: Vec<GateView>,
    /// Its moves, oldest first.
    pub moves: Vec<MoveRow>,
    /// The ExCo's decisions on it, oldest first.
    pub decisions: Vec<DecisionRow>,
}

impl ProcessView {
    /// The stage it is at.
    pub fn stage(&self) -> Stage {
        self.row.stage()
    }

    /// The name to show: as signed, else as drafted.
    pub fn name(&self) -> &str {
        self.plan
            .as_ref()
            .map_or(self.row.name.as_str(), |p| p.name.as_str())
    }

    /// The signed sequence number, if in the plan.
    pub fn sequence(&self) -> Option<usize> {
        self.plan.as_ref().map(|p| p.sequence)
    }

    /// When it last moved, and who moved it.
    pub fn last_move(&self) -> Option<&MoveRow> {
        self.moves.last()
    }

    /// Why it may not move to `to` now, if it may not.
    pub fn refusal(&self, to: Stage) -> Option<Vec<String>> {
        let gates: Vec<_> = self.gates.iter().map(GateView::judged).collect();
        pipeline::move_refusal(self.stage(), to, self.plan.is_some(), &gates)
    }

    /// Whether *deploying* is among the stages it may move to.
    pub fn may_deploy_next(&self) -> bool {
        self.stage().moves().contains(&Stage::Deploying)
    }

    /// Why it may not start deploying now, if it may not.
    pub fn refusal_to_deploy(&self) -> Option<Vec<String>> {
        self.refusal(Stage::Deploying)
    }

    /// How many gates do not hold.
    pub fn failing(&self) -> usize {
        self.gates.iter().filter(|g| !g.holds()).count()
    }

    /// Whether gates still matter: before the process starts deploying.
    pub fn gates_matter(&self) -> bool {
        matches!(self.stage(), Stage::Candidate | Stage::Approved)
    }

    /// Whether every gate holds (true when there are none).
    pub fn gates_hold(&self) -> bool {
        self.gates.iter().all(GateView::holds)
    }

    /// A planned figure for display, by key.
    pub fn figure(&self, planned: &Planned, key: &str) -> String {
        let (kind, raw) = match key {
            "expected_go_live" => (Kind::Date, &planned.expected_go_live),
            "investment" => (Kind::Money, &planned.investment),
            "expected_benefit" => (Kind::Money, &planned.expected_benefit),
            "expected_roi" => (Kind::Percent, &planned.expected_roi),
            "monthly_volume" => (Kind::Count, &planned.monthly_volume),
            _ => (Kind::Choice(brief::COMPLEXITY), &planned.complexity),
        };
        let shown = brief::display(kind, raw, &[]);
        match (shown.is_empty(), kind) {
            (true, _) => "—".to_owned(),
            (false, Kind::Money) => format!("€{shown}"),
            (false, Kind::Date) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_or(shown, |d| crate::domain::dates::long(d).to_string()),
            _ => shown,
        }
    }

    /// What the draft changes of the plan, in words.
    pub fn draft_changes(&self) -> Vec<String> {
        let (Some(plan), Some(draft)) = (&self.plan, &self.draft) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if plan.sequence != draft.sequence {
            out.push(format!("position {} → {}", plan.sequence, draft.sequence));
        }
        for (key, label) in [
            ("expected_go_live", "expected go-live"),
            ("investment", "investment required"),
            ("expected_benefit", "expected benefit"),
        ] {
            let (a, b) = (self.figure(plan, key), self.figure(draft, key));
            if a != b {
                out.push(format!("{label} {a} → {b}"));
            }
        }
        if plan.name != draft.name {
            out.push(format!("renamed to {}", draft.name));
        }
        out
    }
}

/// The whole pipeline: every process the brief names or once named, the
/// signed ones in their signed sequence, then those only in the draft, then
/// those the draft dropped.
pub(crate) fn build(
    source: &PipelineSource,
    dashboard: &DashboardSource,
    board: &Board,
    today: NaiveDate,
) -> Vec<ProcessView> {
    let scope = |sections: &HashMap<String, brief::Content>| {
        sections
            .get("process_scope")
            .map(pipeline::planned)
            .unwrap_or_default()
    };
    let signed = dashboard
        .signed
        .as_ref()
        .map(|s| scope(&s.sections))
        .unwrap_or_default();
    let drafted = scope(dashboard.draft());
    let mut views: Vec<ProcessView> = source
        .processes
        .iter()
        .map(|row| {
            let plan = signed.iter().find(|p| p.key == row.key).cloned();
            let draft = drafted.iter().find(|p| p.key == row.key).cloned();
            ProcessView {
                gates: source
                    .gates
                    .iter()
                    .filter(|g| g.process_id == row.id)
                    .map(|g| judge(g, board, today))
                    .collect(),
                moves: source
                    .moves
                    .iter()
                    .filter(|m| m.process_id == row.id)
                    .cloned()
                    .collect(),
                decisions: source
                    .decisions
                    .iter()
                    .filter(|d| d.process_id == row.id)
                    .cloned()
                    .collect(),
                draft: draft.filter(|d| plan.as_ref() != Some(d)),
                plan,
                row: row.clone(),
            }
        })
        .collect();
    views.sort_by_key(|v| {
        (
            v.plan.is_none(),
            !v.row.in_draft,
            v.sequence().unwrap_or(usize::MAX),
            v.row.position,
        )
    });
    views
}

/// Judges a gate on the board's values.
fn judge(row: &GateRow, board: &Board, today: NaiveDate) -> GateView {
    let gate = row.gate();
    let Some(metric) = board.metrics.iter().find(|m| m.def.id == row.metric_id) else {
        return GateView {
            described: gate.describe(&row.metric_id, Unit::Count, Cadence::Weekly),
            row: row.clone(),
            result: None,
            evidence: Vec::new(),
        };
    };
    let result = gate.check(metric.def.cadence, &metric.values, today);
    let evidence = gate.evidence(&result, metric.def.unit);
    GateView {
        described: gate.describe(&metric.def.name, metric.def.unit, metric.def.cadence),
        row: row.clone(),
        result: Some(result),
        evidence,
    }
}
