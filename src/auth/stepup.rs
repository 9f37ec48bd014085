//! Step-up: re-entering one's password to confirm a weighty action (signing
//! a brief, changing the password). One check, used by all.
//!
//! Wrong passwords here never lock the account's sign-in (a stranger could
//! otherwise stop an executive from signing); they are counted against the
//! session instead, audited, and after [`MAX_STEPUP_FAILURES`] the session
//! ends: whoever holds it must sign in again.

use serde_json::json;
use uuid::Uuid;

use super::extract::CurrentUser;
use super::password;
use super::session::ClientInfo;
use crate::db;
use crate::db::audit::{Change, actions};
use crate::domain::session_policy::MAX_STEPUP_FAILURES;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// What the password was re-entered for, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Purpose<'a> {
    /// The kind of object the action is about.
    pub object_type: &'a str,
    /// The object.
    pub object_id: Option<Uuid>,
}

/// The outcome of a step-up check that did not end the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepUp {
    /// The password is right.
    Confirmed,
    /// It is wrong; this many tries are left before the session ends.
    Wrong {
        /// Tries left.
        left: i32,
    },
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
    if password::verify(password, &account.password_hash).await {
        db::sessions::clear_stepup_failures(&state.pool, user.session_id).await?;
        return Ok(StepUp::Confirmed);
    }
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let failures = db::sessions::add_stepup_failure(&mut *tx, user.session_id).await?;
    let ended = failures >= MAX_STEPUP_FAILURES;
    db::audit::record(
        &mut tx,
        &user.actor(client, now),
        Change {
            action: actions::STEPUP_FAILED,
            object_type: purpose.object_type,
            object_id: purpose.object_id,
            before: None,
            after: Some(json!({ "failures_in_session": failures, "session_ended": ended })),
        },
    )
    .await?;
    if ended {
        db::sessions::delete(&mut *tx, user.session_id).await?;
    }
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
