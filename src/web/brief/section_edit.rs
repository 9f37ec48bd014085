//! GET /programmes/{id}/brief/sections/{key}/edit and
//! POST /programmes/{id}/brief/sections/{key} — edit one section of the
//! draft. Only the owner edits (either executive for joint sections); a
//! stale form gets a conflict page; every edit clears a joint section's
//! agreement marks.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::{Draft, edit_action, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::programmes::Programme;
use crate::domain::brief::{self, BLANK_ROWS, Content, Kind, Owner, Section};
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};

/// One input of the form.
pub(super) struct Input {
    name: String,
    id: String,
    label: String,
    hint: &'static str,
    value: String,
    widget: &'static str,
    options: Vec<(String, String)>,
    error: Option<String>,
}

/// One field: a scalar input, or a table of inputs.
pub(super) struct EditField {
    label: &'static str,
    hint: &'static str,
    scalar: Option<Input>,
    table: Option<EditTable>,
}

/// A table of inputs.
pub(super) struct EditTable {
    headers: Vec<&'static str>,
    rows: Vec<EditRow>,
    csv: Option<Input>,
}

/// A row of a table.
pub(super) struct EditRow {
    number: usize,
    id_name: String,
    id: String,
    remove_name: String,
    existing: bool,
    cells: Vec<Input>,
}

#[derive(Template)]
#[template(path = "brief/edit.html")]
struct EditPage {
    page: Page,
    programme: Programme,
    section: &'static Section,
    version: i32,
    fields: Vec<EditField>,
    errors: BTreeMap<String, String>,
    is_joint: bool,
    agreed: bool,
}

fn input(
    name: String,
    label: String,
    hint: &'static str,
    kind: Kind,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
    processes: &[(String, String)],
) -> Input {
    let (widget, options) = match kind {
        Kind::Prose => ("textarea", Vec::new()),
        Kind::Choice(choices) => (
            "select",
            choices
                .iter()
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                .collect(),
        ),
        Kind::Process => ("select", processes.to_vec()),
        Kind::Date => ("date", Vec::new()),
        Kind::Money | Kind::Count | Kind::Percent | Kind::Decimal => ("numberish", Vec::new()),
        Kind::Month | Kind::Line(_) => ("text", Vec::new()),
    };
    Input {
        id: name.clone(),
        value: values.get(&name).cloned().unwrap_or_default(),
        error: errors.get(&name).cloned(),
        name,
        label,
        hint,
        widget,
        options,
    }
}

/// The form's fields from a name → value map (as stored or as submitted).
fn edit_fields(
    section: &Section,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
    processes: &[(String, String)],
) -> Vec<EditField> {
    section
        .fields
        .iter()
        .map(|field| {
            let name = format!("f.{}", field.key);
            match field.kind {
                Some(kind) => EditField {
                    label: field.label,
                    hint: field.hint,
                    scalar: Some(input(name, field.label.to_owned(), field.hint, kind, values, errors, processes)),
                    table: None,
                },
                None => {
                    let existing = (0..)
                        .take_while(|i| field.columns.iter().any(|c| values.contains_key(&format!("{name}.{i}.{}", c.key))))
                        .count();
                    let rows = (0..existing + BLANK_ROWS)
                        .map(|i| {
                            let prefix = format!("{name}.{i}");
                            EditRow {
                                number: i + 1,
                                id_name: format!("{prefix}.id"),
                                id: values.get(&format!("{prefix}.id")).cloned().unwrap_or_default(),
                                remove_name: format!("{prefix}.remove"),
                                existing: i < existing,
                                cells: field
                                    .columns
                                    .iter()
                                    .map(|c| input(format!("{prefix}.{}", c.key), format!("Row {}: {}", i + 1, c.label), "", c.kind, values, errors, processes))
                                    .collect(),
                            }
                        })
                        .collect();
                    let csv = field.csv_paste.then(|| Input {
                        name: format!("{name}.csv"),
                        id: format!("{name}.csv"),
                        label: "Or paste from a spreadsheet".to_owned(),
                        hint: "One line per month: month, investment, benefit. Pasting replaces the rows above.",
                        value: values.get(&format!("{name}.csv")).cloned().unwrap_or_default(),
                        widget: "textarea",
                        options: Vec::new(),
                        error: errors.get(&format!("{name}.csv")).cloned(),
                    });
                    EditField {
                        label: field.label,
                        hint: field.hint,
                        scalar: None,
                        table: Some(EditTable {
                            headers: field.columns.iter().map(|c| c.label).collect(),
                            rows,
                            csv,
                        }),
                    }
                }
            }
        })
        .collect()
}

