//! GET /programmes/{id}/dashboard.csv — every value, one row per metric and
//! period; GET and POST /programmes/{id}/dashboard/import — the same format
//! back in: a preview that names every bad row by its line, and nothing
//! written unless every row is good, all in one transaction. Importing the
//! same file twice changes nothing the second time.

use std::collections::HashSet;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{load, record_action};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::board::Board;
use crate::db;
use crate::db::metrics::{NewValue, Recorded};
use crate::db::programmes::Programme;
use crate::domain::metrics::Period;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::pages::{Page, done, render};
use crate::web::spreadsheet::{BOM, Cell, Table, slug};
use chrono::NaiveDate;

/// The columns of the export, and of what the import reads.
pub const HEADER: [&str; 8] = [
    "metric_id",
    "metric",
    "kind",
    "unit",
    "period",
    "value",
    "note",
    "recorded_at",
];

/// GET /programmes/{id}/dashboard.csv — every value, in the import's columns.
pub(super) async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (stem, table) = values_table(&state, &user, id).await?;
    table.csv_download(&stem)
}

/// GET /programmes/{id}/dashboard.xlsx — the same, as an Excel workbook.
pub(super) async fn export_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (stem, table) = values_table(&state, &user, id).await?;
    table.xlsx_download(&stem, "Values")
}

/// Every value of the programme, with the file name to give it.
async fn values_table(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<(String, Table)> {
    let programme = crate::web::extract::readable(state, user, id).await?;
    let values = db::metrics::all_values(&state.pool, id).await?;
    let source = db::metrics::dashboard_source(&state.pool, id, None).await?;
    let board = Board::build(&source, state.now().date_naive());
    let mut table = Table::new(HEADER);
    for value in values {
        let def = board.metrics.iter().find(|m| m.def.id == value.metric_id);
        table.row(vec![
            value.metric_id.clone().into(),
            def.map(|m| m.def.name.clone()).unwrap_or_default().into(),
            def.map_or("", |m| m.def.kind.as_str()).into(),
            def.map_or("", |m| m.def.unit.as_str()).into(),
            value.period.clone().into(),
            Cell::Number(value.value),
            value.note.clone().into(),
            Cell::Time(value.recorded_at),
        ]);
    }
    Ok((format!("dashboard-values-{}", slug(&programme.name)), table))
}

#[derive(Template)]
#[template(path = "dashboard/import.html")]
struct ImportPage {
    page: Page,
    programme: Programme,
    csv: String,
    checked: Option<Checked>,
}

/// The result of checking a file.
struct Checked {
    rows: Vec<Row>,
    errors: Vec<(usize, String)>,
}

impl Checked {
    fn new_rows(&self) -> usize {
        self.rows.iter().filter(|r| !r.unchanged).count()
    }
}

/// One good row.
struct Row {
    line: usize,
    metric_id: String,
    metric: String,
    period: Period,
    value: f64,
    value_text: String,
    note: String,
    unchanged: bool,
}

/// The form, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ImportForm {
    csv: String,
    confirm: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Readable(programme): Readable,
) -> Result<Response> {
    require_recorder(&user)?;
    let page = ImportPage {
        page: Page::of(&state, &user),
        programme,
        csv: String::new(),
        checked: None,
    };
    Ok(render(StatusCode::OK, &page))
}

