//! What a caseworker reads: one case whole, and the caseload ordered by what is due
//! next. Read-only; each query is scoped to the caller's authority.

use chrono::NaiveDate;
use serde::Serialize;

use super::WorkflowError;
use crate::domain::{
    AssessmentRequest, CaseId, CaseStage, Deadline, DeadlineException, DeadlineStatus, Decision,
    Event, StoredAdvice,
};
use crate::store::{AuthorityScope, Database};

/// Days before a deadline at which an open case is flagged "at risk".
pub const AT_RISK_DAYS: i64 = 10;

/// A deadline as shown: its rule, and whether it is overdue or at risk today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineView {
    /// Which limit.
    pub kind: String,
    /// The last day on time.
    pub due_on: NaiveDate,
    /// The rule, citing the Act or Regulations.
    pub rule: &'static str,
    /// open, met or disapplied.
    pub status: String,
    /// Which of several limits of one kind, e.g. the advice source for `advice_due`
    /// (each request for advice runs its own 6 weeks, Reg 8(1)).
    pub subject: Option<String>,
    /// Open and past its day. A disapplied limit is never overdue: an exception in the
    /// Regulations (reg. 5(4), 8(2), 10(4), 13(3)) means it no longer binds.
    pub overdue: bool,
    /// Open and due within [`AT_RISK_DAYS`]; never a met or disapplied limit.
    pub at_risk: bool,
}

impl DeadlineView {
    pub(crate) fn new(deadline: &Deadline, today: NaiveDate) -> Self {
        let open = deadline.status == DeadlineStatus::Open;
        let days_left = (deadline.due_on - today).num_days();
        Self {
            kind: deadline.kind.to_string(),
            due_on: deadline.due_on,
            rule: deadline.kind.rule(),
            status: deadline.status.to_string(),
            subject: deadline.subject.clone(),
            overdue: open && days_left < 0,
            at_risk: open && (0..=AT_RISK_DAYS).contains(&days_left),
        }
    }
}

/// One case, whole: the request, where it stands, its deadlines, advice, decisions, the
/// event history and the exceptions claimed on its limits.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    /// The case's id, which the API also uses for the request.
    pub id: CaseId,
    /// The child's name, as caseworkers know the case.
    pub child_name: String,
    /// Where it stands.
    pub stage: CaseStage,
    /// The request as received.
    pub request: AssessmentRequest,
    /// Deadlines, soonest first.
    pub deadlines: Vec<DeadlineView>,
    /// Policy advice, oldest first, with the plugin's hash, input and answer.
    pub advice: Vec<StoredAdvice>,
    /// Decisions with who made them and why.
    pub decisions: Vec<Decision>,
    /// The append-only history.
    pub events: Vec<Event>,
    /// Exceptions claimed on the case's limits, oldest first, with the provision, the
    /// evidence, the dates and who claimed them: why a deadline shows "disapplied".
    pub exceptions: Vec<DeadlineException>,
}

/// A case on the caseload, with its next open deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseloadEntry {
    /// The case.
    pub id: CaseId,
    /// The child's name, as caseworkers know the case.
    pub child_name: String,
    /// Where it stands.
    pub stage: CaseStage,
    /// The day the request was received.
    pub received_on: NaiveDate,
    /// The soonest open deadline, if any.
    pub next_deadline: Option<DeadlineView>,
}

/// One case of the scope's authority; `NotFound` for another authority's.
pub fn case_view(
    db: &Database,
    scope: &AuthorityScope,
    id: CaseId,
    today: NaiveDate,
) -> Result<CaseView, WorkflowError> {
    Ok(db.read(|tx| {
        let case = tx.get_case(scope, id)?;
        let request = tx.get_request(scope, case.request_id)?;
        let child = tx.get_child(scope, case.child_id)?;
        let deadlines = tx
            .list_deadlines(scope, id)?
            .iter()
            .map(|d| DeadlineView::new(d, today))
            .collect();
        Ok(CaseView {
            id,
            child_name: format!(
                "{} {}",
                child.given_name.as_str(),
                child.family_name.as_str()
            ),
            stage: case.stage,
            request,
            deadlines,
            advice: tx.advice_for_case(scope, &id)?,
            decisions: tx.list_decisions(scope, id)?,
            events: tx.list_events(scope, Some(id))?,
            exceptions: tx.list_exceptions(scope, id)?,
        })
    })?)
}

/// Stages where nothing more is due from the authority on the request.
fn closed(stage: CaseStage) -> bool {
    matches!(stage, CaseStage::Ceased | CaseStage::Closed)
}

/// The scope's open cases, the soonest next deadline first; cases with nothing due
/// come last, oldest request first.
pub fn caseload(
    db: &Database,
    scope: &AuthorityScope,
    today: NaiveDate,
) -> Result<Vec<CaseloadEntry>, WorkflowError> {
    let mut entries = db.read(|tx| {
        let mut entries = Vec::new();
        for case in tx.list_cases(scope)? {
            if closed(case.stage) {
                continue;
            }
            let request = tx.get_request(scope, case.request_id)?;
            let child = tx.get_child(scope, case.child_id)?;
            let next_deadline = tx
                .list_deadlines(scope, case.id)?
                .iter()
                .filter(|d| d.status == DeadlineStatus::Open)
                .min_by_key(|d| d.due_on)
                .map(|d| DeadlineView::new(d, today));
            entries.push(CaseloadEntry {
                id: case.id,
                child_name: format!(
                    "{} {}",
                    child.given_name.as_str(),
                    child.family_name.as_str()
                ),
                stage: case.stage,
                received_on: request.received_on,
                next_deadline,
            });
        }
        Ok(entries)
    })?;
    entries.sort_by_key(|e| {
        (
            e.next_deadline
                .as_ref()
                .map_or(NaiveDate::MAX, |d| d.due_on),
            e.received_on,
        )
    });
    Ok(entries)
}
