//! The bodies of a programme's brief page (`brief_page`) and matrix page
//! (`matrix_page`), kept beside the programme's document (issue 23,
//! migration 0055): both are written from it, so both are written together,
//! by the same writers as the dashboard's board (`board_shown`) — a write
//! through a page before it commits, the keeper for anything else — and
//! shown only while written from the document as it stands with this
//! release's markup.

use std::sync::LazyLock;

use uuid::Uuid;

use crate::db::pages::PagesSource;
use crate::matrix_page::{self, Asked};
use crate::{brief_page, brief_shown, db};

/// The two bodies of one programme, brief then matrix.
pub fn render(programme_id: Uuid, source: &PagesSource) -> (Vec<String>, Vec<String>) {
    (
        brief_page::render(programme_id, &source.brief),
        matrix_page::render(&source.programme, source.matrix.as_ref(), &Asked::default()),
    )
}

/// Writes the bodies of every programme whose document the current
/// transaction wrote.
pub async fn write_changed(conn: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    for (programme_id, source) in db::pages::programme_pages_written(&mut *conn).await? {
        let (brief, matrix) = render(programme_id, &source);
        db::pages::write_programme_pages(
            &mut *conn,
            programme_id,
            None,
            (&brief, &matrix),
            markup(),
        )
        .await?;
    }
    Ok(())
}

/// What the kept bodies were written with: a hash of their templates and
/// code (a body written with another is not shown, and the keeper writes
/// it again).
pub fn markup() -> &'static str {
    static MARKUP: LazyLock<String> = LazyLock::new(|| {
        crate::domain::values::short_hash(&[
            include_str!("../templates/brief/body.html"),
            include_str!("../templates/matrix/body.html"),
            include_str!("../templates/matrix/grid.html"),
            include_str!("brief_page.rs"),
            include_str!("matrix_page.rs"),
            include_str!("programme_pages.rs"),
            include_str!("kept.rs"),
            include_str!("web/matrix/mod.rs"),
            include_str!("domain/raci.rs"),
            brief_shown::markup(),
        ])
    });
    &MARKUP
}
