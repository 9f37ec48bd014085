//! The expansion pipeline's records: the processes (kept in step with the
//! brief's process scope by a trigger, see migration 0009), each move
//! between stages, the go-live gates, and the ExCo's decisions.
//!
//! Every write is one audited action: the caller passes its transaction and
//! the actor, and the audit entry is written with the change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use super::json::{Part, array, decode};
use super::programmes::Programme;
use super::sessions::{Seen, Who};
use crate::domain::pipeline::{Comparator, ExcoDecision, Gate, Stage};

/// A process of the pipeline.
#[derive(Debug, Clone, PartialEq, FromRow, Serialize, Deserialize)]
pub struct ProcessRow {
    /// The row's id.
    pub id: Uuid,
    /// The stable id the brief, the versions and the API use.
    pub key: String,
    /// Its name in the draft.
    pub name: String,
    /// Its place in the draft's sequence.
    pub position: i32,
    /// Whether the draft still has it.
    pub in_draft: bool,
    /// The stage it is at, as stored.
    pub stage: String,
    /// Optimistic-concurrency version of the stage.
    pub stage_version: i32,
    /// When it was first written into the brief.
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub created_at: DateTime<Utc>,
}

impl ProcessRow {
    /// The stage it is at.
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Candidate)
    }
}

/// A move between stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveRow {
    pub process_id: Uuid,
    pub from_stage: String,
    pub to_stage: String,
    /// Why, in a line.
    pub note: String,
    pub moved_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub moved_at: DateTime<Utc>,
}

/// A go-live gate in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRow {
    pub id: Uuid,
    /// The process it guards.
    pub process_id: Uuid,
    pub metric_id: String,
    /// `below` or `above`.
    pub comparator: String,
    pub threshold: f64,
    /// How many consecutive periods.
    pub periods: i32,
    /// Who set it.
    pub created_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub created_at: DateTime<Utc>,
}

impl GateRow {
    /// The gate as the domain judges it.
    pub fn gate(&self) -> Gate {
        Gate {
            metric_id: self.metric_id.clone(),
            comparator: Comparator::parse(&self.comparator).unwrap_or(Comparator::Below),
            threshold: self.threshold,
            periods: usize::try_from(self.periods).unwrap_or(1),
        }
    }
}

/// An ExCo decision on a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRow {
    pub process_id: Uuid,
    /// Its stable id.
    pub process_key: String,
    pub process_name: String,
    /// The review's month.
    pub month: String,
    /// Whether the review was held.
    pub held: bool,
    /// What was decided, as stored.
    pub decision: String,
    /// A line of context.
    pub note: String,
    /// Who recorded it.
    pub recorded_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub recorded_at: DateTime<Utc>,
}

impl DecisionRow {
    /// What was decided.
    pub fn decision(&self) -> Option<ExcoDecision> {
        ExcoDecision::parse(&self.decision)
    }
}

const PROCESS_COLUMNS: &str = "id, key, name, position, in_draft, stage, stage_version, created_at";

/// The processes of programme `$1`, in the draft's sequence (those the
/// draft dropped last).
pub(crate) fn processes_sql() -> String {
    format!(
        "SELECT {PROCESS_COLUMNS} FROM processes WHERE programme_id = $1
          ORDER BY in_draft DESC, position, created_at"
    )
}

const MOVES: &str = "SELECT m.process_id, m.from_stage, m.to_stage, m.note,
        (SELECT display_name FROM users WHERE id = m.moved_by) AS moved_by_name, m.moved_at
   FROM process_stage_moves m JOIN processes p ON p.id = m.process_id
  WHERE p.programme_id = $1 ORDER BY m.moved_at, m.id";

/// The gates in force that `filter` (on `g` and its process `p`) keeps.
fn gates_sql(filter: &str) -> String {
    format!(
        "SELECT g.id, g.process_id, g.metric_id, g.comparator, g.threshold, g.periods,
                (SELECT display_name FROM users WHERE id = g.created_by) AS created_by_name, g.created_at
           FROM process_gates g JOIN processes p ON p.id = g.process_id
          WHERE {filter} AND g.removed_at IS NULL ORDER BY g.created_at, g.id"
    )
}

/// The ExCo decisions that `filter` (on `d`, its review `r` and its
/// process `p`) keeps, oldest first.
fn decisions_sql(filter: &str) -> String {
    format!(
        "SELECT d.process_id, p.key AS process_key, p.name AS process_name, r.month,
                r.held_at IS NOT NULL AS held, d.decision, d.note,
                (SELECT display_name FROM users WHERE id = d.recorded_by) AS recorded_by_name, d.recorded_at
           FROM pipeline_decisions d JOIN exco_reviews r ON r.id = d.review_id JOIN processes p ON p.id = d.process_id
          WHERE {filter} ORDER BY d.recorded_at, d.id"
    )
}

