//! SQL round trips per page view, counted on the wire: the app's pool
//! connects through a small proxy that reads the PostgreSQL frontend
//! protocol and counts every statement sent for execution (an `Execute`
//! closed by its `Sync`, or a simple `Query`). The pool's own liveness
//! check on returning a connection (a bare `Sync`, after the response is
//! sent) is not a statement of the page and is not counted. Counts are
//! deterministic, so the budget — at most 2 per view, the session included —
//! is a test; timings are left to `make bench`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use uuid::Uuid;

use crate::helpers::{Client, FREIGHT, LIVE, TestApp, scratch_dir};

/// The budget of SPEC and the speed issue.
const BUDGET: u64 = 2;

/// A counting proxy in front of the test server's Unix socket.
struct Counter {
    round_trips: Arc<AtomicU64>,
    dir: PathBuf,
}

impl Counter {
    /// Starts a proxy towards the socket directory of `target`.
    fn start(target: &PgConnectOptions) -> Counter {
        let upstream = target
            .get_socket()
            .cloned()
            .expect("round trips are counted on the private cluster's Unix socket")
            .join(format!(".s.PGSQL.{}", target.get_port()));
        let dir = scratch_dir(&format!("proxy-{}", Uuid::new_v4().simple()));
        let listener = UnixListener::bind(dir.join(".s.PGSQL.5432")).unwrap();
        let round_trips = Arc::new(AtomicU64::new(0));
        let count = round_trips.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = UnixStream::connect(&upstream).await.unwrap();
                tokio::spawn(relay(client, server, count.clone()));
            }
        });
        Counter { round_trips, dir }
    }

    fn now(&self) -> u64 {
        self.round_trips.load(Ordering::SeqCst)
    }
}

