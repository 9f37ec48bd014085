//! Login, logout, sessions, timeouts, throttling, CSRF and first run.

use chrono::Duration;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn login_reaches_home_and_logout_ends_the_session() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut ceo = app.client();
    let page = ceo.login("CEO@Halden.example", PASSWORD).await; // case-insensitive email
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/");
    let cookie = page.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let home = ceo.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.shows("Good to see you, Maren"));
    assert!(home.shows("Freight operations agents"));

    let token = ceo.session_cookie().unwrap();
    let out = ceo.post("/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), "/login?signed_out=1");
    let count = app.count("SELECT count(*) FROM sessions").await;
    assert_eq!(count, 0, "logout deletes the session row");

    // Replaying the old cookie gets nowhere.
    let mut replay = app.client();
    replay.cookies.insert("tandem_session".into(), token);
    let page = replay.get("/").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/login");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let wrong = app
        .client()
        .login("ceo@halden.example", "not the password")
        .await;
    let unknown = app
        .client()
        .login("nobody@halden.example", "not the password")
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(unknown.status, wrong.status);
    assert!(wrong.shows("That email and password do not match an active account."));
    assert!(unknown.shows("That email and password do not match an active account."));
    // The email typed is kept; the password never comes back.
    assert!(wrong.body.contains("value=\"ceo@halden.example\""));
    assert!(!wrong.body.contains("not the password"));
}

#[tokio::test]
async fn a_new_session_id_at_every_login_and_only_its_hash_is_stored() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut client = app.login("coo@halden.example").await;
    let first = client.session_cookie().unwrap();
    // Signing in again from the same browser replaces the session.
    let page = client.login("coo@halden.example", PASSWORD).await;
    assert_eq!(page.status, 303);
    let second = client.session_cookie().unwrap();
    assert_ne!(first, second);

    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![tandem::auth::token::digest(&second)],
        "the old session is gone; only a hash is kept"
    );

    let mut old = app.client();
    old.cookies.insert("tandem_session".into(), first);
    assert_eq!(old.get("/").await.location(), "/login");
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut client = app.login("ceo@halden.example").await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        client.get("/").await.status,
        200,
        "29 idle minutes are fine"
    );
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        client.get("/").await.status,
        200,
        "the last request counted as activity"
    );
    app.clock.advance(Duration::minutes(30));
    let page = client.get("/").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/login?ended=idle");
    let login = client.get(page.location()).await;
    assert!(
        login.shows("signed out after 30 minutes without activity"),
        "{}",
        login.body
    );
    let count = app.count("SELECT count(*) FROM sessions").await;
    assert_eq!(count, 0, "an ended session is deleted");
}

#[tokio::test]
async fn the_idle_notice_is_shown_on_the_login_page() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut client = app.login("ceo@halden.example").await;
    app.clock.advance(Duration::minutes(31));
    let page = client.get("/login").await;
    assert!(
        page.shows("signed out after 30 minutes without activity"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn sessions_end_after_twelve_hours_however_busy() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut client = app.login("ceo@halden.example").await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(client.get("/").await.status, 200);
    }
    // 11h40 so far; 20 more minutes reach twelve hours.
    app.clock.advance(Duration::minutes(20));
    let page = client.get("/").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/login?ended=expired");
}

