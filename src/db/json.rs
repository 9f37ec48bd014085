//! The pieces every one-round-trip page query is built from: a query's rows
//! as one JSON array or one object, the programme named by `$1` (of the
//! organisation `$2`), and the decoding of each part straight into its type.
//! A leaf module: the entity modules and the page queries both use it.

use serde::de::DeserializeOwned;
use sqlx::Postgres;
use sqlx::postgres::{PgTypeInfo, PgValueRef};

use super::programmes::COLUMNS;

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

/// One part of a page's row: the JSON text PostgreSQL wrote, taken as it
/// comes (a `json` value's bytes are its text) and decoded once, straight
/// into the part's type — no check of the text first, no intermediate
/// `serde_json::Value`.
#[derive(Debug)]
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
pub(crate) fn decode<T: DeserializeOwned>(json: &str) -> sqlx::Result<T> {
    serde_json::from_str(json).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

/// Decodes a part a page may not have asked for: none reads as the type's
/// default.
pub(crate) fn decode_or_default<T: DeserializeOwned + Default>(
    part: Option<Part>,
) -> sqlx::Result<T> {
    part.map_or_else(|| Ok(T::default()), |part| decode(&part.0))
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
