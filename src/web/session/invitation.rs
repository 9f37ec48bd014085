//! GET and POST /invitations/{token}: a person invited by e-mail chooses
//! their password and is signed in. Opening the link changes nothing (mail
//! scanners fetch links); only the form uses the invitation, once.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::login::{browser_digest, login_csrf, signed_in, with_cookies};
use super::sso::Errand;
use crate::auth::extract::MaybeSession;
use crate::auth::passkeys;
use crate::auth::session::{self, ClientInfo};
use crate::auth::{password, token};
use crate::db;
use crate::db::audit::Actor;
use crate::db::invitations::{Invitation, Standing};
use crate::db::passkeys::{BegunBy, Ceremony};
use crate::domain::values::NewPassword;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::ceremony::{passkey_name, refused, unavailable};
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, render};
use axum::Json;
use serde_json::json;

#[derive(Template)]
#[template(path = "session/invitation.html")]
struct InvitationPage {
    page: Page,
    /// The invitation, while it can be used.
    invited: Option<Invitation>,
    /// Why it cannot be used, otherwise.
    reason: &'static str,
    action: String,
    expires: String,
    errors: FieldErrors,
    /// Where the organisation's provider may be used to join instead.
    sso_action: Option<String>,
    /// Where a passkey may be registered to join instead (when tandem is
    /// reached at a domain name).
    passkey_urls: Option<(String, String)>,
}

/// The form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JoinForm {
    password: String,
    confirm_password: String,
}

/// Why an invitation cannot be used, in words; `None` while it can.
fn refusal(
    invitation: Option<&Invitation>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<&'static str> {
    match invitation.map(|invitation| invitation.standing(now)) {
        Some(Standing::Open) => None,
        Some(Standing::Used) => Some("It was used already: its link works once."),
        Some(Standing::Expired) => Some("Its seven days are over."),
        Some(Standing::Withdrawn) => {
            Some("It was replaced by a newer invitation, or the account it was for is disabled.")
        }
        None => Some("This link is not one tandem sent, or it was copied incompletely."),
    }
}

/// The page for `invitation`: its form, or why it cannot be used (404 for
/// a link tandem never made, 410 for one used or past).
fn page(
    state: &AppState,
    csrf_token: String,
    token: &str,
    invitation: Option<Invitation>,
    errors: FieldErrors,
    sso: bool,
) -> Response {
    let now = state.now();
    let reason = refusal(invitation.as_ref(), now);
    let status = match (&invitation, reason) {
        (None, _) => StatusCode::NOT_FOUND,
        (Some(_), Some(_)) => StatusCode::GONE,
        (Some(_), None) if !errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        (Some(_), None) => StatusCode::OK,
    };
    let expires = invitation
        .as_ref()
        .map(|invitation| crate::domain::zone::moment(invitation.expires_at, chrono_tz::UTC))
        .unwrap_or_default();
    render(
        status,
        &InvitationPage {
            page: Page::anonymous(csrf_token),
            invited: invitation.filter(|_| reason.is_none()),
            reason: reason.unwrap_or_default(),
            action: paths::invitation(token),
            expires,
            errors,
            sso_action: sso.then(|| paths::invitation_sso(token)),
            passkey_urls: state.passkeys().map(|_| {
                (
                    paths::invitation_passkey(token, "begin"),
                    paths::invitation_passkey(token, "finish"),
                )
            }),
        },
    )
}

/// The token every form on the page carries: the session's if one is
/// signed in on this browser (the CSRF check then expects it), else the
/// sign-in forms' own, with its cookie.
async fn form_token(
    state: &AppState,
    current: Option<&session::Session>,
    headers: &HeaderMap,
) -> Result<(String, Option<String>)> {
    match current {
        Some(session) => Ok((session.csrf_token.clone(), None)),
        None => login_csrf(headers, state).await,
    }
}

