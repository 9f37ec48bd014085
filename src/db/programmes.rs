//! Programmes and their required brief signatories.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use crate::domain::phase::Phase;
use crate::domain::raci::ReportingLine;

/// An AI programme of an organisation.
#[derive(Debug, Clone, FromRow, Serialize, serde::Deserialize)]
pub struct Programme {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    /// One paragraph on what it is.
    pub summary: String,
    pub phase: String,
    /// Planned start of the deployment (week 1).
    pub planned_start: Option<NaiveDate>,
    /// When the phase last changed.
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub phase_changed_at: DateTime<Utc>,
    /// To whom the COO answers on AI matters: `ceo`, `cto` or `other`.
    pub coo_reports_to: String,
    /// Who "other" is, or any context.
    pub coo_reports_to_note: String,
    pub version: i32,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub created_at: DateTime<Utc>,
    /// The first day of the deployment (week 1), once it began.
    pub deploying_since: Option<NaiveDate>,
    /// The go-live date, once the programme went live.
    pub live_since: Option<NaiveDate>,
    /// When the programme closed.
    pub closed_since: Option<NaiveDate>,
    /// The pulse tolerance the administrator set (points for a percentage,
    /// a fraction otherwise), if not the default.
    pub pulse_tolerance: Option<f64>,
    /// The warning signs standing after the last change that could move them.
    pub health_signs: Option<Vec<String>>,
    /// The CEO's last pulse check.
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub last_pulse_at: Option<DateTime<Utc>>,
    /// The agents suspended now, by name.
    #[serde(default)]
    pub suspended_agents: Vec<String>,
    /// The earliest clock of a serious incident not yet acknowledged by
    /// both executives.
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub incident_due_at: Option<DateTime<Utc>>,
}

impl Programme {
    /// How many warning signs stand at `now`: those recorded at the last
    /// change, and the pulse check if none was made for 35 days.
    pub fn sign_count(&self, now: DateTime<Utc>) -> usize {
        let stored = self.health_signs.as_deref().unwrap_or_default();
        let pulse_late = crate::domain::health::pulse_overdue(
            self.last_pulse_at.unwrap_or(self.created_at),
            now,
        );
        let pulse_stored = stored
            .iter()
            .any(|s| s == crate::domain::health::Sign::PulseOff.key());
        let incident_late = self.incident_due_at.is_some_and(|due| due <= now);
        stored.len() + usize::from(pulse_late && !pulse_stored) + usize::from(incident_late)
    }

    /// The badge's label and CSS modifier at `now`.
    pub fn badge(&self, now: DateTime<Utc>) -> (&'static str, &'static str) {
        crate::domain::health::badge(self.sign_count(now))
    }

    /// The phase, parsed (the database only holds known phases).
    pub fn phase(&self) -> Phase {
        self.phase.parse().unwrap_or(Phase::PreDeployment)
    }

    /// The COO's AI reporting line, parsed.
    pub fn reporting_line(&self) -> ReportingLine {
        ReportingLine::parse(&self.coo_reports_to).unwrap_or(ReportingLine::Ceo)
    }
}

/// Sets the COO's AI reporting line of `programme` if the version still
/// matches, with its audit entry; `None` (nothing written) when stale.
pub async fn set_reporting_line(
    conn: &mut PgConnection,
    actor: &Actor,
    programme: &Programme,
    expected_version: i32,
    line: ReportingLine,
    note: &str,
) -> sqlx::Result<Option<Programme>> {
    let updated: Option<Programme> = sqlx::query_as(&format!(
        "UPDATE programmes SET coo_reports_to = $4, coo_reports_to_note = $5, version = version + 1
          WHERE id = $1 AND organisation_id = $2 AND version = $3
          RETURNING {COLUMNS}"
    ))
    .bind(programme.id)
    .bind(programme.organisation_id)
    .bind(expected_version)
    .bind(line.as_str())
    .bind(note)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(updated) = updated else {
        return Ok(None);
    };
    audit::record(
        conn,
        actor,
        Change {
            action: actions::REPORTING_LINE,
            object_type: "programme",
            object_id: Some(programme.id),
            before: Some(serde_json::json!({ "coo_reports_to": programme.coo_reports_to, "note": programme.coo_reports_to_note })),
            after: Some(serde_json::json!({ "coo_reports_to": updated.coo_reports_to, "note": updated.coo_reports_to_note })),
        },
    )
    .await?;
    Ok(Some(updated))
}

