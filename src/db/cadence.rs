//! The cadence's records: alignment sessions with their relationship checks
//! and action items, weekly COO updates with their decision requests, ExCo
//! reviews with their frozen packs, and calendar feeds.
//!
//! Reads: everything one programme's cadence pages show, in one round trip.
//! Writes: one audited function per action; the caller passes its
//! transaction (holding the programme's lock where numbers are handed out).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use super::pages::{Part, array, decode, programme};
use super::pipeline::{DecisionRow, ProcessRow};
use super::programmes::Programme;
use crate::domain::cadence;
use crate::domain::metrics::{Cadence, Period};
use crate::domain::snapshot::{Figures, Pack, ProcessDecision};

/// An alignment session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRow {
    /// Id.
    pub id: Uuid,
    /// 1, 2, 3… within the programme.
    pub number: i32,
    /// The day it was held.
    pub held_on: NaiveDate,
    /// Who attended.
    pub attendees: String,
    /// Notes on scope.
    pub scope_notes: String,
    /// Notes on investment.
    pub investment_notes: String,
    /// Notes on the governance framework.
    pub governance_notes: String,
    /// Notes on the board narrative.
    pub narrative_notes: String,
    /// Decisions taken.
    pub decisions: String,
    /// Who recorded it.
    pub recorded_by_name: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// One executive's part of a session's relationship check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRow {
    /// The session.
    pub session_id: Uuid,
    /// `ceo` or `coo`.
    pub seat: String,
    /// What is working.
    pub working: String,
    /// What is not.
    pub not_working: String,
    /// What I need from you.
    pub needs: String,
    /// Who wrote it.
    pub written_by_name: Option<String>,
    /// When.
    pub written_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// An action item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionRow {
    /// Id.
    pub id: Uuid,
    /// The session that set it, if any.
    pub session_number: Option<i32>,
    /// The review that set it, if any.
    pub review_month: Option<String>,
    /// What is to be done.
    pub title: String,
    /// `ceo` or `coo`.
    pub owner_seat: String,
    /// When it is due.
    pub due_on: NaiveDate,
    /// The day it was set (its session's or review's day).
    pub origin_on: NaiveDate,
    /// When it was done.
    pub done_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// One workstream of a weekly update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workstream {
    /// Its name.
    pub name: String,
    /// Where it stands (a `Standing`'s stored value).
    pub standing: String,
    /// A line on it.
    pub note: String,
}

/// A weekly COO update.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateRow {
    /// Id.
    pub id: Uuid,
    /// Week 1–8 of the deployment.
    pub week: i32,
    /// Where we are.
    pub summary: String,
    /// The workstreams against the plan.
    pub workstreams: Vec<Workstream>,
    /// What blocks us.
    pub blockers: String,
    /// The dashboard as it stood when written.
    pub figures: Figures,
    /// Who wrote it.
    pub written_by_name: Option<String>,
    /// When.
    pub written_at: DateTime<Utc>,
}

/// A decision request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestRow {
    /// Id.
    pub id: Uuid,
    /// 1, 2, 3… within the programme.
    pub number: i32,
    /// The week of the update that raised it.
    pub update_week: i32,
    /// The question.
    pub question: String,
    /// The options.
    pub options: String,
    /// The COO's recommendation.
    pub recommendation: String,
    /// Who raised it.
    pub raised_by_name: Option<String>,
    /// When (the clock starts here).
    pub raised_at: DateTime<Utc>,
    /// The outcome's stored value, once decided.
    pub decision: Option<String>,
    /// The CEO's note.
    pub note: String,
    /// Who decided.
    pub decided_by_name: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The dashboard as it stood when decided.
    pub figures: Option<Figures>,
}

/// An ExCo review.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewRow {
    /// Id.
    pub id: Uuid,
    /// The month reviewed ("2026-10").
    pub month: String,
    /// The day the committee meets.
    pub meeting_on: NaiveDate,
    /// The CEO's strategic narrative.
    pub strategy: String,
    /// The CEO's competitive update.
    pub competition: String,
    /// The COO's operational outcomes.
    pub operations: String,
    /// The expansion-pipeline decisions.
    pub pipeline_decisions: String,
    /// Who attended.
    pub attendees: String,
    /// Who opened it.
    pub opened_by_name: Option<String>,
    /// When.
    pub opened_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When it was held.
    pub held_at: Option<DateTime<Utc>>,
    /// Who held it.
    pub held_by_name: Option<String>,
    /// The pack's SHA-256, once held.
    pub snapshot_hash: Option<String>,
}

