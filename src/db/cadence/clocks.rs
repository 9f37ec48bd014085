//! The cadence's clocks as messages (SPEC §9): what each cadence event
//! queues at once, what it schedules for later — in each reader's own
//! morning — and which scheduled messages it withdraws. No cron and no
//! background clock: a reminder is a row with a due time, written when its
//! reason appears and withdrawn (by its reason) when that reason goes.

use super::*;
use crate::db::notifications::{self, Timing};
use crate::domain::notify;
use crate::domain::seat::SeatKind;

/// The local hour morning messages go out at.
const MORNING: u32 = 8;
/// Days before the meeting a missing review part is chased.
const PART_DAYS_BEFORE: i64 = 3;

const CEO: &[SeatKind] = &[SeatKind::Ceo];
const COO: &[SeatKind] = &[SeatKind::Coo];
const BOTH: &[SeatKind] = &[SeatKind::Ceo, SeatKind::Coo];

fn update_reason(programme_id: Uuid, week: Option<u32>) -> String {
    match week {
        Some(week) => format!("update:{programme_id}:{week}"),
        None => format!("update:{programme_id}:"),
    }
}

fn part_reason(programme_id: Uuid, month: &str, seat: Option<&str>) -> String {
    format!("review:{programme_id}:{month}:{}", seat.unwrap_or(""))
}

fn action_reason(action_id: Uuid) -> String {
    format!("action:{action_id}")
}

fn session_reason(programme_id: Uuid) -> String {
    format!("session:{programme_id}")
}

fn pulse_reason(programme_id: Uuid) -> String {
    format!("pulse:{programme_id}")
}

/// Days after a pulse check (or the programme's start) the CEO is asked
/// for the next: five days before the 35-day rule counts it missing.
const PULSE_ASK_AFTER: i64 = 30;

/// The Monday after `day`.
fn next_monday(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    day + chrono::Duration::days(7 - i64::from(day.weekday().num_days_from_monday()))
}

/// Before deployment, the CEO and the COO hold an alignment session every
/// week: on the Monday after `after` (a session held, or the programme
/// created) both hear that the week's is due, with the open action items
/// to go through. The previous call, if still waiting, is withdrawn.
pub(crate) async fn session_expected(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    after: NaiveDate,
) -> sqlx::Result<()> {
    let (organisation_id, name) = notifications::programme_of(&mut *conn, programme_id).await?;
    let reason = session_reason(programme_id);
    notifications::cancel(conn, organisation_id, &reason).await?;
    let phase: String = sqlx::query_scalar("SELECT phase FROM programmes WHERE id = $1")
        .bind(programme_id)
        .fetch_one(&mut *conn)
        .await?;
    if phase != crate::domain::phase::Phase::PreDeployment.as_str() {
        return Ok(());
    }
    let monday = next_monday(after);
    let open: Vec<(String, String, NaiveDate)> = sqlx::query_as(
        "SELECT title, owner_seat, due_on FROM action_items
          WHERE programme_id = $1 AND done_at IS NULL ORDER BY due_on, title",
    )
    .bind(programme_id)
    .fetch_all(&mut *conn)
    .await?;
    let actions: Vec<String> = open
        .iter()
        .map(|(title, owner, due_on)| {
            let carried = if *due_on < monday {
                ", carried over"
            } else {
                ""
            };
            format!(
                "{title} ({}, due {}{carried})",
                owner.to_uppercase(),
                due_on.format("%-d %B")
            )
        })
        .collect();
    let friday = monday + chrono::Duration::days(4);
    let message = notify::session_due(
        &name,
        friday.and_hms_opt(17, 0, 0).unwrap_or_default().and_utc(),
        &actions,
        crate::paths::session_new(programme_id),
    );
    notifications::queue_local(
        conn,
        organisation_id,
        BOTH,
        &message,
        actor.at,
        (monday, MORNING),
        &reason,
    )
    .await?;
    Ok(())
}

/// The programme left its preparation: no more alignment sessions are due.
pub(crate) async fn sessions_ended(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
) -> sqlx::Result<()> {
    notifications::cancel(conn, organisation_id, &session_reason(programme_id)).await?;
    Ok(())
}

/// The CEO answered a pulse check (or the programme began) on `on`: 30 days
/// later the CEO is asked for the next one.
pub(crate) async fn pulse_expected(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    on: NaiveDate,
) -> sqlx::Result<()> {
    let (organisation_id, name) = notifications::programme_of(&mut *conn, programme_id).await?;
    let reason = pulse_reason(programme_id);
    notifications::cancel(conn, organisation_id, &reason).await?;
    let ask = on + chrono::Duration::days(PULSE_ASK_AFTER);
    let message = notify::pulse_due(&name, crate::paths::health(programme_id));
    notifications::queue_local(
        conn,
        organisation_id,
        CEO,
        &message,
        actor.at,
        (ask, MORNING),
        &reason,
    )
    .await?;
    Ok(())
}

/// The programme moved to deploying on `since`: for each of its 8 weeks,
/// the COO hears on the morning the week begins that its update is due,
/// and again on its last day unless it is written by then.
pub(crate) async fn deployment_began(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    since: NaiveDate,
) -> sqlx::Result<()> {
    let (organisation_id, name) = notifications::programme_of(&mut *conn, programme_id).await?;
    let link = crate::paths::update_new(programme_id);
    for week in 1..=cadence::DEPLOYMENT_WEEKS {
        let begins = since + chrono::Duration::weeks(i64::from(week) - 1);
        let last_day = begins + chrono::Duration::days(6);
        let due = last_day
            .and_hms_opt(23, 59, 0)
            .unwrap_or_default()
            .and_utc();
        let reason = update_reason(programme_id, Some(week));
        for (day, reminder) in [(begins, false), (last_day, true)] {
            let message = notify::update_due(
                &name,
                week,
                cadence::DEPLOYMENT_WEEKS,
                due,
                reminder,
                link.clone(),
            );
            notifications::queue_local(
                conn,
                organisation_id,
                COO,
                &message,
                actor.at,
                (day, MORNING),
                &reason,
            )
            .await?;
        }
    }
    Ok(())
}

