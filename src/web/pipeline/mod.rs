//! The expansion pipeline (SPEC §5): GET /programmes/{id}/pipeline shows
//! each process of the brief's scope with the plan as last signed, the
//! stage it is at (and who moved it, when), its go-live gates judged on
//! today's values with the periods that show it, and the ExCo's decisions.
//! The CEO and the COO move a process between stages (POST …/stage; the
//! move to *deploying* is refused, naming each failing gate, as the brief's
//! phase gate names the missing signatures), set and remove gates, and
//! record the ExCo's decisions at an open review (POST
//! /programmes/{id}/reviews/{month}/pipeline).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::Routes;
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::board::Board;
use crate::db;
use crate::db::pipeline::{PipelineRead, PipelineSource, ProcessRow};
use crate::db::programmes::Programme;
use crate::db::sessions::Who;
use crate::domain::permission::Action;
use crate::domain::pipeline::{Comparator, Gate, MAX_GATE_PERIODS, Stage};
use crate::domain::values::text;
use crate::error::{AppError, Result};
use crate::paths::{self, route};
use crate::pipeline::build;
use crate::pipeline_shown::Viewing;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::FieldErrors;
use crate::web::forms::field;
use crate::web::once::Once;
use crate::web::pages::{ConflictField, ConflictPage, Page, Refusal, done, render};

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(route::PIPELINE, show)
        .post(route::PIPELINE_STAGE, move_stage)
        .post(route::PIPELINE_GATES, add_gate)
        .post(route::PIPELINE_GATE_REMOVE, remove_gate)
}

mod add_gate;
mod move_stage;
mod remove_gate;

use add_gate::add_gate;
use move_stage::move_stage;
use remove_gate::remove_gate;

crate::typed_form! {
    /// A process's two forms, as typed: moving it to a stage, and setting a
    /// go-live gate.
    pub(crate) struct PipelineForm {
        to,
        note,
        version,
        metric,
        comparator,
        threshold,
        periods,
        once,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pipeline/view.html")]
pub(super) struct PipelinePage {
    page: Page,
    programme: Programme,
    /// The pipeline as HTML (`pipeline_shown`): kept and filled for this
    /// view, or rendered now.
    content: String,
}

/// The pipeline page of programme `id`: as kept if it is what it would
/// render now and no form came back, else rendered from the documents with
/// what was typed, in one round trip with the session.
async fn page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    form_process: Option<Uuid>,
    form: PipelineForm,
    errors: FieldErrors,
) -> Result<PipelinePage> {
    let today = state.now().date_naive();
    let markup = crate::board_shown::markup();
    let seen = db::pipeline::view(state.readers(), &viewer.who(state), id, today, markup).await?;
    let (user, (programme, read)) = viewer.admit(state, seen).await?;
    let user = &user;
    user.require(Action::ReadProgramme)?;
    let programme = programme.ok_or(AppError::NotFound)?;
    let can_move = user.seats.permits(Action::MovePhase);
    let content = match read {
        PipelineRead::Shown(kept) if form_process.is_none() && errors.is_empty() => {
            let kept = kept.get(usize::from(can_move)).map_or("", String::as_str);
            crate::pipeline_shown::fill(kept, &user.csrf_token)
        }
        read => {
            let source = match read {
                PipelineRead::Source(source) => *source,
                // A form came back: what was typed is shown with the
                // pipeline as it stands.
                PipelineRead::Shown(_) => {
                    let mut source = db::pipeline::source(
                        &state.pool,
                        &Who::Organisation(user.organisation_id),
                        id,
                    )
                    .await?
                    .ok_or(AppError::NotFound)?
                    .page;
                    source.programme = None;
                    source
                }
            };
            let viewing = Viewing {
                can_move,
                csrf_token: &user.csrf_token,
                form_process,
                form: &form,
                errors: &errors,
            };
            crate::pipeline_shown::render(id, &source, today, &viewing)
        }
    };
    Ok(PipelinePage {
        page: Page::of(state, user),
        programme,
        content,
    })
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<PipelinePage> {
    page(
        &state,
        viewer,
        id,
        None,
        PipelineForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// The pipeline page again with a form's input and its errors (422).
async fn refused_form(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    process: Uuid,
    form: PipelineForm,
    errors: FieldErrors,
) -> Result<Response> {
    let mut named = FieldErrors::new();
    for (field, message) in errors.all() {
        named.add(format!("{field}-{process}"), message);
    }
    let page = page(
        state,
        Viewer::Known(user.clone()),
        id,
        Some(process),
        form,
        named,
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The process of a path, if this programme has it; else 404.
async fn locked(tx: &mut sqlx::PgConnection, id: Uuid, process: Uuid) -> Result<ProcessRow> {
    db::pipeline::lock_process(tx, id, process)
        .await?
        .ok_or(AppError::NotFound)
}
