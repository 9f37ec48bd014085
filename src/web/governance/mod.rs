//! The governance framework at work (SPEC §12): the agent register
//! (GET/POST /programmes/{id}/agents) with the override rates and the
//! incidents; an agent's page with its history, where it is edited,
//! suspended, resumed and retired (…/agents/{agent}); overrides and the
//! COO's threshold (POST …/overrides, …/overrides/threshold); an incident's
//! page, where it is updated and acknowledged (…/incidents/{number}).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Routes;
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::governance::{AgentRow, GovernanceSource, IncidentRow, MonthCount, PersonRow};
use crate::db::pipeline::ProcessRow;
use crate::db::programmes::Programme;
use crate::domain::brief::{self, AUTONOMY, BUILD_BUY, Content};
use crate::domain::chart::{self, Frame, LineChart, SeriesSpec, Stroke};
use crate::domain::governance::{
    self, AgentState, IncidentClock, OVERRIDE_CATEGORIES, RateSeries, Severity,
};
use crate::domain::period::{Cadence, Period};
use crate::domain::permission::Action;
use crate::domain::values::{required, text};
use crate::domain::zone;
use crate::error::{AppError, Result};
use crate::paths::{self, route};
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::{FieldErrors, field};
use crate::web::once::Once;
use crate::web::pages::{ConflictField, ConflictPage, Page, Refusal, done, render};

mod agent;
mod incident;
mod register;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(route::AGENTS, register::show)
        .post(route::AGENTS, register::add_agent)
        .post(route::OVERRIDES, register::record_override)
        .post(route::OVERRIDE_THRESHOLD, register::set_threshold)
        .get(route::AGENT, agent::show)
        .post(route::AGENT, agent::edit)
        .post(route::AGENT_SUSPEND, agent::suspend)
        .post(route::AGENT_RESUME, agent::resume)
        .post(route::AGENT_RETIRE, agent::retire)
        .post(route::INCIDENTS, incident::record)
        .get(route::INCIDENT, incident::show)
        .post(route::INCIDENT, incident::update)
        .post(route::INCIDENT_ACKNOWLEDGE, incident::acknowledge)
}

crate::typed_form! {
    /// Every form of these pages, as typed (each names its own fields).
    pub(crate) struct GovernanceForm {
        name,
        process,
        decisions,
        provider,
        accountable,
        agent,
        decision,
        occurred_at,
        role,
        category,
        note,
        threshold,
        severity,
        title,
        what_happened,
        detected_at,
        contained_at,
        follow_up,
        reason,
        retire_reason,
        version,
        once,
    }
}

/// One row of the governance framework: a decision type of a process.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameworkRow {
    pub id: String,
    /// The process's stable id.
    pub process: String,
    pub decision: String,
    pub autonomy: String,
    pub threshold: String,
    pub override_role: String,
    pub audit: String,
}

impl FrameworkRow {
    fn label(list: &[(&str, &str)], key: &str) -> String {
        list.iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| key.to_owned(), |(_, l)| (*l).to_owned())
    }

    /// The autonomy level in words.
    pub fn autonomy_label(&self) -> String {
        Self::label(AUTONOMY, &self.autonomy)
    }

    /// Who may override, in words.
    pub fn override_label(&self) -> String {
        governance::role_label(&self.override_role).to_owned()
    }

    /// The confidence threshold in words.
    pub fn threshold_label(&self) -> String {
        if self.threshold.is_empty() {
            "—".to_owned()
        } else {
            format!("{} %", self.threshold)
        }
    }

    /// What differs between this row (as signed) and `draft`, in words.
    fn changes_to(&self, draft: &FrameworkRow) -> Vec<String> {
        let mut changes = Vec::new();
        if self.decision != draft.decision {
            changes.push(format!("described as “{}”", draft.decision));
        }
        if self.autonomy != draft.autonomy {
            changes.push(format!("autonomy {}", draft.autonomy_label()));
        }
        if self.threshold != draft.threshold {
            changes.push(format!("threshold {}", draft.threshold_label()));
        }
        if self.override_role != draft.override_role {
            changes.push(format!("overridden by {}", draft.override_label()));
        }
        changes
    }
}

