//! The cadence's records: alignment sessions with their relationship checks
//! and action items, weekly COO updates with their decision requests, ExCo
//! reviews with their frozen packs, and calendar feeds.
//!
//! Reads: everything one programme's cadence pages show, in one round trip.
//! Writes: one audited function per action; the caller passes its
//! transaction (holding the programme's lock where numbers are handed out).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use super::json::{Part, array, decode, decode_or_default, kept_programme, one};
use super::pipeline::{DecisionRow, ProcessRow};
use super::programmes::Programme;
use crate::db::sessions::{Seen, Who};
use crate::domain::cadence;
use crate::domain::metrics::{Cadence, Period};
use crate::domain::snapshot::{Figures, Pack, ProcessDecision};

pub(crate) mod clocks;
mod feeds;
mod reviews;
mod sessions;
mod updates;

pub use feeds::*;
pub use reviews::*;
pub use sessions::*;
pub use updates::*;

/// An alignment session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: Uuid,
    /// 1, 2, 3… within the programme.
    pub number: i32,
    /// The day it was held.
    pub held_on: NaiveDate,
    pub attendees: String,
    /// Notes on scope.
    pub scope_notes: String,
    /// Notes on investment.
    pub investment_notes: String,
    /// Notes on the governance framework.
    pub governance_notes: String,
    /// Notes on the board narrative.
    pub narrative_notes: String,
    pub decisions: String,
    /// Who recorded it.
    pub recorded_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub recorded_at: DateTime<Utc>,
}

/// One executive's part of a session's relationship check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRow {
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
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub written_at: DateTime<Utc>,
    pub version: i32,
}

/// An action item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionRow {
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
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub done_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// One workstream of a weekly update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workstream {
    pub name: String,
    /// Where it stands (a `Standing`'s stored value).
    pub standing: String,
    /// A line on it.
    pub note: String,
}

/// A weekly COO update.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateRow {
    pub id: Uuid,
    /// Week 1–8 of the deployment.
    pub week: i32,
    /// Where we are.
    pub summary: String,
    /// The workstreams against the plan.
    pub workstreams: Vec<Workstream>,
    /// What blocks us.
    pub blockers: String,
    /// The dashboard as it stood when written (empty when the page did
    /// not ask for it: see [`Reads::figures`]).
    #[serde(deserialize_with = "super::json::null_as_default")]
    pub figures: Figures,
    /// Who wrote it.
    pub written_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub written_at: DateTime<Utc>,
}

/// A decision request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestRow {
    pub id: Uuid,
    /// 1, 2, 3… within the programme.
    pub number: i32,
    /// The week of the update that raised it.
    pub update_week: i32,
    pub question: String,
    pub options: String,
    /// The COO's recommendation.
    pub recommendation: String,
    /// Who raised it.
    pub raised_by_name: Option<String>,
    /// When (the clock starts here).
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub raised_at: DateTime<Utc>,
    /// The outcome's stored value, once decided.
    pub decision: Option<String>,
    /// The CEO's note.
    pub note: String,
    pub decided_by_name: Option<String>,
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub decided_at: Option<DateTime<Utc>>,
    /// The dashboard as it stood when decided.
    pub figures: Option<Figures>,
}

/// An ExCo review.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewRow {
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
    pub attendees: String,
    /// Who opened it.
    pub opened_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub opened_at: DateTime<Utc>,
    pub version: i32,
    /// When it was held.
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
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
        at_work: Option<crate::domain::snapshot::AtWork>,
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
            at_work: at_work.filter(|a| !a.is_empty()),
        }
    }
}

/// A frozen pack as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotRow {
    /// The month of its review.
    pub month: String,
    /// The pack as stored, decoded only by the page that shows it: read
    /// for the review asked for, not for the one before it; whole for the
    /// printable pack and its check, without what only the printable pack
    /// shows for the review's page ([`Reads::whole_pack`]).
    pub content: Option<Box<serde_json::value::RawValue>>,
    /// For the review asked for: its frozen figures corrected since it was
    /// held, as (place in the pack's figures, today's value) (migration
    /// 0058).
    #[serde(default)]
    pub corrected: Option<Vec<(usize, f64)>>,
    /// How each metric stood in it (what a later review compares with;
    /// migration 0047).
    pub standing: Vec<crate::domain::snapshot::Standing>,
    /// The hash written with it.
    pub sha256: String,
}

