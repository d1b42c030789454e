//! Headless Chromium for the browser tests: chromedriver on a free loopback port,
//! one Chromium session per person (each with its own profile, so its own cookies),
//! the demo served on a real socket, full-page screenshots under
//! `target/screenshots/`, and axe-core run on the page.
//!
//! Never skipped: without Chromium or chromedriver the tests fail and name the
//! packages (`bash .ci/run` installs them).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use fantoccini::{Client, ClientBuilder, Locator};
use sendpanel_core::store::Database;
use sendpanel_web::server::start_with;
use sendpanel_web::settings::SessionSettings;
use serde_json::{Value, json};

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// One browser scenario at a time: each starts several Chromiums, and two cores run
/// them in turn far more reliably than all at once.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Holds the machine's Chromium slot for one scenario (a failed scenario's panic
/// releases it).
pub async fn exclusive() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

/// The demo, served by the real server on a loopback port: its base URL and handle.
pub fn serve_demo(db: &Database) -> (String, ServerHandle) {
    let state = super::demo_state(db);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sessions = SessionSettings {
        key: None,
        secure: false,
    };
    let server = start_with(state, &sessions, Default::default(), listener).unwrap();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (base, handle)
}

/// A new Chromium session with its own profile (kept alive by the returned directory).
pub async fn browser(driver: &ChromeDriver) -> (Client, tempfile::TempDir) {
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
    (client, profile)
}

/// Runs `steps` with one Chromium per person, closing every one of them whatever
/// happens; a failed step's panic is raised after.
pub async fn with_browsers<F, Fut>(people: usize, steps: F)
where
    F: FnOnce(Vec<Client>) -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let driver = ChromeDriver::start();
    let mut clients = Vec::new();
    let mut profiles = Vec::new();
    for _ in 0..people {
        let (client, profile) = browser(&driver).await;
        clients.push(client);
        profiles.push(profile);
    }
    let for_steps = clients.clone();
    let outcome = actix_web::rt::spawn(async move { steps(for_steps).await }).await;
    for client in clients {
        let _ = client.close().await;
    }
    drop(profiles);
    drop(driver);
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// Clicks the first element matching `css`.
pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits (up to 10 s) for an element matching the XPath `path`.
pub async fn wait_for(client: &Client, path: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(path))
        .await
        .unwrap_or_else(|e| panic!("waiting for {path}: {e}"))
}

/// Signs in through the sign-in page and waits to leave it.
pub async fn sign_in(client: &Client, base: &str, email: &str) {
    client.goto(&format!("{base}/sign-in")).await.unwrap();
    fill(client, "email", email).await;
    fill(client, "password", super::DEMO_PASSWORD).await;
    click(client, "main button[type=submit]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.current_url().await.unwrap().path() == "/sign-in" {
        assert!(Instant::now() < deadline, "{email} could not sign in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if client.current_url().await.unwrap().path() == "/sign-in/two-factor" {
        // The demo admins' published authenticator: the code of this step, or the
        // next (a code is good once).
        let secret = sendpanel_core::demo::demo_totp_secret();
        for offset in [0, 30, -30] {
            let at = chrono::Utc::now() + chrono::Duration::seconds(offset);
            let code = sendpanel_core::identity::two_factor::code_at(&secret, at).unwrap();
            fill(client, "code", &code).await;
            click(client, "main button[type=submit]").await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            if client.current_url().await.unwrap().path() != "/sign-in/two-factor" {
                return;
            }
        }
        panic!("{email}: no demo code was accepted");
    }
}

/// The text of `main`.
pub async fn main_text(client: &Client) -> String {
    client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Where `program` is on the `PATH`, if anywhere.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a free loopback port, killed when dropped.
pub struct ChromeDriver {
    child: Child,
    /// Where chromedriver listens.
    pub url: String,
}

impl ChromeDriver {
    /// Starts chromedriver, failing loudly (never skipping) when it or Chromium is missing.
    pub fn start() -> Self {
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

pub fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A full-page PNG: the window is made as tall as the page first. Only the SQLite run
/// saves them, so the two runs never write the same file at once.
pub async fn screenshot(client: &Client, name: &str, save: bool) {
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
pub async fn axe(client: &Client, page: &str) {
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

pub async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}
