//! Alignment health's records: the executives' one-sentence statements, the
//! CEO's pulse checks, the blind status ratings, and the signs standing
//! after the last change (the badge every programme page shows).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

use super::audit::{self, Actor, Change, actions};
use super::brief::{SLOT_SELECT, Slot};
use super::cadence::{ActionRow, ScheduleFacts};
use super::json::{LATEST_VERSION_ID, Part, array, decode, kept_programme, one, programme};
use super::programmes::Programme;
use super::raci;
use super::sessions::{Seen, Who};
use crate::board_shown::BoardFacts;
use crate::domain::health::{
    self, Inputs, PULSE_EVERY, PulseCheck, Rag, Round, Sign, Tolerance, classify, disagree,
    rating_problem,
};
use crate::domain::metrics::Unit;
use crate::domain::seat::SeatKind;
use crate::domain::spells::spells;

/// A statement of what the programme is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatementRow {
    /// `ceo` or `coo`.
    pub seat: String,
    pub sentence: String,
    /// Who wrote it.
    pub written_by_name: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub written_at: DateTime<Utc>,
}

/// A pulse check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PulseRow {
    /// The metric asked about.
    pub metric_id: String,
    /// Its unit then.
    pub unit: String,
    /// The CEO's value.
    pub stated_value: f64,
    /// The CEO's target.
    pub stated_target: f64,
    /// The value then.
    pub actual_value: Option<f64>,
    /// The target then.
    pub actual_target: f64,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub checked_at: DateTime<Utc>,
}

/// One executive's rating of one round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RatingRow {
    pub round: String,
    /// `ceo` or `coo`.
    pub seat: String,
    /// red / amber / green.
    pub rating: String,
    /// 1–5.
    pub confidence: i32,
    /// One line of why.
    pub why: String,
    /// What the dashboard said then.
    pub dashboard: Option<String>,
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub rated_at: DateTime<Utc>,
}

/// Everything the health page (and the signs' refresh) reads.
#[derive(Debug, Clone)]
pub struct HealthSource {
    /// The programme, if the organisation has it.
    pub programme: Option<Programme>,
    /// Every statement, oldest first.
    pub statements: Vec<StatementRow>,
    /// Every pulse check, oldest first.
    pub pulses: Vec<PulseRow>,
    /// Every rating, by round then seat.
    pub ratings: Vec<RatingRow>,
    /// What is wrong with the latest saved matrix (or with the framework's
    /// default while none is saved).
    pub matrix_problems: Vec<crate::domain::raci::RowProblems>,
    /// What the cadence schedule needs (late decisions, missing updates).
    pub cadence: ScheduleFacts,
    /// The action items.
    pub actions: Vec<ActionRow>,
    /// The latest brief version's number and slots.
    pub brief: Option<(i32, Vec<Slot>)>,
    /// What the page shows of the dashboard's board: as kept with the
    /// board when that is current, else built from the dashboard (the
    /// signs' refresh reads neither).
    pub board: Option<BoardRead>,
    /// Serious incidents' clocks: (due, when both had acknowledged).
    pub incident_clocks: Vec<IncidentClockRow>,
}

/// A serious incident's clock, for the signs' history.
#[derive(Debug, Clone, Deserialize)]
pub struct IncidentClockRow {
    #[serde(deserialize_with = "crate::db::json::utc")]
    pub acknowledge_by: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::db::json::utc_or_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// The health page's document of programme `$1` (all but the dashboard,
/// kept on its own): the statements, pulse checks, ratings, the matrix's
/// problems, the cadence's schedule and action items, the latest brief
/// version's signatures and the incidents' clocks, as the database's `health_source`
/// runs it at the commit of every change to them (migration 0031,
/// installed by [`crate::db::pages::install_kept_queries`]).
pub(crate) fn health_source_sql() -> String {
    format!(
        "SELECT json_build_object('statements', {}, 'pulses', {}, 'ratings', {}, 'matrix', {}, 'cadence', {}, 'actions', {},
                'latest_number', (SELECT max(number) FROM brief_versions WHERE programme_id = $1), 'latest_slots', {},
                'incident_clocks', {})",
        array(
            "SELECT s.seat, s.sentence, (SELECT display_name FROM users WHERE id = s.written_by) AS written_by_name, s.written_at
               FROM programme_statements s WHERE s.programme_id = $1 ORDER BY s.written_at"
        ),
        array(
            "SELECT metric_id, unit, stated_value, stated_target, actual_value, actual_target, checked_at
               FROM pulse_checks WHERE programme_id = $1 ORDER BY checked_at"
        ),
        array(
            "SELECT round, seat, rating, confidence, why, dashboard, rated_at
               FROM status_ratings WHERE programme_id = $1 ORDER BY round, seat"
        ),
        one(&raci::kept_matrix_sql()),
        one(&super::cadence::schedule_facts_sql()),
        array(super::cadence::ACTIONS),
        array(&format!(
            "{SLOT_SELECT} WHERE sl.version_id = {LATEST_VERSION_ID} ORDER BY sl.position"
        )),
        array(
            "SELECT acknowledge_by,
                    CASE WHEN ceo_acknowledged_at IS NOT NULL AND coo_acknowledged_at IS NOT NULL
                         THEN greatest(ceo_acknowledged_at, coo_acknowledged_at) END AS acknowledged_at
               FROM incidents WHERE programme_id = $1 AND acknowledge_by IS NOT NULL
              ORDER BY acknowledge_by"
        ),
    )
}

