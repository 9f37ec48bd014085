//! Organisations: the tenants.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgExecutor};
use uuid::Uuid;

/// An organisation.
#[derive(Debug, Clone, FromRow)]
pub struct Organisation {
    pub id: Uuid,
    /// Name, unique case-insensitively.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Finds an organisation by name, case-insensitively.
pub async fn find_by_name(
    db: impl PgExecutor<'_>,
    name: &str,
) -> sqlx::Result<Option<Organisation>> {
    sqlx::query_as("SELECT id, name, created_at FROM organisations WHERE lower(name) = lower($1)")
        .bind(name.trim())
        .fetch_optional(db)
        .await
}

/// Finds an organisation by id.
pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Organisation>> {
    sqlx::query_as("SELECT id, name, created_at FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Creates an organisation.
pub async fn insert(
    db: impl PgExecutor<'_>,
    name: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<Organisation> {
    sqlx::query_as(
        "INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)
         RETURNING id, name, created_at",
    )
    .bind(Uuid::new_v4())
    .bind(name.trim())
    .bind(at)
    .fetch_one(db)
    .await
}

/// Whether any user exists at all (first-run detection).
pub async fn any_user_exists(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(db)
        .await
}

/// How the organisation's signatories may confirm a signature, and how the
/// signing person can confirm it, in one read.
#[derive(Debug, Clone, Copy, Default, FromRow)]
pub struct SignOff {
    /// Only a passkey or a fresh sign-in at the provider will do.
    pub strong_required: bool,
    /// The person has a passkey.
    pub has_passkey: bool,
    /// The person's account is linked to the organisation's provider.
    pub has_provider: bool,
}

/// [`SignOff`] for `user_id` in `organisation_id`.
pub async fn sign_off(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<SignOff> {
    sqlx::query_as(
        "SELECT o.strong_sign_off AS strong_required,
                EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = $2) AS has_passkey,
                EXISTS (SELECT 1 FROM sso_identities i
                          JOIN sso_providers p ON p.organisation_id = i.organisation_id AND p.issuer = i.issuer
                         WHERE i.user_id = $2) AS has_provider
           FROM organisations o WHERE o.id = $1",
    )
    .bind(organisation_id)
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// Requires (or no longer requires) strong sign-off, audited.
pub async fn set_strong_sign_off(
    conn: &mut sqlx::PgConnection,
    actor: &super::audit::Actor,
    organisation_id: Uuid,
    required: bool,
) -> sqlx::Result<()> {
    let before: bool =
        sqlx::query_scalar("SELECT strong_sign_off FROM organisations WHERE id = $1 FOR UPDATE")
            .bind(organisation_id)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query("UPDATE organisations SET strong_sign_off = $2 WHERE id = $1")
        .bind(organisation_id)
        .bind(required)
        .execute(&mut *conn)
        .await?;
    super::audit::record(
        conn,
        actor,
        super::audit::Change {
            action: super::audit::actions::SIGN_OFF_POLICY,
            object_type: "organisation",
            object_id: Some(organisation_id),
            before: Some(serde_json::json!({ "strong_sign_off": before })),
            after: Some(serde_json::json!({ "strong_sign_off": required })),
        },
    )
    .await
}
