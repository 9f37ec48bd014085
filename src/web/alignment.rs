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
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::board::Board;
use crate::db;
use crate::db::health::{HealthSource, PulseRow, RatingRow, StatementRow};
use crate::db::programmes::Programme;
use crate::domain::cadence::{self, Clock, DueState};
use crate::domain::health::{
    self, Classified, Inputs, PULSE_EVERY, PulseProblem, Rag, RatingProblem, Round, Sign, classify,
    disagree, pulse_problem, rating_problem,
};
use crate::domain::metrics::{Cadence, Period, Status, Unit};
use crate::domain::permission::Action;
use crate::domain::phase::Phase;
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

/// The round of blind ratings `now` falls in: the ISO week before go-live
/// (weekly sessions and updates), the month after (monthly reviews).
fn current_round(programme: &Programme, now: DateTime<Utc>) -> String {
    let cadence =
        if programme.phase() == Phase::PostDeployment || programme.phase() == Phase::Closed {
            Cadence::Monthly
        } else {
            Cadence::Weekly
        };
    Period::containing(now.date_naive(), cadence).to_string()
}

/// When each sign stood: (sign, appeared, cleared).
type Spell = (Sign, DateTime<Utc>, Option<DateTime<Utc>>);

/// Turns (moment, standing?) points into spells.
fn spells(sign: Sign, points: &[(DateTime<Utc>, bool)]) -> Vec<Spell> {
    let mut out: Vec<Spell> = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for (at, standing) in points {
        match (open, standing) {
            (None, true) => open = Some(*at),
            (Some(since), false) => {
                out.push((sign, since, Some(*at)));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(since) = open {
        out.push((sign, since, None));
    }
    out
}

/// The history of the signs, computed from the records themselves.
fn history(source: &HealthSource, inputs: &Inputs, now: DateTime<Utc>) -> Vec<Spell> {
    let mut all = Vec::new();
    // Different words: after each new sentence.
    let (mut ceo, mut coo) = (None, None);
    let mut points = Vec::new();
    for s in &source.statements {
        let framing = classify(&s.sentence).framing;
        if s.seat == "ceo" {
            ceo = Some(framing);
        } else {
            coo = Some(framing);
        }
        let standing = matches!((ceo, coo), (Some(a), Some(b)) if disagree(a, b));
        points.push((s.written_at, standing));
    }
    all.extend(spells(Sign::DifferentWords, &points));
    // The pulse: each check, and each 35 days without one.
    let mut points = Vec::new();
    let mut last = inputs.pulse_since;
    for p in &source.pulses {
        if health::pulse_overdue(last, p.checked_at) {
            points.push((last + PULSE_EVERY, true));
        }
        let check = health::PulseCheck {
            at: p.checked_at,
            stated_value: p.stated_value,
            stated_target: p.stated_target,
            actual_value: p.actual_value,
            actual_target: p.actual_target,
        };
        let tolerance = health::Tolerance::for_unit(
            Unit::parse(&p.unit).unwrap_or(Unit::Percent),
            source.programme.as_ref().and_then(|p| p.pulse_tolerance),
        );
        points.push((p.checked_at, check.off(tolerance)));
        last = p.checked_at;
    }
    if health::pulse_overdue(last, now) {
        points.push((last + PULSE_EVERY, true));
    }
    all.extend(spells(Sign::PulseOff, &points));
    // Ratings: as each round completed.
    let rounds = &inputs.rounds;
    let mut points = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        if !round.complete() {
            continue;
        }
        let completed = source
            .ratings
            .iter()
            .filter(|r| r.round == round.key)
            .map(|r| r.rated_at)
            .max()
            .unwrap_or(now);
        points.push((completed, rating_problem(&rounds[..=i]).is_some()));
    }
    all.extend(spells(Sign::RatingsApart, &points));
    all.sort_by_key(|(_, since, _)| std::cmp::Reverse(*since));
    all
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
    history: Vec<Spell>,
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
    primary_name: Option<String>,
    primary_unit: Option<&'static str>,
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
            format!("since {}", at.format("%-d %B %Y"))
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
    user: &CurrentUser,
    id: Uuid,
    form: HealthForm,
    errors: FieldErrors,
) -> Result<HealthPage> {
    user.require(Action::ReadProgramme)?;
    let mut source = db::health::source(&state.pool, user.organisation_id, id).await?;
    let inputs = source.inputs().ok_or(AppError::NotFound)?;
    let programme = source.programme.take().ok_or(AppError::NotFound)?;
    let dashboard = db::metrics::dashboard_source(&state.pool, id, None).await?;
    let now = state.now();
    let board = Board::build(&dashboard, now.date_naive());
    let signs = health::signs(&inputs, now);
    let history = history(&source, &inputs, now);
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
    let matrix = source
        .matrix
        .as_ref()
        .map_or_else(crate::domain::raci::Matrix::framework_default, |v| {
            v.matrix.0.clone()
        });
    let matrix_problems = crate::domain::raci::validate(&matrix)
        .into_iter()
        .flat_map(|row| {
            row.problems
                .iter()
                .filter(|p| p.is_warning_sign())
                .map(|p| (row.row_name.clone(), p.message()))
                .collect::<Vec<_>>()
        })
        .collect();
    let my_seat = user.executive_seat();
    let round = current_round(&programme, now);
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
        stale_metrics: board
            .metrics
            .iter()
            .filter(|m| m.assessment.stale)
            .map(|m| m.def.name.clone())
            .collect(),
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
        primary_name: board.primary().map(|m| m.def.name.clone()),
        primary_unit: board.primary().map(|m| match m.def.unit {
            Unit::Percent => "%",
            Unit::Currency => "€",
            Unit::Hours => "hours",
            Unit::Count => "count",
            Unit::Score => "score",
        }),
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
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<HealthPage> {
    page(&state, &user, id, HealthForm::default(), FieldErrors::new()).await
}

/// Re-renders the page with what was typed and the messages.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: HealthForm,
    errors: FieldErrors,
) -> Result<Response> {
    let page = page(state, user, id, form, errors).await?;
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

async fn statement(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<HealthForm>,
) -> Result<Response> {
    user.require(Action::RecordAlignment)?;
    let seat = user.executive_seat().ok_or(AppError::Forbidden)?;
    let sentence = form.sentence.trim();
    let mut errors = FieldErrors::new();
    if sentence.is_empty() {
        errors.add("sentence", "Write, in one sentence, what the programme is.");
    } else if sentence.chars().count() > 400 {
        errors.add(
            "sentence",
            "Keep it to one sentence: 400 characters at most.",
        );
    }
    if !errors.is_empty() {
        return refused(&state, &user, id, form, errors).await;
    }
    let mut tx = state.pool.begin().await?;
    let written = db::health::write_statement(
        &mut tx,
        &user.actor(&client, state.now()),
        id,
        seat,
        sentence,
    )
    .await?;
    if !written {
        drop(tx);
        return crate::web::pages::nothing_changed(&state, &user, &paths::health(id)).await;
    }
    finish(
        &state,
        &user,
        tx,
        id,
        "Your sentence is saved; the earlier ones stay in the history.",
        "words-title",
    )
    .await
}

async fn pulse(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<HealthForm>,
) -> Result<Response> {
    user.require(Action::RecordBusinessMetric)?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let board = Board::build(&dashboard, now.date_naive());
    let mut errors = FieldErrors::new();
    let Some(primary) = board.primary() else {
        drop(tx);
        errors.add(
            "stated_value",
            "The brief defines no primary metric yet: there is nothing to check.",
        );
        return refused(&state, &user, id, form, errors).await;
    };
    // The same reading of a number as the value form, in the metric's unit.
    let mut stated = |field: &str| {
        let typed = form.value(field);
        errors.check(
            field,
            primary
                .def
                .unit
                .parse_value(typed)
                .map_err(|problem| format!("Give a number, from memory. {problem}")),
        )
    };
    let (value, target) = (stated("stated_value"), stated("stated_target"));
    let (Some(value), Some(target)) = (value, target) else {
        drop(tx);
        return refused(&state, &user, id, form, errors).await;
    };
    let row = PulseRow {
        metric_id: primary.def.id.clone(),
        unit: primary.def.unit.as_str().to_owned(),
        stated_value: value,
        stated_target: target,
        actual_value: primary.assessment.actual,
        actual_target: primary.def.target,
        checked_at: now,
    };
    let once = Once::parse(&form.once);
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    once.recorded(
        &mut tx,
        user.id,
        &format!("{}#pulse-title", paths::health(id)),
    )
    .await?;
    db::health::record_pulse(&mut tx, &user.actor(&client, now), id, &row).await?;
    let unit = primary.def.unit;
    let actual = primary
        .assessment
        .actual
        .map_or_else(|| "no value yet".to_owned(), |v| unit.format(v));
    let message = format!(
        "You said {} against a target of {}; it is {} against {}.",
        unit.format(value),
        unit.format(target),
        actual,
        unit.format(primary.def.target)
    );
    finish(&state, &user, tx, id, &message, "pulse-title").await
}

async fn rating(
    State(state): State<AppState>,
    user: CurrentUser,
    Readable(programme): Readable,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<HealthForm>,
) -> Result<Response> {
    user.require(Action::RecordAlignment)?;
    let seat = user.executive_seat().ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::new();
    let rag = errors.check(
        "rating",
        Rag::parse(&form.rating).ok_or("Choose red, amber or green."),
    );
    let confidence = errors.check(
        "confidence",
        form.confidence
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|c| (1..=5).contains(c))
            .ok_or("Choose how sure you are, from 1 to 5."),
    );
    let why = form.why.trim();
    if why.chars().count() > 200 {
        errors.add("why", "One line: 200 characters at most.");
    }
    let (Some(rag), Some(confidence), true) = (rag, confidence, errors.is_empty()) else {
        return refused(&state, &user, id, form, errors).await;
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let board = Board::build(&dashboard, now.date_naive());
    let statuses: Vec<Status> = board.metrics.iter().map(|m| m.assessment.status).collect();
    let data = Rag::of_dashboard(board.primary().map(|m| m.assessment.status), &statuses);
    let row = RatingRow {
        round: current_round(&programme, now),
        seat: seat.to_owned(),
        rating: rag.as_str().to_owned(),
        confidence,
        why: why.to_owned(),
        dashboard: Some(data.as_str().to_owned()),
        rated_at: now,
    };
    if !db::health::record_rating(&mut tx, &user.actor(&client, now), id, &row).await? {
        drop(tx);
        let mut errors = FieldErrors::new();
        errors.add(
            "rating",
            "You have already rated this round; a rating once given stays.",
        );
        let page = page(&state, &user, id, form, errors).await?;
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    finish(
        &state,
        &user,
        tx,
        id,
        "Your rating is in. The other executive's shows once both of you have rated.",
        "ratings-title",
    )
    .await
}
