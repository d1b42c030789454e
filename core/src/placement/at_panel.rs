//! A placement put to the placement panel (Torbay's Independent Placement Overview
//! Panel: "decision making on awarding EHCPs and placements is rigorous", seed 001
//! L397). The officer proposes a setting, its start and each service's share with the
//! agenda item; members read the proposal in the papers and vote; the chair names the
//! setting, or does not. Naming is the chair's decision: the decision, the placement
//! and their events are recorded in the transaction that closes the item. A placement
//! recorded on the case after the proposal (outside the sitting) makes the panel's view
//! stale, and naming is refused as a conflict, changing nothing. The transitions panel
//! names a post-16 setting the same way; the case page then says whether it was named
//! after 31 March of the year of transfer (reg. 18(1)(b), [`crate::transitions`]).

use crate::domain::{AgendaItemId, Case, Decision, DecisionOutcome, ProposedPlacement};
use crate::store::{AuthorityScope, StoreError, Tx};
use crate::workflow::{self, Context, PanelDecision, WorkflowError};

use super::decision::{self, CheckedPlacement, DecidePlacement, Decider};
use super::invalid;

/// Checks a proposal before its agenda item is written, in the item's transaction:
/// the proposal's own fields, then the setting against the register. `Ok(Err(..))`
/// is a refusal, naming the field.
pub(crate) fn check_proposal(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    proposed: &DecidePlacement,
) -> Result<Result<CheckedPlacement, WorkflowError>, StoreError> {
    let checked = match decision::check(proposed) {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused)),
    };
    match decision::registered_setting(tx, scope, proposed) {
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
    proposed: &DecidePlacement,
    checked: CheckedPlacement,
) -> Result<ProposedPlacement, StoreError> {
    let kept = ProposedPlacement {
        agenda_item_id: item,
        case_id: case.id,
        terms: decision::terms(proposed, checked.preference, checked.reasons),
        expected_latest: proposed.expected_latest,
    };
    tx.insert_proposed_placement(scope, &kept)?;
    Ok(kept)
}

/// The chair's decision on a placement item, in the closing transaction (which has
/// taken the case): an agreed decision names the proposed placement as the chair's,
/// with the chair's reasons; a refused one records that the panel did not name it.
/// Refused when the item proposes no placement, or (on naming) when the case's latest
/// placement is no longer the one the proposal was made against.
pub(crate) fn decide(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    decision: PanelDecision<'_>,
    ctx: &Context<'_>,
) -> Result<Decision, WorkflowError> {
    let named = decision.outcome == DecisionOutcome::Agreed;
    let item = ctx
        .at
        .map(|at| at.item)
        .ok_or_else(|| invalid("decision", "a placement is named at a sitting"))?;
    let proposed = tx
        .proposed_placement(scope, item)?
        .ok_or_else(|| invalid("decision", "this item proposes no placement to name"))?;
    if named {
        let latest = tx.placements_of(scope, case.id)?.first().map(|p| p.id);
        super::refuse_unless_current(
            case,
            "name a placement",
            "placement",
            latest,
            proposed.expected_latest,
        )?;
    }
    let decided = workflow::record_panel_decision(tx, scope, case, decision, ctx)?;
    if named {
        let command = DecidePlacement::from(&proposed);
        let setting = decision::registered_setting(tx, scope, &command)?;
        decision::record(
            tx,
            scope,
            case.id,
            &setting,
            &command,
            proposed.terms.parental_preference.clone(),
            Decider {
                user: decided.decided_by,
                reasons: decided.reasons.as_str().to_owned(),
                at: decided.decided_at,
            },
        )?;
    }
    Ok(decided)
}

impl From<&ProposedPlacement> for DecidePlacement {
    fn from(proposed: &ProposedPlacement) -> Self {
        let terms = &proposed.terms;
        Self {
            setting: terms.setting_id,
            starts_on: terms.starts_on,
            parental_preference: terms.parental_preference.clone(),
            mainstream_requested: terms.mainstream_requested,
            reasons: terms.reasons.clone(),
            independent_justification: terms.independent_justification,
            education_pence: terms.education_pence,
            health_pence: terms.health_pence,
            social_care_pence: terms.social_care_pence,
            expected_latest: proposed.expected_latest,
        }
    }
}
