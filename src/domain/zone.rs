//! Each person's own time zone (IANA names, `chrono-tz`): the moments a
//! message is about are shown in it, and the weekly digest goes out at the
//! reader's chosen day and hour in it.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The zone named `name`, if it is one (`Europe/Paris`, `UTC`).
pub fn parse(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The zone named by a stored setting, UTC when there is none (or it no
/// longer names a zone after a time-zone database update).
pub fn parse_or_utc(name: Option<&str>) -> Tz {
    name.and_then(parse).unwrap_or(Tz::UTC)
}

/// `at` as a person in `zone` reads it: "Tuesday 8 December 2026, 15:30 CET".
pub fn moment(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%A %-d %B %Y, %H:%M %Z")
        .to_string()
}

/// The first moment strictly after `after` that is `hour`:00 on `weekday`
/// in `zone`. An hour skipped by a clock change counts as the next hour
/// that exists; an hour that happens twice, as its first occurrence.
pub fn next_weekly(after: DateTime<Utc>, zone: Tz, weekday: Weekday, hour: u32) -> DateTime<Utc> {
    let local_day = after.with_timezone(&zone).date_naive();
    let back = i64::from(local_day.weekday().num_days_from_monday());
    let monday = local_day - Duration::days(back);
    let mut day = monday + Duration::days(i64::from(weekday.num_days_from_monday()));
    loop {
        if let Some(at) = local_hour(zone, day, hour)
            && at > after
        {
            return at;
        }
        day += Duration::days(7);
    }
}

/// `hour`:00 of `day` in `zone` (past a clock change's gap), as UTC.
pub fn at_local(day: NaiveDate, hour: u32, zone: Tz) -> DateTime<Utc> {
    local_hour(zone, day, hour).unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// `hour`:00 of `day` in `zone`, moved past a clock change's gap.
fn local_hour(zone: Tz, day: NaiveDate, hour: u32) -> Option<DateTime<Utc>> {
    let start = day.and_hms_opt(hour, 0, 0)?;
    (0..4).find_map(
        |late| match zone.from_local_datetime(&(start + Duration::hours(late))) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.with_timezone(&Utc)),
            LocalResult::None => None,
        },
    )
}

/// The weekday numbered `n` from Monday = 1 to Sunday = 7.
pub fn weekday(n: i16) -> Option<Weekday> {
    match n {
        1 => Some(Weekday::Mon),
        2 => Some(Weekday::Tue),
        3 => Some(Weekday::Wed),
        4 => Some(Weekday::Thu),
        5 => Some(Weekday::Fri),
        6 => Some(Weekday::Sat),
        7 => Some(Weekday::Sun),
        _ => None,
    }
}

/// The message for a moment that cannot be taken.
pub const MOMENT_HELP: &str =
    "Enter a date and time as YYYY-MM-DD HH:MM, for example 2026-11-03 14:30, no later than now.";

/// A moment as a person types it in their own time zone (`YYYY-MM-DD HH:MM`,
/// or with a `T` as a browser's date-and-time field sends it): within the
/// years tandem accepts, and not after `now` (a few minutes' grace for
/// clocks).
pub fn parse_moment(
    input: &str,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, &'static str> {
    let text = input.trim().replacen('T', " ", 1);
    let (day, time) = text.split_once(' ').ok_or(MOMENT_HELP)?;
    let day = crate::domain::dates::Day::parse(day).map_err(|_| MOMENT_HELP)?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| MOMENT_HELP)?;
    let at = zone
        .from_local_datetime(&day.date().and_time(time))
        .earliest()
        .ok_or(MOMENT_HELP)?
        .with_timezone(&Utc);
    if at > now + chrono::Duration::minutes(5) {
        return Err(MOMENT_HELP);
    }
    Ok(at)
}

