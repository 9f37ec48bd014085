//! The outbox side of notifications (migration 0018): claiming due messages
//! for delivery with a lease, recording what the server answered, and the
//! administrator's view.
//!
//! Claiming locks the rows it takes (`FOR UPDATE SKIP LOCKED`) and writes a
//! lease on them in one statement, so two instances never take the same row;
//! a process that dies holding a lease only delays its rows until the lease
//! ends, when another claim takes them (same row, same `Message-ID`).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};

/// How long a claim keeps a row from other deliverers: long enough for a
/// batch to time out message by message (5 × 30 s), short enough that the
/// rows of a process that died go out within minutes.
pub const LEASE: Duration = Duration::minutes(3);
/// Attempts before a message counts as failed: with [`backoff`]'s waits,
/// about a day of trying.
pub const MAX_ATTEMPTS: i32 = 20;

/// A claimed message, with what writing it needs.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub recipient_id: Uuid,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub by_when: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    /// Attempts so far, this one included.
    pub attempts: i32,
    pub email: String,
    pub display_name: String,
    /// Whether the recipient's account is disabled.
    pub disabled: bool,
    pub time_zone: Option<String>,
    /// The recipient's choice for this kind, if they made one.
    pub choice: Option<String>,
}

/// Claims up to `limit` messages due by `now`, leasing them until `now + LEASE`.
pub async fn claim(
    db: impl PgExecutor<'_>,
    now: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    sqlx::query_as(
        "WITH due AS (
            SELECT n.id, u.email, u.display_name, u.disabled_at IS NOT NULL AS disabled,
                   s.time_zone, s.choices ->> n.kind AS choice
              FROM notifications n
              JOIN users u ON u.id = n.recipient_id
              LEFT JOIN notification_settings s ON s.user_id = n.recipient_id
             WHERE n.delivery = 'queued' AND n.send_after <= $1
               AND (n.lease_until IS NULL OR n.lease_until <= $1)
             ORDER BY n.send_after
             LIMIT $2
               FOR UPDATE OF n SKIP LOCKED)
         UPDATE notifications n SET lease_until = $3, attempts = n.attempts + 1
           FROM due WHERE n.id = due.id
         RETURNING n.id, n.organisation_id, n.recipient_id, n.kind, n.subject, n.body, n.link,
                   n.by_when, n.due_at, n.attempts, due.email, due.display_name, due.disabled,
                   due.time_zone, due.choice",
    )
    .bind(now)
    .bind(limit)
    .bind(now + LEASE)
    .fetch_all(db)
    .await
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// A transient failure: try again at `at`.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// A permanent failure, or a day of transient ones.
    Failed(String),
    /// Not e-mailed on its own, by the reader's choice (digest or off) or
    /// because their account is disabled.
    Held,
    /// No longer to go out at all (a digest its reader switched off).
    Withdrawn,
}

/// Records what became of a claimed message (nothing if it was withdrawn
/// meanwhile and not sent); a sent invitation loses its link's token.
pub async fn settle(
    db: impl PgExecutor<'_>,
    id: Uuid,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (delivery, send_after, error): (&str, Option<DateTime<Utc>>, Option<&str>) = match outcome {
        Outcome::Sent => ("sent", None, None),
        Outcome::Retry { at, error } => ("queued", Some(*at), Some(error)),
        Outcome::Failed(error) => ("failed", None, Some(error)),
        Outcome::Held => ("held", None, None),
        Outcome::Withdrawn => ("cancelled", None, None),
    };
    sqlx::query(
        "UPDATE notifications
            SET delivery = CASE WHEN $2 = 'sent' OR delivery = 'queued' THEN $2 ELSE delivery END,
                sent_at = CASE WHEN $2 = 'sent' THEN $5 ELSE sent_at END,
                send_after = coalesce($3, send_after), last_error = $4, lease_until = NULL,
                -- An invitation's link carries its token: once the message
                -- is out, the record keeps no usable copy.
                link = CASE WHEN $2 = 'sent' AND kind = 'invitation' THEN '/' ELSE link END
          WHERE id = $1",
    )
    .bind(id)
    .bind(delivery)
    .bind(send_after)
    .bind(error)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// When to try again after `attempts` transient failures: 30 s, doubling
/// up to 2 hours; `None` after [`MAX_ATTEMPTS`] (about a day).
pub fn backoff(attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(8);
    let wait = (Duration::seconds(30) * 2i32.pow(doublings)).min(Duration::hours(2));
    (attempts < MAX_ATTEMPTS).then_some(now + wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_thirty_seconds_and_stop_after_about_a_day() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(backoff(1, now), Some(now + Duration::seconds(30)));
        assert_eq!(backoff(2, now), Some(now + Duration::minutes(1)));
        assert_eq!(backoff(9, now), Some(now + Duration::hours(2)));
        assert_eq!(backoff(MAX_ATTEMPTS, now), None);
        let waited: Duration = (1..MAX_ATTEMPTS)
            .map(|n| backoff(n, now).unwrap() - now)
            .sum();
        assert!(
            waited > Duration::hours(23) && waited < Duration::hours(26),
            "{waited}"
        );
    }
}

/// A reader whose next digest is to be queued.
#[derive(Debug, Clone, FromRow)]
pub struct DigestReader {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub time_zone: Option<String>,
    /// 1 (Monday) to 7.
    pub digest_day: i16,
    /// 0 to 23.
    pub digest_hour: i16,
}

/// Readers who take the digest (by default the CEO and the COO) and have
/// no next one queued.
pub async fn readers_without_digest(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<DigestReader>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.organisation_id, s.time_zone,
                coalesce(s.digest_day, 1::smallint) AS digest_day,
                coalesce(s.digest_hour, 8::smallint) AS digest_hour
           FROM users u LEFT JOIN notification_settings s ON s.user_id = u.id
          WHERE u.disabled_at IS NULL
            AND coalesce(s.choices ->> 'digest',
                         CASE WHEN EXISTS (SELECT 1 FROM seats st WHERE st.user_id = u.id AND st.ended_at IS NULL
                                              AND st.kind IN ('ceo', 'coo'))
                              THEN 'now' ELSE 'off' END) = 'now'
            AND NOT EXISTS (SELECT 1 FROM notifications n
                             WHERE n.recipient_id = u.id AND n.kind = 'digest' AND n.delivery = 'queued')",
    )
    .fetch_all(db)
    .await
}

