//! Notifications: each message is written with the event it announces, to
//! whoever sits in the seat it is for, listed in the app with a link to the
//! page it is about; a refused or rolled-back write announces nothing.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_ceo_hears_of_a_decision_request_and_the_coo_of_the_answer() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.deploy_freight().await;
    let mut coo = app.login("coo@halden.example").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let ceo_before = app
        .count("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id WHERE u.email = 'ceo@halden.example' AND n.due_at <= n.created_at")
        .await;

    // A refused form announces nothing.
    let refused = coo
        .submit_form(
            &format!("/programmes/{id}/updates/new"),
            "/updates\"",
            &format!("/programmes/{id}/updates"),
            &[("summary", ""), ("question", "Add a second carrier?")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE subject LIKE '%Add a second carrier%'")
            .await,
        0
    );

    let sent = coo
        .submit_form(
            &format!("/programmes/{id}/updates/new"),
            "/updates\"",
            &format!("/programmes/{id}/updates"),
            &[
                ("summary", "Matching agents live on the first carrier."),
                ("ws_name_1", "Matching agents"),
                ("ws_standing_1", "on_plan"),
                ("question", "Add a second carrier this week?"),
                ("options", "Yes; wait a week"),
                ("recommendation", "Yes: the first one is stable."),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let number = app
        .count(&format!(
            "SELECT max(number)::bigint FROM decision_requests WHERE programme_id = '{id}'"
        ))
        .await;

    // The CEO: two more messages (the update and the request), unread,
    // counted in the header, one linking to the decision.
    assert_eq!(
        app.count("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id WHERE u.email = 'ceo@halden.example' AND n.due_at <= n.created_at").await,
        ceo_before + 2
    );
    let list = ceo.get("/account/notifications").await;
    assert_eq!(list.status, 200);
    let decision = format!("/programmes/{id}/decisions/{number}");
    assert!(
        list.shows(&format!(
            "Freight operations agents: decision #{number} needed within 24 hours"
        )),
        "{}",
        list.body
    );
    assert!(list.shows("Add a second carrier this week?"));
    assert!(list.shows("The COO recommends: Yes: the first one is stable."));
    assert!(list.body.contains(&format!("href=\"{decision}\"")));
    assert!(
        list.body
            .contains("<span class=\"visually-hidden\"> unread</span>")
    );
    // Nobody else hears of it: the approvers and ExCo are not asked.
    assert_eq!(
        app.count("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id WHERE u.email <> 'ceo@halden.example' AND n.subject LIKE '%needed within 24 hours%' AND n.link LIKE '%/decisions/%' AND n.created_at > now() - interval '1 hour' AND n.body LIKE '%Add a second carrier this week?%'").await,
        0
    );

    // The link opens the decision; the CEO decides; the COO hears the answer.
    let page = ceo.get(&decision).await;
    assert_eq!(page.status, 200);
    let mut fields = page.form_fields(&format!("action=\"{decision}\""));
    fields.retain(|(k, _)| k != "outcome" && k != "note");
    fields.push(("outcome".into(), "approved".into()));
    fields.push(("note".into(), "Go ahead with the second carrier.".into()));
    let decided = ceo.post_pairs(&decision, &fields).await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    let coo_list = coo.get("/account/notifications").await;
    assert!(
        coo_list.shows(&format!(
            "Freight operations agents: decision #{number} — approved"
        )),
        "{}",
        coo_list.body
    );
    assert!(coo_list.shows("The CEO's note: Go ahead with the second carrier."));

    // Marking read clears the count.
    let read = ceo.post("/account/notifications/read", &[]).await;
    assert_eq!(read.status, 303);
    let after = ceo.get("/account/notifications").await;
    assert!(
        after.shows("notifications marked read") || after.shows("One notification marked read")
    );
    assert!(
        !after
            .body
            .contains("<span class=\"visually-hidden\"> unread</span>")
    );
}

#[tokio::test]
async fn the_committee_and_the_approvers_hear_that_a_held_pack_is_ready() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(crate::helpers::LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let review = ceo.open_november_review(id).await;
    for (client, field, text) in [
        (&mut ceo, "strategy", "Second wave next quarter."),
        (&mut coo, "operations", "Exceptions down to 44 %."),
    ] {
        let saved = client
            .submit_form(
                &review,
                &format!("action=\"{review}\""),
                &review,
                &[(field, text)],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    let subject = "Accounts payable agents: the ExCo pack for November 2026 is ready";
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM notifications WHERE subject = '{subject}'"
        ))
        .await,
        0,
        "nothing before it is held"
    );
    let hold = ceo
        .submit_form(&review, "/hold\"", &format!("{review}/hold"), &[])
        .await;
    assert_eq!(hold.status, 303, "{}", hold.body);

    // Each ExCo member and approver, once; not the two executives.
    let recipients: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM notifications n JOIN users u ON u.id = n.recipient_id
          WHERE n.subject = $1 ORDER BY u.email",
    )
    .bind(subject)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        recipients,
        [
            "cfo@halden.example",
            "cto@halden.example",
            "exco.commercial@halden.example",
            "exco.people@halden.example"
        ]
    );
    let mut exco = app.login("exco.people@halden.example").await;
    let list = exco.get("/account/notifications").await;
    assert!(list.shows(subject), "{}", list.body);
    let pack = format!("{review}/pack");
    assert!(list.body.contains(&format!("href=\"{pack}\"")));
    assert_eq!(exco.get(&pack).await.status, 200);
}

