//! Signature slots and signatures of frozen versions.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::Version;
use super::versions::VERSION_SELECT;
use crate::db::audit::{self, Actor, Change, actions};
use crate::db::notifications;
use crate::domain::notify;
use crate::domain::seat::SeatKind;
use crate::domain::signoff::Decision;

/// A signature slot with its signature, if given.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct Slot {
    /// The version the slot belongs to.
    pub version_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// Seat as shown.
    pub seat: String,
    /// `signed` or `rejected`, if decided.
    pub decision: Option<String>,
    /// A rejection's reason.
    pub reason: Option<String>,
    /// The hash the signer signed.
    pub signed_hash: Option<String>,
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub signed_at: Option<DateTime<Utc>>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Slot {
    /// The decision, typed.
    pub fn decision(&self) -> Option<Decision> {
        self.decision.as_deref().and_then(Decision::parse)
    }

    /// "Name (Seat)", as sentences name a signatory.
    pub fn who(&self) -> String {
        format!("{} ({})", self.name, self.seat)
    }
}

/// A slot's decision alone: what a list of versions needs to say where
/// each stands.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SlotDecision {
    /// The version the slot belongs to.
    pub version_id: Uuid,
    /// `signed` or `rejected`, if decided.
    pub decision: Option<String>,
}

impl SlotDecision {
    /// The decision, typed.
    pub fn decision(&self) -> Option<Decision> {
        self.decision.as_deref().and_then(Decision::parse)
    }
}

pub(crate) const SLOT_SELECT: &str = "SELECT sl.version_id, sl.user_id, u.display_name AS name, sl.seat, sg.decision, sg.reason,
                                  sg.version_hash AS signed_hash, sg.signed_at, sg.ip, sg.user_agent
                             FROM brief_signature_slots sl
                             JOIN users u ON u.id = sl.user_id
                             LEFT JOIN brief_signatures sg ON sg.version_id = sl.version_id AND sg.user_id = sl.user_id";

/// The slots of a version, with their signatures, in order.
pub async fn slots(db: impl PgExecutor<'_>, version_id: Uuid) -> sqlx::Result<Vec<Slot>> {
    sqlx::query_as(&format!(
        "{SLOT_SELECT} WHERE sl.version_id = $1 ORDER BY sl.position"
    ))
    .bind(version_id)
    .fetch_all(db)
    .await
}

/// A signature or rejection to record. The signer, the time and the
/// address come from the actor, who must be a user holding a slot.
#[derive(Debug)]
pub struct NewSignature<'a> {
    pub version_id: Uuid,
    /// Its number, for the audit log.
    pub number: i32,
    /// Signed or rejected.
    pub decision: Decision,
    /// Why, when rejecting.
    pub reason: &'a str,
    /// The version hash the signer saw.
    pub version_hash: &'a str,
    /// The seat they sign in.
    pub seat: &'a str,
    pub user_agent: Option<&'a str>,
    /// The form's one-time key.
    pub idempotency_key: &'a str,
}

/// One decision per slot.
pub const ALREADY_DECIDED: &str = "brief_signatures_once_per_slot";
/// One signature per form submission.
pub const KEY_USED: &str = "brief_signatures_idempotency_key";

