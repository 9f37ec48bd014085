//! Administration: people, seats and their history, programmes and their
//! signatories; validation that keeps what was typed; edit conflicts.

use uuid::Uuid;

use crate::helpers::TestApp;

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn version(app: &TestApp, id: Uuid) -> String {
    let v: i32 = sqlx::query_scalar("SELECT version FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    v.to_string()
}

#[tokio::test]
async fn an_invalid_form_comes_back_with_what_was_typed_and_a_message_beside_each_field() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut admin = app.login("admin@halden.example").await;
    let page = admin
        .create_user(
            "Rosa <b>Marsh</b>",
            "rosa@",
            "short",
            Some(("approver", "")),
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("value=\"Rosa &#60;b&#62;Marsh&#60;/b&#62;\"")
            || page
                .body
                .contains("value=\"Rosa &lt;b&gt;Marsh&lt;/b&gt;\""),
        "typed name kept, escaped"
    );
    assert!(page.body.contains("value=\"rosa@\""));
    assert!(page.shows("Enter a valid email address"));
    assert!(page.shows("Use at least 10 characters"));
    assert!(page.shows("Enter the approver's title"));
    assert!(
        !page.body.contains("value=\"short\""),
        "passwords are never echoed"
    );
    let count = app
        .count("SELECT count(*) FROM users WHERE email LIKE 'rosa%'")
        .await;
    assert_eq!(count, 0, "nothing was written");

    // A duplicate email, in any case, is a field error too.
    let page = admin
        .post(
            "/admin/users/new",
            &[
                ("display_name", "Second CEO"),
                ("email", "CEO@halden.example"),
                ("password", "long enough pass"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Someone already uses this email address."));
}

#[tokio::test]
async fn reassigning_the_ceo_seat_keeps_the_history() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut admin = app.login("admin@halden.example").await;
    let page = admin
        .create_user("Jon Vik", "newceo@halden.example", "initial-pass-9", None)
        .await;
    assert_eq!(page.status, 303);
    let jon = user_id(&app, "newceo@halden.example").await;
    let path = format!("/admin/users/{jon}");
    admin.get(&path).await;
    let v = version(&app, jon).await;
    let page = admin
        .post(
            &format!("{path}/seats"),
            &[("seat", "ceo"), ("version", &v)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let done = admin.get(&path).await;
    assert!(done.shows("Jon Vik now holds the CEO seat."));

    let seats = admin.get("/admin/seats").await;
    assert!(seats.shows("Earlier holders"));
    let (sitting, ended): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE ended_at IS NULL), count(*) FILTER (WHERE ended_at IS NOT NULL) FROM seats WHERE kind = 'ceo'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (sitting, ended),
        (1, 1),
        "one sitting CEO, one in the history"
    );
    let holder: String = sqlx::query_scalar(
        "SELECT u.email FROM seats s JOIN users u ON u.id = s.user_id WHERE s.kind = 'ceo' AND s.ended_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(holder, "newceo@halden.example");
    let audited = app.count("SELECT count(*) FROM audit_log WHERE action IN ('seat.start', 'seat.end') AND actor_id IS NOT NULL").await;
    assert_eq!(
        audited, 2,
        "the end of the old seat and the start of the new one are both audited"
    );

    // The old CEO keeps an account but no seat; the CEO cannot also be COO.
    let maren = user_id(&app, "ceo@halden.example").await;
    let v = version(&app, jon).await;
    admin.get(&path).await;
    let page = admin
        .post(
            &format!("{path}/seats"),
            &[("seat", "coo"), ("version", &v)],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("cannot be COO and CEO at once"));
    let maren_page = admin.get(&format!("/admin/users/{maren}")).await;
    assert!(maren_page.shows("CEO"));
    // The seats each session reads are the copies kept on the users' rows.
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn the_ceo_seat_cannot_be_left_empty_nor_the_last_admin_removed() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let mut admin = app.login("admin@halden.example").await;
    let ceo_seat: Uuid = sqlx::query_scalar("SELECT id FROM seats WHERE kind = 'ceo'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let maren = user_id(&app, "ceo@halden.example").await;
    admin.get(&format!("/admin/users/{maren}")).await;
    let v = version(&app, maren).await;
    let page = admin
        .post(&format!("/admin/seats/{ceo_seat}/end"), &[("version", &v)])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("never left empty"));

    let amara = user_id(&app, "admin@halden.example").await;
    let admin_seat: Uuid = sqlx::query_scalar("SELECT id FROM seats WHERE kind = 'admin'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let v = version(&app, amara).await;
    let page = admin
        .post(
            &format!("/admin/seats/{admin_seat}/end"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("last administrator seat"));
    let open = app
        .count("SELECT count(*) FROM seats WHERE ended_at IS NULL")
        .await;
    assert_eq!(open, 7, "no seat ended");
}

#[tokio::test]
async fn a_stale_form_gets_a_conflict_page_and_never_overwrites() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let mut first = app.login("admin@halden.example").await;
    let mut second = app.login("admin@halden.example").await;
    let path = format!("/admin/programmes/{}", demo.programme_id);
    first.get(&path).await;
    second.get(&path).await;
    let page = first
        .post(
            &path,
            &[
                ("name", "Freight agents — phase one"),
                ("summary", "First edit"),
                ("planned_start", "2027-02-01"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = second
        .post(
            &path,
            &[
                ("name", "Freight operations agents"),
                ("summary", "Second edit"),
                ("planned_start", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, 409);
    assert!(page.shows("Someone changed this while you were editing"));
    assert!(
        page.shows("Second edit") && page.shows("First edit"),
        "both versions are shown"
    );
    let (name, summary): (String, String) =
        sqlx::query_as("SELECT name, summary FROM programmes WHERE id = $1")
            .bind(demo.programme_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), summary.as_str()),
        ("Freight agents — phase one", "First edit")
    );
}

#[tokio::test]
async fn programmes_are_created_with_their_signatories_and_shown_to_readers() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let cfo = user_id(&app, "cfo@halden.example").await;
    let ceo = user_id(&app, "ceo@halden.example").await;
    let mut admin = app.login("admin@halden.example").await;
    admin.get("/admin/programmes/new").await;

    // Only sitting approvers can be signatories.
    let page = admin
        .post(
            "/admin/programmes/new",
            &[
                ("name", "Claims triage"),
                ("signatory", &ceo.to_string()),
                ("planned_start", "next week"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Only sitting approvers can be signatories."));
    assert!(page.shows("as YYYY-MM-DD"));
    assert!(page.body.contains("value=\"Claims triage\""));

    let page = admin
        .post(
            "/admin/programmes/new",
            &[
                ("name", "Claims triage"),
                ("summary", "Agents sort incoming claims."),
                ("planned_start", "2027-04-05"),
                ("signatory", &cfo.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let overview_path = page.location().to_owned();
    let mut exco = app.login("exco.people@halden.example").await;
    let overview = exco.get(&overview_path).await;
    assert_eq!(overview.status, 200);
    assert!(overview.shows("Claims triage"));
    assert!(overview.shows("Priya Nair, CFO"));
    assert!(overview.shows("5 April 2027"));
    assert!(
        !overview.shows("Edit programme"),
        "ExCo members do not see admin controls"
    );

    let audited = app.count("SELECT count(*) FROM audit_log WHERE action = 'programme.create' AND after->'programme'->>'name' = 'Claims triage' AND actor_id IS NOT NULL").await;
    assert_eq!(audited, 1);
    let audit_page = admin.get("/admin/audit").await;
    assert!(audit_page.shows("programme.create"));
}

#[tokio::test]
async fn the_demo_loads_idempotently() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    app.load_demo().await;
    let (users, orgs, programmes): (i64, i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM organisations), (SELECT count(*) FROM programmes)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((users, orgs, programmes), (7, 1, 3));
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users ORDER BY email")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for seat in ["ceo@", "coo@", "cfo@", "cto@", "admin@"] {
        assert!(emails.iter().any(|e| e.starts_with(seat)), "{seat} missing");
    }
}
