//! Alignment health: the signs with their evidence, the pulse check, blind
//! ratings that no one else sees before both are in, and the badge.

use chrono::Duration;

use crate::helpers::{LIVE, TestApp};

#[tokio::test]
async fn the_live_programme_shows_one_sign_with_its_evidence_on_every_programme_page() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let mut exco = app.login("exco.people@halden.example").await;
    let page = exco.get(&format!("/programmes/{id}/health")).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("One sign"));
    assert!(page.shows("implementation words: automation, project, efficient"));
    assert!(
        page.shows("transformation words: reinventing, new operating model, competitive position")
    );
    assert!(page.shows("Brief the board chair on the programme before the next board"));
    // The badge, on every page of the programme that has the programme's navigation.
    for path in [
        "",
        "/dashboard",
        "/cadence",
        "/brief",
        "/matrix",
        "/decisions",
        "/updates/2",
        "/sessions/1",
        &format!("/reviews/{}", demo.review_month),
        "/metrics/automated-processing-rate",
    ] {
        let page = exco.get(&format!("/programmes/{id}{path}")).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body
                .contains("Alignment health <span class=\"tag tag-warn\">One sign</span>"),
            "no badge on {path}"
        );
    }
    // The CEO and the COO see it on their home page; the programme in
    // preparation shows its own sign (governance routed through the CTO).
    let mut ceo = app.login("ceo@halden.example").await;
    let home = ceo.get("/").await;
    assert!(home.shows("A warning sign stands: see the evidence"));
    let freight = ceo
        .get(&format!("/programmes/{}/health", demo.programme_id))
        .await;
    assert!(freight.shows("The CTO is accountable for a COO responsibility"));

    // When the COO's sentence comes round, the sign clears and its spell ends.
    let mut coo = app.login("coo@halden.example").await;
    let bad = coo
        .post(
            &format!("/programmes/{id}/health/statement"),
            &[("sentence", "")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("Write, in one sentence, what the programme is."));
    let saved = coo
        .post(
            &format!("/programmes/{id}/health/statement"),
            &[(
                "sentence",
                "Not just a cost project: it changes how we run finance.",
            )],
        )
        .await;
    assert_eq!(saved.status, 303);
    let page = coo.get(&format!("/programmes/{id}/health")).await;
    assert!(page.shows("Clear"), "{}", page.body);
    let home = ceo.get("/").await;
    assert!(
        !home.body.contains(&format!("/programmes/{id}/health\"")),
        "the live programme's sign left the home page"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM programme_statements WHERE programme_id = '{id}'"
        ))
        .await,
        3,
        "every version kept"
    );
}

