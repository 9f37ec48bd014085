//! The calendar feed (SPEC §2): each user may hold one secret address that a
//! calendar client subscribes to. Only its SHA-256 is stored; the address is
//! shown once, when issued, and can be renewed (the old one stops working)
//! or revoked. The feed lists the due sessions, updates, reviews and
//! decision deadlines of the user's organisation's programmes, with stable
//! UIDs, a SEQUENCE that grows with each change, STATUS:CANCELLED for what
//! was called off, and UTC times.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

use super::Routes;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::auth::token;
use crate::db;
use crate::db::cadence::{FeedEvent, FeedProgramme, FeedRequest, ScheduleFacts};
use crate::domain::cadence::{self, DueState, Expected};
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::pages::{Page, render};

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(paths::CALENDAR, show)
        .post(paths::CALENDAR, submit)
        .bare_get(paths::route::FEED, feed)
}

/// The hour (UTC) at which a due day's event is placed.
const EVENT_HOUR: u32 = 9;

#[derive(Template, WebTemplate)]
#[template(path = "account/calendar.html")]
struct CalendarPage {
    page: Page,
    /// Since when the current address works, if one does.
    live_since: Option<DateTime<Utc>>,
    /// The address, right after it was issued (never again).
    new_address: Option<String>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    new_address: Option<String>,
) -> Result<CalendarPage> {
    let feed = db::cadence::feed_state(&state.pool, user.id).await?;
    Ok(CalendarPage {
        live_since: feed.and_then(|(created, revoked)| revoked.is_none().then_some(created)),
        new_address,
        page: Page::of(state, user),
    })
}

async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<CalendarPage> {
    page(&state, &user, None).await
}

/// The form: `issue` (or renew) or `revoke`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FeedForm {
    action: String,
}

async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<FeedForm>,
) -> Result<Response> {
    let actor = user.actor(&client, state.now());
    let mut tx = state.pool.begin().await?;
    match form.action.as_str() {
        "issue" => {
            let secret = token::random_hex(32);
            db::cadence::issue_feed(&mut tx, &actor, &token::digest(&secret)).await?;
            tx.commit().await?;
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let scheme = headers
                .get("x-forwarded-proto")
                .and_then(|h| h.to_str().ok())
                .filter(|s| *s == "https")
                .unwrap_or("http");
            let address = format!("{scheme}://{host}{}", paths::feed(&secret));
            // Shown once, in this response: tandem keeps only its digest.
            let page = page(&state, &user, Some(address)).await?;
            Ok(render(StatusCode::OK, &page))
        }
        "revoke" => {
            let revoked = db::cadence::revoke_feed(&mut tx, &actor).await?;
            let message = if revoked {
                "Your calendar address is revoked: calendars subscribed to it get nothing more."
            } else {
                "You had no calendar address to revoke."
            };
            db::sessions::set_flash(&mut *tx, user.session_id, "success", message).await?;
            tx.commit().await?;
            Ok(axum::response::Redirect::to(paths::CALENDAR).into_response())
        }
        _ => Err(AppError::BadRequest("unknown action".into())),
    }
}

/// GET /calendar/{token}/tandem.ics — the feed; an unknown or revoked
/// address is simply not found.
async fn feed(State(state): State<AppState>, Path(secret): Path<String>) -> Result<Response> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let (_, programmes) = db::cadence::feed(&state.pool, &token::digest(&secret))
        .await?
        .ok_or(AppError::NotFound)?;
    let events = events(&programmes, state.now());
    let planned: Vec<db::cadence::FeedEvent> =
        events.iter().map(|(plan, _)| plan.clone()).collect();
    let sequences = db::cadence::event_sequences(&state.pool, &planned).await?;
    let body = calendar(events, &sequences);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}

fn at_hour(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(EVENT_HOUR, 0, 0).unwrap_or_default())
        .and_utc()
}

/// The feed's events, each with what decides its SEQUENCE.
pub fn events(programmes: &[FeedProgramme], now: DateTime<Utc>) -> Vec<(FeedEvent, Event)> {
    let mut out = Vec::new();
    let mut push = |programme_id, uid: String, first_sequence: u32, mut event: Event| {
        event.uid(&uid).timestamp(now);
        let fingerprint = ["DTSTART", "SUMMARY", "STATUS", "DESCRIPTION"]
            .iter()
            .map(|key| event.property_value(key).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\u{1f}");
        out.push((
            FeedEvent {
                programme_id,
                uid,
                fingerprint,
                first_sequence: i32::try_from(first_sequence).unwrap_or(i32::MAX),
            },
            event,
        ));
    };
    for p in programmes {
        let programme = &p.programme;
        let facts = ScheduleFacts {
            sessions: p.sessions.clone(),
            updates: p.updates.clone(),
            reviews: p.reviews.iter().map(|r| r.fact.clone()).collect(),
            open_requests: Vec::new(),
        };
        // What feeds showed before sequences were kept per event.
        let base = u32::try_from(programme.version).unwrap_or(0);
        for due in facts.schedule(programme, now.date_naive()) {
            let review_version = match due.expected {
                Expected::Review(month) => p
                    .reviews
                    .iter()
                    .find(|r| r.fact.month == month.to_string())
                    .map_or(0, |r| u32::try_from(r.version).unwrap_or(0)),
                _ => 0,
            };
            let done = due.state == DueState::Done;
            let mut event = Event::new();
            event
                .summary(&format!(
                    "{}{}: {}",
                    if done { "✓ " } else { "" },
                    programme.name,
                    due.expected.title()
                ))
                .description(&format!("Written by: {}.", due.expected.writer().label()))
                .starts(at_hour(due.due_on))
                .ends(at_hour(due.due_on) + Duration::hours(1))
                .status(if due.state == DueState::Cancelled {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Confirmed
                });
            push(
                programme.id,
                format!("{}.{}@tandem", due.expected.key(), programme.id),
                base + review_version + u32::from(done),
                event,
            );
        }
        for FeedRequest {
            number,
            question,
            raised_at,
            decided_at,
        } in &p.requests
        {
            let deadline = cadence::deadline(*raised_at);
            let mut event = Event::new();
            event
                .summary(&format!(
                    "{}{}: decision #{number} due",
                    if decided_at.is_some() { "✓ " } else { "" },
                    programme.name
                ))
                .description(question)
                .starts(deadline)
                .ends(deadline + Duration::minutes(15))
                .status(EventStatus::Confirmed);
            push(
                programme.id,
                format!("decision-{number}.{}@tandem", programme.id),
                u32::from(decided_at.is_some()),
                event,
            );
        }
    }
    out
}

/// The feed's text: tandem's own PRODID, and each event with its SEQUENCE.
pub fn calendar(
    events: Vec<(FeedEvent, Event)>,
    sequences: &HashMap<(Uuid, String), i32>,
) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name("tandem");
    for (plan, mut event) in events {
        let sequence = sequences
            .get(&(plan.programme_id, plan.uid))
            .copied()
            .unwrap_or(plan.first_sequence);
        event.sequence(u32::try_from(sequence).unwrap_or(0));
        cal.push(event.done());
    }
    cal.done().to_string()
}

/// tandem's product identifier in its calendars (RFC 5545 §3.7.3).
pub const PRODID: &str = concat!("-//tandem//tandem ", env!("CARGO_PKG_VERSION"), "//EN");
