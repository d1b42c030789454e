//! Issue 14 through the API: a multipart upload is answered 201 with the document as
//! recorded and opens again byte for byte; the refusals are 422 naming `file` (or the
//! field) and the rule, a body declared over the limit is 413 before it is read, and a
//! refused upload leaves nothing on the case. Another authority gets 404.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::http::StatusCode;
use actix_web::test;
use sendpanel_core::domain::{AuthorityId, CaseId, Email};
use sendpanel_core::identity::issue_token;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use serde_json::Value;

use crate::support::{CASEWORKER, app, clock, demo_state, multipart, multipart_type};

fn scope(code: &str) -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse(code).unwrap())
}

const DETAILS: [(&str, &str); 5] = [
    ("kind", "health_advice"),
    (
        "author_organisation",
        "Torbay and South Devon NHS Foundation Trust",
    ),
    ("written_on", "2026-10-01"),
    ("areas", "sensory_and_physical"),
    ("areas", "communication_and_interaction"),
];

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn scenario(db: Database) {
    let state = demo_state(&db);
    let documents = state.documents.clone();
    let app = app(state).await;
    let torbay = scope("torbay");
    let token = issue_token(
        &db,
        &torbay,
        &Email::parse(CASEWORKER).unwrap(),
        Some("t"),
        &clock(),
    )
    .unwrap()
    .1;
    let outsider = issue_token(
        &db,
        &scope("wiltshire"),
        &Email::parse("robin.hale@wiltshire.example").unwrap(),
        Some("t"),
        &clock(),
    )
    .unwrap()
    .1;
    let case: CaseId = db.read(|tx| tx.list_cases(&torbay)).unwrap()[0].id;
    let upload = |file_name: &str, bytes: Vec<u8>, fields: &[(&str, &str)], token: &str| {
        test::TestRequest::post()
            .uri(&format!("/api/v1/requests/{case}/evidence"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", multipart_type()))
            .set_payload(multipart(fields, file_name, &bytes))
            .to_request()
    };
    let answer = |response: actix_web::dev::ServiceResponse| async move {
        let status = response.status();
        let body: Value =
            serde_json::from_slice(&test::read_body(response).await).unwrap_or(Value::Null);
        (status, body)
    };

    // Accepted, and opens again byte for byte, inline.
    let (status, body) = answer(
        test::call_service(&app, upload("Clinic letter.pdf", pdf(), &DETAILS, &token)).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["media_type"], "application/pdf");
    assert_eq!(
        body["areas"],
        serde_json::json!(["communication_and_interaction", "sensory_and_physical"])
    );
    let id = body["id"].as_str().unwrap().to_owned();
    let opened = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/api/v1/requests/{case}/evidence/{id}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request(),
    )
    .await;
    assert_eq!(opened.status(), StatusCode::OK);
    assert!(
        opened
            .headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("inline"),
        "a PDF opens in the browser"
    );
    assert_eq!(test::read_body(opened).await.as_ref(), pdf().as_slice());

    // Refusals: each names the rule; nothing is added.
    let mut executable = vec![0x7F, b'E', b'L', b'F', 2, 1, 1, 0];
    executable.resize(256, 0);
    let refusals: [(&str, Vec<u8>, &str, &str); 4] = [
        ("report.pdf", executable, "file", "executable"),
        ("empty.pdf", Vec::new(), "file", "empty"),
        (
            "../../../etc/passwd.pdf",
            b"%PDF-1.4 other".to_vec(),
            "file",
            "folders",
        ),
        (
            "locked.pdf",
            b"%PDF-1.7\ntrailer << /Encrypt 4 0 R >>".to_vec(),
            "file",
            "encrypted",
        ),
    ];
    for (name, bytes, field, rule) in refusals {
        let (status, body) =
            answer(test::call_service(&app, upload(name, bytes, &DETAILS, &token)).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["field"], field, "{name}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(rule),
            "{name}: {body}"
        );
    }
    let mut bad_kind = DETAILS;
    bad_kind[0] = ("kind", "horoscope");
    let (status, body) = answer(
        test::call_service(
            &app,
            upload("x.pdf", b"%PDF-1.4 k".to_vec(), &bad_kind, &token),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kind")),
        "{body}"
    );
    // 30 MB against the 25 MB limit: refused from the declared length, unread.
    let (status, body) = answer(
        test::call_service(
            &app,
            upload("big.pdf", vec![b'%'; 30 * 1024 * 1024], &DETAILS, &token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["field"], "file");
    // An upload is idempotent by content: a key is refused, naming the header.
    let mut keyed = upload("keyed.pdf", b"%PDF-1.4 keyed".to_vec(), &DETAILS, &token);
    keyed.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("idempotency-key"),
        actix_web::http::header::HeaderValue::from_static("upload-1"),
    );
    let (status, body) = answer(test::call_service(&app, keyed).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "Idempotency-Key");
    let kept = db.read(|tx| tx.list_evidence(&torbay, case)).unwrap();
    assert_eq!(kept.len(), 1, "only the accepted upload is on the case");
    let stray =
        sendpanel_core::documents::Staging::bytes(None, u64::MAX, b"%PDF-1.4 other").unwrap();
    assert!(
        !documents.storage.holds(stray.sha256()).await.unwrap(),
        "nothing refused was kept"
    );

    // Another authority's caseworker: not found, for the list and the document.
    for path in [
        format!("/api/v1/requests/{case}/evidence"),
        format!("/api/v1/requests/{case}/evidence/{id}"),
    ] {
        let response = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&path)
                .insert_header(("Authorization", format!("Bearer {outsider}")))
                .to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[actix_web::test]
async fn evidence_through_the_api_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    scenario(test_db.db.clone()).await;
}

#[actix_web::test]
async fn evidence_through_the_api_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    scenario(test_db.db.clone()).await;
}
