//! The cadence: weekly COO updates and the CEO's 24-hour decisions, the
//! decision log, alignment sessions with carried-over action items, ExCo
//! reviews frozen into a sealed pack, and the calendar feed.

use chrono::Duration;
use uuid::Uuid;

use crate::helpers::{Client, TestApp};

async fn programme(app: &TestApp, name: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM programmes WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn write_update(
    coo: &mut Client,
    id: Uuid,
    changes: &[(&str, &str)],
) -> crate::helpers::Page {
    let new = format!("/programmes/{id}/updates/new");
    coo.submit_form(
        &new,
        "/updates\"",
        &format!("/programmes/{id}/updates"),
        changes,
    )
    .await
}

/// The CEO's decision form for request `number`, filled in.
async fn decision_form(
    ceo: &mut Client,
    id: Uuid,
    number: i32,
    outcome: &str,
    note: &str,
) -> Vec<(String, String)> {
    let page = ceo
        .get(&format!("/programmes/{id}/decisions/{number}"))
        .await;
    assert_eq!(page.status, 200);
    let mut fields = page.form_fields(&format!("action=\"/programmes/{id}/decisions/{number}\""));
    fields.retain(|(k, _)| k != "outcome" && k != "note");
    fields.push(("outcome".into(), outcome.into()));
    fields.push(("note".into(), note.into()));
    fields
}

#[tokio::test]
async fn the_coo_asks_the_ceo_decides_within_the_clock_once_and_the_log_counts_breaches() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.deploy_freight().await;
    let mut coo = app.login("coo@halden.example").await;

    // The form proposes this week (week 2) and keeps what was typed on error.
    let form = coo.get(&format!("/programmes/{id}/updates/new")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("<option value=\"2\" selected>"));
    let bad = write_update(
        &mut coo,
        id,
        &[
            ("summary", ""),
            ("ws_name_1", "Matching agents"),
            ("ws_standing_1", "on_plan"),
            ("question", "Extend the pilot?"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("Write where the deployment stands."));
    assert!(bad.shows("Write the options the CEO can choose from."));
    assert!(bad.body.contains("value=\"Extend the pilot?\""));
    assert_eq!(app.count("SELECT count(*) FROM weekly_updates WHERE programme_id IN (SELECT id FROM programmes WHERE name = 'Freight operations agents')").await, 0);

    let sent = write_update(
        &mut coo,
        id,
        &[
            ("summary", "Matching agents live on the first carrier."),
            ("ws_name_1", "Matching agents"),
            ("ws_standing_1", "at_risk"),
            ("ws_note_1", "Carrier data late"),
            ("blockers", "Carrier master data"),
            ("question", "Add a second carrier this week?"),
            ("options", "Yes; wait a week"),
            ("recommendation", "Yes: the first one is stable."),
        ],
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.location(), format!("/programmes/{id}/updates/2"));
    let summary = coo.get(sent.location()).await;
    assert!(summary.shows("Week 2 of 8"), "{}", summary.body);
    assert!(summary.shows("Add a second carrier this week?"));
    assert!(summary.shows("24 h 0 min left"));
    assert!(summary.shows("At risk"));
    // The same week cannot be written twice.
    let twice = write_update(
        &mut coo,
        id,
        &[
            ("summary", "Again"),
            ("ws_name_1", "X"),
            ("ws_standing_1", "on_plan"),
        ],
    )
    .await;
    assert_eq!(twice.status, 409);
    assert!(twice.shows("Week 2 already has its update"));

    // The CEO sees it first on the home page, with the time left.
    // (Signed in after the clock moves: idle sessions end.)
    app.clock.advance(Duration::hours(20));
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let home = ceo.get("/").await;
    assert!(
        home.shows("Decide #1: Add a second carrier this week?"),
        "{}",
        home.body
    );
    assert!(home.shows("4 h 0 min left"));
    // The COO may not decide.
    let denied = coo
        .post(
            &format!("/programmes/{id}/decisions/1"),
            &[("outcome", "approved"), ("note", "Go.")],
        )
        .await;
    assert_eq!(denied.status, 403);

    // Late now; the CEO decides, and a resent form records nothing more.
    app.clock.advance(Duration::hours(7));
    let mut ceo = app.login("ceo@halden.example").await;
    assert!(ceo.get("/").await.shows("late by 3 h 0 min"));
    let fields = decision_form(&mut ceo, id, 1, "approved", "Go.").await;
    let first = ceo
        .post_pairs(&format!("/programmes/{id}/decisions/1"), &fields)
        .await;
    assert_eq!(first.status, 303, "{}", first.body);
    let again = ceo
        .post_pairs(&format!("/programmes/{id}/decisions/1"), &fields)
        .await;
    assert_eq!(again.status, 303);
    assert!(
        ceo.get(again.location())
            .await
            .shows("This decision was already recorded.")
    );
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'cadence.decision_take' AND after->>'request' = '1' AND object_id IN (SELECT id FROM programmes WHERE name = 'Freight operations agents')").await, 1);
    // A fresh form for a decided request is refused, not recorded.
    let other = ceo
        .post_pairs(
            &format!("/programmes/{id}/decisions/1"),
            &fields
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if k == "outcome" {
                            "rejected".to_owned()
                        } else {
                            v.clone()
                        },
                    )
                })
                .map(|(k, v)| {
                    if k == "decision_key" {
                        (k, "0".repeat(32) + ".bad")
                    } else {
                        (k, v)
                    }
                })
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(other.status, 422);
    assert!(other.shows("Nothing was decided"));

    // The decision keeps the figures of its day; the log counts the breach.
    let decision = ceo.get(&format!("/programmes/{id}/decisions/1")).await;
    assert!(decision.shows("Decision: Approved"));
    assert!(decision.shows("The dashboard when it was decided"));
    assert!(decision.shows("decided in 27 h 0 min, past the 24 hours"));
    let log = ceo.get(&format!("/programmes/{id}/decisions")).await;
    assert!(
        log.body
            .contains("Breaches of the 24 hours</dt><dd><span class=\"tag tag-bad\">1</span>"),
        "{}",
        log.body
    );
    assert!(log.shows("breach"));
    assert!(!ceo.get("/").await.shows("Decide #1"));
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn an_action_item_carried_over_twice_is_flagged_for_the_exco_agenda() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = programme(&app, "Freight operations agents").await;
    let mut coo = app.login("coo@halden.example").await;
    let today = app.clock_now().date_naive();
    let record = |day: chrono::NaiveDate, action: bool| {
        let mut changes = vec![
            ("held_on".to_owned(), day.to_string()),
            ("scope_notes".to_owned(), "Scope as agreed".to_owned()),
        ];
        if action {
            changes.extend([
                (
                    "action_title_1".to_owned(),
                    "Draft the customs wave's business case".to_owned(),
                ),
                ("action_owner_1".to_owned(), "ceo".to_owned()),
                (
                    "action_due_1".to_owned(),
                    (day + Duration::days(5)).to_string(),
                ),
            ]);
        }
        changes
    };
    let sessions = format!("/programmes/{id}/sessions");
    let new = format!("/programmes/{id}/sessions/new");
    // A bad row keeps what was typed.
    let bad = coo
        .submit_form(
            &new,
            "/sessions\"",
            &sessions,
            &[
                ("held_on", &(today + Duration::days(1)).to_string()),
                ("action_title_1", "Something"),
                ("action_due_1", "soon"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.shows("the date cannot be in the future"));
    assert!(bad.shows("Choose who owns this action."));
    assert!(bad.body.contains("value=\"soon\""));

    for (offset, action) in [(4, true), (2, false), (1, false)] {
        let changes = record(today - Duration::days(offset), action);
        let pairs: Vec<(&str, &str)> = changes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let saved = coo
            .submit_form(&new, "/sessions\"", &sessions, &pairs)
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let after_one = coo.get(&format!("/programmes/{id}/cadence")).await;
        let flagged = after_one.shows("Draft the customs wave's business case")
            && after_one.body.contains("carried twice</span>");
        assert_eq!(
            flagged,
            offset == 1,
            "flagged only after the second carry-over"
        );
    }
    // Each executive writes their own part of the latest session's check.
    let number: i32 =
        sqlx::query_scalar("SELECT max(number) FROM alignment_sessions WHERE programme_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let session = format!("/programmes/{id}/sessions/{number}");
    let check = coo
        .submit_form(
            &session,
            "/check\"",
            &format!("{session}/check"),
            &[("needs", "A decision on the customs wave")],
        )
        .await;
    assert_eq!(check.status, 303, "{}", check.body);
    let mut ceo = app.login("ceo@halden.example").await;
    let page = ceo.get(&session).await;
    assert!(page.shows("A decision on the customs wave"));
    assert!(page.shows("Carried into this session"));
    // Its owner sees it on the home page (overdue), and closing it clears the flag.
    assert!(
        ceo.get("/")
            .await
            .shows("Draft the customs wave's business case")
    );
    let action: (Uuid, i32) = sqlx::query_as(
        "SELECT id, version FROM action_items WHERE title LIKE 'Draft the customs%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let done = ceo
        .post(
            &format!("/programmes/{id}/actions/{}", action.0),
            &[("done", "true"), ("version", &action.1.to_string())],
        )
        .await;
    assert_eq!(done.status, 303);
    let stale = ceo
        .post(
            &format!("/programmes/{id}/actions/{}", action.0),
            &[("done", "false"), ("version", &action.1.to_string())],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(
        !ceo.get(&format!("/programmes/{id}/cadence"))
            .await
            .shows("Draft the customs wave's business case")
    );
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn a_review_is_written_by_both_held_once_and_never_rewritten_by_a_later_correction() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = programme(&app, "Accounts payable agents").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;

    // Open November's review; each writes their own part.
    let review = ceo.open_november_review(id).await;
    let ceo_part = ceo
        .submit_form(
            &review,
            &format!("action=\"{review}\""),
            &review,
            &[("strategy", "Second wave next quarter.")],
        )
        .await;
    assert_eq!(ceo_part.status, 303, "{}", ceo_part.body);
    let form = coo.get(&review).await;
    assert!(
        !form.body.contains("name=\"strategy\""),
        "the COO does not write the CEO's part"
    );
    let coo_part = coo
        .submit_form(
            &review,
            &format!("action=\"{review}\""),
            &review,
            &[("operations", "Exceptions down to 44 %.")],
        )
        .await;
    assert_eq!(coo_part.status, 303, "{}", coo_part.body);
    // A form loaded before the COO's save is stale.
    let stale = ceo
        .post(
            &review,
            &[
                ("meeting_on", "2026-12-09"),
                ("strategy", "Overwrite"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    let page = ceo.get(&review).await;
    assert!(page.shows("Second wave next quarter.") && page.shows("Exceptions down to 44 %."));

    // Hold it: the pack is frozen with its hash.
    let hold = ceo
        .submit_form(&review, "/hold\"", &format!("{review}/hold"), &[])
        .await;
    assert_eq!(hold.status, 303, "{}", hold.body);
    let (hash, frozen): (String, serde_json::Value) = sqlx::query_as(
        "SELECT r.snapshot_hash, s.content FROM exco_reviews r JOIN exco_review_snapshots s ON s.review_id = r.id WHERE r.programme_id = $1 AND r.month = '2026-11'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(hash.len(), 64);
    // How each metric stood is kept beside every pack, and what moved is
    // read from the one before.
    let packs: Vec<(String, serde_json::Value, serde_json::Value)> = sqlx::query_as(
        "SELECT r.month, s.content, s.standing::jsonb FROM exco_reviews r
           JOIN exco_review_snapshots s ON s.review_id = r.id
          WHERE r.programme_id = $1 ORDER BY r.month",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for (month, content, standing) in &packs {
        let expected: Vec<serde_json::Value> = content["figures"]["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                serde_json::json!({"id": m["id"], "unit": m["unit"], "value": m["value"], "status": m["status"]})
            })
            .collect();
        assert!(!expected.is_empty(), "{month}");
        assert_eq!(standing, &serde_json::Value::Array(expected), "{month}");
    }
    let held = ceo.get(&review).await;
    match packs.iter().rev().nth(1) {
        Some((before, ..)) => {
            assert!(
                held.shows(&format!("What moved since the review of {before}")),
                "{}",
                held.body
            )
        }
        None => assert!(held.shows("nothing to compare with yet"), "{}", held.body),
    }
    let again = ceo
        .post(
            &review,
            &[
                ("meeting_on", "2026-12-09"),
                ("strategy", "Later thoughts"),
                ("version", "4"),
            ],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.shows("This review was held"));

    // Correct the primary metric's frozen value: the pack and its hash stay.
    let primary = frozen["figures"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["primary"] == true)
        .unwrap()
        .clone();
    let period = primary["period"].as_str().unwrap();
    let version = app
        .value_version(primary["id"].as_str().unwrap(), period)
        .await;
    let corrected = coo
        .post(
            &format!(
                "/programmes/{id}/metrics/{}",
                primary["id"].as_str().unwrap()
            ),
            &[
                ("period", period),
                ("value", "12.5"),
                ("reason", "Re-counted after the review"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(corrected.status, 303, "{}", corrected.body);
    let (hash_after, frozen_after): (String, serde_json::Value) = sqlx::query_as(
        "SELECT r.snapshot_hash, s.content FROM exco_reviews r JOIN exco_review_snapshots s ON s.review_id = r.id WHERE r.programme_id = $1 AND r.month = '2026-11'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((hash_after, frozen_after), (hash.clone(), frozen));
    let verify = ceo.get(&format!("{review}/verify")).await;
    assert!(verify.shows("Intact."), "{}", verify.body);
    assert!(verify.shows(&hash));
    assert!(verify.shows("the dashboard now shows 12.5 %"));
    assert!(ceo.get(&review).await.shows("corrected since to 12.5 %"));
    assert!(ceo.get(&format!("{review}/pack")).await.shows(&hash));

    // The serving role cannot rewrite a pack; a superuser who does is caught.
    let serving = crate::helpers::serving_pool(&app.pool);
    let refused = sqlx::query("UPDATE exco_review_snapshots SET content = '{}'")
        .execute(&serving)
        .await;
    assert!(refused.is_err());
    let mut owner = app.pool.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *owner)
        .await
        .unwrap();
    sqlx::query("UPDATE exco_review_snapshots s SET content = jsonb_set(content, '{strategy}', '\"Rewritten\"') FROM exco_reviews r WHERE r.id = s.review_id AND r.month = '2026-11' AND r.programme_id = $1")
        .bind(id)
        .execute(&mut *owner)
        .await
        .unwrap();
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *owner)
        .await
        .unwrap();
    assert!(
        ceo.get(&format!("{review}/verify"))
            .await
            .shows("Does not match.")
    );
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn the_calendar_feed_keeps_its_uids_moves_events_and_dies_when_revoked() {
    use icalendar::{Calendar, CalendarComponent, Component};
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = programme(&app, "Accounts payable agents").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let issued = ceo.post("/account/calendar", &[("action", "issue")]).await;
    assert_eq!(issued.status, 200);
    let marker = "id=\"feed-address\" type=\"text\" readonly value=\"";
    let start = issued.body.find(marker).unwrap() + marker.len();
    let address = issued.body[start..start + issued.body[start..].find('"').unwrap()].to_owned();
    let path = address
        .split_once("//")
        .unwrap()
        .1
        .split_once('/')
        .map(|(_, p)| format!("/{p}"))
        .unwrap();
    assert!(ceo.get("/account/calendar").await.shows("Active"));
    assert!(
        !ceo.get("/account/calendar").await.body.contains(&path),
        "shown once only"
    );

    let mut anonymous = app.client();
    let events = |text: &str| -> Vec<(String, String, String, String)> {
        let calendar: Calendar = text.parse().expect("the feed parses");
        calendar
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some((
                    e.get_uid().unwrap_or_default().to_owned(),
                    e.property_value("DTSTART").unwrap_or_default().to_owned(),
                    e.property_value("SEQUENCE").unwrap_or_default().to_owned(),
                    e.property_value("STATUS").unwrap_or_default().to_owned(),
                )),
                _ => None,
            })
            .collect()
    };
    let feed = anonymous.get(&path).await;
    assert_eq!(feed.status, 200);
    assert!(feed.header("content-type").starts_with("text/calendar"));
    let before = events(&feed.body);
    let uid = format!("review-2026-11.{id}@tandem");
    let event = before
        .iter()
        .find(|e| e.0 == uid)
        .expect("November's review is due")
        .clone();
    assert_eq!(event.1, "20261215T090000Z", "UTC, on the default day");
    assert!(before.iter().any(|e| e.0.starts_with("decision-2.")));
    assert!(
        before.iter().any(|e| e.3 == "CANCELLED"),
        "weeks called off by the deployment"
    );

    // Planning the meeting moves the event: same UID, a higher SEQUENCE.
    ceo.post(
        &format!("/programmes/{id}/reviews"),
        &[("month", "2026-11"), ("meeting_on", "2026-12-08")],
    )
    .await;
    let after = events(&anonymous.get(&path).await.body);
    let moved = after
        .iter()
        .find(|e| e.0 == uid)
        .expect("the same UID")
        .clone();
    assert_eq!(moved.1, "20261208T090000Z");
    assert!(moved.2.parse::<u32>().unwrap() > event.2.parse::<u32>().unwrap());
    assert_eq!(after.len(), before.len(), "moved, not duplicated");

    // Renewing kills the old address; revoking kills the new one.
    let renewed = ceo.post("/account/calendar", &[("action", "issue")]).await;
    assert_eq!(renewed.status, 200);
    assert_eq!(anonymous.get(&path).await.status, 404);
    let start = renewed.body.find(marker).unwrap() + marker.len();
    let new_path = renewed.body[start..start + renewed.body[start..].find('"').unwrap()]
        .split_once("//")
        .unwrap()
        .1
        .split_once('/')
        .map(|(_, p)| format!("/{p}"))
        .unwrap();
    assert_eq!(anonymous.get(&new_path).await.status, 200);
    assert_eq!(
        ceo.post("/account/calendar", &[("action", "revoke")])
            .await
            .status,
        303
    );
    assert_eq!(anonymous.get(&new_path).await.status, 404);
}
