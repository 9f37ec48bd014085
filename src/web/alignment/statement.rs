//! POST /programmes/{id}/health/statement — an executive says, in one
//! sentence, what the programme is (every version kept).

use super::*;

pub(super) async fn statement(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<HealthForm>,
) -> Result<Response> {
    user.require(Action::RecordAlignment)?;
    let seat = user.executive_seat().ok_or(AppError::Forbidden)?;
    let sentence = form.sentence.trim();
    let mut errors = FieldErrors::new();
    if sentence.is_empty() {
        errors.add("sentence", "Write, in one sentence, what the programme is.");
    } else if sentence.chars().count() > 400 {
        errors.add(
            "sentence",
            "Keep it to one sentence: 400 characters at most.",
        );
    }
    if !errors.is_empty() {
        return refused(&state, &user, id, form, errors).await;
    }
    let mut tx = state.pool.begin().await?;
    let written = db::health::write_statement(
        &mut tx,
        &user.actor(&client, state.now()),
        id,
        seat,
        sentence,
    )
    .await?;
    if !written {
        drop(tx);
        return crate::web::pages::nothing_changed(&state, &user, &paths::health(id)).await;
    }
    finish(
        &state,
        &user,
        tx,
        id,
        "Your sentence is saved; the earlier ones stay in the history.",
        "words-title",
    )
    .await
}
