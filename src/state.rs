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
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    shared: Shared,
    /// The connections pages read through, beside the pool.
    readers: crate::db::readers::Readers,
    /// The key binding sign-in CSRF tokens to tandem, read once from the database.
    login_key: tokio::sync::OnceCell<[u8; 32]>,
    /// The key signing unsubscribe links, read once from the database.
    unsubscribe_key: tokio::sync::OnceCell<Vec<u8>>,
    /// The HTTP client for identity providers, made at first need.
    oidc_http: std::sync::OnceLock<openidconnect::reqwest::Client>,
    /// The WebAuthn relying party, if tandem is reached at a domain name.
    passkeys: std::sync::OnceLock<Option<webauthn_rs::Webauthn>>,
}

/// What the application state holds.
#[derive(Debug)]
pub struct Shared {
    pub pool: PgPool,
    /// The time source (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Whether cookies carry `Secure` (tandem is served over https).
    pub secure_cookies: bool,
    /// Set once migrations have been applied; until then pages answer 503.
    pub schema_ready: Arc<AtomicBool>,
    /// Pages already rendered, reused while nothing on them can have changed.
    pub pages: Arc<PageCache>,
    /// Where e-mail goes (Administration → Mail says which).
    pub mailer: Arc<crate::mail::Mailer>,
    /// Prometheus metrics, when `TANDEM_METRICS_ADDR` is set.
    pub metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl AppState {
    /// The state holding `shared`.
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(Inner {
            readers: crate::db::readers::Readers::beside(&shared.pool),
            shared,
            login_key: tokio::sync::OnceCell::new(),
            unsubscribe_key: tokio::sync::OnceCell::new(),
            oidc_http: std::sync::OnceLock::new(),
            passkeys: std::sync::OnceLock::new(),
        }))
    }

    /// What a page reads through: its one statement, the session check
    /// included (writes go through the pool).
    pub fn readers(&self) -> &crate::db::readers::Readers {
        &self.0.readers
    }

    /// The metrics, if they are kept.
    pub fn metrics(&self) -> Option<&crate::metrics::Metrics> {
        self.0.shared.metrics.as_deref()
    }

    /// The HTTP client that talks to identity providers (no redirects
    /// followed, a short timeout).
    pub fn oidc_http(&self) -> &openidconnect::reqwest::Client {
        self.0.oidc_http.get_or_init(crate::auth::oidc::http_client)
    }

    /// The WebAuthn relying party for passkeys; `None` when tandem's
    /// public URL is not at a domain name (passkeys are then not offered).
    pub fn passkeys(&self) -> Option<&webauthn_rs::Webauthn> {
        self.0
            .passkeys
            .get_or_init(|| crate::auth::passkeys::relying_party(&self.0.shared.mailer.base_url))
            .as_ref()
    }

    /// The key that binds the sign-in form's CSRF token to tandem: the same
    /// on every instance (it lives in the database), read once per process.
    pub async fn login_key(&self) -> sqlx::Result<&[u8; 32]> {
        self.0
            .login_key
            .get_or_try_init(|| async {
                let mut candidate = [0u8; 32];
                rand::Rng::fill_bytes(&mut rand::rng(), &mut candidate);
                let stored =
                    crate::db::server_keys::get_or_create(&self.pool, "login-csrf", &candidate)
                        .await?;
                stored
                    .try_into()
                    .map_err(|_| sqlx::Error::Decode("a server key is 32 bytes".into()))
            })
            .await
    }

    /// The key that signs unsubscribe links (the same on every instance),
    /// read once per process.
    pub async fn unsubscribe_key(&self) -> sqlx::Result<&[u8]> {
        self.0
            .unsubscribe_key
            .get_or_try_init(|| crate::mail::outbox::unsubscribe_key(&self.pool))
            .await
            .map(Vec::as_slice)
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
        &self.0.shared
    }
}
