//! The live programme's agents at work: three agents in the register; six
//! months of overrides and decision counts, in which the invoice matcher's
//! payment approvals are overruled more each month (flagged above the COO's
//! 5 % threshold); a minor incident and a major one, contained, after which
//! the COO suspended the customs filer for two days and resumed it.

use chrono::{DateTime, Datelike, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::Pair;
use crate::db;
use crate::db::governance::{AgentFields, NewIncident, NewOverride};
use crate::domain::governance::Severity;
use crate::domain::period::{Cadence, Period};
use crate::domain::seat::SeatKind;

/// The register's agents: name, process position, decision types, platform.
const AGENTS: [(&str, i32, &[&str], &str); 3] = [
    (
        "Invoice matcher",
        1,
        &["d1"],
        "Delivery partner's agent platform, matching model v3",
    ),
    (
        "Dispute drafter",
        1,
        &["d2"],
        "Delivery partner's agent platform, drafting model v2",
    ),
    (
        "Customs filer",
        2,
        &["d3"],
        "Delivery partner's agent platform, document model v1",
    ),
];

/// Per agent: decisions a month, and overrides per thousand decisions for
/// each of the last six months (oldest first).
const MONTHS: [(i64, [i64; 6]); 3] = [
    (600, [15, 20, 28, 39, 52, 68]),
    (80, [50, 50, 50, 50, 63, 50]),
    (300, [20, 20, 17, 20, 23, 20]),
];

/// Loads the agents, overrides, counts, incidents and the suspension.
pub(super) async fn load(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    go_live: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let coo = |at| pair.actor(pair.coo, at);
    let mut agents = Vec::new();
    for (name, position, decisions, provider) in AGENTS {
        let process = super::pipeline::process_at(conn, programme_id, position).await?;
        let decisions: Vec<String> = decisions.iter().map(|d| (*d).to_owned()).collect();
        let id = db::governance::register(
            conn,
            &coo(go_live - Duration::days(7)),
            pair.organisation_id,
            programme_id,
            &AgentFields {
                name,
                process_id: process.id,
                decisions: &decisions,
                provider,
                accountable_id: pair.coo,
            },
        )
        .await?;
        agents.push((id, decisions[0].clone()));
    }
    db::governance::set_threshold(&mut *conn, &coo(go_live), programme_id, 0, 5.0).await?;

    // Six months, the current one included: the platform reports each
    // month's decisions at its end (the current month so far).
    let this_month = Period::containing(now.date_naive(), Cadence::Monthly);
    let mut month = this_month;
    for _ in 0..5 {
        month = month.previous();
    }
    let mut serial = 0;
    for index in 0..6 {
        let start = month
            .start()
            .and_hms_opt(9, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let days = if month == this_month {
            i64::from(now.day()).max(1)
        } else {
            28
        };
        for ((agent, decision), (volume, per_mille)) in agents.iter().zip(MONTHS) {
            let decisions = volume * days / 28;
            let overrides = decisions * per_mille[index] / 1000;
            for n in 0..overrides {
                serial += 1;
                let at = start + Duration::minutes(n * days * 24 * 60 / overrides.max(1));
                let (role, category) = match n % 3 {
                    0 => ("team_lead", "wrong_outcome"),
                    1 => ("process_owner", "low_confidence"),
                    _ => ("cfo", "policy"),
                };
                let external = format!("demo-{serial}");
                db::governance::record_override(
                    conn,
                    &coo(at.min(now)),
                    programme_id,
                    *agent,
                    None,
                    &NewOverride {
                        decision,
                        occurred_at: at.min(now),
                        role,
                        category,
                        note: "",
                        external_id: Some(&external),
                    },
                )
                .await?;
            }
            db::governance::report_decisions(
                conn,
                &coo(now.min(start + Duration::days(days))),
                programme_id,
                *agent,
                None,
                (decision, &month.to_string(), i32::try_from(decisions)?),
            )
            .await?;
        }
        month = month.next();
    }

    // A minor incident, then a major one on the customs filer: contained in
    // six hours; the COO suspends it for two days and resumes it.
    let minor_at = now - Duration::days(75);
    db::governance::record_incident(
        conn,
        &coo(minor_at + Duration::hours(2)),
        pair.organisation_id,
        programme_id,
        &NewIncident {
            severity: Severity::Minor,
            title: "Two credit notes matched to one invoice",
            what_happened: "The invoice matcher matched two credit notes from one carrier to the same invoice. The weekly reconciliation caught it before payment.",
            process_id: None,
            agent_id: Some(agents[0].0),
            detected_at: minor_at,
            contained_at: Some(minor_at + Duration::hours(1)),
            follow_up: "The partner added a check for credit notes already matched.",
        },
    )
    .await?;
    let major_at = now - Duration::days(20);
    let customs = agents[2].0;
    db::governance::record_incident(
        conn,
        &coo(major_at + Duration::hours(1)),
        pair.organisation_id,
        programme_id,
        &NewIncident {
            severity: Severity::Major,
            title: "Customs declarations filed with an outdated tariff list",
            what_happened: "After the January tariff update, the customs filer kept using last year's list for eleven declarations to two countries. A broker queried one; the other ten were found the same morning.",
            process_id: None,
            agent_id: Some(customs),
            detected_at: major_at,
            contained_at: Some(major_at + Duration::hours(6)),
            follow_up: "The eleven declarations were amended with the authorities. The tariff list is now checked at every start of the agent, and a compliance officer reviews the first week of declarations after any update.",
        },
    )
    .await?;
    let agent = db::governance::lock_agent(conn, programme_id, customs)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the customs filer is missing"))?;
    db::governance::suspend(
        conn,
        &coo(major_at + Duration::hours(1)),
        programme_id,
        &agent,
        "It files declarations with an outdated tariff list: stopped until the list is checked at every start.",
        "COO",
    )
    .await?;
    let agent = db::governance::lock_agent(conn, programme_id, customs)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the customs filer is missing"))?;
    db::governance::decide_resume(
        conn,
        &coo(major_at + Duration::days(2)),
        programme_id,
        &agent,
        SeatKind::Coo,
        crate::domain::governance::resumed_by(agent.serious_since_live),
        "The tariff list is checked at every start; the amended declarations were accepted.",
    )
    .await?;
    Ok(())
}
