//! The shared dashboard's data: metric values with their corrections, the
//! actual investment and benefit per month, and everything a dashboard view
//! needs in one round trip.
//!
//! Every write here is one audited action: the caller passes its
//! transaction and the actor, and the audit entry is written with the change.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use super::json::Part;
use crate::domain::brief::Content;

/// How many recent values per metric the dashboard reads (its sparklines):
/// the copy the writes keep holds as many (`refresh_dashboard_source`,
/// migration 0020).
pub const RECENT_VALUES: i32 = 26;
/// How many values a metric's own page reads: two years of weeks (the
/// export holds them all).
pub const FOCUSED_VALUES: i32 = 104;

/// A recorded value.
#[derive(Debug, Clone, PartialEq, FromRow, Serialize, Deserialize)]
pub struct ValueRow {
    pub id: Uuid,
    /// The metric (the brief row's id).
    pub metric_id: String,
    /// The period, as stored ("2026-W07", "2026-03").
    pub period: String,
    pub value: f64,
    pub note: String,
    /// Who recorded (or last corrected) it.
    pub recorded_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub recorded_at: DateTime<Utc>,
    /// Optimistic-concurrency version: 1 as recorded, +1 per correction.
    pub version: i32,
}

/// A correction of a value.
#[derive(Debug, Clone, PartialEq, FromRow, Serialize, Deserialize)]
pub struct CorrectionRow {
    /// The period of the corrected value.
    pub period: String,
    pub old_value: f64,
    pub new_value: f64,
    pub old_note: String,
    pub new_note: String,
    pub reason: String,
    pub corrected_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub corrected_at: DateTime<Utc>,
}

/// Actual investment and benefit of one month.
#[derive(Debug, Clone, PartialEq, FromRow, Serialize, Deserialize)]
pub struct RoiRow {
    /// The month ("2026-03").
    pub month: String,
    pub investment: f64,
    /// Gained or saved.
    pub benefit: f64,
    pub note: String,
    pub version: i32,
}

/// Actual investment and benefit as the dashboard keeps them (the
/// database's `roi_kept`, migration 0045): the months of the last twelve
/// up to the latest one by one, those before summed, and the payback month
/// found over all of them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RoiKept {
    /// The recent months, in order.
    pub recent: Vec<RoiFigures>,
    /// The months before them, summed.
    pub earlier: Option<RoiSummed>,
    /// The first month ("2026-03") in which cumulative benefit reached
    /// cumulative investment.
    pub payback: Option<String>,
}

/// One month's actual investment and benefit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoiFigures {
    /// The month ("2026-03").
    pub month: String,
    pub investment: f64,
    pub benefit: f64,
}

/// Months of actual investment and benefit, summed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoiSummed {
    /// The first and last month summed ("2026-03").
    pub first: String,
    pub last: String,
    pub investment: f64,
    pub benefit: f64,
}

/// The latest fully signed brief version's dashboard sections.
#[derive(Debug, Clone, Deserialize)]
pub struct SignedSections {
    /// The version number.
    pub number: i32,
    /// When its last signature was given.
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub approved_at: DateTime<Utc>,
    /// Section key → content.
    pub sections: HashMap<String, Content>,
}

/// Everything a dashboard or metric page shows, read in one round trip.
#[derive(Debug, Clone, Default)]
pub struct DashboardSource {
    /// The latest fully signed version, if any.
    pub signed: Option<SignedSections>,
    /// The number of the latest version (signed or not).
    pub latest_number: Option<i32>,
    /// The draft's dashboard sections (empty when they are the signed
    /// version's: read them with [`DashboardSource::draft`]).
    pub draft: HashMap<String, Content>,
    /// Whether the draft's dashboard sections are the signed version's
    /// (the kept documents then hold one copy: migration 0037).
    pub draft_is_signed: bool,
    /// Values: the latest [`RECENT_VALUES`] per metric, or [`FOCUSED_VALUES`] of the focused metric.
    pub values: Vec<ValueRow>,
    /// The focused metric's corrections, newest first.
    pub corrections: Vec<CorrectionRow>,
    /// Actual investment and benefit.
    pub roi: RoiKept,
}

