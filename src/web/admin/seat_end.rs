//! POST /admin/seats/{id}/end — end a seat (it stays in the history).
//!
//! The CEO and COO seats are never left empty: they change hands by
//! reassignment instead. The last administrator cannot end their own seat.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{parse_version, stale};
use super::user_page::UserPage;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::pages::done;

/// The fields as sent: the holder's version.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct EndForm {
    version: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(seat_id): Path<Uuid>,
    Form(form): Form<EndForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let mut tx = state.pool.begin().await?;
    let seat = db::seats::lock_sitting(&mut *tx, user.organisation_id, seat_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut page = UserPage::load(&state, &user, seat.user_id).await?;
    let kind = seat.seat_kind();
    if kind.is_some_and(SeatKind::is_single) {
        page.errors.add(
            "seats",
            "The CEO and COO seats are never left empty. Give the seat to the new holder instead; \
             the current holder's seat ends at the same moment.",
        );
        return Ok(page.invalid());
    }
    if kind == Some(SeatKind::Admin)
        && db::seats::sitting_admin_count(&mut *tx, user.organisation_id).await? <= 1
    {
        page.errors.add(
            "seats",
            "This is the organisation's last administrator seat. Seat another administrator first.",
        );
        return Ok(page.invalid());
    }
    if !db::users::bump_version(&mut *tx, seat.user_id, parse_version(&form.version)).await? {
        return Err(stale(&page));
    }
    let now = state.now();
    db::seats::end(&mut tx, &user.actor(&client, now), &seat, None).await?;
    done(
        tx,
        &user,
        &paths::admin_user(seat.user_id),
        &format!("{}'s {} seat has ended.", seat.holder_name, seat.label()),
    )
    .await
}
