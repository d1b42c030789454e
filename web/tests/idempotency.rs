//! Submissions sent twice are recorded once, on SQLite and PostgreSQL, over the demo
//! with letters and e-mail written as the service writes them.
//!
//! Over the API, with `Idempotency-Key`: a request logged twice under one key (the
//! second written differently) is one case, and the second answer is the first, byte
//! for byte, marked `Idempotent-Replayed`; a decision sent twice is one decision, one
//! letter and one e-mail; the same key with another body is 422 naming the header and
//! changes nothing; eight decisions sent at once under one key record one, the others
//! get the first answer or 409; a malformed key is 400 naming the header; one caller's
//! key is not another's; a refused request leaves its key free for the corrected one;
//! a key is forgotten 24 hours after its first use.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use futures_util::future::join_all;
use sendpanel_core::domain::{AuthorityId, Case, CaseId, CaseStage, Email, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::upn;
use sendpanel_tests::journey::SteppedClock;
use serde_json::{Value, json};

use crate::support::{self, ADMIN, CASEWORKER, install_letters};

/// One API answer as a client sees it.
struct Answer {
    status: StatusCode,
    replayed: bool,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

async fn post<S>(app: &S, path: &str, token: &str, key: Option<&str>, body: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut request = test::TestRequest::post()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "application/json"))
        .set_payload(body.to_owned());
    if let Some(key) = key {
        request = request.insert_header(("Idempotency-Key", key));
    }
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    let replayed = response
        .headers()
        .get("Idempotent-Replayed")
        .is_some_and(|v| v == "true");
    let bytes = test::read_body(response).await.to_vec();
    Answer {
        status,
        replayed,
        bytes,
    }
}

fn torbay() -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse("torbay").unwrap())
}

fn api_token(db: &Database, email: &str) -> String {
    issue_token(
        db,
        &torbay(),
        &Email::parse(email).unwrap(),
        Some("idempotency test"),
        &support::clock(),
    )
    .unwrap()
    .1
}

fn cases(db: &Database) -> Vec<Case> {
    db.read(|tx| tx.list_cases(&torbay())).unwrap()
}

/// What a decision leaves on a case: decisions, letters, e-mails.
fn recorded(db: &Database, case: CaseId) -> (usize, usize, usize) {
    let scope = torbay();
    db.read(|tx| {
        Ok((
            tx.list_decisions(&scope, case)?.len(),
            tx.list_documents(&scope, case)?.len(),
            tx.list_outbox(&scope, Some(case))?.len(),
        ))
    })
    .unwrap()
}

fn undecided(db: &Database) -> Vec<CaseId> {
    cases(db)
        .into_iter()
        .filter(|c| {
            matches!(
                c.stage,
                CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
            )
        })
        .map(|c| c.id)
        .collect()
}

