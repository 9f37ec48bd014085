//! The deployment brief: draft sections, frozen versions, signature slots
//! and signatures.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use crate::domain::brief::Content;

/// A draft section as stored (absent sections are empty, version 0).
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct DraftSection {
    /// Which section.
    pub section_key: String,
    /// Its content.
    pub content: Json<Content>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
    /// Who edited it last.
    pub updated_by_name: Option<String>,
    /// The CEO's agreement (joint sections).
    pub ceo_agreed_at: Option<DateTime<Utc>>,
    /// The COO's agreement (joint sections).
    pub coo_agreed_at: Option<DateTime<Utc>>,
}

/// The stored draft sections of programme `$1`.
pub(crate) const DRAFT: &str = "SELECT s.section_key, s.content, s.version, s.updated_at,
        u.display_name AS updated_by_name, s.ceo_agreed_at, s.coo_agreed_at
   FROM brief_sections s LEFT JOIN users u ON u.id = s.updated_by
  WHERE s.programme_id = $1";

/// Every stored draft section of a programme.
pub async fn draft(db: impl PgExecutor<'_>, programme_id: Uuid) -> sqlx::Result<Vec<DraftSection>> {
    sqlx::query_as(DRAFT).bind(programme_id).fetch_all(db).await
}

/// One edit of a draft section.
#[derive(Debug)]
pub struct SectionEdit<'a> {
    /// The organisation.
    pub organisation_id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// Which section.
    pub section_key: &'a str,
    /// The version the editor loaded (0: never stored).
    pub expected_version: i32,
    /// The content the editor loaded (for the audit entry).
    pub before: &'a Content,
    /// The new content.
    pub content: &'a Content,
}

/// Writes a section if its version still matches (0: not yet stored), with
/// its audit entry. Every edit clears both agreement marks. Returns false,
/// and writes nothing, when the form was stale.
pub async fn save_section(
    conn: &mut PgConnection,
    actor: &Actor,
    edit: SectionEdit<'_>,
) -> sqlx::Result<bool> {
    let SectionEdit {
        organisation_id,
        programme_id,
        section_key,
        expected_version,
        before,
        content,
    } = edit;
    let (by, at) = (actor.user_id, actor.at);
    let result = if expected_version == 0 {
        sqlx::query(
            "INSERT INTO brief_sections (programme_id, organisation_id, section_key, content, version, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, 1, $5, $6)
             ON CONFLICT (programme_id, section_key) DO NOTHING",
        )
        .bind(programme_id)
        .bind(organisation_id)
        .bind(section_key)
        .bind(Json(content))
        .bind(at)
        .bind(by)
        .execute(&mut *conn)
        .await?
    } else {
        sqlx::query(
            "UPDATE brief_sections
                SET content = $4, version = version + 1, updated_at = $5, updated_by = $6,
                    ceo_agreed_at = NULL, ceo_agreed_by = NULL, coo_agreed_at = NULL, coo_agreed_by = NULL
              WHERE programme_id = $1 AND organisation_id = $2 AND section_key = $3 AND version = $7",
        )
        .bind(programme_id)
        .bind(organisation_id)
        .bind(section_key)
        .bind(Json(content))
        .bind(at)
        .bind(by)
        .bind(expected_version)
        .execute(&mut *conn)
        .await?
    };
    if result.rows_affected() != 1 {
        return Ok(false);
    }
    audit::record(
        conn,
        actor,
        Change {
            action: actions::BRIEF_SECTION_UPDATE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(serde_json::json!({ "section": section_key, "content": before })),
            after: Some(serde_json::json!({ "section": section_key, "content": content })),
        },
    )
    .await?;
    Ok(true)
}

