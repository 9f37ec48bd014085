//! `CurrentUser`: the signed-in user, their organisation and seats.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use super::session::{Flash, Session};
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
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            let next = parts
                .uri
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_default();
            let next = if parts.method == axum::http::Method::GET {
                next
            } else {
                String::new()
            };
            let ended = parts
                .extensions
                .get::<super::session::SessionEnded>()
                .map(|ended| match ended {
                    super::session::SessionEnded::Idle => "idle",
                    super::session::SessionEnded::Expired => "expired",
                });
            return Err(AppError::LoginRequired { next, ended });
        };
        let path = parts.uri.path();
        if session.must_change_password && path != paths::PASSWORD && path != paths::LOGOUT {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(CurrentUser {
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
        })
    }
}

/// The session, if the request carries a live one (for pages open to all).
#[derive(Debug, Clone)]
pub struct MaybeSession(pub Option<Session>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeSession(parts.extensions.get::<Session>().cloned()))
    }
}

/// Why the session the client presented ended, if it did on this request.
#[derive(Debug, Clone)]
pub struct EndedSession(pub Option<super::session::SessionEnded>);

impl<S: Send + Sync> FromRequestParts<S> for EndedSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(EndedSession(
            parts
                .extensions
                .get::<super::session::SessionEnded>()
                .copied(),
        ))
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