impl DashboardSource {
    /// The draft's dashboard sections.
    pub fn draft(&self) -> &HashMap<String, Content> {
        match &self.signed {
            Some(signed) if self.draft_is_signed => &signed.sections,
            _ => &self.draft,
        }
    }
}

#[derive(Deserialize)]
struct SourceRow {
    signed: Option<sqlx::types::Json<SignedSections>>,
    latest_number: Option<i32>,
    draft: Option<sqlx::types::Json<HashMap<String, Content>>>,
    #[serde(default)]
    draft_is_signed: bool,
    // The values as parallel arrays: PostgreSQL builds these far faster
    // than JSON objects, and the dashboard reads them on every view.
    ids: Vec<Uuid>,
    metric_ids: Vec<String>,
    periods: Vec<String>,
    vals: Vec<f64>,
    notes: Vec<String>,
    names: Vec<Option<String>>,
    #[serde(deserialize_with = "super::json::utc_times")]
    ats: Vec<DateTime<Utc>>,
    versions: Vec<i32>,
    corrections: sqlx::types::Json<Vec<CorrectionRow>>,
    roi: sqlx::types::Json<RoiKept>,
}

/// Reads a programme's dashboard as it stands in the caller's transaction
/// (the database's `dashboard_source`, migration 0020). With `focus`, every
/// value of that metric and its corrections; without, the recent values of
/// all. A page that only shows the dashboard reads the copy kept by the
/// writes instead ([`dashboard_page`], [`dashboard_part`]).
pub async fn dashboard_source(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    focus: Option<&str>,
) -> sqlx::Result<DashboardSource> {
    let part: super::json::Part = sqlx::query_scalar("SELECT dashboard_source($1, $2, $3)")
        .bind(programme_id)
        .bind(focus)
        .bind(values_read(focus))
        .fetch_one(db)
        .await?;
    decode_dashboard(&part.0)
}

/// How many values per metric a dashboard reads.
fn values_read(focus: Option<&str>) -> i32 {
    if focus.is_some() {
        FOCUSED_VALUES
    } else {
        RECENT_VALUES
    }
}

/// A dashboard page's programme (if the organisation has it) and
/// dashboard, for `who` in one round trip: the copy kept by the writes, or
/// with `focus`, that metric's values and corrections read now.
pub async fn dashboard_page(
    db: impl PgExecutor<'_>,
    who: &super::sessions::Who<'_>,
    programme_id: Uuid,
    focus: Option<&str>,
) -> sqlx::Result<Option<super::sessions::Seen<DashboardPage>>> {
    #[derive(FromRow)]
    struct Row {
        programme: Option<super::json::Part>,
        dashboard: Option<super::json::Part>,
    }
    let sql = who.statement("dashboard", u32::from(focus.is_some()), 2, 4, || {
        let dashboard = match focus {
            None => dashboard_part(),
            // A metric with values has its page kept by the writes
            // (`metric_sources`, migration 0033); one without is read now.
            Some(_) => {
                "coalesce((SELECT body FROM metric_sources WHERE programme_id = $1 AND metric_id = $3),
                                 dashboard_source($1, $3, $4))"
                    .to_owned()
            }
        };
        format!(
            "SELECT {} AS programme, {dashboard} AS dashboard",
            super::json::kept_programme(),
        )
    });
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(focus)
        .bind(values_read(focus));
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let programme = row
        .programme
        .map(|part| super::json::decode(&part.0))
        .transpose()?;
    // The dashboard's own page builds the board (each value's metric,
    // period and figure); a metric's page shows its values in full.
    let decode = if focus.is_some() {
        decode_dashboard
    } else {
        decode_figures
    };
    let source = row
        .dashboard
        .map(|part| decode(&part.0))
        .transpose()?
        .unwrap_or_default();
    who.seen(&found, (programme, source)).map(Some)
}

/// What a dashboard page reads: the programme, if the organisation has it,
/// and its dashboard.
pub type DashboardPage = (Option<super::programmes::Programme>, DashboardSource);

/// The dashboard's board: as kept, when it is what the page would render
/// now, else the document to render it from.
#[derive(Debug)]
pub enum BoardRead {
    Shown(String),
    Source(Box<DashboardSource>),
}

