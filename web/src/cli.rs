//! The `sendpanel` command line: parse flags, load settings, run one command.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sendpanel_core::clock::{BankHolidays, ClockFacts};
use sendpanel_core::config::{AuthorityConfig, load_authorities};
use sendpanel_core::demo::{
    DEMO_PASSWORD_NOTE, DemoServices, DemoSummary, Occupants, occupants, seed_demo,
};
use sendpanel_core::documents::AdviceMail;
use sendpanel_core::documents::advice_links::{DEFAULT_CHASE_DAYS, send_chasers, spawn_chasers};
use sendpanel_core::notify::{LetterBook, Mailer, Notifier, spawn_worker};
use sendpanel_core::policy::{PluginCatalogue, PolicyHost};
use sendpanel_core::registry::register_authorities;
use sendpanel_core::store::{Backend, Database, PoolOptions};
use sendpanel_core::time::{Clock as _, SystemClock};
use sendpanel_core::workflow::close_cases_past_appeal_window;
use sendpanel_core::workflow::lifecycle::spawn_closing;

use crate::plugin_cli::{self, PluginCommand};
use crate::server;
use crate::settings::{MetricsSetting, Overrides, Settings, bind_is_loopback};
use crate::state::AppState;
use crate::telemetry;

/// sendpanel: SEND statutory decisions, panels and authority policy plugins.
#[derive(Debug, Parser)]
#[command(name = "sendpanel", version, about)]
pub struct Cli {
    /// A TOML file overriding the built-in settings (see config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Database URL: sqlite://<path> or postgres://... (also DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web service (migrates the database first).
    Serve {
        /// Address and port to listen on [default: 127.0.0.1:8080; env SENDPANEL_BIND].
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
        /// Try it out: seed the demo (users sharing a published password) into an empty
        /// database, or start again on one holding only the demo, and serve it on plain
        /// http. Refused off loopback and on a database with real users.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the SQLite database, while the service runs, to a new file: consistent as of
    /// one moment. For PostgreSQL use pg_dump (the error says how).
    Backup {
        /// The file to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Seed the demo authorities, users and requests into an empty database (refused
    /// when `bind` is not a loopback address).
    Demo,
    /// Print the code the demo admins' authenticator would show now (admins sign in
    /// with their password and this code; the setup key is published with the demo).
    DemoCode,
    /// Read a case's dates as one JSON object on stdin; print its statutory deadlines as
    /// one JSON object (keys and rules in `sendpanel clock --help`).
    #[command(long_about = CLOCK_HELP)]
    Clock,
    /// Check, test, run and install authority policy plugins (WebAssembly components).
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// Add an authority's users and issue, list and revoke their API tokens.
    User {
        #[command(subcommand)]
        command: crate::user_cli::UserCommand,
    },
    /// Import the plans and open requests of an earlier system from its CSV export.
    Import {
        #[command(subcommand)]
        command: crate::import_cli::ImportCommand,
    },
    /// Requests for advice from professionals (SEND Regulations 2014 reg. 6, 8).
    Advice {
        #[command(subcommand)]
        command: AdviceCommand,
    },
    /// Cases: close the refusals and decisions not to issue whose appeal window passed.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Uploaded documents: the retention job.
    Documents {
        #[command(subcommand)]
        command: DocumentsCommand,
    },
    /// The daily deadline digest e-mails to officers and managers.
    Digests {
        #[command(subcommand)]
        command: DigestsCommand,
    },
    /// Statutory returns made from the record: the DfE's SEN2 return.
    Export {
        #[command(subcommand)]
        command: crate::export_cli::ExportCommand,
    },
}

/// `sendpanel digests ...`.
#[derive(Debug, Subcommand)]
enum DigestsCommand {
    /// Queue today's deadline digests: to each officer about their allocated open cases
    /// (overdue, due within 10 working days, advice outstanding) and to each admin
    /// about the team. Each person gets each digest once a day: safe to run again,
    /// after a restart or on two servers. Without --on, only on a working day.
    Send {
        /// Only this authority [default: every configured authority].
        #[arg(long, value_name = "CODE")]
        authority: Option<String>,
        /// The day to send for, even a weekend or bank holiday [default: today].
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
}

/// `sendpanel documents ...`.
#[derive(Debug, Subcommand)]
enum DocumentsCommand {
    /// Lists the documents on cases of one authority closed more than YEARS years ago
    /// (by the case's last recorded change), and with --apply removes their bytes from
    /// the store; each record stays, stamped with the day. Without --apply nothing is
    /// removed. The service itself never deletes a document.
    Retention {
        /// The authority's code.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// The authority's retention period after a case closes, in whole years.
        #[arg(long, value_name = "YEARS")]
        years: u32,
        /// Remove what the report lists (after printing it).
        #[arg(long)]
        apply: bool,
    },
}

/// `sendpanel cases ...`.
#[derive(Debug, Subcommand)]
enum CasesCommand {
    /// Close every case at a refusal to assess or a decision not to issue whose
    /// family's last day to appeal has passed with no appeal or mediation open (`serve`
    /// does this hourly). Each case closes once, however often this runs.
    Close,
}

/// `sendpanel advice ...`.
#[derive(Debug, Subcommand)]
enum AdviceCommand {
    /// Queue the chaser e-mails now due (14 and 7 days before each 6-week limit, or
    /// the days given), each once: safe to run again, after a restart or on two
    /// servers. Each chaser carries a fresh link, which replaces the earlier one.
    Chase {
        /// Days before the limit to chase at, comma-separated [default: 14,7].
        #[arg(long, value_delimiter = ',', value_name = "DAYS")]
        days: Option<Vec<u32>>,
    },
}

/// Runs the command line; errors come back for `main` to print on one line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        bind: match &cli.command {
            Command::Serve { bind, .. } => bind.clone(),
            _ => None,
        },
        database_url: cli.database_url.clone(),
    };
    let settings = Settings::load(cli.config.as_deref(), &overrides)?;
    let telemetry = telemetry::init(
        settings.log_format,
        &settings.log_filter,
        &settings.otlp_endpoint,
    )?;
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
        eprintln!("sendpanel: warning: {warning}");
    }
    let outcome = match cli.command {
        Command::Migrate => {
            let db = open_database(&settings)?;
            let applied = db.migrate()?;
            if applied.is_empty() {
                println!("{}: schema already current", db.url());
            } else {
                println!("{}: applied {}", db.url(), applied.join(", "));
            }
            Ok(())
        }
        Command::Backup { to } => {
            let db = open_database(&settings)?;
            db.backup_to(&to)
                .with_context(|| format!("backup: {}", to.display()))?;
            println!("{}: backed up to {}", db.url(), to.display());
            Ok(())
        }
        Command::Demo => {
            if !bind_is_loopback(&settings.bind) {
                return Err(DemoRefused::NotLoopback {
                    bind: settings.bind,
                }
                .into());
            }
            let authorities = load_authorities(&settings.authorities_dir)?;
            let db = open_database(&settings)?;
            db.migrate()?;
            let Occupants { real, .. } = occupants(&db)?;
            if real > 0 {
                return Err(DemoRefused::RealUsers { count: real }.into());
            }
            // The demo's decisions write their letters and e-mails as `serve` would.
            let holidays = bank_holidays(&settings)?;
            observe_letters(&db, &settings, &authorities, &holidays)?;
            let host = PolicyHost::new(settings.policy, Some(settings.plugin_cache_dir.clone()))?;
            let catalogue = PluginCatalogue::new(host);
            let documents = documents_from(&settings.documents)?;
            let services = DemoServices {
                catalogue: &catalogue,
                holidays: &holidays,
                documents: &documents,
            };
            let summary = seed_demo(&db, &authorities, services, &SystemClock)?;
            print_demo(&summary);
            Ok(())
        }
        Command::DemoCode => {
            let secret = sendpanel_core::demo::demo_totp_secret();
            println!(
                "{}",
                sendpanel_core::identity::two_factor::code_at(&secret, chrono::Utc::now())?
            );
            Ok(())
        }
        Command::Serve { demo, .. } => serve(settings.for_serve(demo)?, demo),
        Command::Clock => clock(&settings),
        Command::Plugin { command } => plugin_cli::run(command, &settings, open_database),
        Command::User { command } => crate::user_cli::run(command, &settings, open_database),
        Command::Import { command } => crate::import_cli::run(command, &settings, open_database),
        Command::Export { command } => crate::export_cli::run(command, &settings, open_database),
        Command::Advice {
            command: AdviceCommand::Chase { days },
        } => advice_chase(&settings, days.as_deref()),
        Command::Cases {
            command: CasesCommand::Close,
        } => cases_close(&settings),
        Command::Documents {
            command:
                DocumentsCommand::Retention {
                    authority,
                    years,
                    apply,
                },
        } => documents_retention(&settings, &authority, years, apply),
        Command::Digests {
            command: DigestsCommand::Send { authority, on },
        } => digests_send(&settings, authority.as_deref(), on.as_deref()),
    };
    // Spans still buffered go to the collector before the process ends.
    telemetry.shutdown();
    outcome
}

