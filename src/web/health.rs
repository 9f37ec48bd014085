//! Liveness and readiness for load balancers and orchestrators.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use crate::db;
use crate::state::AppState;

/// GET /healthz — the process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// GET /readyz — the database answers within two seconds and the schema is in place.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if !state.is_schema_ready() {
        return (StatusCode::SERVICE_UNAVAILABLE, "migrations pending\n");
    }
    if db::ping(&state.pool, Duration::from_secs(2)).await {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}
