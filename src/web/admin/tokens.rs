//! GET/POST /admin/programmes/{id}/tokens and POST …/tokens/{token}/revoke —
//! the administrator's API tokens of a programme: created for one scope
//! (read, or write operational values), shown once, revocable, with their
//! last use.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::auth::token;
use crate::db;
use crate::db::programmes::Programme;
use crate::db::tokens::TokenRow;
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::forms::FieldErrors;
use crate::web::once::Once;
use crate::web::pages::{Page, done, render};

#[derive(Template, WebTemplate)]
#[template(path = "admin/tokens.html")]
pub(super) struct TokensPage {
    page: Page,
    programme: Programme,
    tokens: Vec<TokenRow>,
    /// The secret just created: shown once, in this response.
    created: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
}

/// The form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct TokenForm {
    name: String,
    scope: String,
    once: String,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    created: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
) -> Result<TokensPage> {
    user.require(Action::Administer)?;
    let programme = db::programmes::find_in_org(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(TokensPage {
        tokens: db::tokens::list(&state.pool, id).await?,
        page: Page::of(state, user),
        programme,
        created,
        form,
        errors,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<TokensPage> {
    page(
        &state,
        &user,
        id,
        None,
        TokenForm::default(),
        FieldErrors::new(),
    )
    .await
}

pub(super) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    db::programmes::find_in_org(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        errors.add(
            "name",
            "Name the token after what will use it (120 characters at most).",
        );
    }
    if !matches!(form.scope.as_str(), "read" | "write" | "overrides") {
        errors.add("scope", "Choose what the token may do.");
    }
    if !errors.is_empty() {
        let page = page(&state, &user, id, None, form, errors).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let secret = format!("tdm_{}", token::random_hex(24));
    let once = Once::parse(&form.once);
    let mut tx = state.pool.begin().await?;
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    once.recorded(&mut tx, user.id, &crate::paths::admin_tokens(id))
        .await?;
    db::tokens::create(
        &mut tx,
        &user.actor(&client, state.now()),
        id,
        name,
        &form.scope,
        &token::digest(&secret),
    )
    .await?;
    tx.commit().await?;
    let page = page(
        &state,
        &user,
        id,
        Some(secret),
        TokenForm::default(),
        FieldErrors::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path((id, token_id)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    user.require(Action::Administer)?;
    db::programmes::find_in_org(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.pool.begin().await?;
    let revoked =
        db::tokens::revoke(&mut tx, &user.actor(&client, state.now()), id, token_id).await?;
    let message = if revoked {
        "The token is revoked: it no longer opens anything."
    } else {
        "That token was already revoked."
    };
    done(tx, &user, &paths::admin_tokens(id), message).await
}
