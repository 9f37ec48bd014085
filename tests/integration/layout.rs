//! Pages as a phone shows them and as they print: every page type under
//! axe-core at 375 px, and the variants that stretch a page (a certificate
//! with five signatures, the dashboard, the ExCo pack) on a phone and on A4.

use std::path::PathBuf;

use fantoccini::Client;
use serde_json::json;

use crate::browser::{Driver, pdf_pages, print_a4, screenshot_path, sign_in};
use crate::helpers::{LIVE, TestApp};

/// axe-core, installed from the npm registry by `scripts/test.sh`.
pub(crate) fn axe_source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/npm/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run scripts/test.sh (it installs axe-core from the npm registry)",
            path.display()
        )
    })
}

/// Runs axe-core on the current page; returns one line per violation.
pub(crate) async fn axe_violations(browser: &Client, axe: &str) -> Vec<String> {
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];
         axe.run(document).then(r => done(r.violations.map(v =>
             v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')
         ))).catch(e => done(['axe failed: ' + e]));"
    );
    let result = browser.execute_async(&script, vec![]).await.unwrap();
    result
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_else(|| vec![format!("unexpected axe result {result}")])
}

pub(crate) async fn sideways_scroll(browser: &Client) -> i64 {
    browser
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap_or(-1)
}

#[tokio::test]
async fn every_page_type_passes_axe_and_fits_a_375_pixel_phone() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let live: uuid::Uuid = app.programme_id(LIVE).await;
    let id = demo.programme_id;
    // A review in preparation, beside the held ones.
    let mut opener = app.login("ceo@halden.example").await;
    opener.open_november_review(live).await;
    let month = demo.review_month.clone();
    let axe = axe_source();
    let driver = Driver::start().await;
    let p = |path: &str| format!("/programmes/{id}{path}");
    let l = |path: &str| format!("/programmes/{live}{path}");
    // The link of an e-mail's one-click unsubscribe, as its reader opens it.
    let key = tandem::mail::outbox::unsubscribe_key(&app.pool)
        .await
        .unwrap();
    let kind = tandem::domain::notify::Kind::Digest;
    let unsubscribe = tandem::paths::unsubscribe(
        demo.exco_id,
        kind.as_str(),
        &tandem::mail::unsubscribe::tag(&key, demo.exco_id, kind),
    );
    // An invitation's page, open and refused, as the invited person sees it.
    let mut admin = app.login("admin@halden.example").await;
    let invited = admin
        .post(
            "/admin/users/new",
            &[
                ("display_name", "Ines Duarte"),
                ("email", "ines.duarte@halden.example"),
                ("join", "invite"),
            ],
        )
        .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let invitation: String =
        sqlx::query_scalar("SELECT link FROM notifications WHERE kind = 'invitation'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let refused_invitation = format!("/invitations/{}", "ab".repeat(32));
    let pages: Vec<(Option<&str>, Vec<String>)> = vec![
        (
            None,
            vec![
                "/login".into(),
                unsubscribe,
                invitation,
                refused_invitation,
                "/sso/callback?state=unknown&code=x".into(),
            ],
        ),
        (
            Some("ceo@halden.example"),
            vec![
                "/".into(),
                p(""),
                p("/brief"),
                p("/brief/versions/2"),
                p("/brief/versions/2/certificate"),
                p("/brief/versions/2/verify"),
                p("/brief/sections/investment/edit"),
                p("/brief/sections/competitive_ambition/edit"),
                p("/matrix"),
                p("/matrix/edit"),
                p("/matrix/history"),
                p("/matrix/print"),
                l("/dashboard"),
                l("/dashboard/import"),
                p("/cadence"),
                l("/cadence"),
                p("/sessions/new"),
                l("/sessions/2"),
                l("/updates/2"),
                l("/decisions"),
                l("/decisions/2"),
                l(&format!("/reviews/{month}")),
                l(&format!("/reviews/{month}/pack")),
                l(&format!("/reviews/{month}/verify")),
                l("/reviews/2026-11"),
                "/account/calendar".into(),
                "/account/notifications".into(),
                "/account/notifications/settings".into(),
                l("/health"),
                p("/health"),
                l("/pipeline"),
                p("/pipeline"),
                l("/agents"),
                l(&format!("/agents/{}", demo.agent_id)),
                l("/incidents/2"),
                "/account/password".into(),
                "/account/passkeys".into(),
                "/no-such-page".into(),
            ],
        ),
        (
            Some("coo@halden.example"),
            vec![
                l("/metrics/automated-processing-rate"),
                p("/brief/sections/operational_metrics/edit"),
                p("/brief/sections/process_scope/edit"),
                l("/agents"),
                l(&format!("/agents/{}", demo.agent_id)),
                l("/incidents/2"),
            ],
        ),
        (
            Some("cfo@halden.example"),
            vec![
                p("/brief/versions/2/sign"),
                l(&format!("/agents/{}", demo.agent_id)),
            ],
        ),
        (
            Some("admin@halden.example"),
            vec![
                "/admin/users".into(),
                "/admin/users/new".into(),
                format!("/admin/users/{}", demo.exco_id),
                "/admin/seats".into(),
                "/admin/programmes".into(),
                "/admin/programmes/new".into(),
                format!("/admin/programmes/{id}"),
                format!("/admin/programmes/{live}/tokens"),
                "/admin/audit".into(),
                "/admin/audit/verify".into(),
                "/admin/mail".into(),
                format!("/admin/mail/{}", demo.mail_id),
                "/admin/single-sign-on".into(),
            ],
        ),
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (who, paths) in pages {
        let browser = driver.browser(375, 800).await;
        if let Some(email) = who {
            sign_in(&browser, &app, email).await;
        }
        for path in paths {
            browser.goto(&format!("{}{path}", app.base)).await.unwrap();
            for violation in axe_violations(&browser, &axe).await {
                failures.push(format!("{path}: {violation}"));
            }
            let overflow = sideways_scroll(&browser).await;
            if overflow != 0 {
                let culprits = browser
                    .execute(
                        "const w = document.documentElement.clientWidth;
                         return [...document.querySelectorAll('body *')]
                           .filter(e => e.getBoundingClientRect().right > w + 1)
                           .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= w + 1)
                           .slice(0, 4)
                           .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : ''))
                           .join(', ');",
                        vec![],
                    )
                    .await
                    .unwrap();
                failures.push(format!(
                    "{path}: scrolls sideways by {overflow}px at 375px ({})",
                    culprits.as_str().unwrap_or_default()
                ));
            }
            checked += 1;
        }
        browser.close().await.unwrap();
    }
    assert!(checked >= 44, "{checked} pages checked");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A Chrome DevTools command, sent through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.0, "params": self.1 }).to_string()),
        )
    }
}

