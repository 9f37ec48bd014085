//! Frozen versions of the brief: what was submitted, section by section.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::draft;
use crate::db::audit::{self, Actor, Change, actions};
use crate::db::notifications;
use crate::domain::brief::{self, Content, Frozen};
use crate::domain::notify;

/// A frozen version.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct Version {
    pub id: Uuid,
    /// 1, 2, 3…
    pub number: i32,
    /// SHA-256 over the section hashes.
    pub version_hash: String,
    /// When it was submitted.
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub submitted_at: DateTime<Utc>,
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
    pub section_key: String,
    /// Owner as stored.
    pub owner: String,
    /// Content as submitted.
    pub content: Json<Content>,
    /// Its hash as computed at submission.
    pub section_hash: String,
    /// Its prose rendered to HTML at submission ([`brief::rendered`]).
    pub rendered: Option<Json<std::collections::BTreeMap<String, String>>>,
}

/// A frozen section as its version's page reads it: its fields are shown
/// as written at submission (migration 0041), so not its content.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FrozenHead {
    pub section_key: String,
    /// Its hash as computed at submission.
    pub section_hash: String,
}

/// The sections of a version, in brief order.
pub async fn version_sections(
    db: impl PgExecutor<'_>,
    version_id: Uuid,
) -> sqlx::Result<Vec<FrozenSection>> {
    sqlx::query_as(
        "SELECT s.section_key, s.owner, s.content, s.section_hash, r.rendered
           FROM brief_version_sections s
           LEFT JOIN brief_version_renderings r USING (version_id, section_key)
          WHERE s.version_id = $1 ORDER BY s.position",
    )
    .bind(version_id)
    .fetch_all(db)
    .await
}

/// The sections of two versions (each in brief order), in one round trip:
/// what a signer is shown changed between them.
pub async fn two_versions_sections(
    db: impl PgExecutor<'_>,
    earlier: Uuid,
    later: Uuid,
) -> sqlx::Result<(Vec<FrozenSection>, Vec<FrozenSection>)> {
    let rows: Vec<(Uuid, Json<Vec<FrozenSection>>)> = sqlx::query_as(
        "SELECT s.version_id,
                json_agg(json_build_object('section_key', s.section_key, 'owner', s.owner,
                                           'content', s.content, 'section_hash', s.section_hash,
                                           'rendered', r.rendered) ORDER BY s.position)
           FROM brief_version_sections s
           LEFT JOIN brief_version_renderings r USING (version_id, section_key)
          WHERE s.version_id IN ($1, $2) GROUP BY s.version_id",
    )
    .bind(earlier)
    .bind(later)
    .fetch_all(db)
    .await?;
    let of = |id: Uuid| {
        rows.iter()
            .find(|(version, _)| *version == id)
            .map(|(_, sections)| sections.0.clone())
            .unwrap_or_default()
    };
    Ok((of(earlier), of(later)))
}

/// A section to freeze.
#[derive(Debug)]
struct NewFrozenSection<'a> {
    key: &'a str,
    owner: &'a str,
    content: &'a Content,
    hash: &'a str,
}

/// A required signatory of a new version.
#[derive(Debug)]
pub struct NewSlot {
    pub user_id: Uuid,
    /// Their seat as shown ("CEO", "Approver (CFO)").
    pub seat: String,
}

/// The unique number per programme: two submits of the same number collide.
pub const NUMBER_TAKEN: &str = "brief_versions_number_key";

