//! The append-only audit log. Every write records an entry in the same
//! transaction; the database refuses to update, delete or truncate it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

/// Who acted, from where, and when: the part of an entry that comes from the request.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The organisation the action belongs to.
    pub organisation_id: Option<Uuid>,
    /// The user who acted (none for the command line or a failed login).
    pub user_id: Option<Uuid>,
    /// The client's address, when known.
    pub ip: Option<String>,
    /// When.
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

/// Appends an entry.
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    change: Change<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (organisation_id, actor_id, action, object_type, object_id, before, after, ip, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(actor.organisation_id)
    .bind(actor.user_id)
    .bind(change.action)
    .bind(change.object_type)
    .bind(change.object_id)
    .bind(change.before)
    .bind(change.after)
    .bind(&actor.ip)
    .bind(actor.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry as shown on the audit page.
#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    /// Sequence number.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The actor's name, if any.
    pub actor_name: Option<String>,
    /// What happened.
    pub action: String,
    /// The kind of object.
    pub object_type: String,
    /// The object.
    pub object_id: Option<Uuid>,
    /// Before.
    pub before: Option<Value>,
    /// After.
    pub after: Option<Value>,
    /// From where.
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
pub async fn recent(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    before_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT a.id, a.at, u.display_name AS actor_name, a.action, a.object_type, a.object_id,
                a.before, a.after, a.ip
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
