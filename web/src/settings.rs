//! The service's own settings: built-in defaults (`config/default.toml`, compiled in),
//! then an optional `--config` file, then `DATABASE_URL`, then `SENDPANEL_*` variables,
//! then command-line flags, each overriding the one before.
//!
//! Parsed, then validated: every error names where the bad value came from (file or
//! variable), the key and the rule, on one line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use sendpanel_core::notify::MailSettings;
use sendpanel_core::policy::Limits;
use sendpanel_core::store::DatabaseUrl;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Every key, for filtering `SENDPANEL_*` variables: other tools' variables with our
/// prefix must not break start-up.
const KEYS: [&str; 12] = [
    "bind",
    "database_url",
    "database_pool_size",
    "log_format",
    "log_filter",
    "authorities_dir",
    "letters_dir",
    "demo_on_empty",
    "plugin_cache_dir",
    "bank_holidays_file",
    "session_key",
    "secure_cookies",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    bind: String,
    database_url: String,
    database_pool_size: u32,
    log_format: String,
    log_filter: String,
    authorities_dir: PathBuf,
    letters_dir: PathBuf,
    demo_on_empty: bool,
    plugin_cache_dir: PathBuf,
    bank_holidays_file: String,
    session_key: String,
    secure_cookies: String,
    policy: Limits,
    #[serde(default)]
    mail: MailSettings,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub bind: SocketAddr,
    /// Which database.
    pub database_url: DatabaseUrl,
    /// Pool size.
    pub database_pool_size: u32,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter.
    pub log_filter: String,
    /// Authorities' configuration folder, with each authority's own letter templates.
    pub authorities_dir: PathBuf,
    /// The letter templates every authority shares.
    pub letters_dir: PathBuf,
    /// Seed the demo into an empty database on `serve`.
    pub demo_on_empty: bool,
    /// Where compiled policy plugins are cached.
    pub plugin_cache_dir: PathBuf,
    /// The sandbox's limits for every plugin call.
    pub policy: Limits,
    /// The bank-holiday list for working days; `None` uses the one built in.
    pub bank_holidays_file: Option<PathBuf>,
    /// Where e-mail goes (SMTP, or `.eml` files when no server is set) and the outbox
    /// worker's pace; validated here so a bad `[mail]` key stops start-up.
    pub mail: MailSettings,
    /// The session cookie's key and whether it is sent only over HTTPS.
    pub sessions: SessionSettings,
}

/// Shortest `session_key`, in bytes: the cookie is signed and encrypted with keys
/// derived from it (actix-web's `Key` needs 64 bytes).
pub const SESSION_KEY_MIN_BYTES: usize = 64;

/// How the pages' session cookie is protected.
#[derive(Clone)]
pub struct SessionSettings {
    /// The key that signs and encrypts the cookie; `None` makes a random one at
    /// start-up, so every session ends when the process restarts.
    pub key: Option<Vec<u8>>,
    /// Whether the cookie carries `Secure` (sent over HTTPS only).
    pub secure: bool,
}

/// Never prints the key.
impl std::fmt::Debug for SessionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionSettings")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("secure", &self.secure)
            .finish()
    }
}

/// Values given on the command line, which override everything else.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Overrides {
    /// `--bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {key}: {rule}")]
pub struct SettingsError {
    /// Where the value came from (a file, a variable, the command line).
    pub source_name: String,
    /// The key.
    pub key: String,
    /// The rule.
    pub rule: String,
}