#[tokio::test]
async fn each_signatory_hears_what_changed_since_the_version_they_signed() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let brief = format!("/programmes/{id}/brief");
    app.submit_next_version(id).await;

    let subject =
        "Freight operations agents: version 3 of the deployment brief waits for your signature";
    let messages: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.email, n.body, n.link FROM notifications n JOIN users u ON u.id = n.recipient_id
          WHERE n.subject = $1 ORDER BY u.email",
    )
    .bind(subject)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let emails: Vec<&str> = messages.iter().map(|(e, ..)| e.as_str()).collect();
    assert_eq!(
        emails,
        [
            "ceo@halden.example",
            "cfo@halden.example",
            "coo@halden.example",
            "cto@halden.example"
        ]
    );
    let body = |email: &str| {
        messages
            .iter()
            .find(|(e, ..)| e == email)
            .unwrap()
            .1
            .clone()
    };
    // The COO signed version 2: only the ambition changed since.
    assert!(
        body("coo@halden.example")
            .starts_with("Changed since version 2, which you signed: Competitive ambition."),
        "{}",
        body("coo@halden.example")
    );
    // The CFO last signed version 1: version 2's change too.
    let cfo = body("cfo@halden.example");
    assert!(
        cfo.starts_with("Changed since version 1, which you signed:"),
        "{cfo}"
    );
    assert!(
        cfo.contains("Competitive ambition") && cfo.contains("Investment"),
        "{cfo}"
    );
    assert!(
        messages
            .iter()
            .all(|(_, _, link)| *link == format!("{brief}/versions/3/sign"))
    );
    let mut cfo_client = app.login("cfo@halden.example").await;
    let list = cfo_client.get("/account/notifications").await;
    assert!(list.shows(subject));
}

#[tokio::test]
async fn the_committee_sees_the_next_review_and_the_latest_pack_at_home() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let live = app.programme_id(crate::helpers::LIVE).await;
    let mut exco = app.login("exco.commercial@halden.example").await;
    let home = exco.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.reads("ExCo reviews"), "{}", home.body);
    assert!(
        home.body.contains(&format!(
            "href=\"/programmes/{live}/reviews/{}/pack\"",
            demo.review_month
        )),
        "{}",
        home.body
    );
    // The CEO opens the next review: the committee sees its day.
    let mut ceo = app.login("ceo@halden.example").await;
    ceo.open_november_review(live).await;
    let home = exco.get("/").await;
    assert!(
        home.reads("Accounts payable agents: next review meets on Wednesday 9 December 2026"),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn a_new_warning_sign_is_told_once_to_the_ceo_and_the_coo() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    // The demo's matrix change routed the COO through the CTO: both heard of it once.
    let told = |email: &'static str| {
        format!(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id
              WHERE u.email = '{email}' AND n.kind = 'warning_sign'
                AND n.subject = 'Freight operations agents: a warning sign appeared — The COO routed through the CTO'"
        )
    };
    assert_eq!(app.count(&told("ceo@halden.example")).await, 1);
    assert_eq!(app.count(&told("coo@halden.example")).await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id WHERE n.kind = 'warning_sign' AND u.email LIKE 'exco%'").await,
        0
    );
    // Recomputing the signs while it stands tells nobody again.
    let id = app.programme_id("Freight operations agents").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let page = ceo.get(&format!("/programmes/{id}/health")).await;
    let mut fields = page.form_fields("/health/statement\"");
    crate::helpers::set(
        &mut fields,
        "sentence",
        "Agents take the routine freight work; people keep judgement.",
    );
    let saved = ceo
        .post_pairs(&format!("/programmes/{id}/health/statement"), &fields)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(app.count(&told("ceo@halden.example")).await, 1);
}

