//! The deployment brief: ownership of sections, joint agreement, submission,
//! signing and its every outcome, races, tampering, hostile input, and the
//! phase gate.

use uuid::Uuid;

use crate::helpers::{Client, PASSWORD, Page, TestApp, set};

fn brief(id: Uuid) -> String {
    format!("/programmes/{id}/brief")
}

async fn section_form(client: &mut Client, id: Uuid, key: &str) -> Vec<(String, String)> {
    let page = client
        .get(&format!("{}/sections/{key}/edit", brief(id)))
        .await;
    assert_eq!(page.status, 200, "edit form of {key}");
    page.form_fields("brief-form")
}

async fn save_section(
    client: &mut Client,
    id: Uuid,
    key: &str,
    fields: &[(String, String)],
) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client
        .post_raw(&format!("{}/sections/{key}", brief(id)), &pairs)
        .await
}

/// Edits one field of a section through its form.
async fn edit(client: &mut Client, id: Uuid, key: &str, field: &str, value: &str) -> Page {
    let mut fields = section_form(client, id, key).await;
    set(&mut fields, field, value);
    save_section(client, id, key, &fields).await
}

/// Marks a joint section agreed, as the form on the brief page does.
async fn agree(client: &mut Client, id: Uuid, key: &str) -> Page {
    let page = client.get(&brief(id)).await;
    let fields = page.form_fields(&format!("sections/{key}/agree"));
    client
        .post_pairs(&format!("{}/sections/{key}/agree", brief(id)), &fields)
        .await
}

/// The sign form of a version, filled in.
async fn sign_form(client: &mut Client, id: Uuid, number: i32) -> Vec<(String, String)> {
    let page = client
        .get(&format!("{}/versions/{number}/sign", brief(id)))
        .await;
    assert_eq!(page.status, 200);
    let mut fields = page.form_fields("/sign\" novalidate");
    fields.push(("decision".into(), "sign".into()));
    set(&mut fields, "password", PASSWORD);
    fields
}

async fn post_sign(
    client: &mut Client,
    id: Uuid,
    number: i32,
    fields: &[(String, String)],
) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client
        .post_raw(&format!("{}/versions/{number}/sign", brief(id)), &pairs)
        .await
}

