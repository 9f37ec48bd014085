//! The shared dashboard's rules: metric definitions (read from the brief),
//! reporting periods, and the status of a metric against the straight-line
//! trajectory from its baseline to its target.
//!
//! The status rule, as strategy tools compute it:
//! progress = (actual − baseline) / (expected − baseline), where *expected*
//! is the trajectory's value at the end of the period; on track at 95 % or
//! more, near from 85 %, off below. The same formula serves lower-is-better
//! metrics (both differences are then negative). Nothing here does I/O.

use chrono::NaiveDate;

use super::brief::{Content, cell, table_rows};
use super::dates;
pub use super::measure::{Direction, MetricKind, Unit, format_number};
pub use super::period::{Cadence, Period};

/// One metric of the dashboard, as the brief defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The brief row's stable id: values refer to it.
    pub id: String,
    pub name: String,
    /// Business or operational (and so: owned by the CEO or the COO).
    pub kind: MetricKind,
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
    /// Where the trajectory starts.
    pub baseline: f64,
    /// When the baseline held: the trajectory's start.
    pub baseline_date: NaiveDate,
    /// Where it should end.
    pub target: f64,
    /// When the target should be reached.
    pub target_date: NaiveDate,
    /// How often a value is due.
    pub cadence: Cadence,
    /// Whether this is the programme's primary operational metric.
    pub primary: bool,
}

/// The brief's table of operational metrics (in the operational-metrics section).
pub const OPERATIONAL_TABLE: &str = "metrics";
/// The brief's table of business metrics (in the success-metrics section).
pub const BUSINESS_TABLE: &str = "business_metrics";

/// The dashboard definition read from the brief's two metric sections, with
/// a sentence for each row that cannot be measured yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definitions {
    /// Complete definitions: the primary metric first, then operational, then business.
    pub metrics: Vec<Definition>,
    /// Rows that are not complete enough to measure ("Revenue impact: no target date").
    pub incomplete: Vec<String>,
}

impl Definitions {
    /// Reads the definitions from the operational-metrics and success-metrics contents.
    pub fn from_brief(operational: &Content, success: &Content) -> Definitions {
        let mut out = Definitions::default();
        for (content, table, kind) in [
            (operational, OPERATIONAL_TABLE, MetricKind::Operational),
            (success, BUSINESS_TABLE, MetricKind::Business),
        ] {
            for row in table_rows(content, table) {
                let get = |key: &str| cell(row, key);
                let name = get("name").to_owned();
                let mut missing = Vec::new();
                let unit = Unit::parse(get("unit"));
                let direction = Direction::parse(get("direction"));
                let cadence = Cadence::parse(get("cadence"));
                let number = |key: &str| get(key).parse::<f64>().ok().filter(|n| n.is_finite());
                let date = |key: &str| dates::Day::parse(get(key)).ok().map(dates::Day::date);
                let (baseline, target) = (number("baseline"), number("target"));
                let (baseline_date, target_date) = (date("baseline_date"), date("target_date"));
                for (present, what) in [
                    (unit.is_some(), "a unit"),
                    (direction.is_some(), "a direction"),
                    (cadence.is_some(), "a cadence"),
                    (baseline.is_some(), "a baseline"),
                    (baseline_date.is_some(), "a baseline date"),
                    (target.is_some(), "a target"),
                    (target_date.is_some(), "a target date"),
                ] {
                    if !present {
                        missing.push(what);
                    }
                }
                match (
                    unit,
                    direction,
                    cadence,
                    baseline,
                    baseline_date,
                    target,
                    target_date,
                ) {
                    (
                        Some(unit),
                        Some(direction),
                        Some(cadence),
                        Some(baseline),
                        Some(baseline_date),
                        Some(target),
                        Some(target_date),
                    ) if target_date > baseline_date => {
                        out.metrics.push(Definition {
                            id: get("id").to_owned(),
                            name,
                            kind,
                            unit,
                            direction,
                            baseline,
                            baseline_date,
                            target,
                            target_date,
                            cadence,
                            primary: kind == MetricKind::Operational && get("primary") == "yes",
                        });
                    }
                    (.., Some(_), Some(_)) if missing.is_empty() => out.incomplete.push(format!(
                        "{name}: the target date must come after the baseline date"
                    )),
                    _ => out
                        .incomplete
                        .push(format!("{name}: no {}", missing.join(", no "))),
                }
            }
        }
        // Exactly one primary: the brief enforces it; older content may not.
        if !out.metrics.iter().any(|m| m.primary)
            && let Some(first) = out
                .metrics
                .iter_mut()
                .find(|m| m.kind == MetricKind::Operational)
        {
            first.primary = true;
        }
        let mut seen_primary = false;
        for metric in &mut out.metrics {
            if metric.primary {
                metric.primary = !seen_primary;
                seen_primary = true;
            }
        }
        out.metrics
            .sort_by_key(|m| (!m.primary, m.kind == MetricKind::Business));
        out
    }

