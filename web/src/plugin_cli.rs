//! `sendpanel plugin ...`: check, test and run a policy plugin from a file, and manage
//! an authority's registry. The rules live in `sendpanel_core::policy`; this module only
//! reads files and flags and prints results.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use sendpanel_core::config::load_authorities;
use sendpanel_core::domain::{AuthorityId, PluginHash, PluginStatus, StoredPlugin};
use sendpanel_core::policy::contract::{BandRequest, RequestFacts, TestVector};
use sendpanel_core::policy::{self, Outcome, Plugin, PolicyHost};
use sendpanel_core::registry::register_authorities;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::{Clock, SystemClock};
use serde::de::DeserializeOwned;

use crate::settings::Settings;

/// The plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Validate a component and print its info, API version, SHA-256 and imports.
    Check {
        /// The component (.wasm).
        file: PathBuf,
    },
    /// The SDK's build step: make a plugin built without WASI (`cargo build --profile
    /// plugin --target wasm32-unknown-unknown`) the component the host loads, check it
    /// as `check` does, and write it.
    Componentize {
        /// The core module cargo built (.wasm).
        module: PathBuf,
        /// Where to write the component.
        #[arg(long, value_name = "FILE.wasm")]
        out: PathBuf,
    },
    /// Run the vectors the plugin carries, and those in a JSON file, in the sandbox.
    Test {
        /// The component (.wasm).
        file: PathBuf,
        /// A JSON array of extra test vectors (see `plugin vectors` for the shape).
        #[arg(long, value_name = "FILE.json")]
        vectors: Option<PathBuf>,
    },
    /// Print the test vectors a plugin carries, as JSON: a template for --vectors files.
    Vectors {
        /// The component (.wasm).
        file: PathBuf,
    },
    /// Read one input as JSON on stdin, call the plugin, print its answer as JSON.
    Run {
        /// The component (.wasm).
        file: PathBuf,
        /// Which call to make.
        #[arg(long, value_enum)]
        call: CallArg,
    },
    /// Vet a plugin (load, carried vectors) and store it for an authority.
    Install {
        /// The component (.wasm).
        file: PathBuf,
        /// The authority's code, e.g. torbay.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// Activate it from this date (YYYY-MM-DD); otherwise it waits, uploaded.
        #[arg(long, value_name = "DATE")]
        from: Option<NaiveDate>,
    },
    /// List an authority's plugins.
    List {
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
    },
    /// Use a stored plugin for new advice from a date (re-activating an older one rolls
    /// back).
    Activate {
        /// The plugin's SHA-256.
        sha256: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// From this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
    },
    /// Stop using a plugin; the one active before it applies again.
    Retire {
        /// The plugin's SHA-256.
        sha256: String,
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
    },
}

/// The contract's calls, as named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CallArg {
    /// `graduated-response`: input is request facts.
    GraduatedResponse,
    /// `banding`: input is a band request.
    Banding,
    /// `next-steps`: input is request facts.
    NextSteps,
}