/// `sendpanel digests send`: one round of deadline digests.
fn digests_send(
    settings: &Settings,
    authority: Option<&str>,
    on: Option<&str>,
) -> anyhow::Result<()> {
    use sendpanel_core::notify::digest::{DigestMail, send_digests};
    let holidays = bank_holidays(settings)?;
    let today = match on {
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("--on: {text:?} is not a date written YYYY-MM-DD"))?,
        None => {
            let today = SystemClock.today();
            if !holidays.is_working_day(today) {
                println!(
                    "{today} is not a working day: no digests sent (pass --on {today} to send anyway)"
                );
                return Ok(());
            }
            today
        }
    };
    let authorities = load_authorities(&settings.authorities_dir)?;
    let codes: Vec<_> = match authority {
        Some(code) => {
            let code = sendpanel_core::domain::AuthorityId::parse(code)
                .map_err(|e| anyhow::anyhow!("--authority: {e}"))?;
            if !authorities.iter().any(|a| a.id == code) {
                anyhow::bail!("--authority: {code} is not a configured authority");
            }
            vec![code]
        }
        None => authorities.iter().map(|a| a.id.clone()).collect(),
    };
    let letters = LetterBook::load(&settings.letters_dir, &settings.authorities_dir, &codes)?;
    let public_url = settings.public_url.clone().ok_or_else(|| {
        anyhow::anyhow!("digests send: set public_url: each digest links to its cases on it")
    })?;
    let mail = DigestMail {
        letters: Arc::new(letters),
        public_url,
        from_address: settings.mail.from_address.clone(),
    };
    let db = open_database(settings)?;
    let scopes: Vec<_> = codes
        .iter()
        .map(|code| sendpanel_core::store::AuthorityScope::new(code.clone()))
        .collect();
    let run = send_digests(&db, &mail, &scopes, today, &holidays, &SystemClock)?;
    println!(
        "{today}: {} officers' and {} managers' digests queued, {} already sent, {} opted out",
        run.officers, run.managers, run.already_sent, run.skipped_opted_out
    );
    Ok(())
}