/// The dashboard page's programme (if the organisation has it) and board,
/// for `who` in one round trip: the board kept as HTML if it was written
/// from the kept document as it stands, for `today`, with `markup`
/// (`board_shown`), else the kept document alone.
pub async fn dashboard_view(
    db: impl PgExecutor<'_>,
    who: &super::sessions::Who<'_>,
    programme_id: Uuid,
    today: chrono::NaiveDate,
    markup: &str,
) -> sqlx::Result<Option<super::sessions::Seen<(Option<super::programmes::Programme>, BoardRead)>>>
{
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        shown: Option<String>,
        dashboard: Option<Part>,
    }
    let sql = who.statement("dashboard view", 0, 2, 4, || {
        let fresh = "shown_of = written_in AND shown_for = $3 AND shown_markup = $4";
        format!(
            "SELECT {} AS programme,
                    (SELECT shown FROM dashboard_sources
                      WHERE programme_id = $1 AND {fresh}) AS shown,
                    (SELECT body FROM dashboard_sources
                      WHERE programme_id = $1 AND ({fresh}) IS NOT TRUE) AS dashboard",
            super::json::kept_programme(),
        )
    });
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(today)
        .bind(markup);
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let programme = row
        .programme
        .map(|part| super::json::decode(&part.0))
        .transpose()?;
    let board = match (row.shown, row.dashboard) {
        (Some(shown), _) => BoardRead::Shown(shown),
        (None, dashboard) => BoardRead::Source(Box::new(
            dashboard
                .map(|part| decode_figures(&part.0))
                .transpose()?
                .unwrap_or_default(),
        )),
    };
    who.seen(&found, (programme, board)).map(Some)
}

/// A metric's page: as kept, when it is what the page would render now,
/// else the document to render it from.
#[derive(Debug)]
pub enum MetricRead {
    Shown(crate::board_shown::MetricShown),
    Source(Box<DashboardSource>),
}

/// A metric page's programme (if the organisation has it) and page, for
/// `who` in one round trip: the page kept as HTML if it was written from
/// the metric's kept document as it stands, for `today`, with `markup`
/// (`board_shown`); else that document; else, for a metric without values,
/// its document read now.
pub async fn metric_view(
    db: impl PgExecutor<'_>,
    who: &super::sessions::Who<'_>,
    programme_id: Uuid,
    metric_id: &str,
    today: chrono::NaiveDate,
    markup: &str,
) -> sqlx::Result<Option<super::sessions::Seen<(Option<super::programmes::Programme>, MetricRead)>>>
{
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        shown: Option<Vec<String>>,
        shown_name: Option<String>,
        shown_kind: Option<String>,
        shown_due: Option<String>,
        dashboard: Option<Part>,
    }
    let sql = who.statement("metric view", 0, 2, 6, || {
        format!(
            "SELECT {} AS programme, k.shown, k.shown_name, k.shown_kind, k.shown_due,
                    CASE WHEN k.shown IS NULL THEN coalesce(k.body, dashboard_source($1, $3, $4)) END AS dashboard
               FROM (SELECT 1) one
               LEFT JOIN LATERAL (
                   SELECT CASE WHEN fresh THEN shown END AS shown, shown_name, shown_kind, shown_due,
                          CASE WHEN fresh THEN NULL ELSE body END AS body
                     FROM (SELECT *, (shown_of = written_in AND shown_for = $5 AND shown_markup = $6) IS TRUE AS fresh
                             FROM metric_sources WHERE programme_id = $1 AND metric_id = $3) m) k ON true",
            super::json::kept_programme(),
        )
    });
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(metric_id)
        .bind(FOCUSED_VALUES)
        .bind(today)
        .bind(markup);
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let programme = row
        .programme
        .map(|part| super::json::decode(&part.0))
        .transpose()?;
    let read = match (row.shown, row.shown_name, row.shown_kind, row.shown_due) {
        (Some(shown), Some(name), Some(kind), Some(due)) => {
            let parts: [String; 2] = shown
                .try_into()
                .map_err(|_| sqlx::Error::Decode("a kept metric page has two parts".into()))?;
            let kind = crate::domain::metrics::MetricKind::parse(&kind).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown metric kind {kind:?}").into())
            })?;
            MetricRead::Shown(crate::board_shown::MetricShown {
                name,
                kind,
                due,
                parts,
            })
        }
        _ => MetricRead::Source(Box::new(
            row.dashboard
                .map(|part| decode_dashboard(&part.0))
                .transpose()?
                .unwrap_or_default(),
        )),
    };
    who.seen(&found, (programme, read)).map(Some)
}

