//! The register of education settings and placements over the JSON API, on SQLite and
//! PostgreSQL: an admin adds a setting (201), a bad URN is 422 naming `urn` with
//! nothing written, a caseworker reads the register but may not add to it (403); an
//! admin decides a jointly funded placement on a demo plan (201) and an independent one
//! without its justification is 422 naming the field.
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
