//! The authorization matrix: every route the router serves, for every seat,
//! against the permission table of SPEC §1. A route missing from `rule`
//! fails the test, so every future route must be added here.

use reqwest::Method;
use tandem::domain::seat::SeatKind::{self, *};
use tandem::web::{Layering, catalogue};

use crate::helpers::{Client, Demo, PASSWORD, Page, TestApp};

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in, seat or no seat.
    SignedIn,
    /// Holders of one of these seats.
    Seats(&'static [SeatKind]),
    /// A secret address: without the secret, nobody (signed in or not) finds it.
    Secret,
    /// The API: only a bearer token opens it, never a session cookie (401).
    Api,
    /// Anyone signed in, for their own objects only: another's (here, any
    /// id the test makes up) answers 404.
    Own,
}

const READERS: &[SeatKind] = &[Ceo, Coo, Approver, Exco, Admin];
const CEO_AND_COO: &[SeatKind] = &[Ceo, Coo];
/// The demo's version 2 is to be signed by the CEO, the COO, the CFO and the CTO.
const SIGNATORIES: &[SeatKind] = &[Ceo, Coo, Approver];
const ADMIN: &[SeatKind] = &[Admin];
const CEO: &[SeatKind] = &[Ceo];
/// `{metric}` is the exception rate, an operational metric: the COO's to record.
const COO: &[SeatKind] = &[Coo];
const COO_AND_OVERRIDE_OWNER: &[SeatKind] = &[Coo, Approver];

