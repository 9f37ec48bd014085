//! POST /programmes/{id}/pipeline/{process}/stage — the CEO or the COO moves
//! a process to another stage; the move to deploying is refused, naming each
//! failing gate, unless the process is in the signed brief and every gate holds.

use super::*;

pub(super) async fn move_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, process_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<PipelineForm>,
) -> Result<Response> {
    user.require(Action::MovePhase)?;
    let mut errors = FieldErrors::new();
    let to = errors.check(
        "to",
        Stage::parse(field(&form, "to")).ok_or("Choose the stage to move it to."),
    );
    let note = errors.check("note", text(field(&form, "note"), 300));
    let (Some(to), Some(note)) = (to, note) else {
        return refused_form(&state, &user, id, process_id, form, errors).await;
    };
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let process = locked(&mut tx, id, process_id).await?;
    // A form without the version it was loaded at is as stale as an old one.
    let version: Option<i32> = form.version.trim().parse().ok();
    if version != Some(process.stage_version) {
        return Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the stage of {}", process.name),
            reload_url: paths::pipeline(id),
            fields: vec![ConflictField {
                label: "Stage".into(),
                yours: to.label().into(),
                theirs: process.stage().label().into(),
            }],
        }
        .into());
    }
    // Judged inside the transaction, on the values as they stand now.
    let dashboard = db::metrics::dashboard_source(&mut *tx, id, None).await?;
    let source = PipelineSource {
        programme: None,
        processes: vec![process.clone()],
        moves: Vec::new(),
        gates: db::pipeline::gates_of(&mut *tx, process.id).await?,
        decisions: Vec::new(),
        agents: Vec::new(),
        // `build` below is given the dashboard itself.
        dashboard: Default::default(),
    };
    let board = Board::build(&dashboard, now.date_naive());
    let view = build(&source, &dashboard, &board, now.date_naive())
        .pop()
        .ok_or(AppError::NotFound)?;
    if let Some(reasons) = view.refusal(to) {
        drop(tx);
        return Refusal::conflict(
            &state,
            &user,
            format!("{} cannot move to {} yet", view.name(), to.label().to_lowercase()),
            if to.gated() {
                "A process starts deploying only once it is in the signed brief and every go-live gate holds."
            } else {
                "That move does not follow the order of the stages."
            },
            reasons,
            (paths::pipeline(id), "Back to the pipeline".to_owned()),
        )
        .await;
    }
    if to == Stage::Live
        && crate::domain::governance::blocks_live(
            &db::governance::agent_states(&mut tx, process.id).await?,
        )
    {
        drop(tx);
        return Refusal::conflict(
            &state,
            &user,
            format!("{} cannot go live", view.name()),
            "Every agent working in this process is suspended.",
            vec!["Resume at least one of its agents first (see the agent register).".to_owned()],
            (paths::agents(id), "Open the agent register".to_owned()),
        )
        .await;
    }
    db::pipeline::move_stage(
        &mut tx,
        &user.actor(&client, now),
        id,
        &process,
        process.stage_version,
        to,
        &note,
    )
    .await?;
    done(
        tx,
        &user,
        paths::pipeline(id),
        format!("{} is now {}.", view.name(), to.label().to_lowercase()),
    )
    .await
}
