//! POST /programmes/{id}/pipeline/{process}/gates/{gate}/remove — removes a
//! gate (twice is no error).

use super::*;

pub(super) async fn remove_gate(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, process_id, gate_id)): Path<(Uuid, Uuid, Uuid)>,
) -> Result<Response> {
    user.require(Action::MovePhase)?;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let process = locked(&mut tx, id, process_id).await?;
    // Removing a gate twice (a second click, another tab) is no error.
    let removed =
        db::pipeline::remove_gate(&mut tx, &user.actor(&client, now), id, &process, gate_id)
            .await?;
    done(
        tx,
        &user,
        paths::pipeline(id),
        if removed {
            format!("The gate on {} is removed.", process.name)
        } else {
            format!("That gate on {} was already removed.", process.name)
        },
    )
    .await
}
