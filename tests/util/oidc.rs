//! A real OpenID Provider on loopback for the sign-in tests: the certified npm package
//! `oidc-provider`, run by Node from `web/tests/oidc-provider/provider.mjs` (see that
//! file for what it offers). `npm ci` installs it there the first time (`.ci/run` does
//! it up front); without Node and npm the tests fail, saying how to install them, rather
//! than skip.
//!
//! [`OidcProvider::sign_in`] plays the person at the provider's sign-in page with plain
//! HTTP, keeping the provider's cookies, and stops at the redirect back to the client, so
//! a test can hand the returned `state` and `code` to the code under test.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

/// The folder holding `provider.mjs`, `package.json` and `package-lock.json`.
pub fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/tests/oidc-provider")
}

/// How the next ID token is spoiled (`POST /test/next-id-token?tamper=...`); each is
/// re-signed with a real key, so only the named check can refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Tamper {
    /// `aud` names another client.
    WrongAudience,
    /// `exp` an hour ago.
    Expired,
    /// `iss` another issuer.
    WrongIssuer,
    /// Signed with a new key the provider now publishes (a key rotation).
    RotatedKey,
    /// Signed with a key the provider never publishes.
    UnknownKey,
    /// The signature bytes altered.
    BadSignature,
}

/// Where the provider sent the browser back to: the client's redirect URI with these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// `code`, to exchange.
    pub code: String,
    /// `state`, as the client sent it.
    pub state: String,
}

