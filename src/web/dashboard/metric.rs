//! GET and POST /programmes/{id}/metrics/{metric} — one metric: its chart
//! (actuals, target, trajectory), its values with every correction, and the
//! form its owner records or corrects a value with.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{load, metric_of, record_action};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::board::Board;
use crate::board_shown::MetricShown;
use crate::db;
use crate::db::metrics::{Corrected, Correction, MetricRead, NewValue, Recorded, ValueRow};
use crate::db::programmes::Programme;
use crate::domain::metrics::{Definition, Period};
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};

#[derive(Template)]
#[template(path = "dashboard/metric.html")]
struct MetricPage {
    page: Page,
    programme: Programme,
    metric_id: String,
    /// The metric's name.
    name: String,
    /// Whether it is recorded weekly (else monthly).
    weekly: bool,
    /// The heading and standing, then the values and corrections, as HTML
    /// (`board_shown::render_metric`): kept, or rendered now.
    parts: [String; 2],
    can_record: bool,
    form: ValueForm,
    errors: FieldErrors,
    /// Whether the form is correcting an existing value (then a reason is needed).
    correcting: Option<ValueRow>,
}

/// The record / correct form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct ValueForm {
    period: String,
    value: String,
    note: String,
    reason: String,
    version: String,
}

/// A value as parsed from the form.
struct ParsedValue {
    period: Period,
    value: f64,
    note: String,
    reason: String,
    version: Option<i32>,
}

impl ValueForm {
    fn parse(
        &self,
        def: &Definition,
        today: chrono::NaiveDate,
    ) -> std::result::Result<ParsedValue, FieldErrors> {
        let mut errors = FieldErrors::new();
        let period = errors.check("period", def.value_period(&self.period, today));
        let value = errors.check("value", def.unit.parse_value(&self.value));
        let note = self.note.trim().to_owned();
        if note.chars().count() > 500 {
            errors.add("note", "Keep the note to 500 characters or fewer.");
        }
        let reason = self.reason.trim().to_owned();
        if reason.chars().count() > 500 {
            errors.add("reason", "Keep the reason to 500 characters or fewer.");
        }
        match (period, value) {
            (Some(period), Some(value)) if errors.is_empty() => Ok(ParsedValue {
                period,
                value,
                note,
                reason,
                version: self.version.trim().parse().ok(),
            }),
            _ => Err(errors),
        }
    }
}

fn page(
    page: Page,
    programme: Programme,
    metric_id: &str,
    shown: MetricShown,
    user: &CurrentUser,
) -> MetricPage {
    MetricPage {
        page,
        programme,
        metric_id: metric_id.to_owned(),
        weekly: matches!(Period::parse(&shown.due), Some(Period::Week { .. })),
        can_record: user.can(record_action(shown.kind)),
        form: ValueForm {
            period: shown.due,
            ..ValueForm::default()
        },
        errors: FieldErrors::new(),
        correcting: None,
        name: shown.name,
        parts: shown.parts,
    }
}

/// The page of metric `metric` of programme `id`: as kept if it is what it
/// would render now, else rendered from the metric's document, in one round
/// trip with the session.
pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, metric)): Path<(Uuid, String)>,
) -> Result<Response> {
    let today = state.now().date_naive();
    let seen = db::metrics::metric_view(
        state.readers(),
        &viewer.who(&state),
        id,
        &metric,
        today,
        crate::board_shown::markup(),
    )
    .await?;
    let (user, (programme, read)) = viewer.admit(&state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = programme.ok_or(AppError::NotFound)?;
    let shown = match read {
        MetricRead::Shown(shown) => shown,
        MetricRead::Source(source) => {
            crate::board_shown::render_metric(&metric, &source, today).ok_or(AppError::NotFound)?
        }
    };
    let page = page(Page::of(&state, &user), programme, &metric, shown, &user);
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path((id, metric)): Path<(Uuid, String)>,
    Form(form): Form<ValueForm>,
) -> Result<Response> {
    let (_, programme, source) =
        load(&state, Viewer::Known(user.clone()), id, Some(&metric)).await?;
    let today = state.now().date_naive();
    let board = Board::build(&source, today);
    let def = metric_of(&board, &metric)?.def.clone();
    user.require(record_action(def.kind))?;
    let metric_url = crate::paths::metric(id, &def.id);
    let invalid = |errors: FieldErrors, correcting: Option<ValueRow>| {
        let state = state.clone();
        let user = user.clone();
        let programme = programme.clone();
        let source = source.clone();
        let form = form.clone();
        async move {
            let shown = crate::board_shown::render_metric(&metric, &source, today)
                .ok_or(AppError::NotFound)?;
            let mut page = page(Page::of(&state, &user), programme, &metric, shown, &user);
            page.form = form;
            page.errors = errors;
            page.correcting = correcting;
            Ok::<_, crate::error::AppError>(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    };
    let parsed = match form.parse(&def, today) {
        Ok(parsed) => parsed,
        Err(errors) => return invalid(errors, None).await,
    };
    let period = parsed.period.to_string();
    let new = NewValue {
        organisation_id: user.organisation_id,
        programme_id: id,
        metric_id: &def.id,
        period: &period,
        value: parsed.value,
        note: &parsed.note,
    };
    let actor = user.actor(&client, state.now());
    let mut tx = state.pool.begin().await?;
    let message = match db::metrics::record_value(&mut tx, &actor, &new).await? {
        Recorded::Created(_) => format!(
            "Recorded {} for {}.",
            def.unit.format(parsed.value),
            parsed.period.label()
        ),
        Recorded::Unchanged(_) => {
            drop(tx);
            return crate::web::pages::nothing_changed(&state, &user, &metric_url).await;
        }
        Recorded::Exists(existing) => {
            if parsed.reason.is_empty() {
                drop(tx);
                let mut errors = FieldErrors::new();
                errors.add(
                    "reason",
                    format!(
                        "{} already has the value {}. To correct it, say why: the old value stays in the history.",
                        parsed.period.label(),
                        def.unit.format(existing.value)
                    ),
                );
                return invalid(errors, Some(existing)).await;
            }
            let correction = Correction {
                value: new.clone(),
                // A correction without the version it corrects is as stale as an old one.
                expected_version: parsed.version.unwrap_or_default(),
                reason: &parsed.reason,
            };
            match db::metrics::correct_value(&mut tx, &actor, &correction).await? {
                Corrected::Done(_) => format!(
                    "Corrected {} from {} to {}.",
                    parsed.period.label(),
                    def.unit.format(existing.value),
                    def.unit.format(parsed.value)
                ),
                Corrected::Unchanged(_) | Corrected::Missing => {
                    drop(tx);
                    return crate::web::pages::nothing_changed(&state, &user, &metric_url).await;
                }
                Corrected::Stale(current) => {
                    drop(tx);
                    return Err(ConflictPage {
                        page: Page::of(&state, &user),
                        what: format!("the {} value for {}", def.name, parsed.period.label()),
                        reload_url: metric_url,
                        fields: vec![
                            ConflictField {
                                label: "Value".into(),
                                yours: def.unit.format(parsed.value),
                                theirs: def.unit.format(current.value),
                            },
                            ConflictField {
                                label: "Note".into(),
                                yours: parsed.note.clone(),
                                theirs: current.note.clone(),
                            },
                        ],
                    }
                    .into());
                }
            }
        }
    };
    done(tx, &user, &metric_url, &message).await
}
