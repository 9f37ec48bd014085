//! Step-up: re-entering one's password to confirm a weighty action (signing
//! a brief, changing the password). One check, used by all.
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
    /// The password is right.
    Confirmed,
    /// It is wrong; this many tries are left before the session ends.
    Wrong { left: i32 },
}

impl StepUp {
    /// The message beside the password field, if the password was wrong.
    pub fn message(self) -> Option<String> {
        match self {
            StepUp::Confirmed => None,
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
