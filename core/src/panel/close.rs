//! The chair closes an item. Without quorum it is deferred, whatever the votes; a rule
//! that defers ties (or missing consensus) defers it too. Otherwise the chair records
//! the decision and its reasons, which becomes the case's decision in the workflow in
//! the same transaction that closes the item (and, through the notifier, writes the
//! letter and its e-mail). Departing from the majority needs its own reason, as does
//! departing from the plugin's advice (the workflow checks that one; for a band, the
//! officer's proposal gave it). A placement named or a band confirmed is recorded with
//! the decision, in the same transaction (`placement::at_panel`,
//! `placement::banding_at_panel`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::tally::{self, Counts, View};
use super::{CHAIR_ROLE, PanelError, quorum, require_voting, seated};
use crate::clock::BankHolidays;
use crate::config::AuthorityConfig;
use crate::domain::{AgendaItemId, AgendaItemStatus, Decision, Proposal, ReviewDecision};
use crate::events::{self, CaseEvent, ClosingRecord, ItemClosing};
use crate::services::{Actor, Services};
use crate::store::Tx;
use crate::store::{AuthorityScope, NewEvent};
use crate::time::Clock;
use crate::workflow::{
    self, AssessDecision, AtPanel, DecideWhetherToAssess, DecideWhetherToIssue, IssueDecision,
    RecordReviewDecision,
};

/// The chair's decision on an item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseItem {
    /// The outcome decided, one of the item's decision kind; `None` defers the item
    /// (for more information, say), with the reasons saying why.
    pub decision: Option<Proposal>,
    /// Why, in words the family can read (CFA s.36(5)).
    pub reasons: String,
    /// Why the decision departs from the majority, or from the plugin's advice; needed
    /// only when it does.
    #[serde(default)]
    pub departure_reason: Option<String>,
    /// The day of the decision (usually the sitting's).
    pub decided_on: NaiveDate,
}

/// How the item closed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Closed {
    /// Decided: the decision is the case's, recorded in the workflow.
    Decided {
        /// The decision.
        decision: Decision,
        /// What the votes said.
        view: View,
        /// Whether the chair departed from the majority (with a reason).
        departed_from_majority: bool,
    },
    /// Deferred to a later sitting; nothing was decided.
    Deferred {
        /// Why: quorum not met, a tie the rule defers, or the chair's reasons.
        why: String,
    },
}

/// Closes a pending item of an open sitting, as its chair. See the module doc for what
/// happens; refused, changing nothing, unless the caller sits as chair, when the
/// decision is not one of the item's kind, the reasons are empty, the chair departs
/// from the majority without a reason, or the workflow refuses the decision.
pub fn close_item(
    services: &Services,
    actor: &Actor,
    config: &AuthorityConfig,
    item_id: AgendaItemId,
    command: &CloseItem,
) -> Result<Closed, PanelError> {
    let (db, scope, chair) = (&services.db, &actor.scope, actor.user);
    let (holidays, clock) = (services.holidays.as_ref(), services.clock.as_ref());
    let reasons = crate::domain::text::free_text("reasons", command.reasons.trim())?;
    if reasons.is_empty() {
        return Err(PanelError::invalid(
            "reasons",
            "the chair must record the reasons for the decision (Children and Families Act 2014 s.36(5))",
        ));
    }
    // One transaction from the count to the decision: the case is taken first, so no
    // vote can land between counting and deciding, and no second close (or decision
    // outside the sitting) can decide the case twice.
    db.write_with(|tx| {
        super::lock_item_case(tx, scope, item_id)?;
        let seated = seated(tx, scope, item_id, chair)?;
        let members = tx.list_sitting_members(scope, seated.sitting.id)?;
        let votes = tx.list_votes(scope, item_id)?;
        let conflicts = tx.list_conflicts(scope, item_id)?;
        let panel = tx.get_panel(scope, seated.sitting.panel_id)?;
        let Some(panel_config) = config.panels.iter().find(|p| p.code == panel.code) else {
            return Err(PanelError::NotConfigured(panel.code.to_string()));
        };
        let counts = tally::count(&votes, &conflicts);
        let quorum = quorum::check(
            &panel_config.quorum,
            &tally::counted_roles(&members, &conflicts),
        );
        let view = tally::view(panel_config.voting_rule, panel_config.tie_break, counts);
        let closed = decide_item(
            tx,
            scope,
            &seated,
            Count {
                counts,
                view,
                quorum,
            },
            command,
            holidays,
            clock,
        )?;
        tx.announce_tally_change(scope, seated.sitting.id)?;
        Ok(closed)
    })
}

