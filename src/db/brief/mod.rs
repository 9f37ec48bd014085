//! The deployment brief: draft sections (here), frozen versions
//! ([`versions`]) and their signature slots and signatures ([`signatures`]).

mod signatures;
mod versions;

pub(crate) use signatures::SLOT_SELECT;
pub use signatures::{
    ALREADY_DECIDED, AwaitingSignature, KEY_USED, NewSignature, Slot, SlotDecision, last_signed_by,
    latest_status, sign, slots, status_of,
};
pub use versions::{
    FrozenHead, FrozenSection, NUMBER_TAKEN, NewSlot, Submission, Version, frozen_draft,
    latest_version, submit, two_versions_sections, version, version_sections, versions,
};
pub(crate) use versions::{VERSION_SELECT, signature_reason};

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use crate::brief_shown::{self, Shown};
use crate::domain::brief::{self, Content};
use std::collections::BTreeMap;

/// A draft section as stored (absent sections are empty, version 0).
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct DraftSection {
    pub section_key: String,
    pub content: Json<Content>,
    pub version: i32,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub updated_at: DateTime<Utc>,
    /// Who edited it last.
    pub updated_by_name: Option<String>,
    /// The CEO's agreement (joint sections).
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub ceo_agreed_at: Option<DateTime<Utc>>,
    /// The COO's agreement (joint sections).
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub coo_agreed_at: Option<DateTime<Utc>>,
    /// Its hash, stored with every save (none only before the start that
    /// fills it: [`derive_missing`]).
    pub section_hash: Option<String>,
    /// Its prose rendered to HTML, stored with every save
    /// ([`brief::rendered`]).
    pub rendered: Option<Json<BTreeMap<String, String>>>,
}

/// The stored draft sections of programme `$1`.
pub(crate) const DRAFT: &str = "SELECT s.section_key, s.content, s.version, s.updated_at,
        u.display_name AS updated_by_name, s.ceo_agreed_at, s.coo_agreed_at, s.section_hash, s.rendered
   FROM brief_sections s LEFT JOIN users u ON u.id = s.updated_by
  WHERE s.programme_id = $1";

/// A draft section as the brief page reads it: without its content, which
/// the page shows as written with it (migration 0040).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ShownSection {
    pub section_key: String,
    pub version: i32,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub updated_at: DateTime<Utc>,
    /// Who edited it last.
    pub updated_by_name: Option<String>,
    /// The CEO's agreement (joint sections).
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub ceo_agreed_at: Option<DateTime<Utc>>,
    /// The COO's agreement (joint sections).
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub coo_agreed_at: Option<DateTime<Utc>>,
    /// Its hash (filled at every start for a section stored without).
    pub section_hash: Option<String>,
    /// Whether none of its fields is filled in (likewise); its markup is
    /// kept apart, beside the document.
    pub blank: Option<bool>,
}

/// The stored draft sections of programme `$1` as the brief page reads
/// them.
pub(crate) const SHOWN_DRAFT: &str = "SELECT s.section_key, s.version, s.updated_at,
        u.display_name AS updated_by_name, s.ceo_agreed_at, s.coo_agreed_at, s.section_hash, s.blank
   FROM brief_sections s LEFT JOIN users u ON u.id = s.updated_by
  WHERE s.programme_id = $1";

/// Every stored draft section of a programme.
pub async fn draft(db: impl PgExecutor<'_>, programme_id: Uuid) -> sqlx::Result<Vec<DraftSection>> {
    sqlx::query_as(DRAFT).bind(programme_id).fetch_all(db).await
}