pub(crate) const COLUMNS: &str = "id, organisation_id, name, summary, phase, planned_start, phase_changed_at, coo_reports_to, \
                       coo_reports_to_note, version, created_at, deploying_since, live_since, closed_since, pulse_tolerance, \
                       (SELECT signs FROM programme_health h WHERE h.programme_id = programmes.id) AS health_signs, \
                       (SELECT max(checked_at) FROM pulse_checks c WHERE c.programme_id = programmes.id) AS last_pulse_at, \
                       (SELECT coalesce(array_agg(a.name ORDER BY lower(a.name)), '{}') FROM agents a \
                         WHERE a.programme_id = programmes.id AND a.state = 'suspended') AS suspended_agents, \
                       (SELECT min(i.acknowledge_by) FROM incidents i WHERE i.programme_id = programmes.id \
                           AND i.acknowledge_by IS NOT NULL \
                           AND (i.ceo_acknowledged_at IS NULL OR i.coo_acknowledged_at IS NULL)) AS incident_due_at";

/// The programmes of organisation `$1`, open ones first.
pub(crate) fn list_in_org_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM programmes WHERE organisation_id = $1
          ORDER BY phase = 'closed', lower(name)"
    )
}

/// The programmes of an organisation, open ones first.
pub async fn list_in_org(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
) -> sqlx::Result<Vec<Programme>> {
    sqlx::query_as(&list_in_org_sql())
        .bind(organisation_id)
        .fetch_all(db)
        .await
}

/// A programme of the organisation; another organisation's is not found.
pub async fn find_in_org(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Programme>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM programmes WHERE id = $1 AND organisation_id = $2"
    ))
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// The unique index on (organisation, lower(name)).
pub const NAME_TAKEN: &str = "programmes_name_key";

/// The fields an administrator sets.
#[derive(Debug, Clone)]
pub struct ProgrammeFields<'a> {
    pub name: &'a str,
    pub summary: &'a str,
    pub planned_start: Option<NaiveDate>,
    /// The pulse-check tolerance, if not the default.
    pub pulse_tolerance: Option<f64>,
}

/// Creates a programme in the pre-deployment phase.
pub async fn insert(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    fields: &ProgrammeFields<'_>,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<Programme> {
    sqlx::query_as(&format!(
        "INSERT INTO programmes (id, organisation_id, name, summary, planned_start, phase_changed_at, created_at, created_by, pulse_tolerance)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)
         RETURNING {COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(organisation_id)
    .bind(fields.name)
    .bind(fields.summary)
    .bind(fields.planned_start)
    .bind(at)
    .bind(by)
    .bind(fields.pulse_tolerance)
    .fetch_one(db)
    .await
}

/// An administrator's edit of a programme: its fields and its approver
/// signatories, against what the form was built from.
#[derive(Debug, Clone, Copy)]
pub struct ProgrammeEdit<'a> {
    /// The programme as loaded.
    pub before: &'a Programme,
    /// Its approver signatories as loaded.
    pub before_signatories: &'a [Uuid],
    /// The version the form was built from.
    pub expected_version: i32,
    /// The new fields.
    pub fields: &'a ProgrammeFields<'a>,
    /// The new approver signatories.
    pub signatories: &'a [Uuid],
}

/// Saves an edit if the version still matches, with its audit entry;
/// `None`, and nothing written, when the form was stale. A name another
/// programme holds fails on [`NAME_TAKEN`].
pub async fn edit(
    conn: &mut PgConnection,
    actor: &Actor,
    edit: ProgrammeEdit<'_>,
) -> sqlx::Result<Option<Programme>> {
    let before = edit.before;
    let updated: Option<Programme> = sqlx::query_as(&format!(
        "UPDATE programmes SET name = $4, summary = $5, planned_start = $6, pulse_tolerance = $7, version = version + 1
          WHERE id = $1 AND organisation_id = $2 AND version = $3
          RETURNING {COLUMNS}"
    ))
    .bind(before.id)
    .bind(before.organisation_id)
    .bind(edit.expected_version)
    .bind(edit.fields.name)
    .bind(edit.fields.summary)
    .bind(edit.fields.planned_start)
    .bind(edit.fields.pulse_tolerance)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(updated) = updated else {
        return Ok(None);
    };
    set_signatories(
        conn,
        before.organisation_id,
        before.id,
        edit.signatories,
        actor.at,
    )
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PROGRAMME_UPDATE,
            object_type: "programme",
            object_id: Some(before.id),
            before: Some(
                serde_json::json!({ "programme": before, "signatories": edit.before_signatories }),
            ),
            after: Some(
                serde_json::json!({ "programme": updated, "signatories": edit.signatories }),
            ),
        },
    )
    .await?;
    Ok(Some(updated))
}

/// A required signatory besides the CEO and the COO.
#[derive(Debug, Clone, FromRow, Serialize, serde::Deserialize)]
pub struct Signatory {
    pub user_id: Uuid,
    pub display_name: String,
    /// Their sitting approver title, if they still hold the seat.
    pub title: Option<String>,
}

/// The required signatories of programme `$1`.
pub(crate) const SIGNATORIES: &str = "SELECT ps.user_id, u.display_name,
        (SELECT s.title FROM seats s
          WHERE s.user_id = ps.user_id AND s.kind = 'approver' AND s.ended_at IS NULL) AS title
   FROM programme_signatories ps JOIN users u ON u.id = ps.user_id
  WHERE ps.programme_id = $1
  ORDER BY u.display_name";

