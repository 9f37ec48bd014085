//! Prometheus metrics (SPEC §11), served on their own address
//! (`TANDEM_METRICS_ADDR`, off by default) so that they never share a port
//! with the pages: request durations by route pattern and status class,
//! requests in flight, the database pool, the outbox, failed sign-ins and
//! the build. `prometheus-client` keeps the registry and writes the text
//! format; the pool and the outbox are read when scraped.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sqlx::PgPool;

use crate::state::AppState;

/// A request's labels: the route's pattern (never the path, which may hold
/// a secret) and the status class.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    class: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// The registry and the handles the code updates.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram>,
    in_flight: Gauge,
    pool: Family<StateLabel, Gauge>,
    readers: Family<StateLabel, Gauge>,
    outbox: Family<StateLabel, Gauge>,
    outbox_oldest: Gauge<f64, AtomicU64>,
    sign_in_failures: Counter,
}

impl Metrics {
    /// A registry with every metric tandem reports; `pool_max` is the
    /// serving pool's most connections.
    pub fn new(pool_max: u32) -> Self {
        let mut registry = Registry::with_prefix("tandem");
        // 1 ms to about 16 s.
        let requests = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route pattern and status class",
            requests.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "Requests being answered now",
            in_flight.clone(),
        );
        let pool = Family::<StateLabel, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Connections of the serving pool, idle or in use",
            pool.clone(),
        );
        let readers = Family::<StateLabel, Gauge>::default();
        registry.register(
            "db_reader_connections",
            "Connections pages read through (beside the pool, as many at most), idle or in use",
            readers.clone(),
        );
        let max: Gauge = Gauge::default();
        max.set(i64::from(pool_max));
        registry.register(
            "db_pool_max_connections",
            "The most connections the serving pool opens",
            max,
        );
        let outbox = Family::<StateLabel, Gauge>::default();
        registry.register(
            "outbox_messages",
            "E-mail messages waiting to go out (queued) or given up on (failed)",
            outbox.clone(),
        );
        let outbox_oldest = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "outbox_oldest_queued_seconds",
            "How long the oldest message due has waited (0 when none)",
            outbox_oldest.clone(),
        );
        let sign_in_failures = Counter::default();
        registry.register(
            "sign_in_failures",
            "Refused password sign-ins since this instance started",
            sign_in_failures.clone(),
        );
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("build_info", "The running build", build);
        Metrics {
            registry,
            requests,
            in_flight,
            pool,
            readers,
            outbox,
            outbox_oldest,
            sign_in_failures,
        }
    }

    /// Counts a refused sign-in.
    pub fn sign_in_failed(&self) {
        self.sign_in_failures.inc();
    }

    /// The text exposition, with the pool and the outbox read now.
    pub async fn render(&self, pool: &PgPool, readers: &crate::db::readers::Readers) -> String {
        let size = i64::from(pool.size());
        let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
        self.pool
            .get_or_create(&StateLabel { state: "idle" })
            .set(idle);
        self.pool
            .get_or_create(&StateLabel { state: "in_use" })
            .set((size - idle).max(0));
        let (open, idle) = readers.counts();
        self.readers
            .get_or_create(&StateLabel { state: "idle" })
            .set(i64::try_from(idle).unwrap_or(i64::MAX));
        self.readers
            .get_or_create(&StateLabel { state: "in_use" })
            .set(i64::try_from(open - idle).unwrap_or(i64::MAX));
        let outbox: Result<(i64, i64, f64), sqlx::Error> = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE delivery = 'queued'),
                    count(*) FILTER (WHERE delivery = 'failed'),
                    coalesce(extract(epoch FROM now() - min(send_after) FILTER (
                        WHERE delivery = 'queued' AND send_after <= now())), 0)::float8
               FROM notifications",
        )
        .fetch_one(pool)
        .await;
        // A database away leaves the last figures: the scrape still answers.
        if let Ok((queued, failed, oldest)) = outbox {
            self.outbox
                .get_or_create(&StateLabel { state: "queued" })
                .set(queued);
            self.outbox
                .get_or_create(&StateLabel { state: "failed" })
                .set(failed);
            self.outbox_oldest.set(oldest.max(0.0));
        }
        let mut text = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// A request being timed by its route's pattern (see [`Timer::start`]).
pub struct Timer<'a> {
    metrics: &'a Metrics,
    route: String,
    started: Instant,
}

impl<'a> Timer<'a> {
    /// Starts timing `request`, when metrics are kept.
    pub fn start(state: &'a AppState, request: &Request) -> Option<Timer<'a>> {
        let metrics = state.metrics()?;
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str)
            .to_owned();
        metrics.in_flight.inc();
        Some(Timer {
            metrics,
            route,
            started: Instant::now(),
        })
    }

    /// Counts the request answered with `response`.
    pub fn finish(self, response: &Response) {
        self.metrics.in_flight.dec();
        let class = match response.status().as_u16() {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.metrics
            .requests
            .get_or_create(&RequestLabels {
                route: self.route,
                class,
            })
            .observe(self.started.elapsed().as_secs_f64());
    }
}

/// The router of the metrics address: GET /metrics.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    let Some(metrics) = state.metrics() else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let mut response = metrics
        .render(&state.pool, state.readers())
        .await
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
