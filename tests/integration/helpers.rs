//! The test harness: a private PostgreSQL cluster (or `DATABASE_URL`), a
//! migrated template database cloned for every test, the real router served
//! on a loopback port, and an HTTP client that keeps cookies and CSRF tokens.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, PgPool};
use tandem::clock::ManualClock;
use tandem::pg_cluster::{Cluster, ServerPrograms};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// The password of every demo account in tests.
pub const PASSWORD: &str = "correct horse battery";

/// Where test databases are created: the server's maintenance URL and the
/// template holding the migrated schema.
struct TestServer {
    admin: PgConnectOptions,
    template: String,
}

static SERVER: OnceCell<TestServer> = OnceCell::const_new();

/// A short, stable name for some bytes (FNV-1a).
fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A directory for throwaway clusters that the `postgres` user can reach
/// even when the checkout lives under a private home directory. Each
/// checkout has its own, so two checkouts' runs never share a cluster.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let uid = nix::unistd::geteuid().as_raw();
    let checkout = fnv1a(env!("CARGO_MANIFEST_DIR").bytes());
    let root = std::env::temp_dir().join(format!("tandem-tests-{uid}"));
    let dir = root.join(format!("{checkout:016x}")).join(name);
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    for ancestor in [root.as_path(), dir.parent().unwrap(), dir.as_path()] {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(ancestor, std::fs::Permissions::from_mode(0o755));
    }
    dir
}

async fn server() -> &'static TestServer {
    SERVER
        .get_or_init(|| async {
            let admin = match std::env::var("DATABASE_URL") {
                Ok(url) => PgConnectOptions::from_str(&url).expect("DATABASE_URL parses"),
                Err(_) => {
                    let dir = scratch_dir("cluster").join("pg");
                    let cluster = tokio::task::spawn_blocking(move || {
                        let programs =
                            ServerPrograms::locate().expect("PostgreSQL server programs");
                        let cluster = Cluster::new(programs, dir).expect("cluster");
                        // Test data is disposable: trade durability for speed.
                        cluster
                            .start(&[
                                ("fsync", "off"),
                                ("synchronous_commit", "off"),
                                ("full_page_writes", "off"),
                                ("max_connections", "300"),
                                ("max_wal_size", "256MB"),
                            ])
                            .expect("starting the test cluster");
                        cluster
                    })
                    .await
                    .unwrap();
                    PgConnectOptions::from_str(&cluster.url("postgres")).unwrap()
                }
            };
            let admin = admin.disable_statement_logging();
            let template = prepare_template(&admin).await;
            TestServer { admin, template }
        })
        .await
}

/// Creates (once per schema version) the migrated template database.
async fn prepare_template(admin: &PgConnectOptions) -> String {
    let version: i64 = tandem::db::MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    // Every migration's checksum counts (a migration edited while it is
    // being written gets a template of its own), and so do the queries
    // tandem installs at start, which the template holds too.
    let kept = tandem::db::pages::kept_queries();
    let checksum = fnv1a(
        tandem::db::MIGRATOR
            .iter()
            .flat_map(|m| m.checksum.iter().copied())
            .chain(kept.iter().flat_map(|(_, _, sql)| sql.bytes())),
    );
    let name = format!("tandem_template_{version}_{checksum:016x}");
    let mut conn = PgConnection::connect_with(admin)
        .await
        .expect("connecting to the test server");
    conn.execute("SELECT pg_advisory_lock(727274)")
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    drop_abandoned_databases(&mut conn).await;
    if !exists {
        // Templates of other schema versions go first (a run of another
        // checkout cloning one refuses the drop; it goes next time).
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'tandem\\_template\\_%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for db in stale {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS \"{db}\"").as_str())
                .await;
        }
        // Built under another name and renamed when complete: a template
        // whose migration failed is never taken for a finished one.
        let building = format!("{name}_building");
        conn.execute(format!("CREATE DATABASE \"{building}\"").as_str())
            .await
            .unwrap();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(admin.clone().database(&building))
            .await
            .unwrap();
        tandem::db::migrate(&pool)
            .await
            .expect("migrating the template");
        // The app serves as a role that owns nothing, as in production.
        tandem::db::ensure_app_role(&pool).await.unwrap();
        tandem::db::grant_serving_role(&pool, tandem::db::APP_ROLE)
            .await
            .unwrap();
        pool.close().await;
        conn.execute(format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"").as_str())
            .await
            .unwrap();
    }
    conn.execute("SELECT pg_advisory_unlock(727274)")
        .await
        .unwrap();
    conn.close().await.unwrap();
    name
}

