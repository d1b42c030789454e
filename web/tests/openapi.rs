//! The API document keeps up with the routes: every `.route(path, web::<method>())` in
//! `web/src/api/mod.rs` is documented in `web/openapi.json` with a summary, and nothing
//! is documented that is not routed, so a route cannot ship undocumented (nor a route
//! removed leave its documentation behind). Every `$ref` in the document resolves, and
//! every POST documents the optional `Idempotency-Key` header and its answers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

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
    let doc: Value = serde_json::from_str(&read("openapi.json")).expect("openapi.json parses");
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
        "routed in src/api/mod.rs but not documented in openapi.json: {missing:?}"
    );

    let routed: BTreeSet<(String, String)> = routed.into_iter().collect();
    let stale: Vec<_> = described.difference(&routed).collect();
    assert!(
        stale.is_empty(),
        "documented in openapi.json but not routed: {stale:?}"
    );
}

#[test]
fn every_post_documents_the_idempotency_key() {
    let doc: Value = serde_json::from_str(&read("openapi.json")).expect("openapi.json parses");
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
    let doc: Value = serde_json::from_str(&read("openapi.json")).expect("openapi.json parses");
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
    let doc: Value = serde_json::from_str(&read("openapi.json")).expect("openapi.json parses");
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
