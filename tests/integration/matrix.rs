//! The responsibility matrix: the framework's starting grid, editing the
//! whole grid, inline validation, conflicts, history and as-of views, the
//! COO's reporting line, print and CSV.

use chrono::Duration;
use uuid::Uuid;

use crate::helpers::{Client, Page, TestApp, set};

/// The edit form's current fields, as a browser would submit them.
async fn edit_form(client: &mut Client, programme: Uuid) -> Vec<(String, String)> {
    let page = client
        .get(&format!("/programmes/{programme}/matrix/edit"))
        .await;
    assert_eq!(page.status, 200);
    page.form_fields("matrix-form")
}

async fn submit(client: &mut Client, programme: Uuid, fields: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client
        .post_raw(&format!("/programmes/{programme}/matrix"), &pairs)
        .await
}

#[tokio::test]
async fn the_overview_shows_what_was_found_when_the_matrix_was_saved_and_the_start_checks_the_rest()
{
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let mut coo = app.login("coo@halden.example").await;
    let before = coo.get(&format!("/programmes/{id}")).await;
    assert!(before.shows("The CTO is accountable for a COO responsibility"));
    let versions = app.count("SELECT count(*) FROM raci_versions").await;
    assert_eq!(
        app.count("SELECT count(*) FROM raci_version_problems")
            .await,
        versions,
        "each saved version's problems are kept when it is saved"
    );
    let kept_matrix = format!(
        "SELECT count(*) FROM programme_sources
          WHERE programme_id = '{id}' AND json_typeof(body -> 'matrix' -> 'matrix') = 'object'"
    );
    assert_eq!(
        app.count(&kept_matrix).await,
        0,
        "the overview keeps the problems, not the matrix"
    );

    // Versions saved before migration 0046, and problems another
    // release's rules found (here: none).
    sqlx::raw_sql(
        "DELETE FROM raci_version_problems WHERE version = 1;
         UPDATE raci_version_problems SET rules = 'last release', problems = '[]'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app.assert_kept_documents_are_current().await;
    assert_eq!(
        app.count(&kept_matrix).await,
        1,
        "until checked again, the matrix itself"
    );
    let meanwhile = coo.get(&format!("/programmes/{id}")).await;
    assert!(meanwhile.shows("The CTO is accountable for a COO responsibility"));

    assert_eq!(
        tandem::db::raci::derive_missing(&app.pool).await.unwrap(),
        versions as u64
    );
    assert_eq!(
        tandem::db::raci::derive_missing(&app.pool).await.unwrap(),
        0
    );
    app.assert_kept_documents_are_current().await;
    assert_eq!(app.count(&kept_matrix).await, 0);
    assert_eq!(
        coo.get(&format!("/programmes/{id}")).await.body,
        before.body
    );
}

#[tokio::test]
async fn the_demo_coo_sees_the_flag_fixes_it_and_the_history_keeps_it() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let mut coo = app.login("coo@halden.example").await;

    // The programme page keeps the problem in view.
    let overview = coo.get(&format!("/programmes/{id}")).await;
    assert!(overview.shows("1 problem"));
    assert!(overview.shows("The CTO is accountable for a COO responsibility"));

    let matrix = coo.get(&format!("/programmes/{id}/matrix")).await;
    assert_eq!(matrix.status, 200);
    assert!(matrix.shows("One responsibility has a problem"));
    assert!(matrix.shows("Governance framework"));
    assert!(matrix.shows("run as a technology project"));

    let mut fields = edit_form(&mut coo, id).await;
    set(&mut fields, "row.governance_framework.cell.cto", "C");
    set(&mut fields, "row.governance_framework.cell.coo", "A");
    let saved = submit(&mut coo, id, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let matrix = coo.get(&format!("/programmes/{id}/matrix")).await;
    assert!(matrix.shows("Saved as version 3. Every row passes the checks."));
    assert!(matrix.shows("Every responsibility has one clear owner"));
    assert!(!matrix.shows("run as a technology project"));
    assert!(coo.get(&format!("/programmes/{id}")).await.shows("Clear"));

    // History: who, when, which cell, old and new.
    let history = coo.get(&format!("/programmes/{id}/matrix/history")).await;
    assert!(history.shows("Version 3"));
    assert!(history.shows("Governance framework × CTO"));
    assert!(history.shows("Tomasz Reyes"));

    // Yesterday's matrix still shows the problem; today's does not.
    let yesterday = (app.clock_now() - Duration::days(1)).date_naive();
    let then = coo
        .get(&format!("/programmes/{id}/matrix?as_of={yesterday}"))
        .await;
    assert_eq!(then.status, 200);
    assert!(
        then.shows("run as a technology project"),
        "as of yesterday the problem is still there"
    );
    assert!(then.shows("Version 2"));
    assert!(!then.shows("Edit the matrix"), "a past matrix is read-only");

    // Before any matrix existed.
    let long_ago = (app.clock_now() - Duration::days(800)).date_naive();
    assert!(
        coo.get(&format!("/programmes/{id}/matrix?as_of={long_ago}"))
            .await
            .shows("No matrix had been saved by then.")
    );

    // Comparing two dates names the change.
    let today = app.clock_now().date_naive();
    let compare = coo
        .get(&format!(
            "/programmes/{id}/matrix/history?from={yesterday}&to={today}"
        ))
        .await;
    assert!(compare.shows("Governance framework × CTO"));
    assert!(compare.shows("version 2") && compare.shows("version 3"));
}

#[tokio::test]
async fn the_as_of_view_returns_exactly_the_stored_historical_state() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let stored: serde_json::Value = sqlx::query_scalar(
        "SELECT matrix FROM raci_versions WHERE programme_id = $1 AND version = 2",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut ceo = app.login("ceo@halden.example").await;
    let mut fields = edit_form(&mut ceo, id).await;
    set(&mut fields, "row.ambition.cell.board", "C");
    assert_eq!(submit(&mut ceo, id, &fields).await.status, 303);

    let date = (app.clock_now() - Duration::days(2)).date_naive();
    let then = ceo
        .get(&format!("/programmes/{id}/matrix?as_of={date}"))
        .await;
    // Every letter of every row, as stored in version 2, in the grid.
    let rows = stored["rows"].as_array().unwrap();
    let roles: Vec<&str> = stored["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    let grid_start = then.body.find("<tbody>").unwrap();
    let grid = &then.body[grid_start..];
    for (row, chunk) in rows.iter().zip(grid.split("<tr class=\"raci-row").skip(1)) {
        assert!(chunk.contains(row["name"].as_str().unwrap()));
        let letters: Vec<String> = chunk
            .split("<td class=\"raci-cell\">")
            .skip(1)
            .map(|cell| {
                cell.split("</td>")
                    .next()
                    .unwrap()
                    .rsplit('>')
                    .nth(1)
                    .map(|s| s.trim_end_matches("</span").to_owned())
                    .unwrap_or_default()
            })
            .collect();
        let expected: Vec<String> = roles
            .iter()
            .map(|role| row["cells"][role].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(letters, expected, "row {}", row["name"]);
    }
    assert!(!then.shows("Board narrative") || then.body.matches("letter-C").count() > 0);
}

#[tokio::test]
async fn concurrent_edits_give_one_conflict_and_lose_nothing() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let mut ceo_fields = edit_form(&mut ceo, id).await;
    let mut coo_fields = edit_form(&mut coo, id).await;

    set(&mut coo_fields, "row.team_transition.cell.cfo", "I");
    assert_eq!(submit(&mut coo, id, &coo_fields).await.status, 303);

    set(&mut ceo_fields, "row.board_narrative.cell.cto", "C");
    let conflict = submit(&mut ceo, id, &ceo_fields).await;
    assert_eq!(conflict.status, 409);
    assert!(conflict.shows("Someone changed this while you were editing"));
    assert!(
        conflict.shows("Team transition × CFO"),
        "what the other person changed"
    );
    assert!(
        conflict.shows("Board narrative × CTO"),
        "what this editor tried to change"
    );

    let versions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM raci_versions WHERE programme_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(versions, 3, "the stale save wrote nothing");
    let fresh = edit_form(&mut ceo, id).await;
    assert!(
        fresh.contains(&("row.team_transition.cell.cfo".into(), "I".into())),
        "the first edit survived"
    );
}

#[tokio::test]
async fn rows_and_roles_can_be_added_reordered_and_retired_and_bad_input_is_refused_whole() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut fields = edit_form(&mut ceo, id).await;
    set(&mut fields, "new_row.name", "Customer communication");
    set(&mut fields, "new_row.kind", "joint");
    set(&mut fields, "new_role.name", "Legal");
    set(&mut fields, "row.board_narrative.position", "1");
    set(&mut fields, "row.ambition.position", "2");
    fields.push(("row.workforce_commitment.retired".into(), "on".into()));
    let saved = submit(&mut ceo, id, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let page = ceo.get(&format!("/programmes/{id}/matrix")).await;
    assert!(page.shows("Legal"));
    assert!(page.shows("Customer communication"));
    assert!(
        page.shows("still have problems")
            || page.shows("still has a problem")
            || page.shows("has a problem"),
        "the new joint row has no owner yet"
    );
    assert!(
        page.body.find("Board narrative").unwrap()
            < page.body.find("Competitive ambition").unwrap(),
        "reordered"
    );
    assert!(
        !page.shows("Workforce commitment"),
        "a retired row leaves the grid"
    );

    // An invalid letter and an empty name: refused whole, with what was typed.
    let mut fields = edit_form(&mut ceo, id).await;
    set(&mut fields, "row.timeline.name", "");
    set(&mut fields, "row.timeline.cell.cfo", "Z");
    set(&mut fields, "row.investment.cell.board", "C");
    let refused = submit(&mut ceo, id, &fields).await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("Nothing was saved"));
    assert!(refused.shows("Enter the responsibility's name"));
    assert!(refused.shows("\"Z\" is not R, A, C or I"));
    let after = refused.form_fields("matrix-form");
    assert!(
        after.contains(&("row.investment.cell.board".into(), "C".into())),
        "what was typed is kept"
    );
    let versions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM raci_versions WHERE programme_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(versions, 3);
}

#[tokio::test]
async fn the_reporting_line_is_flagged_unless_the_coo_answers_to_the_ceo() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    ceo.get(&format!("/programmes/{id}/matrix")).await;
    let version: i32 = sqlx::query_scalar("SELECT version FROM programmes WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = ceo
        .post(
            &format!("/programmes/{id}/reporting-line"),
            &[
                ("reports_to", "cto"),
                ("note", "Interim, while the COO role was vacant"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let overview = ceo.get(&format!("/programmes/{id}")).await;
    assert!(overview.shows("The COO answers to the CTO on AI"));
    let page = ceo
        .post(
            &format!("/programmes/{id}/reporting-line"),
            &[
                ("reports_to", "nobody"),
                ("version", &(version + 1).to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Choose to whom the COO answers on AI."));
    // A stale version is a conflict.
    let page = ceo
        .post(
            &format!("/programmes/{id}/reporting-line"),
            &[("reports_to", "ceo"), ("version", &version.to_string())],
        )
        .await;
    assert_eq!(page.status, 409);
    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'programme.reporting_line'")
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn print_view_and_csv_export() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = demo.programme_id;
    let mut exco = app.login("exco.people@halden.example").await;
    let print = exco.get(&format!("/programmes/{id}/matrix/print")).await;
    assert_eq!(print.status, 200);
    assert!(print.body.contains("print-landscape"));
    assert!(print.shows("Freight operations agents — responsibility matrix"));

    let csv = exco.get(&format!("/programmes/{id}/matrix.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .contains("responsibility-matrix-freight-operations-agents.csv")
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "Responsibility");
    assert!(headers.iter().any(|h| h == "CTO"));
    let governance = reader
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[0] == "Governance framework")
        .unwrap();
    let cto = headers.iter().position(|h| h == "CTO").unwrap();
    assert_eq!(&governance[cto], "A");
    assert!(governance[headers.len() - 1].contains("CTO is accountable"));
}

#[tokio::test]
async fn a_new_programme_starts_from_the_framework() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut admin = app.login("admin@halden.example").await;
    admin.get("/admin/programmes/new").await;
    let page = admin
        .post("/admin/programmes/new", &[("name", "Claims agents")])
        .await;
    assert_eq!(page.status, 303);
    let mut ceo = app.login("ceo@halden.example").await;
    let matrix = ceo.get(&format!("{}/matrix", page.location())).await;
    assert_eq!(matrix.status, 200);
    for row in [
        "Competitive ambition",
        "Board narrative",
        "Build, buy or partner",
        "Workforce commitment",
        "Process scope and sequencing",
        "Governance framework",
        "Team transition",
        "Operational metrics",
        "Investment level and phasing",
        "Timeline and go-live",
        "Success metrics",
        "Workforce communication",
    ] {
        assert!(matrix.shows(row), "{row}");
    }
    assert!(matrix.shows("Every responsibility has one clear owner"));
    assert!(matrix.shows("Version 1"));
}
