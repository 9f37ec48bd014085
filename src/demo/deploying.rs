//! The demo's third programme: accounts-receivable agents in week 3 of
//! their 8-week deployment. Everyone signed the brief; the COO wrote the
//! updates of weeks 1 and 2 (the CEO answered week 2's decision request in
//! three hours); this week's update is due, so the COO's home page asks for
//! it and a decision request can be raised and answered live.

use chrono::{DateTime, Datelike, Duration, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::brief::{business_metrics, operational_metrics, sections};
use super::live::Cast;
use crate::db;
use crate::db::audit::Actor;
use crate::db::programmes::ProgrammeFields;
use crate::domain::phase::Phase;

/// Its name.
pub const NAME: &str = "Accounts receivable agents";

/// Loads it, deploying since the Monday two weeks before this one.
pub(super) async fn load(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    cast: &Cast,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let today = now.date_naive();
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let since = this_monday - Duration::weeks(2);
    let signed_at = (since - Duration::days(3))
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
        &actor(cast.coo, signed_at - Duration::days(40)),
        organisation_id,
        &ProgrammeFields {
            name: NAME,
            summary: "Agents match incoming payments to open invoices and draft the first reminder to \
                      late payers; the credit team keeps every decision on a customer. In its 8-week \
                      deployment: the COO writes each week's update, the CEO answers decision requests \
                      within 24 hours.",
            planned_start: Some(since),
            pulse_tolerance: None,
        },
        &[cast.cfo, cast.cto],
    )
    .await?;
    let ids = [
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
    ];
    let end = since + Duration::days(364);
    let month = |day: chrono::NaiveDate| day.with_day(1).unwrap_or(day).to_string();
    let mut contents = sections(
        &ids[0],
        &ids[1],
        &ids[2],
        "900000",
        "Two tranches: cash application first, then the reminders to late payers.",
    );
    for (key, content) in &mut contents {
        match *key {
            "operational_metrics" => {
                content.insert(
                    "metrics".into(),
                    operational_metrics(&since.to_string(), &end.to_string()),
                );
            }
            "success_metrics" => {
                content.insert(
                    "business_metrics".into(),
                    business_metrics(&month(since), &month(end)),
                );
            }
            "timeline" => {
                content.insert(
                    "internal_go_live".into(),
                    json!((since + Duration::weeks(8)).to_string()),
                );
            }
            _ => {}
        }
    }
    super::live::signed_by_all(
        conn,
        organisation_id,
        programme.id,
        &contents,
        cast,
        signed_at,
    )
    .await?;
    db::programmes::set_phase(
        &mut *conn,
        &actor(
            cast.coo,
            since.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc(),
        ),
        &programme,
        programme.version,
        Phase::Deploying,
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("the programme changed under the demo"))?;
    let pair = super::Pair {
        organisation_id,
        ceo: cast.ceo,
        coo: cast.coo,
    };
    super::cadence::updates(conn, &pair, programme.id, since, 2).await?;
    Ok(())
}
