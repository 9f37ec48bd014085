//! Single sign-on, the tandem side (SPEC §10): a sign-in begun from the
//! login page for an address whose domain has a provider, and GET
//! /sso/callback, where the provider sends the browser back.
//!
//! The `state` is used once, within ten minutes, by the browser that began
//! the sign-in (a cookie's digest is kept with it); the marker is committed
//! before the provider is asked anything, so a replayed `state` is refused
//! whatever happened to the first. A provider's user is found by (issuer,
//! subject); an address alone links nothing unless the administrator allows
//! linking and the provider vouches for it. Every sign-in, link and refusal
//! is audited.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::login::{signed_in, with_cookies};
use crate::auth::extract::CurrentUser;
use crate::auth::extract::MaybeSession;
use crate::auth::oidc::{self, Expected, Identity, ProviderConfig};
use crate::auth::session::{self, ClientInfo};
use crate::auth::{cookies, token};
use crate::db;
use crate::db::audit::Actor;
use crate::db::sso::{Attempt, NewAttempt, Provider};
use crate::domain::values::is_local_path;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Query};
use crate::web::pages::{Page, render};

/// tandem's redirect URI: what an administrator registers at the provider.
pub fn redirect_uri(state: &AppState) -> String {
    format!("{}{}", state.mailer.base_url, paths::SSO_CALLBACK)
}

/// The provider settings to talk with.
fn config<'a>(provider: &'a Provider, redirect_uri: &'a str) -> ProviderConfig<'a> {
    ProviderConfig {
        issuer: &provider.issuer,
        client_id: &provider.client_id,
        client_secret: &provider.client_secret,
        redirect_uri,
    }
}

/// The hand-off to the provider. A redirect answering the login form
/// would be stopped by the page's `form-action 'self'`; a page that moves
/// on by itself (and has a link, should it not) is a new navigation.
#[derive(Template)]
#[template(path = "session/sso_continue.html")]
struct ContinuePage {
    page: Page,
    url: String,
    /// The provider's host, as the person reads it.
    host: String,
}

#[derive(Template)]
#[template(path = "session/sso_refused.html")]
struct RefusedPage {
    page: Page,
    /// What went wrong, in the reader's words.
    words: &'static str,
}

/// Why a sign-in through the provider did not sign anyone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    /// No sign-in was begun with this `state`.
    UnknownState,
    /// The `state` came back a second time.
    Replayed,
    /// It came back after ten minutes.
    Expired,
    /// It came back to another browser than the one that began it.
    OtherBrowser,
    /// The provider said no (the person cancelled, or it refused them).
    ProviderSaidNo,
    /// The provider could not be reached, or the code or token failed.
    Provider,
    /// The settings changed while the person was at the provider.
    SettingsChanged,
    /// The provider's user is linked to nobody, and nothing allowed a link.
    NotLinked,
    /// Linking needs an address the provider vouches for.
    UnverifiedEmail,
    /// The address belongs to another account already linked.
    AlreadyLinked,
    /// The account is disabled.
    Disabled,
    /// A confirmation came back signed in as someone else, or to another
    /// session.
    NotYou,
    /// The invitation was used, withdrawn or expired meanwhile.
    InvitationUnusable,
    /// The provider does not vouch for the invited address.
    InvitationMismatch,
}

