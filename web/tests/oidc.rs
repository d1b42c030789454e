//! Council sign-in with OpenID Connect, against a real provider: the certified npm
//! `oidc-provider` started on loopback (`sendpanel_tests::oidc`). A good sign-in gives
//! the verified identity; each check the ID token must pass is shown refusing a token
//! the provider really signed (wrong audience, expired, wrong issuer, a key it does not
//! publish, a broken signature), as are a crossed state, a reused code, a provider whose
//! issuer is not the configured one and a provider that is not there.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sendpanel_core::config::{AuthorityConfig, load_authority};
use sendpanel_core::domain::{AuthorityId, UserRole};
use sendpanel_tests::mail::free_port;
use sendpanel_tests::oidc::{OidcProvider, Tamper};
use sendpanel_web::oidc::{OidcClients, OidcError, TokenProblem};

const CLIENT_ID: &str = "sendpanel-testshire";
const CLIENT_SECRET: &str = "a-client-secret-for-tests-only";
const SECRET_ENV: &str = "SENDPANEL_TESTSHIRE_OIDC_SECRET";
/// Never contacted: the walk stops at the provider's redirect to it.
const REDIRECT_URI: &str = "http://127.0.0.1:9/sign-in/oidc/callback";
const EMAIL: &str = "casey.worker@testshire.example";

/// Testshire's configuration, read through the real `authority.toml` path, with its
/// provider at `issuer`.
fn authority(issuer: &str) -> AuthorityConfig {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("testshire");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("authority.toml"),
        format!(
            r#"
code = "testshire"
name = "Testshire County Council"
la_number = 999

[sign_in.oidc]
issuer = "{issuer}"
client_id = "{CLIENT_ID}"
client_secret_env = "{SECRET_ENV}"
groups_claim = "groups"
[sign_in.oidc.group_roles]
"SEN caseworkers" = "caseworker"
"#
        ),
    )
    .unwrap();
    load_authority(&folder).unwrap()
}

fn testshire() -> AuthorityId {
    AuthorityId::parse("testshire").unwrap()
}

fn clients(issuer: &str) -> OidcClients {
    OidcClients::new(&[authority(issuer)], |variable| {
        (variable == SECRET_ENV).then(|| CLIENT_SECRET.to_owned())
    })
    .unwrap()
}

fn provider() -> OidcProvider {
    OidcProvider::start(CLIENT_ID, CLIENT_SECRET, &[REDIRECT_URI]).unwrap()
}

/// Signs in at `provider` through `clients` with the provider's next ID token spoiled
/// by `tamper` (if any), and returns what `finish` says.
fn sign_in_with(
    provider: &OidcProvider,
    clients: &OidcClients,
    tamper: Option<Tamper>,
) -> Result<sendpanel_web::oidc::VerifiedIdentity, OidcError> {
    let (url, pending) = clients.begin_blocking(&testshire(), REDIRECT_URI).unwrap();
    let callback = provider
        .sign_in(url.as_str(), EMAIL, &["SEN caseworkers"])
        .unwrap();
    if let Some(tamper) = tamper {
        provider.tamper_next_id_token(tamper).unwrap();
    }
    clients.finish_blocking(&pending, &callback.state, &callback.code)
}

fn refused_because(
    result: Result<sendpanel_web::oidc::VerifiedIdentity, OidcError>,
) -> TokenProblem {
    match result {
        Err(OidcError::TokenRefused { authority, problem }) => {
            assert_eq!(authority, testshire());
            problem
        }
        other => panic!("expected the ID token refused, got {other:?}"),
    }
}

#[actix_web::test]
async fn a_good_sign_in_gives_the_verified_identity() {
    let provider = provider();
    let clients = clients(provider.issuer());
    let (url, pending) = clients.begin(&testshire(), REDIRECT_URI).await.unwrap();
    assert_eq!(pending.authority(), &testshire());
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert!(
        url.as_str()
            .starts_with(&format!("{}/auth?", provider.issuer())),
        "{url}"
    );
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert!(param("nonce").is_some() && param("state").is_some());
    assert_eq!(param("scope").as_deref(), Some("openid email profile"));

    // A person typing their address as they like; the identity holds it lower-cased.
    let callback = provider
        .sign_in(
            url.as_str(),
            "Casey.Worker@Testshire.example",
            &["SEN caseworkers", "All staff"],
        )
        .unwrap();
    let identity = clients
        .finish(pending, &callback.state, &callback.code)
        .await
        .unwrap();
    assert_eq!(identity.email.as_str(), EMAIL);
    assert_eq!(identity.email_verified, Some(true));
    assert_eq!(identity.groups, ["SEN caseworkers", "All staff"]);
    assert_eq!(identity.issuer, provider.issuer());
    assert_eq!(identity.subject, "Casey.Worker@Testshire.example");
    let config = clients.config(&testshire()).unwrap();
    assert_eq!(
        config.roles_for_groups(&identity.groups),
        [UserRole::Caseworker]
    );
    let shown = format!("{identity:?}");
    assert!(
        !shown.to_lowercase().contains(EMAIL),
        "Debug leaves the address out: {shown}"
    );
}

