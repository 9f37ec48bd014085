//! The dashboard's board as its page shows it, written to HTML when the
//! kept dashboard changes (issue 23): the statuses, tables, sparklines,
//! primary chart and ROI of a programme depend on its dashboard and on the
//! day, never on who looks, so they are rendered once and kept beside the
//! document (`dashboard_sources.shown`, migration 0052) instead of being
//! built from it on every view. Each metric's page is kept the same way
//! (`metric_sources.shown`, 0053), and the expansion pipeline, judged on
//! the dashboard, once for each kind of viewer (`pipeline_shown`, 0054);
//! so are the bodies of the brief and matrix pages, with their viewers'
//! parts marked (`programme_pages`, 0055).
//!
//! Who writes them: a write through a page, before it commits, for the
//! documents it changed ([`write_changed`], called by `web::pages::done`);
//! the keeper task for everything else — a write by the API, an import
//! from the command line, a new day, another release's markup ([`keep`]).
//! A page shows its kept copy only while it is what it would render now,
//! and otherwise renders from the document itself, so a stale copy is
//! never shown.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use askama::Template;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::board::{Board, MetricView};
use crate::clock::Clock;
use crate::db;
use crate::db::metrics::{CorrectionRow, DashboardSource, ValueRow};
use crate::domain::metrics::{MetricKind, NEAR, ON_TRACK, Period, Status, Unit, format_number};

/// The board of one programme's dashboard as HTML.
#[derive(Template)]
#[template(path = "dashboard/board.html")]
struct BoardShown<'a> {
    programme_id: Uuid,
    board: &'a Board,
    thresholds: (String, String),
    /// (heading, id, metrics): business, then operational.
    groups: [(&'static str, &'static str, Vec<&'a MetricView>); 2],
}

/// What the alignment-health page shows of a board, kept with it
/// (`dashboard_sources.shown_facts`, migration 0057): the health page
/// reads these few words instead of building the board.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BoardFacts {
    /// The names of the metrics whose latest value is stale.
    pub stale: Vec<String>,
    /// The primary metric's name and the word for its unit.
    pub primary: Option<(String, String)>,
}

impl BoardFacts {
    pub(crate) fn of(board: &Board) -> BoardFacts {
        BoardFacts {
            stale: board
                .metrics
                .iter()
                .filter(|m| m.assessment.stale)
                .map(|m| m.def.name.clone())
                .collect(),
            primary: board.primary().map(|m| {
                let unit = match m.def.unit {
                    Unit::Percent => "%",
                    Unit::Currency => "€",
                    Unit::Hours => "hours",
                    Unit::Count => "count",
                    Unit::Score => "score",
                };
                (m.def.name.clone(), unit.to_owned())
            }),
        }
    }
}

/// The board of programme `programme_id`'s dashboard `source` as of
/// `today`, as the dashboard page shows it, with its [`BoardFacts`].
pub fn render(
    programme_id: Uuid,
    source: &DashboardSource,
    today: NaiveDate,
) -> (String, BoardFacts) {
    let board = Board::build(source, today);
    let shown = BoardShown {
        programme_id,
        board: &board,
        thresholds: (format_number(ON_TRACK * 100.0), format_number(NEAR * 100.0)),
        groups: [
            (
                "Business metrics",
                "business",
                board.of_kind(MetricKind::Business),
            ),
            (
                "Operational metrics",
                "operational",
                board.of_kind(MetricKind::Operational),
            ),
        ],
    };
    // Writing into a `String` cannot fail.
    (shown.render().unwrap_or_default(), BoardFacts::of(&board))
}

/// A metric's page as kept (`metric_sources.shown`, migration 0053): what
/// the page frames it with, and its two parts.
#[derive(Debug, PartialEq)]
pub struct MetricShown {
    /// The metric's name.
    pub name: String,
    /// Its kind, which says who records it.
    pub kind: MetricKind,
    /// The period its record form proposes: the one after the latest
    /// value (or the one due), never a future one.
    pub due: String,
    /// The heading and standing, then the values and corrections.
    pub parts: [String; 2],
}

/// One part of a metric's page.
#[derive(Template)]
#[template(path = "dashboard/metric_parts.html")]
struct MetricParts<'a> {
    part: u8,
    metric: &'a MetricView,
    rows: &'a [HistoryRow],
    corrections: &'a [CorrectionRow],
}

/// One row of a metric's history table.
struct HistoryRow {
    value: ValueRow,
    period_label: String,
    value_text: String,
    expected_text: String,
    status: Status,
    corrected: usize,
}

