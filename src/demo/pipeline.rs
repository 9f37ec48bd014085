//! The live programme's expansion pipeline: the first process went through
//! approved and deploying to live with the programme; the ExCo approved the
//! second (customs) at a review and put the third on hold at the latest;
//! the COO set two go-live gates on customs, of which the exception rate's
//! does not hold, so customs cannot start deploying yet.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::Pair;
use crate::db;
use crate::db::cadence::ReviewRow;
use crate::domain::pipeline::{Comparator, ExcoDecision, Gate, Stage};

/// The process at `position` (from 1) of a programme's scope, locked.
pub(super) async fn process_at(
    conn: &mut PgConnection,
    programme_id: Uuid,
    position: i32,
) -> anyhow::Result<db::pipeline::ProcessRow> {
    let id: Uuid =
        sqlx::query_scalar("SELECT id FROM processes WHERE programme_id = $1 AND position = $2")
            .bind(programme_id)
            .bind(position)
            .fetch_one(&mut *conn)
            .await?;
    db::pipeline::lock_process(conn, programme_id, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("process {position} is missing"))
}

/// The first process follows the programme: approved when the brief was
/// signed, deploying with it, live at go-live.
pub(super) async fn first_goes_live(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    signed_at: DateTime<Utc>,
    go_live: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (to, by, at, note) in [
        (
            Stage::Approved,
            pair.ceo,
            signed_at,
            "First in the signed sequence.",
        ),
        (
            Stage::Deploying,
            pair.coo,
            signed_at + Duration::hours(2),
            "The 8-week deployment starts.",
        ),
        (
            Stage::Live,
            pair.coo,
            go_live,
            "Live across the three entities.",
        ),
    ] {
        let process = process_at(conn, programme_id, 1).await?;
        db::pipeline::move_stage(
            conn,
            &pair.actor(by, at),
            programme_id,
            &process,
            process.stage_version,
            to,
            note,
        )
        .await?;
    }
    Ok(())
}

/// The ExCo's decision (process position, decision, note) with an open review.
pub(super) async fn decide(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    review: &ReviewRow,
    (position, decision, note): (i32, ExcoDecision, &str),
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let process = process_at(conn, programme_id, position).await?;
    decision
        .stage_after(process.stage())
        .map_err(|why| anyhow::anyhow!(why))?;
    db::pipeline::record_decision(
        conn,
        &pair.actor(pair.ceo, at),
        programme_id,
        db::pipeline::ReviewRef {
            id: review.id,
            month: &review.month,
        },
        &process,
        decision,
        note,
    )
    .await?;
    Ok(())
}

/// The COO's gates on the second process: the exception rate below 40 %
/// for four weeks (not met: it sits near 47 %) and the automated
/// processing rate above 45 % for four weeks.
pub(super) async fn gates(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let process = process_at(conn, programme_id, 2).await?;
    for (metric, comparator, threshold) in [
        ("exception-rate", Comparator::Below, 40.0),
        ("automated-processing-rate", Comparator::Above, 45.0),
    ] {
        let gate = Gate {
            metric_id: metric.to_owned(),
            comparator,
            threshold,
            periods: 4,
        };
        db::pipeline::add_gate(
            conn,
            &pair.actor(pair.coo, at),
            programme_id,
            &process,
            &gate,
        )
        .await?;
    }
    Ok(())
}
