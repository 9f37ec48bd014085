//! Administration → Mail: where messages go (an SMTP server or the local
//! mailbox), the outbox with each message's state and the server's last
//! answer, a failed message tried again, a test message, and — without
//! SMTP — each message as it would have gone out.
//!
//! GET /admin/mail, POST /admin/mail/test, GET /admin/mail/{id},
//! POST /admin/mail/{id}/retry.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::audit::{Change, actions};
use crate::db::notifications::Timing;
use crate::db::outbox::{OutboxRow, Retried};
use crate::domain::notify::{Kind, Message};
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::once::Once;
use crate::web::pages::{Page, done};

/// How many messages the outbox shows.
const SHOWN: i64 = 100;

#[derive(Template, WebTemplate)]
#[template(path = "admin/mail.html")]
pub(super) struct MailPage {
    page: Page,
    smtp: bool,
    from: String,
    messages: Vec<OutboxRow>,
    zone: chrono_tz::Tz,
}

impl MailPage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::domain::zone::moment(*at, self.zone)
    }
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<MailPage> {
    user.require(Action::Administer)?;
    Ok(MailPage {
        messages: db::outbox::latest(&state.pool, user.organisation_id, state.now(), SHOWN).await?,
        smtp: state.mailer.is_smtp(),
        from: state.mailer.from.to_string(),
        zone: user.time_zone,
        page: Page::of(&state, &user),
    })
}

/// The test-message form: its one-time key (a resent form sends one).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct TestForm {
    once: String,
}

pub(super) async fn test(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Form(form): Form<TestForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let actor = user.actor(&client, state.now());
    let message = Message {
        kind: Kind::Test,
        subject: "tandem test message".to_owned(),
        body: format!(
            "{} asked tandem to send this message from Administration → Mail. If you read it, \
             mail from tandem reaches you.",
            user.display_name
        ),
        link: paths::ADMIN_MAIL.to_owned(),
        by_when: None,
    };
    let once = Once::parse(&form.once);
    let mut tx = state.pool.begin().await?;
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    once.recorded(&mut tx, user.id, paths::ADMIN_MAIL).await?;
    db::notifications::queue_to_user(
        &mut tx,
        user.organisation_id,
        user.id,
        &message,
        Timing::now(actor.at),
    )
    .await?;
    db::audit::record(
        &mut tx,
        &actor,
        Change {
            action: actions::MAIL_TEST,
            object_type: "user",
            object_id: Some(user.id),
            before: None,
            after: Some(serde_json::json!({"to": user.email})),
        },
    )
    .await?;
    let note = format!(
        "A test message to {} is queued; it shows below as sent within a few seconds.",
        user.email
    );
    done(tx, &user, paths::ADMIN_MAIL, note).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/mail_message.html")]
pub(super) struct MessagePage {
    page: Page,
    raw: String,
}

pub(super) async fn message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<MessagePage> {
    user.require(Action::Administer)?;
    let raw = db::mailbox::raw(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(MessagePage {
        raw,
        page: Page::of(&state, &user),
    })
}

pub(super) async fn retry(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    let mut tx = state.pool.begin().await?;
    let note = match db::outbox::retry(&mut tx, &user.actor(&client, state.now()), id).await? {
        Retried::Missing => return Err(AppError::NotFound),
        Retried::NotFailed(delivery) => {
            format!("That message had not failed (it is {delivery}): nothing to try again.")
        }
        Retried::Queued => "The message is queued again; it is tried within a few seconds.".into(),
    };
    done(tx, &user, paths::ADMIN_MAIL, note).await
}
