//! GET and POST /admin/programmes/new

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::programme_form::{ProgrammeForm, ProgrammeFormPage, parse};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::forms::FieldErrors;
use crate::web::once::Once;
use crate::web::pages::{Page, done};

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    form: ProgrammeForm,
    errors: FieldErrors,
) -> Result<ProgrammeFormPage> {
    Ok(ProgrammeFormPage {
        page: Page::of(state, user),
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
    let once = Once::parse(&form.once);
    let mut tx = state.pool.begin().await?;
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    let actor = user.actor(&client, state.now());
    let created = match db::programmes::create(
        &mut tx,
        &actor,
        user.organisation_id,
        &parsed.fields(),
        &parsed.signatories,
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
    once.recorded(&mut tx, user.id, &paths::programme(created.id))
        .await?;
    done(
        tx,
        &user,
        &paths::programme(created.id),
        "Programme created.",
    )
    .await
}
