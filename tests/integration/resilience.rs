//! What the second round of attacks and real clients found: a typed year 0
//! that took an organisation down, resent forms that recorded twice, a
//! correction without a version, and the edges of the API.

use reqwest::Method;

use crate::authz::{concrete, routes};
use crate::helpers::{FREIGHT, LIVE, Page, TestApp, set};

/// The dates and periods typed in each reproduction.
const YEAR_ZERO: &str = "0000-01-01";

fn answered_already(answer: &(u16, String)) -> bool {
    answer.0 == 200 && answer.1.contains("Already recorded")
}

#[tokio::test]
async fn a_year_zero_date_typed_anywhere_is_refused_and_every_page_stays_up() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let live = app.programme_id(LIVE).await;
    let freight = app.programme_id(FREIGHT).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let mut admin = app.login("admin@halden.example").await;

    let review = ceo
        .post(
            &format!("/programmes/{live}/reviews"),
            &[("month", "2026-11"), ("meeting_on", YEAR_ZERO)],
        )
        .await;
    assert_eq!(review.status, 422, "{}", review.body);
    assert!(review.shows("between 2000-01-01 and 2099-12-31"));
    let session = coo
        .submit_form(
            &format!("/programmes/{freight}/sessions/new"),
            "/sessions\"",
            &format!("/programmes/{freight}/sessions"),
            &[("held_on", YEAR_ZERO)],
        )
        .await;
    assert_eq!(session.status, 422);
    assert!(session.shows("between 2000-01-01 and 2099-12-31"));
    let programme = admin
        .post(
            "/admin/programmes/new",
            &[("name", "Claims triage"), ("planned_start", YEAR_ZERO)],
        )
        .await;
    assert_eq!(programme.status, 422);
    assert!(programme.shows("between 2000-01-01 and 2099-12-31"));

    // Periods: before the metric's baseline, in a year no programme has,
    // and not yet begun; by the form, the API and the CSV import alike.
    let metric = format!("/programmes/{live}/metrics/exception-rate");
    for (period, message) in [
        ("0999-W01", "give an ISO week"),
        ("9999-W01", "give an ISO week"),
        ("2099-W01", "has not begun yet"),
        ("2024-W01", "before this metric's baseline"),
    ] {
        let page = coo
            .post(&metric, &[("period", period), ("value", "40")])
            .await;
        assert_eq!(page.status, 422, "{period}: {}", page.body);
        assert!(page.shows(message), "{period}: {}", page.body);
        let import = coo
            .post(
                &format!("/programmes/{live}/dashboard/import"),
                &[(
                    "csv",
                    &format!("metric_id,metric,kind,unit,period,value,note\nexception-rate,,,,{period},40,\n"),
                )],
            )
            .await;
        assert_eq!(import.status, 422, "{period}");
        assert!(
            import.shows(&format!("Line 2: period “{period}”")),
            "{}",
            import.body
        );
    }
    // A week typed without its leading zero is the same week.
    let week = app.this_week();
    let (year, number) = week.split_once("-W").unwrap();
    let short = format!("{year}-W{}", number.trim_start_matches('0'));
    let recorded = coo
        .post(&metric, &[("period", &short), ("value", "40")])
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM metric_values WHERE metric_id = 'exception-rate' AND period = '{week}'"
        ))
        .await,
        1
    );

    // The database agrees, whatever path a write takes.
    let refused = sqlx::query("UPDATE action_items SET due_on = '0001-01-01 BC'")
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("action_items_due_on_range"),
        "{refused}"
    );
    let refused = sqlx::query("UPDATE metric_values SET period = '9999-W01'")
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("metric_values_period_range"));

    assert_eq!(ceo.get("/").await.status, 200);
    assert_eq!(ceo.get(&format!("/programmes/{live}")).await.status, 200);
}