#[tokio::test]
async fn a_blind_rating_round_asks_the_other_executive_without_telling_the_rating() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    app.other_organisation().await;
    // In the demo, the COO has rated this month; the CEO has not.
    let (round, rating, why): (String, String, String) = sqlx::query_as(
        "SELECT r.round, r.rating, r.why FROM status_ratings r JOIN programmes p ON p.id = r.programme_id
          WHERE p.name = $1 AND r.seat = 'coo'
            AND NOT EXISTS (SELECT 1 FROM status_ratings c WHERE c.programme_id = r.programme_id AND c.round = r.round AND c.seat = 'ceo')",
    )
    .bind(crate::helpers::LIVE)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut ceo = app.login("ceo@halden.example").await;
    let list = ceo.get("/account/notifications").await;
    let subject =
        format!("Accounts payable agents: your blind status rating for {round} is awaited");
    assert!(list.shows(&subject), "{}", list.body);
    assert!(list.shows("The COO gave a blind rating"));
    // What was rated, and why, is in no message to anyone.
    let leaks = app
        .count(&format!(
            "SELECT count(*) FROM notifications WHERE kind = 'rating_round'
               AND (body ILIKE '%{rating}%' OR subject ILIKE '%{rating}%' OR body LIKE '%{}%')",
            why.replace('\'', "''")
        ))
        .await;
    assert_eq!(leaks, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM mailbox WHERE raw LIKE '%' || (SELECT why FROM status_ratings WHERE seat = 'coo' ORDER BY rated_at DESC LIMIT 1) || '%'").await,
        0
    );
    // No message ever went to someone of another organisation.
    assert_eq!(
        app.count("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id WHERE u.organisation_id <> n.organisation_id").await,
        0
    );
}

/// Signs version `number` of the demo's brief (or rejects it, with a reason).
async fn decide_version(
    client: &mut crate::helpers::Client,
    id: uuid::Uuid,
    number: i32,
    reason: Option<&str>,
) -> crate::helpers::Page {
    let sign = format!("/programmes/{id}/brief/versions/{number}/sign");
    let page = client.get(&sign).await;
    let mut fields = page.form_fields("/sign\" novalidate");
    let decision = if reason.is_some() { "reject" } else { "sign" };
    fields.push(("decision".into(), decision.into()));
    crate::helpers::set(&mut fields, "password", crate::helpers::PASSWORD);
    if let Some(reason) = reason {
        crate::helpers::set(&mut fields, "reason", reason);
    }
    client.post_pairs(&sign, &fields).await
}

