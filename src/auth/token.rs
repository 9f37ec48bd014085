//! Random secrets and their digests.

use rand::Rng;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the operating system's generator, as hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

/// The SHA-256 digest of a secret: what the database stores instead of it.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub use crate::domain::values::hex;

/// A one-time key for a decision form, bound to the version decided on and
/// the user deciding: a random nonce and a digest of the three. A key made
/// for another signer or version, or anything else, is not accepted.
pub fn decision_key(object_id: uuid::Uuid, user_id: uuid::Uuid) -> String {
    let nonce = random_hex(16);
    let binding = key_binding(&nonce, object_id, user_id);
    format!("{nonce}.{binding}")
}

/// Whether `key` is a decision key made by [`decision_key`] for this object and user.
pub fn is_decision_key(key: &str, object_id: uuid::Uuid, user_id: uuid::Uuid) -> bool {
    match key.split_once('.') {
        Some((nonce, binding))
            if nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            same_secret(binding, &key_binding(nonce, object_id, user_id))
        }
        _ => false,
    }
}

fn key_binding(nonce: &str, object_id: uuid::Uuid, user_id: uuid::Uuid) -> String {
    let digest = Sha256::digest(format!("tandem-decision:{nonce}:{object_id}:{user_id}"));
    hex(&digest[..16])
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_differ_and_have_the_right_length() {
        let a = random_hex(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32));
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn decision_keys_are_bound_to_object_and_user() {
        let (version, user, other) = (
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
        );
        let key = decision_key(version, user);
        assert_eq!(key.len(), 65);
        assert!(is_decision_key(&key, version, user));
        assert!(!is_decision_key(&key, version, other));
        assert!(!is_decision_key(&key, other, user));
        assert!(!is_decision_key(&"a".repeat(5000), version, user));
        assert!(!is_decision_key("", version, user));
        assert_ne!(key, decision_key(version, user));
    }

    #[test]
    fn digests_and_comparisons() {
        assert_eq!(hex(&digest("abc"))[..8], *"ba7816bf");
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
