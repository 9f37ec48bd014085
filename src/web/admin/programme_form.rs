//! The programme form shared by "new" and "edit": its raw fields, their
//! parsing, and the page that shows them.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::db::programmes::{Programme, ProgrammeFields};
use crate::db::seats::Approver;
use crate::domain::dates::Day;
use crate::domain::values::Line;
use crate::web::forms::FieldErrors;
use crate::web::pages::{Page, render};

/// The fields as typed. Read from raw pairs because the signatory
/// checkboxes repeat one name.
#[derive(Debug, Clone, Default)]
pub(super) struct ProgrammeForm {
    pub name: String,
    pub summary: String,
    pub planned_start: String,
    pub pulse_tolerance: String,
    pub signatories: Vec<String>,
    pub version: String,
    /// A new programme's one-time key.
    pub once: String,
}

impl ProgrammeForm {
    /// From the urlencoded pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = ProgrammeForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "name" => form.name = value,
                "summary" => form.summary = value,
                "planned_start" => form.planned_start = value,
                "pulse_tolerance" => form.pulse_tolerance = value,
                "signatory" => form.signatories.push(value),
                "version" => form.version = value,
                "once" => form.once = value,
                _ => {}
            }
        }
        form
    }

    /// The form filled from a stored programme.
    pub fn from_programme(programme: &Programme, signatories: &[Uuid]) -> Self {
        ProgrammeForm {
            name: programme.name.clone(),
            summary: programme.summary.clone(),
            planned_start: programme
                .planned_start
                .map(|d| d.to_string())
                .unwrap_or_default(),
            pulse_tolerance: programme
                .pulse_tolerance
                .map(crate::domain::metrics::format_number)
                .unwrap_or_default(),
            signatories: signatories.iter().map(Uuid::to_string).collect(),
            version: programme.version.to_string(),
            once: String::new(),
        }
    }

    /// Whether this approver's box is ticked.
    pub fn has_signatory(&self, id: &Uuid) -> bool {
        let id = id.to_string();
        self.signatories.contains(&id)
    }
}

/// A programme's fields, parsed.
#[derive(Debug)]
pub(super) struct ParsedProgramme {
    pub name: Line,
    pub summary: String,
    pub planned_start: Option<NaiveDate>,
    pub pulse_tolerance: Option<f64>,
    pub signatories: Vec<Uuid>,
}

impl ParsedProgramme {
    /// The fields to store.
    pub fn fields(&self) -> ProgrammeFields<'_> {
        ProgrammeFields {
            name: self.name.as_str(),
            summary: &self.summary,
            planned_start: self.planned_start,
            pulse_tolerance: self.pulse_tolerance,
        }
    }
}

/// Parses the form; signatories must be sitting approvers of the organisation.
pub(super) fn parse(
    form: &ProgrammeForm,
    approvers: &[Approver],
) -> Result<ParsedProgramme, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", Line::parse(&form.name, "a name", 120));
    let summary = form.summary.trim().to_owned();
    if summary.chars().count() > 2000 {
        errors.add("summary", "Keep the summary to 2,000 characters or fewer.");
    }
    let planned_start = match form.planned_start.trim() {
        "" => None,
        raw => errors.check("planned_start", Day::parse(raw).map(Day::date)),
    };
    let pulse_tolerance = match form.pulse_tolerance.trim() {
        "" => None,
        raw => errors.check(
            "pulse_tolerance",
            raw.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0 && *v <= 100.0)
                .ok_or("Give a number above 0 and at most 100, or leave it empty for the default."),
        ),
    };
    let mut signatories = Vec::new();
    for raw in &form.signatories {
        match raw
            .parse::<Uuid>()
            .ok()
            .filter(|id| approvers.iter().any(|a| a.user_id == *id))
        {
            Some(id) if !signatories.contains(&id) => signatories.push(id),
            Some(_) => {}
            None => errors.add("signatory", "Only sitting approvers can be signatories."),
        }
    }
    match name {
        Some(name) if errors.is_empty() => Ok(ParsedProgramme {
            name,
            summary,
            planned_start,
            pulse_tolerance,
            signatories,
        }),
        _ => Err(errors),
    }
}

#[derive(Template)]
#[template(path = "admin/programme_form.html")]
pub(super) struct ProgrammeFormPage {
    pub page: Page,
    pub heading: String,
    pub action: String,
    pub cancel_url: String,
    pub is_new: bool,
    pub form: ProgrammeForm,
    pub approvers: Vec<Approver>,
    pub errors: FieldErrors,
}

impl ProgrammeFormPage {
    /// Renders with a status.
    pub fn render(&self, status: StatusCode) -> Response {
        render(status, self)
    }
}
