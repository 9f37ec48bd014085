//! The dashboard's figures frozen at a moment: kept with each weekly update
//! and each decision, and, with the review's texts, as an ExCo review's pack
//! sealed by a SHA-256 so later corrections never rewrite what was seen.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::metrics::{Status, Unit};

/// The dashboard as it stood.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Figures {
    /// When the figures were taken.
    pub taken_at: Option<DateTime<Utc>>,
    /// The brief version measured against (`None`: the unsigned draft).
    pub signed_version: Option<i32>,
    /// Every metric, the primary one first.
    pub metrics: Vec<Figure>,
    /// The business case against the plan, if there is one.
    pub roi: Option<RoiFigures>,
}

/// One metric as it stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The metric's id.
    pub id: String,
    pub name: String,
    /// Business or operational.
    pub kind: String,
    /// Whether it is the primary metric.
    pub primary: bool,
    /// Its unit, as stored.
    pub unit: String,
    /// The period of the latest value ("2026-W41").
    pub period: Option<String>,
    /// The latest value.
    pub value: Option<f64>,
    pub target: f64,
    /// The target date.
    pub target_date: NaiveDate,
    /// on / near / off / none.
    pub status: String,
    /// The rule applied, in words (empty as the review's page reads a
    /// pack: only the printable pack shows it, with the recent values).
    #[serde(default)]
    pub explanation: String,
    /// The recent values as they stood (period, value), oldest first: the
    /// frozen chart.
    #[serde(default)]
    pub recent: Vec<(String, f64)>,
}

/// A unit as stored in a pack (a count if it is not one tandem knows).
fn unit_of(stored: &str) -> Unit {
    Unit::parse(stored).unwrap_or(Unit::Count)
}

/// A value as a pack shows it: formatted in its unit, or a dash.
fn value_text(unit: &str, value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| unit_of(unit).format(v))
}

/// A status as stored in a pack (no data if it is not one tandem knows).
fn status_of(stored: &str) -> Status {
    Status::parse(stored).unwrap_or(Status::NoData)
}

impl Figure {
    fn unit(&self) -> Unit {
        unit_of(&self.unit)
    }

    /// A value of this metric, formatted in its unit.
    pub fn format(&self, value: f64) -> String {
        self.unit().format(value)
    }

    /// The value, formatted, or a dash.
    pub fn value_text(&self) -> String {
        value_text(&self.unit, self.value)
    }

    /// The target, formatted.
    pub fn target_text(&self) -> String {
        self.unit().format(self.target)
    }

    /// The status.
    pub fn status(&self) -> Status {
        status_of(&self.status)
    }
}

/// The business case as it stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoiFigures {
    /// The cumulative net position the plan expected by the latest actual month.
    pub plan_net: Option<f64>,
    /// The cumulative net position actually reached.
    pub actual_net: Option<f64>,
    /// The month of the latest actuals.
    pub month: Option<String>,
    /// The plan's payback month.
    pub plan_payback: Option<String>,
    /// The actual (or projected) payback month.
    pub actual_payback: Option<String>,
}

impl RoiFigures {
    /// The actual cumulative net position, formatted.
    pub fn actual_net_text(&self) -> String {
        self.actual_net
            .map_or_else(|| "—".to_owned(), |v| Unit::Currency.format(v))
    }

    /// The planned cumulative net position, formatted.
    pub fn plan_net_text(&self) -> String {
        self.plan_net
            .map_or_else(|| "—".to_owned(), |v| Unit::Currency.format(v))
    }
}

impl Figures {
    /// The primary metric.
    pub fn primary(&self) -> Option<&Figure> {
        self.metrics.iter().find(|m| m.primary)
    }

    /// A metric by id.
    pub fn get(&self, id: &str) -> Option<&Figure> {
        self.metrics.iter().find(|m| m.id == id)
    }
}

/// How one metric stood in a pack: what a later pack is compared with
/// (kept beside each pack as it is written: migration 0047).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// The metric's id.
    pub id: String,
    /// Its unit, as stored.
    pub unit: String,
    /// The latest value.
    pub value: Option<f64>,
    /// on / near / off / none.
    pub status: String,
}

