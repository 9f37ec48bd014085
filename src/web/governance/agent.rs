//! GET /programmes/{id}/agents/{agent} — one agent: its entry, decision
//! types as signed, its state with the history of every change (who, when,
//! why), its overrides and incidents. The COO edits it (POST, with its
//! version) and retires it; the COO or the override owner named in the
//! signed framework suspends it at once; the COO (and the CEO after a
//! serious incident) decides its resumption.

use super::register::typed;
use super::*;
use crate::domain::seat::SeatKind;
use crate::web::forms::Typed;

#[derive(Template, WebTemplate)]
#[template(path = "governance/agent.html")]
pub(super) struct AgentPage {
    page: Page,
    programme: Programme,
    agent: AgentView,
    build_buy: Option<String>,
    changes: Vec<db::governance::ChangeRow>,
    overrides: Vec<db::governance::OverrideRow>,
    incidents: Vec<IncidentView>,
    processes: Vec<ProcessRow>,
    choices: Vec<(String, String)>,
    people: Vec<PersonRow>,
    signed_version: Option<i32>,
    can_edit: bool,
    /// In which capacity the viewer may suspend it, if they may.
    suspends_as: Option<String>,
    /// The viewer's seat whose resumption decision is still needed.
    resumes_as: Option<SeatKind>,
    zone: chrono_tz::Tz,
    form: GovernanceForm,
    ticked: Vec<String>,
    errors: FieldErrors,
}

impl AgentPage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn is_ticked(&self, id: &str) -> bool {
        self.ticked.iter().any(|t| t == id)
    }

    fn role_label(&self, role: &str) -> String {
        governance::role_label(role).to_owned()
    }

    fn category_label(&self, key: &str) -> String {
        governance::category_label(key).to_owned()
    }

    fn process_options(&self) -> Vec<(String, String)> {
        process_options(&self.processes)
    }

    fn people_options(&self) -> Vec<(String, String)> {
        people_options(&self.people)
    }

    fn when(&self, at: &DateTime<Utc>) -> String {
        zone::moment(*at, self.zone)
    }
}

/// The agent's page for `viewer`, with a form's input and errors.
async fn page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    agent_id: Uuid,
    typed_form: Option<(GovernanceForm, Vec<String>)>,
    errors: FieldErrors,
) -> Result<AgentPage> {
    let (user, programme, source) = see(state, viewer, id, Some(agent_id)).await?;
    let now = state.now();
    let framework = Framework::of(&source);
    let agent = agent_views(&source, &framework)
        .into_iter()
        .find(|a| a.row.id == agent_id)
        .ok_or(AppError::NotFound)?;
    let titles = source
        .people
        .iter()
        .find(|p| p.id == user.id)
        .map(|p| p.titles.clone())
        .unwrap_or_default();
    let state_now = agent.state();
    let suspends_as = (state_now == AgentState::Live)
        .then(|| {
            governance::suspends_as(
                &user.seats,
                &titles,
                &framework.override_roles(&agent.row.decisions),
            )
        })
        .flatten();
    let resumes_as = (state_now == AgentState::Suspended)
        .then(|| {
            governance::resumed_by(agent.row.serious_since_live)
                .iter()
                .copied()
                .find(|seat| {
                    user.seats.holds(*seat)
                        && !agent.row.resume_seats.iter().any(|d| d == seat.as_str())
                })
        })
        .flatten();
    let (form, ticked) = typed_form.unwrap_or_else(|| {
        let form = GovernanceForm {
            name: agent.row.name.clone(),
            process: agent.row.process_id.to_string(),
            provider: agent.row.provider.clone(),
            accountable: agent.row.accountable_id.to_string(),
            version: agent.row.version.to_string(),
            ..GovernanceForm::default()
        };
        (form, agent.row.decisions.clone())
    });
    Ok(AgentPage {
        incidents: source
            .incidents
            .iter()
            .filter(|i| i.agent_id == Some(agent_id))
            .map(|row| incident_view(&source, row, now, user.time_zone))
            .collect(),
        choices: framework.choices_for(&source.processes),
        build_buy: build_buy_label(source.build_buy.as_deref()),
        signed_version: framework.signed_version,
        can_edit: user.can(Action::KeepAgentRegister) && state_now != AgentState::Retired,
        page: Page::of(state, &user),
        changes: source.changes,
        overrides: source.overrides,
        processes: source.processes,
        people: source.people,
        programme,
        agent,
        suspends_as,
        resumes_as,
        zone: user.time_zone,
        form,
        ticked,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, agent)): Path<(Uuid, Uuid)>,
) -> Result<AgentPage> {
    page(&state, viewer, id, agent, None, FieldErrors::new()).await
}