/// The kept metric pages the current transaction wrote, decoded, each with
/// the day it was last written for (`metric_pages_written`, migration 0053).
pub async fn metric_pages_written(
    conn: &mut PgConnection,
) -> sqlx::Result<Vec<(Uuid, String, DashboardSource, chrono::NaiveDate)>> {
    let rows: Vec<(Uuid, String, Part, chrono::NaiveDate)> = sqlx::query_as(
        "SELECT programme_id, metric_id, body, shown_for FROM metric_pages_written()",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, metric, body, day)| Ok((id, metric, decode_dashboard(&body.0)?, day)))
        .collect()
}

/// Up to `limit` kept metric pages that are not what their page would
/// render for `today` with `markup`, decoded, each with the transaction
/// that wrote its document.
pub async fn metric_pages_unshown(
    db: impl PgExecutor<'_>,
    today: chrono::NaiveDate,
    markup: &str,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, String, DashboardSource, i64)>> {
    let rows: Vec<(Uuid, String, Part, i64)> = sqlx::query_as(
        "SELECT programme_id, metric_id, body, written_in::text::bigint FROM metric_sources
          WHERE (shown_of = written_in AND shown_for = $1 AND shown_markup = $2) IS NOT TRUE
          ORDER BY programme_id, metric_id LIMIT $3",
    )
    .bind(today)
    .bind(markup)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, metric, body, written)| Ok((id, metric, decode_dashboard(&body.0)?, written)))
        .collect()
}

/// Keeps `shown` as a metric's page (`None`: the brief defines no such
/// metric, and its page answers 404 from the document), as
/// [`write_shown`] for the dashboard. Returns how many were written.
pub async fn write_metric_shown(
    db: impl PgExecutor<'_>,
    page: &crate::board_shown::KeptMetric<'_>,
    shown: Option<&crate::board_shown::MetricShown>,
    markup: &str,
) -> sqlx::Result<u64> {
    let written = sqlx::query(
        "UPDATE metric_sources
            SET shown = $3, shown_name = $4, shown_kind = $5, shown_due = $6,
                shown_of = written_in, shown_for = $7, shown_markup = $8
          WHERE programme_id = $1 AND metric_id = $2
            AND ($9::bigint IS NULL OR written_in = $9::bigint::text::xid8)",
    )
    .bind(page.programme_id)
    .bind(page.metric_id)
    .bind(shown.map(|s| &s.parts[..]))
    .bind(shown.map(|s| &s.name))
    .bind(shown.map(|s| s.kind.as_str()))
    .bind(shown.map(|s| &s.due))
    .bind(page.day)
    .bind(markup)
    .bind(page.document)
    .execute(db)
    .await?;
    Ok(written.rows_affected())
}

/// The kept dashboards the current transaction wrote, decoded, each with
/// the day its board was last written for (`dashboards_written`, migration
/// 0052: it runs the deferred refreshes first). A dashboard whose board
/// was never written is left to the keeper.
pub async fn dashboards_written(
    conn: &mut PgConnection,
) -> sqlx::Result<Vec<(Uuid, DashboardSource, chrono::NaiveDate)>> {
    let rows: Vec<(Uuid, Part, chrono::NaiveDate)> =
        sqlx::query_as("SELECT programme_id, body, shown_for FROM dashboards_written()")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(id, body, day)| Ok((id, decode_figures(&body.0)?, day)))
        .collect()
}

/// Up to `limit` kept dashboards whose board is not what their page would
/// render for `today` with `markup`, decoded, each with the transaction
/// that wrote its document.
pub async fn dashboards_unshown(
    db: impl PgExecutor<'_>,
    today: chrono::NaiveDate,
    markup: &str,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, DashboardSource, i64)>> {
    let rows: Vec<(Uuid, Part, i64)> = sqlx::query_as(
        "SELECT programme_id, body, written_in::text::bigint FROM dashboard_sources
          WHERE (shown_of = written_in AND shown_for = $1 AND shown_markup = $2) IS NOT TRUE
          ORDER BY programme_id LIMIT $3",
    )
    .bind(today)
    .bind(markup)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, body, written)| Ok((id, decode_figures(&body.0)?, written)))
        .collect()
}

