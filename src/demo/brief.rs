//! The demo programme's deployment brief: version 1 signed by everyone;
//! version 2, with a revised investment section, signed by all but the CFO.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::audit::Actor;
use crate::db::brief::{NewSignature, NewSlot};
use crate::domain::brief::Content;
use crate::domain::seat::SeatKind;

fn content(value: Value) -> Content {
    serde_json::from_value(value).unwrap_or_default()
}

/// The operational metrics of an invoice-matching programme, measured from
/// `start` to `end` (dates as YYYY-MM-DD).
pub(super) fn operational_metrics(start: &str, end: &str) -> Value {
    let row = |id: &str,
               name: &str,
               unit: &str,
               direction: &str,
               baseline: &str,
               target: &str,
               primary: &str| {
        json!({
            "id": id, "name": name, "unit": unit, "direction": direction,
            "baseline": baseline, "baseline_date": start, "target": target, "target_date": end,
            "cadence": "weekly", "primary": primary,
        })
    };
    json!([
        row(
            "automated-processing-rate",
            "Automated processing rate",
            "percent",
            "higher",
            "0",
            "70",
            "yes"
        ),
        row(
            "exception-rate",
            "Exception rate",
            "percent",
            "lower",
            "100",
            "15",
            "no"
        ),
        row(
            "cycle-time",
            "Invoice cycle time",
            "hours",
            "lower",
            "52",
            "8",
            "no"
        ),
        row(
            "cost-per-transaction",
            "Cost per invoice",
            "currency",
            "lower",
            "4.1",
            "1.6",
            "no"
        ),
        row(
            "error-rate",
            "Error rate",
            "percent",
            "lower",
            "3.5",
            "1",
            "no"
        ),
    ])
}

/// The CEO's business metrics, measured monthly from `start` to `end`.
pub(super) fn business_metrics(start: &str, end: &str) -> Value {
    let row = |id: &str, name: &str, unit: &str, baseline: &str, target: &str| {
        json!({
            "id": id, "name": name, "unit": unit, "direction": "higher",
            "baseline": baseline, "baseline_date": start, "target": target, "target_date": end,
            "cadence": "monthly",
        })
    };
    json!([
        row(
            "revenue-impact",
            "Revenue impact",
            "currency",
            "0",
            "250000"
        ),
        row(
            "operating-margin",
            "Operating margin",
            "percent",
            "4.2",
            "6"
        ),
        row(
            "competitive-position",
            "Quote speed versus competitors",
            "score",
            "55",
            "70"
        ),
    ])
}

/// The three processes in their sequence, the first going live on `first`.
pub(super) fn processes(invoice: &str, customs: &str, booking: &str, first: NaiveDate) -> Value {
    let months = |n: u32| {
        first
            .checked_add_months(chrono::Months::new(n))
            .unwrap_or(first)
            .to_string()
    };
    json!([
        { "id": invoice, "name": "Freight invoice matching", "monthly_volume": "42000", "expected_roi": "38", "complexity": "low",
          "expected_go_live": first.to_string(), "investment": "1400000", "expected_benefit": "1900000",
          "rationale": "Highest volume, clear rules, easy to measure." },
        { "id": customs, "name": "Customs documentation", "monthly_volume": "9500", "expected_roi": "27", "complexity": "high",
          "expected_go_live": months(12), "investment": "900000", "expected_benefit": "1100000",
          "rationale": "Valuable but regulated: second, once governance has proved itself." },
        { "id": booking, "name": "Carrier booking exceptions", "monthly_volume": "6000", "expected_roi": "22", "complexity": "medium",
          "expected_go_live": months(18), "investment": "600000", "expected_benefit": "650000",
          "rationale": "Builds on the first two; needs carrier integrations." },
    ])
}

