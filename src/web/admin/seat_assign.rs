//! POST /admin/users/{id}/seats — seat a user. Seating a new CEO or COO
//! ends the sitting holder's seat in the same transaction: a reassignment,
//! kept in the seat history.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::user_new::parse_seat;
use super::user_page::{SeatValues, UserPage};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::audit::Actor;
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};

/// The fields as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SeatForm {
    seat: String,
    title: String,
    version: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<SeatForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let mut page = UserPage::load(&state, &user, id).await?;
    page.seat_form = SeatValues {
        kind: form.seat.clone(),
        title: form.title.clone(),
    };
    let parsed = parse_seat(&mut page.errors, &form.seat, &form.title).flatten();
    let Some((kind, title)) = parsed else {
        if page.errors.is_empty() {
            page.errors.add("seat", "Choose a seat.");
        }
        return Ok(page.invalid());
    };
    let sitting: Vec<SeatKind> = page
        .seats
        .iter()
        .filter(|seat| seat.ended_at.is_none())
        .filter_map(|seat| seat.seat_kind())
        .collect();
    if page.target.disabled_at.is_some() {
        page.errors.add(
            "seat",
            "This account is disabled; enable it before giving it a seat.",
        );
    } else if sitting.contains(&kind) {
        page.errors.add(
            "seat",
            format!("{} already holds this seat.", page.target.display_name),
        );
    } else if let Some(clash) = sitting.iter().find(|held| !kind.compatible_with(**held)) {
        page.errors.add(
            "seat",
            format!(
                "A person cannot be {} and {} at once: the CEO and the COO each hold one lane.",
                kind.label(),
                clash.label()
            ),
        );
    }
    if !page.errors.is_empty() {
        return Ok(page.invalid());
    }

    let now = state.now();
    let actor = user.actor(&client, now);
    let mut tx = state.pool.begin().await?;
    if !db::users::bump_version(&mut *tx, id, parse_version(&form.version)).await? {
        return Err(stale(&page));
    }
    assign(
        &mut tx,
        &actor,
        user.organisation_id,
        id,
        kind,
        title.as_ref().map(|t| t.as_str()),
    )
    .await?;
    db::sessions::set_flash(
        &mut *tx,
        user.session_id,
        "success",
        &format!(
            "{} now holds the {} seat.",
            page.target.display_name,
            kind.label()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&paths::admin_user(id)).into_response())
}

/// Seats a user inside the caller's transaction; a concurrent change to
/// the same seats becomes a conflict rather than an error.
pub(super) async fn assign(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    user_id: Uuid,
    kind: SeatKind,
    title: Option<&str>,
) -> Result<()> {
    match db::seats::assign(conn, actor, organisation_id, user_id, kind, title).await {
        Ok(_) => Ok(()),
        Err(error)
            if db::is_constraint(&error, db::seats::ONE_PER_KIND)
                || db::is_constraint(&error, db::seats::ONE_CEO_COO) =>
        {
            Err(crate::web::pages::ConflictPage {
                page: crate::web::pages::Page::anonymous(String::new()),
                what: "the seats of this organisation".into(),
                reload_url: paths::admin_user(user_id),
                fields: Vec::new(),
            }
            .into())
        }
        Err(error) => Err(error.into()),
    }
}

/// A version field as sent; anything unparsable can never match.
pub(super) fn parse_version(raw: &str) -> i32 {
    raw.trim().parse().unwrap_or(-1)
}

/// The conflict page for a user changed since the form was loaded.
pub(super) fn stale(page: &UserPage) -> AppError {
    crate::web::pages::ConflictPage {
        page: page.page.clone(),
        what: format!("the account of {}", page.target.display_name),
        reload_url: paths::admin_user(page.target.id),
        fields: Vec::new(),
    }
    .into()
}
