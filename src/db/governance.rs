//! The governance framework at work (migration 0029): the agent register
//! and each agent's history, overrides and the decision counts the platform
//! reports, the COO's override-rate threshold, and incidents with their
//! acknowledgements.
//!
//! Every write is one audited action in the caller's transaction; the
//! messages it brings are queued in the same transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use super::json::{Part, array, decode, kept_programme, one};
use super::notifications::{self, Timing};
use super::pipeline::ProcessRow;
use super::programmes::Programme;
use super::sessions::{Seen, Who};
use crate::domain::brief::Content;
use crate::domain::governance::{ACKNOWLEDGE_WITHIN, AgentState, Severity};
use crate::domain::notify;
use crate::domain::seat::SeatKind;
use crate::domain::snapshot::AtWork;

/// The override-rate threshold (per cent) until the COO sets one.
pub const DEFAULT_THRESHOLD: f64 = 10.0;
/// How many months of override rates the register shows.
pub const RATE_MONTHS: i32 = 12;
/// How many recent overrides and incidents a page lists.
pub const RECENT: i64 = 25;

/// An agent in the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRow {
    pub id: Uuid,
    pub name: String,
    pub process_id: Uuid,
    /// The framework rows (decision types) it handles.
    pub decisions: Vec<String>,
    pub provider: String,
    pub accountable_id: Uuid,
    pub accountable_name: String,
    /// As stored (see [`AgentRow::state`]).
    pub state: String,
    /// The current suspension's number.
    pub suspensions: i32,
    pub version: i32,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub created_at: DateTime<Utc>,
    /// Whether a serious incident concerning it was recorded since it last
    /// went live (the CEO then decides its resumption too).
    pub serious_since_live: bool,
    /// The seats that decided to resume it from the current suspension.
    pub resume_seats: Vec<String>,
}

impl AgentRow {
    /// Its state.
    pub fn state(&self) -> AgentState {
        AgentState::parse(&self.state).unwrap_or(AgentState::Live)
    }
}

/// A change in an agent's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub agent_id: Uuid,
    /// registered, edited, suspended, resume_decided, resumed, retired.
    pub change: String,
    /// The state after it.
    pub state: String,
    pub reason: String,
    pub acted_as: String,
    pub changed_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub changed_at: DateTime<Utc>,
}

impl ChangeRow {
    /// The change in words.
    pub fn label(&self) -> &'static str {
        match self.change.as_str() {
            "registered" => "Registered",
            "edited" => "Edited",
            "suspended" => "Suspended",
            "resume_decided" => "Decided to resume",
            "resumed" => "Resumed",
            "retired" => "Retired",
            _ => "Changed",
        }
    }
}

/// An override as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverrideRow {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub agent_name: String,
    pub decision: String,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub occurred_at: DateTime<Utc>,
    pub role: String,
    pub category: String,
    pub note: String,
    /// The person who recorded it, or the API token's name.
    pub recorded_by_name: Option<String>,
    pub via_api: bool,
}

/// Overrides or reported decisions of one agent, decision type and month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthCount {
    pub agent_id: Uuid,
    pub decision: String,
    pub month: String,
    pub n: i64,
}

/// An incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: Uuid,
    pub number: i32,
    pub severity: String,
    pub title: String,
    pub what_happened: String,
    pub process_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub detected_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub contained_at: Option<DateTime<Utc>>,
    pub follow_up: String,
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub acknowledge_by: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub ceo_acknowledged_at: Option<DateTime<Utc>>,
    pub ceo_acknowledged_name: Option<String>,
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub coo_acknowledged_at: Option<DateTime<Utc>>,
    pub coo_acknowledged_name: Option<String>,
    pub recorded_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub recorded_at: DateTime<Utc>,
    pub version: i32,
}

impl IncidentRow {
    /// Its severity.
    pub fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Minor)
    }
}

/// A person of the organisation with a seat: who may be accountable for an
/// agent, and which approver titles each holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: Uuid,
    pub display_name: String,
    /// The titles of their approver seats.
    pub titles: Vec<String>,
}

/// Everything the governance pages read.
#[derive(Debug, Clone)]
pub struct GovernanceSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    pub processes: Vec<ProcessRow>,
    /// The governance framework as last signed: the version's number and the section.
    pub signed: Option<(i32, Content)>,
    /// The draft's governance framework.
    pub draft: Option<Content>,
    /// The build / buy / partner decision (as signed, else as drafted).
    pub build_buy: Option<String>,
    pub people: Vec<PersonRow>,
    pub agents: Vec<AgentRow>,
    /// Agents' changes, newest first (the focused agent's only, with a focus).
    pub changes: Vec<ChangeRow>,
    /// Recent overrides, newest first (the focused agent's only, with a focus).
    pub overrides: Vec<OverrideRow>,
    /// Overrides per agent, decision type and month, for [`RATE_MONTHS`].
    pub override_counts: Vec<MonthCount>,
    /// Reported decisions likewise.
    pub decision_counts: Vec<MonthCount>,
    /// Incidents, newest first: the recent ones and any still open.
    pub incidents: Vec<IncidentRow>,
    /// The COO's threshold and its version (0: never set).
    pub threshold: (f64, i32),
}

