//! GET /programmes/{id}/reviews/{month}/verify — recomputes the held pack's
//! hash from what is stored and says whether it still matches.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "cadence/review_verify.html")]
pub(in crate::web::cadence) struct VerifyPage {
    page: Page,
    programme: Programme,
    month: Period,
    held: bool,
    stored: String,
    recorded: String,
    computed: String,
    texts_match: bool,
    corrected_since: Vec<(String, String, String)>,
    checked_at: String,
}

impl VerifyPage {
    fn intact(&self) -> bool {
        self.held
            && self.stored == self.computed
            && self.recorded == self.computed
            && self.texts_match
    }
}

pub(in crate::web::cadence) async fn verify(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, month)): Path<(Uuid, String)>,
) -> Result<VerifyPage> {
    let (user, loaded) = load_review(&state, viewer, id, &month, true).await?;
    let snapshot = loaded
        .source
        .snapshots
        .iter()
        .find(|s| s.month == loaded.review.month);
    let computed = loaded.pack.as_ref().map(Pack::sha256).unwrap_or_default();
    let review = &loaded.review;
    let texts_match = loaded.pack.as_ref().is_some_and(|p| {
        p.attendees == review.attendees
            && p.strategy == review.strategy
            && p.competition == review.competition
            && p.operations == review.operations
            && p.pipeline_decisions == review.pipeline_decisions
            && p.meeting_on == review.meeting_on
    });
    let corrected_since = loaded
        .pack
        .as_ref()
        .map(|p| figure_rows(&p.figures, &loaded.today))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|row| {
            Some((
                row.figure.name.clone(),
                row.figure.value_text(),
                row.corrected?,
            ))
        })
        .collect();
    Ok(VerifyPage {
        held: review.held_at.is_some(),
        stored: snapshot.map(|s| s.sha256.clone()).unwrap_or_default(),
        recorded: review.snapshot_hash.clone().unwrap_or_default(),
        computed,
        texts_match,
        corrected_since,
        checked_at: state.now().format("%-d %B %Y, %H:%M UTC").to_string(),
        page: Page::of(&state, &user),
        programme: loaded.programme,
        month: loaded.month,
    })
}
