//! POST /programmes/{id}/reviews — either executive opens the month's ExCo
//! review with its meeting day.

use super::*;

pub(in crate::web::cadence) async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    let (programme, _) = load(&state, &user, id, Reads::default()).await?;
    user.require(Action::WriteExcoReview)?;
    let month = parse_month(field(&form, "month"));
    let meeting = Day::parse(field(&form, "meeting_on"))
        .map(Day::date)
        .map_err(str::to_owned);
    let (Ok(month), Ok(meeting_on)) = (&month, &meeting) else {
        // Back to the cadence page, with what was typed and a message beside each field.
        let mut errors = FieldErrors::new();
        for (name, problem) in [("month", month.err()), ("meeting_on", meeting.err())] {
            if let Some(problem) = problem {
                errors.add(name, problem);
            }
        }
        let typed = (
            field(&form, "month").to_owned(),
            field(&form, "meeting_on").to_owned(),
        );
        let page = crate::web::cadence::overview::page(
            &state,
            Viewer::Known(user.clone()),
            id,
            Some(typed),
            errors,
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    if programme.live_since.is_none() {
        return Refusal::conflict(
            &state,
            &user,
            "Not live yet",
            "ExCo reviews of the dashboard begin once the programme has gone live.",
            Vec::new(),
            (paths::cadence(id), "Back to the cadence".to_owned()),
        )
        .await;
    }
    let month_text = month.to_string();
    let mut tx = state.pool.begin().await?;
    let opened = db::cadence::open_review(
        &mut tx,
        &user.actor(&client, state.now()),
        user.organisation_id,
        id,
        &month_text,
        *meeting_on,
    )
    .await?;
    let message = if opened {
        format!(
            "The review of {} is open: each of you can now write your part.",
            month.label()
        )
    } else {
        format!("The review of {} was already open.", month.label())
    };
    done(tx, &user, &paths::review(id, &month_text), &message).await
}
