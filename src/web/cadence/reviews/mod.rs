//! Monthly ExCo reviews: opened by the CEO or the COO (POST …/reviews),
//! prepared together (GET/POST …/reviews/{month}: each writes their own
//! part), held (POST …/reviews/{month}/hold: the dashboard and the texts are
//! frozen into a pack sealed by SHA-256), printed (GET …/pack) and checked
//! (GET …/verify).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use uuid::Uuid;

use super::{ACTION_ROWS, ActionInput, ActionView, action_views, load, parse_actions, see};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::board::Board;
use crate::db;
use crate::db::cadence::Reads;
use crate::db::cadence::{CadenceSource, ReviewRow, ReviewTexts};
use crate::db::pipeline::ProcessRow;
use crate::db::programmes::Programme;
use crate::domain::chart::{self, LineChart, SeriesSpec, Stroke};
use crate::domain::dates::Day;
use crate::domain::metrics::{Cadence, Period};
use crate::domain::permission::Action;
use crate::domain::pipeline::{ExcoDecision, Stage};
use crate::domain::seat::SeatKind;
use crate::domain::snapshot::{Figure, Figures, Move, Pack, ProcessDecision, Standing, moves};
use crate::domain::values::text;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::FieldErrors;
use crate::web::forms::field;
use crate::web::pages::{ConflictField, ConflictPage, Page, Refusal, done, render};

/// The month of a review's address ("2026-10"); anything else is not found.
pub(crate) fn month_of_path(month: &str) -> Result<String> {
    Ok(Period::parse_for(month, Cadence::Monthly)
        .map_err(|_| AppError::NotFound)?
        .to_string())
}

mod hold;
mod open;
mod pack;
mod verify;
mod write;

pub(super) use hold::hold;
pub(super) use open::open;
pub(super) use pack::pack;
pub(super) use verify::verify;
pub(super) use write::write;

crate::typed_form! {
    /// The review's forms, as typed: opening one (month, meeting day), each
    /// executive's part with the actions set, holding it, and the ExCo's
    /// decision on a process of the pipeline.
    pub(crate) struct ReviewForm {
        month,
        meeting_on,
        attendees,
        strategy,
        competition,
        operations,
        pipeline_decisions,
        version,
        action_title_1,
        action_owner_1,
        action_due_1,
        action_title_2,
        action_owner_2,
        action_due_2,
        action_title_3,
        action_owner_3,
        action_due_3,
        pd_process,
        pd_decision,
        pd_note,
    }
}

/// A month as typed ("2026-10"), checked.
fn parse_month(text: &str) -> std::result::Result<Period, String> {
    Period::parse_for(text.trim(), Cadence::Monthly)
        .map_err(|_| "Give the month as year and month, for example 2026-10.".to_owned())
}

/// A frozen figure beside today's value for the same period.
#[derive(Debug, Clone)]
pub(super) struct FigureRow {
    /// As frozen (or, before the review is held, as it stands).
    pub figure: Figure,
    /// Today's value of the same period, when a correction changed it.
    pub corrected: Option<String>,
}

impl FigureRow {
    /// The frozen chart: drawn only by the pack, which shows it.
    pub fn chart(&self) -> LineChart {
        chart_of(&self.figure)
    }

    /// The chart's text alternative.
    pub fn description(&self) -> String {
        let values: Vec<String> = self
            .figure
            .recent
            .iter()
            .map(|(p, v)| {
                format!(
                    "{} {}",
                    Period::parse(p).map_or_else(|| p.clone(), Period::label),
                    crate::domain::metrics::format_number(*v)
                )
            })
            .collect();
        format!(
            "{}: {}. Target {}.",
            self.figure.name,
            if values.is_empty() {
                "no values".to_owned()
            } else {
                values.join(", ")
            },
            self.figure.target_text()
        )
    }
}

fn chart_of(figure: &Figure) -> LineChart {
    let points: Vec<(NaiveDate, f64)> = figure
        .recent
        .iter()
        .filter_map(|(p, v)| Some((Period::parse(p)?.end(), *v)))
        .collect();
    let start = points.first().map_or(figure.target_date, |(d, _)| *d);
    let end = points.last().map_or(figure.target_date, |(d, _)| *d);
    chart::line_chart_in(
        chart::Frame::COMPACT,
        &[
            SeriesSpec {
                name: "Actual".into(),
                stroke: Stroke::Actual,
                points,
            },
            SeriesSpec {
                name: "Target".into(),
                stroke: Stroke::Target,
                points: vec![(start, figure.target), (end, figure.target)],
            },
        ],
        &[],
        chart::short_number,
    )
}

