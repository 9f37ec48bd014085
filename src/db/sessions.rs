//! Sessions and failed-login records.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};
use uuid::Uuid;

use crate::domain::session_policy::FailureCounts;

/// A session joined with the facts about its user that every request needs.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    /// Session id (never the token).
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The synchronizer CSRF token of this session.
    pub csrf_token: String,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last use.
    pub last_seen_at: DateTime<Utc>,
    /// Pending flash message kind.
    pub flash_kind: Option<String>,
    /// Pending flash message.
    pub flash_message: Option<String>,
    /// The user's organisation.
    pub organisation_id: Uuid,
    /// The user's email.
    pub email: String,
    /// The user's name.
    pub display_name: String,
    /// Whether the user must change their password first.
    pub must_change_password: bool,
    /// Whether the user is disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// The kinds of the user's sitting seats.
    pub seat_kinds: Vec<String>,
}

/// Finds the session whose token hashes to `token_hash`.
pub async fn find_by_token_hash(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(
        "SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.flash_kind, s.flash_message,
                u.organisation_id, u.email, u.display_name, u.must_change_password, u.disabled_at,
                ARRAY(SELECT kind FROM seats WHERE user_id = u.id AND ended_at IS NULL) AS seat_kinds
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// The fields of a new session.
#[derive(Debug)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie token.
    pub token_hash: &'a [u8],
    /// The user.
    pub user_id: Uuid,
    /// CSRF token.
    pub csrf_token: &'a str,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
    /// Now.
    pub at: DateTime<Utc>,
}

/// Creates a session.
pub async fn insert(db: impl PgExecutor<'_>, new: NewSession<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO sessions (id, token_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(new.token_hash)
    .bind(new.user_id)
    .bind(new.csrf_token)
    .bind(new.at)
    .bind(new.ip)
    .bind(new.user_agent)
    .fetch_one(db)
    .await
}

/// Records a use of the session.
pub async fn touch(db: impl PgExecutor<'_>, id: Uuid, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a user except `keep`.
pub async fn delete_for_user(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> sqlx::Result<u64> {
    let result =
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2::uuid IS NULL OR id <> $2)")
            .bind(user_id)
            .bind(keep)
            .execute(db)
            .await?;
    Ok(result.rows_affected())
}

/// Leaves a message for the next page the session renders.
pub async fn set_flash(
    db: impl PgExecutor<'_>,
    id: Uuid,
    kind: &str,
    message: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET flash_kind = $2, flash_message = $3 WHERE id = $1")
        .bind(id)
        .bind(kind)
        .bind(message)
        .execute(db)
        .await?;
    Ok(())
}

/// Clears the flash message once shown.
pub async fn clear_flash(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET flash_kind = NULL, flash_message = NULL WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Recent failed sign-ins from `source`: for `email_key`, and for any account.
pub async fn failure_counts(
    db: impl PgExecutor<'_>,
    email_key: &str,
    source: &str,
    since: DateTime<Utc>,
) -> sqlx::Result<FailureCounts> {
    let (pair, pair_last, source, source_oldest) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE email_key = $1), max(failed_at) FILTER (WHERE email_key = $1),
                count(*), min(failed_at)
           FROM login_failures WHERE source = $2 AND failed_at > $3",
    )
    .bind(email_key)
    .bind(source)
    .bind(since)
    .fetch_one(db)
    .await?;
    Ok(FailureCounts {
        pair,
        pair_last,
        source,
        source_oldest,
    })
}

/// Records a failed sign-in.
pub async fn record_failure(
    db: impl PgExecutor<'_>,
    email_key: &str,
    source: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_failures (email_key, source, failed_at) VALUES ($1, $2, $3)")
        .bind(email_key)
        .bind(source)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets this source's failures for this account after it signs in.
pub async fn clear_failures(
    db: impl PgExecutor<'_>,
    email_key: &str,
    source: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email_key = $1 AND source = $2")
        .bind(email_key)
        .bind(source)
        .execute(db)
        .await?;
    Ok(())
}

/// Counts a wrong step-up password against the session; returns how many
/// there have been.
pub async fn add_stepup_failure(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "UPDATE sessions SET stepup_failures = stepup_failures + 1 WHERE id = $1
         RETURNING stepup_failures",
    )
    .bind(id)
    .fetch_optional(db)
    .await
    .map(|count| count.unwrap_or(i32::MAX))
}

/// Forgets the session's wrong step-up passwords after a right one.
pub async fn clear_stepup_failures(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET stepup_failures = 0 WHERE id = $1 AND stepup_failures > 0")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
