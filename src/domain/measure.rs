//! What a metric measures: whose it is (business or operational), its unit
//! (how a value is read, checked and shown) and which way is better.

/// Business metrics are the CEO's; operational metrics the COO's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Revenue, margin, competitive position: recorded by the CEO.
    Business,
    /// Throughput, quality, cost: recorded by the COO.
    Operational,
}

impl MetricKind {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            MetricKind::Business => "Business",
            MetricKind::Operational => "Operational",
        }
    }

    /// Who owns and records it.
    pub fn owner_label(self) -> &'static str {
        match self {
            MetricKind::Business => "CEO",
            MetricKind::Operational => "COO",
        }
    }

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Business => "business",
            MetricKind::Operational => "operational",
        }
    }

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<MetricKind> {
        match value {
            "business" => Some(MetricKind::Business),
            "operational" => Some(MetricKind::Operational),
            _ => None,
        }
    }
}

/// The unit a metric is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Percent,
    /// An amount of money.
    Currency,
    /// A duration in hours.
    Hours,
    Count,
    /// A score (an index, a rating).
    Score,
}

impl Unit {
    /// The choices offered in the brief: (stored value, label).
    pub const CHOICES: &[(&str, &str)] = &[
        ("percent", "Percent"),
        ("currency", "Currency"),
        ("hours", "Hours"),
        ("count", "Count"),
        ("score", "Score"),
    ];

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Unit> {
        Some(match value {
            "percent" => Unit::Percent,
            "currency" => Unit::Currency,
            "hours" => Unit::Hours,
            "count" => Unit::Count,
            "score" => Unit::Score,
            _ => return None,
        })
    }

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Currency => "currency",
            Unit::Hours => "hours",
            Unit::Count => "count",
            Unit::Score => "score",
        }
    }

    /// Reads a number typed in this unit ("41.5 %", "€1,250", "−2"), and
    /// checks it is one this unit can hold.
    pub fn parse_value(self, raw: &str) -> Result<f64, String> {
        let cleaned: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '_'))
            .collect();
        let cleaned = cleaned
            .trim_end_matches('%')
            .trim_start_matches('€')
            .replace('−', "-");
        if cleaned.is_empty() {
            return Err("Enter the value.".into());
        }
        let value: f64 = cleaned
            .parse()
            .map_err(|_| "Enter a number, such as 41.5 (no letters).".to_owned())?;
        self.check_value(value)
    }

    /// Checks a number is one this unit can hold: finite, below 10¹⁵ in
    /// size, a percentage between −100 and 100, hours and counts not negative.
    pub fn check_value(self, value: f64) -> Result<f64, String> {
        if !value.is_finite() || value.abs() >= 1e15 {
            return Err("Enter a number smaller than a million billion.".into());
        }
        match self {
            Unit::Percent if !(-100.0..=100.0).contains(&value) => {
                Err("A percentage lies between −100 and 100.".into())
            }
            Unit::Hours | Unit::Count if value < 0.0 => Err("This cannot be negative.".into()),
            _ => Ok(value),
        }
    }

    /// A value in this unit, for people: "41.5 %", "€2.10", "12 h".
    pub fn format(self, value: f64) -> String {
        let number = format_number(value);
        match self {
            Unit::Percent => format!("{number} %"),
            Unit::Currency => format!("€{number}"),
            Unit::Hours => format!("{number} h"),
            Unit::Count | Unit::Score => number,
        }
    }
}

/// A number with at most two decimals, without trailing zeros, thousands separated.
pub fn format_number(value: f64) -> String {
    let mut out = String::with_capacity(16);
    let cents = (value * 100.0).round();
    // Below 10^15 cents the amount is an exact integer: its digits are
    // written straight from it (a dashboard formats hundreds of numbers
    // per view); beyond, and for what is not a number, through `format!`.
    if cents.abs() >= 1e15 || cents.is_nan() {
        return format_number_generally(value);
    }
    // (`as` is exact here: an integral value below 10^15.)
    let cents = cents as i64;
    if cents < 0 {
        out.push('−');
    }
    let cents = cents.unsigned_abs();
    let (whole, fraction) = (cents / 100, cents % 100);
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = whole;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i > 0 && i % 3 == 0 {
            out.push(',');
        }
    }
    if fraction > 0 {
        out.push('.');
        out.push(char::from(b'0' + (fraction / 10) as u8));
        if fraction % 10 > 0 {
            out.push(char::from(b'0' + (fraction % 10) as u8));
        }
    }
    out
}

/// [`format_number`] for any value, through the standard formatter.
fn format_number_generally(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let text = format!("{:.2}", rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let fraction = fraction.trim_end_matches('0');
    let sign = if negative { "−" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// More is better.
    Higher,
    /// Less is better.
    Lower,
}

impl Direction {
    /// The choices offered in the brief.
    pub const CHOICES: &[(&str, &str)] =
        &[("higher", "Higher is better"), ("lower", "Lower is better")];

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Direction> {
        match value {
            "higher" => Some(Direction::Higher),
            "lower" => Some(Direction::Lower),
            _ => None,
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Direction::Higher => "higher is better",
            Direction::Lower => "lower is better",
        }
    }

    /// Whether `a` is at least as good as `b`.
    pub fn at_least_as_good(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Higher => a >= b,
            Direction::Lower => a <= b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_way_writes_what_the_general_one_does() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut values = vec![
            0.0,
            -0.0,
            0.004,
            -0.004,
            0.005,
            -0.005,
            0.015,
            0.125,
            2.675,
            999.995,
            1000.0,
            -1234.5,
            1e12,
            9.99e12,
            -9.99e12,
            123_456_789.01,
        ];
        for _ in 0..20_000 {
            let mantissa = (next() % 2_000_000_000) as f64 - 1e9;
            let scale = 10f64.powi((next() % 9) as i32 - 4);
            values.push(mantissa * scale);
        }
        for value in values {
            assert_eq!(
                format_number(value),
                format_number_generally(value),
                "{value}"
            );
        }
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(format_number(1234567.891), "1,234,567.89");
        assert_eq!(format_number(41.0), "41");
        assert_eq!(format_number(-2.5), "−2.5");
        assert_eq!(Unit::Percent.format(38.25), "38.25 %");
        assert_eq!(Unit::Currency.format(1.6), "€1.6");
    }

    #[test]
    fn values_are_read_in_their_unit() {
        assert_eq!(Unit::Percent.parse_value("41.5"), Ok(41.5));
        assert_eq!(Unit::Percent.parse_value("41.5 %"), Ok(41.5));
        assert_eq!(Unit::Currency.parse_value("1,250"), Ok(1250.0));
        assert!(Unit::Percent.parse_value("140").is_err());
        assert!(Unit::Hours.parse_value("-2").is_err());
        assert!(Unit::Score.parse_value("abc").is_err());
        assert!(Unit::Score.parse_value("").is_err());
        assert!(Unit::Score.parse_value("NaN").is_err());
        assert!(Unit::Score.parse_value("inf").is_err());
    }
}