/// Freezes a version: the version row, its sections and its slots.
async fn insert_version(
    conn: &mut PgConnection,
    actor: &Actor,
    submission: &Submission<'_>,
    sections: &[NewFrozenSection<'_>],
) -> sqlx::Result<Uuid> {
    let Submission {
        organisation_id,
        programme_id,
        number,
        frozen,
        slots,
        ..
    } = *submission;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO brief_versions (id, programme_id, organisation_id, number, version_hash, submitted_at, submitted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(programme_id)
    .bind(organisation_id)
    .bind(number)
    .bind(&frozen.version_hash)
    .bind(actor.at)
    .bind(actor.user_id)
    .execute(&mut *conn)
    .await?;
    let processes = sections
        .iter()
        .find(|section| section.key == brief::PROCESS_SCOPE)
        .map(|scope| brief::processes(scope.content))
        .unwrap_or_default();
    for (position, section) in sections.iter().enumerate() {
        let rendered = brief::rendered(section.key, section.content);
        let shown =
            crate::brief_shown::shown(section.key, section.content, Some(&rendered), &processes);
        sqlx::query(
            "WITH section AS (
                 INSERT INTO brief_version_sections (version_id, section_key, position, owner, content, section_hash)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING version_id, section_key),
             rendering AS (
                 INSERT INTO brief_version_renderings (version_id, section_key, rendered)
                 SELECT version_id, section_key, $7 FROM section)
             INSERT INTO brief_version_shown (version_id, section_key, shown, shown_markup)
             SELECT version_id, section_key, $8, $9 FROM section",
        )
        .bind(id)
        .bind(section.key)
        .bind(position as i32)
        .bind(section.owner)
        .bind(Json(section.content))
        .bind(section.hash)
        .bind(Json(&rendered))
        .bind(&shown.html)
        .bind(crate::brief_shown::markup())
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

/// A version to submit: the draft as frozen and who must sign it.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub organisation_id: Uuid,
    pub programme_id: Uuid,
    /// Its name, for the audit log.
    pub programme_name: &'a str,
    /// The new version's number.
    pub number: i32,
    /// The draft, frozen (its hashes computed in `domain`).
    pub frozen: &'a Frozen,
    /// The signatories, in order.
    pub slots: &'a [NewSlot],
}

/// Stores a frozen draft as a new version with its slots, and its audit
/// entry. Returns the version id; a second version with the same number
/// fails on [`NUMBER_TAKEN`].
pub async fn submit(
    conn: &mut PgConnection,
    actor: &Actor,
    submission: Submission<'_>,
) -> sqlx::Result<Uuid> {
    let sections: Vec<NewFrozenSection> = submission
        .frozen
        .sections
        .iter()
        .map(|part| NewFrozenSection {
            key: part.key,
            owner: part.owner.as_str(),
            content: &part.content,
            hash: &part.hash,
        })
        .collect();
    let id = insert_version(conn, actor, &submission, &sections).await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::BRIEF_SUBMIT,
            object_type: "brief_version",
            object_id: Some(id),
            before: None,
            after: Some(json!({
                "programme": submission.programme_name,
                "number": submission.number,
                "version_hash": submission.frozen.version_hash,
                "signatories": submission.slots.iter().map(|s| &s.seat).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    // A new version supersedes the last: its reminders stop.
    notifications::cancel_starting(
        conn,
        submission.organisation_id,
        &signature_reason(submission.programme_id, None),
    )
    .await?;
    ask_to_sign(conn, actor, &submission).await?;
    Ok(id)
}

/// What a signatory's reminders wait for: their decision on the programme's
/// latest version (`None`: every signatory's).
pub fn signature_reason(programme_id: Uuid, user_id: Option<Uuid>) -> String {
    match user_id {
        Some(user_id) => format!("sign:{programme_id}:{user_id}"),
        None => format!("sign:{programme_id}:"),
    }
}

/// Days between a signatory's reminders, and how many at most (SPEC §9).
const REMINDER_DAYS: i64 = 3;
const REMINDERS: i32 = 3;

/// Each required signatory hears that the version waits for them, with the
/// sections changed since the version they last signed, and is reminded
/// every 3 days, at most 3 times, until they decide.
async fn ask_to_sign(
    conn: &mut PgConnection,
    actor: &Actor,
    submission: &Submission<'_>,
) -> sqlx::Result<()> {
    let signatories: Vec<Uuid> = submission.slots.iter().map(|s| s.user_id).collect();
    /// The version a signatory last signed, with its section hashes by key.
    #[derive(FromRow)]
    struct LastSigned {
        user_id: Uuid,
        number: i32,
        hashes: Json<std::collections::HashMap<String, String>>,
    }
    let signed: Vec<LastSigned> = sqlx::query_as(
        "SELECT DISTINCT ON (s.user_id) s.user_id, v.number,
                (SELECT json_object_agg(section_key, section_hash) FROM brief_version_sections
                  WHERE version_id = v.id) AS hashes
           FROM brief_signatures s JOIN brief_versions v ON v.id = s.version_id
          WHERE v.programme_id = $1 AND s.decision = 'signed' AND s.user_id = ANY($2)
            AND v.number < $3
          ORDER BY s.user_id, v.number DESC",
    )
    .bind(submission.programme_id)
    .bind(&signatories)
    .bind(submission.number)
    .fetch_all(&mut *conn)
    .await?;
    for slot in submission.slots {
        let last = signed.iter().find(|last| last.user_id == slot.user_id);
        let changed: Vec<&str> = submission
            .frozen
            .sections
            .iter()
            .filter(|part| last.is_none_or(|last| last.hashes.0.get(part.key) != Some(&part.hash)))
            .map(|part| crate::domain::brief::section(part.key).map_or(part.key, |s| s.title))
            .collect();
        let to_sign = notify::ToSign {
            programme: submission.programme_name,
            number: submission.number,
            last_signed: last.map(|last| last.number),
            changed: if last.is_some() { &changed } else { &[] },
            link: crate::paths::brief_sign(submission.programme_id, submission.number),
        };
        let reason = signature_reason(submission.programme_id, Some(slot.user_id));
        let reminders = (1..=REMINDERS).map(|nth| {
            let due_at = actor.at + chrono::Duration::days(REMINDER_DAYS * i64::from(nth));
            (notify::signature_reminder(&to_sign, nth, actor.at), due_at)
        });
        let asked = notify::signature_requested(&to_sign);
        let timing = notifications::Timing::now(actor.at);
        notifications::queue_to_user(
            conn,
            submission.organisation_id,
            slot.user_id,
            &asked,
            timing,
        )
        .await?;
        for (message, due_at) in reminders {
            let timing = notifications::Timing::later(actor.at, due_at, &reason);
            notifications::queue_to_user(
                conn,
                submission.organisation_id,
                slot.user_id,
                &message,
                timing,
            )
            .await?;
        }
    }
    Ok(())
}

/// The programme's current draft, frozen (for the demo and the command line;
/// the submit page freezes the draft it has already read).
pub async fn frozen_draft(conn: &mut PgConnection, programme_id: Uuid) -> sqlx::Result<Frozen> {
    let rows = draft(&mut *conn, programme_id).await?;
    Ok(Frozen::of(|key| {
        rows.iter()
            .find(|row| row.section_key == key)
            .map(|row| row.content.0.clone())
            .unwrap_or_default()
    }))
}
