//! Single sign-on (SPEC §10) against a real OpenID provider: oidc-provider
//! from the npm registry (OpenID Certified), run by `tests/oidc/provider.mjs`
//! and installed by `scripts/ensure-packages.sh oidc`. Its test hook makes
//! one token response misbehave (a wrong issuer, audience, nonce, expiry or
//! signature), so tandem's checks meet real tokens on the real path.

use std::time::Duration;

use serde_json::{Value, json};

use crate::client::{Client, Page};
use crate::helpers::{PASSWORD, TestApp};

/// A running provider, stopped when dropped.
pub struct OidcProvider {
    _child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`, as the provider names itself.
    pub issuer: String,
}

impl OidcProvider {
    /// Starts a provider on its own port and waits for its discovery document.
    pub async fn start() -> OidcProvider {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let modules = root.join("target/npm/node_modules");
        assert!(
            modules.join("oidc-provider/package.json").exists(),
            "oidc-provider is missing: run scripts/ensure-packages.sh oidc"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new("node")
            .arg(root.join("tests/oidc/provider.mjs"))
            .arg(port.to_string())
            .arg(&modules)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting the OpenID provider (node)");
        let issuer = format!("http://127.0.0.1:{port}");
        let discovery = format!("{issuer}/.well-known/openid-configuration");
        for _ in 0..300 {
            if reqwest::get(&discovery)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return OidcProvider {
                    _child: child,
                    issuer,
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the OpenID provider did not start");
    }

    /// Registers a client (dynamic registration) for `app`'s redirect URI:
    /// its id and secret.
    pub async fn register(&self, app: &TestApp) -> (String, String) {
        let request = json!({
            "redirect_uris": [format!("{}/sso/callback", app.base)],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        });
        let text = reqwest::Client::new()
            .post(format!("{}/reg", self.issuer))
            .header("content-type", "application/json")
            .body(request.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(&text).unwrap();
        (
            answer["client_id"].as_str().unwrap().to_owned(),
            answer["client_secret"].as_str().unwrap().to_owned(),
        )
    }

    /// Makes the next token response misbehave (see the script).
    pub async fn tamper(&self, how: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/test/tamper", self.issuer))
            .body(how.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
}

/// A browser at the provider: its own cookies, redirects followed by hand.
fn provider_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Walks the provider's pages from `authorize_url` as `login` (any
/// password works there), through sign-in and consent, and returns the
/// URL it sends the browser back to.
async fn at_provider(browser: &reqwest::Client, authorize_url: &str, login: &str) -> String {
    let mut url = authorize_url.to_owned();
    let origin = origin(authorize_url);
    for _ in 0..12 {
        let response = browser.get(&url).send().await.unwrap();
        if response.status().is_redirection() {
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            let next = absolute(&origin, &location);
            if !next.starts_with(&origin) {
                return next;
            }
            url = next;
            continue;
        }
        let body = response.text().await.unwrap();
        let action = between(&body, "action=\"", "\"").expect("a form at the provider");
        let prompt = between(&body, "name=\"prompt\" value=\"", "\"").unwrap_or_default();
        let fields: Vec<(&str, &str)> = match prompt.as_str() {
            "login" => vec![
                ("prompt", "login"),
                ("login", login),
                ("password", "anything"),
            ],
            _ => vec![("prompt", "consent")],
        };
        let posted = browser
            .post(absolute(&origin, &action))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert!(posted.status().is_redirection(), "{}", posted.status());
        url = absolute(&origin, posted.headers()["location"].to_str().unwrap());
    }
    panic!("the provider never sent the browser back");
}

fn origin(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let host = rest.split('/').next().unwrap();
    format!("http://{host}")
}

fn absolute(origin: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_owned()
    } else {
        format!("{origin}{location}")
    }
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(crate::client::decode(&text[from..to]))
}

/// One sign-in through the provider, from tandem's login page to the
/// callback's answer.
struct Journey {
    /// The browser at tandem.
    tandem: Client,
    /// Where the provider sent the browser back (path and query).
    callback: String,
}

impl Journey {
    /// Types `email` (no password) on tandem's login page, signs in at the
    /// provider as `login` and comes back, without yet opening the callback.
    async fn begin(app: &TestApp, email: &str, login: &str) -> Journey {
        let mut tandem = app.client();
        let started = tandem
            .post(
                "/login",
                &[("email", email), ("password", ""), ("next", "")],
            )
            .await;
        assert_eq!(started.status, 200, "{}", started.body);
        assert!(started.shows("Continuing at your organisation's sign-in"));
        let authorize = between(&started.body, "<a class=\"button\" href=\"", "\"")
            .expect("the link to the provider");
        assert!(
            authorize.contains("code_challenge_method=S256")
                && authorize.contains("nonce=")
                && authorize.contains("state="),
            "{authorize}"
        );
        let back = at_provider(&provider_browser(), &authorize, login).await;
        let callback = back
            .strip_prefix(&app.base)
            .expect("back at tandem")
            .to_owned();
        Journey { tandem, callback }
    }

    async fn finish(&mut self) -> Page {
        self.tandem.get(&self.callback).await
    }
}

/// The demo, an administrator's session, and a provider with tandem
/// registered and connected for halden.example.
async fn connected(flags: &[(&str, &str)]) -> (TestApp, OidcProvider, Client) {
    let app = TestApp::spawn_reachable().await;
    app.load_demo().await;
    let provider = OidcProvider::start().await;
    let (client_id, secret) = provider.register(&app).await;
    let mut admin = app.login("admin@halden.example").await;
    let mut fields = vec![
        ("issuer", provider.issuer.as_str()),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("domains", "halden.example"),
        ("version", "0"),
    ];
    fields.extend_from_slice(flags);
    let saved = admin.post("/admin/single-sign-on", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    (app, provider, admin)
}

/// Changes the settings' flags (the issuer, id and secret kept).
async fn set_flags(admin: &mut Client, flags: &[(&str, &str)]) {
    let form = admin.get("/admin/single-sign-on").await;
    let mut fields = form.form_fields("action=\"/admin/single-sign-on\"");
    fields.retain(|(name, _)| {
        !matches!(
            name.as_str(),
            "link_by_email" | "create_accounts" | "require_sso" | "client_secret"
        )
    });
    fields.extend(flags.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let saved = admin.post_pairs("/admin/single-sign-on", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    sqlx::query_scalar("SELECT after FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_administrator_connects_a_provider_and_the_ceo_signs_in_through_it() {
    let (app, provider, mut admin) = connected(&[]).await;
    let page = admin.get("/admin/single-sign-on").await;
    assert!(page.shows("Single sign-on saved"), "{}", page.body);
    assert!(page.shows(&format!("{}/sso/callback", app.base)));
    let secret: String = sqlx::query_scalar("SELECT client_secret FROM sso_providers")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!page.body.contains(&secret), "the secret is never shown");
    let audit = audited(&app, "sso.settings").await;
    assert!(!audit[0].to_string().contains(&secret), "nor audited");

    // A wrong issuer is said beside its field, and nothing is saved.
    let mut fields = page.form_fields("action=\"/admin/single-sign-on\"");
    crate::client::set(&mut fields, "issuer", "http://127.0.0.1:9/nowhere");
    let refused = admin.post_pairs("/admin/single-sign-on", &fields).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.shows("could not read this provider"),
        "{}",
        refused.body
    );

    // Not linked, and linking is off: refused, and said why.
    let mut journey = Journey::begin(&app, "ceo@halden.example", "ceo@halden.example").await;
    let answer = journey.finish().await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.shows("is not linked to a tandem account"));

    set_flags(&mut admin, &[("link_by_email", "on")]).await;
    // An address the provider does not vouch for links nothing.
    let mut journey =
        Journey::begin(&app, "ceo@halden.example", "unverified.ceo@halden.example").await;
    let answer = journey.finish().await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.shows("does not vouch for your e-mail address"));

    // A verified address links the account, once; the CEO is signed in.
    let mut journey = Journey::begin(&app, "CEO@halden.example", "ceo@halden.example").await;
    let answer = journey.finish().await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location(), "/");
    let home = journey.tandem.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.shows("Maren Holt"), "{}", home.body);
    let links = audited(&app, "sso.link").await;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["by"], "verified_email");
    assert_eq!(links[0]["subject"], "ceo@halden.example");

    // The same callback again: its state was used.
    let replayed = journey.tandem.get(&journey.callback).await;
    assert_eq!(replayed.status, 400);
    assert!(replayed.shows("used already"));

    // Next time the link is used, whatever the address says.
    let mut again = Journey::begin(&app, "ceo@halden.example", "ceo@halden.example").await;
    assert_eq!(again.finish().await.status, 303);
    assert_eq!(audited(&app, "sso.link").await.len(), 1);
    assert_eq!(audited(&app, "sso.sign_in").await.len(), 2);
    let reasons: Vec<String> = audited(&app, "sso.refused")
        .await
        .iter()
        .map(|entry| entry["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reasons,
        ["not_linked", "email_unverified", "state_replayed"]
    );

    // The administrator sees the link on the CEO's page, and may undo it.
    let ceo_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ceo@halden.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let page = admin.get(&format!("/admin/users/{ceo_id}")).await;
    assert!(
        page.body
            .contains("linked to <code>ceo@halden.example</code> at"),
        "{}",
        page.body
    );
    let unlinked = admin
        .post(&format!("/admin/users/{ceo_id}/single-sign-on/unlink"), &[])
        .await;
    assert_eq!(unlinked.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM sso_identities").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sso.unlink'")
            .await,
        1
    );
    assert!(
        admin
            .get(&format!("/admin/users/{ceo_id}"))
            .await
            .shows("Single sign-on: not linked")
    );
    drop(provider);
}

#[tokio::test]
async fn tokens_that_fail_a_check_sign_nobody_in() {
    let (app, provider, _admin) = connected(&[("link_by_email", "on")]).await;
    let cases = [
        (
            json!({ "claims": { "iss": "http://127.0.0.1:1" } }),
            "issuer",
        ),
        (json!({ "claims": { "aud": "someone-else" } }), "audience"),
        (
            json!({ "claims": { "nonce": "a-replayed-nonce" } }),
            "nonce",
        ),
        (json!({ "claims": { "exp": 1_000_000_000 } }), "expired"),
        (json!({ "sign": "unpublished" }), "signature"),
        (json!({ "sign": "corrupt" }), "signature"),
    ];
    for (how, said) in cases {
        let mut journey = Journey::begin(&app, "coo@halden.example", "coo@halden.example").await;
        provider.tamper(how.clone()).await;
        let answer = journey.finish().await;
        assert_eq!(answer.status, 502, "{how}: {}", answer.body);
        assert!(answer.shows("could not confirm"), "{how}");
        assert!(journey.tandem.get("/").await.status != 200, "{how}");
        let refused = audited(&app, "sso.refused").await;
        let last = refused.last().unwrap();
        assert_eq!(last["reason"], "token_refused");
        let error = last["detail"]["error"].as_str().unwrap().to_lowercase();
        assert!(error.contains(said), "{how}: {error}");
    }
    assert_eq!(app.count("SELECT count(*) FROM sso_identities").await, 0);

    // A token signed with the provider's other published key (a rotation)
    // is accepted: the key is found by its id.
    let mut journey = Journey::begin(&app, "coo@halden.example", "coo@halden.example").await;
    provider.tamper(json!({ "sign": "other" })).await;
    assert_eq!(journey.finish().await.status, 303);
    assert_eq!(app.count("SELECT count(*) FROM sso_identities").await, 1);
}

#[tokio::test]
async fn a_sign_in_is_bound_to_its_browser_its_ten_minutes_and_one_code() {
    let (app, _provider, _admin) = connected(&[("link_by_email", "on")]).await;

    // Finished in another browser: refused.
    let journey = Journey::begin(&app, "coo@halden.example", "coo@halden.example").await;
    let mut other = app.client();
    let answer = other.get(&journey.callback).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.shows("began in another browser"));
    // …and the state is spent: the right browser cannot use it either.
    let mut journey = journey;
    assert_eq!(journey.finish().await.status, 400);

    // Back after ten minutes: refused.
    let mut late = Journey::begin(&app, "coo@halden.example", "coo@halden.example").await;
    app.clock.advance(chrono::Duration::minutes(11));
    let answer = late.finish().await;
    assert_eq!(answer.status, 410, "{}", answer.body);
    app.clock.advance(chrono::Duration::minutes(-11));

    // A code used twice: the first sign-in works; the same code under a
    // new sign-in's state is refused by the provider.
    let mut first = Journey::begin(&app, "coo@halden.example", "coo@halden.example").await;
    let used_code = between(&first.callback, "code=", "&").unwrap();
    assert_eq!(first.finish().await.status, 303);
    let second = Journey::begin(&app, "coo@halden.example", "coo@halden.example").await;
    let replay = second.callback.replace(
        &between(&second.callback, "code=", "&").unwrap(),
        &used_code,
    );
    let mut tandem = second.tandem;
    let answer = tandem.get(&replay).await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    let refused = audited(&app, "sso.refused").await;
    let reasons: Vec<&str> = refused
        .iter()
        .map(|entry| entry["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "other_browser",
            "state_replayed",
            "attempt_expired",
            "token_refused"
        ]
    );
    assert!(
        refused[3]["detail"]["error"]
            .as_str()
            .unwrap()
            .contains("authorization code"),
        "{}",
        refused[3]
    );
}

#[tokio::test]
async fn accounts_created_at_first_sign_in_hold_no_seat_and_passwords_give_way() {
    let (app, _provider, mut admin) = connected(&[("create_accounts", "on")]).await;
    let mut journey = Journey::begin(
        &app,
        "wanjiru.kamau@halden.example",
        "wanjiru.kamau@halden.example",
    )
    .await;
    let answer = journey.finish().await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let (name, seats): (String, i64) = sqlx::query_as(
        "SELECT u.display_name, (SELECT count(*) FROM seats s WHERE s.user_id = u.id)
           FROM users u WHERE u.email = 'wanjiru.kamau@halden.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((name.as_str(), seats), ("wanjiru kamau", 0));
    assert_eq!(
        audited(&app, "sso.link").await[0]["by"],
        "created_at_first_sign_in"
    );

    // An address of another domain is never created.
    let mut outsider = Journey::begin(
        &app,
        "wanjiru.kamau@halden.example",
        "someone@elsewhere.example",
    )
    .await;
    assert_eq!(outsider.finish().await.status, 403);

    // Single sign-on required: the CEO's password is refused…
    set_flags(&mut admin, &[("require_sso", "on")]).await;
    let mut ceo = app.client();
    let refused = ceo.login("ceo@halden.example", PASSWORD).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.shows("signs in through its own sign-in service"));
    // …an administrator's is the way in when the provider fails, audited.
    let mut admin_again = app.client();
    let signed_in = admin_again.login("admin@halden.example", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(audited(&app, "sso.break_glass").await.len(), 1);
}

#[tokio::test]
async fn the_ceo_signs_in_through_the_provider_in_a_real_browser() {
    use crate::browser::{Driver, click, heading, shot, sign_in, submit, type_into};
    use fantoccini::Locator;

    let app = TestApp::spawn_reachable().await;
    app.load_demo().await;
    let provider = OidcProvider::start().await;
    let (client_id, secret) = provider.register(&app).await;
    let driver = Driver::start().await;

    // The administrator connects the provider through the form.
    let admin = driver.browser(1280, 1000).await;
    sign_in(&admin, &app, "admin@halden.example").await;
    admin
        .goto(&format!("{}/admin/single-sign-on", app.base))
        .await
        .unwrap();
    type_into(&admin, Locator::Id("issuer"), &provider.issuer).await;
    type_into(&admin, Locator::Id("client_id"), &client_id).await;
    type_into(&admin, Locator::Id("client_secret"), &secret).await;
    type_into(&admin, Locator::Id("domains"), "halden.example").await;
    click(&admin, Locator::Id("link_by_email")).await;
    submit(&admin, Locator::Css("main form button[type=submit]")).await;
    admin
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    shot(&admin, "sso-settings.png").await;
    // The settings as saved (the layout test sees them empty): axe finds nothing.
    let axe = crate::layout::axe_source();
    assert_eq!(
        crate::layout::axe_violations(&admin, &axe).await,
        Vec::<String>::new()
    );

    // The CEO types her address only and continues at the provider.
    let ceo = driver.browser(390, 844).await;
    ceo.goto(&format!("{}/login", app.base)).await.unwrap();
    type_into(&ceo, Locator::Id("email"), "ceo@halden.example").await;
    submit(&ceo, Locator::Css("main form button[type=submit]")).await;
    // The provider's own sign-in form, the address already in it.
    ceo.wait()
        .for_element(Locator::Css("input[name=login]"))
        .await
        .unwrap();
    assert!(
        ceo.current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with(&provider.issuer)
    );
    type_into(
        &ceo,
        Locator::Css("input[name=password]"),
        "her provider password",
    )
    .await;
    submit(&ceo, Locator::Css("button[type=submit]")).await;
    // The provider asks her to let tandem know who she is.
    ceo.wait()
        .for_element(Locator::Css("input[name=prompt][value=consent]"))
        .await
        .unwrap();
    submit(&ceo, Locator::Css("button[type=submit]")).await;
    ceo.wait()
        .for_element(Locator::Id("needs-title"))
        .await
        .unwrap();
    assert!(
        ceo.current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with(&app.base)
    );
    let body = ceo
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Maren Holt"), "{body}");
    shot(&ceo, "sso-signed-in.png").await;
    assert_ne!(heading(&ceo).await, "Single sign-on did not sign you in");
}

#[tokio::test]
async fn a_fresh_sign_in_at_the_provider_confirms_a_signature_where_passwords_no_longer_do() {
    let (app, _provider, mut admin) = connected(&[("link_by_email", "on")]).await;
    let programme: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM programmes WHERE name = 'Freight operations agents'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let sign = format!("/programmes/{programme}/brief/versions/2/sign");
    // The CFO signs in through the provider once (which links her).
    let mut journey = Journey::begin(&app, "cfo@halden.example", "cfo@halden.example").await;
    assert_eq!(journey.finish().await.status, 303);
    let mut cfo = journey.tandem;

    // The administrator requires strong sign-off: her password is refused.
    let saved = admin
        .post("/admin/sign-off", &[("strong_sign_off", "on")])
        .await;
    assert_eq!(saved.status, 303);
    let form = cfo.get(&sign).await;
    assert!(
        form.shows("a password is not enough to sign"),
        "{}",
        form.body
    );
    let mut fields = form.form_fields(&format!("action=\"{sign}\""));
    fields.push(("decision".into(), "sign".into()));
    let mut with_password = fields.clone();
    with_password.push(("password".into(), PASSWORD.into()));
    let refused = cfo.post_pairs(&sign, &with_password).await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("not a password"));

    // She confirms at the provider, which signs her in afresh…
    let handed = cfo.post("/sso/confirm", &[("back", sign.as_str())]).await;
    assert_eq!(handed.status, 200, "{}", handed.body);
    let authorize = between(&handed.body, "<a class=\"button\" href=\"", "\"").unwrap();
    assert!(
        authorize.contains("prompt=login") && authorize.contains("max_age=0"),
        "{authorize}"
    );
    let back = at_provider(&provider_browser(), &authorize, "cfo@halden.example").await;
    let answer = cfo.get(back.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location(), sign);
    // …and the form with no password signs, once.
    let fresh = cfo.get(&sign).await;
    assert!(fresh.shows("confirmed it is you"));
    let mut fields = fresh.form_fields(&format!("action=\"{sign}\""));
    fields.push(("decision".into(), "sign".into()));
    let signed = cfo.post_pairs(&sign, &fields).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let by: Value =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'session.confirm'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(by, json!({ "by": "provider" }));

    // A confirmation signed in at the provider as someone else confirms nothing.
    let mut coo_journey = Journey::begin(&app, "coo@halden.example", "coo@halden.example").await;
    assert_eq!(coo_journey.finish().await.status, 303);
    let mut coo = coo_journey.tandem;
    assert_eq!(coo.get("/").await.status, 200);
    let handed = coo.post("/sso/confirm", &[("back", "/")]).await;
    assert_eq!(handed.status, 200, "{}", handed.body);
    let authorize = between(&handed.body, "<a class=\"button\" href=\"", "\"").unwrap();
    let back = at_provider(&provider_browser(), &authorize, "ceo@halden.example").await;
    let answer = coo.get(back.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.shows("as someone else"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'session.confirm'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_invited_person_joins_through_the_provider_with_the_invited_address() {
    // Linking by address is off: the invitation alone allows the link.
    let (app, _provider, mut admin) = connected(&[]).await;
    let added = admin
        .post(
            "/admin/users/new",
            &[
                ("display_name", "Ines Duarte"),
                ("email", "ines.duarte@halden.example"),
                ("join", "invite"),
                ("seat", "approver"),
                ("title", "CTO"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let link: String = sqlx::query_scalar(
        "SELECT link FROM notifications WHERE kind = 'invitation' ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let mut ines = app.client();
    let page = ines.get(&link).await;
    assert!(
        page.shows("Join with my organisation's sign-in"),
        "{}",
        page.body
    );
    // Signed in at the provider as someone else: nothing is joined.
    let handed = ines.post(&format!("{link}/single-sign-on"), &[]).await;
    assert_eq!(handed.status, 200, "{}", handed.body);
    let authorize = between(&handed.body, "<a class=\"button\" href=\"", "\"").unwrap();
    let back = at_provider(
        &provider_browser(),
        &authorize,
        "someone.else@halden.example",
    )
    .await;
    let refused = ines.get(back.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.shows("another address than the one invited"));

    // With the invited address, vouched for: joined, linked, signed in.
    let page = ines.get(&link).await;
    assert_eq!(page.status, 200, "the invitation is still open");
    let handed = ines.post(&format!("{link}/single-sign-on"), &[]).await;
    let authorize = between(&handed.body, "<a class=\"button\" href=\"", "\"").unwrap();
    let back = at_provider(
        &provider_browser(),
        &authorize,
        "ines.duarte@halden.example",
    )
    .await;
    let joined = ines.get(back.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    assert!(ines.get("/").await.shows("Ines Duarte"));
    let (password, accepted): (Option<String>, bool) = sqlx::query_as(
        "SELECT u.password_hash, i.accepted_at IS NOT NULL
           FROM users u JOIN invitations i ON i.user_id = u.id
          WHERE u.email = 'ines.duarte@halden.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((password, accepted), (None, true));
    assert_eq!(audited(&app, "sso.link").await[0]["by"], "invitation");
    // The link has done its work.
    assert_eq!(app.client().get(&link).await.status, 410);
}