/// Records a signature or a rejection, with its audit entry. A second
/// decision on the slot, or a second use of the form's key, fails on
/// [`ALREADY_DECIDED`] or [`KEY_USED`].
pub async fn sign(
    conn: &mut PgConnection,
    actor: &Actor,
    new: NewSignature<'_>,
) -> sqlx::Result<Uuid> {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO brief_signatures
            (id, version_id, user_id, decision, reason, version_hash, seat, signed_at, ip, user_agent, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(new.version_id)
    .bind(actor.user_id)
    .bind(new.decision.as_str())
    .bind(new.reason)
    .bind(new.version_hash)
    .bind(new.seat)
    .bind(actor.at)
    .bind(&actor.ip)
    .bind(new.user_agent)
    .bind(new.idempotency_key)
    .fetch_one(&mut *conn)
    .await?;
    let action = match new.decision {
        Decision::Signed => actions::BRIEF_SIGN,
        Decision::Rejected => actions::BRIEF_REJECT,
    };
    audit::record(
        conn,
        actor,
        Change {
            action,
            object_type: "brief_version",
            object_id: Some(new.version_id),
            before: None,
            after: Some(json!({
                "signature": id,
                "number": new.number,
                "version_hash": new.version_hash,
                "seat": new.seat,
                "reason": new.reason,
            })),
        },
    )
    .await?;
    announce(conn, actor, &new).await?;
    Ok(id)
}

/// After a decision on a slot: the signer's reminders stop; a rejection
/// stops everyone's and tells the CEO and the COO why; the last signature
/// tells them the version is signed.
async fn announce(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewSignature<'_>,
) -> sqlx::Result<()> {
    #[derive(FromRow)]
    struct Context {
        programme_id: Uuid,
        organisation_id: Uuid,
        programme: String,
        signer: String,
        all_signed: bool,
    }
    let context: Context = sqlx::query_as(
        "SELECT p.id AS programme_id, p.organisation_id, p.name AS programme,
                (SELECT display_name FROM users WHERE id = $2) AS signer,
                NOT EXISTS (SELECT 1 FROM brief_signature_slots sl
                              LEFT JOIN brief_signatures sg ON sg.version_id = sl.version_id AND sg.user_id = sl.user_id
                             WHERE sl.version_id = v.id AND sg.decision IS DISTINCT FROM 'signed') AS all_signed
           FROM brief_versions v JOIN programmes p ON p.id = v.programme_id
          WHERE v.id = $1",
    )
    .bind(new.version_id)
    .bind(actor.user_id)
    .fetch_one(&mut *conn)
    .await?;
    let org = context.organisation_id;
    let link = crate::paths::brief_version(context.programme_id, new.number);
    let message = match new.decision {
        Decision::Signed => {
            let reason = super::signature_reason(context.programme_id, actor.user_id);
            if actor.user_id.is_some() {
                notifications::cancel(conn, org, &reason).await?;
            }
            if !context.all_signed {
                return Ok(());
            }
            notify::brief_signed(&context.programme, new.number, link)
        }
        Decision::Rejected => {
            let reason = super::signature_reason(context.programme_id, None);
            notifications::cancel_starting(conn, org, &reason).await?;
            let who = format!("{} ({})", context.signer, new.seat);
            notify::brief_rejected(&context.programme, new.number, &who, new.reason, link)
        }
    };
    let timing = notifications::Timing::now(actor.at);
    notifications::queue_to_seats(conn, org, &[SeatKind::Ceo, SeatKind::Coo], &message, timing)
        .await?;
    Ok(())
}

/// The version a user last signed (not rejected) before `before_number`.
pub async fn last_signed_by(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    user_id: Uuid,
    before_number: i32,
) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT}
          JOIN brief_signatures sg ON sg.version_id = v.id AND sg.user_id = $2 AND sg.decision = 'signed'
         WHERE v.programme_id = $1 AND v.number < $3
         ORDER BY v.number DESC LIMIT 1"
    ))
    .bind(programme_id)
    .bind(user_id)
    .bind(before_number)
    .fetch_optional(db)
    .await
}

/// A brief waiting for someone's signature (for the home page).
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct AwaitingSignature {
    pub programme_id: Uuid,
    pub programme_name: String,
    /// The version number.
    pub number: i32,
}

/// Where version `number` stands, from its slots.
pub fn status_of(number: i32, slots: &[Slot]) -> crate::domain::signoff::BriefStatus {
    let slots: Vec<_> = slots.iter().map(|s| (s.who(), s.decision())).collect();
    crate::domain::signoff::BriefStatus::of(number, &slots)
}

/// Where the programme's latest version stands, read inside the caller's
/// transaction (the phase gate reads it under the programme's lock).
pub async fn latest_status(
    conn: &mut sqlx::PgConnection,
    programme_id: uuid::Uuid,
) -> sqlx::Result<crate::domain::signoff::BriefStatus> {
    let Some(latest) = super::latest_version(&mut *conn, programme_id).await? else {
        return Ok(crate::domain::signoff::BriefStatus::None);
    };
    let slots = super::slots(&mut *conn, latest.id).await?;
    Ok(status_of(latest.number, &slots))
}
