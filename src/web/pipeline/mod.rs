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
use crate::board::{Board, MetricView};
use crate::db;
use crate::db::pipeline::{PipelineSource, ProcessRow};
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::domain::pipeline::{Comparator, Gate, MAX_GATE_PERIODS, Stage};
use crate::domain::values::text;
use crate::error::{AppError, Result};
use crate::paths::{self, route};
use crate::pipeline::{ProcessView, build};
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::field;
use crate::web::forms::{FieldErrors, Typed};
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
    processes: Vec<ProcessView>,
    /// The agents in service, by process.
    agents: Vec<crate::db::pipeline::PipelineAgent>,
    signed_version: Option<i32>,
    metrics: Vec<(String, String)>,
    can_move: bool,
    /// The process whose form came back, what was typed and why.
    form_process: Option<Uuid>,
    form: PipelineForm,
    errors: FieldErrors,
}

impl PipelinePage {
    fn agents_of(&self, process: &Uuid) -> Vec<&crate::db::pipeline::PipelineAgent> {
        self.agents
            .iter()
            .filter(|a| a.process_id == *process)
            .collect()
    }

    fn value(&self, process: &Uuid, name: &str) -> &str {
        if self.form_process.as_ref() != Some(process) {
            return "";
        }
        self.form.value(name)
    }

    /// The message of a field of one process's forms (fields are named
    /// `{name}-{process}` on the page, so the error summary's links land).
    fn error(&self, process: &Uuid, name: &str) -> Option<&str> {
        self.errors.get(format!("{name}-{process}"))
    }
}

async fn page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    form_process: Option<Uuid>,
    form: PipelineForm,
    errors: FieldErrors,
) -> Result<PipelinePage> {
    let seen = db::pipeline::source(&state.pool, &viewer.who(state), id).await?;
    let (user, mut source) = viewer.admit(state, seen).await?;
    let user = &user;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.take().ok_or(AppError::NotFound)?;
    let dashboard = std::mem::take(&mut source.dashboard);
    let today = state.now().date_naive();
    let board = Board::build(&dashboard, today);
    Ok(PipelinePage {
        processes: build(&source, &dashboard, &board, today),
        agents: std::mem::take(&mut source.agents),
        signed_version: board.basis.signed_version,
        metrics: board
            .metrics
            .iter()
            .map(|m: &MetricView| (m.def.id.clone(), m.def.name.clone()))
            .collect(),
        can_move: user.seats.permits(Action::MovePhase),
        page: Page::of(state, user),
        programme,
        form_process,
        form,
        errors,
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
