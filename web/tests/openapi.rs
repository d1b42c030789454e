//! The API document keeps up with the routes: every `.route(path, web::<method>())` in
//! `web/src/api/mod.rs` is documented in the generated document
//! (`sendpanel_web::api::openapi`) with a summary, and nothing is documented that is not
//! routed, so a route cannot ship undocumented (nor a route removed leave its
//! documentation behind). Every `$ref` in the document resolves, every POST documents
//! the optional `Idempotency-Key` header and its answers, and the checked-in copy,
//! `web/openapi.json`, is what the code generates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test as actix_test;
use actix_web::{App, web};
use sendpanel_core::domain::{AuthorityId, CaseId, Email};
use sendpanel_core::identity::{authenticate, issue_token};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::upn;
use serde_json::{Value, json};

use crate::support;

/// The command that rewrites `web/openapi.json` from the code.
const REGENERATE: &str =
    "SENDPANEL_WRITE_OPENAPI=1 cargo test -p sendpanel-web --test web openapi::";

/// The document as the code generates it, as JSON.
fn generated() -> Value {
    serde_json::to_value(sendpanel_web::api::openapi::document()).expect("the document serialises")
}

fn read(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Each `(path, method)` routed, found by scanning the source for `.route(`, the string
/// literal that follows and the `web::<method>()` after it. rustfmt may break either
/// across lines, so whitespace between the pieces is skipped.
fn routes(source: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let after_paren = rest.trim_start();
        let Some(literal) = after_paren.strip_prefix('"') else {
            panic!(
                "a .route( not followed by a string literal: {}",
                &after_paren[..after_paren.len().min(80)]
            );
        };
        let end = literal.find('"').expect("an unterminated route path");
        let path = literal[..end].to_owned();
        let after_path = literal[end + 1..].trim_start();
        let after_comma = after_path
            .strip_prefix(',')
            .unwrap_or_else(|| panic!("no comma after the route {path}"))
            .trim_start();
        let method_start = after_comma
            .strip_prefix("web::")
            .unwrap_or_else(|| panic!("the route {path} is not given as web::<method>()"));
        let method_end = method_start
            .find('(')
            .unwrap_or_else(|| panic!("no web::<method>() for the route {path}"));
        let method = method_start[..method_end].trim().to_owned();
        assert!(
            ["get", "post", "put", "patch", "delete"].contains(&method.as_str()),
            "the route {path} has the unexpected method {method}"
        );
        found.push((path, method));
        rest = &method_start[method_end..];
    }
    found
}

/// Each `(path, method)` the document describes.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert((path.clone(), method.clone()));
            }
        }
    }
    out
}

/// Every `$ref` anywhere in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => out.push(target),
                    _ => refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

#[test]
fn the_route_scan_finds_routes_across_lines() {
    let source = r#"
        .route("/a", web::get().to(x))
        .route(
            "/b/{id}",
            web::post().to(y),
        )
        .route("/c",
               web::get()
                   .to(z))
    "#;
    assert_eq!(
        routes(source),
        vec![
            ("/a".to_owned(), "get".to_owned()),
            ("/b/{id}".to_owned(), "post".to_owned()),
            ("/c".to_owned(), "get".to_owned()),
        ]
    );
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let source = read("src/api/mod.rs");
    let routed = routes(&source);
    // A scan that found nothing would pass vacuously.
    assert!(
        routed.len() >= 30,
        "only {} routes found in src/api/mod.rs: has the scan broken?",
        routed.len()
    );
    let doc = generated();
    assert_eq!(
        doc["servers"][0]["url"], "/api/v1",
        "paths are relative to /api/v1"
    );
    let described = documented(&doc);

    let mut missing = Vec::new();
    for (path, method) in &routed {
        let Some(operation) = doc["paths"].get(path).and_then(|item| item.get(method)) else {
            missing.push(format!("{} {path}", method.to_uppercase()));
            continue;
        };
        let summary = operation["summary"].as_str().unwrap_or("");
        assert!(
            !summary.trim().is_empty(),
            "{} {path} has no summary",
            method.to_uppercase()
        );
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty()),
            "{} {path} documents no responses",
            method.to_uppercase()
        );
        // Everything but the document itself needs a token, says why, and documents
        // the shared error for a missing one.
        if path != "/openapi.json" {
            assert_eq!(
                operation["security"],
                serde_json::json!([{"bearer": []}]),
                "{} {path}",
                method.to_uppercase()
            );
            assert!(
                operation["description"]
                    .as_str()
                    .is_some_and(|d| !d.trim().is_empty()),
                "{} {path} has no description",
                method.to_uppercase()
            );
            assert_eq!(
                operation["responses"]["401"]["$ref"],
                "#/components/responses/Error",
                "{} {path}",
                method.to_uppercase()
            );
        }
    }
    assert!(
        missing.is_empty(),
        "routed in src/api/mod.rs but not documented in the API document: {missing:?}"
    );

    let routed: BTreeSet<(String, String)> = routed.into_iter().collect();
    let stale: Vec<_> = described.difference(&routed).collect();
    assert!(
        stale.is_empty(),
        "documented in the API document but not routed: {stale:?}"
    );
}

