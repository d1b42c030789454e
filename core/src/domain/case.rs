//! Cases: one child's statutory journey, from request to plan, refusal or closure.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, ChildId, RequestId};

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
}
