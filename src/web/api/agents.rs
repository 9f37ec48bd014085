//! The agent register for the AI platform: read the agents and the
//! decision types each handles (GET …/agents); report a person's override
//! (POST …/agents/{agent}/overrides, idempotent by the platform's own `id`)
//! and how many decisions of a type an agent took in a month (PUT
//! …/decisions/{decision}/{month}: the same figure again changes nothing, a
//! new one replaces it). Writing needs a token of scope `overrides`.

use super::*;
use crate::domain::governance::OVERRIDE_CATEGORIES;
use crate::domain::period::{Cadence, Period};

/// The register's agents as the API shows them.
pub(super) async fn list(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let id = client.programme(id)?;
    let who = db::sessions::Who::Organisation(client.organisation_id);
    let source = db::governance::source(&state.pool, &who, id, None, None)
        .await?
        .ok_or(AppError::NotFound)?
        .page;
    if source.programme.is_none() {
        return Err(AppError::NotFound);
    }
    let agents: Vec<_> = source
        .agents
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "name": a.name, "state": a.state, "decisions": a.decisions,
                "provider": a.provider, "accountable": a.accountable_name,
            })
        })
        .collect();
    Ok(Json(json!({ "agents": agents })).into_response())
}

/// The body of an override report.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideIn {
    /// The platform's own id for it: sending it again changes nothing.
    id: String,
    decision: String,
    /// RFC 3339.
    at: String,
    role: String,
    category: String,
    #[serde(default)]
    note: String,
}

fn unprocessable(field: &str, detail: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        field: field.into(),
        detail: detail.into(),
    }
}

/// Reads a JSON object body into `T`, or a problem document.
fn body_of<T: serde::de::DeserializeOwned>(
    body: std::result::Result<Bytes, BytesRejection>,
    example: &str,
) -> Result<T> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        _ => AppError::BadRequest(rejection.body_text()),
    })?;
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body)
        .and_then(|object| serde_json::from_value(serde_json::Value::Object(object)))
        .map_err(|error| {
            unprocessable(
                "body",
                format!("The body must be JSON like {example}: {error}."),
            )
        })
}

/// The agent `agent` of the token's programme, or 404.
async fn agent_of(
    state: &AppState,
    client: &ApiClient,
    id: Uuid,
    agent: Uuid,
) -> Result<db::governance::AgentRow> {
    let who = db::sessions::Who::Organisation(client.organisation_id);
    db::governance::source(&state.pool, &who, id, Some(agent), None)
        .await?
        .ok_or(AppError::NotFound)?
        .page
        .agents
        .into_iter()
        .find(|a| a.id == agent)
        .ok_or(AppError::NotFound)
}

fn platform(client: &ApiClient, now: chrono::DateTime<chrono::Utc>) -> Actor {
    Actor {
        organisation_id: Some(client.organisation_id),
        user_id: None,
        ip: None,
        at: now,
    }
}

