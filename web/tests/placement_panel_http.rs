//! A placement through Torbay's Independent Placement Overview Panel over the JSON API
//! and the pages, on SQLite and PostgreSQL, over the demo data: an admin seats
//! members and adds a special school to the register; a caseworker arranges a sitting and
//! proposes the school with health and social care shares (an independent school
//! without its justification is 422 naming the field, with nothing on the agenda); on
//! the day the chair opens the sitting and the members vote; the chair reads the
//! proposal in the papers page and names the placement through its form; the case's
//! placements then hold it, decided by the chair, with each service's share.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use sendpanel_core::domain::{AuthorityId, UserRole};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_tests::journey::SteppedClock;
use serde_json::json;

use crate::support::panel_api::{self, add_setting};
use crate::support::{self, Browser, CHAIR, call_api as call};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let mut state = support::demo_state(&db);
    // The demo's today, 24 November 2026, moved on to the sitting later.
    let today = SteppedClock::on_day(day(2026, 11, 24));
    state.clock = today.clone();
    let app = support::app(state).await;
    let person = |email: &str, role| {
        panel_api::person(&db, &torbay, today.as_ref(), email, role, "ipop test")
    };
    let (_, admin) = person("ipop.admin@torbay.example", UserRole::Admin);
    let (caseworker_id, caseworker) = person("ipop.cw@torbay.example", UserRole::Caseworker);
    let (chair_id, chair) = person(CHAIR, UserRole::PanelChair);
    // The admin seats three members on the IPOP; the demo's SEN panel chair already
    // chairs it.
    let members = panel_api::seat_ipop_members(
        &app,
        &db,
        &torbay,
        today.as_ref(),
        &admin,
        "ipop",
        "ipop test",
    )
    .await;
    // Illustrative settings: names and URNs made up here.
    let school = add_setting(
        &app,
        &admin,
        "Illustrative Special School",
        "100020",
        "special",
    )
    .await;
    let independent = add_setting(
        &app,
        &admin,
        "Illustrative Independent School",
        "100021",
        "independent",
    )
    .await;
    let case = sendpanel_tests::journey::plan_issued_on_10_january_2024(
        &db,
        &torbay,
        903,
        caseworker_id,
        chair_id,
    );

    // The caseworker arranges a sitting on Monday 7 December 2026 (papers 7 days before).
    let (status, sitting) = call(&app, "POST", "/api/v1/sittings", &caseworker, Some(json!({
        "panel": "ipop", "sits_on": "2026-12-07", "starts_at": "10:00:00", "location": "Online",
        "members": std::iter::once(chair_id).chain(members.iter().map(|m| m.0)).collect::<Vec<_>>(),
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{sitting}");
    let sitting = sitting["id"].as_str().unwrap().to_owned();
    let agenda = format!("/api/v1/sittings/{sitting}/agenda");
    let proposal = |setting: &str| {
        json!({
            "case": case, "proposal": "name_placement",
            "placement": {
                "setting": setting, "starts_on": "2027-01-04",
                "parental_preference": "The family asked for this school",
                "reasons": "Section F can be delivered there (illustrative)",
                "education_pence": 2_353_800, "health_pence": 500_000, "social_care_pence": 250_000,
                "expected_latest": null,
            }
        })
    };
    let (status, refused) = call(
        &app,
        "POST",
        &agenda,
        &caseworker,
        Some(proposal(&independent)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        refused["error"]["field"], "independent_justification",
        "{refused}"
    );
    let (status, item) = call(&app, "POST", &agenda, &caseworker, Some(proposal(&school))).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(
        item["position"], 1,
        "the refused proposal left nothing on the agenda"
    );
    assert_eq!(item["decision_kind"], "placement");
    let item = item["id"].as_str().unwrap().to_owned();

    // The day of the sitting: the chair opens it, everyone joins and agrees.
    today.set_today(day(2026, 12, 7));
    let member_tokens: Vec<&str> = members.iter().map(|m| m.1.as_str()).collect();
    panel_api::open_and_agree(
        &app,
        &sitting,
        &item,
        &chair,
        &member_tokens,
        "The school can meet the needs in section B.",
    )
    .await;

    // The chair reads the proposal in the papers page and names it through the form.
    let mut browser = Browser::default();
    browser.sign_in(&app, CHAIR).await;
    let papers = browser.get(&app, &format!("/agenda-items/{item}")).await;
    assert_eq!(papers.status, StatusCode::OK, "{}", papers.body);
    for text in [
        "The placement proposed",
        "Illustrative Special School",
        "The family asked for this school",
        "Health&#x27;s share a year",
        "£5,000.00",
        "£2,500.00",
        "Name placement",
    ] {
        assert!(papers.body.contains(text), "{text}: {}", papers.body);
    }
    let csrf = papers.csrf();
    let closed = browser
        .post(
            &app,
            &format!("/agenda-items/{item}/close"),
            &[
                ("csrf_token", csrf.as_str()),
                ("decision", "name_placement"),
                (
                    "reasons",
                    "The panel agreed the school can meet the needs in the plan.",
                ),
                ("decided_on-day", "7"),
                ("decided_on-month", "12"),
                ("decided_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);

    let (status, listed) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{case}/placements"),
        &caseworker,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let placements = listed["placements"].as_array().unwrap();
    assert_eq!(placements.len(), 1, "{listed}");
    assert_eq!(placements[0]["setting_id"], school.as_str());
    assert_eq!(placements[0]["decided_by"], json!(chair_id));
    assert_eq!(
        (
            placements[0]["health_pence"].as_i64(),
            placements[0]["social_care_pence"].as_i64()
        ),
        (Some(500_000), Some(250_000))
    );
}

#[actix_web::test]
async fn a_placement_through_the_ipop_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn a_placement_through_the_ipop_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}
