//! Issue 13, through the pages and the API: a copied session cookie stops working
//! after sign-out, after "sign out everywhere", after an admin disables the account
//! and after a password change; a disabled user's API token is refused at once; an
//! admin without an authenticator app must set one up before anything else, and then
//! signs in with a code; a forgotten password is reset by an e-mailed link. Both
//! databases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test;
use sendpanel_core::domain::{AuthorityId, Email, TotpSecret};
use sendpanel_core::identity::{self, two_factor};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_web::state::AccountMail;

use crate::support::{self, ADMIN, Browser, CASEWORKER};

fn torbay() -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse("torbay").unwrap())
}

/// A request carrying `cookie` as a browser that kept a copy would send it.
async fn with_cookie<S>(
    app: &S,
    cookie: &actix_web::cookie::Cookie<'static>,
    path: &str,
) -> StatusCode
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse,
            Error = actix_web::Error,
        >,
{
    let request = test::TestRequest::get()
        .uri(path)
        .cookie(cookie.clone())
        .to_request();
    test::call_service(app, request).await.status()
}

async fn copied_cookies_stop_working(db: Database) {
    let app = support::app(support::demo_state(&db)).await;

    // Sign out: the copy taken before is refused, not only the browser's own cookie.
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let copy = browser.cookie.clone().unwrap();
    assert_eq!(with_cookie(&app, &copy, "/caseload").await, StatusCode::OK);
    let page = browser.submit(&app, "/caseload", "/sign-out", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        with_cookie(&app, &copy, "/caseload").await,
        StatusCode::SEE_OTHER,
        "replayed after sign-out"
    );

    // Sign out everywhere: every browser's session ends.
    let (mut laptop, mut phone) = (Browser::default(), Browser::default());
    laptop.sign_in(&app, CASEWORKER).await;
    phone.sign_in(&app, CASEWORKER).await;
    let page = laptop
        .submit(&app, "/account", "/account/sign-out-everywhere", &[])
        .await;
    assert_eq!(page.location.as_deref(), Some("/sign-in"));
    assert_eq!(
        phone.get(&app, "/caseload").await.status,
        StatusCode::SEE_OTHER,
        "the other browser is out"
    );

    // A password change: older copies end, the browser that changed it carries on.
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let copy = browser.cookie.clone().unwrap();
    let page = browser
        .submit(
            &app,
            "/account",
            "/account/password",
            &[
                ("current_password", "wrong password here"),
                ("new_password", "quiet harbour lantern seventeen"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("Your current password is not right"),
        "{}",
        page.body
    );
    let page = browser
        .submit(
            &app,
            "/account",
            "/account/password",
            &[
                ("current_password", support::DEMO_PASSWORD),
                ("new_password", "password1234"),
            ],
        )
        .await;
    assert!(
        page.body.contains("New password is too easy to guess"),
        "{}",
        page.body
    );
    let page = browser
        .submit(
            &app,
            "/account",
            "/account/password",
            &[
                ("current_password", support::DEMO_PASSWORD),
                ("new_password", "quiet harbour lantern seventeen"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        with_cookie(&app, &copy, "/caseload").await,
        StatusCode::SEE_OTHER,
        "replayed after a password change"
    );
    let page = browser.get(&app, "/account?changed=password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your password has been changed"),
        "{}",
        page.body
    );
}

async fn disabling_a_user_ends_their_session_and_token(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    let copy = caseworker.cookie.clone().unwrap();
    let email = Email::parse(CASEWORKER).unwrap();
    let (_, token) =
        identity::issue_token(&db, &torbay(), &email, None, &support::clock()).unwrap();
    let api = |token: String| {
        test::TestRequest::get()
            .uri("/api/v1/caseload")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    assert_eq!(
        test::call_service(&app, api(token.clone())).await.status(),
        StatusCode::OK
    );

    let mut admin = Browser::default();
    admin.sign_in(&app, ADMIN).await;
    let casey = db
        .read(|tx| tx.find_user_by_email(&torbay(), &email))
        .unwrap()
        .unwrap();
    let page = admin.get(&app, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Last signed in"), "{}", page.body);
    let page = admin
        .submit(
            &app,
            "/admin/users",
            &format!("/admin/users/{}/disable", casey.id),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    assert_eq!(
        with_cookie(&app, &copy, "/caseload").await,
        StatusCode::SEE_OTHER,
        "replayed after disable"
    );
    assert_eq!(
        caseworker.get(&app, "/caseload").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        test::call_service(&app, api(token)).await.status(),
        StatusCode::UNAUTHORIZED,
        "token refused at once"
    );
    let page = caseworker
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", CASEWORKER), ("password", support::DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("This account has been disabled"),
        "{}",
        page.body
    );
    let page = admin.get(&app, "/admin/users").await;
    assert!(page.body.contains("Disabled"), "{}", page.body);

    // An admin cannot switch themselves off: refused, nothing changed.
    let me = db
        .read(|tx| tx.find_user_by_email(&torbay(), &Email::parse(ADMIN).unwrap()))
        .unwrap()
        .unwrap();
    let page = admin
        .submit(
            &app,
            "/admin/users",
            &format!("/admin/users/{}/disable", me.id),
            &[],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        db.read(|tx| tx.get_account(&torbay(), me.id))
            .unwrap()
            .is_enabled()
    );

    // Enabled again, they can sign in; a role change applies on the next page.
    let page = admin
        .submit(
            &app,
            "/admin/users",
            &format!("/admin/users/{}/enable", casey.id),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    caseworker.sign_in(&app, CASEWORKER).await;
    assert_eq!(
        caseworker.get(&app, "/caseload").await.status,
        StatusCode::OK
    );
    admin
        .submit(
            &app,
            "/admin/users",
            &format!("/admin/users/{}/role", casey.id),
            &[("role", "panel_member")],
        )
        .await;
    assert_eq!(
        caseworker.get(&app, "/").await.location.as_deref(),
        Some("/sittings"),
        "now a panel member"
    );
}

async fn an_admin_sets_up_and_then_uses_an_authenticator(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let admin_id = db
        .read(|tx| tx.find_user_by_email(&torbay(), &Email::parse(ADMIN).unwrap()))
        .unwrap()
        .unwrap()
        .id;
    // Start from an admin with no second factor, as a new council's first admin is.
    db.write(|tx| tx.set_totp_secret(&torbay(), admin_id, None))
        .unwrap();
    let mut browser = Browser::default();
    let page = browser
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", ADMIN), ("password", support::DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/"));
    for path in ["/", "/admin/plugins", "/caseload", "/account"] {
        let page = browser.get(&app, path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            page.location.as_deref(),
            Some("/account/two-factor"),
            "{path}"
        );
    }
    let page = browser.get(&app, "/account/two-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Admins must use an authenticator app"),
        "{}",
        page.body
    );
    let key_start = page.body.find("id=\"setup-key\">").unwrap() + "id=\"setup-key\">".len();
    let key: String = page.body[key_start..]
        .chars()
        .take_while(|c| *c != '<')
        .filter(|c| !c.is_whitespace())
        .collect();
    let secret = TotpSecret::from_stored(key);
    let page = browser
        .submit(
            &app,
            "/account/two-factor",
            "/account/two-factor",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = two_factor::code_at(&secret, chrono::Utc::now()).unwrap();
    let page = browser
        .submit(
            &app,
            "/account/two-factor",
            "/account/two-factor",
            &[("code", &code)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.body.matches("<li><code>").count(),
        two_factor::RECOVERY_CODES
    );
    let recovery = {
        let start = page.body.find("<li><code>").unwrap() + "<li><code>".len();
        page.body[start..start + 11].to_owned()
    };
    assert_eq!(
        browser.get(&app, "/admin/plugins").await.status,
        StatusCode::OK
    );

    // Next time: the password, then a code; no session until the code.
    let mut again = Browser::default();
    let page = again
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[("email", ADMIN), ("password", support::DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/sign-in/two-factor"));
    assert_eq!(
        again.get(&app, "/caseload").await.location.as_deref(),
        Some("/sign-in"),
        "not signed in yet"
    );
    let page = again
        .submit(
            &app,
            "/sign-in/two-factor",
            "/sign-in/two-factor",
            &[("code", &code)],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNAUTHORIZED,
        "the enrolment code is spent"
    );
    let page = again
        .submit(
            &app,
            "/sign-in/two-factor",
            "/sign-in/two-factor",
            &[("code", &recovery)],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/"), "{}", page.body);
    assert_eq!(
        again.get(&app, "/admin/plugins").await.status,
        StatusCode::OK
    );
}

async fn a_forgotten_password_is_reset_by_link(db: Database) {
    let mut state = support::demo_state(&db);
    support::install_letters(&db);
    state.account_mail = Some(Arc::new(AccountMail {
        public_url: "https://send.example.gov.uk".into(),
        from_address: "send-team@torbay.example".into(),
        from_name: "sendpanel".into(),
        letters: None,
    }));
    let app = support::app(state).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/sign-in").await;
    assert!(page.body.contains("/forgotten-password"), "{}", page.body);
    let before = db.read(|tx| tx.list_outbox(&torbay(), None)).unwrap().len();
    for email in ["nobody@torbay.example", CASEWORKER] {
        let page = browser
            .submit(
                &app,
                "/forgotten-password",
                "/forgotten-password",
                &[("email", email)],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Check your email"),
            "the same answer for {email}"
        );
    }
    let outbox = db.read(|tx| tx.list_outbox(&torbay(), None)).unwrap();
    assert_eq!(outbox.len(), before + 1, "one link, to the real account");
    let message = String::from_utf8(outbox.last().unwrap().message.clone())
        .unwrap()
        .replace("=\r\n", "");
    let token: String = message
        .split("https://send.example.gov.uk/reset-password/")
        .nth(1)
        .unwrap()
        .chars()
        .take(64)
        .collect();
    let path = format!("/reset-password/{token}");
    let page = browser
        .submit(&app, &path, &path, &[("new_password", "123456789012")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = browser
        .submit(
            &app,
            &path,
            &path,
            &[("new_password", "quiet harbour lantern seventeen")],
        )
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/sign-in?reset=done"),
        "{}",
        page.body
    );
    let page = browser.get(&app, &path).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("This link cannot be used"));
    let page = browser
        .submit(
            &app,
            "/sign-in",
            "/sign-in",
            &[
                ("email", CASEWORKER),
                ("password", "quiet harbour lantern seventeen"),
            ],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/"));
}

async fn an_admin_exports_a_childs_record_for_subject_access(db: Database) {
    use std::io::Read;
    let app = support::app(support::demo_state(&db)).await;
    let case = db.read(|tx| tx.list_cases(&torbay())).unwrap()[0].clone();
    let child = db
        .read(|tx| tx.get_child(&torbay(), case.child_id))
        .unwrap();
    let wiltshire = AuthorityScope::new(AuthorityId::parse("wiltshire").unwrap());
    let theirs = db.read(|tx| tx.list_cases(&wiltshire)).unwrap()[0].child_id;
    let path = format!("/children/{}/subject-access.zip", case.child_id);

    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    assert_eq!(
        caseworker.get(&app, &path).await.status,
        StatusCode::FORBIDDEN,
        "admins only"
    );
    assert!(
        !caseworker
            .get(&app, &format!("/cases/{}", case.id))
            .await
            .body
            .contains("subject-access.zip")
    );

    let mut admin = Browser::default();
    admin.sign_in(&app, ADMIN).await;
    let page = admin.get(&app, &format!("/cases/{}", case.id)).await;
    assert!(
        page.body.contains(&path),
        "the case page links to the export: {}",
        page.body
    );
    let other = format!("/children/{theirs}/subject-access.zip");
    assert_eq!(
        admin.get(&app, &other).await.status,
        StatusCode::NOT_FOUND,
        "another authority's child"
    );

    let request = test::TestRequest::get()
        .uri(&path)
        .cookie(admin.cookie.clone().unwrap())
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/zip"
    );
    let bytes = test::read_body(response).await.to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the archive"))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    assert!(read("child.json").contains(child.family_name.as_str()));
    let facts = read(&format!("cases/{}/facts.json", case.id));
    assert!(facts.contains("request_received"), "{facts}");
    read(&format!("cases/{}/decisions.json", case.id));
    read(&format!("cases/{}/advice.json", case.id));
    let log = read("access-log.json");
    assert!(
        log.contains("\"case_page\""),
        "the admin's earlier read is in the log: {log}"
    );
    assert!(
        log.contains("\"subject_access\""),
        "and the export itself: {log}"
    );
    assert!(read("README.txt").contains("UK GDPR art. 15"));
    // The auditor sees the export in the access log.
    let reads = db
        .read(|tx| {
            tx.list_access(
                &torbay(),
                &sendpanel_core::access::AccessFilter {
                    child: Some(case.child_id),
                    user: None,
                },
                100,
                0,
            )
        })
        .unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r.what == sendpanel_core::access::AccessKind::SubjectAccess)
    );
}

#[actix_web::test]
async fn an_admin_exports_a_childs_record_for_subject_access_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    an_admin_exports_a_childs_record_for_subject_access(test_db.db.clone()).await;
}

#[actix_web::test]
async fn an_admin_exports_a_childs_record_for_subject_access_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    an_admin_exports_a_childs_record_for_subject_access(test_db.db.clone()).await;
}

#[actix_web::test]
async fn copied_cookies_stop_working_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    copied_cookies_stop_working(test_db.db.clone()).await;
}

#[actix_web::test]
async fn copied_cookies_stop_working_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    copied_cookies_stop_working(test_db.db.clone()).await;
}

#[actix_web::test]
async fn disabling_a_user_ends_their_session_and_token_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    disabling_a_user_ends_their_session_and_token(test_db.db.clone()).await;
}

#[actix_web::test]
async fn disabling_a_user_ends_their_session_and_token_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    disabling_a_user_ends_their_session_and_token(test_db.db.clone()).await;
}

#[actix_web::test]
async fn an_admin_sets_up_and_then_uses_an_authenticator_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    an_admin_sets_up_and_then_uses_an_authenticator(test_db.db.clone()).await;
}

#[actix_web::test]
async fn an_admin_sets_up_and_then_uses_an_authenticator_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    an_admin_sets_up_and_then_uses_an_authenticator(test_db.db.clone()).await;
}

#[actix_web::test]
async fn a_forgotten_password_is_reset_by_link_on_sqlite() {
    let test_db = TestDb::sqlite().unwrap();
    a_forgotten_password_is_reset_by_link(test_db.db.clone()).await;
}

#[actix_web::test]
async fn a_forgotten_password_is_reset_by_link_on_postgres() {
    let test_db = TestDb::postgres().unwrap();
    a_forgotten_password_is_reset_by_link(test_db.db.clone()).await;
}
