//! Who may read a child's record, and the record of every read.
//!
//! A child's record (a case page, the API's `GET /requests/{id}`, a letter, a sitting's
//! papers, its minutes) is special-category data about a child. Each way in is one
//! function here (or, for papers and minutes, in [`crate::panel`]) that checks the
//! reader may read it, reads it and appends an [`AccessRecord`] in **one write
//! transaction**: the record commits exactly when the answer is produced, and a read
//! whose record cannot be written fails, so nothing is ever shown unaudited. Handlers
//! parse, call one of these, and render.
//!
//! **Who may open a case whole** ([`may_open_case`]): caseworkers, admins and auditors
//! read their authority's cases; panel chairs too, because the catalogue of steps lets a
//! chair record decisions from the case page outside a sitting (`DECIDERS`), which they
//! cannot do without reading it. Panel members read a case only through the papers of a
//! sitting where they have a seat, and not at all once they declared a conflict on the
//! item ([`crate::panel::open_papers`]).
//!
//! The access log is append-only: the store offers no update or delete, and both
//! databases' triggers refuse UPDATE, DELETE and (PostgreSQL) TRUNCATE on it, as on
//! decisions, votes and documents.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{
    AccessId, AuthorityId, CaseId, ChildId, Document, DocumentId, UserId, UserRole,
};
use crate::services::{Actor, Services};
use crate::store::{AuthorityScope, StoreError, Tx};
use crate::workflow::{CaseView, WorkflowError};

/// What was read.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccessKind {
    /// The case page, whole.
    CasePage,
    /// The case whole through the API.
    CaseApi,
    /// One letter sent to the family.
    Letter,
    /// A sitting's papers for one agenda item.
    Papers,
    /// A sitting's minutes (one record per case on its agenda).
    Minutes,
    /// Everything held about the child, exported for a subject access request.
    SubjectAccess,
    /// One uploaded document (evidence or advice), from the case or from the papers.
    Document,
    /// The caseload downloaded as a spreadsheet: one record per case in it.
    CaseloadExport,
    /// The SEN2 return made for the DfE: one record per case of each child in it.
    Sen2Return,
}

impl AccessKind {
    /// In words, for the auditor's page.
    pub fn words(self) -> &'static str {
        match self {
            Self::CasePage => "Case page",
            Self::CaseApi => "Case (API)",
            Self::Letter => "Letter",
            Self::Papers => "Panel papers",
            Self::Minutes => "Minutes",
            Self::SubjectAccess => "Subject access export",
            Self::Document => "Document",
            Self::CaseloadExport => "Caseload download",
            Self::Sen2Return => "SEN2 return",
        }
    }
}

/// One read of a child's record: who (and in what role), when, which case and child,
/// what, and through which route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccessRecord {
    /// The record's id.
    pub id: AccessId,
    /// The authority whose record was read.
    pub authority_id: AuthorityId,
    /// Who read it.
    pub user_id: UserId,
    /// Their role when they read it (roles change; the log keeps what was true).
    pub role: UserRole,
    /// The case read.
    pub case_id: CaseId,
    /// The child the case is about: a subject access request asks per child.
    pub child_id: ChildId,
    /// What was read.
    pub what: AccessKind,
    /// The route it was read through, e.g. `GET /cases/{id}`.
    pub route: String,
    /// When.
    pub read_at: DateTime<Utc>,
}

/// Which access records an auditor asks for: all of the authority's, one child's or one
/// user's (or both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessFilter {
    /// Only reads of this child's record.
    pub child: Option<ChildId>,
    /// Only reads by this user.
    pub user: Option<UserId>,
}

/// An access record with the names an auditor reads it by: the reader's and the
/// child's, as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedAccess {
    /// The record.
    pub record: AccessRecord,
    /// The reader's display name.
    pub user_name: String,
    /// The child's given and family name.
    pub child_name: String,
}

