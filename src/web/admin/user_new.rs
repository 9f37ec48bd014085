//! GET and POST /admin/users/new — create a user with an initial password
//! (changed at first login) and, optionally, a first seat.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::shared::parse_seat;
use crate::auth::extract::CurrentUser;
use crate::auth::password;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::domain::values::{Email, Line, NewPassword};
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, done, render};

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    page: Page,
    form: NewUserForm,
    seat_kinds: [SeatKind; 5],
    errors: FieldErrors,
}

/// The fields as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct NewUserForm {
    email: String,
    display_name: String,
    password: String,
    seat: String,
    title: String,
}

/// A new user, parsed.
struct NewUser {
    email: Email,
    display_name: Line,
    password: NewPassword,
    seat: Option<(SeatKind, Option<Line>)>,
}

impl TryFrom<&NewUserForm> for NewUser {
    type Error = FieldErrors;

    fn try_from(form: &NewUserForm) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&form.email));
        let display_name = errors.check(
            "display_name",
            Line::parse(&form.display_name, "a name", 120),
        );
        let password = errors.check("password", NewPassword::parse(&form.password));
        let seat = parse_seat(&mut errors, &form.seat, &form.title);
        match (email, display_name, password, seat) {
            (Some(email), Some(display_name), Some(password), Some(seat)) if errors.is_empty() => {
                Ok(NewUser {
                    email,
                    display_name,
                    password,
                    seat,
                })
            }
            _ => Err(errors),
        }
    }
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require(Action::Administer)?;
    let page = NewUserPage {
        page: Page::of(&state, &user),
        form: NewUserForm::default(),
        seat_kinds: SeatKind::ALL,
        errors: FieldErrors::new(),
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Form(form): Form<NewUserForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let invalid = |form: NewUserForm, errors: FieldErrors| async {
        let mut form = form;
        form.password.clear();
        let page = NewUserPage {
            page: Page::of(&state, &user),
            form,
            seat_kinds: SeatKind::ALL,
            errors,
        };
        Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
    };
    let new = match NewUser::try_from(&form) {
        Ok(new) => new,
        Err(errors) => return invalid(form, errors).await,
    };

    let hash = password::hash(new.password.expose()).await?;
    let now = state.now();
    let actor = user.actor(&client, now);
    let mut tx = state.pool.begin().await?;
    let created = db::users::create(
        &mut tx,
        &actor,
        db::users::NewUser {
            organisation_id: user.organisation_id,
            email: new.email.as_str(),
            display_name: new.display_name.as_str(),
            password_hash: &hash,
            must_change_password: true,
            at: now,
        },
    )
    .await;
    let created = match created {
        Ok(created) => created,
        Err(error) if db::is_constraint(&error, db::users::EMAIL_TAKEN) => {
            let mut errors = FieldErrors::new();
            errors.add("email", "Someone already uses this email address.");
            return invalid(form, errors).await;
        }
        Err(error) => return Err(error.into()),
    };
    if let Some((kind, title)) = &new.seat {
        super::shared::assign(
            &mut tx,
            &actor,
            user.organisation_id,
            created.id,
            *kind,
            title.as_ref().map(Line::as_str),
        )
        .await?;
    }
    done(tx, &user, &paths::admin_user(created.id), &format!(
            "{} can now sign in with the initial password you chose, and will be asked to change it.",
            created.display_name
        )).await
}
