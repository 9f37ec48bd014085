//! POST /logout

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::login::with_cookies;
use crate::auth::cookies;
use crate::auth::extract::MaybeSession;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::audit::Actor;
use crate::error::Result;
use crate::state::AppState;

/// Ends the session: the row is deleted and the cookie cleared.
pub async fn submit(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    client: ClientInfo,
) -> Result<Response> {
    if let Some(session) = current {
        let mut tx = state.pool.begin().await?;
        let actor = Actor {
            organisation_id: Some(session.organisation_id),
            user_id: Some(session.user_id),
            ip: client.ip,
            at: state.now(),
        };
        db::sessions::sign_out(&mut tx, &actor, session.id).await?;
        tx.commit().await?;
    }
    let response = Redirect::to("/login?signed_out=1").into_response();
    Ok(with_cookies(
        response,
        std::iter::once(cookies::clear(cookies::SESSION, state.secure_cookies)),
    ))
}
