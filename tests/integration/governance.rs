//! The governance framework at work (SPEC §12): the register, override
//! rates, incidents with the serious clock, suspending by the override owner
//! of the signed framework and resuming by the COO and the CEO, the pack,
//! the health sign, the home page, the messages and the API.

use uuid::Uuid;

use crate::helpers::TestApp;

/// The live programme and its agent called `name`.
async fn agent(app: &TestApp, name: &str) -> (Uuid, Uuid) {
    sqlx::query_as(
        "SELECT a.programme_id, a.id FROM agents a JOIN programmes p ON p.id = a.programme_id
          WHERE p.name = 'Accounts payable agents' AND a.name = $1",
    )
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// A form's fields as a browser would send them, with `changes` applied
/// (added when the form has no such field checked yet).
fn fill(
    page: &crate::helpers::Page,
    marker: &str,
    changes: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut fields = page.form_fields(marker);
    for (name, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

async fn state_of(app: &TestApp, agent: Uuid) -> String {
    sqlx::query_scalar("SELECT state FROM agents WHERE id = $1")
        .bind(agent)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_serious_incident_is_acknowledged_by_both_and_its_agent_resumed_by_both() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, matcher) = agent(&app, "Invoice matcher").await;
    let register = format!("/programmes/{id}/agents");
    let mut coo = app.login("coo@halden.example").await;

    // The register: the three agents, the signed framework, the trend.
    let page = coo.get(&register).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for name in ["Invoice matcher", "Dispute drafter", "Customs filer"] {
        assert!(page.reads(name), "{name}");
    }
    assert!(page.reads("Approve a matched invoice for payment — Acts and logs · 95 % · CFO"));
    assert!(page.reads("A rate above the COO's threshold of 5 % is flagged."));
    assert!(page.reads("Invoice matcher: Approve a matched invoice for payment"));
    assert!(page.reads("Above the threshold"));
    assert!(page.reads("Customs declarations filed with an outdated tariff list"));

    // A bad incident form comes back with what was typed; nothing stored.
    let marker = format!("action=\"/programmes/{id}/incidents\"");
    let before = app.count("SELECT count(*) FROM incidents").await;
    let bad = coo
        .post_pairs(
            &format!("/programmes/{id}/incidents"),
            &fill(
                &page,
                &marker,
                &[("title", "Paid twice"), ("detected_at", "2099-01-01 10:00")],
            ),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.reads("Choose how grave it is."));
    assert!(bad.reads("Write what happened."));
    assert!(bad.body.contains("value=\"Paid twice\""));
    assert_eq!(app.count("SELECT count(*) FROM incidents").await, before);

    // The COO records a serious incident on the invoice matcher.
    let recorded = coo
        .post_pairs(
            &format!("/programmes/{id}/incidents"),
            &fill(
                &page,
                &marker,
                &[
                    ("severity", "serious"),
                    ("title", "Invoices paid twice"),
                    (
                        "what_happened",
                        "The matcher approved 14 invoices a second time after a retry.",
                    ),
                    ("agent", &matcher.to_string()),
                    ("detected_at", "2026-11-16 08:00"),
                ],
            ),
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    let number: i32 =
        sqlx::query_scalar("SELECT max(number) FROM incidents WHERE programme_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let incident = format!("/programmes/{id}/incidents/{number}");
    assert_eq!(recorded.location(), incident);
    let shown = coo.get(&incident).await;
    assert!(shown.reads("Invoices paid twice"));
    assert!(shown.reads("left to acknowledge"), "{}", shown.body);
    // Both executives were told at once, and an overdue message waits.
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE kind = 'incident_serious'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE kind = 'incident_overdue' AND delivery = 'queued'")
            .await,
        2
    );
    let mut ceo = app.login("ceo@halden.example").await;
    assert!(
        ceo.get("/")
            .await
            .reads(&format!("Acknowledge serious incident #{number}"))
    );

    // The CFO, override owner of payment approvals, suspends the matcher.
    let mut cfo = app.login("cfo@halden.example").await;
    let agent_page = format!("/programmes/{id}/agents/{matcher}");
    let page = cfo.get(&agent_page).await;
    assert!(page.reads("As its override owner (CFO) you may suspend it at once."));
    let suspend = format!("/programmes/{id}/agents/{matcher}/suspend");
    let empty = cfo
        .post_pairs(
            &suspend,
            &fill(&page, &format!("action=\"{suspend}\""), &[]),
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.reads("Write why."));
    let done = cfo
        .post_pairs(
            &suspend,
            &fill(
                &page,
                &format!("action=\"{suspend}\""),
                &[("reason", "It pays invoices twice.")],
            ),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(state_of(&app, matcher).await, "suspended");
    // The ExCo cannot, nor can a stale form.
    let stale = cfo
        .post_pairs(
            &suspend,
            &fill(
                &page,
                &format!("action=\"{suspend}\""),
                &[("reason", "Again.")],
            ),
        )
        .await;
    assert_eq!(stale.status, 409);
    let mut exco = app.login("exco.commercial@halden.example").await;
    assert!(!exco.get(&agent_page).await.reads("you may suspend it"));
    // The programme page, the dashboard and the pipeline say so.
    for path in [
        format!("/programmes/{id}"),
        format!("/programmes/{id}/dashboard"),
    ] {
        assert!(
            exco.get(&path)
                .await
                .reads("Suspended agent: Invoice matcher."),
            "{path}"
        );
    }
    assert!(
        exco.get(&format!("/programmes/{id}/pipeline"))
            .await
            .reads("Invoice matcher Suspended")
    );

    // Acknowledgements: the CEO, then the COO; the clock stops.
    let ack = format!("/programmes/{id}/incidents/{number}/acknowledge");
    let page = ceo.get(&incident).await;
    let acknowledged = ceo
        .post_pairs(&ack, &fill(&page, "id=\"acknowledge\"", &[]))
        .await;
    assert_eq!(acknowledged.status, 303, "{}", acknowledged.body);
    let page = coo.get(&incident).await;
    coo.post_pairs(&ack, &fill(&page, "id=\"acknowledge\"", &[]))
        .await;
    assert!(
        coo.get(&incident)
            .await
            .reads("Acknowledged by the CEO and the COO")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE kind = 'incident_overdue' AND delivery = 'queued'")
            .await,
        0,
        "the overdue messages are withdrawn"
    );

    // After a serious incident the COO's decision alone does not resume it.
    let resume = format!("/programmes/{id}/agents/{matcher}/resume");
    let page = coo.get(&agent_page).await;
    let first = coo
        .post_pairs(
            &resume,
            &fill(
                &page,
                &format!("action=\"{resume}\""),
                &[("reason", "Retries are idempotent now.")],
            ),
        )
        .await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(state_of(&app, matcher).await, "suspended");
    assert_eq!(
        app.count("SELECT count(*) FROM notifications WHERE kind = 'resume_requested'")
            .await,
        1
    );
    let page = ceo.get(&agent_page).await;
    assert!(page.reads("Your decision as CEO is needed to resume it."));
    ceo.post_pairs(
        &resume,
        &fill(
            &page,
            &format!("action=\"{resume}\""),
            &[("reason", "Agreed with the CFO.")],
        ),
    )
    .await;
    assert_eq!(state_of(&app, matcher).await, "live");
    let history = exco.get(&agent_page).await;
    for line in [
        "Suspended",
        "Decided to resume",
        "Resumed",
        "It pays invoices twice.",
    ] {
        assert!(history.reads(line), "{line}");
    }
    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE action LIKE 'agent.%' OR action LIKE 'incident.%'")
        .await;
    assert!(
        audited >= 6,
        "{audited} governance entries in the audit log"
    );
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn an_unacknowledged_serious_incident_becomes_a_warning_sign_and_goes_into_the_pack() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, filer) = agent(&app, "Customs filer").await;
    let mut coo = app.login("coo@halden.example").await;
    let page = coo.get(&format!("/programmes/{id}/agents")).await;
    let held: String = sqlx::query_scalar(
        "SELECT max(month) FROM exco_reviews WHERE programme_id = $1 AND held_at IS NOT NULL",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let pack_before = coo
        .get(&format!("/programmes/{id}/reviews/{held}/pack"))
        .await
        .body;
    coo.post_pairs(
        &format!("/programmes/{id}/incidents"),
        &fill(
            &page,
            &format!("action=\"/programmes/{id}/incidents\""),
            &[
                ("severity", "serious"),
                ("title", "Declarations sent to the wrong country"),
                (
                    "what_happened",
                    "Three declarations went to the wrong authority.",
                ),
                ("agent", &filer.to_string()),
                ("detected_at", "2026-11-16 07:00"),
            ],
        ),
    )
    .await;
    let health = format!("/programmes/{id}/health");
    assert!(
        coo.get(&health)
            .await
            .reads("A serious incident waits for acknowledgement")
    );
    app.clock.advance(chrono::Duration::hours(25));
    // A day later the session has ended: the COO signs in again.
    let mut coo = app.login("coo@halden.example").await;
    let page = coo.get(&health).await;
    assert!(page.reads("clock ran out on"), "{}", page.body);
    assert!(
        page.body
            .contains("sign-standing\" aria-labelledby=\"incident-title\"")
    );
    let history = &page.body[page.body.find("id=\"history-title\"").unwrap()..];
    assert!(
        history.contains("A serious incident not acknowledged in time"),
        "the history of the signs has its spell"
    );
    // The held pack is frozen: the new incident is not in it.
    let pack_after = coo
        .get(&format!("/programmes/{id}/reviews/{held}/pack"))
        .await
        .body;
    let agents_part = |body: &str| {
        let start = body.find("id=\"pack-agents\"").expect("the pack's agents");
        let end = body
            .find("id=\"pack-decisions\"")
            .expect("the pack's decisions");
        body[start..end].to_owned()
    };
    assert_eq!(agents_part(&pack_before), agents_part(&pack_after));
    assert!(!pack_after.contains("Declarations sent to the wrong country"));
    // The next review shows it, and holds it in its pack.
    let next: String =
        sqlx::query_scalar("SELECT to_char((($1 || '-01')::date + interval '1 month'), 'YYYY-MM')")
            .bind(&held)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let open = coo
        .post(
            &format!("/programmes/{id}/reviews"),
            &[("month", &next), ("meeting_on", "2026-11-30")],
        )
        .await;
    assert!(open.status == 303 || open.status == 409, "{}", open.body);
    let review = coo.get(&format!("/programmes/{id}/reviews/{next}")).await;
    assert!(
        review.reads("Declarations sent to the wrong country"),
        "{}",
        review.body
    );
    assert!(review.reads("not acknowledged by both"));

    // Held, the pack keeps it; later edits of the incident do not reach it.
    let review_path = format!("/programmes/{id}/reviews/{next}");
    let held = coo
        .submit_form(
            &review_path,
            &format!("action=\"{review_path}/hold\""),
            &format!("{review_path}/hold"),
            &[],
        )
        .await;
    assert_eq!(held.status, 303, "{}", held.body);
    let number: i32 =
        sqlx::query_scalar("SELECT max(number) FROM incidents WHERE programme_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let incident = format!("/programmes/{id}/incidents/{number}");
    let edited = coo
        .submit_form(
            &incident,
            &format!("action=\"{incident}\""),
            &incident,
            &[(
                "follow_up",
                "Declarations now checked against the destination.",
            )],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let pack = coo.get(&format!("{review_path}/pack")).await;
    assert!(pack.reads("Declarations sent to the wrong country"));
    assert!(!pack.reads("checked against the destination"));
    let verify = coo.get(&format!("{review_path}/verify")).await;
    assert!(verify.reads("Intact"), "{}", verify.body);
}

#[tokio::test]
async fn a_process_whose_agents_are_all_suspended_cannot_go_live() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, filer) = agent(&app, "Customs filer").await;
    let process: uuid::Uuid = sqlx::query_scalar("SELECT process_id FROM agents WHERE id = $1")
        .bind(filer)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // Customs is deploying (set here: its gates do not hold in the demo).
    sqlx::query("UPDATE processes SET stage = 'deploying' WHERE id = $1")
        .bind(process)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut coo = app.login("coo@halden.example").await;
    let agent_page = format!("/programmes/{id}/agents/{filer}");
    let suspended = coo
        .submit_form(
            &agent_page,
            &format!("action=\"{agent_page}/suspend\""),
            &format!("{agent_page}/suspend"),
            &[("reason", "The tariff list is wrong again.")],
        )
        .await;
    assert_eq!(suspended.status, 303, "{}", suspended.body);
    let pipeline = format!("/programmes/{id}/pipeline");
    let stage = format!("{pipeline}/{process}/stage");
    let refused = coo
        .submit_form(
            &pipeline,
            &format!("action=\"{stage}\""),
            &stage,
            &[("to", "live"), ("note", "Go")],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.reads("Every agent working in this process is suspended."));
    // Resumed by the COO (a major incident only), the process may go live.
    coo.submit_form(
        &agent_page,
        &format!("action=\"{agent_page}/resume\""),
        &format!("{agent_page}/resume"),
        &[("reason", "Checked.")],
    )
    .await;
    let moved = coo
        .submit_form(
            &pipeline,
            &format!("action=\"{stage}\""),
            &stage,
            &[("to", "live"), ("note", "Go")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
}

#[tokio::test]
async fn the_platform_reports_overrides_and_decision_counts_once() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, matcher) = agent(&app, "Invoice matcher").await;
    let writer = crate::api::token(&app, id, "overrides").await;
    let reader = crate::api::token(&app, id, "read").await;
    let call = |method: Method, path: String, token: String, body: Option<String>| {
        let app = &app;
        async move { crate::api::api(app, method, &path, Some(&token), body.as_deref()).await }
    };
    let url = format!("/api/v1/programmes/{id}/agents/{matcher}/overrides");
    let body = serde_json::json!({
        "id": "ovr-1", "decision": "d1", "at": "2026-11-15T10:00:00Z",
        "role": "team_lead", "category": "wrong_outcome", "note": "Wrong supplier",
    })
    .to_string();
    let before = app.count("SELECT count(*) FROM agent_overrides").await;
    let first = call(
        Method::POST,
        url.clone(),
        writer.clone(),
        Some(body.clone()),
    )
    .await;
    assert_eq!(first.0, 201, "{:?}", first.2);
    let again = call(
        Method::POST,
        url.clone(),
        writer.clone(),
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        (again.0, again.2["outcome"].as_str()),
        (200, Some("unchanged"))
    );
    let changed = body.replace("Wrong supplier", "Something else");
    assert_eq!(
        call(Method::POST, url.clone(), writer.clone(), Some(changed))
            .await
            .0,
        409
    );
    assert_eq!(
        app.count("SELECT count(*) FROM agent_overrides").await,
        before + 1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'agent.override_record' AND after->>'external_id' = 'ovr-1'")
            .await,
        1
    );
    // A read token may not; a decision type the agent does not handle is refused.
    assert_eq!(
        call(
            Method::POST,
            url.clone(),
            reader.clone(),
            Some(body.clone())
        )
        .await
        .0,
        403
    );
    let other = body.replace("ovr-1", "ovr-2").replace("\"d1\"", "\"d3\"");
    let refused = call(Method::POST, url.clone(), writer.clone(), Some(other)).await;
    assert_eq!(refused.0, 422, "{:?}", refused.2);

    let counts = format!("/api/v1/programmes/{id}/agents/{matcher}/decisions/d1/2026-10");
    let n = r#"{"decisions": 700}"#.to_owned();
    let first = call(Method::PUT, counts.clone(), writer.clone(), Some(n.clone())).await;
    assert_eq!(first.0, 200, "{:?}", first.2);
    let same = call(Method::PUT, counts.clone(), writer.clone(), Some(n.clone())).await;
    assert_eq!(same.2["outcome"].as_str(), Some("unchanged"));
    assert_eq!(
        app.count("SELECT c.decisions::bigint FROM agent_decision_counts c JOIN agents a ON a.id = c.agent_id WHERE a.name = 'Invoice matcher' AND c.month = '2026-10'")
            .await,
        700
    );
    let future = format!("/api/v1/programmes/{id}/agents/{matcher}/decisions/d1/2027-05");
    assert_eq!(
        call(Method::PUT, future, writer.clone(), Some(n)).await.0,
        422
    );
    let list = call(
        Method::GET,
        format!("/api/v1/programmes/{id}/agents"),
        reader,
        None,
    )
    .await;
    assert_eq!(list.0, 200);
    assert!(list.2.to_string().contains("Customs filer"));
    app.assert_kept_documents_are_current().await;
}

/// The flash message after a form.
async fn flash(browser: &fantoccini::Client) -> String {
    use fantoccini::Locator;
    browser
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_override_owner_suspends_an_agent_and_the_executives_resume_it_in_a_real_browser() {
    use crate::browser::{Driver, click, shot, sign_in, submit, type_into};
    use fantoccini::Locator;

    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, matcher) = agent(&app, "Invoice matcher").await;
    let driver = Driver::start().await;
    let base = &app.base;

    // The COO records a serious incident on the invoice matcher.
    let coo = driver.browser(1400, 1000).await;
    sign_in(&coo, &app, "coo@halden.example").await;
    coo.goto(&format!("{base}/programmes/{id}/agents"))
        .await
        .unwrap();
    shot(&coo, "agent-register.png").await;
    click(
        &coo,
        Locator::XPath("//summary[text()='Record an incident']"),
    )
    .await;
    click(&coo, Locator::Id("severity-serious")).await;
    type_into(&coo, Locator::Id("title"), "Invoices paid twice").await;
    type_into(
        &coo,
        Locator::Id("what_happened"),
        "A retry made the matcher approve fourteen invoices a second time.",
    )
    .await;
    coo.find(Locator::Css("#incidents form select#agent"))
        .await
        .unwrap()
        .select_by_value(&matcher.to_string())
        .await
        .unwrap();
    type_into(&coo, Locator::Id("detected_at"), "2026-11-16 08:30").await;
    submit(
        &coo,
        Locator::XPath("//button[text()='Record the incident']"),
    )
    .await;
    let recorded = flash(&coo).await;
    assert!(recorded.contains("is recorded"), "{recorded}");
    assert!(recorded.contains("within 24 hours"), "{recorded}");
    shot(&coo, "incident-recorded.png").await;

    // The CFO, the override owner of payment approvals, suspends it.
    let cfo = driver.browser(390, 844).await;
    sign_in(&cfo, &app, "cfo@halden.example").await;
    cfo.goto(&format!("{base}/programmes/{id}/agents/{matcher}"))
        .await
        .unwrap();
    type_into(&cfo, Locator::Id("reason"), "It pays invoices twice.").await;
    submit(
        &cfo,
        Locator::XPath("//button[starts-with(text(), 'Suspend')]"),
    )
    .await;
    assert!(flash(&cfo).await.contains("is suspended"));
    assert_eq!(state_of(&app, matcher).await, "suspended");
    shot(&cfo, "agent-suspended-phone.png").await;

    // The CEO acknowledges the incident from her home page and decides
    // the resumption too (a serious incident).
    let ceo = driver.browser(1400, 1000).await;
    sign_in(&ceo, &app, "ceo@halden.example").await;
    click(
        &ceo,
        Locator::XPath("//a[starts-with(normalize-space(.), 'Acknowledge serious incident')]"),
    )
    .await;
    submit(
        &ceo,
        Locator::XPath("//button[text()='Acknowledge as CEO']"),
    )
    .await;
    assert!(flash(&ceo).await.contains("You acknowledged incident"));
    ceo.goto(&format!("{base}/programmes/{id}/agents/{matcher}"))
        .await
        .unwrap();
    type_into(&ceo, Locator::Id("reason"), "Agreed with the CFO.").await;
    submit(
        &ceo,
        Locator::XPath("//button[starts-with(text(), 'Resume')]"),
    )
    .await;
    assert!(
        flash(&ceo)
            .await
            .contains("stays suspended until the other executive decides")
    );

    // The COO acknowledges and resumes it.
    coo.goto(&format!("{base}/programmes/{id}/incidents/3"))
        .await
        .unwrap();
    submit(
        &coo,
        Locator::XPath("//button[text()='Acknowledge as COO']"),
    )
    .await;
    flash(&coo).await;
    coo.goto(&format!("{base}/programmes/{id}/agents/{matcher}"))
        .await
        .unwrap();
    type_into(&coo, Locator::Id("reason"), "Retries are idempotent now.").await;
    submit(
        &coo,
        Locator::XPath("//button[starts-with(text(), 'Resume')]"),
    )
    .await;
    assert_eq!(flash(&coo).await, "Invoice matcher is live again.");
    assert_eq!(state_of(&app, matcher).await, "live");
    shot(&coo, "agent-resumed.png").await;

    // The next ExCo review, once opened, shows the incident, acknowledged.
    let opened = app
        .login("coo@halden.example")
        .await
        .post(
            &format!("/programmes/{id}/reviews"),
            &[("month", "2026-11"), ("meeting_on", "2026-11-30")],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    coo.goto(&format!("{base}/programmes/{id}/reviews/2026-11"))
        .await
        .unwrap();
    let review = coo.source().await.unwrap();
    assert!(
        review.contains("#3 Invoices paid twice"),
        "the review shows it"
    );
    assert!(review.contains("acknowledged by the CEO and the COO"));
    for browser in [coo, cfo, ceo] {
        browser.close().await.unwrap();
    }
}

#[tokio::test]
async fn the_coo_registers_edits_and_retires_an_agent_and_a_stale_form_gets_the_conflict_page() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, drafter) = agent(&app, "Dispute drafter").await;
    let mut coo = app.login("coo@halden.example").await;
    let register = format!("/programmes/{id}/agents");
    let page = coo.get(&register).await;
    let marker = format!("action=\"/programmes/{id}/agents\"");
    let process: String = sqlx::query_scalar("SELECT process_id::text FROM agents WHERE id = $1")
        .bind(drafter)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let accountable: String =
        sqlx::query_scalar("SELECT id::text FROM users WHERE email = 'cfo@halden.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    // A name already taken, and a decision type of another process.
    let mut fields = fill(
        &page,
        &marker,
        &[
            ("name", "invoice MATCHER"),
            ("process", &process),
            ("provider", "In-house model"),
            ("accountable", &accountable),
        ],
    );
    fields.push(("decisions".into(), "d3".into()));
    let refused = coo.post_pairs(&register, &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.reads("Choose decision types the governance framework sets for"));
    let fields: Vec<_> = fields
        .into_iter()
        .map(|(k, v)| {
            if k == "decisions" {
                (k, "d1".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let taken = coo.post_pairs(&register, &fields).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert!(taken.reads("This programme already has an agent of that name."));
    let fields: Vec<_> = fields
        .into_iter()
        .map(|(k, v)| {
            if k == "name" {
                (k, "Payment checker".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let made = coo.post_pairs(&register, &fields).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let again = coo.post_pairs(&register, &fields).await;
    assert!(
        again.reads("Already recorded"),
        "a double click registers once"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM agents WHERE name = 'Payment checker'")
            .await,
        1
    );

    // An edit from a page read before another edit gets the conflict page.
    let agent_page = format!("/programmes/{id}/agents/{drafter}");
    let stale = coo.get(&agent_page).await;
    let marker = format!("action=\"{agent_page}\"");
    let saved = coo
        .post_pairs(
            &agent_page,
            &fill(
                &stale,
                &marker,
                &[("provider", "Partner platform, model v3")],
            ),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let conflict = coo
        .post_pairs(
            &agent_page,
            &fill(&stale, &marker, &[("provider", "Other")]),
        )
        .await;
    assert_eq!(conflict.status, 409);
    assert!(
        coo.get(&agent_page)
            .await
            .reads("Partner platform, model v3")
    );

    // Retired with a reason; it leaves the override form.
    let page = coo.get(&agent_page).await;
    let retire = format!("{agent_page}/retire");
    let marker = format!("action=\"{retire}\"");
    let empty = coo.post_pairs(&retire, &fill(&page, &marker, &[])).await;
    assert_eq!(empty.status, 422);
    assert!(empty.reads("Write why."));
    let retired = coo
        .post_pairs(
            &retire,
            &fill(
                &page,
                &marker,
                &[("retire_reason", "Disputes go back to people.")],
            ),
        )
        .await;
    assert_eq!(retired.status, 303, "{}", retired.body);
    assert_eq!(state_of(&app, drafter).await, "retired");
    let history = coo.get(&agent_page).await;
    assert!(history.reads("Retired"));
    assert!(history.reads("Disputes go back to people."));
    assert!(
        !history.reads("Edit its entry"),
        "a retired agent's entry stays"
    );
    app.assert_kept_documents_are_current().await;
}