/// Runs one plugin subcommand. `open_database` is called only by the registry commands.
pub fn run(
    command: PluginCommand,
    settings: &Settings,
    open_database: impl FnOnce(&Settings) -> anyhow::Result<Database>,
) -> anyhow::Result<()> {
    let host = PolicyHost::new(settings.policy, Some(settings.plugin_cache_dir.clone()))?;
    match command {
        PluginCommand::Check { file } => check(&host, &file),
        PluginCommand::Componentize { module, out } => componentize(&host, &module, &out),
        PluginCommand::Test { file, vectors } => test(&host, &file, vectors.as_deref()),
        PluginCommand::Vectors { file } => {
            let plugin = load(&host, &file)?;
            let vectors = plugin.test_vectors()?;
            println!("{}", serde_json::to_string_pretty(&vectors)?);
            Ok(())
        }
        PluginCommand::Run { file, call } => run_call(&host, &file, call),
        PluginCommand::Install {
            file,
            authority,
            from,
        } => {
            let bytes = read(&file)?;
            let (plugin, report) =
                policy::vet(&host, &bytes).with_context(|| format!("plugin {}", file.display()))?;
            let (db, scope) = registry(settings, open_database, &authority)?;
            let stored = policy::install(&db, &scope, &plugin, bytes, from)
                .with_context(|| format!("plugin {}", file.display()))?;
            println!(
                "installed {} for {authority}: {} {} ({} vectors passed)",
                stored.sha256, stored.policy_name, stored.policy_version, report.passed
            );
            print_status(&stored);
            Ok(())
        }
        PluginCommand::List { authority } => {
            let (db, scope) = registry(settings, open_database, &authority)?;
            let plugins = db.read(|tx| tx.plugins(&scope))?;
            if plugins.is_empty() {
                println!("{authority} has no plugins");
            }
            for p in &plugins {
                println!(
                    "{}  {:<8}  {:<10}  {}  {} ({})",
                    p.sha256,
                    p.status.to_string(),
                    p.active_from
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    p.policy_version,
                    p.policy_name,
                    p.uploaded_at.format("%Y-%m-%d %H:%M")
                );
            }
            Ok(())
        }
        PluginCommand::Activate {
            sha256,
            authority,
            from,
        } => {
            let hash = parse_hash(&sha256)?;
            let (db, scope) = registry(settings, open_database, &authority)?;
            let stored = policy::activate(&db, &scope, &hash, from)?;
            print_status(&stored);
            Ok(())
        }
        PluginCommand::Retire { sha256, authority } => {
            let hash = parse_hash(&sha256)?;
            let (db, scope) = registry(settings, open_database, &authority)?;
            let stored = db.write(|tx| tx.retire_plugin(&scope, &hash))?;
            print_status(&stored);
            let today = SystemClock.today();
            match db.read(|tx| tx.active_plugin_on(&scope, today))? {
                Some(now) => println!("in use today: {} {}", now.sha256, now.policy_version),
                None => println!("no plugin is in use today for {authority}"),
            }
            Ok(())
        }
    }
}

fn read(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("plugin {}: cannot read the file", file.display()))
}

fn load(host: &PolicyHost, file: &Path) -> anyhow::Result<Plugin> {
    let bytes = read(file)?;
    host.load(&bytes)
        .with_context(|| format!("plugin {} refused", file.display()))
}

fn check(host: &PolicyHost, file: &Path) -> anyhow::Result<()> {
    let plugin = load(host, file)?;
    let info = plugin.info();
    let costed = plugin.costed_test_vectors().map_or(0, |v| v.len());
    let vectors = match plugin.test_vectors() {
        Ok(v) if v.is_empty() => "none: the plugin cannot be installed without them".to_owned(),
        Ok(v) if costed > 0 => format!("{} carried, and {costed} for costed banding", v.len()),
        Ok(v) => format!("{} carried", v.len()),
        Err(e) => format!("unreadable: {e}"),
    };
    let d = info.effective_from;
    println!("ok: {}", file.display());
    println!("authority:      {}", info.authority);
    println!(
        "policy:         {} {}",
        info.policy_name, info.policy_version
    );
    println!("effective from: {:04}-{:02}-{:02}", d.year, d.month, d.day);
    println!("api version:    sendpanel:policy@{}", plugin.api_version());
    println!("sha256:         {}", plugin.sha256());
    println!("size:           {} bytes", plugin.size());
    let imports = if plugin.imports().is_empty() {
        "none".to_owned()
    } else {
        plugin.imports().join(", ")
    };
    println!("imports:        {imports}");
    println!("test vectors:   {vectors}");
    Ok(())
}

/// Writes the component only once the host has loaded it, so a module that is not a
/// plugin leaves no file behind that looks like one.
fn componentize(host: &PolicyHost, module: &Path, out: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(module)
        .with_context(|| format!("module {}: cannot read the file", module.display()))?;
    let component = policy::component_from_module(&bytes)
        .with_context(|| format!("module {}", module.display()))?;
    host.load(&component)
        .with_context(|| format!("the component made from {} is refused", module.display()))?;
    std::fs::write(out, &component)
        .with_context(|| format!("{}: cannot write the component", out.display()))?;
    check(host, out)
}

