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
use sendpanel_core::config::ConfigDir;
use sendpanel_core::notify::MailSettings;
use sendpanel_core::policy::Limits;
use sendpanel_core::store::DatabaseUrl;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Every key, for filtering `SENDPANEL_*` variables: other tools' variables with our
/// prefix must not break start-up.
const KEYS: [&str; 19] = [
    "bind",
    "otlp_endpoint",
    "metrics",
    "metrics_bind",
    "metrics_token",
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
    "public_url",
    "sign_in",
    "documents",
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
    /// Removed: kept only so a configuration that still sets it is told what replaced
    /// it, rather than seeing "unknown setting".
    #[serde(default)]
    demo_on_empty: Option<bool>,
    plugin_cache_dir: PathBuf,
    bank_holidays_file: String,
    session_key: String,
    secure_cookies: String,
    public_url: String,
    #[serde(default)]
    otlp_endpoint: String,
    #[serde(default)]
    metrics: String,
    #[serde(default)]
    metrics_bind: String,
    #[serde(default)]
    metrics_token: String,
    policy: Limits,
    #[serde(default)]
    mail: MailSettings,
    #[serde(default)]
    sign_in: RawSignIn,
    #[serde(default)]
    documents: RawDocuments,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDocuments {
    storage: String,
    directory: PathBuf,
    bucket: String,
    region: String,
    endpoint: String,
    allow_http: bool,
    container: String,
    max_upload_mb: u64,
    clamd: String,
}

impl Default for RawDocuments {
    fn default() -> Self {
        Self {
            storage: "local".to_owned(),
            directory: PathBuf::from("data/documents"),
            bucket: String::new(),
            region: "us-east-1".to_owned(),
            endpoint: String::new(),
            allow_http: false,
            container: String::new(),
            max_upload_mb: sendpanel_core::documents::DEFAULT_MAX_BYTES / (1024 * 1024),
            clamd: String::new(),
        }
    }
}

/// Where uploaded documents are kept, how big they may be, and the virus scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSettings {
    /// The store.
    pub storage: sendpanel_core::documents::StorageConfig,
    /// The largest upload, in bytes.
    pub max_bytes: u64,
    /// clamd, when configured.
    pub clamd: Option<sendpanel_core::documents::ClamdAddress>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSignIn {
    concurrent_hashes: usize,
    trusted_proxies: Vec<String>,
}

impl Default for RawSignIn {
    fn default() -> Self {
        Self {
            concurrent_hashes: crate::pages::DEFAULT_CONCURRENT_HASHES,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The guards in front of password checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSettings {
    /// Password hashes that may run at once (each takes 19 MiB and tens of ms).
    pub concurrent_hashes: usize,
    /// Proxies whose `X-Forwarded-For` names the client; nobody else's is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// A configuration folder setting: empty for the copy shipped in the binary, else a
/// folder on disk that replaces it.
fn config_dir(setting: PathBuf, shipped: ConfigDir) -> ConfigDir {
    if setting.as_os_str().is_empty() {
        shipped
    } else {
        ConfigDir::Disk(setting)
    }
}

/// Where `/metrics` is served, if anywhere. Off by default: the counts it gives
/// (cases per authority, say) are for the operations team, not the public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsSetting {
    /// No `/metrics`, and nothing recorded.
    Off,
    /// `/metrics` beside the pages, on `bind`.
    OnMainBind,
    /// `/metrics` alone on its own address (an internal network, say).
    OnOwnBind(SocketAddr),
}

/// An OTLP collector's base address: empty, or `http(s)://host[:port][/path]`.
fn check_otlp_endpoint(endpoint: &str) -> Result<String, String> {
    if endpoint.is_empty() {
        return Ok(String::new());
    }
    match url::Url::parse(endpoint) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(endpoint.to_owned())
        }
        _ => Err(format!(
            "`{endpoint}` must be a collector's address, such as http://collector:4318"
        )),
    }
}

/// Reads `metrics` and `metrics_bind`; a refusal names the key and the rule.
fn metrics_setting(metrics: &str, bind: &str) -> Result<MetricsSetting, (&'static str, String)> {
    let on = match metrics {
        "" | "off" => false,
        "on" => true,
        other => return Err(("metrics", format!("`{other}` must be on or off"))),
    };
    if !on {
        if !bind.is_empty() {
            return Err((
                "metrics_bind",
                "is set while metrics is off: set metrics = \"on\" too".to_owned(),
            ));
        }
        return Ok(MetricsSetting::Off);
    }
    if bind.is_empty() {
        return Ok(MetricsSetting::OnMainBind);
    }
    bind.parse().map(MetricsSetting::OnOwnBind).map_err(|e| {
        (
            "metrics_bind",
            format!("`{bind}` is not an address and port: {e}"),
        )
    })
}

/// Shortest `metrics_token`, in characters: a bearer token that guards counts per
/// authority should not be guessable.
const MIN_METRICS_TOKEN_CHARS: usize = 32;

/// Reads `metrics_token`, the bearer token a scraper sends for `/metrics`. Required
/// when `/metrics` is served beside the pages (anyone who can open the pages could
/// otherwise read the counts per authority); optional on an address of its own, which
/// the network already guards; refused while metrics is off.
fn metrics_token(metrics: MetricsSetting, token: &str) -> Result<Option<String>, String> {
    match (metrics, token.is_empty()) {
        (MetricsSetting::Off, true) | (MetricsSetting::OnOwnBind(_), true) => Ok(None),
        (MetricsSetting::Off, false) => {
            Err("is set while metrics is off: set metrics = \"on\" too".to_owned())
        }
        (MetricsSetting::OnMainBind, true) => Err(format!(
            "is required when /metrics is served beside the pages (metrics_bind empty): \
             set a random token of {MIN_METRICS_TOKEN_CHARS} characters or more for the \
             scraper to send as a bearer token, or serve /metrics alone on an internal \
             address with metrics_bind"
        )),
        (_, false) if token.chars().count() < MIN_METRICS_TOKEN_CHARS => Err(format!(
            "must be {MIN_METRICS_TOKEN_CHARS} characters or more (it has {})",
            token.chars().count()
        )),
        (_, false) => Ok(Some(token.to_owned())),
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// JSON lines when standard error is not a terminal (a file, journald, a log
    /// collector), readable lines when a person is watching: the default, so a log
    /// file never fills with terminal colour codes.
    Auto,
    /// Human-readable lines (coloured only on a terminal).
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
    /// Authorities' configuration folder, with each authority's own letter templates:
    /// the copy shipped in the binary unless a folder is named.
    pub authorities_dir: ConfigDir,
    /// The letter templates every authority shares: shipped unless a folder is named.
    pub letters_dir: ConfigDir,
    /// Warnings about settings that still work but should be changed, logged once the
    /// log is set up (settings are read before it is).
    pub warnings: Vec<String>,
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
    /// The headers every response carries that depend on configuration: HSTS when
    /// `public_url` is https.
    pub headers: crate::headers::SecurityHeaders,
    /// Whether and where `/metrics` is served (Prometheus text).
    pub metrics: MetricsSetting,
    /// The bearer token a scraper must send for `/metrics`: always set when it is served
    /// beside the pages.
    pub metrics_token: Option<String>,
    /// The OpenTelemetry collector traces go to (OTLP/HTTP); empty for none, unless
    /// OpenTelemetry's own `OTEL_EXPORTER_OTLP_*ENDPOINT` variables name one.
    pub otlp_endpoint: String,
    /// The address people open the service at, without a trailing slash; reset links
    /// point there. `None` when not set.
    pub public_url: Option<String>,
    /// The guards in front of password checks.
    pub sign_in: SignInSettings,
    /// Uploaded documents.
    pub documents: DocumentSettings,
    /// Where `bind` and `session_key` came from, for the rules `serve` checks.
    sources: (String, String),
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
    /// Whether the cookie carries `Secure` (sent over HTTPS only). True unless
    /// `secure_cookies = "never"` or `serve --demo` asked for plain-HTTP development:
    /// a service behind a TLS proxy binds to loopback too, so the bind cannot tell.
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
            "auto" => LogFormat::Auto,
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(fail(
                    "log_format",
                    format!("`{other}` must be auto, pretty or json"),
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
            "always" => true,
            "never" => false,
            "auto" => {
                return Err(fail(
                    "secure_cookies",
                    "`auto` is no longer accepted: cookies are Secure (HTTPS only) unless \
                     secure_cookies = \"never\", which is for development on plain \
                     http://127.0.0.1; `serve --demo` implies it"
                        .to_owned(),
                ));
            }
            other => {
                return Err(fail(
                    "secure_cookies",
                    format!(
                        "`{other}` must be always or never (never is for development on plain http)"
                    ),
                ));
            }
        };
        let hsts = match raw.public_url.as_str() {
            "" => false,
            url if url.starts_with("https://") && url.len() > "https://".len() => true,
            url if url.starts_with("http://") && url.len() > "http://".len() => false,
            other => {
                return Err(fail(
                    "public_url",
                    format!(
                        "`{other}` must be the address people open, such as \
                         https://send.council.gov.uk, or empty"
                    ),
                ));
            }
        };
        if !(1..=64).contains(&raw.sign_in.concurrent_hashes) {
            return Err(fail(
                "sign_in.concurrent_hashes",
                format!(
                    "`{}` must be from 1 to 64 (each hash takes 19 MiB while it runs)",
                    raw.sign_in.concurrent_hashes
                ),
            ));
        }
        let documents = documents_from(&raw.documents).map_err(|(key, rule)| fail(key, rule))?;
        let mut trusted_proxies = Vec::new();
        for proxy in &raw.sign_in.trusted_proxies {
            match proxy.parse::<std::net::IpAddr>() {
                Ok(address) => trusted_proxies.push(address),
                Err(_) => {
                    return Err(fail(
                        "sign_in.trusted_proxies",
                        format!("`{proxy}` must be an IP address, such as 10.0.0.5"),
                    ));
                }
            }
        }
        let public_url =
            (!raw.public_url.is_empty()).then(|| raw.public_url.trim_end_matches('/').to_owned());
        let mut warnings = Vec::new();
        match raw.demo_on_empty {
            Some(true) => {
                return Err(fail(
                    "demo_on_empty",
                    "was removed: `serve` no longer seeds demo users on its own; run \
                     `sendpanel serve --demo` (loopback only) or `sendpanel demo`, and \
                     remove this setting"
                        .to_owned(),
                ));
            }
            Some(false) => warnings.push(format!(
                "{}: demo_on_empty: was removed and has no effect (the demo is seeded only \
                 by `sendpanel serve --demo` or `sendpanel demo`); remove this setting",
                source_of(&figment, "demo_on_empty", None)
            )),
            None => {}
        }
        let metrics = metrics_setting(&raw.metrics, &raw.metrics_bind)
            .map_err(|(key, rule)| fail(key, rule))?;
        Ok(Self {
            bind,
            database_url,
            database_pool_size: raw.database_pool_size,
            log_format,
            log_filter: raw.log_filter,
            authorities_dir: config_dir(raw.authorities_dir, ConfigDir::shipped_authorities()),
            letters_dir: config_dir(raw.letters_dir, ConfigDir::shipped_letters()),
            warnings,
            headers: crate::headers::SecurityHeaders { hsts },
            metrics,
            metrics_token: metrics_token(metrics, &raw.metrics_token)
                .map_err(|rule| fail("metrics_token", rule))?,
            otlp_endpoint: check_otlp_endpoint(&raw.otlp_endpoint)
                .map_err(|rule| fail("otlp_endpoint", rule))?,
            public_url,
            sign_in: SignInSettings {
                concurrent_hashes: raw.sign_in.concurrent_hashes,
                trusted_proxies,
            },
            documents,
            sources: (
                source_of(&figment, "bind", None),
                source_of(&figment, "session_key", None),
            ),
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

impl Settings {
    /// The rules for `serve`, checked before anything is opened. Off loopback a
    /// `session_key` is required: a random key would sign everyone out on each restart
    /// and differ between instances behind one address. `demo` (`serve --demo`) is
    /// refused off loopback, since its users share a published password, and implies
    /// plain-HTTP development cookies, so the README's first command works on
    /// http://127.0.0.1.
    pub fn for_serve(mut self, demo: bool) -> Result<Self, SettingsError> {
        let loopback = bind_is_loopback(&self.bind);
        if demo && !loopback {
            return Err(SettingsError {
                source_name: self.sources.0.clone(),
                key: "bind".into(),
                rule: format!(
                    "`serve --demo` is refused on {}: the demo's users share a published \
                     password, so it is served only on a loopback address such as \
                     127.0.0.1:8080",
                    self.bind
                ),
            });
        }
        if !loopback && self.sessions.key.is_none() {
            return Err(SettingsError {
                source_name: self.sources.1.clone(),
                key: "session_key".into(),
                rule: format!(
                    "must be set to serve on {}, which is not a loopback address: at least \
                     {SESSION_KEY_MIN_BYTES} random bytes, the same on every instance, for \
                     example the output of `openssl rand -hex 64`",
                    self.bind
                ),
            });
        }
        if demo {
            self.sessions.secure = false;
        }
        Ok(self)
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
    )?;
    within("max_vectors", size(limits.max_vectors), 1, 10_000)?;
    // At least one call's worth, so a plugin whose every vector is allowed can pass.
    within("vet_fuel", limits.vet_fuel, limits.fuel, 1_000_000_000_000)?;
    within(
        "what_if_replays",
        size(limits.what_if_replays),
        1,
        1_000_000,
    )?;
    // At least one call's worth, so a comparison can replay something.
    within(
        "what_if_fuel",
        limits.what_if_fuel,
        limits.fuel,
        10_000_000_000_000,
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

/// Checks the `[documents]` section: a store the service can open, a limit from 1 MB
/// to 1 GB, and a clamd address in one of its two forms.
fn documents_from(raw: &RawDocuments) -> Result<DocumentSettings, (&'static str, String)> {
    use sendpanel_core::documents::{ClamdAddress, StorageConfig};
    let needs = |key: &'static str, value: &str| {
        if value.trim().is_empty() {
            Err((
                key,
                format!("must be set when documents.storage is `{}`", raw.storage),
            ))
        } else {
            Ok(value.trim().to_owned())
        }
    };
    let storage = match raw.storage.as_str() {
        "local" => StorageConfig::Local {
            directory: raw.directory.clone(),
        },
        "s3" => StorageConfig::S3 {
            bucket: needs("documents.bucket", &raw.bucket)?,
            region: needs("documents.region", &raw.region)?,
            endpoint: (!raw.endpoint.trim().is_empty()).then(|| raw.endpoint.trim().to_owned()),
            allow_http: raw.allow_http,
        },
        "azure" => StorageConfig::Azure {
            container: needs("documents.container", &raw.container)?,
        },
        other => {
            return Err((
                "documents.storage",
                format!("`{other}` must be local, s3 or azure"),
            ));
        }
    };
    if !(1..=1024).contains(&raw.max_upload_mb) {
        return Err((
            "documents.max_upload_mb",
            format!("`{}` must be from 1 to 1024", raw.max_upload_mb),
        ));
    }
    let clamd = match raw.clamd.trim() {
        "" => None,
        value => Some(if let Some(path) = value.strip_prefix("unix:") {
            ClamdAddress::Unix(PathBuf::from(path))
        } else if let Some(address) = value.strip_prefix("tcp:") {
            ClamdAddress::Tcp(address.to_owned())
        } else {
            return Err((
                "documents.clamd",
                format!("`{value}` must be unix:/path/to/clamd.sock or tcp:host:port, or empty"),
            ));
        }),
    };
    Ok(DocumentSettings {
        storage,
        max_bytes: raw.max_upload_mb * 1024 * 1024,
        clamd,
    })
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
    fn metrics_and_traces_are_off_by_default_and_bad_values_are_named() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(settings.metrics, MetricsSetting::Off);
            assert_eq!(settings.otlp_endpoint, "");
            assert_eq!(settings.log_format, LogFormat::Auto);
            assert_eq!(settings.authorities_dir, ConfigDir::shipped_authorities());
            assert_eq!(settings.letters_dir, ConfigDir::shipped_letters());
            jail.set_env("SENDPANEL_METRICS", "on");
            // Beside the pages, /metrics needs a token, and a long one.
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert!(
                err.to_string().contains(
                    "metrics_token: is required when /metrics is served beside the pages"
                ),
                "{err}"
            );
            jail.set_env("SENDPANEL_METRICS_TOKEN", "short");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert!(
                err.to_string()
                    .contains("metrics_token: must be 32 characters or more (it has 5)"),
                "{err}"
            );
            let token = "a".repeat(32);
            jail.set_env("SENDPANEL_METRICS_TOKEN", &token);
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(settings.metrics, MetricsSetting::OnMainBind);
            assert_eq!(settings.metrics_token.as_deref(), Some(token.as_str()));
            // On an address of its own the token is optional.
            jail.set_env("SENDPANEL_METRICS_TOKEN", "");
            jail.set_env("SENDPANEL_METRICS_BIND", "10.0.0.5:9100");
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(
                settings.metrics,
                MetricsSetting::OnOwnBind("10.0.0.5:9100".parse().unwrap())
            );
            assert_eq!(settings.metrics_token, None);
            jail.set_env("SENDPANEL_METRICS_BIND", "internal");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert!(
                err.to_string()
                    .contains("metrics_bind: `internal` is not an address"),
                "{err}"
            );
            jail.set_env("SENDPANEL_METRICS", "off");
            jail.set_env("SENDPANEL_METRICS_BIND", "10.0.0.5:9100");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert!(
                err.to_string()
                    .contains("metrics_bind: is set while metrics is off"),
                "{err}"
            );
            jail.set_env("SENDPANEL_METRICS_BIND", "");
            jail.set_env("SENDPANEL_METRICS_TOKEN", &token);
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert!(
                err.to_string()
                    .contains("metrics_token: is set while metrics is off"),
                "{err}"
            );
            jail.set_env("SENDPANEL_METRICS_TOKEN", "");
            jail.set_env("SENDPANEL_OTLP_ENDPOINT", "collector:4318");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert!(
                err.to_string()
                    .contains("otlp_endpoint: `collector:4318` must be"),
                "{err}"
            );
            jail.set_env("SENDPANEL_OTLP_ENDPOINT", "http://collector:4318");
            jail.set_env("SENDPANEL_AUTHORITIES_DIR", "/etc/sendpanel/authorities");
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(settings.otlp_endpoint, "http://collector:4318");
            assert_eq!(
                settings.authorities_dir,
                ConfigDir::Disk("/etc/sendpanel/authorities".into())
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
    fn session_key_must_be_long_and_cookies_are_secure_unless_development() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert!(settings.sessions.key.is_none(), "made at start-up");
            assert!(settings.sessions.secure, "Secure even on loopback");
            let served = settings.clone().for_serve(false).unwrap();
            assert!(served.sessions.secure, "loopback may be behind a TLS proxy");
            let demo = settings.for_serve(true).unwrap();
            assert!(!demo.sessions.secure, "the demo is plain-http development");
            jail.set_env("SENDPANEL_SECURE_COOKIES", "never");
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert!(
                !settings.sessions.secure,
                "the explicit development setting"
            );
            jail.set_env("SENDPANEL_SESSION_KEY", "short");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert_eq!(err.key, "session_key", "{err}");
            assert!(err.rule.contains("at least 64"), "{err}");
            jail.set_env("SENDPANEL_SECURE_COOKIES", "always");
            jail.set_env("SENDPANEL_SESSION_KEY", "secret".repeat(11));
            jail.set_env("SENDPANEL_BIND", "0.0.0.0:8080");
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(settings.sessions.key.as_ref().map(Vec::len), Some(66));
            assert!(settings.sessions.secure, "Secure off loopback");
            assert!(!format!("{:?}", settings.sessions).contains("secret"));
            let err = settings.for_serve(true).unwrap_err();
            assert_eq!(
                (err.source_name.as_str(), err.key.as_str()),
                ("environment variable SENDPANEL_BIND", "bind"),
                "{err}"
            );
            jail.set_env("SENDPANEL_SESSION_KEY", "");
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            let err = settings.for_serve(false).unwrap_err();
            assert_eq!(err.key, "session_key", "{err}");
            assert!(err.rule.contains("not a loopback address"), "{err}");
            jail.set_env("SENDPANEL_SECURE_COOKIES", "sometimes");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert_eq!(err.key, "secure_cookies", "{err}");
            Ok(())
        });
    }

    #[test]
    fn hsts_only_when_the_public_url_is_https() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert!(!settings.headers.hsts, "no public_url, no HSTS");
            jail.set_env("SENDPANEL_PUBLIC_URL", "http://127.0.0.1:8080");
            assert!(
                !Settings::load(None, &Overrides::default())
                    .unwrap()
                    .headers
                    .hsts
            );
            jail.set_env("SENDPANEL_PUBLIC_URL", "https://send.torbay.gov.uk");
            assert!(
                Settings::load(None, &Overrides::default())
                    .unwrap()
                    .headers
                    .hsts
            );
            jail.set_env("SENDPANEL_PUBLIC_URL", "send.torbay.gov.uk");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert_eq!(err.key, "public_url", "{err}");
            Ok(())
        });
    }

    #[test]
    fn demo_on_empty_names_the_flag_that_replaced_it() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SENDPANEL_DEMO_ON_EMPTY", "true");
            let err = Settings::load(None, &Overrides::default()).unwrap_err();
            assert_eq!(err.key, "demo_on_empty", "{err}");
            assert!(err.rule.contains("serve --demo"), "{err}");
            jail.set_env("SENDPANEL_DEMO_ON_EMPTY", "false");
            let settings = Settings::load(None, &Overrides::default()).unwrap();
            assert_eq!(settings.warnings.len(), 1);
            assert!(settings.warnings.iter().all(|w| w.contains("serve --demo")));
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
