//! ExCo reviews: opening one, writing each executive's part, and holding
//! it (which freezes its pack).

use super::*;
use crate::db::notifications;
use crate::domain::notify;
use crate::domain::seat::SeatKind;

/// Opens the review of `month`; `false` when it is already open.
pub async fn open_review(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    month: &str,
    meeting_on: NaiveDate,
) -> sqlx::Result<bool> {
    let opened = sqlx::query(
        "INSERT INTO exco_reviews (id, organisation_id, programme_id, month, meeting_on, opened_by, opened_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ON CONSTRAINT exco_reviews_month_key DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(organisation_id)
    .bind(programme_id)
    .bind(month)
    .bind(meeting_on)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if opened {
        audit::record(
            conn,
            actor,
            Change {
                action: actions::REVIEW_OPEN,
                object_type: "programme",
                object_id: Some(programme_id),
                before: None,
                after: Some(json!({"month": month, "meeting_on": meeting_on})),
            },
        )
        .await?;
        super::clocks::review_opened(conn, actor, programme_id, month, meeting_on).await?;
    }
    Ok(opened)
}

/// A review's texts as a form submits them. `None` leaves a field as it is
/// (each executive writes only their own part).
#[derive(Debug, Clone, Default)]
pub struct ReviewTexts {
    /// The meeting day.
    pub meeting_on: Option<NaiveDate>,
    pub attendees: Option<String>,
    /// The CEO's strategic narrative.
    pub strategy: Option<String>,
    /// The CEO's competitive update.
    pub competition: Option<String>,
    /// The COO's operational outcomes.
    pub operations: Option<String>,
    /// The expansion-pipeline decisions.
    pub pipeline_decisions: Option<String>,
}

/// Locks the review of `month` for a change; `None` when there is none.
pub async fn lock_review(
    conn: &mut PgConnection,
    programme_id: Uuid,
    month: &str,
) -> sqlx::Result<Option<ReviewRow>> {
    let row: Option<Json<ReviewRow>> = sqlx::query_scalar(&format!(
        "SELECT to_jsonb(x) FROM (SELECT {REVIEW_COLUMNS} FROM exco_reviews r
          WHERE r.programme_id = $1 AND r.month = $2 FOR UPDATE OF r) x"
    ))
    .bind(programme_id)
    .bind(month)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Writes a review's texts and adds its action items. The caller locked
/// `review` (see [`lock_review`]) and checked it is neither held nor stale.
pub async fn write_review(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    review: &ReviewRow,
    texts: &ReviewTexts,
    new_actions: &[NewAction],
) -> sqlx::Result<bool> {
    let pick = |new: &Option<String>, old: &String| new.clone().unwrap_or_else(|| old.clone());
    let after = ReviewRow {
        meeting_on: texts.meeting_on.unwrap_or(review.meeting_on),
        attendees: pick(&texts.attendees, &review.attendees),
        strategy: pick(&texts.strategy, &review.strategy),
        competition: pick(&texts.competition, &review.competition),
        operations: pick(&texts.operations, &review.operations),
        pipeline_decisions: pick(&texts.pipeline_decisions, &review.pipeline_decisions),
        ..review.clone()
    };
    let texts_of = |r: &ReviewRow| {
        json!({
            "month": r.month, "meeting_on": r.meeting_on, "attendees": r.attendees, "strategy": r.strategy,
            "competition": r.competition, "operations": r.operations, "pipeline_decisions": r.pipeline_decisions,
        })
    };
    let (before_json, after_json) = (texts_of(review), texts_of(&after));
    if before_json == after_json && new_actions.is_empty() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE exco_reviews SET meeting_on = $2, attendees = $3, strategy = $4, competition = $5,
                operations = $6, pipeline_decisions = $7, version = version + 1
          WHERE id = $1",
    )
    .bind(review.id)
    .bind(after.meeting_on)
    .bind(&after.attendees)
    .bind(&after.strategy)
    .bind(&after.competition)
    .bind(&after.operations)
    .bind(&after.pipeline_decisions)
    .execute(&mut *conn)
    .await?;
    super::sessions::insert_actions(
        conn,
        actor,
        organisation_id,
        programme_id,
        (None, Some(review.id)),
        new_actions,
    )
    .await?;
    let mut after_json = after_json;
    after_json["actions"] = json!(
        new_actions
            .iter()
            .map(|a| json!({"title": a.title, "owner": a.owner_seat, "due_on": a.due_on}))
            .collect::<Vec<_>>()
    );
    audit::record(
        conn,
        actor,
        Change {
            action: actions::REVIEW_WRITE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(before_json),
            after: Some(after_json),
        },
    )
    .await?;
    super::clocks::review_written(conn, organisation_id, programme_id, &after).await?;
    Ok(true)
}

/// Holds a locked, open review: freezes `pack` with its hash. The serving
/// role can neither change nor delete the pack afterwards, and a trigger
/// keeps the held review's own row as it was.
pub async fn hold_review(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    review: &ReviewRow,
    pack: &Pack,
) -> sqlx::Result<String> {
    let hash = pack.sha256();
    sqlx::query(
        "INSERT INTO exco_review_snapshots (review_id, content, sha256) VALUES ($1, $2, $3)",
    )
    .bind(review.id)
    .bind(Json(pack))
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE exco_reviews SET held_at = $2, held_by = $3, snapshot_hash = $4, version = version + 1
          WHERE id = $1",
    )
    .bind(review.id)
    .bind(pack.held_at)
    .bind(actor.user_id)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::REVIEW_HOLD,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({"month": review.month, "sha256": hash})),
        },
    )
    .await?;
    // Nothing of it is chased any more; the committee and the approvers
    // hear that the pack is ready.
    let (organisation_id, programme) =
        notifications::programme_of(&mut *conn, programme_id).await?;
    super::clocks::review_held(conn, organisation_id, programme_id, &review.month).await?;
    let month = Period::parse_for(&review.month, Cadence::Monthly)
        .map_or_else(|_| review.month.clone(), Period::label);
    let message = notify::review_held(&notify::Held {
        programme: &programme,
        month: &month,
        meeting: &crate::domain::dates::long(review.meeting_on).to_string(),
        link: crate::paths::review_pack(programme_id, &review.month),
    });
    notifications::queue_to_seats(
        conn,
        organisation_id,
        &[SeatKind::Exco, SeatKind::Approver],
        &message,
        notifications::Timing::now(actor.at),
    )
    .await?;
    Ok(hash)
}