impl Refused {
    /// The reason as the audit log records it.
    fn code(self) -> &'static str {
        match self {
            Refused::UnknownState => "unknown_state",
            Refused::Replayed => "state_replayed",
            Refused::Expired => "attempt_expired",
            Refused::OtherBrowser => "other_browser",
            Refused::ProviderSaidNo => "provider_error",
            Refused::Provider => "token_refused",
            Refused::SettingsChanged => "settings_changed",
            Refused::NotLinked => "not_linked",
            Refused::UnverifiedEmail => "email_unverified",
            Refused::AlreadyLinked => "already_linked",
            Refused::Disabled => "account_disabled",
            Refused::NotYou => "confirmation_mismatch",
            Refused::InvitationUnusable => "invitation_unusable",
            Refused::InvitationMismatch => "invitation_mismatch",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Refused::UnknownState | Refused::Replayed => {
                "This sign-in link was used already or was not begun here. Sign in again from the start."
            }
            Refused::Expired => {
                "The sign-in took more than ten minutes. Sign in again from the start."
            }
            Refused::OtherBrowser => {
                "The sign-in began in another browser. Sign in again from this one."
            }
            Refused::ProviderSaidNo => {
                "Your organisation's sign-in service did not sign you in. Sign in again, or ask your administrator."
            }
            Refused::Provider => {
                "tandem could not confirm the answer of your organisation's sign-in service. Sign in again; if it happens again, your administrator can see why in the audit log."
            }
            Refused::SettingsChanged => {
                "Your organisation's single sign-on settings changed while you were signing in. Sign in again."
            }
            Refused::NotLinked => {
                "Your account at your organisation's sign-in service is not linked to a tandem account. Ask a tandem administrator to invite you or to allow linking."
            }
            Refused::UnverifiedEmail => {
                "Your sign-in service does not vouch for your e-mail address, so tandem cannot link it to an account. Ask your administrator."
            }
            Refused::AlreadyLinked => {
                "The tandem account with your address is linked to another account at your sign-in service. Ask a tandem administrator."
            }
            Refused::Disabled => "Your tandem account is disabled. Ask a tandem administrator.",
            Refused::InvitationUnusable => {
                "The invitation was used, replaced or has expired meanwhile. Ask your tandem administrator for a new one."
            }
            Refused::InvitationMismatch => {
                "Your organisation's sign-in service signed you in with another address than the one invited (or does not vouch for it): nothing was joined."
            }
            Refused::NotYou => {
                "You signed in at your organisation's service as someone else, or from another tandem session: nothing was confirmed."
            }
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Refused::UnknownState => StatusCode::NOT_FOUND,
            Refused::Replayed | Refused::OtherBrowser => StatusCode::BAD_REQUEST,
            Refused::Expired | Refused::SettingsChanged => StatusCode::GONE,
            Refused::Provider => StatusCode::BAD_GATEWAY,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

/// Begins a sign-in at `provider` for the person who typed `email`:
/// keeps the attempt and sends the browser there. `Err` holds words for the
/// login page when the provider cannot be reached.
pub async fn begin(
    state: &AppState,
    provider: &Provider,
    email: &str,
    next: &str,
) -> Result<std::result::Result<Response, &'static str>> {
    begin_with(state, provider, email, next, Errand::SignIn).await
}

/// What a sign-in at the provider is for.
#[derive(Debug, Clone, Copy)]
pub enum Errand {
    /// Signing in to tandem.
    SignIn,
    /// Confirming this session's next weighty action: a fresh sign-in.
    Confirm(Uuid),
    /// Joining by this invitation.
    Join(Uuid),
}

/// [`begin`] for any errand.
pub async fn begin_with(
    state: &AppState,
    provider: &Provider,
    email: &str,
    next: &str,
    errand: Errand,
) -> Result<std::result::Result<Response, &'static str>> {
    let redirect_uri = redirect_uri(state);
    let (session, invitation) = match errand {
        Errand::SignIn => (None, None),
        Errand::Confirm(session) => (Some(session), None),
        Errand::Join(invitation) => (None, Some(invitation)),
    };
    let begun = match oidc::begin(
        state.oidc_http(),
        &config(provider, &redirect_uri),
        Some(email),
        session.is_some(),
    )
    .await
    {
        Ok(begun) => begun,
        Err(error) => {
            tracing::warn!(issuer = %provider.issuer, %error, "single sign-on could not begin");
            return Ok(Err(
                "Your organisation signs in through its own sign-in service, which tandem cannot reach just now. Try again in a minute.",
            ));
        }
    };
    let browser = token::random_hex(32);
    let next = if is_local_path(next) { next } else { "" };
    let mut tx = state.pool.begin().await?;
    db::sso::begin_attempt(
        &mut tx,
        NewAttempt {
            state_hash: &token::digest(&begun.state),
            browser_hash: &token::digest(&browser),
            organisation_id: provider.organisation_id,
            issuer: &provider.issuer,
            nonce: &begun.nonce,
            pkce_verifier: &begun.pkce_verifier,
            next,
            session_id: session,
            invitation_id: invitation,
            at: state.now(),
        },
    )
    .await?;
    tx.commit().await?;
    let cookie = cookies::set(
        cookies::SSO,
        &browser,
        Some(db::sso::ATTEMPT_LASTS.num_seconds()),
        state.secure_cookies,
    );
    let host = begun
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .unwrap_or_default()
        .to_owned();
    let hand_off = ContinuePage {
        page: Page::anonymous(String::new()),
        url: begun.url,
        host,
    };
    Ok(Ok(with_cookies(
        render(StatusCode::OK, &hand_off),
        std::iter::once(cookie),
    )))
}