#[test]
fn every_post_documents_the_idempotency_key() {
    let doc = generated();
    let header = &doc["components"]["parameters"]["IdempotencyKey"];
    assert_eq!(header["name"], "Idempotency-Key");
    assert_eq!(header["in"], "header");
    assert_eq!(header["required"], false);
    let posts: Vec<String> = routes(&read("src/api/mod.rs"))
        .into_iter()
        .filter(|(_, method)| method == "post")
        .map(|(path, _)| path)
        .collect();
    assert!(posts.len() >= 20, "only {} POST routes found", posts.len());
    for path in posts {
        let operation = &doc["paths"][&path]["post"];
        let takes_key = operation["parameters"].as_array().is_some_and(|p| {
            p.iter()
                .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey")
        });
        assert!(takes_key, "POST {path} does not document Idempotency-Key");
        // A malformed key, a key still in use and a key reused are each answered.
        for status in ["400", "409", "422"] {
            assert_eq!(
                operation["responses"][status]["$ref"], "#/components/responses/Error",
                "POST {path} {status}"
            );
        }
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    let doc = generated();
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(!targets.is_empty());
    for target in targets {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{target} is not a local reference"));
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
}

#[test]
fn request_bodies_refuse_unknown_fields_like_the_structs() {
    // The Rust bodies are `deny_unknown_fields`; their schemas say so, and name the
    // fields serde requires.
    let doc = generated();
    for (name, required) in [
        (
            "ScheduleSitting",
            &["panel", "sits_on", "starts_at", "location", "members"][..],
        ),
        ("AddToAgenda", &["case", "proposal"]),
        ("CastVote", &["choice", "reason"]),
        ("DeclareConflict", &["reason"]),
        ("CloseItem", &["reasons", "decided_on"]),
        ("Attendance", &[]),
        ("Seat", &["user", "role"]),
    ] {
        let schema = &doc["components"]["schemas"][name];
        assert_eq!(schema["additionalProperties"], false, "{name}");
        let listed: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(listed, required, "{name}");
        for field in required {
            assert!(
                schema["properties"].get(field).is_some(),
                "{name} requires {field} but does not describe it"
            );
        }
    }
}

#[test]
fn the_checked_in_document_is_the_generated_one() {
    let generated = sendpanel_web::api::openapi::json().expect("the document serialises");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("SENDPANEL_WRITE_OPENAPI").is_some_and(|v| v == "1") {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is not what the code generates; regenerate it with `{REGENERATE}` and commit it",
        path.display()
    );
}

#[test]
fn no_two_types_share_a_schema_name() {
    assert_eq!(
        sendpanel_web::api::openapi::schema_name_clashes(),
        Vec::<String>::new(),
        "two different types give the same schema name; rename one with #[schema(as = ...)]"
    );
}

// ---------------------------------------------------------------------------------
// The document against what the API answers: a case is taken through every step, a
// sitting through every panel route, and each answer is checked against the schema
// the document gives for its path, method and status. An answer with a field the
// document does not describe, a described field missing or of the wrong type, or a
// status the document does not list fails the test.
// ---------------------------------------------------------------------------------

/// `schema` with its `$ref`s followed.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        schema = doc
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{target} does not resolve"));
    }
    schema
}

/// The property names an object matching `schema` may have, or `None` when it may
/// have any.
fn known_properties(doc: &Value, schema: &Value) -> Option<BTreeSet<String>> {
    let schema = resolve(doc, schema);
    let mut known = BTreeSet::new();
    let mut constrained = false;
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        known.extend(properties.keys().cloned());
        constrained = true;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            known.extend(known_properties(doc, part)?);
            constrained = true;
        }
    }
    constrained.then_some(known)
}