impl ReviewRow {
    /// The pack of this review with its pipeline `decisions` and `figures`,
    /// as if held at `at`.
    pub fn pack(
        &self,
        programme_id: Uuid,
        decisions: &[DecisionRow],
        figures: Figures,
        at: DateTime<Utc>,
    ) -> Pack {
        Pack {
            programme_id,
            month: self.month.clone(),
            meeting_on: self.meeting_on,
            held_at: at,
            attendees: self.attendees.clone(),
            strategy: self.strategy.clone(),
            competition: self.competition.clone(),
            operations: self.operations.clone(),
            pipeline_decisions: self.pipeline_decisions.clone(),
            figures,
            processes: decisions
                .iter()
                .map(|d| ProcessDecision {
                    key: d.process_key.clone(),
                    name: d.process_name.clone(),
                    decision: d.decision.clone(),
                    note: d.note.clone(),
                })
                .collect(),
        }
    }
}

/// A frozen pack as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotRow {
    /// The month of its review.
    pub month: String,
    /// The pack.
    pub content: serde_json::Value,
    /// The hash written with it.
    pub sha256: String,
}

/// Everything a programme's cadence pages show.
#[derive(Debug, Clone)]
pub struct CadenceSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    /// Alignment sessions, oldest first.
    pub sessions: Vec<SessionRow>,
    /// Relationship checks.
    pub checks: Vec<CheckRow>,
    /// Action items, by due date.
    pub actions: Vec<ActionRow>,
    /// Weekly updates, by week.
    pub updates: Vec<UpdateRow>,
    /// Decision requests, by number.
    pub requests: Vec<RequestRow>,
    /// ExCo reviews, by month.
    pub reviews: Vec<ReviewRow>,
    /// With a focus month: its pack and the previous held review's, newest first.
    pub snapshots: Vec<SnapshotRow>,
    /// The pipeline's processes (a review records decisions on them).
    pub processes: Vec<ProcessRow>,
    /// With a focus month: the pipeline decisions of its review.
    pub pipeline: Vec<DecisionRow>,
}

const SESSIONS: &str =
    "SELECT s.id, s.number, s.held_on, s.attendees, s.scope_notes, s.investment_notes,
        s.governance_notes, s.narrative_notes, s.decisions,
        (SELECT display_name FROM users WHERE id = s.recorded_by) AS recorded_by_name, s.recorded_at
   FROM alignment_sessions s WHERE s.programme_id = $1 ORDER BY s.held_on, s.number";

const CHECKS: &str = "SELECT c.session_id, c.seat, c.working, c.not_working, c.needs,
        (SELECT display_name FROM users WHERE id = c.written_by) AS written_by_name, c.written_at, c.version
   FROM relationship_checks c JOIN alignment_sessions s ON s.id = c.session_id
  WHERE s.programme_id = $1";

pub(crate) const ACTIONS: &str = "SELECT a.id, s.number AS session_number, r.month AS review_month, a.title, a.owner_seat,
        a.due_on, coalesce(s.held_on, r.meeting_on, a.created_at::date) AS origin_on, a.done_at, a.version
   FROM action_items a
   LEFT JOIN alignment_sessions s ON s.id = a.session_id
   LEFT JOIN exco_reviews r ON r.id = a.review_id
  WHERE a.programme_id = $1 ORDER BY a.due_on, a.created_at";

const UPDATES: &str = "SELECT w.id, w.week, w.summary, w.workstreams, w.blockers, w.figures,
        (SELECT display_name FROM users WHERE id = w.written_by) AS written_by_name, w.written_at
   FROM weekly_updates w WHERE w.programme_id = $1 ORDER BY w.week";

const REQUESTS: &str = "SELECT d.id, d.number, w.week AS update_week, d.question, d.options, d.recommendation,
        (SELECT display_name FROM users WHERE id = d.raised_by) AS raised_by_name, d.raised_at,
        d.decision, d.note, (SELECT display_name FROM users WHERE id = d.decided_by) AS decided_by_name,
        d.decided_at, d.figures
   FROM decision_requests d JOIN weekly_updates w ON w.id = d.update_id
  WHERE d.programme_id = $1 ORDER BY d.number";

const REVIEW_COLUMNS: &str = "r.id, r.month, r.meeting_on, r.strategy, r.competition, r.operations,
        r.pipeline_decisions, r.attendees, (SELECT display_name FROM users WHERE id = r.opened_by) AS opened_by_name,
        r.opened_at, r.version, r.held_at, (SELECT display_name FROM users WHERE id = r.held_by) AS held_by_name,
        r.snapshot_hash";

/// How many recent ExCo reviews the cadence pages read (years of monthly
/// reviews would otherwise grow every page); a focused month is read too.
pub const RECENT_REVIEWS: i64 = 24;

/// The recent reviews (and the focused month's, `$3`), oldest first.
fn reviews_sql() -> String {
    format!(
        "SELECT {REVIEW_COLUMNS} FROM exco_reviews r
          WHERE r.programme_id = $1
            AND (r.month = $3 OR r.month >= coalesce((SELECT month FROM exco_reviews WHERE programme_id = $1
                                                       ORDER BY month DESC OFFSET {} LIMIT 1), ''))
          ORDER BY r.month",
        RECENT_REVIEWS - 1
    )
}

