//! Bulk import from an authority's earlier system: the EHC plans it maintains and the
//! requests still open in it, each from a CSV export with a header row.
//!
//! - [`ImportFile::read`] reads and checks every row on its own (the domain's rules for
//!   names, UPNs, dates and choices) and the references repeated within the file.
//! - [`import`] then runs in batches of [`BATCH_ROWS`], one transaction each, checking
//!   against the database what a row alone cannot show (a reference already imported,
//!   an officer who is not a caseworker or admin here, a known child with another date
//!   of birth) and, unless it is a dry run, writing each good row: the child (matched by
//!   UPN, else by the authority's reference, else new), the request, the case with its
//!   earlier reference, the import's event and the statutory limit that now runs.
//! - A dry run checks the same, in read-only transactions, and writes nothing.
//!
//! A row with a problem is not imported and is reported with its row (as a spreadsheet
//! numbers it: the header is row 1), its column and the rule; the other rows still go.
//! A row whose reference is already on a case is skipped, so a second run of the same
//! file imports nothing. Where the file cannot say something the record needs (who
//! asked for a plan made years ago, and why), the record says it was imported and
//! invents nothing.

mod rows;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::limits;
use crate::domain::{
    AssessmentRequest, AuthorityReference, Case, CaseStage, Child, ChildId, DeadlineKind, Email,
    RequestId, Upn, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, BulkCase, Database, KnownChild, NewEvent, StoreError, Tx};
use crate::time::Clock;
use crate::workflow::lifecycle::OFFICER_ROLES;
use rows::{CheckedRow, FileRow};

/// Rows written per transaction.
pub const BATCH_ROWS: usize = 500;

/// What the request of an imported plan says where the earlier system's export has no
/// detail: the truth, that it was imported.
pub const IMPORTED_REQUESTER: &str = "Imported from the earlier system";
/// The summary of an imported plan's request.
pub const IMPORTED_SUMMARY: &str = "Imported from the earlier system: an EHC plan maintained before this service was used. The request's details are not in the record.";

/// Which export a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum ImportKind {
    /// EHC plans the authority maintains.
    Plans,
    /// Requests for assessment open in the earlier system.
    Requests,
}

/// Check only, or check and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Report every problem; write nothing.
    DryRun,
    /// Write every row without a problem.
    Import,
}

/// One problem with one row: its number as a spreadsheet shows it (the header is row
/// 1), the column, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The row.
    pub row: u64,
    /// The column, as the header names it (`(row)` for the row as a whole).
    pub column: String,
    /// The rule, in plain English.
    pub rule: String,
}

impl Problem {
    fn new(row: u64, column: &str, rule: String) -> Self {
        Self {
            row,
            column: column.to_owned(),
            rule,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, {}: {}", self.row, self.column, self.rule)
    }
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The kind of file.
    pub kind: ImportKind,
    /// Whether this was a dry run (then nothing was written).
    pub dry_run: bool,
    /// The rows read (blank rows aside).
    pub rows: u64,
    /// Rows imported (for a dry run: that would be).
    pub imported: u64,
    /// Rows skipped because their reference is already on one of the authority's cases.
    pub skipped: u64,
    /// Rows refused for a problem.
    pub refused: u64,
    /// Every problem of every refused row, in row order.
    pub problems: Vec<Problem>,
}

/// Why a file could not be imported at all. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The header row lacks a column, repeats one, or names one this import does not
    /// read.
    #[error("row 1 (the header): {0}")]
    Header(String),
    /// The file is not CSV.
    #[error("the file could not be read as CSV: {0}")]
    Unreadable(String),
    /// The store failed; batches before this one were written, this one was not.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A file read and each of its rows checked on its own.
#[derive(Debug, Clone)]
pub struct ImportFile {
    kind: ImportKind,
    rows: Vec<FileRow>,
}

impl ImportFile {
    /// Reads `input` as `kind`'s CSV, checking every row against today's date.
    pub fn read(
        kind: ImportKind,
        input: impl std::io::Read,
        clock: &dyn Clock,
    ) -> Result<Self, ImportError> {
        Ok(Self {
            kind,
            rows: rows::read(kind, input, clock.today())?,
        })
    }

    /// The kind of file.
    pub fn kind(&self) -> ImportKind {
        self.kind
    }

    /// How many rows it holds (blank rows aside): what a progress bar counts to.
    pub fn len(&self) -> u64 {
        self.rows.len() as u64
    }

