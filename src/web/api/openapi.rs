//! The OpenAPI 3.1 description of the API, written by hand: the API is
//! small, and a hand-written document reads like documentation. The tests
//! check that every path in it is served and that real responses match its
//! schemas, and run a property-based client (schemathesis) against it.
//!
//! Asked with a token, the document describes what that token may do: its
//! programme's id, its metrics by name, and for each metric it may write,
//! the periods it may write (from the metric's baseline to the current
//! period) and the values its unit can hold. A client generated from it
//! sends nothing the server refuses for being malformed.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::bearer::ApiClient;
use crate::board::Board;
use crate::domain::metrics::{Definition, MetricKind, Period, Unit};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// GET /api/v1/openapi.json
pub(super) async fn document(
    State(state): State<AppState>,
    client: std::result::Result<ApiClient, AppError>,
) -> Result<Response> {
    let mut document = description();
    if let Ok(client) = client {
        let board = super::board(&state, client.programme_id).await?;
        scope(
            &mut document,
            client.programme_id,
            &board,
            state.now().date_naive(),
        );
    }
    Ok(Json(document).into_response())
}

/// The periods a value of this metric may have on `today`, oldest first.
fn writable_periods(def: &Definition, today: NaiveDate) -> Vec<String> {
    let last = Period::containing(today, def.cadence);
    let mut period = Period::containing(def.baseline_date, def.cadence);
    let mut out = Vec::new();
    while period <= last {
        out.push(period.to_string());
        period = period.next();
    }
    out
}

/// The values a unit can hold, as JSON Schema bounds.
fn value_schema(unit: Unit) -> Value {
    match unit {
        Unit::Percent => json!({ "type": "number", "minimum": -100, "maximum": 100 }),
        Unit::Hours | Unit::Count => {
            json!({ "type": "number", "minimum": 0, "exclusiveMaximum": 1e15 })
        }
        Unit::Currency | Unit::Score => {
            json!({ "type": "number", "exclusiveMinimum": -1e15, "exclusiveMaximum": 1e15 })
        }
    }
}

/// Narrows the document to one programme: its id, its metrics, and a write
/// operation per operational metric with the periods and values it takes.
fn scope(document: &mut Value, programme: Uuid, board: &Board, today: NaiveDate) {
    let id = json!({ "type": "string", "format": "uuid", "enum": [programme] });
    let paths = document["paths"].as_object_mut().expect("paths");
    let generic_put = paths
        .remove("/api/v1/programmes/{id}/metrics/{metric}/values/{period}")
        .expect("the write operation");
    for operation in paths.values_mut().filter_map(Value::as_object_mut) {
        for (_, op) in operation.iter_mut() {
            for parameter in op["parameters"].as_array_mut().into_iter().flatten() {
                match parameter["name"].as_str() {
                    Some("id") => parameter["schema"] = id.clone(),
                    Some("metric") => {
                        parameter["schema"] = json!({
                            "type": "string",
                            "enum": board.metrics.iter().map(|m| m.def.id.as_str()).collect::<Vec<_>>(),
                        })
                    }
                    _ => {}
                }
            }
        }
    }
    for view in board
        .metrics
        .iter()
        .filter(|m| m.def.kind == MetricKind::Operational)
    {
        let def = &view.def;
        let mut put = generic_put["put"].clone();
        put["operationId"] = json!(format!("writeValue-{}", def.id));
        put["summary"] = json!(format!(
            "Record {} ({}) for a period",
            def.name,
            def.cadence.label()
        ));
        put["parameters"] = json!([
            { "name": "id", "in": "path", "required": true, "schema": id },
            { "name": "period", "in": "path", "required": true,
              "description": "A period from the metric's baseline to the current one.",
              "schema": { "type": "string", "enum": writable_periods(def, today) } }
        ]);
        let mut body = document_value_in();
        body["properties"]["value"] = value_schema(def.unit);
        put["requestBody"]["content"]["application/json"]["schema"] = body;
        paths.insert(
            format!(
                "/api/v1/programmes/{{id}}/metrics/{}/values/{{period}}",
                def.id
            ),
            json!({ "put": put }),
        );
    }
}

