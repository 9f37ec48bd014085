//! Users.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};

/// A user, with the password hash; never rendered as is.
#[derive(Debug, Clone, FromRow)]
pub struct User {
    pub id: Uuid,
    /// The organisation the user belongs to.
    pub organisation_id: Uuid,
    /// Email as entered (unique case-insensitively).
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// argon2id PHC string; none for a person invited who has not set one
    /// yet.
    pub password_hash: Option<String>,
    /// Set for initial passwords chosen by an administrator.
    pub must_change_password: bool,
    /// When the account was disabled, if it is.
    pub disabled_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// What the audit log keeps of a user (never the password hash).
#[derive(Debug, Serialize)]
pub struct UserAudit<'a> {
    email: &'a str,
    display_name: &'a str,
    must_change_password: bool,
    disabled: bool,
}

impl User {
    /// The audit view of this user.
    pub fn audit(&self) -> serde_json::Value {
        serde_json::to_value(UserAudit {
            email: &self.email,
            display_name: &self.display_name,
            must_change_password: self.must_change_password,
            disabled: self.disabled_at.is_some(),
        })
        .unwrap_or_default()
    }
}

const COLUMNS: &str = "id, organisation_id, email, display_name, password_hash, must_change_password, \
                       disabled_at, version, created_at";

/// Finds a user by email, case-insensitively.
pub async fn find_by_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE lower(email) = lower($1)"
    ))
    .bind(email.trim())
    .fetch_optional(db)
    .await
}

/// Finds a user by id.
pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Finds a user of an organisation; users of other organisations are not found.
pub async fn find_in_org(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE id = $1 AND organisation_id = $2"
    ))
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// Locks a user of an organisation for update.
pub async fn lock_in_org(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE id = $1 AND organisation_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// A row of the admin user list.
#[derive(Debug, Clone, FromRow)]
pub struct Listed {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Whether the user still has an initial password.
    pub must_change_password: bool,
    /// Sitting seats, as labels ("CEO", "Approver (CFO)").
    pub seats: Vec<String>,
}

/// Every user of an organisation, with their sitting seats.
pub async fn list_in_org(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
) -> sqlx::Result<Vec<Listed>> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.disabled_at, u.must_change_password,
                COALESCE(array_agg(
                    CASE s.kind WHEN 'ceo' THEN 'CEO' WHEN 'coo' THEN 'COO'
                                WHEN 'approver' THEN 'Approver (' || s.title || ')'
                                WHEN 'exco' THEN 'ExCo member' WHEN 'admin' THEN 'Administrator' END
                    ORDER BY array_position(ARRAY['ceo','coo','approver','exco','admin'], s.kind)
                ) FILTER (WHERE s.id IS NOT NULL), '{}') AS seats
           FROM users u
           LEFT JOIN seats s ON s.user_id = u.id AND s.ended_at IS NULL
          WHERE u.organisation_id = $1
          GROUP BY u.id
          ORDER BY u.disabled_at IS NOT NULL, lower(u.display_name)",
    )
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// The fields of a new user.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub organisation_id: Uuid,
    pub email: &'a str,
    pub display_name: &'a str,
    /// argon2id hash; none for a person invited by e-mail, who sets their
    /// own.
    pub password_hash: Option<&'a str>,
    /// Whether the password must be changed at first login.
    pub must_change_password: bool,
    pub at: DateTime<Utc>,
}

/// The unique index on lower(email).
pub const EMAIL_TAKEN: &str = "users_email_key";

