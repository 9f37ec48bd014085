//! GET and POST /account/notifications/settings: how I hear of what — my
//! time zone (every moment in messages and in the app is shown in it), my
//! weekly digest (on or off, its day and hour) and, for each kind I may
//! switch off, an e-mail at once, a line in the digest, or the app only.
//! Requests addressed to me (signatures, decisions) always come by e-mail.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::notifications::Settings;
use crate::domain::notify::{Choice, Kind};
use crate::domain::seat::SeatKind;
use crate::domain::zone;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::forms::FieldErrors;
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};

/// Zones offered as suggestions (any IANA name is accepted).
const SUGGESTED_ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Oslo",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[derive(Template)]
#[template(path = "account/notification_settings.html")]
struct SettingsPage {
    page: Page,
    time_zone: String,
    version: i32,
    digest_on: bool,
    digest_day: i16,
    digest_hour: i16,
    /// Each kind with its choice (fixed kinds: always).
    kinds: Vec<(Kind, Choice)>,
    zones: &'static [&'static str],
    errors: FieldErrors,
}

/// The kinds listed on the page: all but the test message and the digest.
fn listed() -> impl Iterator<Item = Kind> {
    Kind::ALL
        .iter()
        .copied()
        .filter(|kind| !matches!(kind, Kind::Test | Kind::Digest | Kind::Invitation))
}

/// The days, numbered as stored.
const DAYS: [(i16, &str); 7] = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
    (7, "Sunday"),
];

impl SettingsPage {
    fn days(&self) -> &'static [(i16, &'static str)] {
        &DAYS
    }

    fn new(state: &AppState, user: &CurrentUser, settings: &Settings) -> Self {
        let executive = user.seats.holds(SeatKind::Ceo) || user.seats.holds(SeatKind::Coo);
        SettingsPage {
            page: Page::of(state, user),
            time_zone: settings.time_zone.clone(),
            version: settings.version,
            digest_on: settings.digest_on(executive),
            digest_day: settings.digest_day,
            digest_hour: settings.digest_hour,
            kinds: listed().map(|kind| (kind, settings.choice(kind))).collect(),
            zones: SUGGESTED_ZONES,
            errors: FieldErrors::new(),
        }
    }
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let settings = db::notifications::settings(&state.pool, user.id).await?;
    Ok(render(
        StatusCode::OK,
        &SettingsPage::new(&state, &user, &settings),
    ))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let version: i32 = field("version").parse().map_err(|_| {
        AppError::BadRequest("The form is incomplete: reload the page and try again.".into())
    })?;
    let mut choices = BTreeMap::new();
    for kind in listed().filter(|kind| !kind.is_fixed()) {
        let choice = Choice::parse(field(kind.as_str())).unwrap_or(Choice::Now);
        choices.insert(kind.as_str().to_owned(), choice.as_str().to_owned());
    }
    let digest = if field("digest") == "off" {
        Choice::Off
    } else {
        Choice::Now
    };
    choices.insert(Kind::Digest.as_str().to_owned(), digest.as_str().to_owned());
    let digest_day: i16 = field("digest_day").parse().unwrap_or(1);
    let digest_hour: i16 = field("digest_hour").parse().unwrap_or(8);
    if !(1..=7).contains(&digest_day) || !(0..=23).contains(&digest_hour) {
        return Err(AppError::BadRequest(
            "The digest's day is 1–7 and its hour 0–23.".into(),
        ));
    }
    let typed_zone = field("time_zone").trim().to_owned();
    let wanted = Settings {
        time_zone: typed_zone.clone(),
        choices: sqlx::types::Json(choices),
        digest_day,
        digest_hour,
        version,
    };
    let Some(zone) = zone::parse(&typed_zone) else {
        let mut page = SettingsPage::new(&state, &user, &wanted);
        page.errors.add(
            "time_zone",
            "Type a time zone by its IANA name, such as Europe/Paris or America/New_York.",
        );
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let wanted = Settings {
        time_zone: zone.name().to_owned(),
        ..wanted
    };
    let mut tx = state.pool.begin().await?;
    let actor = user.actor(&client, state.now());
    if !db::notifications::save_settings(&mut tx, &actor, user.id, version, &wanted).await? {
        let now = db::notifications::settings(&mut *tx, user.id).await?;
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: "your notification settings".to_owned(),
            reload_url: paths::NOTIFICATION_SETTINGS.to_owned(),
            fields: vec![ConflictField {
                label: "Time zone".to_owned(),
                yours: wanted.time_zone,
                theirs: now.time_zone,
            }],
        }
        .into());
    }
    done(
        tx,
        &user,
        paths::NOTIFICATION_SETTINGS,
        "Your notification settings are saved.",
    )
    .await
}
