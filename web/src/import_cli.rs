//! `sendpanel import plans|requests FILE.csv --authority CODE [--dry-run]`: an earlier
//! system's EHC plans or open requests, from its CSV export. The rules live in
//! `sendpanel_core::import`; this module reads flags, draws the progress bar (only when
//! stdout is a terminal) and prints each problem as `row 14, date_of_birth: ...`, then
//! the counts. It exits non-zero when any row was refused, so a script notices.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sendpanel_core::import::{ImportFile, ImportKind, ImportMode, ImportReport, import};
use sendpanel_core::store::Database;
use sendpanel_core::time::SystemClock;

use crate::plugin_cli::registry;
use crate::settings::Settings;

/// The import subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// EHC plans the authority maintains. Columns (header row, these names): reference,
    /// given_name, family_name, date_of_birth, plan_issued_on, setting_name,
    /// setting_type, primary_need, requested_by; optionally upn, authority_reference,
    /// nhs_number, sex, received_on, last_reviewed_on, officer_email.
    Plans(ImportArgs),
    /// Requests for assessment still open. Columns: reference, given_name, family_name,
    /// date_of_birth, received_on, requested_by, requester, setting_type, primary_need,
    /// summary; optionally upn, authority_reference, nhs_number, sex, setting_name,
    /// officer_email, contact_email.
    Requests(ImportArgs),
}

/// What both kinds take.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The CSV export (UTF-8, a header row; dates as 2024-03-31 or 31/03/2024).
    file: PathBuf,
    /// The authority's code, e.g. torbay.
    #[arg(long, value_name = "CODE")]
    authority: String,
    /// Check every row and report every problem; write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs an import subcommand.
pub fn run(
    command: ImportCommand,
    settings: &Settings,
    open_database: impl FnOnce(&Settings) -> anyhow::Result<Database>,
) -> anyhow::Result<()> {
    let (kind, args) = match command {
        ImportCommand::Plans(args) => (ImportKind::Plans, args),
        ImportCommand::Requests(args) => (ImportKind::Requests, args),
    };
    let input = std::fs::File::open(&args.file)
        .with_context(|| format!("{}: cannot open", args.file.display()))?;
    let file = ImportFile::read(kind, std::io::BufReader::new(input), &SystemClock)
        .with_context(|| args.file.display().to_string())?;
    let (db, scope) = registry(settings, open_database, &args.authority)?;
    let mode = if args.dry_run {
        ImportMode::DryRun
    } else {
        ImportMode::Import
    };
    let bar = if std::io::stdout().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(file.len()), ProgressDrawTarget::stdout());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}") {
            bar.set_style(style);
        }
        bar.set_message(if args.dry_run { "checked" } else { "done" });
        bar
    } else {
        ProgressBar::hidden()
    };
    let report = import(&db, &scope, &file, mode, None, &SystemClock, &mut |done| {
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    print_report(&report);
    if report.refused > 0 {
        let rows = if report.refused == 1 { "row" } else { "rows" };
        if report.dry_run {
            bail!(
                "{} {rows} would be refused; nothing was written",
                report.refused
            );
        }
        bail!(
            "{} {rows} refused; correct {} and run again (rows already imported are skipped)",
            report.refused,
            if report.refused == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

fn print_report(report: &ImportReport) {
    for problem in &report.problems {
        println!("{problem}");
    }
    let verb = if report.dry_run {
        "would be imported"
    } else {
        "imported"
    };
    println!(
        "{} {}: {} {verb}, {} skipped (already imported), {} refused{}",
        report.rows,
        if report.rows == 1 { "row" } else { "rows" },
        report.imported,
        report.skipped,
        report.refused,
        if report.dry_run {
            "; dry run, nothing was written"
        } else {
            ""
        },
    );
}
