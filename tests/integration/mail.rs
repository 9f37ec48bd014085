//! E-mail delivery against a real SMTP server (maildev): who receives what,
//! with which links and headers; once and only once under crashes and two
//! instances; retries and failure when the server is down; reminders that
//! fall due and stop when their reason goes; the local mailbox without SMTP.

use chrono::{Duration, TimeZone, Utc};
use tandem::db::outbox;
use tandem::mail::Mailer;
use tandem::mail::outbox::{Report, deliver_due, unsubscribe_key};
use uuid::Uuid;

use crate::helpers::{Client, TestApp};
use crate::maildev::{MailDev, header};

/// tandem's public address in these tests: links and `Message-ID`s use it.
const BASE: &str = "https://tandem.halden.example";

fn mailer(smtp: Option<&MailDev>) -> Mailer {
    Mailer::new(
        smtp.map(MailDev::url).as_deref(),
        Some("tandem <tandem@halden.example>"),
        BASE,
    )
    .unwrap()
}

/// One delivery pass at `at`.
async fn deliver(app: &TestApp, mailer: &Mailer, at: chrono::DateTime<Utc>) -> Report {
    let key = unsubscribe_key(&app.pool).await.unwrap();
    deliver_due(&app.pool, mailer, &key, at).await.unwrap()
}

/// Queues `count` test messages to the demo's administrator, due now, as
/// another instance's writes would.
async fn queue_test_messages(app: &TestApp, count: usize) {
    sqlx::query(
        "INSERT INTO notifications (id, organisation_id, recipient_id, kind, subject, body, link, created_at, due_at, send_after)
         SELECT gen_random_uuid(), u.organisation_id, u.id, 'test', 'Test ' || g, 'Body', '/admin/mail', $1, $1, $1
           FROM users u, generate_series(1, $2) g WHERE u.email = 'admin@halden.example'",
    )
    .bind(app.clock_now())
    .bind(i32::try_from(count).unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
}

/// The COO writes this week's update with a decision request; its number.
async fn raise(app: &TestApp, coo: &mut Client, id: Uuid, question: &str) -> i64 {
    let sent = coo
        .submit_form(
            &format!("/programmes/{id}/updates/new"),
            "/updates\"",
            &format!("/programmes/{id}/updates"),
            &[
                ("summary", "Matching agents live on the first carrier."),
                ("ws_name_1", "Matching agents"),
                ("ws_standing_1", "on_plan"),
                ("question", question),
                ("options", "Yes; wait a week"),
                ("recommendation", "Yes: the first one is stable."),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    app.count(&format!(
        "SELECT max(number)::bigint FROM decision_requests WHERE programme_id = '{id}'"
    ))
    .await
}

/// The CEO decides request `number`.
async fn decide(ceo: &mut Client, id: Uuid, number: i64) {
    let decision = format!("/programmes/{id}/decisions/{number}");
    let page = ceo.get(&decision).await;
    let mut fields = page.form_fields(&format!("action=\"{decision}\""));
    fields.retain(|(k, _)| k != "outcome" && k != "note");
    fields.push(("outcome".into(), "approved".into()));
    fields.push(("note".into(), "Go ahead.".into()));
    let decided = ceo.post_pairs(&decision, &fields).await;
    assert_eq!(decided.status, 303, "{}", decided.body);
}

#[tokio::test]
async fn the_ceo_is_mailed_a_decision_request_and_the_coo_the_answer() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.deploy_freight().await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    // What the demo queued goes first; then only the new messages count.
    deliver(&app, &mailer, app.clock_now()).await;
    let before = smtp.messages().await.len();

    let mut coo = app.login("coo@halden.example").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let number = raise(&app, &mut coo, id, "Add a second carrier this week?").await;
    // The CEO receives two messages: the update, and the request.
    let report = deliver(&app, &mailer, app.clock_now()).await;
    assert_eq!(report.sent, 2, "{report:?}");
    let all = smtp.messages().await;
    assert_eq!(all.len(), before + 2);
    let subject = format!("Freight operations agents: decision #{number} needed within 24 hours");
    let to_ceo = smtp.to("ceo@halden.example").await;
    let mail = to_ceo
        .iter()
        .find(|m| m["subject"] == subject.as_str())
        .unwrap();
    let text = mail["text"].as_str().unwrap();
    let html = mail["html"].as_str().unwrap();
    let link = format!("{BASE}/programmes/{id}/decisions/{number}");
    for part in [text, html] {
        assert!(part.contains("Add a second carrier this week?"), "{part}");
        assert!(part.contains("The COO recommends: Yes: the first one is stable."));
        assert!(part.contains(&link), "{part}");
    }
    // The deadline, 24 hours on, in the reader's zone (UTC by default).
    let deadline = (app.clock_now() + Duration::hours(24))
        .format("By: %A %-d %B %Y, %H:%M UTC")
        .to_string();
    assert!(text.contains(&deadline), "{text}");
    let row: Uuid = sqlx::query_scalar(
        "SELECT n.id FROM notifications n JOIN users u ON u.id = n.recipient_id
          WHERE u.email = 'ceo@halden.example' AND n.subject = $1",
    )
    .bind(&subject)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        header(mail, "message-id"),
        format!("<{row}@halden.example>")
    );
    assert_eq!(header(mail, "auto-submitted"), "auto-generated");
    assert!(!header(mail, "date").is_empty());
    // A request addressed to the CEO cannot be switched off: no unsubscribe.
    assert_eq!(header(mail, "list-unsubscribe"), "");

    // The link opens the decision (after sign-in); the CEO decides; the COO hears.
    let page = ceo.get(link.strip_prefix(BASE).unwrap()).await;
    assert_eq!(page.status, 200);
    decide(&mut ceo, id, number).await;
    deliver(&app, &mailer, app.clock_now()).await;
    let to_coo = smtp.to("coo@halden.example").await;
    let answer = to_coo.last().unwrap();
    assert_eq!(
        answer["subject"],
        format!("Freight operations agents: decision #{number} — approved")
    );
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("The CEO's note: Go ahead.")
    );

    // The reminder and the deadline message were withdrawn: a day later,
    // nothing more goes out.
    let later = deliver(&app, &mailer, app.clock_now() + Duration::hours(30)).await;
    assert_eq!(later.sent, 0, "{later:?}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM notifications WHERE reason = 'decision:{id}:{number}' AND delivery = 'cancelled'"
        ))
        .await,
        3,
        "the CEO's reminder, and the deadline message to the CEO and the COO"
    );
}

