//! GET and POST /account/password: change my password (required after an
//! administrator set an initial one).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::extract::CurrentUser;
use crate::auth::password;
use crate::auth::session::ClientInfo;
use crate::auth::stepup::{self, Purpose};
use crate::db;
use crate::db::audit::Change;
use crate::domain::values::NewPassword;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, render};

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

/// GET /account/password
pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let required = must_change(&state, &user).await?;
    let page = PasswordPage {
        page: Page::for_user(&state, &user).await?,
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
    let Some(new_password) = new_password.filter(|_| errors.is_empty()) else {
        let page = PasswordPage {
            page: Page::for_user(&state, &user).await?,
            required: account.must_change_password,
            errors,
        };
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };

    let hash = password::hash(new_password.expose()).await?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    db::users::set_password(&mut *tx, user.id, &hash, false).await?;
    // Anyone else holding a session on the old password is signed out.
    let ended = db::sessions::delete_for_user(&mut *tx, user.id, Some(user.session_id)).await?;
    db::audit::record(
        &mut tx,
        &user.actor(&client, now),
        Change {
            action: crate::db::audit::actions::USER_PASSWORD_CHANGE,
            object_type: "user",
            object_id: Some(user.id),
            before: None,
            after: Some(serde_json::json!({ "other_sessions_ended": ended })),
        },
    )
    .await?;
    db::sessions::set_flash(
        &mut *tx,
        user.session_id,
        "success",
        "Your password has been changed.",
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(paths::HOME).into_response())
}

async fn must_change(state: &AppState, user: &CurrentUser) -> Result<bool> {
    Ok(db::users::find(&state.pool, user.id)
        .await?
        .is_some_and(|account| account.must_change_password))
}