    /// Whether it holds no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// What one batch came to.
#[derive(Default)]
struct BatchOutcome {
    imported: u64,
    skipped: u64,
    refused: Vec<(u64, Vec<Problem>)>,
}

/// Imports (or, in a dry run, checks) `file` for the scope's authority, a batch of
/// [`BATCH_ROWS`] rows per transaction; `progress` is told the rows done after each
/// batch. `actor` is the admin running it, or `None` from the command line.
pub fn import(
    db: &Database,
    scope: &AuthorityScope,
    file: &ImportFile,
    mode: ImportMode,
    actor: Option<UserId>,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let _span = tracing::info_span!(
        "import",
        kind = %file.kind,
        rows = file.rows.len(),
        dry_run = mode == ImportMode::DryRun
    )
    .entered();
    let mut report = ImportReport {
        kind: file.kind,
        dry_run: mode == ImportMode::DryRun,
        rows: file.len(),
        imported: 0,
        skipped: 0,
        refused: 0,
        problems: Vec::new(),
    };
    let mut done = 0;
    // A dry run writes no child, so it carries the children its earlier batches would
    // have written: a later row for the same child meets them as the import would.
    let mut would_record = Children::default();
    let mut batches: u64 = 0;
    for batch in file.rows.chunks(BATCH_ROWS) {
        let outcome = match mode {
            ImportMode::DryRun => db.read(|tx| {
                run_batch(
                    tx,
                    scope,
                    file.kind,
                    batch,
                    mode,
                    actor,
                    clock,
                    &mut would_record,
                )
            })?,
            ImportMode::Import => {
                let run = |tx: &mut Tx<'_>| {
                    let mut children = Children::default();
                    run_batch(
                        tx,
                        scope,
                        file.kind,
                        batch,
                        mode,
                        actor,
                        clock,
                        &mut children,
                    )
                };
                // Two imports of one file at once: the loser's batch meets the unique
                // reference and runs once more, now skipping what the other wrote.
                match db.write_with(run) {
                    Err(StoreError::Conflict(_)) => db.write_with(run)?,
                    other => other?,
                }
            }
        };
        report.imported += outcome.imported;
        report.skipped += outcome.skipped;
        report.refused += outcome.refused.len() as u64;
        report
            .problems
            .extend(outcome.refused.into_iter().flat_map(|(_, p)| p));
        done += batch.len() as u64;
        progress(done);
        batches += 1;
        // As the tables grow from a few rows to thousands, PostgreSQL keeps planning
        // from the sizes it last measured and soon reads whole tables for each row;
        // measuring again after 1, 2, 4, 8... batches keeps its plans right for little.
        if mode == ImportMode::Import && batches.is_power_of_two() {
            refresh_statistics(db);
        }
    }
    if report.imported > 0 {
        // Thousands of new rows at once leave PostgreSQL's planner statistics behind
        // until autovacuum catches up, and with them the caseload's query plans.
        refresh_statistics(db);
    }
    tracing::info!(
        imported = report.imported,
        skipped = report.skipped,
        refused = report.refused,
        "import finished"
    );
    Ok(report)
}

/// Measures the tables again for the planner. The rows are already saved: a failure
/// here (another process holding SQLite's write lock past its wait, say) is logged, and
/// the import still reports what it wrote.
fn refresh_statistics(db: &Database) {
    if let Err(error) = db.refresh_statistics() {
        tracing::warn!(%error, "the tables could not be measured again for the query planner after the import");
    }
}

/// One batch in one transaction: what the database says about each row, then (unless
/// a dry run) the good rows written. `children` holds those already met.
#[allow(clippy::too_many_arguments)]
fn run_batch(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    kind: ImportKind,
    batch: &[FileRow],
    mode: ImportMode,
    actor: Option<UserId>,
    clock: &dyn Clock,
    children: &mut Children,
) -> Result<BatchOutcome, StoreError> {
    let checked_rows = || batch.iter().filter_map(|r| r.checked.as_ref());
    let references: Vec<&str> = checked_rows().map(|c| c.reference.as_str()).collect();
    let imported = tx.imported_references(scope, &references)?;
    let officers: HashMap<Email, UserId> = tx
        .list_accounts(scope)?
        .into_iter()
        .filter(|a| a.is_enabled() && OFFICER_ROLES.contains(&a.user.role))
        .map(|a| (a.user.email, a.user.id))
        .collect();
    let upns: Vec<&str> = checked_rows()
        .filter_map(|c| c.child.upn.as_ref().map(Upn::as_str))
        .collect();
    let child_references: Vec<&str> = checked_rows()
        .filter_map(|c| {
            c.child
                .authority_reference
                .as_ref()
                .map(AuthorityReference::as_str)
        })
        .collect();
    for child in tx.children_known_by(scope, &upns, &child_references)? {
        children.remember(child);
    }
    let now = clock.now();
    let mut outcome = BatchOutcome::default();
    let mut planned = Planned::default();
    for row in batch {
        let mut problems = row.problems.clone();
        let officer = match &row.officer_email {
            Some(email) => match officers.get(email) {
                Some(id) => Some(*id),
                None => {
                    problems.push(Problem::new(
                        row.row,
                        "officer_email",
                        format!("{email} is not an enabled caseworker or admin of this authority"),
                    ));
                    None
                }
            },
            None => None,
        };
        let Some(checked) = &row.checked else {
            outcome.refused.push((row.row, problems));
            continue;
        };
        if imported.contains(&checked.reference) {
            outcome.skipped += 1;
            continue;
        }
        let known = match children.find(row.row, checked) {
            Ok(known) => known,
            Err(problem) => {
                problems.push(problem);
                None
            }
        };
        if !problems.is_empty() {
            outcome.refused.push((row.row, problems));
            continue;
        }
        let (child_id, new_child) = match known {
            Some(known) => (known.id, None),
            None => {
                let child = new_child(scope, checked)?;
                // A later row of the file for the same child finds this one, in a dry
                // run as in the import.
                children.remember(KnownChild {
                    id: child.id,
                    date_of_birth: child.date_of_birth,
                    upn: child.upn.as_ref().map(|u| u.as_str().to_owned()),
                    authority_reference: child
                        .authority_reference
                        .as_ref()
                        .map(|r| r.as_str().to_owned()),
                });
                (child.id, Some(child))
            }
        };
        if mode == ImportMode::Import {
            let write = Write {
                kind,
                checked,
                child_id,
                new_child: new_child.as_ref(),
                officer,
                actor,
                now,
            };
            planned.add(scope, &write)?;
        }
        outcome.imported += 1;
    }
    // The batch's good rows in a few multi-row statements, not a round trip per row.
    tx.insert_cases_in_bulk(scope, &planned.cases, now)?;
    tx.append_opening_events_in_bulk(scope, planned.events)?;
    Ok(outcome)
}

/// The recorded children a batch may name, by UPN and by the authority's reference.
#[derive(Default)]
struct Children {
    by_upn: HashMap<String, KnownChild>,
    by_reference: HashMap<String, KnownChild>,
}

impl Children {
    fn remember(&mut self, child: KnownChild) {
        if let Some(reference) = &child.authority_reference {
            self.by_reference.insert(reference.clone(), child.clone());
        }
        if let Some(upn) = &child.upn {
            self.by_upn.insert(upn.clone(), child);
        }
    }

