//! The `[mail]` settings: where mail goes and how hard the worker tries.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::NotifyError;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum MailTls {
    /// Connect in clear and upgrade with STARTTLS before anything is sent, refusing a
    /// server that cannot (port 587): the usual council relay.
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption (port 25): only for a relay on this machine, or a test server on
    /// loopback; credentials are refused with it unless the host is loopback.
    None,
}

impl MailTls {
    /// The port servers use for this mode when `smtp_port` is not given.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Starttls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// Where mail goes, and the worker's pace. With no `smtp_host` (the embedded default)
/// every message is written as an `.eml` file into `outbox_dir` instead, so a demo
/// never e-mails anyone and the letters can still be read.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// The sender's address on every message and envelope; the display name is the
    /// authority's name ("Torbay Council"). Its domain also names each `Message-ID`.
    pub from_address: String,
    /// Where `.eml` files are written when no SMTP server is configured.
    pub outbox_dir: PathBuf,
    /// The SMTP server; empty means "write files into `outbox_dir`".
    pub smtp_host: String,
    /// Its port; without one, the usual port for `tls` (587, 465 or 25).
    pub smtp_port: Option<u16>,
    /// `starttls`, `tls` or `none`.
    pub tls: MailTls,
    /// The SMTP user name; empty sends without authenticating.
    pub smtp_username: String,
    /// The SMTP password. Prefer an environment variable or a file readable only by
    /// the service to writing it in a shared configuration file.
    pub smtp_password: String,
    /// How long one SMTP command may take before the attempt counts as failed.
    pub timeout_secs: u64,
    /// How often the worker looks for due messages.
    pub poll_interval_secs: u64,
    /// The most messages one round sends.
    pub batch: u32,
    /// How long a worker holds a claimed message before another may take it; far
    /// longer than one send can take, so a live worker never loses its claim.
    pub lease_secs: u64,
    /// The wait after the first failure; it doubles with each further failure.
    pub retry_initial_secs: u64,
    /// The longest wait between attempts.
    pub retry_max_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            from_address: "send-team@sendpanel.invalid".into(),
            outbox_dir: PathBuf::from("data/outbox"),
            smtp_host: String::new(),
            smtp_port: None,
            tls: MailTls::Starttls,
            smtp_username: String::new(),
            smtp_password: String::new(),
            timeout_secs: 30,
            poll_interval_secs: 10,
            batch: 50,
            lease_secs: 300,
            retry_initial_secs: 30,
            retry_max_secs: 3600,
        }
    }
}

impl fmt::Debug for MailSettings {
    /// Everything but the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("from_address", &self.from_address)
            .field("outbox_dir", &self.outbox_dir)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("tls", &self.tls)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &if self.smtp_password.is_empty() {
                    ""
                } else {
                    "(set)"
                },
            )
            .field("timeout_secs", &self.timeout_secs)
            .field("poll_interval_secs", &self.poll_interval_secs)
            .field("batch", &self.batch)
            .field("lease_secs", &self.lease_secs)
            .field("retry_initial_secs", &self.retry_initial_secs)
            .field("retry_max_secs", &self.retry_max_secs)
            .finish()
    }
}

impl MailSettings {
    /// Checks the settings can work, naming the key and the rule when not: an
    /// unparsable sender, credentials sent in clear over a network, a lease shorter
    /// than a send may take.
    pub fn validate(&self) -> Result<(), NotifyError> {
        let fail = |key, rule: String| Err(NotifyError::Settings { key, rule });
        if self.from_address.parse::<lettre::Address>().is_err() {
            return fail(
                "from_address",
                format!(
                    "`{}` must be an e-mail address such as send-team@council.gov.uk",
                    self.from_address
                ),
            );
        }
        if self.uses_smtp() {
            if self.smtp_host.contains(char::is_whitespace) || self.smtp_host.contains('/') {
                return fail(
                    "smtp_host",
                    format!("`{}` must be a host name or address", self.smtp_host),
                );
            }
            if self.smtp_port == Some(0) {
                return fail("smtp_port", "must be between 1 and 65535".into());
            }
            if self.smtp_username.is_empty() != self.smtp_password.is_empty() {
                return fail(
                    "smtp_password",
                    "smtp_username and smtp_password are given together or not at all".into(),
                );
            }
            if self.tls == MailTls::None && !self.smtp_username.is_empty() && !self.is_loopback() {
                return fail(
                    "tls",
                    "`none` with credentials would send the password in clear across the network; use starttls or tls".into(),
                );
            }
        } else if self.outbox_dir.as_os_str().is_empty() {
            return fail(
                "outbox_dir",
                "must name a folder when no smtp_host is set".into(),
            );
        }
        let within = |key, value: u64, low: u64, high: u64| {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                fail(key, format!("{value} must be between {low} and {high}"))
            }
        };
        within("timeout_secs", self.timeout_secs, 1, 600)?;
        within("poll_interval_secs", self.poll_interval_secs, 1, 3600)?;
        within("batch", u64::from(self.batch), 1, 10_000)?;
        within("retry_initial_secs", self.retry_initial_secs, 1, 86_400)?;
        within(
            "retry_max_secs",
            self.retry_max_secs,
            self.retry_initial_secs,
            7 * 86_400,
        )?;
        // A live worker must never lose its claim mid-send: the lease outlasts a whole
        // SMTP conversation (a handful of commands, each up to the timeout).
        within(
            "lease_secs",
            self.lease_secs,
            self.timeout_secs.saturating_mul(4),
            86_400,
        )
    }

    /// Whether mail goes to an SMTP server (else to files).
    pub fn uses_smtp(&self) -> bool {
        !self.smtp_host.trim().is_empty()
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.smtp_port.unwrap_or_else(|| self.tls.default_port())
    }

    /// How often the worker runs, for [`super::spawn_worker`].
    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.poll_interval_secs)
    }

    fn is_loopback(&self) -> bool {
        let host = self.smtp_host.trim();
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_write_files_and_are_valid() {
        let settings = MailSettings::default();
        settings.validate().unwrap();
        assert!(!settings.uses_smtp());
        assert_eq!(settings.port(), 587);
    }

    #[test]
    fn the_toml_keys_parse_and_unknown_keys_are_refused() {
        let settings: MailSettings = toml::from_str(
            "smtp_host = \"smtp.council.gov.uk\"\ntls = \"tls\"\nsmtp_username = \"u\"\nsmtp_password = \"p\"",
        )
        .unwrap();
        settings.validate().unwrap();
        assert_eq!(settings.port(), 465);
        assert!(!format!("{settings:?}").contains("\"p\""));
        assert!(toml::from_str::<MailSettings>("smtp_hots = \"x\"").is_err());
        assert!(toml::from_str::<MailSettings>("tls = \"ssl\"").is_err());
    }

    #[test]
    fn credentials_in_clear_are_refused_except_on_loopback() {
        let mut settings = MailSettings {
            smtp_host: "mail.example.org".into(),
            tls: MailTls::None,
            smtp_username: "u".into(),
            smtp_password: "p".into(),
            ..MailSettings::default()
        };
        let err = settings.validate().unwrap_err().to_string();
        assert!(err.starts_with("mail.tls: "), "{err}");
        settings.smtp_host = "127.0.0.1".into();
        settings.validate().unwrap();
    }

    #[test]
    fn a_lease_shorter_than_a_send_is_refused() {
        let settings = MailSettings {
            lease_secs: 10,
            ..MailSettings::default()
        };
        let err = settings.validate().unwrap_err().to_string();
        assert!(
            err.starts_with("mail.lease_secs: 10 must be between 120"),
            "{err}"
        );
    }
}
