//! Machine clients: a bearer token of one programme authenticates an API
//! request; cookies never do (API routes sit outside the session layer),
//! and a bearer token never opens a page (pages read only the session cookie).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use uuid::Uuid;

use crate::auth::token;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;

/// The token that authenticated an API request.
#[derive(Debug, Clone)]
pub struct ApiClient {
    /// The token's id (the actor of its writes).
    pub token_id: Uuid,
    pub name: String,
    pub organisation_id: Uuid,
    /// The one programme it reaches.
    pub programme_id: Uuid,
    /// Whether it may write operational values.
    pub can_write: bool,
    /// Whether it may report agents' overrides and decision counts.
    pub reports_overrides: bool,
}

impl ApiClient {
    /// The programme, if it is this token's; any other answers 404, so a
    /// token learns nothing of programmes it does not reach.
    pub fn programme(&self, id: Uuid) -> Result<Uuid, AppError> {
        if id == self.programme_id {
            Ok(id)
        } else {
            Err(AppError::NotFound)
        }
    }
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|secret| !secret.is_empty() && secret.len() <= 200)
            .ok_or(AppError::Unauthorized)?;
        let found = db::tokens::authenticate(&state.pool, &token::digest(secret), state.now())
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(ApiClient {
            token_id: found.id,
            name: found.name,
            organisation_id: found.organisation_id,
            programme_id: found.programme_id,
            can_write: found.scope == "write",
            reports_overrides: found.scope == "overrides",
        })
    }
}
