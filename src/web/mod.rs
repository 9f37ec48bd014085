//! The web layer: every route in one table, the middleware stack, and one
//! module per feature (one file per page or action).
//!
//! The route table is the single source of truth: the router is built from
//! it, and the authorization matrix test enumerates it, so a route cannot be
//! served without appearing in that test.

pub mod account;
pub mod admin;
pub mod alignment;
pub mod api;
pub mod assets;
pub mod brief;
pub mod cadence;
pub mod calendar;
mod ceremony;
pub mod dashboard;
pub mod errors;
pub mod extract;
pub mod forms;
pub mod governance;
pub mod headers;
pub mod health;
pub mod home;
pub mod matrix;
pub mod once;
pub mod pages;
pub mod pipeline;

pub mod programmes;
pub mod reuse;
pub mod session;
pub mod spreadsheet;
pub mod unsubscribe;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::auth;
use crate::config::BODY_LIMIT;
use crate::error::AppError;
use crate::state::AppState;

/// How a route is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layering {
    /// Through the session and CSRF middleware: every page and action.
    App,
    /// Bare: health checks and static assets, which need no session.
    Bare,
}

/// One route: method, path pattern, and its handler.
pub struct RouteDef {
    pub method: Method,
    /// Path pattern, as axum spells it (`/programmes/{id}`).
    pub path: &'static str,
    /// Which middleware it sits behind.
    pub layering: Layering,
    handler: MethodRouter<AppState>,
}

/// A list of routes that a feature module contributes.
#[derive(Default)]
pub struct Routes(Vec<RouteDef>);

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a GET route behind the session and CSRF middleware.
    pub fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::GET,
            path,
            Layering::App,
            axum::routing::get(handler),
        )
    }

    /// Adds a POST route behind the session and CSRF middleware.
    pub fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::POST,
            path,
            Layering::App,
            axum::routing::post(handler),
        )
    }

    /// Adds a GET route that bypasses sessions (health checks, assets).
    pub fn bare_get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::GET,
            path,
            Layering::Bare,
            axum::routing::get(handler),
        )
    }

    /// Adds a PUT route outside the session and CSRF middleware: the API,
    /// whose callers authenticate with a bearer token.
    pub fn bare_put<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::PUT,
            path,
            Layering::Bare,
            axum::routing::put(handler),
        )
    }

    /// Adds a POST route outside the session and CSRF middleware: the API.
    pub fn bare_post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::POST,
            path,
            Layering::Bare,
            axum::routing::post(handler),
        )
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        layering: Layering,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.0.push(RouteDef {
            method,
            path,
            layering,
            handler,
        });
        self
    }

    /// Appends another module's routes.
    pub fn merge(mut self, other: Routes) -> Self {
        self.0.extend(other.0);
        self
    }
}

/// Every route tandem serves.
fn all_routes() -> Routes {
    Routes::new()
        .bare_get("/healthz", health::healthz)
        .bare_get("/readyz", health::readyz)
        .bare_get("/static/tandem.css", assets::css)
        .bare_get(crate::paths::PASSKEYS_JS, assets::passkeys_js)
        .bare_get(crate::paths::FAVICON, assets::favicon)
        .bare_get("/favicon.ico", assets::favicon)
        .merge(session::routes())
        .merge(account::routes())
        .merge(home::routes())
        .merge(programmes::routes())
        .merge(matrix::routes())
        .merge(brief::routes())
        .merge(dashboard::routes())
        .merge(cadence::routes())
        .merge(alignment::routes())
        .merge(pipeline::routes())
        .merge(governance::routes())
        .merge(api::routes())
        .merge(calendar::routes())
        .merge(admin::routes())
        .merge(unsubscribe::routes())
}

/// The (method, path) of every route served: what the authorization matrix
/// test walks through.
pub fn catalogue() -> Vec<(Method, &'static str, Layering)> {
    all_routes()
        .0
        .into_iter()
        .map(|route| (route.method, route.path, route.layering))
        .collect()
}

/// Builds the application: routes, middleware and state.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new();
    let mut bare = Router::new();
    for route in all_routes().0 {
        match route.layering {
            Layering::App => app = app.route(route.path, route.handler),
            Layering::Bare => bare = bare.route(route.path, route.handler),
        }
    }
    let app = app.layer(from_fn_with_state(state.clone(), admit));

    Router::new()
        .merge(app)
        .merge(bare)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(|_panic| {
            AppError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
        }))
        .layer(from_fn_with_state(state.clone(), frame))
        .layer(
            // Failures are logged where they arise (an internal error with its
            // cause, an outage once): not again for every 5xx response.
            TraceLayer::new_for_http()
                .on_failure(())
                .make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("-");
                    // The route's pattern, never the path: a path can carry a
                    // secret (a calendar feed's token). A path that matched no
                    // route names nothing, and is kept for finding broken links.
                    let route = request
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or_else(|| request.uri().path(), |matched| matched.as_str());
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        route = %route,
                        request_id = %request_id,
                    )
                }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RequestIds::new()))
        .with_state(state)
}

/// Middleware of every page and action (not of the bare routes), in one
/// layer: the session the cookie names is found, CSRF checked, then a page
/// already rendered is served again.
async fn admit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let presented = match auth::session::present(&state, &mut request).await {
        Ok(presented) => presented,
        Err(refused) => return refused,
    };
    let response = match auth::csrf::verify(&state, request).await {
        Ok(request) => reuse::pages(&state, request, next).await,
        Err(refused) => refused,
    };
    auth::session::seen_out(&state, presented.as_deref(), response)
}

/// The id of each request a client did not name: this process's random
/// prefix and its count of requests ("3f9c2a1b7e04-1c4"), unique across
/// instances as a UUID would be, without a call for randomness per request.
#[derive(Clone)]
struct RequestIds {
    prefix: std::sync::Arc<str>,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        let random = uuid::Uuid::new_v4().simple().to_string();
        RequestIds {
            prefix: random[..12].into(),
            count: std::sync::Arc::default(),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self
            .count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        axum::http::HeaderValue::from_str(&format!("{}-{n:x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// Middleware: what every request and response goes through, in one layer
/// (a `from_fn` layer clones the whole stack beneath it on every request:
/// seven of them cost a sixth of a bare page's CPU). In order: the request
/// is timed by its route; until migrations are applied (the database may
/// still be coming up) every page answers 503, health checks and assets
/// still answering; an error response gets its page or problem document;
/// every response its security headers.
async fn frame(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let timer = crate::metrics::Timer::start(&state, &request);
    let path = request.uri().path();
    let for_machines = path.starts_with(errors::API_PREFIX);
    let touches_database =
        path != "/healthz" && path != "/favicon.ico" && !path.starts_with("/static/");
    let response = if state.is_schema_ready() || !touches_database || path == "/readyz" {
        let response = next.run(request).await;
        // During an outage, a request that went well may not have asked the
        // database at all: only a round trip of its own ends the outage.
        if touches_database
            && crate::error::in_outage()
            && !response.status().is_server_error()
            && crate::db::ping(&state.pool, std::time::Duration::from_secs(1)).await
        {
            crate::error::outage_over();
        }
        response
    } else {
        AppError::Unavailable.into_response()
    };
    let mut response = errors::render_errors(for_machines, response);
    headers::apply(&state, response.headers_mut());
    if let Some(timer) = timer {
        timer.finish(&response);
    }
    response
}
