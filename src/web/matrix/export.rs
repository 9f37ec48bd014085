//! GET /programmes/{id}/matrix.csv — the current matrix for spreadsheets.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::{Grid, current, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::spreadsheet::{CsvDocument, slug};

pub(super) async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    let (_, matrix) = current(&state, id).await?;
    let grid = Grid::of(&matrix);
    let mut doc = CsvDocument::new();
    let mut header = vec![
        "Responsibility".to_owned(),
        "Kind".to_owned(),
        "Description".to_owned(),
    ];
    header.extend(grid.roles.iter().map(|role| role.name.clone()));
    header.push("Problems".to_owned());
    doc.row(&header)?;
    for row in &grid.rows {
        let mut record = vec![
            row.name.clone(),
            row.kind.to_owned(),
            row.description.clone(),
        ];
        record.extend(
            row.cells
                .iter()
                .map(|cell| cell.map(|l| l.as_str().to_owned()).unwrap_or_default()),
        );
        record.push(row.problems.join(" "));
        doc.row(&record)?;
    }
    doc.download(&format!(
        "responsibility-matrix-{}.csv",
        slug(&programme.name)
    ))
}
