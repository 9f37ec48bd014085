//! Sessions and failed-login records.

use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use crate::db::audit::{self, Actor, Change, actions};
use crate::domain::session_policy::FailureCounts;

/// A session joined with the facts about its user that every request needs.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    /// Session id (never the token).
    pub id: Uuid,
    pub user_id: Uuid,
    /// The synchronizer CSRF token of this session.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
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
    /// The newest entry of the organisation's audit chain (0 before any),
    /// kept on its row by the database: changes whenever anything in the
    /// organisation does.
    pub audit_head: i64,
    /// How many of the user's notifications are unread and due, up to
    /// [`UNREAD_KEPT`].
    pub unread: i64,
    /// The user's time zone (IANA name), if they chose one.
    pub time_zone: Option<String>,
}

/// How many unread notifications a session counts at most: the user's row
/// keeps the due times of the earliest this many (migration 0048).
pub const UNREAD_KEPT: i64 = 100;

/// The session whose token hashes to parameter `token`, joined with what
/// every request needs of its user (the seat kinds and time zone are kept
/// on the user's row by the writes, migration 0030, as are the due times
/// of their unread notifications, migration 0048); `now` (a parameter too)
/// decides which of those count: the ones due by then (the row keeps them
/// in order, so `width_bucket` counts them). The organisation's
/// audit head, which only the page cache keys on, is read with
/// `audit_head`; without it the column is 0 and one join is spared.
fn select(token: &str, now: &str, audit_head: bool) -> String {
    let (head, join) = if audit_head {
        (
            "o.audit_head",
            " JOIN organisations o ON o.id = u.organisation_id",
        )
    } else {
        ("0::int8 AS audit_head", "")
    };
    format!(
        "SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.flash_kind, s.flash_message,
                u.organisation_id, u.email, u.display_name, u.must_change_password, u.disabled_at,
                u.seat_kinds, {head},
                width_bucket({now}, u.unread_due)::int8 AS unread,
                u.time_zone
           FROM sessions s JOIN users u ON u.id = s.user_id{join}
          WHERE s.token_hash = {token}"
    )
}

/// Finds the session whose token hashes to `token_hash`, with the user's
/// notifications unread and due by `now`.
pub async fn find_by_token_hash(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<SessionRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| select("$1", "$2", true));
    sqlx::query_as(&SQL)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(db)
        .await
}

/// Whom a page is read for. A page's query names the organisation as `$2`;
/// for a viewer whose session is not looked up yet, the page's query looks
/// it up too, so the whole view costs one round trip.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A signed-in user's organisation, the session already found.
    Organisation(Uuid),
    /// The hash of the session cookie's token, and the clock's time.
    Cookie {
        token_hash: &'a [u8],
        now: DateTime<Utc>,
    },
}

/// What a page's query read: the page, and for a [`Who::Cookie`] the
/// session it found.
#[derive(Debug)]
pub struct Seen<T> {
    pub session: Option<SessionRow>,
    pub page: T,
}

impl Who<'_> {
    /// The page's query as this viewer runs it. `sql` selects one row from
    /// its `params` parameters, parameter number `organisation` being the
    /// organisation; for a cookie, the session's columns come first, that
    /// parameter is the token's hash, the organisation is the session's and
    /// the clock is one more parameter. No session, no row.
    fn sql(&self, sql: &str, organisation: usize, params: usize) -> String {
        match self {
            Who::Organisation(_) => sql.to_owned(),
            Who::Cookie { .. } => {
                let token = format!("${organisation}");
                format!(
                    "SELECT viewer.*, page.* FROM ({}) viewer CROSS JOIN LATERAL ({}) page",
                    select(&token, &format!("${}", params + 1), false),
                    replace_parameter(sql, &token, "viewer.organisation_id"),
                )
            }
        }
    }

    /// [`Who::sql`] of the statement `build` returns, built the first time
    /// the process needs it for this `name`, `shape` (which of the page's
    /// optional parts it reads) and kind of viewer, and kept for the life of
    /// the process: a page's statement is the same text for every view of
    /// its shape, and formatting its tens of kilobytes on every view cost
    /// more than decoding what it read.
    pub fn statement(
        &self,
        name: &'static str,
        shape: u32,
        organisation: usize,
        params: usize,
        build: impl FnOnce() -> String,
    ) -> &'static str {
        type Key = (&'static str, u32, bool);
        static STATEMENTS: LazyLock<RwLock<HashMap<Key, &'static str>>> =
            LazyLock::new(RwLock::default);
        let key = (name, shape, matches!(self, Who::Cookie { .. }));
        if let Some(sql) = STATEMENTS
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return sql;
        }
        // Leaked once per key: a handful of statements per page.
        let sql: &'static str =
            Box::leak(self.sql(&build(), organisation, params).into_boxed_str());
        STATEMENTS
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert(sql)
    }

    /// Binds the organisation's parameter: the organisation, or the
    /// token's hash.
    pub fn bind<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        match *self {
            Who::Organisation(id) => query.bind(id),
            Who::Cookie { token_hash, .. } => query.bind(token_hash.to_vec()),
        }
    }

    /// Binds what follows the page's own parameters (the clock, for a
    /// cookie).
    pub fn bind_last<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        match *self {
            Who::Organisation(_) => query,
            Who::Cookie { now, .. } => query.bind(now),
        }
    }

    /// The page read from `row`, with the session if this viewer is a
    /// cookie.
    pub fn seen<T>(&self, row: &PgRow, page: T) -> sqlx::Result<Seen<T>> {
        Ok(Seen {
            session: match self {
                Who::Organisation(_) => None,
                Who::Cookie { .. } => Some(SessionRow::from_row(row)?),
            },
            page,
        })
    }
}

