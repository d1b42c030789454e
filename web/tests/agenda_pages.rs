//! Putting a case on a sitting's agenda through the pages (issue 16), on SQLite and
//! PostgreSQL, over the demo data: an admin seats members on Torbay's Independent
//! Placement Overview Panel and adds a special and an independent school to the
//! register; a caseworker arranges a sitting, follows the sitting page's link to the
//! form (which offers only the IPOP's proposals and the register's settings), and
//! proposes the independent school without saying why one: the form comes back, 422,
//! with the error summary naming the field, what was typed kept, and nothing on the
//! agenda. She proposes the special school instead, with the start as GOV.UK date
//! boxes and each service's share in pounds, and is sent back to the sitting, whose
//! agenda shows the item. On the day the members vote, the chair reads the proposal in
//! the papers (the shares converted to pence and shown as pounds again) and names the
//! placement; the case's placements then hold it, with each service's share.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use chrono::NaiveDate;
use sendpanel_core::domain::{AuthorityId, UserRole};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_tests::journey::SteppedClock;
use serde_json::{Value, json};

use crate::support::panel_api;
use crate::support::{self, Browser, CASEWORKER, CHAIR, call_api as call};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The sitting's agenda, as the API's tally lists it.
async fn agenda_items<S>(app: &S, sitting: &str, token: &str) -> Vec<Value>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let (status, tally) = call(
        app,
        "GET",
        &format!("/api/v1/sittings/{sitting}"),
        token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tally}");
    tally["items"].as_array().unwrap().clone()
}

