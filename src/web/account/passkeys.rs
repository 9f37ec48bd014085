//! Account → Passkeys: register, name and remove the passkeys that sign
//! one in and confirm weighty actions (SPEC §10); and the confirmation
//! itself, which stands in for the re-typed password of a step-up.
//!
//! GET /account/passkeys; POST /account/passkeys/{id}/rename and
//! /account/passkeys/{id}/remove (forms); the ceremonies, which need the
//! browser's WebAuthn API and so JavaScript (`static/js/passkeys.js`):
//! POST /account/passkeys/register/begin and /finish, POST
//! /account/passkeys/confirm/begin and /finish (JSON, CSRF in the header).

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use webauthn_rs::prelude::{
    PasskeyAuthentication, PasskeyRegistration, RegisterPublicKeyCredential,
};

use crate::auth::extract::CurrentUser;
use crate::auth::passkeys::{self, CEREMONY_LASTS};
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::passkeys::{BegunBy, Ceremony, Listed};
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::ceremony::{Asserted, passkey_name as name, refused, unavailable};
use crate::web::extract::{Form, Path};
use crate::web::pages::{Page, done, render};

#[derive(Template, WebTemplate)]
#[template(path = "account/passkeys.html")]
pub(super) struct PasskeysPage {
    page: Page,
    /// Whether tandem can offer passkeys (it is reached at a domain name).
    available: bool,
    keys: Vec<Shown>,
    /// A rename refused: which passkey, what was typed and why.
    refused: Option<(Uuid, String, &'static str)>,
}

/// A passkey as listed.
pub(super) struct Shown {
    key: Listed,
    created: String,
    last_used: Option<String>,
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<PasskeysPage> {
    PasskeysPage::load(&state, &user).await
}

impl PasskeysPage {
    async fn load(state: &AppState, user: &CurrentUser) -> Result<Self> {
        let keys = db::passkeys::list(&state.pool, user.id)
            .await?
            .into_iter()
            .map(|key| Shown {
                created: crate::domain::zone::moment(key.created_at, user.time_zone),
                last_used: key
                    .last_used_at
                    .map(|at| crate::domain::zone::moment(at, user.time_zone)),
                key,
            })
            .collect();
        Ok(PasskeysPage {
            available: state.passkeys().is_some(),
            keys,
            refused: None,
            page: Page::of(state, user),
        })
    }

