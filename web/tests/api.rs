//! The JSON API end to end, in process, on SQLite and PostgreSQL: a caseworker logs a
//! request and sees its deadlines, seeks policy advice, a chair refuses with reasons
//! and a departure reason, the next-steps meeting expects a new request and the second
//! request opens its own case for the same child; one request goes from receipt to a
//! final plan and its first annual review; another has an exception claimed on its
//! limit; roles limit who does what; another authority sees nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use chrono::{NaiveDate, TimeZone};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{Email, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::policy::contract::Date;
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, install, vet};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::{authority, date, upn};
use sendpanel_tests::journey::SteppedClock;
use sendpanel_tests::plugins::wasm;
use sendpanel_web::server::routes;
use sendpanel_web::state::AppState;
use serde_json::{Value, json};

fn clock() -> FixedClock {
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2023, 10, 2, 9, 0, 0)
            .single()
            .unwrap(),
    )
}

fn token(db: &Database, scope: &AuthorityScope, email: &str, role: UserRole) -> String {
    let email = Email::parse(email).unwrap();
    add_user(db, scope, &email, "Test Person", role, None, &clock()).unwrap();
    issue_token(db, scope, &email, Some("api test"), &clock())
        .unwrap()
        .1
}

fn request_body(serial: u16, received_on: &str) -> Value {
    json!({
        "given_name": "Alex", "family_name": "Example", "date_of_birth": "2016-03-14",
        "upn": upn(880, serial).to_string(), "received_on": received_on,
        "requested_by": "setting", "requester": "Ms P. Senco, SENCO",
        "setting_type": "mainstream", "primary_need": "MLD",
        "summary": "Two reviewed cycles of literacy support; little progress."
    })
}

