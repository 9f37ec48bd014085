//! GET and POST /login.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::extract::{EndedSession, MaybeSession};
use crate::auth::session::{self, ClientInfo, SessionEnded};
use crate::auth::{cookies, password, token};
use crate::db;
use crate::db::audit::Actor;
use crate::db::sso::WithoutProvider;
use crate::domain::session_policy::{THROTTLE_WINDOW, login_wait};
use crate::domain::values::{is_local_path, wait_phrase};
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Query};
use crate::web::pages::{Page, render};

#[derive(Template)]
#[template(path = "session/login.html")]
struct LoginPage {
    page: Page,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
    first_run: bool,
    /// Whether the passkey button is offered.
    passkeys: bool,
}

/// Query parameters of the login page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
    signed_out: Option<String>,
    ended: String,
}

/// The login form fields, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// The most of a typed email kept in the records.
const MAX_EMAIL_CHARS: usize = 254;

/// A password where the organisation requires single sign-on.
const SSO_REQUIRED: &str = "Your organisation signs in through its own sign-in service. \
     Leave the password empty and choose Sign in to continue there.";

/// The generic failure: the same for an unknown email, a wrong password and
/// a disabled account, so the form reveals nothing about which accounts exist.
const FAILED: &str = "That email and password do not match an active account.";

/// GET /login
pub async fn show(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    EndedSession(ended): EndedSession,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response> {
    if current.is_some() {
        return Ok(Redirect::to(paths::HOME).into_response());
    }
    let ended = ended.or(match query.ended.as_str() {
        "idle" => Some(SessionEnded::Idle),
        "expired" => Some(SessionEnded::Expired),
        _ => None,
    });
    let notice = match (ended, query.signed_out.is_some()) {
        _ if query.ended == "stepup" => Some(
            "You were signed out after several wrong passwords while confirming an action. \
             Your account is not locked: sign in again to continue.",
        ),
        (Some(SessionEnded::Idle), _) => Some(
            "You were signed out after 30 minutes without activity. Sign in again to continue.",
        ),
        (Some(SessionEnded::Expired), _) => {
            Some("Sessions last at most 12 hours. Sign in again to continue.")
        }
        (None, true) => Some("You have signed out."),
        (None, false) => None,
    };
    let first_run = !db::organisations::any_user_exists(&state.pool).await?;
    let (csrf, set_cookie) = login_csrf(&headers, &state).await?;
    let page = LoginPage {
        page: Page::anonymous(csrf),
        email: String::new(),
        next: local_or_empty(query.next),
        error: None,
        notice,
        first_run,
        passkeys: state.passkeys().is_some(),
    };
    Ok(with_cookies(
        render(StatusCode::OK, &page),
        set_cookie.into_iter(),
    ))
}

/// POST /login
pub async fn submit(
    State(state): State<AppState>,
    MaybeSession(current): MaybeSession,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let now = state.now();
    // Nobody's email is longer than this; a longer one is cut for the
    // records (it can only be a typo or an attack).
    let as_typed: String = form.email.trim().chars().take(MAX_EMAIL_CHARS).collect();
    let email_key = as_typed.to_lowercase();
    let csrf = current
        .as_ref()
        .map(|session| session.csrf_token.clone())
        .or_else(|| cookies::read(&headers, cookies::LOGIN_CSRF))
        .unwrap_or_default();
    let refuse = |status: StatusCode, error: String| {
        let page = LoginPage {
            page: Page::anonymous(csrf.clone()),
            email: form.email.trim().to_owned(),
            next: local_or_empty(form.next.clone()),
            error: Some(error),
            notice: None,
            first_run: false,
            passkeys: state.passkeys().is_some(),
        };
        render(status, &page)
    };
    if email_key.is_empty() {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Enter your email address.".into(),
        ));
    }
    if form.password.is_empty() {
        // The address alone: its organisation's identity provider, if its
        // domain has one, signs the person in.
        let provider = db::sso::provider_for_email(&state.pool, &email_key).await?;
        let Some(provider) = provider else {
            return Ok(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Enter your password.".into(),
            ));
        };
        return Ok(
            match super::sso::begin(&state, &provider, &as_typed, &form.next).await? {
                Ok(to_provider) => to_provider,
                Err(words) => refuse(StatusCode::BAD_GATEWAY, words.into()),
            },
        );
    }

    let source = client.ip.clone().unwrap_or_default();
    let attempt = db::sessions::Attempt {
        email_key: &email_key,
        source: &source,
    };
    let counts =
        db::sessions::failure_counts(&state.pool, &email_key, &source, now - THROTTLE_WINDOW)
            .await?;
    if let Some(wait) = login_wait(&counts, now) {
        let message = format!(
            "Too many failed attempts from this address. Wait {} and try again, \
             or ask an administrator to reset the password.",
            wait_phrase(wait)
        );
        let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, message);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(response);
    }

    let user = db::users::find_by_email(&state.pool, &email_key).await?;
    let accepted = match &user {
        Some(user) => {
            password::verify_stored(&form.password, user.password_hash.as_deref()).await
                && user.disabled_at.is_none()
        }
        None => {
            // Spend the same time as a real check.
            password::verify(&form.password, password::decoy_hash()).await;
            false
        }
    };

    let mut tx = state.pool.begin().await?;
    let actor = Actor {
        organisation_id: user.as_ref().map(|user| user.organisation_id),
        user_id: user.as_ref().filter(|_| accepted).map(|user| user.id),
        ip: client.ip.clone(),
        at: now,
    };
    let Some(user) = user.filter(|_| accepted) else {
        db::sessions::login_failed(&mut tx, &actor, attempt, &as_typed).await?;
        tx.commit().await?;
        if let Some(metrics) = state.metrics() {
            metrics.sign_in_failed();
        }
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, FAILED.into()));
    };
    // Where the organisation requires single sign-on, only administrators
    // may still use a password (the way in when the provider fails).
    match db::sso::without_provider(&mut *tx, user.organisation_id, user.id).await? {
        WithoutProvider::Allowed => {}
        WithoutProvider::BreakGlass => db::sso::break_glass(&mut tx, &actor, user.id).await?,
        WithoutProvider::Refused => {
            db::sso::refused(&mut tx, &actor, "password_refused", serde_json::json!({})).await?;
            tx.commit().await?;
            return Ok(refuse(StatusCode::FORBIDDEN, SSO_REQUIRED.into()));
        }
    }
    let token = session::start(
        &mut tx,
        user.id,
        current.as_ref().map(|s| s.id),
        &client,
        now,
    )
    .await?;
    db::sessions::login_succeeded(&mut tx, &actor, attempt, client.user_agent.as_deref()).await?;
    tx.commit().await?;

    let target = if user.must_change_password {
        paths::PASSWORD.to_owned()
    } else if is_local_path(&form.next) {
        form.next
    } else {
        paths::HOME.to_owned()
    };
    let cookies = signed_in(state.secure_cookies, &token);
    Ok(with_cookies(
        Redirect::to(&target).into_response(),
        cookies.into_iter(),
    ))
}