#[tokio::test]
async fn a_rating_stays_hidden_from_everyone_else_until_both_are_in() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let health = format!("/programmes/{id}/health");
    // The COO rated this month already (amber): nobody else sees what.
    let mut admin = app.login("admin@halden.example").await;
    let mut exco = app.login("exco.commercial@halden.example").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let why = "The backlog grew again this month.";
    let hidden = |body: &str| -> bool {
        let round = body
            .split("<th scope=\"row\">2026-11")
            .nth(1)
            .map(|rest| rest.split("</tr>").next().unwrap_or("").to_owned())
            .unwrap_or_default();
        round.contains("hidden until both are in") && !round.contains("rag-amber")
    };
    for (who, client) in [
        ("ExCo", &mut exco),
        ("CEO", &mut ceo),
        ("admin", &mut admin),
    ] {
        let page = client.get(&health).await;
        assert!(hidden(&page.body), "{who} sees the COO's rating");
    }
    let hidden_entries = |body: &str| {
        crate::helpers::decode(body)
            .matches("hidden until both executives have rated")
            .count()
    };
    let audit = admin.get("/admin/audit").await;
    assert_eq!(hidden_entries(&audit.body), 1, "the COO's entry, redacted");
    assert!(!audit.shows(why), "nor its reason");

    // Bad input keeps what was typed.
    let bad = ceo
        .post(
            &format!("{health}/rating"),
            &[("rating", "purple"), ("why", "Because")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("Choose red, amber or green."));
    assert!(bad.body.contains("value=\"Because\""));
    // The CEO rates: now both show, to everyone, and in the audit view.
    let rated = ceo
        .post(
            &format!("{health}/rating"),
            &[
                ("rating", "green"),
                ("confidence", "4"),
                ("why", "Matching climbs"),
            ],
        )
        .await;
    assert_eq!(rated.status, 303, "{}", rated.body);
    let page = exco.get(&health).await;
    assert!(!hidden(&page.body));
    assert!(page.shows("Matching climbs"));
    let audit = admin.get("/admin/audit").await;
    assert_eq!(hidden_entries(&audit.body), 0);
    assert!(audit.shows("Matching climbs"), "{}", audit.body);
    assert!(audit.shows(why), "{}", audit.body);
    // A second rating of the same round is refused; the first stays.
    let again = ceo
        .post(
            &format!("{health}/rating"),
            &[("rating", "red"), ("confidence", "2")],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.shows("You have already rated this round"));
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn the_pulse_check_compares_memory_with_the_dashboard() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let health = format!("/programmes/{id}/health");
    let mut ceo = app.login("ceo@halden.example").await;
    let form = ceo.get(&health).await;
    // The form shows neither the value nor the target.
    let form_html = form
        .body
        .split("action=\"")
        .find(|s| s.starts_with(&format!("{health}/pulse")))
        .unwrap();
    let form_html = &form_html[..form_html.find("</form>").unwrap()];
    // (Not a bare `value="70` prefix: the form's random CSRF token or
    // one-time key starts so once in 256 runs.)
    assert!(
        !form_html.contains("70 %")
            && !form_html.contains("value=\"70\"")
            && !form_html.contains("value=\"70.")
    );
    let bad = ceo
        .post(
            &format!("{health}/pulse"),
            &[("stated_value", "about half"), ("stated_target", "70")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("Give a number, from memory."));
    assert!(bad.body.contains("value=\"about half\""));
    // Far off: the sign appears, with the figures beside what was said.
    let off = ceo
        .post(
            &format!("{health}/pulse"),
            &[("stated_value", "80"), ("stated_target", "70")],
        )
        .await;
    assert_eq!(off.status, 303);
    let page = ceo.get(&health).await;
    assert!(page.shows("You said 80 % against a target of 70 %"));
    assert!(page.shows("The last pulse check was further from the truth than 5 points."));
    assert!(page.shows("Several signs"));
    // The administrator widens the tolerance: the gap is no longer a sign.
    let mut admin = app.login("admin@halden.example").await;
    let edit = format!("/admin/programmes/{id}");
    let wide = admin
        .submit_form(
            &edit,
            &format!("action=\"{edit}\""),
            &edit,
            &[("pulse_tolerance", "40")],
        )
        .await;
    assert_eq!(wide.status, 303, "{}", wide.body);
    let page = ceo.get(&health).await;
    assert!(page.shows("A gap beyond 40 points"));
    assert!(page.shows("One sign"));
    let bad = admin
        .submit_form(
            &edit,
            &format!("action=\"{edit}\""),
            &edit,
            &[("pulse_tolerance", "-3")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("Give a number above 0 and at most 100"));
    // After 36 days without a check the sign stands for that reason.
    app.clock.advance(Duration::days(36));
    let mut ceo = app.login("ceo@halden.example").await;
    let actual: f64 = sqlx::query_scalar("SELECT actual_value FROM pulse_checks WHERE programme_id = $1 ORDER BY checked_at DESC LIMIT 1").bind(id).fetch_one(&app.pool).await.unwrap();
    ceo.post(
        &format!("{health}/pulse"),
        &[
            ("stated_value", &format!("{:.1}", actual + 1.0)),
            ("stated_target", "70"),
        ],
    )
    .await;
    assert!(
        ceo.get(&health).await.shows("One sign"),
        "only the sentences remain"
    );
    // The COO may not answer the CEO's pulse check.
    let mut coo = app.login("coo@halden.example").await;
    assert_eq!(
        coo.post(
            &format!("{health}/pulse"),
            &[("stated_value", "1"), ("stated_target", "2")]
        )
        .await
        .status,
        403
    );
    app.assert_kept_documents_are_current().await;
}
