//! POST /programmes/{id}/reviews/{month}/hold — holding the review freezes
//! its pack under a SHA-256 that the serving role cannot change.

use super::*;

pub(in crate::web::cadence) async fn hold(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, month)): Path<(Uuid, String)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    user.require(Action::WriteExcoReview)?;
    let month = month_of_path(&month)?;
    let back = paths::review(id, &month);
    // A form without the version it was loaded at is as stale as an old one.
    let version: i32 = form.version.trim().parse().unwrap_or(0);
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let review = db::cadence::lock_review(&mut tx, id, &month)
        .await?
        .ok_or(AppError::NotFound)?;
    if review.held_at.is_some() {
        drop(tx);
        return refuse_held(&state, &user, id, &review).await;
    }
    if review.version != version {
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the ExCo review of {month}"),
            reload_url: back,
            fields: vec![ConflictField {
                label: "The review's texts".into(),
                yours: "as you last saw them".into(),
                theirs: "changed since: read them again before holding the review".into(),
            }],
        }
        .into());
    }
    let figures = crate::board::figures_now(&mut tx, id, now).await?;
    let decisions = db::pipeline::decisions_of_review(&mut *tx, id, &month).await?;
    let at_work = db::governance::at_work(&mut tx, id, &month).await?;
    let pack = review.pack(id, &decisions, figures, Some(at_work), now);
    let hash =
        db::cadence::hold_review(&mut tx, &user.actor(&client, now), id, &review, &pack).await?;
    done(
        tx,
        &user,
        &back,
        &format!(
            "The review is held and its pack frozen (SHA-256 {}…).",
            &hash[..12]
        ),
    )
    .await
}
