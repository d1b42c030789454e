//! Placements: the register of education settings an authority places children in,
//! the placement decisions that name one, the band and funding committed for each,
//! and the ledger of that money per financial year. Placements and bands are decided
//! by an admin outside a sitting, or by the panel that decides them at one
//! (`at_panel`, `banding_at_panel`).

pub(crate) mod at_panel;
pub(crate) mod banding_at_panel;
pub mod decision;
pub mod funding;
pub mod ledger;
pub mod register;

use crate::domain::{Case, CaseStage};
use crate::store::StoreError;
use crate::workflow::WorkflowError;

/// The stages at which a plan names a setting: the draft and the final plan.
pub(crate) const NAMING_STAGES: [CaseStage; 2] = [CaseStage::DraftPlan, CaseStage::PlanIssued];

/// A refusal naming the field and the rule.
pub(crate) fn invalid(field: &'static str, rule: impl Into<String>) -> WorkflowError {
    WorkflowError::Invalid {
        field,
        rule: rule.into(),
    }
}

/// Refuses `command` on a case whose plan does not yet name a setting, and one decided
/// on a stale view: `latest` is the case's latest record of the kind (`what`) as read
/// in the command's transaction, `expected` the one the person saw.
pub(crate) fn refuse_unless_current<I: PartialEq>(
    case: &Case,
    command: &'static str,
    what: &str,
    latest: Option<I>,
    expected: Option<I>,
) -> Result<(), WorkflowError> {
    if !NAMING_STAGES.contains(&case.stage) {
        return Err(WorkflowError::WrongStage {
            case: case.id,
            stage: case.stage,
            command,
            allowed: "once a draft plan is served or a plan issued",
            last_change: None,
        });
    }
    if latest != expected {
        return Err(StoreError::Conflict(format!(
            "another {what} was recorded on this case meanwhile; nothing was changed"
        ))
        .into());
    }
    Ok(())
}
