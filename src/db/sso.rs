//! Single sign-on (migration 0026): each organisation's provider and e-mail
//! domains, the provider identities linked to accounts, and the sign-ins
//! begun and not yet back.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};

/// How long a sign-in begun at the provider may take to come back.
pub const ATTEMPT_LASTS: chrono::Duration = chrono::Duration::minutes(10);

/// An organisation's provider.
#[derive(Clone, FromRow)]
pub struct Provider {
    pub organisation_id: Uuid,
    pub issuer: String,
    pub client_id: String,
    /// Read only to talk to the provider: never rendered, logged or audited.
    pub client_secret: String,
    pub link_by_email: bool,
    pub create_accounts: bool,
    pub require_sso: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    /// The e-mail domains sent to it, sorted.
    pub domains: Vec<String>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("organisation_id", &self.organisation_id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[kept]")
            .field("domains", &self.domains)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// What the audit log keeps of the settings (never the secret).
    pub fn audit(&self) -> serde_json::Value {
        json!({
            "issuer": self.issuer,
            "client_id": self.client_id,
            "domains": self.domains,
            "link_by_email": self.link_by_email,
            "create_accounts": self.create_accounts,
            "require_sso": self.require_sso,
        })
    }
}

const SELECT: &str =
    "SELECT p.organisation_id, p.issuer, p.client_id, p.client_secret, p.link_by_email,
        p.create_accounts, p.require_sso, p.version, p.updated_at,
        coalesce((SELECT array_agg(d.domain ORDER BY d.domain) FROM sso_domains d
                   WHERE d.organisation_id = p.organisation_id), '{}') AS domains
   FROM sso_providers p";

/// The provider of an organisation, if it has one.
pub async fn provider(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
) -> sqlx::Result<Option<Provider>> {
    sqlx::query_as(&format!("{SELECT} WHERE p.organisation_id = $1"))
        .bind(organisation_id)
        .fetch_optional(db)
        .await
}

/// The provider an e-mail address's domain belongs to, if any.
pub async fn provider_for_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<Provider>> {
    let Some((_, domain)) = email.rsplit_once('@') else {
        return Ok(None);
    };
    sqlx::query_as(&format!(
        "{SELECT} JOIN sso_domains d ON d.organisation_id = p.organisation_id WHERE d.domain = $1"
    ))
    .bind(domain.to_lowercase())
    .fetch_optional(db)
    .await
}

/// Whether a person may sign in without the organisation's provider (with
/// a password or a passkey).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithoutProvider {
    /// Yes: the organisation does not require single sign-on.
    Allowed,
    /// Yes, as an administrator's way in when the provider fails (audited).
    BreakGlass,
    /// No: single sign-on is required.
    Refused,
}

/// [`WithoutProvider`] for a user, in one statement.
pub async fn without_provider(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<WithoutProvider> {
    let (required, admin): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM sso_providers WHERE organisation_id = $1 AND require_sso),
                EXISTS (SELECT 1 FROM seats WHERE user_id = $2 AND kind = 'admin' AND ended_at IS NULL)",
    )
    .bind(organisation_id)
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(match (required, admin) {
        (false, _) => WithoutProvider::Allowed,
        (true, true) => WithoutProvider::BreakGlass,
        (true, false) => WithoutProvider::Refused,
    })
}

/// The settings an administrator saves.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// A new secret; `None` keeps the stored one.
    pub client_secret: Option<&'a str>,
    pub domains: &'a [String],
    pub link_by_email: bool,
    pub create_accounts: bool,
    pub require_sso: bool,
}

/// Why settings were not saved.
#[derive(Debug)]
pub enum SaveRefused {
    /// Someone saved since the form was read.
    Stale,
    /// A domain belongs to another organisation's provider.
    DomainTaken(String),
}