/// The decisions of the review of month `month` (a parameter) of programme `$1`.
pub(crate) fn review_decisions_sql(month: &str) -> String {
    decisions_sql(&format!("r.programme_id = $1 AND r.month = {month}"))
}

/// Everything the pipeline page reads besides the dashboard.
#[derive(Debug, Clone)]
pub struct PipelineSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    /// Its dashboard (each process's plan is judged against it).
    pub dashboard: crate::db::metrics::DashboardSource,
    pub processes: Vec<ProcessRow>,
    /// Every move, oldest first.
    pub moves: Vec<MoveRow>,
    /// The gates in force.
    pub gates: Vec<GateRow>,
    /// Every ExCo decision, oldest first.
    pub decisions: Vec<DecisionRow>,
    /// The agents of the register: (process, name, state).
    pub agents: Vec<PipelineAgent>,
}

/// An agent as the pipeline shows it beside its process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineAgent {
    pub process_id: Uuid,
    pub name: String,
    pub state: String,
}

/// The pipeline page's document of programme `$1` (all but the dashboard,
/// which is kept on its own), as the database's `pipeline_source` runs it
/// at the commit of every change to it (migration 0031, installed by
/// [`crate::db::pages::install_kept_queries`]).
pub(crate) fn pipeline_source_sql() -> String {
    format!(
        "SELECT json_build_object('processes', {}, 'moves', {}, 'gates', {}, 'decisions', {}, 'agents', {})",
        array(&processes_sql()),
        array(MOVES),
        array(&gates_sql("p.programme_id = $1")),
        array(&decisions_sql("r.programme_id = $1")),
        array(
            "SELECT process_id, name, state FROM agents
              WHERE programme_id = $1 AND state <> 'retired' ORDER BY lower(name)"
        ),
    )
}

/// The pipeline document as kept (empty until the programme's first write).
#[derive(Default, Deserialize)]
struct PipelineKept {
    processes: Vec<ProcessRow>,
    moves: Vec<MoveRow>,
    gates: Vec<GateRow>,
    decisions: Vec<DecisionRow>,
    agents: Vec<PipelineAgent>,
}

/// Reads a programme's pipeline records and its dashboard, both kept by
/// the writes, in one round trip.
pub async fn source(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
) -> sqlx::Result<Option<Seen<PipelineSource>>> {
    let sql = who.statement("pipeline", 0, 2, 2, || {
        super::pages::kept_with_dashboard_sql("pipeline")
    });
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        kept: Option<Part>,
        dashboard: Option<Part>,
    }
    let query = who.bind(sqlx::query(sql).bind(programme_id));
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let mut source = decode_source(row.kept.as_ref(), row.dashboard.as_ref())?;
    source.programme = row.programme.map(|v| decode(&v.0)).transpose()?;
    who.seen(&found, source).map(Some)
}

/// A pipeline document and the dashboard it is judged on, decoded (no
/// programme).
pub(crate) fn decode_source(
    kept: Option<&Part>,
    dashboard: Option<&Part>,
) -> sqlx::Result<PipelineSource> {
    let kept: PipelineKept = kept
        .map(|part| decode(&part.0))
        .transpose()?
        .unwrap_or_default();
    Ok(PipelineSource {
        programme: None,
        dashboard: dashboard
            .map(|part| crate::db::metrics::decode_figures(&part.0))
            .transpose()?
            .unwrap_or_default(),
        processes: kept.processes,
        moves: kept.moves,
        gates: kept.gates,
        decisions: kept.decisions,
        agents: kept.agents,
    })
}

/// The pipeline page: as kept (for a reader, then for a mover), when it is
/// what the page would render now, else the documents to render it from.
#[derive(Debug)]
pub enum PipelineRead {
    Shown(Vec<String>),
    Source(Box<PipelineSource>),
}

