//! GET /programmes/{id}/agents — the agent register: each agent with its
//! decision types as signed (the draft's changes beside), its state; the
//! override rates month by month against the COO's threshold; the latest
//! overrides and incidents. The COO's forms: register an agent, record an
//! override, set the threshold, record an incident.

use super::*;

/// The form that came back with errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Open {
    None,
    Agent,
    Override,
    Threshold,
    Incident,
}

#[derive(Template, WebTemplate)]
#[template(path = "governance/register.html")]
pub(super) struct RegisterPage {
    page: Page,
    programme: Programme,
    framework: Framework,
    build_buy: Option<String>,
    agents: Vec<AgentView>,
    rates: Vec<RateView>,
    threshold: f64,
    threshold_version: i32,
    overrides: Vec<db::governance::OverrideRow>,
    incidents: Vec<IncidentView>,
    processes: Vec<ProcessRow>,
    choices: Vec<(String, String)>,
    people: Vec<PersonRow>,
    can_keep: bool,
    open: Open,
    form: GovernanceForm,
    ticked: Vec<String>,
    errors: FieldErrors,
}

impl RegisterPage {
    fn value(&self, form: Open, name: &str) -> &str {
        if self.open == form {
            field(&self.form, name)
        } else {
            ""
        }
    }

    fn is_ticked(&self, id: &str) -> bool {
        self.ticked.iter().any(|t| t == id)
    }

    fn flagged(&self) -> usize {
        self.rates.iter().filter(|r| r.flagged).count()
    }

    fn in_service(&self) -> Vec<&AgentView> {
        self.agents
            .iter()
            .filter(|a| a.state() != AgentState::Retired)
            .collect()
    }

    fn decision_name(&self, id: &str) -> String {
        self.framework.decision(id).name().to_owned()
    }

    fn role_label(&self, role: &str) -> String {
        governance::role_label(role).to_owned()
    }

    fn category_label(&self, key: &str) -> String {
        governance::category_label(key).to_owned()
    }

    fn severities(&self) -> [Severity; 3] {
        Severity::ALL
    }

    fn roles(&self) -> &'static [(&'static str, &'static str)] {
        brief::OVERRIDE_ROLES
    }

    fn categories(&self) -> &'static [(&'static str, &'static str)] {
        categories()
    }

    fn process_options(&self) -> Vec<(String, String)> {
        process_options(&self.processes)
    }

    fn people_options(&self) -> Vec<(String, String)> {
        people_options(&self.people)
    }

    fn agent_options(&self) -> Vec<(String, String)> {
        self.in_service()
            .iter()
            .map(|a| (a.row.id.to_string(), a.row.name.clone()))
            .collect()
    }

    fn role_options(&self) -> Vec<(String, String)> {
        owned(self.roles())
    }

    fn category_options(&self) -> Vec<(String, String)> {
        owned(self.categories())
    }

    fn threshold_text(&self) -> String {
        if self.open == Open::Threshold {
            self.form.threshold.clone()
        } else {
            format!("{}", self.threshold)
        }
    }
}

