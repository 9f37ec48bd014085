//! POST /admin/users/{id}/seats — seat a user. Seating a new CEO or COO
//! ends the sitting holder's seat in the same transaction: a reassignment,
//! kept in the seat history.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{assign, parse_seat, parse_version, stale};
use super::user_page::{SeatValues, UserPage};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::domain::values::Line;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::pages::done;

/// The fields as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SeatForm {
    seat: String,
    title: String,
    version: String,
}

/// A seat to give, parsed: which, and the title if it is an approver's.
struct SeatChoice {
    kind: SeatKind,
    title: Option<Line>,
}

impl TryFrom<&SeatForm> for SeatChoice {
    type Error = FieldErrors;

    fn try_from(form: &SeatForm) -> std::result::Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        match parse_seat(&mut errors, &form.seat, &form.title) {
            Some(Some((kind, title))) => Ok(SeatChoice { kind, title }),
            Some(None) => {
                errors.add("seat", "Choose a seat.");
                Err(errors)
            }
            None => Err(errors),
        }
    }
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
    let SeatChoice { kind, title } = match SeatChoice::try_from(&form) {
        Ok(choice) => choice,
        Err(errors) => {
            page.errors = errors;
            return Ok(page.invalid());
        }
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
    done(
        tx,
        &user,
        &paths::admin_user(id),
        &format!(
            "{} now holds the {} seat.",
            page.target.display_name,
            kind.label()
        ),
    )
    .await
}
