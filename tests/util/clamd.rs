//! A real ClamAV daemon on loopback for the virus-scanning tests: Debian's
//! `clamav-daemon` (`/usr/sbin/clamd`), run in the foreground from a configuration
//! written to a temporary folder. Signature downloads are not available to tests, so the
//! database is written here too: one body signature for the EICAR test file. `.ci/run`
//! installs clamd; without it the tests fail, saying how to install it, rather than skip.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::mail::free_port;

/// The largest stream the test clamd accepts (its `StreamMaxLength`), in bytes: above
/// the 20 MB upload the tests stream, below what they use to provoke "too large".
pub const STREAM_MAX_LENGTH: u64 = 25 * 1024 * 1024;

/// The name clamd reports for the EICAR signature written here (clamd adds
/// `.UNOFFICIAL` to names from an unsigned database).
pub const EICAR_SIGNATURE: &str = "Eicar-Test-Signature";

/// The 68-byte EICAR anti-virus test file, which every scanner reports as infected.
/// Assembled at run time from pieces, so neither this source file nor the compiled test
/// binary holds it whole and trips a virus scanner on a developer's machine.
pub fn eicar() -> Vec<u8> {
    [
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
        "EICAR-STANDARD-",
        "ANTIVIRUS-TEST-",
        "FILE!$H+H*",
    ]
    .concat()
    .into_bytes()
}

/// A clamd listening on a Unix socket and on `127.0.0.1:port`. Killed when dropped.
pub struct Clamd {
    /// clamd's `LocalSocket`.
    pub socket: PathBuf,
    /// clamd's `TCPSocket` on 127.0.0.1.
    pub port: u16,
    child: Option<Child>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Clamd {
    /// Starts clamd with the EICAR signature as its whole database and waits until it
    /// answers PING on both sockets.
    pub fn start() -> anyhow::Result<Self> {
        require_clamd()?;
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("db");
        std::fs::create_dir(&db)?;
        // A body signature (.ndb: name:target type:offset:hex), so EICAR is found
        // anywhere in a file, not only as the whole file (as an .hdb hash would be).
        let hex: String = eicar().iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(
            db.join("sendpanel-test.ndb"),
            format!("{EICAR_SIGNATURE}:0:*:{hex}\n"),
        )?;
        let socket = dir.path().join("clamd.sock");
        let log = dir.path().join("clamd.log");
        let port = free_port()?;
        let config = dir.path().join("clamd.conf");
        // No `User`: clamd keeps the test's own user (root in CI), so it can read the
        // temporary folder and needs no clamav account.
        std::fs::write(
            &config,
            format!(
                "Foreground yes\n\
                 LocalSocket {socket}\n\
                 TCPSocket {port}\n\
                 TCPAddr 127.0.0.1\n\
                 DatabaseDirectory {db}\n\
                 TemporaryDirectory {tmp}\n\
                 PidFile {tmp}/clamd.pid\n\
                 LogFile {log}\n\
                 LogVerbose yes\n\
                 LogTime yes\n\
                 StreamMaxLength {STREAM_MAX_LENGTH}\n\
                 SelfCheck 0\n",
                socket = socket.display(),
                db = db.display(),
                tmp = dir.path().display(),
                log = log.display(),
            ),
        )?;
        let output = std::fs::File::create(dir.path().join("clamd.out"))?;
        let child = Command::new(CLAMD)
            .arg("--config-file")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .with_context(|| format!("cannot run {CLAMD}"))?;
        let mut clamd = Self {
            socket,
            port,
            child: Some(child),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        loop {
            if clamd.pings() {
                return Ok(clamd);
            }
            if let Some(child) = clamd.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "clamd exited ({status}) before answering PING: {}",
                    clamd.log_text()
                );
            }
            if started.elapsed() > Duration::from_secs(60) {
                clamd.stop();
                bail!(
                    "clamd did not answer PING within 60 seconds: {}",
                    clamd.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Both sockets answer PONG (checked here without the code under test).
    fn pings(&self) -> bool {
        let unix = UnixStream::connect(&self.socket).and_then(ping);
        let tcp = std::net::TcpStream::connect(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
            .and_then(ping);
        matches!((unix, tcp), (Ok(true), Ok(true)))
    }

    /// `host:port` of the TCP socket.
    pub fn tcp_address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// What clamd wrote to its log and console so far, for failure messages.
    pub fn log_text(&self) -> String {
        let console = self
            .log
            .parent()
            .map(|dir| dir.join("clamd.out"))
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("{console}\n{log}")
    }

    /// Stops clamd; both sockets refuse connections from then on.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn ping<S: Read + Write + SetTimeouts>(mut stream: S) -> std::io::Result<bool> {
    stream.set_timeouts()?;
    stream.write_all(b"zPING\0")?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply == b"PONG\0")
}

/// Read and write timeouts for the readiness probe, so a half-started clamd cannot hang
/// the test.
trait SetTimeouts {
    fn set_timeouts(&mut self) -> std::io::Result<()>;
}

impl SetTimeouts for UnixStream {
    fn set_timeouts(&mut self) -> std::io::Result<()> {
        self.set_read_timeout(Some(Duration::from_secs(5)))?;
        self.set_write_timeout(Some(Duration::from_secs(5)))
    }
}

impl SetTimeouts for std::net::TcpStream {
    fn set_timeouts(&mut self) -> std::io::Result<()> {
        self.set_read_timeout(Some(Duration::from_secs(5)))?;
        self.set_write_timeout(Some(Duration::from_secs(5)))
    }
}

/// Debian's clamd (package `clamav-daemon`).
pub const CLAMD: &str = "/usr/sbin/clamd";

/// Fails loudly when clamd is missing: a scanning test that cannot reach a real clamd
/// must not pass by skipping.
pub fn require_clamd() -> anyhow::Result<()> {
    if !Path::new(CLAMD).is_file() {
        bail!(
            "the virus-scanning tests need a real clamd and {CLAMD} is missing: run `apt-get install -y clamav-daemon` (bash .ci/run does)"
        );
    }
    Ok(())
}