/// `sendpanel documents retention`: the report, then (with --apply) the removal.
fn documents_retention(
    settings: &Settings,
    authority: &str,
    years: u32,
    apply: bool,
) -> anyhow::Result<()> {
    use sendpanel_core::documents::retention;
    let code = sendpanel_core::domain::AuthorityId::parse(authority)
        .map_err(|e| anyhow::anyhow!("--authority: {e}"))?;
    let db = open_database(settings)?;
    let scope = sendpanel_core::store::AuthorityScope::new(code);
    let documents = documents_from(&settings.documents)?;
    let due = retention::due(&db, &scope, years, SystemClock.today())?;
    for item in &due {
        println!(
            "{} case {} closed {}: {} ({})",
            if apply { "removing" } else { "would remove" },
            item.case,
            item.closed_on,
            item.file_name,
            item.document
        );
    }
    if !apply {
        println!(
            "{} documents on cases closed more than {years} years ago; nothing removed (add --apply to remove them)",
            due.len()
        );
        return Ok(());
    }
    let removed = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(retention::remove(
            &db,
            &documents.storage,
            &scope,
            &due,
            SystemClock.now(),
        ))?;
    println!(
        "{} documents' records stamped removed; {removed} files removed from the store (the rest are still held by other records)",
        due.len()
    );
    Ok(())
}