/// The latest fully signed version of programme `$1`.
const SIGNED_VERSION: &str = "SELECT v.id, v.number FROM brief_versions v
  WHERE v.programme_id = $1
    AND NOT EXISTS (SELECT 1 FROM brief_signature_slots sl WHERE sl.version_id = v.id
                      AND NOT EXISTS (SELECT 1 FROM brief_signatures s WHERE s.version_id = v.id
                                        AND s.user_id = sl.user_id AND s.decision = 'signed'))
  ORDER BY v.number DESC LIMIT 1";

/// Whether a serious incident concerning agent `a` was recorded since it
/// last went live (registered or resumed): the CEO then decides its
/// resumption too (see [`crate::domain::governance::resumed_by`]).
pub(crate) const SERIOUS_SINCE_LIVE: &str = "EXISTS (SELECT 1 FROM incidents i
     WHERE i.agent_id = a.id AND i.severity = 'serious'
       AND i.recorded_at >= (SELECT max(c.changed_at) FROM agent_changes c
                              WHERE c.agent_id = a.id AND c.change IN ('registered', 'resumed')))";

fn agents_sql() -> String {
    format!(
        "SELECT a.id, a.name, a.process_id, a.decisions, a.provider, a.accountable_id,
                u.display_name AS accountable_name, a.state, a.suspensions, a.version, a.created_at,
                {SERIOUS_SINCE_LIVE} AS serious_since_live,
                coalesce((SELECT array_agg(r.seat ORDER BY r.seat) FROM agent_resumptions r
                           WHERE r.agent_id = a.id AND r.suspension = a.suspensions AND a.state = 'suspended'), '{{}}')
                  AS resume_seats
           FROM agents a JOIN users u ON u.id = a.accountable_id
          WHERE a.programme_id = $1 ORDER BY a.state = 'retired', lower(a.name)"
    )
}

const INCIDENT_COLUMNS: &str = "i.id, i.number, i.severity, i.title, i.what_happened, i.process_id, i.agent_id,
        i.detected_at, i.contained_at, i.follow_up, i.acknowledge_by,
        i.ceo_acknowledged_at, (SELECT display_name FROM users WHERE id = i.ceo_acknowledged_by) AS ceo_acknowledged_name,
        i.coo_acknowledged_at, (SELECT display_name FROM users WHERE id = i.coo_acknowledged_by) AS coo_acknowledged_name,
        (SELECT display_name FROM users WHERE id = i.recorded_by) AS recorded_by_name, i.recorded_at, i.version";

/// The overrides of programme `$1` that `filter` keeps, newest first.
pub(crate) fn overrides_sql(filter: &str, limit: &str) -> String {
    format!(
        "SELECT o.id, o.agent_id, a.name AS agent_name, o.decision, o.occurred_at, o.role, o.category, o.note,
                coalesce((SELECT display_name FROM users WHERE id = o.recorded_by),
                         (SELECT name FROM api_tokens WHERE id = o.token_id)) AS recorded_by_name,
                o.token_id IS NOT NULL AS via_api
           FROM agent_overrides o JOIN agents a ON a.id = o.agent_id
          WHERE a.programme_id = $1 AND {filter}
          ORDER BY o.occurred_at DESC, o.id {limit}"
    )
}

/// The incidents of programme `$1` that `filter` keeps, newest first.
pub(crate) fn incidents_sql(filter: &str) -> String {
    format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents i WHERE i.programme_id = $1 AND {filter}
          ORDER BY i.number DESC"
    )
}