fn require_recorder(user: &CurrentUser) -> Result<()> {
    use crate::domain::metrics::MetricKind;
    if user.can(record_action(MetricKind::Business))
        || user.can(record_action(MetricKind::Operational))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Checks every line of the file against the dashboard's definitions, the
/// caller's right to record each metric, and what is already recorded.
fn check(
    csv_text: &str,
    board: &Board,
    existing: &[db::metrics::ValueRow],
    user: &CurrentUser,
    today: NaiveDate,
) -> Checked {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim_start_matches(BOM).as_bytes());
    for (index, record) in reader.records().enumerate() {
        let line = index + 1;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push((line, format!("cannot be read as CSV ({error}).")));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or_default().trim_start_matches('\'');
        if record.iter().all(|c| c.trim().is_empty()) || (line == 1 && cell(0) == "metric_id") {
            continue;
        }
        let Some(view) = board.metrics.iter().find(|m| {
            m.def.id == cell(0) || (cell(0).is_empty() && m.def.name.eq_ignore_ascii_case(cell(1)))
        }) else {
            errors.push((
                line,
                format!(
                    "no metric “{}” on this dashboard.",
                    if cell(0).is_empty() { cell(1) } else { cell(0) }
                ),
            ));
            continue;
        };
        let def = &view.def;
        // A row exactly as recorded (the export pasted back, say) is
        // already recorded, whoever owns the metric and however old it is.
        let as_recorded = Period::parse_for(cell(4), def.cadence)
            .ok()
            .zip(def.unit.parse_value(cell(5)).ok())
            .and_then(|(period, value)| {
                let period_text = period.to_string();
                existing
                    .iter()
                    .find(|v| {
                        v.metric_id == def.id
                            && v.period == period_text
                            && v.value == value
                            && v.note == cell(6)
                    })
                    .map(|_| (period, value))
            });
        if let Some((period, value)) = as_recorded {
            if seen.insert((def.id.clone(), period)) {
                rows.push(Row {
                    line,
                    metric_id: def.id.clone(),
                    metric: def.name.clone(),
                    period,
                    value,
                    value_text: def.unit.format(value),
                    note: cell(6).to_owned(),
                    unchanged: true,
                });
            }
            continue;
        }
        if !user.can(record_action(def.kind)) {
            errors.push((
                line,
                format!(
                    "{} is the {}'s to record.",
                    def.name,
                    def.kind.owner_label()
                ),
            ));
            continue;
        }
        let period = match def.value_period(cell(4), today) {
            Ok(period) => period,
            Err(message) => {
                errors.push((line, format!("period “{}”: {message}", cell(4))));
                continue;
            }
        };
        let value = match def.unit.parse_value(cell(5)) {
            Ok(value) => value,
            Err(message) => {
                errors.push((line, format!("value “{}”: {message}", cell(5))));
                continue;
            }
        };
        let note = cell(6).to_owned();
        if note.chars().count() > 500 {
            errors.push((line, "the note is longer than 500 characters.".into()));
            continue;
        }
        if !seen.insert((def.id.clone(), period)) {
            errors.push((
                line,
                format!(
                    "{} for {} appears twice in the file.",
                    def.name,
                    period.label()
                ),
            ));
            continue;
        }
        let period_text = period.to_string();
        let stored = existing
            .iter()
            .find(|v| v.metric_id == def.id && v.period == period_text);
        let unchanged = match stored {
            Some(stored) if stored.value == value && stored.note == note => true,
            Some(stored) => {
                errors.push((
                    line,
                    format!(
                        "{} already has {} for {}; correct it on the metric's page, with a reason.",
                        def.name,
                        def.unit.format(stored.value),
                        period.label()
                    ),
                ));
                continue;
            }
            None => false,
        };
        rows.push(Row {
            line,
            metric_id: def.id.clone(),
            metric: def.name.clone(),
            period,
            value,
            value_text: def.unit.format(value),
            note,
            unchanged,
        });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push((0, "The file holds no values.".into()));
    }
    Checked { rows, errors }
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<ImportForm>,
) -> Result<Response> {
    let (_, programme, source) = load(&state, Viewer::Known(user.clone()), id, None).await?;
    require_recorder(&user)?;
    let board = Board::build(&source, state.now().date_naive());
    let existing = db::metrics::all_values(&state.pool, id).await?;
    let checked = check(
        &form.csv,
        &board,
        &existing,
        &user,
        state.now().date_naive(),
    );
    if !checked.errors.is_empty() || form.confirm != "yes" {
        let status = if checked.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = ImportPage {
            page: Page::of(&state, &user),
            programme,
            csv: form.csv,
            checked: Some(checked),
        };
        return Ok(render(status, &page));
    }
    let actor = user.actor(&client, state.now());
    let mut tx = state.pool.begin().await?;
    let mut written = 0;
    for row in checked.rows.iter().filter(|r| !r.unchanged) {
        let period = row.period.to_string();
        let recorded = db::metrics::record_value(
            &mut tx,
            &actor,
            &NewValue {
                organisation_id: user.organisation_id,
                programme_id: id,
                metric_id: &row.metric_id,
                period: &period,
                value: row.value,
                note: &row.note,
            },
        )
        .await?;
        match recorded {
            Recorded::Created(_) => written += 1,
            Recorded::Unchanged(_) => {}
            Recorded::Exists(_) => {
                // Someone recorded the same period meanwhile: nothing is written.
                drop(tx);
                let mut checked = check(
                    &form.csv,
                    &board,
                    &db::metrics::all_values(&state.pool, id).await?,
                    &user,
                    state.now().date_naive(),
                );
                if checked.errors.is_empty() {
                    checked
                        .errors
                        .push((row.line, "was recorded by someone else meanwhile.".into()));
                }
                let page = ImportPage {
                    page: Page::of(&state, &user),
                    programme,
                    csv: form.csv,
                    checked: Some(checked),
                };
                return Ok(render(StatusCode::CONFLICT, &page));
            }
        }
    }
    let message = match written {
        0 => "Nothing changed: every value in the file was already recorded.".to_owned(),
        1 => "Imported 1 value.".to_owned(),
        n => format!("Imported {n} values."),
    };
    done(tx, &user, &crate::paths::dashboard(id), &message).await
}
