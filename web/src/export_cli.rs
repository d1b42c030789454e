//! `sendpanel export ...`: statutory returns made from the record. `export sen2` writes
//! the DfE's SEN2 person-level return for a census date and prints what went into it:
//! the records per module, each child left out with the rules their record broke, and
//! the items the record cannot fill. The rules live in `sendpanel_core::sen2`; this
//! module reads flags, calls it, writes the file and prints.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Subcommand;
use sendpanel_core::sen2::{Sen2Report, Software, sen2_return};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::{Clock, SystemClock};

use crate::settings::Settings;

/// The export subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The SEN2 return (person level) for a census date, as its XML. Children missing a
    /// mandatory item are listed, not exported; items the record cannot fill are listed
    /// with why.
    Sen2 {
        /// The authority's code, e.g. torbay.
        #[arg(long, value_name = "CODE")]
        authority: String,
        /// The census (survey) date, YYYY-MM-DD: 21 January 2027 is 2027-01-21.
        #[arg(long, value_name = "YYYY-MM-DD")]
        census: String,
        /// Where to write the XML [default: sen2-CODE-CENSUS.xml in this folder].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The file's serial number in the header: 1 for the first file for a census,
        /// one more for each resubmission.
        #[arg(long, value_name = "N", default_value_t = 1)]
        serial: u32,
    },
}

/// Runs an export subcommand.
pub fn run(
    command: ExportCommand,
    settings: &Settings,
    open_database: impl FnOnce(&Settings) -> anyhow::Result<Database>,
) -> anyhow::Result<()> {
    match command {
        ExportCommand::Sen2 {
            authority,
            census,
            out,
            serial,
        } => {
            let code = sendpanel_core::domain::AuthorityId::parse(&authority)
                .map_err(|e| anyhow!("--authority: {e}"))?;
            let census = chrono::NaiveDate::parse_from_str(census.trim(), "%Y-%m-%d")
                .map_err(|_| anyhow!("--census: {census:?} is not a date written YYYY-MM-DD"))?;
            let db = open_database(settings)?;
            let scope = AuthorityScope::new(code.clone());
            let software = Software {
                serial_no: serial,
                ..Software::sendpanel(SystemClock.now())
            };
            let report = sen2_return(&db, &scope, census, &software)?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("sen2-{code}-{census}.xml")));
            std::fs::write(&out, &report.xml)
                .map_err(|e| anyhow!("--out: cannot write {}: {e}", out.display()))?;
            print!("{}", describe(&report));
            println!("Written to {}", out.display());
            Ok(())
        }
    }
}

/// The report in words, as the command prints it.
pub fn describe(report: &Sen2Report) -> String {
    use std::fmt::Write;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "SEN2 return for the census of {} (code lists: {})",
        report.census, report.code_lists
    );
    let _ = writeln!(text, "Exported, records per module:");
    for (module, count) in report.exported.rows() {
        let _ = writeln!(text, "  {module:<22} {count}");
    }
    if report.refused.is_empty() {
        let _ = writeln!(text, "Refused: none");
    } else {
        let _ = writeln!(
            text,
            "Refused (in scope but not exported until the record is corrected): {}",
            report.refused.len()
        );
        for child in &report.refused {
            let cases: Vec<String> = child.case_ids.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                text,
                "  {} (UPN {}; case {})",
                child.name,
                child.upn.as_deref().unwrap_or("none"),
                cases.join(", ")
            );
            for failure in &child.failures {
                let _ = writeln!(text, "    rule {}: {}", failure.rule, failure.text);
            }
        }
    }
    if !report.unfillable.is_empty() {
        let _ = writeln!(text, "Not in the record, left out of the file:");
        for item in &report.unfillable {
            let _ = writeln!(
                text,
                "  {} ({} records): {}",
                item.item, item.records, item.why
            );
        }
    }
    text
}