/// The health document as kept (empty until the programme's first write).
#[derive(Default, Deserialize)]
struct HealthKept {
    statements: Vec<StatementRow>,
    pulses: Vec<PulseRow>,
    ratings: Vec<RatingRow>,
    matrix: Option<raci::KeptMatrix>,
    cadence: Option<ScheduleFacts>,
    actions: Vec<ActionRow>,
    latest_number: Option<i32>,
    latest_slots: Vec<Slot>,
    incident_clocks: Vec<IncidentClockRow>,
}

/// Reads a programme's health records and its dashboard, both kept by the
/// writes, in one round trip: for a page, outside any write's transaction.
pub async fn source(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
    today: chrono::NaiveDate,
) -> sqlx::Result<Option<Seen<HealthSource>>> {
    read(db, who, programme_id, Some(today)).await
}

/// Reads a programme's health records: for a page on `today`, the
/// programme and the records as the writes keep them, with what it shows
/// of the board (kept with the board when that is current for `today` and
/// this release's markup, else the dashboard); otherwise (the sign
/// judgement, inside a write's transaction) the programme and the records
/// read now, through the query that writes the kept copy.
async fn read(
    db: impl PgExecutor<'_>,
    who: &Who<'_>,
    programme_id: Uuid,
    today: Option<chrono::NaiveDate>,
) -> sqlx::Result<Option<Seen<HealthSource>>> {
    let page = today.is_some();
    let sql = who.statement("health", u32::from(page), 2, 4, || {
        if page {
            let fresh = "shown_of = written_in AND shown_for = $3 AND shown_markup = $4";
            format!(
                "SELECT {} AS programme,
                        (SELECT body FROM page_sources WHERE programme_id = $1 AND page = 'health') AS kept,
                        (SELECT shown_facts FROM dashboard_sources
                          WHERE programme_id = $1 AND {fresh}) AS facts,
                        (SELECT body FROM dashboard_sources
                          WHERE programme_id = $1 AND ({fresh} AND shown_facts IS NOT NULL) IS NOT TRUE) AS dashboard",
                kept_programme(),
            )
        } else {
            format!(
                "SELECT {} AS programme, health_source($1) AS kept, NULL::json AS facts, NULL::json AS dashboard",
                programme()
            )
        }
    });
    #[derive(FromRow)]
    struct Row {
        programme: Option<Part>,
        kept: Option<Part>,
        facts: Option<Part>,
        dashboard: Option<Part>,
    }
    let query = who
        .bind(sqlx::query(sql).bind(programme_id))
        .bind(today)
        .bind(crate::board_shown::markup());
    let Some(found) = who.bind_last(query).fetch_optional(db).await? else {
        return Ok(None);
    };
    let row = Row::from_row(&found)?;
    let kept: HealthKept = row
        .kept
        .map(|part| decode(&part.0))
        .transpose()?
        .unwrap_or_default();
    let source = HealthSource {
        programme: row.programme.map(|v| decode(&v.0)).transpose()?,
        statements: kept.statements,
        pulses: kept.pulses,
        ratings: kept.ratings,
        matrix_problems: raci::KeptMatrix::problems(kept.matrix),
        cadence: kept.cadence.unwrap_or_default(),
        actions: kept.actions,
        brief: kept.latest_number.map(|n| (n, kept.latest_slots)),
        board: match (row.facts, row.dashboard) {
            (Some(facts), _) => Some(BoardRead::Facts(decode(&facts.0)?)),
            (None, Some(dashboard)) => Some(BoardRead::Source(Box::new(
                crate::db::metrics::decode_figures(&dashboard.0)?,
            ))),
            (None, None) => None,
        },
        incident_clocks: kept.incident_clocks,
    };
    who.seen(&found, source).map(Some)
}

