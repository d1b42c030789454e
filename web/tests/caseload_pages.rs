//! The caseload and a case's casework in process, on SQLite and PostgreSQL, over the
//! demo data: a caseworker starts at "my cases" (every demo case is theirs); the
//! caseload searches by name and names a bad filter; its CSV has every case with a
//! typed formula defused; the team page counts each officer's cases; a case is
//! reallocated from its page, a note added, the child's UPN corrected (the old value
//! shown beside the new) and the request withdrawn through its step, after which the
//! case says it is closed and leaves the caseload.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use crate::support::{ADMIN, Browser, CASEWORKER};
use actix_web::http::StatusCode;
use sendpanel_core::domain::{AuthorityId, CaseStage, ChildField};
use sendpanel_core::store::AuthorityScope;
use sendpanel_core::store::Database;
use sendpanel_core::workflow::lifecycle::field_value;
use sendpanel_tests::TestDb;

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let app = support::app(support::demo_state(&db)).await;
    let open: Vec<_> = db
        .read(|tx| tx.list_cases(&torbay))
        .unwrap()
        .into_iter()
        .filter(|c| !matches!(c.stage, CaseStage::Closed | CaseStage::Ceased))
        .collect();
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;

    // Home is "my cases"; the demo's cases are all this caseworker's.
    let home = caseworker.get(&app, "/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(
        home.body
            .contains("<h1 class=\"govuk-heading-l\">My cases</h1>"),
        "{}",
        home.body
    );
    assert!(
        home.body.contains(&format!("{} cases", open.len())),
        "{}",
        home.body
    );

    // Search by a family name finds that child's cases only.
    let child = db
        .read(|tx| tx.get_child(&torbay, open[0].child_id))
        .unwrap();
    let family = child.family_name.to_string();
    let found = caseworker
        .get(&app, &format!("/caseload?q={}", family.to_lowercase()))
        .await;
    assert!(
        found
            .body
            .contains(&format!("href=\"/cases/{}\"", open[0].id)),
        "{}",
        found.body
    );
    for other in open.iter().filter(|c| c.child_id != open[0].child_id) {
        let name = db
            .read(|tx| tx.get_child(&torbay, other.child_id))
            .unwrap()
            .family_name
            .to_string();
        if !name.to_lowercase().contains(&family.to_lowercase()) {
            assert!(
                !found
                    .body
                    .contains(&format!("href=\"/cases/{}\"", other.id)),
                "{}",
                found.body
            );
        }
    }
    // A bad filter is named, with no cases shown.
    let bad = caseworker.get(&app, "/caseload?year_group=40").await;
    assert!(
        bad.body
            .contains("Year group: must be a year group from -2 to 14"),
        "{}",
        bad.body
    );
    assert!(!bad.body.contains("href=\"/cases/"), "{}", bad.body);

    // The CSV: a header and a row per case, a typed formula shown and never run.
    let last = open.last().unwrap();
    let last_child = db.read(|tx| tx.get_child(&torbay, last.child_id)).unwrap();
    sendpanel_core::workflow::correct_child(
        &db,
        &torbay,
        last.child_id,
        &sendpanel_core::workflow::CorrectChild {
            field: ChildField::GivenName,
            expected: Some(last_child.given_name.to_string()),
            value: Some("=SUM(1+1)".into()),
            reason: "A formula typed as a name".into(),
        },
        last.officer_id.unwrap(),
        &sendpanel_core::time::SystemClock,
    )
    .unwrap();
    let csv = caseworker.get(&app, "/caseload.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(
        lines[0].starts_with("case,child,date_of_birth,stage"),
        "{}",
        csv.body
    );
    assert_eq!(lines.len(), open.len() + 1, "{}", csv.body);
    let defused = format!("{},'=SUM(1+1) {}", last.id, last_child.family_name);
    assert!(csv.body.contains(&defused), "{}", csv.body);
    // Each case in the download is in the access log, read through it.
    let downloaded: std::collections::HashSet<_> = db
        .read(|tx| {
            tx.list_access(
                &torbay,
                &sendpanel_core::access::AccessFilter::default(),
                10_000,
                0,
            )
        })
        .unwrap()
        .into_iter()
        .filter(|r| r.what == sendpanel_core::access::AccessKind::CaseloadExport)
        .map(|r| {
            assert_eq!(r.route, "GET /caseload.csv");
            r.case_id
        })
        .collect();
    let listed: std::collections::HashSet<_> = open.iter().map(|c| c.id).collect();
    assert_eq!(downloaded, listed);

    // Transitions: each transfer's cohort this year and next, with the day its plans
    // must name the new setting (the demo's today is in 2026/27).
    let transitions = caseworker.get(&app, "/transitions").await;
    assert_eq!(transitions.status, StatusCode::OK, "{}", transitions.body);
    for text in [
        "Secondary to post-16 (end of Year 11)",
        "31 March 2027",
        "31 March 2028",
        "15 February 2027",
        // As handlebars escapes it: &#x3D; is "=".
        "/caseload?stage&#x3D;plan_issued&amp;year_group&#x3D;11",
    ] {
        assert!(
            transitions.body.contains(text),
            "{text}: {}",
            transitions.body
        );
    }

    // The team page: the demo caseworker holds every open case.
    let mut admin = Browser::default();
    admin.sign_in(&app, ADMIN).await;
    let team = admin.get(&app, "/team").await;
    assert_eq!(team.status, StatusCode::OK, "{}", team.body);
    assert!(
        team.body
            .contains(&format!("govuk-table__cell--numeric\">{}<", open.len())),
        "{}",
        team.body
    );

    // Reallocate the first case to the admin from its page; a stale form is refused.
    let case = open[0].id;
    let page = caseworker.get(&app, &format!("/cases/{case}")).await;
    let csrf = page.csrf();
    let me = open[0].officer_id.unwrap().to_string();
    let admin_id = db
        .read(|tx| tx.list_users(&torbay))
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == ADMIN)
        .unwrap()
        .id
        .to_string();
    let moved = caseworker
        .post(
            &app,
            &format!("/cases/{case}/allocation"),
            &[
                ("csrf_token", &csrf),
                ("officer", &admin_id),
                ("expected_officer", &me),
                ("reason", "Complex case"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let stale = caseworker
        .post(
            &app,
            &format!("/cases/{case}/allocation"),
            &[
                ("csrf_token", &csrf),
                ("officer", &me),
                ("expected_officer", &me),
            ],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stale.body
    );
    assert!(
        stale.body.contains("someone else recorded a change first"),
        "{}",
        stale.body
    );
    let page = caseworker.get(&app, &format!("/cases/{case}")).await;
    assert!(
        page.body.contains("Allocated to Morgan Reid"),
        "{}",
        page.body
    );

    // A note of contact.
    let noted = caseworker
        .post(
            &app,
            &format!("/cases/{case}/notes"),
            &[
                ("csrf_token", &csrf),
                ("kind", "phone_call"),
                ("with_whom", "Parent (father)"),
                ("occurred_on", "2026-11-20"),
                ("summary", "Asked when the panel meets."),
            ],
        )
        .await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.body);
    let page = caseworker.get(&app, &format!("/cases/{case}")).await;
    assert!(
        page.body.contains("Asked when the panel meets."),
        "{}",
        page.body
    );

    // Correct the UPN: the form shows the value recorded; the case shows both after.
    let old = field_value(&child, ChildField::Upn).unwrap();
    let form = caseworker
        .get(&app, &format!("/cases/{case}/child/upn"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains(&old), "{}", form.body);
    let new = "G880123426009";
    let bad = caseworker
        .post(
            &app,
            &format!("/cases/{case}/child/upn"),
            &[
                ("csrf_token", &csrf),
                ("expected", &old),
                ("value", "A880123426001"),
                ("reason", "Typo"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fixed = caseworker
        .post(
            &app,
            &format!("/cases/{case}/child/upn"),
            &[
                ("csrf_token", &csrf),
                ("expected", &old),
                ("value", new),
                ("reason", "Mistyped at intake"),
            ],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.body);
    let page = caseworker.get(&app, &format!("/cases/{case}")).await;
    assert!(
        page.body.contains(&old)
            && page.body.contains(new)
            && page.body.contains("Mistyped at intake"),
        "{}",
        page.body
    );

    // Withdraw a request still before its decision, through its step.
    let undecided = open
        .iter()
        .find(|c| matches!(c.stage, CaseStage::RequestReceived))
        .unwrap()
        .id;
    let withdrawn = caseworker
        .post(
            &app,
            &format!("/cases/{undecided}/withdrawal"),
            &[
                ("csrf_token", &csrf),
                ("withdrawn_on-day", "20"),
                ("withdrawn_on-month", "11"),
                ("withdrawn_on-year", "2026"),
                ("reason", "The family moved away"),
            ],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let page = caseworker.get(&app, &format!("/cases/{undecided}")).await;
    assert!(
        page.body.contains("This case is closed: Withdrawn on"),
        "{}",
        page.body
    );
    let home = caseworker.get(&app, "/caseload").await;
    assert!(
        !home.body.contains(&format!("href=\"/cases/{undecided}\"")),
        "{}",
        home.body
    );
}

#[actix_web::test]
async fn caseload_and_casework_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn caseload_and_casework_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}
