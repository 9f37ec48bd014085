//! The append-only audit log. Every write records an entry in the same
//! transaction; the database refuses to update, delete or truncate it, the
//! role tandem serves as may only insert and read it, and every entry is a
//! link of a hash chain that `verify_chain` recomputes.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::domain::audit_chain::{StoredLink, Verifier};
use crate::domain::values::hex;

/// Who acted, from where, and when: the part of an entry that comes from the request.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The organisation the action belongs to.
    pub organisation_id: Option<Uuid>,
    /// The user who acted (none for the command line or a failed login).
    pub user_id: Option<Uuid>,
    /// The client's address, when known.
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// What happened, as `object.verb` (for example `user.create`).
    pub action: &'a str,
    /// The kind of object changed.
    pub object_type: &'a str,
    /// The object changed.
    pub object_id: Option<Uuid>,
    /// The object before the change.
    pub before: Option<Value>,
    /// The object after the change.
    pub after: Option<Value>,
}

/// Appends an entry. Its time is the database's own clock, set by the
/// chain's trigger (`audit_log_link`, migration 0004) so that no writer can
/// choose it: `actor.at` is not stored here, and an audit entry's time
/// follows the real clock even in tests that move the app's clock.
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    change: Change<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (organisation_id, actor_id, action, object_type, object_id, before, after, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.organisation_id)
    .bind(actor.user_id)
    .bind(change.action)
    .bind(change.object_type)
    .bind(change.object_id)
    .bind(change.before)
    .bind(change.after)
    .bind(&actor.ip)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry as shown on the audit page.
#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The actor's name, if any.
    pub actor_name: Option<String>,
    pub action: String,
    /// The kind of object.
    pub object_type: String,
    pub object_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub ip: Option<String>,
}

impl Entry {
    /// The state before, as compact JSON.
    pub fn before_text(&self) -> String {
        self.before
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// The state after, as compact JSON.
    pub fn after_text(&self) -> String {
        self.after
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default()
    }
}

/// The most recent entries of an organisation, newest first, before `before_id`.
/// A blind status rating shows only once both executives have rated its
/// round: until then the view says who rated, not what.
pub async fn recent(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    before_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT a.id, a.at, u.display_name AS actor_name, a.action, a.object_type, a.object_id,
                a.before,
                CASE WHEN a.action = 'health.rating'
                          AND (SELECT count(*) FROM status_ratings r
                                WHERE r.programme_id = a.object_id AND r.round = a.after->>'round') < 2
                     THEN jsonb_build_object('round', a.after->'round', 'seat', a.after->'seat',
                                             'rating', 'hidden until both executives have rated')
                     ELSE a.after END AS after,
                a.ip
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
          WHERE a.organisation_id = $1 AND ($2::bigint IS NULL OR a.id < $2)
          ORDER BY a.id DESC
          LIMIT $3",
    )
    .bind(organisation_id)
    .bind(before_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// An entry's canonical text, as SQL over the row `a`. The database's
/// `audit_log_canonical` (migration 0004) computes the same text when it
/// writes a link; verification keeps its own copy, so that a changed
/// database function cannot hide a changed row.
const CANONICAL: &str = "jsonb_build_array(a.id, a.organisation_id, a.actor_id, a.action, \
     a.object_type, a.object_id, a.before, a.after, a.ip, \
     to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))::text";

/// An entry as verification reads it: number, previous hash, hash, canonical text.
type LinkRow = (i64, Option<Vec<u8>>, Vec<u8>, String);

/// How many entries are read per round trip while verifying.
const VERIFY_BATCH: i64 = 5_000;

/// Recomputes one organisation's chain (or, with `None`, the chain of
/// entries that belong to no organisation), in order, and reports the first
/// break and the head.
pub async fn verify_chain(pool: &PgPool, organisation_id: Option<Uuid>) -> sqlx::Result<Verifier> {
    let sql = format!(
        "SELECT a.id, a.prev_hash, a.hash, {CANONICAL} AS canonical
           FROM audit_log a
          WHERE (($1::uuid IS NULL AND a.organisation_id IS NULL) OR a.organisation_id = $1)
            AND a.id > $2
          ORDER BY a.id
          LIMIT $3"
    );
    let mut verifier = Verifier::new();
    let mut after = 0_i64;
    loop {
        let rows: Vec<LinkRow> = sqlx::query_as(&sql)
            .bind(organisation_id)
            .bind(after)
            .bind(VERIFY_BATCH)
            .fetch_all(pool)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (id, prev_hash, hash, canonical) in rows {
            verifier.check(&StoredLink {
                id,
                prev_hash,
                hash,
                canonical,
            });
        }
    }
    Ok(verifier)
}

/// Every chain: one per organisation (by name), then the entries of none.
pub async fn chains(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(Option<Uuid>, String)>> {
    let mut chains: Vec<(Option<Uuid>, String)> =
        sqlx::query_as("SELECT id, name FROM organisations ORDER BY lower(name)")
            .fetch_all(db)
            .await?;
    chains.push((None, "no organisation".into()));
    Ok(chains)
}

/// The chain's head when the latest entry about `object_id` was written:
/// its number and hash (printed on certificates and packs).
pub async fn head_at_object(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    object_id: Uuid,
) -> sqlx::Result<Option<(i64, String)>> {
    let row: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT id, hash FROM audit_log
          WHERE object_id = $2 AND organisation_id = $1
          ORDER BY id DESC LIMIT 1",
    )
    .bind(organisation_id)
    .bind(object_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, hash)| (id, hex(&hash))))
}

