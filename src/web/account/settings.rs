//! GET and POST /account/notifications/settings: how I hear of what — my
//! time zone (every moment in messages and in the app is shown in it) and,
//! for each kind I may switch off, an e-mail at once or the app only.
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
        .filter(|kind| !matches!(kind, Kind::Test | Kind::Digest))
}

impl SettingsPage {
    fn new(state: &AppState, user: &CurrentUser, settings: &Settings) -> Self {
        SettingsPage {
            page: Page::of(state, user),
            time_zone: settings.time_zone.clone(),
            version: settings.version,
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
        let choice = match field(kind.as_str()) {
            "off" => Choice::Off,
            _ => Choice::Now,
        };
        choices.insert(kind.as_str().to_owned(), choice.as_str().to_owned());
    }
    let typed_zone = field("time_zone").trim().to_owned();
    let wanted = Settings {
        time_zone: typed_zone.clone(),
        choices: sqlx::types::Json(choices),
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