/// What the advice e-mails need from the settings, with the letters; `None` without a
/// `public_url`, which the link must be built on.
fn advice_mail(settings: &Settings, letters: LetterBook) -> Option<AdviceMail> {
    settings.public_url.as_ref().map(|url| AdviceMail {
        letters: Arc::new(letters),
        public_url: url.clone(),
        from_address: settings.mail.from_address.clone(),
        from_name: "sendpanel".to_owned(),
    })
}

/// `sendpanel advice chase`: one round of chasers for every authority.
/// `sendpanel cases close`: one round of closing for every authority.
fn cases_close(settings: &Settings) -> anyhow::Result<()> {
    let authorities = load_authorities(&settings.authorities_dir)?;
    let db = open_database(settings)?;
    for authority in authorities {
        let scope = sendpanel_core::store::AuthorityScope::new(authority.id.clone());
        let closed = close_cases_past_appeal_window(&db, &scope, &SystemClock)?;
        println!(
            "{}: {} cases closed after their appeal window",
            authority.id,
            closed.len()
        );
    }
    Ok(())
}

fn advice_chase(settings: &Settings, days: Option<&[u32]>) -> anyhow::Result<()> {
    let authorities = load_authorities(&settings.authorities_dir)?;
    let codes: Vec<_> = authorities.iter().map(|a| a.id.clone()).collect();
    let letters = LetterBook::load(&settings.letters_dir, &settings.authorities_dir, &codes)?;
    let mail = advice_mail(settings, letters).ok_or_else(|| {
        anyhow::anyhow!("advice chase: set public_url: each chaser carries a link built on it")
    })?;
    let db = open_database(settings)?;
    let days = days.unwrap_or(&DEFAULT_CHASE_DAYS);
    for code in codes {
        let scope = sendpanel_core::store::AuthorityScope::new(code.clone());
        let report = send_chasers(&db, &mail, &scope, &SystemClock, days)?;
        println!(
            "{code}: {} chasers queued, {} already sent",
            report.sent, report.already_sent
        );
    }
    Ok(())
}

const CLOCK_HELP: &str = "Read one JSON object on stdin with any of: request_received, \
advice_requested, draft_plan_served, plan_issued, last_review_decision, review_meeting, \
amendment_proposals_sent, transfer_year + transfer_kind (\"school\" or \"post16\"), \
decision_notice_sent, mediation_adviser_contacted, mediation_requested, \
mediation_certificate_issued (dates YYYY-MM-DD). Print one JSON object with each deadline \
whose inputs were given: decide_whether_to_assess_by, decide_not_to_issue_by, \
final_plan_by, advice_due_by, representations_due_by, annual_review_by, review_papers_by, \
review_report_by, review_decision_by, amended_plan_by, phase_transfer_by, \
mediation_contact_by, certificate_due_by, mediation_by, appeal_by. Unknown keys, \
malformed dates and impossible orders exit 1 with one line naming the key.";

/// `sendpanel clock`: dates in, deadlines out, both as one JSON object.
fn clock(settings: &Settings) -> anyhow::Result<()> {
    use std::io::Read;
    let holidays = match &settings.bank_holidays_file {
        Some(path) => BankHolidays::from_file(path)?,
        None => BankHolidays::england_and_wales(),
    };
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("stdin: cannot read the input")?;
    let value: serde_json::Value =
        serde_json::from_str(&input).map_err(|e| anyhow::anyhow!("stdin: not JSON: {e}"))?;
    let facts = ClockFacts::from_json(&value)?;
    let deadlines = facts.deadlines(&holidays)?;
    let out: serde_json::Map<String, serde_json::Value> = deadlines
        .into_iter()
        .map(|(key, date)| (key.to_owned(), date.format("%Y-%m-%d").to_string().into()))
        .collect();
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    Ok(Database::open(
        settings.database_url.clone(),
        PoolOptions {
            max_connections: settings.database_pool_size,
            ..PoolOptions::default()
        },
    )?)
}