impl Drop for Counter {
    /// The socket's directory goes with the proxy.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copies both ways; counts what the client sends.
async fn relay(client: UnixStream, server: UnixStream, count: Arc<AtomicU64>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    // Untyped messages come first (SSL request, start-up); then typed ones.
    let mut started = false;
    let mut executed = false;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = match client_read.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buffer.extend_from_slice(&chunk[..n]);
        loop {
            let header = if started { 5 } else { 4 };
            if buffer.len() < header {
                break;
            }
            let at = if started { 1 } else { 0 };
            let length = u32::from_be_bytes(buffer[at..at + 4].try_into().unwrap()) as usize;
            let total = at + length;
            if buffer.len() < total {
                break;
            }
            if started {
                match buffer[0] {
                    b'E' => executed = true,
                    // A Sync after an Execute ends one statement's round trip.
                    b'S' if executed => {
                        executed = false;
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    b'Q' => {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {}
                }
            } else {
                let code = u32::from_be_bytes(buffer[4..8].try_into().unwrap());
                // 196608 is protocol 3.0: the start-up message; after it, typed messages.
                started = code == 196_608;
            }
            buffer.drain(..total);
        }
        if server_write.write_all(&chunk[..n]).await.is_err() {
            return;
        }
    }
}

/// An app whose pool has one connection, through the counter, without a
/// ping before each use (as in production), and with its statements warm;
/// its page cache holds `page_cache_bytes` (0: every view is rendered, as
/// the first view after a change is).
async fn counted_app(page_cache_bytes: usize) -> (TestApp, Counter) {
    let (owner, _) = crate::helpers::fresh_database().await;
    let options = (*owner.connect_options()).clone();
    let counter = Counter::start(&options);
    let serving: PgPool = PgPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_lazy_with(tandem::db::serving_options(
            options
                .username(tandem::db::APP_ROLE)
                .socket(&counter.dir)
                .port(5432),
        ));
    let clock = tandem::clock::ManualClock::new(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 16, 9, 0, 0).unwrap(),
    );
    let state = tandem::startup::state_with_page_cache(
        serving,
        Arc::new(clock.clone()),
        false,
        page_cache_bytes,
    );
    let app = TestApp::serve(state, owner, clock).await;
    (app, counter)
}

/// Round trips of one view of `path` (viewed once before, so prepared
/// statements are cached as they are in a running server).
async fn trips(client: &mut Client, counter: &Counter, path: &str) -> u64 {
    let first = client.get(path).await;
    assert_eq!(first.status, 200, "{path}: {}", first.body);
    let before = counter.now();
    let page = client.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    counter.now() - before
}

/// Every main page and its round trips for the demo organisation.
async fn measure(app: &TestApp, counter: &Counter) -> Vec<(String, u64)> {
    let programme: Uuid = app.programme_id(FREIGHT).await;
    let live: Uuid = app.programme_id(LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut results = Vec::new();
    for (name, path) in [
        ("home", "/".to_owned()),
        ("programme", format!("/programmes/{programme}")),
        ("brief", format!("/programmes/{programme}/brief")),
        (
            "brief version",
            format!("/programmes/{programme}/brief/versions/2"),
        ),
        ("matrix", format!("/programmes/{programme}/matrix")),
        ("dashboard", format!("/programmes/{live}/dashboard")),
        (
            "metric",
            format!("/programmes/{live}/metrics/automated-processing-rate"),
        ),
        ("cadence", format!("/programmes/{live}/cadence")),
        ("session", format!("/programmes/{live}/sessions/2")),
        ("weekly update", format!("/programmes/{live}/updates/2")),
        ("decision", format!("/programmes/{live}/decisions/2")),
        ("decision log", format!("/programmes/{live}/decisions")),
        ("ExCo review", format!("/programmes/{live}/reviews/2026-10")),
        (
            "ExCo pack",
            format!("/programmes/{live}/reviews/2026-10/pack"),
        ),
        (
            "review verify",
            format!("/programmes/{live}/reviews/2026-10/verify"),
        ),
        ("calendar", "/account/calendar".to_owned()),
        ("notifications", "/account/notifications".to_owned()),
        (
            "notification settings",
            "/account/notifications/settings".to_owned(),
        ),
        ("alignment health", format!("/programmes/{live}/health")),
        ("expansion pipeline", format!("/programmes/{live}/pipeline")),
        ("agent register", format!("/programmes/{live}/agents")),
        ("incident", format!("/programmes/{live}/incidents/2")),
    ] {
        results.push((name.to_owned(), trips(&mut ceo, counter, &path).await));
    }
    // The administrator's mailbox, read to see what went out.
    let mut admin = app.login("admin@halden.example").await;
    results.push((
        "mail".to_owned(),
        trips(&mut admin, counter, "/admin/mail").await,
    ));
    results
}

fn over_budget(results: &[(String, u64)]) -> Vec<String> {
    results
        .iter()
        .filter(|(_, trips)| *trips > BUDGET)
        .map(|(name, trips)| format!("{name}: {trips} round trips"))
        .collect()
}

#[tokio::test]
async fn every_main_page_needs_at_most_two_round_trips() {
    let (app, counter) = counted_app(0).await;
    app.load_demo().await;
    let results = measure(&app, &counter).await;
    eprintln!("round trips per view (demo): {results:?}");
    let over = over_budget(&results);
    assert!(over.is_empty(), "over the budget of {BUDGET}: {over:?}");
    // The others read the session in the page's own statement.
    let apart = ["calendar", "notifications", "notification settings", "mail"];
    let two: Vec<_> = results
        .iter()
        .filter(|(name, trips)| !apart.contains(&name.as_str()) && *trips != 1)
        .collect();
    assert!(
        two.is_empty(),
        "one round trip, the session included: {two:?}"
    );

    // A review still open reads what only it shows (the agents at work,
    // the decisions so far, the processes) in a second statement.
    let live: Uuid = app.programme_id(LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let open = ceo.open_november_review(live).await;
    assert_eq!(trips(&mut ceo, &counter, &open).await, 2);
}

#[tokio::test]
async fn the_count_does_not_grow_with_years_of_history() {
    let (app, counter) = counted_app(0).await;
    app.load_demo().await;
    let before = measure(&app, &counter).await;
    tandem::demo::history::generate(&app.pool, 2, 20_000, app.clock_now())
        .await
        .unwrap();
    let after = measure(&app, &counter).await;
    assert_eq!(
        before, after,
        "the same round trips after two more years of history"
    );

    // Nor do the documents the overview and health read: of the ExCo
    // reviews, they keep those of the months the schedule expects, however
    // many more the programme held.
    let live = app.programme_id(LIVE).await;
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM exco_reviews WHERE programme_id = $1")
        .bind(live)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let expected = i64::from(tandem::domain::cadence::REVIEW_MONTHS);
    assert!(held > expected, "{held} reviews held");
    let kept: Vec<(String, Option<i32>)> = sqlx::query_as(
        "SELECT 'the overview', json_array_length(body -> 'cadence' -> 'reviews')
           FROM programme_sources WHERE programme_id = $1
         UNION ALL
         SELECT 'alignment health', json_array_length(body -> 'cadence' -> 'reviews')
           FROM page_sources WHERE programme_id = $1 AND page = 'health'",
    )
    .bind(live)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(kept.len(), 2);
    for (page, reviews) in kept {
        assert_eq!(reviews.map(i64::from), Some(expected), "{page}");
    }
    // Which months those are follows the go-live date: moved, both
    // documents are written again.
    sqlx::query("UPDATE programmes SET live_since = live_since + 31 WHERE id = $1")
        .bind(live)
        .execute(&app.pool)
        .await
        .unwrap();
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn a_page_seen_again_unchanged_costs_only_the_session_check() {
    let (app, counter) = counted_app(16 << 20).await;
    app.load_demo().await;
    // Every main page seen a second time: the session check alone, but for
    // the pages always rendered (account pages and verifications).
    let always_rendered = [
        "calendar",
        "notifications",
        "notification settings",
        "review verify",
        "mail",
    ];
    let wrong: Vec<_> = measure(&app, &counter)
        .await
        .into_iter()
        .filter(|(name, trips)| (*trips == 1) == always_rendered.contains(&name.as_str()))
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");

    let live = app.programme_id(LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let dashboard = format!("/programmes/{live}/dashboard");
    let rendered = ceo.get(&dashboard).await;
    assert_eq!(trips(&mut ceo, &counter, &dashboard).await, 1);
    let before = counter.now();
    assert_eq!(ceo.get(&dashboard).await.body, rendered.body);
    assert_eq!(counter.now() - before, 1, "the kept page");

    // A minute later (deadlines move) the page is rendered again…
    app.clock.advance(chrono::Duration::minutes(1));
    let before = counter.now();
    ceo.get(&dashboard).await;
    assert!(counter.now() - before > 1, "rendered after a minute");
    assert_eq!(trips(&mut ceo, &counter, &dashboard).await, 1);

    // …and after any audited change in the organisation, here a sign-in.
    app.login("coo@halden.example").await;
    let before = counter.now();
    ceo.get(&dashboard).await;
    assert!(counter.now() - before > 1, "rendered after a change");
}
