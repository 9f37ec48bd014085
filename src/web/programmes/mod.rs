//! Programme pages.

mod overview;
pub(crate) mod phase;

use super::Routes;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(crate::paths::route::PROGRAMME, overview::show)
        .post(crate::paths::route::PHASE, phase::submit)
}

/// A programme the user may read, or 404: another organisation's programme
/// answers exactly like one that does not exist.
pub(crate) async fn readable(
    state: &crate::state::AppState,
    user: &crate::auth::extract::CurrentUser,
    id: uuid::Uuid,
) -> crate::error::Result<crate::db::programmes::Programme> {
    user.require(crate::domain::permission::Action::ReadProgramme)?;
    crate::db::programmes::find_in_org(&state.pool, user.organisation_id, id)
        .await?
        .ok_or(crate::error::AppError::NotFound)
}
