//! Every read of a child's record, by each route, appears in the access log, on SQLite
//! and PostgreSQL: the case page, a step's form, a letter, `GET /api/v1/requests/{id}`,
//! a sitting's papers (page and API) and its minutes (page and API). An auditor pages
//! through the log per child and per user and downloads it as CSV; nobody else can.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use crate::support::{Browser, CASEWORKER, CHAIR, PSYCHOLOGIST, clock};
use actix_web::http::StatusCode;
use actix_web::test;
use sendpanel_core::access::{AccessFilter, AccessKind, AccessRecord};
use sendpanel_core::domain::{AuthorityId, Email, UserRole};
use sendpanel_core::identity;
use sendpanel_core::panel;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;

const AUDITOR: &str = "audrey.auditor@torbay.example";
const AUDITOR_PASSWORD: &str = "audit-password-2026";

/// The authority's access log, oldest first.
fn log(db: &Database, scope: &AuthorityScope) -> Vec<AccessRecord> {
    let mut records = db
        .read(|tx| tx.list_access(scope, &AccessFilter::default(), 10_000, 0))
        .unwrap();
    records.reverse();
    records
}

async fn scenario(db: Database) {
    support::install_letters(&db);
    let state = support::demo_state(&db);
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let users = db.read(|tx| tx.list_users(&torbay)).unwrap();
    let by_email = |email: &str| {
        users
            .iter()
            .find(|u| u.email.as_str() == email)
            .unwrap()
            .clone()
    };
    let (caseworker, chair, member) = (
        by_email(CASEWORKER),
        by_email(CHAIR),
        by_email(PSYCHOLOGIST),
    );
    identity::add_user(
        &db,
        &torbay,
        &Email::parse(AUDITOR).unwrap(),
        "Audrey Auditor",
        UserRole::Auditor,
        Some(AUDITOR_PASSWORD),
        &clock(),
    )
    .unwrap();
    let sitting = panel::list_sittings(&db, &torbay, chair.id, false).unwrap()[0].id;
    let config = state.config_of(torbay.authority()).unwrap().clone();
    let tally = panel::sitting_tally(&db, &torbay, sitting, &config).unwrap();
    let (item, case) = (tally.items[0].item, tally.items[0].case_id);
    let (_, token) =
        identity::issue_token(&db, &torbay, &caseworker.email, None, &clock()).unwrap();
    let (_, member_token) =
        identity::issue_token(&db, &torbay, &member.email, None, &clock()).unwrap();
    let app = support::app(state).await;
    let before = log(&db, &torbay).len();

    // Each way in, once.
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    assert_eq!(
        browser.get(&app, &format!("/cases/{case}")).await.status,
        StatusCode::OK
    );
    let step = browser
        .get(&app, &format!("/cases/{case}/graduated-response-advice"))
        .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    let api = |token: &str, path: &str| {
        test::TestRequest::get()
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {token}")))
    };
    let mut client = Browser::default();
    assert_eq!(
        client
            .send(&app, api(&token, &format!("/api/v1/requests/{case}")))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        client
            .send(
                &app,
                api(&token, &format!("/api/v1/sittings/{sitting}/minutes"))
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        browser
            .get(&app, &format!("/sittings/{sitting}/minutes"))
            .await
            .status,
        StatusCode::OK
    );
    // A member reads the case through the sitting's papers, and only there.
    let mut psychologist = Browser::default();
    psychologist.sign_in(&app, PSYCHOLOGIST).await;
    assert_eq!(
        psychologist
            .get(&app, &format!("/agenda-items/{item}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        client
            .send(
                &app,
                api(
                    &member_token,
                    &format!("/api/v1/agenda-items/{item}/papers")
                )
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        psychologist
            .get(&app, &format!("/cases/{case}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let refused = client
        .send(
            &app,
            api(&member_token, &format!("/api/v1/requests/{case}")),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(!refused.body.contains("date_of_birth"), "{}", refused.body);

    let minuted = tally.items.len();
    let records = log(&db, &torbay);
    let new: Vec<(uuid_free::Who, AccessKind, String)> = records[before..]
        .iter()
        .map(|r| {
            (
                uuid_free::who(r.user_id, caseworker.id, member.id),
                r.what,
                r.route.clone(),
            )
        })
        .collect();
    let mut expected = vec![
        (
            uuid_free::Who::Caseworker,
            AccessKind::CasePage,
            "GET /cases/{id}".to_owned(),
        ),
        (
            uuid_free::Who::Caseworker,
            AccessKind::CasePage,
            "GET /cases/{id}/{step}".to_owned(),
        ),
        (
            uuid_free::Who::Caseworker,
            AccessKind::CaseApi,
            "GET /api/v1/requests/{id}".to_owned(),
        ),
    ];
    expected.extend((0..minuted).map(|_| {
        (
            uuid_free::Who::Caseworker,
            AccessKind::Minutes,
            "GET /api/v1/sittings/{id}/minutes".to_owned(),
        )
    }));
    expected.extend((0..minuted).map(|_| {
        (
            uuid_free::Who::Caseworker,
            AccessKind::Minutes,
            "GET /sittings/{id}/minutes".to_owned(),
        )
    }));
    expected.push((
        uuid_free::Who::Member,
        AccessKind::Papers,
        "GET /agenda-items/{id}".to_owned(),
    ));
    expected.push((
        uuid_free::Who::Member,
        AccessKind::Papers,
        "GET /api/v1/agenda-items/{id}/papers".to_owned(),
    ));
    assert_eq!(new, expected);

    // The auditor sees them, per child and per user, and as CSV.
    let child = records[before].child_id;
    let mut auditor = Browser::default();
    let csrf = auditor.get(&app, "/sign-in").await.csrf();
    let signed_in = auditor
        .post(
            &app,
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("email", AUDITOR),
                ("password", AUDITOR_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    let page = auditor.get(&app, "/audit").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Who read which child"), "{}", page.body);
    assert!(
        page.body.contains("href=\"/audit\">Access log</a>"),
        "the auditor's menu: {}",
        page.body
    );
    assert!(page.body.contains("Panel papers"), "{}", page.body);
    let page = auditor.get(&app, &format!("/audit?child={child}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let mine = records.iter().filter(|r| r.child_id == child).count();
    assert!(page.body.contains(&format!("of {mine}")), "{}", page.body);
    let page = auditor
        .get(&app, &format!("/audit?user={}", member.id))
        .await;
    assert!(page.body.contains("Showing 1 to 2 of 2"), "{}", page.body);
    assert!(!page.body.contains("Case page"), "{}", page.body);
    let csv = auditor
        .get(&app, &format!("/audit.csv?user={}", caseworker.id))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "read_at,user_id,user_name,role,case_id,child_id,child_name,what,route"
    );
    let caseworker_reads = records
        .iter()
        .filter(|r| r.user_id == caseworker.id)
        .count();
    assert_eq!(lines.len(), 1 + caseworker_reads, "{}", csv.body);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(&caseworker.id.to_string()) && l.contains(",caseworker,")),
        "{}",
        csv.body
    );
    // Reading the log is not a read of a child's record, and only auditors read it.
    assert_eq!(log(&db, &torbay).len(), records.len());
    for (who, email) in [
        ("caseworker", CASEWORKER),
        ("chair", CHAIR),
        ("member", PSYCHOLOGIST),
        ("admin", support::ADMIN),
    ] {
        let mut other = Browser::default();
        other.sign_in(&app, email).await;
        assert_eq!(
            other.get(&app, "/audit").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            other.get(&app, "/audit.csv").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let menu = other.get(&app, "/dashboard").await;
        assert!(!menu.body.contains("Access log"), "{who}'s menu");
    }
    assert_eq!(
        auditor.get(&app, "/audit?child=not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Readers named by part, so the expected log reads as a sentence.
mod uuid_free {
    use sendpanel_core::domain::UserId;

    #[derive(Debug, PartialEq, Eq)]
    pub enum Who {
        Caseworker,
        Member,
        Other,
    }

    pub fn who(user: UserId, caseworker: UserId, member: UserId) -> Who {
        if user == caseworker {
            Who::Caseworker
        } else if user == member {
            Who::Member
        } else {
            Who::Other
        }
    }
}

/// The auditor's page in Chromium: axe-core finds no serious or critical violation on
/// the whole log or on one child's.
async fn in_chromium(db: Database) {
    use crate::support::chromium::{
        axe, exclusive, screenshot, serve_demo, wait_for, with_browsers,
    };
    use sendpanel_core::access::{AccessKind as Kind, read_case};
    use sendpanel_core::services::{Actor, Services};
    let _slot = exclusive().await;
    let (base, server) = serve_demo(&db);
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let auditor_email = "audrey.auditor@torbay.example";
    identity::add_user(
        &db,
        &torbay,
        &Email::parse(auditor_email).unwrap(),
        "Audrey Auditor",
        UserRole::Auditor,
        Some(support::DEMO_PASSWORD),
        &clock(),
    )
    .unwrap();
    let caseworker = db
        .read(|tx| tx.list_users(&torbay))
        .unwrap()
        .into_iter()
        .find(|u| u.role == UserRole::Caseworker)
        .unwrap();
    let services = Services {
        db: db.clone(),
        holidays: std::sync::Arc::new(sendpanel_core::clock::BankHolidays::england_and_wales()),
        clock: std::sync::Arc::new(clock()),
    };
    let actor = Actor {
        user: caseworker.id,
        role: caseworker.role,
        scope: torbay.clone(),
    };
    for case in db.read(|tx| tx.list_cases(&torbay)).unwrap().iter().take(3) {
        read_case(
            &services,
            &actor,
            case.id,
            Kind::CasePage,
            "GET /cases/{id}",
        )
        .unwrap();
    }
    with_browsers(1, move |clients| async move {
        let client = clients.into_iter().next().unwrap();
        crate::support::chromium::sign_in(&client, &base, auditor_email).await;
        client.goto(&format!("{base}/audit")).await.unwrap();
        wait_for(&client, "//table[contains(@class,'govuk-table')]").await;
        screenshot(&client, "audit", true).await;
        axe(&client, "audit").await;
        client
            .find(fantoccini::Locator::Css("tbody a[href^='/audit?child=']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "//h1[starts-with(., 'Reads of')]").await;
        axe(&client, "audit-child").await;
    })
    .await;
    server.stop(false).await;
}

#[actix_web::test]
async fn the_auditors_page_passes_axe_in_chromium_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    in_chromium(test_db.db.clone()).await;
}

#[actix_web::test]
async fn every_read_is_in_the_access_log_and_auditors_read_it_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    scenario(test_db.db.clone()).await;
}

#[actix_web::test]
async fn every_read_is_in_the_access_log_and_auditors_read_it_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    scenario(test_db.db.clone()).await;
}
