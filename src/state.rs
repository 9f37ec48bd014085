//! The state every handler shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::clock::Clock;
use crate::page_cache::PageCache;

/// Shared application state: one reference count, so cloning it for every
/// middleware layer of every request costs one atomic increment.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// What the application state holds.
#[derive(Debug)]
pub struct Shared {
    /// The database.
    pub pool: PgPool,
    /// The time source (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Whether cookies carry `Secure` (tandem is served over https).
    pub secure_cookies: bool,
    /// Set once migrations have been applied; until then pages answer 503.
    pub schema_ready: Arc<AtomicBool>,
    /// Pages already rendered, reused while nothing on them can have changed.
    pub pages: Arc<PageCache>,
}

impl AppState {
    /// The state holding `shared`.
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether the schema is in place.
    pub fn is_schema_ready(&self) -> bool {
        self.schema_ready.load(Ordering::Acquire)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
