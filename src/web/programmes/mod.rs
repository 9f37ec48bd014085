//! Programme pages.

mod overview;

use super::Routes;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new().get("/programmes/{id}", overview::show)
}
