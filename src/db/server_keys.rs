//! Keys shared by every instance (migration 0013).

use sqlx::PgPool;

/// The key for `purpose`: `candidate` if none was stored yet, else the
/// stored one (whichever instance stored it first).
pub async fn get_or_create(
    pool: &PgPool,
    purpose: &str,
    candidate: &[u8; 32],
) -> sqlx::Result<Vec<u8>> {
    sqlx::query(
        "INSERT INTO server_keys (purpose, key) VALUES ($1, $2) ON CONFLICT (purpose) DO NOTHING",
    )
    .bind(purpose)
    .bind(candidate.as_slice())
    .execute(pool)
    .await?;
    sqlx::query_scalar("SELECT key FROM server_keys WHERE purpose = $1")
        .bind(purpose)
        .fetch_one(pool)
        .await
}
