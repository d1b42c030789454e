//! A band and its funding put to the panel that decides banding (the `decides` list in
//! `authority.toml`: Torbay's Independent Placement Overview Panel, Wiltshire's
//! Specialist Provision and Banding Panel, Leicestershire's Element 3 Funding Panel).
//! The officer proposes a commitment with the agenda item: the placement funded, the
//! band (or the plugin's advice it confirms), the place funding, top-up and other
//! elements, from when and until when. Members read it in the papers beside the
//! plugin's band advice, with whether it departs from it, and vote; the chair confirms
//! it, or does not. Confirming is the chair's decision: the decision and the
//! commitment (with its `FundingCommitted` event, and so the family's letter) are
//! recorded in the transaction that closes the item, exactly as a commitment made
//! outside a sitting ([`super::funding`]) is. A commitment recorded on the case after
//! the proposal makes the panel's view stale, and confirming is refused as a conflict,
//! changing nothing. Changing a band is a new item with a new proposal, from a later
//! day, never an edit.

use crate::domain::{AgendaItemId, Case, Decision, DecisionOutcome, ProposedCommitment};
use crate::store::{AuthorityScope, StoreError, Tx};
use crate::workflow::{self, Context, PanelDecision, WorkflowError};

use super::funding::{self, CheckedFunding, CommitFunding, Committer, Weighed};
use super::invalid;

/// Checks a proposal before its agenda item is written, in the item's transaction
/// (which has taken the case): the proposal's own fields, then the commitment it would
/// make on the case as it stands, as [`funding::commit_funding`] decides it. `Ok(Err(..))`
/// is a refusal, naming the field.
pub(crate) fn check_proposal(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    proposed: &CommitFunding,
) -> Result<Result<CheckedFunding, WorkflowError>, StoreError> {
    let checked = match funding::check(proposed) {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused)),
    };
    match funding::resolve(tx, scope, case, proposed, &checked) {
        Ok(_) => Ok(Ok(checked)),
        Err(WorkflowError::Store(e)) => Err(e),
        Err(refused) => Ok(Err(refused)),
    }
}

/// Keeps the checked proposal with its item (inserted in this transaction).
pub(crate) fn keep_proposal(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    item: AgendaItemId,
    case: &Case,
    proposed: &CommitFunding,
    checked: CheckedFunding,
) -> Result<ProposedCommitment, StoreError> {
    let kept = ProposedCommitment {
        agenda_item_id: item,
        case_id: case.id,
        placement_id: proposed.placement,
        advice_id: proposed.advice,
        band: checked.band,
        hours: checked.hours,
        other_elements: checked.other_elements,
        reasons: checked.reasons,
        starts_on: proposed.starts_on,
        ends_on: proposed.ends_on,
        expected_latest: proposed.expected_latest,
    };
    tx.insert_proposed_commitment(scope, &kept)?;
    Ok(kept)
}

/// The proposal's band beside the advice it names, for the papers. A kept proposal
/// was weighed when it was made, and advice is never changed, so a refusal here means
/// the stored proposal is damaged.
pub(crate) fn weigh(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    proposed: &ProposedCommitment,
) -> Result<Weighed, StoreError> {
    match funding::weigh_against_advice(
        tx,
        scope,
        proposed.case_id,
        proposed.advice_id,
        proposed.band.as_ref(),
        proposed.hours.as_ref(),
    ) {
        Ok(weighed) => Ok(weighed),
        Err(WorkflowError::Store(e)) => Err(e),
        Err(refused) => Err(StoreError::Corrupt {
            column: "proposed_commitments.advice_id",
            detail: refused.to_string(),
        }),
    }
}

/// The chair's decision on a banding item, in the closing transaction (which has taken
/// the case): an agreed decision confirms the proposed commitment as the chair's, with
/// the chair's reasons; a refused one records that the panel did not confirm it, and
/// commits nothing. Refused when the item proposes no commitment, or (on confirming)
/// when the commitment no longer fits the case: another recorded since the proposal is
/// a conflict.
pub(crate) fn decide(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    decision: PanelDecision<'_>,
    ctx: &Context<'_>,
) -> Result<Decision, WorkflowError> {
    let confirmed = decision.outcome == DecisionOutcome::Agreed;
    let item = ctx
        .at
        .map(|at| at.item)
        .ok_or_else(|| invalid("decision", "a band is confirmed at a sitting"))?;
    let proposed = tx
        .proposed_commitment(scope, item)?
        .ok_or_else(|| invalid("decision", "this item proposes no funding to confirm"))?;
    // Decided on the case as it stands before anything is written: a stale proposal
    // refuses the whole close.
    let resolved = if confirmed {
        let command = CommitFunding {
            reasons: Some(decision.reasons.to_owned()),
            ..CommitFunding::from(&proposed)
        };
        let checked = funding::check(&command)?;
        Some(funding::resolve(tx, scope, case, &command, &checked)?)
    } else {
        None
    };
    let decided = workflow::record_panel_decision(tx, scope, case, decision, ctx)?;
    if let Some(resolved) = resolved {
        funding::record(
            tx,
            scope,
            case.id,
            resolved,
            Committer {
                user: decided.decided_by,
                at: decided.decided_at,
            },
        )?;
    }
    Ok(decided)
}

impl From<&ProposedCommitment> for CommitFunding {
    fn from(proposed: &ProposedCommitment) -> Self {
        Self {
            placement: proposed.placement_id,
            advice: proposed.advice_id,
            band: proposed.band.clone(),
            hours: proposed.hours,
            other_elements: proposed.other_elements.clone(),
            reasons: proposed.reasons.clone(),
            starts_on: proposed.starts_on,
            ends_on: proposed.ends_on,
            expected_latest: proposed.expected_latest,
        }
    }
}