/// A programme's governance records (`$1`) as one row: `organisation` is
/// its organisation, `focus` an agent (or NULL for all), and `counts_from`
/// the condition that keeps override counts (on `o`) and decision counts
/// (on `c`) from the first month wanted.
fn records_sql(organisation: &str, focus: &str, counts_from: (&str, &str)) -> String {
    format!(
        "WITH signed AS ({SIGNED_VERSION})
         SELECT {} AS processes,
                (SELECT number FROM signed) AS signed_number,
                (SELECT vs.content FROM brief_version_sections vs JOIN signed s ON s.id = vs.version_id
                  WHERE vs.section_key = 'governance_framework') AS signed,
                (SELECT content FROM brief_sections WHERE programme_id = $1 AND section_key = 'governance_framework') AS draft,
                coalesce((SELECT vs.content->>'choice' FROM brief_version_sections vs JOIN signed s ON s.id = vs.version_id
                           WHERE vs.section_key = 'build_buy_partner'),
                         (SELECT content->>'choice' FROM brief_sections WHERE programme_id = $1 AND section_key = 'build_buy_partner')) AS build_buy,
                {} AS people, {} AS agents, {} AS changes, {} AS overrides, {} AS override_counts, {} AS decision_counts,
                {} AS incidents, {} AS threshold",
        array(&super::pipeline::processes_sql()),
        array(&format!(
            "SELECT u.id, u.display_name,
                    coalesce(array_agg(s.title ORDER BY s.title) FILTER (WHERE s.kind = 'approver'), '{{}}') AS titles
               FROM users u JOIN seats s ON s.user_id = u.id AND s.ended_at IS NULL
              WHERE u.organisation_id = {organisation} AND u.disabled_at IS NULL
              GROUP BY u.id, u.display_name ORDER BY lower(u.display_name)"
        )),
        array(&agents_sql()),
        array(&format!(
            "SELECT c.agent_id, c.change, c.state, c.reason, c.acted_as,
                    (SELECT display_name FROM users WHERE id = c.changed_by) AS changed_by_name, c.changed_at
               FROM agent_changes c JOIN agents a ON a.id = c.agent_id
              WHERE a.programme_id = $1 AND ({focus}::uuid IS NULL OR a.id = {focus})
              ORDER BY c.changed_at DESC, c.id DESC LIMIT 200"
        )),
        array(&overrides_sql(
            &format!("({focus}::uuid IS NULL OR a.id = {focus})"),
            &format!("LIMIT {RECENT}")
        )),
        array(&format!(
            // Grouped by the month's first moment, named once per group.
            "SELECT agent_id, decision, to_char(month, 'YYYY-MM') AS month, n
               FROM (SELECT o.agent_id, o.decision, date_trunc('month', o.occurred_at AT TIME ZONE 'UTC') AS month,
                            count(*) AS n
                       FROM agent_overrides o JOIN agents a ON a.id = o.agent_id
                      WHERE a.programme_id = $1 AND {}
                      GROUP BY 1, 2, 3) counts
              ORDER BY 1, 2, 3",
            counts_from.0
        )),
        array(&format!(
            "SELECT c.agent_id, c.decision, c.month, c.decisions::bigint AS n
               FROM agent_decision_counts c JOIN agents a ON a.id = c.agent_id
              WHERE a.programme_id = $1 AND {} ORDER BY 1, 2, 3",
            counts_from.1
        )),
        array(&incidents_sql(&format!(
            "(i.number > (SELECT coalesce(max(number), 0) - {RECENT} FROM incidents WHERE programme_id = $1)
              OR i.contained_at IS NULL
              OR (i.acknowledge_by IS NOT NULL AND (i.ceo_acknowledged_at IS NULL OR i.coo_acknowledged_at IS NULL)))"
        ))),
        one("SELECT override_threshold, version FROM governance_settings WHERE programme_id = $1"),
    )
}

/// The agent register's document of programme `$1`: every record the
/// register shows, with the counts of the last [`RATE_MONTHS`] + 1 months
/// that have any (the page keeps those from its own first month, which
/// the clock sets), as the database's `agents_source` runs it at the
/// commit of every change to them (migration 0031, installed by
/// [`crate::db::pages::install_kept_queries`]).
pub(crate) fn agents_source_sql() -> String {
    let latest_months = RATE_MONTHS + 1;
    format!(
        "SELECT row_to_json(k) FROM ({}) k",
        records_sql(
            "(SELECT organisation_id FROM programmes WHERE id = $1)",
            "NULL",
            (
                &format!(
                    "o.occurred_at >= (SELECT (date_trunc('month', max(l.occurred_at) AT TIME ZONE 'UTC')
                                                - interval '{latest_months} months') AT TIME ZONE 'UTC'
                                         FROM agent_overrides l JOIN agents la ON la.id = l.agent_id
                                        WHERE la.programme_id = $1)"
                ),
                &format!(
                    "c.month >= (SELECT to_char(to_date(max(l.month), 'YYYY-MM') - interval '{latest_months} months', 'YYYY-MM')
                                  FROM agent_decision_counts l JOIN agents la ON la.id = l.agent_id
                                 WHERE la.programme_id = $1)"
                ),
            ),
        )
    )
}

/// The governance records as one row reads them, kept or not (empty
/// until the programme's first write).
#[derive(Default, Deserialize)]
struct Records {
    processes: Vec<ProcessRow>,
    signed_number: Option<i32>,
    signed: Option<Content>,
    draft: Option<Content>,
    build_buy: Option<String>,
    people: Vec<PersonRow>,
    agents: Vec<AgentRow>,
    changes: Vec<ChangeRow>,
    overrides: Vec<OverrideRow>,
    override_counts: Vec<MonthCount>,
    decision_counts: Vec<MonthCount>,
    incidents: Vec<IncidentRow>,
    threshold: Option<Threshold>,
}

#[derive(Deserialize)]
struct Threshold {
    override_threshold: f64,
    version: i32,
}