#[test]
fn a_state_that_does_not_match_is_refused() {
    let provider = provider();
    let clients = clients(provider.issuer());
    let (url, pending) = clients.begin_blocking(&testshire(), REDIRECT_URI).unwrap();
    let callback = provider.sign_in(url.as_str(), EMAIL, &[]).unwrap();
    // Another sign-in's state, as when a forged link carries an attacker's code.
    let (_, other) = clients.begin_blocking(&testshire(), REDIRECT_URI).unwrap();
    let result = clients.finish_blocking(&other, &callback.state, &callback.code);
    assert!(
        matches!(result, Err(OidcError::StateMismatch)),
        "{result:?}"
    );
    let result = clients.finish_blocking(&pending, "", &callback.code);
    assert!(
        matches!(result, Err(OidcError::StateMismatch)),
        "{result:?}"
    );
    // The code was not spent on the refusals: the right pairing still signs in.
    let identity = clients
        .finish_blocking(&pending, &callback.state, &callback.code)
        .unwrap();
    assert_eq!(identity.email.as_str(), EMAIL);
}

#[test]
fn a_code_is_exchanged_once_only() {
    let provider = provider();
    let clients = clients(provider.issuer());
    let (url, pending) = clients.begin_blocking(&testshire(), REDIRECT_URI).unwrap();
    let callback = provider.sign_in(url.as_str(), EMAIL, &[]).unwrap();
    clients
        .finish_blocking(&pending, &callback.state, &callback.code)
        .unwrap();
    let again = clients.finish_blocking(&pending, &callback.state, &callback.code);
    match again {
        Err(OidcError::CodeRefused { reason, .. }) => {
            assert!(reason.contains("invalid_grant"), "{reason}");
        }
        other => panic!("a reused code must be refused, got {other:?}"),
    }
}

#[test]
fn an_id_token_for_another_audience_is_refused() {
    let provider = provider();
    let clients = clients(provider.issuer());
    let result = sign_in_with(&provider, &clients, Some(Tamper::WrongAudience));
    assert_eq!(refused_because(result), TokenProblem::WrongAudience);
}

#[test]
fn an_expired_id_token_is_refused() {
    let provider = provider();
    let clients = clients(provider.issuer());
    let error = sign_in_with(&provider, &clients, Some(Tamper::Expired)).unwrap_err();
    assert!(
        error.user_message().contains("already expired"),
        "{}",
        error.user_message()
    );
    assert_eq!(refused_because(Err(error)), TokenProblem::Expired);
}

#[test]
fn an_id_token_from_another_issuer_is_refused() {
    let provider = provider();
    let clients = clients(provider.issuer());
    let result = sign_in_with(&provider, &clients, Some(Tamper::WrongIssuer));
    assert_eq!(refused_because(result), TokenProblem::WrongIssuer);
}

#[test]
fn signatures_are_checked_against_the_published_keys() {
    let provider = provider();
    let clients = clients(provider.issuer());
    let result = sign_in_with(&provider, &clients, Some(Tamper::BadSignature));
    assert_eq!(refused_because(result), TokenProblem::BadSignature);
    let result = sign_in_with(&provider, &clients, Some(Tamper::UnknownKey));
    assert_eq!(refused_because(result), TokenProblem::UnknownKey);
}

#[test]
fn a_rotated_key_is_fetched_and_accepted() {
    let provider = provider();
    let clients = clients(provider.issuer());
    // Discovery (and the keys) are cached by the first sign-in...
    sign_in_with(&provider, &clients, None).unwrap();
    // ...and a token signed with a key published since is accepted after one refetch.
    let identity = sign_in_with(&provider, &clients, Some(Tamper::RotatedKey)).unwrap();
    assert_eq!(identity.email.as_str(), EMAIL);
}

#[test]
fn a_provider_with_a_different_issuer_is_refused() {
    // It listens on 127.0.0.1 but calls itself `http://localhost:<port>`.
    let provider =
        OidcProvider::start_on_host(CLIENT_ID, CLIENT_SECRET, &[REDIRECT_URI], "localhost")
            .unwrap();
    let clients = clients(&provider.base_url());
    match clients.begin_blocking(&testshire(), REDIRECT_URI) {
        Err(OidcError::ProviderMisconfigured { authority, reason }) => {
            assert_eq!(authority, testshire());
            assert!(reason.contains("issuer"), "{reason}");
        }
        other => panic!("expected the provider refused, got {other:?}"),
    }
}

#[test]
fn a_provider_that_is_not_there_is_unreachable() {
    let clients = clients(&format!("http://127.0.0.1:{}", free_port().unwrap()));
    let error = clients
        .begin_blocking(&testshire(), REDIRECT_URI)
        .unwrap_err();
    assert!(
        matches!(error, OidcError::ProviderUnreachable { .. }),
        "{error:?}"
    );
    assert!(error.user_message().contains("cannot be reached"));
}

#[test]
fn a_missing_secret_stops_start_up_and_other_authorities_are_not_offered() {
    let config = authority("https://login.example.gov.uk/tenant");
    match OidcClients::new(std::slice::from_ref(&config), |_| None) {
        Err(OidcError::SecretMissing {
            authority,
            variable,
        }) => {
            assert_eq!(authority, testshire());
            assert_eq!(variable, SECRET_ENV);
        }
        other => panic!("expected the missing secret named, got {other:?}"),
    }
    let clients = clients("https://login.example.gov.uk/tenant");
    let torbay = AuthorityId::parse("torbay").unwrap();
    assert!(clients.offers(&testshire()));
    assert!(!clients.offers(&torbay));
    assert!(matches!(
        clients.begin_blocking(&torbay, REDIRECT_URI),
        Err(OidcError::NotConfigured { .. })
    ));
    assert!(matches!(
        clients.begin_blocking(&testshire(), "/relative/callback"),
        Err(OidcError::BadRedirectUri(_))
    ));
}
