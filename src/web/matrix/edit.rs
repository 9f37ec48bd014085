//! GET /programmes/{id}/matrix/edit and POST /programmes/{id}/matrix — the
//! whole grid as one plain form. Problems in the matrix do not block a save
//! (organisations pass through messy states); a stale form does.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::form::MatrixForm;
use super::{Grid, current, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::domain::raci::{self, Letter, Matrix, RowKind};
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};

#[derive(Template)]
#[template(path = "matrix/edit.html")]
struct EditPage {
    page: Page,
    programme: Programme,
    form: MatrixForm,
    grid: Grid,
    errors: FieldErrors,
    letters: [Letter; 4],
    kinds: [RowKind; 4],
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    programme: Programme,
    form: MatrixForm,
    grid: Grid,
    errors: FieldErrors,
) -> Result<EditPage> {
    Ok(EditPage {
        page: Page::of(state, user),
        programme,
        form,
        grid,
        errors,
        letters: Letter::ALL,
        kinds: RowKind::ALL,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    user.require(Action::EditMatrix)?;
    let (version, matrix) = current(&state, id).await?;
    let page = edit_page(
        &state,
        &user,
        programme,
        MatrixForm::from_matrix(&matrix, version),
        Grid::of(&matrix),
        FieldErrors::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    user.require(Action::EditMatrix)?;
    let loaded: i32 = pairs
        .iter()
        .find(|(key, _)| key == "version")
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| AppError::BadRequest("matrix form without a version".into()))?;
    let base = match loaded {
        0 => Matrix::framework_default(),
        n => {
            db::raci::by_version(&state.pool, id, n)
                .await?
                .ok_or_else(|| AppError::BadRequest("unknown matrix version".into()))?
                .matrix
                .0
        }
    };
    let form = MatrixForm::from_pairs(pairs, &base);
    let edited = match form.parse(&base) {
        Ok(edited) => edited,
        Err(errors) => {
            let page = edit_page(&state, &user, programme, form, Grid::of(&base), errors).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };

    let now = state.now();
    let mut tx = state.pool.begin().await?;
    // Saves of one programme's matrix queue here, one at a time.
    db::programmes::lock(&mut tx, id).await?;
    let latest = db::raci::latest(&mut *tx, id).await?;
    let current_version = latest.as_ref().map_or(0, |v| v.version);
    if current_version != loaded {
        let theirs = latest.map_or_else(Matrix::framework_default, |v| v.matrix.0);
        return Err(conflict(&state, &user, &programme, &base, &theirs, &edited).await?);
    }
    if raci::diff(&base, &edited).is_empty() {
        db::sessions::set_flash(
            &mut *tx,
            user.session_id,
            "success",
            "Nothing changed, so no new version was saved.",
        )
        .await?;
        tx.commit().await?;
        return Ok(Redirect::to(&paths::matrix(id)).into_response());
    }
    let new_version = match db::raci::save(
        &mut tx,
        &user.actor(&client, now),
        id,
        loaded,
        &base,
        &edited,
    )
    .await
    {
        Ok(version) => version,
        Err(error) if db::is_constraint(&error, db::raci::VERSION_TAKEN) => {
            return Err(conflict(&state, &user, &programme, &base, &base, &edited).await?);
        }
        Err(error) => return Err(error.into()),
    };
    let problems = raci::validate(&edited).len();
    let message = match problems {
        0 => format!("Saved as version {new_version}. Every row passes the checks."),
        1 => format!(
            "Saved as version {new_version}. One row still has a problem; it stays flagged until fixed."
        ),
        n => format!(
            "Saved as version {new_version}. {n} rows still have problems; they stay flagged until fixed."
        ),
    };
    // The matrix can raise or clear "the COO routed through the CTO".
    db::health::refresh(&mut tx, user.organisation_id, id, now).await?;
    done(tx, &user, &paths::matrix(id), &message).await
}

/// The conflict page: what others changed since the form was loaded, next
/// to what this editor tried to change. Nothing is saved.
async fn conflict(
    state: &AppState,
    user: &CurrentUser,
    programme: &Programme,
    base: &Matrix,
    theirs: &Matrix,
    yours: &Matrix,
) -> Result<AppError> {
    let their_changes = raci::diff(base, theirs);
    let your_changes = raci::diff(base, yours);
    let mut fields: Vec<ConflictField> = their_changes
        .iter()
        .map(|change| ConflictField {
            label: change.place.clone(),
            yours: your_changes
                .iter()
                .find(|mine| mine.place == change.place)
                .map_or_else(
                    || format!("{} (unchanged)", change.old),
                    |mine| mine.new.clone(),
                ),
            theirs: change.new.clone(),
        })
        .collect();
    fields.extend(
        your_changes
            .iter()
            .filter(|mine| {
                !their_changes
                    .iter()
                    .any(|change| change.place == mine.place)
            })
            .map(|mine| ConflictField {
                label: mine.place.clone(),
                yours: mine.new.clone(),
                theirs: format!("{} (unchanged)", mine.old),
            }),
    );
    Ok(ConflictPage {
        page: Page::of(state, user),
        what: format!("the responsibility matrix of {}", programme.name),
        reload_url: paths::matrix_edit(programme.id),
        fields,
    }
    .into())
}
