//! Council sign-in end to end, in headless Chromium: the real server on a loopback
//! port over the demo data, Torbay configured to sign its people in through a real
//! OpenID Provider (the certified npm `oidc-provider`, `sendpanel_tests::oidc`). The
//! person clicks "Sign in with your Torbay Council account", fills in the provider's
//! sign-in page and comes back signed in: a caseworker to the caseload, and an admin
//! without the second factor a password sign-in asks of them (the council's provider
//! owns that). Then each refusal is the sign-in page with its reason in the error
//! summary: an ID token for another audience, an expired one, an address with no
//! account, a disabled account, and someone in no group that gives a role.
//!
//! Never skipped: without Chromium, chromedriver or Node the test fails and names what
//! to install.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use fantoccini::{Client, Locator};
use sendpanel_core::config::{OidcConfig, OidcIssuer};
use sendpanel_core::domain::{AuthorityId, Email, UserRole};
use sendpanel_core::identity::accounts;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_tests::oidc::{OidcProvider, Tamper};
use sendpanel_web::oidc::OidcClients;
use sendpanel_web::server::start_with;
use sendpanel_web::settings::SessionSettings;
use sendpanel_web::state::AppState;

use crate::support::chromium::{axe, click, exclusive, fill, main_text, wait_for, with_browsers};
use crate::support::{ADMIN, Browser, CASEWORKER, SENCO, app, clock, demo_state};

const CLIENT_ID: &str = "sendpanel-torbay";
const CLIENT_SECRET: &str = "a-client-secret-for-tests-only";
const SECRET_ENV: &str = "SENDPANEL_TORBAY_OIDC_SECRET";
const BUTTON: &str = "Sign in with your Torbay Council account";
const CASEWORKERS: &str = "SEN caseworkers";
const ADMINS: &str = "SEN admins";

/// The demo served on a loopback port with Torbay's council sign-in at a real provider
/// registered for the server's callback: the base URL, the server and the provider.
fn serve_with_council_sign_in(db: &Database) -> (String, ServerHandle, OidcProvider) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let callback = format!("{base}/sign-in/council/callback");
    let provider = OidcProvider::start(CLIENT_ID, CLIENT_SECRET, &[&callback]).unwrap();
    let state = council_state(db, &provider);
    let sessions = SessionSettings {
        key: None,
        secure: false,
    };
    let server = start_with(state, &sessions, Default::default(), listener).unwrap();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (base, handle, provider)
}

/// The demo's state with Torbay signing its people in at `provider`.
fn council_state(db: &Database, provider: &OidcProvider) -> AppState {
    let mut state = demo_state(db);
    let mut configs = (*state.authorities).clone();
    let torbay = configs
        .iter_mut()
        .find(|a| a.id.as_str() == "torbay")
        .unwrap();
    torbay.sign_in.oidc = Some(OidcConfig {
        issuer: OidcIssuer::parse(provider.issuer()).unwrap(),
        client_id: CLIENT_ID.into(),
        client_secret_env: SECRET_ENV.into(),
        email_claim: "email".into(),
        groups_claim: Some("groups".into()),
        group_roles: BTreeMap::from([
            (CASEWORKERS.to_owned(), UserRole::Caseworker),
            (ADMINS.to_owned(), UserRole::Admin),
        ]),
    });
    state.oidc = OidcClients::new(&configs, |variable| {
        (variable == SECRET_ENV).then(|| CLIENT_SECRET.to_owned())
    })
    .unwrap();
    state.authorities = Arc::new(configs);
    state
}