const SNAPSHOTS: &str = "SELECT r.month, s.content, s.sha256
   FROM exco_review_snapshots s JOIN exco_reviews r ON r.id = s.review_id
  WHERE r.programme_id = $1 AND $3::text IS NOT NULL AND r.month <= $3
  ORDER BY r.month DESC LIMIT 2";

/// What a cadence page reads besides the programme, its sessions, action
/// items and reviews: a page that shows no weekly updates does not pay for
/// decoding every update's figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reads<'a> {
    /// A review month: its frozen pack, the one before it, and its
    /// decisions on the pipeline's processes.
    pub focus: Option<&'a str>,
    /// The weekly updates and decision requests.
    pub updates: bool,
    /// The relationship checks of the sessions.
    pub checks: bool,
    /// The pipeline's processes.
    pub processes: bool,
}

impl<'a> Reads<'a> {
    /// Everything but a review's pack.
    pub const ALL: Reads<'static> = Reads {
        focus: None,
        updates: true,
        checks: true,
        processes: true,
    };

    /// What the page of the review of `month` shows.
    pub fn review(month: &'a str) -> Reads<'a> {
        Reads {
            focus: Some(month),
            updates: false,
            checks: false,
            processes: true,
        }
    }
}

/// `sql`, run only when the boolean parameter `flag` is true (PostgreSQL
/// skips the whole subquery otherwise).
fn when(flag: &str, sql: &str) -> String {
    format!("SELECT * FROM ({sql}) part WHERE {flag}::boolean")
}

/// Reads a programme's cadence in one round trip: the parts `reads` asks for.
pub async fn source(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    programme_id: Uuid,
    reads: Reads<'_>,
) -> sqlx::Result<CadenceSource> {
    let sql = format!(
        "SELECT {} AS a, {} AS b, {} AS c, {} AS d, {} AS e, {} AS f, {} AS g, {} AS h, {} AS i, {} AS j",
        programme(),
        array(SESSIONS),
        array(&when("$5", CHECKS)),
        array(ACTIONS),
        array(&when("$4", UPDATES)),
        array(&when("$4", REQUESTS)),
        array(&reviews_sql()),
        array(SNAPSHOTS),
        array(&when("$6", &super::pipeline::processes_sql())),
        array(&super::pipeline::review_decisions_sql()),
    );
    #[derive(FromRow)]
    struct Row {
        a: Option<Part>,
        b: Part,
        c: Part,
        d: Part,
        e: Part,
        f: Part,
        g: Part,
        h: Part,
        i: Part,
        j: Part,
    }
    let row: Row = sqlx::query_as(&sql)
        .bind(programme_id)
        .bind(organisation_id)
        .bind(reads.focus)
        .bind(reads.updates)
        .bind(reads.checks)
        .bind(reads.processes)
        .fetch_one(db)
        .await?;
    Ok(CadenceSource {
        programme: row.a.map(|v| decode(&v.0)).transpose()?,
        sessions: decode(&row.b.0)?,
        checks: decode(&row.c.0)?,
        actions: decode(&row.d.0)?,
        updates: decode(&row.e.0)?,
        requests: decode(&row.f.0)?,
        reviews: decode(&row.g.0)?,
        snapshots: decode(&row.h.0)?,
        processes: decode(&row.i.0)?,
        pipeline: decode(&row.j.0)?,
    })
}

/// An action item to create.
#[derive(Debug, Clone)]
pub struct NewAction {
    /// What is to be done.
    pub title: String,
    /// `ceo` or `coo`.
    pub owner_seat: &'static str,
    /// When.
    pub due_on: NaiveDate,
}

/// An alignment session to record.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// The organisation.
    pub organisation_id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// The day held.
    pub held_on: NaiveDate,
    /// Who attended.
    pub attendees: &'a str,
    /// Notes: scope, investment, governance framework, board narrative.
    pub notes: [&'a str; 4],
    /// Decisions taken.
    pub decisions: &'a str,
    /// New action items.
    pub actions: &'a [NewAction],
}

