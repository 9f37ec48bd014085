//! Signing in and out (with a password or through the organisation's
//! identity provider), and joining by invitation.

mod invitation;
mod login;
mod logout;
pub(crate) mod sso;

use super::Routes;
use crate::paths;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(paths::LOGIN, login::show)
        .post(paths::LOGIN, login::submit)
        .post(paths::LOGOUT, logout::submit)
        .get(paths::SSO_CALLBACK, sso::callback)
        .get(paths::route::INVITATION, invitation::show)
        .post(paths::route::INVITATION, invitation::submit)
}