/// The expected table. Add every new route here.
fn rule(method: &Method, path: &str) -> Option<Rule> {
    use Rule::*;
    Some(match (method.as_str(), path) {
        (
            "GET",
            "/healthz"
            | "/readyz"
            | "/static/tandem.css"
            | "/static/passkeys.js"
            | "/static/favicon.svg"
            | "/favicon.ico"
            | "/login",
        ) => Public,
        // Signing out is harmless for anyone: it ends whatever session the caller has.
        ("POST", "/login" | "/logout") => Public,
        ("GET" | "POST", "/account/password") => SignedIn,
        ("GET", "/account/notifications") | ("POST", "/account/notifications/read") => SignedIn,
        ("GET" | "POST", "/account/notifications/settings") => SignedIn,
        // Without a link tandem signed, nobody finds it.
        ("GET" | "POST", "/unsubscribe/{user}/{kind}/{tag}" | "/invitations/{token}") => Secret,
        (
            "POST",
            "/invitations/{token}/single-sign-on"
            | "/invitations/{token}/passkey/begin"
            | "/invitations/{token}/passkey/finish",
        ) => Secret,
        ("GET", "/") => SignedIn,
        ("GET", "/programmes/{id}") => Seats(READERS),
        (
            "GET",
            "/programmes/{id}/matrix"
            | "/programmes/{id}/matrix/history"
            | "/programmes/{id}/matrix/print",
        ) => Seats(READERS),
        ("GET", "/programmes/{id}/matrix.csv" | "/programmes/{id}/matrix.xlsx") => Seats(READERS),
        ("GET", "/programmes/{id}/matrix/edit") => Seats(CEO_AND_COO),
        ("POST", "/programmes/{id}/phase") => Seats(CEO_AND_COO),
        ("GET", "/programmes/{id}/brief" | "/programmes/{id}/brief/versions/{number}") => {
            Seats(READERS)
        }
        ("GET", "/programmes/{id}/brief/versions/{number}/certificate") => Seats(READERS),
        ("GET", "/programmes/{id}/brief/versions/{number}/verify") => Seats(READERS),
        // {key} is a joint section: either executive may edit and agree it.
        ("GET", "/programmes/{id}/brief/sections/{key}/edit") => Seats(CEO_AND_COO),
        ("POST", "/programmes/{id}/brief/sections/{key}") => Seats(CEO_AND_COO),
        ("POST", "/programmes/{id}/brief/sections/{key}/agree") => Seats(CEO_AND_COO),
        ("POST", "/programmes/{id}/brief/submit") => Seats(CEO_AND_COO),
        ("GET" | "POST", "/programmes/{id}/brief/versions/{number}/sign") => Seats(SIGNATORIES),
        ("POST", "/programmes/{id}/matrix" | "/programmes/{id}/reporting-line") => {
            Seats(CEO_AND_COO)
        }
        (
            "GET",
            "/admin/users" | "/admin/users/new" | "/admin/users/{id}" | "/admin/seats"
            | "/admin/programmes",
        ) => Seats(ADMIN),
        (
            "GET",
            "/admin/programmes/new"
            | "/admin/programmes/{id}"
            | "/admin/audit"
            | "/admin/audit/verify",
        ) => Seats(ADMIN),
        (
            "POST",
            "/admin/users/new"
            | "/admin/users/{id}"
            | "/admin/users/{id}/password"
            | "/admin/users/{id}/invitation"
            | "/admin/users/{id}/single-sign-on/unlink"
            | "/admin/users/{id}/passkeys/remove"
            | "/admin/users/{id}/seats",
        ) => Seats(ADMIN),
        ("POST", "/admin/seats/{id}/end" | "/admin/programmes/new" | "/admin/programmes/{id}") => {
            Seats(ADMIN)
        }
        (
            "GET",
            "/programmes/{id}/dashboard"
            | "/programmes/{id}/dashboard.csv"
            | "/programmes/{id}/dashboard.xlsx"
            | "/programmes/{id}/metrics/{metric}",
        ) => Seats(READERS),
        ("GET" | "POST", "/programmes/{id}/dashboard/import") => Seats(CEO_AND_COO),
        ("POST", "/programmes/{id}/dashboard/roi") => Seats(CEO),
        ("POST", "/programmes/{id}/metrics/{metric}") => Seats(COO),
        (
            "GET",
            "/programmes/{id}/cadence"
            | "/programmes/{id}/sessions/{number}"
            | "/programmes/{id}/updates/{number}"
            | "/programmes/{id}/decisions"
            | "/programmes/{id}/decisions/{number}"
            | "/programmes/{id}/reviews/{month}"
            | "/programmes/{id}/reviews/{month}/pack"
            | "/programmes/{id}/reviews/{month}/verify",
        ) => Seats(READERS),
        ("GET", "/programmes/{id}/sessions/new") => Seats(CEO_AND_COO),
        (
            "POST",
            "/programmes/{id}/sessions"
            | "/programmes/{id}/sessions/{number}/check"
            | "/programmes/{id}/actions/{action}"
            | "/programmes/{id}/reviews"
            | "/programmes/{id}/reviews/{month}"
            | "/programmes/{id}/reviews/{month}/hold",
        ) => Seats(CEO_AND_COO),
        ("GET", "/programmes/{id}/updates/new") => Seats(COO),
        ("POST", "/programmes/{id}/updates" | "/programmes/{id}/updates/{number}/requests") => {
            Seats(COO)
        }
        ("POST", "/programmes/{id}/decisions/{number}") => Seats(CEO),
        ("GET" | "POST", "/account/calendar") => SignedIn,
        ("GET", "/programmes/{id}/health") => Seats(READERS),
        ("POST", "/programmes/{id}/health/statement" | "/programmes/{id}/health/rating") => {
            Seats(CEO_AND_COO)
        }
        ("POST", "/programmes/{id}/health/pulse") => Seats(CEO),
        ("GET", "/calendar/{token}/tandem.ics") => Secret,
        ("GET", "/api/v1/openapi.json") => Public,
        (
            "GET",
            "/api/v1/programmes/{id}/metrics" | "/api/v1/programmes/{id}/metrics/{metric}/values",
        ) => Api,
        ("PUT", "/api/v1/programmes/{id}/metrics/{metric}/values/{period}") => Api,
        ("GET", "/programmes/{id}/pipeline") => Seats(READERS),
        (
            "POST",
            "/programmes/{id}/pipeline/{process}/stage"
            | "/programmes/{id}/pipeline/{process}/gates"
            | "/programmes/{id}/pipeline/{process}/gates/{gate}/remove"
            | "/programmes/{id}/reviews/{month}/pipeline",
        ) => Seats(CEO_AND_COO),
        ("GET", "/api/v1/programmes/{id}/pipeline") => Api,
        ("GET" | "POST", "/admin/programmes/{id}/tokens") => Seats(ADMIN),
        ("POST", "/admin/programmes/{id}/tokens/{token}/revoke") => Seats(ADMIN),
        ("GET", "/admin/mail" | "/admin/mail/{id}") => Seats(ADMIN),
        ("GET" | "POST", "/admin/single-sign-on") => Seats(ADMIN),
        ("POST", "/admin/sign-off") => Seats(ADMIN),
        // Confirming at the organisation's provider: the demo has none.
        ("POST", "/sso/confirm") => Own,
        ("GET", "/account/passkeys") => SignedIn,
        (
            "POST",
            "/account/passkeys/register/begin"
            | "/account/passkeys/register/finish"
            | "/account/passkeys/confirm/begin"
            | "/account/passkeys/confirm/finish",
        ) => SignedIn,
        ("POST", "/account/passkeys/{id}/rename" | "/account/passkeys/{id}/remove") => Own,
        ("POST", "/login/passkey/begin" | "/login/passkey/finish") => Public,
        // Without the `state` of a sign-in this browser began, nobody.
        ("GET", "/sso/callback") => Secret,
        ("POST", "/admin/mail/test" | "/admin/mail/{id}/retry") => Seats(ADMIN),
        (
            "GET",
            "/programmes/{id}/agents"
            | "/programmes/{id}/agents/{agent}"
            | "/programmes/{id}/incidents/{number}",
        ) => Seats(READERS),
        (
            "POST",
            "/programmes/{id}/agents"
            | "/programmes/{id}/agents/{agent}"
            | "/programmes/{id}/agents/{agent}/retire"
            | "/programmes/{id}/overrides"
            | "/programmes/{id}/overrides/threshold"
            | "/programmes/{id}/incidents"
            | "/programmes/{id}/incidents/{number}",
        ) => Seats(COO),
        // {agent} is the invoice matcher, whose payment approvals the signed
        // framework lets the CFO (the approver tested) overrule.
        ("POST", "/programmes/{id}/agents/{agent}/suspend") => Seats(COO_AND_OVERRIDE_OWNER),
        ("POST", "/programmes/{id}/agents/{agent}/resume") => Seats(CEO_AND_COO),
        ("POST", "/programmes/{id}/incidents/{number}/acknowledge") => Seats(CEO_AND_COO),
        ("GET", "/api/v1/programmes/{id}/agents") => Api,
        ("POST", "/api/v1/programmes/{id}/agents/{agent}/overrides") => Api,
        ("PUT", "/api/v1/programmes/{id}/agents/{agent}/decisions/{decision}/{month}") => Api,
        _ => return None,
    })
}

