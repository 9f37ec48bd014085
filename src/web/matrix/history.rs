//! GET /programmes/{id}/matrix/history — every saved version with what it
//! changed (who, when, cell, old, new), and a comparison of the matrix as it
//! stood on two dates (`?from=…&to=…`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::{end_of, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::raci::{Change, Matrix, diff};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::pages::Page;

/// One version and what it changed.
pub(super) struct Entry {
    version: i32,
    saved: String,
    by: String,
    changes: Vec<Change>,
}

/// The comparison of two dates.
pub(super) struct Comparison {
    from: NaiveDate,
    to: NaiveDate,
    from_version: Option<i32>,
    to_version: Option<i32>,
    changes: Vec<Change>,
}

#[derive(Template, WebTemplate)]
#[template(path = "matrix/history.html")]
pub(super) struct HistoryPage {
    page: Page,
    programme: Programme,
    entries: Vec<Entry>,
    from: String,
    to: String,
    comparison: Option<Comparison>,
    compare_error: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct HistoryQuery {
    from: String,
    to: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(query): Query<HistoryQuery>,
) -> Result<HistoryPage> {
    let programme = readable_programme(&state, &user, id).await?;
    let versions = db::raci::all(&state.pool, id).await?;
    let mut previous: Option<&Matrix> = None;
    let mut entries = Vec::new();
    for version in &versions {
        entries.push(Entry {
            version: version.version,
            saved: version.saved_at.format("%-d %B %Y, %H:%M UTC").to_string(),
            by: version
                .saved_by_name
                .clone()
                .unwrap_or_else(|| "tandem".to_owned()),
            changes: previous
                .map(|before| diff(before, &version.matrix.0))
                .unwrap_or_default(),
        });
        previous = Some(&version.matrix.0);
    }
    entries.reverse();

    let parse = |raw: &str| NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    let (mut comparison, mut compare_error) = (None, None);
    if !query.from.is_empty() || !query.to.is_empty() {
        match (parse(&query.from), parse(&query.to)) {
            (Some(from), Some(to)) => {
                let before = db::raci::as_of(&state.pool, id, end_of(from)).await?;
                let after = db::raci::as_of(&state.pool, id, end_of(to)).await?;
                let empty = Matrix {
                    roles: Vec::new(),
                    rows: Vec::new(),
                };
                comparison = Some(Comparison {
                    from,
                    to,
                    from_version: before.as_ref().map(|v| v.version),
                    to_version: after.as_ref().map(|v| v.version),
                    changes: diff(
                        before.as_ref().map_or(&empty, |v| &v.matrix.0),
                        after.as_ref().map_or(&empty, |v| &v.matrix.0),
                    ),
                });
            }
            _ => compare_error = Some("Enter both dates as YYYY-MM-DD."),
        }
    }
    Ok(HistoryPage {
        page: Page::of(&state, &user),
        programme,
        entries,
        from: query.from,
        to: query.to,
        comparison,
        compare_error,
    })
}
