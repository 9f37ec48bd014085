//! The local mailbox (migration 0018): where messages land when no SMTP
//! server is configured, for the administrator to read.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// Puts a formatted message in the mailbox (again: a no-op).
pub async fn put(
    pool: &PgPool,
    notification_id: Uuid,
    organisation_id: Uuid,
    recipient: &str,
    raw: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mailbox (notification_id, organisation_id, recipient, raw, delivered_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (notification_id) DO NOTHING",
    )
    .bind(notification_id)
    .bind(organisation_id)
    .bind(recipient)
    .bind(raw)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The message as it landed in the organisation's mailbox.
pub async fn raw(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    notification_id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT raw FROM mailbox WHERE notification_id = $1 AND organisation_id = $2",
    )
    .bind(notification_id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}