/// Reads a programme's governance records in one round trip; with `focus`,
/// one agent's history and overrides only (read now), without, the
/// register the writes keep; with `first_month`, the override and decision
/// counts from that month on (none without).
pub async fn source(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
    focus: Option<Uuid>,
    first_month: Option<&str>,
) -> sqlx::Result<Option<Seen<GovernanceSource>>> {
    let params = if focus.is_some() { 4 } else { 2 };
    let sql = who.statement("agents", u32::from(focus.is_some()), 2, params, || {
        let records = match focus {
            None => "(SELECT body FROM page_sources WHERE programme_id = $1 AND page = 'agents')"
                .to_owned(),
            Some(_) => format!(
                "(SELECT row_to_json(k) FROM ({}) k)",
                records_sql(
                    "$2",
                    "$3",
                    (
                        "$4::text IS NOT NULL AND o.occurred_at >= ($4 || '-01')::date",
                        "$4::text IS NOT NULL AND c.month >= $4"
                    )
                )
            ),
        };
        format!(
            "SELECT {} AS programme, {records} AS records",
            kept_programme()
        )
    });
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        records: Option<Part>,
    }
    let mut query = who.bind(sqlx::query(sql).bind(programme_id));
    if let Some(agent) = focus {
        query = query.bind(agent).bind(first_month);
    }
    let query = who.bind_last(query);
    let Some(found) = query.fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let programme: Option<Programme> = row.programme.map(|v| decode(&v.0)).transpose()?;
    let records: Records = row
        .records
        .map(|part| decode(&part.0))
        .transpose()?
        .unwrap_or_default();
    let from = |counts: Vec<MonthCount>| -> Vec<MonthCount> {
        match first_month {
            Some(first) => counts
                .into_iter()
                .filter(|c| c.month.as_str() >= first)
                .collect(),
            None => Vec::new(),
        }
    };
    let source = GovernanceSource {
        programme,
        processes: records.processes,
        signed: records.signed_number.zip(records.signed),
        draft: records.draft,
        build_buy: records.build_buy,
        people: records.people,
        agents: records.agents,
        changes: records.changes,
        overrides: records.overrides,
        override_counts: from(records.override_counts),
        decision_counts: from(records.decision_counts),
        incidents: records.incidents,
        threshold: records.threshold.map_or((DEFAULT_THRESHOLD, 0), |t| {
            (t.override_threshold, t.version)
        }),
    };
    who.seen(&found, source).map(Some)
}

/// Incident `number` of programme `id` (the caller checked the programme
/// is the reader's organisation's).
pub async fn incident(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    number: i32,
) -> sqlx::Result<Option<IncidentRow>> {
    let row: Option<sqlx::types::Json<IncidentRow>> = sqlx::query_scalar(&format!(
        "SELECT to_json(x) FROM ({}) x",
        incidents_sql("i.number = $2")
    ))
    .bind(programme_id)
    .bind(number)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

/// The states of the agents working in each process of a programme
/// (`process id`, state), for the pipeline's move to *live*.
pub async fn agent_states(
    conn: &mut PgConnection,
    process_id: Uuid,
) -> sqlx::Result<Vec<AgentState>> {
    let states: Vec<String> =
        sqlx::query_scalar("SELECT state FROM agents WHERE process_id = $1 FOR SHARE")
            .bind(process_id)
            .fetch_all(conn)
            .await?;
    Ok(states.iter().filter_map(|s| AgentState::parse(s)).collect())
}

/// An agent's entry as the COO writes it.
#[derive(Debug, Clone)]
pub struct AgentFields<'a> {
    pub name: &'a str,
    pub process_id: Uuid,
    pub decisions: &'a [String],
    pub provider: &'a str,
    pub accountable_id: Uuid,
}

impl AgentFields<'_> {
    fn json(&self) -> serde_json::Value {
        json!({
            "name": self.name, "process": self.process_id, "decisions": self.decisions,
            "provider": self.provider, "accountable": self.accountable_id,
        })
    }
}

/// The unique index on (programme, lower(name)).
pub const AGENT_NAME_TAKEN: &str = "agents_name_key";

/// A line of an agent's history.
struct History<'a> {
    agent_id: Uuid,
    /// registered, edited, suspended, resume_decided, resumed, retired.
    what: &'a str,
    /// The state after it.
    state: AgentState,
    reason: &'a str,
    acted_as: &'a str,
}

/// Writes a line of an agent's history and its audit entry (`action`, with
/// what stood before and after).
async fn record_change(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    history: History<'_>,
    (action, before, after): (&'static str, Option<serde_json::Value>, serde_json::Value),
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agent_changes (agent_id, change, state, reason, acted_as, changed_by, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(history.agent_id)
    .bind(history.what)
    .bind(history.state.as_str())
    .bind(history.reason)
    .bind(history.acted_as)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action,
            object_type: "programme",
            object_id: Some(programme_id),
            before,
            after: Some(after),
        },
    )
    .await
}

/// Adds an agent to the register, live. Fails with [`AGENT_NAME_TAKEN`]
/// when the programme has an agent of that name.
pub async fn register(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    fields: &AgentFields<'_>,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO agents (id, organisation_id, programme_id, name, process_id, decisions, provider,
                             accountable_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(organisation_id)
    .bind(programme_id)
    .bind(fields.name)
    .bind(fields.process_id)
    .bind(fields.decisions)
    .bind(fields.provider)
    .bind(fields.accountable_id)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    let mut after = fields.json();
    after["agent"] = json!(id);
    record_change(
        conn,
        actor,
        programme_id,
        History {
            agent_id: id,
            what: "registered",
            state: AgentState::Live,
            reason: "",
            acted_as: "COO",
        },
        (actions::AGENT_REGISTER, None, after),
    )
    .await?;
    Ok(id)
}

/// An agent as locked for a change.
#[derive(Debug, Clone, FromRow)]
pub struct LockedAgent {
    pub id: Uuid,
    pub name: String,
    pub process_id: Uuid,
    pub decisions: Vec<String>,
    pub provider: String,
    pub accountable_id: Uuid,
    pub state: String,
    pub suspensions: i32,
    pub version: i32,
    pub serious_since_live: bool,
}

impl LockedAgent {
    /// Its state.
    pub fn state(&self) -> AgentState {
        AgentState::parse(&self.state).unwrap_or(AgentState::Live)
    }
}

