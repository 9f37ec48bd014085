//! The signed-in user's own account.

mod notifications;
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
}
