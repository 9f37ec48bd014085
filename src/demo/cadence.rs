//! The demo's cadence history. The live programme: weekly alignment
//! sessions before deployment (one action item carried over twice and still
//! open), eight weekly COO updates with decision requests (one answered
//! past its 24 hours), and a monthly ExCo review since go-live, each held
//! and frozen; the programme in preparation: its weekly sessions so far.

use super::Pair;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::board::Board;
use crate::db;
use crate::db::cadence::{
    CheckParts, Decision, NewAction, NewRequest, NewSession, NewUpdate, ReviewTexts, Workstream,
};
use crate::db::metrics::DashboardSource;
use crate::domain::cadence::{Outcome, Standing};
use crate::domain::metrics::{Cadence, Period};
use crate::domain::pipeline::ExcoDecision;
use crate::domain::snapshot::Figures;

/// The day of the following month on which the demo's ExCo meets.
const MEETING_DAY: i64 = 10;

/// The demo's ExCo review of `month` meets on this day.
pub(super) fn meeting_of(month: Period) -> NaiveDate {
    month.next().start() + Duration::days(MEETING_DAY)
}

/// Whether the demo holds the review of `month` by `today` (three days'
/// margin, so a correction can follow it).
pub(super) fn is_held(month: Period, today: NaiveDate) -> bool {
    meeting_of(month) + Duration::days(3) <= today
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc()
}

/// Weekly sessions on `days`, each with both parts of the relationship
/// check. The first sets an action item that is done by the second; with
/// `carried_item`, the third from last sets one that stays open, so the last
/// two sessions carry it over: twice, and flagged.
pub(super) async fn sessions(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    days: &[NaiveDate],
    carried_item: bool,
) -> anyhow::Result<()> {
    let topics = [
        (
            "Agreed to start with invoice matching only; customs paperwork waits for the second wave.",
            "The CFO wants the second tranche tied to the exception rate, not to the calendar.",
            "The governance framework draft is with the COO; the escalation path for agent errors is still open.",
            "The board hears about a change in how we run the back office, not about a tool.",
        ),
        (
            "Scope unchanged. Carrier-booking exceptions stay out until the matching agents are stable.",
            "Partner fees confirmed within the envelope.",
            "Escalation path agreed: every agent decision has a named human owner.",
            "Draft narrative circulated to the chair.",
        ),
        (
            "Confirmed the three entities and their order.",
            "No change.",
            "The framework goes to the CTO for the platform controls.",
            "The narrative still reads like an IT project in places; the CEO rewrites the opening.",
        ),
        (
            "Ready for the brief's last round of signatures.",
            "Benefit case re-checked against last quarter's volumes.",
            "Framework signed off by both of us.",
            "Narrative approved for the board pack.",
        ),
    ];
    for (i, day) in days.iter().enumerate() {
        let (scope, investment, governance, narrative) = topics[i % topics.len()];
        let mut actions = Vec::new();
        if i == 0 {
            actions.push(NewAction {
                title: "Name the accountable owner for each agent decision type".into(),
                owner_seat: "coo",
                due_on: *day + Duration::days(7),
            });
        }
        if carried_item && i + 3 == days.len() {
            actions.push(NewAction {
                title: "Brief the board chair on the programme before the next board".into(),
                owner_seat: "ceo",
                due_on: *day + Duration::days(6),
            });
        }
        let recorded = at(*day, 17);
        let number = db::cadence::record_session(
            conn,
            &pair.actor(pair.coo, recorded),
            &NewSession {
                organisation_id: pair.organisation_id,
                programme_id,
                held_on: *day,
                attendees: "CEO, COO",
                notes: [scope, investment, governance, narrative],
                decisions: if i == 0 {
                    "Start with invoice matching; second wave decided at the ExCo after go-live."
                } else {
                    ""
                },
                actions: &actions,
            },
        )
        .await?;
        for (seat, user, parts) in [
            (
                "ceo",
                pair.ceo,
                CheckParts {
                    working: "We decide quickly when we are in the same room.",
                    not_working: "I hear about platform problems second-hand.",
                    needs: "Tell me first when the exception rate moves the wrong way.",
                },
            ),
            (
                "coo",
                pair.coo,
                CheckParts {
                    working: "Clear scope, and the CEO holds the board line.",
                    not_working: "Investment questions come to me through the CFO, not from you.",
                    needs: "A decision on the second wave before I plan the summer.",
                },
            ),
        ] {
            db::cadence::write_check(
                conn,
                &pair.actor(user, recorded + Duration::hours(1)),
                programme_id,
                number,
                seat,
                &parts,
                0,
            )
            .await?;
        }
    }
    // The COO's item is done by the second session; the CEO's is not.
    if let Some(second) = days.get(1) {
        let id: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM action_items WHERE programme_id = $1 AND owner_seat = 'coo' ORDER BY created_at LIMIT 1",
        )
        .bind(programme_id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = id {
            db::cadence::set_action_done(
                conn,
                &pair.actor(pair.coo, at(*second, 9)),
                programme_id,
                id,
                true,
                1,
            )
            .await?;
        }
    }
    Ok(())
}

