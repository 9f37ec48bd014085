//! What an attacker and a failing database found, each reproduced: NUL
//! bytes and bad UTF-8, a rewritable audit log, no-op saves that destroyed
//! work, formula injection in CSV headers, misleading signing keys.

use crate::helpers::{TestApp, set};

/// A raw urlencoded body, sent as is (bytes a browser would never send).
async fn post_bytes(app: &TestApp, path: &str, cookie: &str, body: Vec<u8>) -> (u16, String) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_nul_byte_or_bad_utf8_gets_a_422_naming_the_field_never_a_500() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;

    // Without signing in: the login form.
    let mut anonymous = app.client();
    let login = anonymous.get("/login").await;
    let token = login.csrf_token().unwrap();
    let cookie = format!(
        "tandem_login_csrf={}",
        anonymous.cookies["tandem_login_csrf"]
    );
    let (status, body) = post_bytes(
        &app,
        "/login",
        &cookie,
        format!("csrf_token={token}&email=a%00b&password=x").into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("“email”") && body.contains("NUL"), "{body}");
    let (status, body) = post_bytes(
        &app,
        "/login",
        &cookie,
        format!("csrf_token={token}&email=%FF%FE%40x&password=x").into_bytes(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("not valid UTF-8"), "{body}");

    // Signed in: a narrative field, a table row id, the programme summary.
    let mut ceo = app.login("ceo@halden.example").await;
    let brief = format!("/programmes/{}/brief", demo.programme_id);
    let form = ceo
        .get(&format!("{brief}/sections/competitive_ambition/edit"))
        .await;
    let token = form.csrf_token().unwrap();
    let session = format!("tandem_session={}", ceo.session_cookie().unwrap());
    let writes = "SELECT count(*) FROM audit_log WHERE action <> 'session.login'";
    let before = app.count(writes).await;
    for (field, raw) in [
        ("f.statement", "Lead%00the market".as_bytes().to_vec()),
        ("f.statement", b"Lead \xff the market".to_vec()),
    ] {
        let mut body = format!("csrf_token={token}&version=1&{field}=").into_bytes();
        body.extend(raw);
        let (status, page) = post_bytes(
            &app,
            &format!("{brief}/sections/competitive_ambition"),
            &session,
            body,
        )
        .await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("“f.statement”"), "{page}");
    }
    let scope = ceo
        .get(&format!("{brief}/sections/process_scope/edit"))
        .await;
    assert_eq!(scope.status, 403, "the CEO may not edit the COO's section");
    let mut coo = app.login("coo@halden.example").await;
    coo.get(&format!("{brief}/sections/process_scope/edit"))
        .await;
    let coo_session = format!("tandem_session={}", coo.session_cookie().unwrap());
    let coo_token = coo
        .get(&format!("{brief}/sections/process_scope/edit"))
        .await
        .csrf_token()
        .unwrap();
    let (status, page) = post_bytes(
        &app,
        &format!("{brief}/sections/process_scope"),
        &coo_session,
        format!("csrf_token={coo_token}&version=1&f.processes.0.id=ab%00cd").into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("f.processes.0.id"));

    let mut admin = app.login("admin@halden.example").await;
    let admin_session = format!("tandem_session={}", admin.session_cookie().unwrap());
    let admin_token = admin
        .get("/admin/programmes/new")
        .await
        .csrf_token()
        .unwrap();
    let (status, _) = post_bytes(
        &app,
        "/admin/programmes/new",
        &admin_session,
        format!("csrf_token={admin_token}&name=Nul&summary=a%00b").into_bytes(),
    )
    .await;
    assert_eq!(status, 422);
    // A query string is checked the same way.
    assert_eq!(admin.get("/admin/audit?before=1%00").await.status, 422);

    // Nothing was written by any of it.
    assert_eq!(app.count(writes).await, before);
    assert_eq!(
        app.count("SELECT count(*) FROM programmes WHERE name = 'Nul'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_serving_role_can_only_append_to_the_audit_log() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let served_as = tandem::db::serving_role_problem(&crate::helpers::serving_pool(&app.pool))
        .await
        .unwrap();
    assert_eq!(
        served_as, None,
        "the app serves as a role that owns nothing"
    );
    let owner_problem = tandem::db::serving_role_problem(&app.pool).await.unwrap();
    assert!(owner_problem.unwrap().contains("superuser"));

    let serving = crate::helpers::serving_pool(&app.pool);
    for statement in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "SET session_replication_role = replica",
    ] {
        let error = sqlx::query(statement).execute(&serving).await.unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("permission denied") || text.contains("must be owner"),
            "{statement}: {text}"
        );
    }
    // An entry dated a year back gets the database's time instead.
    sqlx::query(
        "INSERT INTO audit_log (action, object_type, at) VALUES ('test.backdated', 'test', now() - interval '1 year')",
    )
    .execute(&serving)
    .await
    .unwrap();
    let age_days: f64 = sqlx::query_scalar(
        "SELECT (extract(epoch FROM now() - at) / 86400)::float8 FROM audit_log WHERE action = 'test.backdated'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(age_days < 1.0, "the writer cannot choose the time");
}

