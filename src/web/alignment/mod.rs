//! Alignment health (SPEC §6): GET /programmes/{id}/health shows each
//! warning sign with its evidence, since when it stands and when it came and
//! went; the executives write their one-sentence statement (POST …/statement),
//! the CEO answers the monthly pulse check (POST …/pulse), and both rate the
//! programme blind (POST …/rating): neither rating shows anywhere until
//! both are in.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Routes;
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::board::Board;
use crate::board_shown::BoardFacts;
use crate::db;
use crate::db::health::{BoardRead, PulseRow, RatingRow, StatementRow};
use crate::db::programmes::Programme;
use crate::domain::cadence::{self, Clock, DueState};
use crate::domain::health::{
    self, Classified, PULSE_EVERY, PulseProblem, Rag, RatingProblem, Round, Sign, classify,
    pulse_problem, rating_problem,
};
use crate::domain::metrics::{Status, Unit};
use crate::domain::permission::Action;
use crate::domain::signoff::BriefStatus;
use crate::error::{AppError, Result};
use crate::paths::{self, route};
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::{FieldErrors, Typed};
use crate::web::once::Once;
use crate::web::pages::{Page, done, render};

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(route::HEALTH, show)
        .post(route::HEALTH_STATEMENT, statement)
        .post(route::HEALTH_PULSE, pulse)
        .post(route::HEALTH_RATING, rating)
}

/// A statement with how it reads.
pub(crate) struct StatementView {
    seat_label: &'static str,
    row: Option<StatementRow>,
    classified: Classified,
}

/// One round of ratings as this viewer may see it.
pub(crate) struct RoundView {
    key: String,
    /// Per seat: (label, rated?, the rating if it may be shown).
    parts: Vec<(&'static str, bool, Option<RatingRow>)>,
    dashboard: Option<Rag>,
    gap: Option<i32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "alignment/view.html")]
pub(super) struct HealthPage {
    page: Page,
    programme: Programme,
    signs: Vec<Sign>,
    badge: (&'static str, &'static str),
    statements: Vec<StatementView>,
    line_warning: Option<&'static str>,
    matrix_problems: Vec<(String, String)>,
    pulse_problem: Option<PulseProblem>,
    last_pulse: Option<PulseRow>,
    pulse_due: DateTime<Utc>,
    tolerance: String,
    rating_problem: Option<RatingProblem>,
    rounds: Vec<RoundView>,
    round: String,
    since: HashMap<&'static str, DateTime<Utc>>,
    history: Vec<crate::domain::spells::Spell>,
    late_decisions: Vec<(i32, String, Clock)>,
    missing_updates: Vec<String>,
    stale_metrics: Vec<String>,
    unsigned_brief: Option<String>,
    carried_twice: Vec<String>,
    can_state: bool,
    can_pulse: bool,
    can_rate: bool,
    already_rated: bool,
    form: HealthForm,
    errors: FieldErrors,
    /// The primary metric's name and the word for its unit.
    primary: Option<(String, String)>,
}

impl HealthPage {
    fn value(&self, name: &str) -> &str {
        self.form.value(name)
    }

    fn standing(&self, sign: Sign) -> bool {
        self.signs.contains(&sign)
    }

    fn since_of(&self, sign: Sign) -> String {
        self.since.get(sign.key()).map_or_else(String::new, |at| {
            format!("since {}", crate::domain::dates::long(at))
        })
    }

    /// One figure of a pulse check, formatted in its unit.
    fn pulse_figure(&self, pulse: &PulseRow, which: &str) -> String {
        let value = match which {
            "stated_value" => Some(pulse.stated_value),
            "stated_target" => Some(pulse.stated_target),
            "actual_value" => pulse.actual_value,
            _ => Some(pulse.actual_target),
        };
        let unit = Unit::parse(&pulse.unit).unwrap_or(Unit::Count);
        value.map_or_else(|| "—".to_owned(), |v| unit.format(v))
    }
}

mod pulse;
mod rating;
mod statement;

use pulse::pulse;
use rating::rating;
use statement::statement;

crate::typed_form! {
    /// The page's three forms, as typed: the one-sentence statement, the
    /// pulse check and the blind rating (each posts its own fields).
    pub(crate) struct HealthForm {
        sentence,
        stated_value,
        stated_target,
        rating,
        confidence,
        why,
        once,
    }
}