/// Whether `value` is of the JSON Schema type `name`.
fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unknown type {other}"),
    }
}

/// What is wrong with `value` as an instance of `schema`, at `at`: the JSON Schema the
/// document uses (types, enums, required and described properties, items, oneOf and
/// allOf, and the date, date-time and uuid formats). `strict` refuses properties the
/// schema does not describe, so an answer cannot carry an undocumented field.
fn violations(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    strict: bool,
    out: &mut Vec<String>,
) {
    let schema = resolve(doc, schema);
    if *schema == Value::Bool(false) {
        out.push(format!("{at}: nothing is allowed here, found {value}"));
        return;
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = branches
            .iter()
            .filter(|branch| {
                let mut found = Vec::new();
                violations(doc, branch, value, at, strict, &mut found);
                found.is_empty()
            })
            .count();
        if matching != 1 {
            out.push(format!("{at}: matches {matching} oneOf branches: {value}"));
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            violations(doc, part, value, at, false, out);
        }
        if let (true, Some(known), Some(object)) =
            (strict, known_properties(doc, schema), value.as_object())
        {
            for key in object.keys().filter(|key| !known.contains(*key)) {
                out.push(format!("{at}.{key}: not in the document"));
            }
        }
    }
    match schema.get("type") {
        Some(Value::String(name)) if !has_type(value, name) => {
            out.push(format!("{at}: {value} is not of type {name}"));
            return;
        }
        Some(Value::Array(names))
            if !names
                .iter()
                .filter_map(Value::as_str)
                .any(|name| has_type(value, name)) =>
        {
            out.push(format!("{at}: {value} is not of any type in {names:?}"));
            return;
        }
        _ => {}
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        out.push(format!("{at}: {value} is not {constant}"));
    }
    match value {
        Value::Object(object) => {
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(name) {
                    out.push(format!("{at}.{name}: required, missing"));
                }
            }
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, inner) in object {
                    match properties.get(key) {
                        Some(property) => {
                            violations(doc, property, inner, &format!("{at}.{key}"), strict, out);
                        }
                        None if strict => out.push(format!("{at}.{key}: not in the document")),
                        None => {}
                    }
                }
            }
        }
        Value::Array(items) => {
            let prefix = schema
                .get("prefixItems")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for (index, item) in items.iter().enumerate() {
                let item_schema = prefix.get(index).or_else(|| schema.get("items"));
                if let Some(item_schema) = item_schema {
                    violations(
                        doc,
                        item_schema,
                        item,
                        &format!("{at}[{index}]"),
                        strict,
                        out,
                    );
                }
            }
        }
        Value::String(text) => {
            let ok = match schema.get("format").and_then(Value::as_str) {
                Some("date") => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
                Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                Some("uuid") => text.parse::<CaseId>().is_ok(),
                _ => true,
            };
            if !ok {
                out.push(format!(
                    "{at}: {text} is not in the format {}",
                    schema["format"]
                ));
            }
        }
        _ => {}
    }
}

/// The documented path `path` is an instance of (`/requests/{id}` for
/// `/requests/0193...`).
fn template<'a>(doc: &'a Value, path: &str) -> &'a str {
    let segments: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .find(|candidate| {
            let pattern: Vec<&str> = candidate.split('/').collect();
            pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p == s || p.starts_with('{'))
        })
        .unwrap_or_else(|| panic!("{path} is not documented"))
}

/// The API, with every answer checked against the document.
struct Checked<S> {
    app: S,
    doc: Value,
    checked: std::cell::Cell<usize>,
}