/// Everything a programme's cadence pages show.
#[derive(Debug, Clone)]
pub struct CadenceSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    /// Alignment sessions, oldest first (none where the page reads the
    /// action items alone: see [`Reads`]).
    pub sessions: Vec<SessionRow>,
    /// The days the sessions were held, oldest first (read by every page:
    /// the action items' carry-over counts are worked out from them).
    pub held_on: Vec<NaiveDate>,
    pub checks: Vec<CheckRow>,
    /// Action items, by due date.
    pub actions: Vec<ActionRow>,
    /// Weekly updates, by week.
    pub updates: Vec<UpdateRow>,
    /// Decision requests, by number.
    pub requests: Vec<RequestRow>,
    /// The recent ExCo reviews, by month: what the schedule and the lists
    /// show of them.
    pub reviews: Vec<ReviewFact>,
    /// With a focus month: its review, in full.
    pub focused: Option<ReviewRow>,
    /// With a focus month: its pack and the previous held review's, newest first.
    pub snapshots: Vec<SnapshotRow>,
    /// The pipeline's processes (a review records decisions on them).
    pub processes: Vec<ProcessRow>,
    /// With a focus month still open: the pipeline decisions of its review.
    pub pipeline: Vec<DecisionRow>,
    /// The dashboard, when asked for (not for a held review).
    pub dashboard: Option<super::metrics::DashboardSource>,
    /// With a focus month still open: the agents at work since the last review.
    pub at_work: Option<crate::domain::snapshot::AtWork>,
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

/// The weekly updates of programme `$1`, without the figures they froze
/// (a page asks for those apart: see [`Reads::figures`]).
const UPDATES: &str = "SELECT w.id, w.week, w.summary, w.workstreams, w.blockers, NULL AS figures,
        (SELECT display_name FROM users WHERE id = w.written_by) AS written_by_name, w.written_at
   FROM weekly_updates w WHERE w.programme_id = $1 ORDER BY w.week";

/// The decision requests of programme `$1`, without the figures they froze.
const REQUESTS: &str = "SELECT d.id, d.number, w.week AS update_week, d.question, d.options, d.recommendation,
        (SELECT display_name FROM users WHERE id = d.raised_by) AS raised_by_name, d.raised_at,
        d.decision, d.note, (SELECT display_name FROM users WHERE id = d.decided_by) AS decided_by_name,
        d.decided_at, NULL AS figures
   FROM decision_requests d JOIN weekly_updates w ON w.id = d.update_id
  WHERE d.programme_id = $1 ORDER BY d.number";

const REVIEW_COLUMNS: &str = "r.id, r.month, r.meeting_on, r.strategy, r.competition, r.operations,
        r.pipeline_decisions, r.attendees, (SELECT display_name FROM users WHERE id = r.opened_by) AS opened_by_name,
        r.opened_at, r.version, r.held_at, (SELECT display_name FROM users WHERE id = r.held_by) AS held_by_name,
        r.snapshot_hash";

/// How many recent ExCo reviews the cadence pages read (years of monthly
/// reviews would otherwise grow every page); a focused month is read too.
pub const RECENT_REVIEWS: i64 = 24;

/// The recent reviews as the lists and the schedule show them (month,
/// meeting day, held or not: [`ReviewFact`]), oldest first. A review's
/// texts are read by its own page alone.
fn reviews_sql() -> String {
    format!(
        "SELECT r.month, r.meeting_on, r.held_at IS NOT NULL AS held FROM exco_reviews r
          WHERE r.programme_id = $1
            AND r.month >= coalesce((SELECT month FROM exco_reviews WHERE programme_id = $1
                                      ORDER BY month DESC OFFSET {} LIMIT 1), '')
          ORDER BY r.month",
        RECENT_REVIEWS - 1
    )
}

/// The focused review's pack (`$3`) and the one before it, newest first:
/// the pack whole (`shown`) or as the review's page shows it (`page`),
/// with its figures corrected since (migration 0058).
fn snapshots_sql(whole: bool) -> String {
    format!(
        "SELECT r.month, CASE WHEN r.month = $3 THEN s.{} END AS content, s.standing, s.sha256,
                CASE WHEN r.month = $3 THEN
                  (SELECT json_agg(json_build_array(c.position, c.value))
                     FROM review_corrections c WHERE c.review_id = s.review_id)
                END AS corrected
           FROM exco_review_snapshots s JOIN exco_reviews r ON r.id = s.review_id
          WHERE r.programme_id = $1 AND $3::text IS NOT NULL AND r.month <= $3
          ORDER BY r.month DESC LIMIT 2",
        if whole { "shown" } else { "page" }
    )
}

