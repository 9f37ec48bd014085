//! A real browser: headless Chromium, driven through chromedriver, signs in
//! through the login form and reaches the home page. Screenshots are kept
//! under `target/screenshots/`.
//!
//! `scripts/test.sh` installs Chromium and chromedriver when missing.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

/// A chromedriver process, ended when dropped.
struct Driver {
    _process: tokio::process::Child,
    url: String,
}

impl Driver {
    async fn start() -> Driver {
        let chromedriver = which("chromedriver").expect(
            "chromedriver is not installed: run scripts/test.sh (it installs the Debian packages \
             chromium and chromium-driver)",
        );
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let process = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting chromedriver");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver {
            _process: process,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn browser(&self, width: u32, height: u32) -> Client {
        let profile = tempfile::tempdir().unwrap().keep();
        let chromium = which("chromium")
            .or_else(|| which("chromium-browser"))
            .expect("chromium is installed");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={width},{height}"),
                ]
            }),
        );
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("connecting to chromedriver")
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Clicks the element found by `locator`.
async fn click(browser: &Client, locator: Locator<'_>) {
    browser.find(locator).await.unwrap().click().await.unwrap();
}

/// Types into the element found by `locator`.
async fn type_into(browser: &Client, locator: Locator<'_>, text: &str) {
    browser
        .find(locator)
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Keeps a screenshot under `target/screenshots/`.
async fn shot(browser: &Client, name: &str) {
    std::fs::write(screenshot_path(name), browser.screenshot().await.unwrap()).unwrap();
}

async fn heading(browser: &Client) -> String {
    browser
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_ceo_signs_in_through_the_login_form_in_a_real_browser() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let driver = Driver::start().await;
    let browser = driver.browser(1280, 900).await;

    browser.goto(&format!("{}/", app.base)).await.unwrap();
    assert_eq!(
        heading(&browser).await,
        "Sign in to tandem",
        "signed-out visitors land on the login page"
    );
    type_into(&browser, Locator::Id("email"), "ceo@halden.example").await;
    type_into(&browser, Locator::Id("password"), PASSWORD).await;
    click(&browser, Locator::Css("form button[type=submit]")).await;
    browser
        .wait()
        .for_element(Locator::Id("needs-title"))
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "Good to see you, Maren");
    shot(&browser, "home.png").await;

    click(&browser, Locator::LinkText("Freight operations agents")).await;
    browser
        .wait()
        .for_element(Locator::Id("phase-title"))
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "Freight operations agents");
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with(&demo.programme_id.to_string())
    );
    shot(&browser, "programme.png").await;

    // What the seat may not reach stays out of reach.
    browser
        .goto(&format!("{}/admin/users", app.base))
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "Not available to your seat");

    // Signing out through the header button.
    browser.goto(&format!("{}/", app.base)).await.unwrap();
    click(&browser, Locator::Css(".account button")).await;
    browser
        .wait()
        .for_element(Locator::Id("login-title"))
        .await
        .unwrap();
    let notice = browser
        .find(Locator::Css(".notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(notice, "You have signed out.");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_admin_pages_fit_a_phone() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let driver = Driver::start().await;
    let browser = driver.browser(390, 844).await;
    sign_in(&browser, &app, "admin@halden.example").await;
    browser
        .goto(&format!("{}/admin/users", app.base))
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "People");
    // No sideways scrolling of the page itself on a phone.
    let overflow = browser
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow.as_i64(),
        Some(0),
        "the page scrolls sideways on a phone"
    );
    shot(&browser, "admin-users-phone.png").await;
    browser.close().await.unwrap();
}

async fn sign_in(browser: &Client, app: &TestApp, email: &str) {
    browser.goto(&format!("{}/login", app.base)).await.unwrap();
    type_into(browser, Locator::Id("email"), email).await;
    type_into(browser, Locator::Id("password"), PASSWORD).await;
    click(browser, Locator::Css("form button[type=submit]")).await;
    browser
        .wait()
        .for_element(Locator::Id("needs-title"))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_coo_fixes_the_flagged_matrix_row_in_a_real_browser() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let driver = Driver::start().await;
    let browser = driver.browser(1400, 1000).await;
    sign_in(&browser, &app, "coo@halden.example").await;

    browser
        .goto(&format!(
            "{}/programmes/{}/matrix",
            app.base, demo.programme_id
        ))
        .await
        .unwrap();
    let summary = browser
        .find(Locator::Id("problems-title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(summary, "One responsibility has a problem");
    shot(&browser, "matrix-flagged.png").await;

    click(&browser, Locator::LinkText("Edit the matrix")).await;
    browser
        .wait()
        .for_element(Locator::Css(".matrix-form"))
        .await
        .unwrap();
    browser
        .find(Locator::Id("row.governance_framework.cell.cto"))
        .await
        .unwrap()
        .select_by_value("C")
        .await
        .unwrap();
    browser
        .find(Locator::Id("row.governance_framework.cell.coo"))
        .await
        .unwrap()
        .select_by_value("A")
        .await
        .unwrap();
    shot(&browser, "matrix-edit.png").await;
    click(&browser, Locator::Css(".matrix-form button[type=submit]")).await;
    browser
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    let flash = browser
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(flash, "Saved as version 3. Every row passes the checks.");
    assert!(
        browser.find(Locator::Id("problems-title")).await.is_err(),
        "the flag is gone"
    );
    shot(&browser, "matrix-fixed.png").await;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_cfo_signs_the_brief_through_the_real_form() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let driver = Driver::start().await;
    let browser = driver.browser(1280, 1000).await;
    sign_in(&browser, &app, "cfo@halden.example").await;

    click(
        &browser,
        Locator::LinkText("Review and sign version 2 of the brief"),
    )
    .await;
    browser
        .wait()
        .for_element(Locator::Id("decide-title"))
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "Sign version 2 of the brief");
    shot(&browser, "brief-sign.png").await;

    click(&browser, Locator::Id("decision-sign")).await;
    type_into(&browser, Locator::Id("password"), PASSWORD).await;
    click(&browser, Locator::Css(".sign-panel button[type=submit]")).await;
    browser
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    let flash = browser
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(flash, "You signed version 2.");
    let status = browser
        .find(Locator::Css(".status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "Approved: signed by everyone");

    click(&browser, Locator::LinkText("Certificate")).await;
    browser
        .wait()
        .for_element(Locator::Css(".certificate"))
        .await
        .unwrap();
    shot(&browser, "brief-certificate.png").await;

    browser
        .goto(&format!(
            "{}/programmes/{}/brief",
            app.base, demo.programme_id
        ))
        .await
        .unwrap();
    shot(&browser, "brief.png").await;
    browser.close().await.unwrap();
    let signed = app.count("SELECT count(*) FROM brief_signatures s JOIN users u ON u.id = s.user_id WHERE u.email = 'cfo@halden.example'").await;
    assert_eq!(
        signed, 3,
        "the live programme's version 1 and this one's version 1 from the demo, version 2 just now"
    );
}
