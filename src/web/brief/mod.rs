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

use std::collections::HashMap;

use uuid::Uuid;

use super::Routes;
use crate::auth::extract::CurrentUser;
use crate::db;
use crate::db::brief::{DraftSection, Slot};
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Content, DiffLine, Owner, Section};
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;

pub(crate) use version::{Loaded, markup_complete, render_body as render_version_body};

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
        brief::processes(self.content(brief::PROCESS_SCOPE))
    }
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