async fn signatures(app: &TestApp, id: Uuid, number: i32) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM brief_signatures s JOIN brief_versions v ON v.id = s.version_id
          WHERE v.programme_id = $1 AND v.number = $2",
    )
    .bind(id)
    .bind(number)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_demo_brief_waits_for_the_cfo_and_the_gate_names_her() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut cfo = app.login("cfo@halden.example").await;
    let home = cfo.get("/").await;
    assert!(home.shows("Review and sign version 2 of the brief"));

    let page = cfo.get(&brief(id)).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Version 1") && page.shows("Approved: signed by everyone"));
    assert!(page.shows("Version 2") && page.shows("Awaiting signatures"));
    assert!(page.shows("The draft is exactly version 2."));

    // The CFO sees exactly what changed since the version she signed.
    let sign = cfo.get(&format!("{}/versions/2/sign", brief(id))).await;
    assert!(sign.shows("Compared with version 1, the last one you signed"));
    assert_eq!(
        sign.body.matches(" changed\" id=\"").count(),
        1,
        "only the investment section changed"
    );
    assert!(sign.body.contains("changed\" id=\"investment\""));
    assert!(sign.shows("− 3,800,000") && sign.shows("+ 4,100,000"));

    // The COO may not move the programme to deploying yet.
    let mut coo = app.login("coo@halden.example").await;
    let overview = coo.get(&format!("/programmes/{id}")).await;
    assert!(
        overview.shows(
            "Version 2 of the brief still needs the signature of Priya Nair (Approver (CFO))."
        )
    );
    let refused = coo
        .post(&format!("/programmes/{id}/phase"), &[("version", "1")])
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.shows("The programme cannot move to Deploying yet"));
    assert!(refused.shows("Priya Nair (Approver (CFO))"));
    let phase: String = sqlx::query_scalar("SELECT phase FROM programmes WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(phase, "pre_deployment");

    // Once she signs, and only then, the move goes through.
    let fields = sign_form(&mut cfo, id, 2).await;
    let signed = post_sign(&mut cfo, id, 2, &fields).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert!(
        cfo.get(signed.location())
            .await
            .shows("You signed version 2.")
    );
    let overview = coo.get(&format!("/programmes/{id}")).await;
    assert!(overview.shows("Version 2 is signed by everyone"));
    let version: String = sqlx::query_scalar("SELECT version::text FROM programmes WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let moved = coo
        .post(&format!("/programmes/{id}/phase"), &[("version", &version)])
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let phase: String = sqlx::query_scalar("SELECT phase FROM programmes WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(phase, "deploying");
    let signature: (String, String, Option<String>) = sqlx::query_as(
        "SELECT s.seat, s.version_hash, s.user_agent FROM brief_signatures s JOIN users u ON u.id = s.user_id
          WHERE u.email = 'cfo@halden.example' AND s.version_hash = (SELECT version_hash FROM brief_versions WHERE programme_id = $1 AND number = 2)",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(signature.0, "Approver (CFO)");
    assert_eq!(signature.1.len(), 64);
}

#[tokio::test]
async fn only_a_sections_owner_edits_it() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let audit_sql = "SELECT count(*) FROM audit_log WHERE action = 'brief.section_update'";
    let audited_by_the_demo = app.count(audit_sql).await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let mut cfo = app.login("cfo@halden.example").await;
    for (client, key) in [
        (&mut coo, "competitive_ambition"),
        (&mut ceo, "governance_framework"),
        (&mut cfo, "investment"),
    ] {
        assert_eq!(
            client
                .get(&format!("{}/sections/{key}/edit", brief(id)))
                .await
                .status,
            403,
            "{key}"
        );
        assert_eq!(
            client
                .post(
                    &format!("{}/sections/{key}", brief(id)),
                    &[("version", "1")]
                )
                .await
                .status,
            403,
            "{key}"
        );
    }
    assert_eq!(
        ceo.get(&format!("{}/sections/no_such_section/edit", brief(id)))
            .await
            .status,
        404
    );
    let saved = edit(
        &mut ceo,
        id,
        "competitive_ambition",
        "f.statement",
        "A sharper ambition.",
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let saved = edit(
        &mut coo,
        id,
        "team_transition",
        "f.reskilling",
        "Twelve weeks, not eight.",
    )
    .await;
    assert_eq!(saved.status, 303);
    let page = ceo.get(&brief(id)).await;
    assert!(page.shows("A sharper ambition.") && page.shows("Twelve weeks, not eight."));
    assert!(page.shows(
        "The draft has changed since version 2 in: Competitive ambition, Team transition plan."
    ));
    assert_eq!(
        app.count(audit_sql).await - audited_by_the_demo,
        2,
        "one entry per saved edit, none for the refused ones"
    );
}

#[tokio::test]
async fn joint_sections_need_both_agreements_and_an_edit_clears_them() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let saved = edit(&mut coo, id, "timeline", "f.public_go_live", "2027-05-03").await;
    assert_eq!(saved.status, 303);
    let page = ceo.get(&brief(id)).await;
    assert!(page.shows("Timeline: neither the CEO nor the COO has marked it agreed."));
    assert!(
        ceo.get(&format!("/programmes/{id}/brief"))
            .await
            .shows("CEO has not agreed")
    );
    assert!(ceo.get("/").await.shows("Read and agree “Timeline”"));

    let refused = ceo.post(&format!("{}/submit", brief(id)), &[]).await;
    assert_eq!(refused.status, 409);
    assert!(refused.shows("The brief is not ready for sign-off"));
    assert!(refused.shows("Timeline: neither the CEO nor the COO has marked it agreed."));

    assert_eq!(agree(&mut ceo, id, "timeline").await.status, 303);
    let refused = ceo.post(&format!("{}/submit", brief(id)), &[]).await;
    assert!(refused.shows("Timeline: the COO has not marked it agreed."));
    assert_eq!(agree(&mut coo, id, "timeline").await.status, 303);

    let submitted = ceo.post(&format!("{}/submit", brief(id)), &[]).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    assert_eq!(submitted.location(), format!("{}/versions/3", brief(id)));
    let version = ceo.get(submitted.location()).await;
    assert!(version.shows("Version 3 is frozen and waiting for 4 signatures."));
    assert!(version.shows("Review and sign"));
    // Version 2 is now superseded; nobody can sign it any more.
    let mut cfo = app.login("cfo@halden.example").await;
    let old = cfo.get(&format!("{}/versions/2/sign", brief(id))).await;
    assert!(old.shows("Version 2 is no longer the latest"));
    // Submitting again with no change is refused.
    let again = ceo.post(&format!("{}/submit", brief(id)), &[]).await;
    assert_eq!(again.status, 409);
    assert!(again.shows("The draft is exactly version 3"));
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn signing_has_a_defined_outcome_for_every_mistake() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut cfo = app.login("cfo@halden.example").await;

    // Not a signatory, or no signing seat: refused.
    let mut exco = app.login("exco.people@halden.example").await;
    assert_eq!(
        exco.get(&format!("{}/versions/2/sign", brief(id)))
            .await
            .status,
        403
    );
    let mut admin = app.login("admin@halden.example").await;
    assert_eq!(
        admin
            .get(&format!("{}/versions/2/sign", brief(id)))
            .await
            .status,
        403
    );

    // Wrong password: nothing signed, the page says why.
    let mut fields = sign_form(&mut cfo, id, 2).await;
    set(&mut fields, "password", "not my password");
    let page = post_sign(&mut cfo, id, 2, &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.shows("That is not your password."));
    assert_eq!(signatures(&app, id, 2).await, 3);
    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE action = 'session.stepup_failed'")
        .await;
    assert_eq!(audited, 1, "a failed step-up is audited");

    // Rejecting needs a reason.
    let mut fields = sign_form(&mut cfo, id, 2).await;
    set(&mut fields, "decision", "reject");
    let page = post_sign(&mut cfo, id, 2, &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Say why you reject it"));

    // A double-submitted form records one signature.
    let fields = sign_form(&mut cfo, id, 2).await;
    let first = post_sign(&mut cfo, id, 2, &fields).await;
    let second = post_sign(&mut cfo, id, 2, &fields).await;
    assert_eq!((first.status, second.status), (303, 303));
    assert_eq!(
        signatures(&app, id, 2).await,
        4,
        "exactly one signature for two submissions"
    );

    // A second decision from a fresh form is refused.
    let page = cfo.get(&format!("{}/versions/2/sign", brief(id))).await;
    assert!(page.shows("You signed version 2 on"));
    let (version_id, cfo_id): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT v.id, u.id FROM brief_versions v, users u
          WHERE v.programme_id = $1 AND v.number = 2 AND u.email = 'cfo@halden.example'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut stale = fields.clone();
    set(
        &mut stale,
        "idempotency_key",
        &tandem::auth::token::decision_key(version_id, cfo_id),
    );
    let page = post_sign(&mut cfo, id, 2, &stale).await;
    assert_eq!(page.status, 409);
    assert!(page.shows("Nothing was signed") && page.shows("You signed version 2 on"));
    assert_eq!(signatures(&app, id, 2).await, 4);

    // A hash that is not the version's is refused.
    let mut ceo = app.login("ceo@halden.example").await;
    let saved = edit(
        &mut ceo,
        id,
        "competitive_ambition",
        "f.statement",
        "Changed.",
    )
    .await;
    assert_eq!(saved.status, 303);
    assert_eq!(
        ceo.post(&format!("{}/submit", brief(id)), &[]).await.status,
        303
    );
    let mut fields = sign_form(&mut cfo, id, 3).await;
    set(&mut fields, "version_hash", &"0".repeat(64));
    let page = post_sign(&mut cfo, id, 3, &fields).await;
    assert_eq!(page.status, 409);
    assert_eq!(signatures(&app, id, 3).await, 0);

    // A rejection is recorded with its reason, and blocks the version.
    let mut fields = sign_form(&mut cfo, id, 3).await;
    set(&mut fields, "decision", "reject");
    set(&mut fields, "reason", "The ambition lost its numbers.");
    assert_eq!(post_sign(&mut cfo, id, 3, &fields).await.status, 303);
    let version = ceo.get(&format!("{}/versions/3", brief(id))).await;
    assert!(version.shows("Rejected") && version.shows("The ambition lost its numbers."));
    let mut cto = app.login("cto@halden.example").await;
    assert!(
        cto.get(&format!("{}/versions/3/sign", brief(id)))
            .await
            .shows("Version 3 was rejected")
    );
    app.assert_kept_documents_are_current().await;
}

#[tokio::test]
async fn no_signature_lands_on_content_the_signer_did_not_see() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut cfo = app.login("cfo@halden.example").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;

    // The CFO opens version 2 to sign it…
    let fields = sign_form(&mut cfo, id, 2).await;
    // …meanwhile the investment changes and version 3 is submitted.
    assert_eq!(
        edit(&mut ceo, id, "investment", "f.total_budget", "5000000")
            .await
            .status,
        303
    );
    assert_eq!(agree(&mut ceo, id, "investment").await.status, 303);
    assert_eq!(agree(&mut coo, id, "investment").await.status, 303);
    assert_eq!(
        ceo.post(&format!("{}/submit", brief(id)), &[]).await.status,
        303
    );

    let page = post_sign(&mut cfo, id, 2, &fields).await;
    assert_eq!(page.status, 409);
    assert!(page.shows("Nothing was signed"));
    assert!(page.shows("no longer the latest"));
    assert_eq!(
        signatures(&app, id, 2).await,
        3,
        "no signature on version 2"
    );
    assert_eq!(
        signatures(&app, id, 3).await,
        0,
        "and none on version 3, which she has not seen"
    );
    // Frozen versions never change, whatever happens to the draft.
    let v2: String = sqlx::query_scalar(
        "SELECT s.content->>'total_budget' FROM brief_version_sections s JOIN brief_versions v ON v.id = s.version_id
          WHERE v.programme_id = $1 AND v.number = 2 AND s.section_key = 'investment'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(v2, "4100000");
}

#[tokio::test]
async fn concurrent_section_edits_give_one_conflict_and_lose_nothing() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let mut ceo_form = section_form(&mut ceo, id, "investment").await;
    let mut coo_form = section_form(&mut coo, id, "investment").await;
    set(&mut ceo_form, "f.phasing", "The CEO's phasing.");
    set(&mut coo_form, "f.phasing", "The COO's phasing.");
    assert_eq!(
        save_section(&mut ceo, id, "investment", &ceo_form)
            .await
            .status,
        303
    );
    let conflict = save_section(&mut coo, id, "investment", &coo_form).await;
    assert_eq!(conflict.status, 409);
    assert!(conflict.shows("The COO's phasing.") && conflict.shows("The CEO's phasing."));
    let stored: String = sqlx::query_scalar("SELECT content->>'phasing' FROM brief_sections WHERE programme_id = $1 AND section_key = 'investment'")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, "The CEO's phasing.");
}

#[tokio::test]
async fn verify_detects_tampering_with_a_frozen_version() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut exco = app.login("exco.commercial@halden.example").await;
    let page = exco.get(&format!("{}/versions/1/verify", brief(id))).await;
    assert_eq!(page.status, 200);
    assert!(page.shows("Intact."));
    let certificate = exco
        .get(&format!("{}/versions/1/certificate", brief(id)))
        .await;
    assert!(
        certificate.shows("Sign-off certificate")
            && certificate.shows("Priya Nair")
            && certificate.shows("Approved: signed by everyone")
    );

    // The database refuses a plain change…
    let refused = sqlx::query(
        "UPDATE brief_version_sections SET content = '{}' WHERE section_key = 'investment'",
    )
    .execute(&app.pool)
    .await;
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    // …so a tamperer must go around it, and verify notices.
    sqlx::query(
        "ALTER TABLE brief_version_sections DISABLE TRIGGER brief_version_sections_immutable",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE brief_version_sections SET content = jsonb_set(content, '{total_budget}', '\"9900000\"')
          WHERE section_key = 'investment' AND version_id = (SELECT id FROM brief_versions WHERE programme_id = $1 AND number = 1)",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let page = exco.get(&format!("{}/versions/1/verify", brief(id))).await;
    assert!(page.shows("Does not match."));
    assert_eq!(
        page.body.matches("tag tag-off\">Changed").count(),
        2,
        "the investment section and the version hash"
    );
    assert!(
        exco.get(&format!("{}/versions/2/verify", brief(id)))
            .await
            .shows("Intact."),
        "version 2 is untouched"
    );
}

#[tokio::test]
async fn hostile_input_in_every_text_field_is_rendered_inert() {
    const PAYLOAD: &str = "<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) <iframe src=//evil.example></iframe>";
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;
    let mut edited_joint = Vec::new();
    for section in tandem::domain::brief::SECTIONS {
        let client = match section.owner {
            tandem::domain::brief::Owner::Coo => &mut coo,
            _ => &mut ceo,
        };
        let mut fields = section_form(client, id, section.key).await;
        let mut touched = 0;
        for field in section.fields {
            use tandem::domain::brief::Kind;
            let texty = |kind: Kind| matches!(kind, Kind::Prose | Kind::Line(_));
            match field.kind {
                Some(kind) if texty(kind) => {
                    set(&mut fields, &format!("f.{}", field.key), PAYLOAD);
                    touched += 1;
                }
                None => {
                    for column in field.columns.iter().filter(|c| texty(c.kind)) {
                        set(
                            &mut fields,
                            &format!("f.{}.0.{}", field.key, column.key),
                            "<script>alert(1)</script>",
                        );
                        touched += 1;
                    }
                }
                _ => {}
            }
        }
        if touched > 0 {
            let saved = save_section(client, id, section.key, &fields).await;
            assert_eq!(saved.status, 303, "{}: {}", section.key, saved.body);
            if section.owner == tandem::domain::brief::Owner::Joint {
                edited_joint.push(section.key);
            }
        }
    }
    for key in edited_joint {
        assert_eq!(agree(&mut ceo, id, key).await.status, 303);
        assert_eq!(agree(&mut coo, id, key).await.status, 303);
    }
    assert_eq!(
        ceo.post(&format!("{}/submit", brief(id)), &[]).await.status,
        303
    );
    for path in [
        brief(id),
        format!("{}/versions/3", brief(id)),
        format!("{}/versions/3/sign", brief(id)),
        format!("{}/versions/3/certificate", brief(id)),
    ] {
        let page = ceo.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        // Escaped text has no raw '<', so every '<…>' is a real tag: none may
        // be a script, an image or a frame, or carry a handler or a script URL.
        let html = page.body.to_lowercase();
        for tag in html
            .split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or_default())
        {
            for bad in ["script", "img ", "iframe", "svg"] {
                assert!(!tag.starts_with(bad), "{path} has a <{tag}> tag");
            }
            for bad in ["onerror", "onload", "javascript:"] {
                assert!(!tag.contains(bad), "{path} has a tag with {bad}: <{tag}>");
            }
        }
        assert!(
            page.shows("<script>alert(1)</script>") || path.ends_with("certificate"),
            "{path}: the text is shown, escaped"
        );
    }
}