impl Settings {
    /// Loads and validates the settings.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> Result<Self, SettingsError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(file) = config_file {
            if !file.is_file() {
                return Err(SettingsError {
                    source_name: file.display().to_string(),
                    key: "--config".into(),
                    rule: "the file does not exist".into(),
                });
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("SENDPANEL_").only(&KEYS))
            .merge(Serialized::defaults(overrides));
        let raw: RawSettings = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            let source_name = source_of(&figment, &key, e.metadata.as_ref());
            let rule = match &e.kind {
                figment::error::Kind::UnknownField(field, _) => {
                    return SettingsError {
                        source_name,
                        key: field.clone(),
                        rule: format!("unknown setting; known settings are {}", KEYS.join(", ")),
                    };
                }
                kind => kind.to_string(),
            };
            SettingsError {
                source_name,
                key,
                rule,
            }
        })?;
        let fail = |key: &str, rule: String| SettingsError {
            source_name: source_of(&figment, key, None),
            key: key.to_owned(),
            rule,
        };
        let bind = raw.bind.parse().map_err(|_| {
            fail(
                "bind",
                format!(
                    "`{}` must be ADDRESS:PORT, for example 127.0.0.1:8080",
                    raw.bind
                ),
            )
        })?;
        let database_url = DatabaseUrl::parse(&raw.database_url).map_err(|e| {
            fail(
                "database_url",
                e.to_string().trim_start_matches("database url ").to_owned(),
            )
        })?;
        if !(1..=64).contains(&raw.database_pool_size) {
            return Err(fail(
                "database_pool_size",
                format!("{} must be between 1 and 64", raw.database_pool_size),
            ));
        }
        let log_format = match raw.log_format.as_str() {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(fail(
                    "log_format",
                    format!("`{other}` must be pretty or json"),
                ));
            }
        };
        check_limits(&raw.policy).map_err(|(key, rule)| fail(&format!("policy.{key}"), rule))?;
        raw.mail.validate().map_err(|e| match e {
            sendpanel_core::notify::NotifyError::Settings { key, rule } => {
                fail(&format!("mail.{key}"), rule)
            }
            other => fail("mail", other.to_string()),
        })?;
        let session_key = match raw.session_key.len() {
            0 => None,
            n if n < SESSION_KEY_MIN_BYTES => {
                return Err(fail(
                    "session_key",
                    format!(
                        "is {n} bytes; it must be at least {SESSION_KEY_MIN_BYTES} random bytes, \
                         for example the output of `openssl rand -hex 64`"
                    ),
                ));
            }
            _ => Some(raw.session_key.into_bytes()),
        };
        let secure = match raw.secure_cookies.as_str() {
            "auto" => !bind_is_loopback(&bind),
            "always" => true,
            "never" => false,
            other => {
                return Err(fail(
                    "secure_cookies",
                    format!("`{other}` must be auto, always or never"),
                ));
            }
        };
        Ok(Self {
            bind,
            database_url,
            database_pool_size: raw.database_pool_size,
            log_format,
            log_filter: raw.log_filter,
            authorities_dir: raw.authorities_dir,
            letters_dir: raw.letters_dir,
            demo_on_empty: raw.demo_on_empty,
            plugin_cache_dir: raw.plugin_cache_dir,
            policy: raw.policy,
            bank_holidays_file: (!raw.bank_holidays_file.is_empty())
                .then(|| PathBuf::from(&raw.bank_holidays_file)),
            mail: raw.mail,
            sessions: SessionSettings {
                key: session_key,
                secure,
            },
        })
    }
}

/// Whether the service listens only on this machine (development): then cookies may
/// travel over plain HTTP.
pub fn bind_is_loopback(bind: &SocketAddr) -> bool {
    bind.ip().is_loopback()
}

/// Ranges that keep the sandbox both safe and usable.
fn check_limits(limits: &Limits) -> Result<(), (&'static str, String)> {
    let within = |key: &'static str, value: u64, low: u64, high: u64| {
        if (low..=high).contains(&value) {
            Ok(())
        } else {
            Err((key, format!("{value} must be between {low} and {high}")))
        }
    };
    let size = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    // 10 billion fuel is under a second of work: the most one call may hold a thread.
    within("fuel", limits.fuel, 1_000_000, 10_000_000_000)?;
    within("memory_bytes", size(limits.memory_bytes), 1 << 20, 1 << 30)?;
    within("stack_bytes", size(limits.stack_bytes), 64 << 10, 8 << 20)?;
    within("input_bytes", size(limits.input_bytes), 1 << 10, 16 << 20)?;
    within("output_bytes", size(limits.output_bytes), 1 << 10, 16 << 20)?;
    within(
        "plugin_bytes",
        size(limits.plugin_bytes),
        64 << 10,
        256 << 20,
    )?;
    within(
        "concurrent_instances",
        u64::from(limits.concurrent_instances),
        1,
        10_000,
    )
}

