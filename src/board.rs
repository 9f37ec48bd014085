//! The dashboard as assembled from what the database returned: each
//! metric's standing, history and chart, the ROI against the signed plan,
//! and the figures kept with updates, decisions and ExCo reviews. Pages,
//! the API and the demo loader all build it here (web → board → db → domain).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::db;
use crate::db::metrics::{DashboardSource, ValueRow};
use crate::domain::brief::{Content, rows};
use crate::domain::chart::{self, LineChart, SeriesSpec, Sparkline, Stroke};
use crate::domain::metrics::{
    Assessment, Definition, Definitions, MetricKind, Period, Status, assess,
};
use crate::domain::roi::{self, Comparison};
use crate::domain::snapshot::{Figure, Figures, RoiFigures};
use crate::error::Result;

/// Which brief the dashboard measures against.
#[derive(Debug, Clone)]
pub(crate) struct Basis {
    /// The signed version's number, or `None` when nothing is signed yet
    /// (the draft's definitions are used, marked "not yet signed").
    pub signed_version: Option<i32>,
    /// When that version was fully signed.
    pub signed_on: Option<NaiveDate>,
    /// What the draft changes, in words, when it differs.
    pub draft_changes: Vec<String>,
    /// The version in which the draft's changes would apply.
    pub next_version: i32,
}

/// One metric as the dashboard shows it.
#[derive(Debug, Clone)]
pub(crate) struct MetricView {
    pub def: Definition,
    pub assessment: Assessment,
    /// The recent values, oldest first.
    pub values: Vec<(Period, f64)>,
}

impl MetricView {
    fn build(def: Definition, values: &[&ValueRow], today: NaiveDate) -> MetricView {
        let mut parsed: Vec<(Period, f64)> = values
            .iter()
            .filter_map(|row| Some((Period::parse_for(&row.period, def.cadence).ok()?, row.value)))
            .collect();
        parsed.sort_by_key(|(period, _)| *period);
        let assessment = assess(&def, &parsed, today);
        MetricView {
            def,
            assessment,
            values: parsed,
        }
    }

    /// The rule applied to its numbers, in words (written only by the
    /// pages that show it).
    pub fn explanation(&self) -> String {
        self.assessment.explain(&self.def)
    }

    /// A sparkline of the recent values (drawn only by the pages that
    /// show one).
    pub fn spark(&self) -> Sparkline {
        chart::sparkline(
            &self.values.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            self.def.target,
        )
    }

    /// The latest value, formatted, or a dash.
    pub fn latest_text(&self) -> String {
        self.assessment
            .actual
            .map_or_else(|| "—".to_owned(), |v| self.def.unit.format(v))
    }

    /// The target, formatted.
    pub fn target_text(&self) -> String {
        self.def.unit.format(self.def.target)
    }

    /// The status, for the tag.
    pub fn status(&self) -> Status {
        self.assessment.status
    }

    /// A one-line text alternative for the sparkline.
    pub fn spark_description(&self) -> String {
        use std::fmt::Write as _;
        if self.values.is_empty() {
            return "No values yet.".to_owned();
        }
        // Written into one string (every metric of a dashboard has one).
        let mut text = String::with_capacity(160);
        let _ = write!(text, "{} values; the latest: ", self.values.len());
        let shown = &self.values[self.values.len().saturating_sub(6)..];
        for (i, (period, value)) in shown.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            let _ = write!(text, "{} {}", period.label(), self.def.unit.format(*value));
        }
        let _ = write!(
            text,
            ". Target {} by {}.",
            self.target_text(),
            crate::domain::dates::long(self.def.target_date)
        );
        text
    }

    /// The full chart of this metric: actuals, the target, the trajectory.
    pub fn chart(&self) -> LineChart {
        let start = self
            .values
            .first()
            .map_or(self.def.baseline_date, |(p, _)| {
                p.end().min(self.def.baseline_date)
            });
        let end = self.def.target_date.max(
            self.values
                .last()
                .map_or(self.def.target_date, |(p, _)| p.end()),
        );
        chart::line_chart(
            &[
                SeriesSpec {
                    name: "Actual".into(),
                    stroke: Stroke::Actual,
                    points: self.values.iter().map(|(p, v)| (p.end(), *v)).collect(),
                },
                SeriesSpec {
                    name: "Trajectory".into(),
                    stroke: Stroke::Trajectory,
                    points: vec![
                        (self.def.baseline_date, self.def.baseline),
                        (self.def.target_date, self.def.target),
                    ],
                },
                SeriesSpec {
                    name: "Target".into(),
                    stroke: Stroke::Target,
                    points: vec![(start, self.def.target), (end, self.def.target)],
                },
            ],
            &[],
            chart::short_number,
        )
    }
}

