//! Programme pages.

mod overview;
pub(crate) mod phase;

use super::Routes;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get("/programmes/{id}", overview::show)
        .post("/programmes/{id}/phase", phase::submit)
}
