//! One error type for the whole app. Turned into a response it carries an
//! [`ErrorReport`] (status, title, explanation, the field at fault), and the
//! web layer renders that as an HTML page or as `application/problem+json`,
//! depending on the route. The one exception is [`AppError::Page`]: a page
//! the web layer already rendered (a conflict, a refusal) travelling back
//! through `?` as it is.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::paths;

/// A result whose error renders as an error page (or problem document).
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What is wrong with a piece of submitted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// It holds a NUL byte, which no text column can store.
    Nul,
    /// Its bytes are not UTF-8.
    NotUtf8,
}

/// What went wrong, as the user should hear it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: send to the login page, then back to `next`.
    #[error("login required")]
    LoginRequired {
        /// Where to return after login.
        next: String,
        /// Why the previous session ended (`idle`, `expired`, `stepup`), if it just did.
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
    /// Submitted text that cannot be stored.
    #[error("invalid text in field {field}")]
    InvalidText {
        /// The field's name as submitted.
        field: String,
        /// What is wrong with it.
        problem: TextProblem,
    },
    /// An unsafe request without a valid CSRF token.
    #[error("CSRF check failed")]
    CsrfRejected,
    /// A page already rendered by the web layer (a conflict or refusal page).
    #[error("a rendered page with status {}", .0.status())]
    Page(Box<Response>),
    /// Too many attempts; try again after this many seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until a new attempt is considered.
        retry_after: u64,
    },
    /// The request body is too large.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The method is not served at this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The database is not reachable or not ready.
    #[error("service unavailable")]
    Unavailable,
    /// A machine client sent no valid bearer token.
    #[error("unauthorized")]
    Unauthorized,
    /// A machine client's request was understood but a field is wrong.
    #[error("invalid field {field}")]
    Unprocessable {
        /// The field at fault.
        field: String,
        /// What is wrong and what to send instead.
        detail: String,
    },
    /// The request conflicts with what is stored.
    #[error("conflict")]
    Conflict {
        /// The field at fault, if one.
        field: Option<String>,
        /// What is stored and what to do.
        detail: String,
    },
    /// Anything else: logged with its cause, shown as a plain 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Set while the database is unreachable, so an outage is logged once when
/// it starts and once when it ends rather than once per request.
static OUTAGE: AtomicBool = AtomicBool::new(false);

/// Notes that the database could not be reached (logged once per outage).
pub fn outage_started(cause: &dyn std::fmt::Display) {
    if !OUTAGE.swap(true, Ordering::AcqRel) {
        tracing::warn!(%cause, "database unavailable: answering 503 until it is back");
    }
}

/// Whether an outage is on (the database was last found unreachable).
pub fn in_outage() -> bool {
    OUTAGE.load(Ordering::Acquire)
}

/// Notes that a round trip to the database succeeded (logs the end of an
/// outage, if one was on). Only a real round trip ends an outage: an answer
/// that never asked the database (a 403, a 404) says nothing of it.
pub fn outage_over() {
    if OUTAGE.load(Ordering::Acquire) && OUTAGE.swap(false, Ordering::AcqRel) {
        tracing::info!("database reachable again");
    }
}

/// Whether an error means "the database is not there just now" rather than
/// "this request is wrong": connection failures, the server shutting down or
/// starting up, too many connections.
pub fn is_connection_error(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P01-57P03: admin shutdown, crash
            // shutdown, cannot connect now; 53300: too many connections.
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_connection_error(&error) {
            outage_started(&error);
            AppError::Unavailable
        } else {
            AppError::Internal(error.into())
        }
    }
}

/// An error as a page or a problem document shows it: status, a title, a
/// plain explanation, and the field at fault if there is one.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub status: StatusCode,
    /// A short title.
    pub title: &'static str,
    /// What happened and what to do.
    pub detail: String,
    /// The submitted field at fault.
    pub field: Option<String>,
}

