//! The SEN2 return's page, its file and its API routes in process, on SQLite and
//! PostgreSQL, over the demo data: a caseworker gets the report (records per module,
//! each child left out with the rule) and the file as `application/xml`, which reads
//! back with as many people as the report says; a panel member is refused (403) on
//! the page, the file and the API; a census that is not a date is refused naming it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::http::{StatusCode, header};
use actix_web::test as actix_test;
use sendpanel_core::domain::{AuthorityId, Email, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::sen2::model::Message;
use sendpanel_core::sen2::{Software, sen2_return};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::Clock;
use sendpanel_tests::TestDb;

use crate::support::{self, Browser, CASEWORKER, PSYCHOLOGIST, clock};

const CENSUS: &str = "2027-01-21";

fn token(db: &Database, scope: &AuthorityScope, email: &str, role: UserRole) -> String {
    let email = Email::parse(email).unwrap();
    add_user(db, scope, &email, "Test Person", role, None, &clock()).unwrap();
    issue_token(db, scope, &email, Some("sen2 test"), &clock())
        .unwrap()
        .1
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let state = support::demo_state(&db);
    let app = support::app(state).await;
    let census = chrono::NaiveDate::parse_from_str(CENSUS, "%Y-%m-%d").unwrap();
    let expected = sen2_return(&db, &torbay, census, &Software::sendpanel(clock().now())).unwrap();

    // Signed out: sent to sign in.
    let mut browser = Browser::default();
    let page = browser.get(&app, "/reports/sen2").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/sign-in"));

    // A caseworker: the report. Every case of every child it read, exported or
    // refused, is in the access log as read by them through the page.
    let exports = |db: &Database| {
        db.read(|tx| {
            tx.list_access(
                &torbay,
                &sendpanel_core::access::AccessFilter::default(),
                10_000,
                0,
            )
        })
        .unwrap()
        .into_iter()
        .filter(|r| r.what == sendpanel_core::access::AccessKind::Sen2Return)
        .collect::<Vec<_>>()
    };
    assert!(exports(&db).is_empty());
    browser.sign_in(&app, CASEWORKER).await;
    let page = browser
        .get(&app, &format!("/reports/sen2?census={CENSUS}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let logged = exports(&db);
    assert!(!expected.read.is_empty());
    assert_eq!(logged.len(), expected.read.len());
    let logged_reads: std::collections::HashSet<_> =
        logged.iter().map(|r| (r.case_id, r.child_id)).collect();
    let expected_reads: std::collections::HashSet<_> = expected.read.iter().copied().collect();
    assert_eq!(logged_reads, expected_reads);
    assert!(
        logged
            .iter()
            .all(|r| r.route == "GET /reports/sen2" && r.role == UserRole::Caseworker)
    );
    assert!(
        page.body
            .contains("SEN2 return for the census of 21 January 2027")
    );
    assert!(
        page.body
            .contains(&format!("/reports/sen2.xml?census={CENSUS}"))
    );
    let squeezed = page.body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.contains(&format!(
            "<th scope=\"row\" class=\"govuk-table__header\">1 Person</th> <td class=\"govuk-table__cell govuk-table__cell--numeric\">{}</td>",
            expected.exported.persons
        )),
        "{squeezed}"
    );
    for child in &expected.refused {
        for failure in &child.failures {
            assert!(
                page.body.contains(&format!("Rule {}:", failure.rule)),
                "{}",
                page.body
            );
        }
    }
    // With no census given, the latest survey day (15 January 2026 for the demo's
    // 24 November 2026).
    let page = browser.get(&app, "/reports/sen2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("15 January 2026"), "{}", page.body);
    // A census that is not a date is refused, naming it.
    let page = browser
        .get(&app, "/reports/sen2?census=21%2F01%2F2027")
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    assert!(page.body.contains("YYYY-MM-DD"), "{}", page.body);

    // The file: XML that reads back with the people the report counts.
    let mut request =
        actix_test::TestRequest::get().uri(&format!("/reports/sen2.xml?census={CENSUS}"));
    if let Some(cookie) = &browser.cookie {
        request = request.cookie(cookie.clone());
    }
    let response = actix_test::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/xml"
    );
    let xml = actix_test::read_body(response).await;
    let message = Message::from_xml(&xml).unwrap();
    assert_eq!(message.persons.person.len(), expected.exported.persons);
    assert_eq!(message.header.source.lea, "880");

    // A panel member is refused the page and the file.
    let mut member = Browser::default();
    member.sign_in(&app, PSYCHOLOGIST).await;
    for path in ["/reports/sen2", "/reports/sen2.xml"] {
        let page = member.get(&app, path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}: {}", page.body);
    }

    // The API: the file for a caseworker, its report as JSON; 403 for a panel member.
    let caseworker = token(
        &db,
        &torbay,
        "sen2.api@torbay.example",
        UserRole::Caseworker,
    );
    let panel_member = token(
        &db,
        &torbay,
        "sen2.member@torbay.example",
        UserRole::PanelMember,
    );
    let get = |path: String, token: &str| {
        actix_test::TestRequest::get()
            .uri(&path)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    let response = actix_test::call_service(
        &app,
        get(format!("/api/v1/reports/sen2?census={CENSUS}"), &caseworker),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/xml"
    );
    let message = Message::from_xml(&actix_test::read_body(response).await).unwrap();
    assert_eq!(message.persons.person.len(), expected.exported.persons);
    let response = actix_test::call_service(
        &app,
        get(
            format!("/api/v1/reports/sen2/report?census={CENSUS}"),
            &caseworker,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let reply: serde_json::Value =
        serde_json::from_slice(&actix_test::read_body(response).await).unwrap();
    assert_eq!(reply["exported"]["persons"], expected.exported.persons);
    assert_eq!(
        reply["refused"].as_array().map(Vec::len),
        Some(expected.refused.len())
    );
    let response = actix_test::call_service(
        &app,
        get(
            "/api/v1/reports/sen2/report?census=tomorrow".into(),
            &caseworker,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for path in ["/api/v1/reports/sen2", "/api/v1/reports/sen2/report"] {
        let response = actix_test::call_service(&app, get(path.into(), &panel_member)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
}

#[actix_web::test]
async fn sen2_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn sen2_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}

/// `sendpanel export sen2` as an operator runs it: on a demo database, the file is
/// written and reads back, and the report names each child left out with the rule; a
/// census that is not a date stops it with one line naming `--census`.
fn export_by_cli(database_url: &str) {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let sendpanel = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sendpanel"));
        command
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("RUST_LOG")
            .env("SENDPANEL_AUTHORITIES_DIR", config.join("authorities"))
            .env("SENDPANEL_LETTERS_DIR", config.join("letters"))
            .env("NO_COLOR", "1")
            .args(["--database-url", database_url]);
        command
    };
    let seeded = sendpanel().arg("demo").output().unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    let out = dir.path().join("torbay.xml");
    let exported = sendpanel()
        .args([
            "export",
            "sen2",
            "--authority",
            "torbay",
            "--census",
            CENSUS,
            "--serial",
            "2",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(exported.status.success(), "{exported:?}");
    let printed = String::from_utf8_lossy(&exported.stdout);
    assert!(
        printed.contains("SEN2 return for the census of 2027-01-21"),
        "{printed}"
    );
    assert!(printed.contains("1 Person"), "{printed}");
    let message = Message::from_xml(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(message.header.source.lea, "880");
    assert_eq!(message.header.source.serial_no, 2);
    // The people printed are the people in the file; each child left out is named with
    // the rule (the demo records no sex for its children).
    let persons_line = printed
        .lines()
        .find(|l| l.trim_start().starts_with("1 Person"))
        .unwrap();
    assert_eq!(
        persons_line.split_whitespace().last(),
        Some(message.persons.person.len().to_string().as_str())
    );
    if printed.contains("Refused (") {
        assert!(printed.contains("    rule "), "{printed}");
    }

    let refused = sendpanel()
        .args([
            "export",
            "sen2",
            "--authority",
            "torbay",
            "--census",
            "21/01/2027",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("sendpanel: error: --census")),
        "{stderr}"
    );
}

#[test]
fn sen2_export_by_cli_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    export_by_cli(&format!("sqlite://{}", dir.path().join("s.db").display()));
}

#[test]
fn sen2_export_by_cli_on_postgres() {
    let db = TestDb::postgres().unwrap();
    export_by_cli(&db.url());
}
