//! Configuration, read from the environment (and the equivalent flags).
//!
//! Every variable is documented in the README; `tandem --help` lists them too.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Where the data lives: an external server, or the private cluster.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// PostgreSQL connection URL. Without it tandem starts (or reuses) a
    /// private cluster under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL of the role that owns the schema, used only to apply
    /// migrations and grant DATABASE_URL's role its privileges. Without it,
    /// migrations run as DATABASE_URL's role.
    #[arg(
        long,
        env = "TANDEM_OWNER_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub owner_database_url: Option<String>,

    /// Serve even if DATABASE_URL's role is a superuser or owns the tables
    /// (it could then rewrite the audit log).
    #[arg(long, env = "TANDEM_ALLOW_PRIVILEGED_ROLE", global = true)]
    pub allow_privileged_role: bool,

    /// Directory for tandem's local state (the private PostgreSQL cluster).
    #[arg(
        long,
        env = "TANDEM_DATA_DIR",
        default_value = "./.tandem",
        global = true
    )]
    pub data_dir: PathBuf,
}

/// How the web server listens and how it is reached.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address and port to listen on.
    #[arg(long, env = "TANDEM_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// The public URL users reach tandem at (for example behind a reverse
    /// proxy). When it is https, cookies are marked Secure.
    #[arg(long, env = "TANDEM_BASE_URL")]
    pub base_url: Option<String>,

    /// Megabytes of rendered pages to keep for reuse while nothing on them
    /// has changed (0 renders every view afresh).
    #[arg(long, env = "TANDEM_PAGE_CACHE_MB", default_value_t = DEFAULT_PAGE_CACHE_MB)]
    pub page_cache_mb: usize,

    /// SMTP server for notifications: `smtp://host:port` (a local relay),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://host`
    /// (TLS). Without it, messages land in the local mailbox shown under
    /// Administration → Mail.
    #[arg(long, env = "TANDEM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Where to serve Prometheus metrics (`/metrics`), such as
    /// `127.0.0.1:9187`. Off when unset; keep it off the public network.
    #[arg(long, env = "TANDEM_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// The sender of notifications (`Name <address>`); by default
    /// `tandem@` the base URL's host.
    #[arg(long, env = "TANDEM_MAIL_FROM")]
    pub mail_from: Option<String>,
}

/// The page cache's default size, in megabytes.
pub const DEFAULT_PAGE_CACHE_MB: usize = 16;

impl ServerConfig {
    /// Whether cookies must carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.base_url
            .as_deref()
            .is_some_and(|url| url.to_ascii_lowercase().starts_with("https://"))
    }

    /// The URL tandem is reached at: the base URL, or the listening
    /// address — named `localhost` when it is this machine's loopback, as
    /// passkeys need a domain name (browsers refuse an IP address).
    pub fn public_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.addr.ip().is_loopback() => {
                format!("http://localhost:{}", self.addr.port())
            }
            None => format!("http://{}", self.addr),
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The largest request body accepted (forms are small; a CSV import is the largest).
pub const BODY_LIMIT: usize = 256 * 1024;
