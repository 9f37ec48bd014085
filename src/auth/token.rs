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

/// A one-time key for a decision form: a random nonce and a digest of the
/// nonce, the object decided on and the user deciding. It is an idempotency
/// key, not a secret: the digest has no server key, so anyone can make a
/// valid one, but a key made for another object or user, or of any other
/// shape, is refused, and each key is stored once, so a form sent twice
/// decides once.
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

/// How long a sign-in form's token holds.
pub const LOGIN_TOKEN_SECONDS: i64 = 12 * 60 * 60;

/// A token for the sign-in form (which has no session to hold one): a
/// nonce, when it expires, and an HMAC of both under the server's key. Only
/// tandem can make one, so an attacker cannot choose the pair the form and
/// its cookie must repeat.
pub fn login_token(key: &[u8; 32], now: i64) -> String {
    let nonce = random_hex(16);
    let expires = now + LOGIN_TOKEN_SECONDS;
    let mac = login_mac(key, &nonce, expires);
    format!("{nonce}.{expires}.{mac}")
}

/// Whether `token` was made by [`login_token`] under `key` and still holds at `now`.
pub fn is_login_token(key: &[u8; 32], token: &str, now: i64) -> bool {
    let mut parts = token.split('.');
    let (Some(nonce), Some(expires), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return false;
    };
    nonce.len() == 32
        && nonce.bytes().all(|b| b.is_ascii_hexdigit())
        && now < expires
        && same_secret(mac, &login_mac(key, nonce, expires))
}

fn login_mac(key: &[u8; 32], nonce: &str, expires: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("tandem-login:{nonce}:{expires}").as_bytes());
    hex(&mac.finalize().into_bytes())
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
    fn login_tokens_are_made_only_by_the_key_holder_and_expire() {
        let key = [7u8; 32];
        let now = 1_800_000_000;
        let token = login_token(&key, now);
        assert!(is_login_token(&key, &token, now));
        assert!(is_login_token(&key, &token, now + LOGIN_TOKEN_SECONDS - 1));
        assert!(!is_login_token(&key, &token, now + LOGIN_TOKEN_SECONDS));
        assert!(!is_login_token(&[8u8; 32], &token, now));
        let (nonce, rest) = token.split_once('.').unwrap();
        let (_, mac) = rest.split_once('.').unwrap();
        let forged_expiry = format!("{nonce}.{}.{mac}", now + 10 * LOGIN_TOKEN_SECONDS);
        assert!(!is_login_token(&key, &forged_expiry, now));
        assert!(!is_login_token(&key, &random_hex(32), now));
        assert!(!is_login_token(&key, "", now));
    }

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