/// `sql` with each `$n` parameter `name` (not `$n0`…) replaced by `with`.
fn replace_parameter(sql: &str, name: &str, with: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    while let Some(at) = rest.find(name) {
        let after = &rest[at + name.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(name);
        } else {
            out.push_str(with);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The fields of a new session.
#[derive(Debug)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie token.
    pub token_hash: &'a [u8],
    pub user_id: Uuid,
    pub csrf_token: &'a str,
    pub ip: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
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

/// Records a use of the session, and clears its one-time message once a
/// page shows it.
pub async fn touch(
    db: impl PgExecutor<'_>,
    id: Uuid,
    at: DateTime<Utc>,
    clear_flash: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $2,
                flash_kind = CASE WHEN $3 THEN NULL ELSE flash_kind END,
                flash_message = CASE WHEN $3 THEN NULL ELSE flash_message END
          WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(clear_flash)
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

/// Where a sign-in attempt came from and which account it named: the keys
/// failures are counted under.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The normalised e-mail address.
    pub email_key: &'a str,
    /// The client's source (address or network).
    pub source: &'a str,
}

/// Records a failed sign-in, counted against the attempt and audited with
/// the address as typed.
pub async fn login_failed(
    conn: &mut PgConnection,
    actor: &Actor,
    attempt: Attempt<'_>,
    as_typed: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_failures (email_key, source, failed_at) VALUES ($1, $2, $3)")
        .bind(attempt.email_key)
        .bind(attempt.source)
        .bind(actor.at)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::LOGIN_FAILED,
            object_type: "session",
            object_id: None,
            before: None,
            after: Some(json!({ "email": as_typed })),
        },
    )
    .await
}

/// Records a sign-in that was let in: this source's failures for the
/// account are forgotten and the sign-in is audited. The session row itself
/// is written by `auth::session::start`, in the same transaction.
pub async fn login_succeeded(
    conn: &mut PgConnection,
    actor: &Actor,
    attempt: Attempt<'_>,
    user_agent: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email_key = $1 AND source = $2")
        .bind(attempt.email_key)
        .bind(attempt.source)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::LOGIN,
            object_type: "user",
            object_id: actor.user_id,
            before: None,
            after: Some(json!({ "user_agent": user_agent })),
        },
    )
    .await
}

/// Signs a session out: the row is deleted and the sign-out audited.
pub async fn sign_out(
    conn: &mut PgConnection,
    actor: &Actor,
    session_id: Uuid,
) -> sqlx::Result<()> {
    delete(&mut *conn, session_id).await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::LOGOUT,
            object_type: "user",
            object_id: actor.user_id,
            before: None,
            after: None,
        },
    )
    .await
}

/// What a step-up password was re-entered for, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Purpose<'a> {
    /// The kind of object the action is about.
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
}

/// A wrong step-up password, counted against the session and audited
/// against what it was for; at `limit` failures the session is ended.
/// Returns how many there have been and whether the session ended.
pub async fn stepup_failed(
    conn: &mut PgConnection,
    actor: &Actor,
    session_id: Uuid,
    purpose: Purpose<'_>,
    limit: i32,
) -> sqlx::Result<(i32, bool)> {
    let failures = add_stepup_failure(&mut *conn, session_id).await?;
    let ended = failures >= limit;
    audit::record(
        &mut *conn,
        actor,
        Change {
            action: actions::STEPUP_FAILED,
            object_type: purpose.object_type,
            object_id: purpose.object_id,
            before: None,
            after: Some(json!({ "failures_in_session": failures, "session_ended": ended })),
        },
    )
    .await?;
    if ended {
        delete(conn, session_id).await?;
    }
    Ok((failures, ended))
}

/// Counts a wrong step-up password against the session; returns how many
/// there have been.
async fn add_stepup_failure(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<i32> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_is_replaced_but_not_a_longer_one_it_begins() {
        assert_eq!(
            replace_parameter("a = $2 AND b = $20 AND c = $2", "$2", "x.id"),
            "a = x.id AND b = $20 AND c = x.id"
        );
        assert_eq!(replace_parameter("$1", "$2", "x"), "$1");
    }

    #[test]
    fn a_page_read_for_a_cookie_finds_the_session_in_the_same_statement() {
        let page = "SELECT (SELECT body FROM t WHERE p = $1 AND o = $2) AS body";
        assert_eq!(Who::Organisation(Uuid::nil()).sql(page, 2, 2), page);
        let folded = Who::Cookie {
            token_hash: b"",
            now: Utc::now(),
        }
        .sql(page, 2, 2);
        assert!(folded.contains("s.token_hash = $2"), "{folded}");
        assert!(
            folded.contains("width_bucket($3, u.unread_due)"),
            "{folded}"
        );
        assert!(folded.contains("o = viewer.organisation_id"), "{folded}");
        assert!(!folded.contains("o = $2"), "{folded}");
    }
}
