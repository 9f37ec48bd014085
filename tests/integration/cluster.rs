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