/// `at` as [`parse_moment`] reads it back, in `zone`.
pub fn moment_input(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_moment_is_read_in_the_readers_zone_and_never_in_the_future() {
        let now = DateTime::<Utc>::from_timestamp(1_796_000_000, 0).unwrap_or_default();
        let paris: Tz = "Europe/Paris".parse().unwrap_or(Tz::UTC);
        let at = parse_moment("2026-11-03 14:30", paris, now);
        assert_eq!(
            at.map(|a| a.to_rfc3339()).as_deref(),
            Ok("2026-11-03T13:30:00+00:00")
        );
        assert_eq!(
            parse_moment("2026-11-03T14:30", paris, now),
            at,
            "as a browser sends it"
        );
        assert_eq!(
            at.map(|a| moment_input(a, paris)).as_deref(),
            Ok("2026-11-03 14:30")
        );
        for wrong in [
            "",
            "2026-11-03",
            "9999-01-01 10:00",
            "2026-11-03 25:00",
            "2099-01-01 10:00",
        ] {
            assert_eq!(parse_moment(wrong, paris, now), Err(MOMENT_HELP), "{wrong}");
        }
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn names_are_iana_zones() {
        assert_eq!(parse("Europe/Paris"), Some(Tz::Europe__Paris));
        assert_eq!(parse(" UTC "), Some(Tz::UTC));
        assert_eq!(parse("Mars/Olympus"), None);
        assert_eq!(parse_or_utc(Some("nowhere")), Tz::UTC);
    }

    #[test]
    fn a_moment_reads_in_the_readers_zone() {
        let at = utc(2026, 12, 8, 14, 30);
        assert_eq!(moment(at, Tz::UTC), "Tuesday 8 December 2026, 14:30 UTC");
        assert_eq!(
            moment(at, Tz::Europe__Paris),
            "Tuesday 8 December 2026, 15:30 CET"
        );
        assert_eq!(
            moment(at, Tz::Asia__Tokyo),
            "Tuesday 8 December 2026, 23:30 JST"
        );
    }

    #[test]
    fn the_digest_goes_out_at_the_readers_hour_in_two_zones() {
        // Saturday 5 December 2026, 12:00 UTC.
        let now = utc(2026, 12, 5, 12, 0);
        // Monday 08:00 in Paris is 07:00 UTC; in New York, 13:00 UTC.
        assert_eq!(
            next_weekly(now, Tz::Europe__Paris, Weekday::Mon, 8),
            utc(2026, 12, 7, 7, 0)
        );
        assert_eq!(
            next_weekly(now, Tz::America__New_York, Weekday::Mon, 8),
            utc(2026, 12, 7, 13, 0)
        );
        // Saturday 13:00 in Paris is still to come today; 12:00 UTC is not.
        assert_eq!(
            next_weekly(now, Tz::Europe__Paris, Weekday::Sat, 14),
            utc(2026, 12, 5, 13, 0)
        );
        assert_eq!(
            next_weekly(now, Tz::UTC, Weekday::Sat, 12),
            utc(2026, 12, 12, 12, 0)
        );
        // Sunday 08:00 in Tokyo (UTC+9) was Saturday 23:00 UTC.
        assert_eq!(
            next_weekly(now, Tz::Asia__Tokyo, Weekday::Sun, 8),
            utc(2026, 12, 5, 23, 0)
        );
    }

    #[test]
    fn an_hour_skipped_by_the_clock_change_moves_to_the_next_one() {
        // Paris skips 02:00–03:00 on Sunday 28 March 2027.
        let before = utc(2027, 3, 27, 12, 0);
        assert_eq!(
            next_weekly(before, Tz::Europe__Paris, Weekday::Sun, 2),
            utc(2027, 3, 28, 1, 0)
        );
        // …and lives 02:00–03:00 twice on Sunday 31 October 2027: the first.
        let before = utc(2027, 10, 30, 12, 0);
        assert_eq!(
            next_weekly(before, Tz::Europe__Paris, Weekday::Sun, 2),
            utc(2027, 10, 31, 0, 0)
        );
    }

    #[test]
    fn weekdays_are_numbered_from_monday() {
        assert_eq!(weekday(1), Some(Weekday::Mon));
        assert_eq!(weekday(7), Some(Weekday::Sun));
        assert_eq!(weekday(0), None);
    }
}
