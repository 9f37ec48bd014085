//! GET /programmes/{id}/matrix.csv — the current matrix for spreadsheets.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::{Grid, current, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;

pub(super) async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    let (_, matrix) = current(&state, id).await?;
    let grid = Grid::of(&matrix);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "Responsibility".to_owned(),
        "Kind".to_owned(),
        "Description".to_owned(),
    ];
    header.extend(grid.roles.iter().map(|role| role.name.clone()));
    header.push("Problems".to_owned());
    writer.write_record(&header).map_err(anyhow::Error::from)?;
    for row in &grid.rows {
        let mut record = vec![
            spreadsheet_safe(&row.name),
            row.kind.to_owned(),
            spreadsheet_safe(&row.description),
        ];
        record.extend(
            row.cells
                .iter()
                .map(|cell| cell.map(|l| l.as_str().to_owned()).unwrap_or_default()),
        );
        record.push(row.problems.join(" "));
        writer.write_record(&record).map_err(anyhow::Error::from)?;
    }
    let body = writer
        .into_inner()
        .map_err(|error| anyhow::anyhow!("writing CSV: {error}"))?;
    let filename = format!("responsibility-matrix-{}.csv", slug(&programme.name));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Text that a spreadsheet would run as a formula gets a leading quote.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
