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
use crate::auth::extract::CurrentUser;
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
    signed_version: Option<i32>,
    metrics: Vec<(String, String)>,
    can_move: bool,
    /// The process whose form came back, what was typed and why.
    form_process: Option<Uuid>,
    form: PipelineForm,
    errors: FieldErrors,
}

impl PipelinePage {
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
    user: &CurrentUser,
    id: Uuid,
    form_process: Option<Uuid>,
    form: PipelineForm,
    errors: FieldErrors,
) -> Result<PipelinePage> {
    user.require(Action::ReadProgramme)?;
    let mut source = db::pipeline::source(&state.pool, user.organisation_id, id).await?;
    let programme = source.programme.take().ok_or(AppError::NotFound)?;
    let dashboard = db::metrics::dashboard_source(&state.pool, id, None).await?;
    let today = state.now().date_naive();
    let board = Board::build(&dashboard, today);
    Ok(PipelinePage {
        processes: build(&source, &dashboard, &board, today),
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
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<PipelinePage> {
    page(
        &state,
        &user,
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
    let page = page(state, user, id, Some(process), form, named).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The process of a path, if this programme has it; else 404.
async fn locked(tx: &mut sqlx::PgConnection, id: Uuid, process: Uuid) -> Result<ProcessRow> {
    db::pipeline::lock_process(tx, id, process)
        .await?
        .ok_or(AppError::NotFound)
}

async fn move_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, process_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<PipelineForm>,
) -> Result<Response> {
    user.require(Action::MovePhase)?;
    let mut errors = FieldErrors::new();
    let to = errors.check(
        "to",
        Stage::parse(field(&form, "to")).ok_or("Choose the stage to move it to."),
    );
    let note = errors.check("note", text(field(&form, "note"), 300));
    let (Some(to), Some(note)) = (to, note) else {
        return refused_form(&state, &user, id, process_id, form, errors).await;
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let process = locked(&mut tx, id, process_id).await?;
    // A form without the version it was loaded at is as stale as an old one.
    let version: Option<i32> = form.version.trim().parse().ok();
    if version != Some(process.stage_version) {
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the stage of {}", process.name),
            reload_url: paths::pipeline(id),
            fields: vec![ConflictField {
                label: "Stage".into(),
                yours: to.label().into(),
                theirs: process.stage().label().into(),
            }],
        }
        .into());
    }
    // Judged inside the transaction, on the values as they stand now.
    let source = PipelineSource {
        programme: None,
        processes: vec![process.clone()],
        moves: Vec::new(),
        gates: db::pipeline::gates_of(&mut *tx, process.id).await?,
        decisions: Vec::new(),
    };
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let board = Board::build(&dashboard, now.date_naive());
    let view = build(&source, &dashboard, &board, now.date_naive())
        .pop()
        .ok_or(AppError::NotFound)?;
    if let Some(reasons) = view.refusal(to) {
        drop(tx);
        return Refusal::conflict(
            &state,
            &user,
            format!("{} cannot move to {} yet", view.name(), to.label().to_lowercase()),
            if to.gated() {
                "A process starts deploying only once it is in the signed brief and every go-live gate holds."
            } else {
                "That move does not follow the order of the stages."
            },
            reasons,
            (paths::pipeline(id), "Back to the pipeline".to_owned()),
        )
        .await;
    }
    db::pipeline::move_stage(
        &mut tx,
        &user.actor(&client, now),
        id,
        &process,
        process.stage_version,
        to,
        &note,
    )
    .await?;
    done(
        tx,
        &user,
        paths::pipeline(id),
        format!("{} is now {}.", view.name(), to.label().to_lowercase()),
    )
    .await
}

/// A gate as a form submits it.
fn parse_gate(form: &PipelineForm, board: &Board, errors: &mut FieldErrors) -> Option<Gate> {
    let metric = errors.check(
        "metric",
        board
            .metrics
            .iter()
            .find(|m| m.def.id == field(form, "metric"))
            .ok_or("Choose one of the dashboard's metrics."),
    );
    let comparator = errors.check(
        "comparator",
        Comparator::parse(field(form, "comparator")).ok_or("Choose below or above."),
    );
    let threshold = metric.and_then(|m| {
        errors.check(
            "threshold",
            m.def.unit.parse_value(field(form, "threshold")),
        )
    });
    let periods = errors.check(
        "periods",
        field(form, "periods")
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_GATE_PERIODS).contains(n))
            .ok_or(format!(
                "Give a whole number of periods from 1 to {MAX_GATE_PERIODS}."
            )),
    );
    Some(Gate {
        metric_id: metric?.def.id.clone(),
        comparator: comparator?,
        threshold: threshold?,
        periods: periods?,
    })
}

async fn add_gate(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, process_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<PipelineForm>,
) -> Result<Response> {
    user.require(Action::MovePhase)?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let process = locked(&mut tx, id, process_id).await?;
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let board = Board::build(&dashboard, now.date_naive());
    let mut errors = FieldErrors::new();
    let Some(gate) = parse_gate(&form, &board, &mut errors).filter(|_| errors.is_empty()) else {
        drop(tx);
        return refused_form(&state, &user, id, process_id, form, errors).await;
    };
    let once = Once::parse(&form.once);
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    once.recorded(&mut tx, user.id, &paths::pipeline(id))
        .await?;
    db::pipeline::add_gate(&mut tx, &user.actor(&client, now), id, &process, &gate).await?;
    done(
        tx,
        &user,
        paths::pipeline(id),
        format!("The gate is set on {}.", process.name),
    )
    .await
}

async fn remove_gate(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, process_id, gate_id)): Path<(Uuid, Uuid, Uuid)>,
) -> Result<Response> {
    user.require(Action::MovePhase)?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let process = locked(&mut tx, id, process_id).await?;
    // Removing a gate twice (a second click, another tab) is no error.
    let removed =
        db::pipeline::remove_gate(&mut tx, &user.actor(&client, now), id, &process, gate_id)
            .await?;
    done(
        tx,
        &user,
        paths::pipeline(id),
        if removed {
            format!("The gate on {} is removed.", process.name)
        } else {
            format!("That gate on {} was already removed.", process.name)
        },
    )
    .await
}
