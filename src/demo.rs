//! The demo organisation: a freight company preparing its first AI agent
//! deployment. Loading it twice changes nothing but the passwords.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::auth::password;
use crate::db;
use crate::db::audit::{Actor, Change};
use crate::db::programmes::ProgrammeFields;
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

    let organisation = db::organisations::insert(&mut *tx, ORGANISATION, now).await?;
    let actor = Actor {
        organisation_id: Some(organisation.id),
        user_id: None,
        ip: None,
        at: now,
    };
    let mut approvers = Vec::new();
    for (email, name, seat, title) in PEOPLE {
        let user = db::users::insert(
            &mut *tx,
            db::users::NewUser {
                organisation_id: organisation.id,
                email,
                display_name: name,
                password_hash: &hash,
                must_change_password: false,
                at: now,
            },
        )
        .await?;
        db::audit::record(
            &mut tx,
            &actor,
            Change {
                action: "user.create",
                object_type: "user",
                object_id: Some(user.id),
                before: None,
                after: Some(user.audit()),
            },
        )
        .await?;
        db::seats::assign(&mut tx, &actor, organisation.id, user.id, seat, title).await?;
        if seat == SeatKind::Approver {
            approvers.push(user.id);
        }
    }

    let programme = db::programmes::insert(
        &mut *tx,
        organisation.id,
        &ProgrammeFields {
            name: "Freight operations agents",
            summary: "AI agents take over freight invoice matching first, then customs paperwork and \
                      carrier-booking exceptions. The CEO frames it as the start of a three-year change \
                      in how Halden runs its back office; the COO owns the sequence and the governance \
                      that keeps people accountable for every agent decision.",
            planned_start: NaiveDate::from_ymd_opt(2027, 1, 11),
        },
        None,
        now,
    )
    .await?;
    db::programmes::set_signatories(&mut tx, organisation.id, programme.id, &approvers, now)
        .await?;
    db::audit::record(
        &mut tx,
        &actor,
        Change {
            action: "programme.create",
            object_type: "programme",
            object_id: Some(programme.id),
            before: None,
            after: Some(serde_json::json!({ "programme": programme, "signatories": approvers })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Summary {
        created: true,
        ..summary
    })
}
