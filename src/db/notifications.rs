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

/// When a message is due, and why it would be cancelled.
#[derive(Debug, Clone, Copy)]
pub struct Timing<'a> {
    /// When the event happened.
    pub at: DateTime<Utc>,
    /// When the message goes out and shows in the app (later for a reminder).
    pub due_at: DateTime<Utc>,
    /// The reminder's reason: [`cancel`] with it withdraws every message
    /// still waiting for it.
    pub reason: Option<&'a str>,
}

impl Timing<'_> {
    /// Due at once, never withdrawn.
    pub fn now(at: DateTime<Utc>) -> Self {
        Timing {
            at,
            due_at: at,
            reason: None,
        }
    }
}

impl<'a> Timing<'a> {
    /// Due at `due_at`, withdrawn when `reason` goes.
    pub fn later(at: DateTime<Utc>, due_at: DateTime<Utc>, reason: &'a str) -> Self {
        Timing {
            at,
            due_at,
            reason: Some(reason),
        }
    }
}

/// Queues `message` for whoever sits in `seat` of the organisation now.
/// Returns how many people it was queued for.
pub async fn queue_to_seat(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    seat: SeatKind,
    message: &Message,
    timing: Timing<'_>,
) -> sqlx::Result<u64> {
    queue_to_seats(conn, organisation_id, &[seat], message, timing).await
}

/// Queues `message` once for each person sitting in any of `seats` of the
/// organisation now (someone in two of them hears it once).
pub async fn queue_to_seats(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    seats: &[SeatKind],
    message: &Message,
    timing: Timing<'_>,
) -> sqlx::Result<u64> {
    let kinds: Vec<&str> = seats.iter().map(|seat| seat.as_str()).collect();
    let queued = sqlx::query(
        "INSERT INTO notifications (id, organisation_id, recipient_id, kind, subject, body, link,
                                    by_when, created_at, due_at, send_after, reason)
         SELECT gen_random_uuid(), $1, r.user_id, $3, $4, $5, $6, $7, $8, $9, $9, $10
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
    .bind(message.by_when)
    .bind(timing.at)
    .bind(timing.due_at)
    .bind(timing.reason)
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
    timing: Timing<'_>,
) -> sqlx::Result<()> {
    let recipient = [(recipient_id, timing.due_at)];
    insert_each(
        conn,
        organisation_id,
        &recipient,
        message,
        timing.at,
        timing.reason,
    )
    .await?;
    Ok(())
}

/// Queues `message` for each person sitting in any of `seats`, due at
/// `hour`:00 on `day` in each one's own time zone (the morning a weekly
/// update is due reads as the morning wherever its reader is), withdrawn
/// when `reason` goes.
#[allow(clippy::too_many_arguments)]
pub async fn queue_local(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    seats: &[SeatKind],
    message: &Message,
    at: DateTime<Utc>,
    (day, hour): (chrono::NaiveDate, u32),
    reason: &str,
) -> sqlx::Result<u64> {
    let kinds: Vec<&str> = seats.iter().map(|seat| seat.as_str()).collect();
    let recipients: Vec<(Uuid, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT s.user_id, ns.time_zone
           FROM seats s JOIN users u ON u.id = s.user_id
           LEFT JOIN notification_settings ns ON ns.user_id = s.user_id
          WHERE s.organisation_id = $1 AND s.kind = ANY($2) AND s.ended_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(organisation_id)
    .bind(&kinds)
    .fetch_all(&mut *conn)
    .await?;
    let each: Vec<(Uuid, DateTime<Utc>)> = recipients
        .into_iter()
        .map(|(user, zone)| {
            let zone = crate::domain::zone::parse_or_utc(zone.as_deref());
            (user, crate::domain::zone::at_local(day, hour, zone))
        })
        .collect();
    insert_each(conn, organisation_id, &each, message, at, Some(reason)).await
}

/// Inserts `message` once per (recipient, due time) of `each`.
async fn insert_each(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    each: &[(Uuid, DateTime<Utc>)],
    message: &Message,
    at: DateTime<Utc>,
    reason: Option<&str>,
) -> sqlx::Result<u64> {
    let (users, due): (Vec<Uuid>, Vec<DateTime<Utc>>) = each.iter().copied().unzip();
    Ok(sqlx::query(
        "INSERT INTO notifications (id, organisation_id, recipient_id, kind, subject, body, link,
                                    by_when, created_at, due_at, send_after, reason)
         SELECT gen_random_uuid(), $1, r.user_id, $4, $5, $6, $7, $8, $9, r.due_at, r.due_at, $10
           FROM unnest($2::uuid[], $3::timestamptz[]) AS r(user_id, due_at)",
    )
    .bind(organisation_id)
    .bind(&users)
    .bind(&due)
    .bind(message.kind.as_str())
    .bind(&message.subject)
    .bind(&message.body)
    .bind(&message.link)
    .bind(message.by_when)
    .bind(at)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Withdraws every message of the organisation still waiting to go out for
/// `reason` (the request was decided, the version signed or superseded, the
/// update sent). Returns how many.
pub async fn cancel(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    reason: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE notifications SET delivery = 'cancelled', lease_until = NULL
          WHERE reason = $2 AND delivery = 'queued' AND organisation_id = $1",
    )
    .bind(organisation_id)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected())
}

/// [`cancel`] for every reason starting with `prefix` (every signatory of a
/// superseded version).
pub async fn cancel_starting(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    prefix: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE notifications SET delivery = 'cancelled', lease_until = NULL
          WHERE starts_with(reason, $2) AND delivery = 'queued' AND organisation_id = $1",
    )
    .bind(organisation_id)
    .bind(prefix)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A notification as the list shows it.
