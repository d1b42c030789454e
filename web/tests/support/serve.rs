//! The real `sendpanel` binary as an operator runs it: started on a free port, read
//! from its printed address, killed (SIGKILL) when dropped. Used by the tests that
//! need whole processes: races and kills, several servers on one database, the logs a
//! file receives, the binary run from an empty directory.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long `serve` may take to start listening (it migrates and loads letters first).
pub const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one HTTP exchange may take before the test gives up on it.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The repository's authorities folder.
pub fn authorities_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities")
}

/// How to start a server.
pub struct Launch<'a> {
    workdir: &'a Path,
    name: &'a str,
    database_url: Option<&'a str>,
    demo: bool,
    repository_config: bool,
    env: Vec<(&'a str, String)>,
    unset: Vec<&'a str>,
    config: Option<&'a Path>,
}

impl<'a> Launch<'a> {
    /// A server run from `workdir` (where its files go), its output kept there as
    /// `<name>.stdout` and `<name>.stderr`; the repository's configuration folders
    /// named, warnings only in the log, no demo.
    pub fn new(workdir: &'a Path, name: &'a str) -> Self {
        Self {
            workdir,
            name,
            database_url: None,
            demo: false,
            repository_config: true,
            env: vec![
                ("SENDPANEL_LOG_FILTER", "warn".to_owned()),
                ("NO_COLOR", "1".to_owned()),
            ],
            unset: Vec::new(),
            config: None,
        }
    }

    /// On this database (the settings' default, a SQLite file in `workdir`, without).
    pub fn database(mut self, url: &'a str) -> Self {
        self.database_url = Some(url);
        self
    }

    /// `serve --demo`: seeds the demo into an empty database.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Names no configuration folder: the binary uses what it carries.
    pub fn shipped_config(mut self) -> Self {
        self.repository_config = false;
        self
    }

    /// Sets an environment variable (a later one replaces an earlier one of the name).
    pub fn env(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.env.retain(|(n, _)| *n != name);
        self.env.push((name, value.into()));
        self
    }

    /// `--config FILE`: settings the environment cannot carry (the `[mail]` table).
    pub fn config(mut self, file: &'a Path) -> Self {
        self.config = Some(file);
        self
    }

    /// Leaves an environment variable unset (the tests' own environment included).
    pub fn unset(mut self, name: &'a str) -> Self {
        self.env.retain(|(n, _)| *n != name);
        self.unset.push(name);
        self
    }

    /// The command line and environment, output going to the work directory's files.
    fn command(&self) -> Command {
        let stdout = self.workdir.join(format!("{}.stdout", self.name));
        let stderr = self.workdir.join(format!("{}.stderr", self.name));
        let mut command = Command::new(env!("CARGO_BIN_EXE_sendpanel"));
        command
            .env_remove("DATABASE_URL")
            .env_remove("RUST_LOG")
            .env_remove("SENDPANEL_AUTHORITIES_DIR")
            .env_remove("SENDPANEL_LETTERS_DIR");
        if self.repository_config {
            command
                .env("SENDPANEL_AUTHORITIES_DIR", authorities_dir())
                .env(
                    "SENDPANEL_LETTERS_DIR",
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/letters"),
                );
        }
        for name in &self.unset {
            command.env_remove(name);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        if let Some(file) = self.config {
            command.arg("--config").arg(file);
        }
        command.args(["serve", "--bind", "127.0.0.1:0"]);
        if let Some(url) = self.database_url {
            command.args(["--database-url", url]);
        }
        if self.demo {
            command.arg("--demo");
        }
        command
            .current_dir(self.workdir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(stdout).unwrap())
            .stderr(std::fs::File::create(stderr).unwrap());
        command
    }

    /// Starts it and expects it to stop before listening; returns what it printed on
    /// standard error.
    pub fn refused(self) -> String {
        let stderr = self.workdir.join(format!("{}.stderr", self.name));
        let demo = self.demo;
        let name = self.name;
        let mut command = self.command();
        let mut child = command.spawn().unwrap();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(!status.success(), "serve ({name}) exited successfully");
                return std::fs::read_to_string(&stderr).unwrap_or_default();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("serve ({name}, demo {demo}) did not stop within {START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts it and waits until it listens.
    pub fn start(self) -> Server {
        let stdout = self.workdir.join(format!("{}.stdout", self.name));
        let stderr = self.workdir.join(format!("{}.stderr", self.name));
        let mut child = self.command().spawn().unwrap();
        let name = self.name;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let printed = std::fs::read_to_string(&stdout).unwrap_or_default();
            if let Some(rest) = printed.split("listening on ").nth(1) {
                let base = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_owned();
                if !self.demo {
                    assert!(
                        !printed.contains("Demo data seeded"),
                        "serve seeded the demo: {printed}"
                    );
                }
                return Server {
                    child,
                    base,
                    stdout,
                    stderr,
                };
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "serve ({name}) exited with {status} before listening; stdout: {printed}; stderr: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "serve ({name}) did not listen within {START_TIMEOUT:?}; stdout: {printed}; stderr: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A running `sendpanel serve`.
pub struct Server {
    child: Child,
    /// Its address, `http://127.0.0.1:PORT`.
    pub base: String,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Server {
    /// The real binary, serving `database_url` on a free port from `workdir` (where its
    /// mail files go), with no demo seeding.
    pub fn start(database_url: &str, workdir: &Path, name: &str) -> Self {
        Launch::new(workdir, name).database(database_url).start()
    }

    /// The address of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown, no flush.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "serve was killed: {status:?}");
    }

    /// What the server logged, for failure messages and the log tests.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// What the server printed on standard output.
    pub fn printed(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP client; 4xx and 5xx come back as answers, not errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(HTTP_TIMEOUT))
        .build()
        .into()
}

/// An answer: status and body (JSON, or the raw text when it is not JSON).
pub type Answer = (u16, Value);

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Result<Answer, ureq::Error> {
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok((status, body))
}

/// `GET`, with a bearer token if given.
pub fn get(agent: &ureq::Agent, url: &str, token: Option<&str>) -> Result<Answer, ureq::Error> {
    let mut request = agent.get(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    answer(request.call()?)
}

/// `POST` of a JSON body with a bearer token.
pub fn post(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    body: &Value,
) -> Result<Answer, ureq::Error> {
    answer(
        agent
            .post(url)
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.to_string())?,
    )
}
