//! When a session ends: 30 minutes idle, or 12 hours after login.

use chrono::{DateTime, Duration, Utc};

/// A session unused for this long has ended.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session this old has ended, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often, to spare a write per request.
pub const TOUCH_INTERVAL: Duration = Duration::seconds(60);

/// The state of a session at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Usable; `touch` says whether `last_seen_at` should be written.
    Active {
        /// Whether to record this use.
        touch: bool,
    },
    /// Unused for longer than [`IDLE_TIMEOUT`].
    IdleExpired,
    /// Older than [`ABSOLUTE_TIMEOUT`].
    AbsoluteExpired,
}

/// Judges a session created at `created` and last used at `last_seen`.
pub fn session_state(
    created: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SessionState {
    if now - created >= ABSOLUTE_TIMEOUT {
        SessionState::AbsoluteExpired
    } else if now - last_seen >= IDLE_TIMEOUT {
        SessionState::IdleExpired
    } else {
        SessionState::Active {
            touch: now - last_seen >= TOUCH_INTERVAL,
        }
    }
}

/// Failed logins allowed per account within [`THROTTLE_WINDOW`].
pub const MAX_FAILED_LOGINS: i64 = 5;
/// The window in which failed logins are counted.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn idle_and_absolute_limits() {
        assert_eq!(
            session_state(at(0), at(0), at(0)),
            SessionState::Active { touch: false }
        );
        assert_eq!(
            session_state(at(0), at(0), at(2)),
            SessionState::Active { touch: true }
        );
        assert_eq!(
            session_state(at(0), at(0), at(29)),
            SessionState::Active { touch: true }
        );
        assert_eq!(
            session_state(at(0), at(0), at(30)),
            SessionState::IdleExpired
        );
        // Busy all day long: still ends after 12 hours.
        assert_eq!(
            session_state(at(0), at(719), at(720)),
            SessionState::AbsoluteExpired
        );
        assert_eq!(
            session_state(at(0), at(700), at(719)),
            SessionState::Active { touch: true }
        );
    }
}
