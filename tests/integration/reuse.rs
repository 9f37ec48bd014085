//! Pages served again from the page cache: never stale after a change by
//! anyone, never shown to another session, and a one-time message still
//! shown once. (What a repeat view costs is counted in `roundtrips`.)

use crate::helpers::{LIVE, TestApp};

const CEO: &str = "ceo@halden.example";
const COO: &str = "coo@halden.example";

#[tokio::test]
async fn a_page_seen_again_shows_every_change_made_since_by_anyone() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let metric = format!("/programmes/{id}/metrics/exception-rate");
    let dashboard = format!("/programmes/{id}/dashboard");
    let mut ceo = app.login(CEO).await;
    let mut coo = app.login(COO).await;

    let before = ceo.get(&metric).await;
    assert_eq!(before.status, 200);
    assert!(!before.shows("Supplier onboarding done"));
    assert_eq!(ceo.get(&metric).await.body, before.body, "seen again");
    ceo.get(&dashboard).await;

    let week = app.this_week();
    let fields = [
        ("period", week.as_str()),
        ("value", "41.5"),
        ("note", "Supplier onboarding done"),
    ];
    let saved = coo.post(&metric, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let after = ceo.get(&metric).await;
    assert!(after.shows("Supplier onboarding done"), "{}", after.body);
    assert!(ceo.get(&dashboard).await.shows("41.5 %"));
}

#[tokio::test]
async fn a_kept_page_is_never_shown_to_another_session() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let dashboard = format!("/programmes/{id}/dashboard");
    let mut ceo = app.login(CEO).await;
    let mut ceo_on_phone = app.login(CEO).await;
    let mut coo = app.login(COO).await;

    let laptop = ceo.get(&dashboard).await;
    assert_eq!(ceo.get(&dashboard).await.body, laptop.body);
    let phone = ceo_on_phone.get(&dashboard).await;
    assert_ne!(
        phone.csrf_token(),
        laptop.csrf_token(),
        "each session's forms carry its own token"
    );
    let other = coo.get(&dashboard).await;
    let signed_in_as = |name: &str| format!("title=\"Change your password\">{name}");
    assert!(laptop.body.contains(&signed_in_as("Maren Holt")));
    assert!(
        other.body.contains(&signed_in_as("Tomasz Reyes")),
        "the COO's own page"
    );
    assert_ne!(other.csrf_token(), laptop.csrf_token());
}

#[tokio::test]
async fn a_one_time_message_is_shown_once_on_a_page_seen_before() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let metric = format!("/programmes/{id}/metrics/exception-rate");
    let mut coo = app.login(COO).await;
    let week = app.this_week();
    let fields = [("period", week.as_str()), ("value", "41.5"), ("note", "")];
    assert_eq!(coo.post(&metric, &fields).await.status, 303);
    coo.get(&metric).await;
    let kept = coo.get(&metric).await;

    // Recording the same value again changes nothing (no audit entry, so
    // the kept page stays valid) but leaves a message for the next page.
    assert_eq!(coo.post(&metric, &fields).await.status, 303);
    assert!(coo.get(&metric).await.shows("Nothing changed"));
    let again = coo.get(&metric).await;
    assert!(!again.shows("Nothing changed"), "shown once");
    assert_eq!(again.body, kept.body);
}