/// Keeps `shown` as programme `programme_id`'s board, written for `day`
/// with `markup` from its document as it stands in this transaction, or
/// with `document`, only if that is still the one written by that
/// transaction. Returns how many boards were written (0 or 1).
pub async fn write_shown(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    document: Option<i64>,
    (shown, facts): &(String, crate::board_shown::BoardFacts),
    day: chrono::NaiveDate,
    markup: &str,
) -> sqlx::Result<u64> {
    let written = sqlx::query(
        "UPDATE dashboard_sources
            SET shown = $2, shown_facts = $6, shown_of = written_in, shown_for = $3, shown_markup = $4
          WHERE programme_id = $1 AND ($5::bigint IS NULL OR written_in = $5::bigint::text::xid8)",
    )
    .bind(programme_id)
    .bind(shown)
    .bind(day)
    .bind(markup)
    .bind(document)
    .bind(sqlx::types::Json(facts))
    .execute(db)
    .await?;
    Ok(written.rows_affected())
}

/// The dashboard of programme `$1` as one JSON part of a page's query: the
/// copy the writes keep (`dashboard_sources`, rewritten at the commit of
/// every change to what it shows), so a page that shows the dashboard or a
/// few of its figures reads one row. It holds only what the board reads
/// (migration 0043): decode it with [`decode_figures`].
pub(crate) fn dashboard_part() -> String {
    "(SELECT body FROM dashboard_sources WHERE programme_id = $1)".to_owned()
}

/// Decodes a dashboard source written by the database's `dashboard_source`.
pub(crate) fn decode_dashboard(part: &str) -> sqlx::Result<DashboardSource> {
    let row: SourceRow = super::json::decode(part)?;
    Ok(source_of(row))
}

/// Decodes a dashboard source for a page that only builds the board from
/// it (the dashboard, health, the pipeline, a review): each value's metric, period and
/// figure, which are all the board reads; its id, note, author, time and
/// version are left empty, as are the corrections (the kept document holds
/// none of them: migration 0043).
pub(crate) fn decode_figures(part: &str) -> sqlx::Result<DashboardSource> {
    #[derive(Deserialize)]
    struct FiguresRow {
        signed: Option<SignedSections>,
        latest_number: Option<i32>,
        draft: Option<HashMap<String, Content>>,
        #[serde(default)]
        draft_is_signed: bool,
        metric_ids: Vec<String>,
        periods: Vec<String>,
        vals: Vec<f64>,
        roi: RoiKept,
    }
    let row: FiguresRow = super::json::decode(part)?;
    let values = figures_only(row.metric_ids, row.periods, row.vals);
    Ok(DashboardSource {
        signed: row.signed,
        latest_number: row.latest_number,
        draft: row.draft.unwrap_or_default(),
        draft_is_signed: row.draft_is_signed,
        values,
        corrections: Vec::new(),
        roi: row.roi,
    })
}

/// Values with only their metric, period and figure (the rest left empty).
fn figures_only(metric_ids: Vec<String>, periods: Vec<String>, vals: Vec<f64>) -> Vec<ValueRow> {
    metric_ids
        .into_iter()
        .zip(periods)
        .zip(vals)
        .map(|((metric_id, period), value)| ValueRow {
            id: Uuid::nil(),
            metric_id,
            period,
            value,
            note: String::new(),
            recorded_by_name: None,
            recorded_at: DateTime::UNIX_EPOCH,
            version: 0,
        })
        .collect()
}

