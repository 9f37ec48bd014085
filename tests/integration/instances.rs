//! Several instances (SPEC §11): Debian's nginx in front of two `tandem
//! serve` on one PostgreSQL. A session goes on across both; one instance
//! stopped under a bounded load of writes loses no acknowledged write and
//! the proxy carries on with the other; with both delivering, each e-mail
//! leaves once.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tandem::pg_cluster::{Cluster, ServerPrograms};

use crate::client::Client;
use crate::helpers::scratch_dir;
use crate::maildev::MailDev;

const PASSWORD: &str = "instances-test-pass";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `tandem serve` on the shared private cluster, with its own metrics
/// address; returns once it is ready.
struct Instance {
    child: tokio::process::Child,
    port: u16,
    metrics: String,
}

impl Instance {
    async fn start(data_dir: &Path, base_url: &str, smtp: &str, log: PathBuf) -> Instance {
        let (port, metrics_port) = (free_port(), free_port());
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
            .arg("serve")
            .env("TANDEM_DATA_DIR", data_dir)
            .env("TANDEM_ADDR", format!("127.0.0.1:{port}"))
            .env("TANDEM_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
            .env("TANDEM_BASE_URL", base_url)
            .env("TANDEM_SMTP_URL", smtp)
            .env("TANDEM_PAGE_CACHE_MB", "0")
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        for _ in 0..150 {
            if reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
                .await
                .is_ok_and(|response| response.status() == 200)
            {
                return Instance {
                    child,
                    port,
                    metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("tandem serve did not become ready");
    }

    /// How many requests for route `route` this instance answered.
    async fn answered(&self, route: &str) -> f64 {
        let text = reqwest::get(&self.metrics)
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let prefix = format!(
            "tandem_http_request_duration_seconds_count{{route=\"{route}\",class=\"2xx\"}}"
        );
        text.lines()
            .find(|line| line.starts_with(&prefix))
            .and_then(|line| line.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0.0)
    }

    /// SIGTERM: in-flight requests finish, then it exits.
    async fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id().unwrap() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("tandem exits after SIGTERM")
            .unwrap();
        assert!(status.success());
    }
}

/// Debian's nginx, in front of the given ports; stopped when dropped.
struct Nginx {
    _child: tokio::process::Child,
}

impl Nginx {
    async fn start(dir: &Path, port: u16, upstreams: &[u16]) -> Nginx {
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let servers: String = upstreams
            .iter()
            .map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;\n"))
            .collect();
        let conf = format!(
            "daemon off;
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream tandem {{
{servers}    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://tandem;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_next_upstream error timeout;
    }}
  }}
}}
",
            dir = dir.display()
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf).unwrap();
        let nginx = ["/usr/sbin/nginx", "nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("nginx");
        let child = tokio::process::Command::new(nginx)
            .arg("-c")
            .arg(&path)
            .arg("-p")
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting nginx (scripts/ensure-packages.sh nginx installs it)");
        for _ in 0..100 {
            if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
                .await
                .is_ok_and(|response| response.status() == 200)
            {
                return Nginx { _child: child };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("nginx did not start");
    }
}

/// One correction of a metric's value through the API: its status.
async fn correct(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    value: f64,
    reason: &str,
    version: i32,
) -> u16 {
    match http
        .put(url)
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(json!({ "value": value, "reason": reason, "version": version }).to_string())
        .send()
        .await
    {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

/// The version of a metric's value for a week, if it has one.
async fn version(
    conn: &mut sqlx::PgConnection,
    programme: uuid::Uuid,
    metric: &str,
    week: &str,
) -> Option<i32> {
    sqlx::query_scalar(
        "SELECT version FROM metric_values WHERE programme_id = $1 AND metric_id = $2 AND period = $3",
    )
    .bind(programme)
    .bind(metric)
    .bind(week)
    .fetch_optional(conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_instances_behind_nginx_share_sessions_survive_one_stopping_and_mail_once() {
    let root = scratch_dir("instances");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let data_dir = root.join("data");
    let demo = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["demo", "--password", PASSWORD])
        .env("TANDEM_DATA_DIR", &data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(demo.status.success());
    // The cluster runs on its own, so stopping either instance leaves it up.
    let cluster =
        Cluster::new(ServerPrograms::locate().unwrap(), data_dir.join("postgres")).unwrap();
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start(&[]))
        .await
        .unwrap()
        .unwrap();

    let maildev = MailDev::start().await;
    let proxy_port = free_port();
    let base = format!("http://127.0.0.1:{proxy_port}");
    let a = Instance::start(&data_dir, &base, &maildev.url(), root.join("a.log")).await;
    let b = Instance::start(&data_dir, &base, &maildev.url(), root.join("b.log")).await;
    let nginx = Nginx::start(&root.join("nginx"), proxy_port, &[a.port, b.port]).await;

    // One session, served by both.
    let mut ceo = Client::new(&base);
    assert_eq!(ceo.login("ceo@halden.example", PASSWORD).await.status, 303);
    for _ in 0..8 {
        let home = ceo.get("/").await;
        assert_eq!(home.status, 200, "{}", home.body);
        assert!(home.shows("Maren Holt"));
    }
    let (on_a, on_b) = (a.answered("/").await, b.answered("/").await);
    assert!(on_a >= 1.0 && on_b >= 1.0, "A served {on_a}, B {on_b}");

    // Mail with both outboxes running: six test messages, each sent once.
    let mut admin = Client::new(&base);
    assert_eq!(
        admin.login("admin@halden.example", PASSWORD).await.status,
        303
    );
    for _ in 0..6 {
        let page = admin.get("/admin/mail").await;
        let fields = page.form_fields("action=\"/admin/mail/test\"");
        assert_eq!(
            admin.post_pairs("/admin/mail/test", &fields).await.status,
            303
        );
    }
    for _ in 0..150 {
        let arrived = maildev
            .messages()
            .await
            .iter()
            .filter(|m| m["subject"] == "tandem test message")
            .count();
        if arrived >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A second delivery would come within a moment of the first.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let tests: Vec<Value> = maildev
        .messages()
        .await
        .into_iter()
        .filter(|m| m["subject"] == "tandem test message")
        .collect();
    let ids: HashSet<String> = tests
        .iter()
        .filter_map(|m| m["messageId"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        (tests.len(), ids.len()),
        (6, 6),
        "each message delivered once"
    );

    // An API token, made through the proxy.
    let conn_url = cluster.url("tandem");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&conn_url)
        .await
        .unwrap();
    let programme: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM programmes WHERE name = 'Accounts payable agents'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let page = admin
        .post(
            &format!("/admin/programmes/{programme}/tokens"),
            &[("name", "load"), ("scope", "write")],
        )
        .await;
    let marker = "id=\"token-secret\" type=\"text\" readonly value=\"";
    let start = page.body.find(marker).expect("the token shown once") + marker.len();
    let token = page.body[start..start + page.body[start..].find('"').unwrap()].to_owned();
    let week: String = sqlx::query_scalar("SELECT to_char(now(), 'IYYY-\"W\"IW')")
        .fetch_one(&mut conn)
        .await
        .unwrap();

    // A bounded load: five writers, one per metric, forty corrections each;
    // instance A is stopped a third of the way through.
    let metrics = [
        "automated-processing-rate",
        "exception-rate",
        "error-rate",
        "cycle-time",
        "cost-per-transaction",
    ];
    let http = reqwest::Client::new();
    for metric in metrics {
        let url = format!("{base}/api/v1/programmes/{programme}/metrics/{metric}/values/{week}");
        let current = version(&mut conn, programme, metric, &week).await;
        let status = correct(&http, &url, &token, 5.0, "prepare", current.unwrap_or(1)).await;
        assert!((200..300).contains(&status), "{metric}: {status}");
    }
    let (tx, mut acknowledged) = tokio::sync::mpsc::unbounded_channel::<(String, u16)>();
    let mut writers = Vec::new();
    for (m, &metric) in metrics.iter().enumerate() {
        let url = format!("{base}/api/v1/programmes/{programme}/metrics/{metric}/values/{week}");
        let (token, tx, week, conn_url) =
            (token.clone(), tx.clone(), week.clone(), conn_url.clone());
        writers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&conn_url)
                .await
                .unwrap();
            for i in 0..40 {
                let reason = format!("load {m}-{i}");
                let value = 10.0 + f64::from(i % 2) + f64::from(i) / 100.0;
                // The version to correct, as a client reads it before writing.
                let current = version(&mut conn, programme, metric, &week).await.unwrap();
                let status = correct(&http, &url, &token, value, &reason, current).await;
                tx.send((reason, status)).unwrap();
            }
        }));
    }
    drop(tx);
    let mut seen = 0;
    let mut answers = BTreeMap::new();
    let mut stopping = Some(a);
    let mut after_stop = 0;
    while let Some((reason, status)) = acknowledged.recv().await {
        seen += 1;
        if stopping.is_none() && (200..300).contains(&status) {
            after_stop += 1;
        }
        answers.insert(reason, status);
        if seen == 65
            && let Some(a) = stopping.take()
        {
            a.stop().await;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let acked: Vec<&String> = answers
        .iter()
        .filter(|(_, status)| (200..300).contains(*status))
        .map(|(reason, _)| reason)
        .collect();
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT reason FROM metric_value_corrections WHERE reason LIKE 'load %'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let audited_set: HashSet<&str> = audited.iter().map(String::as_str).collect();
    assert_eq!(audited.len(), audited_set.len(), "no write applied twice");
    for reason in &acked {
        assert!(
            audited_set.contains(reason.as_str()),
            "acknowledged {reason} was lost"
        );
    }
    assert!(
        acked.len() >= 190,
        "only {} of 200 acknowledged: {:?}",
        acked.len(),
        answers.iter().take(5).collect::<Vec<_>>()
    );
    assert!(
        after_stop > 100,
        "the proxy carried on: {after_stop} after the stop"
    );
    let failures: Vec<(&String, &u16)> = answers
        .iter()
        .filter(|(_, s)| !(200..300).contains(*s))
        .collect();
    println!(
        "two instances: {} of 200 writes acknowledged, {} after A stopped; refused: {failures:?}",
        acked.len(),
        after_stop
    );

    b.stop().await;
    drop(nginx);
    let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
}
