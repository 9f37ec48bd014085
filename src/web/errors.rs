//! Renders errors for their audience: an HTML page for people, a problem
//! document (RFC 9457, `application/problem+json`) for machines under
//! `/api/`. The error type itself knows nothing of either.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ErrorReport;
use crate::web::pages::{ErrorPage, render};

/// The path prefix of the machine interface.
pub const API_PREFIX: &str = "/api/";

/// Gives an error response its body, by route: a problem document for
/// `for_machines`, a page otherwise. Any other response is left as it is.
pub fn render_errors(for_machines: bool, mut response: Response) -> Response {
    let Some(report) = response.extensions_mut().remove::<ErrorReport>() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let mut rendered = if for_machines {
        problem(&report).into_response()
    } else {
        render(report.status, &ErrorPage::new(&report))
    };
    // Keep what the error set (Retry-After, cookies), take the new body's type.
    let content_type = rendered.headers_mut().remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(content_type) = content_type {
        parts.headers.insert(header::CONTENT_TYPE, content_type);
    }
    Response::from_parts(parts, rendered.into_body())
}

/// The problem document of an error.
pub fn problem(report: &ErrorReport) -> Response {
    let mut body = serde_json::json!({
        "type": "about:blank",
        "title": report.title,
        "status": report.status.as_u16(),
        "detail": report.detail,
    });
    if let Some(field) = &report.field {
        body["field"] = serde_json::Value::String(field.clone());
    }
    let mut response = (report.status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}
