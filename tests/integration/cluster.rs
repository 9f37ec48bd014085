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
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
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

    let mut server = tokio::process::Command::new(binary)
        .arg("serve")
        .env("TANDEM_DATA_DIR", &data_dir)
        .env("TANDEM_ADDR", format!("127.0.0.1:{port}"))
        .env("TANDEM_LOG_FORMAT", "json")
        .env_remove("DATABASE_URL")
        .stderr(std::process::Stdio::piped())
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
    assert!(ready, "tandem serve became ready");
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