impl<S> Checked<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    /// Calls the API as the holder of `token` and checks the answer against the
    /// document, failing the test on any difference.
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = match method {
            "POST" => actix_test::TestRequest::post(),
            _ => actix_test::TestRequest::get(),
        }
        .uri(&format!("/api/v1{path}"))
        .insert_header(("Authorization", format!("Bearer {token}")));
        if let Some(body) = body {
            request = request.set_json(body);
        }
        let response = actix_test::call_service(&self.app, request.to_request()).await;
        let status = response.status();
        let bytes = actix_test::read_body(response).await;
        let value: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {path}: {status} is not JSON ({e})"));
        let documented = &self.doc["paths"][template(&self.doc, path)][method.to_lowercase()];
        let answer = documented["responses"]
            .get(status.as_str())
            .unwrap_or_else(|| {
                panic!("{method} {path} answered {status}, which is not documented: {value}")
            });
        let answer = resolve(&self.doc, answer);
        let schema = &answer["content"]["application/json"]["schema"];
        assert!(
            !schema.is_null(),
            "{method} {path} {status}: no schema documented"
        );
        let mut found = Vec::new();
        violations(&self.doc, schema, &value, "$", true, &mut found);
        assert!(
            found.is_empty(),
            "{method} {path} {status} differs from the document:\n{}\n{value:#}",
            found.join("\n")
        );
        self.checked.set(self.checked.get() + 1);
        (status, value)
    }

    /// As [`Self::call`], asserting the answer is `expected`.
    async fn expect(
        &self,
        expected: StatusCode,
        method: &str,
        path: &str,
        token: &str,
        body: Value,
    ) -> Value {
        let body = (!body.is_null()).then_some(body);
        let (status, value) = self.call(method, path, token, body).await;
        assert_eq!(status, expected, "{method} {path}: {value:#}");
        value
    }
}

/// A demo user's token and id.
fn demo_user(db: &Database, scope: &AuthorityScope, email: &str) -> (String, String) {
    let email = Email::parse(email).unwrap();
    let (_, token) =
        issue_token(db, scope, &email, Some("openapi test"), &support::clock()).unwrap();
    let user = authenticate(db, &token).unwrap().unwrap();
    (token, user.id.to_string())
}

fn request(serial: u16, received_on: &str) -> Value {
    json!({
        "given_name": "Robin", "family_name": "Documented", "date_of_birth": "2016-03-14",
        "upn": upn(880, serial).to_string(), "received_on": received_on,
        "requested_by": "parent", "requester": "Mx R. Parent, parent",
        "setting_type": "mainstream", "primary_need": "SLCN",
        "summary": "Speech and language needs; two cycles of support.",
        "contact_email": "parent@example.org"
    })
}

