//! GET /admin/audit/verify — recompute the organisation's audit chain and
//! name the first entry that does not hold.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::extract::CurrentUser;
use crate::db;
use crate::domain::audit_chain::Verifier;
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit_verify.html")]
pub(super) struct VerifyPage {
    page: Page,
    verifier: Verifier,
}

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<VerifyPage> {
    user.require(Action::Administer)?;
    let verifier = db::audit::verify_chain(&state.pool, Some(user.organisation_id)).await?;
    Ok(VerifyPage {
        page: Page::of(&state, &user),
        verifier,
    })
}