/// The dashboard of a source row.
fn source_of(row: SourceRow) -> DashboardSource {
    DashboardSource {
        signed: row.signed.map(|json| json.0),
        latest_number: row.latest_number,
        draft: row.draft.map(|json| json.0).unwrap_or_default(),
        draft_is_signed: row.draft_is_signed,
        values: (0..row.ids.len())
            .map(|i| ValueRow {
                id: row.ids[i],
                metric_id: row.metric_ids[i].clone(),
                period: row.periods[i].clone(),
                value: row.vals[i],
                note: row.notes[i].clone(),
                recorded_by_name: row.names[i].clone(),
                recorded_at: row.ats[i],
                version: row.versions[i],
            })
            .collect(),
        corrections: row.corrections.0,
        roi: row.roi.0,
    }
}

/// A value to record.
#[derive(Debug, Clone)]
pub struct NewValue<'a> {
    /// The programme's organisation.
    pub organisation_id: Uuid,
    pub programme_id: Uuid,
    /// The metric (brief row id).
    pub metric_id: &'a str,
    pub period: &'a str,
    pub value: f64,
    pub note: &'a str,
}

/// What recording a value did.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// A new value was stored.
    Created(Uuid),
    /// The same value (and note) was already there: nothing changed.
    Unchanged(ValueRow),
    /// A different value is already there: a correction is needed.
    Exists(ValueRow),
}

const VALUE_COLUMNS: &str = "mv.id, mv.metric_id, mv.period, mv.value, mv.note, \
     (SELECT display_name FROM users WHERE id = mv.recorded_by) AS recorded_by_name, \
     mv.recorded_at, mv.version";

async fn existing_for_update(
    conn: &mut PgConnection,
    programme_id: Uuid,
    metric_id: &str,
    period: &str,
) -> sqlx::Result<Option<ValueRow>> {
    sqlx::query_as(&format!(
        "SELECT {VALUE_COLUMNS} FROM metric_values mv
          WHERE mv.programme_id = $1 AND mv.metric_id = $2 AND mv.period = $3
          FOR UPDATE"
    ))
    .bind(programme_id)
    .bind(metric_id)
    .bind(period)
    .fetch_optional(conn)
    .await
}

/// Records a value for a period that has none; says what is there otherwise.
pub async fn record_value(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewValue<'_>,
) -> sqlx::Result<Recorded> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO metric_values (id, organisation_id, programme_id, metric_id, period, value, note, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT metric_values_one_per_period DO NOTHING
         RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(new.organisation_id)
    .bind(new.programme_id)
    .bind(new.metric_id)
    .bind(new.period)
    .bind(new.value)
    .bind(new.note)
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::METRIC_VALUE_RECORD,
                object_type: "programme",
                object_id: Some(new.programme_id),
                before: None,
                after: Some(json!({
                    "metric": new.metric_id, "period": new.period,
                    "value": new.value, "note": new.note, "value_id": id,
                })),
            },
        )
        .await?;
        return Ok(Recorded::Created(id));
    }
    let existing = existing_for_update(conn, new.programme_id, new.metric_id, new.period)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    if existing.value == new.value && existing.note == new.note {
        Ok(Recorded::Unchanged(existing))
    } else {
        Ok(Recorded::Exists(existing))
    }
}

/// A correction to make.
#[derive(Debug, Clone)]
pub struct Correction<'a> {
    /// The value as it will be.
    pub value: NewValue<'a>,
    /// The version of the value the corrector saw: a correction of any
    /// other version is stale.
    pub expected_version: i32,
    pub reason: &'a str,
}

/// What correcting did.
#[derive(Debug, Clone, PartialEq)]
pub enum Corrected {
    /// Corrected; the value as it now stands.
    Done(ValueRow),
    /// Nothing to correct: the value already is this.
    Unchanged(ValueRow),
    /// The value changed since the form was loaded.
    Stale(ValueRow),
    /// There is no value for that period to correct.
    Missing,
}

