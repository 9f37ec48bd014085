//! The signed-in user's own account.

mod notifications;
mod passkeys;
mod password;
mod settings;

use super::Routes;
use crate::paths;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(paths::PASSWORD, password::show)
        .post(paths::PASSWORD, password::submit)
        .get(paths::NOTIFICATIONS, notifications::show)
        .post(paths::NOTIFICATIONS_READ, notifications::read)
        .get(paths::NOTIFICATION_SETTINGS, settings::show)
        .post(paths::NOTIFICATION_SETTINGS, settings::submit)
        .get(paths::PASSKEYS, passkeys::show)
        .post(paths::route::PASSKEY_RENAME, passkeys::rename)
        .post(paths::route::PASSKEY_REMOVE, passkeys::remove)
        .post(paths::PASSKEY_REGISTER_BEGIN, passkeys::register_begin)
        .post(paths::PASSKEY_REGISTER_FINISH, passkeys::register_finish)
        .post(paths::PASSKEY_CONFIRM_BEGIN, passkeys::confirm_begin)
        .post(paths::PASSKEY_CONFIRM_FINISH, passkeys::confirm_finish)
}
