//! GET and POST /programmes/{id}/brief/versions/{number}/sign — a required
//! signatory reads exactly the version they sign, with what changed since the
//! version they last signed, re-enters their password and signs or rejects.
//!
//! Every outcome is defined: a version that is no longer the latest, a
//! second decision, someone who is not a signatory, and a double-submitted
//! form each get a clear page, never a second signature.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::version::{Loaded, load};
use super::{Status, readable_programme};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::auth::stepup::{self, Purpose};
use crate::auth::token;
use crate::db;
use crate::db::brief::NewSignature;
use crate::db::organisations::SignOff;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::domain::signoff::Decision;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, Refusal, done, render};

#[derive(Template)]
#[template(path = "brief/sign.html")]
struct SignPage {
    page: Page,
    programme: Programme,
    loaded: Loaded,
    /// The version this signer last signed, if any.
    compared_with: Option<i32>,
    idempotency_key: String,
    decision: String,
    reason: String,
    errors: FieldErrors,
    /// Why no form is shown, if it is not.
    closed: Option<String>,
    /// Whether the signer may confirm with one of their passkeys.
    passkeys: bool,
    /// How the signer may confirm.
    sign_off: SignOff,
}

/// The fields as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SignForm {
    decision: String,
    reason: String,
    password: String,
    version_hash: String,
    idempotency_key: String,
}

/// A signatory's decision, parsed: signed, or rejected with a reason.
/// (The password is checked by the step-up, which needs the database.)
struct Decided {
    decision: Decision,
    reason: String,
}

/// The longest reason a rejection may give.
const MAX_REASON_CHARS: usize = 2000;

impl TryFrom<&SignForm> for Decided {
    type Error = FieldErrors;

    fn try_from(form: &SignForm) -> std::result::Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let decision = match form.decision.as_str() {
            "sign" => Some(Decision::Signed),
            "reject" => Some(Decision::Rejected),
            _ => {
                errors.add(
                    "decision",
                    "Choose whether you sign or reject this version.",
                );
                None
            }
        };
        let reason = form.reason.trim().to_owned();
        if decision == Some(Decision::Rejected) && reason.is_empty() {
            errors.add(
                "reason",
                "Say why you reject it, so the CEO and the COO know what to change.",
            );
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            errors.add("reason", "Keep the reason to 2,000 characters or fewer.");
        }
        match decision {
            Some(decision) if errors.is_empty() => Ok(Decided { decision, reason }),
            _ => Err(errors),
        }
    }
}

/// Loads the version for a signatory, or refuses: 403 for anyone who holds
/// no slot in it.
async fn for_signatory(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    number: i32,
) -> Result<(Programme, Loaded)> {
    let programme = readable_programme(state, user, id).await?;
    user.require(Action::SignBrief)?;
    let (_, loaded) = load(state, Viewer::Known(user.clone()), id, number).await?;
    if loaded.slot_of(user.id).is_none() {
        return Err(AppError::Forbidden);
    }
    Ok((programme, loaded))
}

