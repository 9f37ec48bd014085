//! POST /programmes/{id}/pipeline/{process}/gates — sets a go-live gate on a
//! metric (below or above a threshold for N consecutive periods).

use super::*;

/// A gate as a form submits it.
fn parse_gate(form: &PipelineForm, board: &Board, errors: &mut FieldErrors) -> Option<Gate> {
    let metric = errors.check(
        "metric",
        board
            .metrics
            .iter()
            .find(|m| m.def.id == field(form, "metric"))
            .ok_or("Choose one of the dashboard's metrics."),
    );
    let comparator = errors.check(
        "comparator",
        Comparator::parse(field(form, "comparator")).ok_or("Choose below or above."),
    );
    let threshold = metric.and_then(|m| {
        errors.check(
            "threshold",
            m.def.unit.parse_value(field(form, "threshold")),
        )
    });
    let periods = errors.check(
        "periods",
        field(form, "periods")
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_GATE_PERIODS).contains(n))
            .ok_or(format!(
                "Give a whole number of periods from 1 to {MAX_GATE_PERIODS}."
            )),
    );
    Some(Gate {
        metric_id: metric?.def.id.clone(),
        comparator: comparator?,
        threshold: threshold?,
        periods: periods?,
    })
}

pub(super) async fn add_gate(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, process_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<PipelineForm>,
) -> Result<Response> {
    user.require(Action::MovePhase)?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let process = locked(&mut tx, id, process_id).await?;
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let board = Board::build(&dashboard, now.date_naive());
    let mut errors = FieldErrors::new();
    let Some(gate) = parse_gate(&form, &board, &mut errors).filter(|_| errors.is_empty()) else {
        drop(tx);
        return refused_form(&state, &user, id, process_id, form, errors).await;
    };
    let once = Once::parse(&form.once);
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    once.recorded(&mut tx, user.id, &paths::pipeline(id))
        .await?;
    db::pipeline::add_gate(&mut tx, &user.actor(&client, now), id, &process, &gate).await?;
    done(
        tx,
        &user,
        paths::pipeline(id),
        format!("The gate is set on {}.", process.name),
    )
    .await
}
