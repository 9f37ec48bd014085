//! What the passkey ceremonies' JSON endpoints share (Account → Passkeys
//! and signing in with a passkey): the browser's answer and the refusals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use webauthn_rs::prelude::PublicKeyCredential;

/// What the browser sends back at the end of an authentication.
#[derive(Debug, Deserialize)]
pub struct Asserted {
    /// The ceremony begun.
    pub ceremony: Uuid,
    pub credential: PublicKeyCredential,
}

/// A refusal, as JSON the script shows beside its button.
pub fn refused(status: StatusCode, words: &str) -> Response {
    (status, Json(json!({ "error": words }))).into_response()
}

/// Without a domain name, no ceremony (409: the request is fine, the way
/// tandem is reached is not).
pub fn unavailable() -> Response {
    refused(
        StatusCode::CONFLICT,
        "Passkeys are not available: tandem is not reached at a domain name.",
    )
}

/// The most characters of a passkey's name.
const MAX_NAME: usize = 80;

/// A passkey's name as typed, trimmed, or the words saying what is wrong
/// with it.
pub fn passkey_name(typed: &str) -> Result<String, &'static str> {
    let name = typed.trim();
    if name.is_empty() {
        Err("Give the passkey a name you will recognise, such as “Work laptop”.")
    } else if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        Err("A passkey's name is one line of at most 80 characters.")
    } else {
        Ok(name.to_owned())
    }
}