async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    agent: Uuid,
    form: (GovernanceForm, Vec<String>),
    errors: FieldErrors,
) -> Result<Response> {
    let page = page(
        state,
        Viewer::Known(user.clone()),
        id,
        agent,
        Some(form),
        errors,
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Locks the agent, or 404.
async fn locked(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    agent: Uuid,
) -> Result<db::governance::LockedAgent> {
    db::governance::lock_agent(tx, id, agent)
        .await?
        .ok_or(AppError::NotFound)
}

/// POST /programmes/{id}/agents/{agent} — the COO edits its entry.
pub(super) async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, agent_id)): Path<(Uuid, Uuid)>,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::KeepAgentRegister)?;
    let form = typed(&body);
    let decisions = ticked(&body);
    let (_, _, source) = see(&state, Viewer::Known(user.clone()), id, Some(agent_id)).await?;
    if !source.agents.iter().any(|a| a.id == agent_id) {
        return Err(AppError::NotFound);
    }
    let framework = Framework::of(&source);
    let mut errors = FieldErrors::new();
    let parsed = parse_agent(&form, &decisions, &source, &framework, &mut errors);
    let version = form.version.trim().parse::<i32>().unwrap_or(0);
    let Some((name, process_id, provider, accountable_id)) = parsed.filter(|_| errors.is_empty())
    else {
        return refused(&state, &user, id, agent_id, (form, decisions), errors).await;
    };
    let now = state.now();
    let url = paths::agent(id, agent_id);
    let mut tx = state.pool.begin().await?;
    let agent = locked(&mut tx, id, agent_id).await?;
    if agent.version != version {
        return Err(stale(
            &state,
            &user,
            format!("the agent {}", agent.name),
            url,
        ));
    }
    if agent.state() == AgentState::Retired {
        drop(tx);
        return refuse(
            &state,
            &user,
            "This agent is retired",
            "A retired agent's entry stays as it was when it was retired.".into(),
            (url, "Back to the agent".into()),
        )
        .await;
    }
    let fields = db::governance::AgentFields {
        name: &name,
        process_id,
        decisions: &decisions,
        provider: &provider,
        accountable_id,
    };
    match db::governance::update(&mut tx, &user.actor(&client, now), id, &agent, &fields).await {
        Ok(()) => {}
        Err(error) if db::is_constraint(&error, db::governance::AGENT_NAME_TAKEN) => {
            drop(tx);
            let mut errors = FieldErrors::new();
            errors.add("name", "This programme already has an agent of that name.");
            return refused(&state, &user, id, agent_id, (form, decisions), errors).await;
        }
        Err(error) => return Err(error.into()),
    }
    done(tx, &user, &url, format!("{name}'s entry is saved.")).await
}

/// An agent locked for a change of its state, in the transaction that
/// makes it, with the form's reason.
struct ForChange {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    agent: db::governance::LockedAgent,
    why: String,
    url: String,
}

/// Reads a suspend, resume or retire form (its reason in the field called
/// `field`, and the version the page showed), locks the agent and checks
/// that `allowed` its state: the change to make, or the answer already
/// given (the form again with its message, the refusal, the conflict page).
async fn for_change(
    state: &AppState,
    user: &CurrentUser,
    (id, agent_id): (Uuid, Uuid),
    body: &[(String, String)],
    field: &str,
    allowed: (fn(AgentState) -> bool, &str),
) -> Result<std::result::Result<ForChange, Response>> {
    let form = typed(body);
    let mut errors = FieldErrors::new();
    let why = errors.check(field, required(form.value(field), 2000, "why"));
    let version = form.version.trim().parse::<i32>().ok();
    if version.is_none() && errors.is_empty() {
        errors.add(field, "Reload the agent's page and try again.");
    }
    let (Some(why), Some(version), true) = (why, version, errors.is_empty()) else {
        return refused(state, user, id, agent_id, (form, Vec::new()), errors)
            .await
            .map(Err);
    };
    let url = paths::agent(id, agent_id);
    let mut tx = state.pool.begin().await?;
    let agent = locked(&mut tx, id, agent_id).await?;
    let (allows, refusal) = allowed;
    if !allows(agent.state()) {
        drop(tx);
        return refuse(
            state,
            user,
            refusal,
            format!("It is {}.", agent.state().label().to_lowercase()),
            (url, "Back to the agent".into()),
        )
        .await
        .map(Err);
    }
    if agent.version != version {
        return Err(stale(state, user, format!("the agent {}", agent.name), url));
    }
    Ok(Ok(ForChange {
        tx,
        agent,
        why,
        url,
    }))
}

