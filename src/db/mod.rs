//! Database access: connecting (to an external server or the private
//! cluster), migrations, and one module of queries per entity.
//!
//! Query functions take an executor (a pool, a connection or a transaction),
//! so a handler can run every write of one user action in one transaction.

pub mod audit;
pub mod brief;
pub mod organisations;
pub mod programmes;
pub mod raci;
pub mod seats;
pub mod sessions;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection, PgPool};

use crate::config::DatabaseConfig;
use crate::pg_cluster::{Cluster, DATABASE_NAME, ServerPrograms, Started};

/// The migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The pool size: on small machines a small pool beats a large one.
const POOL_SIZE: u32 = 8;

/// An open database, and the private cluster behind it if there is one.
#[derive(Debug)]
pub struct Database {
    /// The connection pool.
    pub pool: PgPool,
    cluster: Option<(Cluster, Started)>,
}

impl Database {
    /// Connects as configured. With `DATABASE_URL` the pool connects lazily,
    /// so tandem starts even while that server is down. Without it, the
    /// private cluster is started (or reused) first.
    pub async fn open(config: &DatabaseConfig) -> anyhow::Result<Self> {
        match &config.database_url {
            Some(url) => {
                let options = PgConnectOptions::from_str(url).context("parsing DATABASE_URL")?;
                Ok(Self {
                    pool: pool_options().connect_lazy_with(options),
                    cluster: None,
                })
            }
            None => {
                let data_dir = config.data_dir.join("postgres");
                let (cluster, started) =
                    tokio::task::spawn_blocking(move || start_private_cluster(&data_dir))
                        .await
                        .context("starting the private PostgreSQL cluster")??;
                let result = async {
                    create_database_if_missing(&cluster, DATABASE_NAME).await?;
                    let options = PgConnectOptions::from_str(&cluster.url(DATABASE_NAME))?;
                    anyhow::Ok(pool_options().connect_with(options).await?)
                }
                .await;
                match result {
                    Ok(pool) => Ok(Self {
                        pool,
                        cluster: Some((cluster, started)),
                    }),
                    Err(error) => {
                        if started == Started::ByUs {
                            let _ = cluster.stop();
                        }
                        Err(error)
                    }
                }
            }
        }
    }

    /// Where the private cluster lives, if tandem runs one.
    pub fn cluster_dir(&self) -> Option<&Path> {
        self.cluster.as_ref().map(|(cluster, _)| cluster.data_dir())
    }

    /// Closes the pool and stops the private cluster if this process started it.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some((cluster, Started::ByUs)) = self.cluster {
            tracing::info!(dir = %cluster.data_dir().display(), "stopping the private PostgreSQL cluster");
            tokio::task::spawn_blocking(move || cluster.stop()).await??;
        }
        Ok(())
    }
}

fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .acquire_timeout(Duration::from_secs(5))
}

fn start_private_cluster(data_dir: &Path) -> anyhow::Result<(Cluster, Started)> {
    let programs = ServerPrograms::locate()?;
    let cluster = Cluster::new(programs, data_dir)?;
    let started = cluster.start(&[])?;
    match started {
        Started::ByUs => {
            tracing::info!(dir = %data_dir.display(), "started the private PostgreSQL cluster")
        }
        Started::Reused => {
            tracing::info!(dir = %data_dir.display(), "reusing the running private PostgreSQL cluster")
        }
    }
    Ok((cluster, started))
}

/// Creates `name` in the cluster unless it exists.
pub async fn create_database_if_missing(cluster: &Cluster, name: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(&cluster.url("postgres")).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// Applies the embedded migrations (safe to run from several instances at
/// once: sqlx takes an advisory lock).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("applying migrations")
}

/// Whether the database answers within `timeout`.
pub async fn ping(pool: &PgPool, timeout: Duration) -> bool {
    let probe = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    matches!(tokio::time::timeout(timeout, probe).await, Ok(Ok(1)))
}

/// Whether a database error is a constraint violation with this name.
pub fn is_constraint(error: &sqlx::Error, name: &str) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.constraint() == Some(name))
}
