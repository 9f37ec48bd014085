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

/// The window in which failed sign-ins are counted.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failed sign-ins for one account from one source address that cost no wait.
pub const FREE_FAILURES: i64 = 3;
/// The longest wait imposed between two attempts for one account from one source.
pub const MAX_WAIT_SECONDS: i64 = 300;
/// Failed sign-ins one source address may make, across all accounts, in the window.
pub const MAX_FAILURES_PER_SOURCE: i64 = 20;
/// Wrong passwords re-entered to confirm an action before the session ends.
pub const MAX_STEPUP_FAILURES: i32 = 5;

/// Recent failed sign-ins seen from one source address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// Failures for this account from this source, in the window.
    pub pair: i64,
    /// The latest of them.
    pub pair_last: Option<DateTime<Utc>>,
    /// Failures from this source for any account, in the window.
    pub source: i64,
    /// The oldest of them.
    pub source_oldest: Option<DateTime<Utc>>,
}

/// How many seconds this source must wait before its next sign-in attempt
/// for this account, if it must.
///
/// Throttling is keyed by account *and* source address, so a stranger's
/// failures never lock the owner out from their own address: after
/// [`FREE_FAILURES`] the wait doubles with every failure (2 s, 4 s, 8 s …,
/// at most [`MAX_WAIT_SECONDS`]). One address is also limited across
/// accounts, to [`MAX_FAILURES_PER_SOURCE`] failures in the window.
pub fn login_wait(counts: &FailureCounts, now: DateTime<Utc>) -> Option<u64> {
    let remaining = |until: DateTime<Utc>| {
        let seconds = ((until - now).num_milliseconds() + 999) / 1000;
        (seconds > 0).then_some(seconds as u64)
    };
    let source_wait = (counts.source >= MAX_FAILURES_PER_SOURCE)
        .then(|| {
            counts
                .source_oldest
                .and_then(|oldest| remaining(oldest + THROTTLE_WINDOW))
        })
        .flatten();
    let pair_wait = (counts.pair >= FREE_FAILURES)
        .then(|| {
            let exponent = (counts.pair - FREE_FAILURES + 1).min(16) as u32;
            let delay = 2_i64.pow(exponent).min(MAX_WAIT_SECONDS);
            counts
                .pair_last
                .and_then(|last| remaining(last + Duration::seconds(delay)))
        })
        .flatten();
    source_wait.max(pair_wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    fn counts(pair: i64, source: i64, last: i64) -> FailureCounts {
        FailureCounts {
            pair,
            pair_last: Some(at(0) + Duration::seconds(last)),
            source,
            source_oldest: Some(at(0)),
        }
    }

    #[test]
    fn sign_in_waits_grow_per_account_and_source() {
        let now = at(0) + Duration::seconds(1);
        // The first failures cost nothing.
        assert_eq!(login_wait(&counts(2, 2, 0), now), None);
        // Then the wait doubles: 2 s after the third, 4 s after the fourth…
        assert_eq!(login_wait(&counts(3, 3, 0), now), Some(1));
        assert_eq!(login_wait(&counts(4, 4, 0), now), Some(3));
        assert_eq!(login_wait(&counts(5, 5, 0), now), Some(7));
        // …and is served: once it has passed, a new attempt is allowed.
        assert_eq!(
            login_wait(&counts(4, 4, 0), at(0) + Duration::seconds(4)),
            None
        );
        // Never more than five minutes, however many failures.
        assert_eq!(login_wait(&counts(40, 19, 0), now), Some(299));
        // One source is capped across accounts until its oldest failure ages out.
        assert_eq!(login_wait(&counts(1, 20, 0), now), Some(15 * 60 - 1));
        assert_eq!(login_wait(&counts(1, 20, 0), at(16)), None);
        assert_eq!(login_wait(&FailureCounts::default(), now), None);
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