/// Why the demo was refused: its users share a password printed in the README, so
/// they are never served off loopback or mixed with real people's accounts.
#[derive(Debug, thiserror::Error)]
pub enum DemoRefused {
    /// The configured address is reachable from other machines.
    #[error(
        "demo: refused with bind = {bind}: the demo's users share a published password, so it is seeded only for a loopback address such as 127.0.0.1:8080"
    )]
    NotLoopback {
        /// The configured address.
        bind: std::net::SocketAddr,
    },
    /// `serve` off loopback on a database holding demo logins, whose password anyone
    /// can read in the README.
    #[error(
        "serve: refused on {bind}: the database has {count} demo users whose password is published; serve it on loopback with --demo, or use a database without the demo"
    )]
    DemoUsersOffLoopback {
        /// The configured address.
        bind: std::net::SocketAddr,
        /// How many demo users.
        count: i64,
    },
    /// The database holds people the demo did not make.
    #[error(
        "demo: refused: the database has {count} users that are not the demo's; the demo is seeded only into an empty database (use a new database_url to try it)"
    )]
    RealUsers {
        /// How many.
        count: i64,
    },
}

fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let authorities: Vec<AuthorityConfig> = load_authorities(&settings.authorities_dir)?;
    // Held until the process ends (the OS lets go of it even on SIGKILL).
    let _only_server = only_server_on_sqlite(&settings)?;
    let db = open_database(&settings)?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(applied = applied.len(), "migrations applied");
    }
    register_authorities(&db, &authorities, &SystemClock)?;
    let holidays = bank_holidays(&settings)?;
    let letters = observe_letters(&db, &settings, &authorities, &holidays)?;
    let chaser_mail = advice_mail(&settings, letters);
    let mailer = Mailer::from_settings(&settings.mail)?;
    println!("Mail: {}.", mailer.describe());
    let host = PolicyHost::new(settings.policy, Some(settings.plugin_cache_dir.clone()))?;
    let catalogue = PluginCatalogue::new(host);
    let documents = documents_from(&settings.documents)?;
    match (demo, occupants(&db)?) {
        (true, Occupants { real: 0, demo: 0 }) => {
            let services = DemoServices {
                catalogue: &catalogue,
                holidays: &holidays,
                documents: &documents,
            };
            print_demo(&seed_demo(&db, &authorities, services, &SystemClock)?);
        }
        (true, Occupants { real: 0, .. }) => println!(
            "Demo data already seeded: sign in with the demo logins printed when it was seeded (see the README)."
        ),
        (true, Occupants { real, .. }) => {
            return Err(DemoRefused::RealUsers { count: real }.into());
        }
        (false, Occupants { demo, .. }) if demo > 0 && !bind_is_loopback(&settings.bind) => {
            return Err(DemoRefused::DemoUsersOffLoopback {
                bind: settings.bind,
                count: demo,
            }
            .into());
        }
        (false, Occupants { demo, .. }) if demo > 0 => {
            // Loopback may still be a TLS proxy's upstream: say so, every start.
            tracing::warn!(
                demo_users = demo,
                "the database holds demo users whose password is published; do not put this database behind a public address"
            );
        }
        (false, _) => {}
    }
    // Before listening: a configured council sign-in whose secret is missing stops
    // start-up here, naming the authority and the variable.
    let oidc = crate::oidc::OidcClients::from_environment(&authorities)?;
    let listener = TcpListener::bind(settings.bind)
        .with_context(|| format!("bind: cannot listen on {}", settings.bind))?;
    let address = listener.local_addr()?;
    println!(
        "sendpanel {} listening on http://{address}/ ({})",
        env!("CARGO_PKG_VERSION"),
        db.url()
    );
    let chase_scopes: Vec<_> = authorities
        .iter()
        .map(|a| sendpanel_core::store::AuthorityScope::new(a.id.clone()))
        .collect();
    let db_backend = db.backend();
    let state = AppState {
        db,
        authorities: Arc::new(authorities),
        catalogue,
        holidays: Arc::new(holidays),
        clock: Arc::new(SystemClock),
        // On PostgreSQL, changes reach every server's watchers as database notices.
        live: match db_backend {
            Backend::Postgres => crate::live::LiveTallies::by_notice(),
            Backend::Sqlite => crate::live::LiveTallies::default(),
        },
        sign_in_limiter: Arc::new(crate::pages::SignInLimiter::new(
            settings.sign_in.concurrent_hashes,
            settings.sign_in.trusted_proxies.clone(),
        )),
        account_mail: settings.public_url.as_ref().map(|url| {
            Arc::new(crate::state::AccountMail {
                public_url: url.clone(),
                from_address: settings.mail.from_address.clone(),
                from_name: "sendpanel".to_owned(),
                letters: chaser_mail.as_ref().map(|m| m.letters.clone()),
            })
        }),
        oidc,
        documents,
    };
    let metrics = match settings.metrics {
        MetricsSetting::Off => None,
        MetricsSetting::OnMainBind | MetricsSetting::OnOwnBind(_) => Some(
            crate::metrics::Scrape::new(crate::metrics::install()?, settings.metrics_token.clone()),
        ),
    };
    let metrics_listener = match settings.metrics {
        MetricsSetting::OnOwnBind(address) => {
            let listener = TcpListener::bind(address)
                .with_context(|| format!("metrics_bind: cannot listen on {address}"))?;
            println!("Metrics at http://{}/metrics", listener.local_addr()?);
            Some(listener)
        }
        MetricsSetting::OnMainBind => {
            println!("Metrics at http://{address}/metrics");
            None
        }
        MetricsSetting::Off => None,
    };
    let tally_listener = crate::live::start_listening(&state);
    if db_backend == Backend::Postgres && tally_listener.is_none() {
        anyhow::bail!("live tally: cannot start the listener for other servers' changes");
    }
    let poll = settings.mail.poll_interval();
    let digest_holidays = state.holidays.as_ref().clone();
    let sessions = settings.sessions.clone();
    let headers = settings.headers;
    let outbox_db = state.db.clone();
    actix_web::rt::System::new().block_on(async move {
        let worker = spawn_worker(outbox_db.clone(), mailer, poll);
        // Chasers hourly; a chaser is claimed once, so the round may overlap another's.
        // Digests hourly, sent once a working day from 07:00: each is claimed by its row.
        let digests = chaser_mail.clone().map(|mail| {
            sendpanel_core::notify::digest::spawn_digests(
                outbox_db.clone(),
                sendpanel_core::notify::digest::DigestMail {
                    letters: mail.letters,
                    public_url: mail.public_url,
                    from_address: mail.from_address,
                },
                chase_scopes.clone(),
                digest_holidays,
                std::time::Duration::from_secs(3600),
            )
        });
        // SQLite's planner statistics, measured at start and hourly (PostgreSQL's
        // autovacuum keeps its own).
        let statistics = outbox_db.spawn_optimize(std::time::Duration::from_secs(3600));
        // Refusals and decisions not to issue whose appeal window passed close hourly.
        let closing = spawn_closing(
            outbox_db.clone(),
            chase_scopes.clone(),
            std::time::Duration::from_secs(3600),
        );
        let chasers = chaser_mail.clone().map(|mail| {
            spawn_chasers(
                outbox_db,
                mail,
                chase_scopes,
                std::time::Duration::from_secs(3600),
            )
        });
        let gauges = metrics
            .as_ref()
            .map(|_| crate::metrics::spawn_gauges(state.clone()));
        let metrics_server = match (metrics_listener, &metrics) {
            (Some(listener), Some(handle)) => {
                let server = server::start_metrics(listener, handle.clone())?;
                Some(actix_web::rt::spawn(server))
            }
            _ => None,
        };
        let on_main = metrics.filter(|_| metrics_server.is_none());
        let served = server::start_serving(state, &sessions, headers, listener, on_main)?.await;
        if let Some(gauges) = gauges {
            gauges.abort();
        }
        if let Some(metrics_server) = metrics_server {
            metrics_server.abort();
        }
        // Anything the worker had claimed is retried after its lease.
        worker.abort();
        closing.abort();
        statistics.abort();
        if let Some(digests) = digests {
            digests.abort();
        }
        if let Some(chasers) = chasers {
            chasers.abort();
        }
        served
    })?;
    println!("sendpanel stopped");
    Ok(())
}