/// The figures rows: frozen ones beside `today`'s values of the same
/// periods (one per figure, in order: see [`Loaded::today`]), where a
/// correction changed them since.
fn figure_rows(figures: &Figures, today: &[Option<f64>]) -> Vec<FigureRow> {
    figures
        .metrics
        .iter()
        .enumerate()
        .map(|(at, figure)| {
            let corrected = today
                .get(at)
                .copied()
                .flatten()
                .filter(|now| figure.value.is_some_and(|then| (then - now).abs() > 1e-9))
                .map(|now| figure.format(now));
            FigureRow {
                corrected,
                figure: figure.clone(),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "cadence/review.html")]
pub(super) struct ReviewPage {
    page: Page,
    programme: Programme,
    review: ReviewRow,
    month: Period,
    figures: Figures,
    rows: Vec<FigureRow>,
    moved: Vec<Move>,
    previous_month: Option<String>,
    set_here: Vec<ActionView>,
    proposed: Vec<ActionView>,
    can_write: bool,
    writes_ceo_part: bool,
    writes_coo_part: bool,
    form: ReviewForm,
    actions: Vec<ActionInput>,
    errors: FieldErrors,
    can_record_session: bool,
    /// The decisions on processes: as held, or as recorded so far.
    decided: Vec<ProcessDecision>,
    /// The processes a decision may be recorded on (open review only).
    processes: Vec<ProcessRow>,
    /// The agents at work since the last review: as held, or as things stand.
    at_work: Option<crate::domain::snapshot::AtWork>,
}

impl ReviewPage {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }

    fn decisions() -> [ExcoDecision; 4] {
        ExcoDecision::ALL
    }
}

/// The review of `month`, the frozen pack (if held) and the previous one.
struct Loaded {
    programme: Programme,
    source: CadenceSource,
    review: ReviewRow,
    month: Period,
    pack: Option<Pack>,
    previous: Option<Earlier>,
    /// Today's value of each figure of the held pack, in its order, where
    /// a correction changed it since (empty before it is held).
    today: Vec<Option<f64>>,
    /// Today's board: drafts the pack of a review not yet held (`None` once held).
    board: Option<Board>,
}

/// The review of `month` of programme `id`, with its pack whole (the
/// printable pack, its check) or as the review's page shows it.
async fn load_review(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    month: &str,
    whole_pack: bool,
) -> Result<(CurrentUser, Loaded)> {
    let period = Period::parse_for(month, Cadence::Monthly).map_err(|_| AppError::NotFound)?;
    let month = period.to_string();
    let reads = if whole_pack {
        Reads::pack(&month)
    } else {
        Reads::review(&month)
    };
    let (user, programme, mut source) = see(state, viewer, id, reads).await?;
    let review = source.focused.take().ok_or(AppError::NotFound)?;
    let held = source.snapshots.iter().find(|s| s.month == month);
    let pack = held
        .and_then(|s| s.content.as_ref())
        .and_then(|content| serde_json::from_str::<Pack>(content.get()).ok());
    let today = match (held, &pack) {
        (Some(held), Some(pack)) => held.today(pack.figures.metrics.len()),
        _ => Vec::new(),
    };
    // The pack before this one is read only for how each metric stood.
    let previous = source
        .snapshots
        .iter_mut()
        .find(|s| s.month < month)
        .map(|s| Earlier {
            month: s.month.clone(),
            standing: std::mem::take(&mut s.standing),
        });
    let dashboard = source.dashboard.take().unwrap_or_default();
    let board = pack
        .is_none()
        .then(|| Board::build(&dashboard, state.now().date_naive()));
    Ok((
        user,
        Loaded {
            programme,
            source,
            review,
            month: period,
            pack,
            previous,
            today,
            board,
        },
    ))
}

/// The pack before a review's: its month, and how each metric stood.
struct Earlier {
    month: String,
    standing: Vec<Standing>,
}

/// What the review page and its pack both show.
struct Shown {
    /// The pack as held, or (before it is held) a draft as things stand.
    pack: Pack,
    rows: Vec<FigureRow>,
    moved: Vec<Move>,
    previous_month: Option<String>,
    set_here: Vec<ActionView>,
    proposed: Vec<ActionView>,
}

impl Loaded {
    /// What the page shows (the held pack moved out, not copied).
    fn shown(&mut self, now: chrono::DateTime<chrono::Utc>) -> Shown {
        let pack = self.pack.take().unwrap_or_else(|| {
            self.review.pack(
                self.programme.id,
                &self.source.pipeline,
                self.board
                    .as_ref()
                    .map(|board| board.figures(now))
                    .unwrap_or_default(),
                self.source.at_work.clone(),
                now,
            )
        });
        let views = action_views(&self.source, now.date_naive());
        Shown {
            rows: figure_rows(&pack.figures, &self.today),
            moved: self
                .previous
                .as_ref()
                .map(|p| moves(&p.standing, &pack.figures))
                .unwrap_or_default(),
            previous_month: self.previous.as_ref().map(|p| p.month.clone()),
            set_here: views
                .iter()
                .filter(|a| a.row.review_month.as_deref() == Some(&self.review.month))
                .cloned()
                .collect(),
            proposed: views.into_iter().filter(|a| a.flagged).collect(),
            pack,
        }
    }
}

async fn review_page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    month: &str,
    typed: Option<(ReviewForm, Vec<ActionInput>)>,
    errors: FieldErrors,
) -> Result<ReviewPage> {
    let (user, mut loaded) = load_review(state, viewer, id, month, false).await?;
    let user = &user;
    let shown = loaded.shown(state.now());
    let review = loaded.review;
    let (form, actions) = typed.unwrap_or_else(|| {
        let form = ReviewForm {
            meeting_on: review.meeting_on.to_string(),
            attendees: review.attendees.clone(),
            strategy: review.strategy.clone(),
            competition: review.competition.clone(),
            operations: review.operations.clone(),
            pipeline_decisions: review.pipeline_decisions.clone(),
            version: review.version.to_string(),
            ..ReviewForm::default()
        };
        (form, vec![ActionInput::default(); ACTION_ROWS])
    });
    let can_write = user.can(Action::WriteExcoReview) && review.held_at.is_none();
    let processes = if can_write {
        loaded
            .source
            .processes
            .iter()
            .filter(|p| p.in_draft && p.stage() != Stage::Retired)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReviewPage {
        decided: shown.pack.processes.clone(),
        at_work: shown.pack.at_work.clone(),
        processes,
        rows: shown.rows,
        moved: shown.moved,
        previous_month: shown.previous_month,
        set_here: shown.set_here,
        proposed: shown.proposed,
        figures: shown.pack.figures,
        writes_ceo_part: can_write && user.seats.holds(SeatKind::Ceo),
        writes_coo_part: can_write && user.seats.holds(SeatKind::Coo),
        can_write,
        can_record_session: user.can(Action::RecordAlignment),
        page: Page::of(state, user),
        programme: loaded.programme,
        month: loaded.month,
        review,
        form,
        actions,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, month)): Path<(Uuid, String)>,
) -> Result<ReviewPage> {
    review_page(&state, viewer, id, &month, None, FieldErrors::new()).await
}

/// The review page again with a refused pipeline-decision form (422): what
/// was typed stays, the message beside the field.
pub(crate) async fn decision_refused(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    month: &str,
    typed: ReviewForm,
    errors: FieldErrors,
) -> Result<Response> {
    let mut page = review_page(state, Viewer::Known(user.clone()), id, month, None, errors).await?;
    page.form.pd_process = typed.pd_process;
    page.form.pd_decision = typed.pd_decision;
    page.form.pd_note = typed.pd_note;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub(crate) async fn refuse_held(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    review: &ReviewRow,
) -> Result<Response> {
    Refusal::conflict(
        state,
        user,
        "This review was held",
        "A held review is what the committee saw: it no longer changes. Open next month's review instead.",
        Vec::new(),
        (paths::review(id, &review.month), "Back to the review".to_owned()),
    )
    .await
}