/// Every section's content, as the two executives wrote it.
pub(super) fn sections(
    invoice: &str,
    customs: &str,
    booking: &str,
    budget: &str,
    phasing: &str,
) -> Vec<(&'static str, Content)> {
    vec![
        (
            "competitive_ambition",
            content(json!({
                "horizon": "transformation_multi_year",
                "statement": "Within three years Halden runs its freight back office with agents doing the routine work and people handling judgement and relationships. Competitors still key invoices by hand; we intend to quote faster, bill sooner and carry 20 % more volume on the same team.",
            })),
        ),
        (
            "board_narrative",
            content(json!({
                "strategic_logic": "Margins in contract logistics are thin and the back office is our largest controllable cost. Agents let us grow volume without growing that cost in step.",
                "three_year_plan": "The plan's second pillar, *operational leverage*, depends on it: the programme is how we deliver it.",
                "cost_of_delay": "Two competitors announced similar programmes this year. Every quarter we wait is a quarter of price pressure without the cost base to answer it.",
                "investment_and_return": "About 4 million over two years; the business case below shows payback in month 17.",
            })),
        ),
        (
            "build_buy_partner",
            content(json!({
                "choice": "partner",
                "rationale": "We keep the process knowledge and the governance; a delivery partner brings the agent platform and the engineers we do not have. Building would take a year we do not want to spend.",
                "cto_input": "Daniel assessed three platforms and recommends the partner route, with our own data kept in our cloud account and an exit clause after 24 months.",
            })),
        ),
        (
            "workforce_commitment",
            content(json!({
                "what_changes": "Invoice clerks and customs coordinators will spend their time on exceptions, carrier relationships and quality checks instead of data entry.",
                "what_is_offered": "Every affected colleague gets a reskilling path and a guaranteed role during the programme.",
                "obligations": "No redundancies caused by the programme during its first two years; changes to roles are discussed with staff representatives first.",
            })),
        ),
        (
            "process_scope",
            content(json!({
                "processes": processes(
                    invoice,
                    customs,
                    booking,
                    NaiveDate::from_ymd_opt(2027, 3, 8).unwrap_or_default()
                ),
            })),
        ),
        (
            "governance_framework",
            content(json!({
                "decisions": [
                    { "id": "d1", "process": invoice, "decision": "Approve a matched invoice for payment", "autonomy": "acts_and_logs", "threshold": "95", "override": "process_owner", "audit": "Invoice, matched order, confidence, rule applied" },
                    { "id": "d2", "process": invoice, "decision": "Dispute an invoice with a carrier", "autonomy": "proposes", "threshold": "90", "override": "team_lead", "audit": "Draft dispute, evidence, who approved" },
                    { "id": "d3", "process": customs, "decision": "File a customs declaration", "autonomy": "proposes", "threshold": "98", "override": "compliance_officer", "audit": "Declaration, source documents, reviewer" },
                    { "id": "d4", "process": booking, "decision": "Rebook a missed collection", "autonomy": "acts_alone", "threshold": "85", "override": "team_lead", "audit": "Old and new booking, cost difference" },
                ],
            })),
        ),
        (
            "team_transition",
            content(json!({
                "role_redesign": "Clerk roles become *exception analysts*; two team leads become process owners accountable for agent performance.",
                "reskilling": "Eight weeks of training alongside the deployment, with the partner's trainers and our own best analysts.",
                "change_communication": "Fortnightly team briefings by the COO, with a named contact in every team.",
            })),
        ),
        (
            "operational_metrics",
            content(json!({ "metrics": operational_metrics("2027-03-08", "2028-03-06") })),
        ),
        (
            "investment",
            content(json!({
                "ceo_input": "The board will back a programme that changes our cost base, not a pilot. I would rather fund it properly and phase it than under-fund it.",
                "coo_input": "Delivery needs the partner, a small internal team and the training budget; the governance work is not optional.",
                "total_budget": budget,
                "phasing": phasing,
            })),
        ),
        (
            "timeline",
            content(json!({
                "ceo_input": "The board meets in March; I want invoice matching live before then.",
                "coo_input": "Eight weeks of deployment from 11 January is realistic if the governance framework is signed by Christmas.",
                "internal_go_live": "2027-03-08",
                "public_go_live": "2027-04-12",
            })),
        ),
        (
            "success_metrics",
            content(json!({
                "ceo_input": "Revenue per employee, operating margin and how our quote times compare with competitors.",
                "coo_input": "Processing rate, exceptions, cycle time and cost per invoice.",
                "dashboard": "One dashboard with both sets side by side, reviewed at the monthly ExCo; the automated processing rate is the primary operational measure.",
                "business_metrics": business_metrics("2027-03-01", "2028-03-01"),
            })),
        ),
        (
            "workforce_communication",
            content(json!({
                "ceo_input": "I will announce the programme and the no-redundancy commitment myself.",
                "coo_input": "Team leads brief their teams the same day, with the reskilling plan in hand.",
                "content": "Why we are doing this, what changes for each team, the commitment on jobs, and where to ask questions.",
                "schedule": "All-hands on 14 December; team briefings the same afternoon; written FAQ the next morning.",
            })),
        ),
        (
            "business_case",
            content(json!({
                "months": (1..=12).map(|m| json!({
                    "id": format!("bc{m}"),
                    "month": format!("2027-{m:02}"),
                    "investment": if m <= 3 { "420000" } else { "150000" },
                    "benefit": (if m <= 2 { 0 } else { 60000 * (m - 2).min(6) }).to_string(),
                })).collect::<Vec<_>>(),
            })),
        ),
    ]
}