/// What the provider sends back.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Callback {
    code: String,
    state: String,
    error: String,
    /// The provider's name for itself (RFC 9207), when it sends it.
    iss: String,
}

/// GET /sso/callback
pub async fn callback(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    client: ClientInfo,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Result<Response> {
    let now = state.now();
    let mut actor = Actor {
        organisation_id: None,
        user_id: None,
        ip: client.ip.clone(),
        at: now,
    };
    // The state is marked used before anything else happens, in its own
    // transaction: whatever follows, it cannot be used again.
    let mut tx = state.pool.begin().await?;
    let attempt = db::sso::use_attempt(&mut tx, &token::digest(&answer.state), now).await?;
    let checked = check_attempt(attempt, &headers, now);
    actor.organisation_id = checked.as_ref().ok().map(|a| a.organisation_id);
    let attempt = match checked {
        Ok(attempt) => {
            tx.commit().await?;
            attempt
        }
        Err(refused) => {
            db::sso::refused(&mut tx, &actor, refused.code(), json!({})).await?;
            tx.commit().await?;
            return Ok(refusal(&state, refused));
        }
    };

    if let Some(session_id) = attempt.session_id {
        return confirmed(
            &state,
            &attempt,
            &answer,
            current.as_ref(),
            session_id,
            actor,
        )
        .await;
    }
    if let Some(invitation_id) = attempt.invitation_id {
        return joined(
            &state,
            &attempt,
            &answer,
            current.as_ref(),
            invitation_id,
            actor,
            &client,
        )
        .await;
    }
    let outcome = sign_in(&state, &attempt, &answer).await?;
    let mut tx = state.pool.begin().await?;
    let settled = match outcome {
        Ok(sign_in) => settle(&mut tx, &actor, attempt.organisation_id, sign_in).await?,
        Err(refusal) => Err(refusal),
    };
    let user_id = match settled {
        Ok(user_id) => user_id,
        Err((refused, detail)) => {
            // Whatever was written for this sign-in goes with the
            // transaction; only the refusal is recorded.
            drop(tx);
            let mut tx = state.pool.begin().await?;
            db::sso::refused(&mut tx, &actor, refused.code(), detail).await?;
            tx.commit().await?;
            return Ok(refusal(&state, refused));
        }
    };
    let previous = current.as_ref().map(|session| session.id);
    let session_token = session::start(&mut tx, user_id, previous, &client, now).await?;
    tx.commit().await?;
    let target = if attempt.next.is_empty() {
        paths::HOME
    } else {
        &attempt.next
    };
    let cookies = signed_in(state.secure_cookies, &session_token);
    Ok(with_cookies(
        Redirect::to(target).into_response(),
        cookies.into_iter(),
    ))
}

/// The attempt, if this browser may finish it now.
fn check_attempt(
    attempt: Option<Attempt>,
    headers: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<Attempt, Refused> {
    let attempt = attempt.ok_or(Refused::UnknownState)?;
    if attempt.used_at.is_some() {
        return Err(Refused::Replayed);
    }
    if now >= attempt.expires_at {
        return Err(Refused::Expired);
    }
    let browser = cookies::read(headers, cookies::SSO).unwrap_or_default();
    let same = subtle::ConstantTimeEq::ct_eq(
        token::digest(&browser).as_slice(),
        &attempt.browser_hash[..],
    );
    if !bool::from(same) {
        return Err(Refused::OtherBrowser);
    }
    Ok(attempt)
}

/// The form that asks the provider to confirm the signed-in person.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    back: String,
}

/// POST /sso/confirm: a fresh sign-in at the provider confirms the
/// session's next weighty action (for a person without a password, or who
/// prefers it), then the browser comes back to `back`.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let provider = db::sso::provider(&state.pool, user.organisation_id).await?;
    let Some(provider) = provider else {
        return Err(AppError::NotFound);
    };
    if !db::sso::is_linked_at(&state.pool, user.id, &provider.issuer).await? {
        return Err(AppError::BadRequest(
            "Your account has never signed in through your organisation's provider, so it cannot confirm you: use your password or a passkey.".into(),
        ));
    }
    let back = if is_local_path(&form.back) {
        form.back.as_str()
    } else {
        paths::HOME
    };
    Ok(
        match begin_with(
            &state,
            &provider,
            &user.email,
            back,
            Errand::Confirm(user.session_id),
        )
        .await?
        {
            Ok(hand_off) => hand_off,
            Err(words) => return Err(AppError::BadRequest(words.into())),
        },
    )
}

