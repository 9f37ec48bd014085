//! Dates as a programme can have them: parsed once, bounded, normalised.
//!
//! Every date a person or a client types (a meeting, a session, a due date,
//! a planned start, a brief's go-live or target date) is a [`Day`] between
//! [`EARLIEST`] and [`LATEST`]. A programme governed in tandem lives in this
//! century; a year 0 or 9999 is a typing slip, and refusing it at the door
//! keeps every page that later reads the date up. The database holds the
//! same range in a check constraint on every date column.
//!
//! Input is normalised, not refused, when its meaning is plain: `2026-2-3`
//! is stored and shown as `2026-02-03` (the year must have four digits).

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The first day tandem accepts.
pub const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
/// The last day tandem accepts.
pub const LATEST: NaiveDate = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();

/// The years tandem accepts, for periods (weeks and months).
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// A month's English name ("March"), from chrono's `Month` rather than a
/// format string (which chrono parses again at every call: the dashboard
/// names hundreds of months per view). Empty outside 1–12.
pub fn month_name(month: u32) -> &'static str {
    u8::try_from(month)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
        .map_or("", |m| m.name())
}

/// A date as people read it, "7 December 2026": what chrono writes for
/// `"%-d %B %Y"`, without parsing that format again at every call.
pub fn long(date: impl Dated) -> Long {
    let (year, month, day) = date.ymd();
    Long { day, month, year }
}

/// A date in a list, "7 Dec 2026": what chrono writes for `"%-d %b %Y"`.
pub fn short(date: impl Dated) -> Short {
    let (year, month, day) = date.ymd();
    Short { day, month, year }
}

/// A date with its weekday, "Tuesday 8 December 2026": what chrono writes
/// for `"%A %-d %B %Y"`.
pub fn full(date: impl Dated) -> Full {
    let (year, month, day) = date.ymd();
    Full {
        weekday: NaiveDate::from_ymd_opt(year, month, day).map(|d| d.weekday()),
        long: Long { day, month, year },
    }
}

/// The time of day of a moment, "09:05": what chrono writes for `"%H:%M"`.
pub fn clock(at: impl Timed) -> Clock {
    let (hour, minute) = at.hm();
    Clock { hour, minute }
}

/// What has a time of day: a moment (in its own zone), or a reference to one.
pub trait Timed {
    /// Hour and minute.
    fn hm(&self) -> (u32, u32);
}

impl<Tz: chrono::TimeZone> Timed for chrono::DateTime<Tz> {
    fn hm(&self) -> (u32, u32) {
        use chrono::Timelike;
        (self.hour(), self.minute())
    }
}

impl<T: Timed + ?Sized> Timed for &T {
    fn hm(&self) -> (u32, u32) {
        (**self).hm()
    }
}

/// What has a calendar date: a day, a moment (its date in its own zone),
/// or a reference to either (templates hold both).
pub trait Dated {
    /// Year, month and day.
    fn ymd(&self) -> (i32, u32, u32);
}

impl Dated for NaiveDate {
    fn ymd(&self) -> (i32, u32, u32) {
        (self.year(), self.month(), self.day())
    }
}

impl<Tz: chrono::TimeZone> Dated for chrono::DateTime<Tz> {
    fn ymd(&self) -> (i32, u32, u32) {
        (self.year(), self.month(), self.day())
    }
}

impl<T: Dated + ?Sized> Dated for &T {
    fn ymd(&self) -> (i32, u32, u32) {
        (**self).ymd()
    }
}

/// A date written as [`long`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Long {
    day: u32,
    month: u32,
    year: i32,
}

impl fmt::Display for Long {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.day, month_name(self.month), self.year)
    }
}

/// A date written as [`short`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short {
    day: u32,
    month: u32,
    year: i32,
}

impl fmt::Display for Short {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = month_name(self.month);
        write!(
            f,
            "{} {} {}",
            self.day,
            name.get(..3).unwrap_or(name),
            self.year
        )
    }
}

/// A date written as [`full`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full {
    weekday: Option<chrono::Weekday>,
    long: Long,
}

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Weekday::*;
        let name = match self.weekday {
            Some(Mon) => "Monday",
            Some(Tue) => "Tuesday",
            Some(Wed) => "Wednesday",
            Some(Thu) => "Thursday",
            Some(Fri) => "Friday",
            Some(Sat) => "Saturday",
            Some(Sun) => "Sunday",
            None => return self.long.fmt(f),
        };
        write!(f, "{name} {}", self.long)
    }
}

/// A time of day written as [`clock`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    hour: u32,
    minute: u32,
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// The message for any date that cannot be taken.
pub const DATE_HELP: &str =
    "Enter a date between 2000-01-01 and 2099-12-31 as YYYY-MM-DD, for example 2027-03-01.";

/// A calendar day within [`EARLIEST`]..=[`LATEST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(NaiveDate);