/// The pipeline page's programme (if the organisation has it) and page, for
/// `who` in one round trip: the page kept as HTML if it was written from
/// the pipeline's document and the dashboard as they stand, for `today`,
/// with `markup` (`pipeline_shown`), else both documents.
pub async fn view(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
    today: chrono::NaiveDate,
    markup: &str,
) -> sqlx::Result<Option<Seen<(Option<Programme>, PipelineRead)>>> {
    let sql = who.statement("pipeline view", 0, 2, 4, || {
        format!(
            "SELECT {} AS programme, k.shown,
                    CASE WHEN k.shown IS NULL THEN
                        (SELECT body FROM page_sources WHERE programme_id = $1 AND page = 'pipeline') END AS kept,
                    CASE WHEN k.shown IS NULL THEN {} END AS dashboard
               FROM (SELECT 1) one
               LEFT JOIN LATERAL (
                   SELECT p.shown FROM page_sources p JOIN dashboard_sources d ON d.programme_id = p.programme_id
                    WHERE p.programme_id = $1 AND p.page = 'pipeline'
                      AND p.shown_of = p.written_in AND p.shown_board_of = d.written_in
                      AND p.shown_for = $3 AND p.shown_markup = $4) k ON true",
            super::json::kept_programme(),
            super::metrics::dashboard_part(),
        )
    });
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        shown: Option<Vec<String>>,
        kept: Option<Part>,
        dashboard: Option<Part>,
    }
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(today)
        .bind(markup);
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let programme = row.programme.map(|v| decode(&v.0)).transpose()?;
    let read = match row.shown {
        Some(shown) => PipelineRead::Shown(shown),
        None => PipelineRead::Source(Box::new(decode_source(
            row.kept.as_ref(),
            row.dashboard.as_ref(),
        )?)),
    };
    who.seen(&found, (programme, read)).map(Some)
}

/// The kept pipelines whose document or dashboard the current transaction
/// wrote, decoded, each with the day it was last written for
/// (`pipelines_written`, migration 0054).
pub async fn written(
    conn: &mut sqlx::PgConnection,
) -> sqlx::Result<Vec<(Uuid, PipelineSource, chrono::NaiveDate)>> {
    let rows: Vec<(Uuid, Part, Option<Part>, chrono::NaiveDate)> =
        sqlx::query_as("SELECT programme_id, body, dashboard, shown_for FROM pipelines_written()")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(id, kept, dashboard, day)| {
            Ok((id, decode_source(Some(&kept), dashboard.as_ref())?, day))
        })
        .collect()
}

/// Up to `limit` kept pipelines that are not what their page would render
/// for `today` with `markup`, decoded, each with the transactions that
/// wrote its document and its dashboard.
pub async fn unshown(
    db: impl PgExecutor<'_>,
    today: chrono::NaiveDate,
    markup: &str,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, PipelineSource, i64, Option<i64>)>> {
    type Stale = (Uuid, Part, Option<Part>, i64, Option<i64>);
    let rows: Vec<Stale> = sqlx::query_as(
        "SELECT p.programme_id, p.body, d.body, p.written_in::text::bigint, d.written_in::text::bigint
           FROM page_sources p LEFT JOIN dashboard_sources d ON d.programme_id = p.programme_id
          WHERE p.page = 'pipeline'
            AND (p.shown_of = p.written_in AND p.shown_board_of = d.written_in
                 AND p.shown_for = $1 AND p.shown_markup = $2) IS NOT TRUE
          ORDER BY p.programme_id LIMIT $3",
    )
    .bind(today)
    .bind(markup)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, kept, dashboard, document, board)| {
            Ok((
                id,
                decode_source(Some(&kept), dashboard.as_ref())?,
                document,
                board,
            ))
        })
        .collect()
}

/// Keeps `shown` (for a reader, then for a mover) as programme
/// `programme_id`'s pipeline page, written for `day` with `markup` from its
/// documents as they stand in this transaction, or with those the
/// transactions `documents` (pipeline, dashboard) wrote, only if they still
/// stand. Returns how many were written (0 or 1).
pub async fn write_shown(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    documents: Option<(i64, Option<i64>)>,
    shown: &[String],
    day: chrono::NaiveDate,
    markup: &str,
) -> sqlx::Result<u64> {
    let written = sqlx::query(
        "UPDATE page_sources p
            SET shown = $2, shown_of = p.written_in,
                shown_board_of = (SELECT written_in FROM dashboard_sources WHERE programme_id = $1),
                shown_for = $3, shown_markup = $4
          WHERE p.programme_id = $1 AND p.page = 'pipeline'
            AND ($5::bigint IS NULL
                 OR (p.written_in = $5::bigint::text::xid8
                     AND (SELECT written_in FROM dashboard_sources WHERE programme_id = $1)
                         IS NOT DISTINCT FROM $6::bigint::text::xid8))",
    )
    .bind(programme_id)
    .bind(shown)
    .bind(day)
    .bind(markup)
    .bind(documents.map(|(document, _)| document))
    .bind(documents.and_then(|(_, board)| board))
    .execute(db)
    .await?;
    Ok(written.rows_affected())
}

