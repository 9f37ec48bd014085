//! The demo's second programme: accounts-payable agents that went live about
//! ten months ago. Its brief was signed by everyone before go-live; since
//! then the COO has recorded the operational metrics weekly and the CEO the
//! business ones monthly, with the actual spend and benefit. The story the
//! numbers tell: the primary metric climbs towards its target but sits
//! *near* rather than on track, the exception rate is stuck *off*, one value
//! was corrected, and ROI trails the plan with payback in sight.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::brief::{
    agree_both, business_metrics, operational_metrics, sections, sign, write_draft,
};
use crate::db;
use crate::db::audit::Actor;
use crate::db::brief::NewSlot;
use crate::db::metrics::{Correction, NewValue, RoiMonth};
use crate::db::programmes::ProgrammeFields;
use crate::domain::brief::Content;
use crate::domain::metrics::{Cadence, Period};
use crate::domain::phase::Phase;

/// The live programme's name.
pub const NAME: &str = "Accounts payable agents";

/// The people it needs, by seat.
pub(super) struct Cast {
    pub ceo: Uuid,
    pub coo: Uuid,
    pub cfo: Uuid,
    pub cto: Uuid,
}

/// Writes `contents` as the programme's draft, has the CEO and the COO
/// agree each joint section, freezes it as version 1 three days before
/// `signed_at`, and has all four of `cast` sign it by then.
pub(super) async fn signed_by_all(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    contents: &[(&str, Content)],
    cast: &Cast,
    signed_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let drafted = signed_at - Duration::days(10);
    for (key, content) in contents {
        let version = write_draft(
            conn,
            organisation_id,
            programme_id,
            key,
            content,
            cast.coo,
            drafted,
        )
        .await?;
        agree_both(
            conn,
            organisation_id,
            programme_id,
            (key, version),
            (cast.ceo, cast.coo),
            drafted,
        )
        .await?;
    }
    let slots: Vec<NewSlot> = [
        (cast.ceo, "CEO"),
        (cast.coo, "COO"),
        (cast.cfo, "Approver (CFO)"),
        (cast.cto, "Approver (CTO)"),
    ]
    .into_iter()
    .map(|(user_id, seat)| NewSlot {
        user_id,
        seat: seat.into(),
    })
    .collect();
    let submitted = signed_at - Duration::days(3);
    let (version, hash) = super::brief::freeze_draft(
        conn,
        organisation_id,
        programme_id,
        1,
        &slots,
        cast.coo,
        submitted,
    )
    .await?;
    for (offset, slot) in slots.iter().enumerate() {
        let at = submitted + Duration::hours(5 + 14 * offset as i64);
        sign(
            conn,
            organisation_id,
            (version, 1),
            &hash,
            slot.user_id,
            &slot.seat,
            at,
        )
        .await?;
    }
    Ok(())
}

