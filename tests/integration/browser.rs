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

use crate::helpers::{LIVE, PASSWORD, TestApp};

/// A chromedriver process, ended when dropped.
pub(crate) struct Driver {
    _process: tokio::process::Child,
    url: String,
}

impl Driver {
    pub(crate) async fn start() -> Driver {
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

    pub(crate) async fn browser(&self, width: u32, height: u32) -> Client {
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

pub(crate) fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

pub(crate) fn screenshot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Clicks the element found by `locator`.
pub(crate) async fn click(browser: &Client, locator: Locator<'_>) {
    browser.find(locator).await.unwrap().click().await.unwrap();
}

/// Clicks the button found by `locator` and waits for the page the form's
/// answer loads: the old page may carry an element the next one is looked
/// up by (a flash message from an earlier form), so the old document must
/// be gone first.
pub(crate) async fn submit(browser: &Client, locator: Locator<'_>) {
    let page = browser.find(Locator::Css("html")).await.unwrap();
    click(browser, locator).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    // Asking anything of the old document fails once it is replaced.
    while page.tag_name().await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the form's answer never loaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    browser
        .wait()
        .for_element(Locator::Css("body"))
        .await
        .unwrap();
}

/// Types into the element found by `locator`.
pub(crate) async fn type_into(browser: &Client, locator: Locator<'_>, text: &str) {
    browser
        .find(locator)
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Keeps a screenshot under `target/screenshots/`.
pub(crate) async fn shot(browser: &Client, name: &str) {
    std::fs::write(screenshot_path(name), browser.screenshot().await.unwrap()).unwrap();
}

pub(crate) async fn heading(browser: &Client) -> String {
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
    submit(&browser, Locator::Css("form button[type=submit]")).await;
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
    submit(&browser, Locator::Css(".account button")).await;
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

pub(crate) async fn sign_in(browser: &Client, app: &TestApp, email: &str) {
    browser.goto(&format!("{}/login", app.base)).await.unwrap();
    type_into(browser, Locator::Id("email"), email).await;
    type_into(browser, Locator::Id("password"), PASSWORD).await;
    submit(browser, Locator::Css("form button[type=submit]")).await;
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
    submit(&browser, Locator::Css(".matrix-form button[type=submit]")).await;
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
    submit(&browser, Locator::Css(".sign-panel button[type=submit]")).await;
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
        signed, 4,
        "the live and the deploying programmes' version 1 and this one's version 1 from the demo, version 2 just now"
    );
}

#[tokio::test]
async fn the_coo_records_this_weeks_rate_and_sees_the_dashboard_change() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let live: uuid::Uuid = app.programme_id(LIVE).await;
    let driver = Driver::start().await;
    let browser = driver.browser(1280, 1000).await;
    sign_in(&browser, &app, "coo@halden.example").await;
    let dashboard = format!("{}/programmes/{live}/dashboard", app.base);
    browser.goto(&dashboard).await.unwrap();
    let spark = |browser: &Client| {
        let browser = browser.clone();
        async move {
            browser
                .find(Locator::Css(
                    "#primary-title ~ .chart polyline, .primary-metric .line-actual polyline",
                ))
                .await
                .unwrap()
                .attr("points")
                .await
                .unwrap()
                .unwrap_or_default()
        }
    };
    let status_before = browser
        .find(Locator::Css(".primary-metric .tag"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status_before, "Near");
    let line_before = spark(&browser).await;
    shot(&browser, "dashboard-before.png").await;

    click(&browser, Locator::LinkText("Automated processing rate")).await;
    browser
        .wait()
        .for_element(Locator::Id("record-title"))
        .await
        .unwrap();
    // The form proposes the week that is due: this week.
    let period = browser
        .find(Locator::Id("period"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(period, app.this_week());
    type_into(&browser, Locator::Id("value"), "62.5").await;
    type_into(&browser, Locator::Id("note"), "Second entity switched over").await;
    submit(&browser, Locator::Css(".metric-form button[type=submit]")).await;
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
    assert!(flash.starts_with("Recorded 62.5 %"), "{flash}");

    browser.goto(&dashboard).await.unwrap();
    let status_after = browser
        .find(Locator::Css(".primary-metric .tag"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status_after, "On track", "62.5 % is on the trajectory");
    let line_after = spark(&browser).await;
    assert_ne!(
        line_before, line_after,
        "the chart gained this week's point"
    );
    // The chart shows the latest 26 weeks: the newest point is this week's.
    assert_ne!(
        line_after.split(' ').next_back(),
        line_before.split(' ').next_back()
    );
    shot(&browser, "dashboard-after.png").await;
    browser.close().await.unwrap();
}

/// The number of pages of a PDF (its page objects).
pub(crate) fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

pub(crate) async fn print_a4(browser: &Client) -> Vec<u8> {
    use fantoccini::wd::{PrintConfiguration, PrintSize};
    let config = PrintConfiguration::builder()
        .size(PrintSize::A4)
        .shrink_to_fit(false)
        .build()
        .unwrap();
    browser.print(config).await.unwrap()
}

#[tokio::test]
async fn the_coo_raises_a_decision_and_the_ceo_answers_it_in_a_real_browser() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    // The programme in preparation, in its second week of deployment.
    app.deploy_freight().await;
    let driver = Driver::start().await;

    let coo = driver.browser(1280, 900).await;
    sign_in(&coo, &app, "coo@halden.example").await;
    let needs = coo
        .find(Locator::Css(".needs"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(needs.contains("Write the week 2 update"), "{needs}");
    click(&coo, Locator::LinkText("Write the week 2 update")).await;
    coo.wait()
        .for_element(Locator::Id("summary"))
        .await
        .unwrap();
    type_into(
        &coo,
        Locator::Id("summary"),
        "Matching agents run on the first two carriers.",
    )
    .await;
    type_into(&coo, Locator::Id("ws_name_1"), "Matching agents").await;
    coo.find(Locator::Id("ws_standing_1"))
        .await
        .unwrap()
        .select_by_value("on_plan")
        .await
        .unwrap();
    type_into(&coo, Locator::Id("ws_name_2"), "Exception team").await;
    coo.find(Locator::Id("ws_standing_2"))
        .await
        .unwrap()
        .select_by_value("at_risk")
        .await
        .unwrap();
    type_into(
        &coo,
        Locator::Id("ws_note_2"),
        "Two people short until January.",
    )
    .await;
    type_into(
        &coo,
        Locator::Id("blockers"),
        "Carrier master data arrives late.",
    )
    .await;
    type_into(
        &coo,
        Locator::Id("question"),
        "Bring in two temporary clerks for the exception queue?",
    )
    .await;
    type_into(
        &coo,
        Locator::Id("options"),
        "Hire two for eight weeks; move two from payments; accept the backlog.",
    )
    .await;
    type_into(
        &coo,
        Locator::Id("recommendation"),
        "Hire two for eight weeks.",
    )
    .await;
    submit(&coo, Locator::Css("form.stacked-form button[type=submit]")).await;
    coo.wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    assert_eq!(heading(&coo).await, "Week 2 of 8");
    shot(&coo, "weekly-update.png").await;
    // The one-page summary prints on one A4 page.
    let pages = pdf_pages(&print_a4(&coo).await);
    assert_eq!(pages, 1, "the weekly summary prints on {pages} pages");
    coo.close().await.unwrap();

    let ceo = driver.browser(1280, 900).await;
    sign_in(&ceo, &app, "ceo@halden.example").await;
    let needs = ceo
        .find(Locator::Css(".needs"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        needs.contains("Decide #1: Bring in two temporary clerks"),
        "{needs}"
    );
    assert!(needs.contains("24 h 0 min left"), "{needs}");
    click(&ceo, Locator::Css(".needs a[href$=\"/decisions/1\"]")).await;
    ceo.wait()
        .for_element(Locator::Id("outcome-approved"))
        .await
        .unwrap();
    click(&ceo, Locator::Id("outcome-approved")).await;
    type_into(&ceo, Locator::Id("note"), "Agreed, from the contingency.").await;
    submit(&ceo, Locator::Css("form.stacked-form button[type=submit]")).await;
    ceo.wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    let flash = ceo
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(flash, "Decision #1 recorded: Approved.");
    shot(&ceo, "decision.png").await;
    ceo.goto(&format!("{}/programmes/{id}/decisions", app.base))
        .await
        .unwrap();
    let log = ceo
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("Bring in two temporary clerks") && log.contains("Approved"),
        "{log}"
    );

    // The last ExCo review's pack: a cover, then each part from a new page.
    let live: uuid::Uuid = app.programme_id(LIVE).await;
    ceo.goto(&format!(
        "{}/programmes/{live}/reviews/{}/pack",
        app.base, demo.review_month
    ))
    .await
    .unwrap();
    let pdf = print_a4(&ceo).await;
    let pages = pdf_pages(&pdf);
    std::fs::write(screenshot_path("exco-pack.pdf"), &pdf).unwrap();
    // The one-page summary, the charts, then the rest, flowing.
    assert!((2..=4).contains(&pages), "the pack prints on {pages} pages");
    ceo.close().await.unwrap();
}

#[tokio::test]
async fn the_ceo_checks_her_pulse_and_rates_blind_in_a_real_browser() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let live: uuid::Uuid = app.programme_id(LIVE).await;
    let driver = Driver::start().await;
    let ceo = driver.browser(1280, 900).await;
    sign_in(&ceo, &app, "ceo@halden.example").await;
    ceo.goto(&format!("{}/programmes/{live}", app.base))
        .await
        .unwrap();
    let badge = ceo
        .find(Locator::Css(".badge-link"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(badge, "Alignment health One sign");
    click(&ceo, Locator::Css(".badge-link")).await;
    ceo.wait()
        .for_element(Locator::Id("words-title"))
        .await
        .unwrap();
    let words = ceo
        .find(Locator::Css("#words-title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(words.contains("standing"), "{words}");

    // The pulse check: from memory, then the figures and the gap.
    type_into(&ceo, Locator::Id("stated_value"), "60").await;
    type_into(&ceo, Locator::Id("stated_target"), "70").await;
    submit(
        &ceo,
        Locator::Css("form[action$='/health/pulse'] button[type=submit]"),
    )
    .await;
    ceo.wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    let flash = ceo
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        flash.starts_with("You said 60 % against a target of 70 %; it is "),
        "{flash}"
    );
    let pulse = ceo
        .find(Locator::Css("[aria-labelledby=pulse-title]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        pulse.contains("further from the truth than 5 points"),
        "{pulse}"
    );
    shot(&ceo, "pulse-check.png").await;

    // The COO's rating of this month is hidden until the CEO rates.
    let ratings = ceo
        .find(Locator::Css(".ratings"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ratings.contains("rated — hidden until both are in"),
        "{ratings}"
    );
    click(&ceo, Locator::Id("rating-green")).await;
    ceo.find(Locator::Id("confidence"))
        .await
        .unwrap()
        .select_by_value("4")
        .await
        .unwrap();
    type_into(&ceo, Locator::Id("why"), "Matching keeps climbing.").await;
    submit(
        &ceo,
        Locator::Css("form[action$='/health/rating'] button[type=submit]"),
    )
    .await;
    ceo.wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    let ratings = ceo
        .find(Locator::Css(".ratings"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!ratings.contains("hidden until both are in"), "{ratings}");
    assert!(
        ratings.contains("The backlog grew again this month."),
        "{ratings}"
    );
    shot(&ceo, "blind-ratings.png").await;
    ceo.close().await.unwrap();
}

/// The journey of SPEC §9 end to end: the COO raises a decision request in
/// a browser, the CEO's e-mail arrives (a real SMTP server), its link opens
/// the decision after sign-in, the CEO decides, and the COO's e-mail
/// arrives with the answer.
#[tokio::test]
async fn a_decision_travels_by_email_from_the_coo_to_the_ceo_and_back() {
    use crate::maildev::MailDev;
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id("Accounts receivable agents").await;
    let smtp = MailDev::start().await;
    let mailer = tandem::mail::Mailer::new(
        Some(&smtp.url()),
        Some("tandem <tandem@halden.example>"),
        &app.base,
    )
    .unwrap();
    let key = tandem::mail::outbox::unsubscribe_key(&app.pool)
        .await
        .unwrap();
    let deliver = || async {
        tandem::mail::outbox::deliver_due(&app.pool, &mailer, &key, app.clock_now())
            .await
            .unwrap()
    };
    let driver = Driver::start().await;

    let coo = driver.browser(1280, 900).await;
    sign_in(&coo, &app, "coo@halden.example").await;
    click(&coo, Locator::LinkText("Write the week 3 update")).await;
    coo.wait()
        .for_element(Locator::Id("summary"))
        .await
        .unwrap();
    type_into(
        &coo,
        Locator::Id("summary"),
        "Cash application runs on two entities.",
    )
    .await;
    type_into(&coo, Locator::Id("ws_name_1"), "Cash application agents").await;
    type_into(
        &coo,
        Locator::Id("question"),
        "Pay for the bank's structured remittance feed?",
    )
    .await;
    type_into(&coo, Locator::Id("options"), "Yes; no").await;
    type_into(
        &coo,
        Locator::Id("recommendation"),
        "Yes: it ends the scanning.",
    )
    .await;
    submit(&coo, Locator::Css("form.stacked-form button[type=submit]")).await;
    coo.wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    coo.close().await.unwrap();

    deliver().await;
    let request = smtp
        .to("ceo@halden.example")
        .await
        .into_iter()
        .rfind(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .contains("needed within 24 hours")
        })
        .expect("the CEO's message arrives");
    let text = request["text"].as_str().unwrap();
    assert!(
        text.contains("Pay for the bank's structured remittance feed?"),
        "{text}"
    );
    let link = text
        .lines()
        .find(|line| line.starts_with(&app.base) && line.contains("/decisions/"))
        .expect("a link to the decision")
        .to_owned();
    assert!(link.starts_with(&format!("{}/programmes/{id}/decisions/", app.base)));

    // The link, opened by a CEO not signed in: the sign-in form, then the decision.
    let ceo = driver.browser(1280, 900).await;
    ceo.goto(&link).await.unwrap();
    ceo.wait().for_element(Locator::Id("email")).await.unwrap();
    type_into(&ceo, Locator::Id("email"), "ceo@halden.example").await;
    type_into(&ceo, Locator::Id("password"), PASSWORD).await;
    submit(&ceo, Locator::Css("form button[type=submit]")).await;
    ceo.wait()
        .for_element(Locator::Id("outcome-approved"))
        .await
        .unwrap();
    assert_eq!(ceo.current_url().await.unwrap().as_str(), link);
    click(&ceo, Locator::Id("outcome-approved")).await;
    type_into(&ceo, Locator::Id("note"), "Yes, from the contingency.").await;
    submit(&ceo, Locator::Css("form.stacked-form button[type=submit]")).await;
    ceo.wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    shot(&ceo, "decision-from-email.png").await;
    ceo.close().await.unwrap();

    deliver().await;
    let answer = smtp
        .to("coo@halden.example")
        .await
        .into_iter()
        .rfind(|m| m["subject"].as_str().unwrap().contains("— approved"))
        .expect("the COO's message arrives");
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("The CEO's note: Yes, from the contingency.")
    );

    // What the administrator and a reader on a phone see.
    let admin = driver.browser(1280, 900).await;
    sign_in(&admin, &app, "admin@halden.example").await;
    admin
        .goto(&format!("{}/admin/mail", app.base))
        .await
        .unwrap();
    assert_eq!(heading(&admin).await, "Mail");
    shot(&admin, "admin-mail.png").await;
    admin.close().await.unwrap();
    let phone = driver.browser(375, 800).await;
    sign_in(&phone, &app, "coo@halden.example").await;
    phone
        .goto(&format!("{}/account/notifications", app.base))
        .await
        .unwrap();
    shot(&phone, "notifications-phone.png").await;
    phone
        .goto(&format!("{}/account/notifications/settings", app.base))
        .await
        .unwrap();
    assert_eq!(heading(&phone).await, "Notification settings");
    shot(&phone, "notification-settings-phone.png").await;
    phone.close().await.unwrap();
}

#[tokio::test]
async fn an_invited_person_joins_from_the_email_in_a_real_browser() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let driver = Driver::start().await;
    let admin = driver.browser(1280, 1000).await;
    sign_in(&admin, &app, "admin@halden.example").await;
    admin
        .goto(&format!("{}/admin/users/new", app.base))
        .await
        .unwrap();
    type_into(&admin, Locator::Id("display_name"), "Ines Duarte").await;
    type_into(&admin, Locator::Id("email"), "ines.duarte@halden.example").await;
    // "E-mail them an invitation" is the choice already made.
    submit(&admin, Locator::Css("form.card button[type=submit]")).await;
    admin
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    let flash = admin
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        flash.starts_with("We e-mailed Ines Duarte an invitation"),
        "{flash}"
    );

    // The link as the e-mail carries it, opened in her own browser.
    let link: String =
        sqlx::query_scalar("SELECT link FROM notifications WHERE kind = 'invitation'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let ines = driver.browser(390, 844).await;
    ines.goto(&format!("{}{link}", app.base)).await.unwrap();
    assert_eq!(heading(&ines).await, "Welcome, Ines Duarte");
    shot(&ines, "invitation.png").await;
    type_into(&ines, Locator::Id("password"), "a sentence Ines chose").await;
    type_into(
        &ines,
        Locator::Id("confirm_password"),
        "a sentence Ines chose",
    )
    .await;
    submit(&ines, Locator::Css("form button[type=submit]")).await;
    ines.wait()
        .for_element(Locator::Id("needs-title"))
        .await
        .unwrap();
    let body = ines
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Ines"), "{body}");
}
