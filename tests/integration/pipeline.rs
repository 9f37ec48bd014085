//! The expansion pipeline: processes kept in step with the brief's scope,
//! go-live gates judged on today's values with their evidence, the move to
//! deploying refused while a gate fails, and the ExCo's decisions recorded
//! against processes and held in the review's pack.

use uuid::Uuid;

use crate::helpers::TestApp;

/// The live programme and the id of its process called `name`.
async fn process(app: &TestApp, name: &str) -> (Uuid, Uuid) {
    sqlx::query_as(
        "SELECT p.id, pr.id FROM processes pr JOIN programmes p ON p.id = pr.programme_id
          WHERE p.name = 'Accounts payable agents' AND pr.name = $1",
    )
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn stage_of(app: &TestApp, process: Uuid) -> String {
    sqlx::query_scalar("SELECT stage FROM processes WHERE id = $1")
        .bind(process)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_coo_sees_which_gates_hold_and_cannot_start_a_process_while_one_fails() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, customs) = process(&app, "Customs documentation").await;
    let (_, booking) = process(&app, "Carrier booking exceptions").await;
    let pipeline = format!("/programmes/{id}/pipeline");
    let mut coo = app.login("coo@halden.example").await;

    // The page: the plan as signed, the stages, each gate with its weeks.
    let page = coo.get(&pipeline).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.reads("Freight invoice matching"));
    assert!(page.reads("Investment required €900,000"));
    assert!(page.reads("Exception rate below 40 % for 4 consecutive weeks — Not met"));
    assert!(page.reads("Automated processing rate above 45 % for 4 consecutive weeks — Holds"));
    assert!(page.reads("It cannot start deploying yet"));
    assert!(page.reads("Approved to proceed — Second wave, once its gates hold."));
    let week =
        chrono::Datelike::iso_week(&(app.clock_now().date_naive() - chrono::Duration::days(7)));
    assert!(
        page.reads(&format!("week {}, {}", week.week(), week.year())),
        "the evidence names the last complete week"
    );

    // Starting customs is refused, naming the failing gate; nothing moves.
    let audit_before = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'pipeline.move'")
        .await;
    let stage_form = format!("action=\"/programmes/{id}/pipeline/{customs}/stage\"");
    let refused = coo
        .submit_form(
            &pipeline,
            &stage_form,
            &format!("{pipeline}/{customs}/stage"),
            &[("to", "deploying"), ("note", "Start the second wave")],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.reads("Customs documentation cannot move to deploying yet"));
    assert!(refused.reads("Gate not met: Exception rate below 40 % for 4 consecutive weeks"));
    assert!(
        !refused.reads("Automated processing rate above 45 %"),
        "a holding gate is not named"
    );
    assert_eq!(stage_of(&app, customs).await, "approved");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'pipeline.move'")
            .await,
        audit_before
    );

    // A gate form with a bad threshold comes back with the message and
    // what was typed; nothing is stored.
    let gates_before = app.count("SELECT count(*) FROM process_gates").await;
    let gate_form = format!("action=\"/programmes/{id}/pipeline/{booking}/gates\"");
    let bad = coo
        .submit_form(
            &pipeline,
            &gate_form,
            &format!("{pipeline}/{booking}/gates"),
            &[
                ("metric", "exception-rate"),
                ("comparator", "below"),
                ("threshold", "forty"),
                ("periods", "40"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.reads("Enter a number, such as 41.5 (no letters)."));
    assert!(bad.reads("Give a whole number of periods from 1 to 26."));
    assert!(bad.body.contains("value=\"forty\""));
    assert_eq!(
        app.count("SELECT count(*) FROM process_gates").await,
        gates_before
    );

    // A gate the values meet, on the third process.
    let set = coo
        .submit_form(
            &pipeline,
            &gate_form,
            &format!("{pipeline}/{booking}/gates"),
            &[
                ("metric", "exception-rate"),
                ("comparator", "below"),
                ("threshold", "60"),
                ("periods", "2"),
            ],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let page = coo.get(&pipeline).await;
    assert!(page.reads("Exception rate below 60 % for 2 consecutive weeks — Holds"));
    // Stages keep their order: a candidate does not jump to live.
    let jump = coo
        .post(
            &format!("{pipeline}/{booking}/stage"),
            &[("to", "live"), ("version", "1")],
        )
        .await;
    assert_eq!(jump.status, 409);
    assert!(jump.reads("A process that is candidate cannot become live."));

    // The COO removes the failing gate: customs may start, and its move is
    // recorded with who and when.
    let failing: Uuid = sqlx::query_scalar(
        "SELECT id FROM process_gates WHERE process_id = $1 AND metric_id = 'exception-rate' AND removed_at IS NULL",
    )
    .bind(customs)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let remove = format!("{pipeline}/{customs}/gates/{failing}/remove");
    let removed = coo
        .submit_form(&pipeline, &format!("action=\"{remove}\""), &remove, &[])
        .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    let stale_page = coo.get(&pipeline).await;
    let stale_fields = stale_page.form_fields(&stage_form);
    let moved = coo
        .submit_form(
            &pipeline,
            &stage_form,
            &format!("{pipeline}/{customs}/stage"),
            &[("to", "deploying"), ("note", "Gates hold")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    assert_eq!(stage_of(&app, customs).await, "deploying");
    let (by, note): (String, String) = sqlx::query_as(
        "SELECT u.email, m.note FROM process_stage_moves m JOIN users u ON u.id = m.moved_by
          WHERE m.process_id = $1 ORDER BY m.id DESC LIMIT 1",
    )
    .bind(customs)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (by.as_str(), note.as_str()),
        ("coo@halden.example", "Gates hold")
    );
    let page = coo.get(&pipeline).await;
    assert!(page.reads("approved → deploying by Tomasz Reyes — Gates hold"));
    // The form loaded before the move is stale: a conflict, not a second move.
    let mut fields = stale_fields;
    crate::helpers::set(&mut fields, "to", "candidate");
    let stale = coo
        .post_pairs(&format!("{pipeline}/{customs}/stage"), &fields)
        .await;
    assert_eq!(stale.status, 409);
    assert_eq!(stage_of(&app, customs).await, "deploying");

    // A process added in the draft joins the pipeline as a candidate, but
    // cannot start deploying before a signed version includes it.
    let edit = format!("/programmes/{id}/brief/sections/process_scope");
    let added = coo
        .submit_form(
            &format!("{edit}/edit"),
            &format!("action=\"{edit}\""),
            &edit,
            &[
                ("f.processes.3.name", "Supplier onboarding"),
                ("f.processes.3.expected_go_live", "2028-01-10"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let (_, onboarding) = process(&app, "Supplier onboarding").await;
    assert_eq!(stage_of(&app, onboarding).await, "candidate");
    let page = coo.get(&pipeline).await;
    assert!(page.reads("In the draft brief only"));
    for (to, version) in [("approved", "1"), ("deploying", "2")] {
        coo.post(
            &format!("{pipeline}/{onboarding}/stage"),
            &[("to", to), ("version", version)],
        )
        .await;
    }
    assert_eq!(stage_of(&app, onboarding).await, "approved");
    let refused = coo
        .post(
            &format!("{pipeline}/{onboarding}/stage"),
            &[("to", "deploying"), ("version", "2")],
        )
        .await;
    assert!(refused.reads("not in the brief as last signed"));

    // Read-only seats see the pipeline but get no forms.
    let mut exco = app.login("exco.commercial@halden.example").await;
    let page = exco.get(&pipeline).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/stage\""));
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn exco_decisions_are_recorded_against_processes_and_held_in_the_pack() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, booking) = process(&app, "Carrier booking exceptions").await;
    let (_, invoices) = process(&app, "Freight invoice matching").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let review = ceo.open_november_review(id).await;
    let decide = format!("{review}/pipeline");
    let marker = format!("action=\"{decide}\"");

    // Approving a live process makes no sense: the form comes back.
    let bad = ceo
        .submit_form(
            &review,
            &marker,
            &decide,
            &[
                ("pd_process", &invoices.to_string()),
                ("pd_decision", "approve"),
                ("pd_note", "Typed note"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.reads("Only a candidate can be approved; this process is live."));
    assert!(bad.body.contains("value=\"Typed note\""));

    // Approving the candidate records the decision and moves it.
    let approved = ceo
        .submit_form(
            &review,
            &marker,
            &decide,
            &[
                ("pd_process", &booking.to_string()),
                ("pd_decision", "approve"),
                ("pd_note", "Carrier integrations are ready"),
            ],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(stage_of(&app, booking).await, "approved");
    let page = ceo.get(&review).await;
    assert!(
        page.reads(
            "Carrier booking exceptions: Approved to proceed — Carrier integrations are ready"
        )
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'pipeline.decision'")
            .await,
        3,
        "the demo's two decisions and this one"
    );

    // Held: the pack carries the decision, and it can no longer change.
    let hold = ceo
        .submit_form(&review, "/hold\"", &format!("{review}/hold"), &[])
        .await;
    assert_eq!(hold.status, 303, "{}", hold.body);
    let pack = ceo.get(&format!("{review}/pack")).await;
    assert!(
        pack.reads("Carrier booking exceptions Approved to proceed Carrier integrations are ready")
    );
    let verify = ceo.get(&format!("{review}/verify")).await;
    assert!(verify.reads("Intact"), "{}", verify.body);
    let late = ceo
        .post(
            &decide,
            &[
                ("pd_process", &booking.to_string()),
                ("pd_decision", "hold"),
            ],
        )
        .await;
    assert_eq!(late.status, 409);
    let refused = sqlx::query(
        "INSERT INTO pipeline_decisions (id, review_id, process_id, decision, recorded_at)
         SELECT gen_random_uuid(), r.id, $2, 'retire', now() FROM exco_reviews r
          WHERE r.programme_id = $1 AND r.month = '2026-11'",
    )
    .bind(id)
    .bind(booking)
    .execute(&app.pool)
    .await;
    assert!(
        refused.is_err(),
        "the database refuses a decision on a held review"
    );
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn the_pipeline_is_kept_for_readers_and_movers_and_each_view_gets_its_own_token() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let (id, customs) = process(&app, "Customs documentation").await;
    let pipeline = format!("/programmes/{id}/pipeline");
    let current = || async {
        app.count(&format!(
            "SELECT count(*) FROM page_sources p JOIN dashboard_sources d USING (programme_id)
              WHERE p.programme_id = '{id}' AND p.page = 'pipeline'
                AND p.shown_of = p.written_in AND p.shown_board_of = d.written_in"
        ))
        .await
            == 1
    };
    assert!(current().await, "written at the start");

    // What is kept is what is shown: the mover's copy to the COO, the
    // reader's to an ExCo member, each with the viewer's own token.
    sqlx::query(
        "UPDATE page_sources SET shown = ARRAY[
             '<p>Planted for readers</p>',
             '<p>Planted for movers</p><input type=\"hidden\" name=\"csrf_token\" value=\"kept-page-csrf-token\">']
          WHERE programme_id = $1 AND page = 'pipeline'",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut coo = app.login("coo@halden.example").await;
    let page = coo.get(&pipeline).await;
    assert!(page.shows("Planted for movers"), "{}", page.body);
    let token = page.csrf_token().expect("the form's token");
    assert!(token != "kept-page-csrf-token" && !token.is_empty());
    let mut exco = app.login("exco.people@halden.example").await;
    let page = exco.get(&pipeline).await;
    assert!(page.shows("Planted for readers") && !page.shows("Planted for movers"));

    // A value recorded through its page changes what the gates are judged
    // on: the pipeline is written again in the same transaction.
    let recorded = coo
        .post(
            &format!("/programmes/{id}/metrics/exception-rate"),
            &[("period", &app.this_week()), ("value", "12")],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    assert!(current().await);
    app.assert_kept_documents_are_current().await;

    // The kept forms work: a gate set from the page is recorded once.
    let page = coo.get(&pipeline).await;
    assert!(!page.shows("Planted"));
    let gates = format!("{pipeline}/{customs}/gates");
    let set = coo
        .submit_form(
            &pipeline,
            &format!("action=\"{gates}\""),
            &gates,
            &[
                ("metric", "exception-rate"),
                ("comparator", "below"),
                ("threshold", "30"),
                ("periods", "2"),
            ],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    assert!(current().await);
    app.assert_kept_documents_are_current().await;
    let page = exco.get(&pipeline).await;
    assert!(page.reads("Exception rate below 30 % for 2 consecutive weeks"));
    assert!(!page.body.contains(&gates), "a reader gets no form");
}