/// Every action name the audit log records, as `object.verb`.
pub mod actions {
    /// A user signed in.
    pub const LOGIN: &str = "session.login";
    /// A sign-in failed (the email as typed, cut to a sane length).
    pub const LOGIN_FAILED: &str = "session.login_failed";
    /// A user signed out.
    pub const LOGOUT: &str = "session.logout";
    /// A re-entered password was wrong.
    pub const STEPUP_FAILED: &str = "session.stepup_failed";
    /// An account was created.
    pub const USER_CREATE: &str = "user.create";
    /// An account's details changed.
    pub const USER_UPDATE: &str = "user.update";
    /// A user changed their own password.
    pub const USER_PASSWORD_CHANGE: &str = "user.password_change";
    /// An administrator (or the command line) set a user's password.
    pub const USER_PASSWORD_RESET: &str = "user.password_reset";
    /// An administrator invited a person by e-mail (any earlier invitation
    /// still open is withdrawn).
    pub const INVITATION_SEND: &str = "user.invitation_send";
    /// An invited person set their password through the invitation.
    pub const INVITATION_ACCEPT: &str = "user.invitation_accept";
    /// An administrator saved the organisation's single sign-on settings.
    pub const SSO_SETTINGS: &str = "sso.settings";
    /// A provider's user was linked to an account (by the administrator's
    /// leave: a verified address, or an account created at first sign-in).
    pub const SSO_LINK: &str = "sso.link";
    /// An administrator unlinked an account from its provider identities.
    pub const SSO_UNLINK: &str = "sso.unlink";
    /// A user signed in through the provider.
    pub const SSO_SIGN_IN: &str = "sso.sign_in";
    /// A sign-in through the provider was refused, and why.
    pub const SSO_REFUSED: &str = "sso.refused";
    /// An administrator signed in with a password although single sign-on
    /// is required (the break-glass way in).
    pub const SSO_BREAK_GLASS: &str = "sso.break_glass";
    /// A user registered a passkey.
    pub const PASSKEY_REGISTER: &str = "passkey.register";
    /// A user renamed a passkey.
    pub const PASSKEY_RENAME: &str = "passkey.rename";
    /// A user removed a passkey.
    pub const PASSKEY_REMOVE: &str = "passkey.remove";
    /// A user signed in with a passkey.
    pub const PASSKEY_SIGN_IN: &str = "passkey.sign_in";
    /// A session was confirmed for its next weighty action by a passkey or
    /// a fresh sign-in at the provider.
    pub const SESSION_CONFIRM: &str = "session.confirm";
    /// An administrator required (or stopped requiring) signatories to
    /// confirm with a passkey or a fresh sign-in at the provider.
    pub const SIGN_OFF_POLICY: &str = "organisation.sign_off";
    /// A seat was given.
    pub const SEAT_START: &str = "seat.start";
    /// A seat was ended.
    pub const SEAT_END: &str = "seat.end";
    /// A programme was created.
    pub const PROGRAMME_CREATE: &str = "programme.create";
    /// A programme's details or signatories changed.
    pub const PROGRAMME_UPDATE: &str = "programme.update";
    /// A programme moved to another phase.
    pub const PROGRAMME_PHASE: &str = "programme.phase";
    /// The COO's AI reporting line changed.
    pub const REPORTING_LINE: &str = "programme.reporting_line";
    /// A responsibility matrix was created.
    pub const RACI_CREATE: &str = "raci.create";
    /// A responsibility matrix changed.
    pub const RACI_UPDATE: &str = "raci.update";
    /// A brief section's draft changed.
    pub const BRIEF_SECTION_UPDATE: &str = "brief.section_update";
    /// An executive marked a joint section agreed.
    pub const BRIEF_SECTION_AGREE: &str = "brief.section_agree";
    /// A draft was frozen into a version.
    pub const BRIEF_SUBMIT: &str = "brief.submit";
    /// A signatory signed a version.
    pub const BRIEF_SIGN: &str = "brief.sign";
    /// A signatory rejected a version.
    pub const BRIEF_REJECT: &str = "brief.reject";
    /// A metric value was recorded.
    pub const METRIC_VALUE_RECORD: &str = "metric.value_record";
    /// A metric value was corrected (with a reason).
    pub const METRIC_VALUE_CORRECT: &str = "metric.value_correct";
    /// Values were imported from CSV.
    pub const METRIC_IMPORT: &str = "metric.import";
    /// A month's actual investment and benefit were recorded.
    pub const ROI_RECORD: &str = "roi.record";
    /// An alignment session was recorded.
    pub const SESSION_RECORD: &str = "cadence.session_record";
    /// An executive wrote their part of a relationship check.
    pub const RELATIONSHIP_CHECK: &str = "cadence.relationship_check";
    /// An action item was closed or reopened.
    pub const ACTION_ITEM_UPDATE: &str = "cadence.action_item_update";
    /// The COO wrote a weekly update.
    pub const UPDATE_WRITE: &str = "cadence.update_write";
    /// The COO raised a decision request.
    pub const DECISION_RAISE: &str = "cadence.decision_raise";
    /// The CEO decided a request.
    pub const DECISION_TAKE: &str = "cadence.decision_take";
    /// An ExCo review was opened.
    pub const REVIEW_OPEN: &str = "cadence.review_open";
    /// An ExCo review's texts were written.
    pub const REVIEW_WRITE: &str = "cadence.review_write";
    /// An ExCo review was held and its pack frozen.
    pub const REVIEW_HOLD: &str = "cadence.review_hold";
    /// A calendar feed address was issued or renewed.
    pub const FEED_ISSUE: &str = "calendar.feed_issue";
    /// A person marked their notifications read.
    pub const NOTIFICATIONS_READ: &str = "notifications.read";
    /// A person changed how they hear of what (or unsubscribed from one kind).
    pub const NOTIFICATION_SETTINGS: &str = "notifications.settings";
    /// An administrator sent a test message.
    pub const MAIL_TEST: &str = "mail.test";
    /// An administrator tried a failed message again.
    pub const MAIL_RETRY: &str = "mail.retry";
    /// A calendar feed address was revoked.
    pub const FEED_REVOKE: &str = "calendar.feed_revoke";
    /// An administrator created an API token.
    pub const TOKEN_CREATE: &str = "api.token_create";
    /// An administrator revoked an API token.
    pub const TOKEN_REVOKE: &str = "api.token_revoke";
    /// A value was written through the API (the token is the actor).
    pub const API_VALUE_WRITE: &str = "api.value_write";
    /// An executive wrote what the programme is, in one sentence.
    pub const HEALTH_STATEMENT: &str = "health.statement";
    /// The CEO answered a pulse check.
    pub const HEALTH_PULSE: &str = "health.pulse";
    /// An executive gave a blind status rating (the view hides it until both are in).
    pub const HEALTH_RATING: &str = "health.rating";
    /// A process moved to another stage of the expansion pipeline.
    pub const PIPELINE_MOVE: &str = "pipeline.move";
    /// A go-live gate was set on a process.
    pub const PIPELINE_GATE_ADD: &str = "pipeline.gate_add";
    /// A go-live gate was removed from a process.
    pub const PIPELINE_GATE_REMOVE: &str = "pipeline.gate_remove";
    /// An ExCo review recorded a decision on a process.
    pub const PIPELINE_DECISION: &str = "pipeline.decision";
    /// An agent was added to the register.
    pub const AGENT_REGISTER: &str = "agent.register";
    /// An agent's entry in the register was edited.
    pub const AGENT_UPDATE: &str = "agent.update";
    /// An agent was suspended.
    pub const AGENT_SUSPEND: &str = "agent.suspend";
    /// An executive decided to resume a suspended agent.
    pub const AGENT_RESUME_DECIDE: &str = "agent.resume_decide";
    /// A suspended agent went live again.
    pub const AGENT_RESUME: &str = "agent.resume";
    /// An agent was retired.
    pub const AGENT_RETIRE: &str = "agent.retire";
    /// A person's override of an agent was recorded.
    pub const OVERRIDE_RECORD: &str = "agent.override_record";
    /// The platform reported an agent's decisions for a month.
    pub const DECISION_COUNT: &str = "agent.decision_count";
    /// The COO set the override-rate threshold.
    pub const OVERRIDE_THRESHOLD: &str = "agent.override_threshold";
    /// An incident was recorded.
    pub const INCIDENT_RECORD: &str = "incident.record";
    /// An incident's containment or follow-up was updated.
    pub const INCIDENT_UPDATE: &str = "incident.update";
    /// An executive acknowledged a serious incident.
    pub const INCIDENT_ACKNOWLEDGE: &str = "incident.acknowledge";
}