fn test(host: &PolicyHost, file: &Path, extra: Option<&Path>) -> anyhow::Result<()> {
    let plugin = load(host, file)?;
    let mut vectors = plugin
        .test_vectors()
        .with_context(|| format!("plugin {}: cannot read its test vectors", file.display()))?;
    if let Some(path) = extra {
        let given: Vec<TestVector> = parse_json(
            &std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the file", path.display()))?,
            &path.display().to_string(),
        )?;
        vectors.extend(given);
    }
    if vectors.is_empty() {
        bail!(
            "plugin {}: there are no test vectors to run; a plugin must carry some",
            file.display()
        );
    }
    let costed = plugin
        .costed_test_vectors()
        .with_context(|| format!("plugin {}: cannot read its test vectors", file.display()))?;
    let mut report = plugin.run_vectors(&vectors);
    report.add(plugin.run_costed_vectors_within(&costed, u64::MAX));
    for failure in &report.failures {
        println!("FAIL {}: {}", failure.name, failure.problem);
    }
    println!("{} passed, {} failed", report.passed, report.failures.len());
    if report.all_passed() {
        Ok(())
    } else {
        bail!(
            "{} of {} test vectors failed",
            report.failures.len(),
            vectors.len() + costed.len()
        )
    }
}

fn run_call(host: &PolicyHost, file: &Path, call: CallArg) -> anyhow::Result<()> {
    let plugin = load(host, file)?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("stdin: cannot read the input")?;
    let (outcome, output) = match call {
        CallArg::GraduatedResponse => {
            let facts: RequestFacts = parse_json(&input, "stdin")?;
            let e = plugin.graduated_response(&facts);
            (unavailable(e.outcome), e.output_json)
        }
        CallArg::Banding => {
            let request: BandRequest = parse_json(&input, "stdin")?;
            let e = plugin.banding(&request);
            (unavailable(e.outcome), e.output_json)
        }
        CallArg::NextSteps => {
            let facts: RequestFacts = parse_json(&input, "stdin")?;
            let e = plugin.next_steps(&facts);
            (unavailable(e.outcome), e.output_json)
        }
    };
    if let Some(reason) = outcome {
        bail!("{reason}");
    }
    println!("{}", output.unwrap_or_default());
    Ok(())
}

fn unavailable<T>(outcome: Outcome<T>) -> Option<policy::Unavailable> {
    match outcome {
        Outcome::Unavailable(reason) => Some(reason),
        _ => None,
    }
}

/// JSON with the path of the offending field in the error, e.g.
/// `stdin: needs[0].level: unknown variant ...`.
fn parse_json<T: DeserializeOwned>(text: &str, source: &str) -> anyhow::Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        anyhow::anyhow!("{source}: {path}: {}", e.into_inner())
    })
}

fn parse_hash(text: &str) -> anyhow::Result<PluginHash> {
    text.parse().map_err(|e| anyhow::anyhow!("sha256: {e}"))
}

/// The database, with the configured authorities registered, and the scope of `code`.
/// Shared with `user_cli`.
pub(crate) fn registry(
    settings: &Settings,
    open_database: impl FnOnce(&Settings) -> anyhow::Result<Database>,
    code: &str,
) -> anyhow::Result<(Database, AuthorityScope)> {
    let authority = AuthorityId::parse(code).map_err(|e| anyhow::anyhow!("--authority: {e}"))?;
    let authorities = load_authorities(&settings.authorities_dir)?;
    if !authorities.iter().any(|a| a.id == authority) {
        bail!(
            "--authority: no authority {code} in {}",
            settings.authorities_dir.display_path().display()
        );
    }
    let db = open_database(settings)?;
    db.migrate()?;
    register_authorities(&db, &authorities, &SystemClock)?;
    Ok((db, AuthorityScope::new(authority)))
}

fn print_status(p: &StoredPlugin) {
    match p.active_from {
        Some(from) if p.status == PluginStatus::Active => {
            println!("{} is active for {} from {from}", p.sha256, p.authority_id)
        }
        _ => println!("{} is {}", p.sha256, p.status),
    }
}