/// Locks an agent of a programme for a change.
pub async fn lock_agent(
    conn: &mut PgConnection,
    programme_id: Uuid,
    agent_id: Uuid,
) -> sqlx::Result<Option<LockedAgent>> {
    sqlx::query_as(&format!(
        "SELECT a.id, a.name, a.process_id, a.decisions, a.provider, a.accountable_id, a.state, a.suspensions, a.version,
                {SERIOUS_SINCE_LIVE} AS serious_since_live
           FROM agents a WHERE a.programme_id = $1 AND a.id = $2 FOR UPDATE"
    ))
    .bind(programme_id)
    .bind(agent_id)
    .fetch_optional(conn)
    .await
}

/// Edits a locked agent's entry; the caller checked its version.
pub async fn update(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    agent: &LockedAgent,
    fields: &AgentFields<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE agents SET name = $2, process_id = $3, decisions = $4, provider = $5, accountable_id = $6,
                version = version + 1
          WHERE id = $1",
    )
    .bind(agent.id)
    .bind(fields.name)
    .bind(fields.process_id)
    .bind(fields.decisions)
    .bind(fields.provider)
    .bind(fields.accountable_id)
    .execute(&mut *conn)
    .await?;
    let before = json!({
        "agent": agent.id, "name": agent.name, "process": agent.process_id, "decisions": agent.decisions,
        "provider": agent.provider, "accountable": agent.accountable_id,
    });
    record_change(
        conn,
        actor,
        programme_id,
        History {
            agent_id: agent.id,
            what: "edited",
            state: agent.state(),
            reason: "",
            acted_as: "COO",
        },
        (actions::AGENT_UPDATE, Some(before), fields.json()),
    )
    .await
}

/// Who hears of an agent's suspension or resumption: the CEO, the COO and
/// the person accountable for it.
async fn tell(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    agent: &LockedAgent,
    message: impl Fn(&str) -> notify::Message,
) -> sqlx::Result<()> {
    let (organisation_id, programme) = notifications::programme_of(conn, programme_id).await?;
    let message = message(&programme);
    notifications::queue_to_seats(
        conn,
        organisation_id,
        &[SeatKind::Ceo, SeatKind::Coo],
        &message,
        Timing::now(actor.at),
    )
    .await?;
    let executive: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM seats WHERE user_id = $1 AND ended_at IS NULL AND kind IN ('ceo', 'coo'))",
    )
    .bind(agent.accountable_id)
    .fetch_one(&mut *conn)
    .await?;
    if !executive {
        notifications::queue_to_user(
            conn,
            organisation_id,
            agent.accountable_id,
            &message,
            Timing::now(actor.at),
        )
        .await?;
    }
    Ok(())
}

/// Suspends a locked, live agent at once.
pub async fn suspend(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    agent: &LockedAgent,
    reason: &str,
    acted_as: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE agents SET state = 'suspended', suspensions = suspensions + 1, version = version + 1 WHERE id = $1",
    )
    .bind(agent.id)
    .execute(&mut *conn)
    .await?;
    record_change(
        conn,
        actor,
        programme_id,
        History {
            agent_id: agent.id,
            what: "suspended",
            state: AgentState::Suspended,
            reason,
            acted_as,
        },
        (
            actions::AGENT_SUSPEND,
            Some(json!({"agent": agent.id, "name": agent.name, "state": agent.state})),
            json!({"agent": agent.id, "state": "suspended", "reason": reason, "as": acted_as}),
        ),
    )
    .await?;
    tell(conn, actor, programme_id, agent, |programme| {
        notify::agent_suspended(
            programme,
            &agent.name,
            acted_as,
            reason,
            crate::paths::agent(programme_id, agent.id),
        )
    })
    .await
}

/// What an executive's decision to resume did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resumed {
    /// Every decision needed is in: the agent is live again.
    Live,
    /// Recorded; the other executive's is still needed.
    Waiting,
    /// This seat had already decided for this suspension.
    AlreadyDecided,
}

