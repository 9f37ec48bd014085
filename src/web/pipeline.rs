//! The expansion pipeline (SPEC §5): GET /programmes/{id}/pipeline shows
//! each process of the brief's scope with the plan as last signed, the
//! stage it is at (and who moved it, when), its go-live gates judged on
//! today's values with the periods that show it, and the ExCo's decisions.
//! The CEO and the COO move a process between stages (POST …/stage; the
//! move to *deploying* is refused, naming each failing gate, as the brief's
//! phase gate names the missing signatures), set and remove gates, and
//! record the ExCo's decisions at an open review (POST
//! /programmes/{id}/reviews/{month}/pipeline).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use uuid::Uuid;

use super::Routes;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::board::{Board, MetricView};
use crate::db;
use crate::db::metrics::DashboardSource;
use crate::db::pipeline::{DecisionRow, GateRow, MoveRow, PipelineSource, ProcessRow};
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Kind};
use crate::domain::metrics::{Cadence, Unit};
use crate::domain::permission::Action;
use crate::domain::pipeline::{
    self, Comparator, ExcoDecision, Gate, GateResult, Judged, MAX_GATE_PERIODS, Planned, Stage,
};
use crate::error::{AppError, Result};
use crate::paths::{self, route};
use crate::state::AppState;
use crate::web::cadence::{field, text};
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::FieldErrors;
use crate::web::once::{self, Once};
use crate::web::pages::{ConflictField, ConflictPage, Page, Refusal, render};

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(route::PIPELINE, show)
        .post(route::PIPELINE_STAGE, move_stage)
        .post(route::PIPELINE_GATES, add_gate)
        .post(route::PIPELINE_GATE_REMOVE, remove_gate)
        .post(route::REVIEW_PIPELINE, review_decision)
}

/// A gate judged on today's values.
#[derive(Debug, Clone)]
pub(crate) struct GateView {
    /// The stored gate.
    pub row: GateRow,
    /// In words.
    pub described: String,
    /// What the check found; `None` when the metric is no longer on the
    /// dashboard (which counts as not met).
    pub result: Option<GateResult>,
    /// The periods looked at.
    pub evidence: Vec<Evidence>,
}

/// One period a gate looked at.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    /// The period.
    pub period: crate::domain::metrics::Period,
    /// Its value.
    pub value: f64,
    /// The value in the metric's unit.
    pub shown: String,
    /// Whether it is on the right side of the threshold.
    pub met: bool,
}

impl GateView {
    /// Whether it holds.
    pub fn holds(&self) -> bool {
        self.result.as_ref().is_some_and(GateResult::holds)
    }

    /// Its standing in a few words.
    pub fn verdict(&self) -> String {
        match &self.result {
            Some(GateResult::Holds(_)) => "Holds".to_owned(),
            Some(GateResult::Fails(_)) => "Not met".to_owned(),
            Some(GateResult::Missing(period)) => {
                format!("Not met: no value for {}", period.label())
            }
            None => "Not met: the metric is no longer on the dashboard".to_owned(),
        }
    }

    fn judged(&self) -> Judged {
        Judged {
            gate: self.row.gate(),
            described: self.described.clone(),
            result: self.result.clone().unwrap_or(GateResult::Fails(Vec::new())),
        }
    }
}

/// One process as the pipeline shows it.
#[derive(Debug, Clone)]
pub(crate) struct ProcessView {
    /// The record.
    pub row: ProcessRow,
    /// The plan: the process as last signed.
    pub plan: Option<Planned>,
    /// The process in the draft, when it differs from the plan.
    pub draft: Option<Planned>,
    /// Its gates.
    pub gates: Vec<GateView>,
    /// Its moves, oldest first.
    pub moves: Vec<MoveRow>,
    /// The ExCo's decisions on it, oldest first.
    pub decisions: Vec<DecisionRow>,
}

impl ProcessView {
    /// The stage it is at.
    pub fn stage(&self) -> Stage {
        self.row.stage()
    }

    /// The name to show: as signed, else as drafted.
    pub fn name(&self) -> &str {
        self.plan
            .as_ref()
            .map_or(self.row.name.as_str(), |p| p.name.as_str())
    }

    /// The signed sequence number, if in the plan.
    pub fn sequence(&self) -> Option<usize> {
        self.plan.as_ref().map(|p| p.sequence)
    }

    /// When it last moved, and who moved it.
    pub fn last_move(&self) -> Option<&MoveRow> {
        self.moves.last()
    }

    /// Why it may not move to `to` now, if it may not.
    pub fn refusal(&self, to: Stage) -> Option<Vec<String>> {
        let gates: Vec<_> = self.gates.iter().map(GateView::judged).collect();
        pipeline::move_refusal(self.stage(), to, self.plan.is_some(), &gates)
    }

