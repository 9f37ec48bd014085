//! The shared page context and the pages every module may return: errors
//! and edit conflicts.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::auth::extract::CurrentUser;
use crate::auth::session::Flash;
use crate::db;
use crate::domain::permission::Action;
use crate::error::{AppError, ErrorReport, Result};
use crate::state::AppState;
use crate::web::assets;

/// What the layout needs on every page: who is signed in, the CSRF token
/// for forms, and any one-time message.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The signed-in user, if any.
    pub user: Option<NavUser>,
    /// The token every form carries.
    pub csrf_token: String,
    /// A one-time message.
    pub flash: Option<Flash>,
    /// The stylesheet URL (with its cache-busting version).
    pub css_url: &'static str,
    /// The moment the page is rendered (the app's clock).
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The signed-in user as the navigation shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    /// Seats, as a short label ("CEO · Administrator").
    pub seats: String,
    /// Whether to show the administration link.
    pub is_admin: bool,
    /// How many notifications are unread.
    pub unread: i64,
}

impl NavUser {
    /// The unread count as the badge shows it: the session counts up to
    /// [`UNREAD_KEPT`](crate::db::sessions::UNREAD_KEPT), so a count that
    /// reaches it says "99+".
    pub fn unread_label(&self) -> String {
        let most = crate::db::sessions::UNREAD_KEPT - 1;
        if self.unread > most {
            format!("{most}+")
        } else {
            self.unread.to_string()
        }
    }
}

/// The page context as an extractor: a handler that renders a page for a
/// signed-in user takes it beside the user.
impl axum::extract::FromRequestParts<AppState> for Page {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        Ok(Page::of(state, &user))
    }
}

impl Page {
    /// The context for a signed-in user's page, with the one-time message
    /// the session held (the session middleware has already cleared it).
    pub fn of(state: &AppState, user: &CurrentUser) -> Self {
        let seats = user
            .seats
            .kinds()
            .iter()
            .map(|kind| kind.label())
            .collect::<Vec<_>>()
            .join(" · ");
        Page {
            user: Some(NavUser {
                name: user.display_name.clone(),
                seats,
                is_admin: user.can(Action::Administer),
                unread: user.unread,
            }),
            csrf_token: user.csrf_token.clone(),
            flash: user.flash.clone(),
            css_url: assets::css_url(),
            now: state.now(),
        }
    }

    /// The context for a page seen before login.
    pub fn anonymous(csrf_token: String) -> Self {
        Page {
            user: None,
            csrf_token,
            flash: None,
            css_url: assets::css_url(),
            now: chrono::Utc::now(),
        }
    }
}

/// An error page: status, a title and a plain explanation.
#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    page: Page,
    status: u16,
    title: &'static str,
    message: String,
}

impl ErrorPage {
    /// The page for an error report.
    pub fn new(report: &ErrorReport) -> Self {
        ErrorPage {
            page: Page::anonymous(String::new()),
            status: report.status.as_u16(),
            title: report.title,
            message: report.detail.clone(),
        }
    }
}

/// One field of a record, as it was submitted and as it now stands.
#[derive(Debug, Clone)]
pub struct ConflictField {
    /// The field's label.
    pub label: String,
    /// What the stale form submitted.
    pub yours: String,
    /// What is saved now.
    pub theirs: String,
}

impl ConflictField {
    /// Whether the two differ.
    pub fn differs(&self) -> bool {
        self.yours != self.theirs
    }
}

/// The page for a stale form: nothing was saved; here is what you sent and
/// what is there now.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "conflict.html")]
pub struct ConflictPage {
    pub page: Page,
    /// What was being edited ("the user Ada Lovelace").
    pub what: String,
    /// Where to reload the current version.
    pub reload_url: String,
    /// The fields side by side.
    pub fields: Vec<ConflictField>,
}

impl From<ConflictPage> for AppError {
    fn from(page: ConflictPage) -> Self {
        AppError::Page(Box::new(render(StatusCode::CONFLICT, &page)))
    }
}

/// Renders a template with a status. Rendering failures become a plain 500.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering a template");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
        }
    }
}

/// A refusal: the request was understood but cannot be done now, with the
/// reasons listed (a phase gate, a brief not ready, a stale signature).
#[derive(Debug, Template)]
#[template(path = "refusal.html")]
pub struct Refusal {
    pub page: Page,
    pub status: u16,
    /// What was refused.
    pub title: String,
    /// Why, in a sentence.
    pub message: String,
    pub reasons: Vec<String>,
    /// Where to go next.
    pub back_url: String,
    /// The link's text.
    pub back_label: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::CONFLICT);
        render(status, &self)
    }
}

impl Refusal {
    /// A 409 refusal page for a signed-in user.
    pub async fn conflict(
        state: &AppState,
        user: &CurrentUser,
        title: impl Into<String>,
        message: impl Into<String>,
        reasons: Vec<String>,
        back: (String, String),
    ) -> Result<Response> {
        Ok(Refusal {
            page: Page::of(state, user),
            status: StatusCode::CONFLICT.as_u16(),
            title: title.into(),
            message: message.into(),
            reasons,
            back_url: back.0,
            back_label: back.1,
        }
        .into_response())
    }
}

/// The answer to a save that changes nothing: no write, no new version, no
/// audit entry; the page says so.
pub async fn nothing_changed(
    state: &AppState,
    user: &CurrentUser,
    back_to: &str,
) -> Result<Response> {
    db::sessions::set_flash(
        &state.pool,
        user.session_id,
        "success",
        "Nothing changed: what you saved is what was already there.",
    )
    .await?;
    Ok(axum::response::Redirect::to(back_to).into_response())
}

/// Ends a write: the message for the next page, the boards of the
/// dashboards it changed (`board_shown`), the commit, and a redirect to
/// `to` (Post/Redirect/Get). The flash is written in the write's own
/// transaction, so it appears only if the write lands.
pub async fn done(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    user: &CurrentUser,
    to: impl AsRef<str>,
    message: impl AsRef<str>,
) -> Result<Response> {
    db::sessions::set_flash(&mut *tx, user.session_id, "success", message.as_ref()).await?;
    crate::board_shown::write_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(axum::response::Redirect::to(to.as_ref()).into_response())
}
