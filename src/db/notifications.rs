//! Notifications (migration 0015): queued in the transaction of the event
//! they announce, listed in the app, marked read.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use crate::domain::notify::{Kind, Message};
use crate::domain::seat::SeatKind;

/// The organisation and name of a programme, for a message about it.
pub async fn programme_of(
    conn: &mut PgConnection,
    programme_id: Uuid,
) -> sqlx::Result<(Uuid, String)> {
    sqlx::query_as("SELECT organisation_id, name FROM programmes WHERE id = $1")
        .bind(programme_id)
        .fetch_one(conn)
        .await
}

/// Queues `message` for whoever sits in `seat` of the organisation now.
/// Returns how many people it was queued for.
pub async fn queue_to_seat(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    seat: SeatKind,
    message: &Message,
    at: DateTime<Utc>,
) -> sqlx::Result<u64> {
    queue_to_seats(conn, organisation_id, &[seat], message, at).await
}

/// Queues `message` once for each person sitting in any of `seats` of the
/// organisation now (someone in two of them hears it once).
pub async fn queue_to_seats(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    seats: &[SeatKind],
    message: &Message,
    at: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let kinds: Vec<&str> = seats.iter().map(|seat| seat.as_str()).collect();
    let queued = sqlx::query(
        "INSERT INTO notifications (id, organisation_id, recipient_id, kind, subject, body, link, created_at)
         SELECT gen_random_uuid(), $1, r.user_id, $3, $4, $5, $6, $7
           FROM (SELECT DISTINCT s.user_id FROM seats s JOIN users u ON u.id = s.user_id
                  WHERE s.organisation_id = $1 AND s.kind = ANY($2) AND s.ended_at IS NULL
                    AND u.disabled_at IS NULL) r",
    )
    .bind(organisation_id)
    .bind(&kinds)
    .bind(message.kind.as_str())
    .bind(&message.subject)
    .bind(&message.body)
    .bind(&message.link)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(queued)
}

/// Queues `message` for one person of the organisation.
pub async fn queue_to_user(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    recipient_id: Uuid,
    message: &Message,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, organisation_id, recipient_id, kind, subject, body, link, created_at)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(organisation_id)
    .bind(recipient_id)
    .bind(message.kind.as_str())
    .bind(&message.subject)
    .bind(&message.body)
    .bind(&message.link)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A notification as the list shows it.
#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    /// Its kind, for people.
    pub fn kind_label(&self) -> &'static str {
        Kind::parse(&self.kind).map_or("Notification", Kind::label)
    }
}

/// A person's latest notifications, newest first.
pub async fn latest(
    db: impl PgExecutor<'_>,
    recipient_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<NotificationRow>> {
    sqlx::query_as(
        "SELECT id, kind, subject, body, link, created_at, read_at FROM notifications
          WHERE recipient_id = $1 ORDER BY created_at DESC, id LIMIT $2",
    )
    .bind(recipient_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Marks every notification of the actor read, with its audit entry when
/// any was unread; returns how many were.
pub async fn mark_all_read(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<u64> {
    let marked = sqlx::query(
        "UPDATE notifications SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL",
    )
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if marked > 0 {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::NOTIFICATIONS_READ,
                object_type: "user",
                object_id: actor.user_id,
                before: None,
                after: Some(serde_json::json!({ "marked": marked })),
            },
        )
        .await?;
    }
    Ok(marked)
}