/// The page of metric `metric_id` from its dashboard `source` (a metric's
/// document: every value of the metric, with corrections) as of `today`,
/// or `None` if the brief defines no such metric.
pub fn render_metric(
    metric_id: &str,
    source: &DashboardSource,
    today: NaiveDate,
) -> Option<MetricShown> {
    let board = Board::build(source, today);
    let metric = board.metrics.iter().find(|m| m.def.id == metric_id)?;
    let corrections = &source.corrections;
    let rows: Vec<HistoryRow> = source
        .values
        .iter()
        .filter(|row| row.metric_id == metric.def.id)
        .rev()
        .filter_map(|row| {
            let period = Period::parse_for(&row.period, metric.def.cadence).ok()?;
            let (status, _, expected) = metric.def.judge(period, row.value);
            Some(HistoryRow {
                period_label: period.label(),
                value_text: metric.def.unit.format(row.value),
                expected_text: metric.def.unit.format(expected),
                status,
                corrected: corrections
                    .iter()
                    .filter(|c| c.period == row.period)
                    .count(),
                value: row.clone(),
            })
        })
        .collect();
    let due = metric
        .assessment
        .period
        .map_or(metric.assessment.last_due, Period::next)
        .min(Period::containing(today, metric.def.cadence));
    let part = |part| {
        MetricParts {
            part,
            metric,
            rows: &rows,
            corrections,
        }
        .render()
        .unwrap_or_default()
    };
    Some(MetricShown {
        name: metric.def.name.clone(),
        kind: metric.def.kind,
        due: due.to_string(),
        parts: [part(0), part(1)],
    })
}

/// The board of a kept dashboard document (`dashboard_sources.body`) and
/// its facts, as [`render`] writes them.
pub fn render_document(
    programme_id: Uuid,
    document: &str,
    today: NaiveDate,
) -> sqlx::Result<(String, BoardFacts)> {
    Ok(render(
        programme_id,
        &db::metrics::decode_figures(document)?,
        today,
    ))
}

/// The page of a metric from its kept document (`metric_sources.body`), as
/// [`render_metric`] writes it.
pub fn render_metric_document(
    metric_id: &str,
    document: &str,
    today: NaiveDate,
) -> sqlx::Result<Option<MetricShown>> {
    Ok(render_metric(
        metric_id,
        &db::metrics::decode_dashboard(document)?,
        today,
    ))
}

/// What the kept boards were written with: a hash of the templates and of
/// the code that builds and formats the board. A board written with other
/// markup is not shown, and the keeper writes it again; an edit of these
/// files, even of a comment, costs one rendering per programme.
pub fn markup() -> &'static str {
    static MARKUP: LazyLock<String> = LazyLock::new(|| {
        crate::domain::values::short_hash(&[
            include_str!("../templates/dashboard/board.html"),
            include_str!("../templates/dashboard/metric_parts.html"),
            include_str!("../templates/pipeline/content.html"),
            include_str!("../templates/partials/forms.html"),
            include_str!("../templates/partials/charts.html"),
            include_str!("board.rs"),
            include_str!("board_shown.rs"),
            include_str!("db/metrics.rs"),
            include_str!("db/pipeline.rs"),
            include_str!("pipeline.rs"),
            include_str!("pipeline_shown.rs"),
            include_str!("domain/pipeline.rs"),
            include_str!("domain/chart.rs"),
            include_str!("domain/dates.rs"),
            include_str!("domain/measure.rs"),
            include_str!("domain/metrics.rs"),
            include_str!("domain/period.rs"),
            include_str!("domain/roi.rs"),
            include_str!("paths.rs"),
        ])
    });
    &MARKUP
}

/// Writes again, inside the current transaction, the boards of the kept
/// dashboards it changed, each for the day it was last shown for (the
/// keeper moves that day on). Runs the kept documents' refreshes first,
/// which otherwise run at commit.
pub async fn write_changed(conn: &mut PgConnection) -> sqlx::Result<()> {
    for (programme_id, source, day) in db::metrics::dashboards_written(&mut *conn).await? {
        let shown = render(programme_id, &source, day);
        db::metrics::write_shown(&mut *conn, programme_id, None, &shown, day, markup()).await?;
    }
    for (programme_id, metric_id, source, day) in
        db::metrics::metric_pages_written(&mut *conn).await?
    {
        let shown = render_metric(&metric_id, &source, day);
        let page = KeptMetric {
            programme_id,
            metric_id: &metric_id,
            document: None,
            day,
        };
        db::metrics::write_metric_shown(&mut *conn, &page, shown.as_ref(), markup()).await?;
    }
    for (programme_id, source, day) in db::pipeline::written(&mut *conn).await? {
        let shown = crate::pipeline_shown::render_kept(programme_id, &source, day);
        db::pipeline::write_shown(&mut *conn, programme_id, None, &shown, day, markup()).await?;
    }
    crate::programme_pages::write_changed(conn).await
}

