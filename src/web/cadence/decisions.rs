//! Decision requests: the request's page with the CEO's form (GET/POST
//! …/decisions/{number}) and the programme's decision log (GET …/decisions).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::{RequestView, load, see};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::auth::token;
use crate::db;
use crate::db::cadence::Reads;
use crate::db::cadence::{Decided, Decision};
use crate::db::programmes::Programme;
use crate::domain::cadence::{self, LogTotals, Outcome};
use crate::domain::permission::Action;
use crate::domain::values::text;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, Refusal, done, render};

#[derive(Template, WebTemplate)]
#[template(path = "cadence/decision.html")]
pub(super) struct DecisionPage {
    page: Page,
    programme: Programme,
    request: RequestView,
    can_decide: bool,
    decision_key: String,
    outcomes: [Outcome; 3],
    form: DecideForm,
    errors: FieldErrors,
}

/// The CEO's form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct DecideForm {
    outcome: String,
    note: String,
    decision_key: String,
}

async fn decision_page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    number: i32,
    form: DecideForm,
    errors: FieldErrors,
) -> Result<DecisionPage> {
    let (user, programme, source) = see(state, viewer, id, Reads::ALL).await?;
    let user = &user;
    let row = source
        .requests
        .iter()
        .find(|r| r.number == number)
        .ok_or(AppError::NotFound)?;
    let request = RequestView::of(row, state.now());
    Ok(DecisionPage {
        can_decide: user.can(Action::DecideRequest) && request.outcome.is_none(),
        decision_key: if form.decision_key.is_empty() {
            token::decision_key(row.id, user.id)
        } else {
            form.decision_key.clone()
        },
        outcomes: Outcome::ALL,
        page: Page::of(state, user),
        programme,
        request,
        form,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<DecisionPage> {
    decision_page(
        &state,
        viewer,
        id,
        number,
        DecideForm::default(),
        FieldErrors::new(),
    )
    .await
}

pub(super) async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path((id, number)): Path<(Uuid, i32)>,
    Form(form): Form<DecideForm>,
) -> Result<Response> {
    let (_, source) = load(&state, &user, id, Reads::ALL).await?;
    user.require(Action::DecideRequest)?;
    let request_id = source
        .requests
        .iter()
        .find(|r| r.number == number)
        .map(|r| r.id)
        .ok_or(AppError::NotFound)?;
    // The one-time key must be the one this page made for this CEO and this
    // request; anything else is refused before anything is recorded.
    if !token::is_decision_key(form.decision_key.trim(), request_id, user.id) {
        return Ok(Refusal {
            page: Page::of(&state, &user),
            status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
            title: "Nothing was decided".into(),
            message: format!(
                "This form's one-time key was not made for you and request #{number}, so nothing \
                 was recorded. Open the request again and decide from its own form."
            ),
            reasons: Vec::new(),
            back_url: paths::decision(id, number),
            back_label: format!("Open request #{number}"),
        }
        .into_response());
    }
    let mut errors = FieldErrors::new();
    let outcome = errors.check(
        "outcome",
        Outcome::parse(&form.outcome).ok_or("Choose approve, reject or ask for more information."),
    );
    let note = errors.check("note", text(&form.note, 3000));
    if outcome == Some(Outcome::MoreInformation) && note.as_deref().is_some_and(str::is_empty) {
        errors.add("note", "Say what more you need to know.");
    }
    let (Some(outcome), Some(note), true) = (outcome, note, errors.is_empty()) else {
        let page = decision_page(
            &state,
            Viewer::Known(user.clone()),
            id,
            number,
            form,
            errors,
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let now = state.now();
    let back = paths::decision(id, number);
    let mut tx = state.pool.begin().await?;
    let figures = crate::board::figures_now(&mut tx, id, now).await?;
    let decided = db::cadence::decide(
        &mut tx,
        &user.actor(&client, now),
        id,
        number,
        &Decision {
            outcome: outcome.as_str(),
            note: &note,
            key: form.decision_key.trim(),
            figures: &figures,
        },
    )
    .await?;
    match decided {
        Decided::Done => {
            done(
                tx,
                &user,
                &back,
                &format!("Decision #{number} recorded: {}.", outcome.label()),
            )
            .await
        }
        Decided::AlreadyRecorded => {
            drop(tx);
            db::sessions::set_flash(
                &state.pool,
                user.session_id,
                "success",
                "This decision was already recorded.",
            )
            .await?;
            Ok(Redirect::to(&back).into_response())
        }
        Decided::AlreadyDecided(earlier) => {
            drop(tx);
            Refusal::conflict(
                &state,
                &user,
                "This request is already decided",
                "A decision, once taken, stays as it was taken.",
                vec![format!(
                    "It was decided: {}.",
                    Outcome::parse(&earlier).map_or(earlier.clone(), |o| o.label().to_owned())
                )],
                (back, "See the decision".to_owned()),
            )
            .await
        }
        Decided::Missing => Err(AppError::NotFound),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cadence/decisions.html")]
pub(super) struct LogPage {
    page: Page,
    programme: Programme,
    requests: Vec<RequestView>,
    totals: LogTotals,
}

impl LogPage {
    fn median(&self) -> String {
        self.totals.median_hours.map_or_else(
            || "—".to_owned(),
            |hours| {
                cadence::duration_words(chrono::Duration::minutes((hours * 60.0).round() as i64))
            },
        )
    }
}

pub(super) async fn log(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<LogPage> {
    let (user, programme, source) = see(&state, viewer, id, Reads::ALL).await?;
    let now = state.now();
    let requests: Vec<RequestView> = source
        .requests
        .iter()
        .map(|r| RequestView::of(r, now))
        .collect();
    let clocks: Vec<_> = requests.iter().map(|r| r.clock).collect();
    Ok(LogPage {
        totals: cadence::totals(&clocks),
        page: Page::of(&state, &user),
        programme,
        requests,
    })
}
