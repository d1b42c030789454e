//! The service's edges as an outsider meets them: every response carries the security
//! headers (a page cannot be framed, nothing personal is cached, HSTS when configured),
//! pages run no inline script or style (so the policy can forbid them), `/readyz` says
//! only ready or not, a refused write never shows the database's own words, and typed
//! text with control characters is refused naming the field.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support::{self, Browser, CASEWORKER};
use actix_web::http::header::HeaderMap;
use actix_web::http::{StatusCode, header};
use actix_web::{App, test};
use sendpanel_core::store::Database;
use sendpanel_tests::TestDb;
use sendpanel_web::headers::{CONTENT_SECURITY_POLICY, SecurityHeaders};
use sendpanel_web::server::routes;

fn header<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// The headers every page and API answer must carry.
fn assert_protected(headers: &HeaderMap, what: &str) {
    let csp = header(headers, &header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: CSP {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: CSP {csp}");
    assert_eq!(header(headers, &header::X_FRAME_OPTIONS), "DENY", "{what}");
    assert_eq!(
        header(headers, &header::CACHE_CONTROL),
        "no-store",
        "{what}"
    );
    assert_eq!(
        header(headers, &header::REFERRER_POLICY),
        "no-referrer",
        "{what}"
    );
    assert_eq!(
        header(headers, &header::X_CONTENT_TYPE_OPTIONS),
        "nosniff",
        "{what}"
    );
}

/// Every `<script>` loads a file from this site and no `<style>` is inline: the policy
/// allows nothing else, so an inline one would silently not run.
fn assert_no_inline_code(body: &str, what: &str) {
    for script in body.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains("src=\"/assets/"),
            "{what}: inline script <script{tag}>"
        );
    }
    assert!(!body.contains("<style"), "{what}: inline style");
    assert!(!body.contains(" style=\""), "{what}: style attribute");
}

async fn headers_scenario(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut browser = Browser::default();
    // Signed out: the sign-in page.
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/sign-in").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_protected(response.headers(), "/sign-in");
    assert_eq!(
        header(response.headers(), &header::STRICT_TRANSPORT_SECURITY),
        "max-age=31536000",
        "public_url is https in this app"
    );
    let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert_no_inline_code(&body, "/sign-in");

    // Signed in: the caseload and a case, with a child's details.
    browser.sign_in(&app, CASEWORKER).await;
    let cookie = browser.cookie.clone().unwrap();
    let caseload = browser.get(&app, "/caseload").await;
    let case = caseload
        .body
        .split("href=\"/cases/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    for path in [
        "/caseload".to_owned(),
        format!("/cases/{case}"),
        "/dashboard".into(),
    ] {
        let response = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&path)
                .cookie(cookie.clone())
                .to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_protected(response.headers(), &path);
        let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
        assert_no_inline_code(&body, &path);
    }

    // An error page and an API answer, refused or not, are protected the same way.
    for path in ["/cases/not-a-case", "/api/v1/caseload"] {
        let response = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(path)
                .cookie(cookie.clone())
                .to_request(),
        )
        .await;
        assert!(response.status().is_client_error(), "{path}");
        assert_protected(response.headers(), path);
    }

    // The stylesheet and scripts the pages load are served, and may be cached.
    for asset in [
        "/assets/govuk-frontend.min.css",
        "/assets/sendpanel.css",
        "/assets/js-enabled.js",
        "/assets/init.js",
    ] {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(asset).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert_eq!(
            header(response.headers(), &header::CACHE_CONTROL),
            "public, max-age=3600",
            "{asset}"
        );
        assert_eq!(
            header(response.headers(), &header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
    }
}

#[actix_web::test]
async fn security_headers_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    headers_scenario(test_db.db.clone()).await;
}

#[actix_web::test]
async fn security_headers_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    headers_scenario(test_db.db.clone()).await;
}

