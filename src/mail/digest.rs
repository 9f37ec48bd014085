//! The weekly digest (SPEC §9): on the reader's chosen day and hour, in
//! their time zone, one message with each programme's primary metric
//! against its target and trajectory, the statuses that moved in the week,
//! the decisions taken and waiting, the warning signs standing, the
//! messages the reader chose to have here, and what needs them.
//!
//! Its text is written when it goes out, from what the reader may see then:
//! the programmes they read, never a blind rating (the digest has none).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::board::Board;
use crate::db;
use crate::db::sessions::Who;
use crate::domain::notify::{Choice, Kind};
use crate::domain::phase::Phase;
use crate::domain::seat::{SeatKind, Seats};
use crate::needs::{ACTIONS_AHEAD_DAYS, Needs};

/// The digest's subject and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub subject: String,
    pub body: String,
}

/// A decision as the digest lists it.
#[derive(Debug, sqlx::FromRow)]
struct DecisionLine {
    programme_name: String,
    number: i32,
    question: String,
    decision: Option<String>,
}

/// Writes the digest of the week up to `now` for `user`.
pub async fn compose(
    pool: &PgPool,
    organisation_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Digest> {
    let since = now - Duration::days(7);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM seats WHERE user_id = $1 AND organisation_id = $2 AND ended_at IS NULL",
    )
    .bind(user_id)
    .bind(organisation_id)
    .fetch_all(pool)
    .await?;
    let seats = Seats::new(kinds.iter().filter_map(|k| k.parse().ok()).collect());
    let source = db::pages::home(pool, &Who::Organisation(organisation_id))
        .await?
        .map(|seen| seen.page)
        .unwrap_or_default()
        .for_reader(
            user_id,
            seats.holds(SeatKind::Ceo),
            now.date_naive() + Duration::days(ACTIONS_AHEAD_DAYS),
        );
    let (needs, programmes) = Needs::of(source, &seats, now);
    let mut paragraphs = vec![format!(
        "Your week in tandem, {} to {}.",
        since.format("%-d %B"),
        crate::domain::dates::long(now)
    )];

    for programme in programmes
        .iter()
        .filter(|p| matches!(p.phase(), Phase::Deploying | Phase::PostDeployment))
    {
        let source = db::metrics::dashboard_source(pool, programme.id, None).await?;
        let board = Board::build(&source, now.date_naive());
        let mut then = source.clone();
        then.values.retain(|v| v.recorded_at <= since);
        let before = Board::build(&then, since.date_naive());
        let mut lines = vec![format!(
            "{} ({})",
            programme.name,
            programme.phase().label().to_lowercase()
        )];
        match board.primary() {
            Some(primary) => {
                let expected = primary
                    .assessment
                    .expected
                    .map(|v| format!("; the trajectory expects {}", primary.def.unit.format(v)))
                    .unwrap_or_default();
                lines.push(format!(
                    "{}: {} against a target of {}{expected} — {}.",
                    primary.def.name,
                    primary.latest_text(),
                    primary.target_text(),
                    primary.status().label().to_lowercase()
                ));
            }
            None => lines.push("No primary metric is signed yet.".to_owned()),
        }
        for metric in &board.metrics {
            let was = before
                .metrics
                .iter()
                .find(|m| m.def.id == metric.def.id)
                .map(|m| m.status());
            if let Some(was) = was
                && was != metric.status()
            {
                lines.push(format!(
                    "Moved this week: {} from {} to {}.",
                    metric.def.name,
                    was.label().to_lowercase(),
                    metric.status().label().to_lowercase()
                ));
            }
        }
        paragraphs.push(lines.join("\n"));
    }

    let decisions: Vec<DecisionLine> = sqlx::query_as(
        "SELECT p.name AS programme_name, d.number, d.question, d.decision
           FROM decision_requests d JOIN programmes p ON p.id = d.programme_id
          WHERE p.organisation_id = $1 AND (d.decided_at IS NULL OR d.decided_at > $2)
          ORDER BY d.raised_at",
    )
    .bind(organisation_id)
    .bind(since)
    .fetch_all(pool)
    .await?;
    if seats.kinds().is_empty() || programmes.is_empty() {
        // Nothing of the organisation's programmes is theirs to read.
    } else if decisions.is_empty() {
        paragraphs.push("Decisions: none taken this week, none waiting.".to_owned());
    } else {
        let mut lines = vec!["Decisions:".to_owned()];
        for d in &decisions {
            let state = d
                .decision
                .as_deref()
                .and_then(crate::domain::cadence::Outcome::parse)
                .map_or("waiting", |o| o.label());
            lines.push(format!(
                "• #{} {} — {} ({state})",
                d.number, d.question, d.programme_name
            ));
        }
        paragraphs.push(lines.join("\n"));
    }

    let settings = db::notifications::settings(pool, user_id).await?;
    let held: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, subject FROM notifications
          WHERE recipient_id = $1 AND delivery = 'held' AND due_at > $2 AND due_at <= $3
          ORDER BY due_at",
    )
    .bind(user_id)
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let held: Vec<String> = held
        .into_iter()
        .filter(|(kind, _)| {
            Kind::parse(kind).is_some_and(|kind| settings.choice(kind) == Choice::Digest)
        })
        .map(|(_, subject)| format!("• {subject}"))
        .collect();
    if !held.is_empty() {
        paragraphs.push(format!("Messages of the week:\n{}", held.join("\n")));
    }

    let lines = needs.lines();
    if lines.is_empty() {
        paragraphs.push("Nothing needs you this week.".to_owned());
    } else {
        let items: Vec<String> = lines.iter().map(|(text, _)| format!("• {text}")).collect();
        paragraphs.push(format!("What needs you:\n{}", items.join("\n")));
    }
    let subject = match lines.len() {
        0 => "Your week in tandem".to_owned(),
        1 => "Your week in tandem: one thing needs you".to_owned(),
        n => format!("Your week in tandem: {n} things need you"),
    };
    Ok(Digest {
        subject,
        body: paragraphs.join("\n\n"),
    })
}
