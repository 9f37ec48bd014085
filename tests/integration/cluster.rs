//! The private PostgreSQL cluster: start, reuse, restart with data intact,
//! and an app that rides out its database going away.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use tandem::pg_cluster::{Cluster, ServerPrograms, Started};

use crate::helpers::{TestApp, scratch_dir};

fn fresh_cluster(name: &str) -> Cluster {
    let dir = scratch_dir(name);
    let data = dir.join("pg");
    if data.exists() {
        let old = Cluster::new(ServerPrograms::locate().unwrap(), &data).unwrap();
        let _ = old.stop();
        std::fs::remove_dir_all(&data).unwrap();
    }
    Cluster::new(ServerPrograms::locate().unwrap(), data).unwrap()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// `tandem serve` on its own private cluster in `data_dir`, on a free
/// loopback port, logging JSON to a pipe; returns once it is ready.
async fn serve_on_private_cluster(data_dir: &std::path::Path) -> (tokio::process::Child, u16) {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let server = tokio::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("serve")
        .env("TANDEM_DATA_DIR", data_dir)
        .env("TANDEM_ADDR", format!("127.0.0.1:{port}"))
        .env("TANDEM_LOG_FORMAT", "json")
        .env_remove("DATABASE_URL")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(response) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && response.status() == 200
        {
            return (server, port);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("tandem serve did not become ready");
}

/// Sends SIGTERM, waits for a clean exit and returns what it logged.
async fn stop_and_read_logs(mut server: tokio::process::Child) -> String {
    let pid = nix::unistd::Pid::from_raw(server.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), server.wait())
        .await
        .expect("tandem exits after SIGTERM")
        .unwrap();
    assert!(status.success());
    let mut logs = String::new();
    use tokio::io::AsyncReadExt;
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .await
        .unwrap();
    logs
}

#[tokio::test]
async fn the_cluster_starts_is_reused_and_keeps_its_data_across_restarts() {
    let cluster = fresh_cluster("lifecycle");
    let c = cluster.clone();
    assert_eq!(blocking(move || c.start(&[])).await.unwrap(), Started::ByUs);
    let c = cluster.clone();
    assert_eq!(
        blocking(move || c.start(&[])).await.unwrap(),
        Started::Reused,
        "a running cluster is reused"
    );

    tandem::db::create_database_if_missing(&cluster, "tandem")
        .await
        .unwrap();
    let mut conn = PgConnection::connect(&cluster.url("tandem")).await.unwrap();
    sqlx::query("CREATE TABLE kept (note text)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO kept VALUES ('still here')")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();
    let c = cluster.clone();
    assert!(!blocking(move || c.is_running()).await.unwrap());

    let c = cluster.clone();
    assert_eq!(blocking(move || c.start(&[])).await.unwrap(), Started::ByUs);
    let mut conn = PgConnection::connect(&cluster.url("tandem")).await.unwrap();
    let note: String = sqlx::query_scalar("SELECT note FROM kept")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(note, "still here");
    conn.close().await.unwrap();

    // Only a Unix socket in the data directory: no TCP port.
    assert!(cluster.data_dir().join(".s.PGSQL.5432").exists());
    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();
}

#[tokio::test]
async fn the_app_answers_503_while_its_database_is_down_and_recovers() {
    let cluster = fresh_cluster("outage");
    let c = cluster.clone();
    blocking(move || c.start(&[("fsync", "off")]))
        .await
        .unwrap();
    tandem::db::create_database_if_missing(&cluster, "tandem")
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&cluster.url("tandem")).unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy_with(options);
    tandem::db::migrate(&pool).await.unwrap();
    tandem::db::ensure_app_role(&pool).await.unwrap();
    tandem::db::grant_serving_role(&pool, tandem::db::APP_ROLE)
        .await
        .unwrap();
    let app = TestApp::spawn_on(pool).await;
    let mut client = app.client();
    assert_eq!(client.get("/readyz").await.status, 200);

    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();
    assert_eq!(client.get("/readyz").await.status, 503);
    let page = client.get("/login").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.shows("Temporarily unavailable"));
    assert_eq!(client.get("/healthz").await.status, 200);

    let c = cluster.clone();
    blocking(move || c.start(&[("fsync", "off")]))
        .await
        .unwrap();
    let mut recovered = false;
    for _ in 0..20 {
        if client.get("/readyz").await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(recovered, "the app reconnects by itself");
    assert_eq!(client.get("/login").await.status, 200);
    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();
}

