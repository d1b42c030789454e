//! Issue 15, the daily deadline digest's opt-out on the account page: the box is
//! ticked until the person unticks it; each change is saved (with the CSRF token)
//! and recorded as an account change; a form without the token changes nothing. And
//! from the command line: `sendpanel user digest` and `sendpanel digests send --on`,
//! which queues a day's digests once however often it is run. Both databases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::http::StatusCode;
use sendpanel_core::domain::{AuthorityId, Email};
use sendpanel_core::events::{AccountChange, AccountChanged, CaseEvent};
use sendpanel_core::notify::digest::wants_deadline_digest;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;

use crate::support::{self, Browser, CASEWORKER};

const BOX: &str = r#"id="deadline_digest" name="deadline_digest" type="checkbox" value="on""#;

fn ticked(body: &str) -> bool {
    let at = body.find(BOX).expect("the digest box");
    body[at + BOX.len()..].starts_with(" checked")
}

async fn a_person_opts_out_of_the_digest_and_back_in(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let scope = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let user = db
        .read(|tx| tx.find_user_by_email(&scope, &Email::parse(CASEWORKER).unwrap()))
        .unwrap()
        .unwrap();
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;

    let page = browser.get(&app, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Send me the daily deadline digest"),
        "{}",
        page.body
    );
    assert!(ticked(&page.body), "on by default: {}", page.body);

    // Without the CSRF token: refused, nothing changes.
    let refused = browser.post(&app, "/account/deadline-digest", &[]).await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert!(wants_deadline_digest(&db, &scope, user.id).unwrap());

    // Unticked and saved: off, said so, and recorded.
    let saved = browser
        .submit(&app, "/account", "/account/deadline-digest", &[])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let location = saved.location.unwrap();
    let page = browser.get(&app, &location).await;
    assert!(
        page.body
            .contains("You will not get the daily deadline digest"),
        "{}",
        page.body
    );
    assert!(!ticked(&page.body), "{}", page.body);
    assert!(!wants_deadline_digest(&db, &scope, user.id).unwrap());

    // Ticked again: on.
    let saved = browser
        .submit(
            &app,
            "/account",
            "/account/deadline-digest",
            &[("deadline_digest", "on")],
        )
        .await;
    let page = browser.get(&app, &saved.location.unwrap()).await;
    assert!(
        page.body.contains("You will get the daily deadline digest"),
        "{}",
        page.body
    );
    assert!(ticked(&page.body), "{}", page.body);
    assert!(wants_deadline_digest(&db, &scope, user.id).unwrap());

    // Saving it unchanged records nothing more: two changes, by the person.
    browser
        .submit(
            &app,
            "/account",
            "/account/deadline-digest",
            &[("deadline_digest", "on")],
        )
        .await;
    let changes: Vec<(bool, Option<_>)> = db
        .read(|tx| tx.list_events(&scope, None))
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.fact {
            CaseEvent::AccountChanged(AccountChanged {
                user: who,
                change: AccountChange::DeadlineDigestChanged { on },
            }) if who == user.id => Some((on, e.actor)),
            _ => None,
        })
        .collect();
    assert_eq!(changes, vec![(false, Some(user.id)), (true, Some(user.id))]);
}

#[actix_web::test]
async fn a_person_opts_out_of_the_digest_and_back_in_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    a_person_opts_out_of_the_digest_and_back_in(test_db.db.clone()).await;
}

#[actix_web::test]
async fn a_person_opts_out_of_the_digest_and_back_in_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    a_person_opts_out_of_the_digest_and_back_in(test_db.db.clone()).await;
}

/// The binary on `database_url`, with the shipped authorities and letters, and
/// `public_url` when given.
fn sendpanel(database_url: &str, public_url: Option<&str>, args: &[&str]) -> std::process::Output {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sendpanel"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("SENDPANEL_NEW_PASSWORD")
        .env_remove("SENDPANEL_PUBLIC_URL")
        .env("SENDPANEL_AUTHORITIES_DIR", config.join("authorities"))
        .env("SENDPANEL_LETTERS_DIR", config.join("letters"))
        .env("NO_COLOR", "1");
    if let Some(url) = public_url {
        command.env("SENDPANEL_PUBLIC_URL", url);
    }
    command
        .arg("--database-url")
        .arg(database_url)
        .args(args)
        .output()
        .unwrap()
}

