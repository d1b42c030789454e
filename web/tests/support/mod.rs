//! What the page tests share: the demo's clock, an app over the demo data, and a
//! cookie-keeping in-process "browser" that signs in as a demo user and posts forms
//! with the page's CSRF token, as a person's browser would.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod chromium;
pub mod panel_api;
pub mod serve;

use std::sync::Arc;

use actix_web::cookie::{Cookie, Key};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::{App, test, web};
use chrono::TimeZone;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::load_authorities;
use sendpanel_core::demo::seed_demo_at_intake;
use sendpanel_core::domain::{AuthorityId, CaseId, NewAdvice, NewPlugin};
use sendpanel_core::notify::{LetterBook, MailSettings, Notifier};
use sendpanel_core::policy::contract::{
    Criterion, GraduatedResponseAdvice, PolicyError, Recommendation,
};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::store::AuthorityScope;
use sendpanel_core::store::Database;
use sendpanel_core::time::FixedClock;
use sendpanel_web::headers::SecurityHeaders;
use sendpanel_web::pages::{COOKIE_NAME, session_middleware, signed_in_error_pages};
use sendpanel_web::server::routes;
use sendpanel_web::state::AppState;

/// Every demo user's password.
pub const DEMO_PASSWORD: &str = "sendpanel-demo";
/// Torbay's demo caseworker.
pub const CASEWORKER: &str = "casey.worker@torbay.example";
/// Torbay's demo admin.
pub const ADMIN: &str = "morgan.reid@torbay.example";
/// Torbay's SEN panel chair.
pub const CHAIR: &str = "bridget.ashcombe@torbay.example";
/// Torbay's SEN panel educational psychologist.
pub const PSYCHOLOGIST: &str = "nia.pengelly@torbay.example";
/// Torbay's SEN panel SEN manager.
pub const SEN_MANAGER: &str = "daniel.okoro@torbay.example";
/// Torbay's SEN panel SENCO.
pub const SENCO: &str = "tom.carthew@torbay.example";

/// The demo's "now": 24 November 2026, noon.
pub fn clock() -> FixedClock {
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .single()
            .unwrap(),
    )
}

/// The demo data seeded into `db`, and the state a server over it runs on.
pub fn demo_state(db: &Database) -> AppState {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities");
    let configs = load_authorities(&dir).unwrap();
    seed_demo_at_intake(db, &configs, &clock()).unwrap();
    AppState {
        db: db.clone(),
        authorities: Arc::new(configs),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(clock()),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    }
}

/// The whole app (pages and API) in process, with sessions, over `state`.
pub async fn app(
    state: AppState,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    test::init_service(
        App::new()
            .wrap(actix_web::middleware::from_fn(signed_in_error_pages))
            .wrap(session_middleware(Key::generate(), true))
            .wrap(actix_web::middleware::from_fn(|request, next| {
                SecurityHeaders { hsts: true }.apply(request, next)
            }))
            .app_data(web::Data::new(state))
            .configure(routes),
    )
    .await
}

/// What a browser keeps between requests: the session cookie.
#[derive(Default)]
pub struct Browser {
    /// The session cookie, once there is one.
    pub cookie: Option<Cookie<'static>>,
}

/// One answer: status, where it redirects, and the page.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The hidden CSRF token of the page's first form.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("a CSRF field") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

impl Browser {
    pub async fn send<S>(&mut self, app: &S, request: test::TestRequest) -> Page
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        let request = match &self.cookie {
            Some(cookie) => request.cookie(cookie.clone()),
            None => request,
        };
        let response = test::call_service(app, request.to_request()).await;
        if let Some(cookie) = response
            .response()
            .cookies()
            .find(|c| c.name() == COOKIE_NAME)
        {
            let cookie = cookie.into_owned();
            // A removal (sign-out) leaves the browser with no session.
            self.cookie = (!cookie.value().is_empty()).then_some(cookie);
        }
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
        Page {
            status,
            location,
            body,
        }
    }

    pub async fn get<S>(&mut self, app: &S, path: &str) -> Page
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        self.send(app, test::TestRequest::get().uri(path)).await
    }

    pub async fn post<S>(&mut self, app: &S, path: &str, form: &[(&str, &str)]) -> Page
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        self.send(app, test::TestRequest::post().uri(path).set_form(form))
            .await
    }

    /// Signs in as `email` (a demo user) and asserts it worked.
    pub async fn sign_in<S>(&mut self, app: &S, email: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        let csrf = self.get(app, "/sign-in").await.csrf();
        let page = self
            .post(
                app,
                "/sign-in",
                &[
                    ("csrf_token", &csrf),
                    ("email", email),
                    ("password", DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign in as {email}: {}",
            page.body
        );
        if page.location.as_deref() == Some("/sign-in/two-factor") {
            self.second_factor(app, email).await;
        }
    }

    /// Gives the demo admins' one-time code: the code of this 30-second step, or (a
    /// code is good once, and a test may sign the same admin in twice) the next one.
    pub async fn second_factor<S>(&mut self, app: &S, email: &str)
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        let secret = sendpanel_core::demo::demo_totp_secret();
        for offset in [0, 30, -30] {
            let at = chrono::Utc::now() + chrono::Duration::seconds(offset);
            let code = sendpanel_core::identity::two_factor::code_at(&secret, at).unwrap();
            let page = self
                .submit(
                    app,
                    "/sign-in/two-factor",
                    "/sign-in/two-factor",
                    &[("code", &code)],
                )
                .await;
            if page.status == StatusCode::SEE_OTHER {
                return;
            }
        }
        panic!("{email}: no demo code was accepted");
    }

    /// GETs `page` for its CSRF token, then posts `form` (with the token) to `action`.
    pub async fn submit<S>(
        &mut self,
        app: &S,
        page: &str,
        action: &str,
        form: &[(&str, &str)],
    ) -> Page
    where
        S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    {
        let csrf = self.get(app, page).await.csrf();
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
        fields.extend_from_slice(form);
        self.post(app, action, &fields).await
    }
}

