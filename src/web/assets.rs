//! Static assets, embedded in the binary and served with a content hash in
//! their URL so browsers may cache them for good.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::auth::token;

const CSS: &str = include_str!("../../static/css/tandem.css");

/// `path?v=` the first 12 hex digits of the SHA-256 of `content`.
fn versioned(path: &str, content: &str) -> String {
    format!("{path}?v={}", &token::hex(&token::digest(content))[..12])
}

/// An asset whose URL changes with its content: cached for good.
fn immutable(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// The stylesheet's URL, versioned by a hash of its content.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| versioned("/static/tandem.css", CSS))
}

/// GET /static/tandem.css
pub async fn css() -> Response {
    immutable(CSS, "text/css; charset=utf-8")
}

const PASSKEYS_JS: &str = include_str!("../../static/js/passkeys.js");

/// The passkeys script's URL, versioned by a hash of its content.
pub fn passkeys_js_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| versioned(crate::paths::PASSKEYS_JS, PASSKEYS_JS))
}

/// GET /static/passkeys.js
pub async fn passkeys_js() -> Response {
    immutable(PASSKEYS_JS, "text/javascript; charset=utf-8")
}

const FAVICON: &str = include_str!("../../static/favicon.svg");

/// GET /favicon.ico and /static/favicon.svg: the tab icon (an SVG, which
/// every current browser accepts under either name).
pub async fn favicon() -> Response {
    let mut response = FAVICON.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}