    /// The primary metric, if any.
    pub fn primary(&self) -> Option<&Definition> {
        self.metrics.iter().find(|m| m.primary)
    }

    /// The metric with this id.
    pub fn get(&self, id: &str) -> Option<&Definition> {
        self.metrics.iter().find(|m| m.id == id)
    }

    /// What differs between these (signed) definitions and `draft`, in words.
    pub fn changes_in(&self, draft: &Definitions) -> Vec<String> {
        let mut changes = Vec::new();
        for new in &draft.metrics {
            match self.get(&new.id) {
                None => changes.push(format!("adds {}", new.name)),
                Some(old) => {
                    let mut parts = Vec::new();
                    if old.name != new.name {
                        parts.push(format!("renames {} to {}", old.name, new.name));
                    }
                    if old.target != new.target {
                        let verb = if new.direction.at_least_as_good(new.target, old.target) {
                            "raises"
                        } else {
                            "lowers"
                        };
                        parts.push(format!(
                            "{verb} the {} target from {} to {}",
                            new.name,
                            old.unit.format(old.target),
                            new.unit.format(new.target)
                        ));
                    }
                    if old.baseline != new.baseline || old.baseline_date != new.baseline_date {
                        parts.push(format!("changes the {} baseline", new.name));
                    }
                    if old.target_date != new.target_date {
                        parts.push(format!(
                            "moves the {} target date to {}",
                            new.name,
                            crate::domain::dates::long(new.target_date)
                        ));
                    }
                    if old.unit != new.unit
                        || old.direction != new.direction
                        || old.cadence != new.cadence
                    {
                        parts.push(format!("redefines how {} is measured", new.name));
                    }
                    if old.primary != new.primary && new.primary {
                        parts.push(format!("makes {} the primary metric", new.name));
                    }
                    changes.extend(parts);
                }
            }
        }
        for old in &self.metrics {
            if draft.get(&old.id).is_none() {
                changes.push(format!("removes {}", old.name));
            }
        }
        changes
    }
}

/// Where a metric stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// At least 95 % of the way along the trajectory.
    On,
    /// From 85 % to 95 %.
    Near,
    /// Below 85 %.
    Off,
    /// The latest value is from before the trajectory starts.
    NotStarted,
    /// No value yet.
    NoData,
}

impl Status {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::On => "On track",
            Status::Near => "Near",
            Status::Off => "Off track",
            Status::NotStarted => "Not started",
            Status::NoData => "No data",
        }
    }

    /// A CSS class suffix.
    pub fn css(self) -> &'static str {
        match self {
            Status::On => "on",
            Status::Near => "near",
            Status::Off => "off",
            Status::NotStarted | Status::NoData => "none",
        }
    }

    /// The stored value (for snapshots and the API).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::On => "on",
            Status::Near => "near",
            Status::Off => "off",
            Status::NotStarted => "not_started",
            Status::NoData => "no_data",
        }
    }

    /// Parses the stored value.
    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::On,
            Status::Near,
            Status::Off,
            Status::NotStarted,
            Status::NoData,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// The status of a progress ratio.
    pub fn of_progress(progress: f64) -> Status {
        if progress >= ON_TRACK {
            Status::On
        } else if progress >= NEAR {
            Status::Near
        } else {
            Status::Off
        }
    }
}

/// Progress at or above this is on track.
pub const ON_TRACK: f64 = 0.95;
/// Progress at or above this (and below [`ON_TRACK`]) is near.
pub const NEAR: f64 = 0.85;
/// This many periods off track in a row is sustained.
pub const SUSTAINED_PERIODS: usize = 3;

impl Definition {
    /// The trajectory's value on `date`: the baseline before the start, the
    /// target after the target date, the straight line in between.
    pub fn expected_on(&self, date: NaiveDate) -> f64 {
        if date <= self.baseline_date {
            return self.baseline;
        }
        if date >= self.target_date {
            return self.target;
        }
        let span = (self.target_date - self.baseline_date).num_days() as f64;
        let gone = (date - self.baseline_date).num_days() as f64;
        self.baseline + (self.target - self.baseline) * gone / span
    }

