//! The demo organisation: a freight company preparing its first AI agent
//! deployment. Loading it twice changes nothing but the passwords.

use std::fmt;

mod brief;
mod cadence;
mod deploying;
mod governance;
mod health;
pub mod history;
pub mod live;
mod pipeline;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sqlx::PgPool;

use crate::auth::password;
use crate::db;
use crate::db::audit::Actor;
use crate::db::programmes::ProgrammeFields;
use crate::domain::raci::{Letter, Matrix};
use crate::domain::seat::SeatKind;
use crate::domain::values::NewPassword;

/// The demo organisation's name.
pub const ORGANISATION: &str = "Halden Freight";

/// (email, name, seat, approver title)
const PEOPLE: [(&str, &str, SeatKind, Option<&str>); 7] = [
    ("ceo@halden.example", "Maren Holt", SeatKind::Ceo, None),
    ("coo@halden.example", "Tomasz Reyes", SeatKind::Coo, None),
    (
        "cfo@halden.example",
        "Priya Nair",
        SeatKind::Approver,
        Some("CFO"),
    ),
    (
        "cto@halden.example",
        "Daniel Okafor",
        SeatKind::Approver,
        Some("CTO"),
    ),
    (
        "exco.people@halden.example",
        "Ingrid Sørensen",
        SeatKind::Exco,
        None,
    ),
    (
        "exco.commercial@halden.example",
        "Luca Bianchi",
        SeatKind::Exco,
        None,
    ),
    ("admin@halden.example", "Amara Quist", SeatKind::Admin, None),
];

/// What was loaded, printed for the person who ran the command.
#[derive(Debug)]
pub struct Summary {
    created: bool,
    password: String,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.created {
            writeln!(f, "Loaded the demo organisation {ORGANISATION}.")?;
        } else {
            writeln!(
                f,
                "The demo organisation {ORGANISATION} was already loaded; passwords were reset."
            )?;
        }
        writeln!(f, "Every account's password is: {}", self.password)?;
        writeln!(f)?;
        for (email, name, seat, title) in PEOPLE {
            let seat = match title {
                Some(title) => format!("{} ({title})", seat.label()),
                None => seat.label().to_owned(),
            };
            writeln!(f, "  {email:<32} {seat:<18} {name}")?;
        }
        Ok(())
    }
}

/// Loads the demo in one transaction, or resets its passwords if present.
/// Where `make run` serves the demo: the links of its mailbox point there.
const DEMO_URL: &str = "http://localhost:3000";

