//! POST /programmes/{id}/reviews/{month} — each executive writes their part
//! of an open review (the CEO the strategy and competition, the COO the
//! operations), with the actions set.

use super::*;

pub(in crate::web::cadence) async fn write(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, month)): Path<(Uuid, String)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    user.require(Action::WriteExcoReview)?;
    let month = month_of_path(&month)?;
    let mut errors = FieldErrors::new();
    let meeting_on = errors.check(
        "meeting_on",
        Day::parse(field(&form, "meeting_on")).map(Day::date),
    );
    let mut own = |name: &str, mine: bool, max: usize| -> Option<String> {
        if !mine {
            return None;
        }
        errors.check(name.to_owned(), text(field(&form, name), max))
    };
    let as_ceo = user.seats.holds(SeatKind::Ceo);
    let as_coo = user.seats.holds(SeatKind::Coo);
    let texts = ReviewTexts {
        meeting_on,
        attendees: own("attendees", true, 1000),
        strategy: own("strategy", as_ceo, 8000),
        competition: own("competition", as_ceo, 8000),
        operations: own("operations", as_coo, 8000),
        pipeline_decisions: own("pipeline_decisions", true, 8000),
    };
    let (typed_actions, new_actions) = parse_actions(&form, &mut errors);
    if !errors.is_empty() {
        let page = review_page(
            &state,
            Viewer::Known(user.clone()),
            id,
            &month,
            Some((form, typed_actions)),
            errors,
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let back = paths::review(id, &month);
    // A form without the version it was loaded at is as stale as an old one.
    let version: i32 = form.version.trim().parse().unwrap_or(0);
    let mut tx = state.pool.begin().await?;
    let review = db::cadence::lock_review(&mut tx, id, &month)
        .await?
        .ok_or(AppError::NotFound)?;
    if review.held_at.is_some() {
        drop(tx);
        return refuse_held(&state, &user, id, &review).await;
    }
    if review.version != version {
        let pairs = [
            ("Attendees", &texts.attendees, &review.attendees),
            ("Strategic narrative", &texts.strategy, &review.strategy),
            (
                "Competitive update",
                &texts.competition,
                &review.competition,
            ),
            (
                "Operational outcomes",
                &texts.operations,
                &review.operations,
            ),
            (
                "Expansion-pipeline decisions",
                &texts.pipeline_decisions,
                &review.pipeline_decisions,
            ),
        ];
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the ExCo review of {month}"),
            reload_url: back,
            fields: pairs
                .into_iter()
                .filter_map(|(label, yours, theirs)| {
                    Some(ConflictField {
                        label: label.into(),
                        yours: yours.clone()?,
                        theirs: theirs.clone(),
                    })
                })
                .collect(),
        }
        .into());
    }
    let changed = db::cadence::write_review(
        &mut tx,
        &user.actor(&client, state.now()),
        user.organisation_id,
        id,
        &review,
        &texts,
        &new_actions,
    )
    .await?;
    if !changed {
        drop(tx);
        return crate::web::pages::nothing_changed(&state, &user, &back).await;
    }
    done(tx, &user, &back, "The review is saved.").await
}