    /// The recorded child a row is about: by UPN, else by the authority's reference;
    /// `None` for a child not yet recorded. A problem when the child found has another
    /// date of birth, or the reference is another pupil's.
    fn find(&self, row: u64, checked: &CheckedRow) -> Result<Option<KnownChild>, Problem> {
        let cells = &checked.child;
        let by_reference =
            |reference: &AuthorityReference| self.by_reference.get(reference.as_str()).cloned();
        let (known, column) = match (&cells.upn, &cells.authority_reference) {
            (Some(upn), reference) => match self.by_upn.get(upn.as_str()) {
                Some(child) => (Some(child.clone()), "upn"),
                None => match reference.as_ref().and_then(by_reference) {
                    Some(child) => {
                        if let Some(other) = &child.upn {
                            return Err(Problem::new(
                                row,
                                "authority_reference",
                                format!(
                                    "is already recorded for a child with another UPN ({other}); check both"
                                ),
                            ));
                        }
                        (Some(child), "authority_reference")
                    }
                    None => (None, "upn"),
                },
            },
            (None, Some(reference)) => (by_reference(reference), "authority_reference"),
            (None, None) => (None, "upn"),
        };
        match known {
            Some(child) if child.date_of_birth != cells.date_of_birth => Err(Problem::new(
                row,
                column,
                format!(
                    "is already recorded for a child born on {}, not {}; check both",
                    child.date_of_birth, cells.date_of_birth
                ),
            )),
            other => Ok(other),
        }
    }
}

/// A child not yet recorded, as the row describes them. One without a UPN or a
/// reference is given a reference, as at intake.
fn new_child(scope: &AuthorityScope, checked: &CheckedRow) -> Result<Child, StoreError> {
    let cells = &checked.child;
    let id = ChildId::new();
    let authority_reference = match (&cells.authority_reference, &cells.upn) {
        (Some(reference), _) => Some(reference.clone()),
        (None, Some(_)) => None,
        (None, None) => Some(
            crate::workflow::generated_reference(id)
                .map_err(|e| StoreError::Refused(e.to_string()))?,
        ),
    };
    Ok(Child {
        id,
        authority_id: scope.authority().clone(),
        given_name: cells.given_name.clone(),
        family_name: cells.family_name.clone(),
        date_of_birth: cells.date_of_birth,
        upn: cells.upn.clone(),
        nhs_number: cells.nhs_number.clone(),
        authority_reference,
        sex: cells.sex,
        ethnicity: None,
        postcode: None,
    })
}

/// One row to write.
struct Write<'a> {
    kind: ImportKind,
    checked: &'a CheckedRow,
    /// The child: recorded already, or `new_child`.
    child_id: ChildId,
    new_child: Option<&'a Child>,
    officer: Option<UserId>,
    actor: Option<UserId>,
    now: DateTime<Utc>,
}