/// Corrects a recorded value, keeping the old one (and the reason) in history.
pub async fn correct_value(
    conn: &mut PgConnection,
    actor: &Actor,
    correction: &Correction<'_>,
) -> sqlx::Result<Corrected> {
    let new = &correction.value;
    let Some(existing) =
        existing_for_update(conn, new.programme_id, new.metric_id, new.period).await?
    else {
        return Ok(Corrected::Missing);
    };
    if correction.expected_version != existing.version {
        return Ok(Corrected::Stale(existing));
    }
    if existing.value == new.value && existing.note == new.note {
        return Ok(Corrected::Unchanged(existing));
    }
    sqlx::query(
        "UPDATE metric_values SET value = $2, note = $3, recorded_by = $4, recorded_at = $5, version = version + 1
          WHERE id = $1",
    )
    .bind(existing.id)
    .bind(new.value)
    .bind(new.note)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO metric_value_corrections (value_id, old_value, new_value, old_note, new_note, reason, corrected_by, corrected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(existing.id)
    .bind(existing.value)
    .bind(new.value)
    .bind(&existing.note)
    .bind(new.note)
    .bind(correction.reason)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::METRIC_VALUE_CORRECT,
            object_type: "programme",
            object_id: Some(new.programme_id),
            before: Some(json!({
                "metric": new.metric_id, "period": new.period,
                "value": existing.value, "note": existing.note,
            })),
            after: Some(json!({
                "metric": new.metric_id, "period": new.period,
                "value": new.value, "note": new.note, "reason": correction.reason,
            })),
        },
    )
    .await?;
    let updated = existing_for_update(conn, new.programme_id, new.metric_id, new.period)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok(Corrected::Done(updated))
}

/// One month's actual investment and benefit to record.
#[derive(Debug, Clone)]
pub struct RoiMonth<'a> {
    /// The programme's organisation.
    pub organisation_id: Uuid,
    pub programme_id: Uuid,
    /// The month ("2026-03").
    pub month: &'a str,
    pub investment: f64,
    /// Gained or saved.
    pub benefit: f64,
    pub note: &'a str,
    /// The version the form showed (0 for a new month).
    pub expected_version: i32,
}

/// What recording a month did.
#[derive(Debug, Clone, PartialEq)]
pub enum RoiSaved {
    Saved,
    Unchanged,
    /// The month changed since the form was loaded.
    Stale(RoiRow),
}

/// Records (or revises) one month's actuals.
pub async fn record_roi(
    conn: &mut PgConnection,
    actor: &Actor,
    month: &RoiMonth<'_>,
) -> sqlx::Result<RoiSaved> {
    let existing: Option<RoiRow> = sqlx::query_as(
        "SELECT month, investment, benefit, note, version FROM roi_actuals
          WHERE programme_id = $1 AND month = $2 FOR UPDATE",
    )
    .bind(month.programme_id)
    .bind(month.month)
    .fetch_optional(&mut *conn)
    .await?;
    let current_version = existing.as_ref().map_or(0, |row| row.version);
    if current_version != month.expected_version {
        return Ok(match existing {
            Some(row) => RoiSaved::Stale(row),
            None => RoiSaved::Stale(RoiRow {
                month: month.month.to_owned(),
                investment: 0.0,
                benefit: 0.0,
                note: String::new(),
                version: 0,
            }),
        });
    }
    if let Some(row) = &existing
        && row.investment == month.investment
        && row.benefit == month.benefit
        && row.note == month.note
    {
        return Ok(RoiSaved::Unchanged);
    }
    sqlx::query(
        "INSERT INTO roi_actuals (programme_id, organisation_id, month, investment, benefit, note, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ON CONSTRAINT roi_actuals_pkey DO UPDATE
            SET investment = excluded.investment, benefit = excluded.benefit, note = excluded.note,
                recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at,
                version = roi_actuals.version + 1",
    )
    .bind(month.programme_id)
    .bind(month.organisation_id)
    .bind(month.month)
    .bind(month.investment)
    .bind(month.benefit)
    .bind(month.note)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::ROI_RECORD,
            object_type: "programme",
            object_id: Some(month.programme_id),
            before: existing.map(|row| json!(row)),
            after: Some(json!({
                "month": month.month, "investment": month.investment,
                "benefit": month.benefit, "note": month.note,
            })),
        },
    )
    .await?;
    Ok(RoiSaved::Saved)
}

/// Every value of a programme, by metric and period (for export and import).
pub async fn all_values(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
) -> sqlx::Result<Vec<ValueRow>> {
    sqlx::query_as(&format!(
        "SELECT {VALUE_COLUMNS} FROM metric_values mv
          WHERE mv.programme_id = $1
          ORDER BY mv.metric_id, mv.period"
    ))
    .bind(programme_id)
    .fetch_all(db)
    .await
}
