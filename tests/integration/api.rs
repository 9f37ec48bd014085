//! The JSON API: tokens made in the admin pages, reads, idempotent writes
//! and corrections, problem documents for every error, and the OpenAPI
//! description checked against the routes and the real responses.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{FREIGHT, LIVE, TestApp};

/// Creates a token through the admin form; returns the secret shown once.
pub(crate) async fn token(app: &TestApp, programme: Uuid, scope: &str) -> String {
    token_as(
        app,
        "admin@halden.example",
        programme,
        &format!("platform ({scope})"),
        scope,
    )
    .await
}

/// A raw API call: (status, content type, JSON body, WWW-Authenticate).
pub(crate) async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String, Value, String) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (content_type, www) = (header("content-type"), header("www-authenticate"));
    let text = response.text().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        www,
    )
}

#[tokio::test]
async fn a_script_pushes_a_week_of_values_once_and_corrects_one_with_a_reason() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let secret = token(&app, id, "write").await;
    let week = app.this_week();
    let values = [
        ("automated-processing-rate", 52.5),
        ("exception-rate", 44.0),
        ("cycle-time", 9.5),
        ("cost-per-transaction", 1.55),
        ("error-rate", 1.2),
    ];
    for (metric, value) in values {
        let path = format!("/api/v1/programmes/{id}/metrics/{metric}/values/{week}");
        let (status, _, body, _) = api(
            &app,
            Method::PUT,
            &path,
            Some(&secret),
            Some(&json!({ "value": value, "note": "from the platform" }).to_string()),
        )
        .await;
        assert_eq!(status, 201, "{metric}: {body}");
        assert_eq!(body["status"], "created");
    }
    let audit_before = app.count("SELECT count(*) FROM audit_log").await;
    // Pushing the same week again changes nothing and says so.
    for (metric, value) in values {
        let path = format!("/api/v1/programmes/{id}/metrics/{metric}/values/{week}");
        let (status, _, body, _) = api(
            &app,
            Method::PUT,
            &path,
            Some(&secret),
            Some(&json!({ "value": value, "note": "from the platform" }).to_string()),
        )
        .await;
        assert_eq!((status, body["status"].as_str()), (200, Some("unchanged")));
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log").await,
        audit_before
    );
    // The dashboard shows them.
    let mut coo = app.login("coo@halden.example").await;
    let metric = coo
        .get(&format!("/programmes/{id}/metrics/exception-rate"))
        .await;
    assert!(metric.shows("44 %"), "{}", metric.body);
    // A different value needs a reason; with one, it is a correction.
    let path = format!("/api/v1/programmes/{id}/metrics/exception-rate/values/{week}");
    let (status, content_type, body, _) = api(
        &app,
        Method::PUT,
        &path,
        Some(&secret),
        Some(r#"{"value": 42.5}"#),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (409, "application/problem+json")
    );
    assert_eq!(body["field"], "value");
    let (status, _, body, _) = api(
        &app,
        Method::PUT,
        &path,
        Some(&secret),
        Some(r#"{"value": 42.5, "reason": "Re-counted by the platform"}"#),
    )
    .await;
    assert_eq!(status, 409, "a correction names the version it corrects");
    assert!(body["detail"].as_str().unwrap().contains("(version 1)"));
    let (status, _, body, _) = api(
        &app,
        Method::PUT,
        &path,
        Some(&secret),
        Some(r#"{"value": 42.5, "reason": "Re-counted by the platform", "version": 1}"#),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("corrected")));
    let (status, _, body, _) = api(
        &app,
        Method::PUT,
        &path,
        Some(&secret),
        Some(r#"{"value": 41, "reason": "A second correction from the same read", "version": 1}"#),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (409, Some("version")),
        "{body}"
    );
    let page = coo
        .get(&format!("/programmes/{id}/metrics/exception-rate"))
        .await;
    assert!(page.shows("Re-counted by the platform"));
    // Every write names the token.
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE action = 'api.value_write' AND after->>'token' = 'platform (write)'").await, 6);
    // The admin page shows when it was last used.
    let mut admin = app.login("admin@halden.example").await;
    assert!(
        !admin
            .get(&format!("/admin/programmes/{id}/tokens"))
            .await
            .shows("never")
    );
}

#[tokio::test]
async fn every_error_is_a_problem_document_and_tokens_reach_one_programme_only() {
    let app = TestApp::spawn().await;
    let demo = app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let writer = token(&app, id, "write").await;
    let reader = token(&app, id, "read").await;
    let week = app.this_week();
    let put = |metric: &str, period: &str| {
        format!("/api/v1/programmes/{id}/metrics/{metric}/values/{period}")
    };
    let oversized = format!(
        r#"{{"value": 4, "note": "{}"}}"#,
        "x".repeat(tandem::config::BODY_LIMIT)
    );
    let big_week = week.clone();
    // (path, token, body, status, field at fault)
    type Case<'a> = (String, Option<&'a str>, &'a str, u16, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            put("exception-rate", &week),
            Some(writer.as_str()),
            "{not json",
            422,
            Some("body"),
        ),
        (
            put("exception-rate", &week),
            Some(writer.as_str()),
            r#"{"value": "high"}"#,
            422,
            Some("body"),
        ),
        (
            put("exception-rate", &week),
            Some(writer.as_str()),
            r#"{"value": 40, "colour": "red"}"#,
            422,
            Some("body"),
        ),
        (
            put("no-such-metric", &week),
            Some(writer.as_str()),
            r#"{"value": 4}"#,
            422,
            Some("metric"),
        ),
        (
            put("revenue-impact", "2026-10"),
            Some(writer.as_str()),
            r#"{"value": 4}"#,
            422,
            Some("metric"),
        ),
        (
            put("exception-rate", "2026-11"),
            Some(writer.as_str()),
            r#"{"value": 4}"#,
            422,
            Some("period"),
        ),
        (
            put("exception-rate", &week),
            Some(writer.as_str()),
            r#"{"value": 140}"#,
            422,
            Some("value"),
        ),
        (
            put("exception-rate", &week),
            Some(writer.as_str()),
            r#"{"value": 4, "note": "a\u0000b"}"#,
            422,
            Some("note"),
        ),
        (
            put("exception-rate", &week),
            Some(reader.as_str()),
            r#"{"value": 4}"#,
            403,
            None,
        ),
        (
            put("exception-rate", &week),
            None,
            r#"{"value": 4}"#,
            401,
            None,
        ),
        (
            put("exception-rate", &week),
            Some("tdm_not-a-token"),
            r#"{"value": 4}"#,
            401,
            None,
        ),
        (
            put("exception-rate", &week),
            Some(writer.as_str()),
            r#"[41, "note"]"#,
            422,
            Some("body"),
        ),
        (
            put("exception-rate", &week),
            Some(writer.as_str()),
            r#"{"value": 41, "version": null}"#,
            422,
            Some("body"),
        ),
        // A one-digit week is that week, which already has another value.
        (
            put("exception-rate", "2026-W5"),
            Some(writer.as_str()),
            r#"{"value": 41.25}"#,
            409,
            Some("value"),
        ),
        (
            put("exception-rate", &big_week),
            Some(writer.as_str()),
            &oversized,
            413,
            None,
        ),
        (
            format!("/api/v1/programmes/{}/metrics", demo.programme_id),
            Some(writer.as_str()),
            "",
            404,
            None,
        ),
        (
            format!("/api/v1/programmes/{}/metrics", Uuid::new_v4()),
            Some(reader.as_str()),
            "",
            404,
            None,
        ),
    ];
    for (path, token, body, status, field) in cases {
        let method = if body.is_empty() {
            Method::GET
        } else {
            Method::PUT
        };
        let (got, content_type, problem, www) = api(
            &app,
            method,
            &path,
            token,
            (!body.is_empty()).then_some(body),
        )
        .await;
        assert_eq!(got, status, "{path} {body}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{path} {body}");
        assert_eq!(problem["status"], status);
        assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(problem["field"].as_str(), field, "{path} {body}: {problem}");
        if status == 401 {
            assert!(www.starts_with("Bearer"));
        }
    }
    assert_eq!(
        app.count("SELECT count(*) FROM metric_values WHERE value = 4 OR value = 140")
            .await,
        0,
        "nothing half-written"
    );

    // Another organisation's token does not reach this programme.
    let other = app.other_organisation().await;
    let foreign = token_as(
        &app,
        &other.admin_email,
        other.programme_id,
        "theirs",
        "read",
    )
    .await;
    let (status, ..) = api(
        &app,
        Method::GET,
        &format!("/api/v1/programmes/{id}/metrics"),
        Some(&foreign),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // A bearer token never opens a page; a revoked one opens nothing.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/programmes/{id}", app.base))
        .header("Authorization", format!("Bearer {reader}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 303);
    let token_id: Uuid =
        sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = 'platform (read)'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut admin = app.login("admin@halden.example").await;
    assert_eq!(
        admin
            .post(
                &format!("/admin/programmes/{id}/tokens/{token_id}/revoke"),
                &[]
            )
            .await
            .status,
        303
    );
    let (status, ..) = api(
        &app,
        Method::GET,
        &format!("/api/v1/programmes/{id}/metrics"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, ..) = api(
        &app,
        Method::GET,
        &format!("/api/v1/programmes/{id}/metrics"),
        Some(&writer),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

async fn token_as(
    app: &TestApp,
    admin_email: &str,
    programme: Uuid,
    name: &str,
    scope: &str,
) -> String {
    let mut admin = app.login(admin_email).await;
    let page = admin
        .post(
            &format!("/admin/programmes/{programme}/tokens"),
            &[("name", name), ("scope", scope)],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "id=\"token-secret\" type=\"text\" readonly value=\"";
    let start = page.body.find(marker).unwrap() + marker.len();
    page.body[start..start + page.body[start..].find('"').unwrap()].to_owned()
}

/// Checks `value` against the subset of JSON Schema the description uses.
fn check(value: &Value, schema: &Value, doc: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(
            value,
            &doc["components"]["schemas"][name],
            doc,
            at,
            problems,
        );
    }
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let actual = kind(value);
    if !types.is_empty()
        && !types
            .iter()
            .any(|t| *t == actual || (*t == "number" && actual == "integer"))
    {
        problems.push(format!("{at}: {actual}, expected {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} not in {allowed:?}"));
    }
    if let Value::Object(map) = value {
        for required in schema["required"].as_array().into_iter().flatten() {
            if !map.contains_key(required.as_str().unwrap()) {
                problems.push(format!("{at}: missing {required}"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (key, v) in map {
                match properties.get(key) {
                    Some(s) => check(v, s, doc, &format!("{at}.{key}"), problems),
                    None => problems.push(format!("{at}: undocumented property {key}")),
                }
            }
        }
    }
    if let Value::Array(items) = value {
        for (i, item) in items.iter().enumerate() {
            check(item, &schema["items"], doc, &format!("{at}[{i}]"), problems);
        }
    }
}

#[tokio::test]
async fn the_openapi_description_matches_the_routes_and_the_responses() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let secret = token(&app, id, "write").await;
    let (status, _, doc, _) = api(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    // Every documented operation is served, and every API route documented.
    let served: Vec<(String, String)> = tandem::web::catalogue()
        .into_iter()
        .filter(|(_, path, _)| path.starts_with("/api/"))
        .map(|(method, path, _)| (method.as_str().to_lowercase(), path.to_owned()))
        .collect();
    let mut documented = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut served_sorted = served.clone();
    served_sorted.sort();
    assert_eq!(documented, served_sorted);

    // Real responses match their schemas: success and problem alike.
    let week = app.this_week();
    let responses = [
        (
            Method::GET,
            format!("/api/v1/programmes/{id}/metrics"),
            None,
            "/api/v1/programmes/{id}/metrics",
            "get",
        ),
        (
            Method::GET,
            format!("/api/v1/programmes/{id}/metrics/exception-rate/values"),
            None,
            "/api/v1/programmes/{id}/metrics/{metric}/values",
            "get",
        ),
        (
            Method::PUT,
            format!("/api/v1/programmes/{id}/metrics/exception-rate/values/{week}"),
            Some(r#"{"value": 41}"#),
            "/api/v1/programmes/{id}/metrics/{metric}/values/{period}",
            "put",
        ),
        (
            Method::PUT,
            format!("/api/v1/programmes/{id}/metrics/exception-rate/values/{week}"),
            Some(r#"{"value": 41}"#),
            "/api/v1/programmes/{id}/metrics/{metric}/values/{period}",
            "put",
        ),
        (
            Method::PUT,
            format!("/api/v1/programmes/{id}/metrics/exception-rate/values/{week}"),
            Some(r#"{"value": 1000}"#),
            "/api/v1/programmes/{id}/metrics/{metric}/values/{period}",
            "put",
        ),
        (
            Method::GET,
            format!("/api/v1/programmes/{id}/pipeline"),
            None,
            "/api/v1/programmes/{id}/pipeline",
            "get",
        ),
        (
            Method::GET,
            format!("/api/v1/programmes/{id}/metrics/nothing/values"),
            None,
            "/api/v1/programmes/{id}/metrics/{metric}/values",
            "get",
        ),
    ];
    for (method, path, body, pattern, operation) in responses {
        let (status, content_type, value, _) = api(&app, method, &path, Some(&secret), body).await;
        let documented = &doc["paths"][pattern][operation]["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{path}: status {status} is not documented"
        );
        let media = documented["content"][&content_type].clone();
        assert!(
            media.is_object(),
            "{path}: {content_type} is not documented for {status}"
        );
        let mut problems = Vec::new();
        check(&value, &media["schema"], &doc, "$", &mut problems);
        assert!(problems.is_empty(), "{path} ({status}): {problems:?}");
    }
}

#[tokio::test]
async fn the_pipeline_reads_as_the_page_shows_it() {
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let secret = token(&app, id, "read").await;
    let path = format!("/api/v1/programmes/{id}/pipeline");
    let (status, _, body, _) = api(&app, Method::GET, &path, Some(&secret), None).await;
    assert_eq!(status, 200, "{body}");
    let processes = body["processes"].as_array().unwrap();
    let names: Vec<&str> = processes
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Freight invoice matching",
            "Customs documentation",
            "Carrier booking exceptions"
        ]
    );
    let customs = &processes[1];
    assert_eq!(customs["stage"], "approved");
    assert_eq!(customs["sequence"], 2);
    assert_eq!(customs["plan"]["investment"], 900_000.0);
    assert_eq!(customs["may_start_deploying"], false);
    let blocked = customs["blocked_by"].as_array().unwrap();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert!(
        blocked[0]
            .as_str()
            .unwrap()
            .contains("Exception rate below 40 %")
    );
    let gates = customs["gates"].as_array().unwrap();
    let failing = gates.iter().find(|g| g["holds"] == false).unwrap();
    assert_eq!(failing["evidence"].as_array().unwrap().len(), 4);
    assert!(
        failing["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["met"] == false)
    );
    // Another programme's pipeline is not this token's to read.
    let other: Uuid = app.programme_id(FREIGHT).await;
    let (status, content_type, _, _) = api(
        &app,
        Method::GET,
        &format!("/api/v1/programmes/{other}/pipeline"),
        Some(&secret),
        None,
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (404, "application/problem+json")
    );
}

/// schemathesis (from PyPI, installed by scripts/test.sh into
/// target/schemathesis) generates requests from the OpenAPI document, valid
/// and invalid, and runs all its checks on the answers: no server error,
/// every status and body as documented, schema-valid data accepted and
/// invalid data refused.
#[tokio::test]
async fn a_property_based_client_driven_by_the_openapi_document_finds_nothing() {
    let st =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/schemathesis/bin/st");
    assert!(
        st.exists(),
        "{} is missing: run scripts/test.sh (it installs schemathesis from PyPI)",
        st.display()
    );
    let app = TestApp::spawn().await;
    app.load_demo().await;
    let id = app.programme_id(LIVE).await;
    let secret = token(&app, id, "write").await;
    let reports = crate::helpers::scratch_dir("schemathesis");
    let base = app.base.clone();
    let output = tokio::process::Command::new(&st)
        .args([
            "run",
            &format!("{base}/api/v1/openapi.json"),
            "--url",
            &base,
            "--header",
            &format!("Authorization: Bearer {secret}"),
            "--checks",
            "all",
            "--max-examples",
            "40",
            "--seed",
            "20261205",
            "--workers",
            "1",
            "--generation-deterministic",
            "--report-dir",
        ])
        .arg(&reports)
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .output()
        .await
        .expect("running schemathesis");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{text}"
    );
    assert!(text.contains("passed"), "{text}");
}
