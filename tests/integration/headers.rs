//! Security headers on every kind of response, error pages included, and
//! pages that leak nothing internal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::helpers::{Page, TestApp, fresh_database};

fn assert_secure(page: &Page, what: &str) {
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{what}: CSP {csp:?}"
    );
    assert_eq!(page.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(page.header("referrer-policy"), "same-origin", "{what}");
    assert_eq!(page.header("x-frame-options"), "DENY", "{what}");
    assert!(
        !page.header("x-request-id").is_empty(),
        "{what}: request id"
    );
}

#[tokio::test]
async fn every_response_kind_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let mut anonymous = app.client();
    let mut exco = app.login("exco.people@halden.example").await;
    let mut admin = app.login("admin@halden.example").await;

    let login = anonymous.get("/login").await;
    assert_eq!(login.status, 200);
    assert_secure(&login, "200 login page");

    let home = exco.get("/").await;
    assert_eq!(home.status, 200);
    assert_secure(&home, "200 signed-in page");
    assert_eq!(
        home.header("cache-control"),
        "no-store",
        "authenticated pages are never cached"
    );

    let redirect = anonymous.get("/").await;
    assert_eq!(redirect.status, 303);
    assert_secure(&redirect, "303");

    let forbidden = exco.get("/admin/users").await;
    assert_eq!(forbidden.status, 403);
    assert_secure(&forbidden, "403");
    assert!(forbidden.shows("Not available to your seat"));

    let missing = exco.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert_secure(&missing, "404");

    let malformed_id = exco.get("/programmes/not-a-uuid").await;
    assert_eq!(malformed_id.status, 404);

    let not_allowed = exco.send(reqwest::Method::DELETE, "/", &[]).await;
    assert_eq!(not_allowed.status, 405);
    assert_secure(&not_allowed, "405");

    let invalid = admin.post("/admin/programmes/new", &[("name", "")]).await;
    assert_eq!(invalid.status, 422);
    assert_secure(&invalid, "422");

    let path = format!("/admin/users/{}", demo.exco_id);
    let stale = admin
        .post(
            &path,
            &[
                ("display_name", "Ingrid S"),
                ("email", "exco.people@halden.example"),
                ("version", "999"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert_secure(&stale, "409");

    let huge = "x".repeat(300 * 1024);
    let too_large = admin
        .post("/admin/programmes/new", &[("name", huge.as_str())])
        .await;
    assert_eq!(too_large.status, 413);
    assert_secure(&too_large, "413");

    let css = anonymous.get(tandem::web::assets::css_url()).await;
    assert_eq!(css.status, 200);
    assert!(css.header("cache-control").contains("immutable"));
    assert_secure(&css, "static asset");

    // A broken database: a plain 500 page that leaks nothing.
    sqlx::query("DROP TABLE programme_sources")
        .execute(&app.pool)
        .await
        .unwrap();
    let broken = exco
        .get(&format!("/programmes/{}", demo.programme_id))
        .await;
    assert_eq!(broken.status, 500);
    assert_secure(&broken, "500");
    assert!(broken.shows("Something went wrong"));
    assert!(
        !broken.body.contains("programme_sources") && !broken.body.to_lowercase().contains("sqlx")
    );
}

#[tokio::test]
async fn pages_answer_503_until_the_schema_is_ready() {
    let (pool, _) = fresh_database().await;
    let clock = tandem::clock::ManualClock::new(chrono::Utc::now());
    let ready = Arc::new(AtomicBool::new(false));
    let state = tandem::state::AppState::new(tandem::state::Shared {
        pool: pool.clone(),
        clock: Arc::new(clock.clone()),
        secure_cookies: true,
        schema_ready: ready.clone(),
        pages: Arc::new(tandem::page_cache::PageCache::new(0)),
        mailer: Arc::new(tandem::mail::Mailer::new(None, None, "https://t.example").unwrap()),
        metrics: None,
    });
    let app = TestApp::serve(state, pool, clock).await;
    let mut client = app.client();
    let page = client.get("/login").await;
    assert_eq!(page.status, 503);
    assert_secure(&page, "503");
    assert!(page.shows("Temporarily unavailable"));
    assert_eq!(
        client.get("/healthz").await.status,
        200,
        "the process is up"
    );
    assert_eq!(client.get("/readyz").await.status, 503);

    ready.store(true, Ordering::Release);
    assert_eq!(client.get("/readyz").await.status, 200);
    let login = client.get("/login").await;
    assert_eq!(login.status, 200);
    // Served over https (TANDEM_BASE_URL): Secure cookies and HSTS.
    assert!(login.header("set-cookie").contains("; Secure"));
    assert!(
        login
            .header("strict-transport-security")
            .contains("max-age")
    );
}
