//! GET /account/notifications — what tandem has told me, newest first, with
//! a link to each page it is about; POST /account/notifications/read marks
//! them all read. The same messages go out by e-mail; nothing depends on
//! e-mail alone.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;

use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::notifications::NotificationRow;
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::pages::{Page, done};

/// How many notifications the list shows.
const SHOWN: i64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "account/notifications.html")]
pub(super) struct NotificationsPage {
    page: Page,
    notifications: Vec<NotificationRow>,
    unread: i64,
    /// The reader's time zone: every moment is shown in it.
    zone: chrono_tz::Tz,
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<NotificationsPage> {
    Ok(NotificationsPage {
        notifications: db::notifications::latest(&state.pool, user.id, state.now(), SHOWN).await?,
        unread: user.unread,
        zone: user.time_zone,
        page: Page::of(&state, &user),
    })
}

pub(super) async fn read(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
) -> Result<Response> {
    let mut tx = state.pool.begin().await?;
    let marked =
        db::notifications::mark_all_read(&mut tx, &user.actor(&client, state.now())).await?;
    let message = match marked {
        0 => "Nothing was unread.".to_owned(),
        1 => "One notification marked read.".to_owned(),
        n => format!("{n} notifications marked read."),
    };
    done(tx, &user, paths::NOTIFICATIONS, message).await
}
