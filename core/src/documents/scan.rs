//! Virus scanning of uploaded documents through ClamAV's daemon, `clamd`.
//!
//! Evidence comes from families and schools and is opened by council officers and
//! panel members, so every upload is scanned before it is kept. The file is streamed to
//! clamd with its `INSTREAM` command in chunks (the `clamav-client` crate speaks the
//! protocol), so a large upload is never held in memory whole, and clamd needs no access
//! to our disk: it may run in another container or on another host.
//!
//! The one rule that matters: only clamd's own "OK" answer makes a file [`Verdict::Clean`].
//! A daemon that is configured but down, slow, or answering nonsense is a
//! [`ScanError`], and the upload is refused as "cannot be checked for viruses now".

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use clamav_client::tokio::TransportProtocol;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// Bytes sent to clamd per `INSTREAM` chunk. The crate's default (4 KiB) costs a system
/// call per 4 KiB; 64 KiB keeps a 20 MB upload to a few hundred writes while staying
/// far below any `StreamMaxLength` a deployment would set.
const CHUNK_SIZE: usize = 64 * 1024;

/// Where clamd listens, from settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClamdAddress {
    /// A Unix socket (clamd's `LocalSocket`): clamd on the same host or in a shared volume.
    Unix(PathBuf),
    /// `host:port` (clamd's `TCPSocket`/`TCPAddr`): clamd in another container or host.
    Tcp(String),
}

impl std::fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
            Self::Tcp(address) => write!(f, "tcp:{address}"),
        }
    }
}

/// A client for one clamd. Cheap to clone; each scan opens its own connection, because
/// clamd answers one `INSTREAM` per connection and a shared connection would serialise
/// uploads behind one another.
#[derive(Clone, Debug)]
pub struct Scanner {
    address: ClamdAddress,
    timeout: Duration,
}

/// What clamd found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// clamd answered "OK": no signature matched.
    Clean,
    /// A signature matched; the file must not be stored or shown to anyone.
    Infected {
        /// clamd's name for what it found (e.g. `Win.Test.EICAR_HDB-1`), for the audit
        /// log and the officer who asks why an upload was refused.
        signature: String,
    },
}

/// Why a file could not be scanned. Every variant means "not known to be clean": the
/// caller refuses the upload, it never stores it unscanned.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Nothing answered at the configured address (not running, wrong socket path or
    /// port, refused).
    #[error("the virus scanner at {address} cannot be reached: {source}")]
    Unreachable {
        /// The configured address, so the operator sees which setting is wrong.
        address: ClamdAddress,
        /// The connection error.
        #[source]
        source: io::Error,
    },
    /// clamd did not answer within the configured time.
    #[error("the virus scanner at {address} did not answer within {timeout:?}")]
    TimedOut {
        /// The configured address.
        address: ClamdAddress,
        /// The configured time limit.
        timeout: Duration,
    },
    /// The file is larger than clamd accepts in one stream (its `StreamMaxLength`): it
    /// cannot be scanned, so it cannot be accepted until the limit is raised.
    #[error("the file is larger than the virus scanner accepts (clamd's StreamMaxLength)")]
    TooLarge,
    /// clamd answered something other than a verdict (an `ERROR` reply, an empty or
    /// unreadable answer).
    #[error("the virus scanner gave no verdict: {0}")]
    Protocol(String),
    /// Reading the file, or talking to clamd once connected, failed.
    #[error("scanning failed: {0}")]
    Io(#[from] io::Error),
}

impl Scanner {
    /// A scanner for the clamd at `address`. `timeout` bounds each whole operation
    /// (connecting, streaming the file, waiting for the verdict), so a stuck daemon
    /// turns into an error instead of an upload that never finishes.
    pub fn new(address: ClamdAddress, timeout: Duration) -> Self {
        Self { address, timeout }
    }

    /// The configured address.
    pub fn address(&self) -> &ClamdAddress {
        &self.address
    }

    /// Scans a file on disk by streaming it (never reading it whole into memory).
    pub async fn scan_file(&self, path: &Path) -> Result<Verdict, ScanError> {
        let transport = Transport {
            address: &self.address,
        };
        let response = self
            .bounded(clamav_client::tokio::scan_file(
                path,
                &transport,
                Some(CHUNK_SIZE),
            ))
            .await?;
        parse_scan_reply(&response)
    }

    /// Checks that clamd answers, for the readiness check and for settings validation
    /// at start-up.
    pub async fn ping(&self) -> Result<(), ScanError> {
        let transport = Transport {
            address: &self.address,
        };
        let response = self.bounded(clamav_client::tokio::ping(&transport)).await?;
        if response == clamav_client::PONG {
            Ok(())
        } else {
            Err(ScanError::Protocol(format!(
                "expected PONG to PING, got {:?}",
                String::from_utf8_lossy(&response)
            )))
        }
    }

    /// Runs one exchange with clamd under the time limit, sorting its I/O error into
    /// "could not connect" and "failed later".
    async fn bounded(
        &self,
        exchange: impl Future<Output = io::Result<Vec<u8>>>,
    ) -> Result<Vec<u8>, ScanError> {
        match tokio::time::timeout(self.timeout, exchange).await {
            Err(_elapsed) => Err(ScanError::TimedOut {
                address: self.address.clone(),
                timeout: self.timeout,
            }),
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(self.classify(error)),
        }
    }