#[tokio::test]
async fn the_audit_chain_verifies_and_names_a_changed_row() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    app.login("ceo@halden.example").await;
    let org: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Halden Freight'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let intact = tandem::db::audit::verify_chain(&app.pool, Some(org))
        .await
        .unwrap();
    assert_eq!(intact.first_break, None);
    assert!(intact.checked > 10);
    let mut admin = app.login("admin@halden.example").await;
    let page = admin.get("/admin/audit/verify").await;
    assert!(page.shows("The chain holds"), "{}", page.body);

    // A superuser changes an entry behind tandem's back.
    let victim: i64 = sqlx::query_scalar(
        "SELECT id FROM audit_log WHERE organisation_id = $1 ORDER BY id LIMIT 1 OFFSET 3",
    )
    .bind(org)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET after = '{\"forged\": true}' WHERE id = $1")
        .bind(victim)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let broken = tandem::db::audit::verify_chain(&app.pool, Some(org))
        .await
        .unwrap();
    assert_eq!(
        broken.first_break,
        Some(tandem::domain::audit_chain::Break::Altered { id: victim })
    );
    let page = admin.get("/admin/audit/verify").await;
    assert!(page.shows("The chain is broken"));
    assert!(page.shows(&format!("Entry {victim} was changed")));
}

