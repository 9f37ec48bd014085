//! Sessions: created at login, found from the cookie on every request,
//! ended by logout, timeouts, or disabling the user.

use axum::extract::Request;
use std::sync::Arc;

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, Method};
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

/// The session a request's cookie names, found when first needed: by the
/// page's own query when the page reads it there (see
/// [`crate::auth::extract::Viewer`]), else by the first extractor that
/// asks. A request that changes something has it found before CSRF is
/// checked.
#[derive(Debug)]
pub struct Presented {
    token_hash: Vec<u8>,
    /// Whether the request is a GET (which shows the one-time message, and
    /// so clears it).
    shows_flash: bool,
    found: tokio::sync::OnceCell<Found>,
}

/// What became of a presented session.
#[derive(Debug, Clone)]
pub enum Found {
    Live(Box<Session>),
    /// Unknown, ended just now (why, if by a timeout) or its user disabled:
    /// the cookie is cleared.
    Gone(Option<SessionEnded>),
}

impl Presented {
    /// The hash of the cookie's token.
    pub fn token_hash(&self) -> &[u8] {
        &self.token_hash
    }

    /// What became of the session, if it was looked up already.
    pub fn found(&self) -> Option<&Found> {
        self.found.get()
    }

    /// The live session, if it was looked up already and lives.
    pub fn live(&self) -> Option<&Session> {
        match self.found.get() {
            Some(Found::Live(session)) => Some(session),
            _ => None,
        }
    }

    /// Looks the session up, once per request.
    pub async fn find(&self, state: &AppState) -> Result<&Found, AppError> {
        self.found
            .get_or_try_init(|| async {
                let row =
                    db::sessions::find_by_token_hash(&state.pool, &self.token_hash, state.now())
                        .await?;
                self.judge(state, row).await
            })
            .await
    }

    /// Takes the session row a page's query read with the page.
    pub async fn accept(
        &self,
        state: &AppState,
        row: Option<db::sessions::SessionRow>,
    ) -> Result<&Found, AppError> {
        self.found.get_or_try_init(|| self.judge(state, row)).await
    }

    /// Applies the session policy to the row found: an ended session is
    /// deleted; a live one is touched now and then, and its one-time
    /// message cleared by the GET that shows it (one statement).
    async fn judge(
        &self,
        state: &AppState,
        row: Option<db::sessions::SessionRow>,
    ) -> Result<Found, AppError> {
        let Some(row) = row else {
            return Ok(Found::Gone(None));
        };
        let now = state.now();
        Ok(match session_state(row.created_at, row.last_seen_at, now) {
            _ if row.disabled_at.is_some() => {
                db::sessions::delete(&state.pool, row.id).await?;
                Found::Gone(None)
            }
            SessionState::Active { touch } => {
                let take_flash = row.flash_kind.is_some() && self.shows_flash;
                if touch || take_flash {
                    db::sessions::touch(&state.pool, row.id, now, take_flash).await?;
                }
                Found::Live(Box::new(Session::from(row)))
            }
            ended @ (SessionState::IdleExpired | SessionState::AbsoluteExpired) => {
                db::sessions::delete(&state.pool, row.id).await?;
                Found::Gone(Some(if ended == SessionState::IdleExpired {
                    SessionEnded::Idle
                } else {
                    SessionEnded::Expired
                }))
            }
        })
    }
}

/// Puts the session the cookie names, if any, in the request's extensions
/// ([`Presented`]); finds it at once for a request that may change
/// something (an error answers such a request). Hand what this returns,
/// with the response, to [`seen_out`].
pub async fn present(
    state: &AppState,
    request: &mut Request,
) -> std::result::Result<Option<Arc<Presented>>, Response> {
    let Some(token) = cookies::read(request.headers(), cookies::SESSION) else {
        return Ok(None);
    };
    let method = request.method();
    let presented = Arc::new(Presented {
        token_hash: token::digest(&token),
        shows_flash: method == Method::GET,
        found: tokio::sync::OnceCell::new(),
    });
    if !matches!(*method, Method::GET | Method::HEAD)
        && let Err(error) = presented.find(state).await
    {
        return Err(error.into_response());
    }
    request.extensions_mut().insert(Arc::clone(&presented));
    Ok(Some(presented))
}

/// A session found ended has its cookie cleared with the response.
pub fn seen_out(
    state: &AppState,
    presented: Option<&Presented>,
    mut response: Response,
) -> Response {
    if presented.is_some_and(|presented| matches!(presented.found(), Some(Found::Gone(_))))
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