/// Lays the page out as it prints (`screen` to go back).
async fn emulate_media(browser: &Client, media: &str) {
    browser
        .issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({ "media": media })))
        .await
        .unwrap();
}

/// Chart labels that run past their drawing (and are clipped), one line each.
async fn clipped_chart_labels(browser: &Client) -> Vec<String> {
    let found = browser
        .execute(
            r#"const out = [];
               for (const svg of document.querySelectorAll('svg.line-chart')) {
                 const box = svg.viewBox.baseVal;
                 for (const t of svg.querySelectorAll('text')) {
                   const b = t.getBBox();
                   if (b.x < -0.5 || b.x + b.width > box.width + 0.5 || b.y < -0.5 || b.y + b.height > box.height + 0.5) {
                     out.push(`${svg.getAttribute('aria-labelledby')}: "${t.textContent}" at ${Math.round(b.x)}..${Math.round(b.x + b.width)} of ${box.width}`);
                   }
                 }
               }
               return out;"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// Tables wider than the box they sit in, one line each.
async fn overflowing_tables(browser: &Client) -> Vec<String> {
    let found = browser
        .execute(
            r#"const out = [];
               for (const table of document.querySelectorAll('main table')) {
                 const box = table.closest('.panel, .card, section, article, main');
                 const over = table.getBoundingClientRect().right - box.getBoundingClientRect().right;
                 if (over > 1) out.push(`${table.className || 'table'} by ${Math.round(over)}px`);
               }
               return out;"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

#[tokio::test]
async fn every_variant_of_the_certificate_dashboard_and_pack_fits_a_phone_and_prints_cleanly() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let live: uuid::Uuid = app.programme_id(LIVE).await;
    let freight = demo.programme_id;
    // A fifth signatory with a long title, signing from an IPv6 address.
    sqlx::query(
        "WITH v AS (SELECT id, version_hash FROM brief_versions WHERE programme_id = $1 AND number = 2),
              u AS (SELECT id FROM users WHERE email = 'exco.people@halden.example'),
              slot AS (INSERT INTO brief_signature_slots (version_id, user_id, seat, position)
                       SELECT v.id, u.id, 'Chair of the audit, risk and sustainability committee', 9 FROM v, u
                       RETURNING version_id, user_id)
         INSERT INTO brief_signatures (id, version_id, user_id, decision, version_hash, seat, signed_at, ip, user_agent, idempotency_key)
         SELECT gen_random_uuid(), slot.version_id, slot.user_id, 'signed', v.version_hash,
                'Chair of the audit, risk and sustainability committee', now(),
                '2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'Mozilla/5.0', 'browser-test-fifth'
           FROM slot, v",
    )
    .bind(freight)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM brief_signatures s JOIN brief_versions v ON v.id = s.version_id WHERE v.programme_id = '{freight}' AND v.number = 2")).await,
        app.count(&format!("SELECT count(*) FROM brief_signature_slots s JOIN brief_versions v ON v.id = s.version_id WHERE v.programme_id = '{freight}' AND v.number = 2")).await - 1,
        "every slot but the CFO's is signed"
    );
    let axe = axe_source();
    let driver = Driver::start().await;

    // On a phone: no page variant scrolls sideways.
    let phone = driver.browser(375, 800).await;
    sign_in(&phone, &app, "ceo@halden.example").await;
    let phone_pages = [
        format!("/programmes/{freight}/brief/versions/2/certificate"),
        format!("/programmes/{live}/brief/versions/1/certificate"),
        format!("/programmes/{live}/dashboard"),
        format!("/programmes/{live}/reviews/{}/pack", demo.review_month),
    ];
    for path in &phone_pages {
        phone.goto(&format!("{}{path}", app.base)).await.unwrap();
        let overflow = sideways_scroll(&phone).await;
        assert_eq!(
            overflow, 0,
            "{path} scrolls sideways by {overflow}px at 375px"
        );
        let violations = axe_violations(&phone, &axe).await;
        assert!(violations.is_empty(), "{path}: {violations:?}");
        let clipped = clipped_chart_labels(&phone).await;
        assert!(clipped.is_empty(), "{path}: {clipped:?}");
    }
    phone.close().await.unwrap();

    // In print, on A4's printable width (210 mm less two 16 mm margins).
    let paper = driver.browser(673, 1000).await;
    sign_in(&paper, &app, "ceo@halden.example").await;
    emulate_media(&paper, "print").await;
    for path in [
        format!("/programmes/{live}/dashboard"),
        format!("/programmes/{live}/reviews/{}/pack", demo.review_month),
        format!("/programmes/{freight}/brief/versions/2/certificate"),
    ] {
        paper.goto(&format!("{}{path}", app.base)).await.unwrap();
        let tables = overflowing_tables(&paper).await;
        assert!(tables.is_empty(), "{path} in print: {tables:?}");
        let clipped = clipped_chart_labels(&paper).await;
        assert!(clipped.is_empty(), "{path} in print: {clipped:?}");
    }
    // The pack: at most four A4 pages, the one-page summary first.
    paper
        .goto(&format!(
            "{}/programmes/{live}/reviews/{}/pack",
            app.base, demo.review_month
        ))
        .await
        .unwrap();
    let pdf = print_a4(&paper).await;
    std::fs::write(screenshot_path("exco-pack-summary-first.pdf"), &pdf).unwrap();
    let pages = pdf_pages(&pdf);
    assert!((2..=4).contains(&pages), "the pack prints on {pages} pages");
    let summary_bottom = paper
        .execute(
            "const s = document.querySelector('.pack-summary'); return s.getBoundingClientRect().height;",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    // 297 mm less two 16 mm margins, at 96 px to the inch.
    assert!(
        summary_bottom <= 998.0,
        "the summary is {summary_bottom}px tall: more than a page"
    );
    paper.close().await.unwrap();
}