/// The ROI panel: plan (as last signed) against actuals.
#[derive(Debug, Clone)]
pub(crate) struct RoiView {
    pub comparison: Comparison,
    /// Month rows: month, planned investment, planned benefit, actual
    /// investment, actual benefit — the twelve months up to the latest
    /// actual, and the planned months after it (every planned month when
    /// nothing is recorded yet).
    pub months: Vec<RoiMonthRow>,
    /// The months before those, summed into one row (the page stays the
    /// same size however long the programme runs; the export has them all).
    pub earlier: Option<RoiEarlier>,
    /// Whether the business case has any plan.
    pub has_plan: bool,
}

/// One month of the ROI table.
#[derive(Debug, Clone)]
pub(crate) struct RoiMonthRow {
    pub month: Period,
    /// Planned investment and benefit.
    pub plan: Option<(f64, f64)>,
    /// Actual investment and benefit.
    pub actual: Option<(f64, f64)>,
}

/// The months before the table's window, summed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoiEarlier {
    pub first: Period,
    pub last: Period,
    /// How many months.
    pub count: usize,
    /// Planned investment and benefit, summed (when any month had a plan).
    pub plan: Option<(f64, f64)>,
    /// Actual investment and benefit, summed (when any month had actuals).
    pub actual: Option<(f64, f64)>,
}

/// How many months, up to the latest actual, the ROI table lists one by
/// one: the months the database keeps apart (`roi_kept`, migration 0045,
/// whose `n > latest - 12` is this number), the earlier ones summed.
const ROI_MONTHS_SHOWN: usize = 12;

impl RoiEarlier {
    /// The summed actuals and the planned months before the window
    /// together; `None` when there are neither.
    fn of(actual: Option<roi::Summed>, plan: &[RoiMonthRow]) -> Option<RoiEarlier> {
        let planned = plan.iter().filter_map(|row| row.plan);
        let plan_sum = plan
            .iter()
            .any(|row| row.plan.is_some())
            .then(|| planned.fold((0.0, 0.0), |(i, b), (pi, pb)| (i + pi, b + pb)));
        let months = plan.iter().map(|row| row.month);
        let first = months.clone().chain(actual.map(|a| a.first)).min()?;
        let last = months.chain(actual.map(|a| a.last)).max()?;
        Some(RoiEarlier {
            first,
            last,
            count: std::iter::successors(Some(first), |month| {
                (*month < last).then(|| month.next())
            })
            .count(),
            plan: plan_sum,
            actual: actual.map(|a| (a.investment, a.benefit)),
        })
    }
}

impl RoiView {
    fn build(business_case: &Content, kept: &db::metrics::RoiKept) -> RoiView {
        let plan: Vec<roi::Month> = rows(business_case, "months")
            .iter()
            .filter_map(|row| {
                Some(roi::Month {
                    month: Period::parse(row.get("month")?)?,
                    investment: row.get("investment")?.parse().ok()?,
                    benefit: row.get("benefit")?.parse().ok()?,
                })
            })
            .collect();
        let actual = actuals(kept);
        let comparison = Comparison::of(&plan, &actual);
        // One row per month, plan and actual side by side (both lists are
        // merged through a map, not searched per month).
        let mut rows: BTreeMap<Period, RoiMonthRow> = BTreeMap::new();
        let row = |month| RoiMonthRow {
            month,
            plan: None,
            actual: None,
        };
        for m in &plan {
            let entry = rows.entry(m.month).or_insert_with(|| row(m.month));
            // A month planned twice shows its first row.
            entry.plan.get_or_insert((m.investment, m.benefit));
        }
        for m in &actual.recent {
            rows.entry(m.month).or_insert_with(|| row(m.month)).actual =
                Some((m.investment, m.benefit));
        }
        // The window: the twelve months up to the latest actual, and
        // every planned month after it; the planned months before it are
        // summed with the actuals kept summed.
        let mut months: Vec<RoiMonthRow> = rows.into_values().collect();
        let window_starts = actual
            .recent
            .last()
            .map(|latest| (1..ROI_MONTHS_SHOWN).fold(latest.month, |month, _| month.previous()));
        let split = window_starts.map_or(0, |start| months.partition_point(|r| r.month < start));
        let shown = months.split_off(split);
        RoiView {
            has_plan: !plan.is_empty(),
            comparison,
            earlier: RoiEarlier::of(actual.earlier, &months),
            months: shown,
        }
    }