/// A running provider with one registered confidential client. Killed when dropped.
pub struct OidcProvider {
    child: Option<Child>,
    port: u16,
    issuer: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl OidcProvider {
    /// Starts the provider on a port the system picks, its issuer
    /// `http://127.0.0.1:<port>`, with the client `client_id`/`client_secret` allowed to
    /// redirect to `redirect_uris`.
    pub fn start(
        client_id: &str,
        client_secret: &str,
        redirect_uris: &[&str],
    ) -> anyhow::Result<Self> {
        Self::start_on_host(client_id, client_secret, redirect_uris, "127.0.0.1")
    }

    /// As [`Self::start`], but the issuer names `issuer_host` (still listening on
    /// 127.0.0.1): with `localhost`, a provider whose issuer a client configured for
    /// `http://127.0.0.1:<port>` must refuse.
    pub fn start_on_host(
        client_id: &str,
        client_secret: &str,
        redirect_uris: &[&str],
        issuer_host: &str,
    ) -> anyhow::Result<Self> {
        require_installed()?;
        let dir = tempfile::tempdir()?;
        let log = dir.path().join("oidc-provider.log");
        let log_file = std::fs::File::create(&log)?;
        let mut command = Command::new("node");
        command
            .current_dir(provider_dir())
            .arg("provider.mjs")
            .args(["--port", "0", "--client-id", client_id])
            .args(["--client-secret", client_secret])
            .args(["--issuer-host", issuer_host]);
        for uri in redirect_uris {
            command.args(["--redirect-uri", uri]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file.try_clone()?)
            .spawn()
            .context(
                "cannot run node: the sign-in tests need Node.js (apt-get install nodejs npm)",
            )?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no stdout from node"))?;
        // The first line says the port; the rest is copied to the log, so the pipe
        // never fills and stalls the provider.
        let (port_tx, port_rx) = mpsc::channel();
        let mut copy = log_file;
        std::thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match line.strip_prefix("listening on port ") {
                    Some(port) if port_tx.is_some() => {
                        if let Some(tx) = port_tx.take() {
                            let _ = tx.send(port.trim().parse::<u16>());
                        }
                    }
                    _ => {
                        let _ = writeln!(copy, "{line}");
                    }
                }
            }
        });
        let mut provider = Self {
            child: Some(child),
            port: 0,
            issuer: String::new(),
            log,
            _dir: dir,
        };
        match port_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(port)) => {
                provider.port = port;
                provider.issuer = format!("http://{issuer_host}:{port}");
                Ok(provider)
            }
            Ok(Err(e)) => bail!(
                "oidc-provider printed a bad port ({e}): {}",
                provider.log_text()
            ),
            Err(_) => {
                provider.stop();
                bail!(
                    "oidc-provider did not start within 30 seconds: {}",
                    provider.log_text()
                )
            }
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its issuer identifier, as its discovery document and tokens say it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Its address on loopback (the same as [`Self::issuer`] unless started on another
    /// host name).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What it wrote to stdout and stderr so far, for a failing test's message.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Makes the next ID token it issues come back spoiled as `tamper` says.
    pub fn tamper_next_id_token(&self, tamper: Tamper) -> anyhow::Result<()> {
        let name: &'static str = tamper.into();
        let url = format!("{}/test/next-id-token?tamper={name}", self.base_url());
        let response = agent().post(&url).send_empty()?;
        if !response.status().is_success() {
            bail!("the provider refused tamper {name}: {}", response.status());
        }
        Ok(())
    }

    /// Follows `authorize_url` as a browser would, signs in at the provider's page as
    /// `email` in `groups`, and returns what the provider sends back to the client.
    pub fn sign_in(
        &self,
        authorize_url: &str,
        email: &str,
        groups: &[&str],
    ) -> anyhow::Result<Callback> {
        let mut browser = CookieBrowser::default();
        let login_page = browser.follow(authorize_url, self.port)?;
        let page = browser.get(&login_page)?;
        if !page.contains("id=\"sign-in\"") {
            bail!("not the provider's sign-in page at {login_page}: {page}");
        }
        let login = format!("{login_page}/login");
        let groups = groups.join(",");
        let next = browser.post_form(&login, &[("email", email), ("groups", &groups)])?;
        let back = browser.follow(&next, self.port)?;
        let url = url::Url::parse(&back).with_context(|| format!("redirect to {back}"))?;
        let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        if let Some(error) = query.get("error") {
            bail!("the provider answered error {error}: {query:?}");
        }
        Ok(Callback {
            code: query
                .get("code")
                .cloned()
                .ok_or_else(|| anyhow!("no code in {back}"))?,
            state: query
                .get("state")
                .cloned()
                .ok_or_else(|| anyhow!("no state in {back}"))?,
        })
    }

    /// Stops the provider.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An agent that follows no redirect and treats no status as an error: the sign-in
/// walk looks at each answer itself.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// Just enough of a browser for the provider's pages: a cookie jar (by name; the
/// provider's cookie names are distinct) and redirects followed one at a time.
#[derive(Default)]
struct CookieBrowser {
    jar: BTreeMap<String, String>,
}

impl CookieBrowser {
    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &ureq::http::Response<ureq::Body>) {
        for header in response.headers().get_all("set-cookie") {
            let Some(cookie) = header
                .to_str()
                .ok()
                .and_then(|h| cookie::Cookie::parse(h.to_owned()).ok())
            else {
                continue;
            };
            // The provider clears a cookie by sending it empty (and expired).
            let gone = cookie.value().is_empty()
                || cookie
                    .max_age()
                    .is_some_and(|age| age.is_zero() || age.is_negative());
            if gone {
                self.jar.remove(cookie.name());
            } else {
                self.jar
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
    }

    /// The absolute address a redirect points to.
    fn location(
        response: &ureq::http::Response<ureq::Body>,
        from: &str,
    ) -> anyhow::Result<Option<String>> {
        let Some(location) = response.headers().get("location") else {
            return Ok(None);
        };
        let base = url::Url::parse(from)?;
        Ok(Some(base.join(location.to_str()?)?.to_string()))
    }

    fn get(&mut self, url: &str) -> anyhow::Result<String> {
        let mut response = agent()
            .get(url)
            .header("cookie", self.cookie_header())
            .call()?;
        self.keep_cookies(&response);
        let status = response.status();
        let body = response.body_mut().read_to_string()?;
        if !status.is_success() {
            bail!("GET {url}: {status}: {body}");
        }
        Ok(body)
    }

    /// Posts a form; returns where the answer redirects.
    fn post_form(&mut self, url: &str, fields: &[(&str, &str)]) -> anyhow::Result<String> {
        let mut response = agent()
            .post(url)
            .header("cookie", self.cookie_header())
            .send_form(fields.iter().copied())?;
        self.keep_cookies(&response);
        match Self::location(&response, url)? {
            Some(next) => Ok(next),
            None => bail!(
                "POST {url}: {} without a redirect: {}",
                response.status(),
                response.body_mut().read_to_string().unwrap_or_default()
            ),
        }
    }

    /// Follows redirects from `url` while they stay on the provider (`port` on
    /// loopback); returns the first address that is not a redirect on the provider
    /// (its page) or that leaves it (the client's redirect URI).
    fn follow(&mut self, url: &str, port: u16) -> anyhow::Result<String> {
        let mut current = url.to_owned();
        for _ in 0..10 {
            let parsed = url::Url::parse(&current)?;
            if parsed.port() != Some(port) {
                return Ok(current);
            }
            let response = agent()
                .get(&current)
                .header("cookie", self.cookie_header())
                .call()?;
            self.keep_cookies(&response);
            match Self::location(&response, &current)? {
                Some(next) if response.status().is_redirection() => current = next,
                _ => return Ok(current),
            }
        }
        bail!("more than 10 redirects from {url}")
    }
}

/// Fails loudly when Node or npm is missing, and runs `npm ci` in the provider's folder
/// when its `node_modules` is missing (once per test process).
pub fn require_installed() -> anyhow::Result<()> {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = provider_dir();
    if dir
        .join("node_modules/oidc-provider/package.json")
        .is_file()
    {
        return Ok(());
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .output()
        .context("the sign-in tests need npm to install oidc-provider: install Node.js and npm (apt-get install nodejs npm; bash .ci/run does)")?;
    if !output.status.success() {
        bail!(
            "`npm ci` in {} failed ({}); the sign-in tests need oidc-provider from npm: {}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