async fn insert_actions(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    origin: (Option<Uuid>, Option<Uuid>),
    items: &[NewAction],
) -> sqlx::Result<()> {
    for item in items {
        sqlx::query(
            "INSERT INTO action_items (id, organisation_id, programme_id, session_id, review_id, title, owner_seat, due_on, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(Uuid::new_v4())
        .bind(organisation_id)
        .bind(programme_id)
        .bind(origin.0)
        .bind(origin.1)
        .bind(&item.title)
        .bind(item.owner_seat)
        .bind(item.due_on)
        .bind(actor.user_id)
        .bind(actor.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Records an alignment session with its action items; returns its number.
/// The caller holds the programme's lock.
pub async fn record_session(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewSession<'_>,
) -> sqlx::Result<i32> {
    let id = Uuid::new_v4();
    let number: i32 = sqlx::query_scalar(
        "INSERT INTO alignment_sessions (id, organisation_id, programme_id, number, held_on, attendees,
                scope_notes, investment_notes, governance_notes, narrative_notes, decisions, recorded_by, recorded_at)
         VALUES ($1, $2, $3, (SELECT coalesce(max(number), 0) + 1 FROM alignment_sessions WHERE programme_id = $3),
                 $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING number",
    )
    .bind(id)
    .bind(new.organisation_id)
    .bind(new.programme_id)
    .bind(new.held_on)
    .bind(new.attendees)
    .bind(new.notes[0])
    .bind(new.notes[1])
    .bind(new.notes[2])
    .bind(new.notes[3])
    .bind(new.decisions)
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_one(&mut *conn)
    .await?;
    insert_actions(
        conn,
        actor,
        new.organisation_id,
        new.programme_id,
        (Some(id), None),
        new.actions,
    )
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SESSION_RECORD,
            object_type: "programme",
            object_id: Some(new.programme_id),
            before: None,
            after: Some(json!({
                "session": number, "held_on": new.held_on, "attendees": new.attendees,
                "notes": new.notes, "decisions": new.decisions,
                "actions": new.actions.iter().map(|a| json!({"title": a.title, "owner": a.owner_seat, "due_on": a.due_on})).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    Ok(number)
}

/// What saving an editable record did.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved<T> {
    /// Saved.
    Saved,
    /// Nothing differed.
    Unchanged,
    /// It changed since the form was loaded; here is how it stands.
    Stale(T),
    /// There is no such record (or it can no longer change).
    Missing,
}

/// One executive's part of a relationship check, as written.
#[derive(Debug, Clone)]
pub struct CheckParts<'a> {
    /// What is working.
    pub working: &'a str,
    /// What is not.
    pub not_working: &'a str,
    /// What I need from you.
    pub needs: &'a str,
}

/// Writes (or rewrites) one executive's part of session `number`'s check.
pub async fn write_check(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    number: i32,
    seat: &str,
    parts: &CheckParts<'_>,
    expected_version: i32,
) -> sqlx::Result<Saved<CheckRow>> {
    let Some(session_id): Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM alignment_sessions WHERE programme_id = $1 AND number = $2",
    )
    .bind(programme_id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Saved::Missing);
    };
    let existing: Option<Json<CheckRow>> = sqlx::query_scalar(
        "SELECT to_jsonb(x) FROM (SELECT c.session_id, c.seat, c.working, c.not_working, c.needs,
                (SELECT display_name FROM users WHERE id = c.written_by) AS written_by_name, c.written_at, c.version
           FROM relationship_checks c WHERE c.session_id = $1 AND c.seat = $2 FOR UPDATE) x",
    )
    .bind(session_id)
    .bind(seat)
    .fetch_optional(&mut *conn)
    .await?;
    let before = existing.as_ref().map(|e| &e.0);
    match before {
        Some(row) if row.version != expected_version => return Ok(Saved::Stale(row.clone())),
        None if expected_version != 0 => return Ok(Saved::Missing),
        Some(row)
            if row.working == parts.working
                && row.not_working == parts.not_working
                && row.needs == parts.needs =>
        {
            return Ok(Saved::Unchanged);
        }
        _ => {}
    }
    sqlx::query(
        "INSERT INTO relationship_checks (session_id, seat, working, not_working, needs, written_by, written_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (session_id, seat) DO UPDATE
            SET working = EXCLUDED.working, not_working = EXCLUDED.not_working, needs = EXCLUDED.needs,
                written_by = EXCLUDED.written_by, written_at = EXCLUDED.written_at,
                version = relationship_checks.version + 1",
    )
    .bind(session_id)
    .bind(seat)
    .bind(parts.working)
    .bind(parts.not_working)
    .bind(parts.needs)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::RELATIONSHIP_CHECK,
            object_type: "programme",
            object_id: Some(programme_id),
            before: before.map(|row| {
                json!({"session": number, "seat": seat, "working": row.working, "not_working": row.not_working, "needs": row.needs})
            }),
            after: Some(json!({
                "session": number, "seat": seat, "working": parts.working,
                "not_working": parts.not_working, "needs": parts.needs,
            })),
        },
    )
    .await?;
    Ok(Saved::Saved)
}

/// Marks an action item done (or open again).
pub async fn set_action_done(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    action_id: Uuid,
    done: bool,
    expected_version: i32,
) -> sqlx::Result<Saved<(String, bool)>> {
    let current: Option<(String, Option<DateTime<Utc>>, i32)> = sqlx::query_as(
        "SELECT title, done_at, version FROM action_items WHERE id = $1 AND programme_id = $2 FOR UPDATE",
    )
    .bind(action_id)
    .bind(programme_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((title, done_at, version)) = current else {
        return Ok(Saved::Missing);
    };
    if version != expected_version {
        return Ok(Saved::Stale((title, done_at.is_some())));
    }
    if done_at.is_some() == done {
        return Ok(Saved::Unchanged);
    }
    sqlx::query(
        "UPDATE action_items SET done_at = $2, done_by = $3, version = version + 1 WHERE id = $1",
    )
    .bind(action_id)
    .bind(done.then_some(actor.at))
    .bind(done.then_some(actor.user_id).flatten())
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::ACTION_ITEM_UPDATE,
            object_type: "action_item",
            object_id: Some(action_id),
            before: Some(json!({"title": title, "done": done_at.is_some()})),
            after: Some(json!({"title": title, "done": done})),
        },
    )
    .await?;
    Ok(Saved::Saved)
}

