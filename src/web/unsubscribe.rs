//! One-click unsubscribe (RFC 8058) from one kind of message, from the link
//! in its e-mail: no session and no CSRF token, since the link's signature
//! names the reader and the kind and only tandem can make it. A GET only
//! asks (mail scanners fetch links); the POST — a person's click, or the
//! mail client's `List-Unsubscribe=One-Click` — switches that kind to "app
//! only". Requests addressed to the reader cannot be switched off.
//!
//! GET and POST /unsubscribe/{user}/{kind}/{tag}

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::audit::Actor;
use crate::domain::notify::Kind;
use crate::error::{AppError, Result};
use crate::mail::unsubscribe;
use crate::state::AppState;
use crate::web::Routes;
use crate::web::extract::Path;
use crate::web::pages::{Page, render};

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(crate::paths::route::UNSUBSCRIBE, show)
        .post(crate::paths::route::UNSUBSCRIBE, submit)
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    page: Page,
    label: &'static str,
    /// Whether it is done (else: the question).
    done: bool,
    action: String,
}

/// The reader and kind a link names, if its signature holds.
async fn verified(state: &AppState, user: Uuid, kind: &str, tag: &str) -> Result<(Uuid, Kind)> {
    let kind = Kind::parse(kind)
        .filter(|kind| !kind.is_fixed())
        .ok_or(AppError::NotFound)?;
    let key = state.unsubscribe_key().await?;
    if !unsubscribe::verify(key, user, kind, tag) {
        return Err(AppError::NotFound);
    }
    let account = db::users::find(&state.pool, user)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((account.organisation_id, kind))
}

async fn show(
    State(state): State<AppState>,
    Path((user, kind, tag)): Path<(Uuid, String, String)>,
) -> Result<Response> {
    let (_, kind) = verified(&state, user, &kind, &tag).await?;
    Ok(render(
        StatusCode::OK,
        &UnsubscribePage {
            page: Page::anonymous(String::new()),
            label: kind.label(),
            done: false,
            action: crate::paths::unsubscribe(user, kind.as_str(), &tag),
        },
    ))
}

async fn submit(
    State(state): State<AppState>,
    client: ClientInfo,
    Path((user, kind, tag)): Path<(Uuid, String, String)>,
) -> Result<Response> {
    let (organisation_id, kind) = verified(&state, user, &kind, &tag).await?;
    let actor = Actor {
        organisation_id: Some(organisation_id),
        user_id: Some(user),
        ip: client.ip,
        at: state.now(),
    };
    let mut tx = state.pool.begin().await?;
    db::notifications::switch_off(&mut tx, &actor, user, kind).await?;
    tx.commit().await?;
    Ok(render(
        StatusCode::OK,
        &UnsubscribePage {
            page: Page::anonymous(String::new()),
            label: kind.label(),
            done: true,
            action: String::new(),
        },
    ))
}
