//! POST /programmes/{id}/brief/submit — freeze the draft into version N:
//! an immutable copy of every section, their hashes, a version hash and one
//! signature slot per required signatory.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::{Draft, readable_programme};
use crate::auth::extract::CurrentUser;
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::brief::NewSlot;
use crate::domain::brief::Frozen;
use crate::domain::brief::{self, Owner, SECTIONS};
use crate::domain::permission::Action;
use crate::domain::seat::SeatKind;
use crate::domain::signoff::{DraftState, signatories, submission_blockers};
use crate::error::Result;
use crate::paths;
use crate::state::AppState;
use crate::web::pages::{Refusal, done};

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    crate::web::extract::Path(id): crate::web::extract::Path<Uuid>,
) -> Result<Response> {
    let programme = readable_programme(&state, &user, id).await?;
    user.require(Action::SubmitBrief)?;
    let brief_url = paths::brief(id);
    let back = || (brief_url.clone(), "Back to the brief".to_owned());
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    // Submissions and signatures of one programme queue here, one at a time.
    db::programmes::lock(&mut tx, id).await?;
    let draft = Draft::of(db::brief::draft(&mut *tx, id).await?);
    let blockers = submission_blockers(
        &SECTIONS
            .iter()
            .map(|section| {
                let row = draft.row(section.key);
                DraftState {
                    title: section.title,
                    empty: brief::is_empty(draft.content(section.key)),
                    joint: section.owner == Owner::Joint,
                    ceo_agreed: row.is_some_and(|r| r.ceo_agreed_at.is_some()),
                    coo_agreed: row.is_some_and(|r| r.coo_agreed_at.is_some()),
                }
            })
            .collect::<Vec<_>>(),
    );
    if !blockers.is_empty() {
        return Refusal::conflict(
            &state,
            &user,
            "The brief is not ready for sign-off",
            "Nothing was submitted. First:",
            blockers,
            back(),
        )
        .await;
    }
    let frozen = Frozen::of(|key| draft.content(key).clone());
    let latest = db::brief::latest_version(&mut *tx, id).await?;
    if let Some(latest) = &latest {
        let stored = db::brief::version_sections(&mut *tx, latest.id).await?;
        if frozen.same_as(
            stored
                .iter()
                .map(|s| (s.section_key.as_str(), s.section_hash.as_str())),
        ) {
            return Refusal::conflict(
                &state,
                &user,
                "Nothing to submit",
                format!(
                    "The draft is exactly version {}; there is nothing new to sign.",
                    latest.number
                ),
                Vec::new(),
                back(),
            )
            .await;
        }
    }

    let seats = db::seats::all_in_org(&mut *tx, user.organisation_id).await?;
    let holder = |kind: SeatKind| {
        seats
            .iter()
            .find(|s| s.ended_at.is_none() && s.seat_kind() == Some(kind))
            .map(|s| s.user_id)
    };
    let approvers: Vec<(Uuid, Option<String>)> = db::programmes::signatories(&mut *tx, id)
        .await?
        .into_iter()
        .map(|s| (s.user_id, s.title))
        .collect();
    let Some(signatories) = signatories(holder(SeatKind::Ceo), holder(SeatKind::Coo), &approvers)
    else {
        return Refusal::conflict(
            &state,
            &user,
            "The brief cannot be submitted yet",
            "Both the CEO and the COO sign every version, and one of the seats is empty. Ask an administrator to fill it.",
            Vec::new(),
            back(),
        )
        .await;
    };
    let slots: Vec<NewSlot> = signatories
        .into_iter()
        .map(|(user_id, seat)| NewSlot { user_id, seat })
        .collect();

    let number = latest.map_or(1, |v| v.number + 1);
    db::brief::submit(
        &mut tx,
        &user.actor(&client, now),
        db::brief::Submission {
            organisation_id: user.organisation_id,
            programme_id: id,
            programme_name: &programme.name,
            number,
            frozen: &frozen,
            slots: &slots,
        },
    )
    .await?;
    done(
        tx,
        &user,
        &paths::brief_version(id, number),
        &format!(
            "Version {number} is frozen and waiting for {} signatures.",
            slots.len()
        ),
    )
    .await
}
