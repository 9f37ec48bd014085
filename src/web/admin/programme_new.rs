//! GET and POST /admin/programmes/new

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::programme_form::{ProgrammeForm, ProgrammeFormPage, parse};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::audit::Change;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::forms::FieldErrors;
use crate::web::pages::Page;

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    form: ProgrammeForm,
    errors: FieldErrors,
) -> Result<ProgrammeFormPage> {
    Ok(ProgrammeFormPage {
        page: Page::for_user(state, user).await?,
        heading: "New programme".into(),
        action: paths::ADMIN_PROGRAMME_NEW.into(),
        cancel_url: paths::ADMIN_PROGRAMMES.into(),
        is_new: true,
        form,
        approvers: db::seats::sitting_approvers(&state.pool, user.organisation_id).await?,
        errors,
    })
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require(Action::Administer)?;
    Ok(
        form_page(&state, &user, ProgrammeForm::default(), FieldErrors::new())
            .await?
            .render(StatusCode::OK),
    )
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let form = ProgrammeForm::from_pairs(pairs);
    let approvers = db::seats::sitting_approvers(&state.pool, user.organisation_id).await?;
    let parsed = match parse(&form, &approvers) {
        Ok(parsed) => parsed,
        Err(errors) => {
            return Ok(form_page(&state, &user, form, errors)
                .await?
                .render(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let created = match db::programmes::insert(
        &mut *tx,
        user.organisation_id,
        &parsed.fields(),
        Some(user.id),
        now,
    )
    .await
    {
        Ok(created) => created,
        Err(error) if db::is_constraint(&error, db::programmes::NAME_TAKEN) => {
            let mut errors = FieldErrors::new();
            errors.add("name", "Another programme already has this name.");
            return Ok(form_page(&state, &user, form, errors)
                .await?
                .render(StatusCode::UNPROCESSABLE_ENTITY));
        }
        Err(error) => return Err(error.into()),
    };
    db::programmes::set_signatories(
        &mut tx,
        user.organisation_id,
        created.id,
        &parsed.signatories,
        now,
    )
    .await?;
    let actor = user.actor(&client, now);
    db::raci::create_default(&mut tx, &actor, user.organisation_id, created.id).await?;
    db::audit::record(
        &mut tx,
        &actor,
        Change {
            action: crate::db::audit::actions::PROGRAMME_CREATE,
            object_type: "programme",
            object_id: Some(created.id),
            before: None,
            after: Some(
                serde_json::json!({ "programme": created, "signatories": parsed.signatories }),
            ),
        },
    )
    .await?;
    db::sessions::set_flash(&mut *tx, user.session_id, "success", "Programme created.").await?;
    tx.commit().await?;
    Ok(Redirect::to(&paths::programme(created.id)).into_response())
}