fn said(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn refused(output: &std::process::Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `sendpanel user digest` and `sendpanel digests send --on`: a day's digests once.
fn digests_from_the_command_line(test_db: &TestDb) {
    use sendpanel_core::workflow::{AllocateCase, ReceiveRequest, allocate_case, receive_request};
    let url = test_db.url();
    let cli = |args: &[&str]| sendpanel(&url, None, args);
    for (email, role) in [
        ("officer@torbay.example", "caseworker"),
        ("lead@torbay.example", "admin"),
    ] {
        said(&cli(&[
            "user",
            "add",
            email,
            "--authority",
            "torbay",
            "--role",
            role,
        ]));
    }
    let db = &test_db.db;
    let scope = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let find = |email: &str| {
        db.read(|tx| tx.find_user_by_email(&scope, &Email::parse(email).unwrap()))
            .unwrap()
            .unwrap()
    };
    let (officer, lead) = (find("officer@torbay.example"), find("lead@torbay.example"));

    // Off and on again from the command line; a repeat says it already was.
    let out = said(&cli(&[
        "user",
        "digest",
        "officer@torbay.example",
        "--authority",
        "torbay",
        "off",
    ]));
    assert!(out.contains("is off"), "{out}");
    assert!(!wants_deadline_digest(db, &scope, officer.id).unwrap());
    let out = said(&cli(&[
        "user",
        "digest",
        "officer@torbay.example",
        "--authority",
        "torbay",
        "on",
    ]));
    assert!(out.contains("is on") && !out.contains("already"), "{out}");
    let out = said(&cli(&[
        "user",
        "digest",
        "officer@torbay.example",
        "--authority",
        "torbay",
        "on",
    ]));
    assert!(out.contains("(it already was)"), "{out}");

    // A case received on 19 October 2026, overdue on Monday 7 December.
    let on = |y, m, d| {
        use chrono::TimeZone;
        sendpanel_core::time::FixedClock(chrono::Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap())
    };
    let request = ReceiveRequest {
        given_name: "Alex".into(),
        family_name: "Example".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(2016, 3, 14).unwrap(),
        upn: None,
        authority_reference: Some("TOR-1".into()),
        confirm_new_child: true,
        nhs_number: None,
        received_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 19).unwrap(),
        requested_by: sendpanel_core::domain::RequestedBy::Setting,
        requester: "SENCO, Example Primary".into(),
        setting_type: sendpanel_core::domain::SettingType::Mainstream,
        primary_need: sendpanel_core::domain::NeedType::Mld,
        summary: "Little progress after two cycles.".into(),
        contact_email: None,
    };
    let case = receive_request(db, &scope, &request, None, &on(2026, 10, 19))
        .unwrap()
        .case
        .id;
    allocate_case(
        db,
        &scope,
        case,
        &AllocateCase {
            officer: Some(officer.id),
            expected_officer: None,
            reason: None,
        },
        lead.id,
        &on(2026, 10, 19),
    )
    .unwrap();

    // The links need the service's address; a bad day or authority is named.
    let error = refused(&cli(&["digests", "send", "--on", "2026-12-07"]));
    assert!(error.contains("public_url"), "{error}");
    let with_url = |args: &[&str]| sendpanel(&url, Some("https://send.torbay.example"), args);
    let error = refused(&with_url(&["digests", "send", "--on", "7 December"]));
    assert!(
        error.contains("--on: \"7 December\" is not a date written YYYY-MM-DD"),
        "{error}"
    );
    let error = refused(&with_url(&[
        "digests",
        "send",
        "--authority",
        "nowhere",
        "--on",
        "2026-12-07",
    ]));
    assert!(
        error.contains("--authority: nowhere is not a configured authority"),
        "{error}"
    );

    // Sent once for the day, whichever way it is asked; the officer's and the lead's.
    let out = said(&with_url(&[
        "digests",
        "send",
        "--authority",
        "torbay",
        "--on",
        "2026-12-07",
    ]));
    assert!(
        out.contains("2026-12-07: 1 officers' and 1 managers' digests queued, 0 already sent"),
        "{out}"
    );
    let out = said(&with_url(&["digests", "send", "--on", "2026-12-07"]));
    assert!(
        out.contains("0 officers' and 0 managers' digests queued, 2 already sent"),
        "{out}"
    );
    let queued = db.read(|tx| tx.list_outbox(&scope, None)).unwrap();
    let digests: Vec<_> = queued
        .iter()
        .filter(|m| m.purpose.starts_with("digest:"))
        .collect();
    assert_eq!(digests.len(), 2);
    assert!(
        digests
            .iter()
            .any(|m| m.recipient.as_str() == "officer@torbay.example"
                && m.purpose == "digest:officer")
    );
    assert!(digests.iter().any(|m| m.recipient.as_str() == "lead@torbay.example" && m.purpose == "digest:manager"));
}

#[test]
fn digests_from_the_command_line_on_sqlite() {
    digests_from_the_command_line(&TestDb::sqlite().unwrap());
}

#[test]
fn digests_from_the_command_line_on_postgres() {
    digests_from_the_command_line(&TestDb::postgres().unwrap());
}
