//! One-click unsubscribe (RFC 8058): each message a reader may switch off
//! carries a link naming the reader and the kind, signed with a key only
//! tandem holds, so the link works without a session and nobody can forge
//! one for someone else. It switches that one kind off; nothing more.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::notify::Kind;

/// The signature of `(user, kind)` under `key`: 32 hex digits.
pub fn tag(key: &[u8], user_id: Uuid, kind: Kind) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("tandem-unsubscribe:{user_id}:{}", kind.as_str()).as_bytes());
    crate::domain::values::hex(&mac.finalize().into_bytes()[..16])
}

/// Whether `tag` signs `(user, kind)` under `key`.
pub fn verify(key: &[u8], user_id: Uuid, kind: Kind, tag: &str) -> bool {
    crate::auth::token::same_secret(tag, &self::tag(key, user_id, kind))
}

/// The name of the key in `server_keys`.
pub const KEY: &str = "unsubscribe";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_key_holder_signs_a_link_and_it_names_one_reader_and_kind() {
        let (key, other_key) = ([1u8; 32], [2u8; 32]);
        let (reader, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let signed = tag(&key, reader, Kind::Digest);
        assert_eq!(signed.len(), 32);
        assert!(verify(&key, reader, Kind::Digest, &signed));
        assert!(!verify(&other_key, reader, Kind::Digest, &signed));
        assert!(!verify(&key, other, Kind::Digest, &signed));
        assert!(!verify(&key, reader, Kind::UpdateDue, &signed));
        assert!(!verify(&key, reader, Kind::Digest, ""));
    }
}