/// Which metric page is written, from which document, for which day.
pub struct KeptMetric<'a> {
    pub programme_id: Uuid,
    pub metric_id: &'a str,
    /// The transaction that wrote the document it was rendered from, if
    /// not the current one.
    pub document: Option<i64>,
    pub day: NaiveDate,
}

/// How many boards the keeper writes per statement.
const BATCH: i64 = 20;

/// Writes every kept page that is not what its page would render now
/// (written from an older document, for another day or with another
/// release's markup) for `today`: the boards, the metric pages, the
/// pipelines. Each is written only if its documents have not changed
/// meanwhile. Returns how many were written.
pub async fn write_stale(pool: &PgPool, today: NaiveDate) -> sqlx::Result<u64> {
    let markup = markup();
    let boards = in_batches(
        || db::metrics::dashboards_unshown(pool, today, markup, BATCH),
        |(programme_id, source, document)| async move {
            let shown = render(programme_id, &source, today);
            db::metrics::write_shown(pool, programme_id, Some(document), &shown, today, markup)
                .await
        },
    )
    .await?;
    let metric_pages = in_batches(
        || db::metrics::metric_pages_unshown(pool, today, markup, BATCH),
        |(programme_id, metric_id, source, document): (Uuid, String, _, _)| async move {
            let shown = render_metric(&metric_id, &source, today);
            let page = KeptMetric {
                programme_id,
                metric_id: &metric_id,
                document: Some(document),
                day: today,
            };
            db::metrics::write_metric_shown(pool, &page, shown.as_ref(), markup).await
        },
    )
    .await?;
    let pipelines = in_batches(
        || db::pipeline::unshown(pool, today, markup, BATCH),
        |(programme_id, source, document, board)| async move {
            let shown = crate::pipeline_shown::render_kept(programme_id, &source, today);
            let documents = Some((document, board));
            db::pipeline::write_shown(pool, programme_id, documents, &shown, today, markup).await
        },
    )
    .await?;
    let pages_markup = crate::programme_pages::markup();
    let programme_pages = in_batches(
        || db::pages::programme_pages_unshown(pool, pages_markup, BATCH),
        |(programme_id, source, document)| async move {
            let (brief, matrix) = crate::programme_pages::render(programme_id, &source);
            let bodies = (&brief[..], &matrix[..]);
            db::pages::write_programme_pages(
                pool,
                programme_id,
                Some(document),
                bodies,
                pages_markup,
            )
            .await
        },
    )
    .await?;
    let versions = in_batches(
        || db::pages::version_pages_unshown(pool, pages_markup, BATCH),
        |(version_id, source, document)| async move {
            let Some((page, latest)) = crate::programme_pages::render_version(source) else {
                return Ok(0);
            };
            let body = (&page[..], latest);
            db::pages::write_version_page(pool, version_id, Some(document), body, pages_markup)
                .await
        },
    )
    .await?;
    Ok(boards + metric_pages + pipelines + programme_pages + versions)
}

/// Fetches batches of up to [`BATCH`] stale pages and writes each, until a
/// batch is the last or wrote nothing (its documents all changed
/// meanwhile: the next pass takes them up, rather than chasing them now).
/// Returns how many were written.
async fn in_batches<T, Fetched, Written>(
    mut fetch: impl FnMut() -> Fetched,
    mut write: impl FnMut(T) -> Written,
) -> sqlx::Result<u64>
where
    Fetched: Future<Output = sqlx::Result<Vec<T>>>,
    Written: Future<Output = sqlx::Result<u64>>,
{
    let mut written = 0;
    loop {
        let stale = fetch().await?;
        let last = (stale.len() as i64) < BATCH;
        let mut batch = 0;
        for page in stale {
            batch += write(page).await?;
        }
        written += batch;
        if last || batch == 0 {
            return Ok(written);
        }
    }
}

/// How often the keeper looks for boards to write.
const KEEPER_POLL: Duration = Duration::from_secs(20);

/// The keeper task: [`write_stale`] now and every [`KEEPER_POLL`], for the
/// clock's day.
pub async fn keep(pool: PgPool, clock: Arc<dyn Clock>) {
    let mut failing = false;
    loop {
        match write_stale(&pool, clock.now().date_naive()).await {
            Err(error) if !failing => {
                tracing::warn!(%error, "the dashboards' boards wait for the database");
                failing = true;
            }
            Err(_) => {}
            Ok(written) => {
                if failing {
                    tracing::info!("the dashboards' boards are written again");
                    failing = false;
                }
                if written > 0 {
                    tracing::debug!(written, "dashboard boards written");
                }
            }
        }
        tokio::time::sleep(KEEPER_POLL).await;
    }
}