/// Writes the draft, freezes and signs version 1, revises the investment
/// section, freezes version 2 and signs it by all but the CFO.
pub(super) async fn load(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    people: &[(SeatKind, Option<&str>, Uuid)],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let id_of = |kind: SeatKind, title: Option<&str>| {
        people
            .iter()
            .find(|(k, t, _)| *k == kind && (title.is_none() || *t == title))
            .map(|(_, _, id)| *id)
    };
    let (Some(ceo), Some(coo), Some(cfo), Some(cto)) = (
        id_of(SeatKind::Ceo, None),
        id_of(SeatKind::Coo, None),
        id_of(SeatKind::Approver, Some("CFO")),
        id_of(SeatKind::Approver, Some("CTO")),
    ) else {
        return Ok(());
    };
    let ids = [
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
    ];
    let first = sections(
        &ids[0],
        &ids[1],
        &ids[2],
        "3800000",
        "Half in the first quarter for the partner and set-up, the rest released process by process.",
    );
    let drafted = now - Duration::days(24);
    for (key, content) in &first {
        let by = if [
            "competitive_ambition",
            "board_narrative",
            "build_buy_partner",
            "workforce_commitment",
        ]
        .contains(key)
        {
            ceo
        } else {
            coo
        };
        let version = write_draft(
            conn,
            organisation_id,
            programme_id,
            key,
            content,
            by,
            drafted,
        )
        .await?;
        agree_both(
            conn,
            organisation_id,
            programme_id,
            (key, version),
            (ceo, coo),
            drafted,
        )
        .await?;
    }
    let slots = || {
        vec![
            NewSlot {
                user_id: ceo,
                seat: "CEO".into(),
            },
            NewSlot {
                user_id: coo,
                seat: "COO".into(),
            },
            NewSlot {
                user_id: cfo,
                seat: "Approver (CFO)".into(),
            },
            NewSlot {
                user_id: cto,
                seat: "Approver (CTO)".into(),
            },
        ]
    };
    let submitted = now - Duration::days(21);
    let (v1, hash1) = freeze_draft(
        conn,
        organisation_id,
        programme_id,
        1,
        &slots(),
        coo,
        submitted,
    )
    .await?;
    for (offset, (user, seat)) in [
        (ceo, "CEO"),
        (coo, "COO"),
        (cto, "Approver (CTO)"),
        (cfo, "Approver (CFO)"),
    ]
    .into_iter()
    .enumerate()
    {
        let at = submitted + Duration::hours(6 + 20 * offset as i64);
        sign(conn, organisation_id, (v1, 1), &hash1, user, seat, at).await?;
    }

    // The CFO pressed for a smaller first tranche; the executives agreed.
    let revised = sections(
        &ids[0],
        &ids[1],
        &ids[2],
        "4100000",
        "A first tranche of 1.3 million, then releases tied to each process reaching its targets; 300,000 held back for the customs governance work.",
    );
    let edited = now - Duration::days(4);
    let investment = revised
        .iter()
        .find(|(key, _)| *key == "investment")
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    let first_investment = first
        .iter()
        .find(|(key, _)| *key == "investment")
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    let edit = db::brief::SectionEdit {
        organisation_id,
        programme_id,
        section_key: "investment",
        expected_version: 1,
        before: &first_investment,
        content: &investment,
    };
    db::brief::save_section(conn, &actor(organisation_id, ceo, edited), edit).await?;
    agree_both(
        conn,
        organisation_id,
        programme_id,
        ("investment", 2),
        (ceo, coo),
        edited,
    )
    .await?;
    let submitted = now - Duration::days(3);
    let (v2, hash2) = freeze_draft(
        conn,
        organisation_id,
        programme_id,
        2,
        &slots(),
        ceo,
        submitted,
    )
    .await?;
    for (offset, (user, seat)) in [(ceo, "CEO"), (coo, "COO"), (cto, "Approver (CTO)")]
        .into_iter()
        .enumerate()
    {
        sign(
            conn,
            organisation_id,
            (v2, 2),
            &hash2,
            user,
            seat,
            submitted + Duration::hours(3 + 5 * offset as i64),
        )
        .await?;
    }
    Ok(())
}

