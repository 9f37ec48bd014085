//! GET /admin/audit — the organisation's audit log, newest first.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::audit::Entry;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::pages::Page;

const PAGE_SIZE: i64 = 100;

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub(super) struct AuditPage {
    page: Page,
    entries: Vec<Entry>,
    older: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AuditQuery {
    before: Option<i64>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<AuditPage> {
    user.require(Action::Administer)?;
    let entries =
        db::audit::recent(&state.pool, user.organisation_id, query.before, PAGE_SIZE).await?;
    let older = (entries.len() as i64 == PAGE_SIZE)
        .then(|| entries.last().map(|entry| entry.id))
        .flatten();
    Ok(AuditPage {
        page: Page::of(&state, &user),
        entries,
        older,
    })
}