/// POST /api/v1/programmes/{id}/agents/{agent}/overrides
pub(super) async fn record_override(
    State(state): State<AppState>,
    client: ApiClient,
    Path((id, agent)): Path<(Uuid, Uuid)>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let id = client.programme(id)?;
    if !client.reports_overrides {
        return Err(AppError::Forbidden);
    }
    let input: OverrideIn = body_of(
        body,
        r#"{"id": "ovr-1042", "decision": "d1", "at": "2026-11-03T14:30:00Z", "role": "team_lead", "category": "wrong_outcome"}"#,
    )?;
    let agent = agent_of(&state, &client, id, agent).await?;
    let now = state.now();
    let external = input.id.trim();
    if external.is_empty() || external.chars().count() > 200 || external.contains('\0') {
        return Err(unprocessable(
            "id",
            "Give the platform's own id for the override (1 to 200 characters).",
        ));
    }
    if !agent.decisions.contains(&input.decision) {
        return Err(unprocessable(
            "decision",
            format!(
                "{} handles the decision types {}.",
                agent.name,
                agent.decisions.join(", ")
            ),
        ));
    }
    let at = chrono::DateTime::parse_from_rfc3339(input.at.trim())
        .ok()
        .map(|at| at.with_timezone(&chrono::Utc))
        .filter(|at| {
            *at <= now + chrono::Duration::minutes(5)
                && at.date_naive() >= crate::domain::dates::EARLIEST
        })
        .ok_or_else(|| {
            unprocessable(
                "at",
                "Give when it happened as RFC 3339 (2026-11-03T14:30:00Z), no later than now.",
            )
        })?;
    if !crate::domain::brief::OVERRIDE_ROLES
        .iter()
        .any(|(k, _)| *k == input.role)
    {
        return Err(unprocessable(
            "role",
            format!(
                "The role is one of {}.",
                crate::domain::brief::OVERRIDE_ROLES
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if !OVERRIDE_CATEGORIES
        .iter()
        .any(|(k, _)| *k == input.category)
    {
        return Err(unprocessable(
            "category",
            format!(
                "The category is one of {}.",
                OVERRIDE_CATEGORIES
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let note = input.note.trim();
    if note.chars().count() > 1000 || note.contains('\0') {
        return Err(unprocessable(
            "note",
            "Keep the note to 1,000 characters of text.",
        ));
    }
    let mut tx = state.pool.begin().await?;
    let recorded = db::governance::record_override(
        &mut tx,
        &platform(&client, now),
        id,
        agent.id,
        Some(client.token_id),
        &db::governance::NewOverride {
            decision: &input.decision,
            occurred_at: at,
            role: &input.role,
            category: &input.category,
            note,
            external_id: Some(external),
        },
    )
    .await?;
    let (status, outcome) = match recorded {
        db::governance::OverrideRecorded::Created(_) => (StatusCode::CREATED, "created"),
        db::governance::OverrideRecorded::Unchanged(_) => (StatusCode::OK, "unchanged"),
        db::governance::OverrideRecorded::Different(_) => {
            return Err(AppError::Conflict {
                field: Some("id".into()),
                detail: format!(
                    "An override with id “{external}” was already reported, with other details."
                ),
            });
        }
    };
    tx.commit().await?;
    Ok((status, Json(json!({ "outcome": outcome, "id": external }))).into_response())
}

/// The body of a decision count.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountIn {
    decisions: i64,
}

/// PUT /api/v1/programmes/{id}/agents/{agent}/decisions/{decision}/{month}
pub(super) async fn report_decisions(
    State(state): State<AppState>,
    client: ApiClient,
    Path((id, agent, decision, month)): Path<(Uuid, Uuid, String, String)>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let id = client.programme(id)?;
    if !client.reports_overrides {
        return Err(AppError::Forbidden);
    }
    let input: CountIn = body_of(body, r#"{"decisions": 1250}"#)?;
    let agent = agent_of(&state, &client, id, agent).await?;
    if !agent.decisions.contains(&decision) {
        return Err(unprocessable(
            "decision",
            format!(
                "{} handles the decision types {}.",
                agent.name,
                agent.decisions.join(", ")
            ),
        ));
    }
    let now = state.now();
    let period = Period::parse_for(&month, Cadence::Monthly)
        .ok()
        .filter(|p| p.start() <= now.date_naive())
        .ok_or_else(|| {
            unprocessable("month", "Give a month as YYYY-MM, no later than this one.")
        })?;
    let count = i32::try_from(input.decisions)
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| unprocessable("decisions", "Give a whole number of decisions from 0."))?;
    let mut tx = state.pool.begin().await?;
    let reported = db::governance::report_decisions(
        &mut tx,
        &platform(&client, now),
        id,
        agent.id,
        Some(client.token_id),
        (&decision, &period.to_string(), count),
    )
    .await?;
    tx.commit().await?;
    let (status, outcome) = match reported {
        db::governance::Reported::Created => (StatusCode::CREATED, "created"),
        db::governance::Reported::Unchanged => (StatusCode::OK, "unchanged"),
        db::governance::Reported::Replaced(_) => (StatusCode::OK, "replaced"),
    };
    Ok((
        status,
        Json(json!({ "outcome": outcome, "decisions": count })),
    )
        .into_response())
}
