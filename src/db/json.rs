//! The pieces every one-round-trip page query is built from: a query's rows
//! as one JSON array or one object, the programme named by `$1` (of the
//! organisation `$2`), and the decoding of each part straight into its type.
//! A leaf module: the entity modules and the page queries both use it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sqlx::Postgres;
use sqlx::postgres::{PgTypeInfo, PgValueRef};

use super::programmes::COLUMNS;
use crate::domain::dates::digits;

/// The rows of `sql` as one JSON array (in the query's order). Plain
/// `json`, not `jsonb`: PostgreSQL writes it as text directly, at about half
/// the cost of building a `jsonb` value that is only ever sent out.
pub(crate) fn array(sql: &str) -> String {
    format!("(SELECT coalesce(json_agg(x), '[]'::json) FROM ({sql}) x)")
}

/// The first row of `sql` as a JSON object, or null.
pub(crate) fn one(sql: &str) -> String {
    format!("(SELECT row_to_json(x) FROM ({sql}) x LIMIT 1)")
}

/// The programme of `$1` in organisation `$2`.
pub(crate) fn programme() -> String {
    one(&format!(
        "SELECT {COLUMNS} FROM programmes WHERE id = $1 AND organisation_id = $2"
    ))
}

/// The programme of `$1` in organisation `$2` as the writes keep it, beside
/// its overview (migration 0036): what [`programme`] reads, without its
/// four subqueries, for a page read outside any write's transaction.
pub(crate) fn kept_programme() -> String {
    "(SELECT programme FROM programme_sources WHERE programme_id = $1 AND organisation_id = $2)"
        .to_owned()
}

/// One part of a page's row: the JSON text PostgreSQL wrote, taken as it
/// comes (a `json` value's bytes are its text) and decoded once, straight
/// into the part's type — no check of the text first, no intermediate
/// `serde_json::Value`.
#[derive(Debug, Clone)]
pub(crate) struct Part(pub String);

impl sqlx::Type<Postgres> for Part {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("json")
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        *ty == PgTypeInfo::with_name("json")
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for Part {
    fn decode(value: PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Part(value.as_str()?.to_owned()))
    }
}

/// Decodes a JSON part.
pub(crate) fn decode<'a, T: Deserialize<'a>>(json: &'a str) -> sqlx::Result<T> {
    serde_json::from_str(json).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

/// Decodes a part a page may not have asked for: none reads as the type's
/// default.
pub(crate) fn decode_or_default<T: DeserializeOwned + Default>(
    part: Option<Part>,
) -> sqlx::Result<T> {
    part.map_or_else(|| Ok(T::default()), |part| decode(&part.0))
}

/// A time as PostgreSQL writes it in JSON in UTC
/// ("2026-03-02T09:15:00.123456+00:00"): that fixed form is read directly,
/// any other through chrono's general RFC 3339 parser, which cost a fifth
/// of decoding a dashboard's hundreds of values. Fields of kept documents
/// take it with `#[serde(deserialize_with = "…::utc")]` (or `utc_or_none`,
/// `utc_times`).
struct JsonTime(DateTime<Utc>);

impl<'de> serde::Deserialize<'de> for JsonTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = JsonTime;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an RFC 3339 time")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<JsonTime, E> {
                utc_time(text)
                    .or_else(|| DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc()))
                    .map(JsonTime)
                    .ok_or_else(|| E::custom(format!("not an RFC 3339 time: {text:?}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Reads a time ([`JsonTime`]).
pub(crate) fn utc<'de, D>(deserializer: D) -> Result<DateTime<Utc>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <JsonTime as serde::Deserialize>::deserialize(deserializer).map(|t| t.0)
}

/// Reads a time or null ([`JsonTime`]).
pub(crate) fn utc_or_none<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <Option<JsonTime> as serde::Deserialize>::deserialize(deserializer).map(|t| t.map(|t| t.0))
}

/// Reads a list of times ([`JsonTime`]).
pub(crate) fn utc_times<'de, D>(deserializer: D) -> Result<Vec<DateTime<Utc>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let times: Vec<JsonTime> = serde::Deserialize::deserialize(deserializer)?;
    Ok(times.into_iter().map(|t| t.0).collect())
}