/// The end of a confirmation: the provider's fresh sign-in must be the
/// signed-in person's own, on the session that asked.
async fn confirmed(
    state: &AppState,
    attempt: &Attempt,
    answer: &Callback,
    current: Option<&session::Session>,
    session_id: Uuid,
    actor: Actor,
) -> Result<Response> {
    let outcome = sign_in(state, attempt, answer).await?;
    let same_person = match (&outcome, current) {
        (
            Ok(SignIn {
                account: Account::Existing(user_id),
                identity,
            }),
            Some(session),
        ) if identity.link.is_none() => session.id == session_id && session.user_id == *user_id,
        _ => false,
    };
    let mut tx = state.pool.begin().await?;
    let actor = Actor {
        user_id: current.map(|session| session.user_id),
        ..actor
    };
    if !same_person {
        let why = match outcome {
            Err((refused, detail)) => (refused, detail),
            Ok(_) => (Refused::NotYou, json!({})),
        };
        db::sso::refused(&mut tx, &actor, why.0.code(), why.1).await?;
        tx.commit().await?;
        return Ok(refusal(state, why.0));
    }
    db::passkeys::confirm_session(&mut tx, &actor, session_id, "provider").await?;
    db::sessions::set_flash(
        &mut *tx,
        session_id,
        "success",
        "Your organisation's sign-in confirmed it is you: record your decision within five minutes, leaving the password empty.",
    )
    .await?;
    tx.commit().await?;
    let back = if attempt.next.is_empty() {
        paths::HOME
    } else {
        &attempt.next
    };
    Ok(with_cookies(
        Redirect::to(back).into_response(),
        std::iter::once(cookies::clear(cookies::SSO, state.secure_cookies)),
    ))
}

/// The end of joining by invitation through the provider: the provider
/// must vouch for the invited address; the invitation is used, the
/// identity linked and the person signed in, in one transaction.
async fn joined(
    state: &AppState,
    attempt: &Attempt,
    answer: &Callback,
    current: Option<&session::Session>,
    invitation_id: Uuid,
    actor: Actor,
    client: &ClientInfo,
) -> Result<Response> {
    let now = state.now();
    let identified = identify(state, attempt, answer).await?;
    let mut tx = state.pool.begin().await?;
    let invitation = db::invitations::lock_by_id(&mut tx, invitation_id).await?;
    let outcome = match (identified, invitation) {
        (Err(why), _) => Err(why),
        (Ok(_), None) => Err((Refused::InvitationUnusable, json!({}))),
        (Ok((_, identity)), Some(invitation)) => {
            let detail = json!({ "issuer": identity.issuer, "subject": identity.subject });
            let vouched = identity.email_verified
                && identity
                    .email
                    .as_deref()
                    .is_some_and(|email| email.eq_ignore_ascii_case(&invitation.email));
            let linked =
                db::sso::linked_user(&mut *tx, &identity.issuer, &identity.subject).await?;
            if invitation.standing(now) != db::invitations::Standing::Open {
                Err((Refused::InvitationUnusable, detail))
            } else if !vouched {
                Err((Refused::InvitationMismatch, detail))
            } else if linked.is_some_and(|(user, _)| user != invitation.user_id) {
                Err((Refused::AlreadyLinked, detail))
            } else {
                Ok((invitation, identity, linked.is_some()))
            }
        }
    };
    let (invitation, identity, already) = match outcome {
        Ok(found) => found,
        Err((refused, detail)) => {
            drop(tx);
            let mut tx = state.pool.begin().await?;
            db::sso::refused(&mut tx, &actor, refused.code(), detail).await?;
            tx.commit().await?;
            return Ok(refusal(state, refused));
        }
    };
    let actor = Actor {
        organisation_id: Some(invitation.organisation_id),
        user_id: Some(invitation.user_id),
        ..actor
    };
    db::invitations::accept(&mut tx, &actor, &invitation, None, now).await?;
    if !already {
        db::sso::link(
            &mut tx,
            &actor,
            invitation.user_id,
            invitation.organisation_id,
            &identity.issuer,
            &identity.subject,
            "invitation",
        )
        .await?;
    }
    db::sso::signed_in(
        &mut tx,
        &actor,
        invitation.user_id,
        &identity.issuer,
        &identity.subject,
    )
    .await?;
    let previous = current.map(|session| session.id);
    let session_token = session::start(&mut tx, invitation.user_id, previous, client, now).await?;
    tx.commit().await?;
    let cookies = signed_in(state.secure_cookies, &session_token);
    Ok(with_cookies(
        Redirect::to(paths::HOME).into_response(),
        cookies.into_iter(),
    ))
}