#[tokio::test]
async fn an_undecided_request_reminds_the_ceo_then_tells_both_at_the_deadline() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.deploy_freight().await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    let mut coo = app.login("coo@halden.example").await;
    let number = raise(&app, &mut coo, id, "Extend the pilot to night shifts?").await;
    let now = app.clock_now();
    deliver(&app, &mailer, now).await;
    let ceo_before = smtp.to("ceo@halden.example").await.len();

    // 19 hours on: nothing new. 20 hours on: the reminder, with one-click unsubscribe.
    assert_eq!(
        deliver(&app, &mailer, now + Duration::hours(19)).await.sent,
        0
    );
    assert_eq!(
        deliver(&app, &mailer, now + Duration::hours(20)).await.sent,
        1
    );
    let to_ceo = smtp.to("ceo@halden.example").await;
    assert_eq!(to_ceo.len(), ceo_before + 1);
    let reminder = to_ceo.last().unwrap();
    assert_eq!(
        reminder["subject"],
        format!("Freight operations agents: 4 hours left to decide #{number}")
    );
    let unsubscribe = header(reminder, "list-unsubscribe");
    assert!(
        unsubscribe.starts_with(&format!("<{BASE}/unsubscribe/")),
        "{unsubscribe}"
    );
    assert_eq!(
        header(reminder, "list-unsubscribe-post"),
        "List-Unsubscribe=One-Click"
    );

    // At the deadline: the CEO and the COO.
    let report = deliver(&app, &mailer, now + Duration::hours(24)).await;
    assert_eq!(report.sent, 2, "{report:?}");
    for email in ["ceo@halden.example", "coo@halden.example"] {
        let last = smtp.to(email).await.pop().unwrap();
        assert_eq!(
            last["subject"],
            format!("Freight operations agents: decision #{number} passed its 24 hours undecided")
        );
    }
    // The reminder shows in the CEO's list from its due time on.
    app.clock.advance(Duration::hours(21));
    let mut ceo = app.login("ceo@halden.example").await;
    let list = ceo.get("/account/notifications").await;
    assert!(
        list.shows(&format!("4 hours left to decide #{number}")),
        "{}",
        list.body
    );
    assert!(!list.shows("passed its 24 hours undecided"));
}

