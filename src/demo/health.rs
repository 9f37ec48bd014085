//! The demo's alignment health. On the live programme one sign stands: the
//! two executives describe it in different words. The blind ratings show
//! the COO at amber while the CEO said green, until they met at amber; the
//! COO has rated this month already (hidden until the CEO rates), and the
//! CEO's last pulse check was close to the truth.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::Pair;
use crate::db;
use crate::db::audit::Actor;
use crate::db::health::{PulseRow, RatingRow};
use crate::domain::health::Rag;
use crate::domain::metrics::{Cadence, Period, Status};

fn actor(pair: &Pair, user: Uuid, at: DateTime<Utc>) -> Actor {
    Actor {
        organisation_id: Some(pair.organisation_id),
        user_id: Some(user),
        ip: None,
        at,
    }
}

/// The live programme's sentences, ratings and pulse checks.
pub(super) async fn live(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let source = db::metrics::dashboard_source(&mut *conn, programme_id, None).await?;
    let values = db::metrics::all_values(&mut *conn, programme_id).await?;
    db::health::write_statement(
        conn,
        &actor(pair, pair.ceo, now - Duration::days(60)),
        programme_id,
        "ceo",
        "We are reinventing how Halden runs its finance operations: a new operating model that strengthens our competitive position.",
    )
    .await?;
    db::health::write_statement(
        conn,
        &actor(pair, pair.coo, now - Duration::days(45)),
        programme_id,
        "coo",
        "An automation project that makes accounts payable more efficient on the new agent platform.",
    )
    .await?;
    // Three months of ratings: green against amber twice, then both amber;
    // this month the COO has rated and the CEO not yet.
    let this_month = Period::containing(now.date_naive(), Cadence::Monthly);
    let rounds = [
        (
            this_month.previous().previous().previous(),
            Some(Rag::Green),
            Rag::Amber,
        ),
        (
            this_month.previous().previous(),
            Some(Rag::Green),
            Rag::Amber,
        ),
        (this_month.previous(), Some(Rag::Amber), Rag::Amber),
        (this_month, None, Rag::Amber),
    ];
    for (month, ceo, coo) in rounds {
        let at = (month.start() + Duration::days(8))
            .and_hms_opt(8, 30, 0)
            .unwrap_or_default()
            .and_utc()
            .min(now - Duration::hours(2));
        let figures = super::cadence::figures_at(&source, &values, at);
        let statuses: Vec<Status> = figures.metrics.iter().map(|m| m.status()).collect();
        let data = Rag::of_dashboard(figures.primary().map(|m| m.status()), &statuses);
        let coo_why = if month == this_month {
            "The backlog grew again this month."
        } else {
            "The exception queue still needs people every day."
        };
        for (seat, user, rag, why) in [
            ("coo", pair.coo, Some(coo), coo_why),
            (
                "ceo",
                pair.ceo,
                ceo,
                "Matching keeps climbing; the board is pleased.",
            ),
        ] {
            let Some(rag) = rag else { continue };
            db::health::record_rating(
                conn,
                &actor(pair, user, at),
                programme_id,
                &RatingRow {
                    round: month.to_string(),
                    seat: seat.into(),
                    rating: rag.as_str().into(),
                    confidence: if seat == "ceo" { 4 } else { 3 },
                    why: why.into(),
                    dashboard: Some(data.as_str().into()),
                    rated_at: at,
                },
            )
            .await?;
        }
    }
    // The last pulse check, three weeks ago: close to the truth.
    let at = now - Duration::days(21);
    let figures = super::cadence::figures_at(&source, &values, at);
    if let Some(primary) = figures.primary() {
        let actual = primary.value.unwrap_or(primary.target);
        db::health::record_pulse(
            conn,
            &actor(pair, pair.ceo, at),
            programme_id,
            &PulseRow {
                metric_id: primary.id.clone(),
                unit: primary.unit.clone(),
                stated_value: (actual - 1.5).round(),
                stated_target: primary.target,
                actual_value: primary.value,
                actual_target: primary.target,
                checked_at: at,
            },
        )
        .await?;
    }
    db::health::refresh(conn, pair.organisation_id, programme_id, now).await?;
    Ok(())
}

/// The programme in preparation: both sentences (they agree) and the signs
/// judged (its matrix routes governance through the CTO).
pub(super) async fn preparing(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (seat, user, sentence) in [
        (
            "ceo",
            pair.ceo,
            "The start of a three-year transformation of how Halden runs its back office.",
        ),
        (
            "coo",
            pair.coo,
            "A new operating model for freight operations, in which agents do the routine work.",
        ),
    ] {
        db::health::write_statement(
            conn,
            &actor(pair, user, now - Duration::days(20)),
            programme_id,
            seat,
            sentence,
        )
        .await?;
    }
    db::health::refresh(conn, pair.organisation_id, programme_id, now).await?;
    Ok(())
}
