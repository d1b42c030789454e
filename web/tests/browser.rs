//! The pages in a real browser: headless Chromium (Debian's `chromium`), driven through
//! `chromedriver` (Debian's `chromium-driver`) by fantoccini, against the real server on
//! a loopback port over the demo data. A caseworker signs in, opens the new request
//! form, submits it empty and sees the GOV.UK error summary, fills it in, and lands on
//! the case page with the 6-week limit and its rule. On SQLite and PostgreSQL. axe-core runs on every page and
//! finds no serious or critical violation. Full-page screenshots of each page are saved
//! under `target/screenshots/` as test artefacts.
//!
//! Never skipped: without Chromium or chromedriver the test fails and names the packages
//! (`bash .ci/run` installs them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeZone};
use fantoccini::{Client, ClientBuilder, Locator};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::load_authorities;
use sendpanel_core::demo::seed_demo;
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::store::Database;
use sendpanel_core::time::FixedClock;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::upn;
use sendpanel_web::server::{AppState, start_with};
use sendpanel_web::settings::SessionSettings;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const DEMO_PASSWORD: &str = "sendpanel-demo";
const CASEWORKER: &str = "casey.worker@torbay.example";

fn clock() -> FixedClock {
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .single()
            .unwrap(),
    )
}

/// Where `program` is on the `PATH`, if anywhere.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a free loopback port, killed when dropped.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    fn start() -> Self {
        assert!(
            Path::new(CHROMIUM).is_file(),
            "{CHROMIUM} is missing: the browser tests need Debian's `chromium` package \
             (apt-get install chromium chromium-driver, or run `bash .ci/run`)"
        );
        let driver = on_path("chromedriver").unwrap_or_else(|| {
            panic!(
                "chromedriver is not on the PATH: the browser tests need Debian's \
                 `chromium-driver` package (apt-get install chromium chromium-driver, or run \
                 `bash .ci/run`)"
            )
        });
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let mut driver = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start-up ({status})");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A full-page PNG: the window is made as tall as the page first. Only the SQLite run
/// saves them, so the two runs never write the same file at once.
async fn screenshot(client: &Client, name: &str, save: bool) {
    if !save {
        return;
    }
    let height = client
        .execute(
            "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);",
            vec![],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(800);
    let height = u32::try_from(height).unwrap_or(800).clamp(600, 8000);
    client.set_window_size(1280, height + 100).await.unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).unwrap();
    client.set_window_size(1280, 900).await.unwrap();
}

/// Runs axe-core on the page; fails on any serious or critical violation, printing all.
async fn axe(client: &Client, page: &str) {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"),
    )
    .unwrap_or_else(|e| panic!("web/node_modules/axe-core/axe.min.js ({e}): run `npm ci` in web/"));
    client.execute(&source, vec![]).await.unwrap();
    let answer = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done({ violations: r.violations, passes: r.passes.length }))
               .catch(e => done({ error: String(e) }));",
            vec![],
        )
        .await
        .unwrap();
    assert!(answer.get("error").is_none(), "axe on {page}: {answer}");
    let violations = answer["violations"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("axe on {page} gave no violations list: {answer}"));
    let passes = answer["passes"].as_u64().unwrap_or(0);
    assert!(passes > 0, "axe on {page} checked nothing: {answer}");
    let blocking: Vec<&Value> = violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    let summary: Vec<String> = violations
        .iter()
        .map(|v| format!("{} ({})", v["id"], v["impact"]))
        .collect();
    println!(
        "axe on {page}: {passes} rules passed, {} violation(s) {summary:?}",
        violations.len()
    );
    assert!(
        blocking.is_empty(),
        "axe-core found serious or critical violations on {page}:\n{}",
        serde_json::to_string_pretty(&blocking).unwrap()
    );
}

