//! GET and POST /admin/users/{id} — a user's profile, seats and password.
//! Disabling an account ends all of its sessions at once.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::parse_version;
use super::user_page::{ProfileValues, UserPage};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::domain::values::{Email, Line};
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::{ConflictField, ConflictPage, done};

/// The profile fields as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ProfileForm {
    email: String,
    display_name: String,
    disabled: Option<String>,
    version: String,
}

/// A profile edit, parsed: a valid address and name, and whether the
/// account is to be disabled. (Whether the caller may disable it is a rule
/// about the caller, checked beside.)
struct Profile {
    email: Email,
    name: Line,
    disabled: bool,
}

impl TryFrom<&ProfileForm> for Profile {
    type Error = FieldErrors;

    fn try_from(form: &ProfileForm) -> std::result::Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&form.email));
        let name = errors.check(
            "display_name",
            Line::parse(&form.display_name, "a name", 120),
        );
        match (email, name) {
            (Some(email), Some(name)) => Ok(Profile {
                email,
                name,
                disabled: form.disabled.is_some(),
            }),
            _ => Err(errors),
        }
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    Ok(UserPage::load(&state, &user, id).await?.ok())
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<ProfileForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let mut page = UserPage::load(&state, &user, id).await?;
    let disabled = form.disabled.is_some();
    page.profile = ProfileValues {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        disabled,
    };
    let parsed = Profile::try_from(&form)
        .map_err(|errors| page.errors = errors)
        .ok();
    if disabled && page.is_self {
        page.errors
            .add("disabled", "You cannot disable your own account.");
    }
    let Some(Profile {
        email,
        name,
        disabled,
    }) = parsed.filter(|_| page.errors.is_empty())
    else {
        return Ok(page.invalid());
    };

    let before = page.target.clone();
    if email.as_str() == before.email
        && name.as_str() == before.display_name
        && disabled == before.disabled_at.is_some()
    {
        return crate::web::pages::nothing_changed(&state, &user, &paths::admin_user(id)).await;
    }
    let now = state.now();
    let disabled_at = match (disabled, before.disabled_at) {
        (true, Some(since)) => Some(since),
        (true, None) => Some(now),
        (false, _) => None,
    };
    let mut tx = state.pool.begin().await?;
    let updated = db::users::update_profile(
        &mut tx,
        &user.actor(&client, now),
        &before,
        parse_version(&form.version),
        email.as_str(),
        name.as_str(),
        disabled_at,
    )
    .await;
    match updated {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(ConflictPage {
                page: page.page.clone(),
                what: format!("the account of {}", before.display_name),
                reload_url: paths::admin_user(id),
                fields: vec![
                    ConflictField {
                        label: "Email".into(),
                        yours: email.as_str().into(),
                        theirs: before.email.clone(),
                    },
                    ConflictField {
                        label: "Name".into(),
                        yours: name.as_str().into(),
                        theirs: before.display_name.clone(),
                    },
                    ConflictField {
                        label: "Disabled".into(),
                        yours: yes_no(disabled).into(),
                        theirs: yes_no(before.disabled_at.is_some()).into(),
                    },
                ],
            }
            .into());
        }
        Err(error) if db::is_constraint(&error, db::users::EMAIL_TAKEN) => {
            page.errors
                .add("email", "Someone already uses this email address.");
            return Ok(page.invalid());
        }
        Err(error) => return Err(error.into()),
    }
    done(tx, &user, &paths::admin_user(id), "Saved.").await
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}
