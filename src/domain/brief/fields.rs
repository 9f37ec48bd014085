//! A section's fields: checking and normalising typed values, showing
//! them as people read them, and parsing a submitted form (or pasted CSV)
//! into content.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Column, Content, Field, Kind, Section, rows};
use crate::domain::dates::Day;
use crate::domain::metrics::Period;

/// Checks one value of a kind; returns it normalised, or a message.
pub fn check(kind: Kind, raw: &str, processes: &[(String, String)]) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    match kind {
        Kind::Line(max) => {
            if value.chars().count() > max {
                Err(format!("Keep this to {max} characters or fewer."))
            } else if value.chars().any(char::is_control) {
                Err("Use a single line here.".to_owned())
            } else {
                Ok(value.to_owned())
            }
        }
        Kind::Prose => {
            if raw.chars().count() > 20_000 {
                Err("Keep this to 20,000 characters or fewer.".to_owned())
            } else if !crate::markdown::shows_something(raw) {
                Err(
                    "Nothing of this would be shown: tandem removes raw HTML and scripts \
                     for safety. Write it as plain text or Markdown."
                        .to_owned(),
                )
            } else {
                Ok(raw.trim_end().replace("\r\n", "\n"))
            }
        }
        Kind::Choice(options) => options
            .iter()
            .find(|(key, _)| *key == value)
            .map(|(key, _)| (*key).to_owned())
            .ok_or_else(|| "Choose one of the options.".to_owned()),
        Kind::Money | Kind::Count => {
            let digits: String = value
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '_'))
                .collect();
            match digits.parse::<u64>() {
                Ok(n) if n <= 1_000_000_000_000 => Ok(n.to_string()),
                _ => Err("Enter a whole number, not negative (separators are fine).".to_owned()),
            }
        }
        Kind::Decimal => {
            let digits: String = value
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '_' | '%' | '€' | '$' | '£'))
                .collect();
            match digits.replace('−', "-").parse::<f64>() {
                Ok(n) if n.is_finite() && n.abs() <= 1e12 => Ok(format_number(n)),
                _ => Err("Enter a number, such as 41.5 or -2 (no units).".to_owned()),
            }
        }
        Kind::Percent => match value.trim_end_matches('%').trim().parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Ok(format_number(p)),
            _ => Err("Enter a percentage from 0 to 100.".to_owned()),
        },
        Kind::Date => Day::parse(value)
            .map(|day| day.to_string())
            .map_err(str::to_owned),
        Kind::Month => match Period::parse(value) {
            Some(month @ Period::Month { .. }) => Ok(month.to_string()),
            _ => Err("Enter a month between 2000-01 and 2099-12 as YYYY-MM.".to_owned()),
        },
        Kind::Process => processes
            .iter()
            .find(|(id, _)| id == value)
            .map(|(id, _)| id.clone())
            .ok_or_else(|| "Choose one of the brief's processes.".to_owned()),
    }
}

fn format_number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A value as people read it: option labels, thousands separators, names of
/// processes instead of ids.
pub fn display(kind: Kind, value: &str, processes: &[(String, String)]) -> String {
    if value.is_empty() {
        return String::new();
    }
    match kind {
        Kind::Choice(options) => options
            .iter()
            .find(|(key, _)| *key == value)
            .map_or_else(|| value.to_owned(), |(_, label)| (*label).to_owned()),
        Kind::Money | Kind::Count => thousands(value),
        Kind::Percent => format!("{value} %"),
        Kind::Process => processes.iter().find(|(id, _)| id == value).map_or_else(
            || "(a process no longer in scope)".to_owned(),
            |(_, name)| name.clone(),
        ),
        _ => value.to_owned(),
    }
}

fn thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Blank rows offered under a table for new entries.
pub const BLANK_ROWS: usize = 3;

