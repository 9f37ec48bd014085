//! The connections that read pages.
//!
//! A page view is one statement on a connection of its own. sqlx's pool
//! tests every connection it gets back with a round trip (a `Sync` and its
//! answer) in case the statement was abandoned half-way; on a page view
//! that round trip cost PostgreSQL a wake-up and tandem a seventh of its
//! CPU. Here a connection goes back to the idle list without one, and only
//! when its statement ran to the end: a [`Reader`] dropped before
//! [`Reader::finish`] (the client went away mid-statement) or finished with
//! an error closes its connection, and the next view opens a fresh one.

use std::sync::Mutex;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tokio::sync::{Semaphore, SemaphorePermit};

/// At most this many page statements run at once (as many again as the
/// serving pool's connections).
pub const READERS: usize = 8;

/// The idle connections and the permits to use one.
#[derive(Debug)]
pub struct Readers {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    permits: Semaphore,
}

/// A connection lent for one page's statement.
#[derive(Debug)]
pub struct Reader<'a> {
    readers: &'a Readers,
    connection: Option<PgConnection>,
    _permit: SemaphorePermit<'a>,
}

impl Readers {
    /// Readers connecting with `options` (the serving pool's own).
    pub fn new(options: PgConnectOptions) -> Readers {
        Readers {
            options,
            idle: Mutex::new(Vec::with_capacity(READERS)),
            permits: Semaphore::new(READERS),
        }
    }

    /// Lends an idle connection, or opens one; waits while [`READERS`] are
    /// lent.
    pub async fn get(&self) -> sqlx::Result<Reader<'_>> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().expect("the idle readers").pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.options.connect().await?,
        };
        Ok(Reader {
            readers: self,
            connection: Some(connection),
            _permit: permit,
        })
    }
}

impl Reader<'_> {
    /// The connection, to run the page's statement on.
    pub fn connection(&mut self) -> &mut PgConnection {
        self.connection
            .as_mut()
            .expect("a reader holds its connection until it is finished")
    }

    /// Gives the connection back after its statement ran to the end (and
    /// closes it after an error), passing the statement's result on.
    pub fn finish<T>(mut self, result: sqlx::Result<T>) -> sqlx::Result<T> {
        if result.is_ok()
            && let Some(connection) = self.connection.take()
        {
            self.readers
                .idle
                .lock()
                .expect("the idle readers")
                .push(connection);
        }
        result
    }
}

impl Drop for Reader<'_> {
    /// A connection not given back by [`Reader::finish`] may be half-way
    /// through a statement: it is closed, not reused.
    fn drop(&mut self) {
        // Dropping the connection closes its socket.
        self.connection.take();
    }
}
