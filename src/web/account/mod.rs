//! The signed-in user's own account.

mod notifications;
mod password;

use super::Routes;
use crate::paths;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(paths::PASSWORD, password::show)
        .post(paths::PASSWORD, password::submit)
        .get(paths::NOTIFICATIONS, notifications::show)
        .post(paths::NOTIFICATIONS_READ, notifications::read)
}