/// Queues a reader's next digest, due at `due_at` (once: a second instance
/// doing the same at the same moment adds nothing).
pub async fn queue_digest(
    db: impl PgExecutor<'_>,
    reader: &DigestReader,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, organisation_id, recipient_id, kind, subject, body, link,
                                    created_at, due_at, send_after, reason)
         VALUES (gen_random_uuid(), $1, $2, 'digest', 'Your week in tandem', 'Your weekly digest is being written.', '/',
                 $3, $4, $4, 'digest:' || $2::text)
         ON CONFLICT (recipient_id) WHERE kind = 'digest' AND delivery = 'queued' DO NOTHING",
    )
    .bind(reader.organisation_id)
    .bind(reader.user_id)
    .bind(now)
    .bind(due_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Writes a digest's text into its row (the app lists it too).
pub async fn write_digest(
    db: impl PgExecutor<'_>,
    id: Uuid,
    subject: &str,
    body: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET subject = $2, body = $3 WHERE id = $1")
        .bind(id)
        .bind(subject)
        .bind(body)
        .execute(db)
        .await?;
    Ok(())
}

/// A message as Administration → Mail lists it.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub recipient: String,
    pub due_at: DateTime<Utc>,
    pub delivery: String,
    pub attempts: i32,
    pub sent_at: Option<DateTime<Utc>>,
    pub send_after: DateTime<Utc>,
    pub last_error: Option<String>,
    /// Whether it landed in the local mailbox (then it can be read).
    pub in_mailbox: bool,
}

/// The organisation's latest messages, due by `now`, newest first; failed
/// ones whatever their age come first.
pub async fn latest(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    now: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as(
        "SELECT n.id, n.kind, n.subject, u.display_name || ' <' || u.email || '>' AS recipient,
                n.due_at, n.delivery, n.attempts, n.sent_at, n.send_after, n.last_error,
                EXISTS (SELECT 1 FROM mailbox m WHERE m.notification_id = n.id) AS in_mailbox
           FROM notifications n JOIN users u ON u.id = n.recipient_id
          WHERE n.organisation_id = $1 AND n.due_at <= $2
          ORDER BY n.delivery = 'failed' DESC, n.due_at DESC, n.id
          LIMIT $3",
    )
    .bind(organisation_id)
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// What retrying a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retried {
    Queued,
    /// It had not failed: its delivery state.
    NotFailed(String),
    Missing,
}

/// Queues a failed message of the organisation again, from now, with its
/// audit entry.
pub async fn retry(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> sqlx::Result<Retried> {
    let state: Option<String> = sqlx::query_scalar(
        "SELECT delivery FROM notifications WHERE id = $1 AND organisation_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(actor.organisation_id)
    .fetch_optional(&mut *conn)
    .await?;
    match state.as_deref() {
        None => return Ok(Retried::Missing),
        Some("failed") => {}
        Some(other) => return Ok(Retried::NotFailed(other.to_owned())),
    }
    let subject: Option<String> = sqlx::query_scalar(
        "UPDATE notifications SET delivery = 'queued', send_after = $3, attempts = 0, lease_until = NULL
          WHERE id = $1 AND organisation_id = $2 AND delivery = 'failed'
         RETURNING subject",
    )
    .bind(id)
    .bind(actor.organisation_id)
    .bind(actor.at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(subject) = subject else {
        return Ok(Retried::Missing);
    };
    audit::record(
        conn,
        actor,
        Change {
            action: actions::MAIL_RETRY,
            object_type: "notification",
            object_id: Some(id),
            before: Some(json!({"delivery": "failed"})),
            after: Some(json!({"delivery": "queued", "subject": subject})),
        },
    )
    .await?;
    Ok(Retried::Queued)
}