/// Parses a section's submitted fields into content. Field names:
/// `f.KEY` for scalars; `f.KEY.N.COLUMN`, `f.KEY.N.id` and `f.KEY.N.remove`
/// for table rows; `f.KEY.csv` for pasted CSV, which replaces the table.
/// `new_id` makes ids for new table rows.
pub fn parse(
    section: &Section,
    fields: &BTreeMap<String, String>,
    processes: &[(String, String)],
    mut new_id: impl FnMut() -> String,
) -> Result<Content, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut content = Content::new();
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    for field in section.fields {
        let name = format!("f.{}", field.key);
        if let Some(kind) = field.kind {
            match check(kind, get(&name), processes) {
                Ok(value) => {
                    content.insert(field.key.to_owned(), Value::String(value));
                }
                Err(message) => {
                    errors.insert(name, message);
                }
            }
            continue;
        }
        let pasted = get(&format!("{name}.csv"));
        let raw_rows: Vec<(String, BTreeMap<&str, String>)> =
            if field.csv_paste && !pasted.trim().is_empty() {
                match csv_rows(pasted, field.columns) {
                    Ok(parsed) => parsed.into_iter().map(|row| (String::new(), row)).collect(),
                    Err(message) => {
                        errors.insert(format!("{name}.csv"), message);
                        continue;
                    }
                }
            } else {
                let mut found = Vec::new();
                for index in 0.. {
                    let prefix = format!("{name}.{index}");
                    let present = field
                        .columns
                        .iter()
                        .any(|c| fields.contains_key(&format!("{prefix}.{}", c.key)));
                    if !present {
                        break;
                    }
                    if fields.contains_key(&format!("{prefix}.remove")) {
                        continue;
                    }
                    let row = field
                        .columns
                        .iter()
                        .map(|c| (c.key, get(&format!("{prefix}.{}", c.key)).to_owned()))
                        .collect();
                    found.push((get(&format!("{prefix}.id")).to_owned(), row));
                }
                found
            };
        let mut table = Vec::new();
        for (index, (id, row)) in raw_rows.into_iter().enumerate() {
            if row.values().all(|v| v.trim().is_empty()) {
                continue;
            }
            let mut object = Map::new();
            for column in field.columns {
                match check(column.kind, &row[column.key], processes) {
                    Ok(value) => {
                        object.insert(column.key.to_owned(), Value::String(value));
                    }
                    Err(message) => {
                        errors.insert(
                            format!("{name}.{index}.{}", column.key),
                            format!("Row {}: {message}", index + 1),
                        );
                    }
                }
            }
            let id = if id.is_empty() { new_id() } else { id };
            object.insert("id".to_owned(), Value::String(id));
            table.push(Value::Object(object));
        }
        if field.columns.iter().any(|c| c.key == "primary") {
            let primaries = table
                .iter()
                .filter(|row| row.get("primary").and_then(Value::as_str) == Some("yes"))
                .count();
            if !table.is_empty() && primaries != 1 {
                errors.insert(
                    format!("{name}.0.primary"),
                    format!(
                        "Mark exactly one metric as the primary one ({primaries} are marked now)."
                    ),
                );
            }
        }
        content.insert(field.key.to_owned(), Value::Array(table));
    }
    if errors.is_empty() {
        Ok(content)
    } else {
        Err(errors)
    }
}

/// Reads pasted CSV (comma, semicolon or tab separated; an optional header
/// row) into rows in column order.
fn csv_rows(text: &str, columns: &[Column]) -> Result<Vec<BTreeMap<&'static str, String>>, String> {
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .find(|d| {
            text.lines()
                .next()
                .is_some_and(|line| line.as_bytes().contains(d))
        })
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|error| format!("Line {}: {error}", line + 1))?;
        let first = record.get(0).unwrap_or_default().trim();
        if line == 0 && !first.is_empty() && !first.starts_with(|c: char| c.is_ascii_digit()) {
            continue; // a header row
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            return Err(format!(
                "Line {} has {} values; expected {} ({}).",
                line + 1,
                record.len(),
                columns.len(),
                columns
                    .iter()
                    .map(|c| c.label)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push(
            columns
                .iter()
                .zip(record.iter())
                .map(|(c, v)| (c.key, v.trim().to_owned()))
                .collect(),
        );
    }
    Ok(out)
}

/// A table field's rows as people read them, one string per column.
pub fn display_rows(
    field: &Field,
    content: &Content,
    processes: &[(String, String)],
) -> Vec<Vec<String>> {
    rows(content, field.key)
        .iter()
        .map(|row| {
            field
                .columns
                .iter()
                .map(|c| {
                    display(
                        c.kind,
                        row.get(c.key).map(String::as_str).unwrap_or_default(),
                        processes,
                    )
                })
                .collect()
        })
        .collect()
}