#[tokio::test]
async fn saving_without_a_change_changes_nothing() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let brief = format!("/programmes/{id}/brief");
    // Both executives agree the joint investment section.
    for client in [&mut ceo, &mut coo] {
        let page = client.get(&brief).await;
        let marker = "sections/investment/agree";
        if page.body.contains(marker) {
            let fields = page.form_fields(marker);
            client
                .post_pairs(&format!("{brief}/sections/investment/agree"), &fields)
                .await;
        }
    }
    let state = "SELECT version::bigint * 10 + (ceo_agreed_at IS NOT NULL)::int * 2 + (coo_agreed_at IS NOT NULL)::int
                   FROM brief_sections WHERE section_key = 'investment'";
    let before = app.count(state).await;
    assert_eq!(before % 10, 3, "both agreed before the no-op save");
    let audit = app.count("SELECT count(*) FROM audit_log").await;

    let saved = ceo
        .submit_form(
            &format!("{brief}/sections/investment/edit"),
            "brief-form",
            &format!("{brief}/sections/investment"),
            &[],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(ceo.get(saved.location()).await.shows("Nothing changed"));
    assert_eq!(
        app.count(state).await,
        before,
        "no version, no cleared agreement"
    );
    assert_eq!(app.count("SELECT count(*) FROM audit_log").await, audit);

    // The same for the admin's user form.
    let mut admin = app.login("admin@halden.example").await;
    let audit = app.count("SELECT count(*) FROM audit_log").await;
    let user_page = format!("/admin/users/{}", demo.exco_id);
    let version = format!("SELECT version FROM users WHERE id = '{}'", demo.exco_id);
    let before = app
        .count(&version.replace("version FROM", "version::bigint FROM"))
        .await;
    let saved = admin
        .submit_form(
            &user_page,
            &format!("action=\"{user_page}\""),
            &user_page,
            &[],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert!(admin.get(&user_page).await.shows("Nothing changed"));
    assert_eq!(
        app.count(&version.replace("version FROM", "version::bigint FROM"))
            .await,
        before
    );
    assert_eq!(app.count("SELECT count(*) FROM audit_log").await, audit);
}

#[tokio::test]
async fn every_csv_cell_is_neutralised_headers_included() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let edit = format!("/programmes/{id}/matrix/edit");
    let saved = ceo
        .submit_form(
            &edit,
            "action=\"/programmes/",
            &format!("/programmes/{id}/matrix"),
            &[("new_role.name", "=HYPERLINK(\"http://evil.example\",\"x\")")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let csv = ceo.get(&format!("/programmes/{id}/matrix.csv")).await;
    let header = csv.body.lines().next().unwrap();
    if saved.status == 303 {
        assert!(header.contains("'=HYPERLINK("), "{header}");
    }
    assert!(
        !header.contains(",=") && !header.contains(",\"="),
        "{header}"
    );
}

#[tokio::test]
async fn a_signing_key_that_is_not_the_signers_own_is_refused_truthfully() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let sign = format!("/programmes/{id}/brief/versions/2/sign");
    let mut cfo = app.login("cfo@halden.example").await;
    // A well-formed key, but made for another signatory of the same version.
    let (version_id, cto_id): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT v.id, u.id FROM brief_versions v, users u
          WHERE v.programme_id = $1 AND v.number = 2 AND u.email = 'cto@halden.example'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let cto_key = tandem::auth::token::decision_key(version_id, cto_id);
    let signatures = "SELECT count(*) FROM brief_signatures";
    let before = app.count(signatures).await;

    for key in [cto_key.as_str(), &"k".repeat(5000), "short"] {
        let mut fields = cfo.get(&sign).await.form_fields("/sign\" novalidate");
        fields.push(("decision".into(), "sign".into()));
        set(&mut fields, "password", crate::helpers::PASSWORD);
        set(&mut fields, "idempotency_key", key);
        let page = cfo.post_pairs(&sign, &fields).await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.shows("nothing was recorded"));
        assert_eq!(app.count(signatures).await, before);
    }
    // The signer's own key still works, once; sent again it says so.
    let mut fields = cfo.get(&sign).await.form_fields("/sign\" novalidate");
    fields.push(("decision".into(), "sign".into()));
    set(&mut fields, "password", crate::helpers::PASSWORD);
    assert_eq!(cfo.post_pairs(&sign, &fields).await.status, 303);
    let again = cfo.post_pairs(&sign, &fields).await;
    assert_eq!(again.status, 303);
    assert!(cfo.get(again.location()).await.shows("already recorded"));
    assert_eq!(app.count(signatures).await, before + 1);
    let longest = app
        .count("SELECT max(length(idempotency_key))::bigint FROM brief_signatures")
        .await;
    assert!(longest <= 100);
}

#[tokio::test]
async fn markdown_that_sanitises_to_nothing_is_refused() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let brief = format!("/programmes/{id}/brief");
    let page = ceo
        .submit_form(
            &format!("{brief}/sections/competitive_ambition/edit"),
            "brief-form",
            &format!("{brief}/sections/competitive_ambition"),
            &[("f.statement", "<script>alert(1)</script>")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Nothing of this would be shown"));
    assert!(
        page.shows("<script>alert(1)</script>"),
        "the form keeps what was typed"
    );
}
