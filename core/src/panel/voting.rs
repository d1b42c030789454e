//! Members' part in an item: declaring a conflict (then they cannot vote on it, and
//! their votes stop counting), and voting agree, disagree or abstain with a reason. A
//! vote may change until the chair closes the item; each change is a new vote and
//! every earlier one is kept.

use serde::Deserialize;

use super::{PanelError, Seated, require_voting, seated};
use crate::domain::{AgendaItemId, Conflict, ConflictId, UserId, Vote, VoteChoice, VoteId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, StoreError, Tx};
use crate::time::Clock;

/// A conflict of interest, as the member declares it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareConflict {
    /// Why ("the child attends my school").
    pub reason: String,
}

/// A vote, as the member casts it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CastVote {
    /// Agree or disagree with the proposal, or abstain.
    pub choice: VoteChoice,
    /// Why: the decision letter needs reasons (CFA s.36(5)), and the record shows the
    /// review was real (UK GDPR art. 22).
    pub reason: String,
}

/// The member's seat for an item still open to votes: the store's failure is the
/// transaction's, a refusal is the caller's answer.
fn voting_seat(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    item: AgendaItemId,
    member: UserId,
) -> Result<Result<Seated, PanelError>, StoreError> {
    let found = match seated(tx, scope, item, member) {
        Ok(found) => found,
        Err(PanelError::Store(e)) => return Err(e),
        Err(other) => return Ok(Err(other)),
    };
    Ok(require_voting(&found).map(|()| found))
}

/// Records a member's conflict on an item, with `ConflictDeclared`. Refused when the
/// member has no seat, the item is closed, the reason is empty, or they have already
/// declared one. Votes they cast before declaring stop counting.
pub fn declare_conflict(
    db: &Database,
    scope: &AuthorityScope,
    item_id: AgendaItemId,
    member: UserId,
    command: &DeclareConflict,
    clock: &dyn Clock,
) -> Result<Conflict, PanelError> {
    let reason = crate::domain::text::free_text("reason", command.reason.trim())?;
    if reason.is_empty() {
        return Err(PanelError::invalid(
            "reason",
            "a conflict needs its reason, for the minutes",
        ));
    }
    let now = clock.now();
    db.write(|tx| {
        super::lock_item_case(tx, scope, item_id)?;
        let seated = match voting_seat(tx, scope, item_id, member)? {
            Ok(found) => found,
            Err(refused) => return Ok(Err(refused)),
        };
        if tx
            .list_conflicts(scope, item_id)?
            .iter()
            .any(|c| c.user_id == member)
        {
            return Ok(Err(PanelError::invalid(
                "reason",
                "you have already declared a conflict on this item",
            )));
        }
        let conflict = Conflict {
            id: ConflictId::new(),
            authority_id: scope.authority().clone(),
            agenda_item_id: item_id,
            user_id: member,
            reason: reason.to_owned(),
            declared_at: now,
        };
        tx.insert_conflict(scope, &conflict)?;
        tx.announce_tally_change(scope, seated.sitting.id)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(seated.item.case_id),
                fact: CaseEvent::ConflictDeclared(events::ConflictDeclared {
                    item: item_id,
                    role: seated.seat.role,
                    reason: reason.to_owned(),
                }),
                actor: Some(member),
                occurred_at: now,
            },
        )?;
        Ok(Ok(conflict))
    })?
}

/// Records a vote (or a change of vote) with `VoteCast`; a member who votes is present.
/// Refused when the member has no seat, has declared a conflict on the item, the
/// sitting is not open or the item is closed, or the reason is empty.
pub fn cast_vote(
    db: &Database,
    scope: &AuthorityScope,
    item_id: AgendaItemId,
    voter: UserId,
    command: &CastVote,
    clock: &dyn Clock,
) -> Result<Vote, PanelError> {
    Vote::check_reason(&command.reason)?;
    let now = clock.now();
    db.write(|tx| {
        super::lock_item_case(tx, scope, item_id)?;
        let seated = match voting_seat(tx, scope, item_id, voter)? {
            Ok(found) => found,
            Err(refused) => return Ok(Err(refused)),
        };
        if tx
            .list_conflicts(scope, item_id)?
            .iter()
            .any(|c| c.user_id == voter)
        {
            return Ok(Err(PanelError::NotSeated(
                "you declared a conflict on this item, so you cannot vote on it".to_owned(),
            )));
        }
        let earlier = tx
            .list_votes(scope, item_id)?
            .into_iter()
            .filter(|v| v.user_id == voter)
            .count();
        let vote = Vote {
            id: VoteId::new(),
            authority_id: scope.authority().clone(),
            agenda_item_id: item_id,
            user_id: voter,
            choice: command.choice,
            reason: command.reason.trim().to_owned(),
            cast_at: now,
        };
        tx.insert_vote(scope, &vote)?;
        tx.mark_present(scope, seated.sitting.id, voter, now)?;
        tx.announce_tally_change(scope, seated.sitting.id)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(seated.item.case_id),
                fact: CaseEvent::VoteCast(events::VoteCast {
                    item: item_id,
                    vote: vote.id,
                    role: seated.seat.role,
                    choice: vote.choice,
                    changed: earlier > 0,
                }),
                actor: Some(voter),
                occurred_at: now,
            },
        )?;
        Ok(Ok(vote))
    })?
}

/// A member's vote that counts now on an item (their latest), and any conflict they
/// declared on it: what the member's own page shows beside the vote form.
pub fn my_part(
    db: &Database,
    scope: &AuthorityScope,
    item: AgendaItemId,
    member: UserId,
) -> Result<(Option<Vote>, Option<Conflict>), PanelError> {
    Ok(db.read(|tx| {
        let vote = tx
            .list_votes(scope, item)?
            .into_iter()
            .filter(|v| v.user_id == member)
            .max_by_key(|v| v.cast_at);
        let conflict = tx
            .list_conflicts(scope, item)?
            .into_iter()
            .find(|c| c.user_id == member);
        Ok((vote, conflict))
    })?)
}