    /// Cumulative net position, plan and actual, over the table's window
    /// (drawn only by the pages that show it): the actual line starts from
    /// the running totals of the months summed before it.
    pub fn chart(&self) -> LineChart {
        let series =
            |name: &str, stroke, points: &mut dyn Iterator<Item = &roi::Point>| SeriesSpec {
                name: name.to_owned(),
                stroke,
                points: points.map(|p| (p.month.end(), p.net())).collect(),
            };
        let from = self.comparison.actual_start.map(|start| start.month);
        chart::line_chart(
            &[
                series(
                    "Plan (as signed)",
                    Stroke::Plan,
                    &mut self
                        .comparison
                        .plan
                        .iter()
                        .filter(|p| from.is_none_or(|from| p.month >= from)),
                ),
                series(
                    "Actual",
                    Stroke::Actual,
                    &mut self
                        .comparison
                        .actual_start
                        .iter()
                        .chain(&self.comparison.actual),
                ),
            ],
            &[],
            chart::short_number,
        )
    }
}

/// The kept actuals as the domain reads them (a month that does not parse,
/// which the database's checks keep out, is left out).
fn actuals(kept: &db::metrics::RoiKept) -> roi::Actuals {
    roi::Actuals {
        earlier: kept.earlier.as_ref().and_then(|summed| {
            Some(roi::Summed {
                first: Period::parse(&summed.first)?,
                last: Period::parse(&summed.last)?,
                investment: summed.investment,
                benefit: summed.benefit,
            })
        }),
        recent: kept
            .recent
            .iter()
            .filter_map(|row| {
                Some(roi::Month {
                    month: Period::parse(&row.month)?,
                    investment: row.investment,
                    benefit: row.benefit,
                })
            })
            .collect(),
        payback: kept.payback.as_deref().and_then(Period::parse),
    }
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub(crate) struct Board {
    /// Which brief it measures against.
    pub basis: Basis,
    /// The metrics, the primary one first.
    pub metrics: Vec<MetricView>,
    /// Definitions that cannot be measured yet.
    pub incomplete: Vec<String>,
    /// Actual ROI against the plan.
    pub roi: RoiView,
}

impl Board {
    /// Builds the board from what the database returned, as of `today`.
    pub fn build(source: &DashboardSource, today: NaiveDate) -> Board {
        // Read in place: a section's content is a tree of JSON values,
        // and the board is built on every view.
        static EMPTY: Content = Content::new();
        fn section<'a>(
            sections: &'a std::collections::HashMap<String, Content>,
            key: &str,
        ) -> &'a Content {
            sections.get(key).unwrap_or(&EMPTY)
        }
        let draft = || {
            Definitions::from_brief(
                section(source.draft(), "operational_metrics"),
                section(source.draft(), "success_metrics"),
            )
        };
        let (definitions, business_case, basis) = match &source.signed {
            Some(signed) => {
                let definitions = Definitions::from_brief(
                    section(&signed.sections, "operational_metrics"),
                    section(&signed.sections, "success_metrics"),
                );
                // A draft that is the signed version changes nothing (and
                // is not read twice).
                let changes = if source.draft_is_signed {
                    Vec::new()
                } else {
                    definitions.changes_in(&draft())
                };
                (
                    definitions,
                    section(&signed.sections, "business_case"),
                    Basis {
                        signed_version: Some(signed.number),
                        signed_on: Some(signed.approved_at.date_naive()),
                        draft_changes: changes,
                        next_version: next_version(source, signed.number),
                    },
                )
            }
            None => (
                draft(),
                section(source.draft(), "business_case"),
                Basis {
                    signed_version: None,
                    signed_on: None,
                    draft_changes: Vec::new(),
                    next_version: source.latest_number.unwrap_or(0) + 1,
                },
            ),
        };
        // The values come grouped by metric (both the kept dashboard and
        // the live query sort them so): each metric looks through the runs
        // of one metric each, not through every value.
        let runs: Vec<&[ValueRow]> = source
            .values
            .chunk_by(|a, b| a.metric_id == b.metric_id)
            .collect();
        let metrics = definitions
            .metrics
            .iter()
            .map(|def| {
                let values: Vec<&ValueRow> = runs
                    .iter()
                    .filter(|run| run.first().is_some_and(|v| v.metric_id == def.id))
                    .flat_map(|run| run.iter())
                    .collect();
                MetricView::build(def.clone(), &values, today)
            })
            .collect();
        Board {
            basis,
            metrics,
            incomplete: definitions.incomplete.clone(),
            roi: RoiView::build(business_case, &source.roi),
        }
    }

    /// The board's figures as they stand, to keep with an update, a
    /// decision or an ExCo review.
    pub fn figures(&self, taken_at: chrono::DateTime<chrono::Utc>) -> Figures {
        let comparison = &self.roi.comparison;
        let latest = comparison.latest();
        Figures {
            taken_at: Some(taken_at),
            signed_version: self.basis.signed_version,
            metrics: self
                .metrics
                .iter()
                .map(|m| Figure {
                    id: m.def.id.clone(),
                    name: m.def.name.clone(),
                    kind: m.def.kind.as_str().to_owned(),
                    primary: m.def.primary,
                    unit: m.def.unit.as_str().to_owned(),
                    period: m.assessment.period.map(|p| p.to_string()),
                    value: m.assessment.actual,
                    target: m.def.target,
                    target_date: m.def.target_date,
                    status: m.assessment.status.as_str().to_owned(),
                    explanation: m.explanation(),
                    recent: m
                        .values
                        .iter()
                        .rev()
                        .take(13)
                        .rev()
                        .map(|(p, v)| (p.to_string(), *v))
                        .collect(),
                })
                .collect(),
            roi: self.roi.has_plan.then(|| RoiFigures {
                plan_net: latest.and_then(|(_, plan)| plan.map(|p| p.net())),
                actual_net: latest.map(|(actual, _)| actual.net()),
                month: latest.map(|(actual, _)| actual.month.to_string()),
                plan_payback: comparison.plan_payback.map(|p| p.to_string()),
                actual_payback: comparison
                    .actual_payback
                    .or(comparison.projected_payback)
                    .map(|p| p.to_string()),
            }),
        }
    }

    /// The primary metric.
    pub fn primary(&self) -> Option<&MetricView> {
        self.metrics.iter().find(|m| m.def.primary)
    }

    /// The metrics of one kind (the primary one excluded).
    pub fn of_kind(&self, kind: MetricKind) -> Vec<&MetricView> {
        self.metrics
            .iter()
            .filter(|m| m.def.kind == kind && !m.def.primary)
            .collect()
    }
}