#[tokio::test]
async fn the_last_signature_and_a_rejection_reach_the_ceo_and_the_coo() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let to_both = |kind: &str| {
        format!(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id
              WHERE n.kind = '{kind}' AND u.email IN ('ceo@halden.example', 'coo@halden.example')
                AND n.link LIKE '/programmes/{id}/%'"
        )
    };
    // Version 2 waits for the CFO alone: her signature completes it.
    let reminders = format!(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id
          WHERE u.email = 'cfo@halden.example' AND n.reason LIKE 'sign:{id}:%' AND n.delivery = 'queued'"
    );
    assert!(app.count(&reminders).await > 0, "the CFO's reminders wait");
    let signed_before = app.count(&to_both("brief_signed")).await;
    let mut cfo = app.login("cfo@halden.example").await;
    assert_eq!(decide_version(&mut cfo, id, 2, None).await.status, 303);
    assert_eq!(app.count(&reminders).await, 0, "her reminders stop");
    assert_eq!(app.count(&to_both("brief_signed")).await, signed_before + 2);
    let mut ceo = app.login("ceo@halden.example").await;
    let list = ceo.get("/account/notifications").await;
    assert!(list.shows(
        "Freight operations agents: version 2 of the deployment brief is signed by everyone"
    ));

    // A rejection of the next version tells both, with the reason, and
    // stops every signatory's reminders.
    app.submit_next_version(id).await;
    let waiting = format!(
        "SELECT count(*) FROM notifications WHERE reason LIKE 'sign:{id}:%' AND delivery = 'queued'"
    );
    assert!(app.count(&waiting).await > 0);
    let rejected = decide_version(&mut cfo, id, 3, Some("The ambition needs a number.")).await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    assert_eq!(
        app.count(&waiting).await,
        0,
        "nobody is reminded of a rejected version"
    );
    assert_eq!(app.count(&to_both("brief_rejected")).await, 2);
    let list = ceo.get("/account/notifications").await;
    assert!(
        list.shows("rejected version 3 of the deployment brief"),
        "{}",
        list.body
    );
    assert!(list.shows("The ambition needs a number."));
}

/// The number in the header's notifications link, if any.
fn badge(page: &crate::client::Page) -> Option<String> {
    let (_, rest) = page.body.split_once("<span class=\"count\">")?;
    Some(rest.split_once('<')?.0.to_owned())
}

#[tokio::test]
async fn the_unread_count_takes_a_reminder_from_its_due_time_and_says_99_plus_beyond() {
    use chrono::Duration;
    use tandem::db::notifications::{self, Timing};
    use tandem::domain::notify::{Kind, Message};

    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut ceo = app.login("ceo@halden.example").await;
    let (organisation, ceo_id): (uuid::Uuid, uuid::Uuid) =
        sqlx::query_as("SELECT organisation_id, id FROM users WHERE email = 'ceo@halden.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let read = ceo.post("/account/notifications/read", &[]).await;
    assert_eq!(read.status, 303);
    assert_eq!(badge(&ceo.get("/").await), None);

    // A reminder due in twenty minutes (within the idle timeout), queued
    // as a write queues it.
    let now = app.clock_now();
    let message = |subject: &str| Message {
        kind: Kind::DecisionReminder,
        subject: subject.to_owned(),
        body: "Four hours are left.".to_owned(),
        link: "/".to_owned(),
        by_when: None,
    };
    let mut tx = app.pool.begin().await.unwrap();
    notifications::queue_to_user(
        &mut tx,
        organisation,
        ceo_id,
        &message("A reminder for later"),
        Timing::later(now, now + Duration::minutes(20), "test-reminder"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.assert_kept_documents_are_current().await;
    assert_eq!(badge(&ceo.get("/").await), None, "not due yet");
    app.clock.advance(Duration::minutes(20));
    assert_eq!(badge(&ceo.get("/").await).as_deref(), Some("1"), "due now");

    // Withdrawn, it no longer counts.
    let mut tx = app.pool.begin().await.unwrap();
    notifications::cancel(&mut tx, organisation, "test-reminder")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.assert_kept_documents_are_current().await;
    assert_eq!(badge(&ceo.get("/").await), None);

    // A backlog of 150: the badge says 99+, the list offers to mark all.
    let mut tx = app.pool.begin().await.unwrap();
    for n in 0..150 {
        notifications::queue_to_user(
            &mut tx,
            organisation,
            ceo_id,
            &message(&format!("Backlog {n}")),
            Timing::now(app.clock_now()),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    app.assert_kept_documents_are_current().await;
    let list = ceo.get("/account/notifications").await;
    assert_eq!(badge(&list).as_deref(), Some("99+"), "{}", list.body);
    assert!(list.shows("Mark all read"), "{}", list.body);
    let read = ceo.post("/account/notifications/read", &[]).await;
    assert_eq!(read.status, 303);
    let after = ceo.get("/account/notifications").await;
    assert!(
        after.shows("150 notifications marked read"),
        "{}",
        after.body
    );
    assert_eq!(badge(&after), None);
    app.assert_kept_documents_are_current().await;
}
