//! Prometheus metrics (SPEC §11) on their own address: request durations
//! by route pattern (never the path) and status class, requests in flight,
//! the pool, the outbox, failed sign-ins and the build.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::helpers::{TestApp, fresh_database, serving_pool};

/// The value of the first sample line starting with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_read_the_pool_and_the_outbox() {
    let (pool, _) = fresh_database().await;
    let clock = tandem::clock::ManualClock::new(chrono::Utc::now());
    let serving = serving_pool(&pool);
    let state = tandem::state::AppState::new(tandem::state::Shared {
        pool: serving.clone(),
        clock: Arc::new(clock.clone()),
        secure_cookies: false,
        schema_ready: Arc::new(AtomicBool::new(true)),
        pages: Arc::new(tandem::page_cache::PageCache::new(0)),
        mailer: Arc::new(tandem::mail::Mailer::new(None, None, "http://127.0.0.1").unwrap()),
        metrics: Some(Arc::new(tandem::metrics::Metrics::new(6))),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let metrics = tandem::metrics::router(state.clone());
    tokio::spawn(async move { axum::serve(listener, metrics).await.unwrap() });
    let app = TestApp::serve(state, pool, clock).await;
    let demo = app.load_demo().await;

    let mut ceo = app.login("ceo@halden.example").await;
    for _ in 0..3 {
        assert_eq!(
            ceo.get(&format!("/programmes/{}", demo.programme_id))
                .await
                .status,
            200
        );
    }
    let mut stranger = app.client();
    assert_eq!(
        stranger
            .login("ceo@halden.example", "not the password")
            .await
            .status,
        422
    );
    assert_eq!(stranger.get("/no-such-page").await.status, 404);

    let response = reqwest::get(&metrics_url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    assert_eq!(
        sample(
            &text,
            "tandem_http_request_duration_seconds_count{route=\"/programmes/{id}\",class=\"2xx\"}"
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "tandem_http_request_duration_seconds_count{route=\"unmatched\",class=\"4xx\"}"
        ),
        Some(1.0)
    );
    assert!(
        !text.contains(&demo.programme_id.to_string()),
        "patterns, never paths"
    );
    assert_eq!(sample(&text, "tandem_sign_in_failures_total"), Some(1.0));
    assert_eq!(sample(&text, "tandem_http_requests_in_flight"), Some(0.0));
    assert_eq!(sample(&text, "tandem_db_pool_max_connections"), Some(6.0));
    assert!(sample(&text, "tandem_db_pool_connections{state=\"idle\"}").is_some());
    // The three views read through one reader connection, put back after each.
    assert_eq!(
        sample(&text, "tandem_db_reader_connections{state=\"idle\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "tandem_db_reader_connections{state=\"in_use\"}"),
        Some(0.0)
    );
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE delivery = 'queued'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        sample(&text, "tandem_outbox_messages{state=\"queued\"}"),
        Some(queued as f64)
    );
    assert!(sample(&text, "tandem_outbox_oldest_queued_seconds").is_some());
    assert_eq!(
        sample(
            &text,
            &format!(
                "tandem_build_info{{version=\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            )
        ),
        Some(1.0)
    );
}

/// A read abandoned half-way (its request gone) leaves its connection
/// tested and put back, not closed: the next read is served by the same
/// server process, and a failed statement does the same.
#[tokio::test]
async fn a_reader_connection_left_mid_statement_is_tested_and_kept() {
    use sqlx::Executor;
    let (pool, _) = fresh_database().await;
    let readers = tandem::db::readers::Readers::beside(&serving_pool(&pool));
    let process = || async {
        let row = (&readers)
            .fetch_optional("SELECT pg_backend_pid()")
            .await
            .unwrap()
            .unwrap();
        sqlx::Row::get::<i32, _>(&row, 0)
    };
    let first = process().await;
    assert_eq!(readers.counts(), (1, 1));

    // Each test runs in a task of its own: wait for it (the abandoned
    // statement runs to its end first).
    let put_back = || async {
        for _ in 0..100 {
            if readers.counts() == (1, 1) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        readers.counts()
    };
    let abandoned = tokio::time::timeout(
        std::time::Duration::from_millis(100),
        (&readers).fetch_optional("SELECT pg_sleep(0.5)"),
    )
    .await;
    assert!(abandoned.is_err(), "the read was still running");
    assert_eq!(readers.counts(), (1, 0), "lent until its test is over");
    assert_eq!(put_back().await, (1, 1));
    assert_eq!(process().await, first, "the same connection, not a new one");

    assert!(
        (&readers).fetch_optional("SELECT 1/0").await.is_err(),
        "a failed statement"
    );
    assert_eq!(put_back().await, (1, 1));
    assert_eq!(process().await, first, "the same connection, not a new one");
}