/// Creates a user. Fails with [`EMAIL_TAKEN`] when the address is in use.
pub async fn insert(db: impl PgExecutor<'_>, new: NewUser<'_>) -> sqlx::Result<User> {
    sqlx::query_as(&format!(
        "INSERT INTO users (id, organisation_id, email, display_name, password_hash, must_change_password, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING {COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(new.organisation_id)
    .bind(new.email)
    .bind(new.display_name)
    .bind(new.password_hash)
    .bind(new.must_change_password)
    .bind(new.at)
    .fetch_one(db)
    .await
}

/// Sets the password hash and whether it must be changed; bumps the version.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    id: Uuid,
    password_hash: &str,
    must_change_password: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = $3, version = version + 1 WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .bind(must_change_password)
    .execute(db)
    .await?;
    Ok(())
}

/// Who sets a password, and so what happens to the account's sessions.
#[derive(Debug, Clone, Copy)]
pub enum PasswordSetter {
    /// The user, re-entering the old one: the session they use stays, any
    /// other ends.
    Owner {
        /// The session to keep.
        session_id: Uuid,
    },
    /// An administrator: an initial password the user must change at the
    /// next sign-in; every session of the account ends.
    Administrator,
}

/// Replaces a user's password and ends the sessions it should end, with
/// its audit entry (the hash never goes into the log). Returns how many
/// sessions ended.
pub async fn replace_password(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
    password_hash: &str,
    setter: PasswordSetter,
) -> sqlx::Result<u64> {
    let (must_change, keep, action) = match setter {
        PasswordSetter::Owner { session_id } => {
            (false, Some(session_id), actions::USER_PASSWORD_CHANGE)
        }
        PasswordSetter::Administrator => (true, None, actions::USER_PASSWORD_RESET),
    };
    set_password(&mut *conn, user_id, password_hash, must_change).await?;
    let ended = super::sessions::delete_for_user(&mut *conn, user_id, keep).await?;
    audit::record(
        conn,
        actor,
        Change {
            action,
            object_type: "user",
            object_id: Some(user_id),
            before: None,
            after: Some(json!({ "must_change_password": must_change, "sessions_ended": ended })),
        },
    )
    .await?;
    Ok(ended)
}

/// Updates name, email and disabled state if the version still matches,
/// with its audit entry (a disabled account's sessions end). Returns the
/// updated user, or `None` when the version is stale.
pub async fn update_profile(
    conn: &mut PgConnection,
    actor: &Actor,
    before: &User,
    expected_version: i32,
    email: &str,
    display_name: &str,
    disabled_at: Option<DateTime<Utc>>,
) -> sqlx::Result<Option<User>> {
    let updated: Option<User> = sqlx::query_as(&format!(
        "UPDATE users SET email = $3, display_name = $4, disabled_at = $5, version = version + 1
          WHERE id = $1 AND version = $2
          RETURNING {COLUMNS}"
    ))
    .bind(before.id)
    .bind(expected_version)
    .bind(email)
    .bind(display_name)
    .bind(disabled_at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(updated) = updated else {
        return Ok(None);
    };
    // A disabled account is signed out everywhere at once.
    if updated.disabled_at.is_some() {
        super::sessions::delete_for_user(&mut *conn, updated.id, None).await?;
    }
    audit::record(
        conn,
        actor,
        Change {
            action: actions::USER_UPDATE,
            object_type: "user",
            object_id: Some(updated.id),
            before: Some(before.audit()),
            after: Some(updated.audit()),
        },
    )
    .await?;
    Ok(Some(updated))
}

/// Bumps the version if it still matches (a change to the user's seats or
/// password); false when the form was stale.
pub async fn bump_version(
    db: impl PgExecutor<'_>,
    id: Uuid,
    expected_version: i32,
) -> sqlx::Result<bool> {
    let result =
        sqlx::query("UPDATE users SET version = version + 1 WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(expected_version)
            .execute(db)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Creates a user and records it in the audit log, in the caller's
/// transaction. Fails with [`EMAIL_TAKEN`] when the address is in use.
pub async fn create(
    conn: &mut sqlx::PgConnection,
    actor: &super::audit::Actor,
    new: NewUser<'_>,
) -> sqlx::Result<User> {
    let user = insert(&mut *conn, new).await?;
    super::audit::record(
        conn,
        actor,
        super::audit::Change {
            action: crate::db::audit::actions::USER_CREATE,
            object_type: "user",
            object_id: Some(user.id),
            before: None,
            after: Some(user.audit()),
        },
    )
    .await?;
    Ok(user)
}
