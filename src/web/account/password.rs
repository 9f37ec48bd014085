//! GET and POST /account/password: change my password (required after an
//! administrator set an initial one).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::CurrentUser;
use crate::auth::password;
use crate::auth::session::ClientInfo;
use crate::auth::stepup::{self, Purpose};
use crate::db;
use crate::db::users::PasswordSetter;
use crate::domain::values::NewPassword;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, done, render};

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    page: Page,
    required: bool,
    errors: FieldErrors,
}

/// The fields as typed. Passwords are never sent back to the browser.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// A change of one's own password, parsed: the new password, typed twice
/// alike and different from the current one. (The current one is checked
/// by the step-up, which needs the database.)
struct PasswordChange {
    new_password: NewPassword,
}

impl TryFrom<&PasswordForm> for PasswordChange {
    type Error = FieldErrors;

    fn try_from(form: &PasswordForm) -> std::result::Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let new_password = errors.check("new_password", NewPassword::parse(&form.new_password));
        if new_password.is_some() && form.new_password != form.confirm_password {
            errors.add("confirm_password", "The two new passwords do not match.");
        }
        if new_password.is_some() && form.new_password == form.current_password {
            errors.add(
                "new_password",
                "Choose a password different from the current one.",
            );
        }
        match new_password {
            Some(new_password) if errors.is_empty() => Ok(PasswordChange { new_password }),
            _ => Err(errors),
        }
    }
}

/// GET /account/password
pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let required = must_change(&state, &user).await?;
    let page = PasswordPage {
        page: Page::of(&state, &user),
        required,
        errors: FieldErrors::new(),
    };
    Ok(render(StatusCode::OK, &page))
}

/// POST /account/password
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let account = db::users::find(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let step_up = stepup::confirm(
        &state,
        &user,
        &client,
        &form.current_password,
        Purpose {
            object_type: "user",
            object_id: Some(user.id),
        },
    )
    .await?;
    if let Some(message) = step_up.message() {
        errors.add("current_password", message);
    }
    let change = match PasswordChange::try_from(&form) {
        Ok(change) => Some(change),
        Err(found) => {
            for (field, message) in found.all() {
                errors.add(field, message);
            }
            None
        }
    };
    let Some(PasswordChange { new_password }) = change.filter(|_| errors.is_empty()) else {
        let page = PasswordPage {
            page: Page::of(&state, &user),
            required: account.must_change_password,
            errors,
        };
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };

    let hash = password::hash(new_password.expose()).await?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    // Anyone else holding a session on the old password is signed out.
    db::users::replace_password(
        &mut tx,
        &user.actor(&client, now),
        user.id,
        &hash,
        PasswordSetter::Owner {
            session_id: user.session_id,
        },
    )
    .await?;
    done(tx, &user, paths::HOME, "Your password has been changed.").await
}

async fn must_change(state: &AppState, user: &CurrentUser) -> Result<bool> {
    Ok(db::users::find(&state.pool, user.id)
        .await?
        .is_some_and(|account| account.must_change_password))
}