#[tokio::test]
async fn signatories_are_reminded_every_three_days_until_they_sign() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    app.submit_next_version(id).await;
    let now = app.clock_now();
    deliver(&app, &mailer, now).await;
    let cfo = smtp.to("cfo@halden.example").await;
    let asked = cfo.last().unwrap();
    assert!(
        asked["subject"]
            .as_str()
            .unwrap()
            .ends_with("waits for your signature"),
        "{asked}"
    );
    assert!(asked["text"].as_str().unwrap().contains("/brief/versions/"));

    // Three days on: every signatory who has not decided is reminded once.
    let reminded = deliver(&app, &mailer, now + Duration::days(3)).await;
    assert!(reminded.sent >= 2, "{reminded:?}");
    let last = smtp.to("cfo@halden.example").await.pop().unwrap();
    assert!(
        last["subject"].as_str().unwrap().starts_with("Reminder: "),
        "{last}"
    );
    assert!(last["text"].as_str().unwrap().contains("reminder 1 of 3"));

    // The CFO signs: her remaining reminders are withdrawn, the others' stay.
    let (number,): (i32,) =
        sqlx::query_as("SELECT max(number) FROM brief_versions WHERE programme_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut cfo_client = app.login("cfo@halden.example").await;
    let sign = format!("/programmes/{id}/brief/versions/{number}/sign");
    let page = cfo_client.get(&sign).await;
    let mut fields = page.form_fields("/sign\" novalidate");
    fields.push(("decision".into(), "sign".into()));
    crate::helpers::set(&mut fields, "password", crate::helpers::PASSWORD);
    let signed = cfo_client.post_pairs(&sign, &fields).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let cfo_count = smtp.to("cfo@halden.example").await.len();
    deliver(&app, &mailer, now + Duration::days(10)).await;
    assert_eq!(smtp.to("cfo@halden.example").await.len(), cfo_count);
    // The CTO, still undecided, had all three reminders, and no more.
    let cto: Vec<_> = smtp
        .to("cto@halden.example")
        .await
        .into_iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("Reminder: "))
        .collect();
    assert_eq!(cto.len(), 3);
    let asked = |m: &serde_json::Value| m["subject"].as_str().unwrap().contains("signature");
    let before = smtp.messages().await.iter().filter(|m| asked(m)).count();
    deliver(&app, &mailer, now + Duration::days(30)).await;
    assert_eq!(
        smtp.messages().await.iter().filter(|m| asked(m)).count(),
        before
    );
}

