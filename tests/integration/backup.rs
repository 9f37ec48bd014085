//! `tandem backup` and `tandem restore` (SPEC §11), as an operator runs
//! them: the demo in one private cluster, backed up while it runs, restored
//! into a fresh data directory, where every audit chain, signed version and
//! held ExCo pack verifies and people sign in as before.

use sqlx::{Connection, PgConnection};
use tandem::pg_cluster::{Cluster, ServerPrograms};

use crate::helpers::{TestApp, scratch_dir};

const PASSWORD: &str = "backup-test-pass";

fn tandem(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .env("TANDEM_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("TANDEM_OWNER_DATABASE_URL")
        .output()
        .unwrap()
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn programmes(cluster: &Cluster) -> Vec<(String, String)> {
    let mut conn = PgConnection::connect(&cluster.url("tandem")).await.unwrap();
    let rows = sqlx::query_as("SELECT name, phase::text FROM programmes ORDER BY name")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    rows
}

#[tokio::test]
async fn the_demo_backed_up_while_running_restores_into_a_fresh_data_directory_and_verifies() {
    let root = scratch_dir("backup");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let (source, target) = (root.join("source"), root.join("target"));
    let file = root.join("tandem.dump");
    let programs = ServerPrograms::locate().unwrap();
    let source_cluster = Cluster::new(programs.clone(), source.join("postgres")).unwrap();
    let target_cluster = Cluster::new(programs, target.join("postgres")).unwrap();

    let demo = tandem(&source, &["demo", "--password", PASSWORD]);
    assert!(demo.status.success(), "{}", text(&demo));
    // Backed up while the cluster runs (as under `tandem serve`).
    let c = source_cluster.clone();
    tokio::task::spawn_blocking(move || c.start(&[]))
        .await
        .unwrap()
        .unwrap();
    let backup = tandem(&source, &["backup", file.to_str().unwrap()]);
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(text(&backup).contains("Backup written to"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "a backup holds password hashes");

    let restore = tandem(&target, &["restore", file.to_str().unwrap()]);
    assert!(restore.status.success(), "{}", text(&restore));
    assert!(
        text(&restore).contains("Every audit chain holds."),
        "{}",
        text(&restore)
    );
    // A second restore into the now full database is refused…
    let again = tandem(&target, &["restore", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(text(&again).contains("the database is not empty"));
    // …unless told to replace it.
    let replaced = tandem(&target, &["restore", "--replace", file.to_str().unwrap()]);
    assert!(replaced.status.success(), "{}", text(&replaced));
    let verify = tandem(&target, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));

    let c = target_cluster.clone();
    tokio::task::spawn_blocking(move || c.start(&[]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        programmes(&source_cluster).await,
        programmes(&target_cluster).await
    );

    // The restored data served: people sign in as before, and every
    // signed version and held pack verifies.
    let owner = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&target_cluster.url("tandem"))
        .await
        .unwrap();
    let versions: Vec<(uuid::Uuid, i32)> = sqlx::query_as(
        "SELECT programme_id, number FROM brief_versions v
          WHERE EXISTS (SELECT 1 FROM brief_signatures s WHERE s.version_id = v.id)",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    let packs: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT programme_id, month FROM exco_reviews WHERE held_at IS NOT NULL")
            .fetch_all(&owner)
            .await
            .unwrap();
    assert!(!versions.is_empty() && !packs.is_empty());
    let app = TestApp::spawn_on(owner).await;
    let mut ceo = app.client();
    let signed_in = ceo.login("ceo@halden.example", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    for (programme, number) in versions {
        let page = ceo
            .get(&format!(
                "/programmes/{programme}/brief/versions/{number}/verify"
            ))
            .await;
        assert!(page.shows("Intact."), "version {number}: {}", page.body);
    }
    for (programme, month) in packs {
        let page = ceo
            .get(&format!("/programmes/{programme}/reviews/{month}/verify"))
            .await;
        assert!(page.shows("Intact."), "pack {month}: {}", page.body);
    }
    for cluster in [source_cluster, target_cluster] {
        let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
    }
}
