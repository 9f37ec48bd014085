//! Administration: users, seats, programmes and their signatories, and the
//! audit log. Every route here requires the admin seat.

mod audit;
mod audit_verify;
mod mail;
mod programme_edit;
mod programme_form;
mod programme_new;
mod programmes;
mod seat_assign;
mod seat_end;
mod seats;
mod shared;
mod sso;
mod tokens;
mod user_edit;
mod user_invite;
mod user_new;
mod user_page;
mod user_password;
mod user_sign_in;
mod users;

use super::Routes;
use crate::paths;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(paths::ADMIN_USERS, users::show)
        .get(paths::ADMIN_USER_NEW, user_new::show)
        .post(paths::ADMIN_USER_NEW, user_new::submit)
        .get(paths::route::ADMIN_USER, user_edit::show)
        .post(paths::route::ADMIN_USER, user_edit::submit)
        .post(paths::route::ADMIN_USER_PASSWORD, user_password::submit)
        .post(paths::route::ADMIN_USER_INVITATION, user_invite::submit)
        .post(paths::route::ADMIN_USER_UNLINK, user_sign_in::unlink)
        .post(
            paths::route::ADMIN_USER_PASSKEYS_REMOVE,
            user_sign_in::remove_passkeys,
        )
        .post(paths::route::ADMIN_USER_SEATS, seat_assign::submit)
        .post(paths::route::ADMIN_SEAT_END, seat_end::submit)
        .get(paths::ADMIN_SEATS, seats::show)
        .get(paths::ADMIN_PROGRAMMES, programmes::show)
        .get(paths::ADMIN_PROGRAMME_NEW, programme_new::show)
        .post(paths::ADMIN_PROGRAMME_NEW, programme_new::submit)
        .get(paths::route::ADMIN_PROGRAMME, programme_edit::show)
        .post(paths::route::ADMIN_PROGRAMME, programme_edit::submit)
        .get(paths::route::ADMIN_TOKENS, tokens::show)
        .post(paths::route::ADMIN_TOKENS, tokens::create)
        .post(paths::route::ADMIN_TOKEN_REVOKE, tokens::revoke)
        .get(paths::ADMIN_AUDIT, audit::show)
        .get(paths::ADMIN_AUDIT_VERIFY, audit_verify::show)
        .get(paths::ADMIN_SSO, sso::show)
        .post(paths::ADMIN_SSO, sso::submit)
        .post(paths::ADMIN_SIGN_OFF, sso::sign_off)
        .get(paths::ADMIN_MAIL, mail::show)
        .post(paths::ADMIN_MAIL_TEST, mail::test)
        .get(paths::route::ADMIN_MAIL_MESSAGE, mail::message)
        .post(paths::route::ADMIN_MAIL_RETRY, mail::retry)
}