/// The approvers who must sign the programme's brief.
pub async fn signatories(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
) -> sqlx::Result<Vec<Signatory>> {
    sqlx::query_as(SIGNATORIES)
        .bind(programme_id)
        .fetch_all(db)
        .await
}

/// Replaces the programme's approver signatories.
async fn set_signatories(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    user_ids: &[Uuid],
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM programme_signatories WHERE programme_id = $1 AND organisation_id = $2 AND NOT (user_id = ANY($3))")
        .bind(programme_id)
        .bind(organisation_id)
        .bind(user_ids)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO programme_signatories (programme_id, organisation_id, user_id, added_at)
         SELECT $1, $2, unnest($3::uuid[]), $4
         ON CONFLICT (programme_id, user_id) DO NOTHING",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(user_ids)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Bumps the version (after a change to a dependent record, such as the
/// signatory list) if it still matches; false when stale.
pub async fn bump_version(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: i32,
) -> sqlx::Result<bool> {
    let result =
        sqlx::query("UPDATE programmes SET version = version + 1 WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(expected_version)
            .execute(conn)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Moves `programme` to `phase` if its version still matches, with its
/// audit entry; `None` (nothing written) when stale.
pub async fn set_phase(
    conn: &mut PgConnection,
    actor: &Actor,
    programme: &Programme,
    expected_version: i32,
    phase: Phase,
) -> sqlx::Result<Option<Programme>> {
    let moved: Option<Programme> = sqlx::query_as(&format!(
        "UPDATE programmes SET phase = $4, phase_changed_at = $5, version = version + 1,
                deploying_since = CASE WHEN $4 = 'deploying' THEN $5::date ELSE deploying_since END,
                live_since = CASE WHEN $4 = 'post_deployment' THEN $5::date ELSE live_since END,
                closed_since = CASE WHEN $4 = 'closed' THEN $5::date ELSE closed_since END
          WHERE id = $1 AND organisation_id = $2 AND version = $3
          RETURNING {COLUMNS}"
    ))
    .bind(programme.id)
    .bind(programme.organisation_id)
    .bind(expected_version)
    .bind(phase.as_str())
    .bind(actor.at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(moved) = moved else {
        return Ok(None);
    };
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PROGRAMME_PHASE,
            object_type: "programme",
            object_id: Some(programme.id),
            before: Some(serde_json::json!({ "phase": programme.phase })),
            after: Some(serde_json::json!({ "phase": moved.phase })),
        },
    )
    .await?;
    // The weekly updates' clock starts or stops with the deployment.
    let deploying = Phase::Deploying.as_str();
    if programme.phase == Phase::PreDeployment.as_str() {
        super::cadence::clocks::sessions_ended(conn, moved.organisation_id, moved.id).await?;
    }
    if moved.phase == deploying {
        let since = moved.deploying_since.unwrap_or(actor.at.date_naive());
        super::cadence::clocks::deployment_began(conn, actor, moved.id, since).await?;
    } else if programme.phase == deploying {
        super::cadence::clocks::deployment_ended(conn, moved.organisation_id, moved.id).await?;
    }
    Ok(Some(moved))
}

/// Locks the programme's row until the transaction ends. Brief submissions,
/// signatures, matrix saves and phase moves of one programme queue here, so
/// each sees the others' results.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM programmes WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Creates a programme with everything a new programme starts with: its
/// brief signatories, the framework's responsibility matrix and the default
/// dashboard metrics in the brief's draft; audited. The one way programmes
/// are made (the admin pages and the demo both use it).
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    fields: &ProgrammeFields<'_>,
    signatories: &[Uuid],
) -> sqlx::Result<Programme> {
    let programme = insert(&mut *conn, organisation_id, fields, actor.user_id, actor.at).await?;
    set_signatories(conn, organisation_id, programme.id, signatories, actor.at).await?;
    super::raci::create_default(conn, actor, organisation_id, programme.id).await?;
    let start = fields
        .planned_start
        .unwrap_or_else(|| actor.at.date_naive());
    for (key, content) in crate::domain::brief::default_metric_sections(start) {
        super::brief::seed_section(
            &mut *conn,
            organisation_id,
            programme.id,
            key,
            &content,
            actor.at,
        )
        .await?;
    }
    audit::record(
        conn,
        actor,
        super::audit::Change {
            action: super::audit::actions::PROGRAMME_CREATE,
            object_type: "programme",
            object_id: Some(programme.id),
            before: None,
            after: Some(serde_json::json!({ "programme": programme, "signatories": signatories })),
        },
    )
    .await?;
    // Its clocks start: the weekly sessions of its preparation, the pulse.
    let today = actor.at.date_naive();
    super::cadence::clocks::session_expected(conn, actor, programme.id, today).await?;
    super::cadence::clocks::pulse_expected(conn, actor, programme.id, today).await?;
    Ok(programme)
}
