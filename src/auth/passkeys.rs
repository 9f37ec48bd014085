//! Passkeys, the protocol side (SPEC §10): WebAuthn ceremonies by
//! `webauthn-rs` (maintained by the kanidm project). tandem is the relying
//! party named by the host of its public URL; browsers refuse an IP
//! address as one, so without a domain name (`localhost` will do on one
//! machine) passkeys are not offered.
//!
//! Every ceremony asks for user verification (a PIN, a fingerprint, the
//! device's unlock), so a passkey alone is both factors: it signs in, and
//! it confirms a signature as a re-typed password does.

use serde::{Serialize, de::DeserializeOwned};
use webauthn_rs::prelude::{
    AuthenticationResult, CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey,
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};
use webauthn_rs_proto::ResidentKeyRequirement;

/// How long a ceremony may take, from its challenge to its answer.
pub const CEREMONY_LASTS: chrono::Duration = chrono::Duration::minutes(5);

/// How long a passkey's confirmation of the session holds for the next
/// weighty action.
pub const CONFIRMATION_LASTS: chrono::Duration = chrono::Duration::minutes(5);

/// The relying party for tandem reached at `base_url`, or `None` when that
/// is not a domain name (an IP address cannot be a WebAuthn relying party).
pub fn relying_party(base_url: &str) -> Option<Webauthn> {
    let origin = Url::parse(base_url).ok()?;
    let host = origin.domain()?.to_owned();
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("tandem")
        .timeout(CEREMONY_LASTS.to_std().ok()?)
        .build()
        .ok()
}

/// Begins registering a passkey for a user. Passkeys are made discoverable
/// (resident), so that signing in needs no address typed first.
pub fn begin_registration(
    webauthn: &Webauthn,
    user_id: Uuid,
    email: &str,
    display_name: &str,
    existing: &[Passkey],
) -> Result<(CreationChallengeResponse, PasskeyRegistration), WebauthnError> {
    let exclude = existing.iter().map(|key| key.cred_id().clone()).collect();
    let (mut challenge, state) =
        webauthn.start_passkey_registration(user_id, email, display_name, Some(exclude))?;
    if let Some(selection) = challenge.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    Ok((challenge, state))
}

/// Finishes registering: the credential to keep.
pub fn finish_registration(
    webauthn: &Webauthn,
    answer: &RegisterPublicKeyCredential,
    state: &PasskeyRegistration,
) -> Result<Passkey, WebauthnError> {
    webauthn.finish_passkey_registration(answer, state)
}

/// Begins a sign-in with whichever passkey the person picks.
pub fn begin_sign_in(
    webauthn: &Webauthn,
) -> Result<(RequestChallengeResponse, DiscoverableAuthentication), WebauthnError> {
    let (mut challenge, state) = webauthn.start_discoverable_authentication()?;
    // A button asks, not the address field's autofill.
    challenge.mediation = None;
    Ok((challenge, state))
}

/// The user a sign-in's answer claims to be, and the credential it names
/// (checked by [`finish_sign_in`]).
pub fn claimed_user(answer: &PublicKeyCredential) -> Option<(Uuid, Vec<u8>)> {
    let user = answer
        .get_user_unique_id()
        .and_then(|id| Uuid::from_slice(id).ok())?;
    Some((user, answer.get_credential_id().to_vec()))
}

/// Finishes a sign-in against the claimed user's passkeys.
pub fn finish_sign_in(
    webauthn: &Webauthn,
    answer: &PublicKeyCredential,
    state: DiscoverableAuthentication,
    keys: &[Passkey],
) -> Result<AuthenticationResult, WebauthnError> {
    let keys: Vec<DiscoverableKey> = keys.iter().map(DiscoverableKey::from).collect();
    webauthn.finish_discoverable_authentication(answer, state, &keys)
}

/// Begins confirming an action with one of the signed-in user's passkeys.
pub fn begin_confirmation(
    webauthn: &Webauthn,
    keys: &[Passkey],
) -> Result<(RequestChallengeResponse, PasskeyAuthentication), WebauthnError> {
    webauthn.start_passkey_authentication(keys)
}

/// Finishes a confirmation.
pub fn finish_confirmation(
    webauthn: &Webauthn,
    answer: &PublicKeyCredential,
    state: &PasskeyAuthentication,
) -> Result<AuthenticationResult, WebauthnError> {
    webauthn.finish_passkey_authentication(answer, state)
}

/// A ceremony's state as stored between its two requests.
pub fn to_stored(state: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(state).unwrap_or_default()
}

/// A stored ceremony state, if it is of the expected kind.
pub fn from_stored<T: DeserializeOwned>(stored: serde_json::Value) -> Option<T> {
    serde_json::from_value(stored).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relying_party_needs_a_domain_name() {
        assert!(relying_party("http://localhost:3000").is_some());
        assert!(relying_party("https://tandem.halden.example").is_some());
        assert!(relying_party("http://127.0.0.1:3000").is_none());
        assert!(relying_party("not a url").is_none());
    }
}