/// Why this signatory cannot decide on this version now, if they cannot.
fn closed_because(loaded: &Loaded, user: &CurrentUser) -> Option<String> {
    let slot = loaded.slot_of(user.id)?;
    if let (Some(decision), Some(at)) = (slot.decision(), slot.signed_at) {
        return Some(format!(
            "You {} version {} on {}.",
            decision.past(),
            loaded.version.number,
            at.format("%-d %B %Y at %H:%M UTC")
        ));
    }
    if !loaded.is_latest {
        return Some(format!(
            "Version {} is no longer the latest: a newer version was submitted. Review and sign that one instead.",
            loaded.version.number
        ));
    }
    if loaded.status == Status::Rejected {
        return Some(format!(
            "Version {} was rejected, so it cannot be approved. The CEO and COO will submit a new version.",
            loaded.version.number
        ));
    }
    None
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    programme: Programme,
    mut loaded: Loaded,
) -> Result<SignPage> {
    let previous =
        db::brief::last_signed_by(&state.pool, programme.id, user.id, loaded.version.number)
            .await?;
    if let Some(previous) = &previous {
        loaded.compare_with(state, previous).await?;
    }
    let sign_off = db::organisations::sign_off(&state.pool, user.organisation_id, user.id).await?;
    Ok(SignPage {
        passkeys: state.passkeys().is_some() && sign_off.has_passkey,
        sign_off,
        page: Page::of(state, user),
        closed: closed_because(&loaded, user),
        compared_with: previous.map(|v| v.number),
        idempotency_key: token::decision_key(loaded.version.id, user.id),
        decision: String::new(),
        reason: String::new(),
        errors: Default::default(),
        programme,
        loaded,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<Response> {
    let (programme, loaded) = for_signatory(&state, &user, id, number).await?;
    Ok(render(
        StatusCode::OK,
        &page(&state, &user, programme, loaded).await?,
    ))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path((id, number)): Path<(Uuid, i32)>,
    Form(form): Form<SignForm>,
) -> Result<Response> {
    let (programme, loaded) = for_signatory(&state, &user, id, number).await?;
    let version_url = paths::brief_version(id, number);
    let back = || (version_url.clone(), format!("Open version {number}"));
    let refuse = |message: String| {
        Refusal::conflict(
            &state,
            &user,
            "Nothing was signed",
            message,
            Vec::new(),
            back(),
        )
    };

    // The one-time key must be the one this page made for this signer and
    // this version; anything else is refused before anything is recorded.
    let key = form.idempotency_key.trim();
    if !token::is_decision_key(key, loaded.version.id, user.id) {
        return Ok(Refusal {
            page: Page::of(&state, &user),
            status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
            title: "Nothing was signed".into(),
            message: format!(
                "This form's one-time key was not made for you and version {number}, so nothing \
                 was recorded. Open the version again and decide from its own form."
            ),
            reasons: Vec::new(),
            back_url: version_url.clone(),
            back_label: format!("Open version {number}"),
        }
        .into_response());
    }
    // A double-submitted form: the first one counted; this one changes nothing.
    if loaded
        .slot_of(user.id)
        .is_some_and(|slot| slot.decision.is_some())
        && already_recorded(&state, key).await?
    {
        return already_done(&state, &user, number, &version_url).await;
    }
    if let Some(reason) = closed_because(&loaded, &user) {
        return refuse(reason).await;
    }
    if form.version_hash.trim() != loaded.version.version_hash {
        return refuse(
            "The version you were shown does not match the version on record. Reload it and read it again before signing.".into(),
        )
        .await;
    }

    let (decided, mut errors) = match Decided::try_from(&form) {
        Ok(decided) => (Some(decided), FieldErrors::new()),
        Err(errors) => (None, errors),
    };
    // Step-up: the password again, or the session confirmed by a passkey
    // or the provider (the only ways where strong sign-off is required).
    let sign_off = db::organisations::sign_off(&state.pool, user.organisation_id, user.id).await?;
    let step_up = stepup::confirm_as(
        &state,
        &user,
        &client,
        &form.password,
        Purpose {
            object_type: "brief_version",
            object_id: Some(loaded.version.id),
        },
        sign_off.strong_required,
    )
    .await?;
    if let Some(message) = step_up.message() {
        errors.add("password", message);
    }
    let now = state.now();
    let Some(Decided { decision, reason }) = decided.filter(|_| errors.is_empty()) else {
        let mut page = page(&state, &user, programme, loaded).await?;
        page.errors = errors;
        page.decision = form.decision;
        page.reason = form.reason;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };

    let mut tx = state.pool.begin().await?;
    // Queue behind any submission in progress, then check again: the
    // signature must land on the latest version, exactly as shown.
    db::programmes::lock(&mut tx, id).await?;
    let latest = db::brief::latest_version(&mut *tx, id).await?;
    if latest.as_ref().map(|v| v.number) != Some(number) {
        return refuse(
            format!(
                "A newer version was submitted while you were reading version {number}. Review the new version before signing."
            ),
        )
        .await;
    }
    let slot = loaded.slot_of(user.id).ok_or(AppError::Forbidden)?;
    let inserted = db::brief::sign(
        &mut tx,
        &user.actor(&client, now),
        NewSignature {
            version_id: loaded.version.id,
            number,
            decision,
            reason: &reason,
            version_hash: &loaded.version.version_hash,
            seat: &slot.seat,
            user_agent: client.user_agent.as_deref(),
            idempotency_key: key,
        },
    )
    .await;
    match inserted {
        Ok(_) => {
            let message = if decision == Decision::Signed {
                format!("You signed version {number}.")
            } else {
                format!("You rejected version {number}. The CEO and the COO can see your reason.")
            };
            done(tx, &user, &version_url, &message).await
        }
        Err(error)
            if db::is_constraint(&error, db::brief::KEY_USED)
                || db::is_constraint(&error, db::brief::ALREADY_DECIDED) =>
        {
            drop(tx);
            if already_recorded(&state, key).await? {
                already_done(&state, &user, number, &version_url).await
            } else {
                refuse(format!("You already decided on version {number}.")).await
            }
        }
        Err(error) => Err(error.into()),
    }
}

/// The answer to a form sent twice: the first one was recorded, this one
/// changed nothing, and the page says so.
async fn already_done(
    state: &AppState,
    user: &CurrentUser,
    number: i32,
    version_url: &str,
) -> Result<Response> {
    db::sessions::set_flash(
        &state.pool,
        user.session_id,
        "success",
        &format!("Your decision on version {number} was already recorded; nothing more was done."),
    )
    .await?;
    Ok(Redirect::to(version_url).into_response())
}

async fn already_recorded(state: &AppState, key: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM brief_signatures WHERE idempotency_key = $1)",
    )
    .bind(key)
    .fetch_one(&state.pool)
    .await?)
}
