//! GET /programmes/{id}/brief — the draft, section by section, with where
//! sign-off stands and what submission still needs.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use super::{Status, edit_action};
use crate::auth::extract::Viewer;
use crate::brief_shown;
use crate::db;
use crate::db::brief::{ShownSection, SlotDecision};
use crate::db::programmes::Programme;
use crate::domain::brief::{self, Content, Owner, SECTIONS, Section};
use crate::domain::dates;
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::domain::signoff::{DraftState, submission_blockers};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::pages::Page;

/// A section on the brief page.
pub(super) struct SectionView {
    key: &'static str,
    title: &'static str,
    owner: &'static str,
    owner_class: &'static str,
    purpose: &'static str,
    /// Its fields' HTML, as written with the section.
    fields: String,
    is_joint: bool,
    empty: bool,
    version: i32,
    updated: String,
    ceo_agreed: bool,
    coo_agreed: bool,
    can_edit: bool,
    /// Whether this user may mark it agreed now.
    can_agree: bool,
    changed_since_latest: bool,
}

/// A version in the list.
pub(super) struct VersionLine {
    number: i32,
    submitted: String,
    status: Status,
}

#[derive(Template, WebTemplate)]
#[template(path = "brief/view.html")]
pub(super) struct BriefPage {
    page: Page,
    programme: Programme,
    sections: Vec<SectionView>,
    versions: Vec<VersionLine>,
    latest: Option<i32>,
    changed: Vec<&'static str>,
    blockers: Vec<String>,
    can_submit: bool,
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<BriefPage> {
    let seen = db::pages::brief(&state.pool, &viewer.who(&state), id).await?;
    let (user, source) = viewer.admit(&state, seen).await?;
    user.require(Action::ReadProgramme)?;
    let programme = source.programme.ok_or(AppError::NotFound)?;
    // The markup is kept in the draft's order; a draft and markup that do
    // not line up (never, but not worth a failed page) show as never saved.
    let mut shown = if source.shown.len() == source.draft.len() {
        source.shown
    } else {
        Vec::new()
    };
    let rows: HashMap<&str, usize> = source
        .draft
        .iter()
        .enumerate()
        .map(|(at, row)| (row.section_key.as_str(), at))
        .collect();
    let latest = source.versions.first().cloned();
    let latest_hashes = source.latest_hashes;
    let as_ceo = user.seats.holds(SeatKind::Ceo);
    let as_coo = user.seats.holds(SeatKind::Coo);
    let sections: Vec<SectionView> = SECTIONS
        .iter()
        .map(|section| {
            let at = rows.get(section.key).copied();
            let row = at.map(|at| &source.draft[at]);
            let html = at
                .filter(|_| row.is_some_and(|r| r.blank.is_some()))
                .and_then(|at| shown.get_mut(at))
                .map(std::mem::take);
            let ceo_agreed = row.is_some_and(|r| r.ceo_agreed_at.is_some());
            let coo_agreed = row.is_some_and(|r| r.coo_agreed_at.is_some());
            let is_joint = section.owner == Owner::Joint;
            SectionView {
                key: section.key,
                title: section.title,
                owner: section.owner.label(),
                owner_class: section.owner.as_str(),
                purpose: section.purpose,
                fields: html.unwrap_or_else(|| never_saved(section)),
                is_joint,
                empty: row.and_then(|r| r.blank).unwrap_or(true),
                version: row.map_or(0, |r| r.version),
                updated: row
                    .map(|r| {
                        format!(
                            "Last edited {}, {} UTC{}",
                            dates::short(r.updated_at),
                            dates::clock(&r.updated_at),
                            r.updated_by_name
                                .as_ref()
                                .map(|n| format!(" by {n}"))
                                .unwrap_or_default()
                        )
                    })
                    .unwrap_or_default(),
                ceo_agreed,
                coo_agreed,
                can_edit: user.can(edit_action(section.owner)),
                can_agree: is_joint
                    && row.is_some()
                    && ((as_ceo && !ceo_agreed) || (as_coo && !coo_agreed)),
                changed_since_latest: latest.is_some()
                    && latest_hashes.get(section.key) != hash_of(section, row).as_ref(),
            }
        })
        .collect();

    let decisions = source.decisions;
    let versions: Vec<VersionLine> = source
        .versions
        .into_iter()
        .map(|version| VersionLine {
            number: version.number,
            submitted: dates::short(version.submitted_at).to_string(),
            status: Status::of(
                decisions
                    .iter()
                    .filter(|slot| slot.version_id == version.id)
                    .map(SlotDecision::decision),
            ),
        })
        .collect();
    let changed: Vec<&'static str> = sections
        .iter()
        .filter(|s| s.changed_since_latest)
        .map(|s| s.title)
        .collect();
    let blockers = submission_blockers(
        &sections
            .iter()
            .map(|s| DraftState {
                title: s.title,
                empty: s.empty,
                joint: s.is_joint,
                ceo_agreed: s.ceo_agreed,
                coo_agreed: s.coo_agreed,
            })
            .collect::<Vec<_>>(),
    );
    Ok(BriefPage {
        page: Page::of(&state, &user),
        can_submit: user.can(Action::SubmitBrief),
        latest: latest.map(|v| v.number),
        programme,
        sections,
        versions,
        changed,
        blockers,
    })
}

/// The fields of a section never saved: each not filled in yet.
fn never_saved(section: &Section) -> String {
    brief_shown::shown(section.key, &Content::new(), None, &[]).html
}

/// A section's hash as the draft stands: stored with every save (and at
/// start for one saved before), worked out for a section never saved.
fn hash_of(section: &Section, row: Option<&ShownSection>) -> Option<String> {
    match row {
        Some(row) => row.section_hash.clone(),
        None => Some(brief::section_hash(
            section.key,
            section.owner,
            &Content::new(),
        )),
    }
}
