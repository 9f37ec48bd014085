//! The JSON API under `/api/v1`, for machines: read a programme's metrics,
//! statuses and values; write an operational value for a period
//! (idempotent: the same value again changes nothing and says so; a
//! different value is a correction with its reason, as through the form).
//! Authenticated by a bearer token of the programme; errors are problem
//! documents (RFC 9457); described by `/api/v1/openapi.json`.

mod agents;
mod openapi;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::Routes;
use crate::auth::bearer::ApiClient;
use crate::board::{Board, MetricView};
use crate::db;
use crate::db::audit::Actor;
use crate::db::metrics::{Corrected, Correction, NewValue, Recorded};
use crate::domain::metrics::MetricKind;
use crate::error::{AppError, Result};
use crate::paths::route;
use crate::state::AppState;
use crate::web::extract::Path;

/// The routes of this module.
pub fn routes() -> Routes {
    Routes::new()
        .bare_get(route::API_OPENAPI, openapi::document)
        .bare_get(route::API_METRICS, metrics)
        .bare_get(route::API_VALUES, values)
        .bare_put(route::API_VALUE, put_value)
        .bare_get(route::API_PIPELINE, pipeline)
        .bare_get(route::API_AGENTS, agents::list)
        .bare_post(route::API_OVERRIDES, agents::record_override)
        .bare_put(route::API_DECISIONS, agents::report_decisions)
}

/// A metric as the API shows it.
#[derive(Debug, Serialize)]
struct MetricOut {
    id: String,
    name: String,
    kind: &'static str,
    unit: &'static str,
    direction: &'static str,
    cadence: &'static str,
    primary: bool,
    baseline: f64,
    target: f64,
    target_date: String,
    latest: Option<LatestOut>,
    status: &'static str,
    explanation: String,
}

#[derive(Debug, Serialize)]
struct LatestOut {
    period: String,
    value: f64,
}

impl MetricOut {
    fn of(m: &MetricView) -> MetricOut {
        MetricOut {
            id: m.def.id.clone(),
            name: m.def.name.clone(),
            kind: m.def.kind.as_str(),
            unit: m.def.unit.as_str(),
            direction: if m.def.direction.at_least_as_good(1.0, 0.0) {
                "higher_is_better"
            } else {
                "lower_is_better"
            },
            cadence: match m.def.cadence {
                crate::domain::metrics::Cadence::Weekly => "weekly",
                crate::domain::metrics::Cadence::Monthly => "monthly",
            },
            primary: m.def.primary,
            baseline: m.def.baseline,
            target: m.def.target,
            target_date: m.def.target_date.to_string(),
            latest: m
                .assessment
                .period
                .zip(m.assessment.actual)
                .map(|(period, value)| LatestOut {
                    period: period.to_string(),
                    value,
                }),
            status: m.assessment.status.as_str(),
            explanation: m.explanation(),
        }
    }
}

async fn board(state: &AppState, programme_id: Uuid) -> Result<Board> {
    let source = db::metrics::dashboard_source(&state.pool, programme_id, None).await?;
    Ok(Board::build(&source, state.now().date_naive()))
}