async fn call<S>(
    app: &S,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut request = match method {
        "POST" => test::TestRequest::post(),
        _ => test::TestRequest::get(),
    }
    .uri(path);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    let bytes = test::read_body(response).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn scenario(db: Database) {
    let torbay = authority(&db, "torbay", 880).unwrap();
    let wiltshire = authority(&db, "wiltshire", 865).unwrap();
    let caseworker = token(&db, &torbay, "cw@torbay.example", UserRole::Caseworker);
    let chair = token(&db, &torbay, "chair@torbay.example", UserRole::PanelChair);
    let auditor = token(&db, &torbay, "audit@torbay.example", UserRole::Auditor);
    let stranger = token(
        &db,
        &wiltshire,
        "cw@wiltshire.example",
        UserRole::Caseworker,
    );
    let host = PolicyHost::new(Limits::default(), None).unwrap();
    let bytes = wasm("sendpanel-plugin-torbay");
    let (plugin, _) = vet(&host, &bytes).unwrap();
    install(&db, &torbay, &plugin, bytes, Some(date(2023, 9, 1))).unwrap();
    let mut facts = sendpanel_tests::plugins::graduated_response_facts(&plugin);
    facts.as_at = Date {
        year: 2023,
        month: 10,
        day: 2,
    };

    let today = SteppedClock::starting(clock());
    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(Vec::new()),
        catalogue: PluginCatalogue::new(host),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: today.clone(),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    };
    let app =
        test::init_service(App::new().app_data(web::Data::new(state)).configure(routes)).await;

    // The document is public; everything else needs a token.
    let (status, doc) = call(&app, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let (status, body) = call(&app, "GET", "/api/v1/caseload", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorised");
    let (status, _) = call(
        &app,
        "GET",
        "/api/v1/caseload",
        Some("sp_not-a-token"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A caseworker logs a request: 201 with the 6-week deadline and its rule.
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(request_body(1, "2023-09-04")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["stage"], "request_received");
    assert_eq!(created["deadlines"][0]["kind"], "decide_whether_to_assess");
    assert_eq!(created["deadlines"][0]["due_on"], "2023-10-16");
    assert!(
        created["deadlines"][0]["rule"]
            .as_str()
            .unwrap()
            .contains("reg. 5(1)")
    );
    let id = created["id"].as_str().unwrap().to_owned();

    // Bad input names the field and the rule, and changes nothing.
    let mut bad = request_body(2, "2023-09-04");
    bad["upn"] = "X123".into();
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "upn");
    let mut unknown = request_body(2, "2023-09-04");
    unknown["favourite_colour"] = "blue".into();
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(unknown),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "favourite_colour");
    let mut huge = request_body(2, "2023-09-04");
    huge["summary"] = "x".repeat(70_000).into();
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(huge),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
    // An auditor reads but does not write.
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&auditor),
        Some(request_body(3, "2023-09-04")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{id}"),
        Some(&auditor),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Policy advice from the plugin in force, recorded on the case. The facts cite
    // evidence by the ids of documents on the case: one that is not is refused,
    // naming the field, before any plugin runs, and nothing is recorded.
    let path = format!("/api/v1/requests/{id}/advice/graduated-response");
    let real = crate::support::cite_uploaded_api(&app, &caseworker, &id, &mut facts).await;
    assert_eq!(real.len(), 4);
    let mut unknown = facts.clone();
    unknown.support_cycles[1].evidence.push("doc-ep-1".into());
    let (status, body) = call(
        &app,
        "POST",
        &path,
        Some(&caseworker),
        Some(serde_json::to_value(&unknown).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "support_cycles[1].evidence[1]");
    assert_eq!(
        body["error"]["message"],
        "\"doc-ep-1\" is not a document on this case; upload it first and cite its id"
    );
    let case: sendpanel_core::domain::CaseId = id.parse().unwrap();
    assert!(
        db.read(|tx| tx.advice_for_case(&torbay, &case))
            .unwrap()
            .is_empty()
    );
    let (status, advice) = call(
        &app,
        "POST",
        &path,
        Some(&caseworker),
        Some(serde_json::to_value(&facts).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{advice}");
    assert_eq!(advice["outcome"], "advice");
    assert_eq!(advice["plugin_sha256"], plugin.sha256().as_str());

    // Another authority sees nothing: 404 on every id, an empty caseload.
    for (method, path, body) in [
        ("GET", format!("/api/v1/requests/{id}"), None),
        (
            "POST",
            format!("/api/v1/requests/{id}/advice/graduated-response"),
            Some(serde_json::to_value(&facts).unwrap()),
        ),
    ] {
        let (status, body) = call(&app, method, &path, Some(&stranger), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert!(!body.to_string().contains("Alex"));
    }
    let (_, caseload) = call(&app, "GET", "/api/v1/caseload", Some(&stranger), None).await;
    assert_eq!(caseload["cases"], json!([]));

    // Only a chair (or admin) decides; refusing against "assess" advice needs a reason.
    let decision = |departure: Option<&str>| {
        json!({
            "decision": "refuse", "reasons": "Needs can be met at SEN support with the agreed plan.",
            "departure_reason": departure, "decided_on": "2023-10-02"
        })
    };
    let path = format!("/api/v1/requests/{id}/decision-to-assess");
    let (status, _) = call(&app, "POST", &path, Some(&caseworker), Some(decision(None))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(&app, "POST", &path, Some(&chair), Some(decision(None))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "departure_reason");
    let (status, decided) = call(
        &app,
        "POST",
        &path,
        Some(&chair),
        Some(decision(Some(
            "Reviews since the EP visit show good progress.",
        ))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["stage"], "assessment_refused");
    // Notice 2 October 2023: 2 months is Saturday 2 December, so the appeal may come
    // on Monday 4 December (HESC Rules 2008 r.12(2)).
    assert_eq!(decided["appeal_by"], "2023-12-04");
    let (status, again) = call(
        &app,
        "POST",
        &path,
        Some(&chair),
        Some(decision(Some("again"))),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    // The next-steps meeting: an auditor cannot record it; a caseworker can. The family
    // will ask again once the EP has seen the child, so a new request is expected.
    let path = format!("/api/v1/requests/{id}/next-steps-outcome");
    let meeting = json!({"met_on": "2023-10-02", "outcome": "new_request_pending", "notes": "SEN support plan agreed; the school will request again after the EP visit."});
    let (status, _) = call(&app, "POST", &path, Some(&auditor), Some(meeting.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, recorded) = call(&app, "POST", &path, Some(&caseworker), Some(meeting)).await;
    assert_eq!(status, StatusCode::OK, "{recorded}");
    assert_eq!(recorded["stage"], "assessment_refused");

    // The case whole: advice, the decision with who and why, the history.
    let (_, case) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{id}"),
        Some(&caseworker),
        None,
    )
    .await;
    assert_eq!(case["stage"], "assessment_refused");
    assert_eq!(case["advice"].as_array().unwrap().len(), 1);
    assert_eq!(case["decisions"][0]["outcome"], "refused");
    assert_eq!(
        case["decisions"][0]["reasons"],
        "Needs can be met at SEN support with the agreed plan."
    );
    assert!(case["events"].as_array().unwrap().len() >= 4);
    assert!(
        case["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "next_steps_outcome_recorded"
                && e["payload"]["outcome"] == "new_request_pending"),
        "{case}"
    );
    let first_case = case;

    // The caseload: next deadline first, overdue and at-risk flagged, decided cases last.
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(request_body(4, "2023-08-10")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(request_body(5, "2023-08-22")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, caseload) = call(&app, "GET", "/api/v1/caseload", Some(&caseworker), None).await;
    let cases = caseload["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    assert_eq!(cases[0]["next_deadline"]["due_on"], "2023-09-21");
    assert_eq!(cases[0]["next_deadline"]["overdue"], true);
    assert_eq!(cases[1]["next_deadline"]["due_on"], "2023-10-03");
    assert_eq!(cases[1]["next_deadline"]["at_risk"], true);
    assert_eq!(cases[1]["next_deadline"]["overdue"], false);
    assert_eq!(cases[2]["id"], id);
    assert_eq!(cases[2]["next_deadline"], Value::Null);

    // Five weeks on, the school makes the new request for the same child (same UPN and
    // date of birth). It is a new case with its own clock: Reg 5(1), 6 weeks from
    // 6 November 2023 is 18 December 2023, not the first request's 16 October.
    today.set_today(NaiveDate::from_ymd_opt(2023, 11, 6).unwrap());
    let (status, second) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(request_body(1, "2023-11-06")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second_id = second["id"].as_str().unwrap().to_owned();
    assert_ne!(second_id, id);
    assert_eq!(second["stage"], "request_received");
    let deadlines = second["deadlines"].as_array().unwrap();
    assert_eq!(deadlines.len(), 1, "{second}");
    assert_eq!(deadlines[0]["kind"], "decide_whether_to_assess");
    assert_eq!(deadlines[0]["due_on"], "2023-12-18");
    assert_eq!(deadlines[0]["status"], "open");
    assert_eq!(deadlines[0]["overdue"], false);
    // The child is the one already known, not a second record of them.
    let (_, case) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{second_id}"),
        Some(&caseworker),
        None,
    )
    .await;
    assert_eq!(
        case["request"]["child_id"],
        first_case["request"]["child_id"]
    );
    assert_eq!(case["request"]["received_on"], "2023-11-06");
    assert_ne!(case["request"]["id"], first_case["request"]["id"]);
    assert_eq!(case["decisions"], json!([]));
    assert_eq!(case["advice"], json!([]));
    // The first case stays refused, its decision, deadline and history untouched.
    let (_, case) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{id}"),
        Some(&caseworker),
        None,
    )
    .await;
    assert_eq!(case["stage"], "assessment_refused");
    assert_eq!(case["decisions"], first_case["decisions"]);
    assert_eq!(case["events"], first_case["events"]);
    assert_eq!(case["advice"], first_case["advice"]);
    assert_eq!(case["deadlines"][0]["kind"], "decide_whether_to_assess");
    assert_eq!(case["deadlines"][0]["due_on"], "2023-10-16");
    assert_eq!(case["deadlines"][0]["status"], "met");
    // The caseload lists the new case by its own deadline; by 6 November the request
    // received 22 August (due 3 October) is overdue too; the refused case stays last.
    let (_, caseload) = call(&app, "GET", "/api/v1/caseload", Some(&caseworker), None).await;
    let cases = caseload["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4, "{caseload}");
    assert_eq!(cases[1]["next_deadline"]["due_on"], "2023-10-03");
    assert_eq!(cases[1]["next_deadline"]["overdue"], true);
    assert_eq!(cases[2]["id"], second_id);
    assert_eq!(cases[2]["stage"], "request_received");
    assert_eq!(cases[2]["received_on"], "2023-11-06");
    assert_eq!(cases[2]["next_deadline"]["due_on"], "2023-12-18");
    assert_eq!(cases[2]["next_deadline"]["at_risk"], false);
    assert_eq!(cases[3]["id"], id);
}

#[actix_web::test]
async fn api_journey_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn api_journey_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}

/// Exceptions over the API (Reg 5(4)): a caseworker claims one on the 6-week decision;
/// the deadline shows "disapplied", keeps its date and is neither overdue nor at risk,
/// on the case and on the caseload; a limb the regulation does not list is refused.
async fn exceptions_scenario(db: Database) {
    let torbay = authority(&db, "torbay", 880).unwrap();
    let caseworker = token(&db, &torbay, "cw@torbay.example", UserRole::Caseworker);
    let auditor = token(&db, &torbay, "audit@torbay.example", UserRole::Auditor);
    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(Vec::new()),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(clock()),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    };
    let app =
        test::init_service(App::new().app_data(web::Data::new(state)).configure(routes)).await;

    // Received 10 August 2023: the 6-week decision was due 21 September, overdue today.
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(request_body(21, "2023-08-10")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["deadlines"][0]["due_on"], "2023-09-21");
    assert_eq!(created["deadlines"][0]["overdue"], true);

    let path = format!("/api/v1/requests/{id}/exceptions");
    let claim = |limb: &str| {
        json!({
            "deadline": "decide_whether_to_assess", "limb": limb,
            "evidence": "Parent in hospital through August; discharge letter on file.",
            "applies_from": "2023-08-14", "applies_to": "2023-09-15",
            "family_told_on": "2023-09-18"
        })
    };
    // An auditor reads but does not claim.
    let (status, _) = call(
        &app,
        "POST",
        &path,
        Some(&auditor),
        Some(claim("personal_circumstances")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, recorded) = call(
        &app,
        "POST",
        &path,
        Some(&caseworker),
        Some(claim("personal_circumstances")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(recorded["limb"], "personal_circumstances");
    assert_eq!(recorded["deadline_kind"], "decide_whether_to_assess");
    assert_eq!(recorded["citation"], "SEND Regulations 2014 reg. 5(4)(b)");
    assert_eq!(recorded["family_told_on"], "2023-09-18");

    // Disapplied, same date, not overdue, on the case and on the caseload.
    let (status, case) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{id}"),
        Some(&caseworker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let deadline = &case["deadlines"][0];
    assert_eq!(deadline["kind"], "decide_whether_to_assess");
    assert_eq!(deadline["status"], "disapplied");
    assert_eq!(deadline["due_on"], "2023-09-21");
    assert_eq!(deadline["overdue"], false);
    assert_eq!(deadline["at_risk"], false);
    assert_eq!(case["exceptions"][0]["id"], recorded["id"]);
    assert!(
        case["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "exception_recorded")
    );
    let (_, caseload) = call(&app, "GET", "/api/v1/caseload", Some(&caseworker), None).await;
    let entry = &caseload["cases"][0];
    assert_eq!(entry["id"], id);
    assert_eq!(entry["next_deadline"], Value::Null, "{caseload}");

    // A missed appointment is an exception to advice (Reg 8(2)(c)), not to this limit.
    let (status, body) = call(
        &app,
        "POST",
        &path,
        Some(&caseworker),
        Some(claim("missed_appointment")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "limb");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reg. 5(4)")
    );
    let (_, case) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{id}"),
        Some(&caseworker),
        None,
    )
    .await;
    assert_eq!(case["exceptions"].as_array().unwrap().len(), 1);
    assert_eq!(case["deadlines"][0]["status"], "disapplied");
    assert_eq!(case["deadlines"][0]["due_on"], "2023-09-21");
}

#[actix_web::test]
async fn api_exceptions_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    exceptions_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn api_exceptions_on_postgres() {
    let db = TestDb::postgres().unwrap();
    exceptions_scenario(db.db.clone()).await;
}

/// One request from receipt to a final plan and its first annual review over HTTP, each
/// step with its role.
async fn journey_scenario(db: Database) {
    let today = SteppedClock::starting(FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2024, 2, 1, 9, 0, 0)
            .single()
            .unwrap(),
    ));
    let torbay = authority(&db, "torbay", 880).unwrap();
    let caseworker = token(&db, &torbay, "cw@torbay.example", UserRole::Caseworker);
    let chair = token(&db, &torbay, "chair@torbay.example", UserRole::PanelChair);
    let auditor = token(&db, &torbay, "audit@torbay.example", UserRole::Auditor);
    let chair_id = db
        .read(|tx| tx.find_user_by_email(&torbay, &Email::parse("chair@torbay.example").unwrap()))
        .unwrap()
        .unwrap()
        .id;
    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(Vec::new()),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: today.clone(),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    };
    let app =
        test::init_service(App::new().app_data(web::Data::new(state)).configure(routes)).await;
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/requests",
        Some(&caseworker),
        Some(request_body(31, "2023-09-04")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let step = |path: &str| format!("/api/v1/requests/{id}/{path}");

    let (status, body) = call(&app, "POST", &step("decision-to-assess"), Some(&chair), Some(json!({
        "decision": "assess", "reasons": "The child may need provision through a plan.", "decided_on": "2023-10-02"
    }))).await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (StatusCode::OK, Some("assessing")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "POST",
        &step("advice-requests"),
        Some(&caseworker),
        Some(json!({
            "from": "educational_psychologist", "requested_on": "2023-10-03"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["deadline"]["due_on"], "2023-11-14");
    let (status, body) = call(
        &app,
        "POST",
        &step("advice-received"),
        Some(&caseworker),
        Some(json!({
            "from": "educational_psychologist", "received_on": "2023-11-01"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Only a chair decides whether to issue.
    let issue = json!({"decision": "issue", "reasons": "A plan is necessary: needs exceed SEN support.", "decided_on": "2023-11-20"});
    let (status, _) = call(
        &app,
        "POST",
        &step("decision-to-issue"),
        Some(&caseworker),
        Some(issue.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &app,
        "POST",
        &step("decision-to-issue"),
        Some(&chair),
        Some(issue),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["stage"].as_str(),
            body["within_sixteen_weeks"].as_bool()
        ),
        (Some("draft_plan"), Some(true))
    );
    let (status, body) = call(
        &app,
        "POST",
        &step("draft-plan"),
        Some(&caseworker),
        Some(json!({"served_on": "2023-12-01"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Reg 13(1): 15 days beginning with 1 December.
    assert_eq!(body["deadline"]["due_on"], "2023-12-15");
    let (status, body) = call(
        &app,
        "POST",
        &step("final-plan"),
        Some(&caseworker),
        Some(json!({"issued_on": "2023-11-30"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "issued_on");
    let (status, body) = call(
        &app,
        "POST",
        &step("final-plan"),
        Some(&caseworker),
        Some(json!({"issued_on": "2024-01-10"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["stage"].as_str(),
            body["within_twenty_weeks"].as_bool()
        ),
        (Some("plan_issued"), Some(true))
    );

    let (_, case) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{id}"),
        Some(&caseworker),
        None,
    )
    .await;
    assert_eq!(case["stage"], "plan_issued");
    let deadlines = case["deadlines"].as_array().unwrap();
    let review = deadlines
        .iter()
        .find(|d| d["kind"] == "annual_review")
        .expect("annual review set");
    // CFA s.44(1): within the 12 months starting with 10 January 2024.
    assert_eq!(
        (review["due_on"].as_str(), review["status"].as_str()),
        (Some("2025-01-09"), Some("open"))
    );
    assert!(
        deadlines
            .iter()
            .filter(|d| d["kind"] != "annual_review")
            .all(|d| d["status"] == "met"),
        "{deadlines:?}"
    );

    // The first annual review. On 4 November 2024 the caseworker arranges the meeting
    // for Monday 2 December 2024 (it may lie ahead: arranging it starts the papers'
    // clock). An auditor reads but does not arrange.
    today.set_today(NaiveDate::from_ymd_opt(2024, 11, 4).unwrap());
    let meeting = json!({"meeting_on": "2024-12-02"});
    let (status, _) = call(
        &app,
        "POST",
        &step("review-meeting"),
        Some(&auditor),
        Some(meeting.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &app,
        "POST",
        &step("review-meeting"),
        Some(&caseworker),
        Some(meeting.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Reg 20(3)-(4), 21: papers at least 2 weeks before, 14 days before 2 December is
    // 18 November 2024. Reg 20(7): the report within 2 weeks, 16 December 2024. Reg
    // 20(10): the decision within 4 weeks, 30 December 2024.
    assert_eq!(body["papers"]["due_on"], "2024-11-18");
    assert_eq!(body["report"]["due_on"], "2024-12-16");
    assert_eq!(body["decision"]["due_on"], "2024-12-30");
    // One meeting at a time: a second is refused while the first is undecided.
    let (status, body) = call(
        &app,
        "POST",
        &step("review-meeting"),
        Some(&caseworker),
        Some(meeting),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "meeting_on");
    // The papers are the next thing due on the caseload, 14 days away: not yet at risk.
    let (_, caseload) = call(&app, "GET", "/api/v1/caseload", Some(&caseworker), None).await;
    let entry = &caseload["cases"][0];
    assert_eq!(entry["id"], id);
    assert_eq!(entry["next_deadline"]["kind"], "review_papers");
    assert_eq!(entry["next_deadline"]["due_on"], "2024-11-18");
    assert_eq!(entry["next_deadline"]["at_risk"], false);

    // The decision follows the meeting: not before it, and only by a chair or admin.
    let review = |decided_on: &str| {
        json!({
            "decision": "maintain",
            "reasons": "Outcomes are on track; the provision in section F still meets the needs in section B.",
            "decided_on": decided_on
        })
    };
    let (status, body) = call(
        &app,
        "POST",
        &step("review-decision"),
        Some(&chair),
        Some(review("2024-11-04")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "decided_on");
    today.set_today(NaiveDate::from_ymd_opt(2024, 12, 20).unwrap());
    for who in [&caseworker, &auditor] {
        let (status, body) = call(
            &app,
            "POST",
            &step("review-decision"),
            Some(who),
            Some(review("2024-12-20")),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let (status, decided) = call(
        &app,
        "POST",
        &step("review-decision"),
        Some(&chair),
        Some(review("2024-12-20")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["choice"], "maintain");
    assert_eq!(decided["stage"], "plan_issued");
    assert_eq!(decided["within_four_weeks"], true);
    // CFA s.44(1): the next 12 months start with the decision on 20 December 2024, so
    // the next review is due by 19 December 2025, earlier than the plan's anniversary.
    assert_eq!(decided["next_review"]["due_on"], "2025-12-19");
    assert_eq!(decided["amended_plan"], Value::Null);
    // Maintaining carries mediation and appeal rights: 2 months from the notice on 20
    // December 2024 is 20 February 2025 (Reg 33; Tribunal rule 20, no holiday shift).
    assert_eq!(decided["mediation_contact_by"], "2025-02-20");
    assert_eq!(decided["appeal_by"], "2025-02-20");

    // The case whole: the decision with who and why, the review's limits settled, and
    // one annual review open, the new one.
    let (_, case) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{id}"),
        Some(&auditor),
        None,
    )
    .await;
    assert_eq!(case["stage"], "plan_issued");
    let decision = case["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "annual_review")
        .expect("the review decision is on the case");
    assert_eq!(decision["outcome"], "agreed");
    assert_eq!(decision["choice"], "maintain");
    assert_eq!(decision["decided_by"], chair_id.to_string());
    assert_eq!(
        decision["reasons"],
        "Outcomes are on track; the provision in section F still meets the needs in section B."
    );
    assert!(
        case["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "review_decision_recorded"
                && e["payload"]["choice"] == "maintain"
                && e["payload"]["decided_on"] == "2024-12-20"),
        "{case}"
    );
    let deadlines = case["deadlines"].as_array().unwrap();
    let of = |kind: &str| -> Vec<(String, String)> {
        deadlines
            .iter()
            .filter(|d| d["kind"] == kind)
            .map(|d| {
                (
                    d["due_on"].as_str().unwrap().to_owned(),
                    d["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pair = |due: &str, status: &str| (due.to_owned(), status.to_owned());
    assert_eq!(of("review_papers"), [pair("2024-11-18", "met")]);
    assert_eq!(of("review_report"), [pair("2024-12-16", "met")]);
    assert_eq!(of("review_decision"), [pair("2024-12-30", "met")]);
    assert_eq!(
        of("annual_review"),
        [pair("2025-01-09", "met"), pair("2025-12-19", "open")]
    );
    let next = deadlines
        .iter()
        .find(|d| d["status"] == "open")
        .expect("the next review is open");
    assert!(next["rule"].as_str().unwrap().contains("s.44(1)"), "{next}");
    assert!(
        deadlines.iter().all(|d| d["overdue"] == false),
        "{deadlines:?}"
    );

    // With the review decided there is no meeting to decide on until the next is
    // arranged.
    let (status, body) = call(
        &app,
        "POST",
        &step("review-decision"),
        Some(&chair),
        Some(review("2024-12-20")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "decided_on");
}

#[actix_web::test]
async fn api_receipt_to_final_plan_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    journey_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn api_receipt_to_final_plan_on_postgres() {
    let db = TestDb::postgres().unwrap();
    journey_scenario(db.db.clone()).await;
}
