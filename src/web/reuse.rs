//! Middleware: a signed-in page view whose page is already rendered under
//! the same key is answered from [`crate::page_cache`]; any other page is
//! rendered and, if it can be reused, kept.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::session::Presented;
use crate::error::AppError;
use crate::page_cache::{Key, Stored};
use crate::paths;
use crate::state::AppState;
use crate::web::once;

/// Whether the page at `path` is always rendered afresh: the account and
/// administration pages show sessions, tokens' last use and other facts
/// that change without an audit entry, and a verification page exists to
/// catch a change made around the application (which no audit entry
/// announces).
fn always_afresh(path: &str) -> bool {
    path.starts_with(paths::ACCOUNT_PREFIX)
        || path.starts_with(paths::ADMIN_PREFIX)
        || path.ends_with(paths::VERIFY_SUFFIX)
}

/// Serves a kept page, or renders one and keeps it.
pub async fn pages(state: &AppState, request: Request, next: Next) -> Response {
    // The key needs the session: with the cache on, it is looked up here
    // rather than with the page.
    if state.pages.is_on()
        && request.method() == Method::GET
        && let Some(presented) = request.extensions().get::<Arc<Presented>>()
        && let Err(error) = presented.find(state).await
    {
        return error.into_response();
    }
    let Some(key) = key(state, &request) else {
        return next.run(request).await;
    };
    if let Some(page) = state.pages.get(&key) {
        return serve(&page);
    }
    let boarding = state.pages.board(&key);
    let rendering = render(state, &key, request, next);
    match boarding.flight.get_or_try_init(|| rendering).await {
        Ok(page) => serve(page),
        // Not a page to keep (a redirect, an error): this request's own
        // answer; a request waiting on the same key renders its own.
        Err(response) => response,
    }
}

/// The kept page as a response; each one-time form key in it is fresh.
fn serve(page: &Stored) -> Response {
    let body = if page.once_at.is_empty() {
        Body::from(page.body.clone())
    } else {
        let mut body = page.body.to_vec();
        for &at in &page.once_at {
            body[at..at + once::KEY_LEN].copy_from_slice(once::fresh().as_bytes());
        }
        Body::from(body)
    };
    let mut response = Response::new(body);
    *response.headers_mut() = page.headers.clone();
    response
}

/// Renders the page and keeps it; `Err` carries a response that must not
/// be kept.
async fn render(
    state: &AppState,
    key: &Key,
    request: Request,
    next: Next,
) -> Result<Arc<Stored>, Response> {
    let response = next.run(request).await;
    let reusable = response.status() == StatusCode::OK
        && !response.headers().contains_key(SET_COOKIE)
        && response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if !reusable {
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|error| {
            AppError::Internal(anyhow::anyhow!("reading a rendered page: {error}")).into_response()
        })?;
    let page = Arc::new(Stored {
        headers: parts.headers,
        once_at: once::key_offsets(&body),
        body,
    });
    state.pages.put(key.clone(), Arc::clone(&page));
    Ok(page)
}

/// The key of a request whose page may be kept: a GET of a signed-in
/// session with no one-time message waiting (showing it clears it).
fn key(state: &AppState, request: &Request) -> Option<Key> {
    if !state.pages.is_on() || request.method() != Method::GET {
        return None;
    }
    let session = request.extensions().get::<Arc<Presented>>()?.live()?;
    let path = request.uri().path();
    if session.flash.is_some() || always_afresh(path) {
        return None;
    }
    let uri = request
        .uri()
        .path_and_query()
        .map_or(path, |whole| whole.as_str());
    Some(Key::new(
        session.id,
        session.audit_head,
        session.unread,
        state.now(),
        uri,
    ))
}
