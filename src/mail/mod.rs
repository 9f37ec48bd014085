//! E-mail (SPEC §9): every notification row is also an outbox entry, which
//! [`outbox`] claims and delivers through a [`Mailer`] — an SMTP server
//! (`TANDEM_SMTP_URL`), or, without one, the local mailbox that
//! Administration → Mail shows. [`letter`] writes the message itself.

pub mod digest;
pub mod letter;
pub mod outbox;
pub mod unsubscribe;

use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sqlx::PgPool;
use uuid::Uuid;

/// How long one SMTP exchange may take before it counts as a transient failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where messages go, and how they are signed off.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    /// The sender, `TANDEM_MAIL_FROM`.
    pub from: Mailbox,
    /// tandem's own domain, for `Message-ID`s (the sender's domain).
    pub domain: String,
    /// The public URL links are built from, without a trailing slash.
    pub base_url: String,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP server: messages land in the `mailbox` table.
    Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &matches!(self.transport, Transport::Smtp(_)))
            .field("from", &self.from.to_string())
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// Why a message was not handed over.
#[derive(Debug)]
pub struct SendError {
    /// The server refused it for good (a 5xx answer): no retry.
    pub permanent: bool,
    /// What the server (or the connection) said.
    pub text: String,
}

impl Mailer {
    /// A mailer for `smtp_url` (lettre's URL form: `smtp://host:port`,
    /// `smtp://host?tls=required` for STARTTLS, `smtps://host` for TLS,
    /// credentials in the URL), or the local mailbox without one.
    /// `from` defaults to `tandem@` the base URL's host.
    pub fn new(smtp_url: Option<&str>, from: Option<&str>, base_url: &str) -> anyhow::Result<Self> {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let from: Mailbox = match from {
            Some(from) => from
                .parse()
                .with_context(|| format!("TANDEM_MAIL_FROM is not an address: {from}"))?,
            None => format!("tandem <tandem@{}>", default_domain(&base_url))
                .parse()
                .context("the default sender")?,
        };
        let domain = from.email.domain().to_ascii_lowercase();
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("TANDEM_SMTP_URL is not an SMTP URL")?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            None => Transport::Mailbox,
        };
        Ok(Mailer {
            transport,
            from,
            domain,
            base_url,
        })
    }

    /// Whether messages go to an SMTP server (else to the local mailbox).
    pub fn is_smtp(&self) -> bool {
        matches!(self.transport, Transport::Smtp(_))
    }

    /// Hands `message` over: to the SMTP server, or into the local mailbox.
    pub async fn send(
        &self,
        pool: &PgPool,
        notification: (Uuid, Uuid),
        message: &lettre::Message,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), SendError> {
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message.clone())
                    .await
                    .map(drop)
                    .map_err(|error| SendError {
                        permanent: error.is_permanent(),
                        text: error_text(&error),
                    })
            }
            Transport::Mailbox => {
                let (id, organisation_id) = notification;
                let recipient = message
                    .envelope()
                    .to()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let raw = String::from_utf8_lossy(&message.formatted()).into_owned();
                crate::db::mailbox::put(pool, id, organisation_id, &recipient, &raw, at)
                    .await
                    .map_err(|error| SendError {
                        permanent: false,
                        text: format!("the local mailbox: {error}"),
                    })
            }
        }
    }
}

/// The sender's domain when none is configured: the base URL's host if it
/// is a name (never `localhost` or an address), else `tandem.invalid`.
fn default_domain(base_url: &str) -> String {
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_name = host.contains('.')
        && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if is_name && !host.ends_with("localhost") {
        host
    } else {
        "tandem.invalid".to_owned()
    }
}

/// A failure's text (lettre's includes the server's own words), at most
/// 1000 characters.
fn error_text(error: &lettre::transport::smtp::Error) -> String {
    error.to_string().chars().take(1000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_sender_uses_tandems_own_domain_never_localhost() {
        assert_eq!(
            default_domain("https://tandem.example.com/"),
            "tandem.example.com"
        );
        assert_eq!(default_domain("http://127.0.0.1:3000"), "tandem.invalid");
        assert_eq!(default_domain("http://localhost:3000"), "tandem.invalid");
        let mailer = Mailer::new(None, None, "https://gov.example.org").unwrap();
        assert_eq!(mailer.from.to_string(), "tandem <tandem@gov.example.org>");
        assert_eq!(mailer.domain, "gov.example.org");
        assert!(!mailer.is_smtp());
        let mailer = Mailer::new(
            Some("smtp://127.0.0.1:2525"),
            Some("Programme office <office@acme.example>"),
            "http://127.0.0.1:3000/",
        )
        .unwrap();
        assert_eq!(mailer.domain, "acme.example");
        assert_eq!(mailer.base_url, "http://127.0.0.1:3000");
        assert!(mailer.is_smtp());
        assert!(Mailer::new(None, Some("not an address"), "http://x").is_err());
        assert!(Mailer::new(Some("ftp://nowhere"), None, "http://x").is_err());
    }
}
