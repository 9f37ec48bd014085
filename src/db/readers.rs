//! Connections kept for the pages' reads. A page is read in one statement
//! on one connection. A connection of the pool would, on its way back, be
//! checked with a round trip of its own (sqlx pings every connection it is
//! given back, in case it was left mid-statement) — as many round trips as
//! the page's own, for nothing a page's read can leave behind. Here a
//! connection goes back to the idle list only when its statement ran to the
//! end; one dropped mid-statement (the browser went away) or that failed
//! is closed, and the next read opens another.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::Semaphore;
use tokio::time::timeout;

/// The pages' reading connections: as many, and as patient, as the pool
/// they are opened like.
#[derive(Debug)]
pub struct Readers {
    /// Whose connect options, size and acquire timeout they share.
    pool: PgPool,
    idle: Mutex<Vec<PgConnection>>,
    permits: Semaphore,
    size: usize,
    patience: Duration,
}

impl Readers {
    /// Readers opened like `pool`'s connections (none open yet).
    pub fn new(pool: PgPool) -> Self {
        let options = pool.options();
        let size = usize::try_from(options.get_max_connections()).unwrap_or(1);
        Readers {
            patience: options.get_acquire_timeout(),
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Semaphore::new(size),
            size,
            pool,
        }
    }

    /// Runs `read` on a connection of its own, waiting as long as the pool
    /// would for one. The connection is kept for the next read only if
    /// `read` succeeded.
    pub async fn read<T>(
        &self,
        read: impl AsyncFnOnce(&mut PgConnection) -> sqlx::Result<T>,
    ) -> sqlx::Result<T> {
        let _permit = timeout(self.patience, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let mut connection = match self.take() {
            Some(connection) => connection,
            None => timeout(
                self.patience,
                PgConnection::connect_with(&self.pool.connect_options()),
            )
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??,
        };
        let result = read(&mut connection).await;
        if result.is_ok() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(connection);
        }
        result
    }

    fn take(&self) -> Option<PgConnection> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// How many reads are running (or waiting to connect).
    pub fn in_use(&self) -> usize {
        self.size - self.permits.available_permits()
    }

    /// How many connections are open and idle.
    pub fn idle(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