    /// Whether *deploying* is among the stages it may move to.
    pub fn may_deploy_next(&self) -> bool {
        self.stage().moves().contains(&Stage::Deploying)
    }

    /// Why it may not start deploying now, if it may not.
    pub fn refusal_to_deploy(&self) -> Option<Vec<String>> {
        self.refusal(Stage::Deploying)
    }

    /// How many gates do not hold.
    pub fn failing(&self) -> usize {
        self.gates.iter().filter(|g| !g.holds()).count()
    }

    /// Whether gates still matter: before the process starts deploying.
    pub fn gates_matter(&self) -> bool {
        matches!(self.stage(), Stage::Candidate | Stage::Approved)
    }

    /// Whether every gate holds (true when there are none).
    pub fn gates_hold(&self) -> bool {
        self.gates.iter().all(GateView::holds)
    }

    /// A planned figure for display, by key.
    pub fn figure(&self, planned: &Planned, key: &str) -> String {
        let (kind, raw) = match key {
            "expected_go_live" => (Kind::Date, &planned.expected_go_live),
            "investment" => (Kind::Money, &planned.investment),
            "expected_benefit" => (Kind::Money, &planned.expected_benefit),
            "expected_roi" => (Kind::Percent, &planned.expected_roi),
            "monthly_volume" => (Kind::Count, &planned.monthly_volume),
            _ => (Kind::Choice(brief::COMPLEXITY), &planned.complexity),
        };
        let shown = brief::display(kind, raw, &[]);
        match (shown.is_empty(), kind) {
            (true, _) => "—".to_owned(),
            (false, Kind::Money) => format!("€{shown}"),
            (false, Kind::Date) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_or(shown, |d| d.format("%-d %B %Y").to_string()),
            _ => shown,
        }
    }

    /// What the draft changes of the plan, in words.
    pub fn draft_changes(&self) -> Vec<String> {
        let (Some(plan), Some(draft)) = (&self.plan, &self.draft) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if plan.sequence != draft.sequence {
            out.push(format!("position {} → {}", plan.sequence, draft.sequence));
        }
        for (key, label) in [
            ("expected_go_live", "expected go-live"),
            ("investment", "investment required"),
            ("expected_benefit", "expected benefit"),
        ] {
            let (a, b) = (self.figure(plan, key), self.figure(draft, key));
            if a != b {
                out.push(format!("{label} {a} → {b}"));
            }
        }
        if plan.name != draft.name {
            out.push(format!("renamed to {}", draft.name));
        }
        out
    }
}

/// The whole pipeline: every process the brief names or once named, the
/// signed ones in their signed sequence, then those only in the draft, then
/// those the draft dropped.
pub(crate) fn build(
    source: &PipelineSource,
    dashboard: &DashboardSource,
    board: &Board,
    today: NaiveDate,
) -> Vec<ProcessView> {
    let scope = |sections: &HashMap<String, brief::Content>| {
        sections
            .get("process_scope")
            .map(pipeline::planned)
            .unwrap_or_default()
    };
    let signed = dashboard
        .signed
        .as_ref()
        .map(|s| scope(&s.sections))
        .unwrap_or_default();
    let drafted = scope(&dashboard.draft);
    let mut views: Vec<ProcessView> = source
        .processes
        .iter()
        .map(|row| {
            let plan = signed.iter().find(|p| p.key == row.key).cloned();
            let draft = drafted.iter().find(|p| p.key == row.key).cloned();
            ProcessView {
                gates: source
                    .gates
                    .iter()
                    .filter(|g| g.process_id == row.id)
                    .map(|g| judge(g, board, today))
                    .collect(),
                moves: source
                    .moves
                    .iter()
                    .filter(|m| m.process_id == row.id)
                    .cloned()
                    .collect(),
                decisions: source
                    .decisions
                    .iter()
                    .filter(|d| d.process_id == row.id)
                    .cloned()
                    .collect(),
                draft: draft.filter(|d| plan.as_ref() != Some(d)),
                plan,
                row: row.clone(),
            }
        })
        .collect();
    views.sort_by_key(|v| {
        (
            v.plan.is_none(),
            !v.row.in_draft,
            v.sequence().unwrap_or(usize::MAX),
            v.row.position,
        )
    });
    views
}