/// A decision request to raise.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    /// The question.
    pub question: &'a str,
    /// The options.
    pub options: &'a str,
    /// The COO's recommendation.
    pub recommendation: &'a str,
}

/// A weekly update to write.
#[derive(Debug, Clone)]
pub struct NewUpdate<'a> {
    /// The organisation.
    pub organisation_id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// Week 1–8.
    pub week: i32,
    /// Where we are.
    pub summary: &'a str,
    /// The workstreams.
    pub workstreams: &'a [Workstream],
    /// What blocks us.
    pub blockers: &'a str,
    /// The dashboard as it stands.
    pub figures: &'a Figures,
    /// A decision request raised with it.
    pub request: Option<NewRequest<'a>>,
}

/// Writes a week's update (and its decision request); `None` when that week
/// already has one. The caller holds the programme's lock.
pub async fn write_update(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewUpdate<'_>,
) -> sqlx::Result<Option<Uuid>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO weekly_updates (id, organisation_id, programme_id, week, summary, workstreams, blockers, figures, written_by, written_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT ON CONSTRAINT weekly_updates_week_key DO NOTHING
         RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(new.organisation_id)
    .bind(new.programme_id)
    .bind(new.week)
    .bind(new.summary)
    .bind(Json(new.workstreams))
    .bind(new.blockers)
    .bind(Json(new.figures))
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    audit::record(
        conn,
        actor,
        Change {
            action: actions::UPDATE_WRITE,
            object_type: "programme",
            object_id: Some(new.programme_id),
            before: None,
            after: Some(json!({
                "week": new.week, "summary": new.summary, "workstreams": new.workstreams,
                "blockers": new.blockers,
            })),
        },
    )
    .await?;
    if let Some(request) = &new.request {
        raise_request(
            conn,
            actor,
            new.organisation_id,
            new.programme_id,
            id,
            request,
        )
        .await?;
    }
    Ok(Some(id))
}

/// Raises a decision request on an update; returns its number. The caller
/// holds the programme's lock.
pub async fn raise_request(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    update_id: Uuid,
    request: &NewRequest<'_>,
) -> sqlx::Result<i32> {
    let number: i32 = sqlx::query_scalar(
        "INSERT INTO decision_requests (id, organisation_id, programme_id, update_id, number, question, options, recommendation, raised_by, raised_at)
         VALUES ($1, $2, $3, $4, (SELECT coalesce(max(number), 0) + 1 FROM decision_requests WHERE programme_id = $3),
                 $5, $6, $7, $8, $9)
         RETURNING number",
    )
    .bind(Uuid::new_v4())
    .bind(organisation_id)
    .bind(programme_id)
    .bind(update_id)
    .bind(request.question)
    .bind(request.options)
    .bind(request.recommendation)
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::DECISION_RAISE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({
                "request": number, "question": request.question, "options": request.options,
                "recommendation": request.recommendation,
            })),
        },
    )
    .await?;
    Ok(number)
}

/// What deciding did.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    /// Recorded.
    Done,
    /// This very form was already recorded (a resent form).
    AlreadyRecorded,
    /// Someone decided it already, otherwise.
    AlreadyDecided(String),
    /// No such request.
    Missing,
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// The outcome's stored value.
    pub outcome: &'a str,
    /// The CEO's note.
    pub note: &'a str,
    /// The form's idempotency key.
    pub key: &'a str,
    /// The dashboard as it stands.
    pub figures: &'a Figures,
}

/// Decides request `number`, once.
pub async fn decide(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    number: i32,
    decision: &Decision<'_>,
) -> sqlx::Result<Decided> {
    let current: Option<(Uuid, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT id, decision, decision_key, question FROM decision_requests
          WHERE programme_id = $1 AND number = $2 FOR UPDATE",
    )
    .bind(programme_id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, outcome, key, question)) = current else {
        return Ok(Decided::Missing);
    };
    if let Some(outcome) = outcome {
        return Ok(if key.as_deref() == Some(decision.key) {
            Decided::AlreadyRecorded
        } else {
            Decided::AlreadyDecided(outcome)
        });
    }
    sqlx::query(
        "UPDATE decision_requests SET decision = $2, note = $3, decision_key = $4, figures = $5,
                decided_by = $6, decided_at = $7
          WHERE id = $1",
    )
    .bind(id)
    .bind(decision.outcome)
    .bind(decision.note)
    .bind(decision.key)
    .bind(Json(decision.figures))
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::DECISION_TAKE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(json!({"request": number, "question": question})),
            after: Some(
                json!({"request": number, "decision": decision.outcome, "note": decision.note}),
            ),
        },
    )
    .await?;
    Ok(Decided::Done)
}