/// Loads the live programme, its signed brief and its history.
pub(super) async fn load(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    cast: &Cast,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let today = now.date_naive();
    // Go-live on a Monday about ten months ago.
    let go_live = {
        let day = today - Duration::days(305);
        day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
    };
    let signed_at = (go_live - Duration::days(70))
        .and_hms_opt(10, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let actor = |user: Uuid, at: DateTime<Utc>| Actor {
        organisation_id: Some(organisation_id),
        user_id: Some(user),
        ip: None,
        at,
    };
    let programme = db::programmes::create(
        conn,
        &actor(cast.coo, signed_at - Duration::days(30)),
        organisation_id,
        &ProgrammeFields {
            name: NAME,
            summary: "Agents match supplier invoices to purchase orders and goods receipts, and route \
                      the exceptions to the accounts-payable team. Live since the start of the year; the \
                      monthly ExCo reviews the shared dashboard.",
            planned_start: Some(go_live - Duration::days(56)),
            pulse_tolerance: None,
        },
        &[cast.cfo, cast.cto],
    )
    .await?;

    // The brief, signed by all four before go-live; the deployment starts
    // the day it is signed, and the metrics are measured from then on.
    let end = go_live + Duration::days(364);
    let deployment_start = signed_at.date_naive();
    let month_start = |date: NaiveDate| date.with_day(1).unwrap_or(date);
    let ids = [
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
    ];
    let mut contents = sections(
        &ids[0],
        &ids[1],
        &ids[2],
        "2400000",
        "Three tranches: set-up and the partner, then the rollout across the three entities, then scaling.",
    );
    for (key, content) in &mut contents {
        match *key {
            "operational_metrics" => {
                *content = section_of(json!({
                    "metrics": operational_metrics(&deployment_start.to_string(), &end.to_string())
                }));
            }
            "success_metrics" => {
                content.insert(
                    "business_metrics".into(),
                    business_metrics(
                        &month_start(deployment_start).to_string(),
                        &month_start(end).to_string(),
                    ),
                );
            }
            "business_case" => {
                *content = section_of(json!({ "months": plan(go_live) }));
            }
            "governance_framework" => {
                // The CFO may overrule payment approvals here.
                if let Some(row) = content
                    .get_mut("decisions")
                    .and_then(|d| d.as_array_mut())
                    .and_then(|rows| rows.first_mut())
                {
                    row["override"] = json!("cfo");
                }
            }
            "process_scope" => {
                *content = section_of(json!({
                    "processes": super::brief::processes(&ids[0], &ids[1], &ids[2], go_live)
                }));
            }
            "timeline" => {
                content.insert("internal_go_live".into(), json!(go_live.to_string()));
                content.insert(
                    "public_go_live".into(),
                    json!((go_live + Duration::days(28)).to_string()),
                );
            }
            _ => {}
        }
    }
    signed_by_all(
        conn,
        organisation_id,
        programme.id,
        &contents,
        cast,
        signed_at,
    )
    .await?;
    let deploying = db::programmes::set_phase(
        &mut *conn,
        &actor(cast.coo, signed_at),
        &programme,
        programme.version,
        Phase::Deploying,
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("the programme changed under the demo"))?;
    db::programmes::set_phase(
        &mut *conn,
        &actor(
            cast.coo,
            go_live.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc(),
        ),
        &deploying,
        deploying.version,
        Phase::PostDeployment,
    )
    .await?;

    // The latest ExCo review held froze the exception rate of its last
    // week; that week was double-counted and is corrected after the review.
    let this_week = Period::containing(today, Cadence::Weekly);
    let last_month = Period::containing(today, Cadence::Monthly).previous();
    let latest_held = if super::cadence::is_held(last_month, today) {
        last_month
    } else {
        last_month.previous()
    };
    let corrected_week =
        Period::containing(super::cadence::meeting_of(latest_held), Cadence::Weekly).previous();
    // From the first week of the deployment, so each weekly update shows
    // the dashboard of its week; `n` counts the weeks from go-live.
    let mut week = Period::containing(deployment_start, Cadence::Weekly);
    let mut n = -f64::from(i32::try_from((go_live - deployment_start).num_weeks()).unwrap_or(0));
    let measured = (end - deployment_start).num_days() as f64;
    while week < this_week {
        let t = n.max(0.0) / 52.0; // share of the first year live gone
        let wobble = (n * 1.7).sin();
        // Where the straight line from the baseline (0 %) to the target
        // (70 %) stands at the end of the week.
        let expected = 70.0 * ((week.end() - deployment_start).num_days() as f64 / measured);
        let values = [
            // Climbing, but a little behind the straight line: near.
            (
                "automated-processing-rate",
                (0.9 * expected + 0.4 * wobble).clamp(0.0, 100.0),
            ),
            // Came down early, then stuck around 45 %: off, and sustained.
            (
                "exception-rate",
                if week == corrected_week {
                    // Re-submitted invoices counted twice (corrected below).
                    53.8
                } else if n < 0.0 {
                    // The pilot: most invoices still go to people.
                    (97.0 + n + wobble).min(100.0)
                } else {
                    (100.0 - 170.0 * t).max(47.0 + 1.5 * wobble)
                },
            ),
            ("cycle-time", 52.0 - 45.0 * t + 0.8 * wobble),
            ("cost-per-transaction", 4.1 - 2.6 * t + 0.05 * wobble),
            ("error-rate", 3.5 - 2.7 * t + 0.1 * wobble),
        ];
        // Recorded on the Friday, before that week's update is written.
        let at = (week.start() + Duration::days(4))
            .and_hms_opt(11, 30, 0)
            .unwrap_or_default()
            .and_utc();
        for (metric, value) in values {
            record(
                conn,
                &actor(cast.coo, at),
                organisation_id,
                programme.id,
                metric,
                week,
                value,
                "",
            )
            .await?;
        }
        week = week.next();
        n += 1.0;
    }

    // Monthly business values, from the deployment's first month to last
    // month; `m` counts the months from go-live (1 for the first).
    let this_month = Period::containing(today, Cadence::Monthly);
    let mut month = Period::containing(deployment_start, Cadence::Monthly);
    let mut m = 1.0
        - f64::from(
            (go_live.year() - deployment_start.year()) * 12 + go_live.month() as i32
                - deployment_start.month() as i32,
        );
    while month < this_month {
        let t = m.max(0.0) / 12.0;
        let at = (month.end() + Duration::days(3))
            .and_hms_opt(17, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let values = [
            ("revenue-impact", (230_000.0 * t).round()),
            ("operating-margin", 4.2 + 1.6 * t),
            ("competitive-position", 55.0 + 15.0 * t + (m * 0.9).sin()),
        ];
        for (metric, value) in values {
            record(
                conn,
                &actor(cast.ceo, at),
                organisation_id,
                programme.id,
                metric,
                month,
                value,
                "",
            )
            .await?;
        }
        month = month.next();
        m += 1.0;
    }

    // Actual spend and benefit, from the plan's first month to last month.
    let mut month = Period::containing(go_live, Cadence::Monthly)
        .previous()
        .previous();
    let mut i = 0;
    while month < this_month {
        let at = (month.end() + Duration::days(5))
            .and_hms_opt(16, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let (investment, benefit) = actual_roi(i);
        db::metrics::record_roi(
            conn,
            &actor(cast.ceo, at),
            &RoiMonth {
                organisation_id,
                programme_id: programme.id,
                month: &month.to_string(),
                investment,
                benefit,
                note: "",
                expected_version: 0,
            },
        )
        .await?;
        month = month.next();
        i += 1;
    }

    // The cadence: sessions before deployment, the eight weekly updates,
    // the monthly reviews (each frozen with the figures of its day).
    let pair = super::Pair {
        organisation_id,
        ceo: cast.ceo,
        coo: cast.coo,
    };
    let created = (signed_at - Duration::days(30)).date_naive();
    let deploying = signed_at.date_naive();
    let session_days: Vec<NaiveDate> = (0..)
        .map(|w| created + Duration::days(1 + 7 * w))
        .take_while(|day| *day < deploying)
        .collect();
    super::cadence::sessions(conn, &pair, programme.id, &session_days, true).await?;
    super::cadence::updates(conn, &pair, programme.id, deploying, 8).await?;
    super::pipeline::first_goes_live(
        conn,
        &pair,
        programme.id,
        signed_at,
        go_live.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc(),
    )
    .await?;
    super::cadence::reviews(
        conn,
        &pair,
        programme.id,
        Period::containing(go_live, Cadence::Monthly),
        today,
    )
    .await?;
    super::governance::load(
        conn,
        &pair,
        programme.id,
        go_live.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc(),
        now,
    )
    .await?;

    // One correction, after the review that froze it: a week whose
    // exceptions were double-counted.
    let at = (super::cadence::meeting_of(latest_held) + Duration::days(2))
        .and_hms_opt(11, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let period = corrected_week.to_string();
    db::metrics::correct_value(
        conn,
        &actor(cast.coo, at),
        &Correction {
            value: NewValue {
                organisation_id,
                programme_id: programme.id,
                metric_id: "exception-rate",
                period: &period,
                value: 47.4,
                note: "Re-counted after the platform fix",
            },
            expected_version: 1,
            reason: "The platform counted re-submitted invoices twice that week; the figure is re-counted from the exception queue.",
        },
    )
    .await?;
    super::pipeline::gates(conn, &pair, programme.id, now - Duration::days(40)).await?;
    super::health::live(conn, &pair, programme.id, now).await?;
    Ok(())
}

fn section_of(value: serde_json::Value) -> Content {
    serde_json::from_value(value).unwrap_or_default()
}

/// The signed plan: set-up before go-live, then benefits ramping up.
fn plan(go_live: NaiveDate) -> Vec<serde_json::Value> {
    let mut month = Period::containing(go_live, Cadence::Monthly)
        .previous()
        .previous();
    (0..16)
        .map(|i| {
            let investment = if i < 3 {
                380_000
            } else if i < 8 {
                120_000
            } else {
                60_000
            };
            let benefit = if i < 2 {
                0
            } else {
                (70_000 * (i - 1)).min(330_000)
            };
            let row = json!({
                "id": format!("plan-{i}"), "month": month.to_string(),
                "investment": investment.to_string(), "benefit": benefit.to_string(),
            });
            month = month.next();
            row
        })
        .collect()
}

/// The actual spend and benefit of the plan's `i`-th month: spend a little
/// over plan, benefits slower to come than planned.
fn actual_roi(i: i32) -> (f64, f64) {
    let investment = match i {
        0..=2 => 400_000.0,
        3..=7 => 135_000.0,
        _ => 70_000.0,
    };
    let benefit = if i < 2 {
        0.0
    } else {
        (40_000.0 * f64::from(i - 1)).min(250_000.0)
    };
    (investment, benefit)
}

#[allow(clippy::too_many_arguments)]
async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    metric: &str,
    period: Period,
    value: f64,
    note: &str,
) -> sqlx::Result<()> {
    let period = period.to_string();
    db::metrics::record_value(
        conn,
        actor,
        &NewValue {
            organisation_id,
            programme_id,
            metric_id: metric,
            period: &period,
            value: (value * 100.0).round() / 100.0,
            note,
        },
    )
    .await?;
    Ok(())
}