/// Saves an organisation's provider (`version` 0 for the first time),
/// audited, in the caller's transaction.
pub async fn save(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    version: i32,
    settings: &Settings<'_>,
) -> sqlx::Result<Result<Provider, SaveRefused>> {
    let before = provider(&mut *conn, organisation_id).await?;
    let saved = match &before {
        None if version == 0 => {
            let Some(secret) = settings.client_secret else {
                return Ok(Err(SaveRefused::Stale));
            };
            sqlx::query(
                "INSERT INTO sso_providers (organisation_id, issuer, client_id, client_secret,
                        link_by_email, create_accounts, require_sso, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            )
            .bind(organisation_id)
            .bind(settings.issuer)
            .bind(settings.client_id)
            .bind(secret)
            .bind(settings.link_by_email)
            .bind(settings.create_accounts)
            .bind(settings.require_sso)
            .bind(actor.at)
            .bind(actor.user_id)
            .execute(&mut *conn)
            .await?
        }
        Some(_) => {
            sqlx::query(
                "UPDATE sso_providers SET issuer = $3, client_id = $4,
                        client_secret = coalesce($5, client_secret), link_by_email = $6,
                        create_accounts = $7, require_sso = $8, updated_at = $9, updated_by = $10,
                        version = version + 1
                  WHERE organisation_id = $1 AND version = $2",
            )
            .bind(organisation_id)
            .bind(version)
            .bind(settings.issuer)
            .bind(settings.client_id)
            .bind(settings.client_secret)
            .bind(settings.link_by_email)
            .bind(settings.create_accounts)
            .bind(settings.require_sso)
            .bind(actor.at)
            .bind(actor.user_id)
            .execute(&mut *conn)
            .await?
        }
        None => return Ok(Err(SaveRefused::Stale)),
    };
    if saved.rows_affected() != 1 {
        return Ok(Err(SaveRefused::Stale));
    }
    let taken: Option<String> = sqlx::query_scalar(
        "SELECT domain FROM sso_domains WHERE domain = ANY($1) AND organisation_id <> $2 ORDER BY domain LIMIT 1",
    )
    .bind(settings.domains)
    .bind(organisation_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(domain) = taken {
        return Ok(Err(SaveRefused::DomainTaken(domain)));
    }
    sqlx::query("DELETE FROM sso_domains WHERE organisation_id = $1")
        .bind(organisation_id)
        .execute(&mut *conn)
        .await?;
    // Another organisation saving the same domain at this moment loses on
    // the primary key.
    let inserted = sqlx::query(
        "INSERT INTO sso_domains (domain, organisation_id) SELECT unnest($1::text[]), $2",
    )
    .bind(settings.domains)
    .bind(organisation_id)
    .execute(&mut *conn)
    .await;
    match inserted {
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("sso_domains_pkey") => {
            return Ok(Err(SaveRefused::DomainTaken(String::new())));
        }
        other => other?,
    };
    let after = provider(&mut *conn, organisation_id)
        .await?
        .expect("the provider just saved");
    let mut recorded = after.audit();
    recorded["secret_changed"] = json!(settings.client_secret.is_some());
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SSO_SETTINGS,
            object_type: "sso_provider",
            object_id: Some(organisation_id),
            before: before.as_ref().map(Provider::audit),
            after: Some(recorded),
        },
    )
    .await?;
    Ok(Ok(after))
}

