//! The deployment brief: its sections (who owns each, what fields they
//! hold), parsing a section's form into content, the canonical hash that
//! signatures rest on, and the difference between two versions of a section.
//!
//! The catalogue of sections is in [`catalogue`], reading and writing
//! fields in [`fields`], freezing and hashing in [`frozen`], and the
//! difference between versions in [`diff`].
//!
//! Section content is a JSON object with sorted keys: scalar fields are
//! strings, tables are arrays of string maps. Nothing here does I/O.

mod catalogue;
mod diff;
mod fields;
mod frozen;

use std::collections::BTreeMap;

use serde_json::Value;

pub use catalogue::{
    AUTONOMY, BUILD_BUY, CEO_INPUT, COMPLEXITY, COO_INPUT, OVERRIDE_ROLES, PROCESS_SCOPE, SECTIONS,
    default_metric_sections,
};
pub use diff::{DiffLine, as_lines, diff_lines};
pub use fields::{BLANK_ROWS, check, display, display_rows, parse};
pub use frozen::{Frozen, FrozenPart, section_hash, version_hash};

/// Who owns a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Only the CEO edits it.
    Ceo,
    /// Only the COO edits it.
    Coo,
    /// Either edits it; both must then mark it agreed.
    Joint,
}

impl Owner {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Ceo => "ceo",
            Owner::Coo => "coo",
            Owner::Joint => "joint",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Owner::Ceo => "CEO",
            Owner::Coo => "COO",
            Owner::Joint => "Joint: CEO and COO",
        }
    }
}

/// The kind of a scalar field or a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text, at most this many characters.
    Line(usize),
    Prose,
    /// One of these (value, label) options.
    Choice(&'static [(&'static str, &'static str)]),
    /// An amount of money, whole units, not negative.
    Money,
    /// A percentage from 0 to 100.
    Percent,
    /// A decimal number, possibly negative (a baseline, a target).
    Decimal,
    /// A whole number, not negative.
    Count,
    /// A date, YYYY-MM-DD.
    Date,
    /// A month, YYYY-MM.
    Month,
    /// A reference to one of the brief's processes (by id).
    Process,
}

/// A column of a table field.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Key in each row.
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
}

/// A field of a section.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Key in the content.
    pub key: &'static str,
    pub label: &'static str,
    /// A line of help shown under the label.
    pub hint: &'static str,
    /// A scalar kind, or `None` for a table.
    pub kind: Option<Kind>,
    /// The table's columns (empty for scalars).
    pub columns: &'static [Column],
    /// Whether a table may be filled by pasting CSV.
    pub csv_paste: bool,
}

impl Field {
    /// Whether this is a table.
    pub fn is_table(&self) -> bool {
        self.kind.is_none()
    }

    /// Whether this is prose (rendered from Markdown).
    pub fn is_prose(&self) -> bool {
        self.kind == Some(Kind::Prose)
    }
}

/// A section of the brief.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub owner: Owner,
    /// What the section is for, in a sentence.
    pub purpose: &'static str,
    pub fields: &'static [Field],
}

impl Section {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|field| field.key == key)
    }
}

/// The section with this key.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|section| section.key == key)
}

/// A section's prose fields rendered to sanitised HTML (field key → HTML),
/// empty ones left out: worked out when the section is written and stored
/// beside it, so no view renders Markdown.
pub fn rendered(section_key: &str, content: &Content) -> BTreeMap<String, String> {
    let Some(section) = section(section_key) else {
        return BTreeMap::new();
    };
    section
        .fields
        .iter()
        .filter(|field| field.is_prose())
        .filter_map(|field| {
            let raw = text(content, field.key);
            (!raw.trim().is_empty()).then(|| (field.key.to_owned(), crate::markdown::render(&raw)))
        })
        .collect()
}

/// A section's content: sorted keys, so serialising it is canonical.
pub type Content = BTreeMap<String, Value>;

/// A field's value as text (empty when absent).
pub fn text(content: &Content, key: &str) -> String {
    content
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A table field's rows, read in place; [`cell`] reads one of their cells.
pub fn table_rows<'a>(
    content: &'a Content,
    key: &str,
) -> impl Iterator<Item = &'a serde_json::Map<String, Value>> {
    content
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// The text of a cell of a row from [`table_rows`] ("" if it has none).
pub fn cell<'a>(row: &'a serde_json::Map<String, Value>, key: &str) -> &'a str {
    row.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A table field's rows, copied.