async fn page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    form: HealthForm,
    errors: FieldErrors,
) -> Result<HealthPage> {
    let now = state.now();
    let seen =
        db::health::source(state.readers(), &viewer.who(state), id, now.date_naive()).await?;
    let (user, mut source) = viewer.admit(state, seen).await?;
    let user = &user;
    user.require(Action::ReadProgramme)?;
    let inputs = source.inputs().ok_or(AppError::NotFound)?;
    let programme = source.programme.take().ok_or(AppError::NotFound)?;
    let board = match source.board.take() {
        Some(BoardRead::Facts(facts)) => facts,
        Some(BoardRead::Source(dashboard)) => {
            BoardFacts::of(&Board::build(&dashboard, now.date_naive()))
        }
        None => BoardFacts::of(&Board::build(&Default::default(), now.date_naive())),
    };
    let signs = health::signs(&inputs, now);
    let history = source.history(&inputs, now);
    let since = history
        .iter()
        .filter(|(_, _, cleared)| cleared.is_none())
        .map(|(sign, since, _)| (sign.key(), *since))
        .collect();
    let statement = |seat: &str, label| {
        let row = source.latest_statement(seat).cloned();
        StatementView {
            seat_label: label,
            classified: classify(row.as_ref().map_or("", |r| r.sentence.as_str())),
            row,
        }
    };
    let matrix_problems = source
        .matrix_problems
        .iter()
        .flat_map(|row| {
            row.problems
                .iter()
                .filter(|p| p.is_warning_sign())
                .map(|p| (row.row_name.clone(), p.message()))
                .collect::<Vec<_>>()
        })
        .collect();
    let my_seat = user.executive_seat();
    let round =
        crate::domain::spells::rating_round(programme.phase(), now.date_naive()).to_string();
    let rounds: Vec<RoundView> = inputs
        .rounds
        .iter()
        .rev()
        .take(8)
        .map(|r: &Round| {
            let complete = r.complete();
            let part = |seat: &'static str, label| {
                let row = source
                    .ratings
                    .iter()
                    .find(|x| x.round == r.key && x.seat == seat)
                    .cloned();
                let visible = complete || my_seat == Some(seat);
                (label, row.is_some(), row.filter(|_| visible))
            };
            RoundView {
                key: r.key.clone(),
                parts: vec![part("ceo", "CEO"), part("coo", "COO")],
                dashboard: if complete { r.dashboard } else { None },
                gap: r.gap(),
            }
        })
        .collect();
    let already_rated = my_seat.is_some_and(|seat| {
        source
            .ratings
            .iter()
            .any(|r| r.round == round && r.seat == seat)
    });
    let facts = &source.cadence;
    let schedule = facts.schedule(&programme, now.date_naive());
    let brief = match &source.brief {
        Some((number, slots)) => db::brief::status_of(*number, slots),
        None => BriefStatus::None,
    };
    let unsigned_brief = match brief {
        BriefStatus::Approved { .. } => None,
        BriefStatus::None => {
            Some("No version of the brief has been submitted for signature.".to_owned())
        }
        BriefStatus::Pending { number, missing } => Some(format!(
            "Version {number} still needs: {}.",
            missing.join(", ")
        )),
        BriefStatus::Rejected { number, by } => Some(format!(
            "Version {number} was rejected by {}.",
            by.join(", ")
        )),
    };
    let tolerance = inputs.tolerance;
    Ok(HealthPage {
        badge: health::badge(signs.len()),
        statements: vec![statement("ceo", "CEO"), statement("coo", "COO")],
        line_warning: programme.reporting_line().warning(),
        matrix_problems,
        pulse_problem: pulse_problem(inputs.pulse.as_ref(), tolerance, inputs.pulse_since, now),
        last_pulse: source.pulses.last().cloned(),
        pulse_due: inputs.pulse.map_or(inputs.pulse_since, |p| p.at) + PULSE_EVERY,
        tolerance: tolerance.describe(),
        rating_problem: rating_problem(&inputs.rounds),
        late_decisions: facts
            .open_requests
            .iter()
            .map(|r| {
                (
                    r.number,
                    r.question.clone(),
                    Clock::of(r.raised_at, None, now),
                )
            })
            .filter(|(_, _, clock)| clock.breached())
            .collect(),
        missing_updates: schedule
            .iter()
            .filter(|d| {
                d.state == DueState::Overdue && matches!(d.expected, cadence::Expected::Update(_))
            })
            .map(|d| d.expected.title())
            .collect(),
        stale_metrics: board.stale,
        unsigned_brief,
        carried_twice: source
            .actions
            .iter()
            .filter(|a| {
                let carried = cadence::times_carried(
                    a.origin_on,
                    a.done_at.map(|d| d.date_naive()),
                    &facts.sessions,
                );
                cadence::flagged(carried, a.done_at.is_some())
            })
            .map(|a| a.title.clone())
            .collect(),
        can_state: user.can(Action::RecordAlignment) && my_seat.is_some(),
        can_pulse: user.can(Action::RecordBusinessMetric),
        can_rate: user.can(Action::RecordAlignment) && my_seat.is_some() && !already_rated,
        already_rated,
        primary: board.primary,
        page: Page::of(state, user),
        signs,
        rounds,
        round,
        since,
        history,
        form,
        errors,
        programme,
    })
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<HealthPage> {
    page(
        &state,
        viewer,
        id,
        HealthForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// Re-renders the page with what was typed and the messages.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: HealthForm,
    errors: FieldErrors,
) -> Result<Response> {
    let page = page(state, Viewer::Known(user.clone()), id, form, errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

async fn finish(
    state: &AppState,
    user: &CurrentUser,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
    message: &str,
    anchor: &str,
) -> Result<Response> {
    db::health::refresh(&mut tx, user.organisation_id, id, state.now()).await?;
    done(tx, user, format!("{}#{anchor}", paths::health(id)), message).await
}