/// Records an executive's sentence (a new version; the old ones stay);
/// `false`, and nothing written, when it already is that seat's sentence.
pub async fn write_statement(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    seat: &str,
    sentence: &str,
) -> sqlx::Result<bool> {
    let current: Option<String> = sqlx::query_scalar(
        "SELECT sentence FROM programme_statements WHERE programme_id = $1 AND seat = $2
          ORDER BY written_at DESC LIMIT 1",
    )
    .bind(programme_id)
    .bind(seat)
    .fetch_optional(&mut *conn)
    .await?;
    if current.as_deref() == Some(sentence) {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO programme_statements (id, organisation_id, programme_id, seat, sentence, written_by, written_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(actor.organisation_id)
    .bind(programme_id)
    .bind(seat)
    .bind(sentence)
    .bind(actor.user_id)
    .bind(actor.at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::HEALTH_STATEMENT,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({ "seat": seat, "sentence": sentence })),
        },
    )
    .await?;
    Ok(true)
}

/// Records a pulse check with the figures it is judged against.
pub async fn record_pulse(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    pulse: &PulseRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pulse_checks (id, organisation_id, programme_id, metric_id, unit, stated_value, stated_target,
                                   actual_value, actual_target, checked_by, checked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(Uuid::new_v4())
    .bind(actor.organisation_id)
    .bind(programme_id)
    .bind(&pulse.metric_id)
    .bind(&pulse.unit)
    .bind(pulse.stated_value)
    .bind(pulse.stated_target)
    .bind(pulse.actual_value)
    .bind(pulse.actual_target)
    .bind(actor.user_id)
    .bind(pulse.checked_at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: actions::HEALTH_PULSE,
            object_type: "programme",
            object_id: Some(programme_id),
            before: None,
            after: Some(json!({
                "metric": pulse.metric_id, "stated_value": pulse.stated_value,
                "stated_target": pulse.stated_target, "actual_value": pulse.actual_value,
                "actual_target": pulse.actual_target,
            })),
        },
    )
    .await?;
    let on = pulse.checked_at.date_naive();
    super::cadence::clocks::pulse_expected(conn, actor, programme_id, on).await
}

/// Records a blind rating; `false` when this seat already rated the round.
pub async fn record_rating(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    rating: &RatingRow,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO status_ratings (programme_id, organisation_id, round, seat, rating, confidence, why, dashboard, rated_by, rated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (programme_id, round, seat) DO NOTHING",
    )
    .bind(programme_id)
    .bind(actor.organisation_id)
    .bind(&rating.round)
    .bind(&rating.seat)
    .bind(&rating.rating)
    .bind(rating.confidence)
    .bind(&rating.why)
    .bind(&rating.dashboard)
    .bind(actor.user_id)
    .bind(rating.rated_at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        // The audit-log view hides the rating until both are in (see
        // `audit::list`): the entry itself records it like any change.
        audit::record(
            conn,
            actor,
            Change {
                action: actions::HEALTH_RATING,
                object_type: "programme",
                object_id: Some(programme_id),
                before: None,
                after: Some(json!({
                    "round": rating.round, "seat": rating.seat, "rating": rating.rating,
                    "confidence": rating.confidence, "why": rating.why,
                })),
            },
        )
        .await?;
        ask_the_other_to_rate(conn, programme_id, rating).await?;
    }
    Ok(inserted)
}