/// Stored content as form values.
fn values_of(section: &Section, content: &Content) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for field in section.fields {
        let name = format!("f.{}", field.key);
        if field.is_table() {
            for (i, row) in brief::rows(content, field.key).iter().enumerate() {
                for (key, value) in row {
                    values.insert(format!("{name}.{i}.{key}"), value.clone());
                }
            }
        } else {
            values.insert(name, brief::text(content, field.key));
        }
    }
    values
}

fn find_section(key: &str) -> Result<&'static Section> {
    brief::section(key).ok_or(AppError::NotFound)
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, key)): Path<(Uuid, String)>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    let section = find_section(&key)?;
    user.require(edit_action(section.owner))?;
    let draft = Draft::load(&state, id).await?;
    let values = values_of(section, draft.content(section.key));
    let row = draft.row(section.key);
    let page = EditPage {
        page: Page::of(&state, &user),
        fields: edit_fields(section, &values, &BTreeMap::new(), &draft.processes()),
        version: draft.version(section.key),
        is_joint: section.owner == Owner::Joint,
        agreed: row.is_some_and(|r| r.ceo_agreed_at.is_some() || r.coo_agreed_at.is_some()),
        errors: BTreeMap::new(),
        programme,
        section,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path((id, key)): Path<(Uuid, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    let section = find_section(&key)?;
    user.require(edit_action(section.owner))?;
    let mut values = BTreeMap::new();
    for (name, value) in pairs {
        values.entry(name).or_insert(value);
    }
    let loaded: i32 = values
        .get("version")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1);
    let draft = Draft::load(&state, id).await?;
    let processes = draft.processes();
    let content = match brief::parse(section, &values, &processes, || Uuid::new_v4().to_string()) {
        Ok(content) => content,
        Err(errors) => {
            let page = EditPage {
                page: Page::of(&state, &user),
                fields: edit_fields(section, &values, &errors, &processes),
                version: loaded,
                is_joint: section.owner == Owner::Joint,
                agreed: false,
                errors,
                programme,
                section,
            };
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let before = draft.content(section.key);
    let section_url = format!("{}#{}", paths::brief(id), section.key);
    if content == *before {
        return crate::web::pages::nothing_changed(&state, &user, &section_url).await;
    }
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let edit = db::brief::SectionEdit {
        organisation_id: user.organisation_id,
        programme_id: id,
        section_key: section.key,
        expected_version: loaded,
        before,
        content: &content,
    };
    if !db::brief::save_section(&mut tx, &user.actor(&client, now), edit).await? {
        let current = Draft::load(&state, id).await?;
        let theirs = brief::as_lines(section, current.content(section.key), &current.processes());
        let yours = brief::as_lines(section, &content, &processes);
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the section “{}” of the brief", section.title),
            reload_url: format!(
                "{}/brief/sections/{}/edit",
                paths::programme(id),
                section.key
            ),
            fields: yours
                .into_iter()
                .zip(theirs)
                .map(|((label, mine), (_, saved))| ConflictField {
                    label,
                    yours: mine.join("\n"),
                    theirs: saved.join("\n"),
                })
                .collect(),
        }
        .into());
    }
    let message = if section.owner == Owner::Joint {
        format!(
            "“{}” saved. Any agreement marks were cleared: the CEO and the COO each mark it agreed again.",
            section.title
        )
    } else {
        format!("“{}” saved to the draft.", section.title)
    };
    done(tx, &user, &section_url, &message).await
}
