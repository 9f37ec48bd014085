//! Database access: connecting (to an external server or the private
//! cluster), migrations, and one module of queries per entity.
//!
//! Query functions take an executor (a pool, a connection or a transaction),
//! so a handler can run every write of one user action in one transaction.

pub mod audit;
pub mod brief;
pub mod cadence;
pub mod form_keys;
pub mod governance;
pub mod health;
pub mod invitations;
pub mod json;
pub mod mailbox;
pub mod metrics;
pub mod notifications;
pub mod organisations;
pub mod outbox;
pub mod pages;
pub mod passkeys;
pub mod pipeline;
pub mod programmes;
pub mod raci;
pub mod readers;
pub mod seats;
pub mod server_keys;
pub mod sessions;
pub mod sso;
pub mod tokens;
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

/// The role tandem serves as in its private cluster: it owns nothing, and
/// may only insert into and read the audit log.
pub const APP_ROLE: &str = "tandem_app";

/// The two connections tandem needs: the role that owns the schema (for
/// migrations and grants) and the role it serves as. With a bare
/// `DATABASE_URL` they are one and the same.
#[derive(Debug, Clone)]
pub struct Pools {
    /// What pages and the API use.
    pub serving: PgPool,
    /// What migrations use.
    pub owner: PgPool,
    /// Whether the two are different roles (then the owner grants to the other).
    pub separate: bool,
}

impl Pools {
    /// Migrates as the owner, grants the serving role its privileges, and
    /// refuses a serving role that could rewrite the audit log (a superuser
    /// or the tables' owner) unless `allow_privileged`.
    pub async fn prepare(&self, allow_privileged: bool) -> anyhow::Result<()> {
        migrate(&self.owner).await?;
        if self.separate {
            let role: String = sqlx::query_scalar("SELECT current_user::text")
                .fetch_one(&self.serving)
                .await
                .context("connecting as the serving role")?;
            grant_serving_role(&self.owner, &role).await?;
        }
        if !allow_privileged && let Some(problem) = serving_role_problem(&self.serving).await? {
            return Err(PrivilegedRole { problem }.into());
        }
        Ok(())
    }
}

/// The serving role could rewrite the audit log: a reason to stop, not to
/// wait for the database.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to serve as {problem}: it could rewrite the audit log. Serve as a role \
     that owns nothing (see the README, \"Database roles\"), or set \
     TANDEM_ALLOW_PRIVILEGED_ROLE=true to accept the risk."
)]
pub struct PrivilegedRole {
    /// What the role is ("a superuser", "the owner of the tables").
    pub problem: String,
}

/// An open database, and the private cluster behind it if there is one.
#[derive(Debug)]
pub struct Database {
    /// The connection pools.
    pub pools: Pools,
    cluster: Option<(Cluster, Started)>,
    /// The schema owner's connection URL (for `pg_dump` and `pg_restore`).
    owner_url: String,
}