impl AppError {
    /// How this error is reported, or `None` when it is a redirect or an
    /// already rendered page.
    pub fn report(&self) -> Option<ErrorReport> {
        let plain = |status, title, detail: &str| ErrorReport {
            status,
            title,
            detail: detail.to_owned(),
            field: None,
        };
        Some(match self {
            AppError::LoginRequired { .. }
            | AppError::PasswordChangeRequired
            | AppError::Page(_) => return None,
            AppError::Forbidden => plain(
                StatusCode::FORBIDDEN,
                "Not available to your seat",
                "Your seat in this organisation does not include this action. \
                 If you think it should, ask an administrator.",
            ),
            AppError::NotFound => plain(
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here. The link may be mistyped, or the page may belong to \
                 something you cannot see.",
            ),
            AppError::BadRequest(_) => plain(
                StatusCode::BAD_REQUEST,
                "Request not understood",
                "The request could not be read. Go back, check what you entered and try again.",
            ),
            AppError::InvalidText { field, problem } => ErrorReport {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                title: "Text tandem cannot store",
                detail: format!(
                    "The field “{field}” {}. Nothing was saved. Go back, retype or paste it again \
                     as plain text, and send it once more.",
                    match problem {
                        TextProblem::Nul => "holds a NUL character (byte zero)",
                        TextProblem::NotUtf8 => "holds bytes that are not valid UTF-8 text",
                    }
                ),
                field: Some(field.clone()),
            },
            AppError::CsrfRejected => plain(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was out of date or did not come from tandem, so nothing was saved. \
                 Go back, reload the page and try again.",
            ),
            AppError::TooManyRequests { retry_after } => ErrorReport {
                status: StatusCode::TOO_MANY_REQUESTS,
                title: "Too many attempts",
                detail: format!(
                    "Too many attempts in a short time. Wait {} and try again.",
                    crate::domain::values::wait_phrase(*retry_after)
                ),
                field: None,
            },
            AppError::PayloadTooLarge => plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much data",
                "What you sent is larger than tandem accepts. Send less at a time.",
            ),
            AppError::MethodNotAllowed => plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "Not allowed here",
                "This address does not accept that kind of request.",
            ),
            AppError::Unauthorized => plain(
                StatusCode::UNAUTHORIZED,
                "Authentication required",
                "Send an API token of this programme as `Authorization: Bearer <token>`. \
                 Tokens are created by an administrator; a revoked token no longer works.",
            ),
            AppError::Unprocessable { field, detail } => ErrorReport {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                title: "Invalid field",
                detail: detail.clone(),
                field: Some(field.clone()),
            },
            AppError::Conflict { field, detail } => ErrorReport {
                status: StatusCode::CONFLICT,
                title: "Conflicts with what is stored",
                detail: detail.clone(),
                field: field.clone(),
            },
            AppError::Unavailable => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "tandem cannot reach its database just now. Nothing was lost; try again in a minute.",
            ),
            AppError::Internal(_) => plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "tandem hit an unexpected problem and nothing was saved. The error has been \
                 logged; try again, and tell your administrator if it keeps happening.",
            ),
        })
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::LoginRequired { next, ended } => {
                let mut query = Vec::new();
                if let Some(ended) = ended {
                    query.push(format!("ended={ended}"));
                }
                if next != "/" && !next.is_empty() {
                    query.push(format!("next={}", urlencode(next)));
                }
                let target = if query.is_empty() {
                    paths::LOGIN.to_owned()
                } else {
                    format!("{}?{}", paths::LOGIN, query.join("&"))
                };
                return Redirect::to(&target).into_response();
            }
            AppError::PasswordChangeRequired => {
                return Redirect::to(paths::PASSWORD).into_response();
            }
            AppError::BadRequest(detail) => tracing::info!(%detail, "bad request"),
            AppError::InvalidText { field, .. } => {
                tracing::info!(%field, "unstorable text refused")
            }
            AppError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
            }
            _ => {}
        }
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after } => Some((*retry_after).max(1)),
            AppError::Unavailable => Some(5),
            _ => None,
        };
        let report = match self {
            AppError::Page(response) => return *response,
            other => other.report().expect("every other error has a report"),
        };
        let mut response = report.status.into_response();
        if report.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tandem\""),
            );
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(report);
        response
    }
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|encoded| encoded.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