/// The first rating of a round opens it for the other executive: they
/// hear that theirs is awaited — never what was rated (blind until both
/// are in).
async fn ask_the_other_to_rate(
    conn: &mut PgConnection,
    programme_id: Uuid,
    rating: &RatingRow,
) -> sqlx::Result<()> {
    let (other, who) = match rating.seat.as_str() {
        "ceo" => (SeatKind::Coo, "The CEO"),
        "coo" => (SeatKind::Ceo, "The COO"),
        _ => return Ok(()),
    };
    let other_rated: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM status_ratings WHERE programme_id = $1 AND round = $2 AND seat = $3)",
    )
    .bind(programme_id)
    .bind(&rating.round)
    .bind(other.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if other_rated {
        return Ok(());
    }
    let (organisation_id, name) =
        crate::db::notifications::programme_of(&mut *conn, programme_id).await?;
    let message = crate::domain::notify::rating_round(
        &name,
        &rating.round,
        who,
        crate::paths::health(programme_id),
    );
    crate::db::notifications::queue_to_seat(
        conn,
        organisation_id,
        other,
        &message,
        crate::db::notifications::Timing::now(rating.rated_at),
    )
    .await?;
    Ok(())
}

/// Stores the signs standing now (the badge reads them with the programme);
/// the CEO and the COO hear of each sign that was not standing before,
/// once (not every day it stands).
pub async fn store_signs(
    conn: &mut PgConnection,
    programme_id: Uuid,
    signs: &[&str],
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let before: Vec<String> =
        sqlx::query_scalar("SELECT signs FROM programme_health WHERE programme_id = $1 FOR UPDATE")
            .bind(programme_id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_default();
    let appeared: Vec<Sign> = Sign::ALL
        .into_iter()
        .filter(|sign| signs.contains(&sign.key()) && !before.iter().any(|b| b == sign.key()))
        .collect();
    if !appeared.is_empty() {
        let (organisation_id, name) =
            crate::db::notifications::programme_of(&mut *conn, programme_id).await?;
        for sign in appeared {
            let message = crate::domain::notify::warning_sign(
                &name,
                sign.title(),
                crate::paths::health(programme_id),
            );
            crate::db::notifications::queue_to_seats(
                conn,
                organisation_id,
                &[SeatKind::Ceo, SeatKind::Coo],
                &message,
                crate::db::notifications::Timing::now(at),
            )
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO programme_health (programme_id, signs, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (programme_id) DO UPDATE SET signs = EXCLUDED.signs, updated_at = EXCLUDED.updated_at",
    )
    .bind(programme_id)
    .bind(signs)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

impl HealthSource {
    /// The latest sentence of `seat`.
    pub fn latest_statement(&self, seat: &str) -> Option<&StatementRow> {
        self.statements.iter().rev().find(|s| s.seat == seat)
    }

    /// The rating rounds, oldest first.
    pub fn rounds(&self) -> Vec<Round> {
        let mut rounds: Vec<Round> = Vec::new();
        for row in &self.ratings {
            if rounds.last().is_none_or(|r| r.key != row.round) {
                rounds.push(Round {
                    key: row.round.clone(),
                    ceo: None,
                    coo: None,
                    dashboard: None,
                });
            }
            if let Some(round) = rounds.last_mut() {
                let rag = Rag::parse(&row.rating);
                match row.seat.as_str() {
                    "ceo" => round.ceo = rag,
                    _ => round.coo = rag,
                }
                if let Some(dashboard) = row.dashboard.as_deref().and_then(Rag::parse) {
                    round.dashboard = Some(dashboard);
                }
            }
        }
        rounds
    }

    /// The latest pulse check, as the rule reads it.
    pub fn latest_pulse(&self) -> Option<PulseCheck> {
        self.pulses.last().map(|p| PulseCheck {
            at: p.checked_at,
            stated_value: p.stated_value,
            stated_target: p.stated_target,
            actual_value: p.actual_value,
            actual_target: p.actual_target,
        })
    }

    /// What the signs are judged on, if the programme was found.
    pub fn inputs(&self) -> Option<Inputs> {
        let programme = self.programme.as_ref()?;
        let unit = self
            .pulses
            .last()
            .and_then(|p| Unit::parse(&p.unit))
            .unwrap_or(Unit::Percent);
        Some(Inputs {
            ceo_sentence: self.latest_statement("ceo").map(|s| s.sentence.clone()),
            coo_sentence: self.latest_statement("coo").map(|s| s.sentence.clone()),
            line_warning: programme.reporting_line().warning().is_some(),
            matrix_routed: self
                .matrix_problems
                .iter()
                .any(|row| row.problems.iter().any(|p| p.is_warning_sign())),
            pulse: self.latest_pulse(),
            tolerance: Tolerance::for_unit(unit, programme.pulse_tolerance),
            pulse_since: programme.created_at,
            rounds: self.rounds(),
            incident_due_at: programme.incident_due_at,
        })
    }
}

/// What the health page shows of the dashboard's board.
#[derive(Debug, Clone)]
pub enum BoardRead {
    /// As kept with the board, which is what the dashboard shows today.
    Facts(BoardFacts),
    /// The dashboard to build the board from.
    Source(Box<crate::db::metrics::DashboardSource>),
}

/// Judges the programme's signs again and stores them: called in the
/// transaction of every write that can raise or clear one.
pub async fn refresh(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let who = Who::Organisation(organisation_id);
    // In the write's transaction: the records as they stand now, not the
    // copy rewritten at its commit.
    let Some(Seen { page: source, .. }) = read(&mut *conn, &who, programme_id, None).await? else {
        return Ok(());
    };
    let Some(inputs) = source.inputs() else {
        return Ok(());
    };
    // The pulse's 35 days are judged when read; its gap is stored.
    let mut signs: Vec<&str> = crate::domain::health::signs(&inputs, now)
        .into_iter()
        .filter(|s| !matches!(s, Sign::PulseOff | Sign::IncidentUnacknowledged))
        .map(Sign::key)
        .collect();
    if inputs.pulse.is_some_and(|p| p.off(inputs.tolerance)) {
        signs.push(Sign::PulseOff.key());
    }
    store_signs(conn, programme_id, &signs, now).await
}

impl HealthSource {
    /// The history of the signs, computed from the records themselves.
    pub fn history(
        &self,
        inputs: &Inputs,
        now: DateTime<Utc>,
    ) -> Vec<crate::domain::spells::Spell> {
        let source = self;
        let mut all = Vec::new();
        // Different words: after each new sentence.
        let (mut ceo, mut coo) = (None, None);
        let mut points = Vec::new();
        for s in &source.statements {
            let framing = classify(&s.sentence).framing;
            if s.seat == "ceo" {
                ceo = Some(framing);
            } else {
                coo = Some(framing);
            }
            let standing = matches!((ceo, coo), (Some(a), Some(b)) if disagree(a, b));
            points.push((s.written_at, standing));
        }
        all.extend(spells(Sign::DifferentWords, &points));
        // The pulse: each check, and each 35 days without one.
        let mut points = Vec::new();
        let mut last = inputs.pulse_since;
        for p in &source.pulses {
            if health::pulse_overdue(last, p.checked_at) {
                points.push((last + PULSE_EVERY, true));
            }
            let check = health::PulseCheck {
                at: p.checked_at,
                stated_value: p.stated_value,
                stated_target: p.stated_target,
                actual_value: p.actual_value,
                actual_target: p.actual_target,
            };
            let tolerance = health::Tolerance::for_unit(
                Unit::parse(&p.unit).unwrap_or(Unit::Percent),
                source.programme.as_ref().and_then(|p| p.pulse_tolerance),
            );
            points.push((p.checked_at, check.off(tolerance)));
            last = p.checked_at;
        }
        if health::pulse_overdue(last, now) {
            points.push((last + PULSE_EVERY, true));
        }
        all.extend(spells(Sign::PulseOff, &points));
        // Ratings: as each round completed.
        let rounds = &inputs.rounds;
        let mut points = Vec::new();
        for (i, round) in rounds.iter().enumerate() {
            if !round.complete() {
                continue;
            }
            let completed = source
                .ratings
                .iter()
                .filter(|r| r.round == round.key)
                .map(|r| r.rated_at)
                .max()
                .unwrap_or(now);
            points.push((completed, rating_problem(&rounds[..=i]).is_some()));
        }
        all.extend(spells(Sign::RatingsApart, &points));
        // Serious incidents past their clocks before both acknowledged them.
        let clocks: Vec<_> = source
            .incident_clocks
            .iter()
            .map(|c| (c.acknowledge_by, c.acknowledged_at))
            .collect();
        all.extend(
            crate::domain::governance::unacknowledged_spells(&clocks, now)
                .into_iter()
                .map(|(since, cleared)| (Sign::IncidentUnacknowledged, since, cleared)),
        );
        all.sort_by_key(|(_, since, _)| std::cmp::Reverse(*since));
        all
    }
}