/// The cadence's routes point at the live programme, which has every kind
/// of cadence record.
const CADENCE: [&str; 9] = [
    "agents",
    "overrides",
    "incidents",
    "cadence",
    "sessions",
    "actions",
    "updates",
    "decisions",
    "reviews",
];

/// A concrete URL for a route pattern, pointing at the demo organisation:
/// its programme, the joint "investment" section and the brief's version 2;
/// for the cadence, the live programme's session, week and request 2, its
/// latest held review and an action item; for the pipeline, the first
/// process of the programme in preparation (and a gate it does not have).
pub(crate) fn concrete(path: &str, demo: &Demo) -> String {
    let path = path
        .replace("{key}", "investment")
        .replace("{number}", "2")
        .replace("{metric}", "exception-rate")
        .replace("{month}", &demo.review_month)
        .replace("{action}", &demo.action_id.to_string())
        .replace("{process}", &demo.process_id.to_string())
        .replace("{agent}", &demo.agent_id.to_string())
        .replace("{decision}", "d1")
        .replace("{gate}", &uuid::Uuid::nil().to_string())
        .replace("/tokens/{token}", &format!("/tokens/{}", uuid::Uuid::nil()))
        .replace("{token}", &"0".repeat(64))
        .replace("{period}", "2026-W46")
        .replace("{user}", &demo.exco_id.to_string())
        .replace("{kind}", "digest")
        .replace("{tag}", &"0".repeat(32));
    let path = path.as_str();
    let id = match path {
        p if CADENCE
            .iter()
            .any(|part| p.starts_with(&format!("/programmes/{{id}}/{part}"))) =>
        {
            demo.live_programme_id
        }
        p if p.starts_with("/programmes/{id}")
            || p.starts_with("/admin/programmes/{id}")
            || p.starts_with("/api/v1/programmes/{id}") =>
        {
            demo.programme_id
        }
        p if p.starts_with("/admin/users/{id}") => demo.exco_id,
        p if p.starts_with("/admin/seats/{id}") => demo.exco_seat_id,
        p if p.starts_with("/admin/mail/{id}") => demo.mail_id,
        // No one's passkey: the caller's own are the only ones they reach.
        p if p.starts_with("/account/passkeys/{id}") => demo.exco_id,
        p if p.contains('{') => panic!("no id to put in {path}: teach `concrete` about it"),
        _ => return path.to_owned(),
    };
    path.replace("{id}", &id.to_string())
}

async fn call(client: &mut Client, method: &Method, url: &str) -> Page {
    if *method == Method::GET {
        client.get(url).await
    } else if *method == Method::PUT {
        client.send(Method::PUT, url, &[]).await
    } else {
        // An empty form: allowed callers get a validation answer and nothing changes.
        client.post(url, &[]).await
    }
}

fn is_login_redirect(page: &Page) -> bool {
    page.status == 303
        && page.location().starts_with("/login")
        && !page.location().contains("signed_out")
}

fn allowed(page: &Page) -> bool {
    !matches!(page.status, 401 | 403 | 404 | 405 | 500) && !is_login_redirect(page)
}

/// Routes in a stable order, with logout last so it ends each seat's run.
pub(crate) fn routes() -> Vec<(Method, &'static str, Layering)> {
    let mut routes = catalogue();
    routes.sort_by_key(|(method, path, _)| {
        (*path == "/logout", path.to_string(), method.to_string())
    });
    routes
}