/// The figures of `source` as they stood at `when`: values recorded by
/// then, actuals of months already over.
pub(super) fn figures_at(
    source: &DashboardSource,
    values: &[db::metrics::ValueRow],
    when: DateTime<Utc>,
) -> Figures {
    let mut then = source.clone();
    then.values = values
        .iter()
        .filter(|v| v.recorded_at <= when)
        .cloned()
        .collect();
    let month = Period::containing(when.date_naive(), Cadence::Monthly).to_string();
    then.roi.recent.retain(|r| r.month < month);
    then.roi.payback = then.roi.payback.filter(|paid| *paid < month);
    Board::build(&then, when.date_naive()).figures(when)
}

/// The first `weeks` weekly updates of a deployment that began on `since`.
pub(super) async fn updates(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    since: NaiveDate,
    weeks: i32,
) -> anyhow::Result<()> {
    let source = db::metrics::dashboard_source(&mut *conn, programme_id, None).await?;
    let values = db::metrics::all_values(&mut *conn, programme_id).await?;
    let streams = [
        "Invoice matching agents",
        "Exception queue and team",
        "Controls and audit trail",
        "Change and training",
    ];
    // (week, decision request, hours to answer, outcome)
    let requests = [
        (
            2,
            (
                "Bring the second legal entity forward by two weeks?",
                "Keep the plan; bring entity two forward; bring both forward.",
                "Bring entity two forward: its suppliers are already on e-invoicing.",
            ),
            3,
            Outcome::Approved,
        ),
        (
            4,
            (
                "Hire two temporary clerks for the exception backlog?",
                "Hire two for eight weeks; redeploy from payments; accept the backlog.",
                "Hire two for eight weeks, paid from the contingency.",
            ),
            30,
            Outcome::Approved,
        ),
        (
            6,
            (
                "Let the agents approve invoices under €500 without review?",
                "Yes from week 7; yes after go-live; not this year.",
                "Yes after go-live, once the error rate holds under 1 %.",
            ),
            5,
            Outcome::MoreInformation,
        ),
        (
            7,
            (
                "Move the go-live one week later for the year-end close?",
                "Keep the date; one week later.",
                "Keep the date: the close team is ready.",
            ),
            20,
            Outcome::Rejected,
        ),
    ];
    for week in 1..=weeks {
        let written = at(since + Duration::days(i64::from(week - 1) * 7 + 4), 16);
        let standing = |i: usize| match (week, i) {
            (3..=5, 1) => Standing::AtRisk,
            (8, _) => Standing::Complete,
            (_, 0) if week >= 6 => Standing::Ahead,
            _ => Standing::OnPlan,
        };
        let workstreams: Vec<Workstream> = streams
            .iter()
            .enumerate()
            .map(|(i, name)| Workstream {
                name: (*name).into(),
                standing: standing(i).as_str().into(),
                note: match (week, i) {
                    (3..=5, 1) => "Backlog above plan while the team learns the new queue.".into(),
                    (_, 0) => format!("{} % of invoices matched in the pilot.", 20 + week * 6),
                    _ => String::new(),
                },
            })
            .collect();
        let request = requests.iter().find(|(w, ..)| *w == week);
        let figures = figures_at(&source, &values, written);
        db::cadence::write_update(
            conn,
            &pair.actor(pair.coo, written),
            &NewUpdate {
                organisation_id: pair.organisation_id,
                programme_id,
                week,
                summary: &format!(
                    "Week {week}: the matching agents run on {} of three entities; the exception team works the queue daily.",
                    1 + (week - 1) / 3
                ),
                workstreams: &workstreams,
                blockers: if (3..=5).contains(&week) {
                    "Supplier master data for entity two is incomplete; the CFO's team is cleaning it."
                } else {
                    ""
                },
                figures: &figures,
                request: request.map(|(_, (question, options, recommendation), ..)| NewRequest {
                    question,
                    options,
                    recommendation,
                }),
            },
        )
        .await?;
        if let Some((_, _, hours, outcome)) = request {
            let decided = written + Duration::hours(*hours);
            let number: i32 = sqlx::query_scalar(
                "SELECT max(number) FROM decision_requests WHERE programme_id = $1",
            )
            .bind(programme_id)
            .fetch_one(&mut *conn)
            .await?;
            db::cadence::decide(
                conn,
                &pair.actor(pair.ceo, decided),
                programme_id,
                number,
                &Decision {
                    outcome: outcome.as_str(),
                    note: match outcome {
                        Outcome::MoreInformation => {
                            "Show me the error rate by supplier size first."
                        }
                        Outcome::Rejected => "Keep the date. The close team has what it needs.",
                        _ => "Agreed.",
                    },
                    key: &crate::auth::token::decision_key(Uuid::new_v4(), pair.ceo),
                    figures: &figures_at(&source, &values, decided),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// A monthly ExCo review of every month from `first` to last month: each
/// one already met is held, with its pack frozen from the figures of that
/// moment; a review still to meet is open, with the CEO's part drafted.
pub(super) async fn reviews(
    conn: &mut PgConnection,
    pair: &Pair,
    programme_id: Uuid,
    first: Period,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let source = db::metrics::dashboard_source(&mut *conn, programme_id, None).await?;
    let values = db::metrics::all_values(&mut *conn, programme_id).await?;
    let this_month = Period::containing(today, Cadence::Monthly);
    let mut month = first;
    let mut n = 0;
    while month < this_month {
        let meeting = meeting_of(month);
        let opened = at(meeting - Duration::days(7), 9);
        let month_text = month.to_string();
        db::cadence::open_review(
            conn,
            &pair.actor(pair.ceo, opened),
            pair.organisation_id,
            programme_id,
            &month_text,
            meeting,
        )
        .await?;
        let review = db::cadence::lock_review(conn, programme_id, &month_text)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the review just opened is missing"))?;
        let held = is_held(month, today);
        let texts = ReviewTexts {
            meeting_on: None,
            attendees: Some("CEO, COO, CFO, CTO, ExCo (commercial, people)".into()),
            strategy: Some(format!(
                "Month {} of the new operating model in accounts payable. The agents now handle most matching; the question for the committee is how fast the second wave follows.",
                n + 1
            )),
            competition: Some("Two competitors announced similar programmes; neither is live yet.".into()),
            operations: held.then(|| "Matching rate up again; the exception rate is still stuck near 47 %, which holds back the second wave.".into()),
            pipeline_decisions: held.then(|| {
                if n % 3 == 2 {
                    "Customs paperwork moves to approved, pending the exception rate under 40 % for four weeks.".into()
                } else {
                    "No change to the pipeline.".into()
                }
            }),
        };
        let actions = if held && n % 2 == 0 {
            vec![NewAction {
                title: format!(
                    "Report the exception-rate root causes to the {} ExCo",
                    month.next().label()
                ),
                owner_seat: "coo",
                due_on: meeting + Duration::days(21),
            }]
        } else {
            Vec::new()
        };
        db::cadence::write_review(
            conn,
            &pair.actor(pair.ceo, opened + Duration::days(3)),
            pair.organisation_id,
            programme_id,
            &review,
            &texts,
            &actions,
        )
        .await?;
        if held {
            let when = at(meeting, 10);
            let latest = !is_held(month.next(), today);
            let review = db::cadence::lock_review(conn, programme_id, &month_text)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the review is missing"))?;
            let decision = if n == 2 {
                Some((
                    2,
                    ExcoDecision::Approve,
                    "Second wave, once its gates hold.",
                ))
            } else if latest {
                Some((3, ExcoDecision::Hold, "Not before customs is live."))
            } else {
                None
            };
            if let Some(decision) = decision {
                super::pipeline::decide(
                    conn,
                    pair,
                    programme_id,
                    &review,
                    decision,
                    when - Duration::minutes(30),
                )
                .await?;
            }
            let decisions =
                db::pipeline::decisions_of_review(&mut *conn, programme_id, &month_text).await?;
            let pack = review.pack(
                programme_id,
                &decisions,
                figures_at(&source, &values, when),
                // The agents are registered after the reviews are loaded.
                None,
                when,
            );
            db::cadence::hold_review(
                conn,
                &pair.actor(pair.ceo, when),
                programme_id,
                &review,
                &pack,
            )
            .await?;
            // The report is done before the next review.
            let done_at = when + Duration::days(18);
            if done_at.date_naive() <= today {
                let ids: Vec<Uuid> =
                    sqlx::query_scalar("SELECT id FROM action_items WHERE review_id = $1")
                        .bind(review.id)
                        .fetch_all(&mut *conn)
                        .await?;
                for id in ids {
                    db::cadence::set_action_done(
                        conn,
                        &pair.actor(pair.coo, done_at),
                        programme_id,
                        id,
                        true,
                        1,
                    )
                    .await?;
                }
            }
        }
        month = month.next();
        n += 1;
    }
    Ok(())
}
