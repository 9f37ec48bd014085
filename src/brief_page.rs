//! The brief page's body (everything below its programme navigation),
//! written to HTML when the brief changes and kept beside its document
//! (issue 23): where sign-off stands, what submission still needs and
//! every section with its fields, whose markup is itself kept per section
//! (`brief_shown`). What differs between viewers — the forms to submit and
//! to agree, the links to edit — follows from their seats and is marked as
//! such (`kept`); each view fills in its own.

use std::collections::HashMap;

use askama::Template;
use uuid::Uuid;

use crate::brief_shown;
use crate::db::brief::{ShownSection, SlotDecision};
use crate::db::pages::BriefSource;
use crate::domain::brief::{self, Content, Owner, SECTIONS, Section};
use crate::domain::dates;
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::domain::signoff::{DraftState, Status, submission_blockers};
use crate::kept;

/// A section on the brief page.
struct SectionView {
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
    /// Opens the link to edit it: for those who may.
    edit_gate: String,
    /// Opens the form to mark it agreed, if it can be: for an executive
    /// who has not.
    agree_gate: Option<String>,
    changed_since_latest: bool,
}

/// A version in the list.
struct VersionLine {
    number: i32,
    submitted: String,
    status: Status,
}

#[derive(Template)]
#[template(path = "brief/body.html")]
struct BriefBody {
    programme_id: Uuid,
    sections: Vec<SectionView>,
    versions: Vec<VersionLine>,
    latest: Option<i32>,
    changed: Vec<&'static str>,
    blockers: Vec<String>,
    /// Opens the submission form or what it still needs: for those who
    /// may submit.
    submit_gate: String,
    csrf_token: &'static str,
}

/// The body of programme `programme_id`'s brief page as every viewer's
/// view is filled from it ([`kept::fill`]).
pub fn render(programme_id: Uuid, source: &BriefSource) -> Vec<String> {
    // The markup is kept in the draft's order; a draft and markup that do
    // not line up (never, but not worth a failed page) show as never saved.
    let shown: &[String] = if source.shown.len() == source.draft.len() {
        &source.shown
    } else {
        &[]
    };
    let rows: HashMap<&str, usize> = source
        .draft
        .iter()
        .enumerate()
        .map(|(at, row)| (row.section_key.as_str(), at))
        .collect();
    let latest = source.versions.first();
    let sections: Vec<SectionView> = SECTIONS
        .iter()
        .map(|section| {
            let at = rows.get(section.key).copied();
            let row = at.map(|at| &source.draft[at]);
            let html = at
                .filter(|_| row.is_some_and(|r| r.blank.is_some()))
                .and_then(|at| shown.get(at))
                .cloned();
            let ceo_agreed = row.is_some_and(|r| r.ceo_agreed_at.is_some());
            let coo_agreed = row.is_some_and(|r| r.coo_agreed_at.is_some());
            let is_joint = section.owner == Owner::Joint;
            let empty = row.and_then(|r| r.blank).unwrap_or(true);
            let agreeing: Vec<SeatKind> =
                [(SeatKind::Ceo, ceo_agreed), (SeatKind::Coo, coo_agreed)]
                    .into_iter()
                    .filter(|(_, agreed)| !agreed)
                    .map(|(kind, _)| kind)
                    .collect();
            SectionView {
                key: section.key,
                title: section.title,
                owner: section.owner.label(),
                owner_class: section.owner.as_str(),
                purpose: section.purpose,
                fields: html.unwrap_or_else(|| never_saved(section)),
                is_joint,
                empty,
                version: row.map_or(0, |r| r.version),
                updated: row.map(last_edited).unwrap_or_default(),
                ceo_agreed,
                coo_agreed,
                edit_gate: kept::when(crate::web::brief::edit_action(section.owner)),
                agree_gate: (is_joint && row.is_some() && !empty && !agreeing.is_empty())
                    .then(|| kept::when_held(&agreeing)),
                changed_since_latest: latest.is_some()
                    && source.latest_hashes.get(section.key) != hash_of(section, row).as_ref(),
            }
        })
        .collect();
    let versions: Vec<VersionLine> = source
        .versions
        .iter()
        .map(|version| VersionLine {
            number: version.number,
            submitted: dates::short(version.submitted_at).to_string(),
            status: Status::of(
                source
                    .decisions
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
    let body = BriefBody {
        programme_id,
        sections,
        versions,
        latest: latest.map(|v| v.number),
        changed,
        blockers,
        submit_gate: kept::when(Action::SubmitBrief),
        csrf_token: kept::CSRF,
    };
    // Writing to a String cannot fail.
    kept::split(&body.render().unwrap_or_default())
}

/// When a section was last edited, and by whom.
fn last_edited(row: &ShownSection) -> String {
    format!(
        "Last edited {}, {} UTC{}",
        dates::short(row.updated_at),
        dates::clock(row.updated_at),
        row.updated_by_name
            .as_ref()
            .map(|n| format!(" by {n}"))
            .unwrap_or_default()
    )
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