/// A time in PostgreSQL's JSON form in UTC: "YYYY-MM-DDTHH:MM:SS", an
/// optional fraction of up to six digits, "+00:00".
fn utc_time(text: &str) -> Option<DateTime<Utc>> {
    let fixed = text.strip_suffix("+00:00")?;
    let (whole, fraction) = fixed.split_once('.').unwrap_or((fixed, ""));
    let b = whole.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number =
        |range: std::ops::Range<usize>| digits(&whole[range.clone()], range.len()..=range.len());
    if fraction.len() > 6 {
        return None;
    }
    let micros = if fraction.is_empty() {
        0
    } else {
        digits(fraction, 1..=6)? * 10u32.pow(6 - fraction.len() as u32)
    };
    let day = NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let time = day.and_hms_micro_opt(number(11..13)?, number(14..16)?, number(17..19)?, micros)?;
    Some(time.and_utc())
}

pub(crate) const LATEST_VERSION_ID: &str =
    "(SELECT id FROM brief_versions WHERE programme_id = $1 ORDER BY number DESC LIMIT 1)";

/// Reads a JSON `null` (a part the page did not ask for) as the type's
/// default.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    Ok(<Option<T> as serde::Deserialize>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Times(#[serde(deserialize_with = "utc_times")] Vec<DateTime<Utc>>);

    fn read(json: &str) -> Vec<DateTime<Utc>> {
        serde_json::from_str::<Times>(json).unwrap().0
    }

    #[test]
    fn times_in_postgresqls_utc_form_read_as_chrono_reads_them() {
        for text in [
            "2026-03-02T09:15:00+00:00",
            "2026-03-02T09:15:00.5+00:00",
            "2026-03-02T09:15:00.123456+00:00",
            "2024-02-29T23:59:59.000001+00:00",
        ] {
            let expected = DateTime::parse_from_rfc3339(text).unwrap().to_utc();
            assert_eq!(utc_time(text), Some(expected), "{text}");
            assert_eq!(read(&format!("[\"{text}\"]")), vec![expected]);
        }
    }

    #[test]
    fn other_forms_go_through_chrono_and_nonsense_is_refused() {
        let offset = "2026-03-02T10:15:00+01:00";
        assert_eq!(utc_time(offset), None);
        assert_eq!(
            read(&format!("[\"{offset}\"]")),
            read("[\"2026-03-02T09:15:00+00:00\"]")
        );
        for bad in [
            "2026-02-30T09:15:00+00:00",
            "2026-03-02 09:15+00:00",
            "yesterday",
        ] {
            assert_eq!(utc_time(bad), None, "{bad}");
            assert!(
                serde_json::from_str::<Times>(&format!("[\"{bad}\"]")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_field_reads_one_time_or_null_or_nothing() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(deserialize_with = "utc")]
            at: DateTime<Utc>,
            #[serde(default, deserialize_with = "utc_or_none")]
            by: Option<DateTime<Utc>>,
        }
        let at = "2026-03-02T09:15:00.25+00:00";
        let expected = DateTime::parse_from_rfc3339(at).unwrap().to_utc();
        let row: Row = serde_json::from_str(&format!(r#"{{"at":"{at}","by":"{at}"}}"#)).unwrap();
        assert_eq!((row.at, row.by), (expected, Some(expected)));
        let row: Row = serde_json::from_str(&format!(r#"{{"at":"{at}","by":null}}"#)).unwrap();
        assert_eq!(row.by, None);
        let row: Row = serde_json::from_str(r#"{"at":"2026-03-02T09:15:00.25Z"}"#).unwrap();
        assert_eq!((row.at, row.by), (expected, None));
        assert!(serde_json::from_str::<Row>(r#"{"at":null}"#).is_err());
    }
}
