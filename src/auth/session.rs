//! Sessions: created at login, found from the cookie on every request,
//! ended by logout, timeouts, or disabling the user.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{cookies, token};
use crate::db;
use crate::domain::seat::{SeatKind, Seats};
use crate::domain::session_policy::{SessionState, session_state};
use crate::error::AppError;
use crate::state::AppState;

/// A live session, found from the request's cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The user's organisation.
    pub organisation_id: Uuid,
    /// The user's email.
    pub email: String,
    /// The user's name.
    pub display_name: String,
    /// The user's sitting seats.
    pub seats: Seats,
    /// Whether the user must change their password first.
    pub must_change_password: bool,
    /// This session's CSRF token.
    pub csrf_token: String,
    /// A message left by the previous action, if any.
    pub flash: Option<Flash>,
    /// The organisation's audit head when the request arrived: what a
    /// rendered page is kept under (see [`crate::page_cache`]).
    pub audit_head: i64,
    /// How many of the user's notifications are unread (the header shows it).
    pub unread: i64,
    /// The user's time zone (UTC until they choose one).
    pub time_zone: chrono_tz::Tz,
}

/// A one-time message shown on the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// `success` or `error`.
    pub kind: String,
    pub message: String,
}

/// Why a presented session no longer works (shown on the login page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnded {
    /// Unused for too long.
    Idle,
    Expired,
}

impl From<db::sessions::SessionRow> for Session {
    fn from(row: db::sessions::SessionRow) -> Self {
        let flash = match (row.flash_kind, row.flash_message) {
            (Some(kind), Some(message)) => Some(Flash { kind, message }),
            _ => None,
        };
        Session {
            id: row.id,
            user_id: row.user_id,
            organisation_id: row.organisation_id,
            email: row.email,
            display_name: row.display_name,
            seats: Seats::new(
                row.seat_kinds
                    .iter()
                    .filter_map(|kind| kind.parse::<SeatKind>().ok())
                    .collect(),
            ),
            must_change_password: row.must_change_password,
            csrf_token: row.csrf_token,
            flash,
            audit_head: row.audit_head,
            unread: row.unread,
            time_zone: crate::domain::zone::parse_or_utc(row.time_zone.as_deref()),
        }
    }
}

/// Middleware: finds the session named by the cookie, if any and still
/// valid, and puts it in the request's extensions. An ended session is
/// deleted and its cookie cleared.
pub async fn load(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(token) = cookies::read(request.headers(), cookies::SESSION) else {
        return next.run(request).await;
    };
    let now = state.now();
    let mut clear_cookie = false;
    match db::sessions::find_by_token_hash(&state.pool, &token::digest(&token), now).await {
        Err(error) => return AppError::from(error).into_response(),
        Ok(None) => clear_cookie = true,
        Ok(Some(row)) => match session_state(row.created_at, row.last_seen_at, now) {
            _ if row.disabled_at.is_some() => {
                if let Err(error) = db::sessions::delete(&state.pool, row.id).await {
                    return AppError::from(error).into_response();
                }
                clear_cookie = true;
            }
            SessionState::Active { touch } => {
                // A one-time message is shown by the page this GET renders
                // (the session below keeps it for that) and cleared now,
                // with the touch: one statement.
                let take_flash =
                    row.flash_kind.is_some() && request.method() == axum::http::Method::GET;
                if (touch || take_flash)
                    && let Err(error) =
                        db::sessions::touch(&state.pool, row.id, now, take_flash).await
                {
                    return AppError::from(error).into_response();
                }
                request.extensions_mut().insert(Session::from(row));
            }
            ended @ (SessionState::IdleExpired | SessionState::AbsoluteExpired) => {
                if let Err(error) = db::sessions::delete(&state.pool, row.id).await {
                    return AppError::from(error).into_response();
                }
                clear_cookie = true;
                request
                    .extensions_mut()
                    .insert(if ended == SessionState::IdleExpired {
                        SessionEnded::Idle
                    } else {
                        SessionEnded::Expired
                    });
            }
        },
    }
    let mut response = next.run(request).await;
    if clear_cookie
        && !response.headers().contains_key(SET_COOKIE)
        && let Ok(value) =
            HeaderValue::from_str(&cookies::clear(cookies::SESSION, state.secure_cookies))
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// What a new session needs to know about the client.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Creates a session for `user_id` and returns the cookie token. Any
/// session the client presented is ended first: a new id at every login.
pub async fn start(
    conn: &mut PgConnection,
    user_id: Uuid,
    previous: Option<Uuid>,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> sqlx::Result<String> {
    if let Some(previous) = previous {
        db::sessions::delete(&mut *conn, previous).await?;
    }
    let token = token::random_hex(32);
    let csrf = token::random_hex(32);
    db::sessions::insert(
        conn,
        db::sessions::NewSession {
            token_hash: &token::digest(&token),
            user_id,
            csrf_token: &csrf,
            ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
            at: now,
        },
    )
    .await?;
    Ok(token)
}