/// One page of the access log, newest first, with how many records match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPage {
    /// The records on this page.
    pub records: Vec<NamedAccess>,
    /// How many match the filter.
    pub total: i64,
    /// The page (from 1).
    pub page: i64,
    /// How many records a page holds.
    pub per_page: i64,
}

/// Records per page of the auditor's list.
pub const PER_PAGE: i64 = 50;

/// The roles that read the access log: auditors only. Admins manage users and could
/// otherwise read who read what while being the people audited.
pub const LOG_READERS: [UserRole; 1] = [UserRole::Auditor];

/// The roles that open a case whole (case page, API read, letters). Panel members are
/// not among them: they read a case only through a sitting's papers. Chairs are,
/// because they record decisions on the case page outside a sitting.
pub const CASE_READERS: [UserRole; 4] = [
    UserRole::Caseworker,
    UserRole::PanelChair,
    UserRole::Admin,
    UserRole::Auditor,
];

/// Whether `role` may open a case whole ([`CASE_READERS`]).
pub fn may_open_case(role: UserRole) -> bool {
    CASE_READERS.contains(&role)
}

pub(crate) fn refuse_unless_may_open(actor: &Actor) -> Result<(), WorkflowError> {
    if may_open_case(actor.role) {
        Ok(())
    } else {
        Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "open a case outside the papers of a sitting they sit on",
        })
    }
}

/// Appends one read to the log inside the caller's transaction. The reader's authority
/// is the scope's: a record is never written for another authority.
pub(crate) fn record(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    reader: (UserId, UserRole),
    read: (CaseId, ChildId),
    what: AccessKind,
    route: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.insert_access(
        scope,
        &AccessRecord {
            id: AccessId::new(),
            authority_id: scope.authority().clone(),
            user_id: reader.0,
            role: reader.1,
            case_id: read.0,
            child_id: read.1,
            what,
            route: route.to_owned(),
            read_at: at,
        },
    )
}

/// Records that `actor` read each of these cases' children at once, through an
/// export (`what`) at `route`, in one transaction: the caller hands over what was read
/// only once this has succeeded, so an export that cannot be recorded is not given.
pub fn record_export(
    services: &Services,
    actor: &Actor,
    reads: &[(CaseId, ChildId)],
    what: AccessKind,
    route: &str,
) -> Result<(), StoreError> {
    let now = services.clock.now();
    let records: Vec<AccessRecord> = reads
        .iter()
        .map(|&(case_id, child_id)| AccessRecord {
            id: AccessId::new(),
            authority_id: actor.scope.authority().clone(),
            user_id: actor.user,
            role: actor.role,
            case_id,
            child_id,
            what,
            route: route.to_owned(),
            read_at: now,
        })
        .collect();
    services
        .db
        .write(|tx| tx.insert_accesses(&actor.scope, &records))
}

/// One case whole for `actor`, recorded as read through `route` (`what` says whether a
/// page or the API): refused for a role that may not open cases ([`may_open_case`]),
/// `NotFound` for another authority's case. The read and its record are one write
/// transaction, so a read that cannot be recorded is not shown.
pub fn read_case(
    services: &Services,
    actor: &Actor,
    case: CaseId,
    what: AccessKind,
    route: &str,
) -> Result<CaseView, WorkflowError> {
    refuse_unless_may_open(actor)?;
    let now = services.clock.now();
    let today = services.clock.today();
    Ok(services.db.write(|tx| {
        let (view, child) = crate::workflow::gather_case(tx, &actor.scope, case, today)?;
        record(
            tx,
            &actor.scope,
            (actor.user, actor.role),
            (case, child),
            what,
            route,
            now,
        )?;
        Ok(view)
    })?)
}

