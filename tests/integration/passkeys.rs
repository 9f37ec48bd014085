//! Passkeys (SPEC §10): registered, used to sign in and to confirm a
//! signature, in Chromium with its WebAuthn virtual authenticator (the
//! WebDriver extension commands); and what the endpoints refuse.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::browser::{Driver, click, heading, shot, sign_in, submit, type_into};
use crate::helpers::TestApp;

/// The WebDriver extension command that adds a virtual authenticator: a
/// platform authenticator that keeps discoverable credentials and verifies
/// its user (as a fingerprint would), without anyone touching it.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let options = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "automaticPresenceSimulation": true,
        });
        (http::Method::POST, Some(options.to_string()))
    }
}

async fn flash(browser: &fantoccini::Client) -> String {
    browser
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    browser
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cfo_adds_a_passkey_signs_in_with_it_and_signs_the_brief_with_it() {
    let app = TestApp::spawn_reachable_as("localhost").await;
    let demo = app.load_demo().await;
    let driver = Driver::start().await;
    let browser = driver.browser(1280, 1000).await;
    browser.issue_cmd(AddVirtualAuthenticator).await.unwrap();

    sign_in(&browser, &app, "cfo@halden.example").await;
    browser
        .goto(&format!("{}/account/passkeys", app.base))
        .await
        .unwrap();
    type_into(&browser, Locator::Id("passkey_name"), "Work laptop").await;
    click(&browser, Locator::Css("[data-passkey-go]")).await;
    assert_eq!(
        flash(&browser).await,
        "Passkey “Work laptop” added: it signs you in and confirms your signatures."
    );
    shot(&browser, "passkeys.png").await;
    // With a passkey listed, and (below) the invitation's passkey form,
    // which the layout test cannot reach: axe finds nothing.
    let axe = crate::layout::axe_source();
    assert_eq!(
        crate::layout::axe_violations(&browser, &axe).await,
        Vec::<String>::new()
    );
    assert_eq!(
        app.count("SELECT count(*) FROM passkeys WHERE name = 'Work laptop'")
            .await,
        1
    );

    // Signed out, the passkey signs her in: no address, no password.
    submit(&browser, Locator::Css(".account button[type=submit]")).await;
    browser
        .wait()
        .for_element(Locator::Css("[data-passkey=sign_in]:not([hidden])"))
        .await
        .unwrap();
    click(&browser, Locator::Css("[data-passkey-go]")).await;
    browser
        .wait()
        .for_element(Locator::Id("needs-title"))
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'passkey.sign_in'")
            .await,
        1
    );

    // She signs version 2 with the passkey instead of her password.
    browser
        .goto(&format!(
            "{}/programmes/{}/brief/versions/2/sign",
            app.base, demo.programme_id
        ))
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "Sign version 2 of the brief");
    click(&browser, Locator::Id("decision-sign")).await;
    click(
        &browser,
        Locator::Css("[data-passkey=confirm] [data-passkey-go]"),
    )
    .await;
    assert_eq!(flash(&browser).await, "You signed version 2.");
    let confirmed: Vec<Value> = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'session.confirm' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(confirmed, [json!({ "by": "passkey" })]);
    let used: bool = sqlx::query_scalar("SELECT last_used_at IS NOT NULL FROM passkeys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(used);
    browser.close().await.unwrap();
}

