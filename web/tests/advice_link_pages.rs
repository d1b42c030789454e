//! The page a professional opens from a request for advice (SEND Regulations 2014
//! reg. 6(1)), with no account, in process on both databases: it shows the child's
//! initials and the question, never the name; the advice uploaded through it is kept
//! and the link then says it has been used (410); a token nobody issued is not found.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::documents::advice_links::request_with_link;
use sendpanel_core::documents::{AdviceMail, NewAdviceLink};
use sendpanel_core::domain::{AdviceSource, AuthorityId, CaseId, UserRole};
use sendpanel_core::notify::LetterBook;
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::{AssessDecision, decide_whether_to_assess, receive_request};
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::date;
use sendpanel_tests::journey::{decide, on, request};

use crate::support::{self, Browser, CASEWORKER, CHAIR};

fn torbay() -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse("torbay").unwrap())
}

/// A Torbay case assessed from 2 October 2023, with the educational psychologist
/// asked on 3 October through a link; returns the case and the link's token.
fn case_with_link(db: &Database) -> (CaseId, String) {
    let scope = torbay();
    let users = db.read(|tx| tx.list_users(&scope)).unwrap();
    let id_of = |email: &str| users.iter().find(|u| u.email.as_str() == email).unwrap().id;
    let case = receive_request(db, &scope, &request(901), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    decide_whether_to_assess(
        db,
        &scope,
        case,
        &decide(
            id_of(CHAIR),
            AssessDecision::Assess,
            "Needs may call for a plan.",
        ),
        &BankHolidays::england_and_wales(),
        &on(2023, 10, 2),
    )
    .unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let letters = LetterBook::load(
        config.join("letters"),
        config.join("authorities"),
        &[scope.authority().clone()],
    )
    .unwrap();
    let mail = AdviceMail {
        letters: Arc::new(letters),
        public_url: "https://send.example.gov.uk".into(),
        from_address: "send-team@torbay.example".into(),
        from_name: "sendpanel".into(),
    };
    let services = Services {
        db: db.clone(),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(on(2023, 10, 3)),
    };
    let actor = Actor {
        user: id_of(CASEWORKER),
        role: UserRole::Caseworker,
        scope: scope.clone(),
    };
    request_with_link(
        &services,
        &actor,
        &mail,
        case,
        &NewAdviceLink {
            from: AdviceSource::EducationalPsychologist,
            requested_on: date(2023, 10, 3),
            recipient_name: "Dr Pat Psychologist".into(),
            recipient_email: "pat.ep@ep-service.example".into(),
            question: "What support does the child need with reading?".into(),
        },
    )
    .unwrap();
    let outbox = db.read(|tx| tx.list_outbox(&scope, Some(case))).unwrap();
    let message = String::from_utf8(outbox.last().unwrap().message.clone())
        .unwrap()
        .replace("=\r\n", "");
    let token = message
        .split("https://send.example.gov.uk/advice/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    (case, token)
}

async fn the_link_page_takes_one_upload(db: Database) {
    let mut state = support::demo_state(&db);
    let (case, token) = case_with_link(&db);
    state.clock = Arc::new(on(2023, 10, 20));
    let app = support::app(state).await;
    let path = format!("/advice/{token}");

    // No account: the page shows the initials and the question, never the name.
    let mut browser = Browser::default();
    let page = browser.get(&app, &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("A. E."), "{}", page.body);
    assert!(
        page.body
            .contains("What support does the child need with reading?")
    );
    assert!(page.body.contains("14 November 2023"), "{}", page.body);
    assert!(!page.body.contains("Alex"), "{}", page.body);
    let csrf = page.csrf();

    let body = support::multipart(
        &[
            ("csrf_token", &csrf),
            (
                "author_organisation",
                "Torbay Educational Psychology Service",
            ),
            ("written_on-day", "18"),
            ("written_on-month", "10"),
            ("written_on-year", "2023"),
        ],
        "ep-advice.txt",
        b"The child needs daily structured reading support.",
    );
    let request = test::TestRequest::post()
        .uri(&path)
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            support::multipart_type(),
        ))
        .set_payload(body.clone());
    let page = browser.send(&app, request).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Advice received"), "{}", page.body);
    let evidence = db.read(|tx| tx.list_evidence(&torbay(), case)).unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].written_on, date(2023, 10, 18));

    // Used: the page says so, and a second upload keeps nothing.
    let page = browser.get(&app, &path).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("already been used"), "{}", page.body);
    let request = test::TestRequest::post()
        .uri(&path)
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            support::multipart_type(),
        ))
        .set_payload(body);
    let page = browser.send(&app, request).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert_eq!(
        db.read(|tx| tx.list_evidence(&torbay(), case))
            .unwrap()
            .len(),
        1
    );

    // A token nobody issued, or not a token at all.
    for unknown in [
        "/advice/".to_owned() + &"0".repeat(64),
        "/advice/nope".into(),
    ] {
        let page = browser.get(&app, &unknown).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{unknown}");
        assert!(page.body.contains("not recognised"), "{}", page.body);
    }
}

#[actix_web::test]
async fn the_link_page_takes_one_upload_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    the_link_page_takes_one_upload(db.db.clone()).await;
}

#[actix_web::test]
async fn the_link_page_takes_one_upload_on_postgres() {
    let db = TestDb::postgres().unwrap();
    the_link_page_takes_one_upload(db.db.clone()).await;
}

/// The caseworker's side: the case page lists the link's request with its due date and
/// no chaser yet; withdrawing it from the page leaves it withdrawn, with the link's
/// page closed to the professional.
async fn the_caseworker_sees_and_withdraws_a_link(db: Database) {
    let mut state = support::demo_state(&db);
    let (case, token) = case_with_link(&db);
    state.clock = Arc::new(on(2023, 10, 20));
    let app = support::app(state).await;
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    let page = caseworker.get(&app, &format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let table = page
        .body
        .split("id=\"advice-links\"")
        .nth(1)
        .unwrap()
        .split("id=\"evidence\"")
        .next()
        .unwrap()
        .to_owned();
    assert!(table.contains("Dr Pat Psychologist"), "{table}");
    assert!(table.contains("14 November 2023"), "{table}");
    assert!(table.contains("Not yet"), "no chaser yet: {table}");
    let link = table
        .split("/advice-links/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let csrf = page.csrf();
    let page = caseworker
        .post(
            &app,
            &format!("/cases/{case}/advice-links/{link}/revoke"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = caseworker.get(&app, &format!("/cases/{case}")).await;
    assert!(page.body.contains("Revoked"), "{}", page.body);
    let mut professional = Browser::default();
    let closed = professional.get(&app, &format!("/advice/{token}")).await;
    assert_eq!(closed.status, StatusCode::GONE);
}

#[actix_web::test]
async fn the_caseworker_sees_and_withdraws_a_link_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    the_caseworker_sees_and_withdraws_a_link(db.db.clone()).await;
}

#[actix_web::test]
async fn the_caseworker_sees_and_withdraws_a_link_on_postgres() {
    let db = TestDb::postgres().unwrap();
    the_caseworker_sees_and_withdraws_a_link(db.db.clone()).await;
}