async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The caseworker's journey, with a screenshot and an axe-core run on each page.
async fn steps(client: &Client, base: &str, save: bool) {
    // Not signed in: sent to sign in.
    client.goto(&format!("{base}/caseload")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/sign-in");
    client.find(Locator::Css("h1")).await.unwrap();
    screenshot(client, "sign-in", save).await;
    axe(client, "sign-in").await;

    fill(client, "email", CASEWORKER).await;
    fill(client, "password", DEMO_PASSWORD).await;
    client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//h1[normalize-space()='Caseload']"))
        .await
        .unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/");
    screenshot(client, "caseload", save).await;
    axe(client, "caseload").await;

    // The new request form, submitted empty: the GOV.UK error summary.
    client.goto(&format!("{base}/requests/new")).await.unwrap();
    let heading = client.find(Locator::Css("h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), "Log a new request");
    axe(client, "new-request").await;
    client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".govuk-error-summary"))
        .await
        .unwrap();
    let text = summary.text().await.unwrap();
    assert!(text.contains("There is a problem"), "{text}");
    for message in [
        "Enter the child's family name",
        "Enter the date the request was received",
        "Select who made the request",
        "Enter a summary of the request",
    ] {
        assert!(text.contains(message), "{message} in {text}");
    }
    assert!(client.title().await.unwrap().starts_with("Error: "));
    // GOV.UK Frontend's JavaScript moves focus to the summary.
    let focused = client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("class").await.unwrap().as_deref(),
        Some("govuk-error-summary"),
        "focus on the error summary"
    );
    screenshot(client, "error-summary", save).await;
    axe(client, "error-summary").await;

    // Filled in: the case page with the 6-week limit and its rule.
    let received = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let good_upn = upn(880, 902).to_string();
    for (id, text) in [
        ("given_name", "Robin"),
        ("family_name", "Browser"),
        ("date_of_birth-day", "14"),
        ("date_of_birth-month", "3"),
        ("date_of_birth-year", "2016"),
        ("upn", good_upn.as_str()),
        ("received_on-day", &received.day().to_string()),
        ("received_on-month", &received.month().to_string()),
        ("received_on-year", &received.year().to_string()),
        ("requester", "Ms R. Browser, parent"),
        (
            "summary",
            "Speech and language support since Reception; little progress.",
        ),
    ] {
        fill(client, id, text).await;
    }
    client
        .find(Locator::Css("input[name=requested_by][value=parent]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for (name, value) in [("setting_type", "mainstream"), ("primary_need", "SLCN")] {
        client
            .find(Locator::Id(name))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }
    client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//h1[normalize-space()='Robin Browser']"))
        .await
        .unwrap();
    let url = client.current_url().await.unwrap();
    assert!(url.path().starts_with("/cases/"), "{url}");
    let main = client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let due = (received + chrono::Days::new(42))
        .format("%-d %B %Y")
        .to_string();
    assert!(
        main.contains(&due),
        "6 weeks after {received}: {due} in {main}"
    );
    assert!(main.contains("Decide whether to assess"), "{main}");
    assert!(main.contains("reg. 5(1)"), "the rule: {main}");
    assert!(main.contains("Ms R. Browser, parent"), "{main}");
    screenshot(client, "case", save).await;
    axe(client, "case").await;
}

async fn scenario(db: Database, backend: &str) {
    let screenshots = backend == "SQLite";
    let started = Instant::now();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities");
    let configs = load_authorities(&dir).unwrap();
    seed_demo(&db, &configs, &clock()).unwrap();
    let state = AppState {
        db,
        authorities: Arc::new(configs),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(clock()),
        live: Default::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sessions = SessionSettings {
        key: None,
        secure: false,
    };
    let server = start_with(state, &sessions, listener).unwrap();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    // ring and aws-lc-rs are both linked in: choose one for rustls.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("chromedriver could not start Chromium: {e}"));

    // Chromium is closed whatever happens; a failed step's panic is raised after.
    let steps_client = client.clone();
    let outcome =
        actix_web::rt::spawn(async move { steps(&steps_client, &base, screenshots).await }).await;
    let closed = client.close().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
    closed.unwrap();
    drop(driver);
    handle.stop(false).await;
    println!("browser scenario on {backend} took {:?}", started.elapsed());
}

#[actix_web::test]
async fn caseworker_logs_a_request_in_chromium_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone(), "SQLite").await;
}

#[actix_web::test]
async fn caseworker_logs_a_request_in_chromium_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone(), "PostgreSQL").await;
}
