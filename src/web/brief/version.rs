//! GET /programmes/{id}/brief/versions/{number} — a frozen version exactly
//! as submitted, with its hashes and where each signature stands.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use super::{FieldDiff, Status, section_diff};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::brief_shown;
use crate::db;
use crate::db::brief::{FrozenSection, Slot, Version};
use crate::db::pages::VersionSource;
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Content};
use crate::domain::permission::Action;
use crate::error::{AppError, Result};
use crate::kept;
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
    /// Its fields' HTML, as written at submission.
    pub fields: String,
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
    let (user, source) = read(state, viewer, programme_id, number, None).await?;
    Ok((user, loaded(state, source).await?))
}

/// Reads version `number` for a reader of programmes, with its kept page
/// body if `markup` is given and it is current.
async fn read(
    state: &AppState,
    viewer: Viewer,
    programme_id: Uuid,
    number: i32,
    markup: Option<&str>,
) -> Result<(CurrentUser, VersionSource)> {
    let who = viewer.who(state);
    let seen = db::pages::version(state.readers(), &who, programme_id, number, markup).await?;
    let (user, source) = viewer.admit(state, seen).await?;
    user.require(Action::ReadProgramme)?;
    Ok((user, source))
}

/// A version as read, loaded whole: 404 without the programme or the
/// version. A version whose markup is not all there (never, once the
/// start has filled it) is shown from its content, read apart.
async fn loaded(state: &AppState, mut source: VersionSource) -> Result<Loaded> {
    if !markup_complete(&source) {
        let version_id = source.version.as_ref().map(|v| v.id).unwrap_or_default();
        source.shown = written_now(state, version_id).await?;
    }
    Loaded::of(source).ok_or(AppError::NotFound)
}

/// Whether every section's markup was read with the version.
pub(crate) fn markup_complete(source: &VersionSource) -> bool {
    source.shown.len() == source.sections.len() && source.shown.iter().all(|html| !html.is_empty())
}

impl Loaded {
    /// A version as read, loaded whole (its sections' markup as read);
    /// nothing without its programme or version.
    pub(crate) fn of(source: VersionSource) -> Option<Loaded> {
        let (Some(programme), Some(version)) = (source.programme, source.version) else {
            return None;
        };
        let sections = source
            .sections
            .iter()
            .zip(source.shown)
            .filter_map(|(f, html)| {
                let section = brief::section(&f.section_key)?;
                Some(FrozenView {
                    key: f.section_key.clone(),
                    title: section.title,
                    owner: section.owner.label(),
                    owner_class: section.owner.as_str(),
                    hash: f.section_hash.clone(),
                    fields: html,
                    changed: false,
                    diff: Vec::new(),
                })
            })
            .collect();
        let slots = source.slots;
        Some(Loaded {
            programme,
            is_latest: source.latest_number == Some(version.number),
            status: super::status_of(&slots),
            version,
            sections,
            slots,
        })
    }
}

/// Each section's markup of a version, written now from its content (in
/// the version's order).
async fn written_now(state: &AppState, version_id: Uuid) -> Result<Vec<String>> {
    let frozen = db::brief::version_sections(&state.pool, version_id).await?;
    let processes = processes_of(&contents_of(&frozen));
    Ok(frozen
        .iter()
        .map(|f| {
            let rendered = f.rendered.as_ref().map(|r| &r.0);
            brief_shown::shown(&f.section_key, &f.content.0, rendered, &processes).html
        })
        .collect())
}

/// The contents of frozen sections, by key.
fn contents_of(frozen: &[FrozenSection]) -> Vec<(String, Content)> {
    frozen
        .iter()
        .map(|f| (f.section_key.clone(), f.content.0.clone()))
        .collect()
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
        let (old, new) =
            db::brief::two_versions_sections(&state.pool, earlier.id, self.version.id).await?;
        let old_processes = processes_of(&contents_of(&old));
        let new_contents = contents_of(&new);
        let new_processes = processes_of(&new_contents);
        for view in &mut self.sections {
            let Some(section) = brief::section(&view.key) else {
                continue;
            };
            let previous = old.iter().find(|f| f.section_key == view.key);
            if previous.is_some_and(|f| f.section_hash == view.hash) {
                continue;
            }
            view.changed = true;
            let empty = Content::new();
            let before = previous.map_or(&empty, |f| &f.content.0);
            let after = new_contents
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
    number: i32,
    /// The body as this viewer sees it.
    body: String,
}

/// A version page's body, kept for every viewer (`version_page`).
#[derive(Template)]
#[template(path = "brief/version_body.html")]
struct VersionBody<'a> {
    programme: &'a Programme,
    loaded: &'a Loaded,
    /// Opens the link to sign: for the signatories still to decide while
    /// the version is the latest and waiting.
    sign_gate: Option<String>,
}

/// The body of a version's page as every viewer's view is filled from it
/// ([`kept::fill`]).
pub(crate) fn render_body(loaded: &Loaded) -> Vec<String> {
    let waiting = loaded.is_latest && loaded.status == Status::Pending;
    let body = VersionBody {
        programme: &loaded.programme,
        loaded,
        sign_gate: waiting.then(|| {
            kept::when_one_of(
                loaded
                    .slots
                    .iter()
                    .filter(|slot| slot.decision.is_none())
                    .map(|slot| slot.user_id),
            )
        }),
    };
    // Writing to a String cannot fail.
    kept::split(&body.render().unwrap_or_default())
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<VersionPage> {
    let markup = crate::programme_pages::markup();
    let (user, mut source) = read(&state, viewer, id, number, Some(markup)).await?;
    let programme = source.programme.clone().ok_or(AppError::NotFound)?;
    let parts = match source.page.take() {
        Some(parts) => parts,
        None => render_body(&loaded(&state, source).await?),
    };
    Ok(VersionPage {
        body: kept::fill(&parts, user.kept()),
        page: Page::of(&state, &user),
        programme,
        number,
    })
}