/// The value of the page's first hidden field named `name`.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field: {body}"))
        + marker.len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let mut state = support::demo_state(&db);
    // The demo's today, 24 November 2026, moved on to the sitting later.
    let today = SteppedClock::on_day(day(2026, 11, 24));
    state.clock = today.clone();
    let app = support::app(state).await;
    let person = |email: &str, role| {
        panel_api::person(&db, &torbay, today.as_ref(), email, role, "agenda test")
    };
    let (_, admin) = person("agenda.admin@torbay.example", UserRole::Admin);
    // The demo's caseworker, who signs in to the pages; her token arranges the sitting.
    let (caseworker_id, caseworker) = person(CASEWORKER, UserRole::Caseworker);
    let (chair_id, chair) = person(CHAIR, UserRole::PanelChair);
    // The admin seats three members on the IPOP; the demo's SEN panel chair already
    // chairs it.
    let members = panel_api::seat_ipop_members(
        &app,
        &db,
        &torbay,
        today.as_ref(),
        &admin,
        "agenda",
        "agenda test",
    )
    .await;
    // Illustrative settings: names and URNs made up here.
    let mut settings = Vec::new();
    for (name, urn, kind) in [
        ("Illustrative Agenda Special School", "100030", "special"),
        (
            "Illustrative Agenda Independent School",
            "100031",
            "independent",
        ),
    ] {
        settings.push(panel_api::add_setting(&app, &admin, name, urn, kind).await);
    }
    let (school, independent) = (settings[0].clone(), settings[1].clone());
    let case = sendpanel_tests::journey::plan_issued_on_10_january_2024(
        &db,
        &torbay,
        905,
        caseworker_id,
        chair_id,
    );
    let case_id = case.to_string();

    // A sitting on Monday 7 December 2026 (the IPOP's papers are due 7 days before).
    let (status, sitting) = call(&app, "POST", "/api/v1/sittings", &caseworker, Some(json!({
        "panel": "ipop", "sits_on": "2026-12-07", "starts_at": "10:00:00", "location": "Online",
        "members": std::iter::once(chair_id).chain(members.iter().map(|m| m.0)).collect::<Vec<_>>(),
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{sitting}");
    let sitting = sitting["id"].as_str().unwrap().to_owned();

    // The caseworker finds the form from the sitting page.
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let page = browser.get(&app, &format!("/sittings/{sitting}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let form_address = format!("/sittings/{sitting}/agenda/new");
    assert!(
        page.body.contains(&format!("href=\"{form_address}\"")),
        "{}",
        page.body
    );
    let form = browser
        .get(&app, &format!("{form_address}?case={case_id}"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    for text in [
        "Put a case on the agenda",
        "Placement: name placement",
        "Banding: confirm funding",
        "Illustrative Agenda Special School (special, in area)",
        "Illustrative Agenda Independent School (independent, out of area)",
        "The placement proposed",
        "First day of the placement",
        case_id.as_str(),
    ] {
        assert!(form.body.contains(text), "{text}: {}", form.body);
    }
    // Only the IPOP's decisions: it does not decide whether to assess.
    assert!(!form.body.contains("Whether to assess"), "{}", form.body);

    let proposal = |setting: &str, csrf: String, token: String| -> Vec<(String, String)> {
        [
            ("csrf_token", csrf.as_str()),
            ("form_token", token.as_str()),
            ("case", case_id.as_str()),
            ("proposal", "name_placement"),
            ("setting", setting),
            ("starts_on-day", "4"),
            ("starts_on-month", "1"),
            ("starts_on-year", "2027"),
            ("parental_preference", "The family asked for this school"),
            ("mainstream_requested", "no"),
            ("reasons", "Section F can be delivered there (illustrative)"),
            ("independent_justification", ""),
            ("education_share", "23,538.00"),
            ("health_share", "5000"),
            ("social_care_share", "£2,500"),
            // The funding group, left empty as a browser sends it.
            ("funded_placement", ""),
            ("advice", ""),
            ("band_code", ""),
            ("funding_starts_on-day", ""),
            ("funding_starts_on-month", ""),
            ("funding_starts_on-year", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    };

    // An independent school with no reason for one: refused, naming the field.
    let fields = proposal(
        independent.as_str(),
        form.csrf(),
        hidden(&form.body, "form_token"),
    );
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = browser.post(&app, &form_address, &borrowed).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    for text in [
        "<title>Error: Put a case on the agenda",
        "There is a problem",
        "href=\"#agenda-independent_justification-1\"",
        "Why an independent setting: must say why an independent setting",
        // What was typed is kept.
        "The family asked for this school",
        "23,538.00",
    ] {
        assert!(refused.body.contains(text), "{text}: {}", refused.body);
    }
    assert!(
        agenda_items(&app, &sitting, &caseworker).await.is_empty(),
        "the refusal changed nothing"
    );

    // The special school: put on the agenda, and back to the sitting.
    let fields = proposal(
        school.as_str(),
        refused.csrf(),
        hidden(&refused.body, "form_token"),
    );
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let added = browser.post(&app, &form_address, &borrowed).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(
        added.location.as_deref(),
        Some(format!("/sittings/{sitting}").as_str())
    );
    let items = agenda_items(&app, &sitting, &caseworker).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["proposal"], "name_placement");
    assert_eq!(items[0]["position"], 1);
    let item = items[0]["item"].as_str().unwrap().to_owned();
    let page = browser.get(&app, &format!("/sittings/{sitting}")).await;
    assert!(
        page.body.contains("Placement (proposed: Name placement)"),
        "{}",
        page.body
    );

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

    // The chair reads the proposal as the form put it, and names the placement.
    let mut chair_browser = Browser::default();
    chair_browser.sign_in(&app, CHAIR).await;
    let papers = chair_browser
        .get(&app, &format!("/agenda-items/{item}"))
        .await;
    assert_eq!(papers.status, StatusCode::OK, "{}", papers.body);
    for text in [
        "The placement proposed",
        "Illustrative Agenda Special School",
        "The family asked for this school",
        "4 January 2027",
        "£23,538.00",
        "£5,000.00",
        "£2,500.00",
    ] {
        assert!(papers.body.contains(text), "{text}: {}", papers.body);
    }
    let csrf = papers.csrf();
    let closed = chair_browser
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
            placements[0]["education_pence"].as_i64(),
            placements[0]["health_pence"].as_i64(),
            placements[0]["social_care_pence"].as_i64()
        ),
        (Some(2_353_800), Some(500_000), Some(250_000))
    );
}

#[actix_web::test]
async fn a_placement_put_on_the_ipop_agenda_through_the_form_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn a_placement_put_on_the_ipop_agenda_through_the_form_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}
