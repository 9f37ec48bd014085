//! Seats and their history.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};

use crate::domain::seat::SeatKind;

/// A seat, sitting or ended, with its holder's name.
#[derive(Debug, Clone, FromRow, Serialize, serde::Deserialize)]
pub struct Seat {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The holder's name.
    pub holder_name: String,
    /// `ceo`, `coo`, `approver`, `exco` or `admin`.
    pub kind: String,
    /// An approver's title.
    pub title: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub started_at: DateTime<Utc>,
    /// Until (none while sitting).
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

impl Seat {
    /// The kind, parsed (the database only holds known kinds).
    pub fn seat_kind(&self) -> Option<SeatKind> {
        self.kind.parse().ok()
    }

    /// "CEO", or "Approver (CFO)".
    pub fn label(&self) -> String {
        let base = self.seat_kind().map_or("Unknown", SeatKind::label);
        match &self.title {
            Some(title) => format!("{base} ({title})"),
            None => base.to_owned(),
        }
    }
}

pub(crate) const SELECT: &str = "SELECT s.id, s.user_id, u.display_name AS holder_name, s.kind, s.title, s.started_at, s.ended_at
                        FROM seats s JOIN users u ON u.id = s.user_id";

/// The kinds of seat a user holds now.
pub async fn sitting_kinds(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Vec<SeatKind>> {
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM seats WHERE user_id = $1 AND ended_at IS NULL")
            .bind(user_id)
            .fetch_all(db)
            .await?;
    Ok(kinds.iter().filter_map(|kind| kind.parse().ok()).collect())
}

/// Every seat of an organisation, sitting first, then the history newest first.
pub async fn all_in_org(db: impl PgExecutor<'_>, organisation_id: Uuid) -> sqlx::Result<Vec<Seat>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.organisation_id = $1
          ORDER BY s.ended_at IS NOT NULL, array_position(ARRAY['ceo','coo','approver','exco','admin'], s.kind),
                   s.ended_at DESC, lower(u.display_name)"
    ))
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// A user's seats, sitting and ended.
pub async fn for_user(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Vec<Seat>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.user_id = $1 ORDER BY s.ended_at IS NOT NULL, s.started_at DESC"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// The sitting holder of a single seat (CEO or COO), locked for update.
pub async fn lock_sitting_single(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    kind: SeatKind,
) -> sqlx::Result<Option<Seat>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.organisation_id = $1 AND s.kind = $2 AND s.ended_at IS NULL FOR UPDATE OF s"
    ))
    .bind(organisation_id)
    .bind(kind.as_str())
    .fetch_optional(db)
    .await
}

/// A sitting seat of the organisation, locked for update.
pub async fn lock_sitting(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Seat>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.organisation_id = $1 AND s.id = $2 AND s.ended_at IS NULL FOR UPDATE OF s"
    ))
    .bind(organisation_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The partial unique index allowing one sitting CEO and one sitting COO.
pub const ONE_CEO_COO: &str = "seats_one_sitting_ceo_coo";
/// The partial unique index allowing a user one sitting seat of each kind.
pub const ONE_PER_KIND: &str = "seats_one_sitting_kind_per_user";

/// Seats a user.
pub async fn start(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
    user_id: Uuid,
    kind: SeatKind,
    title: Option<&str>,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO seats (id, organisation_id, user_id, kind, title, started_at, started_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(organisation_id)
    .bind(user_id)
    .bind(kind.as_str())
    .bind(title)
    .bind(at)
    .bind(by)
    .fetch_one(db)
    .await
}

/// Ends a sitting seat, with its audit entry (and why, when it is not an
/// administrator's plain decision); it stays in the history.
pub async fn end(
    conn: &mut PgConnection,
    actor: &Actor,
    seat: &Seat,
    reason: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE seats SET ended_at = $2, ended_by = $3 WHERE id = $1 AND ended_at IS NULL")
        .bind(seat.id)
        .bind(actor.at)
        .bind(actor.user_id)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SEAT_END,
            object_type: "seat",
            object_id: Some(seat.id),
            before: Some(serde_json::to_value(seat).unwrap_or_default()),
            after: reason.map(|reason| serde_json::json!({ "reason": reason })),
        },
    )
    .await
}

/// A sitting approver, for choosing signatories.
#[derive(Debug, Clone, FromRow)]
pub struct Approver {
    /// The approver's user id.
    pub user_id: Uuid,
    pub display_name: String,
    /// Title (CFO, CTO…).
    pub title: String,
}

/// The sitting approvers of an organisation.
pub async fn sitting_approvers(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
) -> sqlx::Result<Vec<Approver>> {
    sqlx::query_as(
        "SELECT s.user_id, u.display_name, s.title
           FROM seats s JOIN users u ON u.id = s.user_id
          WHERE s.organisation_id = $1 AND s.kind = 'approver' AND s.ended_at IS NULL
            AND u.disabled_at IS NULL
          ORDER BY s.title, u.display_name",
    )
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// How many sitting administrators the organisation has.
pub async fn sitting_admin_count(
    db: impl PgExecutor<'_>,
    organisation_id: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM seats s JOIN users u ON u.id = s.user_id
          WHERE s.organisation_id = $1 AND s.kind = 'admin' AND s.ended_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(organisation_id)
    .fetch_one(db)
    .await
}

/// Seats `user_id` as `kind`, ending the previous holder's seat when the
/// seat is single (CEO, COO): a reassignment. Both changes are audited.
/// Fails with [`ONE_PER_KIND`] or [`ONE_CEO_COO`] on a concurrent change.
pub async fn assign(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    user_id: Uuid,
    kind: SeatKind,
    title: Option<&str>,
) -> sqlx::Result<Uuid> {
    if kind.is_single()
        && let Some(previous) = lock_sitting_single(&mut *conn, organisation_id, kind).await?
        && previous.user_id != user_id
    {
        end(&mut *conn, actor, &previous, Some("reassigned")).await?;
    }
    let seat_id = start(
        &mut *conn,
        organisation_id,
        user_id,
        kind,
        title,
        actor.user_id,
        actor.at,
    )
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::SEAT_START,
            object_type: "seat",
            object_id: Some(seat_id),
            before: None,
            after: Some(
                serde_json::json!({ "user_id": user_id, "kind": kind.as_str(), "title": title }),
            ),
        },
    )
    .await?;
    Ok(seat_id)
}
