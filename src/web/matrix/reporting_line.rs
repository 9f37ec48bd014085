//! POST /programmes/{id}/reporting-line — to whom the COO answers on AI.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::readable_programme;
use super::view::with_line_error;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::domain::raci::ReportingLine;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};

/// The fields as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct LineForm {
    reports_to: String,
    note: String,
    version: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<LineForm>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    user.require(Action::EditMatrix)?;
    let line = ReportingLine::parse(&form.reports_to);
    let note = form.note.trim().to_owned();
    let error = match &line {
        Err(message) => Some(message.clone()),
        Ok(_) if note.chars().count() > 300 => {
            Some("Keep the note to 300 characters or fewer.".to_owned())
        }
        Ok(_) => None,
    };
    let (Ok(line), None) = (line, error.clone()) else {
        let error = error.unwrap_or_default();
        let page = with_line_error(&state, &user, programme, (&form.note, &error)).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    if line == programme.reporting_line() && note == programme.coo_reports_to_note {
        let back = paths::matrix(id);
        return crate::web::pages::nothing_changed(&state, &user, &back).await;
    }
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let version = form.version.trim().parse().unwrap_or(-1);
    let Some(_) = db::programmes::set_reporting_line(
        &mut tx,
        &user.actor(&client, now),
        &programme,
        version,
        line,
        &note,
    )
    .await?
    else {
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the COO's reporting line on {}", programme.name),
            reload_url: paths::matrix(id),
            fields: vec![ConflictField {
                label: "The COO answers to".into(),
                yours: line.label().into(),
                theirs: programme.reporting_line().label().into(),
            }],
        }
        .into());
    };
    let message = match line.warning() {
        None => "Saved: the COO answers to the CEO on AI.",
        Some(_) => "Saved. The reporting line is flagged until the COO answers to the CEO.",
    };
    db::health::refresh(&mut tx, user.organisation_id, id, now).await?;
    done(tx, &user, &paths::matrix(id), message).await
}