/// Judges a gate on the board's values.
fn judge(row: &GateRow, board: &Board, today: NaiveDate) -> GateView {
    let gate = row.gate();
    let Some(metric) = board.metrics.iter().find(|m| m.def.id == row.metric_id) else {
        return GateView {
            described: gate.describe(&row.metric_id, Unit::Count, Cadence::Weekly),
            row: row.clone(),
            result: None,
            evidence: Vec::new(),
        };
    };
    let result = gate.check(metric.def.cadence, &metric.values, today);
    let window: &[(crate::domain::metrics::Period, f64)] = match &result {
        GateResult::Holds(w) | GateResult::Fails(w) => w,
        GateResult::Missing(_) => &[],
    };
    let evidence = window
        .iter()
        .map(|(period, value)| Evidence {
            period: *period,
            value: *value,
            shown: metric.def.unit.format(*value),
            met: gate.passes(*value),
        })
        .collect();
    GateView {
        described: gate.describe(&metric.def.name, metric.def.unit, metric.def.cadence),
        row: row.clone(),
        result: Some(result),
        evidence,
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
    form: HashMap<String, String>,
    errors: FieldErrors,
}

impl PipelinePage {
    fn value(&self, process: &Uuid, name: &str) -> &str {
        if self.form_process.as_ref() != Some(process) {
            return "";
        }
        self.form.get(name).map_or("", String::as_str)
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
    form: HashMap<String, String>,
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
        page: Page::for_user(state, user).await?,
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
    page(&state, &user, id, None, HashMap::new(), FieldErrors::new()).await
}

/// The pipeline page again with a form's input and its errors (422).
async fn refused_form(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    process: Uuid,
    form: HashMap<String, String>,
    errors: FieldErrors,
) -> Result<Response> {
    let mut named = FieldErrors::new();
    for (field, message) in errors.all() {
        named.add(format!("{field}-{process}"), message);
    }
    let page = page(state, user, id, Some(process), form, named).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Ends a write: the message for the next page, the commit, and back to
/// `to`.
async fn done(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    user: &CurrentUser,
    to: String,
    message: String,
) -> Result<Response> {
    db::sessions::set_flash(&mut *tx, user.session_id, "success", &message).await?;
    tx.commit().await?;
    Ok(Redirect::to(&to).into_response())
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
    Form(form): Form<HashMap<String, String>>,
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
    let version: i32 = field(&form, "version").trim().parse().unwrap_or(-1);
    if process.stage_version != version {
        return Err(ConflictPage {
            page: Page::for_user(&state, &user).await?,
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
        version,
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
fn parse_gate(
    form: &HashMap<String, String>,
    board: &Board,
    errors: &mut FieldErrors,
) -> Option<Gate> {
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
    Form(form): Form<HashMap<String, String>>,
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
    let once = Once::parse(form.get(once::FIELD).map_or("", String::as_str));
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

/// POST /programmes/{id}/reviews/{month}/pipeline — the ExCo's decision on
/// a process, recorded with an open review; approving or retiring moves the
/// process there and then.
async fn review_decision(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, month)): Path<(Uuid, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    user.require(Action::WriteExcoReview)?;
    let month = super::cadence::month_of_path(&month)?;
    let back = paths::review(id, &month);
    let mut errors = FieldErrors::new();
    let process_id = errors.check(
        "pd_process",
        Uuid::parse_str(field(&form, "pd_process").trim()).map_err(|_| "Choose a process."),
    );
    let decision = errors.check(
        "pd_decision",
        ExcoDecision::parse(field(&form, "pd_decision")).ok_or("Choose what was decided."),
    );
    let note = errors.check("pd_note", text(field(&form, "pd_note"), 300));
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let review = db::cadence::lock_review(&mut tx, id, &month)
        .await?
        .ok_or(AppError::NotFound)?;
    if review.held_at.is_some() {
        drop(tx);
        return super::cadence::refuse_held(&state, &user, id, &review).await;
    }
    let process = match process_id {
        Some(p) => db::pipeline::lock_process(&mut tx, id, p).await?,
        None => None,
    };
    if process_id.is_some() && process.is_none() {
        errors.add("pd_process", "Choose one of the programme's processes.");
    }
    if let (Some(process), Some(decision)) = (&process, decision) {
        errors.check("pd_decision", decision.stage_after(process.stage()));
    }
    let (Some(process), Some(decision), Some(note), true) =
        (process, decision, note, errors.is_empty())
    else {
        drop(tx);
        return super::cadence::decision_refused(&state, &user, id, &month, form, errors).await;
    };
    db::pipeline::record_decision(
        &mut tx,
        &user.actor(&client, now),
        id,
        &review,
        &process,
        decision,
        &note,
    )
    .await?;
    let message = format!(
        "Recorded: {} — {}.",
        process.name,
        decision.label().to_lowercase()
    );
    done(tx, &user, back, message).await
}
