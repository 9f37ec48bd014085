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
