//! Password hashing with argon2id (the crate's defaults meet OWASP's minimum).
//!
//! Hashing is deliberately slow, so it runs on the blocking thread pool.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

/// Hashes a password into a PHC string.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Hashes on the current thread (for the command line).
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))?;
    Ok(hash.to_string())
}

/// Checks `password` against an account's stored hash; an account without
/// one (invited, not joined yet) never matches, in the time a check takes.
pub async fn verify_stored(password: &str, hash: Option<&str>) -> bool {
    match hash {
        Some(hash) => verify(password, hash).await,
        None => {
            verify(password, decoy_hash()).await;
            false
        }
    }
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
pub async fn verify(password: &str, hash: &str) -> bool {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A valid hash of a random password, checked against when the account does
/// not exist so that an unknown email costs as much time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hash_blocking(&super::token::random_hex(16)).expect("hashing the decoy password")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip() {
        let hashed = hash("correct horse battery").await.unwrap();
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &hashed).await);
        assert!(!verify("correct horse battery!", &hashed).await);
        assert!(!verify("anything", "not a hash").await);
    }
}
