//! The outbox worker: claim due messages, send the stored bytes, record what happened.
//!
//! A round ([`deliver_due`]) goes authority by authority (every store query is scoped),
//! claiming due messages with a lease in one short transaction, sending each outside
//! any transaction, then recording `sent` or the error in another. A failure waits
//! `retry_initial_secs`, doubling with each further failure up to `retry_max_secs`;
//! the message is never dropped. If the process dies mid-round, its leases run out and
//! another round sends what it held.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{MailSettings, MailTls, NotifyError};
use crate::store::{AuthorityScope, Database, OutboxEntry};
use crate::time::{Clock, SystemClock};

/// Where messages go: an SMTP server, or `.eml` files when none is configured. Built
/// from [`MailSettings`]; cheap to share behind an `Arc`.
pub struct Mailer {
    transport: Transport,
    sender: Address,
    lease: chrono::Duration,
    retry_initial: chrono::Duration,
    retry_max: chrono::Duration,
    batch: usize,
}

enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        host: String,
        port: u16,
        tls: MailTls,
    },
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.describe())
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

/// What one round did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages this round claimed.
    pub claimed: usize,
    /// Of those, accepted by the server (or written to a file).
    pub sent: usize,
    /// Of those, failed and scheduled for a retry.
    pub failed: usize,
}

