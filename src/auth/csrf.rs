//! CSRF protection for every unsafe method, in one middleware.
//!
//! Signed-in requests carry the session's synchronizer token (a hidden
//! `csrf_token` field, or the `X-CSRF-Token` header). Before login there is
//! no session, so the login form uses a double-submit token that tandem
//! signs: a cookie the form must repeat, valid only if tandem made it
//! ([`super::token::login_token`]), so an attacker cannot plant a pair of
//! their choosing.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};

use super::cookies;
use super::session::Presented;
use super::token::{is_login_token, same_secret};
use crate::config::BODY_LIMIT;
use crate::error::AppError;
use crate::state::AppState;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// The header that may carry the token instead.
pub const HEADER: &str = "x-csrf-token";

/// Refuses an unsafe request whose token does not match (the answer is the
/// refusal); hands back any other.
pub async fn verify(state: &AppState, request: Request) -> Result<Request, Response> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || is_unsubscribe(request.uri().path())
    {
        return Ok(request);
    }
    let live = request
        .extensions()
        .get::<Arc<Presented>>()
        .and_then(|presented| presented.live());
    let expected = match live {
        Some(session) => Some(session.csrf_token.clone()),
        None => match cookies::read(request.headers(), cookies::LOGIN_CSRF) {
            Some(token) => match state.login_key().await {
                Ok(key) => is_login_token(key, &token, state.now().timestamp()).then_some(token),
                Err(error) => return Err(AppError::from(error).into_response()),
            },
            None => None,
        },
    };
    let Some(expected) = expected else {
        return Err(AppError::CsrfRejected.into_response());
    };
    let (request, provided) = match token_from(request).await {
        Ok(found) => found,
        Err(error) => return Err(error.into_response()),
    };
    match provided {
        Some(provided) if same_secret(&provided, &expected) => Ok(request),
        _ => Err(AppError::CsrfRejected.into_response()),
    }
}

/// One-click unsubscribe (RFC 8058) is posted by mail clients, without a
/// session or a token: its signed URL is its own proof (see
/// [`crate::web::unsubscribe`]).
fn is_unsubscribe(path: &str) -> bool {
    path.starts_with("/unsubscribe/")
}

/// Reads the token from the header, the query string, or a urlencoded body
/// (which is buffered and put back for the handler).
async fn token_from(request: Request) -> Result<(Request, Option<String>), AppError> {
    if let Some(value) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        let value = value.to_owned();
        return Ok((request, Some(value)));
    }
    if let Some(query) = request.uri().query()
        && let Some(value) = field(query.as_bytes())
    {
        return Ok((request, Some(value)));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let value = field(&bytes);
    Ok((Request::from_parts(parts, Body::from(bytes)), value))
}

fn field(urlencoded: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(urlencoded)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == FIELD)
        .map(|(_, value)| value)
}
