//! GET and POST /admin/programmes/{id} — name, summary, planned start and
//! the approvers who must sign the brief.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::programme_form::{ProgrammeForm, ProgrammeFormPage, parse};
use super::shared::parse_version;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::{ConflictField, ConflictPage, Page, done};

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    programme: &Programme,
    form: ProgrammeForm,
    errors: FieldErrors,
) -> Result<ProgrammeFormPage> {
    Ok(ProgrammeFormPage {
        page: Page::of(state, user),
        heading: format!("Edit {}", programme.name),
        action: paths::admin_programme(programme.id),
        cancel_url: paths::programme(programme.id),
        is_new: false,
        form,
        approvers: db::seats::sitting_approvers(&state.pool, user.organisation_id).await?,
        errors,
    })
}

async fn load(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<(Programme, Vec<Uuid>)> {
    let programme = db::programmes::find_in_org(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let signatories = db::programmes::signatories(&state.pool, id)
        .await?
        .into_iter()
        .map(|s| s.user_id)
        .collect();
    Ok((programme, signatories))
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let (programme, signatories) = load(&state, &user, id).await?;
    let form = ProgrammeForm::from_programme(&programme, &signatories);
    Ok(
        form_page(&state, &user, &programme, form, FieldErrors::new())
            .await?
            .render(StatusCode::OK),
    )
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let (before, before_signatories) = load(&state, &user, id).await?;
    let form = ProgrammeForm::from_pairs(pairs);
    let approvers = db::seats::sitting_approvers(&state.pool, user.organisation_id).await?;
    let parsed = match parse(&form, &approvers) {
        Ok(parsed) => parsed,
        Err(errors) => {
            return Ok(form_page(&state, &user, &before, form, errors)
                .await?
                .render(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let unchanged = parsed.name.as_str() == before.name
        && parsed.summary == before.summary
        && parsed.planned_start == before.planned_start
        && parsed.pulse_tolerance == before.pulse_tolerance
        && {
            let (mut old, mut new) = (before_signatories.clone(), parsed.signatories.clone());
            old.sort();
            new.sort();
            old == new
        };
    if unchanged {
        return crate::web::pages::nothing_changed(&state, &user, &paths::programme(id)).await;
    }
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let fields = parsed.fields();
    let edit = db::programmes::ProgrammeEdit {
        before: &before,
        before_signatories: &before_signatories,
        expected_version: parse_version(&form.version),
        fields: &fields,
        signatories: &parsed.signatories,
    };
    let updated = db::programmes::edit(&mut tx, &user.actor(&client, now), edit).await;
    match updated {
        Ok(Some(_)) => {}
        Ok(None) => {
            let current = ProgrammeForm::from_programme(&before, &before_signatories);
            return Err(ConflictPage {
                page: Page::of(&state, &user),
                what: format!("the programme {}", before.name),
                reload_url: paths::admin_programme(id),
                fields: vec![
                    ConflictField {
                        label: "Name".into(),
                        yours: form.name.clone(),
                        theirs: current.name,
                    },
                    ConflictField {
                        label: "Summary".into(),
                        yours: form.summary.clone(),
                        theirs: current.summary,
                    },
                    ConflictField {
                        label: "Planned start".into(),
                        yours: form.planned_start.clone(),
                        theirs: current.planned_start,
                    },
                ],
            }
            .into());
        }
        Err(error) if db::is_constraint(&error, db::programmes::NAME_TAKEN) => {
            let mut errors = FieldErrors::new();
            errors.add("name", "Another programme already has this name.");
            return Ok(form_page(&state, &user, &before, form, errors)
                .await?
                .render(StatusCode::UNPROCESSABLE_ENTITY));
        }
        Err(error) => return Err(error.into()),
    };
    // The pulse tolerance can raise or clear a sign.
    db::health::refresh(&mut tx, user.organisation_id, id, now).await?;
    done(tx, &user, &paths::programme(id), "Programme saved.").await
}
