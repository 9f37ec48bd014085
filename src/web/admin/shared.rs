//! Helpers every administration page shares: reading a seat and a version
//! from a form, seating a user, and the conflict page of a stale user form.

use sqlx::PgConnection;
use uuid::Uuid;

use super::user_page::UserPage;
use crate::db;
use crate::db::audit::Actor;
use crate::domain::seat::SeatKind;
use crate::domain::values::Line;
use crate::error::{AppError, Result};
use crate::paths;
use crate::web::forms::FieldErrors;

/// Parses an optional seat choice and an approver's title.
pub(super) fn parse_seat(
    errors: &mut FieldErrors,
    seat: &str,
    title: &str,
) -> Option<Option<(SeatKind, Option<Line>)>> {
    if seat.trim().is_empty() {
        return Some(None);
    }
    let kind = errors.check(
        "seat",
        seat.parse::<SeatKind>()
            .map_err(|_| "Choose a seat from the list."),
    )?;
    if kind == SeatKind::Approver {
        let title = errors.check(
            "title",
            Line::parse(title, "the approver's title (for example CFO)", 60),
        )?;
        Some(Some((kind, Some(title))))
    } else {
        Some(Some((kind, None)))
    }
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
