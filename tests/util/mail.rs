//! A real SMTP server on loopback for the mail tests: Python's `aiosmtpd` (PyPI), which
//! stores every message it accepts in a maildir the test reads. `.ci/run` installs it;
//! without it the tests fail, saying how to install it, rather than skip.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// An aiosmtpd process listening on `127.0.0.1:port`, writing to a maildir. Stopped
/// (killed) when dropped.
pub struct SmtpSink {
    child: Option<Child>,
    port: u16,
    maildir: PathBuf,
    log: PathBuf,
}

/// A loopback port free right now (the OS picks it; the listener is closed at once).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

impl SmtpSink {
    /// Starts aiosmtpd on `port`, storing messages under `dir`, and waits until it
    /// accepts connections.
    pub fn start(port: u16, dir: &Path) -> anyhow::Result<Self> {
        require_aiosmtpd()?;
        let maildir = dir.join("maildir");
        let log = dir.join("aiosmtpd.log");
        let log_file = std::fs::File::create(&log)?;
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .context("cannot run python3 -m aiosmtpd")?;
        let mut sink = Self {
            child: Some(child),
            port,
            maildir,
            log,
        };
        let started = Instant::now();
        loop {
            if TcpStream::connect(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(sink);
            }
            if let Some(child) = sink.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "aiosmtpd exited ({status}) before listening on port {port}: {}",
                    std::fs::read_to_string(&sink.log).unwrap_or_default()
                );
            }
            if started.elapsed() > Duration::from_secs(20) {
                bail!("aiosmtpd did not listen on port {port} within 20 seconds");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message received so far, as the server stored it.
    pub fn messages(&self) -> anyhow::Result<Vec<String>> {
        let mut messages = Vec::new();
        for folder in ["new", "cur"] {
            let dir = self.maildir.join(folder);
            if !dir.is_dir() {
                continue;
            }
            let mut files: Vec<_> = std::fs::read_dir(&dir)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            files.sort();
            for file in files {
                messages.push(std::fs::read_to_string(file)?);
            }
        }
        Ok(messages)
    }

    /// Stops the server; connections are refused from then on.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Fails loudly when aiosmtpd is missing: a mail test that cannot reach a real SMTP
/// server must not pass by skipping.
pub fn require_aiosmtpd() -> anyhow::Result<()> {
    let status = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("the mail tests need python3 with aiosmtpd: install Python 3, then run `pip install aiosmtpd`")?;
    if !status.success() {
        bail!(
            "the mail tests need a real SMTP server and aiosmtpd is not installed: run `pip install aiosmtpd` (bash .ci/run installs aiosmtpd==1.4.6)"
        );
    }
    Ok(())
}

/// A message with quoted-printable soft line breaks joined and `=XX` escapes decoded,
/// so a test can search the text a reader would see.
pub fn decoded(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| {
                h.bytes()
                    .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
            })
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'=', Some(value)) => {
                out.push(value);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
