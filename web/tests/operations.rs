//! The binary as an operator deploys it: started from an empty directory it serves
//! the demo with the configuration it carries; its log, written to a file, is JSON
//! lines with no terminal colour codes and no child's name or date of birth in them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use sendpanel_core::config::load_authorities;
use sendpanel_core::domain::{Email, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::policy::contract::RequestFacts;
use sendpanel_core::policy::{Limits, PolicyHost, install, vet};
use sendpanel_core::registry::register_authorities;
use sendpanel_core::store::AuthorityScope;
use sendpanel_core::time::{Clock, SystemClock};
use sendpanel_tests::TestDb;
use sendpanel_tests::plugins::wasm;
use serde_json::{Value, json};

use crate::support::serve::{Launch, agent, authorities_dir, get, post};

#[test]
fn the_binary_serves_the_demo_from_an_empty_directory() {
    let empty = tempfile::tempdir().unwrap();
    let server = Launch::new(empty.path(), "serve")
        .shipped_config()
        .demo()
        .start();
    let printed = server.printed();
    assert!(printed.contains("Demo data seeded"), "{printed}");
    let (status, ready) = get(&agent(), &server.url("/readyz"), None).unwrap();
    assert_eq!(status, 200, "{ready}\n{}", server.log());
    let (status, page) = get(&agent(), &server.url("/sign-in"), None).unwrap();
    assert_eq!(status, 200, "{page}");
    // Nothing was read from a config folder here: there is none. What it wrote is the
    // database and its caches, under data/.
    assert!(!empty.path().join("config").exists());
    assert!(empty.path().join("data/sendpanel.db").is_file());
}

#[test]
fn logs_in_a_file_are_json_lines_without_colour_or_children() {
    let test_db = TestDb::sqlite().unwrap();
    let (token, facts) = torbay_with_its_plugin(&test_db.db);

    let workdir = tempfile::tempdir().unwrap();
    let server = Launch::new(workdir.path(), "logged")
        .database(&test_db.url())
        // Everything sendpanel itself logs, debug included, not only warnings; no
        // NO_COLOR: the file alone must keep colour out.
        .env(
            "SENDPANEL_LOG_FILTER",
            "info,sendpanel=debug,sendpanel_web=debug,sendpanel_core=debug",
        )
        .unset("NO_COLOR")
        .start();
    let case = receive_philippa(&server, &token);
    // The plugin's call is logged too, by the case's id.
    seek_advice(&server, &token, &case, &facts);
    let (status, read) = get(
        &agent(),
        &server.url(&format!("/api/v1/requests/{case}")),
        Some(&token),
    )
    .unwrap();
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["child_name"], "Philippa Quennell-Ashdown", "{read}");
    // A search by the child's name: the query string stays out of the log.
    let (status, found) = get(
        &agent(),
        &server.url("/api/v1/caseload?q=Quennell"),
        Some(&token),
    )
    .unwrap();
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["cases"].as_array().unwrap().len(), 1, "{found}");
    // A refusal names the field; its log must not carry what was typed either.
    let (status, refused) = post(
        &agent(),
        &server.url("/api/v1/requests"),
        &token,
        &json!({"given_name": "Philippa", "family_name": "Quennell-Ashdown"}),
    )
    .unwrap();
    assert_eq!(status, 422, "{refused}");

    let log = server.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 5, "too little logged to judge: {log}");
    for line in &lines {
        assert!(
            !line.contains('\u{1b}'),
            "a colour code in the log file: {line:?}"
        );
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(parsed["level"].is_string(), "{line}");
    }
    for personal in ["Philippa", "Quennell", "2015-07-19", "Speech and language"] {
        assert!(
            !log.contains(personal),
            "the log holds {personal:?}, which is the child's: {log}"
        );
    }
    assert!(
        log.contains(&case),
        "the log should name the case by its id, to follow a request: {log}"
    );
}

/// The sum of the samples of `metric` whose labels include `labels`, in Prometheus
/// text that must parse as such; 0 when there is none yet.
fn sample(text: &str, metric: &str, labels: &[(&str, &str)]) -> f64 {
    if let Err(error) = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))) {
        panic!("/metrics is not Prometheus text ({error}): {text}");
    }
    let mut total = 0.0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, label_text) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').unwrap()),
            None => (series, ""),
        };
        if name != metric {
            continue;
        }
        let has =
            |(key, wanted): &(&str, &str)| label_text.contains(&format!("{key}=\"{wanted}\""));
        if labels.iter().all(has) {
            total += value.parse::<f64>().unwrap();
        }
    }
    total
}

