//! GET /programmes/{id}/brief — the draft, section by section, with where
//! sign-off stands and what submission still needs: the body kept for
//! every viewer (`brief_page`, `programme_pages`), filled for this one.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use crate::auth::extract::Viewer;
use crate::brief_page;
use crate::db;
use crate::db::pages::BriefRead;
use crate::db::programmes::Programme;
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::kept;
use crate::programme_pages;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::pages::Page;

#[derive(Template, WebTemplate)]
#[template(path = "brief/view.html")]
pub(super) struct BriefPage {
    page: Page,
    programme: Programme,
    /// The body as this viewer sees it.
    body: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<BriefPage> {
    let who = viewer.who(&state);
    let seen = db::pages::brief(state.readers(), &who, id, programme_pages::markup()).await?;
    let (user, (programme, read)) = viewer.admit(&state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = programme.ok_or(AppError::NotFound)?;
    let parts = match read {
        BriefRead::Shown(parts) => parts,
        BriefRead::Source(source) => brief_page::render(programme.id, &source),
    };
    Ok(BriefPage {
        body: kept::fill(&parts, user.kept()),
        page: Page::of(&state, &user),
        programme,
    })
}