/// Starts afresh (no sendpanel session, no session at the provider), clicks the council
/// button, signs in at the provider as `email` in `groups`, and waits to be back at
/// sendpanel with a page drawn.
async fn council_sign_in(client: &Client, base: &str, email: &str, groups: &str) {
    client.goto(&format!("{base}/sign-in")).await.unwrap();
    // Cookies belong to the host, not the port: this forgets the provider's too.
    client.delete_all_cookies().await.unwrap();
    client.goto(&format!("{base}/sign-in")).await.unwrap();
    wait_for(client, &format!("//a[normalize-space()='{BUTTON}']"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, "//form[@id='sign-in']").await;
    fill(client, "email", email).await;
    fill(client, "groups", groups).await;
    click(client, "#sign-in-submit").await;
    let port = base.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = client.current_url().await.unwrap();
        if url.port() == port {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{email}: not back at sendpanel within 20 s (at {url})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for(client, "//main//h1").await;
}

/// Asserts the page is the sign-in page refusing with `message` in the error summary.
async fn refused_with(client: &Client, message: &str) {
    let summary = wait_for(client, "//div[contains(@class,'govuk-error-summary')]")
        .await
        .text()
        .await
        .unwrap();
    assert!(summary.contains("There is a problem"), "{summary}");
    assert!(summary.contains(message), "{message:?} in {summary:?}");
    assert!(client.title().await.unwrap().starts_with("Error: "));
    let heading = client
        .find(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Sign in");
    // Not signed in: the caseload still sends to sign-in.
    let base = client.current_url().await.unwrap();
    client
        .goto(base.join("/caseload").unwrap().as_str())
        .await
        .unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/sign-in");
}

async fn steps(client: &Client, base: &str, provider: &OidcProvider) {
    // The sign-in page offers Torbay's council sign-in, and only Torbay's.
    client.goto(&format!("{base}/sign-in")).await.unwrap();
    let main = main_text(client).await;
    assert!(main.contains(BUTTON), "{main}");
    assert!(!main.contains("Wiltshire Council account"), "{main}");

    // A caseworker in the caseworkers' group: signed in, at the caseload.
    council_sign_in(client, base, CASEWORKER, CASEWORKERS).await;
    wait_for(client, "//h1[normalize-space()='My cases']").await;
    assert_eq!(client.current_url().await.unwrap().path(), "/");
    axe(client, "council-caseload").await;

    // A demo admin has an authenticator enrolled, so a password sign-in asks for a code;
    // through the council's provider, which owns multi-factor, it does not.
    council_sign_in(client, base, ADMIN, ADMINS).await;
    wait_for(client, "//h1[normalize-space()='Caseload']").await;
    client.goto(&format!("{base}/admin/users")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/admin/users");

    // An ID token the provider signed for another client.
    provider
        .tamper_next_id_token(Tamper::WrongAudience)
        .unwrap();
    council_sign_in(client, base, CASEWORKER, CASEWORKERS).await;
    axe(client, "council-refused").await;
    refused_with(
        client,
        "sendpanel could not check who you are with your council's sign-in service",
    )
    .await;

    // An expired ID token.
    provider.tamper_next_id_token(Tamper::Expired).unwrap();
    council_sign_in(client, base, CASEWORKER, CASEWORKERS).await;
    refused_with(client, "sent an answer that has already expired").await;

    // An address with no sendpanel account: said plainly, to its owner.
    council_sign_in(client, base, "nobody.here@torbay.example", CASEWORKERS).await;
    refused_with(
        client,
        "Your council account (nobody.here@torbay.example) has no sendpanel account. Ask your authority's sendpanel administrator to add you",
    )
    .await;

    // A disabled account (switched off before the test began).
    council_sign_in(client, base, SENCO, CASEWORKERS).await;
    refused_with(client, "This account has been disabled").await;

    // In no group that gives a role.
    council_sign_in(client, base, CASEWORKER, "Everyone").await;
    refused_with(
        client,
        "Your council account is not in a group that gives access to sendpanel",
    )
    .await;
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let _chromium = exclusive().await;
    let (base, handle, provider) = serve_with_council_sign_in(&db);
    let senco = db
        .read(|tx| tx.find_user_by_email(&torbay, &Email::parse(SENCO).unwrap()))
        .unwrap()
        .unwrap();
    accounts::disable(&db, &torbay, None, senco.id, &clock()).unwrap();
    with_browsers(1, move |clients| async move {
        steps(&clients[0], &base, &provider).await;
        drop(provider);
    })
    .await;
    handle.stop(false).await;
}

#[actix_web::test]
async fn council_sign_in_in_chromium_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn council_sign_in_in_chromium_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}

/// In process, the answers a browser never reaches in the journey above: an authority
/// that offers no council sign-in, a callback with no sign-in started, and a provider
/// answering an error (whose description, which anyone can write into the address, is
/// not shown).
#[actix_web::test]
async fn the_callbacks_edges_are_refused_plainly() {
    let db = TestDb::sqlite().unwrap();
    // Never reached: `begin` only builds the address to send the browser to.
    let provider =
        OidcProvider::start(CLIENT_ID, CLIENT_SECRET, &["http://127.0.0.1:9/cb"]).unwrap();
    let app = app(council_state(&db.db, &provider)).await;
    let mut browser = Browser::default();

    let page = browser.get(&app, "/sign-in").await;
    assert!(
        page.body.contains("href=\"/sign-in/council/torbay\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("/sign-in/council/wiltshire"));
    assert_eq!(
        browser.get(&app, "/sign-in/council/wiltshire").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser
            .get(&app, "/sign-in/council/Not%20a%20code")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let page = browser
        .get(&app, "/sign-in/council/callback?code=x&state=y")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("The sign-in took too long or was started in another window. Start again."),
        "{}",
        page.body
    );
    assert!(page.body.contains("govuk-error-summary"));

    let page = browser.get(&app, "/sign-in/council/torbay").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let to = page.location.unwrap();
    assert!(to.starts_with(&format!("{}/", provider.issuer())), "{to}");
    assert!(
        to.contains("code_challenge_method=S256") && to.contains("nonce="),
        "{to}"
    );
    let page = browser
        .get(&app, "/sign-in/council/callback?error=access_denied&error_description=Call+0800+000+000&state=y")
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.body.contains("did not sign you in to sendpanel"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("0800"),
        "the provider's words are not shown"
    );
    // The pending sign-in was used up: the same answer again is a stale one.
    let page = browser
        .get(&app, "/sign-in/council/callback?code=x&state=y")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}
