//! Cases: one child's statutory journey, from request to plan, refusal or closure.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, ChildId, RequestId, UserId};

/// Where a case stands in the statutory process (ARCHITECTURE.md, the spine). The stage
/// is a projection of the event log; the workflow moves it, storage only records it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CaseStage {
    /// Request logged; evidence being gathered for the decision whether to assess.
    RequestReceived,
    /// On a panel agenda for the decision whether to assess.
    AwaitingAssessmentDecision,
    /// Refused; the next-steps meeting and appeal rights follow.
    AssessmentRefused,
    /// Assessing: advice requested from professionals.
    Assessing,
    /// On a panel agenda for the decision whether to issue a plan.
    AwaitingIssueDecision,
    /// Decided not to issue a plan.
    NotToIssue,
    /// Draft plan served; representations awaited.
    DraftPlan,
    /// Final plan issued; annual reviews follow.
    PlanIssued,
    /// Plan ceased.
    Ceased,
    /// Request withdrawn, child moved away, or otherwise closed.
    Closed,
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// The case's id.
    pub id: CaseId,
    /// The authority that owns it.
    pub authority_id: AuthorityId,
    /// The child.
    pub child_id: ChildId,
    /// The request that opened it.
    pub request_id: RequestId,
    /// Where it stands.
    pub stage: CaseStage,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// The officer the case is allocated to; `None` while unallocated. Each change is a
    /// `CaseAllocated` event, which keeps the history.
    pub officer_id: Option<UserId>,
    /// How and when the case closed, while it is closed.
    pub closure: Option<Closure>,
    /// The earlier system's reference, for a plan or request imported from it: a second
    /// run of the same import finds it and skips the row.
    pub external_reference: Option<String>,
    /// The setting the child attends, as the record names it.
    pub setting_name: Option<String>,
}

impl Case {
    /// A case just opened at `stage`: unallocated, not closed, not imported.
    pub fn opened(
        authority_id: AuthorityId,
        child_id: ChildId,
        request_id: RequestId,
        stage: CaseStage,
        opened_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: CaseId::new(),
            authority_id,
            child_id,
            request_id,
            stage,
            opened_at,
            officer_id: None,
            closure: None,
            external_reference: None,
            setting_name: None,
        }
    }
}

/// Why a case closed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClosedReason {
    /// The family (or young person) withdrew the request.
    Withdrawn,
    /// A refusal to assess or a decision not to issue stood: the appeal window passed
    /// with no appeal, mediation or new request.
    AppealWindowPassed,
    /// The plan was transferred to another authority.
    TransferredOut,
    /// The plan ceased.
    Ceased,
}

/// A closed case's closure: the day, the reason, and the stage it reopens to if an
/// appeal or mediation arrives late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    /// The day it closed.
    pub on: NaiveDate,
    /// Why.
    pub reason: ClosedReason,
    /// The stage it stood at before closing.
    pub reopens_to: Option<CaseStage>,
}