#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub by_when: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    /// Its kind, for people.
    pub fn kind_label(&self) -> &'static str {
        Kind::parse(&self.kind).map_or("Notification", Kind::label)
    }

    /// When it was due, in the reader's zone.
    pub fn when(&self, zone: &chrono_tz::Tz) -> String {
        crate::domain::zone::moment(self.due_at, *zone)
    }

    /// The moment it is about, in the reader's zone.
    pub fn by(&self, zone: &chrono_tz::Tz) -> String {
        self.by_when
            .map(|by| crate::domain::zone::moment(by, *zone))
            .unwrap_or_default()
    }
}

/// A person's latest notifications that are due by `now`, newest first
/// (a reminder shows from its due time; a withdrawn one never).
pub async fn latest(
    db: impl PgExecutor<'_>,
    recipient_id: Uuid,
    now: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<NotificationRow>> {
    sqlx::query_as(
        "SELECT id, kind, subject, body, link, by_when, due_at, read_at FROM notifications
          WHERE recipient_id = $1 AND due_at <= $2 AND delivery <> 'cancelled'
          ORDER BY due_at DESC, id LIMIT $3",
    )
    .bind(recipient_id)
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Marks every notification of the actor read, with its audit entry when
/// any was unread; returns how many were.
pub async fn mark_all_read(conn: &mut PgConnection, actor: &Actor) -> sqlx::Result<u64> {
    let marked = sqlx::query(
        "UPDATE notifications SET read_at = $2
          WHERE recipient_id = $1 AND read_at IS NULL AND due_at <= $2 AND delivery <> 'cancelled'",
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

/// How one person hears of what (migration 0018); defaults until saved.
#[derive(Debug, Clone, FromRow)]
pub struct Settings {
    pub time_zone: String,
    /// Kind → `now` | `digest` | `off`.
    pub choices: sqlx::types::Json<std::collections::BTreeMap<String, String>>,
    /// The digest's day, 1 (Monday) to 7.
    pub digest_day: i16,
    /// The digest's hour, 0 to 23, in `time_zone`.
    pub digest_hour: i16,
    /// 0 until first saved.
    pub version: i32,
}

impl Settings {
    /// The choice for `kind` (fixed kinds always `Now`).
    pub fn choice(&self, kind: Kind) -> crate::domain::notify::Choice {
        use crate::domain::notify::Choice;
        if kind.is_fixed() {
            return Choice::Now;
        }
        self.choices
            .0
            .get(kind.as_str())
            .and_then(|c| Choice::parse(c))
            .unwrap_or(Choice::Now)
    }

    /// Whether the weekly digest goes out: by default for the CEO and the
    /// COO (`executive`), on request for everyone else.
    pub fn digest_on(&self, executive: bool) -> bool {
        match self
            .choices
            .0
            .get(Kind::Digest.as_str())
            .map(String::as_str)
        {
            Some(choice) => choice == "now",
            None => executive,
        }
    }
}

/// A person's settings (the defaults when never saved).
pub async fn settings(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Settings> {
    Ok(sqlx::query_as(
        "SELECT time_zone, choices, digest_day, digest_hour, version FROM notification_settings WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .unwrap_or_else(|| Settings {
        time_zone: "UTC".to_owned(),
        choices: sqlx::types::Json(Default::default()),
        digest_day: 1,
        digest_hour: 8,
        version: 0,
    }))
}

/// Saves a person's settings if they still stand at `version`, with the
/// audit entry; false when someone saved them meanwhile (a stale form).
pub async fn save_settings(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
    version: i32,
    new: &Settings,
) -> sqlx::Result<bool> {
    let before = settings(&mut *conn, user_id).await?;
    if before.version != version {
        return Ok(false);
    }
    let saved = sqlx::query(
        "INSERT INTO notification_settings (user_id, time_zone, choices, digest_day, digest_hour, version)
         VALUES ($1, $2, $3, $5, $6, 1)
         ON CONFLICT (user_id) DO UPDATE SET time_zone = $2, choices = $3, digest_day = $5, digest_hour = $6,
                version = notification_settings.version + 1
          WHERE notification_settings.version = $4",
    )
    .bind(user_id)
    .bind(&new.time_zone)
    .bind(&new.choices)
    .bind(version)
    .bind(new.digest_day)
    .bind(new.digest_hour)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if saved == 0 {
        return Ok(false);
    }
    audit::record(
        conn,
        actor,
        Change {
            action: actions::NOTIFICATION_SETTINGS,
            object_type: "user",
            object_id: Some(user_id),
            before: Some(
                serde_json::json!({"time_zone": before.time_zone, "choices": before.choices.0,
                "digest_day": before.digest_day, "digest_hour": before.digest_hour}),
            ),
            after: Some(
                serde_json::json!({"time_zone": new.time_zone, "choices": new.choices.0,
                "digest_day": new.digest_day, "digest_hour": new.digest_hour}),
            ),
        },
    )
    .await?;
    // The next digest is queued afresh, at the new day and hour (or not).
    if let Some(organisation_id) = actor.organisation_id {
        cancel(conn, organisation_id, &format!("digest:{user_id}")).await?;
    }
    Ok(true)
}

/// Switches one kind off for a person (one-click unsubscribe), with the
/// audit entry; false when it was already off.
pub async fn switch_off(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
    kind: Kind,
) -> sqlx::Result<bool> {
    let mut current = settings(&mut *conn, user_id).await?;
    if current.choice(kind) == crate::domain::notify::Choice::Off {
        return Ok(false);
    }
    let version = current.version;
    current
        .choices
        .0
        .insert(kind.as_str().to_owned(), "off".to_owned());
    save_settings(conn, actor, user_id, version, &current).await
}