/// The child of `case`, their details whole, for `actor`, recorded as a read through
/// `route` in the same transaction: what the form correcting a child's details shows.
/// Refused like [`read_case`].
pub fn read_child(
    services: &Services,
    actor: &Actor,
    case: CaseId,
    what: AccessKind,
    route: &str,
) -> Result<crate::domain::Child, WorkflowError> {
    refuse_unless_may_open(actor)?;
    let now = services.clock.now();
    Ok(services.db.write(|tx| {
        let (_, _, child) = tx.get_case_with_request_and_child(&actor.scope, case)?;
        record(
            tx,
            &actor.scope,
            (actor.user, actor.role),
            (case, child.id),
            what,
            route,
            now,
        )?;
        Ok(child)
    })?)
}

/// One letter sent on `case`, bytes and all, recorded as read through `route`: refused
/// like [`read_case`]; `NotFound` for another case's document or one that is not a
/// letter.
pub fn read_letter(
    services: &Services,
    actor: &Actor,
    case: CaseId,
    letter: DocumentId,
    route: &str,
) -> Result<Document, WorkflowError> {
    refuse_unless_may_open(actor)?;
    let now = services.clock.now();
    Ok(services.db.write(|tx| {
        let (document, child) = crate::workflow::gather_letter(tx, &actor.scope, case, letter)?;
        record(
            tx,
            &actor.scope,
            (actor.user, actor.role),
            (case, child),
            AccessKind::Letter,
            route,
            now,
        )?;
        Ok(document)
    })?)
}

/// Page `page` (from 1) of the authority's access log matching `filter`, newest first:
/// for auditors only ([`LOG_READERS`]).
pub fn log_page(
    services: &Services,
    actor: &Actor,
    filter: AccessFilter,
    page: i64,
) -> Result<AccessPage, WorkflowError> {
    refuse_unless_log_reader(actor)?;
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(PER_PAGE);
    Ok(services.db.read(|tx| {
        let records = tx.list_access(&actor.scope, &filter, PER_PAGE, offset)?;
        Ok(AccessPage {
            records: named(tx, &actor.scope, records)?,
            total: tx.count_access(&actor.scope, &filter)?,
            page,
            per_page: PER_PAGE,
        })
    })?)
}

/// Every record of the authority's access log matching `filter`, newest first, for the
/// auditor's CSV export: auditors only.
pub fn log_all(
    services: &Services,
    actor: &Actor,
    filter: AccessFilter,
) -> Result<Vec<NamedAccess>, WorkflowError> {
    refuse_unless_log_reader(actor)?;
    const BATCH: i64 = 1000;
    Ok(services.db.read(|tx| {
        let mut all = Vec::new();
        loop {
            let offset = i64::try_from(all.len()).unwrap_or(i64::MAX);
            let batch = tx.list_access(&actor.scope, &filter, BATCH, offset)?;
            let done = i64::try_from(batch.len()).unwrap_or(0) < BATCH;
            all.extend(batch);
            if done {
                return named(tx, &actor.scope, all);
            }
        }
    })?)
}

/// Puts names to records: every user of the authority (few), and each child met once.
fn named(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    records: Vec<AccessRecord>,
) -> Result<Vec<NamedAccess>, StoreError> {
    let users: HashMap<UserId, String> = tx
        .list_users(scope)?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut children: HashMap<ChildId, String> = HashMap::new();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let child_name = match children.get(&record.child_id) {
            Some(name) => name.clone(),
            None => {
                let child = tx.get_child(scope, record.child_id)?;
                let name = format!(
                    "{} {}",
                    child.given_name.as_str(),
                    child.family_name.as_str()
                );
                children.insert(record.child_id, name.clone());
                name
            }
        };
        out.push(NamedAccess {
            user_name: users
                .get(&record.user_id)
                .cloned()
                .unwrap_or_else(|| record.user_id.to_string()),
            child_name,
            record,
        });
    }
    Ok(out)
}

fn refuse_unless_log_reader(actor: &Actor) -> Result<(), WorkflowError> {
    if LOG_READERS.contains(&actor.role) {
        Ok(())
    } else {
        Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "read the access log",
        })
    }
}
