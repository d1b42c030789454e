//! The pages in process, on SQLite and PostgreSQL, over the demo data: a wrong password
//! is refused with a GOV.UK error and the right one signs in; the caseload lists the
//! open cases by next deadline with overdue and at-risk tags; a new request with fields
//! missing lists each in the error summary and creates nothing; a form without its CSRF
//! token is 403 and creates nothing; a good request opens its case page; another
//! authority's case is 404; signing out ends the session; GOV.UK Frontend is served
//! without the crown or the GOV.UK Transport typeface.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use crate::support::{ADMIN, Browser, CASEWORKER, DEMO_PASSWORD, clock};
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{App, test};
use sendpanel_core::domain::AuthorityId;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::Clock;
use sendpanel_core::workflow;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::upn;
use sendpanel_web::server::routes;

fn case_count(db: &Database, scope: &AuthorityScope) -> usize {
    db.read(|tx| tx.list_cases(scope)).unwrap().len()
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let wiltshire = AuthorityScope::new(AuthorityId::parse("wiltshire").unwrap());
    let app = support::app(support::demo_state(&db)).await;
    let mut browser = Browser::default();

    // Not signed in: every page sends you to sign in.
    for path in ["/", "/caseload", "/requests/new"] {
        let page = browser.get(&app, path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some("/sign-in"), "{path}");
    }

    // The sign-in page: GOV.UK layout, Generic header, no crown, no Transport font.
    let page = browser.get(&app, "/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "<html lang=\"en-GB\"",
        "class=\"govuk-skip-link\"",
        "<main class=\"govuk-main-wrapper\" id=\"main-content\"",
        "class=\"govuk-header\"",
        "class=\"govuk-footer\"",
        "<label class=\"govuk-label\" for=\"email\">",
    ] {
        assert!(page.body.contains(needle), "{needle} in {}", page.body);
    }
    assert!(!page.body.contains("<svg"), "no crown: {}", page.body);
    let csrf = page.csrf();

    // A wrong password: a GOV.UK error, and still not signed in.
    let page = browser
        .post(
            &app,
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("email", CASEWORKER),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("govuk-error-summary"), "{}", page.body);
    assert!(page.body.contains("<a href=\"#email\">"), "{}", page.body);
    assert!(page.body.contains("govuk-error-message"));
    assert!(page.body.contains(&format!("value=\"{CASEWORKER}\"")));
    assert_eq!(browser.get(&app, "/").await.status, StatusCode::SEE_OTHER);

    // An unknown address gets the same answer.
    let page = browser
        .post(
            &app,
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("email", "nobody@torbay.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);

    // The sign-in form itself needs its token.
    let page = browser
        .post(
            &app,
            "/sign-in",
            &[("email", CASEWORKER), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The right password: a new session, and the caseload.
    let before = browser.cookie.clone();
    let page = browser
        .post(
            &app,
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("email", CASEWORKER),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/"));
    let cookie = browser.cookie.clone().expect("a session cookie");
    assert_ne!(Some(cookie.value()), before.as_ref().map(Cookie::value));
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.same_site(), Some(actix_web::cookie::SameSite::Lax));

    // The caseload: open cases by next deadline, with overdue and at-risk tags.
    let page = browser.get(&app, "/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Torbay Council"), "{}", page.body);
    assert!(page.body.contains("<table class=\"govuk-table\">"));
    let expected = workflow::caseload(&db, &torbay, clock().today()).unwrap();
    assert!(expected.len() >= 10, "the demo's Torbay cases");
    let positions: Vec<usize> = expected
        .iter()
        .map(|entry| {
            page.body
                .find(&format!("href=\"/cases/{}\"", entry.id))
                .unwrap_or_else(|| panic!("case {} listed", entry.id))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "next deadline first"
    );
    let overdue = expected
        .iter()
        .filter(|e| e.next_deadline.as_ref().is_some_and(|d| d.overdue))
        .count();
    let at_risk = expected
        .iter()
        .filter(|e| e.next_deadline.as_ref().is_some_and(|d| d.at_risk))
        .count();
    assert!(overdue + at_risk > 0, "the demo has cases near their limit");
    assert_eq!(
        page.body
            .matches("<strong class=\"govuk-tag govuk-tag--red\">Overdue</strong>")
            .count(),
        overdue
    );
    assert_eq!(
        page.body
            .matches("<strong class=\"govuk-tag govuk-tag--orange\">At risk</strong>")
            .count(),
        at_risk
    );
    assert_eq!(browser.get(&app, "/caseload").await.status, StatusCode::OK);

    // A new request with every required field missing: each named and linked, nothing made.
    let cases_before = case_count(&db, &torbay);
    let form = browser.get(&app, "/requests/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let page = browser
        .post(
            &app,
            "/requests/new",
            &[("csrf_token", &csrf), ("given_name", "Alex")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("<title>Error: Log a new request"));
    let summary_start = page
        .body
        .find("govuk-error-summary")
        .expect("an error summary");
    let form_start = page.body.find("action=\"/requests/new\"").unwrap();
    assert!(summary_start < form_start, "the summary is at the top");
    for (anchor, text) in [
        ("#family_name", "Enter the child&#x27;s family name"),
        ("#date_of_birth-day", "Enter the child&#x27;s date of birth"),
        (
            "#received_on-day",
            "Enter the date the request was received",
        ),
        ("#requested_by", "Select who made the request"),
        ("#requester", "Enter the requester&#x27;s name and role"),
        ("#setting_type", "Select the child&#x27;s setting"),
        ("#primary_need", "Select the primary need"),
        ("#summary", "Enter a summary of the request"),
    ] {
        let link = format!("<li><a href=\"{anchor}\">{text}</a></li>");
        assert!(page.body.contains(&link), "{link} in {}", page.body);
        let id = anchor.trim_start_matches('#');
        assert!(page.body.contains(&format!("id=\"{id}\"")), "field {id}");
    }
    assert!(!page.body.contains("<a href=\"#given_name\">"));
    // The UPN is optional (under-5s, post-16 and home-educated children may have none).
    assert!(!page.body.contains("<a href=\"#upn\">"));
    assert!(
        page.body.contains("value=\"Alex\""),
        "what was typed is kept"
    );
    assert_eq!(case_count(&db, &torbay), cases_before);

    // A whole request without the CSRF token: 403, nothing made.
    let good_upn = upn(880, 901).to_string();
    let mut good = vec![
        ("given_name", "Sam"),
        ("family_name", "Example"),
        ("date_of_birth-day", "14"),
        ("date_of_birth-month", "3"),
        ("date_of_birth-year", "2016"),
        ("upn", good_upn.as_str()),
        ("received_on-day", "20"),
        ("received_on-month", "11"),
        ("received_on-year", "2026"),
        ("requested_by", "parent"),
        ("requester", "Ms K. Example, parent"),
        ("setting_type", "mainstream"),
        ("primary_need", "SLCN"),
        (
            "summary",
            "Speech and language support since Reception; little progress.",
        ),
    ];
    let page = browser.post(&app, "/requests/new", &good).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("You cannot do that"));
    good.push(("csrf_token", "0".repeat(64).leak()));
    let page = browser.post(&app, "/requests/new", &good).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "a wrong token");
    assert_eq!(case_count(&db, &torbay), cases_before);

    // With it: the case page, with its deadline and rule and its timeline.
    good.pop();
    good.push(("csrf_token", csrf.as_str()));
    let page = browser.post(&app, "/requests/new", &good).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.unwrap();
    assert!(location.starts_with("/cases/"), "{location}");
    assert_eq!(case_count(&db, &torbay), cases_before + 1);
    let page = browser.get(&app, &location).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("govuk-summary-list"));
    assert!(page.body.contains("Ms K. Example, parent"));
    assert!(
        page.body.contains("Decide whether to assess"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("1 January 2027"),
        "20 Nov + 42 days: {}",
        page.body
    );
    assert!(page.body.contains("reg. 5(1)"), "the rule: {}", page.body);
    assert!(page.body.contains("Request received"), "{}", page.body);
    // The child's name heads the page; no decision is recorded yet.
    assert!(
        page.body
            .contains("<h1 class=\"govuk-heading-l\">Sam Example</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("No decision yet."), "{}", page.body);

    // Another authority's case is not found.
    let theirs = db.read(|tx| tx.list_cases(&wiltshire)).unwrap();
    let theirs = theirs.first().expect("a Wiltshire demo case");
    let page = browser.get(&app, &format!("/cases/{}", theirs.id)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"));
    // The error page keeps the signed-in header: the menu and sign-out.
    assert!(page.body.contains("Sign out"), "{}", page.body);
    assert!(page.body.contains("href=\"/caseload\""), "{}", page.body);
    assert_eq!(
        browser.get(&app, "/cases/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    // A visitor who is not signed in gets the error page without them.
    let page = Browser::default()
        .post(
            &app,
            "/sign-in",
            &[("email", CASEWORKER), ("password", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("You cannot do that"), "{}", page.body);
    assert!(!page.body.contains("Sign out"), "{}", page.body);

    // Signing out needs the token too, then ends the session.
    let page = browser.post(&app, "/sign-out", &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser
        .post(&app, "/sign-out", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/sign-in"));
    assert!(browser.cookie.is_none(), "the cookie is removed");
    let page = browser.get(&app, "/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/sign-in"));
}

/// A session ends an hour after the last page, and ten hours after sign-in however
/// busy; the copy of the cookie a browser kept is then worth nothing.
async fn session_timeouts(db: Database) {
    let clock = sendpanel_tests::journey::SteppedClock::starting(clock());
    let mut state = support::demo_state(&db);
    state.clock = clock.clone();
    let app = support::app(state).await;
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;

    // Busy: a page every 50 minutes keeps the session for nine hours and more.
    for _ in 0..11 {
        clock.advance(chrono::Duration::minutes(50));
        let page = browser.get(&app, "/caseload").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    // 9 h 10 min in; past 10 h it ends whatever.
    clock.advance(chrono::Duration::minutes(51));
    let page = browser.get(&app, "/caseload").await;
    assert_eq!(page.location.as_deref(), Some("/sign-in"), "ten hours");

    // Signed in again, then away for 61 minutes.
    browser.sign_in(&app, CASEWORKER).await;
    let kept = browser.cookie.clone();
    clock.advance(chrono::Duration::minutes(30));
    assert_eq!(browser.get(&app, "/caseload").await.status, StatusCode::OK);
    clock.advance(chrono::Duration::minutes(61));
    let page = browser.get(&app, "/caseload").await;
    assert_eq!(page.location.as_deref(), Some("/sign-in"), "an hour idle");
    // The cookie copied at sign-in is no better.
    browser.cookie = kept;
    let page = browser.get(&app, "/caseload").await;
    assert_eq!(page.location.as_deref(), Some("/sign-in"), "an old copy");
}

/// Guessing a password is slowed: after ten attempts at one address, the next is
/// refused even with the right password, saying why, while other people sign in.
async fn sign_in_attempts_are_limited(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut guesser = Browser::default();
    let csrf = guesser.get(&app, "/sign-in").await.csrf();
    let form = |password| {
        [
            ("csrf_token", csrf.as_str()),
            ("email", CASEWORKER),
            ("password", password),
        ]
    };
    for guess in 1..=10 {
        let page = guesser
            .post(&app, "/sign-in", &form("guess-number-n"))
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "guess {guess}");
    }
    let page = guesser.post(&app, "/sign-in", &form(DEMO_PASSWORD)).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    assert!(
        page.body
            .contains("too many attempts to sign in with this email address"),
        "{}",
        page.body
    );
    let page = guesser.get(&app, "/caseload").await;
    assert_eq!(page.location.as_deref(), Some("/sign-in"), "not signed in");
    // Someone else is not held up.
    Browser::default().sign_in(&app, ADMIN).await;
}

#[actix_web::test]
async fn sign_in_attempts_are_limited_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    sign_in_attempts_are_limited(db.db.clone()).await;
}

#[actix_web::test]
async fn sign_in_attempts_are_limited_on_postgres() {
    let db = TestDb::postgres().unwrap();
    sign_in_attempts_are_limited(db.db.clone()).await;
}

#[actix_web::test]
async fn sessions_time_out_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    session_timeouts(db.db.clone()).await;
}

#[actix_web::test]
async fn sessions_time_out_on_postgres() {
    let db = TestDb::postgres().unwrap();
    session_timeouts(db.db.clone()).await;
}

async fn assets() {
    let app = test::init_service(App::new().configure(routes)).await;
    let css = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/assets/govuk-frontend.min.css")
            .to_request(),
    )
    .await;
    assert_eq!(css.status(), StatusCode::OK);
    let css = String::from_utf8(test::read_body(css).await.to_vec()).unwrap();
    assert!(css.contains(".govuk-header"));
    assert!(
        !css.contains("font-family:GDS Transport,arial"),
        "no Transport font"
    );
    let js = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/assets/govuk-frontend.min.js")
            .to_request(),
    )
    .await;
    assert_eq!(js.status(), StatusCode::OK);
    for missing in [
        "/assets/images/govuk-crest.svg",
        "/assets/fonts/bold-b542beb274-v2.woff2",
        "/assets/../Cargo.toml",
    ] {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(missing).to_request()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
    }
}

#[actix_web::test]
async fn pages_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn pages_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn govuk_frontend_is_served_without_crown_or_transport_font() {
    assets().await;
}