/// How long a test database is kept: well past the longest run, so that a
/// run never loses one to another run on the same cluster.
const TEST_DATABASE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 60);

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Drops the test databases of earlier runs. Each test's database is named
/// with the moment it was made, and a run leaves them behind (a failing
/// test's is worth a look), so without this every run would add a few
/// gigabytes to the shared cluster until the disk is full.
async fn drop_abandoned_databases(conn: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'tandem\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let oldest_kept = unix_seconds() - TEST_DATABASE_LIFETIME.as_secs();
    for name in names {
        let made: Option<u64> = name
            .strip_prefix("tandem_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|seconds| seconds.parse().ok());
        if made.is_none_or(|made| made < oldest_kept) {
            // One still in use by a test elsewhere refuses; it goes next time.
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS \"{name}\"").as_str())
                .await;
        }
    }
}

/// A fresh, migrated database for one test.
pub async fn fresh_database() -> (PgPool, String) {
    let server = server().await;
    let name = format!("tandem_test_{}_{}", unix_seconds(), Uuid::new_v4().simple());
    let mut conn = PgConnection::connect_with(&server.admin).await.unwrap();
    conn.execute(
        format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
            server.template
        )
        .as_str(),
    )
    .await
    .expect("cloning the template database");
    conn.close().await.unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(6)
        .connect_with(server.admin.clone().database(&name))
        .await
        .unwrap();
    (pool, name)
}

/// A pool on the same database as `owner`, connected as the serving role.
pub fn serving_pool(owner: &PgPool) -> PgPool {
    let options = (*owner.connect_options())
        .clone()
        .username(tandem::db::APP_ROLE);
    PgPoolOptions::new()
        .max_connections(6)
        .acquire_timeout(std::time::Duration::from_secs(2))
        .test_before_acquire(false)
        .connect_lazy_with(tandem::db::serving_options(options))
}

/// The real application, served on a loopback port, with a manual clock.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The test's own database.
    pub pool: PgPool,
    /// The app's clock: tests move it.
    pub clock: ManualClock,
}

impl TestApp {
    /// Boots the app on a fresh database.
    pub async fn spawn() -> TestApp {
        let (pool, _) = fresh_database().await;
        Self::spawn_on(pool).await
    }

