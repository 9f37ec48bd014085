//! API tokens: created by an administrator for one programme, stored as a
//! digest, revocable, with their last use.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};

/// A token as the administration page lists it.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    /// What it is for ("AI platform, production").
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// Who created it.
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A programme's tokens, newest first.
pub async fn list(db: impl PgExecutor<'_>, programme_id: Uuid) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT t.id, t.name, t.scope, (SELECT display_name FROM users WHERE id = t.created_by) AS created_by_name,
                t.created_at, t.revoked_at, t.last_used_at
           FROM api_tokens t WHERE t.programme_id = $1 ORDER BY t.created_at DESC",
    )
    .bind(programme_id)
    .fetch_all(db)
    .await
}

/// Creates a token under the digest of its secret.
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    name: &str,
    scope: &str,
    token_hash: &[u8],
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO api_tokens (id, organisation_id, programme_id, name, scope, token_hash, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(actor.organisation_id)
    .bind(programme_id)
    .bind(name)
    .bind(scope)
    .bind(token_hash)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::TOKEN_CREATE,
            object_type: "api_token",
            object_id: Some(id),
            before: None,
            after: Some(json!({ "programme": programme_id, "name": name, "scope": scope })),
        },
    )
    .await?;
    Ok(id)
}

/// Revokes a token of the programme; `false` if there is no live one.
pub async fn revoke(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    token_id: Uuid,
) -> sqlx::Result<bool> {
    let revoked = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND programme_id = $2 AND revoked_at IS NULL",
    )
    .bind(token_id)
    .bind(programme_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if revoked {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::TOKEN_REVOKE,
                object_type: "api_token",
                object_id: Some(token_id),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    Ok(revoked)
}

/// A token that authenticated a request.
#[derive(Debug, Clone, FromRow)]
pub struct Authenticated {
    /// The token's id.
    pub id: Uuid,
    pub name: String,
    pub organisation_id: Uuid,
    /// The one programme it reaches.
    pub programme_id: Uuid,
    /// `read` or `write`.
    pub scope: String,
}

/// Finds a live token by its digest and records its use, in one statement.
pub async fn authenticate(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Authenticated>> {
    sqlx::query_as(
        "UPDATE api_tokens SET last_used_at = $2
          WHERE token_hash = $1 AND revoked_at IS NULL
          RETURNING id, name, organisation_id, programme_id, scope",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// A value a token wrote through the API, for the token's own audit entry
/// (beside the value's entry, which names no user).
#[derive(Debug, Clone, Copy)]
pub struct ValueWrite<'a> {
    pub token_id: Uuid,
    pub token_name: &'a str,
    pub programme_id: Uuid,
    pub metric: &'a str,
    /// The period, as written.
    pub period: &'a str,
    pub value: f64,
    /// `created` or `corrected`.
    pub outcome: &'a str,
}

/// Records which token wrote a value.
pub async fn record_value_write(
    conn: &mut PgConnection,
    actor: &Actor,
    write: ValueWrite<'_>,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        actor,
        Change {
            action: actions::API_VALUE_WRITE,
            object_type: "api_token",
            object_id: Some(write.token_id),
            before: None,
            after: Some(json!({
                "token": write.token_name, "programme": write.programme_id, "metric": write.metric,
                "period": write.period, "value": write.value, "outcome": write.outcome,
            })),
        },
    )
    .await
}