    /// The status of one value for one period, with its progress when the
    /// ratio is defined.
    pub fn judge(&self, period: Period, actual: f64) -> (Status, Option<f64>, f64) {
        let date = period.end();
        let expected = self.expected_on(date);
        if date < self.baseline_date {
            return (Status::NotStarted, None, expected);
        }
        let planned = expected - self.baseline;
        if planned.abs() < f64::EPSILON {
            // At the very start, or a target equal to the baseline: nothing
            // to divide by. Holding the line (or better) is on track.
            let status = if self.direction.at_least_as_good(actual, expected) {
                Status::On
            } else {
                Status::Off
            };
            return (status, None, expected);
        }
        let progress = (actual - self.baseline) / planned;
        (Status::of_progress(progress), Some(progress), expected)
    }

    /// Parses the period of a value recorded on `today`: of the metric's
    /// cadence, no earlier than the period of its baseline and no later
    /// than the current one (a value cannot be measured in advance).
    pub fn value_period(&self, text: &str, today: NaiveDate) -> Result<Period, String> {
        let period = Period::parse_for(text, self.cadence)?;
        let first = Period::containing(self.baseline_date, self.cadence);
        let current = Period::containing(today, self.cadence);
        if period < first {
            return Err(format!(
                "{} is before this metric's baseline ({}): give {first} or later.",
                period.label(),
                first.label()
            ));
        }
        if period > current {
            return Err(format!(
                "{} has not begun yet: give {current} or earlier.",
                period.label()
            ));
        }
        Ok(period)
    }

    /// The last period whose value is due by `today`: the latest one that
    /// ended, plus the cadence's grace, before today.
    pub fn last_due(&self, today: NaiveDate) -> Period {
        Period::containing(today - self.cadence.grace(), self.cadence).previous()
    }
}

/// A metric's standing, with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The status of the latest value.
    pub status: Status,
    /// The period of the latest value.
    pub period: Option<Period>,
    /// The latest value.
    pub actual: Option<f64>,
    /// The trajectory's value at the end of that period.
    pub expected: Option<f64>,
    /// (actual − baseline) / (expected − baseline), when defined.
    pub progress: Option<f64>,
    /// Off track for [`SUSTAINED_PERIODS`] consecutive periods.
    pub sustained: bool,
    /// No value for the last period that is due.
    pub stale: bool,
    /// The last period due.
    pub last_due: Period,
}

/// Judges a metric from its values (any order; one per period) on `today`.
pub fn assess(definition: &Definition, values: &[(Period, f64)], today: NaiveDate) -> Assessment {
    let mut sorted: Vec<(Period, f64)> = values.to_vec();
    sorted.sort_by_key(|(period, _)| *period);
    let last_due = definition.last_due(today);
    let stale = last_due.end() >= definition.baseline_date
        && !sorted.iter().any(|(period, _)| *period == last_due);
    let Some(&(period, actual)) = sorted.last() else {
        return Assessment {
            // Before its first value is due, a metric has not started; after,
            // a missing value is missing data.
            status: if stale {
                Status::NoData
            } else {
                Status::NotStarted
            },
            period: None,
            actual: None,
            expected: None,
            progress: None,
            sustained: false,
            stale,
            last_due,
        };
    };
    let (status, progress, expected) = definition.judge(period, actual);
    // Sustained: the latest values are off, each in the period right after
    // the one before (a gap breaks the run).
    let mut run = 0;
    let mut expected_period = period;
    for &(p, value) in sorted.iter().rev() {
        if p != expected_period || definition.judge(p, value).0 != Status::Off {
            break;
        }
        run += 1;
        expected_period = p.previous();
    }
    Assessment {
        status,
        period: Some(period),
        actual: Some(actual),
        expected: Some(expected),
        progress,
        sustained: run >= SUSTAINED_PERIODS,
        stale,
        last_due,
    }
}