/// Records `seat`'s decision to resume a locked, suspended agent; puts it
/// back live once every seat in `needed` has decided.
pub async fn decide_resume(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    agent: &LockedAgent,
    seat: SeatKind,
    needed: &[SeatKind],
    reason: &str,
) -> sqlx::Result<Resumed> {
    let inserted = sqlx::query(
        "INSERT INTO agent_resumptions (agent_id, suspension, seat, reason, decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(agent.id)
    .bind(agent.suspensions)
    .bind(seat.as_str())
    .bind(reason)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        return Ok(Resumed::AlreadyDecided);
    }
    let decided: Vec<String> = sqlx::query_scalar(
        "SELECT seat FROM agent_resumptions WHERE agent_id = $1 AND suspension = $2",
    )
    .bind(agent.id)
    .bind(agent.suspensions)
    .fetch_all(&mut *conn)
    .await?;
    let complete = needed
        .iter()
        .all(|s| decided.iter().any(|d| d == s.as_str()));
    sqlx::query("UPDATE agents SET state = $2, version = version + 1 WHERE id = $1")
        .bind(agent.id)
        .bind(if complete { "live" } else { "suspended" })
        .execute(&mut *conn)
        .await?;
    record_change(
        conn,
        actor,
        programme_id,
        History {
            agent_id: agent.id,
            what: "resume_decided",
            state: AgentState::Suspended,
            reason,
            acted_as: seat.label(),
        },
        (
            actions::AGENT_RESUME_DECIDE,
            Some(json!({"agent": agent.id, "name": agent.name, "state": "suspended"})),
            json!({"agent": agent.id, "seat": seat.as_str(), "reason": reason}),
        ),
    )
    .await?;
    if !complete {
        let (organisation_id, programme) = notifications::programme_of(conn, programme_id).await?;
        let waiting: Vec<SeatKind> = needed
            .iter()
            .copied()
            .filter(|s| !decided.iter().any(|d| d == s.as_str()))
            .collect();
        let message = notify::resume_requested(
            &programme,
            &agent.name,
            seat.label(),
            reason,
            crate::paths::agent(programme_id, agent.id),
        );
        notifications::queue_to_seats(
            conn,
            organisation_id,
            &waiting,
            &message,
            Timing::now(actor.at),
        )
        .await?;
        return Ok(Resumed::Waiting);
    }
    record_change(
        conn,
        actor,
        programme_id,
        History {
            agent_id: agent.id,
            what: "resumed",
            state: AgentState::Live,
            reason,
            acted_as: seat.label(),
        },
        (
            actions::AGENT_RESUME,
            Some(json!({"agent": agent.id, "state": "suspended"})),
            json!({"agent": agent.id, "state": "live", "decided_by": decided}),
        ),
    )
    .await?;
    tell(conn, actor, programme_id, agent, |programme| {
        notify::agent_resumed(
            programme,
            &agent.name,
            reason,
            crate::paths::agent(programme_id, agent.id),
        )
    })
    .await?;
    Ok(Resumed::Live)
}

/// Retires a locked agent for good.
pub async fn retire(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    agent: &LockedAgent,
    reason: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE agents SET state = 'retired', version = version + 1 WHERE id = $1")
        .bind(agent.id)
        .execute(&mut *conn)
        .await?;
    record_change(
        conn,
        actor,
        programme_id,
        History {
            agent_id: agent.id,
            what: "retired",
            state: AgentState::Retired,
            reason,
            acted_as: "COO",
        },
        (
            actions::AGENT_RETIRE,
            Some(json!({"agent": agent.id, "name": agent.name, "state": agent.state})),
            json!({"agent": agent.id, "state": "retired", "reason": reason}),
        ),
    )
    .await
}

/// An override to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOverride<'a> {
    pub decision: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub role: &'a str,
    pub category: &'a str,
    pub note: &'a str,
    /// The platform's own id for it (API only).
    pub external_id: Option<&'a str>,
}

/// What recording an override did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideRecorded {
    Created(Uuid),
    /// The platform sent the same override again: nothing changed.
    Unchanged(Uuid),
    /// The platform's id is taken by a different override.
    Different(Uuid),
}

/// Records an override of an agent of a programme, by a person or (with
/// `token`) by the platform.
pub async fn record_override(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    agent_id: Uuid,
    token: Option<Uuid>,
    new: &NewOverride<'_>,
) -> sqlx::Result<OverrideRecorded> {
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO agent_overrides (id, agent_id, decision, occurred_at, role, category, note, external_id,
                                      recorded_by, token_id, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT ON CONSTRAINT agent_overrides_external DO NOTHING",
    )
    .bind(id)
    .bind(agent_id)
    .bind(new.decision)
    .bind(new.occurred_at)
    .bind(new.role)
    .bind(new.category)
    .bind(new.note)
    .bind(new.external_id)
    .bind(actor.user_id)
    .bind(token)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        #[derive(FromRow)]
        struct Earlier {
            id: Uuid,
            decision: String,
            occurred_at: DateTime<Utc>,
            role: String,
            category: String,
            note: String,
        }
        let earlier: Earlier = sqlx::query_as(
            "SELECT id, decision, occurred_at, role, category, note FROM agent_overrides
              WHERE agent_id = $1 AND external_id = $2",
        )
        .bind(agent_id)
        .bind(new.external_id)
        .fetch_one(&mut *conn)
        .await?;
        let same = earlier.decision == new.decision
            && earlier.occurred_at == new.occurred_at
            && earlier.role == new.role
            && earlier.category == new.category
            && earlier.note == new.note;
        return Ok(if same {
            OverrideRecorded::Unchanged(earlier.id)
        } else {
            OverrideRecorded::Different(earlier.id)
        });
    }
    let mut after = serde_json::to_value(new).unwrap_or_default();
    after["agent"] = json!(agent_id);
    after["override"] = json!(id);
    if let Some(token) = token {
        after["token"] = json!(token);
    }
    audit::record(
        conn,
        actor,
        Change {
            action: actions::OVERRIDE_RECORD,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(OverrideRecorded::Created(id))
}

/// What a report of decisions did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    Created,
    Unchanged,
    /// It replaced the figure reported before.
    Replaced(i32),
}