#[tokio::test]
async fn without_a_passkey_or_a_domain_name_the_ceremonies_refuse() {
    // Reached at an IP address: no relying party, no ceremony.
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut cfo = app.login("cfo@halden.example").await;
    let page = cfo.get("/account/passkeys").await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Passkeys need tandem to be reached at a domain name"));
    let begun = cfo.post("/account/passkeys/register/begin", &[]).await;
    assert_eq!(begun.status, 409, "{}", begun.body);
    assert!(begun.shows("not reached at a domain name"));

    let app = TestApp::spawn_reachable_as("localhost").await;
    let demo = app.load_demo().await;
    let mut cfo = app.login("cfo@halden.example").await;
    let begun = cfo.post("/account/passkeys/register/begin", &[]).await;
    assert_eq!(begun.status, 200, "{}", begun.body);
    let options: Value = serde_json::from_str(&begun.body).unwrap();
    assert_eq!(options["options"]["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(
        options["options"]["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    // An answer that is not one, and a ceremony that is not this session's.
    let garbage = cfo
        .post("/account/passkeys/register/finish", &[("x", "y")])
        .await;
    assert_eq!(garbage.status, 400);
    let mut ceo = app.login("ceo@halden.example").await;
    let stolen = json!({
        "ceremony": options["ceremony"],
        "name": "Stolen",
        "credential": { "id": "AA", "rawId": "AA", "type": "public-key",
                        "response": { "attestationObject": "AA", "clientDataJSON": "AA" } }
    });
    let answer = ceo
        .post_json("/account/passkeys/register/finish", &stolen)
        .await;
    assert_eq!(answer.status, 410, "{}", answer.body);
    // Confirming needs a passkey first.
    let confirm = cfo.post("/account/passkeys/confirm/begin", &[]).await;
    assert_eq!(confirm.status, 409);

    // Without a password or a confirmation, the signature is not recorded
    // and the empty field does not count as a wrong password.
    let sign = format!("/programmes/{}/brief/versions/2/sign", demo.programme_id);
    let form = cfo.get(&sign).await;
    let mut fields = form.form_fields(&format!("action=\"{sign}\""));
    fields.push(("decision".into(), "sign".into()));
    let refused = cfo.post_pairs(&sign, &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.shows("Enter your password to confirm it is you (or use a passkey)."));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'session.stepup_failed'")
            .await,
        0
    );
    // Someone else's passkey cannot be renamed or removed.
    sqlx::query(
        "INSERT INTO passkeys (id, organisation_id, user_id, credential_id, name, passkey, created_at)
         SELECT gen_random_uuid(), organisation_id, id, '\\x01', 'Phone', '{}', now()
           FROM users WHERE email = 'ceo@halden.example'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM passkeys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let renamed = cfo
        .post(
            &format!("/account/passkeys/{id}/rename"),
            &[("name", "Mine")],
        )
        .await;
    assert_eq!(renamed.status, 404);
    let removed = cfo
        .post(&format!("/account/passkeys/{id}/remove"), &[])
        .await;
    assert_eq!(removed.status, 404);
    let mine = ceo
        .post(
            &format!("/account/passkeys/{id}/rename"),
            &[("name", "Old phone")],
        )
        .await;
    assert_eq!(mine.status, 303);
    assert!(ceo.get("/account/passkeys").await.shows("Old phone"));
    let blank = ceo
        .post(&format!("/account/passkeys/{id}/rename"), &[("name", "  ")])
        .await;
    assert_eq!(blank.status, 422);
    assert!(blank.shows("Give the passkey a name you will recognise"));
}

#[tokio::test]
async fn an_invited_person_joins_with_a_passkey_and_no_password() {
    let app = TestApp::spawn_reachable_as("localhost").await;
    app.load_demo().await;
    let mut admin = app.login("admin@halden.example").await;
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
    let link: String =
        sqlx::query_scalar("SELECT link FROM notifications WHERE kind = 'invitation'")
            .fetch_one(&app.pool)
            .await
            .unwrap();

    let driver = Driver::start().await;
    let ines = driver.browser(390, 844).await;
    ines.issue_cmd(AddVirtualAuthenticator).await.unwrap();
    ines.goto(&format!("{}{link}", app.base)).await.unwrap();
    ines.wait()
        .for_element(Locator::Css("[data-passkey=register]:not([hidden])"))
        .await
        .unwrap();
    shot(&ines, "invitation-passkey.png").await;
    let axe = crate::layout::axe_source();
    assert_eq!(
        crate::layout::axe_violations(&ines, &axe).await,
        Vec::<String>::new()
    );
    assert_eq!(crate::layout::sideways_scroll(&ines).await, 0);
    click(&ines, Locator::Css("[data-passkey-go]")).await;
    ines.wait()
        .for_element(Locator::Id("needs-title"))
        .await
        .unwrap();
    let (password, accepted, passkey): (Option<String>, bool, String) = sqlx::query_as(
        "SELECT u.password_hash, i.accepted_at IS NOT NULL, k.name
           FROM users u JOIN invitations i ON i.user_id = u.id JOIN passkeys k ON k.user_id = u.id
          WHERE u.email = 'ines.duarte@halden.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (password, accepted, passkey.as_str()),
        (None, true, "My passkey")
    );
    ines.close().await.unwrap();

    // She has joined: no new invitation is offered; a lost device is
    // recovered by removing her passkeys.
    let ines_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ines.duarte@halden.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let page = admin.get(&format!("/admin/users/{ines_id}")).await;
    assert!(page.shows("Passkeys: 1"), "{}", page.body);
    assert!(!page.shows("Send a new invitation"));
    let removed = admin
        .post(&format!("/admin/users/{ines_id}/passkeys/remove"), &[])
        .await;
    assert_eq!(removed.status, 303);
    assert!(
        admin
            .get(&format!("/admin/users/{ines_id}"))
            .await
            .shows("Removed 1 passkey of Ines Duarte")
    );
    assert_eq!(app.count("SELECT count(*) FROM passkeys").await, 0);
}