impl Assessment {
    /// The rule applied to this metric's own numbers, in a sentence.
    pub fn explain(&self, definition: &Definition) -> String {
        let unit = definition.unit;
        let (Some(period), Some(actual), Some(expected)) =
            (self.period, self.actual, self.expected)
        else {
            if self.status == Status::NotStarted {
                return format!(
                    "Measured from {}: the first value is due once {} ends.",
                    crate::domain::dates::long(definition.baseline_date),
                    Period::containing(definition.baseline_date, definition.cadence).label()
                );
            }
            return format!(
                "No value recorded yet; the first is due for {}.",
                self.last_due.label()
            );
        };
        let when = period.label();
        match (self.status, self.progress) {
            (Status::NotStarted, _) => format!(
                "The value for {when} ({}) is from before the trajectory starts on {}.",
                unit.format(actual),
                crate::domain::dates::long(definition.baseline_date)
            ),
            (status, Some(progress)) => format!(
                "Expected {} by the end of {when}, actual {}: {} % of the way from the baseline of {} — {}.",
                unit.format(expected),
                unit.format(actual),
                format_number((progress * 100.0).round()),
                unit.format(definition.baseline),
                status.label().to_lowercase()
            ),
            (status, None) => format!(
                "Expected {} for {when}, actual {}: the plan asks to hold the line here, so {} is {}.",
                unit.format(expected),
                unit.format(actual),
                if status == Status::On {
                    "meeting it"
                } else {
                    "falling short"
                },
                status.label().to_lowercase()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Automated processing: 0 % on 1 Jan 2026 to 70 % on 1 Jan 2027, weekly.
    fn rising() -> Definition {
        Definition {
            id: "m1".into(),
            name: "Automated processing rate".into(),
            kind: MetricKind::Operational,
            unit: Unit::Percent,
            direction: Direction::Higher,
            baseline: 0.0,
            baseline_date: date(2026, 1, 1),
            target: 70.0,
            target_date: date(2027, 1, 1),
            cadence: Cadence::Weekly,
            primary: true,
        }
    }

    /// Exception rate: 40 % down to 10 %, same dates.
    fn falling() -> Definition {
        Definition {
            direction: Direction::Lower,
            baseline: 40.0,
            target: 10.0,
            name: "Exception rate".into(),
            id: "m2".into(),
            primary: false,
            ..rising()
        }
    }

    fn week(date: NaiveDate) -> Period {
        Period::containing(date, Cadence::Weekly)
    }

    #[test]
    fn periods_parse_print_and_step() {
        let w = Period::parse("2026-W07").unwrap();
        assert_eq!(w.to_string(), "2026-W07");
        assert_eq!(w.start(), date(2026, 2, 9));
        assert_eq!(w.end(), date(2026, 2, 15));
        assert_eq!(w.next().to_string(), "2026-W08");
        assert_eq!(
            Period::parse("2026-W01").unwrap().previous().to_string(),
            "2025-W52"
        );
        let m = Period::parse("2026-12").unwrap();
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.end(), date(2026, 12, 31));
        assert_eq!(Period::parse("2026-02").unwrap().end(), date(2026, 2, 28));
        assert!(Period::parse("2026-W54").is_none());
        assert!(Period::parse("2026-13").is_none());
        assert!(Period::parse("nonsense").is_none());
        assert!(Period::parse_for("2026-03", Cadence::Weekly).is_err());
        assert_eq!(
            Period::containing(date(2027, 1, 1), Cadence::Weekly).to_string(),
            "2026-W53"
        );
    }

    #[test]
    fn the_trajectory_is_a_straight_line_clamped_at_both_ends() {
        let m = rising();
        assert_eq!(m.expected_on(date(2025, 6, 1)), 0.0);
        assert_eq!(m.expected_on(date(2028, 6, 1)), 70.0);
        let mid = m.expected_on(date(2026, 7, 2));
        assert!((mid - 35.0).abs() < 0.2, "{mid}");
    }

    #[test]
    fn on_near_and_off_at_the_thresholds() {
        let m = rising();
        let period = week(date(2026, 7, 2));
        let expected = m.expected_on(period.end());
        assert_eq!(m.judge(period, expected * 0.95).0, Status::On);
        assert_eq!(m.judge(period, expected * 0.949).0, Status::Near);
        assert_eq!(m.judge(period, expected * 0.85).0, Status::Near);
        assert_eq!(m.judge(period, expected * 0.849).0, Status::Off);
        assert_eq!(m.judge(period, expected * 1.3).0, Status::On);
    }

    #[test]
    fn lower_is_better_uses_the_same_formula() {
        let m = falling();
        let period = week(date(2026, 7, 2));
        let expected = m.expected_on(period.end()); // about 25
        // Came down 93 % of the way expected.
        let actual = 40.0 - (40.0 - expected) * 0.93;
        let (status, progress, _) = m.judge(period, actual);
        assert_eq!(status, Status::Near);
        assert!((progress.unwrap() - 0.93).abs() < 1e-9);
        // Going up instead of down is off, not a division error.
        assert_eq!(m.judge(period, 45.0).0, Status::Off);
        assert_eq!(m.judge(period, 5.0).0, Status::On);
    }

    #[test]
    fn before_the_start_at_the_start_and_with_baseline_equal_to_target() {
        let m = rising();
        assert_eq!(m.judge(week(date(2025, 11, 3)), 5.0).0, Status::NotStarted);
        // The week that holds the start: expected equals the baseline.
        let flat = Definition {
            target: 0.0,
            ..rising()
        };
        let period = week(date(2026, 6, 1));
        assert_eq!(flat.judge(period, 0.0), (Status::On, None, 0.0));
        assert_eq!(flat.judge(period, -1.0).0, Status::Off);
        let falling_flat = Definition {
            baseline: 10.0,
            target: 10.0,
            ..falling()
        };
        assert_eq!(falling_flat.judge(period, 9.0).0, Status::On);
        assert_eq!(falling_flat.judge(period, 11.0).0, Status::Off);
    }

    #[test]
    fn after_the_target_date_the_target_itself_is_expected() {
        let m = rising();
        let later = week(date(2027, 3, 1));
        assert_eq!(m.judge(later, 70.0).0, Status::On);
        let (status, progress, expected) = m.judge(later, 63.0);
        assert_eq!(expected, 70.0);
        assert_eq!(status, Status::Near);
        assert!((progress.unwrap() - 0.9).abs() < 1e-9);
    }

    #[test]
    fn no_values_sustained_stale_and_gaps() {
        let m = rising();
        let today = date(2026, 7, 16); // a Thursday of week 29
        let none = assess(&m, &[], today);
        assert_eq!(none.status, Status::NoData);
        assert!(none.stale);
        assert!(none.explain(&m).contains("No value recorded yet"));

        let off = |d: NaiveDate| (week(d), 1.0);
        let three_off = [
            off(date(2026, 6, 22)),
            off(date(2026, 6, 29)),
            off(date(2026, 7, 6)),
        ];
        let a = assess(&m, &three_off, today);
        assert_eq!(a.status, Status::Off);
        assert!(a.sustained);
        // Week 28 (6–12 July) is the last due: present, so not stale.
        assert_eq!(a.last_due.to_string(), "2026-W28");
        assert!(!a.stale);
        // A gap breaks the run.
        let gap = [three_off[0], three_off[2]];
        assert!(!assess(&m, &gap, today).sustained);
        // Two weeks later with nothing new: stale.
        assert!(assess(&m, &three_off, date(2026, 7, 29)).stale);
        // Within the grace, last week's value is not yet due.
        let monday = date(2026, 7, 13);
        assert_eq!(m.last_due(monday).to_string(), "2026-W27");
    }

    #[test]
    fn the_explanation_uses_the_metrics_own_numbers() {
        let m = rising();
        let period = week(date(2026, 7, 2));
        let expected = m.expected_on(period.end());
        let a = assess(&m, &[(period, expected * 0.93)], date(2026, 7, 3));
        let text = a.explain(&m);
        assert!(text.starts_with("Expected 3"), "{text}");
        assert!(
            text.contains("93 % of the way") && text.ends_with("near."),
            "{text}"
        );
    }

    #[test]
    fn a_value_period_lies_between_the_baseline_and_now() {
        let m = rising();
        let today = date(2026, 7, 16); // week 29
        assert_eq!(
            m.value_period("2026-W29", today).unwrap().to_string(),
            "2026-W29"
        );
        assert_eq!(
            m.value_period("2026-W1", today).unwrap().to_string(),
            "2026-W01"
        );
        assert!(
            m.value_period("2026-W30", today)
                .unwrap_err()
                .contains("not begun")
        );
        assert!(
            m.value_period("2025-W40", today)
                .unwrap_err()
                .contains("before")
        );
        assert!(m.value_period("2026-07", today).is_err());
        assert!(m.value_period("9999-W01", today).is_err());
    }

    #[test]
    fn a_metric_whose_first_value_is_not_due_has_not_started() {
        let m = rising(); // from 1 January 2026, weekly
        let early = assess(&m, &[], date(2026, 1, 2));
        assert_eq!(early.status, Status::NotStarted);
        assert!(!early.stale);
        assert!(
            early
                .explain(&m)
                .contains("first value is due once week 1, 2026 ends")
        );
        assert_eq!(assess(&m, &[], date(2026, 2, 2)).status, Status::NoData);
    }
}