/// GET /invitations/{token}: changes nothing.
pub async fn show(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response> {
    let invitation = db::invitations::find(&state.pool, &token::digest(&token)).await?;
    let (csrf, cookie) = form_token(&state, current.as_ref(), &headers).await?;
    let sso = has_provider(&state, invitation.as_ref()).await?;
    let response = page(&state, csrf, &token, invitation, FieldErrors::new(), sso);
    Ok(with_cookies(response, cookie.into_iter()))
}

/// POST /invitations/{token}: sets the password, uses the invitation and
/// signs the person in, in one transaction.
pub async fn submit(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    client: ClientInfo,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<JoinForm>,
) -> Result<Response> {
    let token_hash = token::digest(&token);
    let now = state.now();
    let (csrf, _) = form_token(&state, current.as_ref(), &headers).await?;
    let invitation = db::invitations::find(&state.pool, &token_hash).await?;
    let sso = has_provider(&state, invitation.as_ref()).await?;
    if refusal(invitation.as_ref(), now).is_some() {
        return Ok(page(
            &state,
            csrf,
            &token,
            invitation,
            FieldErrors::new(),
            sso,
        ));
    }
    let mut errors = FieldErrors::new();
    let chosen = errors.check("password", NewPassword::parse(&form.password));
    if chosen.is_some() && form.confirm_password != form.password {
        errors.add(
            "confirm_password",
            "The two passwords differ: type the same one twice.",
        );
    }
    let Some(chosen) = chosen.filter(|_| errors.is_empty()) else {
        return Ok(page(&state, csrf, &token, invitation, errors, sso));
    };
    let hash = password::hash(chosen.expose()).await?;

    let mut tx = state.pool.begin().await?;
    // Taken again under a lock: of two forms sent at once, the second
    // finds the invitation used.
    let invitation = db::invitations::lock(&mut tx, &token_hash).await?;
    let Some(invitation) = invitation.filter(|i| i.standing(now) == Standing::Open) else {
        drop(tx);
        let invitation = db::invitations::find(&state.pool, &token_hash).await?;
        return Ok(page(
            &state,
            csrf,
            &token,
            invitation,
            FieldErrors::new(),
            sso,
        ));
    };
    let actor = Actor {
        organisation_id: Some(invitation.organisation_id),
        user_id: Some(invitation.user_id),
        ip: client.ip.clone(),
        at: now,
    };
    db::invitations::accept(&mut tx, &actor, &invitation, Some(&hash), now).await?;
    let session_token = session::start(
        &mut tx,
        invitation.user_id,
        current.as_ref().map(|s| s.id),
        &client,
        now,
    )
    .await?;
    tx.commit().await?;
    let cookies = signed_in(state.secure_cookies, &session_token);
    Ok(with_cookies(
        Redirect::to(paths::HOME).into_response(),
        cookies.into_iter(),
    ))
}

/// Whether the invitation's organisation signs in through a provider.
async fn has_provider(state: &AppState, invitation: Option<&Invitation>) -> Result<bool> {
    Ok(match invitation {
        Some(invitation) => db::sso::provider(&state.pool, invitation.organisation_id)
            .await?
            .is_some(),
        None => false,
    })
}

/// POST /invitations/{token}/single-sign-on: joins through the
/// organisation's provider instead of choosing a password. The invitation
/// is used when the provider comes back vouching for the invited address.
pub async fn single_sign_on(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response> {
    let invitation = db::invitations::find(&state.pool, &token::digest(&token)).await?;
    let provider = match &invitation {
        Some(invitation) => db::sso::provider(&state.pool, invitation.organisation_id).await?,
        None => None,
    };
    let (Some(invitation), Some(provider)) = (invitation, provider) else {
        return Err(crate::error::AppError::NotFound);
    };
    if refusal(Some(&invitation), state.now()).is_some() {
        let (csrf, _) = form_token(&state, current.as_ref(), &headers).await?;
        return Ok(page(
            &state,
            csrf,
            &token,
            Some(invitation),
            FieldErrors::new(),
            true,
        ));
    }
    let begun = super::sso::begin_with(
        &state,
        &provider,
        &invitation.email,
        "",
        Errand::Join(invitation.id),
    )
    .await?;
    begun.map_err(|words| crate::error::AppError::BadRequest(words.into()))
}

/// A registration begun from an invitation: its WebAuthn state and the
/// invitation it is for.
#[derive(serde::Serialize, Deserialize)]
struct Joining {
    invitation: uuid::Uuid,
    state: webauthn_rs::prelude::PasskeyRegistration,
}

/// POST /invitations/{token}/passkey/begin: joining with a passkey instead
/// of a password (JSON, for `static/js/passkeys.js`).
pub async fn passkey_begin(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response> {
    let invitation = db::invitations::find(&state.pool, &token::digest(&token)).await?;
    let Some(invitation) = invitation else {
        return Err(crate::error::AppError::NotFound);
    };
    let Some(webauthn) = state.passkeys() else {
        return Ok(unavailable());
    };
    if refusal(Some(&invitation), state.now()).is_some() {
        return Ok(refused(
            StatusCode::GONE,
            "This invitation cannot be used any more.",
        ));
    }
    let begun = passkeys::begin_registration(
        webauthn,
        invitation.user_id,
        &invitation.email,
        &invitation.display_name,
        &[],
    );
    let Ok((options, ceremony)) = begun else {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            "tandem could not begin the registration.",
        ));
    };
    let joining = Joining {
        invitation: invitation.id,
        state: ceremony,
    };
    let id = db::passkeys::begin(
        &state.pool,
        Ceremony::Register,
        BegunBy::Browser(&browser_digest(&headers)),
        passkeys::to_stored(&joining),
        state.now(),
        passkeys::CEREMONY_LASTS,
    )
    .await?;
    Ok(Json(json!({ "ceremony": id, "options": options })).into_response())
}

/// What the browser sends back.
#[derive(Debug, Deserialize)]
pub struct JoinedWithPasskey {
    ceremony: uuid::Uuid,
    name: String,
    credential: webauthn_rs::prelude::RegisterPublicKeyCredential,
}

/// POST /invitations/{token}/passkey/finish: keeps the passkey, uses the
/// invitation and signs the person in, in one transaction.
pub async fn passkey_finish(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    client: ClientInfo,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    if db::invitations::find(&state.pool, &token::digest(&token))
        .await?
        .is_none()
    {
        return Err(crate::error::AppError::NotFound);
    }
    let Some(webauthn) = state.passkeys() else {
        return Ok(unavailable());
    };
    let Ok(answer) = serde_json::from_slice::<JoinedWithPasskey>(&body) else {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            "That is not a passkey registration.",
        ));
    };
    let name = match passkey_name(&answer.name) {
        Ok(name) => name,
        Err(words) => return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, words)),
    };
    let now = state.now();
    let stored = db::passkeys::take(
        &state.pool,
        answer.ceremony,
        Ceremony::Register,
        BegunBy::Browser(&browser_digest(&headers)),
        now,
    )
    .await?;
    let Some(joining) = stored.and_then(passkeys::from_stored::<Joining>) else {
        return Ok(refused(
            StatusCode::GONE,
            "This registration is over: begin again.",
        ));
    };
    let Ok(passkey) = passkeys::finish_registration(webauthn, &answer.credential, &joining.state)
    else {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            "Your device's answer was refused: no passkey was added.",
        ));
    };
    let mut tx = state.pool.begin().await?;
    let invitation = db::invitations::lock(&mut tx, &token::digest(&token)).await?;
    let Some(invitation) =
        invitation.filter(|i| i.id == joining.invitation && i.standing(now) == Standing::Open)
    else {
        return Ok(refused(
            StatusCode::GONE,
            "This invitation cannot be used any more.",
        ));
    };
    let actor = Actor {
        organisation_id: Some(invitation.organisation_id),
        user_id: Some(invitation.user_id),
        ip: client.ip.clone(),
        at: now,
    };
    db::passkeys::register(
        &mut tx,
        &actor,
        invitation.user_id,
        invitation.organisation_id,
        &name,
        &passkey,
    )
    .await?;
    db::invitations::accept(&mut tx, &actor, &invitation, None, now).await?;
    let session_token = session::start(
        &mut tx,
        invitation.user_id,
        current.as_ref().map(|s| s.id),
        &client,
        now,
    )
    .await?;
    tx.commit().await?;
    let cookies = signed_in(state.secure_cookies, &session_token);
    Ok(with_cookies(
        Json(json!({ "redirect": paths::HOME })).into_response(),
        cookies.into_iter(),
    ))
}