#[tokio::test]
async fn tandem_serve_runs_on_its_own_cluster_and_stops_it_on_sigterm() {
    let data_dir = scratch_dir("serve");
    let _ = std::fs::remove_dir_all(data_dir.join("postgres"));
    let binary = env!("CARGO_BIN_EXE_tandem");
    let demo = std::process::Command::new(binary)
        .args(["demo", "--password", "serve-test-pass"])
        .env("TANDEM_DATA_DIR", &data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    assert!(String::from_utf8_lossy(&demo.stdout).contains("ceo@halden.example"));

    let (server, port) = serve_on_private_cluster(&data_dir).await;
    let http = reqwest::Client::new();
    let login = http
        .get(format!("http://127.0.0.1:{port}/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);

    let cluster =
        Cluster::new(ServerPrograms::locate().unwrap(), data_dir.join("postgres")).unwrap();
    let c = cluster.clone();
    assert!(blocking(move || c.is_running()).await.unwrap());

    let logs = stop_and_read_logs(server).await;
    assert!(
        logs.lines()
            .any(|line| line.starts_with('{') && line.contains("tandem is listening")),
        "JSON logs: {logs}"
    );
    let c = cluster.clone();
    assert!(
        !blocking(move || c.is_running()).await.unwrap(),
        "the cluster tandem started is stopped with it"
    );
}

#[tokio::test]
async fn five_restarts_under_load_give_no_500_and_lose_no_acknowledged_write() {
    let cluster = fresh_cluster("restarts");
    let c = cluster.clone();
    blocking(move || c.start(&[("fsync", "off")]))
        .await
        .unwrap();
    tandem::db::create_database_if_missing(&cluster, "tandem")
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&cluster.url("tandem")).unwrap();
    let owner = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy_with(options);
    tandem::db::migrate(&owner).await.unwrap();
    tandem::db::ensure_app_role(&owner).await.unwrap();
    tandem::db::grant_serving_role(&owner, tandem::db::APP_ROLE)
        .await
        .unwrap();
    let app = TestApp::spawn_on(owner.clone()).await;
    let demo = app.load_demo().await;
    let brief = format!("/programmes/{}/brief", demo.programme_id);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Readers: a bounded load of page views.
    let mut readers = Vec::new();
    for _ in 0..3 {
        let mut client = app.login("exco.people@halden.example").await;
        let (stop, brief) = (stop.clone(), brief.clone());
        readers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                statuses.push(client.get(&brief).await.status);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            statuses
        }));
    }
    // A writer: the CEO saves the ambition again and again; every 303 is a
    // write tandem acknowledged.
    let mut ceo = app.login("ceo@halden.example").await;
    let writer = {
        let (stop, brief) = (stop.clone(), brief.clone());
        tokio::spawn(async move {
            let (mut acknowledged, mut statuses) = (Vec::new(), Vec::new());
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let text = format!("Ambition, take {n}.");
                let form = ceo
                    .get(&format!("{brief}/sections/competitive_ambition/edit"))
                    .await;
                statuses.push(form.status);
                if form.status != 200 {
                    continue;
                }
                let mut fields = form.form_fields("brief-form");
                crate::helpers::set(&mut fields, "f.statement", &text);
                let saved = ceo
                    .post_pairs(&format!("{brief}/sections/competitive_ambition"), &fields)
                    .await;
                statuses.push(saved.status);
                if saved.status == 303 {
                    acknowledged.push(text);
                }
            }
            (acknowledged, statuses)
        })
    };
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let c = cluster.clone();
        blocking(move || {
            c.stop().unwrap();
            c.start(&[("fsync", "off")]).unwrap();
        })
        .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    let mut all = Vec::new();
    for reader in readers {
        all.extend(reader.await.unwrap());
    }
    let (acknowledged, statuses) = writer.await.unwrap();
    all.extend(statuses);
    assert!(!all.contains(&500), "no 500 among {} answers", all.len());
    assert!(
        all.iter().all(|s| matches!(s, 200 | 303 | 409 | 503)),
        "{all:?}"
    );
    assert!(!acknowledged.is_empty(), "some writes went through");
    for text in &acknowledged {
        let found = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_log WHERE action = 'brief.section_update'
               AND after->'content'->>'statement' = $1",
        )
        .bind(text)
        .fetch_one(&owner)
        .await
        .unwrap();
        assert_eq!(found, 1, "the acknowledged write {text:?} is there");
    }
    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();
}

