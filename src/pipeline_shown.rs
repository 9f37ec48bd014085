//! The expansion pipeline as its page shows it, written to HTML when its
//! document or the dashboard its gates are judged on changes (issue 23),
//! as the dashboard's board is (`board_shown`, which also keeps these).
//!
//! What differs between viewers is only whether they may move processes
//! (the forms) and, in those forms, their CSRF token and the one-time keys:
//! the page is kept once for a reader and once for a mover, with a
//! placeholder token ([`crate::kept::CSRF`]), and each view puts its own
//! token and fresh keys in ([`fill`]). A form that comes back with errors
//! is rendered now, with what was typed.

use askama::Template;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::board::{Board, MetricView};
use crate::db::pipeline::{PipelineAgent, PipelineSource};
use crate::kept::CSRF as CSRF_PLACEHOLDER;
use crate::pipeline::{ProcessView, build};
use crate::web::forms::{FieldErrors, Typed};
use crate::web::once;
use crate::web::pipeline::PipelineForm;

/// Who views the page, and what their forms hold.
pub(crate) struct Viewing<'a> {
    pub can_move: bool,
    pub csrf_token: &'a str,
    /// The process whose form came back, what was typed and why.
    pub form_process: Option<Uuid>,
    pub form: &'a PipelineForm,
    pub errors: &'a FieldErrors,
}

#[derive(Template)]
#[template(path = "pipeline/content.html")]
struct PipelineContent<'a> {
    programme_id: Uuid,
    processes: &'a [ProcessView],
    /// The agents in service, by process.
    agents: &'a [PipelineAgent],
    signed_version: Option<i32>,
    metrics: &'a [(String, String)],
    can_move: bool,
    csrf_token: &'a str,
    form_process: Option<Uuid>,
    form: &'a PipelineForm,
    errors: &'a FieldErrors,
}

impl PipelineContent<'_> {
    fn agents_of(&self, process: &Uuid) -> Vec<&PipelineAgent> {
        self.agents
            .iter()
            .filter(|a| a.process_id == *process)
            .collect()
    }

    fn value(&self, process: &Uuid, name: &str) -> &str {
        if self.form_process.as_ref() != Some(process) {
            return "";
        }
        self.form.value(name)
    }

    /// The message of a field of one process's forms (fields are named
    /// `{name}-{process}` on the page, so the error summary's links land).
    fn error(&self, process: &Uuid, name: &str) -> Option<&str> {
        self.errors.get(format!("{name}-{process}"))
    }
}

/// The pipeline of programme `programme_id` from its document `source` as
/// of `today`, once for each viewing.
fn render_each(
    programme_id: Uuid,
    source: &PipelineSource,
    today: NaiveDate,
    viewings: &[Viewing<'_>],
) -> Vec<String> {
    let board = Board::build(&source.dashboard, today);
    let processes = build(source, &source.dashboard, &board, today);
    let metrics: Vec<(String, String)> = board
        .metrics
        .iter()
        .map(|m: &MetricView| (m.def.id.clone(), m.def.name.clone()))
        .collect();
    viewings
        .iter()
        .map(|viewing| {
            PipelineContent {
                programme_id,
                processes: &processes,
                agents: &source.agents,
                signed_version: board.basis.signed_version,
                metrics: &metrics,
                can_move: viewing.can_move,
                csrf_token: viewing.csrf_token,
                form_process: viewing.form_process,
                form: viewing.form,
                errors: viewing.errors,
            }
            .render()
            // Writing into a `String` cannot fail.
            .unwrap_or_default()
        })
        .collect()
}

/// The pipeline for one viewing, rendered now.
pub(crate) fn render(
    programme_id: Uuid,
    source: &PipelineSource,
    today: NaiveDate,
    viewing: &Viewing<'_>,
) -> String {
    render_each(programme_id, source, today, std::slice::from_ref(viewing))
        .pop()
        .unwrap_or_default()
}

/// The pipeline as kept: for a reader, then for a mover, with the
/// placeholder token.
pub fn render_kept(programme_id: Uuid, source: &PipelineSource, today: NaiveDate) -> Vec<String> {
    let (form, errors) = (PipelineForm::default(), FieldErrors::new());
    let viewing = |can_move| Viewing {
        can_move,
        csrf_token: CSRF_PLACEHOLDER,
        form_process: None,
        form: &form,
        errors: &errors,
    };
    render_each(
        programme_id,
        source,
        today,
        &[viewing(false), viewing(true)],
    )
}

/// The pipeline as [`render_kept`] writes it, from the kept documents
/// (`page_sources.body` of the pipeline, `dashboard_sources.body`).
pub fn render_kept_document(
    programme_id: Uuid,
    document: &str,
    dashboard: Option<&str>,
    today: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    let part = |text: &str| crate::db::json::Part(text.to_owned());
    let source =
        crate::db::pipeline::decode_source(Some(&part(document)), dashboard.map(part).as_ref())?;
    Ok(render_kept(programme_id, &source, today))
}

/// A kept page for one view: the viewer's CSRF token in place of the
/// placeholder (a session's token is hex: nothing to escape), and a fresh
/// one-time key in each form that has one.
pub fn fill(kept: &str, csrf_token: &str) -> String {
    let mut page = kept.replace(CSRF_PLACEHOLDER, csrf_token);
    let marker = once::BEFORE_KEY;
    let starts: Vec<usize> = page
        .match_indices(marker)
        .map(|(at, _)| at + marker.len())
        .filter(|at| at + once::KEY_LEN <= page.len())
        .collect();
    for at in starts {
        page.replace_range(at..at + once::KEY_LEN, &once::fresh());
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_view_gets_its_own_token_and_fresh_keys() {
        let kept = format!(
            r#"<input name="csrf_token" value="{CSRF_PLACEHOLDER}"><input type="hidden" name="once" value="{}"><input name="csrf_token" value="{CSRF_PLACEHOLDER}"><input type="hidden" name="once" value="{}">"#,
            once::fresh(),
            once::fresh()
        );
        let one = fill(&kept, "token-one");
        let two = fill(&kept, "token-two");
        assert_eq!(one.matches("token-one").count(), 2);
        assert!(!one.contains(CSRF_PLACEHOLDER));
        let keys = |page: &str| -> Vec<String> {
            page.match_indices(once::BEFORE_KEY)
                .map(|(at, _)| {
                    let at = at + once::BEFORE_KEY.len();
                    page[at..at + once::KEY_LEN].to_owned()
                })
                .collect()
        };
        let (kept_keys, one_keys, two_keys) = (keys(&kept), keys(&one), keys(&two));
        assert_eq!(one_keys.len(), 2);
        assert!(one_keys.iter().all(|k| k.parse::<Uuid>().is_ok()));
        assert!(
            one_keys
                .iter()
                .all(|k| !kept_keys.contains(k) && !two_keys.contains(k))
        );
        assert_ne!(one_keys[0], one_keys[1]);
        assert_eq!(
            one.len(),
            kept.len() - 2 * CSRF_PLACEHOLDER.len() + 2 * "token-one".len()
        );
    }
}
