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
//!
//! On the pages, with the form's one-time token: a decision form sent twice (one after
//! the other, at once, and again after the service restarts) is recorded once and each
//! submission lands on the case page that says so; a refused form leaves its token
//! free for the corrected one; a new request logged twice is one case. In a sitting, a member's vote sent twice is one vote,
//! and the chair's close sent twice at once is one decision with one letter.
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

use crate::support::{
    self, ADMIN, Browser, CASEWORKER, CHAIR, PSYCHOLOGIST, SEN_MANAGER, SENCO, install_letters,
};

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
    assert_eq!(later.json()["error"]["code"], "conflict");
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

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The page's one-time token.
fn form_token(body: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = body.find(marker).expect("a form_token field") + marker.len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

async fn pages_scenario(db: Database) {
    install_letters(&db);
    let state = support::demo_state(&db);
    let app = support::app(state.clone()).await;
    let waiting = undecided(&db);
    let (first, second, third) = (waiting[0], waiting[1], waiting[2]);
    let mut admin = Browser::default();
    admin.sign_in(&app, ADMIN).await;
    let fields = |csrf: &str, token: &str, reasons: &str| -> Vec<(String, String)> {
        [
            ("csrf_token", csrf),
            ("form_token", token),
            ("decision", "assess"),
            ("reasons", reasons),
            ("decided_on-day", "24"),
            ("decided_on-month", "11"),
            ("decided_on-year", "2026"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };

    // Sent twice, one after the other: recorded once, and both land on the case page,
    // which says the decision is recorded.
    let action = format!("/cases/{first}/decision-to-assess");
    let step = admin.get(&app, &action).await;
    assert_eq!(step.status, StatusCode::OK);
    let (csrf, token) = (step.csrf(), form_token(&step.body));
    assert_eq!(token.len(), 64);
    let sent = fields(&csrf, &token, "May need a plan.");
    let once = admin.post(&app, &action, &borrowed(&sent)).await;
    assert_eq!(once.status, StatusCode::SEE_OTHER, "{}", once.body);
    let done = format!("/cases/{first}?done=decision-to-assess");
    assert_eq!(once.location.as_deref(), Some(done.as_str()));
    let twice = admin.post(&app, &action, &borrowed(&sent)).await;
    assert_eq!(twice.status, StatusCode::SEE_OTHER, "{}", twice.body);
    assert_eq!(twice.location.as_deref(), Some(done.as_str()));
    assert_eq!(recorded(&db, first).0, 1);
    assert_eq!(recorded(&db, first).1, 1, "one letter");
    let page = admin.get(&app, &done).await;
    assert!(page.body.contains("Decision recorded"), "{}", page.body);

    // Each drawing of the form has its own token.
    let drawn_again = admin
        .get(&app, &format!("/cases/{second}/decision-to-assess"))
        .await;
    assert_ne!(form_token(&drawn_again.body), token);

    // A double click: both at once. One decision; both go to the same place.
    let action = format!("/cases/{second}/decision-to-assess");
    let step = admin.get(&app, &action).await;
    let sent = fields(&step.csrf(), &form_token(&step.body), "May need a plan.");
    let cookie = admin.cookie.clone().unwrap();
    let send = || {
        test::call_service(
            &app,
            test::TestRequest::post()
                .uri(&action)
                .cookie(cookie.clone())
                .set_form(borrowed(&sent))
                .to_request(),
        )
    };
    let answers = join_all([send(), send()]).await;
    let done = format!("/cases/{second}?done=decision-to-assess");
    for answer in &answers {
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            answer.headers().get("location").unwrap().to_str().unwrap(),
            done
        );
    }
    assert_eq!(recorded(&db, second).0, 1);

    // A refused form records nothing, and its token stays good for the corrected one.
    let action = format!("/cases/{third}/decision-to-assess");
    let step = admin.get(&app, &action).await;
    let (csrf, token) = (step.csrf(), form_token(&step.body));
    let empty = fields(&csrf, &token, " ");
    let refused = admin.post(&app, &action, &borrowed(&empty)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(recorded(&db, third).0, 0);
    let corrected = fields(&csrf, &token, "May need a plan.");
    let page = admin.post(&app, &action, &borrowed(&corrected)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(recorded(&db, third).0, 1);

    // A new request logged twice: one case, and both go to it.
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    let form = caseworker.get(&app, "/requests/new").await;
    let child = upn(880, 992).to_string();
    let request = with_tokens(
        &form,
        &[
            ("given_name", "Sam"),
            ("family_name", "Twice"),
            ("date_of_birth-day", "14"),
            ("date_of_birth-month", "3"),
            ("date_of_birth-year", "2016"),
            ("upn", &child),
            ("received_on-day", "20"),
            ("received_on-month", "11"),
            ("received_on-year", "2026"),
            ("requested_by", "parent"),
            ("requester", "Ms K. Twice, parent"),
            ("setting_type", "mainstream"),
            ("primary_need", "SLCN"),
            ("summary", "Speech and language support since Reception."),
        ],
    );
    let before = cases(&db).len();
    let logged = caseworker
        .post(&app, "/requests/new", &borrowed(&request))
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.body);
    assert!(
        logged
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/cases/"))
    );
    let again = caseworker
        .post(&app, "/requests/new", &borrowed(&request))
        .await;
    assert_eq!(again.location, logged.location);
    assert_eq!(cases(&db).len(), before + 1);

    // The tokens are kept in the database: after a restart (a new app over the same
    // database, a new session key, signed in again), the old form sent again is still
    // not recorded twice.
    let restarted = support::app(state).await;
    let mut admin = Browser::default();
    admin.sign_in(&restarted, ADMIN).await;
    let csrf = admin.get(&restarted, "/").await.csrf();
    let resent = fields(&csrf, &token, "May need a plan.");
    let page = admin.post(&restarted, &action, &borrowed(&resent)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/cases/{third}?done=decision-to-assess").as_str())
    );
    assert_eq!(recorded(&db, third).0, 1);
}

#[actix_web::test]
async fn double_submitted_forms_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    pages_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn double_submitted_forms_on_postgres() {
    let db = TestDb::postgres().unwrap();
    pages_scenario(db.db.clone()).await;
}

/// The fields of a form on `page`, with the page's CSRF and one-time tokens.
fn with_tokens(page: &support::Page, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    [
        ("csrf_token", page.csrf()),
        ("form_token", form_token(&page.body)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .collect()
}

async fn panel_scenario(db: Database) {
    install_letters(&db);
    let state = support::demo_state(&db);
    let (sitting, items) = crate::panel_pages::demo_sitting(&db, &state);
    let (item, case) = items[0].clone();
    support::record_advice(&db, &torbay(), case);
    let app = support::app(state).await;
    let sitting_path = format!("/sittings/{sitting}");
    let attendance = format!("{sitting_path}/attendance");
    let papers_path = format!("/agenda-items/{item}");

    // The chair opens the sitting; everyone joins, so the quorum is met.
    let mut chair = Browser::default();
    chair.sign_in(&app, CHAIR).await;
    let opened = chair
        .submit(&app, &sitting_path, &format!("{sitting_path}/open"), &[])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    chair.submit(&app, &sitting_path, &attendance, &[]).await;
    let mut psychologist = Browser::default();
    for (email, browser) in [
        (PSYCHOLOGIST, &mut psychologist),
        (SEN_MANAGER, &mut Browser::default()),
        (SENCO, &mut Browser::default()),
    ] {
        browser.sign_in(&app, email).await;
        let joined = browser.submit(&app, &sitting_path, &attendance, &[]).await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    }

    // A vote sent twice is one vote; both land on the member's part of the papers.
    let papers = psychologist.get(&app, &papers_path).await;
    let vote = with_tokens(
        &papers,
        &[("choice", "agree"), ("reason", "The test is met.")],
    );
    let vote_path = format!("{papers_path}/vote");
    for _ in 0..2 {
        let voted = psychologist.post(&app, &vote_path, &borrowed(&vote)).await;
        assert_eq!(voted.status, StatusCode::SEE_OTHER, "{}", voted.body);
        assert_eq!(
            voted.location,
            Some(format!("/agenda-items/{item}#your-vote"))
        );
    }
    let item_id = item.parse().unwrap();
    let votes = db.read(|tx| tx.list_votes(&torbay(), item_id)).unwrap();
    assert_eq!(votes.len(), 1, "{votes:?}");

    // The chair's close, sent twice at once: one decision, one letter, and both
    // submissions go back to the sitting.
    let papers = chair.get(&app, &papers_path).await;
    let close = with_tokens(
        &papers,
        &[
            ("decision", "assess"),
            (
                "reasons",
                "The child may have SEN and a plan may be necessary.",
            ),
            ("decided_on-day", "24"),
            ("decided_on-month", "11"),
            ("decided_on-year", "2026"),
        ],
    );
    let close_path = format!("{papers_path}/close");
    let cookie = chair.cookie.clone().unwrap();
    let send = || {
        test::call_service(
            &app,
            test::TestRequest::post()
                .uri(&close_path)
                .cookie(cookie.clone())
                .set_form(borrowed(&close))
                .to_request(),
        )
    };
    for answer in join_all([send(), send()]).await {
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            answer.headers().get("location").unwrap().to_str().unwrap(),
            sitting_path
        );
    }
    let (decisions, letters, _) = recorded(&db, case);
    assert_eq!((decisions, letters), (1, 1));
}

#[actix_web::test]
async fn a_sittings_forms_sent_twice_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    panel_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn a_sittings_forms_sent_twice_on_postgres() {
    let db = TestDb::postgres().unwrap();
    panel_scenario(db.db.clone()).await;
}
