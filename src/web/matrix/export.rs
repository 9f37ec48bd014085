//! GET /programmes/{id}/matrix.csv and /programmes/{id}/matrix.xlsx — the
//! current matrix for spreadsheets.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::{Grid, current, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::spreadsheet::{Table, slug};

pub(super) async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (stem, table) = matrix_table(&state, &user, id).await?;
    table.csv_download(&stem)
}

pub(super) async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (stem, table) = matrix_table(&state, &user, id).await?;
    table.xlsx_download(&stem, "Responsibility matrix")
}

/// The current matrix, a row per responsibility, with the file name to give it.
async fn matrix_table(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<(String, Table)> {
    let programme = readable_programme(state, user, id).await?;
    let (_, matrix) = current(state, id).await?;
    let grid = Grid::of(&matrix);
    let mut header = vec![
        "Responsibility".to_owned(),
        "Kind".to_owned(),
        "Description".to_owned(),
    ];
    header.extend(grid.roles.iter().map(|role| role.name.clone()));
    header.push("Problems".to_owned());
    let mut table = Table::new(header);
    for row in &grid.rows {
        let mut record = vec![
            row.name.clone().into(),
            row.kind.into(),
            row.description.clone().into(),
        ];
        record.extend(
            row.cells
                .iter()
                .map(|cell| cell.map_or("", |l| l.as_str()).into()),
        );
        record.push(row.problems.join(" ").into());
        table.row(record);
    }
    Ok((
        format!("responsibility-matrix-{}", slug(&programme.name)),
        table,
    ))
}
