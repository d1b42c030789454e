//! A real S3-compatible server on loopback for the document-storage tests: `moto` (PyPI)
//! in server mode, which keeps buckets in memory. `.ci/run` installs `moto[server]`;
//! without it the tests fail, saying how to install it, rather than skip.
//!
//! The settings that work with `object_store`'s `AmazonS3Builder` are in
//! [`S3Server::builder`].

use std::net::{Ipv4Addr, SocketAddrV4, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::mail::free_port;

/// The pinned moto release, as `.ci/run` installs it.
pub const MOTO: &str = "moto[server]==5.1.0";

/// A moto server with one empty bucket. Killed when dropped.
pub struct S3Server {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// The bucket created at start.
    pub bucket: String,
    /// The region moto answers for.
    pub region: String,
    /// Any key works with moto; these are its documented test credentials.
    pub access_key_id: String,
    /// The secret to go with [`Self::access_key_id`].
    pub secret_access_key: String,
    child: Option<Child>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl S3Server {
    /// Starts moto on a free loopback port, waits until it answers HTTP, and creates the
    /// bucket `sendpanel-test` (object_store cannot create buckets; moto takes an
    /// unsigned `PUT /<bucket>`).
    pub fn start() -> anyhow::Result<Self> {
        require_moto()?;
        let dir = tempfile::tempdir()?;
        let log = dir.path().join("moto.log");
        let log_file = std::fs::File::create(&log)?;
        let port = free_port()?;
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .context("cannot run python3 -m moto.server")?;
        let mut server = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: "sendpanel-test".to_owned(),
            region: "us-east-1".to_owned(),
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
            child: Some(child),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        loop {
            if TcpStream::connect(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).is_ok()
                && agent().get(&server.endpoint).call().is_ok()
            {
                break;
            }
            if let Some(child) = server.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "moto exited ({status}) before listening on port {port}: {}",
                    server.log_text()
                );
            }
            if started.elapsed() > Duration::from_secs(30) {
                server.stop();
                bail!(
                    "moto did not answer on port {port} within 30 seconds: {}",
                    server.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let url = format!("{}/{}", server.endpoint, server.bucket);
        let response = agent().put(&url).send_empty()?;
        if !response.status().is_success() {
            bail!(
                "moto refused to create bucket {} ({}): {}",
                server.bucket,
                response.status(),
                server.log_text()
            );
        }
        Ok(server)
    }

    /// A builder for the bucket with the settings that work against moto: its endpoint,
    /// plain HTTP allowed, path-style requests (`http://host/bucket/key`, since
    /// `<bucket>.127.0.0.1` does not resolve), fixed test credentials and region.
    pub fn builder(&self) -> object_store::aws::AmazonS3Builder {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_bucket_name(&self.bucket)
            .with_region(&self.region)
            .with_access_key_id(&self.access_key_id)
            .with_secret_access_key(&self.secret_access_key)
    }

    /// What moto wrote so far, for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the server; connections are refused from then on.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Fails loudly when moto is missing: a storage test that cannot reach a real
/// S3-compatible server must not pass by skipping.
pub fn require_moto() -> anyhow::Result<()> {
    let status = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("the S3 tests need python3 with moto: install Python 3, then run `pip install '{MOTO}'`"))?;
    if !status.success() {
        bail!(
            "the S3 tests need a real S3-compatible server and moto is not installed: run `pip install '{MOTO}'` (bash .ci/run does)"
        );
    }
    Ok(())
}