/// What the votes said when the chair closed the item, counted in the closing
/// transaction.
struct Count {
    counts: Counts,
    view: View,
    quorum: quorum::QuorumCheck,
}

/// The close itself, on the count taken in the same transaction.
fn decide_item(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    seated: &super::Seated,
    count: Count,
    command: &CloseItem,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<Closed, PanelError> {
    let reasons = command.reasons.trim();
    let Count {
        counts,
        view,
        quorum,
    } = count;
    let chair = seated.seat.user_id;
    let item_id = seated.item.id;
    if seated.seat.role.as_str() != CHAIR_ROLE {
        return Err(PanelError::NotSeated(
            "only the sitting's chair closes an item".to_owned(),
        ));
    }
    require_voting(seated)?;
    let item = &seated.item;
    let proposal = item.proposal;

    let deferral = match (command.decision, quorum.shortfall(), view) {
        (_, Some(shortfall), _) => Some(format!("Quorum not met: {shortfall}.")),
        (Some(_), None, View::Defer) => Some(
            "The votes were equal (or consensus was not reached), and this panel's rule defers the item."
                .to_owned(),
        ),
        (None, None, _) => Some(reasons.to_owned()),
        (Some(_), None, _) => None,
    };
    let record = |departed| ClosingRecord {
        proposal,
        counts,
        view,
        quorum: quorum.clone(),
        departed_from_majority: departed,
    };
    // The case may have moved on outside the sitting (a decision recorded directly):
    // then the item is neither decided nor deferred here, and the chair is told why.
    let case = tx.get_case(scope, item.case_id)?;
    if !super::sitting::stage_takes(item.decision_kind, case.stage) {
        let kind = item.decision_kind;
        return Err(PanelError::Workflow(workflow::WorkflowError::WrongStage {
            case: case.id,
            stage: case.stage,
            command: "closing this agenda item",
            allowed: match kind {
                crate::domain::DecisionKind::Assess => {
                    "while the request still awaits the decision whether to assess"
                }
                crate::domain::DecisionKind::Issue => "while the case is being assessed",
                _ => "while the case can still take the item's decision",
            },
            last_change: workflow::last_change(tx, scope, case.id)?,
        }));
    }
    if let Some(why) = deferral {
        let now = clock.now();
        tx.close_agenda_item(scope, item_id, AgendaItemStatus::Deferred)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(item.case_id),
                fact: CaseEvent::AgendaItemClosed(events::AgendaItemClosed {
                    item: item_id,
                    status: ItemClosing::Deferred,
                    decision: None,
                    why: Some(why.clone()),
                    record: record(false),
                }),
                actor: Some(chair),
                occurred_at: now,
            },
        )?;
        return Ok(Closed::Deferred { why });
    }
    let Some(decided) = command.decision else {
        return Err(PanelError::invalid("decision", "is required"));
    };
    if decided.decision_kind() != item.decision_kind {
        return Err(PanelError::invalid(
            "decision",
            format!(
                "this item asks for a {} decision; {decided} is not one",
                item.decision_kind
            ),
        ));
    }
    let departure_reason = command
        .departure_reason
        .as_deref()
        .map(|r| crate::domain::text::free_text("departure_reason", r.trim()))
        .transpose()?
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let departed = match view {
        View::Carried => proposal.is_some_and(|p| p != decided),
        View::NotCarried => proposal == Some(decided),
        View::TieChairCasts | View::Defer | View::ChairDecides | View::NoVotes => false,
    };
    if departed && departure_reason.is_none() {
        return Err(PanelError::invalid(
            "departure_reason",
            "the decision departs from the majority of the panel; the chair must say why",
        ));
    }
    let at = AtPanel {
        item: item_id,
        record: record(departed),
    };
    // The decision is the chair's, at this sitting: it closes the item in its own
    // transaction.
    let panel_context = |case: &crate::domain::Case, chair| {
        workflow::Context::new(scope, case.id, Some(chair), holidays, clock).at_panel(Some(&at))
    };
    let decided_by_panel = |tx: &mut Tx<'_>, case: crate::domain::Case| match decided {
        Proposal::Assess | Proposal::RefuseAssessment => {
            let command = DecideWhetherToAssess {
                decision: if decided == Proposal::Assess {
                    AssessDecision::Assess
                } else {
                    AssessDecision::Refuse
                },
                reasons: reasons.to_owned(),
                departure_reason,
                decided_by: chair,
                decided_on: command.decided_on,
            };
            workflow::execute(tx, scope, &case, &command, panel_context(&case, chair))
                .map(|done| done.decision)
        }
        Proposal::Issue | Proposal::NotIssue => {
            let command = DecideWhetherToIssue {
                decision: if decided == Proposal::Issue {
                    IssueDecision::Issue
                } else {
                    IssueDecision::DoNotIssue
                },
                reasons: reasons.to_owned(),
                decided_by: chair,
                decided_on: command.decided_on,
            };
            workflow::execute(tx, scope, &case, &command, panel_context(&case, chair))
                .map(|done| done.decision)
        }
        Proposal::Maintain | Proposal::Amend | Proposal::Cease => {
            let choice = match decided {
                Proposal::Amend => ReviewDecision::Amend,
                Proposal::Cease => ReviewDecision::Cease,
                _ => ReviewDecision::Maintain,
            };
            let command = RecordReviewDecision {
                decision: choice,
                reasons: reasons.to_owned(),
                decided_by: chair,
                decided_on: command.decided_on,
            };
            workflow::execute(tx, scope, &case, &command, panel_context(&case, chair))
                .map(|done| done.decision)
        }
        Proposal::NamePlacement
        | Proposal::DeclinePlacement
        | Proposal::NamePost16Placement
        | Proposal::DeclinePost16Placement => crate::placement::at_panel::decide(
            tx,
            scope,
            &case,
            workflow::PanelDecision {
                kind: decided.decision_kind(),
                outcome: if matches!(
                    decided,
                    Proposal::NamePlacement | Proposal::NamePost16Placement
                ) {
                    crate::domain::DecisionOutcome::Agreed
                } else {
                    crate::domain::DecisionOutcome::Refused
                },
                reasons,
                departure_reason,
                decided_on: command.decided_on,
            },
            &panel_context(&case, chair),
        ),
        Proposal::ConfirmFunding | Proposal::DeclineFunding => {
            crate::placement::banding_at_panel::decide(
                tx,
                scope,
                &case,
                workflow::PanelDecision {
                    kind: decided.decision_kind(),
                    outcome: if decided == Proposal::ConfirmFunding {
                        crate::domain::DecisionOutcome::Agreed
                    } else {
                        crate::domain::DecisionOutcome::Refused
                    },
                    reasons,
                    departure_reason,
                    decided_on: command.decided_on,
                },
                &panel_context(&case, chair),
            )
        }
    };
    let decision = workflow::in_case(tx, scope, case, decided_by_panel)?;
    Ok(Closed::Decided {
        decision,
        view,
        departed_from_majority: departed,
    })
}
