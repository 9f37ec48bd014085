//! Organisations: the tenants.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};
use uuid::Uuid;

/// An organisation.
#[derive(Debug, Clone, FromRow)]
pub struct Organisation {
    pub id: Uuid,
    /// Name, unique case-insensitively.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Finds an organisation by name, case-insensitively.
pub async fn find_by_name(
    db: impl PgExecutor<'_>,
    name: &str,
) -> sqlx::Result<Option<Organisation>> {
    sqlx::query_as("SELECT id, name, created_at FROM organisations WHERE lower(name) = lower($1)")
        .bind(name.trim())
        .fetch_optional(db)
        .await
}

/// Finds an organisation by id.
pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Organisation>> {
    sqlx::query_as("SELECT id, name, created_at FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Creates an organisation.
pub async fn insert(
    db: impl PgExecutor<'_>,
    name: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<Organisation> {
    sqlx::query_as(
        "INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)
         RETURNING id, name, created_at",
    )
    .bind(Uuid::new_v4())
    .bind(name.trim())
    .bind(at)
    .fetch_one(db)
    .await
}

/// Whether any user exists at all (first-run detection).
pub async fn any_user_exists(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(db)
        .await
}