    /// Boots the app on the database of a given (owner's) pool, serving as
    /// the role that owns nothing; the test keeps the owner's pool.
    pub async fn spawn_on(pool: PgPool) -> TestApp {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap());
        let state = tandem::startup::state(serving_pool(&pool), Arc::new(clock.clone()), false);
        Self::serve(state, pool, clock).await
    }

    /// Boots the app on a fresh database, knowing its own address (as the
    /// single sign-on redirect URI needs), with its clock set to this
    /// machine's (as tokens from a real provider need).
    pub async fn spawn_reachable() -> TestApp {
        Self::spawn_reachable_as("127.0.0.1").await
    }

    /// [`TestApp::spawn_reachable`] under the name `host` for this machine
    /// (passkeys need `localhost`: browsers refuse an IP address).
    pub async fn spawn_reachable_as(host: &str) -> TestApp {
        let (pool, _) = fresh_database().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://{host}:{port}");
        let clock = ManualClock::new(Utc::now());
        let state = tandem::startup::state_reached_at(
            serving_pool(&pool),
            Arc::new(clock.clone()),
            false,
            tandem::config::DEFAULT_PAGE_CACHE_MB << 20,
            &base,
        );
        let app = tandem::startup::app(state).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestApp { base, pool, clock }
    }

    /// Serves a prepared state.
    pub async fn serve(
        state: tandem::state::AppState,
        pool: PgPool,
        clock: ManualClock,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = tandem::startup::app(state).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestApp {
            base: format!("http://{addr}"),
            pool,
            clock,
        }
    }

    /// A new browser-like client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// The documents the pages read are the copies the writes keep
    /// (`dashboard_sources` without what no page decodes, the held packs' figures corrected since, `home_sources`, `programme_sources`, and each
    /// user's seat kinds, time zone and unread notifications' due times on
    /// their row): after any change they
    /// must be what their queries read now.
    pub async fn assert_kept_documents_are_current(&self) {
        // A kept dashboard without its draft (the signed sections' copy,
        // migration 0037), with the draft put back.
        let restored = |body: &str| {
            format!(
                "CASE WHEN {body}::jsonb ? 'draft_is_signed'
                      THEN {body}::jsonb - 'draft_is_signed' || jsonb_build_object('draft', {body}::jsonb -> 'signed' -> 'sections')
                      ELSE {body}::jsonb END"
            )
        };
        let rows: Vec<(String, Option<serde_json::Value>, serde_json::Value)> = sqlx::query_as(
            &format!("SELECT 'the dashboard of ' || p.name, {},
                    dashboard_source(p.id, NULL, $1)::jsonb - ARRAY['ids', 'ats', 'names', 'notes', 'versions', 'corrections']
               FROM programmes p LEFT JOIN dashboard_sources d ON d.programme_id = p.id
             UNION ALL
             SELECT 'the figures corrected since the review of ' || r.month || ' of ' || p.name,
                    (SELECT coalesce(jsonb_agg(jsonb_build_array(c.position, c.value) ORDER BY c.position), '[]')
                       FROM review_corrections c
                      WHERE c.review_id = r.id
                        AND c.value IS DISTINCT FROM (s.content -> 'figures' -> 'metrics' -> c.position ->> 'value')::float8),
                    (SELECT coalesce(jsonb_agg(jsonb_build_array(f.n - 1, v.value) ORDER BY f.n), '[]')
                       FROM unnest(s.frozen_metrics, s.frozen_periods) WITH ORDINALITY AS f(metric_id, period, n)
                       JOIN metric_values v
                         ON v.programme_id = r.programme_id AND v.metric_id = f.metric_id AND v.period = f.period
                      WHERE v.value IS DISTINCT FROM (s.content -> 'figures' -> 'metrics' -> (f.n::int - 1) ->> 'value')::float8)
               FROM exco_review_snapshots s JOIN exco_reviews r ON r.id = s.review_id
               JOIN programmes p ON p.id = r.programme_id
             UNION ALL
             SELECT 'the home page of ' || o.name, h.body::jsonb, home_source(o.id)::jsonb
               FROM organisations o LEFT JOIN home_sources h ON h.organisation_id = o.id
             UNION ALL
             SELECT 'the overview of ' || p.name, k.body::jsonb, programme_source(p.id)::jsonb
               FROM programmes p LEFT JOIN programme_sources k ON k.programme_id = p.id
             UNION ALL
             SELECT 'the brief of ' || p.name, k.brief::jsonb, brief_source(p.id)::jsonb
               FROM programmes p LEFT JOIN programme_sources k ON k.programme_id = p.id
             UNION ALL
             SELECT 'the page header of ' || p.name, k.programme::jsonb, programme_source(p.id)::jsonb -> 'programme'
               FROM programmes p LEFT JOIN programme_sources k ON k.programme_id = p.id
             UNION ALL
             SELECT 'the brief markup of ' || p.name, to_jsonb(k.brief_shown),
                    to_jsonb(ARRAY(SELECT coalesce(s.shown, '') FROM brief_sections s
                                    WHERE s.programme_id = p.id ORDER BY s.section_key))
               FROM programmes p LEFT JOIN programme_sources k ON k.programme_id = p.id
             UNION ALL
             SELECT 'version ' || v.number || ' of the brief of ' || p.name, k.body::jsonb,
                    brief_version_source(v.id)::jsonb
               FROM brief_versions v JOIN programmes p ON p.id = v.programme_id
               LEFT JOIN brief_version_sources k ON k.version_id = v.id
             UNION ALL
             SELECT 'the markup of version ' || v.number || ' of the brief of ' || p.name,
                    to_jsonb(k.shown),
                    to_jsonb(ARRAY(SELECT coalesce(m.shown, '') FROM brief_version_sections s
                                     LEFT JOIN brief_version_shown m USING (version_id, section_key)
                                    WHERE s.version_id = v.id ORDER BY s.position))
               FROM brief_versions v JOIN programmes p ON p.id = v.programme_id
               LEFT JOIN brief_version_sources k ON k.version_id = v.id
             UNION ALL
             SELECT 'the ' || wanted.page || ' page of ' || p.name, k.body::jsonb,
                    CASE wanted.page WHEN 'cadence' THEN cadence_source(p.id)
                              WHEN 'pipeline' THEN pipeline_source(p.id)
                              WHEN 'agents' THEN agents_source(p.id)
                              WHEN 'health' THEN health_source(p.id) END::jsonb
               FROM programmes p CROSS JOIN unnest($2::text[]) wanted(page)
               LEFT JOIN page_sources k ON k.programme_id = p.id AND k.page = wanted.page
             UNION ALL
             SELECT 'the page of metric ' || m.metric_id || ' of ' || p.name, {},
                    dashboard_source(p.id, m.metric_id, $3)::jsonb
               FROM (SELECT DISTINCT programme_id, metric_id FROM metric_values) m
               JOIN programmes p ON p.id = m.programme_id
               LEFT JOIN metric_sources k ON k.programme_id = m.programme_id AND k.metric_id = m.metric_id
             UNION ALL
             SELECT 'the seats and time zone kept on the row of ' || u.email,
                    json_build_object('seats', u.seat_kinds, 'zone', u.time_zone)::jsonb,
                    json_build_object(
                        'seats', ARRAY(SELECT kind FROM seats WHERE user_id = u.id AND ended_at IS NULL ORDER BY kind),
                        'zone', (SELECT time_zone FROM notification_settings WHERE user_id = u.id))::jsonb
               FROM users u
             UNION ALL
             SELECT 'the unread notifications kept on the row of ' || u.email, to_jsonb(u.unread_due),
                    to_jsonb(ARRAY(SELECT n.due_at FROM notifications n
                                    WHERE n.recipient_id = u.id AND n.read_at IS NULL AND n.delivery <> 'cancelled'
                                    ORDER BY n.due_at LIMIT $4))
               FROM users u",
                restored("d.body"),
                restored("k.body"),
            ),
        )
        .bind(tandem::db::metrics::RECENT_VALUES)
        .bind(&tandem::db::pages::KEPT_PAGES[..])
        .bind(tandem::db::metrics::FOCUSED_VALUES)
        .bind(tandem::db::sessions::UNREAD_KEPT)
        .fetch_all(&self.pool)
        .await
        .unwrap();
        for (what, kept, now) in rows {
            let kept = kept.unwrap_or_default();
            assert!(kept == now, "{what} is stale:\n kept {kept}\n now  {now}");
        }
        // A board the dashboard page would show (written from its document
        // as it stands, with this release's markup) is that document's
        // board for the day it was written for, and so are its facts.
        type KeptBoard = (Uuid, String, String, Option<String>, chrono::NaiveDate);
        let boards: Vec<KeptBoard> = sqlx::query_as(
            "SELECT programme_id, body::text, shown, shown_facts::text, shown_for FROM dashboard_sources
              WHERE shown_of = written_in AND shown_markup = $1",
        )
        .bind(tandem::board_shown::markup())
        .fetch_all(&self.pool)
        .await
        .unwrap();
        for (programme, document, shown, facts, day) in boards {
            let now = tandem::board_shown::render_document(programme, &document, day).unwrap();
            assert!(
                shown == now.0,
                "the board kept for the dashboard of {programme} on {day} is stale"
            );
            let facts: tandem::board_shown::BoardFacts =
                serde_json::from_str(&facts.expect("facts kept with the board")).unwrap();
            assert_eq!(
                facts, now.1,
                "the facts kept for the dashboard of {programme} on {day}"
            );
        }
        type KeptMetric = (
            String,
            String,
            Option<Vec<String>>,
            Option<String>,
            Option<String>,
            Option<String>,
            chrono::NaiveDate,
        );
        let pages: Vec<KeptMetric> = sqlx::query_as(
            "SELECT metric_id, body::text, shown, shown_name, shown_kind, shown_due, shown_for
               FROM metric_sources WHERE shown_of = written_in AND shown_markup = $1",
        )
        .bind(tandem::board_shown::markup())
        .fetch_all(&self.pool)
        .await
        .unwrap();
        for (metric, document, parts, name, kind, due, day) in pages {
            let now = tandem::board_shown::render_metric_document(&metric, &document, day).unwrap();
            let kept = parts.map(|parts| {
                (
                    parts,
                    name.unwrap_or_default(),
                    kind.unwrap_or_default(),
                    due.unwrap_or_default(),
                )
            });
            let now = now.map(|now| {
                (
                    now.parts.to_vec(),
                    now.name,
                    now.kind.as_str().to_owned(),
                    now.due,
                )
            });
            assert!(
                kept == now,
                "the page kept for metric {metric} on {day} is stale"
            );
        }
        // The bodies of the brief and matrix pages likewise.
        type KeptBodies = (
            Uuid,
            String,
            Option<String>,
            Option<Vec<String>>,
            Option<String>,
            Vec<String>,
            Vec<String>,
        );
        let bodies: Vec<KeptBodies> = sqlx::query_as(
            "SELECT programme_id, programme::text, brief::text, brief_shown,
                    latest_matrix(programme_id)::text, brief_page, matrix_page
               FROM programme_sources WHERE pages_of = written_in AND pages_markup = $1",
        )
        .bind(tandem::programme_pages::markup())
        .fetch_all(&self.pool)
        .await
        .unwrap();
        for (programme, document, brief, shown, matrix, brief_page, matrix_page) in bodies {
            let source = tandem::db::pages::PagesSource::decode(
                &document,
                brief.as_deref(),
                shown,
                matrix.as_deref(),
            )
            .unwrap();
            let now = tandem::programme_pages::render(programme, &source);
            assert!(
                (brief_page, matrix_page) == now,
                "the brief or matrix page kept for {programme} is stale"
            );
        }
        // And each brief version's, under the latest version as it stands.
        type KeptVersion = (
            Uuid,
            String,
            String,
            Option<Vec<String>>,
            Option<i32>,
            Vec<String>,
        );
        let versions: Vec<KeptVersion> = sqlx::query_as(
            "SELECT k.version_id, p.programme::text, k.body::text, k.shown, k.page_latest, k.page
               FROM brief_version_sources k JOIN programme_sources p USING (programme_id)
              WHERE k.page_of = k.written_in AND k.page_markup = $1
                AND k.page_latest = (SELECT max(number) FROM brief_versions WHERE programme_id = k.programme_id)",
        )
        .bind(tandem::programme_pages::markup())
        .fetch_all(&self.pool)
        .await
        .unwrap();
        for (version, programme, body, shown, latest, page) in versions {
            let source = tandem::db::pages::VersionSource::decode(
                Some(serde_json::from_str(&programme).unwrap()),
                Some(&body),
                shown.unwrap_or_default(),
                latest,
            )
            .unwrap();
            let now = tandem::programme_pages::render_version(source).map(|(page, _)| page);
            assert!(
                now == Some(page),
                "the page kept for version {version} is stale"
            );
        }
        // The pipeline likewise, for a reader and for a mover; each view
        // puts its own one-time keys in, so those are left out.
        type KeptPipeline = (Uuid, String, Option<String>, Vec<String>, chrono::NaiveDate);
        let pipelines: Vec<KeptPipeline> = sqlx::query_as(
            "SELECT p.programme_id, p.body::text, d.body::text, p.shown, p.shown_for
               FROM page_sources p LEFT JOIN dashboard_sources d ON d.programme_id = p.programme_id
              WHERE p.page = 'pipeline' AND p.shown_of = p.written_in
                AND p.shown_board_of = d.written_in AND p.shown_markup = $1",
        )
        .bind(tandem::board_shown::markup())
        .fetch_all(&self.pool)
        .await
        .unwrap();
        for (programme, document, dashboard, shown, day) in pipelines {
            let now = tandem::pipeline_shown::render_kept_document(
                programme,
                &document,
                dashboard.as_deref(),
                day,
            )
            .unwrap();
            let shown: Vec<String> = shown.iter().map(|page| without_keys(page)).collect();
            let now: Vec<String> = now.iter().map(|page| without_keys(page)).collect();
            assert!(
                shown == now,
                "the pipeline kept for {programme} on {day} is stale"
            );
        }
    }

    /// Loads the demo organisation with [`PASSWORD`].
    pub async fn load_demo(&self) -> Demo {
        let password = tandem::domain::values::NewPassword::parse(PASSWORD).unwrap();
        tandem::demo::load(&self.pool, &password, self.clock_now())
            .await
            .unwrap();
        // As the keeper task of a running instance would, at once.
        tandem::board_shown::write_stale(&self.pool, self.clock_now().date_naive())
            .await
            .unwrap();
        Demo::find(&self.pool).await
    }

    /// Moves the programme in preparation into its second week of
    /// deployment, straight in the database (its brief is not signed; the
    /// phase gate has its own tests). Returns its id.
    pub async fn deploy_freight(&self) -> Uuid {
        sqlx::query_scalar(
            "UPDATE programmes SET phase = 'deploying', deploying_since = $1::date - 8, version = version + 1
              WHERE name = 'Freight operations agents' RETURNING id",
        )
        .bind(self.clock_now().date_naive())
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// The version of the value of `metric` for `period` (of any programme
    /// of the demo: metric ids and periods are unique enough there), which
    /// a correction names.
    pub async fn value_version(&self, metric: &str, period: &str) -> String {
        let version: i32 = sqlx::query_scalar(
            "SELECT max(version) FROM metric_values WHERE metric_id = $1 AND period = $2",
        )
        .bind(metric)
        .bind(period)
        .fetch_one(&self.pool)
        .await
        .unwrap();
        version.to_string()
    }

    /// The id of the demo programme called `name` (see [`LIVE`], [`FREIGHT`]).
    pub async fn programme_id(&self, name: &str) -> Uuid {
        sqlx::query_scalar("SELECT id FROM programmes WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// A single number from the test database, such as a count.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// The app's current time.
    pub fn clock_now(&self) -> chrono::DateTime<Utc> {
        use tandem::clock::Clock;
        self.clock.now()
    }

    /// The current ISO week as the app's clock sees it (`2026-W47`): the
    /// period a weekly value is recorded for.
    pub fn this_week(&self) -> String {
        use chrono::Datelike;
        let iso = self.clock_now().date_naive().iso_week();
        format!("{}-W{:02}", iso.year(), iso.week())
    }

    /// The CEO changes the competitive ambition of programme `id` and
    /// submits the draft as its next version for signature.
    pub async fn submit_next_version(&self, id: Uuid) {
        let mut ceo = self.login("ceo@halden.example").await;
        let brief = format!("/programmes/{id}/brief");
        let form = ceo
            .get(&format!("{brief}/sections/competitive_ambition/edit"))
            .await;
        let mut fields = form.form_fields("brief-form");
        set(
            &mut fields,
            "f.statement",
            "Lead freight operations in the region.",
        );
        let saved = ceo
            .post_pairs(&format!("{brief}/sections/competitive_ambition"), &fields)
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let submitted = ceo.post(&format!("{brief}/submit"), &[]).await;
        assert_eq!(submitted.status, 303, "{}", submitted.body);
    }

    /// A client signed in as `email`.
    pub async fn login(&self, email: &str) -> Client {
        let mut client = self.client();
        let response = client.login(email, PASSWORD).await;
        assert_eq!(
            response.status, 303,
            "login as {email} failed: {}",
            response.body
        );
        client
    }

    /// Creates another organisation with an admin and a programme, straight
    /// through the database layer.
    pub async fn other_organisation(&self) -> Other {
        let now = self.clock_now();
        let mut tx = self.pool.begin().await.unwrap();
        let org = tandem::db::organisations::insert(&mut *tx, "Other Org", now)
            .await
            .unwrap();
        let hash = tandem::auth::password::hash(PASSWORD).await.unwrap();
        let admin = tandem::db::users::insert(
            &mut *tx,
            tandem::db::users::NewUser {
                organisation_id: org.id,
                email: "admin@other.example",
                display_name: "Other Admin",
                password_hash: Some(&hash),
                must_change_password: false,
                at: now,
            },
        )
        .await
        .unwrap();
        let actor = tandem::db::audit::Actor {
            organisation_id: Some(org.id),
            user_id: None,
            ip: None,
            at: now,
        };
        tandem::db::seats::assign(
            &mut tx,
            &actor,
            org.id,
            admin.id,
            tandem::domain::seat::SeatKind::Admin,
            None,
        )
        .await
        .unwrap();
        tandem::db::seats::assign(
            &mut tx,
            &actor,
            org.id,
            admin.id,
            tandem::domain::seat::SeatKind::Ceo,
            None,
        )
        .await
        .unwrap();
        let programme = tandem::db::programmes::insert(
            &mut *tx,
            org.id,
            &tandem::db::programmes::ProgrammeFields {
                name: "Other programme",
                summary: "",
                planned_start: None,
                pulse_tolerance: None,
            },
            None,
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        Other {
            admin_email: "admin@other.example".into(),
            programme_id: programme.id,
        }
    }
}

/// Ids from the demo organisation.
/// The demo's live programme, with its cadence history.
pub const LIVE: &str = "Accounts payable agents";
/// The demo's programme in preparation.
pub const FREIGHT: &str = "Freight operations agents";

pub struct Demo {
    /// The demo programme.
    pub programme_id: Uuid,
    /// The first ExCo member (a harmless user to point admin routes at).
    pub exco_id: Uuid,
    /// That member's seat.
    pub exco_seat_id: Uuid,
    /// The live programme (with its cadence history).
    pub live_programme_id: Uuid,
    /// Its latest held ExCo review's month.
    pub review_month: String,
    /// One of its action items.
    pub action_id: Uuid,
    /// The first process of the demo programme's pipeline.
    pub process_id: Uuid,
    /// A message in the demo's local mailbox.
    pub mail_id: Uuid,
    /// The live programme's invoice matcher (an agent the CFO may suspend).
    pub agent_id: Uuid,
}

impl Demo {
    async fn find(pool: &PgPool) -> Demo {
        let programme_id = sqlx::query_scalar(
            "SELECT id FROM programmes WHERE name = 'Freight operations agents'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let (exco_id, exco_seat_id) = sqlx::query_as(
            "SELECT u.id, s.id FROM users u JOIN seats s ON s.user_id = u.id
              WHERE u.email = 'exco.people@halden.example' AND s.ended_at IS NULL",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let (live_programme_id, review_month, action_id) = sqlx::query_as(
            "SELECT p.id,
                    (SELECT max(month) FROM exco_reviews WHERE programme_id = p.id AND held_at IS NOT NULL),
                    (SELECT id FROM action_items WHERE programme_id = p.id ORDER BY created_at LIMIT 1)
               FROM programmes p WHERE p.name = 'Accounts payable agents'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let process_id =
            sqlx::query_scalar("SELECT id FROM processes WHERE programme_id = $1 AND position = 1")
                .bind(programme_id)
                .fetch_one(pool)
                .await
                .unwrap();
        let agent_id = sqlx::query_scalar("SELECT id FROM agents WHERE name = 'Invoice matcher'")
            .fetch_one(pool)
            .await
            .unwrap();
        let mail_id = sqlx::query_scalar("SELECT notification_id FROM mailbox LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
        Demo {
            agent_id,
            mail_id,
            process_id,
            programme_id,
            exco_id,
            exco_seat_id,
            live_programme_id,
            review_month,
            action_id,
        }
    }
}

/// Another organisation, for isolation tests.
pub struct Other {
    /// Its admin (also its CEO).
    pub admin_email: String,
    /// Its programme.
    pub programme_id: Uuid,
}

pub use crate::client::{Client, Page, decode, set};

/// `page` with each one-time form key blanked.
pub fn without_keys(page: &str) -> String {
    const BEFORE: &str = "name=\"once\" value=\"";
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(at) = rest.find(BEFORE) {
        let end = (at + BEFORE.len() + 36).min(rest.len());
        out.push_str(&rest[..at + BEFORE.len()]);
        out.push_str("(key)");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
