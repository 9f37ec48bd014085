//! Versions of the responsibility matrix.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use crate::domain::raci::{self, Matrix};

/// One saved version of a programme's matrix.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct Version {
    /// 1, 2, 3…
    pub version: i32,
    /// The matrix as saved.
    pub matrix: Json<Matrix>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub saved_at: DateTime<Utc>,
    /// Who (none for the system: programme creation, the demo).
    pub saved_by_name: Option<String>,
}

/// A version as pages read it: the matrix as the JSON text kept with it
/// (migration 0039), not converted from its `jsonb` on every view.
pub(crate) const SELECT: &str =
    "SELECT v.version, v.matrix_text AS matrix, v.saved_at, u.display_name AS saved_by_name
                        FROM raci_versions v LEFT JOIN users u ON u.id = v.saved_by";

/// The latest version, if any was saved.
pub async fn latest(db: impl PgExecutor<'_>, programme_id: Uuid) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE v.programme_id = $1 ORDER BY v.version DESC LIMIT 1"
    ))
    .bind(programme_id)
    .fetch_optional(db)
    .await
}

/// The version in force just before `at`: the latest saved before it.
pub async fn as_of(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE v.programme_id = $1 AND v.saved_at < $2 ORDER BY v.version DESC LIMIT 1"
    ))
    .bind(programme_id)
    .bind(at)
    .fetch_optional(db)
    .await
}

/// Every version, oldest first.
pub async fn all(db: impl PgExecutor<'_>, programme_id: Uuid) -> sqlx::Result<Vec<Version>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE v.programme_id = $1 ORDER BY v.version"
    ))
    .bind(programme_id)
    .fetch_all(db)
    .await
}

/// The latest matrix of programme `$1` as a kept document holds it (one
/// JSON part, [`KeptMatrix`]): its problems as found when it was saved
/// (migration 0046), and the matrix itself only where they were not kept
/// under this release's rules.
pub(crate) fn kept_matrix_sql() -> String {
    format!(
        "SELECT CASE WHEN p.rules = '{rules}' THEN p.problems END AS problems,
                CASE WHEN p.rules IS DISTINCT FROM '{rules}' THEN v.matrix_text END AS matrix
           FROM raci_versions v LEFT JOIN raci_version_problems p USING (programme_id, version)
          WHERE v.programme_id = $1 ORDER BY v.version DESC LIMIT 1",
        rules = raci::rules(),
    )
}

/// The latest matrix as a kept document holds it ([`kept_matrix_sql`]).
#[derive(Debug, serde::Deserialize)]
pub struct KeptMatrix {
    problems: Option<Vec<raci::RowProblems>>,
    matrix: Option<Matrix>,
}

impl KeptMatrix {
    /// What is wrong with the latest matrix kept as `kept`, or with the
    /// framework's default while none is saved.
    pub fn problems(kept: Option<KeptMatrix>) -> Vec<raci::RowProblems> {
        match kept {
            Some(KeptMatrix {
                problems: Some(problems),
                ..
            }) => problems,
            Some(KeptMatrix {
                matrix: Some(matrix),
                ..
            }) => raci::validate(&matrix),
            _ => raci::validate(&Matrix::framework_default()),
        }
    }
}

/// The primary key: two saves of the same version collide here.
pub const VERSION_TAKEN: &str = "raci_versions_pkey";

/// Stores `matrix` as version `version`. Fails with [`VERSION_TAKEN`] if
/// that version exists (someone saved first).
async fn insert(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    version: i32,
    matrix: &Matrix,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    // With what is wrong with it, which the overview shows (migration 0046).
    sqlx::query(
        "WITH saved AS (
             INSERT INTO raci_versions (programme_id, organisation_id, version, matrix, saved_at, saved_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING programme_id, version)
         INSERT INTO raci_version_problems (programme_id, version, rules, problems)
         SELECT programme_id, version, $7, $8 FROM saved",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(version)
    .bind(Json(matrix))
    .bind(at)
    .bind(by)
    .bind(raci::rules())
    .bind(Json(raci::validate(matrix)))
    .execute(conn)
    .await?;
    Ok(())
}

/// Works out what is wrong with each saved matrix whose problems are not
/// kept, or were found under other rules ([`raci::rules`], migration
/// 0046): run at every start, after the migrations; finds nothing once
/// done. A derived copy, not a change of anyone's: no audit entry.
pub async fn derive_missing(pool: &sqlx::PgPool) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    let stale: Vec<(Uuid, i32, Json<Matrix>)> = sqlx::query_as(
        "SELECT v.programme_id, v.version, v.matrix FROM raci_versions v
           LEFT JOIN raci_version_problems p USING (programme_id, version)
          WHERE p.rules IS DISTINCT FROM $1
          ORDER BY v.programme_id, v.version",
    )
    .bind(raci::rules())
    .fetch_all(&mut *tx)
    .await?;
    for (programme_id, version, matrix) in &stale {
        sqlx::query(
            "INSERT INTO raci_version_problems (programme_id, version, rules, problems)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (programme_id, version)
             DO UPDATE SET rules = EXCLUDED.rules, problems = EXCLUDED.problems",
        )
        .bind(programme_id)
        .bind(version)
        .bind(raci::rules())
        .bind(Json(raci::validate(&matrix.0)))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(stale.len() as u64)
}

/// Saves an edit of the matrix loaded at version `loaded` (0: the default
/// was shown but never stored, and is kept as version 1 for the history)
/// as the next version, with its audit entry. Fails with [`VERSION_TAKEN`]
/// if someone saved first. Returns the new version's number.
pub async fn save(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    loaded: i32,
    base: &Matrix,
    edited: &Matrix,
) -> sqlx::Result<i32> {
    let organisation_id = actor.organisation_id.unwrap_or_default();
    if loaded == 0 {
        insert(conn, organisation_id, programme_id, 1, base, None, actor.at).await?;
    }
    let version = loaded.max(1) + 1;
    insert(
        conn,
        organisation_id,
        programme_id,
        version,
        edited,
        actor.user_id,
        actor.at,
    )
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::RACI_UPDATE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(serde_json::json!({ "version": loaded, "matrix": base })),
            after: Some(serde_json::json!({ "version": version, "matrix": edited })),
        },
    )
    .await?;
    Ok(version)
}

/// One version by number.
pub async fn by_version(
    db: impl PgExecutor<'_>,
    programme_id: Uuid,
    version: i32,
) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE v.programme_id = $1 AND v.version = $2"
    ))
    .bind(programme_id)
    .bind(version)
    .fetch_optional(db)
    .await
}

/// Saves the framework's starting matrix as version 1 of a new programme,
/// audited.
pub async fn create_default(
    conn: &mut PgConnection,
    actor: &super::audit::Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
) -> sqlx::Result<()> {
    let matrix = Matrix::framework_default();
    insert(
        conn,
        organisation_id,
        programme_id,
        1,
        &matrix,
        actor.user_id,
        actor.at,
    )
    .await?;
    super::audit::record(
        conn,
        actor,
        super::audit::Change {
            action: crate::db::audit::actions::RACI_CREATE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(serde_json::json!({ "version": 1, "matrix": matrix })),
        },
    )
    .await
}
