//! The bodies of a programme's brief page (`brief_page`) and matrix page
//! (`matrix_page`), kept beside the programme's document (issue 23,
//! migration 0055): both are written from it, so both are written together,
//! by the same writers as the dashboard's board (`board_shown`) — a write
//! through a page before it commits, the keeper for anything else — and
//! shown only while written from the document as it stands with this
//! release's markup. Each brief version's page body is kept beside the
//! version's document the same way (migration 0056).

use std::sync::LazyLock;

use uuid::Uuid;

use crate::db::pages::{PagesSource, VersionSource};
use crate::matrix_page::{self, Asked};
use crate::web::brief::Loaded;
use crate::{brief_page, brief_shown, db};

/// The two bodies of one programme, brief then matrix.
pub fn render(programme_id: Uuid, source: &PagesSource) -> (Vec<String>, Vec<String>) {
    (
        brief_page::render(programme_id, &source.brief),
        matrix_page::render(&source.programme, source.matrix.as_ref(), &Asked::default()),
    )
}

/// A version's page body and the latest version it was written under;
/// nothing for a version whose sections' markup is not all there (its page
/// renders it from the content, read apart).
pub fn render_version(source: VersionSource) -> Option<(Vec<String>, Option<i32>)> {
    if !crate::web::brief::markup_complete(&source) {
        return None;
    }
    let latest = source.latest_number;
    let loaded = Loaded::of(source)?;
    Some((crate::web::brief::render_version_body(&loaded), latest))
}

/// Writes the bodies of every programme whose document the current
/// transaction wrote, and of every version whose page it changed.
pub async fn write_changed(conn: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    for (version_id, source) in db::pages::version_pages_written(&mut *conn).await? {
        if let Some((page, latest)) = render_version(source) {
            let body = (&page[..], latest);
            db::pages::write_version_page(&mut *conn, version_id, None, body, markup()).await?;
        }
    }
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
            include_str!("../templates/brief/version_body.html"),
            include_str!("../templates/brief/signatures.html"),
            include_str!("web/brief/version.rs"),
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
