//! Every API endpoint walked by a user of each role and by users of another authority:
//! roles get 403 where they may not act, the other authority gets 404 (never 403, so
//! it cannot even learn an id exists) and no response leaks the case's data.
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
use chrono::TimeZone;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{Email, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::policy::contract::{Date, TestCall};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, install, vet};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::{authority, date, upn};
use sendpanel_tests::plugins::wasm;
use sendpanel_web::server::{AppState, routes};
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
    issue_token(db, scope, &email, None, &clock()).unwrap().1
}

async fn call<S>(
    app: &S,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let request = if method == "POST" {
        test::TestRequest::post()
    } else {
        test::TestRequest::get()
    }
    .uri(path)
    .insert_header(("Authorization", format!("Bearer {token}")));
    let request = match body {
        Some(body) => request.set_json(body),
        None => request,
    };
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    (
        status,
        String::from_utf8_lossy(&test::read_body(response).await).into_owned(),
    )
}

/// (method, path, body, roles allowed, codes an allowed home caller may get).
type Endpoint<'a> = (
    &'a str,
    String,
    Option<Value>,
    &'a [UserRole],
    &'a [StatusCode],
);

/// Who calls, and whether they are of the case's authority.
struct Caller {
    name: &'static str,
    role: UserRole,
    home: bool,
    token: String,
}

