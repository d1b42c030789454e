//! The register of education settings and placements over the JSON API, on SQLite and
//! PostgreSQL: an admin adds a setting (201), a bad URN is 422 naming `urn` with
//! nothing written, a caseworker reads the register but may not add to it (403); an
//! admin decides a jointly funded placement on a demo plan (201) and an independent one
//! without its justification is 422 naming the field; a band committed for it without
//! advice needs reasons (422), and the funding ledger over the API, as a page and as
//! CSV counts its place from September.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::http::StatusCode;
use actix_web::test as actix_test;
use sendpanel_core::domain::{AuthorityId, Email, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use serde_json::{Value, json};

use crate::support::{self, clock};

fn token(db: &Database, scope: &AuthorityScope, email: &str, role: UserRole) -> String {
    let email = Email::parse(email).unwrap();
    add_user(db, scope, &email, "Test Person", role, None, &clock()).unwrap();
    issue_token(db, scope, &email, Some("register test"), &clock())
        .unwrap()
        .1
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let app = support::app(support::demo_state(&db)).await;
    let admin = token(
        &db,
        &torbay,
        "register.admin@torbay.example",
        UserRole::Admin,
    );
    let caseworker = token(
        &db,
        &torbay,
        "register.cw@torbay.example",
        UserRole::Caseworker,
    );
    let post = |token: &str, body: Value| {
        actix_test::TestRequest::post()
            .uri("/api/v1/education-settings")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(body)
            .to_request()
    };
    let list = |token: &str| {
        actix_test::TestRequest::get()
            .uri("/api/v1/education-settings")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    // Illustrative: the name and URN are made up here.
    let setting = json!({ "name": "Illustrative Special School", "urn": "100001", "kind": "special", "in_area": false });

    let response = actix_test::call_service(&app, post(&admin, setting.clone())).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let added: Value = actix_test::read_body_json(response).await;
    assert_eq!(added["urn"], "100001");
    assert_eq!(added["kind"], "special");
    assert_eq!(added["in_area"], false);

    let bad = json!({ "name": "Another", "urn": "10001", "kind": "special", "in_area": true });
    let response = actix_test::call_service(&app, post(&admin, bad)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = actix_test::read_body_json(response).await;
    assert_eq!(error["error"]["field"], "urn", "{error}");

    let response = actix_test::call_service(&app, post(&caseworker, setting)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response = actix_test::call_service(&app, list(&caseworker)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let register: Value = actix_test::read_body_json(response).await;
    let names: Vec<&str> = register["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Illustrative Special School"]);

    // A placement on a case with a plan, jointly funded.
    let users = db.read(|tx| tx.list_users(&torbay)).unwrap();
    let id_of = |email: &str| users.iter().find(|u| u.email.as_str() == email).unwrap().id;
    let case = sendpanel_tests::journey::plan_issued_on_10_january_2024(
        &db,
        &torbay,
        901,
        id_of("register.cw@torbay.example"),
        id_of("register.admin@torbay.example"),
    );
    let decide = |token: &str, body: Value| {
        actix_test::TestRequest::post()
            .uri(&format!("/api/v1/requests/{case}/placement"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(body)
            .to_request()
    };
    let placement = json!({
        "setting": added["id"], "starts_on": "2027-09-01", "reasons": "Illustrative reasons",
        "education_pence": 1_000_000, "health_pence": 300_000, "social_care_pence": 200_000,
        "expected_latest": null,
    });
    let response = actix_test::call_service(&app, decide(&admin, placement)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let placed: Value = actix_test::read_body_json(response).await;
    assert_eq!(placed["health_pence"], 300_000);

    let independent = json!({ "name": "Illustrative Independent School", "urn": "100009", "kind": "independent", "in_area": false });
    let response = actix_test::call_service(&app, post(&admin, independent)).await;
    let independent: Value = actix_test::read_body_json(response).await;
    let unjustified = json!({
        "setting": independent["id"], "starts_on": "2027-09-01", "reasons": "Illustrative",
        "education_pence": 5_000_000, "expected_latest": placed["id"],
    });
    let response = actix_test::call_service(&app, decide(&admin, unjustified)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = actix_test::read_body_json(response).await;
    assert_eq!(
        error["error"]["field"], "independent_justification",
        "{error}"
    );

    let response = actix_test::call_service(
        &app,
        actix_test::TestRequest::get()
            .uri(&format!("/api/v1/requests/{case}/placements"))
            .insert_header(("Authorization", format!("Bearer {caseworker}")))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed: Value = actix_test::read_body_json(response).await;
    assert_eq!(listed["placements"].as_array().map(Vec::len), Some(1));

    // The case page shows it, with each service's share.
    let mut browser = crate::support::Browser::default();
    browser.sign_in(&app, crate::support::CASEWORKER).await;
    let page = browser.get(&app, &format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "Placements, the latest first",
        "Illustrative Special School (Special, out of area)",
        "Education £10,000.00, Health £3,000.00, Social care £2,000.00",
        "1 September 2027",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }

    // A band and its funding for that placement: without advice to confirm, a band set
    // by hand needs its reasons (422 naming them); with them, 201.
    let commit = |token: &str, body: Value| {
        actix_test::TestRequest::post()
            .uri(&format!("/api/v1/requests/{case}/funding"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(body)
            .to_request()
    };
    let terms = json!({
        "placement": placed["id"], "advice": null,
        "band": { "band_code": "ILL-3", "band_title": "Illustrative band 3", "place_funding_pence": 1_000_000, "top_up_pence": 600_000 },
        "other_elements": [{ "name": "Teachers' Pay and Pensions", "yearly_pence": 66_000 }],
        "reasons": null, "starts_on": "2027-09-01", "ends_on": null, "expected_latest": null,
    });
    let response = actix_test::call_service(&app, commit(&admin, terms.clone())).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = actix_test::read_body_json(response).await;
    assert_eq!(error["error"]["field"], "reasons", "{error}");
    let mut reasoned = terms.clone();
    reasoned["reasons"] =
        json!("No plugin in force for 2027/28; the published band (illustrative)");
    let response = actix_test::call_service(&app, commit(&caseworker, reasoned.clone())).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = actix_test::call_service(&app, commit(&admin, reasoned)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let committed: Value = actix_test::read_body_json(response).await;
    assert_eq!(committed["source"]["departs_from_advice"], true);

    // The case page shows the band beside the placement.
    let page = browser.get(&app, &format!("/cases/{case}")).await;
    for text in [
        "Band and funding, the latest first",
        "Illustrative band 3 (ILL-3)",
        "Place £10,000.00, top-up £6,000.00, Teachers&#x27; Pay and Pensions £660.00",
        "No advice to confirm: No plugin in force for 2027/28",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }

    // The ledger for 2027/28: one place from September, 7/12 of £10,000 and of £660.
    let ledger_of = |year: &str| {
        actix_test::TestRequest::get()
            .uri(&format!("/api/v1/funding-ledger?year={year}"))
            .insert_header(("Authorization", format!("Bearer {caseworker}")))
            .to_request()
    };
    let response = actix_test::call_service(&app, ledger_of("2027/28")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ledger: Value = actix_test::read_body_json(response).await;
    assert_eq!(ledger["year"], "2027/28", "{ledger}");
    assert_eq!(ledger["total"]["places_september"], 1, "{ledger}");
    assert_eq!(ledger["total"]["place_funding_pence"], 583_333, "{ledger}");
    assert_eq!(ledger["total"]["other_funding_pence"], 38_500, "{ledger}");
    assert_eq!(ledger["placements"]["joint_funded_cases"], 1, "{ledger}");
    let response = actix_test::call_service(&app, ledger_of("2027/29")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = actix_test::read_body_json(response).await;
    assert_eq!(error["error"]["field"], "year", "{error}");

    // The page and its spreadsheet show the same figures.
    let page = browser.get(&app, "/funding-ledger?year=2027/28").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "Funding ledger 2027/28",
        "Illustrative Special School",
        "Illustrative band 3",
        "£5,833.33",
        "£385.00",
        "<svg",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let csv = browser.get(&app, "/funding-ledger.csv?year=2027").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Illustrative Special School,ILL-3,Illustrative band 3,0,1,0,5833.33,0.00,385.00,6218.33"), "{}", csv.body);

    // The hours model's ledger is the other one: this band is not in it, and a model
    // that is neither is refused naming the field.
    let response = actix_test::call_service(&app, ledger_of("2027/28&model=hours")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let hours: Value = actix_test::read_body_json(response).await;
    assert_eq!(hours["model"], "hours", "{hours}");
    assert_eq!(hours["total"]["places_september"], 0, "{hours}");
    let response = actix_test::call_service(&app, ledger_of("2027/28&model=minutes")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = actix_test::read_body_json(response).await;
    assert_eq!(error["error"]["field"], "model", "{error}");
    let page = browser
        .get(&app, "/funding-ledger?year=2027/28&model=hours")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("<strong id=\"ledger-model\">Hours</strong>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Illustrative band 3"), "{}", page.body);
}

#[actix_web::test]
async fn register_over_the_api_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn register_over_the_api_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}