#[tokio::test]
async fn a_message_claimed_by_a_process_that_died_goes_out_once_after_its_lease() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.deploy_freight().await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    let now = app.clock_now();
    deliver(&app, &mailer, now).await;
    let before = smtp.messages().await.len();
    let mut coo = app.login("coo@halden.example").await;
    raise(&app, &mut coo, id, "Move the cut-off to 18:00?").await;

    // A process claims the messages (the update and the request, to the
    // CEO) and dies before sending them.
    let claimed = outbox::claim(&app.pool, now, 20).await.unwrap();
    assert_eq!(claimed.len(), 2);
    drop(claimed);
    // While its lease runs, no other process takes them.
    assert_eq!(
        deliver(&app, &mailer, now + Duration::minutes(1))
            .await
            .sent,
        0
    );
    // After it, one does — once, under the same Message-IDs.
    let after = now + outbox::LEASE + Duration::seconds(1);
    assert_eq!(deliver(&app, &mailer, after).await.sent, 2);
    assert_eq!(deliver(&app, &mailer, after).await.sent, 0);
    let all = smtp.messages().await;
    assert_eq!(all.len(), before + 2);
    let row: Uuid = sqlx::query_scalar(
        "SELECT id FROM notifications WHERE kind = 'decision_requested' AND subject LIKE '%needed within%' AND delivery = 'sent' ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let request = all
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("needed within"))
        .unwrap();
    assert_eq!(
        header(request, "message-id"),
        format!("<{row}@halden.example>")
    );
    assert_eq!(
        app.count(&format!(
            "SELECT attempts::bigint FROM notifications WHERE id = '{row}'"
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn two_instances_deliver_each_message_once() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let smtp = MailDev::start().await;
    let (one, two) = (mailer(Some(&smtp)), mailer(Some(&smtp)));
    deliver(&app, &one, app.clock_now()).await;
    let before = smtp.messages().await.len();
    // Sixty test messages to the administrator, queued at once.
    queue_test_messages(&app, 60).await;
    let now = app.clock_now();
    let (a, b) = tokio::join!(deliver(&app, &one, now), deliver(&app, &two, now));
    assert_eq!(a.sent + b.sent, 60, "{a:?} {b:?}");
    let all = smtp.messages().await;
    assert_eq!(all.len(), before + 60);
    let mut ids: Vec<&str> = all.iter().map(|m| header(m, "message-id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "a Message-ID arrived twice");
}

#[tokio::test]
async fn with_the_server_down_messages_are_retried_then_failed_and_nothing_is_lost() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let smtp = MailDev::start().await;
    let down = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", smtp.smtp_port)),
        Some("tandem <tandem@halden.example>"),
        BASE,
    )
    .unwrap();
    let up = mailer(Some(&smtp));
    deliver(&app, &up, app.clock_now()).await;
    let mut admin = app.login("admin@halden.example").await;
    let sent = admin.post("/admin/mail/test", &[]).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    smtp.stop().await;

    // Each pass fails and schedules the next attempt later, until the last.
    let mut at = app.clock_now();
    let mut retried = 0;
    loop {
        let report = deliver(&app, &down, at).await;
        if report.failed == 1 {
            break;
        }
        assert_eq!(report.retried, 1, "{report:?}");
        retried += 1;
        let next: chrono::DateTime<Utc> =
            sqlx::query_scalar("SELECT send_after FROM notifications WHERE kind = 'test'")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert!(next > at);
        at = next;
    }
    assert_eq!(retried, outbox::MAX_ATTEMPTS - 1);
    assert!(
        at - app.clock_now() > Duration::hours(20),
        "gave up at {at}"
    );

    // The administrator sees it failed, with the server's answer, and tries again.
    let page = admin.get("/admin/mail").await;
    assert_eq!(page.status, 200);
    let outbox = &page.body[page.body.find("<h2>Outbox").unwrap()..];
    assert!(page.reads("failed after 20 attempts"), "{outbox}");
    assert!(page.reads("The server said: gave up after 20 attempts: Connection error"));
    let row: Uuid = sqlx::query_scalar("SELECT id FROM notifications WHERE kind = 'test'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let retry = admin.post(&format!("/admin/mail/{row}/retry"), &[]).await;
    assert_eq!(retry.status, 303, "{}", retry.body);
    let smtp = MailDev::start().await;
    let back = Mailer::new(
        Some(&smtp.url()),
        Some("tandem <tandem@halden.example>"),
        BASE,
    )
    .unwrap();
    assert_eq!(deliver(&app, &back, at).await.sent, 1);
    let received = smtp.to("admin@halden.example").await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["subject"], "tandem test message");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action IN ('mail.test', 'mail.retry')")
            .await,
        2
    );
}

#[tokio::test]
async fn without_smtp_messages_land_in_the_local_mailbox_for_the_administrator() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let local = mailer(None);
    let mut admin = app.login("admin@halden.example").await;
    let page = admin.get("/admin/mail").await;
    assert!(page.shows("No SMTP server is set"), "{}", page.body);
    // The form sent twice (a double click) queues one test message.
    let fields = page.form_fields("/admin/mail/test\"");
    let sent = admin.post_pairs("/admin/mail/test", &fields).await;
    assert_eq!(sent.status, 303);
    let again = admin.post_pairs("/admin/mail/test", &fields).await;
    assert!(again.shows("Already recorded"), "{}", again.body);
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE kind = 'test'")
            .await,
        1
    );
    assert!(deliver(&app, &local, app.clock_now()).await.sent >= 1);
    let row: Uuid = sqlx::query_scalar("SELECT id FROM notifications WHERE kind = 'test'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = admin.get("/admin/mail").await;
    assert!(
        page.body.contains(&format!("/admin/mail/{row}")),
        "{}",
        page.body
    );
    let message = admin.get(&format!("/admin/mail/{row}")).await;
    assert_eq!(message.status, 200);
    assert!(
        message.shows(&format!("Message-ID: &lt;{row}@halden.example&gt;"))
            || message.body.contains(&format!("{row}@halden.example"))
    );
    assert!(message.shows("Auto-Submitted: auto-generated"));
    assert!(message.shows("tandem test message"));
    // Another organisation's administrator cannot read it.
    let other = app.other_organisation().await;
    let mut stranger = app.login(&other.admin_email).await;
    assert_eq!(
        stranger.get(&format!("/admin/mail/{row}")).await.status,
        404
    );
    let theirs = stranger.get("/admin/mail").await;
    assert!(!theirs.shows("tandem test message"));
}