impl Day {
    /// Parses `YYYY-MM-DD` (month and day may have one digit), trimmed.
    pub fn parse(input: &str) -> Result<Day, &'static str> {
        let mut parts = input.trim().split('-');
        let (Some(year), Some(month), Some(day), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DATE_HELP);
        };
        let year = digits(year, 4..=4).ok_or(DATE_HELP)?;
        let month = digits(month, 1..=2).ok_or(DATE_HELP)?;
        let day = digits(day, 1..=2).ok_or(DATE_HELP)?;
        let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(DATE_HELP)?;
        Day::new(date).ok_or(DATE_HELP)
    }

    /// A day, if it is within range.
    pub fn new(date: NaiveDate) -> Option<Day> {
        (EARLIEST..=LATEST).contains(&date).then_some(Day(date))
    }

    /// The date.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }
}

/// Parses an optional date: empty input is `None`.
pub fn optional_day(input: &str) -> Result<Option<Day>, &'static str> {
    match input.trim() {
        "" => Ok(None),
        text => Day::parse(text).map(Some),
    }
}

/// Reads ASCII digits whose count is in `len`.
pub(crate) fn digits(text: &str, len: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if !len.contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Summed here rather than by a second pass through `str::parse`
    // (periods are read by the hundred per view).
    text.bytes().try_fold(0u32, |n, b| {
        n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_long_date_reads_as_chrono_writes_it() {
        let mut date = EARLIEST;
        while date <= LATEST {
            assert_eq!(long(date).to_string(), date.format("%-d %B %Y").to_string());
            date += chrono::Duration::days(13);
        }
        let at = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_000);
        assert_eq!(long(at).to_string(), at.format("%-d %B %Y").to_string());
    }

    #[test]
    fn a_full_date_reads_as_chrono_writes_it() {
        let mut at = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(10_957);
        while at.date_naive() <= LATEST {
            assert_eq!(full(at).to_string(), at.format("%A %-d %B %Y").to_string());
            let date = at.date_naive();
            assert_eq!(
                full(date).to_string(),
                date.format("%A %-d %B %Y").to_string()
            );
            at += chrono::Duration::minutes(5 * 24 * 60 + 37);
        }
    }

    #[test]
    fn a_short_date_and_a_clock_read_as_chrono_writes_them() {
        let mut at = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(10_957);
        while at.date_naive() <= LATEST {
            assert_eq!(short(at).to_string(), at.format("%-d %b %Y").to_string());
            assert_eq!(clock(at).to_string(), at.format("%H:%M").to_string());
            at += chrono::Duration::minutes(13 * 24 * 60 + 37);
        }
    }

    #[test]
    fn takes_and_normalises_plain_dates() {
        assert_eq!(Day::parse("2026-02-03").unwrap().to_string(), "2026-02-03");
        assert_eq!(Day::parse(" 2026-2-3 ").unwrap().to_string(), "2026-02-03");
        assert_eq!(Day::parse("2000-01-01").unwrap().date(), EARLIEST);
        assert_eq!(Day::parse("2099-12-31").unwrap().date(), LATEST);
    }

    #[test]
    fn refuses_dates_outside_a_programme_life() {
        for text in [
            "0000-01-01",
            "1999-12-31",
            "2100-01-01",
            "9999-12-31",
            "-2026-01-01",
            "+2026-01-01",
            "26-01-01",
            "02026-01-01",
            "2026-02-30",
            "2026-13-01",
            "2026-001-01",
            "2026-01-01-01",
            "2026/01/01",
            "",
            "٢٠٢٦-01-01",
        ] {
            assert!(Day::parse(text).is_err(), "{text} was taken");
        }
    }

    #[test]
    fn optional_dates_may_be_empty() {
        assert_eq!(optional_day("  "), Ok(None));
        assert!(optional_day("2026-13-01").is_err());
    }

    proptest! {
        #[test]
        fn any_text_parses_within_range_or_not_at_all(text in "\\PC{0,16}") {
            if let Ok(day) = Day::parse(&text) {
                prop_assert!((EARLIEST..=LATEST).contains(&day.date()));
            }
        }

        #[test]
        fn shaped_text_parses_within_range_or_not_at_all(
            year in 0i32..=10_000, month in 0u32..=14, day in 0u32..=33
        ) {
            let text = format!("{year:04}-{month}-{day:02}");
            match Day::parse(&text) {
                Ok(parsed) => {
                    prop_assert!((2000..=2099).contains(&year));
                    prop_assert_eq!(parsed.date(), NaiveDate::from_ymd_opt(year, month, day).unwrap());
                }
                Err(_) => prop_assert!(
                    !(2000..=2099).contains(&year) || NaiveDate::from_ymd_opt(year, month, day).is_none()
                ),
            }
        }

        #[test]
        fn every_day_in_range_round_trips(offset in 0i64..=36_524) {
            let date = EARLIEST + chrono::Duration::days(offset);
            let day = Day::new(date).unwrap();
            prop_assert_eq!(Day::parse(&day.to_string()), Ok(day));
        }
    }
}