/// The decisions recorded with a review, oldest first.
pub async fn decisions_of_review(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    month: &str,
) -> sqlx::Result<Vec<DecisionRow>> {
    let rows: Vec<Json<DecisionRow>> = sqlx::query_scalar(&format!(
        "SELECT to_jsonb(x) FROM ({}) x",
        decisions_sql("r.programme_id = $1 AND r.month = $2")
    ))
    .bind(programme_id)
    .bind(month)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Locks a process of a programme for a change.
pub async fn lock_process(
    conn: &mut PgConnection,
    programme_id: Uuid,
    process_id: Uuid,
) -> sqlx::Result<Option<ProcessRow>> {
    sqlx::query_as(&format!(
        "SELECT {PROCESS_COLUMNS} FROM processes WHERE programme_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(programme_id)
    .bind(process_id)
    .fetch_optional(conn)
    .await
}

/// The gates in force on a process.
pub async fn gates_of(db: impl PgExecutor<'_>, process_id: Uuid) -> sqlx::Result<Vec<GateRow>> {
    let rows: Vec<Json<GateRow>> = sqlx::query_scalar(&format!(
        "SELECT to_jsonb(x) FROM ({}) x",
        gates_sql("g.process_id = $1")
    ))
    .bind(process_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Moves a locked process to `to` if its stage is still the version the
/// mover saw; `false`, and nothing written, when it moved meanwhile. The
/// caller checked the move is allowed (see
/// [`crate::domain::pipeline::move_refusal`]).
pub async fn move_stage(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    process: &ProcessRow,
    expected_version: i32,
    to: Stage,
    note: &str,
) -> sqlx::Result<bool> {
    let moved = sqlx::query(
        "UPDATE processes SET stage = $2, stage_version = stage_version + 1
          WHERE id = $1 AND stage_version = $3",
    )
    .bind(process.id)
    .bind(to.as_str())
    .bind(expected_version)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !moved {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO process_stage_moves (process_id, from_stage, to_stage, note, moved_by, moved_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(process.id)
    .bind(&process.stage)
    .bind(to.as_str())
    .bind(note)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PIPELINE_MOVE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(
                json!({ "process": process.key, "name": process.name, "stage": process.stage }),
            ),
            after: Some(json!({ "process": process.key, "stage": to.as_str(), "note": note })),
        },
    )
    .await?;
    Ok(true)
}

/// Sets a go-live gate on a process.
pub async fn add_gate(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    process: &ProcessRow,
    gate: &Gate,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO process_gates (id, process_id, metric_id, comparator, threshold, periods, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(process.id)
    .bind(&gate.metric_id)
    .bind(gate.comparator.as_str())
    .bind(gate.threshold)
    .bind(i32::try_from(gate.periods).unwrap_or(i32::MAX))
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PIPELINE_GATE_ADD,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({
                "process": process.key, "gate": id, "metric": gate.metric_id,
                "comparator": gate.comparator.as_str(), "threshold": gate.threshold, "periods": gate.periods,
            })),
        },
    )
    .await?;
    Ok(id)
}

/// Removes a gate of a locked process (kept, marked, for the history);
/// `false` when the process has no such gate in force.
pub async fn remove_gate(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    process: &ProcessRow,
    gate_id: Uuid,
) -> sqlx::Result<bool> {
    let removed: Option<(String, String, f64, i32)> = sqlx::query_as(
        "UPDATE process_gates SET removed_at = $3, removed_by = $4
          WHERE id = $1 AND process_id = $2 AND removed_at IS NULL
          RETURNING metric_id, comparator, threshold, periods",
    )
    .bind(gate_id)
    .bind(process.id)
    .bind(actor.at)
    .bind(actor.user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((metric, comparator, threshold, periods)) = removed else {
        return Ok(false);
    };
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PIPELINE_GATE_REMOVE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(json!({
                "process": process.key, "gate": gate_id, "metric": metric,
                "comparator": comparator, "threshold": threshold, "periods": periods,
            })),
            after: None,
        },
    )
    .await?;
    Ok(true)
}

/// The open ExCo review a decision is recorded with.
#[derive(Debug, Clone, Copy)]
pub struct ReviewRef<'a> {
    pub id: Uuid,
    /// Its month ("2026-10").
    pub month: &'a str,
}

/// Records an ExCo decision on a locked process at an open review, and the
/// move it brings (approve: to approved; retire: to retired), if any. The
/// caller checked the decision makes sense for the process's stage (see
/// [`ExcoDecision::stage_after`]).
pub async fn record_decision(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    review: ReviewRef<'_>,
    process: &ProcessRow,
    decision: ExcoDecision,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pipeline_decisions (id, review_id, process_id, decision, note, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(review.id)
    .bind(process.id)
    .bind(decision.as_str())
    .bind(note)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        &mut *conn,
        actor,
        Change {
            action: actions::PIPELINE_DECISION,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({
                "review": review.month, "process": process.key, "name": process.name,
                "decision": decision.as_str(), "note": note,
            })),
        },
    )
    .await?;
    if let Ok(Some(to)) = decision.stage_after(process.stage()) {
        let why = format!("Decided at the ExCo review of {}.", review.month);
        move_stage(
            conn,
            actor,
            programme_id,
            process,
            process.stage_version,
            to,
            &why,
        )
        .await?;
    }
    Ok(())
}
