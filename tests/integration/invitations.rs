//! Invitations (SPEC §10): an administrator invites a person by e-mail; the
//! link's page changes nothing; its form sets the person's password once,
//! within seven days, and signs them in.

use chrono::Duration;
use tandem::mail::Mailer;
use tandem::mail::outbox::{deliver_due, unsubscribe_key};
use uuid::Uuid;

use crate::helpers::TestApp;

const EMAIL: &str = "ines.duarte@halden.example";
const CHOSEN: &str = "a sentence Ines chose";

/// The administrator adds Ines Duarte, to be invited; returns her id.
async fn invite_ines(app: &TestApp) -> Uuid {
    let mut admin = app.login("admin@halden.example").await;
    let added = admin
        .post(
            "/admin/users/new",
            &[
                ("display_name", "Ines Duarte"),
                ("email", EMAIL),
                ("join", "invite"),
                ("seat", "approver"),
                ("title", "CTO"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = admin.get(added.location()).await;
    assert!(
        page.shows("We e-mailed Ines Duarte an invitation to ines.duarte@halden.example"),
        "{}",
        page.body
    );
    assert!(
        page.shows("Invitation sent; its link works until"),
        "{}",
        page.body
    );
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The token in the newest invitation message still waiting to go out.
async fn queued_token(app: &TestApp) -> String {
    let link: String = sqlx::query_scalar(
        "SELECT link FROM notifications WHERE kind = 'invitation' ORDER BY created_at DESC, id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    link.strip_prefix("/invitations/")
        .expect("an invitation link")
        .to_owned()
}

#[tokio::test]
async fn an_invited_person_joins_from_the_email_and_the_link_works_once() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let ines = invite_ines(&app).await;
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'ines.duarte@halden.example' AND password_hash IS NULL")
            .await,
        1,
        "no password until she chooses one"
    );

    // The message goes out (no SMTP server: the local mailbox); the link is
    // in the e-mail, and the records keep only the token's hash.
    let mailer = Mailer::new(
        None,
        Some("tandem <tandem@halden.example>"),
        "https://tandem.halden.example",
    )
    .unwrap();
    let key = unsubscribe_key(&app.pool).await.unwrap();
    deliver_due(&app.pool, &mailer, &key, app.clock_now())
        .await
        .unwrap();
    let raw: String =
        sqlx::query_scalar("SELECT raw FROM mailbox WHERE recipient LIKE '%ines.duarte%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let raw = raw.replace("=\r\n", "");
    let at = raw
        .find("https://tandem.halden.example/invitations/")
        .expect("the link in the e-mail");
    let token: String = raw[at + "https://tandem.halden.example/invitations/".len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{raw}");
    assert!(raw.contains("Join tandem"), "{raw}");
    assert!(!raw.contains("Choose what reaches you"), "{raw}");
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE link LIKE '/invitations/%'")
            .await,
        0,
        "once sent, the message keeps no usable link"
    );
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitations WHERE token_hash = $1 AND user_id = $2",
    )
    .bind(tandem::auth::token::digest(&token))
    .bind(ines)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 1);

    // Opening the link (twice: a mail scanner, then Ines) changes nothing.
    let url = format!("/invitations/{token}");
    let mut scanner = app.client();
    assert_eq!(scanner.get(&url).await.status, 200);
    let mut browser = app.client();
    let page = browser.get(&url).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Welcome, Ines Duarte"), "{}", page.body);
    assert!(page.shows(EMAIL));
    assert_eq!(
        app.count("SELECT count(*) FROM invitations WHERE accepted_at IS NOT NULL")
            .await,
        0
    );

    // No password works before she chooses one.
    let mut guesser = app.client();
    assert_eq!(
        guesser.login(EMAIL, "any password at all").await.status,
        422
    );

    // Her form: refused whole with a message beside the field, then taken.
    let short = browser
        .post(
            &url,
            &[("password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(short.shows("Use at least 10 characters"), "{}", short.body);
    let differ = browser
        .post(
            &url,
            &[
                ("password", CHOSEN),
                ("confirm_password", "another sentence"),
            ],
        )
        .await;
    assert_eq!(differ.status, 422);
    assert!(differ.shows("The two passwords differ"), "{}", differ.body);
    // Sent three times at once (a double click, a retrying network): one
    // joins, the others find the link used.
    let fields = vec![
        (
            "csrf_token".to_owned(),
            differ.csrf_token().expect("the form's token"),
        ),
        ("password".to_owned(), CHOSEN.to_owned()),
        ("confirm_password".to_owned(), CHOSEN.to_owned()),
    ];
    let answers = browser.post_at_once(&url, &fields, 3).await;
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 410).count(),
        2,
        "{statuses:?}"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(ines)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1, "the form that joined signed her in");

    // The link worked once.
    let mut again = app.client();
    let used = again
        .post(&url, &[("password", CHOSEN), ("confirm_password", CHOSEN)])
        .await;
    assert_eq!(used.status, 410);
    assert!(used.shows("It was used already"), "{}", used.body);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'user.invitation_accept'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'user.invitation_send'")
            .await,
        1
    );

    // From now on she signs in with what she chose.
    let mut later = app.client();
    assert_eq!(later.login(EMAIL, CHOSEN).await.status, 303);
}

#[tokio::test]
async fn an_invitation_expires_in_seven_days_and_a_new_one_or_a_password_replaces_it() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let ines = invite_ines(&app).await;
    let first = format!("/invitations/{}", queued_token(&app).await);
    let mut browser = app.client();
    assert_eq!(browser.get(&first).await.status, 200);

    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let expired = browser.get(&first).await;
    assert_eq!(expired.status, 410);
    assert!(expired.shows("Its seven days are over"), "{}", expired.body);
    // (A fresh sign-in form's token: the page's own is a week old.)
    browser.get("/login").await;
    let refused = browser
        .post(
            &first,
            &[("password", CHOSEN), ("confirm_password", CHOSEN)],
        )
        .await;
    assert_eq!(refused.status, 410);

    let mut admin = app.login("admin@halden.example").await;
    let user_page = admin.get(&format!("/admin/users/{ines}")).await;
    assert!(
        user_page.shows("The invitation expired on"),
        "{}",
        user_page.body
    );
    // The form sent twice (a double click) sends one new invitation.
    let fields = user_page.form_fields(&format!("/admin/users/{ines}/invitation\""));
    let resent = admin
        .post_pairs(&format!("/admin/users/{ines}/invitation"), &fields)
        .await;
    assert_eq!(resent.status, 303, "{}", resent.body);
    let twice = admin
        .post_pairs(&format!("/admin/users/{ines}/invitation"), &fields)
        .await;
    assert!(twice.shows("Already recorded"), "{}", twice.body);
    assert_eq!(
        app.count("SELECT count(*) FROM invitations").await,
        2,
        "the first and one new one"
    );
    // The first message, never sent, is cancelled and keeps no link.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM notifications WHERE kind = 'invitation' AND delivery = 'cancelled' AND link = '/'"
        )
        .await,
        1
    );
    let second = format!("/invitations/{}", queued_token(&app).await);
    assert_ne!(first, second);
    assert_eq!(browser.get(&second).await.status, 200);

    // An initial password chosen by the administrator withdraws it.
    let page = admin.get(&format!("/admin/users/{ines}")).await;
    let fields = page.form_fields(&format!("/admin/users/{ines}/password\""));
    let mut fields: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(name, _)| name != "password")
        .collect();
    fields.push(("password".into(), "an initial password".into()));
    let set = admin
        .post_pairs(&format!("/admin/users/{ines}/password"), &fields)
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let withdrawn = browser.get(&second).await;
    assert_eq!(withdrawn.status, 410);
    assert!(
        withdrawn.shows("replaced by a newer invitation"),
        "{}",
        withdrawn.body
    );

    // A link tandem never made.
    let unknown = browser
        .get(&format!("/invitations/{}", "ab".repeat(32)))
        .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.shows("not one tandem sent"), "{}", unknown.body);
}
