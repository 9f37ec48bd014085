//! POST /programmes/{id}/health/rating — an executive rates the programme
//! red, amber or green, blind until both are in.

use super::*;

pub(super) async fn rating(
    State(state): State<AppState>,
    user: CurrentUser,
    Readable(programme): Readable,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<HealthForm>,
) -> Result<Response> {
    user.require(Action::RecordAlignment)?;
    let seat = user.executive_seat().ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::new();
    let rag = errors.check(
        "rating",
        Rag::parse(&form.rating).ok_or("Choose red, amber or green."),
    );
    let confidence = errors.check(
        "confidence",
        form.confidence
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|c| (1..=5).contains(c))
            .ok_or("Choose how sure you are, from 1 to 5."),
    );
    let why = form.why.trim();
    if why.chars().count() > 200 {
        errors.add("why", "One line: 200 characters at most.");
    }
    let (Some(rag), Some(confidence), true) = (rag, confidence, errors.is_empty()) else {
        return refused(&state, &user, id, form, errors).await;
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let board = Board::build(&dashboard, now.date_naive());
    let statuses: Vec<Status> = board.metrics.iter().map(|m| m.assessment.status).collect();
    let data = Rag::of_dashboard(board.primary().map(|m| m.assessment.status), &statuses);
    let row = RatingRow {
        round: crate::domain::spells::rating_round(programme.phase(), now.date_naive()).to_string(),
        seat: seat.to_owned(),
        rating: rag.as_str().to_owned(),
        confidence,
        why: why.to_owned(),
        dashboard: Some(data.as_str().to_owned()),
        rated_at: now,
    };
    if !db::health::record_rating(&mut tx, &user.actor(&client, now), id, &row).await? {
        drop(tx);
        let mut errors = FieldErrors::new();
        errors.add(
            "rating",
            "You have already rated this round; a rating once given stays.",
        );
        let page = page(&state, Viewer::Known(user.clone()), id, form, errors).await?;
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    finish(
        &state,
        &user,
        tx,
        id,
        "Your rating is in. The other executive's shows once both of you have rated.",
        "ratings-title",
    )
    .await
}
