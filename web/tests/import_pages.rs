//! The admin's import page in process, on SQLite and PostgreSQL, over the demo data: a
//! dry run of a plans export lists each bad row and column in a table and writes
//! nothing; the import then writes the good rows and says how many; running it again
//! skips them; a file missing a column comes back on the form naming it; a caseworker
//! is refused the page and the upload (403) and nothing is written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use crate::support::{ADMIN, Browser, CASEWORKER, Page};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test;
use sendpanel_core::domain::AuthorityId;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;

const BOUNDARY: &str = "sendpanel-import-boundary-41f0";

const PLANS: &str = "reference,given_name,family_name,date_of_birth,upn,plan_issued_on,last_reviewed_on,setting_name,setting_type,primary_need,requested_by,officer_email\n\
OLD-1,Imogen,Tregarthen,2014-04-01,,2022-09-01,2025-09-01,Torre Academy,mainstream,ASD,parent,casey.worker@torbay.example\n\
OLD-2,Kit,Penrose,01/02/2016,,2023-01-10,,Mayfield School,special,SLCN,parent,\n\
OLD-3,Lou,Polglaze,2015-06-06,,2030-01-01,,Mayfield School,special,SLCN,parent,\n\
OLD-4,Max,Rowe,2013-03-03,,2021-05-05,,Mayfield School,special,DYSLEXIA,parent,nobody@torbay.example\n";

fn torbay() -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse("torbay").unwrap())
}

fn cases(db: &Database) -> usize {
    db.read(|tx| tx.list_cases(&torbay())).unwrap().len()
}

/// Posts the import form as a browser does: the CSRF token first, the choices, the file.
async fn post<S>(
    browser: &mut Browser,
    app: &S,
    csrf: &str,
    kind: &str,
    mode: &str,
    file: &str,
) -> Page
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut body = String::new();
    for (name, value) in [("csrf_token", csrf), ("kind", kind), ("mode", mode)] {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plans.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
    ));
    let request = test::TestRequest::post()
        .uri("/admin/import")
        .insert_header((
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(body);
    browser.send(app, request).await
}

async fn admin_imports(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut browser = Browser::default();
    browser.sign_in(&app, ADMIN).await;
    let admin = browser.get(&app, "/admin").await;
    assert!(admin.body.contains("href=\"/admin/import\""));
    let page = browser.get(&app, "/admin/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = page.csrf();
    let before = cases(&db);

    // The dry run: every problem in the table, by row and column; nothing written.
    let page = post(&mut browser, &app, &csrf, "plans", "dry_run", PLANS).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Dry run of the plans import"),
        "{}",
        page.body
    );
    assert!(page.body.contains("nothing was written"));
    let row = |n: u32, column: &str| {
        format!(
            "<td class=\"govuk-table__cell govuk-table__cell--numeric\">{n}</td>\n      <td class=\"govuk-table__cell\"><code>{column}</code></td>"
        )
    };
    assert!(
        page.body.contains(&row(4, "plan_issued_on")),
        "{}",
        page.body
    );
    assert!(page.body.contains("2030-01-01 is in the future"));
    assert!(page.body.contains(&row(5, "primary_need")));
    assert!(page.body.contains(&row(5, "officer_email")));
    assert!(!page.body.contains(&row(2, "upn")) && !page.body.contains(&row(3, "upn")));
    assert_eq!(
        page.body.matches("govuk-table__cell--numeric\">").count(),
        3
    );
    assert_eq!(cases(&db), before, "a dry run writes nothing");

    // The import: the two good plans, the two bad ones refused.
    let page = post(&mut browser, &app, &csrf, "plans", "import", PLANS).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("The plans import"));
    assert!(
        page.body
            .contains("Imported</dt>\n    <dd class=\"govuk-summary-list__value\">2</dd>"),
        "{}",
        page.body
    );
    assert_eq!(cases(&db), before + 2);

    // Again: skipped, nothing added.
    let page = post(&mut browser, &app, &csrf, "plans", "import", PLANS).await;
    assert!(
        page.body.contains(
            "Skipped, already imported</dt>\n    <dd class=\"govuk-summary-list__value\">2</dd>"
        ),
        "{}",
        page.body
    );
    assert_eq!(cases(&db), before + 2);

    // A file without a required column: the form again, naming it.
    let page = post(&mut browser, &app, &csrf, "requests", "dry_run", PLANS).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("The selected file cannot be imported"),
        "{}",
        page.body
    );
    assert!(page.body.contains("plan_issued_on"));
    assert!(page.body.contains("<a href=\"#file\">"));
}

async fn caseworker_is_refused(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let page = browser.get(&app, "/admin/import").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let before = cases(&db);
    let page = post(&mut browser, &app, "not-a-token", "plans", "import", PLANS).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(cases(&db), before);
}

#[actix_web::test]
async fn admin_imports_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    admin_imports(db.db.clone()).await;
}

#[actix_web::test]
async fn admin_imports_on_postgres() {
    let db = TestDb::postgres().unwrap();
    admin_imports(db.db.clone()).await;
}

#[actix_web::test]
async fn caseworker_is_refused_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    caseworker_is_refused(db.db.clone()).await;
}

#[actix_web::test]
async fn caseworker_is_refused_on_postgres() {
    let db = TestDb::postgres().unwrap();
    caseworker_is_refused(db.db.clone()).await;
}
