//! Passkeys (migration 0027): each user's registered credentials, the
//! WebAuthn ceremonies under way, and a session's confirmation by passkey.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;
use webauthn_rs::prelude::Passkey;

use super::audit::{self, Actor, Change, actions};

/// A passkey as its owner's list shows it.
#[derive(Debug, Clone, FromRow)]
pub struct Listed {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A user's passkeys, newest first.
pub async fn list(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Vec<Listed>> {
    sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM passkeys
          WHERE user_id = $1 ORDER BY created_at DESC, id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// A user's credentials, for a ceremony (a record that no longer decodes
/// is left out: it can only be removed).
pub async fn credentials(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Vec<Passkey>> {
    let stored: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT passkey FROM passkeys WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(db)
            .await?;
    Ok(stored
        .into_iter()
        .filter_map(|value| serde_json::from_value(value).ok())
        .collect())
}

/// Keeps a new passkey, audited.
pub async fn register(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
    organisation_id: Uuid,
    name: &str,
    passkey: &Passkey,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO passkeys (id, organisation_id, user_id, credential_id, name, passkey, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(organisation_id)
    .bind(user_id)
    .bind(passkey.cred_id().as_ref())
    .bind(name)
    .bind(serde_json::to_value(passkey).unwrap_or_default())
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PASSKEY_REGISTER,
            object_type: "passkey",
            object_id: Some(id),
            before: None,
            after: Some(json!({ "name": name, "user_id": user_id })),
        },
    )
    .await?;
    Ok(id)
}

/// The name of one of the user's passkeys, locked until the transaction
/// ends; `None` if it is not theirs.
pub async fn lock(
    conn: &mut PgConnection,
    user_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM passkeys WHERE id = $1 AND user_id = $2 FOR UPDATE")
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// Renames a passkey locked by [`lock`], audited.
pub async fn rename(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
    before: &str,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE passkeys SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PASSKEY_RENAME,
            object_type: "passkey",
            object_id: Some(id),
            before: Some(json!({ "name": before })),
            after: Some(json!({ "name": name })),
        },
    )
    .await
}

/// Removes one of the user's passkeys, audited; false if it is not theirs.
pub async fn remove(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
    id: Uuid,
) -> sqlx::Result<bool> {
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(name) = name else {
        return Ok(false);
    };
    audit::record(
        conn,
        actor,
        Change {
            action: actions::PASSKEY_REMOVE,
            object_type: "passkey",
            object_id: Some(id),
            before: Some(json!({ "name": name })),
            after: None,
        },
    )
    .await?;
    Ok(true)
}

/// Removes every passkey of a user (an administrator's recovery for a lost
/// device), audited; how many there were.
pub async fn remove_all(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
) -> sqlx::Result<usize> {
    let names: Vec<String> =
        sqlx::query_scalar("DELETE FROM passkeys WHERE user_id = $1 RETURNING name")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    if !names.is_empty() {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::PASSKEY_REMOVE,
                object_type: "user",
                object_id: Some(user_id),
                before: Some(json!({ "passkeys": names })),
                after: None,
            },
        )
        .await?;
    }
    Ok(names.len())
}

/// After a passkey was used: its new signature counter and when.
pub async fn used(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    passkey: &Passkey,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE passkeys SET passkey = $3, last_used_at = $4 WHERE user_id = $1 AND credential_id = $2",
    )
    .bind(user_id)
    .bind(passkey.cred_id().as_ref())
    .bind(serde_json::to_value(passkey).unwrap_or_default())
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    Register,
    SignIn,
    Confirm,
}

impl Ceremony {
    fn as_str(self) -> &'static str {
        match self {
            Ceremony::Register => "register",
            Ceremony::SignIn => "sign_in",
            Ceremony::Confirm => "confirm",
        }
    }
}

/// Who began a ceremony: a session, or (signing in) a browser by the
/// digest of its sign-in cookie.
#[derive(Debug, Clone, Copy)]
pub enum BegunBy<'a> {
    Session(Uuid),
    Browser(&'a [u8]),
}

/// Keeps a ceremony's state (and forgets those long past); its id.
pub async fn begin(
    db: &sqlx::PgPool,
    kind: Ceremony,
    by: BegunBy<'_>,
    state: serde_json::Value,
    at: DateTime<Utc>,
    lasts: chrono::Duration,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    let (session, browser) = match by {
        BegunBy::Session(id) => (Some(id), None),
        BegunBy::Browser(hash) => (None, Some(hash)),
    };
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at < $1")
        .bind(at)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO passkey_ceremonies (id, kind, session_id, browser_hash, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(kind.as_str())
    .bind(session)
    .bind(browser)
    .bind(state)
    .bind(at)
    .bind(at + lasts)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes a ceremony's state, once: only by whoever began it, for the same
/// purpose, before it expires.
pub async fn take(
    db: impl PgExecutor<'_>,
    id: Uuid,
    kind: Ceremony,
    by: BegunBy<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<serde_json::Value>> {
    let (session, browser) = match by {
        BegunBy::Session(id) => (Some(id), None),
        BegunBy::Browser(hash) => (None, Some(hash)),
    };
    sqlx::query_scalar(
        "DELETE FROM passkey_ceremonies
          WHERE id = $1 AND kind = $2 AND expires_at > $5
            AND session_id IS NOT DISTINCT FROM $3 AND browser_hash IS NOT DISTINCT FROM $4
          RETURNING state",
    )
    .bind(id)
    .bind(kind.as_str())
    .bind(session)
    .bind(browser)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Marks the session confirmed (by a passkey or a fresh sign-in at the
/// provider), audited, for its next weighty action.
pub async fn confirm_session(
    conn: &mut PgConnection,
    actor: &Actor,
    session_id: Uuid,
    how: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET confirmed_at = $2 WHERE id = $1")
        .bind(session_id)
        .bind(actor.at)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SESSION_CONFIRM,
            object_type: "session",
            object_id: Some(session_id),
            before: None,
            after: Some(json!({ "by": how })),
        },
    )
    .await
}

/// Uses the session's confirmation if it is recent enough: true once.
pub async fn take_confirmation(
    db: impl PgExecutor<'_>,
    session_id: Uuid,
    since: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let taken =
        sqlx::query("UPDATE sessions SET confirmed_at = NULL WHERE id = $1 AND confirmed_at >= $2")
            .bind(session_id)
            .bind(since)
            .execute(db)
            .await?;
    Ok(taken.rows_affected() == 1)
}
