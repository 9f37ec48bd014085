//! One-time form keys (migration 0012): claimed in the transaction of the
//! write they guard, so a resent form records nothing twice.

use sqlx::PgConnection;
use uuid::Uuid;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this transaction's: go on and write.
    Fresh,
    /// The form was sent before and its write committed; here is what it recorded.
    Spent {
        /// The page of the recorded thing ('' when it has none).
        recorded_url: String,
    },
}

/// Claims `key` for `user_id`. A concurrent claim of the same key waits for
/// this transaction to end: if it commits, that claim finds the key spent;
/// if it rolls back, that claim is fresh.
pub async fn claim(conn: &mut PgConnection, user_id: Uuid, key: Uuid) -> sqlx::Result<Claim> {
    sqlx::query(
        "DELETE FROM form_keys WHERE user_id = $1 AND claimed_at < now() - interval '7 days'",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let fresh = sqlx::query(
        "INSERT INTO form_keys (user_id, key) VALUES ($1, $2)
         ON CONFLICT ON CONSTRAINT form_keys_pkey DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if fresh {
        return Ok(Claim::Fresh);
    }
    let recorded_url: String =
        sqlx::query_scalar("SELECT recorded_url FROM form_keys WHERE user_id = $1 AND key = $2")
            .bind(user_id)
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Claim::Spent { recorded_url })
}

/// Notes where the record made under a claimed key can be seen.
pub async fn recorded(
    conn: &mut PgConnection,
    user_id: Uuid,
    key: Uuid,
    url: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE form_keys SET recorded_url = $3 WHERE user_id = $1 AND key = $2")
        .bind(user_id)
        .bind(key)
        .bind(url)
        .execute(conn)
        .await?;
    Ok(())
}