#[tokio::test]
async fn tandem_audit_verify_passes_on_the_demo_and_names_an_altered_row() {
    let data_dir = scratch_dir("audit-verify");
    let cluster =
        Cluster::new(ServerPrograms::locate().unwrap(), data_dir.join("postgres")).unwrap();
    let c = cluster.clone();
    let _ = blocking(move || c.stop()).await;
    let _ = std::fs::remove_dir_all(data_dir.join("postgres"));
    let binary = env!("CARGO_BIN_EXE_tandem");
    let run = |args: &[&str]| {
        std::process::Command::new(binary)
            .args(args)
            .env("TANDEM_DATA_DIR", &data_dir)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    assert!(
        run(&["demo", "--password", "verify-test-pass"])
            .status
            .success()
    );
    let ok = run(&["audit", "verify"]);
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{out}");
    assert!(out.contains("Every audit chain holds.") && out.contains("Halden Freight"));

    // A superuser rewrites an entry directly in the database.
    let c = cluster.clone();
    blocking(move || c.start(&[])).await.unwrap();
    let mut conn = PgConnection::connect(&cluster.url("tandem")).await.unwrap();
    let victim: i64 = sqlx::query_scalar(
        "SELECT id FROM audit_log WHERE organisation_id IS NOT NULL ORDER BY id LIMIT 1 OFFSET 5",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET action = 'nothing.to_see' WHERE id = $1")
        .bind(victim)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();

    let broken = run(&["audit", "verify"]);
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(!broken.status.success());
    assert!(
        out.contains(&format!("Entry {victim} was changed after it was written")),
        "{out}"
    );
}

#[tokio::test]
async fn with_database_url_tandem_refuses_to_serve_as_a_superuser_unless_told_to() {
    let cluster = fresh_cluster("roles");
    let c = cluster.clone();
    blocking(move || c.start(&[("fsync", "off")]))
        .await
        .unwrap();
    tandem::db::create_database_if_missing(&cluster, "tandem")
        .await
        .unwrap();
    let superuser = cluster.url("tandem");
    let binary = env!("CARGO_BIN_EXE_tandem");
    let refused = tokio::process::Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("DATABASE_URL", &superuser)
        .env_remove("TANDEM_OWNER_DATABASE_URL")
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("refusing to serve as the superuser"),
        "{stderr}"
    );

    // The documented set-up: an owner for migrations, a role that owns nothing to serve.
    let mut conn = PgConnection::connect(&superuser).await.unwrap();
    tandem::db::ensure_app_role(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let serving = superuser.replace("user=postgres", &format!("user={}", tandem::db::APP_ROLE));
    assert_ne!(serving, superuser);
    let mut server = tokio::process::Command::new(binary)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &serving)
        .env("TANDEM_OWNER_DATABASE_URL", &superuser)
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && response.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "serves as the unprivileged role");
    server.kill().await.unwrap();
    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();
}

/// An outage is logged once when it begins and once when it ends (answers
/// that never asked the database, a 404, do not end it: only a round trip
/// that succeeds does), and a calendar feed's secret never reaches the log.
#[tokio::test]
async fn an_outage_is_logged_once_however_many_answers_come_in_between() {
    let data_dir = scratch_dir("outage-log");
    let _ = std::fs::remove_dir_all(data_dir.join("postgres"));
    let (server, port) = serve_on_private_cluster(&data_dir).await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let request = http.get(format!("http://127.0.0.1:{port}{path}"));
        async move {
            request
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    };

    let cluster =
        Cluster::new(ServerPrograms::locate().unwrap(), data_dir.join("postgres")).unwrap();
    let c = cluster.clone();
    blocking(move || c.stop()).await.unwrap();
    // The first request of the outage, whose failure is logged: a calendar
    // feed, whose secret must not reach the log.
    let secret = "f".repeat(64);
    assert_eq!(get(&format!("/calendar/{secret}/tandem.ics")).await, 503);
    for _ in 0..5 {
        assert_eq!(get("/login").await, 503);
        assert_eq!(get("/no-such-page").await, 404);
    }
    let c = cluster.clone();
    blocking(move || c.start(&[])).await.unwrap();
    let mut back = false;
    for _ in 0..100 {
        if get("/login").await == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(back, "pages answer again");
    assert_eq!(get("/no-such-page").await, 404);

    let logs = stop_and_read_logs(server).await;
    let count = |needle: &str| logs.lines().filter(|line| line.contains(needle)).count();
    assert_eq!(count("database unavailable: answering 503"), 1, "{logs}");
    assert_eq!(count("database reachable again"), 1, "{logs}");
    assert!(!logs.contains(&secret), "{logs}");
    assert!(logs.contains("/calendar/{token}/tandem.ics"), "{logs}");
}

/// An older release started on a database a newer one migrated refuses to
/// serve, naming both, and leaves sqlx's migration lock free: were the lock
/// left on its pool's idle connection, every instance started after it —
/// the newer ones too — would wait for ever at "migrations pending".
#[tokio::test]
async fn an_older_release_refuses_a_newer_schema_and_holds_up_no_other_instance() {
    let (pool, _) = crate::helpers::fresh_database().await;
    // A migration this release does not know, as a newer one leaves it.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99999, 'from a newer release', true, '\\x00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let refused = tandem::db::migrate(&pool).await.unwrap_err();
    let newer = refused
        .downcast_ref::<tandem::db::NewerSchema>()
        .expect("a refusal, not a wait");
    assert_eq!(newer.applied, 99999);
    assert!(
        refused.to_string().contains("a newer release migrated it"),
        "{refused}"
    );

    // Another instance (its own pool) migrates at once.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 99999")
        .execute(&pool)
        .await
        .unwrap();
    let other = PgPoolOptions::new()
        .max_connections(2)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tandem::db::migrate(&other),
    )
    .await
    .expect("the migration lock is free")
    .unwrap();
}