#[tokio::test]
async fn each_reader_sets_a_time_zone_and_switches_a_kind_off_or_unsubscribes_in_one_click() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.deploy_freight().await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    let mut ceo = app.login("ceo@halden.example").await;

    // A time zone that is not one is refused beside the field, as typed.
    let form = ceo.get("/account/notifications/settings").await;
    assert_eq!(form.status, 200);
    assert!(
        form.reads("Signature requested Always by e-mail: it is addressed to you"),
        "{}",
        form.body
    );
    let mut fields = form.form_fields("/account/notifications/settings\"");
    crate::helpers::set(&mut fields, "time_zone", "Mars/Olympus");
    let refused = ceo
        .post_pairs("/account/notifications/settings", &fields)
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("Type a time zone by its IANA name"));
    assert!(refused.body.contains("value=\"Mars/Olympus\""));
    crate::helpers::set(&mut fields, "time_zone", "Asia/Tokyo");
    let saved = ceo
        .post_pairs("/account/notifications/settings", &fields)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    // The same form again is stale: a conflict, nothing overwritten.
    crate::helpers::set(&mut fields, "time_zone", "Europe/Paris");
    let stale = ceo
        .post_pairs("/account/notifications/settings", &fields)
        .await;
    assert_eq!(stale.status, 409);

    // The deadline of a request now reads in Tokyo time, in the mail and in the app.
    let mut coo = app.login("coo@halden.example").await;
    raise(&app, &mut coo, id, "Open a second customs lane?").await;
    deliver(&app, &mailer, app.clock_now()).await;
    let tokyo = (app.clock_now() + Duration::hours(24))
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("By: %A %-d %B %Y, %H:%M JST")
        .to_string();
    let to_ceo = smtp.to("ceo@halden.example").await;
    let mail = to_ceo
        .iter()
        .rfind(|m| m["subject"].as_str().unwrap().contains("needed within"))
        .unwrap();
    assert!(
        mail["text"].as_str().unwrap().contains(&tokyo),
        "{}",
        mail["text"]
    );
    let list = ceo.get("/account/notifications").await;
    assert!(list.reads(&tokyo), "{}", list.body);
    // The zone the session reads is the copy kept on her row.
    app.assert_kept_documents_are_current().await;

    // The reminder carries one-click unsubscribe. A GET only asks; the
    // mail client's POST, with no session and no token, switches it off.
    deliver(&app, &mailer, app.clock_now() + Duration::hours(20)).await;
    let reminder = smtp.to("ceo@halden.example").await.pop().unwrap();
    let link = header(&reminder, "list-unsubscribe")
        .trim_matches(['<', '>'])
        .strip_prefix(BASE)
        .unwrap()
        .to_owned();
    let mut stranger = app.client();
    let ask = stranger.get(&link).await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.shows("Stop “Decision reminder” e-mails?"),
        "{}",
        ask.body
    );
    let settings = |email: &str| {
        format!(
            "SELECT count(*) FROM notification_settings s JOIN users u ON u.id = s.user_id
              WHERE u.email = '{email}' AND s.choices ->> 'decision_reminder' = 'off'"
        )
    };
    assert_eq!(app.count(&settings("ceo@halden.example")).await, 0);
    let done = stranger
        .post_raw(&link, &[("List-Unsubscribe", "One-Click")])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.shows("no more “Decision reminder” e-mails"));
    assert_eq!(app.count(&settings("ceo@halden.example")).await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'notifications.settings'")
            .await,
        2
    );
    // A forged or altered link finds nothing; a request cannot be switched off.
    let forged = link.replace("decision_reminder", "update_due");
    assert_eq!(stranger.post_raw(&forged, &[]).await.status, 404);
    let fixed = link.replace("decision_reminder", "decision_requested");
    assert_eq!(stranger.get(&fixed).await.status, 404);

    // The next request's reminder stays in the app only.
    let week = app
        .count(&format!(
            "SELECT max(week)::bigint FROM weekly_updates WHERE programme_id = '{id}'"
        ))
        .await;
    let update = format!("/programmes/{id}/updates/{week}");
    let page = coo.get(&update).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut fields = page.form_fields("/requests\"");
    crate::helpers::set(&mut fields, "question", "Move the customs cut-off?");
    crate::helpers::set(&mut fields, "options", "Yes; no");
    crate::helpers::set(&mut fields, "recommendation", "Yes");
    let second = coo.post_pairs(&format!("{update}/requests"), &fields).await;
    assert_eq!(second.status, 303, "{}", second.body);
    deliver(&app, &mailer, app.clock_now()).await;
    let before = smtp.to("ceo@halden.example").await.len();
    let report = deliver(&app, &mailer, app.clock_now() + Duration::hours(20)).await;
    assert!(report.held >= 1, "{report:?}");
    assert_eq!(smtp.to("ceo@halden.example").await.len(), before);
}

