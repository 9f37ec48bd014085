//! GET /programmes/{id}/reviews/{month}/pack — the pack as printed on A4:
//! a one-page summary, the charts, then the rest.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "cadence/pack.html")]
pub(in crate::web::cadence) struct PackPage {
    page: Page,
    programme: Programme,
    review: ReviewRow,
    month: Period,
    figures: Figures,
    rows: Vec<FigureRow>,
    moved: Vec<Move>,
    previous_month: Option<String>,
    set_here: Vec<ActionView>,
    proposed: Vec<ActionView>,
    texts: Pack,
}

impl PackPage {
    /// How many metrics changed status since the last review.
    fn status_changes(&self) -> usize {
        self.moved
            .iter()
            .filter(|m| m.status.0 != m.status.1)
            .count()
    }
}

pub(in crate::web::cadence) async fn pack(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, month)): Path<(Uuid, String)>,
) -> Result<PackPage> {
    let (user, mut loaded) = load_review(&state, viewer, id, &month, true).await?;
    let shown = loaded.shown(state.now());
    Ok(PackPage {
        rows: shown.rows,
        moved: shown.moved,
        previous_month: shown.previous_month,
        set_here: shown.set_here,
        proposed: shown.proposed,
        page: Page::of(&state, &user),
        figures: shown.pack.figures.clone(),
        programme: loaded.programme,
        month: loaded.month,
        review: loaded.review,
        texts: shown.pack,
    })
}