#[actix_web::test]
async fn every_answer_matches_the_document() {
    let test_db = TestDb::sqlite().unwrap();
    let db = test_db.db.clone();
    support::install_letters(&db);
    let state = support::demo_state(&db);
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let app = Checked {
        app: actix_test::init_service(
            App::new()
                .app_data(web::Data::new(state))
                .configure(sendpanel_web::server::routes),
        )
        .await,
        doc: generated(),
        checked: std::cell::Cell::new(0),
    };
    let (cw, _) = demo_user(&db, &torbay, support::CASEWORKER);
    let (admin, _) = demo_user(&db, &torbay, support::ADMIN);
    let (chair, chair_id) = demo_user(&db, &torbay, support::CHAIR);
    let (ep, ep_id) = demo_user(&db, &torbay, support::PSYCHOLOGIST);
    let (sen, sen_id) = demo_user(&db, &torbay, support::SEN_MANAGER);
    let (senco, senco_id) = demo_user(&db, &torbay, support::SENCO);
    let (health, health_id) = demo_user(&db, &torbay, "rachel.idowu@torbay.example");
    let (_, cw_id) = demo_user(&db, &torbay, "jordan.ellis@torbay.example");
    const OK: StatusCode = StatusCode::OK;
    const CREATED: StatusCode = StatusCode::CREATED;
    let today = "2026-11-24";

    // A refused request, disputed: mediation, an appeal, a Tribunal order to assess.
    let a = app
        .expect(
            CREATED,
            "POST",
            "/requests",
            &cw,
            request(901, "2026-11-02"),
        )
        .await;
    let case = |a: &Value, step: &str| format!("/requests/{}{step}", a["id"].as_str().unwrap());
    let refused = app
        .expect(OK, "POST", &case(&a, "/decision-to-assess"), &admin,
            json!({"decision": "refuse", "reasons": "Needs are met at SEN support.", "decided_on": today}))
        .await;
    let decision = refused["decision"]["id"].clone();
    app.expect(CREATED, "POST", &case(&a, "/next-steps-meeting"), &cw,
        json!({"meets_on": today, "starts_at": "16:00:00", "location": "Room 2", "with": ["Casey Worker, caseworker"]})).await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/next-steps-outcome"),
        &cw,
        json!({"met_on": today, "outcome": "appeal_pending", "notes": "The family will appeal."}),
    )
    .await;
    app.expect(
        CREATED,
        "POST",
        &case(&a, "/mediation"),
        &cw,
        json!({"decision": decision, "notice_sent_on": today, "requested_on": today}),
    )
    .await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/mediation/outcome"),
        &cw,
        json!({"ended_on": today, "outcome": "no_agreement", "certificate_issued_on": today}),
    )
    .await;
    app.expect(CREATED, "POST", &case(&a, "/appeal"), &cw,
        json!({"decision": decision, "notice_sent_on": today, "lodged_on": today, "mediation_certificate_issued_on": today})).await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/tribunal-decision"),
        &cw,
        json!({"decided_on": today, "outcome": "ordered", "order": "assess"}),
    )
    .await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/tribunal-order-complied"),
        &cw,
        json!({"step": "notify_assessment", "complied_on": today}),
    )
    .await;

    // The assessment, its advice and an exception, the plan, a review, a phase
    // transfer and a move out of the area.
    for from in ["health", "parent"] {
        app.expect(
            CREATED,
            "POST",
            &case(&a, "/advice-requests"),
            &cw,
            json!({"from": from, "requested_on": today}),
        )
        .await;
    }
    app.expect(CREATED, "POST", &case(&a, "/exceptions"), &cw,
        json!({"deadline": "advice_due", "limb": "personal_circumstances", "subject": "parent",
               "evidence": "A family bereavement.", "applies_from": today, "family_told_on": today})).await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/advice-received"),
        &cw,
        json!({"from": "health", "received_on": today}),
    )
    .await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/decision-to-issue"),
        &admin,
        json!({"decision": "issue", "reasons": "A plan is necessary.", "decided_on": today}),
    )
    .await;
    app.expect(
        CREATED,
        "POST",
        &case(&a, "/draft-plan"),
        &cw,
        json!({"served_on": today}),
    )
    .await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/final-plan"),
        &cw,
        json!({"issued_on": today}),
    )
    .await;
    app.expect(
        CREATED,
        "POST",
        &case(&a, "/review-meeting"),
        &cw,
        json!({"meeting_on": today}),
    )
    .await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/review-decision"),
        &admin,
        json!({"decision": "amend", "reasons": "Provision to change.", "decided_on": today}),
    )
    .await;
    app.expect(
        CREATED,
        "POST",
        &case(&a, "/phase-transfer"),
        &cw,
        json!({"transfer_year": 2027, "transfer_kind": "school"}),
    )
    .await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/phase-transfer/completed"),
        &cw,
        json!({"amended_on": today, "next_setting": "Torbay Academy"}),
    )
    .await;
    app.expect(CREATED, "POST", &case(&a, "/move-out"), &cw,
        json!({"to_authority": "Devon County Council", "aware_on": today, "moves_on": "2026-12-21"})).await;
    app.expect(
        OK,
        "POST",
        &case(&a, "/transfer-out"),
        &cw,
        json!({"transferred_on": today}),
    )
    .await;

    // A plan transferred in, and its notice.
    let b = app
        .expect(
            CREATED,
            "POST",
            "/transfers-in",
            &cw,
            json!({
                "original_request": request(902, "2025-01-06"),
                "from_authority": "Devon County Council",
                "transferred_on": "2026-11-20",
                "plan_issued_on": "2025-06-02",
            }),
        )
        .await;
    app.expect(
        OK,
        "POST",
        &case(&b, "/transfer-notice"),
        &cw,
        json!({"sent_on": today, "will_assess": false}),
    )
    .await;

    // A sitting: two cases on its agenda, one decided, one deferred after a conflict.
    let c = app
        .expect(
            CREATED,
            "POST",
            "/requests",
            &cw,
            request(903, "2026-11-16"),
        )
        .await;
    let d = app
        .expect(
            CREATED,
            "POST",
            "/requests",
            &cw,
            request(904, "2026-11-16"),
        )
        .await;
    support::record_advice(&db, &torbay, c["id"].as_str().unwrap().parse().unwrap());
    app.expect(
        CREATED,
        "POST",
        "/panels/sen-panel/members",
        &admin,
        json!({"user": cw_id, "role": "parent_carer_forum"}),
    )
    .await;
    let sitting = app
        .expect(
            CREATED,
            "POST",
            "/sittings",
            &cw,
            json!({
                "panel": "sen-panel", "sits_on": "2026-12-01", "starts_at": "10:00:00",
                "location": "Room 1", "members": [chair_id, ep_id, sen_id, senco_id, health_id],
            }),
        )
        .await;
    let sitting = format!("/sittings/{}", sitting["id"].as_str().unwrap());
    let mut items = Vec::new();
    for case in [&c, &d] {
        let item = app
            .expect(
                CREATED,
                "POST",
                &format!("{sitting}/agenda"),
                &cw,
                json!({"case": case["id"], "proposal": "assess"}),
            )
            .await;
        items.push(format!("/agenda-items/{}", item["id"].as_str().unwrap()));
    }
    app.expect(OK, "POST", &format!("{sitting}/open"), &chair, Value::Null)
        .await;
    app.expect(
        OK,
        "POST",
        &format!("{sitting}/attendance"),
        &ep,
        Value::Null,
    )
    .await;
    app.expect(
        OK,
        "POST",
        &format!("{sitting}/attendance"),
        &chair,
        json!({"member": sen_id}),
    )
    .await;
    app.expect(OK, "GET", &format!("{}/papers", items[0]), &ep, Value::Null)
        .await;
    for token in [&chair, &ep, &sen, &health] {
        app.expect(
            CREATED,
            "POST",
            &format!("{}/votes", items[0]),
            token,
            json!({"choice": "agree", "reason": "The evidence shows the test is met."}),
        )
        .await;
    }
    app.expect(
        CREATED,
        "POST",
        &format!("{}/conflict", items[1]),
        &senco,
        json!({"reason": "The child attends my school."}),
    )
    .await;
    app.expect(OK, "GET", &sitting, &cw, Value::Null).await;
    let decided = app
        .expect(OK, "POST", &format!("{}/close", items[0]), &chair,
            json!({"decision": "assess", "reasons": "The test in s.36(8) is met.", "decided_on": today}))
        .await;
    assert_eq!(decided["status"], "decided", "{decided:#}");
    let deferred = app
        .expect(OK, "POST", &format!("{}/close", items[1]), &chair,
            json!({"decision": null, "reasons": "More information is needed.", "decided_on": today}))
        .await;
    assert_eq!(deferred["status"], "deferred", "{deferred:#}");
    app.expect(OK, "GET", &format!("{sitting}/minutes"), &cw, Value::Null)
        .await;

    // Everything there is to read: every sitting, every open case, and the cases above.
    let sittings = app.expect(OK, "GET", "/sittings", &cw, Value::Null).await;
    for listed in sittings["sittings"].as_array().unwrap() {
        let path = format!("/sittings/{}", listed["id"].as_str().unwrap());
        app.expect(OK, "GET", &path, &cw, Value::Null).await;
        app.expect(OK, "GET", &format!("{path}/minutes"), &cw, Value::Null)
            .await;
    }
    let caseload = app.expect(OK, "GET", "/caseload", &cw, Value::Null).await;
    let mut cases: Vec<String> = caseload["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["id"].as_str().unwrap().to_owned())
        .collect();
    cases.extend([&a, &b, &c, &d].map(|x| x["id"].as_str().unwrap().to_owned()));
    for id in cases {
        app.expect(OK, "GET", &format!("/requests/{id}"), &cw, Value::Null)
            .await;
    }

    // Refusals answer with the documented error.
    app.expect(
        StatusCode::FORBIDDEN,
        "POST",
        &case(&c, "/decision-to-assess"),
        &cw,
        json!({"decision": "assess", "reasons": "x", "decided_on": today}),
    )
    .await;
    app.expect(
        StatusCode::UNPROCESSABLE_ENTITY,
        "POST",
        "/requests",
        &cw,
        json!({"given_name": "A"}),
    )
    .await;
    app.expect(
        StatusCode::NOT_FOUND,
        "GET",
        "/requests/not-a-case",
        &cw,
        Value::Null,
    )
    .await;
    app.expect(
        StatusCode::CONFLICT,
        "POST",
        &case(&a, "/draft-plan"),
        &cw,
        json!({"served_on": today}),
    )
    .await;

    assert!(
        app.checked.get() >= 60,
        "only {} answers checked",
        app.checked.get()
    );
}