/// One edit of a draft section.
#[derive(Debug)]
pub struct SectionEdit<'a> {
    pub organisation_id: Uuid,
    pub programme_id: Uuid,
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
    let written = Written::of(&mut *conn, programme_id, section_key, content).await?;
    let stored = if expected_version == 0 {
        insert_first(
            &mut *conn,
            (organisation_id, programme_id),
            (section_key, content, &written),
            by,
            at,
        )
        .await?
    } else {
        sqlx::query(
            "UPDATE brief_sections
                SET content = $4, version = version + 1, updated_at = $5, updated_by = $6,
                    section_hash = $8, rendered = $9, shown = $10, blank = $11, shown_markup = $12,
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
        .bind(derived_hash(section_key, content))
        .bind(Json(&written.rendered))
        .bind(&written.shown.html)
        .bind(written.shown.blank)
        .bind(brief_shown::markup())
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1
    };
    if !stored {
        return Ok(false);
    }
    if section_key == brief::PROCESS_SCOPE {
        show_processes(conn, programme_id, &brief::processes(content)).await?;
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
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    section_key: &str,
    content: &Content,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let written = Written::of(&mut *conn, programme_id, section_key, content).await?;
    let inserted = insert_first(
        &mut *conn,
        (organisation_id, programme_id),
        (section_key, content, &written),
        None,
        at,
    )
    .await?;
    if inserted && section_key == brief::PROCESS_SCOPE {
        show_processes(conn, programme_id, &brief::processes(content)).await?;
    }
    Ok(())
}

/// What is written with a section's content: its prose rendered, and its
/// fields as the brief page shows them.
struct Written {
    rendered: BTreeMap<String, String>,
    shown: Shown,
}

impl Written {
    /// What `content` of `section_key` writes, with the processes of the
    /// stored process scope (locked until the commit: a save of the scope
    /// waits, then writes this section's markup again) — or of `content`
    /// itself, when it is the scope.
    async fn of(
        conn: &mut PgConnection,
        programme_id: Uuid,
        section_key: &str,
        content: &Content,
    ) -> sqlx::Result<Written> {
        let rendered = brief::rendered(section_key, content);
        let processes = if section_key == brief::PROCESS_SCOPE {
            brief::processes(content)
        } else if brief::section(section_key).is_some_and(brief_shown::names_processes) {
            stored_processes(conn, programme_id).await?
        } else {
            Vec::new()
        };
        let shown = brief_shown::shown(section_key, content, Some(&rendered), &processes);
        Ok(Written { rendered, shown })
    }
}

/// The processes of a programme's stored process scope, its row locked
/// against a change until the commit.
async fn stored_processes(
    conn: &mut PgConnection,
    programme_id: Uuid,
) -> sqlx::Result<Vec<(String, String)>> {
    let scope: Option<Json<Content>> = sqlx::query_scalar(
        "SELECT content FROM brief_sections WHERE programme_id = $1 AND section_key = $2 FOR SHARE",
    )
    .bind(programme_id)
    .bind(brief::PROCESS_SCOPE)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(scope
        .map(|scope| brief::processes(&scope.0))
        .unwrap_or_default())
}

/// Writes again what the sections naming a process show, with `processes`
/// (the process scope just written). Their content is unchanged: no new
/// version, no audit entry. Locked after the scope, as [`Written::of`]
/// locks them, so two saves cannot wait on each other.
async fn show_processes(
    conn: &mut PgConnection,
    programme_id: Uuid,
    processes: &[(String, String)],
) -> sqlx::Result<()> {
    let naming: Vec<&str> = brief::SECTIONS
        .iter()
        .filter(|section| brief_shown::names_processes(section))
        .map(|section| section.key)
        .collect();
    type Stored = (
        String,
        Json<Content>,
        Option<Json<BTreeMap<String, String>>>,
    );
    let stored: Vec<Stored> = sqlx::query_as(
        "SELECT section_key, content, rendered FROM brief_sections
              WHERE programme_id = $1 AND section_key = ANY($2) ORDER BY section_key FOR UPDATE",
    )
    .bind(programme_id)
    .bind(&naming)
    .fetch_all(&mut *conn)
    .await?;
    for (key, content, rendered) in stored {
        let rendered = rendered.as_ref().map(|r| &r.0);
        let shown = brief_shown::shown(&key, &content.0, rendered, processes);
        sqlx::query(
            "UPDATE brief_sections SET shown = $3, blank = $4, shown_markup = $5
              WHERE programme_id = $1 AND section_key = $2",
        )
        .bind(programme_id)
        .bind(&key)
        .bind(&shown.html)
        .bind(shown.blank)
        .bind(brief_shown::markup())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Stores a section's first version; false (and nothing written) when it
/// is already stored.
async fn insert_first(
    db: impl PgExecutor<'_>,
    (organisation_id, programme_id): (Uuid, Uuid),
    (section_key, content, written): (&str, &Content, &Written),
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO brief_sections (programme_id, organisation_id, section_key, content, version, updated_at, updated_by,
                                     section_hash, rendered, shown, blank, shown_markup)
         VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (programme_id, section_key) DO NOTHING",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(section_key)
    .bind(Json(content))
    .bind(at)
    .bind(by)
    .bind(derived_hash(section_key, content))
    .bind(Json(&written.rendered))
    .bind(&written.shown.html)
    .bind(written.shown.blank)
    .bind(brief_shown::markup())
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// A draft section's hash, as the brief page compares it with the latest
/// version's.
fn derived_hash(section_key: &str, content: &Content) -> Option<String> {
    brief::section(section_key)
        .map(|section| brief::section_hash(section_key, section.owner, content))
}

/// Fills the hash, rendered prose and shown fields of the sections (draft
/// and versions) written before they were stored with them (migrations
/// 0035, 0040, 0041), and writes again the shown fields of those written with
/// another release's markup ([`brief_shown::markup`]): run at every start,
/// after the migrations; finds nothing once done. A derived copy, not a
/// change of anyone's: no audit entry.
pub async fn derive_missing(pool: &sqlx::PgPool) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    // Each section with its programme's process scope.
    type Stored = (Uuid, String, Json<Content>, Option<Json<Content>>);
    let drafts: Vec<Stored> = sqlx::query_as(
        "SELECT s.programme_id, s.section_key, s.content,
                (SELECT p.content FROM brief_sections p
                  WHERE p.programme_id = s.programme_id AND p.section_key = $2) AS scope
           FROM brief_sections s
          WHERE s.section_hash IS NULL OR s.rendered IS NULL OR s.shown IS NULL OR s.blank IS NULL
             OR s.shown_markup IS DISTINCT FROM $1
          ORDER BY s.programme_id, s.section_key FOR UPDATE OF s",
    )
    .bind(brief_shown::markup())
    .bind(brief::PROCESS_SCOPE)
    .fetch_all(&mut *tx)
    .await?;
    for (programme_id, key, content, scope) in &drafts {
        let rendered = brief::rendered(key, content);
        let processes = scope
            .as_ref()
            .map(|scope| brief::processes(&scope.0))
            .unwrap_or_default();
        let shown = brief_shown::shown(key, content, Some(&rendered), &processes);
        sqlx::query(
            "UPDATE brief_sections
                SET section_hash = $3, rendered = $4, shown = $5, blank = $6, shown_markup = $7
              WHERE programme_id = $1 AND section_key = $2",
        )
        .bind(programme_id)
        .bind(key)
        .bind(derived_hash(key, content))
        .bind(Json(rendered))
        .bind(shown.html)
        .bind(shown.blank)
        .bind(brief_shown::markup())
        .execute(&mut *tx)
        .await?;
    }
    let versions: Vec<(Uuid, String, Json<Content>)> = sqlx::query_as(
        "SELECT s.version_id, s.section_key, s.content FROM brief_version_sections s
          WHERE NOT EXISTS (SELECT 1 FROM brief_version_renderings r
                             WHERE r.version_id = s.version_id AND r.section_key = s.section_key)",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (version_id, key, content) in &versions {
        sqlx::query(
            "INSERT INTO brief_version_renderings (version_id, section_key, rendered) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(version_id)
        .bind(key)
        .bind(Json(brief::rendered(key, content)))
        .execute(&mut *tx)
        .await?;
    }
    // Each frozen section with its version's process scope, where its
    // markup is missing or another release's.
    // Its prose as rendered at submission (filled above if it was not).
    type Frozen = (
        Uuid,
        String,
        Json<Content>,
        Option<Json<Content>>,
        Option<Json<BTreeMap<String, String>>>,
    );
    let frozen: Vec<Frozen> = sqlx::query_as(
        "SELECT s.version_id, s.section_key, s.content,
                (SELECT p.content FROM brief_version_sections p
                  WHERE p.version_id = s.version_id AND p.section_key = $2) AS scope,
                r.rendered
           FROM brief_version_sections s
           LEFT JOIN brief_version_renderings r USING (version_id, section_key)
           LEFT JOIN brief_version_shown m USING (version_id, section_key)
          WHERE m.shown_markup IS DISTINCT FROM $1
          ORDER BY s.version_id, s.section_key",
    )
    .bind(brief_shown::markup())
    .bind(brief::PROCESS_SCOPE)
    .fetch_all(&mut *tx)
    .await?;
    for (version_id, key, content, scope, rendered) in &frozen {
        let processes = scope
            .as_ref()
            .map(|scope| brief::processes(&scope.0))
            .unwrap_or_default();
        let rendered = rendered.as_ref().map(|r| &r.0);
        let shown = brief_shown::shown(key, content, rendered, &processes);
        sqlx::query(
            "INSERT INTO brief_version_shown (version_id, section_key, shown, shown_markup)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (version_id, section_key)
             DO UPDATE SET shown = EXCLUDED.shown, shown_markup = EXCLUDED.shown_markup",
        )
        .bind(version_id)
        .bind(key)
        .bind(shown.html)
        .bind(brief_shown::markup())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok((drafts.len() + versions.len() + frozen.len()) as u64)
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

/// A joint section waiting for an executive's agreement (for the home page).
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct AwaitingAgreement {
    pub programme_id: Uuid,
    pub programme_name: String,
    pub section_key: String,
}