/// What a cadence page reads besides the programme, its sessions, action
/// items and reviews: a page that shows no weekly updates does not pay for
/// decoding every update's figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reads<'a> {
    /// A review month: its frozen pack, the one before it, and its
    /// decisions on the pipeline's processes.
    pub focus: Option<&'a str>,
    /// The focused review's pack whole, as printed and checked (the
    /// review's page reads it without each figure's recent values and
    /// explanation).
    pub whole_pack: bool,
    /// The weekly updates and decision requests.
    pub updates: bool,
    /// The recent ExCo reviews (a focused one is read in full either way).
    pub reviews: bool,
    /// The relationship checks of the sessions.
    pub checks: bool,
    /// The pipeline's processes.
    pub processes: bool,
    /// The dashboard.
    pub dashboard: bool,
    /// The dashboard each weekly update and decision request froze.
    pub figures: bool,
    /// One week's page: that week's update and decision requests and the
    /// dashboard they froze, and nothing else of the cadence (the other
    /// records are skipped unread).
    pub week: Option<i32>,
}

impl<'a> Reads<'a> {
    /// Everything but a review's pack.
    pub const ALL: Reads<'static> = Reads {
        focus: None,
        whole_pack: false,
        updates: true,
        reviews: true,
        checks: true,
        processes: true,
        dashboard: false,
        figures: true,
        week: None,
    };

    /// What a weekly update's page shows: that week's update and requests.
    pub fn update(week: i32) -> Reads<'static> {
        Reads {
            focus: None,
            whole_pack: false,
            updates: true,
            reviews: false,
            checks: false,
            processes: false,
            dashboard: false,
            figures: false,
            week: Some(week),
        }
    }

    /// What the cadence overview shows: the records, not the figures they
    /// froze, the sessions' checks or the pipeline's processes.
    pub const OVERVIEW: Reads<'static> = Reads {
        focus: None,
        whole_pack: false,
        updates: true,
        reviews: true,
        checks: false,
        processes: false,
        dashboard: false,
        figures: false,
        week: None,
    };

    /// What the page of the review of `month` shows.
    pub fn review(month: &'a str) -> Reads<'a> {
        Reads {
            focus: Some(month),
            whole_pack: false,
            updates: false,
            reviews: false,
            checks: false,
            processes: true,
            dashboard: true,
            figures: false,
            week: None,
        }
    }

    /// What the printable pack of the review of `month` and its check
    /// show: the review's page, with its pack whole.
    pub fn pack(month: &'a str) -> Reads<'a> {
        Reads {
            whole_pack: true,
            ..Reads::review(month)
        }
    }
}

/// The cadence overview's document of programme `$1`: its sessions, action
/// items, weekly updates and decision requests (without the figures they
/// froze) and recent reviews, as the database's `cadence_source` runs it at
/// the commit of every change to them (migration 0031, installed by
/// [`crate::db::pages::install_kept_queries`]).
pub(crate) fn cadence_source_sql() -> String {
    format!(
        "SELECT json_build_object('sessions', {}, 'actions', {}, 'updates', {}, 'requests', {}, 'reviews', {})",
        array(SESSIONS),
        array(ACTIONS),
        array(UPDATES),
        array(REQUESTS),
        array(&reviews_sql()),
    )
}

/// The cadence document as kept (empty until the programme's first write).
#[derive(Default, Deserialize)]
struct CadenceKept {
    sessions: Vec<SessionRow>,
    /// The days the sessions were held, where only those were read.
    #[serde(skip)]
    held_on: Vec<NaiveDate>,
    actions: Vec<ActionRow>,
    updates: Vec<UpdateRow>,
    requests: Vec<RequestRow>,
    reviews: Vec<ReviewFact>,
}

/// The cadence document's sessions and action items alone, kept beside it
/// (`page_sources.actions`, migration 0049) for the pages that show
/// neither its updates, its requests nor its reviews (a review's pages
/// read their own review apart).
/// Of the sessions, only the days they were held are decoded (what the
/// action items' carry-over counts read): their notes are skipped unread.
#[derive(Deserialize)]
struct CadenceActions {
    sessions: Vec<HeldOn>,
    actions: Vec<ActionRow>,
}

#[derive(Deserialize)]
struct HeldOn {
    held_on: NaiveDate,
}

impl From<CadenceActions> for CadenceKept {
    fn from(records: CadenceActions) -> CadenceKept {
        CadenceKept {
            held_on: records.sessions.iter().map(|s| s.held_on).collect(),
            actions: records.actions,
            ..CadenceKept::default()
        }
    }
}

/// Week `week`'s update and its decision requests, out of the cadence
/// document's updates and requests (`page_sources.updates`, migration
/// 0051): the other weeks' are scanned, not decoded.
fn week_of(document: &str, week: i32) -> sqlx::Result<CadenceKept> {
    use serde_json::value::RawValue;
    #[derive(Deserialize)]
    struct Records<'a> {
        #[serde(borrow)]
        updates: Vec<&'a RawValue>,
        #[serde(borrow)]
        requests: Vec<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Update {
        week: i32,
    }
    #[derive(Deserialize)]
    struct Request {
        update_week: i32,
    }
    let records: Records =
        serde_json::from_str(document).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
    let mut kept = CadenceKept::default();
    for update in records.updates {
        if decode::<Update>(update.get())?.week == week {
            kept.updates.push(decode(update.get())?);
        }
    }
    for request in records.requests {
        if decode::<Request>(request.get())?.update_week == week {
            kept.requests.push(decode(request.get())?);
        }
    }
    Ok(kept)
}

/// The figures that weekly updates (by week) and their decision requests
/// (by number) froze.
#[derive(Deserialize)]
struct FrozenFigures {
    updates: HashMap<i32, Option<Figures>>,
    requests: HashMap<i32, Option<Figures>>,
}

/// Reads a programme's cadence in one round trip: the records the writes
/// keep ([`cadence_source_sql`], current for any reader outside a write's
/// transaction), with what `reads` asks for beside them — the sessions'
/// checks, the figures updates froze, a focused review (which may be older
/// than the recent ones kept) with its packs and today's figures, the
/// processes, the dashboard. A focused review still open takes a second
/// round trip for what only it shows (`open_parts`).
pub async fn source(
    pool: &super::readers::Readers,
    who: &Who<'_>,
    programme_id: Uuid,
    reads: Reads<'_>,
) -> sqlx::Result<Option<Seen<CadenceSource>>> {
    // Each optional part is in the statement only when `reads` asks for it
    // (the parameters stay bound either way): PostgreSQL starts and locks
    // for every subquery a statement holds, run or not.
    let focus = reads.focus.is_some();
    let figures = reads.figures || reads.week.is_some();
    // A page that shows no update, request or review reads the sessions
    // and action items kept beside the document (migration 0049); a week's
    // page, the updates and requests (migration 0051).
    let actions_only = !reads.updates && !reads.reviews && reads.week.is_none();
    let kept = if actions_only {
        "actions"
    } else if reads.week.is_some() {
        "updates"
    } else {
        "body"
    };
    let shape = u32::from(focus)
        | u32::from(figures) << 1
        | u32::from(reads.checks) << 2
        | u32::from(reads.processes) << 3
        | u32::from(reads.dashboard) << 4
        | u32::from(actions_only) << 5
        | u32::from(reads.week.is_some()) << 6
        | u32::from(reads.whole_pack) << 7;
    let sql = who.statement("cadence", shape, 2, 8, || {
        let part = |asked: bool, sql: &dyn Fn() -> String| {
            if asked { sql() } else { "NULL::json".to_owned() }
        };
        format!(
            "SELECT {} AS programme,
                    (SELECT {} FROM page_sources WHERE programme_id = $1 AND page = 'cadence') AS kept,
                    {} AS figures, {} AS checks, {} AS focused, {} AS snapshots, {} AS processes,
                    {} AS dashboard",
            kept_programme(),
            kept,
            part(figures, &|| {
                "json_build_object(
                    'updates', coalesce((SELECT json_object_agg(week, figures_text) FROM weekly_updates
                                          WHERE programme_id = $1 AND ($4 OR week = $5::int4)), '{}'::json),
                    'requests', coalesce((SELECT json_object_agg(d.number, d.figures_text)
                                            FROM decision_requests d JOIN weekly_updates w ON w.id = d.update_id
                                           WHERE d.programme_id = $1 AND ($4 OR w.week = $5::int4)), '{}'::json))"
                    .to_owned()
            }),
            part(reads.checks, &|| array(CHECKS)),
            part(focus, &|| one(&format!(
                "SELECT {REVIEW_COLUMNS} FROM exco_reviews r WHERE r.programme_id = $1 AND r.month = $3::text"
            ))),
            part(focus, &|| array(&snapshots_sql(reads.whole_pack))),
            // A review's page reads the processes with its open parts.
            part(reads.processes && !focus, &|| array(&super::pipeline::processes_sql())),
            // A review's page reads the whole dashboard with its open
            // parts (a held one shows its pack).
            part(reads.dashboard && !focus, &super::metrics::dashboard_part),
        )
    });
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        kept: Option<Part>,
        figures: Option<Part>,
        checks: Option<Part>,
        focused: Option<Part>,
        snapshots: Option<Part>,
        processes: Option<Part>,
        dashboard: Option<Part>,
    }
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(reads.focus)
        .bind(reads.figures)
        .bind(reads.week)
        .bind(reads.checks)
        .bind(reads.processes)
        .bind(reads.dashboard);
    let Some(found) = who.bind_last(query).fetch_optional(pool).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let kept: CadenceKept = match (row.kept, reads.week) {
        (Some(part), Some(week)) => week_of(&part.0, week)?,
        (Some(part), None) if reads.updates || reads.reviews => decode(&part.0)?,
        // The sessions and action items alone.
        (Some(part), None) => decode::<CadenceActions>(&part.0)?.into(),
        (None, _) => CadenceKept::default(),
    };
    let focused: Option<ReviewRow> = row.focused.map(|v| decode(&v.0)).transpose()?;
    let (updates, requests) = if reads.updates {
        (kept.updates, kept.requests)
    } else {
        (Vec::new(), Vec::new())
    };
    let held_on = if kept.sessions.is_empty() {
        kept.held_on
    } else {
        kept.sessions.iter().map(|s| s.held_on).collect()
    };
    let mut source = CadenceSource {
        held_on,
        programme: row.programme.map(|v| decode(&v.0)).transpose()?,
        sessions: kept.sessions,
        checks: decode_or_default(row.checks)?,
        actions: kept.actions,
        updates,
        requests,
        reviews: kept.reviews,
        focused: None,
        snapshots: decode_or_default(row.snapshots)?,
        processes: decode_or_default(row.processes)?,
        pipeline: Vec::new(),
        dashboard: None,
        at_work: None,
    };
    source.dashboard = row
        .dashboard
        .map(|part| super::metrics::decode_figures(&part.0))
        .transpose()?;
    // What only an open review shows (the pack drafted as things stand: the
    // agents at work, the decisions so far, the processes to decide on) is
    // read apart, and only for an open review: a held one shows its pack.
    // (In the page's statement, even unrun, these subqueries cost
    // PostgreSQL as much again to set up and lock as the rest.)
    if let Some(month) = reads.focus
        && focused.as_ref().is_some_and(|r| r.held_at.is_none())
    {
        let open = open_parts(pool, programme_id, month).await?;
        source.processes = open.processes;
        source.pipeline = open.pipeline;
        source.at_work = Some(open.at_work);
        if reads.dashboard {
            source.dashboard = open
                .dashboard
                .map(|part| super::metrics::decode_figures(part.get()))
                .transpose()?;
        }
    }
    source.focused = focused;
    if let Some(part) = row.figures {
        let mut figures: FrozenFigures = decode(&part.0)?;
        for update in &mut source.updates {
            if let Some(frozen) = figures.updates.remove(&update.week) {
                update.figures = frozen.unwrap_or_default();
            }
        }
        for request in &mut source.requests {
            request.figures = figures.requests.remove(&request.number).flatten();
        }
    }
    who.seen(&found, source).map(Some)
}