#[actix_web::test]
async fn no_hsts_unless_the_public_url_is_https() {
    let app = test::init_service(
        App::new()
            .wrap(actix_web::middleware::from_fn(|request, next| {
                SecurityHeaders::default().apply(request, next)
            }))
            .route(
                "/healthz",
                actix_web::web::get().to(actix_web::HttpResponse::Ok),
            ),
    )
    .await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert!(
        !response
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    assert_eq!(
        header(response.headers(), &header::CONTENT_SECURITY_POLICY),
        CONTENT_SECURITY_POLICY
    );
}

async fn readyz_scenario(test_db: &TestDb) {
    let state = support::demo_state(&test_db.db);
    let app = test::init_service(
        App::new()
            .app_data(actix_web::web::Data::new(state))
            .configure(routes),
    )
    .await;
    let ready: serde_json::Value =
        test::call_and_read_body_json(&app, test::TestRequest::get().uri("/readyz").to_request())
            .await;
    assert_eq!(ready, serde_json::json!({ "status": "ready" }));
    // A newer binary migrated the database: not ready, and nothing about why (the
    // migration, the driver's words, the database's address) reaches the caller.
    test_db
        .db
        .write(|tx| {
            tx.execute_raw_for_tests(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')",
            )
        })
        .unwrap();
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert_eq!(body, r#"{"status":"not_ready"}"#);
}

#[actix_web::test]
async fn readyz_says_only_ready_or_not_on_sqlite() {
    readyz_scenario(&TestDb::sqlite().unwrap()).await;
}

#[actix_web::test]
async fn readyz_says_only_ready_or_not_on_postgres() {
    readyz_scenario(&TestDb::postgres().unwrap()).await;
}

fn request_form<'a>(
    given_name: &'a str,
    upn: &'a str,
    summary: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("given_name", given_name),
        ("family_name", "Example"),
        ("date_of_birth-day", "14"),
        ("date_of_birth-month", "3"),
        ("date_of_birth-year", "2016"),
        ("upn", upn),
        ("received_on-day", "20"),
        ("received_on-month", "11"),
        ("received_on-year", "2026"),
        ("requested_by", "parent"),
        ("requester", "Ms K. Example, parent"),
        ("setting_type", "mainstream"),
        ("primary_need", "SLCN"),
        ("summary", summary),
    ]
}

async fn control_characters_scenario(db: Database) {
    use sendpanel_core::domain::{AuthorityId, Email};
    use sendpanel_core::store::AuthorityScope;
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let cases = |db: &Database| db.read(|tx| tx.list_cases(&torbay)).unwrap().len();
    let app = support::app(support::demo_state(&db)).await;
    let before = cases(&db);

    // The page: a name with CR LF (or a NUL) is refused beside the field; nothing made.
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let upn = sendpanel_tests::fixtures::upn(880, 951).to_string();
    for name in ["Sam\r\nBcc: x@example.org", "Sa\0m"] {
        let page = browser
            .submit(
                &app,
                "/requests/new",
                "/requests/new",
                &request_form(name, &upn, "Support."),
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{name:?}");
        assert!(
            page.body.contains("<a href=\"#given_name\">"),
            "{}",
            page.body
        );
        assert!(page.body.contains("no control characters"), "{}", page.body);
    }
    assert_eq!(cases(&db), before);

    // The API: the same rule, naming the field; a summary keeps its line breaks.
    let (_, token) = sendpanel_core::identity::issue_token(
        &db,
        &torbay,
        &Email::parse(CASEWORKER).unwrap(),
        Some("edges"),
        &support::clock(),
    )
    .unwrap();
    let body = |given_name: &str, summary: &str| {
        serde_json::json!({
            "given_name": given_name, "family_name": "Example", "date_of_birth": "2016-03-14",
            "upn": upn, "received_on": "2026-11-20", "requested_by": "parent",
            "requester": "Ms K. Example, parent", "setting_type": "mainstream",
            "primary_need": "SLCN", "summary": summary,
        })
    };
    let post = |json: serde_json::Value| {
        test::TestRequest::post()
            .uri("/api/v1/requests")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(json)
            .to_request()
    };
    let response = test::call_service(&app, post(body("Sam\u{0}", "Support."))).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(refused["error"]["field"], "given_name", "{refused}");
    let response = test::call_service(
        &app,
        post(body(
            "Sam",
            "Two cycles of support.\r\nLittle \u{1b}progress.",
        )),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(refused["error"]["field"], "summary", "{refused}");
    assert_eq!(cases(&db), before);
    let response = test::call_service(
        &app,
        post(body("Sam", "Two cycles of support.\r\nLittle progress.")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(cases(&db), before + 1);
}

#[actix_web::test]
async fn control_characters_are_refused_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    control_characters_scenario(test_db.db.clone()).await;
}

#[actix_web::test]
async fn control_characters_are_refused_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    control_characters_scenario(test_db.db.clone()).await;
}
