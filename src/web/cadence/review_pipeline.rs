//! POST /programmes/{id}/reviews/{month}/pipeline — the ExCo's decision on
//! a process of the expansion pipeline, recorded with an open review;
//! approving or retiring moves the process there and then.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::reviews::ReviewForm;
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::domain::permission::Action;
use crate::domain::pipeline::ExcoDecision;
use crate::domain::values::text;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::{FieldErrors, field};
use crate::web::pages::done;

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, month)): Path<(Uuid, String)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    user.require(Action::WriteExcoReview)?;
    let month = super::reviews::month_of_path(&month)?;
    let back = paths::review(id, &month);
    let mut errors = FieldErrors::new();
    let process_id = errors.check(
        "pd_process",
        Uuid::parse_str(field(&form, "pd_process").trim()).map_err(|_| "Choose a process."),
    );
    let decision = errors.check(
        "pd_decision",
        ExcoDecision::parse(field(&form, "pd_decision")).ok_or("Choose what was decided."),
    );
    let note = errors.check("pd_note", text(field(&form, "pd_note"), 300));
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let review = db::cadence::lock_review(&mut tx, id, &month)
        .await?
        .ok_or(AppError::NotFound)?;
    if review.held_at.is_some() {
        drop(tx);
        return super::reviews::refuse_held(&state, &user, id, &review).await;
    }
    let process = match process_id {
        Some(p) => db::pipeline::lock_process(&mut tx, id, p).await?,
        None => None,
    };
    if process_id.is_some() && process.is_none() {
        errors.add("pd_process", "Choose one of the programme's processes.");
    }
    if let (Some(process), Some(decision)) = (&process, decision) {
        errors.check("pd_decision", decision.stage_after(process.stage()));
    }
    let (Some(process), Some(decision), Some(note), true) =
        (process, decision, note, errors.is_empty())
    else {
        drop(tx);
        return super::reviews::decision_refused(&state, &user, id, &month, form, errors).await;
    };
    db::pipeline::record_decision(
        &mut tx,
        &user.actor(&client, now),
        id,
        db::pipeline::ReviewRef {
            id: review.id,
            month: &review.month,
        },
        &process,
        decision,
        &note,
    )
    .await?;
    let message = format!(
        "Recorded: {} — {}.",
        process.name,
        decision.label().to_lowercase()
    );
    done(tx, &user, back, message).await
}