/// Stores a section's first content, written by nobody in particular (the
/// defaults a new programme starts with). Does nothing if it exists.
pub async fn seed_section(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    programme_id: Uuid,
    section_key: &str,
    content: &Content,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO brief_sections (programme_id, organisation_id, section_key, content, version, updated_at)
         VALUES ($1, $2, $3, $4, 1, $5)
         ON CONFLICT (programme_id, section_key) DO NOTHING",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(section_key)
    .bind(Json(content))
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a joint section agreed by the CEO or the COO, if it is still the
/// version they looked at. Returns false when it changed meanwhile.
pub async fn agree(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    section_key: &str,
    expected_version: i32,
    as_ceo: bool,
) -> sqlx::Result<bool> {
    let column = if as_ceo { "ceo" } else { "coo" };
    let result = sqlx::query(&format!(
        "UPDATE brief_sections SET {column}_agreed_at = $4, {column}_agreed_by = $5
          WHERE programme_id = $1 AND section_key = $2 AND version = $3"
    ))
    .bind(programme_id)
    .bind(section_key)
    .bind(expected_version)
    .bind(actor.at)
    .bind(actor.user_id)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() != 1 {
        return Ok(false);
    }
    audit::record(
        conn,
        actor,
        Change {
            action: actions::BRIEF_SECTION_AGREE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(serde_json::json!({ "section": section_key, "as": column, "section_version": expected_version })),
        },
    )
    .await?;
    Ok(true)
}

/// A frozen version.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct Version {
    /// Identifier.
    pub id: Uuid,
    /// 1, 2, 3…
    pub number: i32,
    /// SHA-256 over the section hashes.
    pub version_hash: String,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// By whom.
    pub submitted_by_name: Option<String>,
}

pub(crate) const VERSION_SELECT: &str =
    "SELECT v.id, v.number, v.version_hash, v.submitted_at, u.display_name AS submitted_by_name
                                FROM brief_versions v LEFT JOIN users u ON u.id = v.submitted_by";

/// Every version of a programme's brief, newest first.
pub async fn versions(db: impl PgExecutor<'_>, programme_id: Uuid) -> sqlx::Result<Vec<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT} WHERE v.programme_id = $1 ORDER BY v.number DESC"
    ))
    .bind(programme_id)
    .fetch_all(db)
    .await
}

/// The latest version, if any.
pub async fn latest_version(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT} WHERE v.programme_id = $1 ORDER BY v.number DESC LIMIT 1"
    ))
    .bind(programme_id)
    .fetch_optional(db)
    .await
}

/// One version by number.
pub async fn version(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    number: i32,
) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT} WHERE v.programme_id = $1 AND v.number = $2"
    ))
    .bind(programme_id)
    .bind(number)
    .fetch_optional(db)
    .await
}

/// A frozen section.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct FrozenSection {
    /// Which.
    pub section_key: String,
    /// Owner as stored.
    pub owner: String,
    /// Content as submitted.
    pub content: Json<Content>,
    /// Its hash as computed at submission.
    pub section_hash: String,
}

/// The sections of a version, in brief order.
pub async fn version_sections(
    db: impl PgExecutor<'_>,
    version_id: Uuid,
) -> sqlx::Result<Vec<FrozenSection>> {
    sqlx::query_as(
        "SELECT section_key, owner, content, section_hash FROM brief_version_sections
          WHERE version_id = $1 ORDER BY position",
    )
    .bind(version_id)
    .fetch_all(db)
    .await
}

/// A section to freeze.
#[derive(Debug)]
pub struct NewFrozenSection<'a> {
    /// Which.
    pub key: &'a str,
    /// Owner.
    pub owner: &'a str,
    /// Content.
    pub content: &'a Content,
    /// Hash.
    pub hash: &'a str,
}

/// A required signatory of a new version.
#[derive(Debug)]
pub struct NewSlot {
    /// The signatory.
    pub user_id: Uuid,
    /// Their seat as shown ("CEO", "Approver (CFO)").
    pub seat: String,
}

/// The unique number per programme: two submits of the same number collide.
pub const NUMBER_TAKEN: &str = "brief_versions_number_key";