/// The programme left deploying: no more weekly updates are due.
pub(crate) async fn deployment_ended(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
) -> sqlx::Result<()> {
    notifications::cancel_starting(conn, organisation_id, &update_reason(programme_id, None))
        .await?;
    Ok(())
}

/// The COO wrote a week's update: its reminders stop, and the CEO receives
/// the one-page summary in the message itself.
pub(crate) async fn update_written(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewUpdate<'_>,
) -> sqlx::Result<()> {
    let week = u32::try_from(new.week).unwrap_or_default();
    notifications::cancel(
        conn,
        new.organisation_id,
        &update_reason(new.programme_id, Some(week)),
    )
    .await?;
    let (_, name) = notifications::programme_of(&mut *conn, new.programme_id).await?;
    let workstreams: Vec<(String, &str)> = new
        .workstreams
        .iter()
        .map(|w| {
            let standing = cadence::Standing::parse(&w.standing).map_or("—", |s| s.label());
            let note = if w.note.trim().is_empty() {
                String::new()
            } else {
                format!(" — {}", w.note.trim())
            };
            (format!("{}{note}", w.name), standing)
        })
        .collect();
    let message = notify::update_sent(&notify::Sent {
        programme: &name,
        week: new.week,
        summary: new.summary,
        workstreams: &workstreams,
        blockers: new.blockers,
        question: new.request.as_ref().map(|r| r.question),
        link: crate::paths::update(new.programme_id, new.week),
    });
    notifications::queue_to_seats(
        conn,
        new.organisation_id,
        CEO,
        &message,
        Timing::now(actor.at),
    )
    .await?;
    Ok(())
}

/// A review was opened: the CEO and the COO hear it at once, and whoever's
/// part is still missing 3 days before the meeting is reminded that morning.
pub(crate) async fn review_opened(
    conn: &mut PgConnection,
    actor: &Actor,
    programme_id: Uuid,
    month: &str,
    meeting_on: NaiveDate,
) -> sqlx::Result<()> {
    let (organisation_id, name) = notifications::programme_of(&mut *conn, programme_id).await?;
    let label =
        Period::parse_for(month, Cadence::Monthly).map_or_else(|_| month.to_owned(), Period::label);
    let meeting = meeting_on
        .and_hms_opt(9, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let link = crate::paths::review(programme_id, month);
    let opened = notify::review_opened(&name, &label, meeting, link.clone());
    notifications::queue_to_seats(conn, organisation_id, BOTH, &opened, Timing::now(actor.at))
        .await?;
    let chase = meeting_on - chrono::Duration::days(PART_DAYS_BEFORE);
    for (seat, seats, part) in [
        ("ceo", CEO, "strategy and competition"),
        ("coo", COO, "operations"),
    ] {
        let message = notify::review_part_due(&name, &label, part, meeting, link.clone());
        notifications::queue_local(
            conn,
            organisation_id,
            seats,
            &message,
            actor.at,
            (chase, MORNING),
            &part_reason(programme_id, month, Some(seat)),
        )
        .await?;
    }
    Ok(())
}

/// A review's parts were written: a complete part is no longer chased.
pub(crate) async fn review_written(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    review: &ReviewRow,
) -> sqlx::Result<()> {
    let written = |text: &str| !text.trim().is_empty();
    if written(&review.strategy) && written(&review.competition) {
        let reason = part_reason(programme_id, &review.month, Some("ceo"));
        notifications::cancel(conn, organisation_id, &reason).await?;
    }
    if written(&review.operations) {
        let reason = part_reason(programme_id, &review.month, Some("coo"));
        notifications::cancel(conn, organisation_id, &reason).await?;
    }
    Ok(())
}

/// A review was held: nothing of it is chased any more.
pub(crate) async fn review_held(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    programme_id: Uuid,
    month: &str,
) -> sqlx::Result<()> {
    let reason = part_reason(programme_id, month, None);
    notifications::cancel_starting(conn, organisation_id, &reason).await?;
    Ok(())
}

/// A new action item: its owner hears the morning before it is due, and
/// the morning after if it is still open.
pub(crate) async fn action_created(
    conn: &mut PgConnection,
    actor: &Actor,
    organisation_id: Uuid,
    programme_id: Uuid,
    action_id: Uuid,
    item: &NewAction,
) -> sqlx::Result<()> {
    let Ok(owner) = item.owner_seat.parse::<SeatKind>() else {
        return Ok(());
    };
    let (_, name) = notifications::programme_of(&mut *conn, programme_id).await?;
    let link = crate::paths::cadence(programme_id);
    for (day, overdue) in [
        (item.due_on - chrono::Duration::days(1), false),
        (item.due_on + chrono::Duration::days(1), true),
    ] {
        let message = notify::action_due(&name, &item.title, item.due_on, overdue, link.clone());
        notifications::queue_local(
            conn,
            organisation_id,
            &[owner],
            &message,
            actor.at,
            (day, MORNING),
            &action_reason(action_id),
        )
        .await?;
    }
    Ok(())
}

/// An action item was marked done: it is no longer chased.
pub(crate) async fn action_done(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    action_id: Uuid,
) -> sqlx::Result<()> {
    notifications::cancel(conn, organisation_id, &action_reason(action_id)).await?;
    Ok(())
}