/// What only an open review's page shows.
#[derive(Deserialize)]
struct OpenParts {
    processes: Vec<ProcessRow>,
    pipeline: Vec<DecisionRow>,
    at_work: crate::domain::snapshot::AtWork,
    /// The whole dashboard (the pack is drafted from its board).
    dashboard: Option<Box<serde_json::value::RawValue>>,
}

/// The processes of programme `programme_id`, the decisions recorded so
/// far by its review of `month`, the agents at work since the last review
/// and the kept dashboard, in one statement.
async fn open_parts(
    pool: &super::readers::Readers,
    programme_id: Uuid,
    month: &str,
) -> sqlx::Result<OpenParts> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT json_build_object('processes', {}, 'pipeline', {}, 'at_work', ({}), 'dashboard', {})",
            array(&super::pipeline::processes_sql()),
            array(&super::pipeline::review_decisions_sql("$2")),
            super::governance::at_work_sql("$2"),
            super::metrics::dashboard_part(),
        )
    });
    let part: Part = sqlx::query_scalar(&SQL)
        .bind(programme_id)
        .bind(month)
        .fetch_one(pool)
        .await?;
    decode(&part.0)
}

/// What the schedule needs of one programme's records, as one JSON object
/// (`$1` is the programme): for pages that show what is due without the
/// records themselves. Of the ExCo reviews, only those of the months the
/// schedule expects (from go-live, [`cadence::REVIEW_MONTHS`] of them):
/// a programme reviewed monthly for ten years has 120, and the overview
/// and health pages carried them all.
pub(crate) fn schedule_facts_sql() -> String {
    format!(
        "SELECT
    (SELECT coalesce(json_agg(held_on ORDER BY held_on), '[]') FROM alignment_sessions WHERE programme_id = $1) AS sessions,
    (SELECT coalesce(json_agg(week ORDER BY week), '[]') FROM weekly_updates WHERE programme_id = $1) AS updates,
    (SELECT coalesce(json_agg(json_build_object('month', month, 'meeting_on', meeting_on, 'held', held_at IS NOT NULL) ORDER BY month), '[]')
       FROM (SELECT month, meeting_on, held_at FROM exco_reviews
              WHERE programme_id = $1
                AND month >= (SELECT to_char(live_since, 'YYYY-MM') FROM programmes WHERE id = $1)
              ORDER BY month LIMIT {}) r) AS reviews,
    (SELECT coalesce(json_agg(json_build_object('number', number, 'question', question, 'raised_at', raised_at) ORDER BY number), '[]')
       FROM decision_requests WHERE programme_id = $1 AND decided_at IS NULL) AS open_requests",
        cadence::REVIEW_MONTHS
    )
}

