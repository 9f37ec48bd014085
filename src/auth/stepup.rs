//! Step-up: re-entering one's password to confirm a weighty action (signing
//! a brief, changing the password). One check, used by all. A passkey (or
//! a fresh sign-in at the organisation's provider) confirms the session
//! instead, once, within a few minutes: the form then comes with no
//! password.
//!
//! Wrong passwords here never lock the account's sign-in (a stranger could
//! otherwise stop an executive from signing); they are counted against the
//! session instead, audited, and after [`MAX_STEPUP_FAILURES`] the session
//! ends: whoever holds it must sign in again.

use super::extract::CurrentUser;
use super::password;
use super::session::ClientInfo;
use crate::db;
use crate::domain::session_policy::MAX_STEPUP_FAILURES;
use crate::error::{AppError, Result};
use crate::state::AppState;

pub use crate::db::sessions::Purpose;

/// The outcome of a step-up check that did not end the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepUp {
    /// The password is right, or a passkey confirmed the session.
    Confirmed,
    /// No password was typed and nothing else confirmed the session.
    Missing,
    /// A password was typed where only a passkey or a fresh sign-in at the
    /// provider will do.
    PasswordNotEnough,
    /// It is wrong; this many tries are left before the session ends.
    Wrong { left: i32 },
}

impl StepUp {
    /// The message beside the password field, if the password was wrong.
    pub fn message(self) -> Option<String> {
        match self {
            StepUp::Confirmed => None,
            StepUp::Missing => {
                Some("Enter your password to confirm it is you (or use a passkey).".to_owned())
            }
            StepUp::PasswordNotEnough => Some(
                "Your organisation asks signatories to confirm with a passkey or a fresh sign-in \
                 at its sign-in service, not a password."
                    .to_owned(),
            ),
            StepUp::Wrong { left: 1 } => {
                Some("That is not your password. One more wrong password signs you out.".to_owned())
            }
            StepUp::Wrong { left } => Some(format!(
                "That is not your password. After {left} more wrong passwords you will be signed out."
            )),
        }
    }
}

/// Checks the re-entered password of the signed-in user. Too many wrong
/// ones end the session: the error then sends the browser to the login page.
pub async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    client: &ClientInfo,
    password: &str,
    purpose: Purpose<'_>,
) -> Result<StepUp> {
    confirm_as(state, user, client, password, purpose, false).await
}

/// [`confirm`]; with `strong_only`, a password is not enough: only the
/// session's confirmation by a passkey or the provider counts.
pub async fn confirm_as(
    state: &AppState,
    user: &CurrentUser,
    client: &ClientInfo,
    password: &str,
    purpose: Purpose<'_>,
    strong_only: bool,
) -> Result<StepUp> {
    if strong_only && !password.is_empty() {
        return Ok(StepUp::PasswordNotEnough);
    }
    if password.is_empty() {
        let since = state.now() - crate::auth::passkeys::CONFIRMATION_LASTS;
        return Ok(
            if db::passkeys::take_confirmation(&state.pool, user.session_id, since).await? {
                StepUp::Confirmed
            } else {
                StepUp::Missing
            },
        );
    }
    let account = db::users::find(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if password::verify_stored(password, account.password_hash.as_deref()).await {
        db::sessions::clear_stepup_failures(&state.pool, user.session_id).await?;
        return Ok(StepUp::Confirmed);
    }
    let mut tx = state.pool.begin().await?;
    let (failures, ended) = db::sessions::stepup_failed(
        &mut tx,
        &user.actor(client, state.now()),
        user.session_id,
        purpose,
        MAX_STEPUP_FAILURES,
    )
    .await?;
    tx.commit().await?;
    if ended {
        return Err(AppError::LoginRequired {
            next: String::new(),
            ended: Some("stepup"),
        });
    }
    Ok(StepUp::Wrong {
        left: MAX_STEPUP_FAILURES - failures,
    })
}