    fn classify(&self, error: io::Error) -> ScanError {
        let is_connect = error
            .get_ref()
            .is_some_and(|inner| inner.is::<ConnectFailed>());
        if !is_connect {
            return ScanError::Io(error);
        }
        match error
            .into_inner()
            .map(|inner| inner.downcast::<ConnectFailed>())
        {
            Some(Ok(failed)) => ScanError::Unreachable {
                address: self.address.clone(),
                source: failed.0,
            },
            // Unreachable in practice (checked just above); kept as a plain I/O error
            // rather than a panic.
            Some(Err(other)) => ScanError::Io(io::Error::other(other)),
            None => ScanError::Io(io::Error::other("connection failed")),
        }
    }
}

/// Reads clamd's reply to `INSTREAM`. Replies are NUL-terminated text (the crate sends
/// `z`-prefixed commands): `stream: OK`, `stream: <signature> FOUND`, or
/// `<reason> ERROR`. A reply without its NUL was cut short and is not trusted.
fn parse_scan_reply(response: &[u8]) -> Result<Verdict, ScanError> {
    let Some(reply) = response.strip_suffix(b"\0") else {
        return Err(ScanError::Protocol(if response.is_empty() {
            "clamd closed the connection without a verdict".to_owned()
        } else {
            format!(
                "incomplete reply from clamd: {:?}",
                String::from_utf8_lossy(response)
            )
        }));
    };
    let text = String::from_utf8_lossy(reply);
    let text = text.trim();
    if text.contains("size limit exceeded") {
        return Err(ScanError::TooLarge);
    }
    let Some(result) = text.strip_prefix("stream:").map(str::trim) else {
        return Err(ScanError::Protocol(text.to_owned()));
    };
    if result == "OK" {
        return Ok(Verdict::Clean);
    }
    match result.strip_suffix(" FOUND").map(str::trim) {
        Some(signature) if !signature.is_empty() => Ok(Verdict::Infected {
            signature: signature.to_owned(),
        }),
        _ => Err(ScanError::Protocol(text.to_owned())),
    }
}

/// Marks an I/O error as a failure to connect, so [`Scanner::classify`] can tell an
/// unreachable daemon from a failure mid-scan (the crate returns both as `io::Error`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ConnectFailed(io::Error);

/// The configured address as the crate's transport: one type for both socket kinds.
struct Transport<'a> {
    address: &'a ClamdAddress,
}

impl TransportProtocol for Transport<'_> {
    type Stream = Connection;

    async fn connect(&self) -> io::Result<Connection> {
        let socket = match self.address {
            ClamdAddress::Unix(path) => UnixStream::connect(path).await.map(Socket::Unix),
            ClamdAddress::Tcp(address) => {
                TcpStream::connect(address.as_str()).await.map(Socket::Tcp)
            }
        };
        let socket = socket.map_err(|e| io::Error::new(e.kind(), ConnectFailed(e)))?;
        Ok(Connection {
            socket,
            peer_closed: false,
            received: false,
        })
    }
}

enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

/// A connection to clamd that keeps going when clamd stops reading.
///
/// When a stream passes `StreamMaxLength`, clamd replies "INSTREAM size limit exceeded.
/// ERROR" and closes the connection while we are still writing; the next write fails
/// with a broken pipe, and reading the reply ends in a connection reset; the crate would
/// return either error and drop the reply. Here writes after the peer closed are
/// discarded (reported as written), and a reset after some of the reply arrived ends
/// the reply, so the crate hands it over and the caller learns *why*
/// ([`ScanError::TooLarge`]). If clamd went away without a reply, that is an error
/// ([`ScanError::Io`] or, for an empty answer, [`ScanError::Protocol`]), never clean.
struct Connection {
    socket: Socket,
    /// clamd stopped reading; later writes are discarded.
    peer_closed: bool,
    /// Some of clamd's reply has arrived.
    received: bool,
}

fn peer_closed(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    )
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = match &mut this.socket {
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
        };
        match result {
            Poll::Ready(Ok(())) => {
                this.received |= buf.filled().len() > before;
                Poll::Ready(Ok(()))
            }
            // clamd closed without reading all we sent: the kernel reports the reset
            // after handing over clamd's reply. The reply is complete (it ends in NUL,
            // which `parse_scan_reply` checks), so this is the end of the answer.
            Poll::Ready(Err(e)) if this.received && peer_closed(&e) => Poll::Ready(Ok(())),
            other => other,
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.peer_closed {
            return Poll::Ready(Ok(buf.len()));
        }
        let result = match &mut this.socket {
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
        };
        match result {
            Poll::Ready(Err(e)) if peer_closed(&e) => {
                this.peer_closed = true;
                Poll::Ready(Ok(buf.len()))
            }
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.peer_closed {
            return Poll::Ready(Ok(()));
        }
        let result = match &mut this.socket {
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
        };
        match result {
            Poll::Ready(Err(e)) if peer_closed(&e) => {
                this.peer_closed = true;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().socket {
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ScanError, Verdict, parse_scan_reply};

    #[test]
    fn only_ok_is_clean() {
        assert_eq!(parse_scan_reply(b"stream: OK\0").ok(), Some(Verdict::Clean));
        assert_eq!(
            parse_scan_reply(b"stream: Eicar-Test-Signature FOUND\0").ok(),
            Some(Verdict::Infected {
                signature: "Eicar-Test-Signature".to_owned()
            })
        );
        assert!(matches!(
            parse_scan_reply(b"INSTREAM size limit exceeded. ERROR\0"),
            Err(ScanError::TooLarge)
        ));
        for reply in [
            &b""[..],
            b"\0",
            b"stream: OK",
            b"stream: FOUND\0",
            b"stream: ERROR\0",
            b"PONG\0",
        ] {
            assert!(
                matches!(parse_scan_reply(reply), Err(ScanError::Protocol(_))),
                "{reply:?} must not be a verdict"
            );
        }
    }
}
