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
