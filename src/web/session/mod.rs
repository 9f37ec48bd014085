//! Signing in and out, and joining by invitation.

mod invitation;
mod login;
mod logout;

use super::Routes;
use crate::paths;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(paths::LOGIN, login::show)
        .post(paths::LOGIN, login::submit)
        .post(paths::LOGOUT, logout::submit)
        .get(paths::route::INVITATION, invitation::show)
        .post(paths::route::INVITATION, invitation::submit)
}