/// The rows of a governance-framework section.
pub(crate) fn framework_rows(content: &Content) -> Vec<FrameworkRow> {
    brief::rows(content, "decisions")
        .into_iter()
        .filter(|row| !row.get("id").is_none_or(String::is_empty))
        .map(|row| {
            let get = |key: &str| row.get(key).cloned().unwrap_or_default();
            FrameworkRow {
                id: get("id"),
                process: get("process"),
                decision: get("decision"),
                autonomy: get("autonomy"),
                threshold: get("threshold"),
                override_role: get("override"),
                audit: get("audit"),
            }
        })
        .collect()
}

/// A decision type an agent handles, as signed, with the draft's changes.
#[derive(Debug, Clone)]
pub(crate) struct DecisionView {
    pub id: String,
    /// As last signed; `None` when only the draft has it.
    pub signed: Option<FrameworkRow>,
    /// The draft's row, when it differs from the signed one (or is new).
    pub draft: Option<FrameworkRow>,
}

impl DecisionView {
    /// Its name: as signed, else as drafted, else its id.
    pub fn name(&self) -> &str {
        self.signed
            .as_ref()
            .or(self.draft.as_ref())
            .map_or(self.id.as_str(), |r| r.decision.as_str())
    }

    /// The draft's changes in words.
    pub fn draft_changes(&self) -> Vec<String> {
        match (&self.signed, &self.draft) {
            (Some(signed), Some(draft)) => signed.changes_to(draft),
            _ => Vec::new(),
        }
    }
}

/// The governance framework, signed and drafted, for looking up rows.
pub(crate) struct Framework {
    pub signed_version: Option<i32>,
    pub signed: Vec<FrameworkRow>,
    pub draft: Vec<FrameworkRow>,
}

impl Framework {
    fn of(source: &GovernanceSource) -> Framework {
        Framework {
            signed_version: source.signed.as_ref().map(|(n, _)| *n),
            signed: source
                .signed
                .as_ref()
                .map(|(_, c)| framework_rows(c))
                .unwrap_or_default(),
            draft: source
                .draft
                .as_ref()
                .map(framework_rows)
                .unwrap_or_default(),
        }
    }

    /// Decision type `id`, as signed and as drafted.
    pub fn decision(&self, id: &str) -> DecisionView {
        let signed = self.signed.iter().find(|r| r.id == id).cloned();
        let draft = self
            .draft
            .iter()
            .find(|r| r.id == id)
            .filter(|d| signed.as_ref() != Some(*d))
            .cloned();
        DecisionView {
            id: id.to_owned(),
            signed,
            draft,
        }
    }

    /// The decision types of process `key`, signed or drafted, as choices
    /// (id, "decision").
    pub fn choices_for(&self, processes: &[ProcessRow]) -> Vec<(String, String)> {
        let mut choices: Vec<(String, String)> = Vec::new();
        for row in self.signed.iter().chain(&self.draft) {
            if choices.iter().any(|(id, _)| *id == row.id) {
                continue;
            }
            let process = processes
                .iter()
                .find(|p| p.key == row.process)
                .map_or("", |p| p.name.as_str());
            choices.push((row.id.clone(), format!("{process}: {}", row.decision)));
        }
        choices
    }

    /// The override roles the signed framework names for these decision types.
    pub fn override_roles<'a>(&'a self, decisions: &[String]) -> Vec<&'a str> {
        self.signed
            .iter()
            .filter(|r| decisions.contains(&r.id))
            .map(|r| r.override_role.as_str())
            .collect()
    }
}

/// An agent as the pages show it.
#[derive(Debug, Clone)]
pub(crate) struct AgentView {
    pub row: AgentRow,
    pub process_name: String,
    pub decisions: Vec<DecisionView>,
}

impl AgentView {
    /// Its state.
    pub fn state(&self) -> AgentState {
        self.row.state()
    }

    /// Who still has to decide its resumption, in words.
    pub fn resume_waiting(&self) -> String {
        let needed = governance::resumed_by(self.row.serious_since_live);
        let waiting: Vec<&str> = needed
            .iter()
            .filter(|s| !self.row.resume_seats.iter().any(|d| d == s.as_str()))
            .map(|s| s.label())
            .collect();
        waiting.join(" and ")
    }
}

fn agent_views(source: &GovernanceSource, framework: &Framework) -> Vec<AgentView> {
    source
        .agents
        .iter()
        .map(|row| AgentView {
            process_name: source
                .processes
                .iter()
                .find(|p| p.id == row.process_id)
                .map_or_else(String::new, |p| p.name.clone()),
            decisions: row
                .decisions
                .iter()
                .map(|d| framework.decision(d))
                .collect(),
            row: row.clone(),
        })
        .collect()
}

