//! GET and POST /admin/users/new — add a person: invited by e-mail to
//! choose their own password (single-use link, 7 days), or given an initial
//! password (changed at first login); optionally with a first seat.

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
    /// `invite` or `password`; empty: `password` if one was typed.
    join: String,
    password: String,
    seat: String,
    title: String,
}

/// A new user, parsed.
struct NewUser {
    email: Email,
    display_name: Line,
    /// The initial password; none: invited by e-mail.
    password: Option<NewPassword>,
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
        // A form without the choice (an older page, a script) means what
        // it carries: a password if it has one.
        let join = match form.join.as_str() {
            "" if form.password.is_empty() => "invite",
            "" => "password",
            chosen => chosen,
        };
        let password = match join {
            "invite" => Some(None),
            "password" => errors
                .check("password", NewPassword::parse(&form.password))
                .map(Some),
            _ => {
                errors.add("join", "Choose how they join.");
                None
            }
        };
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

    let hash = match &new.password {
        Some(chosen) => Some(password::hash(chosen.expose()).await?),
        None => None,
    };
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
            password_hash: hash.as_deref(),
            must_change_password: hash.is_some(),
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
    let told = if hash.is_some() {
        format!(
            "{} can now sign in with the initial password you chose, and will be asked to change it.",
            created.display_name
        )
    } else {
        let seat = new.seat.as_ref().map(|(kind, title)| match title {
            Some(title) => format!("{} ({})", kind.label(), title.as_str()),
            None => kind.label().to_owned(),
        });
        invite(
            &state,
            &mut tx,
            &user,
            &actor,
            &created,
            seat.as_deref(),
            now,
        )
        .await?;
        format!(
            "We e-mailed {} an invitation to {}: its link works once, for 7 days.",
            created.display_name, created.email
        )
    };
    done(tx, &user, &paths::admin_user(created.id), &told).await
}

/// Invites `person` by e-mail: a new single-use token, its hash stored,
/// the link in a message queued to them (any earlier invitation is
/// withdrawn). Shared with the user page's "send a new invitation".
pub(super) async fn invite(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    admin: &CurrentUser,
    actor: &crate::db::audit::Actor,
    person: &db::users::User,
    seat: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let token = crate::auth::token::random_hex(32);
    db::invitations::issue(
        &mut *tx,
        actor,
        admin.organisation_id,
        person.id,
        &crate::auth::token::digest(&token),
        now,
    )
    .await?;
    let organisation = db::organisations::find(&state.pool, admin.organisation_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let message = crate::domain::notify::invitation(
        &admin.display_name,
        &organisation,
        seat,
        paths::invitation(&token),
        now + db::invitations::VALID_FOR,
    );
    db::notifications::queue_to_user(
        tx,
        admin.organisation_id,
        person.id,
        &message,
        db::notifications::Timing::now(now),
    )
    .await?;
    Ok(())
}