    /// The name typed for passkey `id` and why it was refused, if it was.
    fn refusal_of(&self, id: &Uuid) -> Option<(&str, &str)> {
        self.refused
            .as_ref()
            .filter(|(refused, _, _)| refused == id)
            .map(|(_, typed, words)| (typed.as_str(), *words))
    }
}

/// The rename form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RenameForm {
    name: String,
}

pub(super) async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<RenameForm>,
) -> Result<Response> {
    let mut tx = state.pool.begin().await?;
    let Some(before) = db::passkeys::lock(&mut tx, user.id, id).await? else {
        return Err(AppError::NotFound);
    };
    let name = match name(&form.name) {
        Ok(name) => name,
        Err(words) => {
            drop(tx);
            let mut page = PasskeysPage::load(&state, &user).await?;
            page.refused = Some((id, form.name, words));
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    if name == before {
        drop(tx);
        return crate::web::pages::nothing_changed(&state, &user, paths::PASSKEYS).await;
    }
    db::passkeys::rename(
        &mut tx,
        &user.actor(&client, state.now()),
        id,
        &before,
        &name,
    )
    .await?;
    done(
        tx,
        &user,
        paths::PASSKEYS,
        format!("Passkey renamed “{name}”."),
    )
    .await
}

pub(super) async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let mut tx = state.pool.begin().await?;
    if !db::passkeys::remove(&mut tx, &user.actor(&client, state.now()), user.id, id).await? {
        return Err(AppError::NotFound);
    }
    done(
        tx,
        &user,
        paths::PASSKEYS,
        "Passkey removed: it no longer signs you in to tandem. Remove it from your device too.",
    )
    .await
}

/// POST /account/passkeys/register/begin
pub(super) async fn register_begin(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response> {
    let Some(webauthn) = state.passkeys() else {
        return Ok(unavailable());
    };
    let existing = db::passkeys::credentials(&state.pool, user.id).await?;
    let (options, ceremony) = match passkeys::begin_registration(
        webauthn,
        user.id,
        &user.email,
        &user.display_name,
        &existing,
    ) {
        Ok(begun) => begun,
        Err(error) => {
            tracing::warn!(%error, "passkey registration could not begin");
            return Ok(refused(
                StatusCode::BAD_REQUEST,
                "tandem could not begin the registration.",
            ));
        }
    };
    let id = db::passkeys::begin(
        &state.pool,
        Ceremony::Register,
        BegunBy::Session(user.session_id),
        passkeys::to_stored(&ceremony),
        state.now(),
        CEREMONY_LASTS,
    )
    .await?;
    Ok(Json(json!({ "ceremony": id, "options": options })).into_response())
}

/// What the browser sends back at the end of a registration.
#[derive(Debug, Deserialize)]
struct Registered {
    ceremony: Uuid,
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// POST /account/passkeys/register/finish
pub(super) async fn register_finish(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    body: Bytes,
) -> Result<Response> {
    let Some(webauthn) = state.passkeys() else {
        return Ok(unavailable());
    };
    let Ok(answer) = serde_json::from_slice::<Registered>(&body) else {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            "That is not a passkey registration.",
        ));
    };
    let name = match name(&answer.name) {
        Ok(name) => name,
        Err(words) => return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, words)),
    };
    let now = state.now();
    let stored = db::passkeys::take(
        &state.pool,
        answer.ceremony,
        Ceremony::Register,
        BegunBy::Session(user.session_id),
        now,
    )
    .await?;
    let Some(ceremony) = stored.and_then(passkeys::from_stored::<PasskeyRegistration>) else {
        return Ok(refused(
            StatusCode::GONE,
            "This registration is over: begin again.",
        ));
    };
    let passkey = match passkeys::finish_registration(webauthn, &answer.credential, &ceremony) {
        Ok(passkey) => passkey,
        Err(error) => {
            tracing::info!(%error, "passkey registration refused");
            return Ok(refused(
                StatusCode::BAD_REQUEST,
                "Your device's answer was refused: no passkey was added.",
            ));
        }
    };
    let mut tx = state.pool.begin().await?;
    let registered = db::passkeys::register(
        &mut tx,
        &user.actor(&client, now),
        user.id,
        user.organisation_id,
        &name,
        &passkey,
    )
    .await;
    match registered {
        Ok(_) => {}
        Err(sqlx::Error::Database(error))
            if error.constraint() == Some("passkeys_credential_key") =>
        {
            return Ok(refused(
                StatusCode::CONFLICT,
                "This passkey is registered already.",
            ));
        }
        Err(error) => return Err(error.into()),
    }
    db::sessions::set_flash(
        &mut *tx,
        user.session_id,
        "success",
        &format!("Passkey “{name}” added: it signs you in and confirms your signatures."),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "redirect": paths::PASSKEYS })).into_response())
}

/// POST /account/passkeys/confirm/begin
pub(super) async fn confirm_begin(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response> {
    let Some(webauthn) = state.passkeys() else {
        return Ok(unavailable());
    };
    let keys = db::passkeys::credentials(&state.pool, user.id).await?;
    if keys.is_empty() {
        return Ok(refused(
            StatusCode::CONFLICT,
            "You have no passkey yet: add one under Account → Passkeys.",
        ));
    }
    let Ok((options, ceremony)) = passkeys::begin_confirmation(webauthn, &keys) else {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            "tandem could not begin the confirmation.",
        ));
    };
    let id = db::passkeys::begin(
        &state.pool,
        Ceremony::Confirm,
        BegunBy::Session(user.session_id),
        passkeys::to_stored(&ceremony),
        state.now(),
        CEREMONY_LASTS,
    )
    .await?;
    Ok(Json(json!({ "ceremony": id, "options": options })).into_response())
}

/// POST /account/passkeys/confirm/finish: the session is confirmed for its
/// next weighty action, for a few minutes.
pub(super) async fn confirm_finish(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
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
        Ceremony::Confirm,
        BegunBy::Session(user.session_id),
        now,
    )
    .await?;
    let Some(ceremony) = stored.and_then(passkeys::from_stored::<PasskeyAuthentication>) else {
        return Ok(refused(
            StatusCode::GONE,
            "This confirmation is over: begin again.",
        ));
    };
    let result = match passkeys::finish_confirmation(webauthn, &answer.credential, &ceremony) {
        Ok(result) if result.user_verified() => result,
        Ok(_) | Err(_) => {
            return Ok(refused(
                StatusCode::FORBIDDEN,
                "Your passkey's answer was refused: nothing was confirmed.",
            ));
        }
    };
    let mut keys = db::passkeys::credentials(&state.pool, user.id).await?;
    let mut tx = state.pool.begin().await?;
    for key in keys.iter_mut() {
        if key.update_credential(&result).is_some() {
            db::passkeys::used(&mut *tx, user.id, key, now).await?;
        }
    }
    db::passkeys::confirm_session(
        &mut tx,
        &user.actor(&client, now),
        user.session_id,
        "passkey",
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "confirmed": true })).into_response())
}