/// Torbay, a caseworker's API token, and Torbay's plugin installed, with facts for its
/// graduated-response call that cite no document (a new case has none).
fn torbay_with_its_plugin(db: &sendpanel_core::store::Database) -> (String, RequestFacts) {
    let configs = load_authorities(authorities_dir()).unwrap();
    register_authorities(db, &configs, &SystemClock).unwrap();
    let scope = AuthorityScope::new(configs[1].id.clone());
    assert_eq!(scope.authority().as_str(), "torbay");
    let email = Email::parse("cw@torbay.example").unwrap();
    add_user(
        db,
        &scope,
        &email,
        "Casey Worker",
        UserRole::Caseworker,
        None,
        &SystemClock,
    )
    .unwrap();
    let token = issue_token(db, &scope, &email, None, &SystemClock)
        .unwrap()
        .1;
    let host = PolicyHost::new(Limits::default(), None).unwrap();
    let bytes = wasm("sendpanel-plugin-torbay");
    let (plugin, _) = vet(&host, &bytes).unwrap();
    install(
        db,
        &scope,
        &plugin,
        bytes,
        Some(sendpanel_tests::fixtures::date(2023, 9, 1)),
    )
    .unwrap();
    let mut facts = sendpanel_tests::plugins::graduated_response_facts(&plugin);
    for need in &mut facts.needs {
        need.evidence.clear();
    }
    for cycle in &mut facts.support_cycles {
        cycle.evidence.clear();
    }
    for professional in &mut facts.professionals {
        professional.evidence.clear();
    }
    (token, facts)
}

/// Logs a request for Philippa Quennell-Ashdown over the API; returns the case's id.
fn receive_philippa(server: &crate::support::serve::Server, token: &str) -> String {
    let received_on = SystemClock.today().pred_opt().unwrap();
    let (status, created) = post(
        &agent(),
        &server.url("/api/v1/requests"),
        token,
        &json!({
            "given_name": "Philippa", "family_name": "Quennell-Ashdown",
            "date_of_birth": "2015-07-19", "received_on": received_on,
            "requested_by": "parent", "requester": "Mr O. Quennell-Ashdown, parent",
            "setting_type": "mainstream", "primary_need": "SLCN",
            "summary": "Speech and language therapy since Reception; little progress.",
        }),
    )
    .unwrap();
    assert_eq!(status, 201, "{created}\n{}", server.log());
    created["id"].as_str().unwrap().to_owned()
}

/// Asks the plugin in force for graduated-response advice on `case`.
fn seek_advice(
    server: &crate::support::serve::Server,
    token: &str,
    case: &str,
    facts: &RequestFacts,
) {
    let (status, advice) = post(
        &agent(),
        &server.url(&format!(
            "/api/v1/requests/{case}/advice/graduated-response"
        )),
        token,
        &serde_json::to_value(facts).unwrap(),
    )
    .unwrap();
    assert!(status == 200 || status == 201, "{status} {advice}");
}

/// The scraper's token in the metrics test (`metrics_token`: 32 characters or more).
const METRICS_TOKEN: &str = "scraper-token-for-the-operations-test";

#[test]
fn metrics_count_requests_and_plugin_calls() {
    let test_db = TestDb::sqlite().unwrap();
    let (token, facts) = torbay_with_its_plugin(&test_db.db);

    let workdir = tempfile::tempdir().unwrap();
    let server = Launch::new(workdir.path(), "metered")
        .database(&test_db.url())
        .env("SENDPANEL_METRICS", "on")
        .env("SENDPANEL_METRICS_TOKEN", METRICS_TOKEN)
        .start();
    // Beside the pages, the counts per authority are for the scraper with the token.
    for sent in [None, Some("not-the-token-but-just-as-long-as-it-is")] {
        let (status, text) = get(&agent(), &server.url("/metrics"), sent).unwrap();
        assert_eq!(status, 401, "{text}");
    }
    let scrape = || {
        let (status, text) = get(&agent(), &server.url("/metrics"), Some(METRICS_TOKEN)).unwrap();
        assert_eq!(status, 200, "{text}");
        text.as_str().unwrap_or_default().to_owned()
    };
    let caseload = [
        ("method", "GET"),
        ("route", "/api/v1/caseload"),
        ("status", "200"),
    ];
    let before = scrape();
    let requests = "sendpanel_http_requests_total";
    let before_caseload = sample(&before, requests, &caseload);

    for _ in 0..3 {
        let (status, _) = get(&agent(), &server.url("/api/v1/caseload"), Some(&token)).unwrap();
        assert_eq!(status, 200);
    }
    let (status, _) = get(&agent(), &server.url("/api/v1/caseload"), None).unwrap();
    assert_eq!(status, 401);
    let case = receive_philippa(&server, &token);
    seek_advice(&server, &token, &case, &facts);

    let after = scrape();
    assert_eq!(
        sample(&after, requests, &caseload) - before_caseload,
        3.0,
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            requests,
            &[("route", "/api/v1/caseload"), ("status", "401")]
        ),
        1.0,
        "{after}"
    );
    // The template, never the path with the case's id in it.
    assert!(!after.contains(&case), "{after}");
    assert_eq!(
        sample(
            &after,
            "sendpanel_plugin_evaluations_total",
            &[("authority", "torbay"), ("call", "graduated-response")]
        ),
        1.0,
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            "sendpanel_http_request_duration_seconds_count",
            &[("route", "/api/v1/caseload")]
        ),
        4.0,
        "{after}"
    );
}