/// An ExCo review as the schedule and the lists need it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReviewFact {
    /// The month reviewed ("2026-10").
    pub month: String,
    /// The meeting day.
    pub meeting_on: NaiveDate,
    /// Whether it was held.
    pub held: bool,
}

/// A programme's records as the schedule needs them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduleFacts {
    /// The days sessions were held.
    pub sessions: Vec<NaiveDate>,
    /// The weeks with an update.
    pub updates: Vec<i32>,
    /// The ExCo reviews.
    pub reviews: Vec<ReviewFact>,
    /// The decision requests still waiting.
    pub open_requests: Vec<cadence::OpenRequest>,
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
                    .filter_map(|r| {
                        Some((
                            Period::parse_for(&r.month, Cadence::Monthly).ok()?,
                            r.meeting_on,
                            r.held,
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

impl SnapshotRow {
    /// Today's value of each of the pack's `figures`, where a correction
    /// changed it since the pack was held (`None` elsewhere).
    pub fn today(&self, figures: usize) -> Vec<Option<f64>> {
        let mut today = vec![None; figures];
        for &(at, value) in self.corrected.iter().flatten() {
            if let Some(slot) = today.get_mut(at) {
                *slot = Some(value);
            }
        }
        today
    }
}

impl CadenceSource {
    /// The schedule's facts, from the records read.
    pub fn facts(&self) -> ScheduleFacts {
        ScheduleFacts {
            sessions: self.held_on.clone(),
            updates: self.updates.iter().map(|u| u.week).collect(),
            reviews: self.reviews.clone(),
            open_requests: self
                .requests
                .iter()
                .filter(|r| r.decided_at.is_none())
                .map(|r| cadence::OpenRequest {
                    number: r.number,
                    question: r.question.clone(),
                    raised_at: r.raised_at,
                })
                .collect(),
        }
    }
}