/// On SQLite, makes this the only `serve` on the database file: a second is refused,
/// saying why, rather than two servers each believing they hold the one writer, the
/// live tally and the sign-in counts. The lock is the OS's (`flock`) on a file beside
/// the database, so it goes with the process however the process ends. Nothing on
/// PostgreSQL, which several servers share.
fn only_server_on_sqlite(settings: &Settings) -> anyhow::Result<Option<std::fs::File>> {
    let Some(path) = settings.database_url.sqlite_path() else {
        return Ok(None);
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("database_url: cannot create {}", dir.display()))?;
    }
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".serve-lock");
    let lock_path = PathBuf::from(lock_path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("database_url: cannot open {}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "database_url: another sendpanel serve is already serving {}; SQLite serves one server at a time (run several servers on PostgreSQL)",
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(anyhow::Error::new(e)
            .context(format!("database_url: cannot lock {}", lock_path.display()))),
    }
}

/// The document service the settings describe: the store opened (a local folder is
/// created), the scanner addressed.
pub(crate) fn documents_from(
    settings: &crate::settings::DocumentSettings,
) -> anyhow::Result<sendpanel_core::documents::Documents> {
    use sendpanel_core::documents::{DocumentStorage, Documents, Scanner};
    let storage =
        DocumentStorage::open(&settings.storage).map_err(|e| anyhow::anyhow!("documents: {e}"))?;
    tracing::info!(store = storage.describe(), "documents kept in");
    Ok(Documents {
        storage,
        scanner: settings
            .clamd
            .clone()
            .map(|address| Scanner::new(address, std::time::Duration::from_secs(60))),
        max_bytes: settings.max_bytes,
        staging_dir: None,
    })
}

