//! The deployment brief: the living draft, section editing and agreement,
//! submission into frozen versions, signing with step-up, certificates and
//! verification.

mod agree;
mod certificate;
mod section_edit;
mod sign;
mod submit;
mod version;
mod view;

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use super::Routes;
use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::brief::{DraftSection, Slot};
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Content, DiffLine, Owner, SECTIONS, Section};
use crate::domain::permission::Action;
use crate::error::Result;
use crate::markdown;
use crate::state::AppState;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .get(crate::paths::route::BRIEF, view::show)
        .get(crate::paths::route::BRIEF_SECTION_EDIT, section_edit::show)
        .post(crate::paths::route::BRIEF_SECTION, section_edit::submit)
        .post(crate::paths::route::BRIEF_AGREE, agree::submit)
        .post(crate::paths::route::BRIEF_SUBMIT, submit::submit)
        .get(crate::paths::route::BRIEF_VERSION, version::show)
        .get(crate::paths::route::BRIEF_SIGN, sign::show)
        .post(crate::paths::route::BRIEF_SIGN, sign::submit)
        .get(crate::paths::route::BRIEF_CERTIFICATE, certificate::show)
        .get(crate::paths::route::BRIEF_VERIFY, certificate::verify)
}

/// The action that lets a user edit a section of this owner.
pub fn edit_action(owner: Owner) -> Action {
    match owner {
        Owner::Ceo => Action::EditCeoSection,
        Owner::Coo => Action::EditCooSection,
        Owner::Joint => Action::EditJointSection,
    }
}

/// A programme the user may read, or 404.
async fn readable_programme(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Programme> {
    crate::web::extract::readable(state, user, id).await
}

/// The draft: every section of the catalogue with its stored row, if any.
pub(crate) struct Draft {
    rows: HashMap<String, DraftSection>,
}

impl Draft {
    /// Loads a programme's draft.
    pub async fn load(state: &AppState, programme_id: Uuid) -> Result<Draft> {
        Ok(Draft::of(
            db::brief::draft(&state.pool, programme_id).await?,
        ))
    }

    /// The draft of these stored rows.
    pub fn of(rows: Vec<DraftSection>) -> Draft {
        Draft {
            rows: rows
                .into_iter()
                .map(|row| (row.section_key.clone(), row))
                .collect(),
        }
    }

    /// A section's stored row.
    pub fn row(&self, key: &str) -> Option<&DraftSection> {
        self.rows.get(key)
    }

    /// A section's content (empty if never saved).
    pub fn content(&self, key: &str) -> &Content {
        static EMPTY: Content = Content::new();
        self.rows.get(key).map_or(&EMPTY, |row| &row.content.0)
    }

    /// A section's version (0 if never saved).
    pub fn version(&self, key: &str) -> i32 {
        self.rows.get(key).map_or(0, |row| row.version)
    }

    /// The brief's processes, for process columns.
    pub fn processes(&self) -> Vec<(String, String)> {
        brief::processes(self.content("process_scope"))
    }

    /// Each section's hash as the draft stands.
    pub fn hashes(&self) -> Vec<(&'static str, String)> {
        SECTIONS
            .iter()
            .map(|section| {
                // Stored with every save; worked out for a section never saved.
                let stored = self.row(section.key).and_then(|r| r.section_hash.clone());
                let hash = stored.unwrap_or_else(|| {
                    brief::section_hash(section.key, section.owner, self.content(section.key))
                });
                (section.key, hash)
            })
            .collect()
    }
}

/// A field as the page shows it.
pub(crate) struct FieldView {
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

/// A table as the page shows it.
pub(crate) struct TableView {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The fields of a section, ready to show.
/// Prose comes as rendered when the section was written (`rendered`); a
/// field missing there is rendered now.
pub(crate) fn render_fields(
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

pub(crate) use crate::domain::signoff::Status;

/// Where a version stands, from its slots.
pub(crate) fn status_of(slots: &[Slot]) -> Status {
    Status::of(slots.iter().map(Slot::decision))
}

/// A field's changes between two contents of a section.
pub(crate) struct FieldDiff {
    pub label: String,
    pub lines: Vec<DiffLine>,
}

/// The changed fields of a section between two contents.
pub(crate) fn section_diff(
    section: &Section,
    old: &Content,
    old_processes: &[(String, String)],
    new: &Content,
    new_processes: &[(String, String)],
) -> Vec<FieldDiff> {
    brief::as_lines(section, old, old_processes)
        .into_iter()
        .zip(brief::as_lines(section, new, new_processes))
        .filter(|((_, before), (_, after))| before != after)
        .map(|((label, before), (_, after))| FieldDiff {
            label,
            lines: brief::diff_lines(&before, &after),
        })
        .collect()
}