/// An override rate: one agent's decision type.
#[derive(Debug, Clone)]
pub(crate) struct RateView {
    pub agent: String,
    pub decision: String,
    pub series: RateSeries,
    pub flagged: bool,
    pub rising: bool,
    pub chart: LineChart,
    pub chart_id: String,
}

impl RateView {
    /// The latest rate in words.
    pub fn latest(&self) -> String {
        governance::percent(self.series.latest())
    }

    /// The months in a line, for the chart's description and the table.
    pub fn described(&self) -> String {
        self.series
            .months
            .iter()
            .map(|m| format!("{}: {}", m.month, governance::percent(m.rate())))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn month_day(month: &str) -> Option<NaiveDate> {
    Period::parse_for(month, Cadence::Monthly)
        .ok()
        .map(Period::start)
}

fn rate_views(source: &GovernanceSource, framework: &Framework, threshold: f64) -> Vec<RateView> {
    let mut keys: Vec<(Uuid, String)> = source
        .override_counts
        .iter()
        .chain(&source.decision_counts)
        .map(|c| (c.agent_id, c.decision.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let of = |counts: &[MonthCount], agent: Uuid, decision: &str| -> Vec<(String, i64)> {
        counts
            .iter()
            .filter(|c| c.agent_id == agent && c.decision == decision)
            .map(|c| (c.month.clone(), c.n))
            .collect()
    };
    keys.into_iter()
        .enumerate()
        .filter_map(|(i, (agent, decision))| {
            let name = source.agents.iter().find(|a| a.id == agent)?.name.clone();
            let series = RateSeries::of(
                &of(&source.override_counts, agent, &decision),
                &of(&source.decision_counts, agent, &decision),
            );
            let points: Vec<(NaiveDate, f64)> = series
                .months
                .iter()
                .filter_map(|m| Some((month_day(&m.month)?, m.rate()?)))
                .collect();
            let limit: Vec<(NaiveDate, f64)> =
                points.iter().map(|(d, _)| (*d, threshold)).collect();
            let chart = chart::line_chart_in(
                Frame::COMPACT,
                &[
                    SeriesSpec {
                        name: "Override rate".into(),
                        stroke: Stroke::Actual,
                        points,
                    },
                    SeriesSpec {
                        name: "The COO's threshold".into(),
                        stroke: Stroke::Target,
                        points: limit,
                    },
                ],
                &[],
                |v| format!("{v:.0} %"),
            );
            Some(RateView {
                decision: framework.decision(&decision).name().to_owned(),
                flagged: series.flagged(threshold),
                rising: series.rising(),
                chart_id: format!("rate-chart-{i}"),
                agent: name,
                series,
                chart,
            })
        })
        .collect()
}

/// An incident as the pages show it.
#[derive(Debug, Clone)]
pub(crate) struct IncidentView {
    pub row: IncidentRow,
    pub agent_name: Option<String>,
    pub process_name: Option<String>,
    pub clock: Option<IncidentClock>,
    pub zone: chrono_tz::Tz,
}

impl IncidentView {
    /// Its severity.
    pub fn severity(&self) -> Severity {
        self.row.severity()
    }

    /// A moment in the reader's zone.
    pub fn at(&self, at: &DateTime<Utc>) -> String {
        zone::moment(*at, self.zone)
    }

    /// The clock in words, for a serious incident.
    pub fn clock_words(&self) -> String {
        match self.clock {
            Some(IncidentClock::Running(left)) => format!(
                "{} left to acknowledge",
                crate::domain::cadence::duration_words(left)
            ),
            Some(IncidentClock::Overdue) => "Past its 24 hours, not acknowledged by both".into(),
            Some(IncidentClock::Acknowledged) => "Acknowledged by the CEO and the COO".into(),
            None => String::new(),
        }
    }

    /// Whether its clock ran out unacknowledged.
    pub fn overdue(&self) -> bool {
        self.clock == Some(IncidentClock::Overdue)
    }
}

fn incident_view(
    source: &GovernanceSource,
    row: &IncidentRow,
    now: DateTime<Utc>,
    zone: chrono_tz::Tz,
) -> IncidentView {
    IncidentView {
        agent_name: row
            .agent_id
            .and_then(|id| source.agents.iter().find(|a| a.id == id))
            .map(|a| a.name.clone()),
        process_name: row
            .process_id
            .and_then(|id| source.processes.iter().find(|p| p.id == id))
            .map(|p| p.name.clone()),
        clock: row
            .acknowledge_by
            .map(|by| IncidentClock::of(by, row.ceo_acknowledged_at, row.coo_acknowledged_at, now)),
        row: row.clone(),
        zone,
    }
}

/// The first month of the override rates shown at `now`.
fn first_month(now: DateTime<Utc>) -> String {
    let mut month = Period::containing(now.date_naive(), Cadence::Monthly);
    for _ in 1..db::governance::RATE_MONTHS {
        month = month.previous();
    }
    month.to_string()
}

/// Reads a programme's governance records for `viewer`; 404 for a
/// programme the organisation does not have.
async fn see(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    focus: Option<Uuid>,
) -> Result<(CurrentUser, Programme, GovernanceSource)> {
    let now = state.now();
    let seen = db::governance::source(
        state.readers(),
        &viewer.who(state),
        id,
        focus,
        Some(&first_month(now)),
    )
    .await?;
    let (user, mut source) = viewer.admit(state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.take().ok_or(AppError::NotFound)?;
    Ok((user, programme, source))
}

/// The agent's fields as the COO typed them, checked against the
/// programme's processes, framework and people.
fn parse_agent<'a>(
    form: &'a GovernanceForm,
    decisions: &'a [String],
    source: &GovernanceSource,
    framework: &Framework,
    errors: &mut FieldErrors,
) -> Option<(String, Uuid, String, Uuid)> {
    let name = errors.check("name", required(&form.name, 120, "the agent's name"));
    let process = errors.check(
        "process",
        form.process
            .parse::<Uuid>()
            .ok()
            .and_then(|id| source.processes.iter().find(|p| p.id == id))
            .ok_or("Choose the process it works in."),
    );
    if let Some(process) = process {
        let known: Vec<&FrameworkRow> = framework.signed.iter().chain(&framework.draft).collect();
        if decisions.is_empty() {
            errors.add(
                "decisions",
                "Choose at least one decision type of the governance framework.",
            );
        } else if decisions.iter().any(|d| {
            !known
                .iter()
                .any(|row| row.id == *d && row.process == process.key)
        }) {
            errors.add(
                "decisions",
                format!(
                    "Choose decision types the governance framework sets for {}.",
                    process.name
                ),
            );
        }
    }
    let provider = errors.check(
        "provider",
        required(&form.provider, 200, "the platform or model it runs on"),
    );
    let accountable = errors.check(
        "accountable",
        form.accountable
            .parse::<Uuid>()
            .ok()
            .filter(|id| source.people.iter().any(|p: &PersonRow| p.id == *id))
            .ok_or("Choose the person accountable for it: a person, never an agent."),
    );
    Some((name?, process?.id, provider?, accountable?))
}

/// The decision types a form ticked (the field repeats).
fn ticked(body: &[(String, String)]) -> Vec<String> {
    let mut ids: Vec<String> = body
        .iter()
        .filter(|(k, _)| k == "decisions")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The agent-state names for a template's select.
pub(crate) fn categories() -> &'static [(&'static str, &'static str)] {
    OVERRIDE_CATEGORIES
}

/// The processes as a select's choices.
fn process_options(processes: &[ProcessRow]) -> Vec<(String, String)> {
    processes
        .iter()
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect()
}

/// The people as a select's choices.
fn people_options(people: &[PersonRow]) -> Vec<(String, String)> {
    people
        .iter()
        .map(|p| (p.id.to_string(), p.display_name.clone()))
        .collect()
}

/// The build / buy / partner decision in words.
fn build_buy_label(choice: Option<&str>) -> Option<String> {
    let choice = choice?;
    BUILD_BUY
        .iter()
        .find(|(k, _)| *k == choice)
        .map(|(_, label)| (*label).to_owned())
}

/// A stale form: the conflict page.
fn stale(state: &AppState, user: &CurrentUser, what: String, reload_url: String) -> AppError {
    ConflictPage {
        page: Page::of(state, user),
        what,
        reload_url,
        fields: vec![ConflictField {
            label: "The record".into(),
            yours: "as you last saw it".into(),
            theirs: "changed since: read it again before changing it".into(),
        }],
    }
    .into()
}

/// A refusal with one reason, and a way back.
async fn refuse(
    state: &AppState,
    user: &CurrentUser,
    title: &str,
    why: String,
    back: (String, String),
) -> Result<Response> {
    Refusal::conflict(
        state,
        user,
        title.to_owned(),
        "Nothing was changed.",
        vec![why],
        back,
    )
    .await
}