/// The bank holidays limits are counted with: the configured file, or England and
/// Wales as compiled in.
fn bank_holidays(settings: &Settings) -> anyhow::Result<BankHolidays> {
    Ok(match &settings.bank_holidays_file {
        Some(path) => BankHolidays::from_file(path)?,
        None => BankHolidays::england_and_wales(),
    })
}

/// Puts the notifier in place: letters and e-mails are written in the transaction of
/// the decision that causes them, so it must observe before anything can be decided.
/// Returns the letters, which the advice-link e-mails also use.
fn observe_letters(
    db: &Database,
    settings: &Settings,
    authorities: &[AuthorityConfig],
    holidays: &BankHolidays,
) -> anyhow::Result<LetterBook> {
    let codes: Vec<_> = authorities.iter().map(|a| a.id.clone()).collect();
    let letters = LetterBook::load(&settings.letters_dir, &settings.authorities_dir, &codes)?;
    db.observe(Arc::new(Notifier::new(
        letters.clone(),
        &settings.mail,
        holidays.clone(),
    )?))?;
    Ok(letters)
}

fn print_demo(summary: &DemoSummary) {
    println!(
        "Demo data seeded: {} requests. Sign in with password `{}` as:",
        summary.requests, summary.password
    );
    for login in &summary.logins {
        let seats = if login.seats.is_empty() {
            String::new()
        } else {
            format!(" ({})", login.seats.join(", "))
        };
        println!(
            "  {:<15} {:<14} {}{}",
            login.authority, login.role, login.email, seats
        );
    }
    println!(
        "Admins also give a code from an authenticator app: add the setup key {} to one, \
         or run `sendpanel demo-code` for the code of the moment.",
        sendpanel_core::demo::DEMO_TOTP_SECRET
    );
    for plugin in &summary.plugins {
        println!(
            "Policy plugin in force for {} from {}: {} (sha256 {}).",
            plugin.authority, plugin.active_from, plugin.policy, plugin.sha256
        );
    }
    if summary.advice > 0 {
        println!(
            "Plugin advice recorded on the demo's requests: {}.",
            summary.advice
        );
    }
    if !summary.stages.is_empty() {
        let mut stages: Vec<String> = Vec::new();
        for (authority, stage) in &summary.stages {
            stages.push(format!(
                "{authority}: {}",
                stage.to_string().replace('_', " ")
            ));
        }
        println!("Requests past intake: {}.", stages.join(", "));
    }
    if let Some((panel, sits_on, cases)) = &summary.sitting {
        println!(
            "A sitting of the {panel} is arranged for {sits_on} with {cases} requests on its agenda; its members' invitations are in the outbox."
        );
    }
    println!("Note: {DEMO_PASSWORD_NOTE}.");
}