/// Opens the review of `month`; `false` when it is already open.
pub async fn open_review(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    month: &str,
    meeting_on: NaiveDate,
) -> sqlx::Result<bool> {
    let opened = sqlx::query(
        "INSERT INTO exco_reviews (id, organisation_id, programme_id, month, meeting_on, opened_by, opened_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ON CONSTRAINT exco_reviews_month_key DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(organisation_id)
    .bind(programme_id)
    .bind(month)
    .bind(meeting_on)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if opened {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::REVIEW_OPEN,
                object_type: "programme",
                object_id: Some(programme_id),
                before: None,
                after: Some(json!({"month": month, "meeting_on": meeting_on})),
            },
        )
        .await?;
    }
    Ok(opened)
}

/// A review's texts as a form submits them. `None` leaves a field as it is
/// (each executive writes only their own part).
#[derive(Debug, Clone, Default)]
pub struct ReviewTexts {
    /// The meeting day.
    pub meeting_on: Option<NaiveDate>,
    /// Who attended.
    pub attendees: Option<String>,
    /// The CEO's strategic narrative.
    pub strategy: Option<String>,
    /// The CEO's competitive update.
    pub competition: Option<String>,
    /// The COO's operational outcomes.
    pub operations: Option<String>,
    /// The expansion-pipeline decisions.
    pub pipeline_decisions: Option<String>,
}

/// Locks the review of `month` for a change; `None` when there is none.
pub async fn lock_review(
    conn: &mut PgConnection,
    programme_id: Uuid,
    month: &str,
) -> sqlx::Result<Option<ReviewRow>> {
    let row: Option<Json<ReviewRow>> = sqlx::query_scalar(&format!(
        "SELECT to_jsonb(x) FROM (SELECT {REVIEW_COLUMNS} FROM exco_reviews r
          WHERE r.programme_id = $1 AND r.month = $2 FOR UPDATE OF r) x"
    ))
    .bind(programme_id)
    .bind(month)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Writes a review's texts and adds its action items. The caller locked
/// `review` (see [`lock_review`]) and checked it is neither held nor stale.
pub async fn write_review(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    review: &ReviewRow,
    texts: &ReviewTexts,
    new_actions: &[NewAction],
) -> sqlx::Result<bool> {
    let pick = |new: &Option<String>, old: &String| new.clone().unwrap_or_else(|| old.clone());
    let after = ReviewRow {
        meeting_on: texts.meeting_on.unwrap_or(review.meeting_on),
        attendees: pick(&texts.attendees, &review.attendees),
        strategy: pick(&texts.strategy, &review.strategy),
        competition: pick(&texts.competition, &review.competition),
        operations: pick(&texts.operations, &review.operations),
        pipeline_decisions: pick(&texts.pipeline_decisions, &review.pipeline_decisions),
        ..review.clone()
    };
    let texts_of = |r: &ReviewRow| {
        json!({
            "month": r.month, "meeting_on": r.meeting_on, "attendees": r.attendees, "strategy": r.strategy,
            "competition": r.competition, "operations": r.operations, "pipeline_decisions": r.pipeline_decisions,
        })
    };
    let (before_json, after_json) = (texts_of(review), texts_of(&after));
    if before_json == after_json && new_actions.is_empty() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE exco_reviews SET meeting_on = $2, attendees = $3, strategy = $4, competition = $5,
                operations = $6, pipeline_decisions = $7, version = version + 1
          WHERE id = $1",
    )
    .bind(review.id)
    .bind(after.meeting_on)
    .bind(&after.attendees)
    .bind(&after.strategy)
    .bind(&after.competition)
    .bind(&after.operations)
    .bind(&after.pipeline_decisions)
    .execute(&mut *conn)
    .await?;
    insert_actions(
        conn,
        actor,
        organisation_id,
        programme_id,
        (None, Some(review.id)),
        new_actions,
    )
    .await?;
    let mut after_json = after_json;
    after_json["actions"] = json!(
        new_actions
            .iter()
            .map(|a| json!({"title": a.title, "owner": a.owner_seat, "due_on": a.due_on}))
            .collect::<Vec<_>>()
    );
    audit::record(
        conn,
        actor,
        Change {
            action: actions::REVIEW_WRITE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(before_json),
            after: Some(after_json),
        },
    )
    .await?;
    Ok(true)
}