/// A sign-in begun at the provider.
#[derive(Debug, Clone, FromRow)]
pub struct Attempt {
    pub browser_hash: Vec<u8>,
    pub organisation_id: Uuid,
    pub issuer: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next: String,
    /// For a step-up: the session it confirms.
    pub session_id: Option<Uuid>,
    /// For joining: the invitation it uses.
    pub invitation_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// A sign-in to keep until the browser returns.
#[derive(Debug)]
pub struct NewAttempt<'a> {
    pub state_hash: &'a [u8],
    pub browser_hash: &'a [u8],
    pub organisation_id: Uuid,
    pub issuer: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub next: &'a str,
    pub session_id: Option<Uuid>,
    pub invitation_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Keeps a sign-in begun, and forgets those long past.
pub async fn begin_attempt(conn: &mut PgConnection, new: NewAttempt<'_>) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sso_attempts WHERE expires_at < $1 - interval '1 day'")
        .bind(new.at)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO sso_attempts (state_hash, browser_hash, organisation_id, issuer, nonce,
                pkce_verifier, next, session_id, created_at, expires_at, invitation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new.state_hash)
    .bind(new.browser_hash)
    .bind(new.organisation_id)
    .bind(new.issuer)
    .bind(new.nonce)
    .bind(new.pkce_verifier)
    .bind(new.next)
    .bind(new.session_id)
    .bind(new.at)
    .bind(new.at + ATTEMPT_LASTS)
    .bind(new.invitation_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The sign-in whose `state` hashes to `state_hash`, marked used in the
/// caller's transaction (`used_at` in the answer is the earlier use, if any).
pub async fn use_attempt(
    conn: &mut PgConnection,
    state_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Attempt>> {
    let attempt: Option<Attempt> = sqlx::query_as(
        "SELECT browser_hash, organisation_id, issuer, nonce, pkce_verifier, next, session_id,
                invitation_id, expires_at, used_at
           FROM sso_attempts WHERE state_hash = $1 FOR UPDATE",
    )
    .bind(state_hash)
    .fetch_optional(&mut *conn)
    .await?;
    if attempt.as_ref().is_some_and(|a| a.used_at.is_none()) {
        sqlx::query("UPDATE sso_attempts SET used_at = $2 WHERE state_hash = $1")
            .bind(state_hash)
            .bind(now)
            .execute(conn)
            .await?;
    }
    Ok(attempt)
}

/// The account a provider's user is linked to, with its organisation.
pub async fn linked_user(
    db: impl PgExecutor<'_>,
    issuer: &str,
    subject: &str,
) -> sqlx::Result<Option<(Uuid, Uuid)>> {
    sqlx::query_as(
        "SELECT user_id, organisation_id FROM sso_identities WHERE issuer = $1 AND subject = $2",
    )
    .bind(issuer)
    .bind(subject)
    .fetch_optional(db)
    .await
}

/// Whether the account is linked to some user of this issuer already.
pub async fn is_linked_at(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    issuer: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sso_identities WHERE user_id = $1 AND issuer = $2)",
    )
    .bind(user_id)
    .bind(issuer)
    .fetch_one(db)
    .await
}

/// The provider identities linked to an account: (issuer, subject).
pub async fn identities_of(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT issuer, subject FROM sso_identities WHERE user_id = $1 ORDER BY issuer, subject",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Unlinks every provider identity of an account, audited: their next
/// sign-in at the provider links again only as the settings allow.
pub async fn unlink_all(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
) -> sqlx::Result<usize> {
    let removed: Vec<(String, String)> =
        sqlx::query_as("DELETE FROM sso_identities WHERE user_id = $1 RETURNING issuer, subject")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    if !removed.is_empty() {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::SSO_UNLINK,
                object_type: "user",
                object_id: Some(user_id),
                before: Some(json!({ "identities": removed })),
                after: None,
            },
        )
        .await?;
    }
    Ok(removed.len())
}

/// Links a provider's user to an account, audited.
pub async fn link(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
    organisation_id: Uuid,
    issuer: &str,
    subject: &str,
    how: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sso_identities (issuer, subject, organisation_id, user_id, linked_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(issuer)
    .bind(subject)
    .bind(organisation_id)
    .bind(user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SSO_LINK,
            object_type: "user",
            object_id: Some(user_id),
            before: None,
            after: Some(json!({ "issuer": issuer, "subject": subject, "by": how })),
        },
    )
    .await
}

/// Records a sign-in through the provider (the session itself is started
/// by the caller, in the same transaction).
pub async fn signed_in(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
    issuer: &str,
    subject: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sso_identities SET last_sign_in_at = $3 WHERE issuer = $1 AND subject = $2",
    )
    .bind(issuer)
    .bind(subject)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SSO_SIGN_IN,
            object_type: "user",
            object_id: Some(user_id),
            before: None,
            after: Some(json!({ "issuer": issuer, "subject": subject })),
        },
    )
    .await
}

/// Records a refused sign-in and why.
pub async fn refused(
    conn: &mut PgConnection,
    actor: &Actor,
    reason: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SSO_REFUSED,
            object_type: "sso_provider",
            object_id: actor.organisation_id,
            before: None,
            after: Some(json!({ "reason": reason, "detail": detail })),
        },
    )
    .await
}

/// Records an administrator's password sign-in although single sign-on is
/// required.
pub async fn break_glass(
    conn: &mut PgConnection,
    actor: &Actor,
    user_id: Uuid,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SSO_BREAK_GLASS,
            object_type: "user",
            object_id: Some(user_id),
            before: None,
            after: Some(json!({ "signed_in_with": "password" })),
        },
    )
    .await
}