/// Stores how many decisions of type `decision` an agent took in `month`.
pub async fn report_decisions(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    agent_id: Uuid,
    token: Option<Uuid>,
    (decision, month, decisions): (&str, &str, i32),
) -> sqlx::Result<Reported> {
    let before: Option<i32> = sqlx::query_scalar(
        "SELECT decisions FROM agent_decision_counts WHERE agent_id = $1 AND decision = $2 AND month = $3 FOR UPDATE",
    )
    .bind(agent_id)
    .bind(decision)
    .bind(month)
    .fetch_optional(&mut *conn)
    .await?;
    if before == Some(decisions) {
        return Ok(Reported::Unchanged);
    }
    sqlx::query(
        "INSERT INTO agent_decision_counts (agent_id, decision, month, decisions, reported_at, token_id)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (agent_id, decision, month)
         DO UPDATE SET decisions = EXCLUDED.decisions, reported_at = EXCLUDED.reported_at, token_id = EXCLUDED.token_id",
    )
    .bind(agent_id)
    .bind(decision)
    .bind(month)
    .bind(decisions)
    .bind(actor.at)
    .bind(token)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::DECISION_COUNT,
            object_type: "programme",
            object_id: Some(programme_id),
            before: before.map(|n| {
                json!({"agent": agent_id, "decision": decision, "month": month, "decisions": n})
            }),
            after: Some(
                json!({"agent": agent_id, "decision": decision, "month": month, "decisions": decisions, "token": token}),
            ),
        },
    )
    .await?;
    Ok(before.map_or(Reported::Created, Reported::Replaced))
}

/// Sets the COO's override-rate threshold if its version (0: never set)
/// still matches; `false`, and nothing written, when stale.
pub async fn set_threshold(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    expected_version: i32,
    threshold: f64,
) -> sqlx::Result<bool> {
    let before: Option<(f64, i32)> = sqlx::query_as(
        "SELECT override_threshold, version FROM governance_settings WHERE programme_id = $1 FOR UPDATE",
    )
    .bind(programme_id)
    .fetch_optional(&mut *conn)
    .await?;
    if before.map_or(0, |(_, v)| v) != expected_version {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO governance_settings (programme_id, override_threshold) VALUES ($1, $2)
         ON CONFLICT (programme_id) DO UPDATE SET override_threshold = EXCLUDED.override_threshold,
                                                  version = governance_settings.version + 1",
    )
    .bind(programme_id)
    .bind(threshold)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::OVERRIDE_THRESHOLD,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(json!({"threshold": before.map_or(DEFAULT_THRESHOLD, |(t, _)| t)})),
            after: Some(json!({"threshold": threshold})),
        },
    )
    .await?;
    Ok(true)
}

/// An incident as the COO records it.
#[derive(Debug, Clone)]
pub struct NewIncident<'a> {
    pub severity: Severity,
    pub title: &'a str,
    pub what_happened: &'a str,
    pub process_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub detected_at: DateTime<Utc>,
    pub contained_at: Option<DateTime<Utc>>,
    pub follow_up: &'a str,
}

fn incident_reason(incident: Uuid, seat: SeatKind) -> String {
    format!("incident:{incident}:{}", seat.as_str())
}

/// Records an incident; a serious one starts its clock, and the CEO and
/// the COO hear of it at once (and again when the clock runs out
/// unacknowledged). Returns its number.
pub async fn record_incident(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    new: &NewIncident<'_>,
) -> sqlx::Result<i32> {
    let id = Uuid::new_v4();
    let serious = new.severity == Severity::Serious;
    let by = serious.then(|| actor.at + ACKNOWLEDGE_WITHIN);
    let number: i32 = sqlx::query_scalar(
        "INSERT INTO incidents (id, organisation_id, programme_id, number, severity, title, what_happened,
                                process_id, agent_id, detected_at, contained_at, follow_up, acknowledge_by,
                                recorded_by, recorded_at)
         VALUES ($1, $2, $3, (SELECT coalesce(max(number), 0) + 1 FROM incidents WHERE programme_id = $3),
                 $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING number",
    )
    .bind(id)
    .bind(organisation_id)
    .bind(programme_id)
    .bind(new.severity.as_str())
    .bind(new.title)
    .bind(new.what_happened)
    .bind(new.process_id)
    .bind(new.agent_id)
    .bind(new.detected_at)
    .bind(new.contained_at)
    .bind(new.follow_up)
    .bind(by)
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_one(&mut *conn)
    .await?;
    let after = json!({
        "number": number, "severity": new.severity.as_str(), "title": new.title,
        "what_happened": new.what_happened, "process": new.process_id, "agent": new.agent_id,
        "detected_at": new.detected_at, "contained_at": new.contained_at, "follow_up": new.follow_up,
    });
    audit::record(
        &mut *conn,
        actor,
        Change {
            action: actions::INCIDENT_RECORD,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    if let Some(by) = by {
        let (_, programme) = notifications::programme_of(conn, programme_id).await?;
        let link = crate::paths::incident(programme_id, number);
        let now = notify::incident_serious(&programme, number, new.title, by, link.clone());
        let late = notify::incident_overdue(&programme, number, new.title, by, link);
        for seat in [SeatKind::Ceo, SeatKind::Coo] {
            notifications::queue_to_seat(conn, organisation_id, seat, &now, Timing::now(actor.at))
                .await?;
            let reason = incident_reason(id, seat);
            notifications::queue_to_seat(
                conn,
                organisation_id,
                seat,
                &late,
                Timing::later(actor.at, by, &reason),
            )
            .await?;
        }
    }
    Ok(number)
}

/// An incident locked for a change.
#[derive(Debug, Clone, FromRow)]
pub struct LockedIncident {
    pub id: Uuid,
    pub number: i32,
    pub severity: String,
    pub detected_at: DateTime<Utc>,
    pub contained_at: Option<DateTime<Utc>>,
    pub follow_up: String,
    pub acknowledge_by: Option<DateTime<Utc>>,
    pub ceo_acknowledged_at: Option<DateTime<Utc>>,
    pub coo_acknowledged_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// Locks incident `number` of a programme.
pub async fn lock_incident(
    conn: &mut PgConnection,
    programme_id: Uuid,
    number: i32,
) -> sqlx::Result<Option<LockedIncident>> {
    sqlx::query_as(
        "SELECT id, number, severity, detected_at, contained_at, follow_up, acknowledge_by,
                ceo_acknowledged_at, coo_acknowledged_at, version
           FROM incidents WHERE programme_id = $1 AND number = $2 FOR UPDATE",
    )
    .bind(programme_id)
    .bind(number)
    .fetch_optional(conn)
    .await
}

/// Updates a locked incident's containment and follow-up; the caller
/// checked its version.
pub async fn update_incident(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    incident: &LockedIncident,
    contained_at: Option<DateTime<Utc>>,
    follow_up: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE incidents SET contained_at = $2, follow_up = $3, version = version + 1 WHERE id = $1",
    )
    .bind(incident.id)
    .bind(contained_at)
    .bind(follow_up)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::INCIDENT_UPDATE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(json!({
                "number": incident.number, "contained_at": incident.contained_at, "follow_up": incident.follow_up,
            })),
            after: Some(
                json!({"number": incident.number, "contained_at": contained_at, "follow_up": follow_up}),
            ),
        },
    )
    .await
}