/// Freezes a version: the version row, its sections and its slots.
#[allow(clippy::too_many_arguments)]
pub async fn insert_version(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    number: i32,
    version_hash: &str,
    sections: &[NewFrozenSection<'_>],
    slots: &[NewSlot],
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO brief_versions (id, programme_id, organisation_id, number, version_hash, submitted_at, submitted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(programme_id)
    .bind(organisation_id)
    .bind(number)
    .bind(version_hash)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    for (position, section) in sections.iter().enumerate() {
        sqlx::query(
            "INSERT INTO brief_version_sections (version_id, section_key, position, owner, content, section_hash)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(section.key)
        .bind(position as i32)
        .bind(section.owner)
        .bind(Json(section.content))
        .bind(section.hash)
        .execute(&mut *conn)
        .await?;
    }
    for (position, slot) in slots.iter().enumerate() {
        sqlx::query("INSERT INTO brief_signature_slots (version_id, user_id, seat, position) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(slot.user_id)
            .bind(&slot.seat)
            .bind(position as i32)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// A signature slot with its signature, if given.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct Slot {
    /// The version the slot belongs to.
    pub version_id: Uuid,
    /// The signatory.
    pub user_id: Uuid,
    /// Name.
    pub name: String,
    /// Seat as shown.
    pub seat: String,
    /// `signed` or `rejected`, if decided.
    pub decision: Option<String>,
    /// A rejection's reason.
    pub reason: Option<String>,
    /// The hash the signer signed.
    pub signed_hash: Option<String>,
    /// When.
    pub signed_at: Option<DateTime<Utc>>,
    /// From where.
    pub ip: Option<String>,
    /// With what.
    pub user_agent: Option<String>,
}

impl Slot {
    /// The decision, typed.
    pub fn decision(&self) -> Option<crate::domain::signoff::Decision> {
        self.decision
            .as_deref()
            .and_then(crate::domain::signoff::Decision::parse)
    }

    /// "Name (Seat)", as sentences name a signatory.
    pub fn who(&self) -> String {
        format!("{} ({})", self.name, self.seat)
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

/// A signature to record.
#[derive(Debug)]
pub struct NewSignature<'a> {
    /// The version.
    pub version_id: Uuid,
    /// The signer (must hold a slot).
    pub user_id: Uuid,
    /// `signed` or `rejected`.
    pub decision: crate::domain::signoff::Decision,
    /// Why, when rejecting.
    pub reason: &'a str,
    /// The version hash the signer saw.
    pub version_hash: &'a str,
    /// The seat they sign in.
    pub seat: &'a str,
    /// When.
    pub at: DateTime<Utc>,
    /// From where.
    pub ip: Option<&'a str>,
    /// With what.
    pub user_agent: Option<&'a str>,
    /// The form's one-time key.
    pub idempotency_key: &'a str,
}

/// One decision per slot.
pub const ALREADY_DECIDED: &str = "brief_signatures_once_per_slot";
/// One signature per form submission.
pub const KEY_USED: &str = "brief_signatures_idempotency_key";

/// Records a signature or a rejection.
pub async fn insert_signature(
    conn: &mut PgConnection,
    new: NewSignature<'_>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO brief_signatures
            (id, version_id, user_id, decision, reason, version_hash, seat, signed_at, ip, user_agent, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(new.version_id)
    .bind(new.user_id)
    .bind(new.decision.as_str())
    .bind(new.reason)
    .bind(new.version_hash)
    .bind(new.seat)
    .bind(new.at)
    .bind(new.ip)
    .bind(new.user_agent)
    .bind(new.idempotency_key)
    .fetch_one(conn)
    .await
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
    /// The programme.
    pub programme_id: Uuid,
    /// Its name.
    pub programme_name: String,
    /// The version number.
    pub number: i32,
}

/// A joint section waiting for an executive's agreement (for the home page).
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct AwaitingAgreement {
    /// The programme.
    pub programme_id: Uuid,
    /// Its name.
    pub programme_name: String,
    /// The section.
    pub section_key: String,
}

/// Stores a frozen draft as version `number`, with its slots. Returns the
/// version id.
#[allow(clippy::too_many_arguments)]
pub async fn freeze(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    number: i32,
    frozen: &crate::domain::brief::Frozen,
    slots: &[NewSlot],
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    let sections: Vec<NewFrozenSection> = frozen
        .sections
        .iter()
        .map(|part| NewFrozenSection {
            key: part.key,
            owner: part.owner.as_str(),
            content: &part.content,
            hash: &part.hash,
        })
        .collect();
    insert_version(
        conn,
        organisation_id,
        programme_id,
        number,
        &frozen.version_hash,
        &sections,
        slots,
        by,
        at,
    )
    .await
}

/// The programme's current draft, frozen (for the demo and the command line;
/// the submit page freezes the draft it has already read).
pub async fn frozen_draft(
    conn: &mut PgConnection,
    programme_id: Uuid,
) -> sqlx::Result<crate::domain::brief::Frozen> {
    let rows = draft(&mut *conn, programme_id).await?;
    Ok(crate::domain::brief::Frozen::of(|key| {
        rows.iter()
            .find(|row| row.section_key == key)
            .map(|row| row.content.0.clone())
            .unwrap_or_default()
    }))
}