#[tokio::test]
async fn the_deploying_programmes_clock_reaches_the_coo_and_the_update_the_ceo() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id("Accounts receivable agents").await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    // The demo's mailbox already holds this Monday's call for the week 3
    // update (the test clock is Monday 16 November, 09:00 UTC)…
    let mut admin = app.login("admin@halden.example").await;
    let mail = admin.get("/admin/mail").await;
    assert!(
        mail.reads("Accounts receivable agents: write the week 3 update"),
        "{}",
        mail.body
    );
    // The COO writes it: the CEO receives the one-page summary in the
    // message itself, and Sunday's reminder is withdrawn.
    let mut coo = app.login("coo@halden.example").await;
    let sent = coo
        .submit_form(
            &format!("/programmes/{id}/updates/new"),
            "/updates\"",
            &format!("/programmes/{id}/updates"),
            &[
                ("summary", "Cash application runs on two entities."),
                ("ws_name_1", "Cash application agents"),
                ("ws_standing_1", "at_risk"),
                ("ws_note_1", "Remittance advice arrives as scanned paper."),
                ("blockers", "The bank's file format changes on 1 December."),
                ("question", "Pay for the bank's structured remittance feed?"),
                ("options", "Yes; no"),
                ("recommendation", "Yes: it removes the scanning."),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM notifications WHERE reason = 'update:{id}:3' AND delivery = 'cancelled'"
        ))
        .await,
        1
    );
    deliver(&app, &mailer, app.clock_now()).await;
    let to_ceo = smtp.to("ceo@halden.example").await;
    let update = to_ceo
        .iter()
        .find(|m| m["subject"] == "Accounts receivable agents: the COO's update for week 3")
        .expect("the update reaches the CEO");
    let text = update["text"].as_str().unwrap();
    for line in [
        "Cash application runs on two entities.",
        "Cash application agents — Remittance advice arrives as scanned paper.: At risk",
        "The bank's file format changes on 1 December.",
        "Pay for the bank's structured remittance feed?",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(
        update["html"]
            .as_str()
            .unwrap()
            .contains("Cash application runs on two entities.")
    );
    // The request came too, on its own.
    assert!(to_ceo.iter().any(|m| {
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Accounts receivable agents: decision #2 needed within 24 hours")
    }));

    // No reminder on Sunday; on the next Monday morning, week 4 begins.
    let sunday = app.clock_now() + Duration::days(6);
    deliver(&app, &mailer, sunday).await;
    assert!(!smtp.to("coo@halden.example").await.iter().any(|m| {
        m["subject"]
            .as_str()
            .unwrap()
            .contains("week 3 update is due today")
    }));
    deliver(&app, &mailer, app.clock_now() + Duration::days(7)).await;
    let to_coo = smtp.to("coo@halden.example").await;
    let monday = to_coo
        .iter()
        .rfind(|m| m["subject"].as_str().unwrap().contains("update"))
        .unwrap();
    assert_eq!(
        monday["subject"],
        "Accounts receivable agents: write the week 4 update"
    );
    assert!(
        monday["text"]
            .as_str()
            .unwrap()
            .contains(&format!("{BASE}/programmes/{id}/updates/new"))
    );
}

#[tokio::test]
async fn a_missing_review_part_is_chased_and_a_written_one_is_not() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let live = app.programme_id(crate::helpers::LIVE).await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    let mut ceo = app.login("ceo@halden.example").await;
    ceo.open_november_review(live).await;
    deliver(&app, &mailer, app.clock_now()).await;
    for email in ["ceo@halden.example", "coo@halden.example"] {
        let last = smtp.to(email).await.pop().unwrap();
        assert_eq!(
            last["subject"],
            "Accounts payable agents: the ExCo review of November 2026 is open for your part"
        );
    }
    // The COO writes the operations part; three days before the meeting
    // only the CEO, whose part is missing, is reminded.
    let review = format!("/programmes/{live}/reviews/2026-11");
    let mut coo = app.login("coo@halden.example").await;
    let page = coo.get(&review).await;
    let mut fields = page.form_fields(&format!("action=\"{review}\""));
    crate::helpers::set(&mut fields, "operations", "Exception rate down to 9 %.");
    let written = coo.post_pairs(&review, &fields).await;
    assert_eq!(written.status, 303, "{}", written.body);
    let morning = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
        .and_utc();
    let before = smtp.messages().await.len();
    deliver(&app, &mailer, morning).await;
    let chased: Vec<_> = smtp.messages().await.into_iter().skip(before).collect();
    let subjects: Vec<&str> = chased
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"Reminder: Accounts payable agents — your part of the November 2026 ExCo review is missing"),
        "{subjects:?}"
    );
    let to: Vec<&str> = chased
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .contains("ExCo review is missing")
        })
        .map(|m| m["to"][0]["address"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["ceo@halden.example"]);
}