/// Holds a locked, open review: freezes `pack` with its hash. The serving
/// role can neither change nor delete the pack afterwards, and a trigger
/// keeps the held review's own row as it was.
pub async fn hold_review(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    review: &ReviewRow,
    pack: &Pack,
) -> sqlx::Result<String> {
    let hash = pack.sha256();
    sqlx::query(
        "INSERT INTO exco_review_snapshots (review_id, content, sha256) VALUES ($1, $2, $3)",
    )
    .bind(review.id)
    .bind(Json(pack))
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE exco_reviews SET held_at = $2, held_by = $3, snapshot_hash = $4, version = version + 1
          WHERE id = $1",
    )
    .bind(review.id)
    .bind(pack.held_at)
    .bind(actor.user_id)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::REVIEW_HOLD,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({"month": review.month, "sha256": hash})),
        },
    )
    .await?;
    Ok(hash)
}

/// Whether a user's calendar feed is live, and since when.
pub async fn feed_state(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<Option<(DateTime<Utc>, Option<DateTime<Utc>>)>> {
    sqlx::query_as("SELECT created_at, revoked_at FROM calendar_feeds WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Issues (or renews) a user's feed under a new secret's digest; the old
/// address stops working at once.
pub async fn issue_feed(
    conn: &mut PgConnection,
    actor: &Actor,
    token_hash: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash,
                created_at = EXCLUDED.created_at, revoked_at = NULL",
    )
    .bind(actor.user_id)
    .bind(token_hash)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::FEED_ISSUE,
            object_type: "user",
            object_id: actor.user_id,
            before: None,
            after: None,
        },
    )
    .await
}

/// Revokes a user's feed; `false` when there was none live.
pub async fn revoke_feed(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<bool> {
    let revoked = sqlx::query(
        "UPDATE calendar_feeds SET token_hash = NULL, revoked_at = $2
          WHERE user_id = $1 AND token_hash IS NOT NULL",
    )
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if revoked {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::FEED_REVOKE,
                object_type: "user",
                object_id: actor.user_id,
                before: None,
                after: None,
            },
        )
        .await?;
    }
    Ok(revoked)
}

/// A decision request in the feed: number, question, raised, decided.
pub type FeedRequest = (i32, String, DateTime<Utc>, Option<DateTime<Utc>>);

/// One programme's dated records, as a calendar feed needs them.
#[derive(Debug, Clone, Deserialize)]
pub struct FeedProgramme {
    /// The programme.
    #[serde(flatten)]
    pub programme: Programme,
    /// The days sessions were held.
    pub sessions: Vec<NaiveDate>,
    /// The weeks with an update.
    pub updates: Vec<i32>,
    /// Reviews: month, meeting day, held, version.
    pub reviews: Vec<(String, NaiveDate, bool, i32)>,
    /// Requests: number, question, raised, decided.
    pub requests: Vec<FeedRequest>,
}

/// The feed's owner and their organisation's dated records, found by the
/// secret's digest; `None` for an unknown or revoked address. One round trip.
pub async fn feed(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<(Uuid, Vec<FeedProgramme>)>> {
    let row: Option<(Uuid, Json<Vec<FeedProgramme>>)> = sqlx::query_as(&format!(
        "SELECT u.id,
                coalesce((SELECT jsonb_agg(to_jsonb(p) || jsonb_build_object(
                     'sessions', coalesce((SELECT jsonb_agg(held_on ORDER BY held_on) FROM alignment_sessions WHERE programme_id = p.id), '[]'),
                     'updates', coalesce((SELECT jsonb_agg(week ORDER BY week) FROM weekly_updates WHERE programme_id = p.id), '[]'),
                     'reviews', coalesce((SELECT jsonb_agg(jsonb_build_array(month, meeting_on, held_at IS NOT NULL, version) ORDER BY month)
                                            FROM exco_reviews WHERE programme_id = p.id), '[]'),
                     'requests', coalesce((SELECT jsonb_agg(jsonb_build_array(number, question, raised_at, decided_at) ORDER BY number)
                                             FROM decision_requests WHERE programme_id = p.id), '[]')))
                   FROM (SELECT {cols} FROM programmes WHERE organisation_id = u.organisation_id ORDER BY name) p), '[]')
           FROM calendar_feeds f JOIN users u ON u.id = f.user_id
          WHERE f.token_hash = $1 AND u.disabled_at IS NULL
            AND EXISTS (SELECT 1 FROM seats s WHERE s.user_id = u.id AND s.ended_at IS NULL)",
        cols = super::programmes::COLUMNS
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(user, programmes)| (user, programmes.0)))
}

/// What the schedule needs of one programme's records, as one JSON object
/// (`$1` is the programme): for pages that show what is due without the
/// records themselves.
pub(crate) const SCHEDULE_FACTS: &str = "SELECT
    (SELECT coalesce(jsonb_agg(held_on ORDER BY held_on), '[]') FROM alignment_sessions WHERE programme_id = $1) AS sessions,
    (SELECT coalesce(jsonb_agg(week ORDER BY week), '[]') FROM weekly_updates WHERE programme_id = $1) AS updates,
    (SELECT coalesce(jsonb_agg(jsonb_build_array(month, meeting_on, held_at IS NOT NULL) ORDER BY month), '[]')
       FROM exco_reviews WHERE programme_id = $1) AS reviews,
    (SELECT coalesce(jsonb_agg(jsonb_build_array(number, question, raised_at) ORDER BY number), '[]')
       FROM decision_requests WHERE programme_id = $1 AND decided_at IS NULL) AS open_requests";

/// A programme's records as the schedule needs them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduleFacts {
    /// The days sessions were held.
    pub sessions: Vec<NaiveDate>,
    /// The weeks with an update.
    pub updates: Vec<i32>,
    /// Reviews: month, meeting day, held.
    pub reviews: Vec<(String, NaiveDate, bool)>,
    /// Open decision requests: number, question, raised.
    pub open_requests: Vec<(i32, String, DateTime<Utc>)>,
}