async fn walk(db: Database) {
    let torbay = authority(&db, "torbay", 880).unwrap();
    let wiltshire = authority(&db, "wiltshire", 865).unwrap();
    let mut callers = Vec::new();
    for (name, role) in [
        ("caseworker", UserRole::Caseworker),
        ("panel member", UserRole::PanelMember),
        ("panel chair", UserRole::PanelChair),
        ("admin", UserRole::Admin),
        ("auditor", UserRole::Auditor),
    ] {
        let email = format!("{}@torbay.example", name.replace(' ', "."));
        callers.push(Caller {
            name,
            role,
            home: true,
            token: token(&db, &torbay, &email, role),
        });
        let email = format!("{}@wiltshire.example", name.replace(' ', "."));
        callers.push(Caller {
            name,
            role,
            home: false,
            token: token(&db, &wiltshire, &email, role),
        });
    }
    let host = PolicyHost::new(Limits::default(), None).unwrap();
    let bytes = wasm("sendpanel-plugin-torbay");
    let (plugin, _) = vet(&host, &bytes).unwrap();
    install(&db, &torbay, &plugin, bytes, Some(date(2023, 9, 1))).unwrap();
    let mut facts = plugin
        .test_vectors()
        .unwrap()
        .into_iter()
        .find_map(|v| match v.call {
            TestCall::GraduatedResponse(f) => Some(f),
            _ => None,
        })
        .unwrap();
    facts.as_at = Date {
        year: 2023,
        month: 10,
        day: 2,
    };
    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(Vec::new()),
        catalogue: PluginCatalogue::new(host),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(clock()),
        live: Default::default(),
    };
    let app =
        test::init_service(App::new().app_data(web::Data::new(state)).configure(routes)).await;

    let request = |serial: u16| {
        json!({
            "given_name": "Zebedee", "family_name": "Quillfeather", "date_of_birth": "2016-03-14",
            "upn": upn(880, serial).to_string(), "received_on": "2023-09-04",
            "requested_by": "parent", "requester": "Mr Q. Parent", "setting_type": "mainstream",
            "primary_need": "SEMH", "summary": "Secret summary text."
        })
    };
    let torbay_caseworker = &callers[0].token;
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/requests",
        torbay_caseworker,
        Some(request(1)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secrets = [
        "Zebedee",
        "Quillfeather",
        "Secret summary",
        upn(880, 1).to_string().leak(),
        id.clone().leak(),
    ];

    let writers = [UserRole::Caseworker, UserRole::Admin];
    let deciders = [UserRole::PanelChair, UserRole::Admin];
    let meeting_recorders = [UserRole::Caseworker, UserRole::PanelChair, UserRole::Admin];
    let facts = serde_json::to_value(&facts).unwrap();
    let decision = json!({"decision": "refuse", "reasons": "Needs can be met at SEN support.", "departure_reason": "Reviews show progress.", "decided_on": "2023-10-02"});
    let meeting =
        json!({"met_on": "2023-10-02", "outcome": "no_further_action", "notes": "Plan agreed."});
    let exception = json!({
        "deadline": "decide_whether_to_assess", "limb": "personal_circumstances",
        "evidence": "Letter from the family's GP.", "applies_from": "2023-09-20",
        "family_told_on": "2023-09-25"
    });

    let advice = json!({"from": "health", "requested_on": "2023-10-02"});
    let advice_received = json!({"from": "health", "received_on": "2023-10-02"});
    let issue =
        json!({"decision": "issue", "reasons": "A plan is necessary.", "decided_on": "2023-10-02"});
    let draft = json!({"served_on": "2023-10-02"});
    let final_plan = json!({"issued_on": "2023-10-02"});
    let review_meeting = json!({"meeting_on": "2023-10-02"});
    let review_decision = json!({"decision": "maintain", "reasons": "The plan still meets the child's needs.", "decided_on": "2023-10-02"});

    let phase = json!({"transfer_year": 2024, "transfer_kind": "school"});
    let phase_done = json!({"amended_on": "2023-10-02", "next_setting": "Example Secondary"});
    let move_out =
        json!({"to_authority": "Devon", "aware_on": "2023-10-02", "moves_on": "2023-10-20"});
    let transfer_out = json!({"transferred_on": "2023-10-02"});
    let notice = json!({"sent_on": "2023-10-02", "will_assess": false});
    // No decision on the case has this id: allowed home callers get 422 naming it.
    let unknown_decision = "0190b3c4-0000-7000-8000-000000000000";
    let mediation = json!({"decision": unknown_decision, "notice_sent_on": "2023-10-02", "requested_on": "2023-10-02"});
    let mediation_outcome = json!({"ended_on": "2023-10-02", "outcome": "agreement"});
    let appeal = json!({"decision": unknown_decision, "notice_sent_on": "2023-10-02", "lodged_on": "2023-10-02"});
    let tribunal = json!({"decided_on": "2023-10-02", "outcome": "dismissed"});
    let complied = json!({"step": "final_plan", "complied_on": "2023-10-02"});
    // Another child's transferred plan: its names are not the secrets above.
    let transfer_in = |serial: u16| {
        json!({
            "original_request": {
                "given_name": "Yolanda", "family_name": "Other", "date_of_birth": "2015-05-01",
                "upn": upn(880, serial).to_string(), "received_on": "2023-01-09",
                "requested_by": "parent", "requester": "Ms O. Parent", "setting_type": "mainstream",
                "primary_need": "ASD", "summary": "Plan from the old authority."
            },
            "from_authority": "Devon County Council", "transferred_on": "2023-09-25",
            "plan_issued_on": "2023-05-30"
        })
    };

    let mut serial = 10;
    for caller in &callers {
        serial += 1;
        // (method, path, body, roles allowed, codes an allowed home caller may get)
        let endpoints: Vec<Endpoint<'_>> = vec![
            (
                "GET",
                "/api/v1/caseload".into(),
                None,
                &[
                    UserRole::Caseworker,
                    UserRole::PanelMember,
                    UserRole::PanelChair,
                    UserRole::Admin,
                    UserRole::Auditor,
                ],
                &[StatusCode::OK],
            ),
            (
                "GET",
                format!("/api/v1/requests/{id}"),
                None,
                &[
                    UserRole::Caseworker,
                    UserRole::PanelMember,
                    UserRole::PanelChair,
                    UserRole::Admin,
                    UserRole::Auditor,
                ],
                &[StatusCode::OK],
            ),
            (
                "POST",
                "/api/v1/requests".into(),
                Some(request(serial)),
                &writers,
                &[StatusCode::CREATED],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/advice/graduated-response"),
                Some(facts.clone()),
                &writers,
                &[StatusCode::CREATED],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/decision-to-assess"),
                Some(decision.clone()),
                &deciders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/next-steps-outcome"),
                Some(meeting.clone()),
                &meeting_recorders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            // The first claim disapplies the 6-week limit; later ones find it settled.
            (
                "POST",
                format!("/api/v1/requests/{id}/exceptions"),
                Some(exception.clone()),
                &meeting_recorders,
                &[StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
            ),
            // The case was refused assessment above, so the later stages answer 409
            // (wrong stage) or 422 (nothing open to settle) to allowed home callers.
            (
                "POST",
                format!("/api/v1/requests/{id}/advice-requests"),
                Some(advice.clone()),
                &writers,
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/advice-received"),
                Some(advice_received.clone()),
                &writers,
                &[StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/decision-to-issue"),
                Some(issue.clone()),
                &deciders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/draft-plan"),
                Some(draft.clone()),
                &writers,
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/final-plan"),
                Some(final_plan.clone()),
                &writers,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            // No plan was issued, so annual reviews are the wrong stage (409).
            (
                "POST",
                format!("/api/v1/requests/{id}/review-meeting"),
                Some(review_meeting.clone()),
                &writers,
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/review-decision"),
                Some(review_decision.clone()),
                &deciders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            // Moves need a plan: the refused case is at the wrong stage (409).
            (
                "POST",
                format!("/api/v1/requests/{id}/phase-transfer"),
                Some(phase.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/phase-transfer/completed"),
                Some(phase_done.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/move-out"),
                Some(move_out.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/transfer-out"),
                Some(transfer_out.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/transfer-notice"),
                Some(notice.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                "/api/v1/transfers-in".into(),
                Some(transfer_in(serial + 500)),
                &writers,
                &[StatusCode::CREATED],
            ),
            // Disputes: nothing to mediate, appeal or comply with on record (422).
            (
                "POST",
                format!("/api/v1/requests/{id}/mediation"),
                Some(mediation.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/mediation/outcome"),
                Some(mediation_outcome.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/appeal"),
                Some(appeal.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/tribunal-decision"),
                Some(tribunal.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/tribunal-order-complied"),
                Some(complied.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
        ];
        for (method, path, body, allowed, ok) in endpoints {
            let (status, text) = call(&app, method, &path, &caller.token, body).await;
            let who = format!(
                "{} of {} {method} {path}",
                caller.name,
                if caller.home { "torbay" } else { "wiltshire" }
            );
            let case_specific = path.contains(&id);
            if !allowed.contains(&caller.role) {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {text}");
            } else if caller.home || !case_specific {
                assert!(ok.contains(&status), "{who}: {status} {text}");
            } else {
                assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {text}");
            }
            if !caller.home {
                for secret in secrets {
                    assert!(!text.contains(secret), "{who} leaked {secret}: {text}");
                }
            }
        }
    }
}

#[actix_web::test]
async fn every_endpoint_by_every_role_and_another_authority_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    walk(db.db.clone()).await;
}

#[actix_web::test]
async fn every_endpoint_by_every_role_and_another_authority_on_postgres() {
    let db = TestDb::postgres().unwrap();
    walk(db.db.clone()).await;
}