#[tokio::test]
async fn every_route_is_in_the_table() {
    let missing: Vec<String> = catalogue()
        .into_iter()
        .filter(|(method, path, _)| rule(method, path).is_none())
        .map(|(method, path, _)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the authorization matrix: {missing:?}"
    );
}

#[tokio::test]
async fn every_seat_gets_exactly_what_the_permission_table_allows() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    seatless_user(&app).await;

    let actors: [(&str, Option<&str>, &[SeatKind]); 7] = [
        ("anonymous", None, &[]),
        ("no seat", Some("nobody@halden.example"), &[]),
        ("CEO", Some("ceo@halden.example"), &[Ceo]),
        ("COO", Some("coo@halden.example"), &[Coo]),
        ("approver", Some("cfo@halden.example"), &[Approver]),
        ("ExCo", Some("exco.commercial@halden.example"), &[Exco]),
        ("admin", Some("admin@halden.example"), &[Admin]),
    ];
    let mut failures = Vec::new();
    for (label, email, seats) in actors {
        let mut client = match email {
            Some(email) => app.login(email).await,
            None => app.client(),
        };
        for (method, path, _) in routes() {
            let rule = rule(&method, path).expect("checked by every_route_is_in_the_table");
            let url = concrete(path, &demo);
            let page = call(&mut client, &method, &url).await;
            if let Rule::Api = rule {
                if page.status != 401 {
                    failures.push(format!("{label}: {method} {url} answered {} (expected 401: cookies never open the API)", page.status));
                }
                continue;
            }
            if let Rule::Secret = rule {
                if page.status != 404 {
                    failures.push(format!(
                        "{label}: {method} {url} answered {} (expected 404)",
                        page.status
                    ));
                }
                continue;
            }
            if let Rule::Own = rule {
                let ok = match email {
                    Some(_) => page.status == 404,
                    None => is_login_redirect(&page) || page.status == 403,
                };
                if !ok {
                    failures.push(format!(
                        "{label}: {method} {url} answered {} (expected {})",
                        page.status,
                        if email.is_some() {
                            "404: not theirs"
                        } else {
                            "a login redirect"
                        }
                    ));
                }
                continue;
            }
            let expect_allowed = match rule {
                Rule::Secret | Rule::Api | Rule::Own => unreachable!("answered above"),
                Rule::Public => true,
                Rule::SignedIn => email.is_some(),
                Rule::Seats(permitted) => seats.iter().any(|seat| permitted.contains(seat)),
            };
            let ok = if expect_allowed {
                allowed(&page)
            } else if email.is_none() {
                is_login_redirect(&page) || page.status == 403
            } else {
                page.status == 403
            };
            if !ok {
                failures.push(format!(
                    "{label}: {method} {url} answered {} {} (expected {})",
                    page.status,
                    page.location(),
                    if expect_allowed { "allowed" } else { "denied" }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization failures:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn another_organisations_objects_answer_404() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let other = app.other_organisation().await;
    // Admin and CEO of the other organisation: every permission check passes,
    // so only the organisation scoping stands between them and the data.
    let mut outsider = app.login(&other.admin_email).await;
    let mut checked = 0;
    for (method, path, _) in routes() {
        // The API answers 401 before anything without a token; tokens of
        // another organisation are tested in api.rs.
        if !path.contains("{id}") || path.starts_with("/api/") {
            continue;
        }
        let url = concrete(path, &demo);
        let page = call(&mut outsider, &method, &url).await;
        assert_eq!(
            page.status, 404,
            "{method} {url} must not reveal another organisation's data"
        );
        assert!(page.shows("Page not found"));
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} routes with ids were checked");
    // Its own programme is fine.
    assert_eq!(
        outsider
            .get(&format!("/programmes/{}", other.programme_id))
            .await
            .status,
        200
    );
    // And nothing of the demo organisation shows on its pages.
    let home = outsider.get("/").await;
    assert!(!home.shows("Freight operations agents"));
    let people = outsider.get("/admin/users").await;
    assert!(!people.shows("Maren Holt"));
}

async fn seatless_user(app: &TestApp) {
    let org: uuid::Uuid =
        sqlx::query_scalar("SELECT organisation_id FROM users WHERE email = 'ceo@halden.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let hash = tandem::auth::password::hash(PASSWORD).await.unwrap();
    tandem::db::users::insert(
        &app.pool,
        tandem::db::users::NewUser {
            organisation_id: org,
            email: "nobody@halden.example",
            display_name: "No Seat",
            password_hash: Some(&hash),
            must_change_password: false,
            at: app.clock_now(),
        },
    )
    .await
    .unwrap();
}