/// The body of a value write.
fn document_value_in() -> Value {
    json!({
        "type": "object",
        "required": ["value"],
        "additionalProperties": false,
        "properties": {
            "value": { "type": "number", "exclusiveMinimum": -1e15, "exclusiveMaximum": 1e15 },
            "note": { "type": "string", "maxLength": 500, "pattern": "^[^\\u0000]*$" },
            "reason": { "type": "string", "maxLength": 1000, "pattern": "^[^\\u0000]*$", "description": "Needed when the period already has a different value: the write then corrects it, keeping the old value in the history." },
            "version": { "type": "integer", "minimum": 1, "maximum": 2147483647, "description": "With a reason: the version of the value being corrected, as a read gave it. A correction of any other version is refused (409)." }
        }
    })
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// The pipeline's schemas (apart: one `json!` that large exceeds the
/// macro's recursion limit).
fn pipeline_schemas() -> Value {
    json!({
                "Pipeline": {
                    "type": "object",
                    "required": ["programme_id", "signed_version", "processes"],
                    "properties": {
                        "programme_id": { "type": "string", "format": "uuid" },
                        "signed_version": { "type": ["integer", "null"], "description": "The brief version whose process scope is the plan." },
                        "processes": { "type": "array", "items": { "$ref": "#/components/schemas/Process" } }
                    }
                },
                "Process": {
                    "type": "object",
                    "required": ["id", "key", "name", "sequence", "stage", "in_signed_plan", "in_draft", "plan", "gates", "may_start_deploying", "blocked_by", "moves", "decisions"],
                    "properties": {
                        "id": { "type": "string", "format": "uuid" },
                        "key": { "type": "string", "description": "The process's id in the brief (stable across versions)." },
                        "name": { "type": "string" },
                        "sequence": { "type": ["integer", "null"], "description": "Its place in the signed sequence; null when not in the signed brief." },
                        "stage": { "type": "string", "enum": ["candidate", "approved", "deploying", "live", "retired"] },
                        "in_signed_plan": { "type": "boolean" },
                        "in_draft": { "type": "boolean" },
                        "plan": {
                            "type": ["object", "null"],
                            "required": ["expected_go_live", "investment", "expected_benefit", "expected_roi_percent", "monthly_volume", "complexity", "rationale"],
                            "properties": {
                                "expected_go_live": { "type": ["string", "null"], "format": "date" },
                                "investment": { "type": ["number", "null"] },
                                "expected_benefit": { "type": ["number", "null"], "description": "Per year." },
                                "expected_roi_percent": { "type": ["number", "null"] },
                                "monthly_volume": { "type": ["number", "null"] },
                                "complexity": { "type": ["string", "null"], "enum": ["low", "medium", "high", null] },
                                "rationale": { "type": "string" }
                            }
                        },
                        "gates": { "type": "array", "items": { "$ref": "#/components/schemas/Gate" } },
                        "may_start_deploying": { "type": "boolean" },
                        "blocked_by": { "type": "array", "items": { "type": "string" }, "description": "Why it may not start deploying now (each failing gate named)." },
                        "moves": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["from", "to", "at", "note"],
                                "properties": {
                                    "from": { "type": "string" },
                                    "to": { "type": "string" },
                                    "at": { "type": "string", "format": "date-time" },
                                    "note": { "type": "string" }
                                }
                            }
                        },
                        "decisions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["review", "decision", "note", "held"],
                                "properties": {
                                    "review": { "type": "string", "description": "The ExCo review's month." },
                                    "decision": { "type": "string", "enum": ["approve", "hold", "reprioritise", "retire"] },
                                    "note": { "type": "string" },
                                    "held": { "type": "boolean" }
                                }
                            }
                        }
                    }
                },
                "Gate": {
                    "type": "object",
                    "required": ["id", "metric", "comparator", "threshold", "periods", "description", "holds", "verdict", "evidence"],
                    "properties": {
                        "id": { "type": "string", "format": "uuid" },
                        "metric": { "type": "string" },
                        "comparator": { "type": "string", "enum": ["below", "above"] },
                        "threshold": { "type": "number" },
                        "periods": { "type": "integer" },
                        "description": { "type": "string" },
                        "holds": { "type": "boolean" },
                        "verdict": { "type": "string" },
                        "evidence": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["period", "value", "met"],
                                "properties": {
                                    "period": { "type": "string" },
                                    "value": { "type": "number" },
                                    "met": { "type": "boolean" }
                                }
                            }
                        }
                    }
                }
    })
}