/// Letters are written in the decision's transaction, as `serve` installs them.
pub fn install_letters(db: &Database) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities");
    let codes: Vec<AuthorityId> = load_authorities(&dir)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/letters");
    let notifier = Notifier::new(
        LetterBook::load(&shared, &dir, &codes).unwrap(),
        &MailSettings::default(),
        BankHolidays::england_and_wales(),
    )
    .unwrap();
    db.observe(Arc::new(notifier)).unwrap();
}

/// Advice as a plugin gives it, recorded on `case` (a stored plugin stands in for the
/// component: no plugin is in force, so nothing can be asked afresh).
pub fn record_advice(db: &Database, scope: &AuthorityScope, case: CaseId) {
    let advice = GraduatedResponseAdvice {
        recommendation: Recommendation::Assess,
        criteria: vec![
            Criterion {
                id: "needs-evidenced".into(),
                title: "Needs are evidenced".into(),
                met: true,
                reason:
                    "The educational psychologist's report evidences severe needs in communication."
                        .into(),
                evidence: vec!["doc-ep-1".into()],
            },
            Criterion {
                id: "cycles-reviewed".into(),
                title: "Support cycles reviewed".into(),
                met: false,
                reason: "Only one cycle of SEN support was reviewed in the last two years.".into(),
                evidence: Vec::new(),
            },
        ],
    };
    let output = serde_json::to_string(&Ok::<_, PolicyError>(advice)).unwrap();
    db.write(|tx| {
        let plugin = tx.insert_plugin(
            scope,
            &NewPlugin {
                authority_id: scope.authority().clone(),
                policy_name: "Torbay SEN criteria".into(),
                policy_version: "1".into(),
                api_version: "1.0.0".into(),
                effective_from: chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
                bytes: b"stands in for a component".to_vec(),
            },
        )?;
        tx.record_advice(
            scope,
            &NewAdvice {
                case_id: case,
                plugin_sha256: plugin.sha256,
                api_version: "1.0.0".into(),
                call: "graduated-response".into(),
                input_json: "{}".into(),
                outcome: "advice".into(),
                output_json: Some(output),
                unavailable_reason: None,
                fuel_used: 1,
            },
        )
    })
    .unwrap();
}

/// Uploads a small text document named `name` to request `id` through the API
/// (`POST /api/v1/requests/{id}/evidence`, multipart) as the caseworker holding
/// `token`: the new document's id.
pub async fn upload_evidence_api<S>(app: &S, token: &str, id: &str, name: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let body = multipart(
        &[
            ("kind", "support_plan"),
            ("author_organisation", "Riverside Primary School"),
            ("written_on", "2023-09-01"),
        ],
        &format!("{name}.txt"),
        format!("Test evidence standing for \"{name}\" on request {id}.").as_bytes(),
    );
    let request = test::TestRequest::post()
        .uri(&format!("/api/v1/requests/{id}/evidence"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, multipart_type()))
        .set_payload(body)
        .to_request();
    let response = test::call_service(app, request).await;
    let status = response.status();
    let reply: serde_json::Value =
        serde_json::from_slice(&test::read_body(response).await).unwrap_or(serde_json::Value::Null);
    assert_eq!(status, StatusCode::CREATED, "upload {name}: {reply}");
    reply["id"].as_str().expect("the document's id").to_owned()
}

/// Uploads one document per evidence id `facts` cite to request `id` through the API,
/// and cites the documents' ids in their place: advice is refused on facts citing
/// anything but the case's documents, and a plugin's test vectors cite made-up ids.
pub async fn cite_uploaded_api<S>(
    app: &S,
    token: &str,
    id: &str,
    facts: &mut sendpanel_core::policy::contract::RequestFacts,
) -> std::collections::HashMap<String, String>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut real = std::collections::HashMap::new();
    for name in sendpanel_tests::cited::evidence_ids(facts) {
        let document = upload_evidence_api(app, token, id, &name).await;
        real.insert(name, document);
    }
    sendpanel_tests::cited::replace_ids(facts, &real);
    real
}

/// The boundary of the multipart bodies the tests send.
const MULTIPART_BOUNDARY: &str = "sendpanel-test-boundary-3f9a";

/// A `multipart/form-data` body as a browser sends a form: the text fields in order,
/// then the file in the field `file`.
pub fn multipart(fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{MULTIPART_BOUNDARY}--\r\n").as_bytes());
    body
}

/// The `Content-Type` of a [`multipart`] body.
pub fn multipart_type() -> String {
    format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}")
}

/// Calls the JSON API as the holder of `token` (`POST` with `body` as JSON, or `GET`):
/// the status and the answer as JSON (`Null` when it is not JSON).
pub async fn call_api<S>(
    app: &S,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut request = match method {
        "POST" => test::TestRequest::post(),
        _ => test::TestRequest::get(),
    }
    .uri(path)
    .insert_header(("Authorization", format!("Bearer {token}")));
    if let Some(body) = body {
        request = request.set_json(body);
    }
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    let bytes = test::read_body(response).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}