/// A batch's good rows, ready to write together: each case with its child (if new),
/// request and limit, and the events of all of them in order.
#[derive(Default)]
struct Planned {
    cases: Vec<BulkCase>,
    events: Vec<NewEvent>,
}

impl Planned {
    /// Adds one checked row: the child if new, the request, the case with its earlier
    /// reference, and the events and limit of its kind.
    fn add(&mut self, scope: &AuthorityScope, write: &Write<'_>) -> Result<(), StoreError> {
        let Write {
            kind,
            checked,
            child_id,
            new_child,
            officer,
            actor,
            now,
        } = *write;
        let (requester, summary, contact_email) = match &checked.request {
            Some(r) => (
                r.requester.clone(),
                r.summary.clone(),
                r.contact_email.clone(),
            ),
            None => (
                IMPORTED_REQUESTER.to_owned(),
                IMPORTED_SUMMARY.to_owned(),
                None,
            ),
        };
        let request = AssessmentRequest {
            id: RequestId::new(),
            authority_id: scope.authority().clone(),
            child_id,
            received_on: checked.received_on,
            requested_by: checked.requested_by,
            requester,
            setting_type: checked.setting_type,
            primary_need: checked.primary_need,
            summary,
            logged_at: now,
            contact_email,
        };
        let stage = match kind {
            ImportKind::Plans => CaseStage::PlanIssued,
            ImportKind::Requests => CaseStage::RequestReceived,
        };
        let mut case = Case::opened(scope.authority().clone(), child_id, request.id, stage, now);
        case.external_reference = Some(checked.reference.clone());
        case.setting_name = checked.setting_name.clone();
        case.officer_id = officer;
        let event = |fact: CaseEvent| NewEvent {
            case_id: Some(case.id),
            fact,
            actor,
            occurred_at: now,
        };
        let bad_date = |e: crate::clock::ClockError| StoreError::Refused(e.to_string());
        let deadline = match (&checked.plan, kind) {
            (Some(plan), ImportKind::Plans) => {
                self.events
                    .push(event(CaseEvent::PlanImported(events::PlanImported {
                        reference: checked.reference.clone(),
                        plan_issued_on: plan.plan_issued_on,
                        last_reviewed_on: plan.last_reviewed_on,
                    })));
                let start: NaiveDate = plan.last_reviewed_on.unwrap_or(plan.plan_issued_on);
                let due_on = limits::ANNUAL_REVIEW
                    .calendar_due(start, None)
                    .map_err(bad_date)?;
                crate::workflow::open_limit(
                    scope,
                    case.id,
                    DeadlineKind::AnnualReview,
                    due_on,
                    None,
                )
            }
            _ => {
                self.events
                    .push(event(CaseEvent::RequestReceived(events::RequestReceived {
                        request: request.id,
                        child: child_id,
                        received_on: request.received_on,
                        requested_by: request.requested_by,
                    })));
                self.events
                    .push(event(CaseEvent::RequestImported(events::RequestImported {
                        reference: checked.reference.clone(),
                    })));
                // The 6 weeks run from the day the earlier system received it, even if
                // they have already passed: the case shows it overdue, as it is.
                let due_on = limits::of(DeadlineKind::DecideWhetherToAssess)
                    .calendar_due(request.received_on, None)
                    .map_err(bad_date)?;
                crate::workflow::open_limit(
                    scope,
                    case.id,
                    DeadlineKind::DecideWhetherToAssess,
                    due_on,
                    None,
                )
            }
        };
        self.events
            .push(crate::workflow::deadline_set(&deadline, actor, now));
        if let Some(officer) = officer {
            self.events
                .push(event(CaseEvent::CaseAllocated(events::CaseAllocated {
                    officer: Some(officer),
                    previous: None,
                    reason: Some("Allocated in the import from the earlier system".to_owned()),
                })));
        }
        self.cases.push(BulkCase {
            new_child: new_child.cloned(),
            request,
            case,
            deadlines: vec![deadline],
        });
        Ok(())
    }
}
