//! The connections a page reads through.
//!
//! A page view is one statement. Through sqlx's pool it costs a second
//! exchange with PostgreSQL: every connection handed back is tested first
//! (sqlx 0.8 sends a `Sync` and waits for the server's answer), in a task
//! of its own, before anyone may use it again. A page's statement has
//! already read the server's "ready" when it returns, so that test tells
//! nothing. `Readers` puts a connection back as it is when its statement
//! succeeded; when the statement failed or was abandoned half-way (a
//! client gone mid-read) it tests the connection as the pool would and
//! keeps it only if it answers. A connection is reused only in the state
//! a finished statement leaves it.
//!
//! Writes keep to the pool: a transaction dropped without its commit
//! relies on the pool's test to flush its rollback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::postgres::{PgConnectOptions, PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{
    Connection, Describe, Either, Error, Execute, Executor, PgConnection, PgPool, Postgres,
};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long a read waits for a free connection before it answers 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection is closed after this long (as sqlx's pool does), so the
/// server's per-connection caches never grow without end.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// At most as many connections as the pool, opened when first needed.
#[derive(Debug)]
pub struct Readers(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    options: PgConnectOptions,
    /// Connections ready for a statement, the most recently used last.
    idle: Mutex<Vec<Open>>,
    /// One per connection, idle or lent.
    permits: Semaphore,
    /// Connections open, idle, lent or being tested.
    open: AtomicUsize,
}

#[derive(Debug)]
struct Open {
    connection: PgConnection,
    since: Instant,
}

impl Readers {
    /// Readers connecting as `pool` does, as many at most as it opens.
    pub fn beside(pool: &PgPool) -> Readers {
        Readers(Arc::new(Shared {
            options: (*pool.connect_options()).clone(),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(pool.options().get_max_connections() as usize),
            open: AtomicUsize::new(0),
        }))
    }

    /// How many connections are open, and how many of them idle.
    pub fn counts(&self) -> (usize, usize) {
        let idle = self.0.idle.lock().map_or(0, |idle| idle.len());
        (self.0.open.load(Ordering::Relaxed).max(idle), idle)
    }

    async fn lease(&self) -> Result<Lease<'_>, Error> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.0.permits.acquire())
            .await
            .map_err(|_| Error::PoolTimedOut)?
            .map_err(|_| Error::PoolClosed)?;
        let reused = self.0.idle.lock().ok().and_then(|mut idle| idle.pop());
        let open = match reused {
            Some(open) => open,
            None => {
                let connection = PgConnection::connect_with(&self.0.options).await?;
                self.0.open.fetch_add(1, Ordering::Relaxed);
                Open {
                    connection,
                    since: Instant::now(),
                }
            }
        };
        Ok(Lease {
            readers: self,
            open: Some(open),
            permit: Some(permit),
        })
    }
}

impl Shared {
    /// Keeps `open` for the next statement, or closes it when it has lived
    /// its time.
    fn put_back(&self, open: Open) {
        if open.since.elapsed() < MAX_LIFETIME
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push(open);
        } else {
            self.open.fetch_sub(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let _ = open.connection.close().await;
            });
        }
    }
}

/// A connection lent to one statement: put back as it is by
/// [`Lease::finished`]; dropped without (the statement failed, or its
/// request was abandoned half-way), it is tested as sqlx's pool tests
/// every connection, and put back only if it answers.
struct Lease<'a> {
    readers: &'a Readers,
    open: Option<Open>,
    permit: Option<SemaphorePermit<'a>>,
}

impl Lease<'_> {
    fn connection(&mut self) -> &mut PgConnection {
        &mut self
            .open
            .as_mut()
            .expect("a lease holds its connection")
            .connection
    }

    /// The statement ran to its end: the connection is ready for the next.
    fn finished(mut self) {
        if let Some(open) = self.open.take() {
            self.readers.0.put_back(open);
        }
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let (Some(mut open), Some(permit)) = (self.open.take(), self.permit.take()) else {
            return;
        };
        // The permit stays taken until the test is over.
        permit.forget();
        let shared = self.readers.0.clone();
        tokio::spawn(async move {
            let answered = tokio::time::timeout(ACQUIRE_TIMEOUT, open.connection.ping()).await;
            if matches!(answered, Ok(Ok(()))) {
                shared.put_back(open);
            } else {
                shared.open.fetch_sub(1, Ordering::Relaxed);
                drop(open);
            }
            shared.permits.add_permits(1);
        });
    }
}

impl<'c> Executor<'c> for &'c Readers {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        // Read whole, then handed out: the connection goes back before the
        // caller looks at a row.
        futures_util::stream::once(async move {
            let mut lease = self.lease().await?;
            let all: Vec<_> = lease.connection().fetch_many(query).try_collect().await?;
            lease.finished();
            Ok::<_, Error>(futures_util::stream::iter(all.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<PgRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        Box::pin(async move {
            let mut lease = self.lease().await?;
            let row = lease.connection().fetch_optional(query).await?;
            lease.finished();
            Ok(row)
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, Error>>
    where
        'c: 'e,
    {
        Box::pin(async move {
            let mut lease = self.lease().await?;
            let statement = lease.connection().prepare_with(sql, parameters).await?;
            lease.finished();
            Ok(statement)
        })
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Postgres>, Error>>
    where
        'c: 'e,
    {
        Box::pin(async move {
            let mut lease = self.lease().await?;
            let described = lease.connection().describe(sql).await?;
            lease.finished();
            Ok(described)
        })
    }
}