/// GET /api/v1/programmes/{id}/metrics
async fn metrics(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let id = client.programme(id)?;
    let board = board(&state, id).await?;
    Ok(Json(json!({
        "programme_id": id,
        "signed_version": board.basis.signed_version,
        "metrics": board.metrics.iter().map(MetricOut::of).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// GET /api/v1/programmes/{id}/pipeline — the processes with the plan as
/// signed, their stage, their gates judged today with the evidence, and
/// whether each could start deploying now.
async fn pipeline(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let id = client.programme(id)?;
    let who = db::sessions::Who::Organisation(client.organisation_id);
    let source = db::pipeline::source(&state.pool, &who, id)
        .await?
        .ok_or(AppError::NotFound)?
        .page;
    if source.programme.is_none() {
        return Err(AppError::NotFound);
    }
    let dashboard = &source.dashboard;
    let today = state.now().date_naive();
    let board = Board::build(dashboard, today);
    let number = |text: &str| text.parse::<f64>().ok();
    let text = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    let processes: Vec<_> = crate::pipeline::build(&source, dashboard, &board, today)
        .iter()
        .map(|p| {
            let blocked = p.refusal_to_deploy();
            json!({
                "id": p.row.id,
                "key": p.row.key,
                "name": p.name(),
                "sequence": p.sequence(),
                "stage": p.stage().as_str(),
                "in_signed_plan": p.plan.is_some(),
                "in_draft": p.row.in_draft,
                "plan": p.plan.as_ref().map(|plan| json!({
                    "expected_go_live": text(&plan.expected_go_live),
                    "investment": number(&plan.investment),
                    "expected_benefit": number(&plan.expected_benefit),
                    "expected_roi_percent": number(&plan.expected_roi),
                    "monthly_volume": number(&plan.monthly_volume),
                    "complexity": text(&plan.complexity),
                    "rationale": plan.rationale,
                })),
                "gates": p.gates.iter().map(|g| json!({
                    "id": g.row.id,
                    "metric": g.row.metric_id,
                    "comparator": g.row.comparator,
                    "threshold": g.row.threshold,
                    "periods": g.row.periods,
                    "description": g.described,
                    "holds": g.holds(),
                    "verdict": g.verdict(),
                    "evidence": g.evidence.iter().map(|e| json!({
                        "period": e.period.to_string(), "value": e.value, "met": e.met,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "may_start_deploying": p.may_deploy_next() && blocked.is_none(),
                "blocked_by": if p.may_deploy_next() { blocked.unwrap_or_default() } else { Vec::new() },
                "moves": p.moves.iter().map(|m| json!({
                    "from": m.from_stage, "to": m.to_stage, "at": m.moved_at, "note": m.note,
                })).collect::<Vec<_>>(),
                "decisions": p.decisions.iter().map(|d| json!({
                    "review": d.month, "decision": d.decision, "note": d.note, "held": d.held,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({
        "programme_id": id,
        "signed_version": board.basis.signed_version,
        "processes": processes,
    }))
    .into_response())
}

/// GET /api/v1/programmes/{id}/metrics/{metric}/values
async fn values(
    State(state): State<AppState>,
    client: ApiClient,
    Path((id, metric)): Path<(Uuid, String)>,
) -> Result<Response> {
    let id = client.programme(id)?;
    let board = board(&state, id).await?;
    let def = unknown_metric(&board, &metric)?;
    let values: Vec<_> = db::metrics::all_values(&state.pool, id)
        .await?
        .into_iter()
        .filter(|v| v.metric_id == def.def.id)
        .map(|v| {
            json!({
                "period": v.period, "value": v.value, "note": v.note,
                "recorded_at": v.recorded_at, "version": v.version,
            })
        })
        .collect();
    Ok(
        Json(json!({ "metric": def.def.id, "unit": def.def.unit.as_str(), "values": values }))
            .into_response(),
    )
}

fn unknown_metric<'a>(board: &'a Board, metric: &str) -> Result<&'a MetricView> {
    board
        .metrics
        .iter()
        .find(|m| m.def.id == metric)
        .ok_or_else(|| AppError::Unprocessable {
            field: "metric".into(),
            detail: format!(
                "This programme has no metric “{metric}”. Its metrics: {}.",
                board
                    .metrics
                    .iter()
                    .map(|m| m.def.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// The body of a value write.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueIn {
    value: f64,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
    /// The version of the value being corrected (as the read gave it).
    #[serde(default, deserialize_with = "version")]
    version: Option<i32>,
}

/// A version: a JSON integer (`3`, or `3.0`, which JSON Schema counts as
/// one) within `i32`; `null` is not a version.
fn version<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<i32>, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    number
        .as_i64()
        .or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        })
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| *n >= 1)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("a version is a whole number from 1"))
}

/// PUT /api/v1/programmes/{id}/metrics/{metric}/values/{period}
async fn put_value(
    State(state): State<AppState>,
    client: ApiClient,
    Path((id, metric, period)): Path<(Uuid, String, String)>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let id = client.programme(id)?;
    // A body over the limit is a problem document like every other error.
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        _ => AppError::BadRequest(rejection.body_text()),
    })?;
    if !client.can_write {
        return Err(AppError::Forbidden);
    }
    // Only an object: serde would also take a struct written as an array.
    let input: ValueIn =
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body)
            .and_then(|object| serde_json::from_value(serde_json::Value::Object(object)))
            .map_err(|error| AppError::Unprocessable {
                field: "body".into(),
                detail: format!(
                    "The body must be JSON like {{\"value\": 41.5, \"note\": \"…\"}}: {error}."
                ),
            })?;
    let board = board(&state, id).await?;
    let view = unknown_metric(&board, &metric)?;
    if view.def.kind != MetricKind::Operational {
        return Err(AppError::Unprocessable {
            field: "metric".into(),
            detail: format!(
                "“{}” is a business metric: the CEO records it; tokens write operational values only.",
                view.def.name
            ),
        });
    }
    let unit = view.def.unit;
    let period = view
        .def
        .value_period(&period, state.now().date_naive())
        .map_err(|detail| AppError::Unprocessable {
            field: "period".into(),
            detail,
        })?;
    let value = unit
        .check_value(input.value)
        .map_err(|detail| AppError::Unprocessable {
            field: "value".into(),
            detail,
        })?;
    let note = input.note.trim();
    let reason = input.reason.trim();
    for (field, text) in [("note", note), ("reason", reason)] {
        if text.contains('\0') {
            return Err(AppError::Unprocessable {
                field: field.into(),
                detail: "Text cannot hold a NUL character.".into(),
            });
        }
    }
    if note.chars().count() > 500 || reason.chars().count() > 1000 {
        return Err(AppError::Unprocessable {
            field: if reason.chars().count() > 1000 {
                "reason"
            } else {
                "note"
            }
            .into(),
            detail: "Keep the note to 500 characters and the reason to 1,000.".into(),
        });
    }
    let period_text = period.to_string();
    let now = state.now();
    let actor = Actor {
        organisation_id: Some(client.organisation_id),
        user_id: None,
        ip: None,
        at: now,
    };
    let new = NewValue {
        organisation_id: client.organisation_id,
        programme_id: id,
        metric_id: &view.def.id,
        period: &period_text,
        value,
        note,
    };
    let mut tx = state.pool.begin().await?;
    let (status, outcome) = match db::metrics::record_value(&mut tx, &actor, &new).await? {
        Recorded::Created(_) => (StatusCode::CREATED, "created"),
        Recorded::Unchanged(_) => (StatusCode::OK, "unchanged"),
        Recorded::Exists(existing) if reason.is_empty() || input.version.is_none() => {
            return Err(AppError::Conflict {
                field: Some("value".into()),
                detail: format!(
                    "{} already has {} for {} (version {}). To correct it, send the new value with a \"reason\" and that \"version\".",
                    view.def.name,
                    unit.format(existing.value),
                    period.label(),
                    existing.version
                ),
            });
        }
        Recorded::Exists(_) => {
            let corrected = db::metrics::correct_value(
                &mut tx,
                &actor,
                &Correction {
                    value: new.clone(),
                    expected_version: input.version.unwrap_or_default(),
                    reason,
                },
            )
            .await?;
            match corrected {
                Corrected::Done(_) => (StatusCode::OK, "corrected"),
                Corrected::Unchanged(_) => (StatusCode::OK, "unchanged"),
                Corrected::Stale(current) => {
                    return Err(AppError::Conflict {
                        field: Some("version".into()),
                        detail: format!(
                            "The value was changed since version {} was read: it is now {} (version {}). Read it again before correcting it.",
                            input.version.unwrap_or_default(),
                            unit.format(current.value),
                            current.version
                        ),
                    });
                }
                Corrected::Missing => {
                    return Err(AppError::Conflict {
                        field: None,
                        detail: "The value changed while this request ran; send it again.".into(),
                    });
                }
            }
        }
    };
    if outcome != "unchanged" {
        let write = db::tokens::ValueWrite {
            token_id: client.token_id,
            token_name: &client.name,
            programme_id: id,
            metric: &view.def.id,
            period: &period_text,
            value,
            outcome,
        };
        db::tokens::record_value_write(&mut tx, &actor, write).await?;
    }
    tx.commit().await?;
    Ok((
        status,
        Json(json!({
            "status": outcome, "metric": view.def.id, "period": period_text, "value": value,
        })),
    )
        .into_response())
}
