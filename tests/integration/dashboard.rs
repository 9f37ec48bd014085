//! The shared dashboard: what the executives see, who records what, values
//! and their corrections, CSV out and in, and charts that are real SVG.

use chrono::{Datelike, Months, NaiveDate};
use uuid::Uuid;

use crate::helpers::{Client, LIVE, TestApp};

async fn record(
    client: &mut Client,
    id: Uuid,
    metric: &str,
    fields: &[(&str, &str)],
) -> crate::helpers::Page {
    client
        .post(&format!("/programmes/{id}/metrics/{metric}"), fields)
        .await
}

#[tokio::test]
async fn the_ceo_sees_the_live_dashboard_with_every_status_explained() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let page = ceo.get(&format!("/programmes/{id}/dashboard")).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Measured against the definitions of"));
    assert!(page.shows("version 1 of the brief"));
    // The primary metric first, near its trajectory rather than on it.
    let primary = page.body.find("Primary metric").unwrap();
    assert!(page.body[primary..].starts_with("Primary metric · COO"));
    assert!(
        page.body.find("Automated processing rate").unwrap()
            < page.body.find("Revenue impact").unwrap()
    );
    assert!(page.shows("% of the way from the baseline of 0 % — near."));
    // One metric off track, for three periods running.
    assert!(page.shows("Off track") && page.shows("Sustained: 3 periods off"));
    // The rule in plain words, and ROI against the signed plan.
    assert!(page.shows("How the status is judged"));
    assert!(page.shows("Plan from the business case of version 1 of the brief, as signed"));
    assert!(page.shows("Planned payback"));
    assert!(page.shows("at the last three months' pace"));
    // Sparklines are accessible images.
    assert!(page.body.matches("class=\"sparkline\"").count() >= 7);
    assert!(
        page.body
            .contains("role=\"img\" aria-label=\"Trend of Exception rate")
    );
}