/// POST …/suspend — the COO or the override owner stops the agent at once.
pub(super) async fn suspend(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, agent_id)): Path<(Uuid, Uuid)>,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (_, _, source) = see(&state, Viewer::Known(user.clone()), id, Some(agent_id)).await?;
    let row = source
        .agents
        .iter()
        .find(|a| a.id == agent_id)
        .ok_or(AppError::NotFound)?;
    let framework = Framework::of(&source);
    let titles = source
        .people
        .iter()
        .find(|p| p.id == user.id)
        .map(|p| p.titles.clone())
        .unwrap_or_default();
    let acted_as = governance::suspends_as(
        &user.seats,
        &titles,
        &framework.override_roles(&row.decisions),
    )
    .ok_or(AppError::Forbidden)?;
    let change = for_change(
        &state,
        &user,
        (id, agent_id),
        &body,
        "reason",
        (|s| s == AgentState::Live, "This agent is not live"),
    )
    .await?;
    let ForChange {
        mut tx,
        agent,
        why,
        url,
    } = match change {
        Ok(change) => change,
        Err(answer) => return Ok(answer),
    };
    let now = state.now();
    db::governance::suspend(
        &mut tx,
        &user.actor(&client, now),
        id,
        &agent,
        &why,
        &acted_as,
    )
    .await?;
    done(
        tx,
        &user,
        &url,
        format!(
            "{} is suspended: it takes no decision until it is resumed.",
            agent.name
        ),
    )
    .await
}

/// POST …/resume — an executive decides to resume the agent.
pub(super) async fn resume(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, agent_id)): Path<(Uuid, Uuid)>,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::ResumeAgent)?;
    let change = for_change(
        &state,
        &user,
        (id, agent_id),
        &body,
        "reason",
        (
            |s| s == AgentState::Suspended,
            "This agent is not suspended",
        ),
    )
    .await?;
    let ForChange {
        mut tx,
        agent,
        why,
        url,
    } = match change {
        Ok(change) => change,
        Err(answer) => return Ok(answer),
    };
    let now = state.now();
    let needed = governance::resumed_by(agent.serious_since_live);
    let Some(seat) = needed.iter().copied().find(|s| user.seats.holds(*s)) else {
        drop(tx);
        return refuse(
            &state,
            &user,
            "The COO resumes this agent",
            "The CEO decides a resumption only after a serious incident concerning the agent; \
             there was none since it last went live."
                .into(),
            (url, "Back to the agent".into()),
        )
        .await;
    };
    let outcome = db::governance::decide_resume(
        &mut tx,
        &user.actor(&client, now),
        id,
        &agent,
        seat,
        needed,
        &why,
    )
    .await?;
    let message = match outcome {
        db::governance::Resumed::Live => format!("{} is live again.", agent.name),
        db::governance::Resumed::Waiting => format!(
            "Your decision is recorded. After a serious incident, {} stays suspended until the other executive decides too.",
            agent.name
        ),
        db::governance::Resumed::AlreadyDecided => {
            "You had already decided to resume it; the other executive's decision is awaited."
                .to_owned()
        }
    };
    done(tx, &user, &url, message).await
}

/// POST …/retire — the COO takes the agent out of service for good.
pub(super) async fn retire(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, agent_id)): Path<(Uuid, Uuid)>,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::KeepAgentRegister)?;
    let change = for_change(
        &state,
        &user,
        (id, agent_id),
        &body,
        "retire_reason",
        (
            |s| s != AgentState::Retired,
            "This agent is already retired",
        ),
    )
    .await?;
    let ForChange {
        mut tx,
        agent,
        why,
        url,
    } = match change {
        Ok(change) => change,
        Err(answer) => return Ok(answer),
    };
    let now = state.now();
    db::governance::retire(&mut tx, &user.actor(&client, now), id, &agent, &why).await?;
    done(tx, &user, &url, format!("{} is retired.", agent.name)).await
}