impl Standing {
    /// The value, formatted as the pack's figure is.
    fn value_text(&self) -> String {
        value_text(&self.unit, self.value)
    }

    fn status(&self) -> Status {
        status_of(&self.status)
    }
}

impl From<&Figure> for Standing {
    fn from(figure: &Figure) -> Self {
        Standing {
            id: figure.id.clone(),
            unit: figure.unit.clone(),
            value: figure.value,
            status: figure.status.clone(),
        }
    }
}

/// What moved for one metric between two sets of figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The metric's name.
    pub name: String,
    pub before: String,
    pub after: String,
    /// The status before and after.
    pub status: (Status, Status),
    /// The change in words ("up 3.1 %", "no change", "new").
    pub change: String,
}

/// What moved from `before` to `after`, metric by metric (in `after`'s order).
pub fn moves(before: &[Standing], after: &Figures) -> Vec<Move> {
    after
        .metrics
        .iter()
        .map(|now| {
            let then = before.iter().find(|then| then.id == now.id);
            let change = match (then.and_then(|t| t.value), now.value) {
                (Some(a), Some(b)) if (b - a).abs() < 1e-9 => "no change".to_owned(),
                (Some(a), Some(b)) if b > a => format!("up {}", now.unit().format(b - a)),
                (Some(a), Some(b)) => format!("down {}", now.unit().format(a - b)),
                (None, Some(_)) => "first value".to_owned(),
                _ => "no value".to_owned(),
            };
            Move {
                name: now.name.clone(),
                before: then.map_or_else(|| "—".to_owned(), Standing::value_text),
                after: now.value_text(),
                status: (then.map_or(Status::NoData, Standing::status), now.status()),
                change,
            }
        })
        .collect()
}

/// An ExCo review as held: what the committee saw and said, sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    pub programme_id: Uuid,
    /// The month reviewed ("2026-10").
    pub month: String,
    /// The day the committee met.
    pub meeting_on: NaiveDate,
    /// When it was held (the snapshot's moment).
    pub held_at: DateTime<Utc>,
    pub attendees: String,
    /// The CEO's strategic narrative.
    pub strategy: String,
    /// The CEO's competitive update.
    pub competition: String,
    /// The COO's operational outcomes.
    pub operations: String,
    /// The expansion-pipeline discussion, in words.
    pub pipeline_decisions: String,
    /// The dashboard as it stood.
    pub figures: Figures,
    /// The decisions taken on the pipeline's processes. Absent from packs
    /// held before processes had records of their own, so that their
    /// canonical text, and so their hash, stays what it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<ProcessDecision>,
    /// The governance framework at work since the last review: incidents,
    /// overrides, suspended agents. Absent from packs held before agents
    /// were registered, so that their hash stays what it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_work: Option<AtWork>,
}

/// The agents at work since the last review, as held with a review.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AtWork {
    /// Incidents recorded since, or still open then.
    pub incidents: Vec<PackIncident>,
    /// Overrides since, per agent and decision type.
    pub overrides: Vec<PackOverrides>,
    /// The agents suspended when it was held.
    pub suspended: Vec<String>,
}

impl AtWork {
    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty() && self.overrides.is_empty() && self.suspended.is_empty()
    }
}

/// An incident as held with a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackIncident {
    pub number: i32,
    /// minor, major or serious.
    pub severity: String,
    pub title: String,
    pub agent: Option<String>,
    pub detected_at: DateTime<Utc>,
    pub contained_at: Option<DateTime<Utc>>,
    pub follow_up: String,
    /// For a serious one: whether both executives had acknowledged it.
    pub acknowledged: Option<bool>,
}

impl PackIncident {
    /// Its severity in words.
    pub fn severity_label(&self) -> &'static str {
        super::governance::Severity::parse(&self.severity)
            .map_or("Incident", super::governance::Severity::label)
    }
}

/// Overrides of one agent's decision type since the last review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackOverrides {
    pub agent: String,
    pub decision: String,
    pub overrides: i64,
}