#[tokio::test]
async fn each_executive_records_only_their_own_metrics() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let week = app.this_week();
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let refused = record(
        &mut ceo,
        id,
        "automated-processing-rate",
        &[("period", &week), ("value", "55")],
    )
    .await;
    assert_eq!(
        refused.status, 403,
        "the CEO may not record operational values"
    );
    let refused = record(
        &mut coo,
        id,
        "revenue-impact",
        &[("period", "2026-10"), ("value", "1")],
    )
    .await;
    assert_eq!(
        refused.status, 403,
        "the COO may not record business values"
    );
    let mut exco = app.login("exco.people@halden.example").await;
    assert_eq!(
        record(
            &mut exco,
            id,
            "exception-rate",
            &[("period", &week), ("value", "40")]
        )
        .await
        .status,
        403
    );
    let page = exco
        .get(&format!("/programmes/{id}/metrics/exception-rate"))
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.shows("Record a value"), "readers get no form");
    // Another organisation's dashboard does not exist for them.
    let other = app.other_organisation().await;
    assert_eq!(
        ceo.get(&format!("/programmes/{}/dashboard", other.programme_id))
            .await
            .status,
        404
    );
    assert_eq!(
        ceo.get(&format!("/programmes/{id}/metrics/no-such-metric"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_value_is_recorded_once_and_a_correction_keeps_its_history() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let week = app.this_week();
    let mut coo = app.login("coo@halden.example").await;
    let metric = format!("/programmes/{id}/metrics/exception-rate");

    // Bad input keeps what was typed and says what is wrong.
    let bad = record(
        &mut coo,
        id,
        "exception-rate",
        &[("period", "2026-11"), ("value", "140")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("This metric is weekly"));
    assert!(bad.shows("A percentage lies between"));
    assert!(bad.body.contains("value=\"140\""));

    let saved = record(
        &mut coo,
        id,
        "exception-rate",
        &[
            ("period", &week),
            ("value", "41.5"),
            ("note", "Supplier onboarding done"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = coo.get(&metric).await;
    assert!(page.shows("Recorded 41.5 %"));
    assert!(page.shows("Supplier onboarding done"));
    // The same again changes nothing.
    let again = record(
        &mut coo,
        id,
        "exception-rate",
        &[
            ("period", &week),
            ("value", "41.5"),
            ("note", "Supplier onboarding done"),
        ],
    )
    .await;
    assert_eq!(again.status, 303);
    assert!(coo.get(&metric).await.shows("Nothing changed"));
    // A different value needs a reason…
    let no_reason = record(
        &mut coo,
        id,
        "exception-rate",
        &[("period", &week), ("value", "39")],
    )
    .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.shows("already has the value 41.5 %"));
    // …and with one, the old value stays in the history.
    let corrected = record(
        &mut coo,
        id,
        "exception-rate",
        &[
            ("period", &week),
            ("value", "39"),
            ("reason", "<script>alert(1)</script> late queue"),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(corrected.status, 303);
    let page = coo.get(&metric).await;
    assert!(page.shows("Corrected week"));
    assert!(page.shows("Corrections"));
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62; late queue")
            || page
                .body
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; late queue")
    );
    assert!(!page.body.contains("<script>alert(1)"));
    let history: (f64, f64, String) = sqlx::query_as(
        "SELECT c.old_value, c.new_value, c.reason FROM metric_value_corrections c
           JOIN metric_values v ON v.id = c.value_id WHERE v.period = $1 AND v.metric_id = 'exception-rate'",
    )
    .bind(&week)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((history.0, history.1), (41.5, 39.0));
    assert!(history.2.contains("late queue"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action IN ('metric.value_record', 'metric.value_correct') AND at > now() - interval '1 hour' AND after->>'metric' = 'exception-rate' AND after->>'period' = (SELECT max(period) FROM metric_values)").await,
        2
    );
}

#[tokio::test]
async fn the_csv_round_trips_and_a_bad_row_writes_nothing() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let mut coo = app.login("coo@halden.example").await;
    let csv = coo.get(&format!("/programmes/{id}/dashboard.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}metric_id,metric,kind,unit,period,value,note,recorded_at"
    );
    let values = app.count("SELECT count(*) FROM metric_values").await;
    assert!(csv.body.lines().count() as i64 > 200);

    // The COO's own rows, exported, import as "nothing changed".
    let own: String = csv
        .body
        .lines()
        .filter(|line| line.contains(",operational,"))
        .take(30)
        .collect::<Vec<_>>()
        .join("\n");
    let preview = coo
        .post(
            &format!("/programmes/{id}/dashboard/import"),
            &[("csv", &own)],
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.shows("0 new values; 30 already recorded exactly so."));

    // Two new weeks and a bad last line: nothing is written, the line is named.
    let week = app.this_week();
    let file = format!(
        "metric_id,metric,kind,unit,period,value,note\nerror-rate,Error rate,operational,percent,{week},1.2,new\ncycle-time,,,,{week},15,\ncycle-time,,,,2026-13,15,\n"
    );
    let refused = coo
        .post(
            &format!("/programmes/{id}/dashboard/import"),
            &[("csv", &file), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("Nothing was imported"));
    assert!(refused.shows("Line 4: period “2026-13”"));
    assert_eq!(
        app.count("SELECT count(*) FROM metric_values").await,
        values
    );

    // Fixed, it imports; again, it changes nothing.
    let file = file.replace("cycle-time,,,,2026-13,15,\n", "");
    let imported = coo
        .post(
            &format!("/programmes/{id}/dashboard/import"),
            &[("csv", &file), ("confirm", "yes")],
        )
        .await;
    assert_eq!(imported.status, 303, "{}", imported.body);
    assert!(
        coo.get(imported.location())
            .await
            .shows("Imported 2 values.")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM metric_values").await,
        values + 2
    );
    let again = coo
        .post(
            &format!("/programmes/{id}/dashboard/import"),
            &[("csv", &file), ("confirm", "yes")],
        )
        .await;
    assert_eq!(again.status, 303);
    assert!(
        coo.get(again.location())
            .await
            .shows("Nothing changed: every value in the file was already recorded.")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM metric_values").await,
        values + 2
    );

    // The COO cannot import the CEO's metrics.
    let theirs = "revenue-impact,,,,2026-10,1,\n";
    let page = coo
        .post(
            &format!("/programmes/{id}/dashboard/import"),
            &[("csv", theirs)],
        )
        .await;
    assert!(page.shows("Revenue impact is the CEO's to record."));
}

#[tokio::test]
async fn charts_are_well_formed_svg_with_target_and_trajectory() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let page = ceo
        .get(&format!(
            "/programmes/{id}/metrics/automated-processing-rate"
        ))
        .await;
    let start = page.body.find("<svg viewBox").unwrap();
    let end = page.body[start..].find("</svg>").unwrap() + start + "</svg>".len();
    let svg = &page.body[start..end];
    let svg = svg.replacen("<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"", 1);
    let doc = roxmltree::Document::parse(&svg).expect("the chart parses as XML");
    let classes: Vec<&str> = doc
        .descendants()
        .filter_map(|node| node.attribute("class"))
        .collect();
    for needed in [
        "series line-actual",
        "series line-target",
        "series line-trajectory",
    ] {
        assert!(classes.contains(&needed), "{needed} in {classes:?}");
    }
    assert!(doc.descendants().any(|n| n.has_tag_name("title")));
    assert!(doc.descendants().any(|n| n.has_tag_name("desc")));
    // The numbers are in a table too.
    assert!(page.shows("Period") && page.shows("Expected"));
}

#[tokio::test]
async fn the_dashboard_says_when_the_draft_differs_and_when_nothing_is_signed() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let mut coo = app.login("coo@halden.example").await;
    let brief = format!("/programmes/{id}/brief");
    let form = coo
        .get(&format!("{brief}/sections/operational_metrics/edit"))
        .await;
    let mut fields = form.form_fields("brief-form");
    let row = fields
        .iter()
        .find(|(k, v)| k.ends_with(".name") && v == "Exception rate")
        .map(|(k, _)| k.trim_end_matches(".name").to_owned())
        .unwrap();
    crate::helpers::set(&mut fields, &format!("{row}.target"), "10");
    let saved = coo
        .post_pairs(&format!("{brief}/sections/operational_metrics"), &fields)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = coo.get(&format!("/programmes/{id}/dashboard")).await;
    assert!(
        page.shows("The draft raises the Exception rate target from 15 % to 10 %: that applies once version 2 is signed."),
        "{}",
        page.body
    );
    // Still measured against the signed 15 %.
    assert!(page.shows("15 %"));

    // A new programme starts with the eight default metrics, not yet signed.
    let mut admin = app.login("admin@halden.example").await;
    let created = admin
        .post(
            "/admin/programmes/new",
            &[
                ("name", "Claims agents"),
                ("summary", ""),
                ("planned_start", "2027-02-01"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let new_id = created.location().rsplit('/').next().unwrap().to_owned();
    let page = admin.get(&format!("/programmes/{new_id}/dashboard")).await;
    assert!(page.shows("Not yet signed."));
    assert!(page.shows("Not measured yet"));
    for name in [
        "Automated processing rate",
        "Exception rate",
        "Cycle time",
        "Cost per transaction",
        "Error rate",
        "Revenue impact",
        "Operating margin",
        "Competitive position",
    ] {
        assert!(
            page.shows(&format!("{name}: no a baseline"))
                || page.shows(&format!("{name}: no a baseline, no a target")),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_ceo_records_actual_roi_and_only_the_ceo() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let month = app.clock_now().date_naive().format("%Y-%m").to_string();
    let mut coo = app.login("coo@halden.example").await;
    let refused = coo
        .post(
            &format!("/programmes/{id}/dashboard/roi"),
            &[
                ("month", &month),
                ("investment", "70000"),
                ("benefit", "260000"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    let mut ceo = app.login("ceo@halden.example").await;
    let bad = ceo
        .post(
            &format!("/programmes/{id}/dashboard/roi"),
            &[("month", "13-2026"), ("investment", "-5"), ("benefit", "x")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("Investment cannot be negative") || bad.shows("Actual investment:"));
    assert!(
        bad.body.contains("value=\"13-2026\"") && bad.body.contains("value=\"x\""),
        "what was typed is kept"
    );
    assert!(
        bad.shows("Shared dashboard"),
        "the dashboard comes back with the form"
    );
    let saved = ceo
        .post(
            &format!("/programmes/{id}/dashboard/roi"),
            &[
                ("month", &month),
                ("investment", "70000"),
                ("benefit", "260000"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = ceo.get(&format!("/programmes/{id}/dashboard")).await;
    assert!(page.shows("€260,000"));
    // Recording the same month again without its version is a conflict, not an overwrite.
    let stale = ceo
        .post(
            &format!("/programmes/{id}/dashboard/roi"),
            &[("month", &month), ("investment", "1"), ("benefit", "1")],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert_eq!(
        app.count("SELECT count(*) FROM roi_actuals WHERE investment = 1")
            .await,
        0
    );
}

#[tokio::test]
async fn the_roi_table_lists_the_last_twelve_months_and_sums_the_earlier_ones_however_old() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let (first, latest): (String, String) =
        sqlx::query_as("SELECT min(month), max(month) FROM roi_actuals WHERE programme_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let month = |text: &str| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").unwrap();
    let (first, latest) = (month(&first), month(&latest));
    let window = latest - Months::new(11);
    assert!(first >= window, "the demo's months are all recent ones");
    // Two more years before them, 1,000 invested and 3,000 gained each
    // month: payback came in the first of them.
    let start = first - Months::new(24);
    sqlx::query(
        "INSERT INTO roi_actuals (programme_id, organisation_id, month, investment, benefit, recorded_at)
         SELECT p.id, p.organisation_id, to_char(d, 'YYYY-MM'), 1000, 3000, now()
           FROM programmes p, generate_series($2::date, $3::date, interval '1 month') d
          WHERE p.id = $1",
    )
    .bind(id)
    .bind(start)
    .bind(first - Months::new(1))
    .execute(&app.pool)
    .await
    .unwrap();
    app.assert_kept_documents_are_current().await;
    assert_eq!(
        app.count(&format!(
            "SELECT json_array_length(body -> 'roi' -> 'recent')::bigint FROM dashboard_sources WHERE programme_id = '{id}'"
        ))
        .await,
        app.count(&format!(
            "SELECT count(*) FROM roi_actuals WHERE programme_id = '{id}' AND month >= '{}'",
            window.format("%Y-%m")
        ))
        .await,
        "the kept dashboard holds the recent months alone"
    );

    let label = |date: NaiveDate| date.format("%B %Y").to_string();
    let summed = (window.year() - start.year()) * 12 + window.month() as i32 - start.month() as i32;
    let before_window = window - Months::new(1);
    let mut ceo = app.login("ceo@halden.example").await;
    let page = ceo.get(&format!("/programmes/{id}/dashboard")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.reads(&format!(
            "{} to {} ({summed} months, summed)",
            label(start),
            label(before_window)
        )),
        "{}",
        page.body
    );
    assert!(page.reads(&format!("€{},000 €{},000", summed, summed * 3)));
    assert!(
        !page
            .body
            .contains(&format!("<th scope=\"row\">{}</th>", label(before_window))),
        "a summed month has no row of its own"
    );
    assert!(
        page.body
            .contains(&format!("<th scope=\"row\">{}</th>", label(window)))
    );
    assert!(
        page.reads(&format!("reached in {}", label(start))),
        "payback counts every month, summed or not"
    );
}

#[tokio::test]
async fn the_dashboard_every_page_reads_is_rewritten_by_each_change_to_it() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    app.assert_kept_documents_are_current().await;
    let id = app.programme_id(LIVE).await;
    let week = app.this_week();
    let mut coo = app.login("coo@halden.example").await;
    let saved = record(
        &mut coo,
        id,
        "exception-rate",
        &[("period", &week), ("value", "37.25")],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    app.assert_kept_documents_are_current().await;
    let page = coo.get(&format!("/programmes/{id}/dashboard")).await;
    assert!(page.shows("37.25 %"), "the new value is on the dashboard");
    let health = coo.get(&format!("/programmes/{id}/health")).await;
    assert_eq!(health.status, 200);

    let corrected = record(
        &mut coo,
        id,
        "exception-rate",
        &[
            ("period", &week),
            ("value", "36"),
            ("reason", "late queue"),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(corrected.status, 303, "{}", corrected.body);
    app.assert_kept_documents_are_current().await;
    assert!(
        coo.get(&format!("/programmes/{id}/dashboard"))
            .await
            .shows("36 %")
    );

    let mut ceo = app.login("ceo@halden.example").await;
    let month = app.clock_now().date_naive().format("%Y-%m").to_string();
    let roi = ceo
        .post(
            &format!("/programmes/{id}/dashboard/roi"),
            &[
                ("month", &month),
                ("investment", "70000"),
                ("benefit", "260000"),
            ],
        )
        .await;
    assert_eq!(roi.status, 303, "{}", roi.body);
    app.assert_kept_documents_are_current().await;

    // Whoever recorded a value is named on it: a new name is shown at once.
    sqlx::query(
        "UPDATE users SET display_name = 'Dana Renamed' WHERE email = 'coo@halden.example'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app.assert_kept_documents_are_current().await;
    assert!(
        ceo.get(&format!("/programmes/{id}/metrics/exception-rate"))
            .await
            .shows("Dana Renamed")
    );
}

#[tokio::test]
async fn two_writes_at_once_leave_the_dashboard_with_both() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let insert = "INSERT INTO metric_values (id, organisation_id, programme_id, metric_id, period, value, note, recorded_by, recorded_at)
                  SELECT gen_random_uuid(), organisation_id, id, 'exception-rate', $2, 30, '', NULL, now() FROM programmes WHERE id = $1";
    // The first writer has rewritten the dashboard and not committed yet…
    let mut first = app.pool.begin().await.unwrap();
    sqlx::query(insert)
        .bind(id)
        .bind("2031-W01")
        .execute(&mut *first)
        .await
        .unwrap();
    sqlx::query("SET CONSTRAINTS ALL IMMEDIATE")
        .execute(&mut *first)
        .await
        .unwrap();
    // …when the second commits its own change to the same programme.
    let pool = app.pool.clone();
    let second = tokio::spawn(async move {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(insert)
            .bind(id)
            .bind("2031-W02")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "the second writer waits for the first"
    );
    first.commit().await.unwrap();
    second.await.unwrap();
    let periods: Vec<String> = sqlx::query_scalar(
        "SELECT json_array_elements_text(body->'periods') FROM dashboard_sources WHERE programme_id = $1",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        periods.iter().any(|p| p == "2031-W01") && periods.iter().any(|p| p == "2031-W02"),
        "both values are on the dashboard"
    );
    app.assert_kept_documents_are_current().await;
}

/// Puts `html` in place of programme `id`'s kept board, leaving when and
/// from what it was written as they are.
async fn plant_board(app: &TestApp, id: Uuid, html: &str) {
    sqlx::query("UPDATE dashboard_sources SET shown = $2 WHERE programme_id = $1")
        .bind(id)
        .bind(html)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Puts a made-up stale metric in place of the facts kept with programme
/// `id`'s board (what the alignment-health page reads of it).
async fn plant_facts(app: &TestApp, id: Uuid) {
    sqlx::query(
        r#"UPDATE dashboard_sources
              SET shown_facts = '{"stale": ["A planted metric"], "primary": ["Planted primary", "%"]}'
            WHERE programme_id = $1"#,
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// Whether programme `id`'s kept board is the one its page shows on `day`.
async fn board_is_current(app: &TestApp, id: Uuid, day: NaiveDate) -> bool {
    sqlx::query_scalar(
        "SELECT coalesce(bool_and(shown_of = written_in AND shown_for = $2 AND shown_markup = $3), false)
           FROM dashboard_sources WHERE programme_id = $1",
    )
    .bind(id)
    .bind(day)
    .bind(tandem::board_shown::markup())
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Whether the kept page of metric `metric` of programme `id` is the one
/// shown on `day`.
async fn metric_page_is_current(app: &TestApp, id: Uuid, metric: &str, day: NaiveDate) -> bool {
    sqlx::query_scalar(
        "SELECT coalesce(bool_and(shown_of = written_in AND shown_for = $3 AND shown_markup = $4), false)
           FROM metric_sources WHERE programme_id = $1 AND metric_id = $2",
    )
    .bind(id)
    .bind(metric)
    .bind(day)
    .bind(tandem::board_shown::markup())
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_board_is_written_with_each_change_and_shown_only_while_it_is_current() {
    const PLANTED: &str = "<p>The board as planted by the test</p>";
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let dashboard = format!("/programmes/{id}/dashboard");
    let today = app.clock_now().date_naive();
    assert!(
        board_is_current(&app, id, today).await,
        "written at the start"
    );
    let mut coo = app.login("coo@halden.example").await;

    // The page shows the kept board, not one built now.
    plant_board(&app, id, PLANTED).await;
    let page = coo.get(&dashboard).await;
    assert!(
        page.shows("The board as planted by the test"),
        "{}",
        page.body
    );
    assert!(!page.shows("Operational metrics"));
    // The health page reads the facts kept with it, not the dashboard.
    let health = format!("/programmes/{id}/health");
    plant_facts(&app, id).await;
    let page = coo.get(&health).await;
    assert!(
        page.reads("Stale metrics: A planted metric."),
        "{}",
        page.body
    );

    // A write through a page writes the board again before it commits.
    let saved = record(
        &mut coo,
        id,
        "exception-rate",
        &[("period", &app.this_week()), ("value", "37.25")],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(board_is_current(&app, id, today).await);
    app.assert_kept_documents_are_current().await;
    let page = coo.get(&dashboard).await;
    assert!(page.shows("37.25 %") && !page.shows("planted"));
    // So does the metric's own page.
    let metric = format!("/programmes/{id}/metrics/exception-rate");
    assert!(metric_page_is_current(&app, id, "exception-rate", today).await);
    sqlx::query(
        "UPDATE metric_sources SET shown = ARRAY['<h1>Planted head</h1>', '<p>Planted values</p>']
          WHERE programme_id = $1 AND metric_id = 'exception-rate'",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let page = coo.get(&metric).await;
    assert!(page.shows("Planted head") && page.shows("Planted values"));
    assert!(page.shows("Record a value"), "the form is the viewer's own");

    // A change written elsewhere (here straight in the database) leaves the
    // board unshown: the page builds it from the document until the keeper
    // writes it again.
    plant_board(&app, id, PLANTED).await;
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query(
        "UPDATE metric_values SET value = 41.5
          WHERE programme_id = $1 AND metric_id = 'exception-rate' AND period = $2",
    )
    .bind(id)
    .bind(app.this_week())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(!board_is_current(&app, id, today).await);
    plant_facts(&app, id).await;
    let page = coo.get(&dashboard).await;
    assert!(
        page.shows("41.5 %") && !page.shows("planted"),
        "{}",
        page.body
    );
    assert!(!metric_page_is_current(&app, id, "exception-rate", today).await);
    // (A new session: the page cache would answer the same view again, as
    // no audit entry announced the change.)
    let mut coo = app.login("coo@halden.example").await;
    let page = coo.get(&health).await;
    assert!(page.reads("Stale metrics:") && !page.shows("A planted metric"));
    let page = coo.get(&metric).await;
    assert!(
        page.shows("41.5 %") && !page.shows("Planted"),
        "{}",
        page.body
    );
    let written = tandem::board_shown::write_stale(&app.pool, today)
        .await
        .unwrap();
    assert_eq!(
        written, 3,
        "only the changed dashboard, its metric's page and the pipeline judged on it are written again"
    );
    assert!(metric_page_is_current(&app, id, "exception-rate", today).await);
    assert!(board_is_current(&app, id, today).await);
    app.assert_kept_documents_are_current().await;

    // The next day's statuses are not yesterday's board.
    plant_board(&app, id, PLANTED).await;
    app.clock.advance(chrono::Duration::days(1));
    let mut coo = app.login("coo@halden.example").await;
    let page = coo.get(&dashboard).await;
    assert!(page.shows("41.5 %") && !page.shows("planted"));
    let tomorrow = app.clock_now().date_naive();
    assert!(
        tandem::board_shown::write_stale(&app.pool, tomorrow)
            .await
            .unwrap()
            >= 1
    );
    assert!(board_is_current(&app, id, tomorrow).await);

    // Nor is another release's markup shown.
    plant_board(&app, id, PLANTED).await;
    sqlx::query("UPDATE dashboard_sources SET shown_markup = 'an older release'")
        .execute(&app.pool)
        .await
        .unwrap();
    let page = coo.get(&dashboard).await;
    assert!(page.shows("41.5 %") && !page.shows("planted"));
}
