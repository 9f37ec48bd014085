//! One error type for the web layer, rendered as a helpful HTML page that
//! never leaks anything internal.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::pages::{ConflictPage, ErrorPage};

/// A result whose error renders as an error page.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What went wrong, as the user should hear it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: send to the login page, then back to `next`.
    #[error("login required")]
    LoginRequired {
        /// Where to return after login.
        next: String,
        /// Why the previous session ended (`idle` or `expired`), if it just did.
        ended: Option<&'static str>,
    },
    /// A password must be changed before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// The seat does not permit the action.
    #[error("forbidden")]
    Forbidden,
    /// No such page or object (or another organisation's).
    #[error("not found")]
    NotFound,
    /// The request was malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// An unsafe request without a valid CSRF token.
    #[error("CSRF check failed")]
    CsrfRejected,
    /// The record changed since the form was loaded.
    #[error("edit conflict")]
    Conflict(Box<ConflictPage>),
    /// The request body is too large.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The method is not served at this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The database is not reachable or not ready.
    #[error("service unavailable")]
    Unavailable,
    /// Anything else: logged with its cause, shown as a plain 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(%error, "database unavailable");
                AppError::Unavailable
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            AppError::LoginRequired { next, ended } => {
                let mut query = Vec::new();
                if let Some(ended) = ended {
                    query.push(format!("ended={ended}"));
                }
                if next != "/" && !next.is_empty() {
                    query.push(format!("next={}", urlencode(&next)));
                }
                let target = if query.is_empty() {
                    "/login".to_owned()
                } else {
                    format!("/login?{}", query.join("&"))
                };
                return Redirect::to(&target).into_response();
            }
            AppError::PasswordChangeRequired => {
                return Redirect::to(crate::web::paths::PASSWORD).into_response();
            }
            AppError::Conflict(page) => return page.into_response(),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not available to your seat",
                "Your seat in this organisation does not include this action. \
                 If you think it should, ask an administrator.",
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here. The link may be mistyped, or the page may belong to \
                 something you cannot see.",
            ),
            AppError::BadRequest(ref detail) => {
                tracing::info!(%detail, "bad request");
                (
                    StatusCode::BAD_REQUEST,
                    "Request not understood",
                    "The request could not be read. Go back, check what you entered and try again.",
                )
            }
            AppError::CsrfRejected => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was out of date or did not come from tandem, so nothing was saved. \
                 Go back, reload the page and try again.",
            ),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much data",
                "What you sent is larger than tandem accepts. Send less at a time.",
            ),
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Not allowed here",
                "This address does not accept that kind of request.",
            ),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "tandem cannot reach its database just now. Nothing was lost; try again in a minute.",
            ),
            AppError::Internal(ref error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "tandem hit an unexpected problem and nothing was saved. The error has been \
                     logged; try again, and tell your administrator if it keeps happening.",
                )
            }
        };
        let mut response = ErrorPage::new(status, title, message).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|encoded| encoded.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