/// Who signs in, and whether their provider identity is to be linked now
/// (and how, for the audit log).
struct SignIn {
    account: Account,
    identity: Linked,
}

/// The account that signs in.
enum Account {
    /// One that exists.
    Existing(Uuid),
    /// One to create at this first sign-in, with no password and no seat.
    Create { email: String, name: String },
}

struct Linked {
    issuer: String,
    subject: String,
    link: Option<&'static str>,
}

/// A refusal and what the audit log keeps of it.
type Why = (Refused, serde_json::Value);

/// What `sign_in` found.
type Outcome = std::result::Result<SignIn, Why>;

/// Asks the provider for the code's token and checks it: the provider
/// (as it still is) and who signed in there.
async fn identify(
    state: &AppState,
    attempt: &Attempt,
    answer: &Callback,
) -> Result<std::result::Result<(Provider, Identity), Why>> {
    if !answer.error.is_empty() || answer.code.is_empty() {
        let said: String = answer.error.chars().take(80).collect();
        return Ok(Err((Refused::ProviderSaidNo, json!({ "error": said }))));
    }
    // RFC 9207: a provider that names itself in the answer must be the one
    // the sign-in began at (a mix-up of providers is refused).
    if !answer.iss.is_empty() && answer.iss != attempt.issuer {
        return Ok(Err((
            Refused::Provider,
            json!({ "error": "the answer's issuer is another provider" }),
        )));
    }
    let provider = db::sso::provider(&state.pool, attempt.organisation_id).await?;
    let Some(provider) = provider.filter(|p| p.issuer == attempt.issuer) else {
        return Ok(Err((Refused::SettingsChanged, json!({}))));
    };
    let redirect_uri = redirect_uri(state);
    let identity = oidc::finish(
        state.oidc_http(),
        &config(&provider, &redirect_uri),
        &answer.code,
        Expected {
            nonce: &attempt.nonce,
            pkce_verifier: &attempt.pkce_verifier,
            fresh: attempt.session_id.is_some(),
            now: state.now(),
        },
    )
    .await;
    Ok(match identity {
        Ok(identity) => Ok((provider, identity)),
        Err(error) => Err((Refused::Provider, json!({ "error": error.to_string() }))),
    })
}

