//! Signing in with a passkey: POST /login/passkey/begin and /finish (JSON,
//! the sign-in form's CSRF token in the header). The person picks a passkey
//! on their device; no address is typed, so the answer reveals nothing
//! about which accounts exist. The ceremony is bound to the browser by the
//! digest of its sign-in cookie, and used once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use webauthn_rs::prelude::DiscoverableAuthentication;

use super::login::{browser_digest, signed_in, with_cookies};
use crate::auth::extract::MaybeSession;
use crate::auth::passkeys::{self, CEREMONY_LASTS};
use crate::auth::session::{self, ClientInfo};
use crate::db;
use crate::db::audit::{self, Actor, Change, actions};
use crate::db::passkeys::{BegunBy, Ceremony};
use crate::db::sso::WithoutProvider;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::ceremony::{Asserted, refused, unavailable};

/// POST /login/passkey/begin
pub async fn begin(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let Some(webauthn) = state.passkeys() else {
        return Ok(unavailable());
    };
    let Ok((options, ceremony)) = passkeys::begin_sign_in(webauthn) else {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            "tandem could not begin the sign-in.",
        ));
    };
    let id = db::passkeys::begin(
        &state.pool,
        Ceremony::SignIn,
        BegunBy::Browser(&browser_digest(&headers)),
        passkeys::to_stored(&ceremony),
        state.now(),
        CEREMONY_LASTS,
    )
    .await?;
    Ok(Json(json!({ "ceremony": id, "options": options })).into_response())
}

/// The one refusal for a passkey that signs nobody in: the same whatever
/// the reason, so it tells nothing about accounts.
const NOT_SIGNED_IN: &str = "That passkey does not sign in to an active tandem account.";

/// POST /login/passkey/finish
pub async fn finish(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    client: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let Some(webauthn) = state.passkeys() else {
        return Ok(unavailable());
    };
    let Ok(answer) = serde_json::from_slice::<Asserted>(&body) else {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            "That is not a passkey's answer.",
        ));
    };
    let now = state.now();
    let stored = db::passkeys::take(
        &state.pool,
        answer.ceremony,
        Ceremony::SignIn,
        BegunBy::Browser(&browser_digest(&headers)),
        now,
    )
    .await?;
    let Some(ceremony) = stored.and_then(passkeys::from_stored::<DiscoverableAuthentication>)
    else {
        return Ok(refused(
            StatusCode::GONE,
            "This sign-in is over: begin again.",
        ));
    };
    let Some((user_id, _)) = passkeys::claimed_user(&answer.credential) else {
        return Ok(refused(StatusCode::FORBIDDEN, NOT_SIGNED_IN));
    };
    let user = db::users::find(&state.pool, user_id).await?;
    let Some(user) = user.filter(|user| user.disabled_at.is_none()) else {
        return Ok(refused(StatusCode::FORBIDDEN, NOT_SIGNED_IN));
    };
    let mut keys = db::passkeys::credentials(&state.pool, user.id).await?;
    let result = passkeys::finish_sign_in(webauthn, &answer.credential, ceremony, &keys);
    let Some(result) = result.ok().filter(|result| result.user_verified()) else {
        return Ok(refused(StatusCode::FORBIDDEN, NOT_SIGNED_IN));
    };
    let actor = Actor {
        organisation_id: Some(user.organisation_id),
        user_id: Some(user.id),
        ip: client.ip.clone(),
        at: now,
    };
    let mut tx = state.pool.begin().await?;
    // A passkey is not the provider's say: where single sign-on is
    // required, only administrators sign in without it.
    let way_in = db::sso::without_provider(&mut *tx, user.organisation_id, user.id).await?;
    if way_in == WithoutProvider::Refused {
        db::sso::refused(&mut tx, &actor, "passkey_refused", json!({})).await?;
        tx.commit().await?;
        return Ok(refused(
            StatusCode::FORBIDDEN,
            "Your organisation signs in through its own sign-in service: type your address and continue there.",
        ));
    }
    for key in keys.iter_mut() {
        if key.update_credential(&result).is_some() {
            db::passkeys::used(&mut *tx, user.id, key, now).await?;
        }
    }
    audit::record(
        &mut tx,
        &actor,
        Change {
            action: actions::PASSKEY_SIGN_IN,
            object_type: "user",
            object_id: Some(user.id),
            before: None,
            after: Some(json!({ "user_agent": client.user_agent })),
        },
    )
    .await?;
    let session_token = session::start(
        &mut tx,
        user.id,
        current.as_ref().map(|s| s.id),
        &client,
        now,
    )
    .await?;
    tx.commit().await?;
    let cookies = signed_in(state.secure_cookies, &session_token);
    let target = if user.must_change_password {
        paths::PASSWORD
    } else {
        paths::HOME
    };
    Ok(with_cookies(
        Json(json!({ "redirect": target })).into_response(),
        cookies.into_iter(),
    ))
}