#[tokio::test]
async fn every_page_renders_with_dates_at_both_ends_of_the_range() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let live = demo.live_programme_id;
    let freight = demo.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let mut admin = app.login("admin@halden.example").await;

    // The latest meeting day and due date there can be, the earliest
    // session and start.
    let opened = ceo
        .post(
            &format!("/programmes/{live}/reviews"),
            &[("month", "2026-11"), ("meeting_on", "2099-12-31")],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let session = coo
        .submit_form(
            &format!("/programmes/{freight}/sessions/new"),
            "/sessions\"",
            &format!("/programmes/{freight}/sessions"),
            &[
                ("held_on", "2000-01-01"),
                ("action_title_1", "Look a lifetime ahead"),
                ("action_owner_1", "ceo"),
                ("action_due_1", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(session.status, 303, "{}", session.body);
    let edit = format!("/admin/programmes/{freight}");
    let form = admin.get(&edit).await;
    let mut fields = form.form_fields(&format!("action=\"{edit}\""));
    set(&mut fields, "planned_start", "2099-12-31");
    let saved = admin.post_pairs(&edit, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let mut failures = Vec::new();
    for (method, path, _) in routes() {
        if method != Method::GET || path.starts_with("/api/") || path == "/logout" {
            continue;
        }
        let url = concrete(path, &demo);
        let page: Page = ceo.get(&url).await;
        if page.status >= 500 {
            failures.push(format!("GET {url} answered {}", page.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let home = ceo.get("/").await;
    assert!(home.shows("Look a lifetime ahead") || home.status == 200);
}

#[tokio::test]
async fn a_form_sent_again_or_three_times_at_once_records_once() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let freight = app.programme_id(FREIGHT).await;
    let live = app.programme_id(LIVE).await;
    let mut coo = app.login("coo@halden.example").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut admin = app.login("admin@halden.example").await;

    // An alignment session.
    let new = coo
        .get(&format!("/programmes/{freight}/sessions/new"))
        .await;
    let mut fields = new.form_fields("/sessions\"");
    set(
        &mut fields,
        "held_on",
        &app.clock_now().date_naive().to_string(),
    );
    let before = app.count("SELECT count(*) FROM alignment_sessions").await;
    let answers = coo
        .post_at_once(&format!("/programmes/{freight}/sessions"), &fields, 3)
        .await;
    assert_eq!(
        app.count("SELECT count(*) FROM alignment_sessions").await,
        before + 1
    );
    assert_eq!(answers.iter().filter(|a| a.0 == 303).count(), 1);
    assert_eq!(answers.iter().filter(|a| answered_already(a)).count(), 2);
    let again = coo
        .post_pairs(&format!("/programmes/{freight}/sessions"), &fields)
        .await;
    assert!(again.shows("Already recorded"));
    let number = app
        .count("SELECT max(number)::bigint FROM alignment_sessions WHERE programme_id IN (SELECT id FROM programmes WHERE name = 'Freight operations agents')")
        .await;
    assert!(
        again
            .body
            .contains(&format!("href=\"/programmes/{freight}/sessions/{number}\""))
    );

    // A pulse check. The page is kept by the page cache, yet each view of
    // it carries a key of its own.
    let health = format!("/programmes/{live}/health");
    let key = |page: &Page| {
        page.form_fields(&format!("action=\"{health}/pulse\""))
            .into_iter()
            .find(|(name, _)| name == "once")
            .unwrap()
            .1
    };
    let first_view = ceo.get(&health).await;
    let page = ceo.get(&health).await;
    assert_ne!(key(&first_view), key(&page));
    let mut fields = page.form_fields(&format!("action=\"{health}/pulse\""));
    set(&mut fields, "stated_value", "50");
    set(&mut fields, "stated_target", "70");
    let before = app.count("SELECT count(*) FROM pulse_checks").await;
    let answers = ceo
        .post_at_once(&format!("{health}/pulse"), &fields, 3)
        .await;
    assert_eq!(
        app.count("SELECT count(*) FROM pulse_checks").await,
        before + 1,
        "{answers:?}"
    );

    // An API token: one live token, its secret shown once.
    let tokens = format!("/admin/programmes/{live}/tokens");
    let page = admin.get(&tokens).await;
    let mut fields = page.form_fields(&format!("action=\"{tokens}\""));
    set(&mut fields, "name", "AI platform");
    fields.push(("scope".into(), "write".into()));
    let answers = admin.post_at_once(&tokens, &fields, 3).await;
    assert_eq!(
        app.count("SELECT count(*) FROM api_tokens WHERE name = 'AI platform'")
            .await,
        1
    );
    assert_eq!(answers.iter().filter(|a| a.1.contains("tdm_")).count(), 1);
    assert_eq!(answers.iter().filter(|a| answered_already(a)).count(), 2);

    // A decision request.
    let deploying = app.deploy_freight().await;
    let sent = coo
        .submit_form(
            &format!("/programmes/{deploying}/updates/new"),
            "/updates\"",
            &format!("/programmes/{deploying}/updates"),
            &[
                ("summary", "Matching agents live on the first carrier."),
                ("ws_name_1", "Matching agents"),
                ("ws_standing_1", "on_plan"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let update = coo.get(sent.location()).await;
    let mut fields = update.form_fields("/requests\"");
    set(&mut fields, "question", "Add a second carrier this week?");
    set(&mut fields, "options", "Yes; wait a week");
    set(&mut fields, "recommendation", "Yes");
    let answers = coo
        .post_at_once(&format!("{}/requests", sent.location()), &fields, 3)
        .await;
    assert_eq!(
        app.count("SELECT count(*) FROM decision_requests WHERE question = 'Add a second carrier this week?'")
            .await,
        1,
        "{answers:?}"
    );
    assert_eq!(answers.iter().filter(|a| answered_already(a)).count(), 2);
    // A form rendered afresh records a second request on purpose.
    let update = coo.get(sent.location()).await;
    let mut fields = update.form_fields("/requests\"");
    set(&mut fields, "question", "Add a second carrier this week?");
    set(&mut fields, "options", "Yes; wait a week");
    set(&mut fields, "recommendation", "Yes");
    let second = coo
        .post_pairs(&format!("{}/requests", sent.location()), &fields)
        .await;
    assert_eq!(second.status, 303);
}

#[tokio::test]
async fn a_correction_from_a_stale_form_gets_the_conflict_page() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let live = app.programme_id(LIVE).await;
    let mut coo = app.login("coo@halden.example").await;
    let metric = format!("/programmes/{live}/metrics/exception-rate");
    let week = app.this_week();
    let first = coo
        .post(&metric, &[("period", &week), ("value", "41.5")])
        .await;
    assert_eq!(first.status, 303);
    // The same period again opens the correction form, with the version it corrects.
    let form = coo
        .post(&metric, &[("period", &week), ("value", "39")])
        .await;
    assert_eq!(form.status, 422);
    let mut fields = form.form_fields(&format!("action=\"{metric}\""));
    assert!(fields.iter().any(|(k, v)| k == "version" && v == "1"));
    set(&mut fields, "reason", "Late queue counted");
    let mut other = fields.clone();
    set(&mut other, "value", "38");
    let answers = [
        coo.post_pairs(&metric, &fields).await,
        coo.post_pairs(&metric, &other).await,
    ];
    assert_eq!(answers[0].status, 303);
    assert_eq!(answers[1].status, 409, "{}", answers[1].body);
    assert!(answers[1].shows("39 %"));
    // Without a version, a correction is as stale as an old one.
    let bare = coo
        .post(
            &metric,
            &[("period", &week), ("value", "37"), ("reason", "Guessing")],
        )
        .await;
    assert_eq!(bare.status, 409);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM metric_value_corrections c JOIN metric_values v ON v.id = c.value_id WHERE v.period = '{week}' AND v.metric_id = 'exception-rate'")).await,
        1
    );
}

#[tokio::test]
async fn the_sign_in_forms_token_is_one_tandem_made_not_one_an_attacker_chose() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let chosen = "a".repeat(64);
    let mut attacker = app.client();
    attacker
        .cookies
        .insert("tandem_login_csrf".into(), chosen.clone());
    let forged = attacker
        .post_raw(
            "/login",
            &[
                ("csrf_token", &chosen),
                ("email", "ceo@halden.example"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(attacker.session_cookie().is_none());
    // A token of the right shape with a changed expiry is no better.
    let mut person = app.client();
    let login = person.get("/login").await;
    let real = person.cookies["tandem_login_csrf"].clone();
    assert_eq!(login.csrf_token().as_deref(), Some(real.as_str()));
    let parts: Vec<&str> = real.split('.').collect();
    let stretched = format!("{}.{}.{}", parts[0], "9999999999", parts[2]);
    person
        .cookies
        .insert("tandem_login_csrf".into(), stretched.clone());
    let refused = person
        .post_raw(
            "/login",
            &[
                ("csrf_token", &stretched),
                ("email", "ceo@halden.example"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    // The token tandem made signs in.
    person
        .cookies
        .insert("tandem_login_csrf".into(), real.clone());
    let signed_in = person
        .post_raw(
            "/login",
            &[
                ("csrf_token", &real),
                ("email", "ceo@halden.example"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
}

/// The XML of the first worksheet of a workbook.
fn first_sheet(xlsx: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut sheet = archive.by_name("xl/worksheets/sheet1.xml").unwrap();
    let mut xml = String::new();
    sheet.read_to_string(&mut xml).unwrap();
    xml
}

#[tokio::test]
async fn spreadsheets_read_what_tandem_writes_and_the_export_pastes_back() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let live = app.programme_id(LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;

    // The CSV says it is UTF-8 (a byte-order mark) and is read back as such.
    let (status, content_type, csv) = ceo
        .get_bytes(&format!("/programmes/{live}/dashboard.csv"))
        .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"));
    assert!(csv.starts_with(b"\xEF\xBB\xBFmetric_id,"));
    let text = String::from_utf8(csv).unwrap();
    let rows = text.lines().count() - 1;

    // Pasted back unchanged, whole, by either executive: nothing to do.
    for client in [&mut ceo, &mut coo] {
        let preview = client
            .post(
                &format!("/programmes/{live}/dashboard/import"),
                &[("csv", &text)],
            )
            .await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(
            preview.shows(&format!(
                "0 new values; {rows} already recorded exactly so."
            )),
            "{}",
            preview.body
        );
    }
    // A changed row of the other executive's metric is still refused.
    let first_operational = text
        .lines()
        .find(|line| line.starts_with("exception-rate,"))
        .unwrap()
        .to_owned();
    let mut cells: Vec<String> = first_operational.split(',').map(str::to_owned).collect();
    cells[5] = "12.25".into();
    let refused = ceo
        .post(
            &format!("/programmes/{live}/dashboard/import"),
            &[("csv", &cells.join(","))],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.shows("is the COO's to record"));

    // The workbook: numbers as numbers, the recorded time as a date.
    let (status, content_type, xlsx) = ceo
        .get_bytes(&format!("/programmes/{live}/dashboard.xlsx"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let sheet = first_sheet(&xlsx);
    assert!(sheet.contains("<c r=\"F2\""), "{sheet}");
    let f2 = &sheet[sheet.find("<c r=\"F2\"").unwrap()..];
    let f2 = &f2[..f2.find("</c>").unwrap()];
    assert!(
        !f2.contains("t=\"s\"") && f2.contains("<v>"),
        "a number: {f2}"
    );
    let h2 = &sheet[sheet.find("<c r=\"H2\"").unwrap()..];
    let h2 = &h2[..h2.find("</c>").unwrap()];
    assert!(
        h2.contains(" s=\"") && !h2.contains("t=\"s\""),
        "a date: {h2}"
    );
    let (status, _, matrix) = ceo
        .get_bytes(&format!("/programmes/{live}/matrix.xlsx"))
        .await;
    assert_eq!(status, 200);
    assert!(first_sheet(&matrix).contains("<sheetData>"));
}

/// WCAG 2.1's contrast ratio of two `#rrggbb` colours.
fn contrast(a: &str, b: &str) -> f64 {
    let luminance = |hex: &str| {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[tokio::test]
async fn the_focus_ring_stands_out_three_to_one_wherever_it_is_drawn() {
    let app = TestApp::spawn().await;
    let css = app.client().get("/static/tandem.css").await.body;
    let colour = |name: &str| {
        let at = css
            .find(&format!("{name}: #"))
            .unwrap_or_else(|| panic!("{name} in the CSS"))
            + name.len()
            + 2;
        css[at..at + 7].to_owned()
    };
    let (focus, on_accent) = (colour("--focus"), colour("--focus-on-accent"));
    assert!(css.contains(":focus-visible { outline: 3px solid var(--focus);"));
    for surface in [
        "--paper",
        "--canvas",
        "--accent-soft",
        "--ok-soft",
        "--warn-soft",
        "--bad-soft",
    ] {
        let ratio = contrast(&focus, &colour(surface));
        assert!(ratio >= 3.0, "focus ring on {surface}: {ratio:.2}:1");
    }
    let ratio = contrast(&on_accent, &colour("--accent"));
    assert!(ratio >= 3.0, "focus ring on the top bar: {ratio:.2}:1");
    assert!(
        contrast("#f2a900", "#f4f6f9") < 3.0,
        "the old ring, as measured"
    );
}

#[tokio::test]
async fn a_phase_move_raises_the_sequence_only_of_events_that_changed() {
    use icalendar::{Calendar, CalendarComponent, Component};
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let freight = app.programme_id(FREIGHT).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let issued = ceo.post("/account/calendar", &[("action", "issue")]).await;
    let marker = "id=\"feed-address\" type=\"text\" readonly value=\"";
    let start = issued.body.find(marker).unwrap() + marker.len();
    let address = &issued.body[start..start + issued.body[start..].find('"').unwrap()];
    let path = format!(
        "/{}",
        address
            .split_once("//")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1
    );
    let mut calendar_client = app.client();
    // uid → (start, status, summary, sequence) of the freight programme's events.
    let mut read = async || {
        let text = calendar_client.get(&path).await.body;
        let calendar: Calendar = text.parse().expect("the feed parses");
        assert_eq!(
            calendar.property_value("PRODID"),
            Some(tandem::web::calendar::PRODID)
        );
        assert!(tandem::web::calendar::PRODID.starts_with("-//tandem//"));
        calendar
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .filter(|e| {
                e.get_uid()
                    .is_some_and(|uid| uid.contains(&freight.to_string()))
            })
            .map(|e| {
                let get = |key: &str| e.property_value(key).unwrap_or_default().to_owned();
                (
                    get("UID"),
                    (
                        get("DTSTART"),
                        get("STATUS"),
                        get("SUMMARY"),
                        get("SEQUENCE"),
                    ),
                )
            })
            .collect::<std::collections::HashMap<_, _>>()
    };
    let before = read().await;
    assert_eq!(read().await, before, "reading twice changes nothing");
    app.deploy_freight().await;
    let after = read().await;
    let (mut kept, mut moved) = (0, 0);
    for (uid, (start, status, summary, sequence)) in &before {
        let Some(now) = after.get(uid) else { continue };
        let old: u32 = sequence.parse().unwrap();
        let new: u32 = now.3.parse().unwrap();
        if (&now.0, &now.1, &now.2) == (start, status, summary) {
            assert_eq!(new, old, "{uid} did not change: its SEQUENCE stays");
            kept += 1;
        } else {
            assert_eq!(new, old + 1, "{uid} changed: its SEQUENCE grows by one");
            moved += 1;
        }
    }
    assert!(kept > 0 && moved > 0, "kept {kept}, moved {moved}");
}

#[tokio::test]
async fn the_demo_live_programmes_weekly_updates_show_the_dashboard_of_their_week() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let live = app.programme_id(LIVE).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let requests: Vec<(i32, i32)> = sqlx::query_as(
        "SELECT d.number, w.week FROM decision_requests d JOIN weekly_updates w ON w.id = d.update_id
          WHERE d.programme_id = $1",
    )
    .bind(live)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        requests.len() >= 2,
        "the demo raises requests in several weeks"
    );
    for week in 1..=8 {
        let update = ceo.get(&format!("/programmes/{live}/updates/{week}")).await;
        assert_eq!(update.status, 200);
        assert!(!update.shows("No data"), "week {week}: {}", update.body);
        // Each week's page lists its own decision requests, no other week's.
        for (number, raised_in) in &requests {
            let link = format!("href=\"{}\"", tandem::paths::decision(live, number));
            assert_eq!(
                update.body.contains(&link),
                *raised_in == week,
                "week {week}, request {number} raised in week {raised_in}"
            );
        }
    }
    // The dashboard still reads as the demo means it: the primary metric
    // near its line, the exception rate off and sustained.
    let dashboard = ceo.get(&format!("/programmes/{live}/dashboard")).await;
    assert!(dashboard.shows("— near."), "{}", dashboard.body);
    assert!(dashboard.shows("Sustained: 3 periods off"));
}