#[tokio::test]
async fn the_weekly_digest_goes_out_at_each_readers_hour_in_their_zone() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    // The COO moves the digest to Friday 17:00 in New York; the CEO keeps
    // the default, Monday 08:00 UTC. An approver has none until asking.
    let mut coo = app.login("coo@halden.example").await;
    let form = coo.get("/account/notifications/settings").await;
    let mut fields = form.form_fields("/account/notifications/settings\"");
    crate::helpers::set(&mut fields, "time_zone", "America/New_York");
    crate::helpers::set(&mut fields, "digest_day", "5");
    crate::helpers::set(&mut fields, "digest_hour", "17");
    let saved = coo
        .post_pairs("/account/notifications/settings", &fields)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    // (The test clock: Monday 16 November 2026, 09:00 UTC.)
    deliver(&app, &mailer, app.clock_now()).await;
    let due: Vec<(String, chrono::DateTime<Utc>)> = sqlx::query_as(
        "SELECT u.email, n.due_at FROM notifications n JOIN users u ON u.id = n.recipient_id
          WHERE n.kind = 'digest' AND n.delivery = 'queued' ORDER BY u.email",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
    assert_eq!(
        due,
        [
            ("ceo@halden.example".to_owned(), at(23, 8)),
            // Friday 20 November, 17:00 in New York (UTC−5).
            ("coo@halden.example".to_owned(), at(20, 22)),
        ]
    );
    // Friday 22:00 UTC: the COO's digest, and only it.
    let before = smtp.messages().await.len();
    deliver(&app, &mailer, at(20, 22)).await;
    let new: Vec<_> = smtp
        .messages()
        .await
        .into_iter()
        .skip(before)
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Your week in tandem")
        })
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    let digest = &new[0];
    assert_eq!(digest["to"][0]["address"], "coo@halden.example");
    assert!(
        digest["subject"]
            .as_str()
            .unwrap()
            .starts_with("Your week in tandem")
    );
    let text = digest["text"].as_str().unwrap();
    for expected in [
        "Accounts payable agents (post-deployment)",
        "Automated processing rate:",
        "against a target of",
        "Accounts receivable agents (deploying)",
        "Decisions:",
        "What needs you:",
        "Write the week 3 update — Accounts receivable agents",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    // Never a blind rating, never another organisation's programme.
    assert!(
        !text.contains("rating") && !text.contains("Rating"),
        "{text}"
    );
    assert!(header(digest, "list-unsubscribe").contains("/digest/"));
    // The next one is queued a week on; the app lists the one sent.
    let next: chrono::DateTime<Utc> = sqlx::query_scalar(
        "SELECT n.due_at FROM notifications n JOIN users u ON u.id = n.recipient_id
          WHERE u.email = 'coo@halden.example' AND n.kind = 'digest' AND n.delivery = 'queued'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(next, at(27, 22));
    app.clock.advance(Duration::days(5));
    let mut coo = app.login("coo@halden.example").await;
    let list = coo.get("/account/notifications").await;
    assert!(
        list.shows("Write the week 3 update — Accounts receivable agents"),
        "{}",
        list.body
    );
}

/// The delivery loop of a real `tandem serve`: a message queued by another
/// process (a second instance, say) goes out within seconds of its commit.
#[tokio::test]
async fn tandem_serve_delivers_a_message_within_seconds_of_its_commit() {
    let (owner, name) = crate::helpers::fresh_database().await;
    let password = tandem::domain::values::NewPassword::parse(crate::helpers::PASSWORD).unwrap();
    tandem::demo::load(&owner, &password, Utc::now())
        .await
        .unwrap();
    let smtp = MailDev::start().await;
    let options = owner.connect_options();
    let host = options.get_socket().map_or_else(
        || options.get_host().to_owned(),
        |socket| socket.display().to_string(),
    );
    let url = |user: &str| {
        format!(
            "postgres:///{name}?host={host}&port={}&user={user}",
            options.get_port()
        )
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("serve")
        .env("DATABASE_URL", url(tandem::db::APP_ROLE))
        .env("TANDEM_OWNER_DATABASE_URL", url(options.get_username()))
        .env("TANDEM_ADDR", format!("127.0.0.1:{port}"))
        .env("TANDEM_BASE_URL", BASE)
        .env("TANDEM_SMTP_URL", smtp.url())
        .env("TANDEM_MAIL_FROM", "tandem <tandem@halden.example>")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && response.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if !ready {
        server.kill().await.unwrap();
        let output = server.wait_with_output().await.unwrap();
        panic!(
            "tandem serve did not become ready on {}: {}",
            url("x"),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Let the loop settle on what the demo left queued, then queue one.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let before = smtp.messages().await.len();
    sqlx::query(
        "INSERT INTO notifications (id, organisation_id, recipient_id, kind, subject, body, link, created_at, due_at, send_after)
         SELECT gen_random_uuid(), organisation_id, id, 'test', 'Hello from another instance', 'Body', '/admin/mail', now(), now(), now()
           FROM users WHERE email = 'admin@halden.example'",
    )
    .execute(&owner)
    .await
    .unwrap();
    let mut arrived = None;
    for _ in 0..100 {
        let messages = smtp.messages().await;
        if messages.len() > before {
            arrived = Some(messages);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let messages = arrived.expect("the message went out within 10 seconds");
    assert_eq!(messages.len(), before + 1);
    assert_eq!(messages[before]["subject"], "Hello from another instance");
    server.kill().await.unwrap();
}

#[tokio::test]
async fn a_programme_in_preparation_calls_its_weekly_session_with_the_open_actions() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    // Last week's session was skipped: this Monday's call is already in the
    // demo's mailbox; the CEO and the COO record this week's now.
    let mut ceo = app.login("ceo@halden.example").await;
    let form = ceo.get(&format!("/programmes/{id}/sessions/new")).await;
    assert_eq!(form.status, 200);
    let mut fields = form.form_fields(&format!("/programmes/{id}/sessions\""));
    crate::helpers::set(&mut fields, "held_on", "2026-11-16");
    crate::helpers::set(&mut fields, "attendees", "Maren Holt, Tomasz Reyes");
    crate::helpers::set(
        &mut fields,
        "action_title_1",
        "Send the board the revised narrative",
    );
    crate::helpers::set(&mut fields, "action_owner_1", "ceo");
    crate::helpers::set(&mut fields, "action_due_1", "2026-11-20");
    let recorded = ceo
        .post_pairs(&format!("/programmes/{id}/sessions"), &fields)
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    // Next Monday at 08:00: both hear that week's session is due, with the
    // open items, the new one among them.
    let monday = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    deliver(&app, &mailer, monday).await;
    for email in ["ceo@halden.example", "coo@halden.example"] {
        let call = smtp
            .to(email)
            .await
            .into_iter()
            .find(|m| {
                m["subject"] == "Freight operations agents: this week's alignment session is due"
            })
            .unwrap_or_else(|| panic!("{email} is called to the session"));
        let text = call["text"].as_str().unwrap();
        assert!(
            text.contains(
                "Send the board the revised narrative (CEO, due 20 November, carried over)"
            ),
            "{text}"
        );
    }
    // The new action, due on Friday 20th: its owner heard on Thursday morning.
    let ceo_mail = smtp.to("ceo@halden.example").await;
    assert!(ceo_mail.iter().any(|m| {
        m["subject"] == "Freight operations agents: an action of yours is due tomorrow"
            && m["text"]
                .as_str()
                .unwrap()
                .contains("Send the board the revised narrative")
    }));
}

/// A deliverer killed at an arbitrary point of its work — between a claim
/// and a send, or after the server accepted a message and before its row
/// was marked — loses nothing: after the lease, another delivers the rest,
/// and anything sent twice carries the same `Message-ID`.
#[tokio::test]
async fn a_deliverer_killed_mid_batch_loses_nothing() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let smtp = MailDev::start().await;
    let mailer = mailer(Some(&smtp));
    let now = app.clock_now();
    deliver(&app, &mailer, now).await;
    let before = smtp.messages().await.len();
    const QUEUED: usize = 120;
    queue_test_messages(&app, QUEUED).await;
    // Kill it once some messages have gone out.
    let pool = app.pool.clone();
    let doomed = mailer.clone();
    let key = unsubscribe_key(&app.pool).await.unwrap();
    let worker = tokio::spawn(async move { deliver_due(&pool, &doomed, &key, now).await });
    loop {
        if smtp.messages().await.len() >= before + QUEUED / 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    worker.abort();
    let _ = worker.await;
    let sent_before_kill = smtp.messages().await.len() - before;
    let leased = app
        .count("SELECT count(*) FROM notifications WHERE kind = 'test' AND delivery = 'queued' AND lease_until IS NOT NULL")
        .await;
    // After the lease, another deliverer finishes.
    deliver(&app, &mailer, now + outbox::LEASE + Duration::seconds(1)).await;
    let all: Vec<_> = smtp.messages().await.into_iter().skip(before).collect();
    let mut ids: Vec<&str> = all.iter().map(|m| header(m, "message-id")).collect();
    ids.sort_unstable();
    ids.dedup();
    eprintln!(
        "crash test: {QUEUED} queued, {sent_before_kill} delivered before the kill, {leased} under lease at the kill, \
         {} deliveries in all, {} distinct Message-IDs, {} duplicates",
        all.len(),
        ids.len(),
        all.len() - ids.len()
    );
    assert_eq!(ids.len(), QUEUED, "every message arrived");
    assert!(
        all.len() - ids.len() <= tandem::mail::outbox::BATCH as usize,
        "duplicates only of the batch in flight"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE kind = 'test' AND delivery <> 'sent'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_message_the_server_refuses_for_good_fails_at_once() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    // This server wants a login tandem does not give: it answers 5xx.
    let smtp =
        MailDev::start_with(&["--incoming-user", "relay", "--incoming-pass", "secret"]).await;
    let mailer = mailer(Some(&smtp));
    let mut admin = app.login("admin@halden.example").await;
    assert_eq!(admin.post("/admin/mail/test", &[]).await.status, 303);
    let report = deliver(&app, &mailer, app.clock_now()).await;
    assert!(report.failed >= 1 && report.retried == 0, "{report:?}");
    let (attempts, error): (i32, String) = sqlx::query_as(
        "SELECT attempts, last_error FROM notifications WHERE kind = 'test' AND delivery = 'failed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(attempts, 1, "no retry after a permanent refusal");
    assert!(
        error.contains("permanent") || error.contains("53"),
        "{error}"
    );
    let page = admin.get("/admin/mail").await;
    assert!(page.reads("failed after 1 attempt"), "{}", page.body);
    assert!(smtp.messages().await.is_empty());
}