impl ScheduleFacts {
    /// The programme's schedule from these records, as of `today`.
    pub fn schedule(&self, programme: &Programme, today: NaiveDate) -> Vec<cadence::Due> {
        cadence::schedule(
            &cadence::Facts {
                phase: Some(programme.phase()),
                created_on: Some(programme.created_at.date_naive()),
                deploying_since: programme.deploying_since,
                live_since: programme.live_since,
                closed_since: programme.closed_since,
                sessions_held: self.sessions.clone(),
                updates_written: self
                    .updates
                    .iter()
                    .filter_map(|w| u32::try_from(*w).ok())
                    .collect(),
                reviews: self
                    .reviews
                    .iter()
                    .filter_map(|(month, meeting, held)| {
                        Some((
                            Period::parse_for(month, Cadence::Monthly).ok()?,
                            *meeting,
                            *held,
                        ))
                    })
                    .collect(),
            },
            today,
        )
    }

    /// What is due next and overdue, and the open requests with their clocks.
    pub fn due_summary(&self, programme: &Programme, now: DateTime<Utc>) -> cadence::DueSummary {
        cadence::DueSummary::of(
            &self.schedule(programme, now.date_naive()),
            &self.open_requests,
            now,
        )
    }
}

impl CadenceSource {
    /// The schedule's facts, from the records read.
    pub fn facts(&self) -> ScheduleFacts {
        ScheduleFacts {
            sessions: self.sessions.iter().map(|s| s.held_on).collect(),
            updates: self.updates.iter().map(|u| u.week).collect(),
            reviews: self
                .reviews
                .iter()
                .map(|r| (r.month.clone(), r.meeting_on, r.held_at.is_some()))
                .collect(),
            open_requests: self
                .requests
                .iter()
                .filter(|r| r.decided_at.is_none())
                .map(|r| (r.number, r.question.clone(), r.raised_at))
                .collect(),
        }
    }
}

/// One event of a calendar feed, as the feed computed it.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    /// Its programme.
    pub programme_id: Uuid,
    /// Its UID.
    pub uid: String,
    /// What it says now (start, summary, status, description).
    pub fingerprint: String,
    /// The SEQUENCE it starts from when it is first served (what feeds
    /// before per-event sequences showed, so no client sees one go back).
    pub first_sequence: i32,
}

/// The SEQUENCE of each event, by UID: a new event starts at its first
/// sequence, a changed one goes up by one, an unchanged one keeps its own.
/// One round trip; concurrent feeds raise a changed event once.
pub async fn event_sequences(
    db: impl PgExecutor<'_>,
    events: &[FeedEvent],
) -> sqlx::Result<std::collections::HashMap<(Uuid, String), i32>> {
    let programmes: Vec<Uuid> = events.iter().map(|e| e.programme_id).collect();
    let uids: Vec<&str> = events.iter().map(|e| e.uid.as_str()).collect();
    let fingerprints: Vec<&str> = events.iter().map(|e| e.fingerprint.as_str()).collect();
    let firsts: Vec<i32> = events.iter().map(|e| e.first_sequence).collect();
    let rows: Vec<(Uuid, String, i32)> = sqlx::query_as(
        "WITH served AS (
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[])
                        AS s (programme_id, uid, fingerprint, sequence)
         ), changed AS (
             INSERT INTO calendar_events (programme_id, uid, fingerprint, sequence)
             SELECT programme_id, uid, fingerprint, sequence FROM served
             ON CONFLICT ON CONSTRAINT calendar_events_pkey DO UPDATE
                SET fingerprint = EXCLUDED.fingerprint, sequence = calendar_events.sequence + 1
              WHERE calendar_events.fingerprint <> EXCLUDED.fingerprint
             RETURNING programme_id, uid, sequence
         )
         SELECT programme_id, uid, sequence FROM changed
         UNION ALL
         SELECT c.programme_id, c.uid, c.sequence
           FROM calendar_events c JOIN served s USING (programme_id, uid)
          WHERE NOT EXISTS (SELECT 1 FROM changed x WHERE x.programme_id = c.programme_id AND x.uid = c.uid)",
    )
    .bind(&programmes)
    .bind(&uids)
    .bind(&fingerprints)
    .bind(&firsts)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(programme, uid, sequence)| ((programme, uid), sequence))
        .collect())
}