async fn api_scenario(db: Database) {
    install_letters(&db);
    let mut state = support::demo_state(&db);
    let clock = SteppedClock::starting(support::clock());
    state.clock = clock.clone();
    let app = support::app(state).await;
    let caseworker = api_token(&db, CASEWORKER);
    let chair_email = Email::parse("chair@torbay.example").unwrap();
    add_user(
        &db,
        &torbay(),
        &chair_email,
        "Test Chair",
        UserRole::PanelChair,
        None,
        &support::clock(),
    )
    .unwrap();
    let chair = api_token(&db, "chair@torbay.example");
    let admin = api_token(&db, ADMIN);

    // A request logged twice under one key: one case. The repeat is written another
    // way (keys in another order, other spacing) and is still the same request; it
    // gets the first answer byte for byte, marked as given again.
    let before = cases(&db).len();
    let request = json!({
        "given_name": "Robin", "family_name": "Twice", "date_of_birth": "2017-05-02",
        "upn": upn(880, 991).to_string(), "received_on": "2026-11-23",
        "requested_by": "parent", "requester": "Mrs T. Twice, mother",
        "setting_type": "mainstream", "primary_need": "SLCN",
        "summary": "Speech and language support for two terms; little progress.",
        "contact_email": "family.twice@example.org"
    });
    let first = post(
        &app,
        "/api/v1/requests",
        &caseworker,
        Some("log-robin-1"),
        &request.to_string(),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json());
    assert!(!first.replayed);
    let id: CaseId = first.json()["id"].as_str().unwrap().parse().unwrap();
    let pretty = serde_json::to_string_pretty(&request).unwrap();
    let again = post(
        &app,
        "/api/v1/requests",
        &caseworker,
        Some("\"log-robin-1\""),
        &pretty,
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(again.replayed);
    assert_eq!(again.bytes, first.bytes);
    assert_eq!(cases(&db).len(), before + 1);

    // The same key with another body: 422 naming the header and the rule; nothing new.
    let mut other = request.clone();
    other["given_name"] = json!("Robyn");
    let refused = post(
        &app,
        "/api/v1/requests",
        &caseworker,
        Some("log-robin-1"),
        &other.to_string(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &refused.json()["error"];
    assert_eq!(error["code"], "idempotency_key_reused");
    assert_eq!(error["field"], "Idempotency-Key");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("another body"), "{message}");
    assert!(
        message.contains("a key stands for one request"),
        "{message}"
    );
    assert_eq!(cases(&db).len(), before + 1);

    // ... or for another route: 422 naming the route it was first used for.
    let decide = format!("/api/v1/requests/{id}/decision-to-assess");
    let decision = json!({
        "decision": "assess", "reasons": "The child may have SEN and may need a plan.",
        "decided_on": "2026-11-24"
    });
    let elsewhere = post(
        &app,
        &decide,
        &caseworker,
        Some("log-robin-1"),
        &decision.to_string(),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = elsewhere.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("POST /api/v1/requests,"), "{message}");

    // A decision sent twice: one decision, one letter, one e-mail to the family.
    let decided = post(
        &app,
        &decide,
        &chair,
        Some("decide-robin"),
        &decision.to_string(),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.json());
    assert_eq!(recorded(&db, id), (1, 1, 1));
    let repeat = post(
        &app,
        &decide,
        &chair,
        Some("decide-robin"),
        &decision.to_string(),
    )
    .await;
    assert_eq!(repeat.status, StatusCode::OK);
    assert!(repeat.replayed);
    assert_eq!(repeat.bytes, decided.bytes);
    assert_eq!(recorded(&db, id), (1, 1, 1));

    // The same key, now refusing: 422, and the decision stands as made.
    let refuse = json!({
        "decision": "refuse", "reasons": "Needs can be met at SEN support.",
        "departure_reason": "Changed my mind.", "decided_on": "2026-11-24"
    });
    let changed = post(
        &app,
        &decide,
        &chair,
        Some("decide-robin"),
        &refuse.to_string(),
    )
    .await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(changed.json()["error"]["field"], "Idempotency-Key");
    assert_eq!(recorded(&db, id), (1, 1, 1));
    assert_eq!(
        db.read(|tx| tx.get_case(&torbay(), id)).unwrap().stage,
        CaseStage::Assessing
    );

    // A key is the caller's own: the admin's "decide-robin" is a new key, so the
    // admin's decision runs, and is refused because the case has moved on.
    let admins = post(
        &app,
        &decide,
        &admin,
        Some("decide-robin"),
        &decision.to_string(),
    )
    .await;
    assert_eq!(admins.status, StatusCode::CONFLICT, "{}", admins.json());
    assert!(!admins.replayed);
    assert_eq!(recorded(&db, id), (1, 1, 1));

    // A malformed key: 400 naming the header and the rule; nothing runs.
    let waiting = undecided(&db);
    let (second, third) = (waiting[0], waiting[1]);
    let decide_second = format!("/api/v1/requests/{second}/decision-to-assess");
    for (key, rule) in [
        ("two words", "visible ASCII"),
        (&"k".repeat(256)[..], "at most 255 characters"),
        ("\"unclosed", "does not close"),
    ] {
        let bad = post(
            &app,
            &decide_second,
            &chair,
            Some(key),
            &decision.to_string(),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{key}");
        let error = &bad.json()["error"];
        assert_eq!(error["code"], "invalid_header");
        assert_eq!(error["field"], "Idempotency-Key");
        let message = error["message"].as_str().unwrap();
        assert!(message.starts_with("Idempotency-Key "), "{message}");
        assert!(message.contains(rule), "{key}: {message}");
    }
    assert_eq!(recorded(&db, second).0, 0);

    // A refused request changed nothing, so its key is free for the corrected one.
    let no_reasons = json!({"decision": "assess", "reasons": " ", "decided_on": "2026-11-24"});
    let refused = post(
        &app,
        &decide_second,
        &chair,
        Some("decide-second"),
        &no_reasons.to_string(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["error"]["field"], "reasons");
    let corrected = post(
        &app,
        &decide_second,
        &chair,
        Some("decide-second"),
        &decision.to_string(),
    )
    .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.json());
    assert_eq!(recorded(&db, second).0, 1);

    // Eight clients send one decision under one key at the same moment: one decision
    // stands. The others are told it is in progress (409, naming the header) or get
    // the first answer.
    let decide_third = format!("/api/v1/requests/{third}/decision-to-assess");
    let body = decision.to_string();
    let answers =
        join_all((0..8).map(|_| post(&app, &decide_third, &chair, Some("race-third"), &body)))
            .await;
    let ok: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .collect();
    assert!(!ok.is_empty());
    assert_eq!(ok.iter().filter(|a| !a.replayed).count(), 1);
    assert!(ok.iter().all(|a| a.bytes == ok[0].bytes));
    for busy in answers.iter().filter(|a| a.status != StatusCode::OK) {
        assert_eq!(busy.status, StatusCode::CONFLICT, "{}", busy.json());
        assert_eq!(busy.json()["error"]["code"], "idempotency_key_in_use");
        assert_eq!(busy.json()["error"]["field"], "Idempotency-Key");
    }
    assert_eq!(recorded(&db, third).0, 1);
    let after = post(&app, &decide_third, &chair, Some("race-third"), &body).await;
    assert!(after.replayed);
    assert_eq!(after.bytes, ok[0].bytes);
    assert_eq!(recorded(&db, third).0, 1);

    // A day later the key is forgotten: the same request runs again (and the case,
    // decided, refuses it) instead of being answered from the first.
    clock.advance(chrono::Duration::hours(24));
    let later = post(&app, &decide_third, &chair, Some("race-third"), &body).await;
    assert!(!later.replayed);
    assert_eq!(later.status, StatusCode::CONFLICT, "{}", later.json());
    assert_eq!(later.json()["error"]["code"], "wrong_stage");
    assert_eq!(recorded(&db, third).0, 1);

    // Without the header, nothing changes from before: the request simply runs.
    let plain = post(&app, &decide_third, &chair, None, &body).await;
    assert_eq!(plain.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn api_keys_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    api_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn api_keys_on_postgres() {
    let db = TestDb::postgres().unwrap();
    api_scenario(db.db.clone()).await;
}
