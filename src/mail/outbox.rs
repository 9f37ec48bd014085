//! The delivery loop: each `tandem serve` wakes when a message is queued
//! (PostgreSQL `NOTIFY` at commit) or every few seconds (for reminders
//! falling due), claims what is due, and hands it to the [`Mailer`].
//! Several instances share the work without sending anything twice (see
//! [`crate::db::outbox`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::letter::{self, Letter};
use super::{Mailer, unsubscribe};
use crate::clock::Clock;
use crate::db::outbox::{self, Claimed, Outcome};
use crate::domain::notify::{Choice, Kind};
use crate::domain::zone;

/// How many messages one claim takes (see [`outbox::LEASE`]).
pub const BATCH: i64 = 5;
/// How often the loop looks for due reminders without being woken.
const POLL: Duration = Duration::from_secs(5);
/// The channel the outbox trigger notifies (migration 0018).
const CHANNEL: &str = "tandem_outbox";

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub held: usize,
}

/// Delivers every message due by `now`; `key` signs unsubscribe links.
pub async fn deliver_due(
    pool: &PgPool,
    mailer: &Mailer,
    key: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Report> {
    let mut report = Report::default();
    loop {
        let claimed = outbox::claim(pool, now, BATCH).await?;
        for message in &claimed {
            let outcome = deliver(pool, mailer, key, message, now).await;
            match &outcome {
                Outcome::Sent => report.sent += 1,
                Outcome::Retry { error, .. } => {
                    tracing::warn!(id = %message.id, error, "mail not delivered; will retry");
                    report.retried += 1;
                }
                Outcome::Failed(error) => {
                    tracing::error!(id = %message.id, error, "mail failed");
                    report.failed += 1;
                }
                Outcome::Held | Outcome::Withdrawn => report.held += 1,
            }
            outbox::settle(pool, message.id, &outcome, now).await?;
        }
        if claimed.len() < BATCH as usize {
            // Readers who take the digest and have none queued (new ones,
            // and those whose digest was just sent) get their next one.
            schedule_digests(pool, now).await?;
            return Ok(report);
        }
    }
}

/// Queues the next digest of every reader who takes one and has none
/// queued: at their day and hour, in their time zone.
async fn schedule_digests(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<()> {
    for reader in outbox::readers_without_digest(pool).await? {
        let zone = zone::parse_or_utc(reader.time_zone.as_deref());
        let day = zone::weekday(reader.digest_day).unwrap_or(chrono::Weekday::Mon);
        let hour = u32::try_from(reader.digest_hour).unwrap_or(8).min(23);
        let due = zone::next_weekly(now, zone, day, hour);
        outbox::queue_digest(pool, &reader, due, now).await?;
    }
    Ok(())
}

/// One attempt at one claimed message.
async fn deliver(
    pool: &PgPool,
    mailer: &Mailer,
    key: &[u8],
    message: &Claimed,
    now: DateTime<Utc>,
) -> Outcome {
    let Some(kind) = Kind::parse(&message.kind) else {
        return Outcome::Failed(format!("unknown kind {}", message.kind));
    };
    let choice = message
        .choice
        .as_deref()
        .and_then(Choice::parse)
        .unwrap_or(Choice::Now);
    let digest;
    let (subject, body) = if kind == Kind::Digest {
        if message.disabled || choice == Choice::Off {
            return Outcome::Withdrawn;
        }
        digest =
            match super::digest::compose(pool, message.organisation_id, message.recipient_id, now)
                .await
            {
                Ok(digest) => digest,
                Err(error) => {
                    return retry_or_fail(message, now, format!("writing the digest: {error}"));
                }
            };
        if let Err(error) =
            outbox::write_digest(pool, message.id, &digest.subject, &digest.body).await
        {
            return retry_or_fail(message, now, format!("writing the digest: {error}"));
        }
        (digest.subject.as_str(), digest.body.as_str())
    } else {
        if message.disabled || (!kind.is_fixed() && choice != Choice::Now) {
            return Outcome::Held;
        }
        (message.subject.as_str(), message.body.as_str())
    };
    let unsubscribe = (!kind.is_fixed()).then(|| {
        let tag = unsubscribe::tag(key, message.recipient_id, kind);
        crate::paths::unsubscribe(message.recipient_id, kind.as_str(), &tag)
    });
    let letter = Letter {
        id: message.id,
        kind,
        to_name: &message.display_name,
        to_email: &message.email,
        subject,
        body,
        link: &message.link,
        by_when: message.by_when,
        zone: zone::parse_or_utc(message.time_zone.as_deref()),
        date: message.due_at,
        unsubscribe,
    };
    let email = match letter::compose(mailer, &letter) {
        Ok(email) => email,
        Err(error) => return Outcome::Failed(error),
    };
    match mailer
        .send(pool, (message.id, message.organisation_id), &email, now)
        .await
    {
        Ok(()) => Outcome::Sent,
        Err(error) if error.permanent => Outcome::Failed(error.text),
        Err(error) => retry_or_fail(message, now, error.text),
    }
}

/// A transient failure: try again later, or give up after the last attempt.
fn retry_or_fail(message: &Claimed, now: DateTime<Utc>, error: String) -> Outcome {
    match outbox::backoff(message.attempts, now) {
        Some(at) => Outcome::Retry { at, error },
        None => Outcome::Failed(format!(
            "gave up after {} attempts: {error}",
            message.attempts
        )),
    }
}

/// Runs for the life of the process: delivers what is due whenever a
/// message is queued, and every few seconds.
pub async fn run(pool: PgPool, mailer: Arc<Mailer>, clock: Arc<dyn Clock>) {
    let key = loop {
        match unsubscribe_key(&pool).await {
            Ok(key) => break key,
            Err(error) => {
                tracing::debug!(%error, "mail delivery waits for the database");
                tokio::time::sleep(POLL).await;
            }
        }
    };
    let mut listener = listen(&pool).await;
    tracing::info!(smtp = mailer.is_smtp(), "mail delivery running");
    // An outage is logged when it begins and when it ends, not every pass.
    let mut failing = false;
    loop {
        match deliver_due(&pool, &mailer, &key, clock.now()).await {
            Err(error) if !failing => {
                tracing::warn!(%error, "mail delivery paused: the database does not answer");
                failing = true;
            }
            Err(_) => {}
            Ok(_) if failing => {
                tracing::info!("mail delivery resumed");
                failing = false;
            }
            Ok(_) => {}
        }
        match listener.as_mut() {
            Some(listener) => {
                tokio::select! {
                    woken = listener.recv() => if woken.is_err() { tokio::time::sleep(POLL).await },
                    () = tokio::time::sleep(POLL) => {}
                }
            }
            None => {
                tokio::time::sleep(POLL).await;
                listener = listen(&pool).await;
            }
        }
    }
}

/// The key that signs unsubscribe links: the same on every instance.
pub async fn unsubscribe_key(pool: &PgPool) -> sqlx::Result<Vec<u8>> {
    let mut candidate = [0u8; 32];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut candidate);
    crate::db::server_keys::get_or_create(pool, unsubscribe::KEY, &candidate).await
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}