/// The version in which the draft's changes would apply: a version already
/// submitted after the signed one, or the next one to be submitted.
fn next_version(source: &DashboardSource, signed: i32) -> i32 {
    match source.latest_number {
        Some(latest) if latest > signed => latest,
        Some(latest) => latest + 1,
        None => signed + 1,
    }
}

/// The dashboard's figures as they stand now, read inside the caller's
/// transaction so they match the moment of its write.
pub(crate) async fn figures_now(
    conn: &mut sqlx::PgConnection,
    programme_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Figures> {
    let source = db::metrics::dashboard_source(&mut *conn, programme_id, None).await?;
    Ok(Board::build(&source, now.date_naive()).figures(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(n: i32) -> String {
        format!("{}-{:02}", 2020 + n / 12, n % 12 + 1)
    }

    #[test]
    fn the_roi_table_lists_twelve_months_of_actuals_and_sums_the_earlier_ones() {
        // A plan for months 0–35, actuals for months 0–29 (ten each).
        let mut plan = Content::new();
        plan.insert(
            "months".into(),
            serde_json::json!((0..36)
                .map(|n| serde_json::json!({"month": month(n), "investment": "100", "benefit": "40"}))
                .collect::<Vec<_>>()),
        );
        // As the database keeps them: months 18–29 one by one, 0–17 summed.
        let actuals = db::metrics::RoiKept {
            recent: (18..30)
                .map(|n| db::metrics::RoiFigures {
                    month: month(n),
                    investment: 10.0,
                    benefit: 5.0,
                })
                .collect(),
            earlier: Some(db::metrics::RoiSummed {
                first: month(0),
                last: month(17),
                investment: 180.0,
                benefit: 90.0,
            }),
            payback: None,
        };
        let view = RoiView::build(&plan, &actuals);
        // Months 18–29 with their actuals, then the plan's months 30–35.
        assert_eq!(view.months.len(), 12 + 6);
        assert_eq!(view.months[0].month.to_string(), month(18));
        let earlier = view.earlier.clone().expect("months 0–17 summed");
        assert_eq!(
            (earlier.first.to_string(), earlier.last.to_string()),
            (month(0), month(17))
        );
        assert_eq!(earlier.count, 18);
        assert_eq!(earlier.plan, Some((1800.0, 720.0)));
        assert_eq!(earlier.actual, Some((180.0, 90.0)));
        // Without actuals, the plan is listed whole.
        // The chart starts where the summed months end.
        let chart = view.chart();
        assert_eq!(chart.series[0].path.split_whitespace().count(), 36 - 17);
        assert_eq!(chart.series[1].path.split_whitespace().count(), 1 + 12);
        let view = RoiView::build(&plan, &db::metrics::RoiKept::default());
        assert_eq!(view.months.len(), 36);
        assert_eq!(view.earlier, None);
    }
}
