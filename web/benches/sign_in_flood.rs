//! Issue 13: a flood of sign-ins must not starve everyone else. 500 sign-ins at once,
//! each with a different (unknown) address from a different client (behind a trusted
//! proxy, so `X-Forwarded-For` names 500 clients and the per-client limit does not
//! simply turn them away): each costs a full Argon2 hash. Meanwhile a signed-in
//! caseworker keeps opening `/healthz` and a case page; their latency (median, p99,
//! max) is reported beside the same probe on a quiet server, with how the 500 were
//! answered (401 refused after a hash, 503 told the service is busy). Aim: /healthz and
//! the case page under 200 ms p99 during the flood. SQLite, release build.
//!
//! `cargo bench -p sendpanel-web --bench sign_in_flood` (`HASHES=64` to see the flood
//! with a looser bound on hashes at once than the shipped default)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{Email, UserRole};
use sendpanel_core::identity::add_user;
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::workflow::receive_request;
use sendpanel_tests::TestDb;
use sendpanel_tests::journey::{on, request};
use sendpanel_tests::panels::torbay;
use sendpanel_web::headers::SecurityHeaders;
use sendpanel_web::pages::SignInLimiter;
use sendpanel_web::server::start_with;
use sendpanel_web::settings::SessionSettings;
use sendpanel_web::state::AppState;

const FLOOD: usize = 500;
const PASSWORD: &str = "velvet orbit canal pepper";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// The form's CSRF token and the cookie that goes with it.
fn sign_in_form(agent: &ureq::Agent, base: &str) -> (String, String) {
    let mut page = agent.get(&format!("{base}/sign-in")).call().unwrap();
    let cookie = session_cookie(&page);
    let body = page.body_mut().read_to_string().unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    (body[start..start + 64].to_owned(), cookie)
}

fn session_cookie(response: &ureq::http::Response<ureq::Body>) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sendpanel_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap()
}

fn sign_in(agent: &ureq::Agent, base: &str, email: &str, client: &str) -> (u16, String) {
    let (csrf, cookie) = sign_in_form(agent, base);
    let response = agent
        .post(&format!("{base}/sign-in"))
        .header("Cookie", &cookie)
        .header("X-Forwarded-For", client)
        .send_form([
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .unwrap();
    let status = response.status().as_u16();
    let cookie = if status == 303 {
        session_cookie(&response)
    } else {
        String::new()
    };
    (status, cookie)
}

/// Median, p99 and max of `samples` (ms).
fn summary(samples: &mut [f64]) -> String {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "n={:>5}  median {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        at(0.5),
        at(0.99),
        samples[samples.len() - 1]
    )
}

/// Opens /healthz and the case page in turn until `stop`; their latencies.
fn probe(base: &str, cookie: &str, case: &str, stop: &AtomicBool) -> (Vec<f64>, Vec<f64>) {
    let agent = agent();
    let (mut health, mut page) = (Vec::new(), Vec::new());
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let response = agent.get(&format!("{base}/healthz")).call().unwrap();
        assert_eq!(response.status().as_u16(), 200);
        health.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = Instant::now();
        let mut response = agent
            .get(&format!("{base}/cases/{case}"))
            .header("Cookie", cookie)
            .call()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let _ = response.body_mut().read_to_string();
        page.push(started.elapsed().as_secs_f64() * 1000.0);
        thread::sleep(Duration::from_millis(5));
    }
    (health, page)
}

/// Hashes at once: `HASHES`, or the shipped default.
fn hashes() -> usize {
    std::env::var("HASHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(sendpanel_web::pages::DEFAULT_CONCURRENT_HASHES)
}

fn main() {
    let test_db = TestDb::sqlite().unwrap();
    let db = &test_db.db;
    let (scope, config) = torbay(db).unwrap();
    let email = Email::parse("casey@torbay.example").unwrap();
    add_user(
        db,
        &scope,
        &email,
        "Casey Worker",
        UserRole::Caseworker,
        Some(PASSWORD),
        &on(2023, 10, 2),
    )
    .unwrap();
    let case = receive_request(db, &scope, &request(1), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id
        .to_string();
    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(vec![config]),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(on(2023, 10, 2)),
        live: Default::default(),
        // The shipped default bound on hashes at once, behind a trusted loopback proxy.
        sign_in_limiter: Arc::new(SignInLimiter::new(
            hashes(),
            vec!["127.0.0.1".parse().unwrap()],
        )),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sessions = SessionSettings {
        key: None,
        secure: false,
    };
    let server = start_with(state, &sessions, SecurityHeaders::default(), listener).unwrap();
    let handle = server.handle();
    let serving = thread::spawn(move || actix_web::rt::System::new().block_on(server));

    let (status, cookie) = sign_in(&agent(), &base, email.as_str(), "192.0.2.1");
    assert_eq!(status, 303, "the caseworker signs in");

    // Quiet: the probe alone for three seconds.
    let stop = AtomicBool::new(false);
    let (mut quiet_health, mut quiet_page) = thread::scope(|s| {
        let probing = s.spawn(|| probe(&base, &cookie, &case, &stop));
        thread::sleep(Duration::from_secs(3));
        stop.store(true, Ordering::Relaxed);
        probing.join().unwrap()
    });

    // The flood: 500 sign-ins released together, while the probe runs.
    let stop = AtomicBool::new(false);
    let barrier = Barrier::new(FLOOD);
    let started = Instant::now();
    let (answers, (mut busy_health, mut busy_page)) = thread::scope(|s| {
        let probing = s.spawn(|| probe(&base, &cookie, &case, &stop));
        let flood: Vec<_> = (0..FLOOD)
            .map(|i| {
                let (base, barrier) = (&base, &barrier);
                s.spawn(move || {
                    let agent = agent();
                    barrier.wait();
                    let client = format!("10.{}.{}.{}", i / 65_536, (i / 256) % 256, i % 256);
                    sign_in(&agent, base, &format!("nobody{i}@example.org"), &client).0
                })
            })
            .collect();
        let mut answers: BTreeMap<u16, usize> = BTreeMap::new();
        for one in flood {
            *answers.entry(one.join().unwrap()).or_default() += 1;
        }
        stop.store(true, Ordering::Relaxed);
        (answers, probing.join().unwrap())
    });
    let flood_took = started.elapsed();

    println!(
        "sign-in flood: {FLOOD} sign-ins with distinct addresses from distinct clients, {} hashes at once (SQLite, release)",
        hashes()
    );
    println!(
        "  answered in {:.1} s: {answers:?} (401 = refused after a hash, 503 = busy, 429 = limited)",
        flood_took.as_secs_f64()
    );
    println!("  quiet   /healthz   {}", summary(&mut quiet_health));
    println!("  quiet   case page  {}", summary(&mut quiet_page));
    println!("  flood   /healthz   {}", summary(&mut busy_health));
    println!("  flood   case page  {}", summary(&mut busy_page));

    actix_web::rt::System::new().block_on(handle.stop(false));
    serving.join().unwrap().unwrap();
}
