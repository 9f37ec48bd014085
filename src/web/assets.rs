//! Static assets, embedded in the binary and served with a content hash in
//! their URL so browsers may cache them for good.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::auth::token;

const CSS: &str = include_str!("../../static/css/tandem.css");

/// The stylesheet's URL, versioned by a hash of its content.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        format!(
            "/static/tandem.css?v={}",
            &token::hex(&token::digest(CSS))[..12]
        )
    })
}

/// GET /static/tandem.css
pub async fn css() -> Response {
    let mut response = CSS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

const PASSKEYS_JS: &str = include_str!("../../static/js/passkeys.js");

/// The passkeys script's URL, versioned by a hash of its content.
pub fn passkeys_js_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        format!(
            "{}?v={}",
            crate::paths::PASSKEYS_JS,
            &token::hex(&token::digest(PASSKEYS_JS))[..12]
        )
    })
}

/// GET /static/passkeys.js
pub async fn passkeys_js() -> Response {
    let mut response = PASSKEYS_JS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
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