/// The login form's CSRF token: the one in the cookie if tandem made it and
/// it holds for a while yet, or a new one to set.
pub(super) async fn login_csrf(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<(String, Option<String>)> {
    let key = state.login_key().await?;
    // A token with under an hour left is replaced, so a form is never
    // refused for a token that expired while it was being filled in.
    let soon = state.now().timestamp() + 60 * 60;
    match cookies::read(headers, cookies::LOGIN_CSRF) {
        Some(existing) if token::is_login_token(key, &existing, soon) => Ok((existing, None)),
        _ => {
            let fresh = token::login_token(key, state.now().timestamp());
            let cookie = cookies::set(
                cookies::LOGIN_CSRF,
                &fresh,
                Some(token::LOGIN_TOKEN_SECONDS),
                state.secure_cookies,
            );
            Ok((fresh, Some(cookie)))
        }
    }
}

fn local_or_empty(next: String) -> String {
    if is_local_path(&next) {
        next
    } else {
        String::new()
    }
}

/// The cookies of a sign-in, however it was made: the new session's, and
/// the end of the sign-in form's and of any provider sign-in's.
pub(super) fn signed_in(secure: bool, session_token: &str) -> [String; 3] {
    [
        cookies::set(cookies::SESSION, session_token, None, secure),
        cookies::clear(cookies::LOGIN_CSRF, secure),
        cookies::clear(cookies::SSO, secure),
    ]
}

/// The digest that binds a ceremony begun before sign-in to this browser:
/// its sign-in form cookie's.
pub(super) fn browser_digest(headers: &HeaderMap) -> Vec<u8> {
    token::digest(&cookies::read(headers, cookies::LOGIN_CSRF).unwrap_or_default())
}

/// Appends `Set-Cookie` headers to a response.
pub fn with_cookies(mut response: Response, cookies: impl Iterator<Item = String>) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
