//! Weekly COO updates and their decision requests: writing an update,
//! raising a request, and the CEO's decision on it.

use super::clocks;
use super::*;
use crate::db::notifications;
use crate::domain::notify;
use crate::domain::seat::SeatKind;

/// A decision request to raise.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub question: &'a str,
    pub options: &'a str,
    /// The COO's recommendation.
    pub recommendation: &'a str,
}

/// A weekly update to write.
#[derive(Debug, Clone)]
pub struct NewUpdate<'a> {
    pub organisation_id: Uuid,
    pub programme_id: Uuid,
    /// Week 1–8.
    pub week: i32,
    /// Where we are.
    pub summary: &'a str,
    pub workstreams: &'a [Workstream],
    /// What blocks us.
    pub blockers: &'a str,
    /// The dashboard as it stands.
    pub figures: &'a Figures,
    /// A decision request raised with it.
    pub request: Option<NewRequest<'a>>,
}

/// Writes a week's update (and its decision request); `None` when that week
/// already has one. The caller holds the programme's lock.
pub async fn write_update(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewUpdate<'_>,
) -> sqlx::Result<Option<Uuid>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO weekly_updates (id, organisation_id, programme_id, week, summary, workstreams, blockers, figures, written_by, written_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT ON CONSTRAINT weekly_updates_week_key DO NOTHING
         RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(new.organisation_id)
    .bind(new.programme_id)
    .bind(new.week)
    .bind(new.summary)
    .bind(Json(new.workstreams))
    .bind(new.blockers)
    .bind(Json(new.figures))
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    audit::record(
        conn,
        actor,
        Change {
            action: actions::UPDATE_WRITE,
            object_type: "programme",
            object_id: Some(new.programme_id),
            before: None,
            after: Some(json!({
                "week": new.week, "summary": new.summary, "workstreams": new.workstreams,
                "blockers": new.blockers,
            })),
        },
    )
    .await?;
    clocks::update_written(conn, actor, new).await?;
    if let Some(request) = &new.request {
        raise_request(
            conn,
            actor,
            new.organisation_id,
            new.programme_id,
            id,
            request,
        )
        .await?;
    }
    Ok(Some(id))
}

/// Raises a decision request on an update; returns its number. The caller
/// holds the programme's lock.
pub async fn raise_request(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    update_id: Uuid,
    request: &NewRequest<'_>,
) -> sqlx::Result<i32> {
    let number: i32 = sqlx::query_scalar(
        "INSERT INTO decision_requests (id, organisation_id, programme_id, update_id, number, question, options, recommendation, raised_by, raised_at)
         VALUES ($1, $2, $3, $4, (SELECT coalesce(max(number), 0) + 1 FROM decision_requests WHERE programme_id = $3),
                 $5, $6, $7, $8, $9)
         RETURNING number",
    )
    .bind(Uuid::new_v4())
    .bind(organisation_id)
    .bind(programme_id)
    .bind(update_id)
    .bind(request.question)
    .bind(request.options)
    .bind(request.recommendation)
    .bind(actor.user_id)
    .bind(actor.at)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::DECISION_RAISE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({
                "request": number, "question": request.question, "options": request.options,
                "recommendation": request.recommendation,
            })),
        },
    )
    .await?;
    // The CEO hears of it at once, in the same transaction; is reminded 4
    // hours before the deadline; and both hear when it passes — unless it
    // is decided first (see `decide`).
    let deadline = cadence::deadline(actor.at);
    let requested = notify::Requested {
        programme: &notifications::programme_of(&mut *conn, programme_id)
            .await?
            .1,
        number,
        question: request.question,
        options: request.options,
        recommendation: request.recommendation,
        deadline,
        link: crate::paths::decision(programme_id, number),
    };
    let reason = decision_reason(programme_id, number);
    let ceo = &[SeatKind::Ceo][..];
    let now = notifications::Timing::now(actor.at);
    let message = notify::decision_requested(&requested);
    notifications::queue_to_seats(conn, organisation_id, ceo, &message, now).await?;
    for (message, due_at, seats) in [
        (
            notify::decision_reminder(&requested),
            deadline - chrono::Duration::hours(4),
            ceo,
        ),
        (
            notify::decision_deadline(&requested),
            deadline,
            &[SeatKind::Ceo, SeatKind::Coo][..],
        ),
    ] {
        let timing = notifications::Timing::later(actor.at, due_at, &reason);
        notifications::queue_to_seats(conn, organisation_id, seats, &message, timing).await?;
    }
    Ok(number)
}

/// What deciding did.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    Done,
    /// This very form was already recorded (a resent form).
    AlreadyRecorded,
    /// Someone decided it already, otherwise.
    AlreadyDecided(String),
    /// No such request.
    Missing,
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// The outcome's stored value.
    pub outcome: &'a str,
    /// The CEO's note.
    pub note: &'a str,
    /// The form's idempotency key.
    pub key: &'a str,
    /// The dashboard as it stands.
    pub figures: &'a Figures,
}

/// Decides request `number`, once.
pub async fn decide(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    number: i32,
    decision: &Decision<'_>,
) -> sqlx::Result<Decided> {
    let current: Option<(Uuid, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT id, decision, decision_key, question FROM decision_requests
          WHERE programme_id = $1 AND number = $2 FOR UPDATE",
    )
    .bind(programme_id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, outcome, key, question)) = current else {
        return Ok(Decided::Missing);
    };
    if let Some(outcome) = outcome {
        return Ok(if key.as_deref() == Some(decision.key) {
            Decided::AlreadyRecorded
        } else {
            Decided::AlreadyDecided(outcome)
        });
    }
    sqlx::query(
        "UPDATE decision_requests SET decision = $2, note = $3, decision_key = $4, figures = $5,
                decided_by = $6, decided_at = $7
          WHERE id = $1",
    )
    .bind(id)
    .bind(decision.outcome)
    .bind(decision.note)
    .bind(decision.key)
    .bind(Json(decision.figures))
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::DECISION_TAKE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: Some(json!({"request": number, "question": question})),
            after: Some(
                json!({"request": number, "decision": decision.outcome, "note": decision.note}),
            ),
        },
    )
    .await?;
    // The reminders stop, and the COO hears the answer at once, in the
    // same transaction.
    let (organisation_id, programme) =
        notifications::programme_of(&mut *conn, programme_id).await?;
    notifications::cancel(
        conn,
        organisation_id,
        &decision_reason(programme_id, number),
    )
    .await?;
    let message = notify::decision_taken(&notify::Taken {
        programme: &programme,
        number,
        question: &question,
        outcome: cadence::Outcome::parse(decision.outcome).map_or(decision.outcome, |o| o.label()),
        note: decision.note,
        link: crate::paths::decision(programme_id, number),
    });
    let timing = notifications::Timing::now(actor.at);
    notifications::queue_to_seat(conn, organisation_id, SeatKind::Coo, &message, timing).await?;
    Ok(Decided::Done)
}

/// What a request's reminders wait for: its decision.
fn decision_reason(programme_id: Uuid, number: i32) -> String {
    format!("decision:{programme_id}:{number}")
}