pub async fn load(
    pool: &PgPool,
    password: &NewPassword,
    now: DateTime<Utc>,
) -> anyhow::Result<Summary> {
    let hash = password::hash(password.expose()).await?;
    let mut tx = pool.begin().await?;
    let summary = Summary {
        created: false,
        password: password.expose().to_owned(),
    };
    if let Some(organisation) = db::organisations::find_by_name(&mut *tx, ORGANISATION).await? {
        for (email, ..) in PEOPLE {
            if let Some(user) = db::users::find_by_email(&mut *tx, email).await?
                && user.organisation_id == organisation.id
            {
                db::users::set_password(&mut *tx, user.id, &hash, false).await?;
            }
        }
        tx.commit().await?;
        return Ok(summary);
    }

    // The organisation joined tandem over a year ago: the live programme has
    // ten months of history, the one in preparation five weeks.
    let founded = now - Duration::days(420);
    let organisation = db::organisations::insert(&mut *tx, ORGANISATION, founded).await?;
    let actor = Actor {
        organisation_id: Some(organisation.id),
        user_id: None,
        ip: None,
        at: founded,
    };
    let mut approvers = Vec::new();
    let mut people = Vec::new();
    let mut coo_id = None;
    for (email, name, seat, title) in PEOPLE {
        let user = db::users::create(
            &mut tx,
            &actor,
            db::users::NewUser {
                organisation_id: organisation.id,
                email,
                display_name: name,
                password_hash: Some(&hash),
                must_change_password: false,
                at: founded,
            },
        )
        .await?;
        db::seats::assign(&mut tx, &actor, organisation.id, user.id, seat, title).await?;
        people.push((seat, title, user.id));
        match seat {
            SeatKind::Approver => approvers.push(user.id),
            SeatKind::Coo => coo_id = Some(user.id),
            _ => {}
        }
    }

    let started = now - Duration::days(35);
    let programme = db::programmes::create(
        &mut tx,
        &Actor {
            at: started,
            ..actor.clone()
        },
        organisation.id,
        &ProgrammeFields {
            name: "Freight operations agents",
            summary: "AI agents take over freight invoice matching first, then customs paperwork and \
                      carrier-booking exceptions. The CEO frames it as the start of a three-year change \
                      in how Halden runs its back office; the COO owns the sequence and the governance \
                      that keeps people accountable for every agent decision.",
            planned_start: NaiveDate::from_ymd_opt(2027, 1, 11),
            pulse_tolerance: None,
        },
        &approvers,
    )
    .await?;
    cto_takes_governance(
        &mut tx,
        organisation.id,
        programme.id,
        coo_id,
        now - Duration::days(9),
    )
    .await?;
    brief::load(&mut tx, organisation.id, programme.id, &people, now).await?;
    let id_of = |kind: SeatKind, title: Option<&str>| {
        people
            .iter()
            .find(|(k, t, _)| *k == kind && (title.is_none() || *t == title))
            .map(|(_, _, id)| *id)
    };
    // Weekly sessions since it started; last week's was skipped (overdue).
    if let (Some(ceo), Some(coo)) = (id_of(SeatKind::Ceo, None), id_of(SeatKind::Coo, None)) {
        let this_monday = now.date_naive()
            - Duration::days(i64::from(now.date_naive().weekday().num_days_from_monday()));
        let days: Vec<NaiveDate> = (0..)
            .map(|w| started.date_naive() + Duration::days(1 + 7 * w))
            .take_while(|day| *day < this_monday - Duration::days(7))
            .collect();
        let pair = Pair {
            organisation_id: organisation.id,
            ceo,
            coo,
        };
        cadence::sessions(&mut tx, &pair, programme.id, &days, false).await?;
        health::preparing(&mut tx, &pair, programme.id, now).await?;
    }
    if let (Some(ceo), Some(coo), Some(cfo), Some(cto)) = (
        id_of(SeatKind::Ceo, None),
        id_of(SeatKind::Coo, None),
        id_of(SeatKind::Approver, Some("CFO")),
        id_of(SeatKind::Approver, Some("CTO")),
    ) {
        let cast = live::Cast { ceo, coo, cfo, cto };
        live::load(&mut tx, organisation.id, &cast, now).await?;
        deploying::load(&mut tx, organisation.id, &cast, now).await?;
    }
    tx.commit().await?;
    // What its history announced lands in the local mailbox (Administration
    // → Mail); nothing goes through SMTP. Reminders still to come stay queued.
    let mailer = crate::mail::Mailer::new(None, None, DEMO_URL)?;
    let key = crate::mail::outbox::unsubscribe_key(pool).await?;
    crate::mail::outbox::deliver_due(pool, &mailer, &key, now).await?;
    // Its people read what is older than a fortnight long ago.
    sqlx::query(
        "UPDATE notifications SET read_at = due_at
          WHERE organisation_id = $1 AND due_at < $2 AND read_at IS NULL",
    )
    .bind(organisation.id)
    .bind(now - Duration::days(14))
    .execute(pool)
    .await?;
    Ok(Summary {
        created: true,
        ..summary
    })
}

/// The demo's realistic problem: nine days ago the matrix was changed so
/// that the CTO, whose team runs the agent platform, became accountable for
/// the governance framework, a COO responsibility.
async fn cto_takes_governance(
    conn: &mut sqlx::PgConnection,
    organisation_id: uuid::Uuid,
    programme_id: uuid::Uuid,
    coo_id: Option<uuid::Uuid>,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let before = Matrix::framework_default();
    let mut after = before.clone();
    if let Some(row) = after
        .rows
        .iter_mut()
        .find(|row| row.key == "governance_framework")
    {
        row.cells.insert("cto".into(), Letter::A);
        row.cells.insert("coo".into(), Letter::R);
    }
    db::raci::save(
        conn,
        &Actor {
            organisation_id: Some(organisation_id),
            user_id: coo_id,
            ip: None,
            at,
        },
        programme_id,
        1,
        &before,
        &after,
    )
    .await?;
    Ok(())
}

/// Who acts.
pub(crate) struct Pair {
    pub organisation_id: uuid::Uuid,
    pub ceo: uuid::Uuid,
    pub coo: uuid::Uuid,
}

impl Pair {
    pub(crate) fn actor(
        &self,
        user: uuid::Uuid,
        when: chrono::DateTime<chrono::Utc>,
    ) -> crate::db::audit::Actor {
        crate::db::audit::Actor {
            organisation_id: Some(self.organisation_id),
            user_id: Some(user),
            ip: None,
            at: when,
        }
    }
}
