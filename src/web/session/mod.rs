//! Signing in and out (with a password or through the organisation's
//! identity provider), and joining by invitation.

mod invitation;
mod login;
mod logout;
mod passkey;
pub(crate) mod sso;

use super::Routes;
use crate::paths;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(paths::LOGIN, login::show)
        .post(paths::LOGIN, login::submit)
        .post(paths::LOGOUT, logout::submit)
        .post(paths::PASSKEY_SIGN_IN_BEGIN, passkey::begin)
        .post(paths::PASSKEY_SIGN_IN_FINISH, passkey::finish)
        .get(paths::SSO_CALLBACK, sso::callback)
        .post(paths::SSO_CONFIRM, sso::confirm)
        .get(paths::route::INVITATION, invitation::show)
        .post(paths::route::INVITATION, invitation::submit)
        .post(paths::route::INVITATION_SSO, invitation::single_sign_on)
        .post(
            paths::route::INVITATION_PASSKEY_BEGIN,
            invitation::passkey_begin,
        )
        .post(
            paths::route::INVITATION_PASSKEY_FINISH,
            invitation::passkey_finish,
        )
}