pub fn rows(content: &Content, key: &str) -> Vec<BTreeMap<String, String>> {
    table_rows(content, key)
        .map(|row| {
            row.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .collect()
}

/// Whether a section has nothing filled in.
pub fn is_empty(content: &Content) -> bool {
    content.values().all(|value| match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(rows) => rows.is_empty(),
        _ => true,
    })
}

/// The processes of a brief (id, name), from its process-scope content.
pub fn processes(process_scope: &Content) -> Vec<(String, String)> {
    rows(process_scope, "processes")
        .into_iter()
        .map(|row| {
            (
                row.get("id").cloned().unwrap_or_default(),
                row.get("name").cloned().unwrap_or_default(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("p{n}")
        }
    }

    #[test]
    fn every_section_of_the_framework_is_there_once() {
        let count = |owner| SECTIONS.iter().filter(|s| s.owner == owner).count();
        assert_eq!(
            (count(Owner::Ceo), count(Owner::Coo), count(Owner::Joint)),
            (4, 4, 5)
        );
        let mut keys: Vec<&str> = SECTIONS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SECTIONS.len());
        for joint in SECTIONS
            .iter()
            .filter(|s| s.owner == Owner::Joint && s.key != "business_case")
        {
            assert!(
                joint.field(CEO_INPUT).is_some() && joint.field(COO_INPUT).is_some(),
                "{}",
                joint.key
            );
        }
    }

    #[test]
    fn the_same_content_always_gives_the_same_hash_and_any_change_changes_it() {
        let investment = section("investment").unwrap();
        let content = parse(
            investment,
            &form(&[
                ("f.total_budget", "4,200,000"),
                ("f.phasing", "Two tranches"),
            ]),
            &[],
            counter(),
        )
        .unwrap();
        let again = parse(
            investment,
            &form(&[("f.phasing", "Two tranches"), ("f.total_budget", "4200000")]),
            &[],
            counter(),
        )
        .unwrap();
        let hash = section_hash("investment", Owner::Joint, &content);
        assert_eq!(
            hash,
            section_hash("investment", Owner::Joint, &again),
            "field order and separators do not matter"
        );
        assert_eq!(hash.len(), 64);
        // Any change to any field changes it, as does the key or the owner.
        for (field, value) in [
            ("f.total_budget", "4200001"),
            ("f.phasing", "Two tranches."),
            ("f.ceo_input", "x"),
            ("f.coo_input", "x"),
        ] {
            let mut pairs = form(&[("f.total_budget", "4200000"), ("f.phasing", "Two tranches")]);
            pairs.insert(field.to_owned(), value.to_owned());
            let changed = parse(investment, &pairs, &[], counter()).unwrap();
            assert_ne!(
                section_hash("investment", Owner::Joint, &changed),
                hash,
                "{field}"
            );
        }
        assert_ne!(section_hash("timeline", Owner::Joint, &content), hash);
        assert_ne!(section_hash("investment", Owner::Ceo, &content), hash);
        // The version hash depends on every section hash and their order.
        let v = version_hash([("a", "1"), ("b", "2")]);
        assert_eq!(v, version_hash([("a", "1"), ("b", "2")]));
        assert_ne!(v, version_hash([("a", "1"), ("b", "3")]));
        assert_ne!(v, version_hash([("b", "2"), ("a", "1")]));
    }

    #[test]
    fn a_hash_never_changes_for_the_same_content() {
        // Versions signed years ago are verified against these bytes: the
        // canonical form (key, owner, content as compact JSON with sorted
        // keys, tables included) must never drift.
        let content: Content = serde_json::from_str(
            r#"{"phasing": "Two tranches \"A\" & B", "total_budget": "4200000",
                "months": [{"month": "2026-01", "benefit": "0", "investment": "900000"}]}"#,
        )
        .unwrap();
        assert_eq!(
            section_hash("investment", Owner::Joint, &content),
            "8d1409e6406beb5ba2d600b7f9c36fa7b6d0a18524f5855ce34aca22e86f938e"
        );
    }

    #[test]
    fn values_are_checked_and_normalised() {
        assert_eq!(check(Kind::Money, "1 250 000", &[]), Ok("1250000".into()));
        assert!(check(Kind::Money, "-5", &[]).is_err());
        assert_eq!(check(Kind::Percent, "87.50%", &[]), Ok("87.5".into()));
        assert!(check(Kind::Percent, "120", &[]).is_err());
        assert_eq!(check(Kind::Month, "2027-3", &[]), Ok("2027-03".into()));
        assert!(check(Kind::Date, "31/12/2027", &[]).is_err());
        assert!(check(Kind::Choice(catalogue::BUILD_BUY), "steal", &[]).is_err());
        assert!(
            check(Kind::Choice(OVERRIDE_ROLES), "ai_agent", &[]).is_err(),
            "no agent may override"
        );
        let processes = vec![("p1".to_owned(), "Invoice matching".to_owned())];
        assert_eq!(check(Kind::Process, "p1", &processes), Ok("p1".into()));
        assert!(check(Kind::Process, "p9", &processes).is_err());
        assert_eq!(display(Kind::Money, "1250000", &[]), "1,250,000");
        assert_eq!(display(Kind::Process, "p1", &processes), "Invoice matching");
    }

    #[test]
    fn tables_keep_row_ids_drop_blank_and_removed_rows_and_report_each_bad_cell() {
        let scope = section("process_scope").unwrap();
        let content = parse(
            scope,
            &form(&[
                ("f.processes.0.id", "keep-me"),
                ("f.processes.0.name", "Invoice matching"),
                ("f.processes.0.monthly_volume", "40,000"),
                ("f.processes.0.expected_roi", "35"),
                ("f.processes.0.complexity", "low"),
                ("f.processes.0.rationale", "High volume"),
                ("f.processes.1.name", "Old one"),
                ("f.processes.1.monthly_volume", ""),
                ("f.processes.1.expected_roi", ""),
                ("f.processes.1.complexity", ""),
                ("f.processes.1.rationale", ""),
                ("f.processes.1.remove", "on"),
                ("f.processes.2.name", "Customs paperwork"),
                ("f.processes.2.monthly_volume", ""),
                ("f.processes.2.expected_roi", ""),
                ("f.processes.2.complexity", "medium"),
                ("f.processes.2.rationale", ""),
                ("f.processes.3.name", ""),
                ("f.processes.3.monthly_volume", ""),
                ("f.processes.3.expected_roi", ""),
                ("f.processes.3.complexity", ""),
                ("f.processes.3.rationale", ""),
            ]),
            &[],
            counter(),
        )
        .unwrap();
        assert_eq!(
            processes(&content),
            vec![
                ("keep-me".into(), "Invoice matching".into()),
                ("p1".into(), "Customs paperwork".into())
            ]
        );

        let errors = parse(
            scope,
            &form(&[
                ("f.processes.0.name", "X"),
                ("f.processes.0.expected_roi", "lots"),
                ("f.processes.0.complexity", "extreme"),
            ]),
            &[],
            counter(),
        )
        .unwrap_err();
        assert!(errors["f.processes.0.expected_roi"].starts_with("Row 1:"));
        assert!(errors.contains_key("f.processes.0.complexity"));
    }

    #[test]
    fn the_business_case_takes_pasted_csv() {
        let case = section("business_case").unwrap();
        let content = parse(
            case,
            &form(&[(
                "f.months.csv",
                "Month\tInvestment\tBenefit\n2027-01\t250,000\t0\n2027-02\t150000\t40000\n",
            )]),
            &[],
            counter(),
        )
        .unwrap();
        let months = rows(&content, "months");
        assert_eq!(months.len(), 2);
        assert_eq!(months[0]["investment"], "250000");
        assert_eq!(months[1]["month"], "2027-02");
        let error = parse(
            case,
            &form(&[("f.months.csv", "2027-01,5\n")]),
            &[],
            counter(),
        )
        .unwrap_err();
        assert!(error["f.months.csv"].contains("expected 3"));
        let error = parse(
            case,
            &form(&[("f.months.csv", "2027-13,5,5\n")]),
            &[],
            counter(),
        )
        .unwrap_err();
        assert!(error.values().any(|m| m.contains("YYYY-MM")));
    }

    #[test]
    fn line_diffs() {
        let old: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let new: Vec<String> = ["a", "c", "d"].map(String::from).to_vec();
        assert_eq!(
            diff_lines(&old, &new),
            vec![
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into())
            ]
        );
    }
}