/// Records `seat`'s acknowledgement of a locked serious incident and
/// withdraws that seat's overdue message; `false` when it had acknowledged.
pub async fn acknowledge(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    incident: &LockedIncident,
    seat: SeatKind,
) -> sqlx::Result<bool> {
    let column = if seat == SeatKind::Ceo { "ceo" } else { "coo" };
    let done = sqlx::query(&format!(
        "UPDATE incidents SET {column}_acknowledged_at = $2, {column}_acknowledged_by = $3, version = version + 1
          WHERE id = $1 AND {column}_acknowledged_at IS NULL"
    ))
    .bind(incident.id)
    .bind(actor.at)
    .bind(actor.user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !done {
        return Ok(false);
    }
    notifications::cancel(conn, organisation_id, &incident_reason(incident.id, seat)).await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::INCIDENT_ACKNOWLEDGE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({"number": incident.number, "seat": seat.as_str()})),
        },
    )
    .await?;
    Ok(true)
}

/// The governance framework at work since the last held review of
/// programme `$1` before the month in parameter `month`: incidents recorded
/// since (or still open), overrides since per agent and decision type, and
/// the agents suspended now — as one JSON object ([`AtWork`]).
pub(crate) fn at_work_sql(month: &str) -> String {
    let since = format!(
        "coalesce((SELECT max(held_at) FROM exco_reviews
                    WHERE programme_id = $1 AND held_at IS NOT NULL AND month < {month}), '-infinity')"
    );
    format!(
        "SELECT json_build_object(
             'incidents', {},
             'overrides', {},
             'suspended', (SELECT coalesce(json_agg(name ORDER BY lower(name)), '[]') FROM agents
                            WHERE programme_id = $1 AND state = 'suspended'))",
        array(&format!(
            "SELECT i.number, i.severity, i.title, (SELECT name FROM agents WHERE id = i.agent_id) AS agent,
                    i.detected_at, i.contained_at, i.follow_up,
                    CASE WHEN i.acknowledge_by IS NOT NULL
                         THEN i.ceo_acknowledged_at IS NOT NULL AND i.coo_acknowledged_at IS NOT NULL END AS acknowledged
               FROM incidents i
              WHERE i.programme_id = $1
                AND (i.recorded_at >= {since} OR i.contained_at IS NULL OR i.contained_at >= {since})
              ORDER BY i.number"
        )),
        array(&format!(
            "SELECT a.name AS agent,
                    coalesce((SELECT r->>'decision' FROM brief_sections s, jsonb_array_elements(s.content->'decisions') r
                               WHERE s.programme_id = $1 AND s.section_key = 'governance_framework'
                                 AND r->>'id' = o.decision LIMIT 1), o.decision) AS decision,
                    count(*) AS overrides
               FROM agent_overrides o JOIN agents a ON a.id = o.agent_id
              WHERE a.programme_id = $1 AND o.occurred_at >= {since}
              GROUP BY a.name, o.decision ORDER BY a.name, 2"
        )),
    )
}

/// [`at_work_sql`] in the caller's transaction (holding a review).
pub async fn at_work(
    conn: &mut PgConnection,
    programme_id: Uuid,
    month: &str,
) -> sqlx::Result<AtWork> {
    let found: sqlx::types::Json<AtWork> = sqlx::query_scalar(&at_work_sql("$2"))
        .bind(programme_id)
        .bind(month)
        .fetch_one(conn)
        .await?;
    Ok(found.0)
}
