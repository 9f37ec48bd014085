//! Weekly COO updates: the form (GET …/updates/new, POST …/updates), the
//! one-page summary (GET …/updates/{week}) and further decision requests
//! raised on it (POST …/updates/{week}/requests).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::{RequestView, load, see};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::cadence::Reads;
use crate::db::cadence::{CadenceSource, NewRequest, NewUpdate, UpdateRow, Workstream};
use crate::db::programmes::Programme;
use crate::domain::cadence::{self, DEPLOYMENT_WEEKS, Standing};
use crate::domain::permission::Action;
use crate::domain::phase::Phase;
use crate::domain::values::{required, text};
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::forms::field;
use crate::web::once::Once;
use crate::web::pages::{Page, Refusal, done, render};

/// Workstream rows on the form.
const WORKSTREAM_ROWS: usize = 5;

crate::typed_form! {
    /// A weekly update as typed, with its workstream rows and the decision
    /// request it may raise (the request form of a written update posts the
    /// last three fields alone).
    pub(super) struct UpdateInput {
        week,
        summary,
        blockers,
        ws_name_1,
        ws_standing_1,
        ws_note_1,
        ws_name_2,
        ws_standing_2,
        ws_note_2,
        ws_name_3,
        ws_standing_3,
        ws_note_3,
        ws_name_4,
        ws_standing_4,
        ws_note_4,
        ws_name_5,
        ws_standing_5,
        ws_note_5,
        question,
        options,
        recommendation,
        once,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cadence/update_new.html")]
pub(super) struct UpdateForm {
    page: Page,
    programme: Programme,
    form: UpdateInput,
    errors: FieldErrors,
    weeks: Vec<u32>,
    rows: Vec<usize>,
    standings: [Standing; 5],
}

impl UpdateForm {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn row_value(&self, name: &str, n: &usize) -> &str {
        field(&self.form, &format!("{name}_{n}"))
    }
}

fn form_page(
    page: Page,
    programme: Programme,
    form: UpdateInput,
    errors: FieldErrors,
) -> UpdateForm {
    UpdateForm {
        page,
        programme,
        form,
        errors,
        weeks: (1..=DEPLOYMENT_WEEKS).collect(),
        rows: (1..=WORKSTREAM_ROWS).collect(),
        standings: Standing::ALL,
    }
}

/// Refuses unless the programme is deploying: updates belong to weeks 1–8.
async fn deploying_only(
    state: &AppState,
    user: &CurrentUser,
    programme: &Programme,
) -> Result<Option<Response>> {
    if programme.phase() == Phase::Deploying && programme.deploying_since.is_some() {
        return Ok(None);
    }
    Refusal::conflict(
        state,
        user,
        "No weekly update is due",
        "The COO writes weekly updates during the eight weeks of the deployment; this programme is not deploying.",
        Vec::new(),
        (paths::cadence(programme.id), "Back to the cadence".to_owned()),
    )
    .await
    .map(Some)
}

pub(super) async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (programme, source) = load(&state, &user, id, Reads::ALL).await?;
    user.require(Action::WriteWeeklyUpdate)?;
    if let Some(refusal) = deploying_only(&state, &user, &programme).await? {
        return Ok(refusal);
    }
    let today = state.now().date_naive();
    let mut form = UpdateInput::default();
    let week = programme
        .deploying_since
        .and_then(|since| cadence::deployment_week(since, today))
        .unwrap_or(DEPLOYMENT_WEEKS);
    form.week = week.to_string();
    // Last week's workstreams, to update rather than retype.
    if let Some(last) = source.updates.last() {
        for (n, w) in last.workstreams.iter().take(WORKSTREAM_ROWS).enumerate() {
            form.set(&format!("ws_name_{}", n + 1), w.name.clone());
            form.set(&format!("ws_standing_{}", n + 1), w.standing.clone());
        }
    }
    let page = form_page(Page::of(&state, &user), programme, form, FieldErrors::new());
    Ok(render(StatusCode::OK, &page))
}

/// Reads a decision request from fields `{prefix}question` etc.; `None`
/// when the question is empty.
fn parse_request(form: &UpdateInput, errors: &mut FieldErrors) -> Option<(String, String, String)> {
    let question = text(field(form, "question"), 500);
    match question {
        Ok(q) if q.is_empty() => None,
        Ok(q) => {
            let options = errors.check(
                "options",
                required(
                    field(form, "options"),
                    3000,
                    "the options the CEO can choose from",
                ),
            );
            let recommendation = errors.check(
                "recommendation",
                required(field(form, "recommendation"), 3000, "what you recommend"),
            );
            Some((q, options?, recommendation?))
        }
        Err(message) => {
            errors.add("question", message);
            None
        }
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<UpdateInput>,
) -> Result<Response> {
    let (programme, _) = load(&state, &user, id, Reads::default()).await?;
    user.require(Action::WriteWeeklyUpdate)?;
    if let Some(refusal) = deploying_only(&state, &user, &programme).await? {
        return Ok(refusal);
    }
    let mut errors = FieldErrors::new();
    let week = errors.check(
        "week",
        field(&form, "week")
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|w| (1..=DEPLOYMENT_WEEKS).contains(w))
            .ok_or("Choose a week from 1 to 8."),
    );
    let summary = errors.check(
        "summary",
        required(field(&form, "summary"), 5000, "where the deployment stands"),
    );
    let blockers = errors.check("blockers", text(field(&form, "blockers"), 5000));
    let mut workstreams = Vec::new();
    for n in 1..=WORKSTREAM_ROWS {
        let name = field(&form, &format!("ws_name_{n}")).trim();
        if name.is_empty() {
            continue;
        }
        let standing = Standing::parse(field(&form, &format!("ws_standing_{n}")));
        let note = text(field(&form, &format!("ws_note_{n}")), 500);
        match (text(name, 120), standing, note) {
            (Ok(name), Some(standing), Ok(note)) => workstreams.push(Workstream {
                name,
                standing: standing.as_str().to_owned(),
                note,
            }),
            (Err(message), _, _) => errors.add(format!("ws_name_{n}"), message),
            (_, None, _) => errors.add(
                format!("ws_standing_{n}"),
                "Say where this workstream stands.",
            ),
            (_, _, Err(message)) => errors.add(format!("ws_note_{n}"), message),
        }
    }
    if workstreams.is_empty() && errors.get("ws_name_1").is_none() {
        errors.add(
            "ws_name_1",
            "Name at least one workstream and where it stands against the plan.",
        );
    }
    let request = parse_request(&form, &mut errors);
    let (Some(week), Some(summary), Some(blockers), true) =
        (week, summary, blockers, errors.is_empty())
    else {
        let page = form_page(Page::of(&state, &user), programme, form, errors);
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    db::programmes::lock(&mut tx, id).await?;
    let figures = crate::board::figures_now(&mut tx, id, now).await?;
    let written = db::cadence::write_update(
        &mut tx,
        &user.actor(&client, now),
        &NewUpdate {
            organisation_id: user.organisation_id,
            programme_id: id,
            week: i32::try_from(week).unwrap_or(1),
            summary: &summary,
            workstreams: &workstreams,
            blockers: &blockers,
            figures: &figures,
            request: request
                .as_ref()
                .map(|(question, options, recommendation)| NewRequest {
                    question,
                    options,
                    recommendation,
                }),
        },
    )
    .await?;
    if written.is_none() {
        drop(tx);
        errors.add(
            "week",
            format!(
                "Week {week} already has its update: open it to raise a further decision request."
            ),
        );
        let page = form_page(Page::of(&state, &user), programme, form, errors);
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    let message = if request.is_some() {
        format!(
            "Week {week}'s update is written, and the CEO has 24 hours to answer its decision request."
        )
    } else {
        format!("Week {week}'s update is written.")
    };
    done(tx, &user, &paths::update(id, week), &message).await
}

#[derive(Template, WebTemplate)]
#[template(path = "cadence/update.html")]
pub(super) struct UpdatePage {
    page: Page,
    programme: Programme,
    update: UpdateRow,
    requests: Vec<RequestView>,
    can_raise: bool,
    form: UpdateInput,
    errors: FieldErrors,
}

impl UpdatePage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn standing(&self, stored: &str) -> Standing {
        Standing::parse(stored).unwrap_or(Standing::OnPlan)
    }
}

fn update_of(source: &CadenceSource, week: i32) -> Result<UpdateRow> {
    source
        .updates
        .iter()
        .find(|u| u.week == week)
        .cloned()
        .ok_or(AppError::NotFound)
}

async fn update_page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    week: i32,
    form: UpdateInput,
    errors: FieldErrors,
) -> Result<UpdatePage> {
    let (user, programme, source) = see(state, viewer, id, Reads::update(week)).await?;
    let user = &user;
    let update = update_of(&source, week)?;
    let now = state.now();
    Ok(UpdatePage {
        requests: source
            .requests
            .iter()
            .filter(|r| r.update_week == week)
            .map(|r| RequestView::of(r, now))
            .collect(),
        can_raise: user.can(Action::WriteWeeklyUpdate) && programme.phase() == Phase::Deploying,
        page: Page::of(state, user),
        programme,
        update,
        form,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, week)): Path<(Uuid, i32)>,
) -> Result<UpdatePage> {
    update_page(
        &state,
        viewer,
        id,
        week,
        UpdateInput::default(),
        FieldErrors::new(),
    )
    .await
}

pub(super) async fn raise(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path((id, week)): Path<(Uuid, i32)>,
    Form(form): Form<UpdateInput>,
) -> Result<Response> {
    let (programme, source) = load(&state, &user, id, Reads::ALL).await?;
    user.require(Action::WriteWeeklyUpdate)?;
    let update = update_of(&source, week)?;
    if let Some(refusal) = deploying_only(&state, &user, &programme).await? {
        return Ok(refusal);
    }
    let mut errors = FieldErrors::new();
    let request = parse_request(&form, &mut errors);
    if request.is_none() && errors.is_empty() {
        errors.add("question", "Write the question the CEO is to decide.");
    }
    let Some((question, options, recommendation)) = request.filter(|_| errors.is_empty()) else {
        let page = update_page(&state, Viewer::Known(user.clone()), id, week, form, errors).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let once = Once::parse(&form.once);
    let mut tx = state.pool.begin().await?;
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    db::programmes::lock(&mut tx, id).await?;
    let number = db::cadence::raise_request(
        &mut tx,
        &user.actor(&client, state.now()),
        user.organisation_id,
        id,
        update.id,
        &NewRequest {
            question: &question,
            options: &options,
            recommendation: &recommendation,
        },
    )
    .await?;
    once.recorded(&mut tx, user.id, &paths::decision(id, number))
        .await?;
    done(
        tx,
        &user,
        &paths::update(id, week),
        &format!("Decision request #{number} is raised: the CEO has 24 hours to answer."),
    )
    .await
}
