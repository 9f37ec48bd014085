//! A real SMTP server for the notification tests: maildev, from the npm
//! registry (installed by `scripts/ensure-packages.sh maildev`), with an
//! HTTP API that lists what arrived, parsed.

use std::time::Duration;

use serde_json::Value;

/// A running maildev, stopped when dropped.
pub struct MailDev {
    child: tokio::process::Child,
    /// Its SMTP port.
    pub smtp_port: u16,
    web: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl MailDev {
    /// Starts maildev with its own ports and waits until it answers.
    pub async fn start() -> MailDev {
        Self::start_with(&[]).await
    }

    /// [`MailDev::start`] with extra arguments.
    pub async fn start_with(extra: &[&str]) -> MailDev {
        let bin = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/npm/node_modules/.bin/maildev");
        assert!(
            bin.exists(),
            "maildev is missing: run scripts/ensure-packages.sh maildev"
        );
        let (smtp_port, web_port) = (free_port(), free_port());
        let child = tokio::process::Command::new(bin)
            .args([
                "--smtp",
                &smtp_port.to_string(),
                "--web",
                &web_port.to_string(),
            ])
            .args(["--ip", "127.0.0.1", "--silent"])
            .args(extra)
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting maildev");
        let maildev = MailDev {
            child,
            smtp_port,
            web: format!("http://127.0.0.1:{web_port}"),
        };
        for _ in 0..200 {
            let smtp_up = tokio::net::TcpStream::connect(("127.0.0.1", smtp_port))
                .await
                .is_ok();
            if smtp_up && reqwest::get(format!("{}/email", maildev.web)).await.is_ok() {
                return maildev;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("maildev did not start");
    }

    /// tandem's `TANDEM_SMTP_URL` for it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Every message received, oldest first.
    pub async fn messages(&self) -> Vec<Value> {
        let text = reqwest::get(format!("{}/email", self.web))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// The messages to `address`.
    pub async fn to(&self, address: &str) -> Vec<Value> {
        self.messages()
            .await
            .into_iter()
            .filter(|m| {
                m["to"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|to| to["address"] == address)
            })
            .collect()
    }

    /// Stops it (the port is closed: the SMTP server is down).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A header of a received message, as text.
pub fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["headers"][name].as_str().unwrap_or_default()
}