/// Names where a key's value came from: the file, the variable, or the flag.
fn source_of(figment: &Figment, key: &str, metadata: Option<&figment::Metadata>) -> String {
    let metadata = metadata.or_else(|| figment.find_metadata(key));
    match metadata {
        Some(meta) => match &meta.source {
            Some(figment::Source::File(path)) => path.display().to_string(),
            _ if meta.name.contains("environment") => {
                if key == "database_url" && std::env::var_os("SENDPANEL_DATABASE_URL").is_none() {
                    "environment variable DATABASE_URL".to_owned()
                } else {
                    format!(
                        "environment variable SENDPANEL_{}",
                        key.to_ascii_uppercase()
                    )
                }
            }
            _ if meta.name.contains("TOML") => "config/default.toml (built in)".to_owned(),
            _ => "command line".to_owned(),
        },
        None => "settings".to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closure type is figment's, not ours
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_flags_override_them() {
        figment::Jail::expect_with(|_jail| {
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(settings.bind.to_string(), "127.0.0.1:8080");
            assert_eq!(
                settings.database_url.to_string(),
                "sqlite://data/sendpanel.db"
            );
            let settings = Settings::load(
                None,
                &Overrides {
                    bind: Some("127.0.0.1:9999".into()),
                    database_url: None,
                },
            )
            .unwrap();
            assert_eq!(settings.bind.port(), 9999);
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_and_errors_name_the_variable() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "custom.toml",
                "bind = \"127.0.0.1:7000\"\nlog_format = \"json\"",
            )?;
            let settings =
                Settings::load(Some(Path::new("custom.toml")), &Overrides::default()).unwrap();
            assert_eq!(settings.bind.port(), 7000);
            assert_eq!(settings.log_format, LogFormat::Json);
            jail.set_env("SENDPANEL_BIND", "nonsense");
            let err =
                Settings::load(Some(Path::new("custom.toml")), &Overrides::default()).unwrap_err();
            assert_eq!(
                err.to_string(),
                "environment variable SENDPANEL_BIND: bind: `nonsense` must be ADDRESS:PORT, for example 127.0.0.1:8080"
            );
            jail.set_env("SENDPANEL_BIND", "127.0.0.1:7001");
            jail.set_env("DATABASE_URL", "mysql://nope");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert!(
                err.to_string().starts_with(
                    "environment variable DATABASE_URL: database_url: must start with sqlite://"
                ),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_bad_file_names_the_file_and_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "database_pool_size = \"many\"")?;
            let err =
                Settings::load(Some(Path::new("bad.toml")), &Overrides::default()).unwrap_err();
            assert!(err.source_name.ends_with("bad.toml"), "{err}");
            assert_eq!(err.key, "database_pool_size");
            jail.create_file("typo.toml", "bnd = \"127.0.0.1:1\"")?;
            let err =
                Settings::load(Some(Path::new("typo.toml")), &Overrides::default()).unwrap_err();
            assert_eq!(err.key, "bnd", "{err}");
            assert!(err.rule.contains("unknown setting"), "{err}");
            let err =
                Settings::load(Some(Path::new("missing.toml")), &Overrides::default()).unwrap_err();
            assert!(err.to_string().contains("does not exist"));
            Ok(())
        });
    }

    #[test]
    fn session_key_must_be_long_and_cookies_are_secure_off_loopback() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert!(
                settings.sessions.key.is_none(),
                "the demo makes one at start-up"
            );
            assert!(!settings.sessions.secure, "loopback is development");
            assert!(!format!("{:?}", settings.sessions).contains("secret"));
            jail.set_env("SENDPANEL_SESSION_KEY", "short");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert_eq!(err.key, "session_key", "{err}");
            assert!(err.rule.contains("at least 64"), "{err}");
            jail.set_env("SENDPANEL_SESSION_KEY", "secret".repeat(11));
            jail.set_env("SENDPANEL_BIND", "0.0.0.0:8080");
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(settings.sessions.key.as_ref().map(Vec::len), Some(66));
            assert!(settings.sessions.secure, "Secure off loopback");
            assert!(!format!("{:?}", settings.sessions).contains("secret"));
            jail.set_env("SENDPANEL_SECURE_COOKIES", "sometimes");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert_eq!(err.key, "secure_cookies", "{err}");
            Ok(())
        });
    }

    #[test]
    fn mail_settings_default_to_files_and_a_bad_key_is_named() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert!(!settings.mail.uses_smtp());
            assert_eq!(settings.mail.outbox_dir, Path::new("data/outbox"));
            jail.create_file(
                "mail.toml",
                "[mail]\nsmtp_host = \"smtp.council.example\"\ntls = \"none\"\nsmtp_username = \"u\"\nsmtp_password = \"p\"",
            )?;
            let err =
                Settings::load(Some(Path::new("mail.toml")), &Overrides::default()).unwrap_err();
            assert!(err.source_name.ends_with("mail.toml"), "{err}");
            assert_eq!(err.key, "mail.tls", "{err}");
            assert!(err.rule.contains("in clear"), "{err}");
            Ok(())
        });
    }
}