/// Asks the provider, checks its token and finds the account (or, as the
/// settings allow, the one to link or create). Writes nothing.
async fn sign_in(state: &AppState, attempt: &Attempt, answer: &Callback) -> Result<Outcome> {
    let (provider, identity) = match identify(state, attempt, answer).await? {
        Ok(found) => found,
        Err(why) => return Ok(Err(why)),
    };
    let detail = json!({ "issuer": identity.issuer, "subject": identity.subject });
    let refuse = |refused: Refused| Ok(Err((refused, detail.clone())));

    if let Some((user_id, organisation_id)) =
        db::sso::linked_user(&state.pool, &identity.issuer, &identity.subject).await?
    {
        if organisation_id != provider.organisation_id {
            return refuse(Refused::NotLinked);
        }
        let user = db::users::find(&state.pool, user_id).await?;
        if user.is_none_or(|user| user.disabled_at.is_some()) {
            return refuse(Refused::Disabled);
        }
        return Ok(Ok(SignIn {
            account: Account::Existing(user_id),
            identity: linked(&identity, None),
        }));
    }

    if !provider.link_by_email && !provider.create_accounts {
        return refuse(Refused::NotLinked);
    }
    let Some(email) = identity.email.as_deref().map(str::to_lowercase) else {
        return refuse(Refused::NotLinked);
    };
    if !identity.email_verified {
        return refuse(Refused::UnverifiedEmail);
    }
    let existing = db::users::find_by_email(&state.pool, &email).await?;
    match existing {
        Some(user) if provider.link_by_email => {
            if user.organisation_id != provider.organisation_id {
                return refuse(Refused::NotLinked);
            }
            if user.disabled_at.is_some() {
                return refuse(Refused::Disabled);
            }
            if db::sso::is_linked_at(&state.pool, user.id, &identity.issuer).await? {
                return refuse(Refused::AlreadyLinked);
            }
            Ok(Ok(SignIn {
                account: Account::Existing(user.id),
                identity: linked(&identity, Some("verified_email")),
            }))
        }
        Some(_) => refuse(Refused::NotLinked),
        None if provider.create_accounts && in_domains(&email, &provider.domains) => {
            let name = identity
                .name
                .as_deref()
                .map(str::trim)
                .filter(|name| !name.is_empty() && name.chars().count() <= 120)
                .unwrap_or(&email)
                .to_owned();
            Ok(Ok(SignIn {
                account: Account::Create { email, name },
                identity: linked(&identity, Some("created_at_first_sign_in")),
            }))
        }
        None => refuse(Refused::NotLinked),
    }
}

/// Creates and links what `sign_in` found to create and link, in the
/// sign-in's transaction; the user who signs in.
async fn settle(
    tx: &mut sqlx::PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    sign_in: SignIn,
) -> Result<Settled> {
    let identity = sign_in.identity;
    let detail = json!({ "issuer": identity.issuer, "subject": identity.subject });
    let user_id = match sign_in.account {
        Account::Existing(user_id) => user_id,
        Account::Create { email, name } => {
            let created = db::users::create(
                &mut *tx,
                actor,
                db::users::NewUser {
                    organisation_id,
                    email: &email,
                    display_name: &name,
                    password_hash: None,
                    must_change_password: false,
                    at: actor.at,
                },
            )
            .await;
            match created {
                Ok(user) => user.id,
                Err(error) if is_violation(&error, db::users::EMAIL_TAKEN) => {
                    return Ok(Err((Refused::NotLinked, detail)));
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    let actor = Actor {
        user_id: Some(user_id),
        ..actor.clone()
    };
    if let Some(how) = identity.link {
        let linked = db::sso::link(
            &mut *tx,
            &actor,
            user_id,
            organisation_id,
            &identity.issuer,
            &identity.subject,
            how,
        )
        .await;
        match linked {
            Ok(()) => {}
            // The same provider user finished two sign-ins at once.
            Err(error) if is_violation(&error, "sso_identities_pkey") => {
                return Ok(Err((Refused::AlreadyLinked, detail)));
            }
            Err(error) => return Err(error.into()),
        }
    }
    db::sso::signed_in(tx, &actor, user_id, &identity.issuer, &identity.subject).await?;
    Ok(Ok(user_id))
}

/// The user who signs in, once settled.
type Settled = std::result::Result<Uuid, Why>;

fn is_violation(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.constraint() == Some(constraint))
}

fn linked(identity: &Identity, link: Option<&'static str>) -> Linked {
    Linked {
        issuer: identity.issuer.clone(),
        subject: identity.subject.clone(),
        link,
    }
}

fn in_domains(email: &str, domains: &[String]) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domains.iter().any(|d| d == domain))
}

fn refusal(state: &AppState, refused: Refused) -> Response {
    let mut response = render(
        refused.status(),
        &RefusedPage {
            page: Page::anonymous(String::new()),
            words: refused.words(),
        },
    );
    if let Ok(value) =
        axum::http::HeaderValue::from_str(&cookies::clear(cookies::SSO, state.secure_cookies))
    {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
    response
}
