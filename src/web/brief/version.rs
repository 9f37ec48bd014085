//! GET /programmes/{id}/brief/versions/{number} — a frozen version exactly
//! as submitted, with its hashes and where each signature stands.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use super::{FieldDiff, FieldView, Status, render_fields, section_diff};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::db;
use crate::db::brief::{Slot, Version};
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Content};
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::pages::Page;

/// A frozen section as shown.
pub(crate) struct FrozenView {
    pub key: String,
    pub title: &'static str,
    pub owner: &'static str,
    pub owner_class: &'static str,
    pub hash: String,
    pub fields: Vec<FieldView>,
    /// Changed since the comparison version (when there is one).
    pub changed: bool,
    pub diff: Vec<FieldDiff>,
}

/// A version, loaded whole.
pub(crate) struct Loaded {
    /// Its programme.
    pub programme: Programme,
    pub version: Version,
    pub sections: Vec<FrozenView>,
    pub contents: Vec<(String, Content)>,
    pub slots: Vec<Slot>,
    pub status: Status,
    pub is_latest: bool,
}

/// Loads version `number` of a programme's brief with the programme, for a
/// reader of programmes, in one round trip with the session; 404 if either
/// is not the organisation's.
pub(crate) async fn load(
    state: &AppState,
    viewer: Viewer,
    programme_id: Uuid,
    number: i32,
) -> Result<(CurrentUser, Loaded)> {
    let seen = db::pages::version(&state.pool, &viewer.who(state), programme_id, number).await?;
    let (user, source) = viewer.admit(state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.ok_or(AppError::NotFound)?;
    let version = source.version.ok_or(AppError::NotFound)?;
    let frozen = source.sections;
    let contents: Vec<(String, Content)> = frozen
        .iter()
        .map(|f| (f.section_key.clone(), f.content.0.clone()))
        .collect();
    let processes = processes_of(&contents);
    let sections = frozen
        .iter()
        .filter_map(|f| {
            let section = brief::section(&f.section_key)?;
            Some(FrozenView {
                key: f.section_key.clone(),
                title: section.title,
                owner: section.owner.label(),
                owner_class: section.owner.as_str(),
                hash: f.section_hash.clone(),
                fields: render_fields(
                    section,
                    &f.content.0,
                    f.rendered.as_ref().map(|r| &r.0),
                    &processes,
                ),
                changed: false,
                diff: Vec::new(),
            })
        })
        .collect();
    let slots = source.slots;
    let loaded = Loaded {
        programme,
        is_latest: source.latest_number == Some(version.number),
        status: super::status_of(&slots),
        version,
        sections,
        contents,
        slots,
    };
    Ok((user, loaded))
}

/// The processes of a frozen version.
pub(crate) fn processes_of(contents: &[(String, Content)]) -> Vec<(String, String)> {
    contents
        .iter()
        .find(|(key, _)| key == "process_scope")
        .map(|(_, content)| brief::processes(content))
        .unwrap_or_default()
}

impl Loaded {
    /// Marks and diffs the sections that differ from `earlier`.
    pub async fn compare_with(&mut self, state: &AppState, earlier: &Version) -> Result<()> {
        let old: Vec<(String, Content, String)> =
            db::brief::version_sections(&state.pool, earlier.id)
                .await?
                .into_iter()
                .map(|f| (f.section_key, f.content.0, f.section_hash))
                .collect();
        let old_contents: Vec<(String, Content)> =
            old.iter().map(|(k, c, _)| (k.clone(), c.clone())).collect();
        let old_processes = processes_of(&old_contents);
        let new_processes = processes_of(&self.contents);
        for view in &mut self.sections {
            let Some(section) = brief::section(&view.key) else {
                continue;
            };
            let previous = old.iter().find(|(key, _, _)| *key == view.key);
            if previous.is_some_and(|(_, _, hash)| *hash == view.hash) {
                continue;
            }
            view.changed = true;
            let empty = Content::new();
            let before = previous.map_or(&empty, |(_, content, _)| content);
            let after = self
                .contents
                .iter()
                .find(|(key, _)| *key == view.key)
                .map_or(&empty, |(_, c)| c);
            view.diff = section_diff(section, before, &old_processes, after, &new_processes);
        }
        Ok(())
    }

    /// The slot of this user, if they are a required signatory.
    pub fn slot_of(&self, user_id: Uuid) -> Option<&Slot> {
        self.slots.iter().find(|slot| slot.user_id == user_id)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "brief/version.html")]
pub(super) struct VersionPage {
    page: Page,
    programme: Programme,
    loaded: Loaded,
    my_turn: bool,
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<VersionPage> {
    let (user, loaded) = load(&state, viewer, id, number).await?;
    let programme = loaded.programme.clone();
    let my_turn = loaded.is_latest
        && loaded.status == Status::Pending
        && loaded
            .slot_of(user.id)
            .is_some_and(|slot| slot.decision.is_none());
    Ok(VersionPage {
        page: Page::of(&state, &user),
        programme,
        loaded,
        my_turn,
    })
}
