//! Reporting periods: an ISO week or a calendar month, in the years tandem
//! accepts ([`dates::YEARS`]), and the cadence a metric is reported at. The
//! dashboard, the cadence, the pipeline's gates and alignment health all
//! count in periods.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::dates;

/// How often a value is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// One value per ISO week.
    Weekly,
    /// One value per calendar month.
    Monthly,
}

impl Cadence {
    /// The choices offered in the brief.
    pub const CHOICES: &[(&str, &str)] = &[("weekly", "Weekly"), ("monthly", "Monthly")];

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Cadence> {
        match value {
            "weekly" => Some(Cadence::Weekly),
            "monthly" => Some(Cadence::Monthly),
            _ => None,
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
        }
    }

    /// How long after a period ends its value may still arrive before the
    /// metric counts as stale.
    pub fn grace(self) -> Duration {
        match self {
            Cadence::Weekly => Duration::days(3),
            Cadence::Monthly => Duration::days(7),
        }
    }
}

/// A reporting period: an ISO week or a calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// ISO week `week` of ISO year `year`.
    Week {
        year: i32,
        /// ISO week number.
        week: u32,
    },
    Month {
        year: i32,
        /// Month, 1–12.
        month: u32,
    },
}

impl Period {
    /// The period of this cadence that contains `date`.
    pub fn containing(date: NaiveDate, cadence: Cadence) -> Period {
        match cadence {
            Cadence::Weekly => {
                let iso = date.iso_week();
                Period::Week {
                    year: iso.year(),
                    week: iso.week(),
                }
            }
            Cadence::Monthly => Period::Month {
                year: date.year(),
                month: date.month(),
            },
        }
    }

    /// Parses "2026-W07" or "2026-03", in the years tandem accepts
    /// ([`dates::YEARS`]). A one-digit week or month is normalised
    /// ("2026-W7" is "2026-W07"); the year must have four digits.
    pub fn parse(text: &str) -> Option<Period> {
        let (year, rest) = text.trim().split_once('-')?;
        let year = dates::digits(year, 4..=4)? as i32;
        if !dates::YEARS.contains(&year) {
            return None;
        }
        if let Some(week) = rest.strip_prefix('W').or_else(|| rest.strip_prefix('w')) {
            let week = dates::digits(week, 1..=2)?;
            NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
            return Some(Period::Week { year, week });
        }
        let month = dates::digits(rest, 1..=2)?;
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Period::Month { year, month })
    }

    /// Parses a period and checks it has this cadence.
    pub fn parse_for(text: &str, cadence: Cadence) -> Result<Period, String> {
        let example = match cadence {
            Cadence::Weekly => "an ISO week such as 2026-W07",
            Cadence::Monthly => "a month such as 2026-03",
        };
        match Period::parse(text) {
            Some(period) if period.cadence() == cadence => Ok(period),
            _ => Err(format!(
                "This metric is {}: give {example}.",
                cadence.label()
            )),
        }
    }

    /// The cadence this period belongs to.
    pub fn cadence(self) -> Cadence {
        match self {
            Period::Week { .. } => Cadence::Weekly,
            Period::Month { .. } => Cadence::Monthly,
        }
    }

    /// The first day of the period.
    pub fn start(self) -> NaiveDate {
        match self {
            Period::Week { year, week } => {
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).unwrap_or_default()
            }
            Period::Month { year, month } => {
                NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default()
            }
        }
    }

    /// The last day of the period.
    pub fn end(self) -> NaiveDate {
        self.next().start() - Duration::days(1)
    }

    /// The period after this one.
    pub fn next(self) -> Period {
        match self {
            Period::Week { .. } => {
                Period::containing(self.start() + Duration::days(7), Cadence::Weekly)
            }
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
        }
    }

    /// The period before this one.
    pub fn previous(self) -> Period {
        Period::containing(self.start() - Duration::days(1), self.cadence())
    }

    /// A short label: "week 7, 2026" or "March 2026".
    pub fn label(self) -> String {
        match self {
            Period::Week { year, week } => format!("week {week}, {year}"),
            Period::Month { year, month } => format!("{} {year}", dates::month_name(month)),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Week { year, week } => write!(f, "{year}-W{week:02}"),
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_named_for_people_as_chrono_names_it() {
        for month in 1..=12 {
            let period = Period::parse(&format!("2026-{month:02}")).unwrap();
            assert_eq!(period.label(), period.start().format("%B %Y").to_string());
        }
        assert_eq!(Period::parse("2027-01").unwrap().label(), "January 2027");
        assert_eq!(Period::parse("2026-W07").unwrap().label(), "week 7, 2026");
    }

    #[test]
    fn periods_are_normalised_and_bounded() {
        assert_eq!(Period::parse("2026-W5").unwrap().to_string(), "2026-W05");
        assert_eq!(Period::parse("2026-w05").unwrap().to_string(), "2026-W05");
        assert_eq!(Period::parse("2026-3").unwrap().to_string(), "2026-03");
        for text in [
            "0999-W01",
            "9999-W01",
            "0000-W00",
            "1999-12",
            "2100-01",
            "2026-W00",
            "2026-W053",
            "+202-W01",
        ] {
            assert!(Period::parse(text).is_none(), "{text} was taken");
        }
        assert!(Period::parse("2025-W53").is_none(), "2025 has 52 ISO weeks");
        assert!(Period::parse("2020-W53").is_some());
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_a_period_in_range_or_nothing(text in "\\PC{0,12}") {
            if let Some(period) = Period::parse(&text) {
                proptest::prop_assert!(dates::YEARS.contains(&period.start().year())
                    || dates::YEARS.contains(&period.end().year()));
                proptest::prop_assert_eq!(Period::parse(&period.to_string()), Some(period));
            }
        }

        #[test]
        fn shaped_periods_round_trip(year in 0i32..=10_000, n in 0u32..=60, weekly in proptest::bool::ANY) {
            let text = if weekly { format!("{year:04}-W{n:02}") } else { format!("{year:04}-{n:02}") };
            if let Some(period) = Period::parse(&text) {
                proptest::prop_assert!(dates::YEARS.contains(&year));
                proptest::prop_assert_eq!(period.to_string(), text);
                proptest::prop_assert!(period.previous() < period && period < period.next());
            }
        }
    }
}