#[tokio::test]
async fn failed_logins_slow_down_one_source_and_never_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let attacker = "203.0.113.7";
    // A stranger hammers the CEO's account from one address.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            app.client()
                .coming_from(attacker)
                .login("ceo@halden.example", "wrong password!")
                .await
                .status,
        );
    }
    // Three free failures, then the address must wait between attempts.
    assert_eq!(statuses[..3], [422, 422, 422]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    let slowed = app
        .client()
        .coming_from(attacker)
        .login("ceo@halden.example", PASSWORD)
        .await;
    assert_eq!(slowed.status, 429, "even the right password waits its turn");
    let retry_after: u64 = slowed.header("retry-after").parse().unwrap();
    assert!(
        (1..=300).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert!(slowed.shows("Too many failed attempts from this address"));

    // The CEO, from her own address, signs in at once.
    assert_eq!(
        app.client()
            .coming_from("198.51.100.20")
            .login("ceo@halden.example", PASSWORD)
            .await
            .status,
        303
    );
    // Once the wait has passed, the attacker's address may try again (and
    // the wait doubles with each failure, up to five minutes).
    app.clock.advance(Duration::seconds(retry_after as i64));
    assert_eq!(
        app.client()
            .coming_from(attacker)
            .login("ceo@halden.example", "wrong again")
            .await
            .status,
        422
    );
    assert_eq!(
        app.client()
            .coming_from(attacker)
            .login("ceo@halden.example", "wrong again")
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn one_address_is_limited_across_accounts() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut refused_at = None;
    // Spraying one password over many addresses, as the attack did (40 over 25).
    for i in 0..40 {
        let page = app
            .client()
            .coming_from("192.0.2.99")
            .login(&format!("person{}@halden.example", i % 25), "Winter2026!")
            .await;
        if page.status == 429 {
            assert!(page.header("retry-after").parse::<u64>().unwrap() > 0);
            refused_at.get_or_insert(i);
        }
    }
    assert_eq!(
        refused_at,
        Some(20),
        "the 21st failure from one address is refused"
    );
    let processed = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'session.login_failed'")
        .await;
    assert_eq!(processed, 20, "refused attempts are not even checked");
    // Other addresses are not affected.
    assert_eq!(
        app.client()
            .coming_from("192.0.2.100")
            .login("cto@halden.example", PASSWORD)
            .await
            .status,
        303
    );
    // After the window, the address may try again.
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        app.client()
            .coming_from("192.0.2.99")
            .login("cfo@halden.example", PASSWORD)
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn wrong_step_up_passwords_end_the_session_not_the_account() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut ceo = app.login("ceo@halden.example").await;
    for attempt in 1..=4 {
        let page = ceo
            .post(
                "/account/password",
                &[
                    ("current_password", "not it"),
                    ("new_password", "a brand new passphrase"),
                    ("confirm_password", "a brand new passphrase"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "attempt {attempt}");
        assert!(page.shows("That is not your password."));
    }
    let fifth = ceo
        .post(
            "/account/password",
            &[
                ("current_password", "not it"),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(fifth.status, 303);
    assert_eq!(fifth.location(), "/login?ended=stepup");
    // The session is gone…
    assert_eq!(ceo.get("/").await.status, 303);
    let notice = ceo.get("/login?ended=stepup").await;
    assert!(notice.shows("Your account is not locked"));
    // …but the account is not locked: the owner signs straight back in.
    assert_eq!(
        app.client()
            .login("ceo@halden.example", PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'session.stepup_failed'")
            .await,
        5
    );
}

#[tokio::test]
async fn failed_sign_ins_are_audited_with_the_email_cut_short() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let long = format!("{}@halden.example", "x".repeat(5000));
    assert_eq!(app.client().login(&long, "nope").await.status, 422);
    let recorded: String = sqlx::query_scalar(
        "SELECT after->>'email' FROM audit_log WHERE action = 'session.login_failed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(recorded.chars().count(), 254);
    assert!(recorded.starts_with("xxxx"));
}

#[tokio::test]
async fn unsafe_requests_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let mut admin = app.login("admin@halden.example").await;

    // No token.
    let page = admin.post_raw("/logout", &[]).await;
    assert_eq!(page.status, 403);
    assert!(page.shows("Form expired"));
    // A wrong token.
    let page = admin
        .post_raw("/logout", &[("csrf_token", "0123456789abcdef")])
        .await;
    assert_eq!(page.status, 403);
    // Another session's token.
    let mut other = app.login("ceo@halden.example").await;
    other.get("/").await;
    let path = format!("/admin/users/{}", demo.exco_id);
    let form = admin.get(&path).await;
    let ceo_token = other.get("/").await.csrf_token().unwrap();
    assert_ne!(ceo_token, form.csrf_token().unwrap());
    let page = admin
        .post_raw(
            &path,
            &[
                ("csrf_token", &ceo_token),
                ("email", "x@y.example"),
                ("display_name", "X"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(demo.exco_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(email, "exco.people@halden.example", "nothing changed");

    // Still signed in; with the right token logout works.
    assert_eq!(admin.get("/").await.status, 200);
    assert_eq!(admin.post("/logout", &[]).await.status, 303);

    // The login form needs its own token too (no login CSRF).
    let mut fresh = app.client();
    let page = fresh
        .post_raw(
            "/login",
            &[("email", "ceo@halden.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(fresh.session_cookie().is_none());
}

#[tokio::test]
async fn after_login_only_local_paths_are_followed() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let target = format!("/programmes/{}", demo.programme_id);

    // Visiting a page signed out remembers it.
    let mut client = app.client();
    let page = client.get(&target).await;
    assert_eq!(
        page.location(),
        format!("/login?next=%2Fprogrammes%2F{}", demo.programme_id)
    );

    let form = client.get(page.location()).await;
    let token = form.csrf_token().unwrap();
    let page = client
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "coo@halden.example"),
                ("password", PASSWORD),
                ("next", &target),
            ],
        )
        .await;
    assert_eq!(page.location(), target);

    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let mut client = app.client();
        let token = client.get("/login").await.csrf_token().unwrap();
        let page = client
            .post_raw(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", "coo@halden.example"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(page.location(), "/", "{evil} must not be followed");
    }
}

#[tokio::test]
async fn first_run_offers_no_way_in_from_the_web() {
    let app = TestApp::spawn().await;
    let mut visitor = app.client();
    let login = visitor.get("/login").await;
    assert_eq!(login.status, 200);
    assert!(login.shows("No accounts exist yet"));
    assert!(login.shows("tandem user add"));
    for path in ["/setup", "/admin/setup", "/register"] {
        assert_eq!(visitor.get(path).await.status, 404, "{path}");
    }
    // Admin pages send a visitor to the login page; a forged POST is refused.
    assert_eq!(
        visitor.get("/admin/users/new").await.location(),
        "/login?next=%2Fadmin%2Fusers%2Fnew"
    );
    let token = login.csrf_token().unwrap();
    let page = visitor
        .post_raw(
            "/admin/users/new",
            &[
                ("csrf_token", &token),
                ("email", "me@evil.example"),
                ("display_name", "Me"),
                ("password", "a long password"),
                ("seat", "admin"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(page.location().starts_with("/login"));
    let users = app.count("SELECT count(*) FROM users").await;
    assert_eq!(users, 0);
}

#[tokio::test]
async fn an_initial_password_must_be_changed_before_anything_else() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut admin = app.login("admin@halden.example").await;
    let page = admin
        .create_user(
            "Noor Haddad",
            "board@halden.example",
            "initial-pass-1",
            Some(("approver", "Board chair")),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    let mut noor = app.client();
    let page = noor.login("board@halden.example", "initial-pass-1").await;
    assert_eq!(page.location(), "/account/password");
    assert_eq!(
        noor.get("/").await.location(),
        "/account/password",
        "nothing else until it is changed"
    );

    let form = noor.get("/account/password").await;
    assert!(form.shows("An administrator set your current password"));
    let page = noor
        .post(
            "/account/password",
            &[
                ("current_password", "initial-pass-1"),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Use at least 10 characters"));
    let page = noor
        .post(
            "/account/password",
            &[
                ("current_password", "initial-pass-1"),
                ("new_password", "my own passphrase"),
                ("confirm_password", "my own passphrase"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let home = noor.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.shows("Your password has been changed."));
    assert_eq!(
        app.client()
            .login("board@halden.example", "my own passphrase")
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut ceo = app.login("ceo@halden.example").await;
    assert_eq!(ceo.get("/").await.status, 200);
    let ceo_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ceo@halden.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();

    let mut admin = app.login("admin@halden.example").await;
    let path = format!("/admin/users/{ceo_id}");
    let form = admin.get(&path).await;
    assert_eq!(form.status, 200);
    let page = admin
        .post(
            &path,
            &[
                ("display_name", "Maren Holt"),
                ("email", "ceo@halden.example"),
                ("disabled", "on"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    assert_eq!(ceo.get("/").await.location(), "/login");
    assert_eq!(
        app.client()
            .login("ceo@halden.example", PASSWORD)
            .await
            .status,
        422
    );
}

#[tokio::test]
async fn the_audit_log_refuses_update_delete_and_truncate() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    app.login("ceo@halden.example").await;
    let logins = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'session.login'")
        .await;
    assert_eq!(logins, 1, "the login was audited");
    for statement in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let error = sqlx::query(statement).execute(&app.pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
}
