//! Incidents: the COO records one (POST /programmes/{id}/incidents); its
//! page (GET …/incidents/{number}) shows what happened, when it was
//! detected and contained, the follow-up, and for a serious one the clock
//! within which the CEO and the COO each acknowledge it (POST
//! …/acknowledge). The COO updates the containment and follow-up (POST,
//! with its version).

use super::register::{Open, typed};
use super::*;
use crate::domain::seat::SeatKind;

#[derive(Template, WebTemplate)]
#[template(path = "governance/incident.html")]
pub(super) struct IncidentPage {
    page: Page,
    programme: Programme,
    incident: IncidentView,
    can_update: bool,
    /// The viewer's seat whose acknowledgement is still due.
    acknowledges_as: Option<SeatKind>,
    form: GovernanceForm,
    errors: FieldErrors,
}

impl IncidentPage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }
}

async fn page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    number: i32,
    form: Option<GovernanceForm>,
    errors: FieldErrors,
) -> Result<IncidentPage> {
    let (user, programme, source) = see(state, viewer, id, None).await?;
    let now = state.now();
    let row = match source.incidents.iter().find(|i| i.number == number) {
        Some(row) => row.clone(),
        // Older and closed: not among the recent ones the page query reads.
        None => db::governance::incident(&state.pool, id, number)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let incident = incident_view(&source, &row, now, user.time_zone);
    let acknowledges_as = row
        .acknowledge_by
        .and_then(|_| {
            [
                (SeatKind::Ceo, row.ceo_acknowledged_at),
                (SeatKind::Coo, row.coo_acknowledged_at),
            ]
            .into_iter()
            .find(|(seat, at)| at.is_none() && user.seats.holds(*seat))
        })
        .map(|(seat, _)| seat)
        .filter(|_| user.can(Action::AcknowledgeIncident));
    let form = form.unwrap_or_else(|| GovernanceForm {
        contained_at: row
            .contained_at
            .map(|at| zone::moment_input(at, user.time_zone))
            .unwrap_or_default(),
        follow_up: row.follow_up.clone(),
        version: row.version.to_string(),
        ..GovernanceForm::default()
    });
    Ok(IncidentPage {
        can_update: user.can(Action::KeepAgentRegister),
        page: Page::of(state, &user),
        programme,
        incident,
        acknowledges_as,
        form,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<IncidentPage> {
    page(&state, viewer, id, number, None, FieldErrors::new()).await
}

/// POST /programmes/{id}/incidents — the COO records an incident.
pub(super) async fn record(
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
    let severity = errors.check(
        "severity",
        Severity::parse(&form.severity).ok_or("Choose how grave it is."),
    );
    let title = errors.check(
        "title",
        required(&form.title, 200, "what it was, in a line"),
    );
    let what = errors.check(
        "what_happened",
        required(&form.what_happened, 5000, "what happened"),
    );
    let agent = match form.agent.trim() {
        "" => None,
        agent => errors.check(
            "agent",
            agent
                .parse::<Uuid>()
                .ok()
                .and_then(|a| source.agents.iter().find(|row| row.id == a))
                .map(Some)
                .ok_or("Choose one of the register's agents, or none."),
        ),
    }
    .flatten();
    let process = match form.process.trim() {
        "" => agent.map(|a| a.process_id),
        process => errors
            .check(
                "process",
                process
                    .parse::<Uuid>()
                    .ok()
                    .filter(|p| source.processes.iter().any(|row| row.id == *p))
                    .map(Some)
                    .ok_or("Choose one of the programme's processes, or none."),
            )
            .flatten(),
    };
    if let (Some(agent), Some(process)) = (agent, process)
        && agent.process_id != process
    {
        errors.add(
            "process",
            format!("{} works in another process.", agent.name),
        );
    }
    let detected_at = errors.check(
        "detected_at",
        zone::parse_moment(&form.detected_at, user.time_zone, now),
    );
    let contained_at = match form.contained_at.trim() {
        "" => None,
        text => errors.check(
            "contained_at",
            zone::parse_moment(text, user.time_zone, now),
        ),
    };
    if let (Some(detected), Some(contained)) = (detected_at, contained_at)
        && contained < detected
    {
        errors.add("contained_at", "It was contained after it was detected.");
    }
    let follow_up = errors.check("follow_up", text(&form.follow_up, 5000));
    let (Some(severity), Some(title), Some(what), Some(detected_at), Some(follow_up), true) = (
        severity,
        title,
        what,
        detected_at,
        follow_up,
        errors.is_empty(),
    ) else {
        return super::register::refused(
            &state,
            &user,
            id,
            Open::Incident,
            form,
            Vec::new(),
            errors,
        )
        .await;
    };
    let mut tx = state.pool.begin().await?;
    let once = Once::parse(&form.once);
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    let number = db::governance::record_incident(
        &mut tx,
        &user.actor(&client, now),
        user.organisation_id,
        id,
        &db::governance::NewIncident {
            severity,
            title: &title,
            what_happened: &what,
            process_id: process,
            agent_id: agent.map(|a| a.id),
            detected_at,
            contained_at,
            follow_up: &follow_up,
        },
    )
    .await?;
    let url = paths::incident(id, number);
    once.recorded(&mut tx, user.id, &url).await?;
    let told = if severity == Severity::Serious {
        " The CEO and the COO each acknowledge it within 24 hours."
    } else {
        ""
    };
    done(
        tx,
        &user,
        &url,
        format!("Incident #{number} is recorded.{told}"),
    )
    .await
}

/// POST …/incidents/{number} — the COO updates containment and follow-up.
pub(super) async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, number)): Path<(Uuid, i32)>,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::KeepAgentRegister)?;
    let form = typed(&body);
    let now = state.now();
    let mut errors = FieldErrors::new();
    let contained_at = match form.contained_at.trim() {
        "" => None,
        text => errors.check(
            "contained_at",
            zone::parse_moment(text, user.time_zone, now),
        ),
    };
    let follow_up = errors.check("follow_up", text(&form.follow_up, 5000));
    let version = form.version.trim().parse::<i32>().ok();
    if version.is_none() && errors.is_empty() {
        errors.add("follow_up", "Reload the incident's page and try again.");
    }
    let url = paths::incident(id, number);
    let mut tx = state.pool.begin().await?;
    let incident = db::governance::lock_incident(&mut tx, id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(contained) = contained_at
        && contained < incident.detected_at
    {
        errors.add("contained_at", "It was contained after it was detected.");
    }
    let (Some(follow_up), Some(version), true) = (follow_up, version, errors.is_empty()) else {
        drop(tx);
        let page = page(
            &state,
            Viewer::Known(user.clone()),
            id,
            number,
            Some(form),
            errors,
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    if incident.version != version {
        return Err(stale(&state, &user, format!("incident #{number}"), url));
    }
    db::governance::update_incident(
        &mut tx,
        &user.actor(&client, now),
        id,
        &incident,
        contained_at,
        &follow_up,
    )
    .await?;
    done(tx, &user, &url, format!("Incident #{number} is updated.")).await
}

/// POST …/incidents/{number}/acknowledge — the CEO or the COO acknowledges
/// a serious incident.
pub(super) async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, number)): Path<(Uuid, i32)>,
    Form(body): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require(Action::AcknowledgeIncident)?;
    let form = typed(&body);
    let seat = match form.role.as_str() {
        "ceo" if user.seats.holds(SeatKind::Ceo) => SeatKind::Ceo,
        "coo" if user.seats.holds(SeatKind::Coo) => SeatKind::Coo,
        _ => {
            let mut errors = FieldErrors::new();
            errors.add(
                "acknowledge",
                "Acknowledge from the incident's own page, in your own seat.",
            );
            let page = page(
                &state,
                Viewer::Known(user.clone()),
                id,
                number,
                None,
                errors,
            )
            .await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let now = state.now();
    let url = paths::incident(id, number);
    let mut tx = state.pool.begin().await?;
    let incident = db::governance::lock_incident(&mut tx, id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    if incident.acknowledge_by.is_none() {
        drop(tx);
        return refuse(
            &state,
            &user,
            "Only a serious incident is acknowledged",
            format!("Incident #{number} is {}.", incident.severity),
            (url, format!("Back to incident #{number}")),
        )
        .await;
    }
    let acknowledged = db::governance::acknowledge(
        &mut tx,
        &user.actor(&client, now),
        user.organisation_id,
        id,
        &incident,
        seat,
    )
    .await?;
    let message = if acknowledged {
        format!("You acknowledged incident #{number} as {}.", seat.label())
    } else {
        format!("You had already acknowledged incident #{number}.")
    };
    done(tx, &user, &url, message).await
}
