//! A brief section's fields as the brief and version pages show them,
//! written to HTML when the section is saved or frozen (issue 23): a page
//! splices each section's stored markup instead of decoding its content,
//! formatting its tables and rendering its fields on every view. The markup
//! depends on the brief's processes (the governance table names them), so
//! saving the process scope writes again the sections that name one
//! (`db::brief`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use askama::Template;

use crate::domain::brief::{self, Content, Section};
use crate::markdown;

/// A field as a page shows it.
pub struct FieldView {
    pub label: &'static str,
    /// `ceo` or `coo` for the joint sections' side-by-side inputs.
    pub side: &'static str,
    pub is_prose: bool,
    /// Sanitised HTML of prose.
    pub html: String,
    /// Display text of other scalars.
    pub text: String,
    pub table: Option<TableView>,
}

impl FieldView {
    /// Whether nothing is filled in.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
            && self.html.is_empty()
            && self.table.as_ref().is_none_or(|t| t.rows.is_empty())
    }
}

/// A table as a page shows it.
pub struct TableView {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The fields of a section, ready to show.
/// Prose comes as rendered when the section was written (`rendered`); a
/// field missing there is rendered now.
fn fields(
    section: &Section,
    content: &Content,
    rendered: Option<&BTreeMap<String, String>>,
    processes: &[(String, String)],
) -> Vec<FieldView> {
    section
        .fields
        .iter()
        .map(|field| {
            let side = match field.key {
                brief::CEO_INPUT => "ceo",
                brief::COO_INPUT => "coo",
                _ => "",
            };
            let raw = brief::text(content, field.key);
            match field.kind {
                Some(_) if field.is_prose() => FieldView {
                    label: field.label,
                    side,
                    is_prose: true,
                    html: match rendered.and_then(|r| r.get(field.key)) {
                        Some(html) => html.clone(),
                        None if raw.trim().is_empty() => String::new(),
                        None => markdown::render(&raw),
                    },
                    text: String::new(),
                    table: None,
                },
                Some(kind) => FieldView {
                    label: field.label,
                    side,
                    is_prose: false,
                    html: String::new(),
                    text: brief::display(kind, &raw, processes),
                    table: None,
                },
                None => FieldView {
                    label: field.label,
                    side,
                    is_prose: false,
                    html: String::new(),
                    text: String::new(),
                    table: Some(TableView {
                        headers: field.columns.iter().map(|c| c.label).collect(),
                        rows: brief::display_rows(field, content, processes),
                    }),
                },
            }
        })
        .collect()
}

/// The fields' markup, exactly as the pages' `brief/fields.html` macro
/// writes it.
#[derive(Template)]
#[template(
    source = r#"{% import "brief/fields.html" as b %}{% call b::fields(fields) %}{% endcall %}"#,
    ext = "html"
)]
struct FieldsHtml<'a> {
    fields: &'a [FieldView],
}

/// A section as the brief page shows it, stored beside the section.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    /// The fields' HTML.
    pub html: String,
    /// Whether nothing is filled in (nothing to agree to).
    pub blank: bool,
}

/// What section `section_key` shows with this content, its prose as
/// rendered when it was written (what is not there is rendered now) and
/// the brief's processes; nothing for a key the catalogue does not have.
pub fn shown(
    section_key: &str,
    content: &Content,
    rendered: Option<&BTreeMap<String, String>>,
    processes: &[(String, String)],
) -> Shown {
    let Some(section) = brief::section(section_key) else {
        return Shown::default();
    };
    let fields = fields(section, content, rendered, processes);
    Shown {
        // Writing to a String cannot fail.
        html: FieldsHtml { fields: &fields }.render().unwrap_or_default(),
        blank: brief::is_empty(content),
    }
}

/// What the stored markup was written with: a hash of the fields template
/// and of the code that turns a field into text (this module, the
/// catalogue's labels and choices, the field formatting). The start rewrites
/// every stored section written with another (`db::brief::derive_missing`),
/// so an upgrade never shows the last release's markup; an edit of these
/// files, even of a comment, only costs a rewrite of the few hundred rows.
pub fn markup() -> &'static str {
    static MARKUP: LazyLock<String> = LazyLock::new(|| {
        crate::domain::values::short_hash(&[
            include_str!("../templates/brief/fields.html"),
            include_str!("brief_shown.rs"),
            include_str!("domain/brief/catalogue.rs"),
            include_str!("domain/brief/fields.rs"),
        ])
    });
    &MARKUP
}

/// Whether a section's markup names the brief's processes (so a change of
/// the process scope changes it).
pub fn names_processes(section: &Section) -> bool {
    section.fields.iter().any(|field| {
        field
            .columns
            .iter()
            .any(|column| matches!(column.kind, brief::Kind::Process))
    })
}