/// A decision on a process, as held with a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessDecision {
    /// The process's stable id.
    pub key: String,
    /// Its name then.
    pub name: String,
    /// The decision (`approve`, `hold`, `reprioritise`, `retire`).
    pub decision: String,
    /// A line of context.
    pub note: String,
}

impl ProcessDecision {
    /// The decision in words.
    pub fn label(&self) -> &'static str {
        super::pipeline::ExcoDecision::parse(&self.decision)
            .map_or("Decided", super::pipeline::ExcoDecision::label)
    }
}

impl Pack {
    /// The canonical text the hash is taken over: the JSON of the typed
    /// pack (fields in declaration order), so re-reading a stored pack and
    /// writing it again gives the same bytes.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The SHA-256 of the canonical text, in hex.
    pub fn sha256(&self) -> String {
        Sha256::digest(self.canonical().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(id: &str, value: Option<f64>, status: &str) -> Figure {
        Figure {
            id: id.into(),
            name: id.to_uppercase(),
            kind: "operational".into(),
            primary: id == "rate",
            unit: "percent".into(),
            period: Some("2026-W41".into()),
            value,
            target: 80.0,
            target_date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            status: status.into(),
            explanation: String::new(),
            recent: Vec::new(),
        }
    }

    fn pack() -> Pack {
        Pack {
            programme_id: Uuid::nil(),
            month: "2026-10".into(),
            meeting_on: NaiveDate::from_ymd_opt(2026, 11, 12).unwrap(),
            held_at: DateTime::parse_from_rfc3339("2026-11-12T10:00:00Z")
                .unwrap()
                .to_utc(),
            attendees: "CEO, COO".into(),
            strategy: "Grow.".into(),
            competition: String::new(),
            operations: "Stable.".into(),
            pipeline_decisions: String::new(),
            processes: Vec::new(),
            at_work: None,
            figures: Figures {
                taken_at: None,
                signed_version: Some(2),
                metrics: vec![figure("rate", Some(71.5), "near")],
                roi: None,
            },
        }
    }

    #[test]
    fn the_hash_survives_a_round_trip_and_changes_with_any_figure() {
        let original = pack();
        let stored: serde_json::Value = serde_json::from_str(&original.canonical()).unwrap();
        let reread: Pack = serde_json::from_value(stored).unwrap();
        assert_eq!(reread.sha256(), original.sha256());
        assert_eq!(original.sha256().len(), 64);
        let mut corrected = original.clone();
        corrected.figures.metrics[0].value = Some(73.0);
        assert_ne!(corrected.sha256(), original.sha256());
    }

    #[test]
    fn packs_held_before_process_decisions_existed_keep_their_hash() {
        let old = pack();
        assert!(!old.canonical().contains("processes"));
        let mut with = old.clone();
        with.processes.push(ProcessDecision {
            key: "p1".into(),
            name: "Customs".into(),
            decision: "approve".into(),
            note: String::new(),
        });
        assert_ne!(with.sha256(), old.sha256());
        let reread: Pack = serde_json::from_str(&with.canonical()).unwrap();
        assert_eq!(reread.sha256(), with.sha256());
        assert_eq!(reread.processes[0].label(), "Approved to proceed");
    }

    #[test]
    fn moves_say_what_changed() {
        let before = Figures {
            metrics: vec![
                figure("rate", Some(70.0), "near"),
                figure("errors", None, "no_data"),
            ],
            ..Figures::default()
        };
        let after = Figures {
            metrics: vec![
                figure("rate", Some(72.5), "on"),
                figure("errors", Some(3.0), "off"),
            ],
            ..Figures::default()
        };
        let standing = |figures: &Figures| {
            figures
                .metrics
                .iter()
                .map(Standing::from)
                .collect::<Vec<_>>()
        };
        let m = moves(&standing(&before), &after);
        assert_eq!(m[0].change, "up 2.5 %");
        assert_eq!(m[0].status, (Status::Near, Status::On));
        assert_eq!(m[0].before, before.metrics[0].value_text());
        assert_eq!(m[1].change, "first value");
        assert_eq!(m[1].before, "—");
        assert_eq!(moves(&standing(&after), &after)[0].change, "no change");
    }
}
