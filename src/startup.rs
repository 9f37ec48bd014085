//! Building and running the server: the same path in production and tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::clock::{Clock, SystemClock};
use crate::config::{DEFAULT_PAGE_CACHE_MB, DatabaseConfig, ServerConfig};
use crate::db::{self, Database};
use crate::page_cache::PageCache;
use crate::state::{AppState, Shared};
use crate::web;

/// The state for a pool whose schema is already migrated (tests, tools).
pub fn state(pool: PgPool, clock: Arc<dyn Clock>, secure_cookies: bool) -> AppState {
    state_with_page_cache(pool, clock, secure_cookies, DEFAULT_PAGE_CACHE_MB << 20)
}

/// [`state`] with a page cache of `page_cache_bytes` (0: none).
pub fn state_with_page_cache(
    pool: PgPool,
    clock: Arc<dyn Clock>,
    secure_cookies: bool,
    page_cache_bytes: usize,
) -> AppState {
    state_reached_at(
        pool,
        clock,
        secure_cookies,
        page_cache_bytes,
        "http://127.0.0.1",
    )
}

/// [`state_with_page_cache`] for a server reached at `base_url` (the
/// address in e-mailed links and the single sign-on redirect URI).
pub fn state_reached_at(
    pool: PgPool,
    clock: Arc<dyn Clock>,
    secure_cookies: bool,
    page_cache_bytes: usize,
    base_url: &str,
) -> AppState {
    AppState::new(Shared {
        pool,
        clock,
        secure_cookies,
        schema_ready: Arc::new(AtomicBool::new(true)),
        pages: Arc::new(PageCache::new(page_cache_bytes)),
        mailer: Arc::new(
            crate::mail::Mailer::new(None, None, base_url).expect("the local mailbox"),
        ),
        metrics: None,
    })
}

/// The application router for a state.
pub fn app(state: AppState) -> Router {
    web::router(state)
}

/// `tandem serve`: open the database, migrate, listen, and shut down
/// gracefully on SIGINT or SIGTERM (stopping the private cluster if this
/// process started it).
pub async fn serve(database: &DatabaseConfig, server: &ServerConfig) -> anyhow::Result<()> {
    let allow_privileged = database.allow_privileged_role;
    let mailer = Arc::new(crate::mail::Mailer::new(
        server.smtp_url.as_deref(),
        server.mail_from.as_deref(),
        &server.public_url(),
    )?);
    let database = Database::open(database).await?;
    let state = AppState::new(Shared {
        pool: database.pools.serving.clone(),
        clock: Arc::new(SystemClock),
        secure_cookies: server.secure_cookies(),
        schema_ready: Arc::new(AtomicBool::new(false)),
        pages: Arc::new(PageCache::new(server.page_cache_mb << 20)),
        mailer: mailer.clone(),
        metrics: server.metrics_addr.map(|_| {
            let most = database.pools.serving.options().get_max_connections();
            Arc::new(crate::metrics::Metrics::new(most))
        }),
    });
    match database.pools.prepare(allow_privileged).await {
        Ok(()) => {
            state.schema_ready.store(true, Ordering::Release);
            warn_if_no_users(&state.pool).await;
        }
        Err(error) if is_refusal(&error) => {
            database.shutdown().await?;
            return Err(error);
        }
        Err(error) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "database not ready; serving 503 and retrying"
            );
            tokio::spawn(migrate_until_ready(
                state.clone(),
                database.pools.clone(),
                allow_privileged,
            ));
        }
    }

    tokio::spawn(crate::board_shown::keep(
        state.pool.clone(),
        state.clock.clone(),
    ));
    tokio::spawn(crate::mail::outbox::run(
        state.pool.clone(),
        mailer,
        state.clock.clone(),
    ));
    if let Some(addr) = server.metrics_addr {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening for metrics on {addr}"))?;
        tracing::info!(%addr, "metrics at /metrics");
        let metrics = crate::metrics::router(state.clone());
        tokio::spawn(async move { axum::serve(listener, metrics).await });
    }
    let listener = TcpListener::bind(server.addr)
        .await
        .with_context(|| format!("listening on {}", server.addr))?;
    tracing::info!(url = %server.public_url(), "tandem is listening");
    if let Some(dir) = database.cluster_dir() {
        tracing::info!(dir = %dir.display(), "data is kept in the private PostgreSQL cluster");
    }
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    tracing::info!("shutting down");
    database.shutdown().await?;
    served.context("serving HTTP")
}

async fn migrate_until_ready(state: AppState, pools: db::Pools, allow_privileged: bool) {
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        match pools.prepare(allow_privileged).await {
            Ok(()) => {
                state.schema_ready.store(true, Ordering::Release);
                tracing::info!("database reachable and migrated; serving");
                warn_if_no_users(&state.pool).await;
                return;
            }
            Err(error) if is_refusal(&error) => {
                tracing::error!(error = format!("{error:#}"), "not serving");
                std::process::exit(2);
            }
            Err(error) => tracing::debug!(error = format!("{error:#}"), "database still not ready"),
        }
    }
}

/// Whether preparing failed for a reason to stop (the serving role is too
/// powerful, or a newer release migrated the database), rather than
/// because the database is not there yet.
fn is_refusal(error: &anyhow::Error) -> bool {
    error.downcast_ref::<db::PrivilegedRole>().is_some()
        || error.downcast_ref::<db::NewerSchema>().is_some()
}

/// On an empty database nobody can sign in, and nobody may set themselves
/// up through the web: the operator creates the first administrator.
async fn warn_if_no_users(pool: &PgPool) {
    if let Ok(false) = db::organisations::any_user_exists(pool).await {
        tracing::warn!(
            "no accounts exist yet. Create the first administrator with: \
             tandem user add --org \"Your organisation\" --email you@example.com --name \"Your Name\" --seat admin \
             (or load the demo with: tandem demo --password <password>)"
        );
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