/// The document.
pub fn description() -> Value {
    let errors = |codes: &[(&str, &str)]| -> Value {
        let mut map = serde_json::Map::new();
        for (code, text) in codes {
            map.insert((*code).to_owned(), problem_response(text));
        }
        Value::Object(map)
    };
    let id = json!({ "name": "id", "in": "path", "required": true, "description": "The programme's id (the token's programme).", "schema": { "type": "string", "format": "uuid" } });
    let metric = json!({ "name": "metric", "in": "path", "required": true, "description": "The metric's id, as the brief defines it (for example `exception-rate`).", "schema": { "type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80 } });
    let period = json!({ "name": "period", "in": "path", "required": true, "description": "An ISO week (`2026-W47`) for weekly metrics, a month (`2026-11`) for monthly ones, of the years 2000–2099; no later than the current period and no earlier than the metric's baseline.", "schema": { "type": "string", "pattern": "^20[0-9]{2}-(W(0[1-9]|[1-4][0-9]|5[0-3])|0[1-9]|1[0-2])$" } });
    let mut get_metrics_responses = errors(&[
        ("401", "No valid token."),
        ("404", "Not this token's programme."),
    ]);
    get_metrics_responses["200"] = json!({ "description": "The metrics, measured against the latest signed brief.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Metrics" } } } });
    let mut get_values_responses = errors(&[
        ("401", "No valid token."),
        ("404", "Not this token's programme."),
        ("422", "No such metric."),
    ]);
    get_values_responses["200"] = json!({ "description": "Every value of the metric, oldest first.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Values" } } } });
    let mut get_pipeline_responses = errors(&[
        ("401", "No valid token."),
        ("404", "Not this token's programme."),
    ]);
    get_pipeline_responses["200"] = json!({ "description": "The processes, the signed plan first, with their gates judged on today's values.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Pipeline" } } } });
    let mut put_responses = errors(&[
        ("401", "No valid token."),
        ("403", "A read-only token."),
        ("404", "Not this token's programme."),
        (
            "409",
            "A different value is recorded for the period and no reason or version was given, or the version given is no longer the value's.",
        ),
        ("400", "The body could not be read."),
        ("413", "The body is larger than the API accepts."),
        (
            "422",
            "Bad JSON, an unknown or business metric, a period of the wrong kind, or a value out of the unit's range.",
        ),
    ]);
    put_responses["201"] = json!({ "description": "Recorded.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Written" } } } });
    put_responses["200"] = json!({ "description": "The same value was already there (`unchanged`), or the value was corrected with its reason (`corrected`).", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Written" } } } });
    let agent = json!({ "name": "agent", "in": "path", "required": true, "description": "The agent's id in the register.", "schema": { "type": "string", "format": "uuid" } });
    let decision = json!({ "name": "decision", "in": "path", "required": true, "description": "The id of the governance framework's row (decision type) the agent handles.", "schema": { "type": "string", "maxLength": 64 } });
    let month = json!({ "name": "month", "in": "path", "required": true, "description": "A month (`2026-11`), no later than the current one.", "schema": { "type": "string", "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])$" } });
    let mut get_agents_responses = errors(&[
        ("401", "No valid token."),
        ("404", "Not this token's programme."),
    ]);
    get_agents_responses["200"] = json!({ "description": "The agent register.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Agents" } } } });
    let agent_write_errors = [
        ("401", "No valid token."),
        ("403", "A token without the `overrides` scope."),
        ("404", "Not this token's programme, or no such agent."),
        ("400", "The body could not be read."),
        ("413", "The body is larger than the API accepts."),
        (
            "422",
            "Bad JSON, a decision type the agent does not handle, or a value out of range.",
        ),
    ];
    let mut post_override_responses = errors(&agent_write_errors);
    post_override_responses["409"] =
        problem_response("Another override was reported with this id.");
    post_override_responses["201"] = json!({ "description": "Recorded.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reported" } } } });
    post_override_responses["200"] = json!({ "description": "Already recorded, the same (`unchanged`).", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reported" } } } });
    let mut put_count_responses = errors(&agent_write_errors);
    put_count_responses["201"] = json!({ "description": "Recorded.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reported" } } } });
    put_count_responses["200"] = json!({ "description": "The same figure (`unchanged`) or a new one for the month (`replaced`).", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reported" } } } });
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tandem API",
            "version": "1",
            "description": "Read a programme's shared metrics and its expansion pipeline, and let the AI platform write its operational values. Every request carries a programme's token: `Authorization: Bearer <token>`. Writes are idempotent per metric and period. Errors are problem documents (RFC 9457)."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/programmes/{id}/metrics": {
                "get": {
                    "operationId": "listMetrics",
                    "summary": "The programme's metrics with their latest value and status",
                    "parameters": [id],
                    "responses": get_metrics_responses
                }
            },
            "/api/v1/programmes/{id}/metrics/{metric}/values": {
                "get": {
                    "operationId": "listValues",
                    "summary": "Every recorded value of one metric",
                    "parameters": [id, metric],
                    "responses": get_values_responses
                }
            },
            "/api/v1/programmes/{id}/metrics/{metric}/values/{period}": {
                "put": {
                    "operationId": "writeValue",
                    "summary": "Record an operational metric's value for a period (idempotent; a different value needs a reason and becomes a correction)",
                    "parameters": [id, metric, period],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ValueIn" } } }
                    },
                    "responses": put_responses
                }
            },
            "/api/v1/programmes/{id}/pipeline": {
                "get": {
                    "operationId": "getPipeline",
                    "summary": "The expansion pipeline: each process's plan as signed, its stage, its go-live gates with the evidence, and whether it may start deploying",
                    "parameters": [id],
                    "responses": get_pipeline_responses
                }
            },
            "/api/v1/programmes/{id}/agents": {
                "get": {
                    "operationId": "listAgents",
                    "summary": "The agent register: each agent, its state and the decision types it handles",
                    "parameters": [id],
                    "responses": get_agents_responses
                }
            },
            "/api/v1/programmes/{id}/agents/{agent}/overrides": {
                "post": {
                    "operationId": "reportOverride",
                    "summary": "Report that a person overruled one of the agent's decisions (idempotent by the platform's `id`)",
                    "parameters": [id, agent],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OverrideIn" } } } },
                    "responses": post_override_responses
                }
            },
            "/api/v1/programmes/{id}/agents/{agent}/decisions/{decision}/{month}": {
                "put": {
                    "operationId": "reportDecisions",
                    "summary": "Report how many decisions of a type the agent took in a month (a new figure replaces the old)",
                    "parameters": [id, agent, decision, month],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CountIn" } } } },
                    "responses": put_count_responses
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": { "200": { "description": "The OpenAPI description.", "content": { "application/json": { "schema": { "type": "object" } } } } }
                }
            }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "A programme's API token, created by an administrator (shown once)." } },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": { "type": "string" },
                        "title": { "type": "string" },
                        "status": { "type": "integer" },
                        "detail": { "type": "string" },
                        "field": { "type": "string", "description": "The field at fault, when there is one." }
                    }
                },
                "Metrics": {
                    "type": "object",
                    "required": ["programme_id", "signed_version", "metrics"],
                    "properties": {
                        "programme_id": { "type": "string", "format": "uuid" },
                        "signed_version": { "type": ["integer", "null"], "description": "The brief version measured against; null before any is signed." },
                        "metrics": { "type": "array", "items": { "$ref": "#/components/schemas/Metric" } }
                    }
                },
                "Metric": {
                    "type": "object",
                    "required": ["id", "name", "kind", "unit", "direction", "cadence", "primary", "baseline", "target", "target_date", "latest", "status", "explanation"],
                    "properties": {
                        "id": { "type": "string" },
                        "name": { "type": "string" },
                        "kind": { "type": "string", "enum": ["business", "operational"] },
                        "unit": { "type": "string", "enum": ["percent", "currency", "hours", "count", "score"] },
                        "direction": { "type": "string", "enum": ["higher_is_better", "lower_is_better"] },
                        "cadence": { "type": "string", "enum": ["weekly", "monthly"] },
                        "primary": { "type": "boolean" },
                        "baseline": { "type": "number" },
                        "target": { "type": "number" },
                        "target_date": { "type": "string", "format": "date" },
                        "latest": { "type": ["object", "null"], "required": ["period", "value"], "properties": { "period": { "type": "string" }, "value": { "type": "number" } } },
                        "status": { "type": "string", "enum": ["on", "near", "off", "not_started", "no_data"] },
                        "explanation": { "type": "string" }
                    }
                },
                "Values": {
                    "type": "object",
                    "required": ["metric", "unit", "values"],
                    "properties": {
                        "metric": { "type": "string" },
                        "unit": { "type": "string" },
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["period", "value", "note", "recorded_at", "version"],
                                "properties": {
                                    "period": { "type": "string" },
                                    "value": { "type": "number" },
                                    "note": { "type": "string" },
                                    "recorded_at": { "type": "string", "format": "date-time" },
                                    "version": { "type": "integer", "description": "1 as recorded, +1 per correction." }
                                }
                            }
                        }
                    }
                },
                "ValueIn": document_value_in(),
                "Agents": {
                    "type": "object",
                    "required": ["agents"],
                    "properties": { "agents": { "type": "array", "items": {
                        "type": "object",
                        "required": ["id", "name", "state", "decisions", "provider", "accountable"],
                        "properties": {
                            "id": { "type": "string", "format": "uuid" },
                            "name": { "type": "string" },
                            "state": { "type": "string", "enum": ["live", "suspended", "retired"] },
                            "decisions": { "type": "array", "items": { "type": "string" } },
                            "provider": { "type": "string" },
                            "accountable": { "type": "string" }
                        }
                    } } }
                },
                "OverrideIn": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["id", "decision", "at", "role", "category"],
                    "properties": {
                        "id": { "type": "string", "minLength": 1, "maxLength": 200 },
                        "decision": { "type": "string" },
                        "at": { "type": "string", "format": "date-time" },
                        "role": { "type": "string", "enum": ["process_owner", "team_lead", "coo", "cfo", "cto", "risk_officer", "compliance_officer"] },
                        "category": { "type": "string", "enum": ["wrong_outcome", "low_confidence", "policy", "customer", "data", "other"] },
                        "note": { "type": "string", "maxLength": 1000 }
                    }
                },
                "CountIn": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["decisions"],
                    "properties": { "decisions": { "type": "integer", "minimum": 0, "maximum": 2147483647 } }
                },
                "Reported": {
                    "type": "object",
                    "required": ["outcome"],
                    "properties": {
                        "outcome": { "type": "string", "enum": ["created", "unchanged", "replaced"] },
                        "id": { "type": "string" },
                        "decisions": { "type": "integer" }
                    }
                },
                "Written": {
                    "type": "object",
                    "required": ["status", "metric", "period", "value"],
                    "properties": {
                        "status": { "type": "string", "enum": ["created", "unchanged", "corrected"] },
                        "metric": { "type": "string" },
                        "period": { "type": "string" },
                        "value": { "type": "number" }
                    }
                }
            }
        }
    });
    if let (Some(schemas), Value::Object(more)) = (
        document["components"]["schemas"].as_object_mut(),
        pipeline_schemas(),
    ) {
        schemas.extend(more);
    }
    document
}