#[tokio::test]
async fn tables_take_processes_decisions_and_a_pasted_business_case() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut coo = app.login("coo@halden.example").await;
    let mut ceo = app.login("ceo@halden.example").await;

    // The governance framework offers the brief's processes, and only them.
    let mut fields = section_form(&mut coo, id, "governance_framework").await;
    set(&mut fields, "f.decisions.4.process", "not-a-process");
    set(
        &mut fields,
        "f.decisions.4.decision",
        "Release a held shipment",
    );
    let page = save_section(&mut coo, id, "governance_framework", &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Row 5: Choose one of the brief's processes."));
    assert!(
        page.body.contains("value=\"Release a held shipment\""),
        "what was typed is kept"
    );
    let form = coo
        .get(&format!("{}/sections/governance_framework/edit", brief(id)))
        .await;
    assert!(form.shows("Customs documentation"));
    assert!(
        !form.shows("AI agent"),
        "no agent can be chosen to override"
    );

    // The brief page shows each section as written with it; renaming a
    // process writes again the governance table that names it.
    let mut fields = section_form(&mut coo, id, "process_scope").await;
    let row = fields
        .iter()
        .find(|(key, value)| key.ends_with(".name") && value == "Customs documentation")
        .map(|(key, _)| key.clone())
        .expect("the demo's customs process");
    set(&mut fields, &row, "Customs filings");
    let saved = save_section(&mut coo, id, "process_scope", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = coo.get(&brief(id)).await;
    let governance = page
        .body
        .split("id=\"governance_framework\"")
        .nth(1)
        .expect("the governance section");
    assert!(governance.contains("<td>Customs filings</td>"));
    assert!(!page.shows("Customs documentation"));
    app.assert_kept_documents_are_current().await;

    // A pasted business case replaces the rows.
    let mut fields = section_form(&mut ceo, id, "business_case").await;
    set(
        &mut fields,
        "f.months.csv",
        "month;investment;benefit\n2027-01;500000;0\n2027-02;200000;90000\n",
    );
    let saved = save_section(&mut ceo, id, "business_case", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = ceo.get(&brief(id)).await;
    assert!(page.shows("500,000") && page.shows("90,000"));
    let months: i32 = sqlx::query_scalar(
        "SELECT jsonb_array_length(content->'months') FROM brief_sections WHERE programme_id = $1 AND section_key = 'business_case'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(months, 2);
    // A bad paste is refused whole, with the line named.
    let mut fields = section_form(&mut ceo, id, "business_case").await;
    set(&mut fields, "f.months.csv", "2027-01,1,2\n2027-02,3\n");
    let page = save_section(&mut ceo, id, "business_case", &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.shows("Line 2 has 2 values; expected 3"));
}

#[tokio::test]
async fn prose_is_rendered_when_written_and_sections_from_before_at_start() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let mut ceo = app.login("ceo@halden.example").await;
    let saved = edit(
        &mut ceo,
        id,
        "competitive_ambition",
        "f.statement",
        "A **bold** claim, *measured*.",
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = |column: &str| {
        format!(
            "SELECT count(*) FROM brief_sections WHERE programme_id = '{id}'
               AND section_key = 'competitive_ambition' AND {column}"
        )
    };
    assert_eq!(
        app.count(&stored(
            "rendered->>'statement' = '<p>A <strong>bold</strong> claim, <em>measured</em>.</p>\n'"
        ))
        .await,
        1,
        "the save stores the statement's HTML"
    );
    // The hash stored is the one the section's content has.
    let (content, stored_hash): (sqlx::types::Json<tandem::domain::brief::Content>, String) =
        sqlx::query_as(
            "SELECT content, section_hash FROM brief_sections
              WHERE programme_id = $1 AND section_key = 'competitive_ambition'",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let hash = tandem::domain::brief::section_hash(
        "competitive_ambition",
        tandem::domain::brief::Owner::Ceo,
        &content.0,
    );
    assert_eq!(stored_hash, hash);
    let with_hash = app
        .count(&stored(&format!("section_hash = '{hash}'")))
        .await;
    let saved_page = ceo.get(&brief(id)).await;
    assert!(saved_page.shows("saved to the draft"));
    let page = ceo.get(&brief(id)).await;
    assert!(
        page.body
            .contains("A <strong>bold</strong> claim, <em>measured</em>.")
    );
    let version = ceo.get(&format!("{}/versions/2", brief(id))).await;
    assert_eq!(version.status, 200);

    // Rows as stored before migration 0035: nothing rendered, no hash,
    // nothing shown; and one shown as another release's markup wrote it.
    sqlx::query(
        "UPDATE brief_sections SET rendered = NULL, section_hash = NULL, shown = NULL, blank = NULL
          WHERE section_key <> 'board_narrative'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE brief_sections SET rendered = NULL, section_hash = NULL,
                shown = '<p>Last release</p>', shown_markup = 'last release'
          WHERE section_key = 'board_narrative'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::raw_sql(
        "DELETE FROM brief_version_shown;
         ALTER TABLE brief_version_renderings DISABLE TRIGGER brief_version_renderings_immutable;
         DELETE FROM brief_version_renderings;
         ALTER TABLE brief_version_renderings ENABLE TRIGGER brief_version_renderings_immutable",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let filled = tandem::db::brief::derive_missing(&app.pool).await.unwrap();
    assert!(
        filled > 11,
        "every draft and version section is filled: {filled}"
    );
    assert_eq!(
        app.count(
            "SELECT (SELECT count(*) FROM brief_sections
                      WHERE rendered IS NULL OR section_hash IS NULL OR shown IS NULL OR blank IS NULL
                         OR shown_markup = 'last release')
                  + (SELECT count(*) FROM brief_version_sections s WHERE NOT EXISTS
                       (SELECT 1 FROM brief_version_renderings r
                         WHERE (r.version_id, r.section_key) = (s.version_id, s.section_key)))
                  + (SELECT count(*) FROM brief_version_sections s WHERE NOT EXISTS
                       (SELECT 1 FROM brief_version_shown m
                         WHERE (m.version_id, m.section_key) = (s.version_id, s.section_key)))"
        )
        .await,
        0
    );
    assert_eq!(
        tandem::db::brief::derive_missing(&app.pool).await.unwrap(),
        0
    );
    assert_eq!(
        app.count(&stored(&format!("section_hash = '{hash}'")))
            .await,
        with_hash,
        "the hash filled at start is the one a save stores"
    );
    assert_eq!(with_hash, 1);
    app.assert_kept_documents_are_current().await;
    // The pages read as they did.
    assert_eq!(ceo.get(&brief(id)).await.body, page.body);
    assert_eq!(
        ceo.get(&format!("{}/versions/2", brief(id))).await.body,
        version.body
    );

    // A version whose kept markup is missing is shown from its content.
    sqlx::raw_sql(
        "DELETE FROM brief_version_shown;
         SELECT refresh_brief_version_source(id) FROM brief_versions",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        ceo.get(&format!("{}/versions/2", brief(id))).await.body,
        version.body
    );
}

/// Whether the brief and matrix pages' bodies kept for programme `id` were
/// written from its document as it stands, with this release's markup.
async fn bodies_are_current(app: &TestApp, id: Uuid) -> bool {
    app.count(&format!(
        "SELECT count(*) FROM programme_sources
          WHERE programme_id = '{id}' AND pages_of = written_in
            AND pages_markup = '{}'",
        tandem::programme_pages::markup()
    ))
    .await
        == 1
}

#[tokio::test]
async fn the_brief_and_matrix_bodies_are_kept_and_each_viewer_gets_their_own_forms() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let matrix = format!("/programmes/{id}/matrix");
    assert!(bodies_are_current(&app, id).await, "written at the start");
    let mut ceo = app.login("ceo@halden.example").await;
    let mut coo = app.login("coo@halden.example").await;

    // A write through a page writes both bodies again before it commits.
    let saved = edit(&mut coo, id, "timeline", "f.public_go_live", "2027-05-03").await;
    assert_eq!(saved.status, 303);
    assert!(bodies_are_current(&app, id).await);
    app.assert_kept_documents_are_current().await;

    // Each viewer gets the forms and links of their seats, with their own
    // token; a reader gets none.
    let mut exco = app.login("exco.people@halden.example").await;
    let as_ceo = ceo.get(&brief(id)).await;
    let as_coo = coo.get(&brief(id)).await;
    let as_exco = exco.get(&brief(id)).await;
    assert!(as_ceo.shows("Edit Competitive ambition") && !as_ceo.shows("Edit Process scope"));
    assert!(as_coo.shows("Edit Process scope") && !as_coo.shows("Edit Competitive ambition"));
    for page in [&as_ceo, &as_coo] {
        assert!(
            page.body.contains("sections/timeline/agree"),
            "{}",
            page.body
        );
        assert!(page.shows("Edit Timeline"));
    }
    assert!(!as_exco.shows("Edit ") && !as_exco.body.contains("/agree"));
    assert!(
        !as_exco
            .body
            .contains("<form method=\"post\" action=\"/programmes")
    );
    for page in [&as_ceo, &as_coo, &as_exco] {
        assert!(!page.body.contains(tandem::kept::CSRF) && !page.body.contains('\0'));
    }
    // The CEO's agreement, from the CEO's kept form, lands; the COO still
    // has the form, the CEO no longer.
    assert_eq!(agree(&mut ceo, id, "timeline").await.status, 303);
    assert!(
        !ceo.get(&brief(id))
            .await
            .body
            .contains("sections/timeline/agree")
    );
    assert!(
        coo.get(&brief(id))
            .await
            .body
            .contains("sections/timeline/agree")
    );
    let as_exco = exco.get(&matrix).await;
    assert!(as_exco.shows("Responsibility matrix") && !as_exco.shows("Edit the matrix"));
    assert!(!as_exco.shows("Save reporting line"));
    let as_coo = coo.get(&matrix).await;
    assert!(as_coo.shows("Edit the matrix") && as_coo.shows("Save reporting line"));

    // The pages show what is kept, not a rendering of now.
    sqlx::query(
        "UPDATE programme_sources
            SET brief_page = ARRAY['<p>The brief as planted</p>'],
                matrix_page = ARRAY['<p>The matrix as planted</p>', 'coo|<p>For the COO</p>', '']
          WHERE programme_id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut coo = app.login("coo@halden.example").await;
    let mut exco = app.login("exco.people@halden.example").await;
    assert!(coo.get(&brief(id)).await.shows("The brief as planted"));
    let page = coo.get(&matrix).await;
    assert!(page.shows("The matrix as planted") && page.shows("For the COO"));
    let page = exco.get(&matrix).await;
    assert!(page.shows("The matrix as planted") && !page.shows("For the COO"));
    // A date asked for is rendered now.
    let page = coo.get(&format!("{matrix}?as_of=2020-01-01")).await;
    assert!(
        page.shows("No matrix had been saved by then"),
        "{}",
        page.body
    );

    // A change written elsewhere (straight in the database) leaves them
    // unshown until the keeper writes them again; so does another markup.
    sqlx::query("UPDATE programmes SET coo_reports_to_note = 'Planted note' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(!bodies_are_current(&app, id).await);
    let mut coo = app.login("coo@halden.example").await;
    let page = coo.get(&matrix).await;
    assert!(
        page.shows("Planted note") && !page.shows("planted"),
        "{}",
        page.body
    );
    assert!(!coo.get(&brief(id)).await.shows("planted"));
    let today = app.clock_now().date_naive();
    tandem::board_shown::write_stale(&app.pool, today)
        .await
        .unwrap();
    assert!(bodies_are_current(&app, id).await);
    sqlx::query("UPDATE programme_sources SET pages_markup = 'another release'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(!bodies_are_current(&app, id).await);
    let written = tandem::board_shown::write_stale(&app.pool, today)
        .await
        .unwrap();
    assert!(written >= 3, "every programme's bodies: {written}");
    assert!(bodies_are_current(&app, id).await);
    app.assert_kept_documents_are_current().await;

    // The reporting line's form, sent back with an error, keeps what was
    // typed.
    let page = coo.get(&matrix).await;
    let mut fields = page.form_fields("reporting-line");
    set(&mut fields, "reports_to", "nobody");
    set(&mut fields, "note", "Typed and kept");
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = coo
        .post_raw(&format!("/programmes/{id}/reporting-line"), &pairs)
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("value=\"Typed and kept\""));
}

#[tokio::test]
async fn a_version_page_is_kept_and_offers_signing_only_to_who_still_signs() {
    let app = TestApp::spawn().await;
    let id = app.load_demo().await.programme_id;
    let version = |number: i32| format!("{}/versions/{number}", brief(id));
    let current = |number: i32| {
        format!(
            "SELECT count(*) FROM brief_version_sources k JOIN brief_versions v ON v.id = k.version_id
              WHERE v.programme_id = '{id}' AND v.number = {number} AND k.page_of = k.written_in
                AND k.page_latest = (SELECT max(number) FROM brief_versions WHERE programme_id = '{id}')
                AND k.page_markup = '{}'",
            tandem::programme_pages::markup()
        )
    };
    assert_eq!(app.count(&current(2)).await, 1, "written at the start");
    // The demo's version 2 waits for the CFO alone.
    let mut cfo = app.login("cfo@halden.example").await;
    let mut ceo = app.login("ceo@halden.example").await;
    let mut exco = app.login("exco.people@halden.example").await;
    assert!(cfo.get(&version(2)).await.shows("Review and sign"));
    for page in [ceo.get(&version(2)).await, exco.get(&version(2)).await] {
        assert!(page.shows("Version 2") && !page.shows("Review and sign"));
    }
    // The page shows what is kept.
    sqlx::query(
        "UPDATE brief_version_sources SET page = ARRAY['<p>Version as planted</p>']
          WHERE version_id = (SELECT id FROM brief_versions WHERE programme_id = $1 AND number = 2)",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut cfo = app.login("cfo@halden.example").await;
    assert!(cfo.get(&version(2)).await.shows("Version as planted"));

    // A new version written through a page: its page is kept at once, and
    // the one it supersedes is written again, no longer offering to sign.
    let mut coo = app.login("coo@halden.example").await;
    let saved = edit(&mut coo, id, "timeline", "f.public_go_live", "2027-05-03").await;
    assert_eq!(saved.status, 303);
    assert_eq!(agree(&mut ceo, id, "timeline").await.status, 303);
    assert_eq!(agree(&mut coo, id, "timeline").await.status, 303);
    let submitted = ceo.post(&format!("{}/submit", brief(id)), &[]).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    assert_eq!(app.count(&current(3)).await, 1);
    assert_eq!(app.count(&current(2)).await, 1);
    app.assert_kept_documents_are_current().await;
    let old = cfo.get(&version(2)).await;
    assert!(old.shows("Superseded by a newer version") && !old.shows("Review and sign"));
    assert!(!old.shows("planted"));
    let new = cfo.get(&version(3)).await;
    assert!(new.shows("Review and sign"), "{}", new.body);
    assert!(!exco.get(&version(3)).await.shows("Review and sign"));
    // A version that does not exist is still not found.
    assert_eq!(cfo.get(&version(9)).await.status, 404);
}