/// Submits the programme's draft as version `number`, as `by` at `at`;
/// returns the version's id and hash.
pub(super) async fn freeze_draft(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    number: i32,
    slots: &[NewSlot],
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<(Uuid, String)> {
    let frozen = db::brief::frozen_draft(conn, programme_id).await?;
    let programme = db::programmes::find_in_org(&mut *conn, organisation_id, programme_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let submission = db::brief::Submission {
        organisation_id,
        programme_id,
        programme_name: &programme.name,
        number,
        frozen: &frozen,
        slots,
    };
    let id = db::brief::submit(conn, &actor(organisation_id, by, at), submission).await?;
    Ok((id, frozen.version_hash))
}

/// The demo's actor: `user` of the organisation at `at`.
fn actor(organisation_id: Uuid, user: Uuid, at: DateTime<Utc>) -> Actor {
    Actor {
        organisation_id: Some(organisation_id),
        user_id: Some(user),
        ip: None,
        at,
    }
}

/// Writes a section of the draft over whatever a new programme started with.
pub(super) async fn write_draft(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    key: &str,
    content: &Content,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<i32> {
    let stored: Content = sqlx::query_scalar::<_, sqlx::types::Json<Content>>(
        "SELECT content FROM brief_sections WHERE programme_id = $1 AND section_key = $2",
    )
    .bind(programme_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?
    .map(|json| json.0)
    .unwrap_or_default();
    for expected_version in [0, 1] {
        let edit = db::brief::SectionEdit {
            organisation_id,
            programme_id,
            section_key: key,
            expected_version,
            before: &stored,
            content,
        };
        if db::brief::save_section(conn, &actor(organisation_id, by, at), edit).await? {
            return Ok(expected_version + 1);
        }
    }
    Ok(1)
}

pub(super) async fn agree_both(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    (key, version): (&str, i32),
    (ceo, coo): (Uuid, Uuid),
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    if crate::domain::brief::section(key)
        .is_some_and(|s| s.owner == crate::domain::brief::Owner::Joint)
    {
        for (user, as_ceo) in [(ceo, true), (coo, false)] {
            let actor = actor(organisation_id, user, at);
            db::brief::agree(conn, &actor, programme_id, key, version, as_ceo).await?;
        }
    }
    Ok(())
}

pub(super) async fn sign(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    (version_id, number): (Uuid, i32),
    hash: &str,
    user: Uuid,
    seat: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let key = Uuid::new_v4().to_string();
    let signature = NewSignature {
        version_id,
        number,
        decision: crate::domain::signoff::Decision::Signed,
        reason: "",
        version_hash: hash,
        seat,
        user_agent: Some("demo loader"),
        idempotency_key: &key,
    };
    db::brief::sign(conn, &actor(organisation_id, user, at), signature).await?;
    Ok(())
}