pub(super) async fn page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    open: Open,
    form: GovernanceForm,
    ticked: Vec<String>,
    errors: FieldErrors,
) -> Result<RegisterPage> {
    let (user, programme, source) = see(state, viewer, id, None).await?;
    let now = state.now();
    let framework = Framework::of(&source);
    let (threshold, threshold_version) = source.threshold;
    Ok(RegisterPage {
        agents: agent_views(&source, &framework),
        rates: rate_views(&source, &framework, threshold),
        incidents: source
            .incidents
            .iter()
            .map(|row| incident_view(&source, row, now, user.time_zone))
            .collect(),
        choices: framework.choices_for(&source.processes),
        build_buy: build_buy_label(source.build_buy.as_deref()),
        can_keep: user.can(Action::KeepAgentRegister),
        page: Page::of(state, &user),
        overrides: source.overrides,
        processes: source
            .processes
            .into_iter()
            .filter(|p| p.in_draft || p.stage() != crate::domain::pipeline::Stage::Candidate)
            .collect(),
        people: source.people,
        programme,
        framework,
        threshold,
        threshold_version,
        open,
        form,
        ticked,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<RegisterPage> {
    page(
        &state,
        viewer,
        id,
        Open::None,
        GovernanceForm::default(),
        Vec::new(),
        FieldErrors::new(),
    )
    .await
}

/// A static list of choices as the select macro takes them.
pub(super) fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The register again with a form's input and its errors (422).
pub(super) async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    open: Open,
    form: GovernanceForm,
    ticked: Vec<String>,
    errors: FieldErrors,
) -> Result<Response> {
    let page = page(
        state,
        Viewer::Known(user.clone()),
        id,
        open,
        form,
        ticked,
        errors,
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The form's fields by name (a repeated field keeps its last value).
pub(super) fn typed(body: &[(String, String)]) -> GovernanceForm {
    let mut form = GovernanceForm::default();
    for (name, value) in body {
        form.set(name, value.clone());
    }
    form
}

/// POST /programmes/{id}/agents — the COO registers an agent.
pub(super) async fn add_agent(
    State(state): State<AppState>,
    user: CurrentUser,
    Readable(programme): Readable,
    client: ClientInfo,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::KeepAgentRegister)?;
    let id = programme.id;
    let form = typed(&body);
    let decisions = ticked(&body);
    let now = state.now();
    let (_, _, source) = see(&state, Viewer::Known(user.clone()), id, None).await?;
    let framework = Framework::of(&source);
    let mut errors = FieldErrors::new();
    let parsed = parse_agent(&form, &decisions, &source, &framework, &mut errors);
    let Some((name, process_id, provider, accountable_id)) = parsed.filter(|_| errors.is_empty())
    else {
        return refused(&state, &user, id, Open::Agent, form, decisions, errors).await;
    };
    let mut tx = state.pool.begin().await?;
    let once = Once::parse(&form.once);
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    let fields = db::governance::AgentFields {
        name: &name,
        process_id,
        decisions: &decisions,
        provider: &provider,
        accountable_id,
    };
    let agent = match db::governance::register(
        &mut tx,
        &user.actor(&client, now),
        user.organisation_id,
        id,
        &fields,
    )
    .await
    {
        Ok(agent) => agent,
        Err(error) if db::is_constraint(&error, db::governance::AGENT_NAME_TAKEN) => {
            drop(tx);
            let mut errors = FieldErrors::new();
            errors.add("name", "This programme already has an agent of that name.");
            return refused(&state, &user, id, Open::Agent, form, decisions, errors).await;
        }
        Err(error) => return Err(error.into()),
    };
    let url = paths::agent(id, agent);
    once.recorded(&mut tx, user.id, &url).await?;
    done(tx, &user, &url, format!("{name} is in the register, live.")).await
}

/// POST /programmes/{id}/overrides — the COO records a person's override.
pub(super) async fn record_override(
    State(state): State<AppState>,
    user: CurrentUser,
    Readable(programme): Readable,
    client: ClientInfo,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::KeepAgentRegister)?;
    let id = programme.id;
    let form = typed(&body);
    let now = state.now();
    let (_, _, source) = see(&state, Viewer::Known(user.clone()), id, None).await?;
    let mut errors = FieldErrors::new();
    let agent = errors.check(
        "agent",
        form.agent
            .parse::<Uuid>()
            .ok()
            .and_then(|a| source.agents.iter().find(|row| row.id == a))
            .ok_or("Choose the agent that was overruled."),
    );
    if let Some(agent) = agent
        && !agent.decisions.contains(&form.decision)
    {
        errors.add(
            "decision",
            format!("Choose one of the decision types {} handles.", agent.name),
        );
    }
    let occurred_at = errors.check(
        "occurred_at",
        zone::parse_moment(&form.occurred_at, user.time_zone, now),
    );
    if !brief::OVERRIDE_ROLES.iter().any(|(k, _)| *k == form.role) {
        errors.add("role", "Choose the role of the person who overruled it.");
    }
    if !OVERRIDE_CATEGORIES.iter().any(|(k, _)| *k == form.category) {
        errors.add("category", "Choose why it was overruled.");
    }
    let note = errors.check("note", text(&form.note, 1000));
    let (Some(agent), Some(occurred_at), Some(note), true) =
        (agent, occurred_at, note, errors.is_empty())
    else {
        return refused(&state, &user, id, Open::Override, form, Vec::new(), errors).await;
    };
    let mut tx = state.pool.begin().await?;
    let once = Once::parse(&form.once);
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    db::governance::record_override(
        &mut tx,
        &user.actor(&client, now),
        id,
        agent.id,
        None,
        &db::governance::NewOverride {
            decision: &form.decision,
            occurred_at,
            role: &form.role,
            category: &form.category,
            note: &note,
            external_id: None,
        },
    )
    .await?;
    let url = format!("{}#overrides", paths::agents(id));
    once.recorded(&mut tx, user.id, &url).await?;
    done(
        tx,
        &user,
        &url,
        format!("The override of {} is recorded.", agent.name),
    )
    .await
}

/// POST /programmes/{id}/overrides/threshold — the COO sets the rate above
/// which a decision type is flagged.
pub(super) async fn set_threshold(
    State(state): State<AppState>,
    user: CurrentUser,
    Readable(programme): Readable,
    client: ClientInfo,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::KeepAgentRegister)?;
    let id = programme.id;
    let form = typed(&body);
    let mut errors = FieldErrors::new();
    let threshold = errors.check(
        "threshold",
        form.threshold
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t > 0.0 && *t <= 100.0)
            .ok_or("Give a percentage above 0 and at most 100, for example 5 or 7.5."),
    );
    let version = errors.check(
        "threshold",
        form.version
            .trim()
            .parse::<i32>()
            .map_err(|_| "Reload the page and set the threshold again."),
    );
    let (Some(threshold), Some(version), true) = (threshold, version, errors.is_empty()) else {
        return refused(&state, &user, id, Open::Threshold, form, Vec::new(), errors).await;
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let url = format!("{}#rates", paths::agents(id));
    if !db::governance::set_threshold(&mut tx, &user.actor(&client, now), id, version, threshold)
        .await?
    {
        return Err(stale(
            &state,
            &user,
            "the override-rate threshold".into(),
            url,
        ));
    }
    done(
        tx,
        &user,
        &url,
        format!("Override rates above {threshold} % are now flagged."),
    )
    .await
}
