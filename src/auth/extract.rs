//! `CurrentUser`: the signed-in user, their organisation and seats.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use super::session::{Flash, Found, Presented, Session, SessionEnded};
use crate::db::sessions::{Seen, Who};
use crate::domain::permission::Action;
use crate::domain::seat::Seats;
use crate::error::AppError;
use crate::paths;
use crate::state::AppState;

/// The signed-in user. Extracting it from a request without a session
/// redirects to the login page; with a password to change, to that page.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    /// Organisation id: every query of business data is scoped by it.
    pub organisation_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub seats: Seats,
    pub session_id: Uuid,
    /// CSRF token to put in forms.
    pub csrf_token: String,
    /// Message left by the previous action.
    pub flash: Option<Flash>,
    /// How many of the user's notifications are unread.
    pub unread: i64,
    /// The user's time zone.
    pub time_zone: chrono_tz::Tz,
}

impl CurrentUser {
    /// Succeeds only if one of the user's seats permits `action`.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if self.seats.permits(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The executive seat whose own part the user writes (relationship
    /// checks, statements, blind ratings): `ceo`, else `coo`.
    pub fn executive_seat(&self) -> Option<&'static str> {
        if self.seats.holds(crate::domain::seat::SeatKind::Ceo) {
            Some("ceo")
        } else if self.seats.holds(crate::domain::seat::SeatKind::Coo) {
            Some("coo")
        } else {
            None
        }
    }

    /// Whether the user may take `action` (for showing or hiding controls).
    pub fn can(&self, action: Action) -> bool {
        self.seats.permits(action)
    }

    /// Whom a kept page is filled for: this user.
    pub fn kept(&self) -> crate::kept::For<'_> {
        crate::kept::For {
            user_id: self.id,
            seats: &self.seats,
            csrf_token: &self.csrf_token,
        }
    }
}

/// What a request for a signed-in page needs to answer without a session:
/// where to come back to after signing in.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The path (with its query) of a GET, to come back to; else empty.
    next: String,
    /// Whether the path may be shown with a password still to change.
    password_exempt: bool,
}

impl Asked {
    fn of(parts: &Parts) -> Self {
        let path = parts.uri.path();
        Asked {
            next: if parts.method == axum::http::Method::GET {
                parts
                    .uri
                    .path_and_query()
                    .map(|pq| pq.as_str().to_owned())
                    .unwrap_or_default()
            } else {
                String::new()
            },
            password_exempt: path == paths::PASSWORD || path == paths::LOGOUT,
        }
    }

    /// The user of `found`, or where to send the request instead.
    fn user(self, found: Option<&Found>) -> Result<CurrentUser, AppError> {
        match found {
            Some(Found::Live(session)) => {
                if session.must_change_password && !self.password_exempt {
                    return Err(AppError::PasswordChangeRequired);
                }
                Ok(CurrentUser::from(session.as_ref().clone()))
            }
            Some(Found::Gone(ended)) => Err(AppError::LoginRequired {
                next: self.next,
                ended: ended.map(|ended| match ended {
                    SessionEnded::Idle => "idle",
                    SessionEnded::Expired => "expired",
                }),
            }),
            None => Err(AppError::LoginRequired {
                next: self.next,
                ended: None,
            }),
        }
    }
}

impl From<Session> for CurrentUser {
    fn from(session: Session) -> Self {
        CurrentUser {
            id: session.user_id,
            organisation_id: session.organisation_id,
            email: session.email,
            display_name: session.display_name,
            seats: session.seats,
            session_id: session.id,
            csrf_token: session.csrf_token,
            flash: session.flash,
            unread: session.unread,
            time_zone: session.time_zone,
        }
    }
}

/// The session the request presented, looked up now if not yet.
async fn found<'p>(parts: &'p Parts, state: &AppState) -> Result<Option<&'p Found>, AppError> {
    match parts.extensions.get::<Arc<Presented>>() {
        Some(presented) => presented.find(state).await.map(Some),
        None => Ok(None),
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let found = found(parts, state).await?;
        Asked::of(parts).user(found)
    }
}

/// The viewer of a page that reads the session with the page, in one
/// round trip: a handler takes it instead of [`CurrentUser`], runs its
/// page's query for [`Viewer::who`] and gets the user from
/// [`Viewer::admit`].
#[derive(Debug)]
pub enum Viewer {
    /// The session was already looked up.
    Known(CurrentUser),
    /// The page's query looks the session up.
    Presented(Arc<Presented>, Asked),
}

impl Viewer {
    /// Whom to read the page for.
    pub fn who(&self, state: &AppState) -> Who<'_> {
        match self {
            Viewer::Known(user) => Who::Organisation(user.organisation_id),
            Viewer::Presented(presented, _) => Who::Cookie {
                token_hash: presented.token_hash(),
                now: state.now(),
            },
        }
    }

    /// The user, and the page read for [`Viewer::who`]; without a live
    /// session, where the request goes instead (the page read is dropped).
    pub async fn admit<T>(
        self,
        state: &AppState,
        seen: Option<Seen<T>>,
    ) -> Result<(CurrentUser, T), AppError> {
        let (session, page) = match seen {
            Some(seen) => (seen.session, Some(seen.page)),
            None => (None, None),
        };
        let user = match self {
            Viewer::Known(user) => user,
            Viewer::Presented(presented, asked) => {
                let found = presented.accept(state, session).await?;
                asked.user(Some(found))?
            }
        };
        Ok((user, page.ok_or(AppError::NotFound)?))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let asked = Asked::of(parts);
        match parts.extensions.get::<Arc<Presented>>() {
            None => asked.user(None).map(Viewer::Known),
            Some(presented) => match presented.found() {
                Some(found) => asked.user(Some(found)).map(Viewer::Known),
                None => Ok(Viewer::Presented(Arc::clone(presented), asked)),
            },
        }
    }
}

/// The session, if the request carries a live one (for pages open to all).
#[derive(Debug, Clone)]
pub struct MaybeSession(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeSession(match found(parts, state).await? {
            Some(Found::Live(session)) => Some(session.as_ref().clone()),
            _ => None,
        }))
    }
}

/// Why the session the client presented ended, if it did on this request.
#[derive(Debug, Clone)]
pub struct EndedSession(pub Option<SessionEnded>);

impl FromRequestParts<AppState> for EndedSession {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(EndedSession(match found(parts, state).await? {
            Some(Found::Gone(ended)) => *ended,
            _ => None,
        }))
    }
}

impl CurrentUser {
    /// The audit-log actor for a change this user makes now.
    pub fn actor(
        &self,
        client: &super::session::ClientInfo,
        at: chrono::DateTime<chrono::Utc>,
    ) -> crate::db::audit::Actor {
        crate::db::audit::Actor {
            organisation_id: Some(self.organisation_id),
            user_id: Some(self.id),
            ip: client.ip.clone(),
            at,
        }
    }
}