impl Mailer {
    /// Validates the settings and builds the transport: SMTP with STARTTLS, implicit
    /// TLS or none, with credentials when given; or, with no `smtp_host`, a sink that
    /// writes each message to `outbox_dir` as an `.eml` file (the folder is created).
    pub fn from_settings(settings: &MailSettings) -> Result<Self, NotifyError> {
        settings.validate()?;
        let sender: Address =
            settings
                .from_address
                .parse()
                .map_err(|e: lettre::address::AddressError| NotifyError::Settings {
                    key: "from_address",
                    rule: e.to_string(),
                })?;
        let transport = if settings.uses_smtp() {
            let host = settings.smtp_host.trim().to_owned();
            let port = settings.port();
            let builder = match settings.tls {
                MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host),
                MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host),
                MailTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                    host.clone(),
                )),
            }
            .map_err(|e| NotifyError::Transport(format!("smtp_host {host}: {e}")))?
            .port(port)
            .timeout(Some(Duration::from_secs(settings.timeout_secs)));
            let builder = if settings.smtp_username.is_empty() {
                builder
            } else {
                builder.credentials(Credentials::new(
                    settings.smtp_username.clone(),
                    settings.smtp_password.clone(),
                ))
            };
            Transport::Smtp {
                transport: builder.build(),
                host,
                port,
                tls: settings.tls,
            }
        } else {
            let dir = settings.outbox_dir.clone();
            std::fs::create_dir_all(&dir).map_err(|e| NotifyError::Settings {
                key: "outbox_dir",
                rule: format!("cannot create {}: {e}", dir.display()),
            })?;
            Transport::Files {
                transport: AsyncFileTransport::<Tokio1Executor>::new(&dir),
                dir,
            }
        };
        let secs = |s: u64| chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX));
        Ok(Self {
            transport,
            sender,
            lease: secs(settings.lease_secs),
            retry_initial: secs(settings.retry_initial_secs),
            retry_max: secs(settings.retry_max_secs),
            batch: usize::try_from(settings.batch).unwrap_or(usize::MAX),
        })
    }

    /// Where mail goes, in words, for the start-up log and the demo ("no SMTP server is
    /// configured: e-mails are written to data/outbox as .eml files").
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp {
                host, port, tls, ..
            } => format!("SMTP server {host}:{port} ({tls})"),
            Transport::Files { dir, .. } => format!(
                "no SMTP server is configured: e-mails are written to {} as .eml files",
                dir.display()
            ),
        }
    }

    /// The most messages one round sends, from the settings.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// How long to wait after the `attempts`-th failure: the initial wait, doubled for
    /// each failure after the first, never more than the maximum.
    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.retry_initial
            .checked_mul(1 << doublings)
            .map_or(self.retry_max, |wait| wait.min(self.retry_max))
    }

    async fn send(&self, entry: &OutboxEntry) -> Result<(), String> {
        let to: Address = entry
            .recipient
            .as_str()
            .parse()
            .map_err(|e: lettre::address::AddressError| format!("recipient: {e}"))?;
        let envelope = lettre::address::Envelope::new(Some(self.sender.clone()), vec![to])
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp { transport, .. } => transport
                .send_raw(&envelope, &entry.message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Transport::Files { transport, dir } => {
                // Recreated if someone tidied it away while the service ran.
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                transport
                    .send_raw(&envelope, &entry.message)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// One round: claims up to `batch` due messages across all authorities (held for the
/// lease), sends each, marks it sent at `now`, or records the error and the time of the
/// next try. A database failure ends the round with an error; messages it had claimed
/// are retried when their lease runs out.
pub async fn deliver_due(
    db: &Database,
    mailer: &Mailer,
    now: DateTime<Utc>,
    batch: usize,
) -> Result<DeliveryReport, NotifyError> {
    let mut report = DeliveryReport::default();
    let authorities = db.read_async(|tx| tx.list_authorities()).await?;
    let until = now + mailer.lease;
    for authority in authorities {
        let remaining = batch.saturating_sub(report.claimed);
        if remaining == 0 {
            break;
        }
        let scope = AuthorityScope::new(authority.id);
        let claim_scope = scope.clone();
        let claimed = db
            .write_async(move |tx| tx.claim_due_mail(&claim_scope, now, until, remaining))
            .await?;
        report.claimed += claimed.len();
        for entry in claimed {
            let outcome = mailer.send(&entry).await;
            let scope = scope.clone();
            let id = entry.id;
            // The claim's `until` is the lease: only its holder records the outcome.
            let lease = entry.claimed_until.unwrap_or(until);
            match outcome {
                Ok(()) => {
                    db.write_async(move |tx| tx.mark_mail_sent(&scope, id, lease, now))
                        .await?;
                    report.sent += 1;
                    metrics::counter!("sendpanel_outbox_sent_total").increment(1);
                    tracing::info!(outbox = %id, purpose = %entry.purpose, "e-mail sent");
                }
                Err(error) => {
                    let attempts = entry.attempts.saturating_add(1);
                    let retry_at = now + mailer.backoff(attempts);
                    tracing::warn!(
                        outbox = %id,
                        attempts,
                        %retry_at,
                        error = %error,
                        "e-mail not sent; will retry"
                    );
                    db.write_async(move |tx| {
                        tx.mark_mail_failed(&scope, id, lease, &error, retry_at)
                    })
                    .await?;
                    report.failed += 1;
                    metrics::counter!("sendpanel_outbox_failures_total").increment(1);
                }
            }
        }
    }
    Ok(report)
}

/// Starts the outbox worker on the current tokio runtime: a round every `interval`
/// (at once again while rounds come back full), on the system clock. Errors are
/// logged, never fatal: the next round tries again. Aborting the returned handle at
/// shutdown is safe; anything claimed is retried after its lease.
pub fn spawn_worker(
    db: Database,
    mailer: Mailer,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(mail = %mailer.describe(), "outbox worker started");
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            loop {
                match deliver_due(&db, &mailer, SystemClock.now(), mailer.batch).await {
                    Ok(report) => {
                        if report.claimed > 0 {
                            tracing::info!(
                                sent = report.sent,
                                failed = report.failed,
                                "outbox round"
                            );
                        }
                        if report.claimed < mailer.batch || report.sent == 0 {
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "outbox round failed; the next round retries");
                        break;
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_30_seconds_and_stops_at_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::from_settings(&MailSettings {
            outbox_dir: dir.path().join("outbox"),
            ..MailSettings::default()
        })
        .unwrap();
        let waits: Vec<i64> = (1..=9).map(|n| mailer.backoff(n).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(mailer.backoff(1000).num_seconds(), 3600);
        assert!(dir.path().join("outbox").is_dir());
        assert!(mailer.describe().contains(".eml"), "{}", mailer.describe());
    }
}
