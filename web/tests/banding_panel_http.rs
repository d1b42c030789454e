//! A band and its funding through Torbay's Independent Placement Overview Panel over the
//! JSON API and the pages, on SQLite and PostgreSQL, over the demo data: an admin seats
//! members, adds a special school and records the placement; the plugin's band advice
//! is on the case (a stand-in for the plugin's answer, as the host records it); a
//! caseworker arranges a sitting and proposes a commitment confirming the advice (one
//! that departs from it without reasons is 422 naming `reasons`, with nothing on the
//! agenda); on the day the members vote; the chair reads the proposal beside the advice
//! in the papers page and confirms it through its form; the case's commitments then
//! hold it, decided by the chair, with the advice it came from. The band, amounts and
//! rule are illustrative.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use sendpanel_core::domain::{AuthorityId, CaseId, NewAdvice, NewPlugin, StoredAdvice, UserRole};
use sendpanel_core::policy::contract::{BandAdvice, PolicyError};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_tests::journey::SteppedClock;
use serde_json::json;

use crate::support::panel_api;
use crate::support::{self, Browser, CHAIR, call_api as call};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Banding advice on `case` as the host records the plugin's answer: an illustrative
/// band, from a stored stand-in for the plugin.
fn banding_advice(db: &Database, scope: &AuthorityScope, case: CaseId) -> StoredAdvice {
    let band = BandAdvice {
        band_code: "TOR-WEB-1".into(),
        band_title: "Illustrative web band".into(),
        place_funding: 1_000_000,
        yearly_top_up: 875_700,
        months_funded: 12,
        elements: Vec::new(),
        rule: "Illustrative tariff rule".into(),
    };
    let output = serde_json::to_string(&Ok::<_, PolicyError>(band)).unwrap();
    db.write(|tx| {
        let plugin = tx.insert_plugin(
            scope,
            &NewPlugin {
                authority_id: scope.authority().clone(),
                policy_name: "Torbay banding (illustrative)".into(),
                policy_version: "1".into(),
                api_version: "1.0.0".into(),
                effective_from: day(2023, 9, 1),
                bytes: b"stands in for a banding component".to_vec(),
            },
        )?;
        tx.record_advice(
            scope,
            &NewAdvice {
                case_id: case,
                plugin_sha256: plugin.sha256,
                api_version: "1.0.0".into(),
                call: "banding".into(),
                input_json: "{}".into(),
                outcome: "advice".into(),
                output_json: Some(output.clone()),
                unavailable_reason: None,
                fuel_used: 1,
            },
        )
    })
    .unwrap()
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let mut state = support::demo_state(&db);
    // The demo's today, 24 November 2026, moved on to the sitting later.
    let today = SteppedClock::on_day(day(2026, 11, 24));
    state.clock = today.clone();
    let app = support::app(state).await;
    let person = |email: &str, role| {
        panel_api::person(&db, &torbay, today.as_ref(), email, role, "banding test")
    };
    let (_, admin) = person("banding.admin@torbay.example", UserRole::Admin);
    let (caseworker_id, caseworker) = person("banding.cw@torbay.example", UserRole::Caseworker);
    let (chair_id, chair) = person(CHAIR, UserRole::PanelChair);
    // The admin seats three members on the IPOP; the demo's SEN panel chair already
    // chairs it.
    let members = panel_api::seat_ipop_members(
        &app,
        &db,
        &torbay,
        today.as_ref(),
        &admin,
        "banding",
        "banding test",
    )
    .await;
    // An illustrative school: name and URN made up here.
    let school = panel_api::add_setting(
        &app,
        &admin,
        "Illustrative Banded School",
        "100050",
        "special",
    )
    .await;
    let case = sendpanel_tests::journey::plan_issued_on_10_january_2024(
        &db,
        &torbay,
        904,
        caseworker_id,
        chair_id,
    );
    let (status, placement) = call(
        &app,
        "POST",
        &format!("/api/v1/requests/{case}/placement"),
        &admin,
        Some(json!({
            "setting": school, "starts_on": "2027-01-04",
            "reasons": "Section F can be delivered there (illustrative)",
            "education_pence": 1_875_700,
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{placement}");
    let advice = banding_advice(&db, &torbay, case);

    // The caseworker arranges a sitting on Monday 7 December 2026 (papers 7 days before).
    let (status, sitting) = call(&app, "POST", "/api/v1/sittings", &caseworker, Some(json!({
        "panel": "ipop", "sits_on": "2026-12-07", "starts_at": "10:00:00", "location": "Online",
        "members": std::iter::once(chair_id).chain(members.iter().map(|m| m.0)).collect::<Vec<_>>(),
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{sitting}");
    let sitting = sitting["id"].as_str().unwrap().to_owned();
    let agenda = format!("/api/v1/sittings/{sitting}/agenda");
    let confirming = json!({
        "placement": placement["id"], "advice": advice.id, "starts_on": "2027-01-04",
    });
    let mut departing = confirming.clone();
    departing["band"] = json!({
        "band_code": "TOR-WEB-2", "band_title": "Illustrative higher band",
        "place_funding_pence": 1_000_000, "top_up_pence": 1_200_000,
    });
    let (status, refused) = call(
        &app,
        "POST",
        &agenda,
        &caseworker,
        Some(json!({"case": case, "proposal": "confirm_funding", "funding": departing})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "reasons", "{refused}");
    let (status, item) = call(
        &app,
        "POST",
        &agenda,
        &caseworker,
        Some(json!({"case": case, "proposal": "confirm_funding", "funding": confirming})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(
        item["position"], 1,
        "the refused proposal left nothing on the agenda"
    );
    assert_eq!(item["decision_kind"], "banding");
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
        "The band funds the provision in section F.",
    )
    .await;

    // The chair reads the proposal beside the advice and confirms it through the form.
    let mut browser = Browser::default();
    browser.sign_in(&app, CHAIR).await;
    let papers = browser.get(&app, &format!("/agenda-items/{item}")).await;
    assert_eq!(papers.status, StatusCode::OK, "{}", papers.body);
    for text in [
        "The funding proposed",
        "Illustrative Banded School",
        "Illustrative web band (TOR-WEB-1)",
        "£8,757.00",
        "it confirms the plugin&#x27;s band as advised",
        "Confirm funding",
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
                ("decision", "confirm_funding"),
                (
                    "reasons",
                    "The panel agreed the band the plugin advised funds the provision.",
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
        &format!("/api/v1/requests/{case}/funding"),
        &caseworker,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let commitments = listed["commitments"].as_array().unwrap();
    assert_eq!(commitments.len(), 1, "{listed}");
    assert_eq!(commitments[0]["band_code"], "TOR-WEB-1");
    assert_eq!(commitments[0]["top_up_pence"].as_i64(), Some(875_700));
    assert_eq!(commitments[0]["placement_id"], placement["id"]);
    assert_eq!(commitments[0]["decided_by"], json!(chair_id));
    assert_eq!(commitments[0]["source"]["advice_id"], json!(advice.id));
    assert_eq!(commitments[0]["source"]["departs_from_advice"], false);
}

#[actix_web::test]
async fn a_band_confirmed_at_the_ipop_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn a_band_confirmed_at_the_ipop_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}
