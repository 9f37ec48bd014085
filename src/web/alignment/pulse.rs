//! POST /programmes/{id}/health/pulse — the CEO states the primary metric's
//! value and target from memory; the answer shows both.

use super::*;

pub(super) async fn pulse(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<HealthForm>,
) -> Result<Response> {
    user.require(Action::RecordBusinessMetric)?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let board = Board::build(&dashboard, now.date_naive());
    let mut errors = FieldErrors::new();
    let Some(primary) = board.primary() else {
        drop(tx);
        errors.add(
            "stated_value",
            "The brief defines no primary metric yet: there is nothing to check.",
        );
        return refused(&state, &user, id, form, errors).await;
    };
    // The same reading of a number as the value form, in the metric's unit.
    let mut stated = |field: &str| {
        let typed = form.value(field);
        errors.check(
            field,
            primary
                .def
                .unit
                .parse_value(typed)
                .map_err(|problem| format!("Give a number, from memory. {problem}")),
        )
    };
    let (value, target) = (stated("stated_value"), stated("stated_target"));
    let (Some(value), Some(target)) = (value, target) else {
        drop(tx);
        return refused(&state, &user, id, form, errors).await;
    };
    let row = PulseRow {
        metric_id: primary.def.id.clone(),
        unit: primary.def.unit.as_str().to_owned(),
        stated_value: value,
        stated_target: target,
        actual_value: primary.assessment.actual,
        actual_target: primary.def.target,
        checked_at: now,
    };
    let once = Once::parse(&form.once);
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    once.recorded(
        &mut tx,
        user.id,
        &format!("{}#pulse-title", paths::health(id)),
    )
    .await?;
    db::health::record_pulse(&mut tx, &user.actor(&client, now), id, &row).await?;
    let unit = primary.def.unit;
    let actual = primary
        .assessment
        .actual
        .map_or_else(|| "no value yet".to_owned(), |v| unit.format(v));
    let message = format!(
        "You said {} against a target of {}; it is {} against {}.",
        unit.format(value),
        unit.format(target),
        actual,
        unit.format(primary.def.target)
    );
    finish(&state, &user, tx, id, &message, "pulse-title").await
}