#[test]
fn a_second_server_on_one_sqlite_file_is_refused() {
    let test_db = TestDb::sqlite().unwrap();
    let workdir = tempfile::tempdir().unwrap();
    let first = Launch::new(workdir.path(), "first")
        .database(&test_db.url())
        .start();
    let refusal = Launch::new(workdir.path(), "second")
        .database(&test_db.url())
        .refused();
    assert!(
        refusal.contains("database_url: another sendpanel serve is already serving"),
        "{refusal}"
    );
    assert!(refusal.contains("PostgreSQL"), "{refusal}");
    // The first carries on; once it is gone (however it ended), a server starts again.
    let (status, _) = get(&agent(), &first.url("/readyz"), None).unwrap();
    assert_eq!(status, 200);
    drop(first);
    let again = Launch::new(workdir.path(), "again")
        .database(&test_db.url())
        .start();
    let (status, _) = get(&agent(), &again.url("/readyz"), None).unwrap();
    assert_eq!(status, 200);
}

/// A stand-in OpenTelemetry collector on loopback: takes OTLP/HTTP posts (protobuf) and
/// keeps every span it is sent.
fn collector() -> (String, Arc<Mutex<Vec<Span>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let spans = Arc::new(Mutex::new(Vec::new()));
    let kept = spans.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let kept = kept.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                // One connection may carry several posts.
                loop {
                    let mut length = None;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse::<usize>().ok();
                        }
                    }
                    let mut body = vec![0; length.unwrap_or(0)];
                    reader.read_exact(&mut body).unwrap();
                    let export = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
                    let mut kept = kept.lock().unwrap();
                    for resource in export.resource_spans {
                        for scope in resource.scope_spans {
                            kept.extend(scope.spans);
                        }
                    }
                    drop(kept);
                    stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
                        .unwrap();
                }
            });
        }
    });
    (address, spans)
}

/// A span's attribute as text, if it has it.
fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_ref()?.value.as_ref())
        .map(|value| match value {
            any_value::Value::StringValue(text) => text.clone(),
            any_value::Value::IntValue(n) => n.to_string(),
            any_value::Value::BoolValue(b) => b.to_string(),
            other => format!("{other:?}"),
        })
}

#[test]
fn a_request_is_one_trace_through_the_plugin_and_the_database() {
    let test_db = TestDb::sqlite().unwrap();
    let (token, facts) = torbay_with_its_plugin(&test_db.db);
    let (endpoint, spans) = collector();
    let workdir = tempfile::tempdir().unwrap();
    let server = Launch::new(workdir.path(), "traced")
        .database(&test_db.url())
        .env("SENDPANEL_OTLP_ENDPOINT", endpoint)
        // Sent every 100 ms rather than every 5 s, so the test need not wait.
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .start();
    let case = receive_philippa(&server, &token);
    seek_advice(&server, &token, &case, &facts);

    let route = "/api/v1/requests/{id}/advice/graduated-response";
    let deadline = Instant::now() + Duration::from_secs(30);
    let (request, trace) = loop {
        let received = spans.lock().unwrap().clone();
        let request = received
            .iter()
            .find(|s| attribute(s, "http.route").as_deref() == Some(route))
            .cloned();
        if let Some(request) = request {
            let trace: Vec<Span> = received
                .into_iter()
                .filter(|s| s.trace_id == request.trace_id)
                .collect();
            if trace.iter().any(|s| s.name == "plugin.call") {
                break (request, trace);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no trace of the advice request with its plugin call reached the collector: {:#?}\n{}",
            spans
                .lock()
                .unwrap()
                .iter()
                .map(|s| &s.name)
                .collect::<Vec<_>>(),
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        request.parent_span_id.is_empty(),
        "the request's span is the trace's root"
    );
    let advice = trace
        .iter()
        .find(|s| s.name == "advice")
        .expect("the advice span");
    assert_eq!(attribute(advice, "case_id").as_deref(), Some(case.as_str()));
    assert_eq!(attribute(advice, "authority").as_deref(), Some("torbay"));
    assert!(
        trace.iter().any(|s| s.name == "db"),
        "the database work is in the trace: {:?}",
        trace.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    // Never a name: no attribute of any span sent carries the child's.
    for span in spans.lock().unwrap().iter() {
        for attribute in &span.attributes {
            let value = format!("{:?}", attribute.value);
            assert!(
                !value.contains("Quennell") && !value.contains("Philippa"),
                "span {} carries {}: {value}",
                span.name,
                attribute.key
            );
        }
    }
}