impl Database {
    /// Connects as configured. With `DATABASE_URL` the pool connects lazily,
    /// so tandem starts even while that server is down; the owner's URL,
    /// when given, is used for migrations. Without `DATABASE_URL`, the
    /// private cluster is started (or reused) first, migrated as its
    /// superuser and served as [`APP_ROLE`].
    pub async fn open(config: &DatabaseConfig) -> anyhow::Result<Self> {
        match &config.database_url {
            Some(url) => {
                let options = PgConnectOptions::from_str(url).context("parsing DATABASE_URL")?;
                let serving = pool_options().connect_lazy_with(serving_options(options));
                let (owner, separate) = match &config.owner_database_url {
                    Some(owner_url) => {
                        let options = PgConnectOptions::from_str(owner_url)
                            .context("parsing TANDEM_OWNER_DATABASE_URL")?;
                        (owner_pool_options().connect_lazy_with(options), true)
                    }
                    None => (serving.clone(), false),
                };
                Ok(Self {
                    pools: Pools {
                        serving,
                        owner,
                        separate,
                    },
                    cluster: None,
                    owner_url: config
                        .owner_database_url
                        .clone()
                        .unwrap_or_else(|| url.clone()),
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
                    let owner = owner_pool_options().connect_with(options.clone()).await?;
                    ensure_app_role(&owner).await?;
                    let serving = pool_options()
                        .connect_lazy_with(serving_options(options.username(APP_ROLE)));
                    anyhow::Ok(Pools {
                        serving,
                        owner,
                        separate: true,
                    })
                }
                .await;
                match result {
                    Ok(pools) => Ok(Self {
                        pools,
                        owner_url: cluster.url(DATABASE_NAME),
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

    /// The schema owner's connection URL.
    pub fn owner_url(&self) -> &str {
        &self.owner_url
    }

    /// Where the private cluster lives, if tandem runs one.
    pub fn cluster_dir(&self) -> Option<&Path> {
        self.cluster.as_ref().map(|(cluster, _)| cluster.data_dir())
    }

    /// Closes the pools and stops the private cluster if this process started it.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.pools.serving.close().await;
        self.pools.owner.close().await;
        if let Some((cluster, Started::ByUs)) = self.cluster {
            tracing::info!(dir = %cluster.data_dir().display(), "stopping the private PostgreSQL cluster");
            tokio::task::spawn_blocking(move || cluster.stop()).await??;
        }
        Ok(())
    }
}

/// Creates [`APP_ROLE`] (able to log in, owning nothing) unless it exists.
pub async fn ensure_app_role(
    owner: impl Executor<'_, Database = sqlx::Postgres>,
) -> sqlx::Result<()> {
    owner
        .execute(
            "DO $$ BEGIN
                 IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tandem_app') THEN
                     CREATE ROLE tandem_app LOGIN;
                 END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$",
        )
        .await?;
    Ok(())
}

/// Grants the serving role what it needs and nothing more: read and write
/// the business tables, only insert into and read the audit log, nothing on
/// the migrations' own table.
pub async fn grant_serving_role(owner: &PgPool, role: &str) -> sqlx::Result<()> {
    let role = format!("\"{}\"", role.replace('"', "\"\""));
    let mut tx = owner.begin().await?;
    for statement in [
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON exco_review_snapshots FROM {role}"),
        format!("REVOKE ALL ON _sqlx_migrations FROM {role}"),
    ] {
        tx.execute(statement.as_str()).await?;
    }
    tx.commit().await
}

/// Why the connected role is too powerful to serve as, if it is: a
/// superuser, or the owner of the audit log.
pub async fn serving_role_problem(pool: &PgPool) -> sqlx::Result<Option<String>> {
    let (role, superuser, owner): (String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text,
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
                EXISTS (SELECT 1 FROM pg_tables
                         WHERE schemaname = current_schema() AND tablename = 'audit_log'
                           AND tableowner = current_user)",
    )
    .fetch_one(pool)
    .await?;
    Ok(if superuser {
        Some(format!("the superuser \"{role}\""))
    } else if owner {
        Some(format!("\"{role}\", the owner of the tables"))
    } else {
        None
    })
}

fn pool_options() -> PgPoolOptions {
    // No ping before each use: a connection that died with a restarted
    // server fails its first query with a connection error, which answers
    // 503 (the next request gets a fresh connection).
    PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
}

/// Session settings of the serving connections: a page's queries are few,
/// fixed and run thousands of times, so they are planned once per
/// connection (generic plans) rather than again at every execution.
pub fn serving_options(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("plan_cache_mode", "force_generic_plan")])
}

/// The owner's pool only migrates: two connections are plenty.
fn owner_pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(2)
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

/// The database was migrated by a newer release than this one: a reason
/// to stop, not to wait (this release would rewrite the kept documents'
/// queries in its older shape under the newer instances).
#[derive(Debug, thiserror::Error)]
#[error(
    "the database has migration {applied}, which this release of tandem does not know \
     (it knows up to {known}): a newer release migrated it. Run that release or a later one."
)]
pub struct NewerSchema {
    /// The unknown migration the database has.
    pub applied: i64,
    /// The last migration this release has.
    pub known: i64,
}

/// Applies the embedded migrations (safe to run from several instances at
/// once: sqlx takes an advisory lock). The lock is held by the session of
/// one connection, and sqlx leaves it held when a migration fails or the
/// database has one this release does not know: that connection is then
/// closed, not returned to the pool, or every instance started after this
/// one would wait for the lock for ever.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.context("applying migrations")?;
    // (`run_direct` is `run` on one connection, without the `Acquire` bound
    // that a spawned future cannot prove.)
    if let Err(error) = MIGRATOR.run_direct(&mut *conn).await {
        let _ = conn.detach().close().await;
        return Err(match error {
            sqlx::migrate::MigrateError::VersionMissing(applied) => NewerSchema {
                applied,
                known: MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0),
            }
            .into(),
            error => anyhow::Error::new(error).context("applying migrations"),
        });
    }
    drop(conn);
    brief::derive_missing(pool)
        .await
        .context("rendering the brief sections stored before migration 0035")?;
    raci::derive_missing(pool)
        .await
        .context("checking the matrices saved before migration 0046")?;
    pages::install_kept_queries(pool)
        .await
        .context("installing the queries of the kept documents")
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
