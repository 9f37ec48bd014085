//! POST /programmes/{id}/dashboard/roi — the CEO records a month's actual
//! investment and benefit, held against the signed business case.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::RoiForm;
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::metrics::{RoiMonth, RoiSaved};
use crate::domain::metrics::{Cadence, Period, Unit};
use crate::domain::permission::Action;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};
use axum::http::StatusCode;

pub(super) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<RoiForm>,
) -> Result<Response> {
    user.require(Action::RecordBusinessMetric)?;
    let dashboard = crate::paths::dashboard(id);
    let this_month = Period::containing(state.now().date_naive(), Cadence::Monthly);
    let month = Period::parse_for(&form.month, Cadence::Monthly).and_then(|month| {
        if month > this_month {
            Err(format!(
                "{} has not begun yet: give {this_month} or earlier.",
                month.label()
            ))
        } else {
            Ok(month)
        }
    });
    let investment = Unit::Currency.parse_value(&form.investment).and_then(|v| {
        if v < 0.0 {
            Err("Investment cannot be negative.".into())
        } else {
            Ok(v)
        }
    });
    let benefit = Unit::Currency.parse_value(&form.benefit);
    let note = form.note.trim();
    let (Ok(month), Ok(investment), Ok(benefit)) = (&month, &investment, &benefit) else {
        // Back to the dashboard, with what was typed and a message beside each field.
        let mut page = super::view::page(&state, Viewer::Known(user.clone()), id).await?;
        for (field, problem) in [
            ("month", month.err()),
            ("investment", investment.err()),
            ("benefit", benefit.err()),
        ] {
            if let Some(message) = problem {
                page.roi_errors.add(field, message);
            }
        }
        page.roi_form = form.clone();
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let month_text = month.to_string();
    let mut tx = state.pool.begin().await?;
    let saved = db::metrics::record_roi(
        &mut tx,
        &user.actor(&client, state.now()),
        &RoiMonth {
            organisation_id: user.organisation_id,
            programme_id: id,
            month: &month_text,
            investment: *investment,
            benefit: *benefit,
            note,
            expected_version: form.version.trim().parse().unwrap_or(0),
        },
    )
    .await?;
    match saved {
        RoiSaved::Saved => {
            done(
                tx,
                &user,
                &format!("{dashboard}#roi-title"),
                &format!("Recorded the actuals of {}.", month.label()),
            )
            .await
        }
        RoiSaved::Unchanged => {
            drop(tx);
            crate::web::pages::nothing_changed(&state, &user, &dashboard).await
        }
        RoiSaved::Stale(current) => Err(ConflictPage {
            page: Page::of(&state, &user),
            what: format!("the actuals of {}", month.label()),
            reload_url: dashboard,
            fields: vec![
                ConflictField {
                    label: "Investment".into(),
                    yours: Unit::Currency.format(*investment),
                    theirs: Unit::Currency.format(current.investment),
                },
                ConflictField {
                    label: "Benefit".into(),
                    yours: Unit::Currency.format(*benefit),
                    theirs: Unit::Currency.format(current.benefit),
                },
            ],
        }
        .into()),
    }
}
