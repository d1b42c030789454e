//! The tally: each member's latest vote counts (earlier ones stay in the record), a
//! conflicted member's votes never count, and the voting rule turns the counts into the
//! panel's view, which the chair weighs. [`sitting_tally`] is what the live stream
//! pushes to everyone watching a sitting.

use std::collections::BTreeMap;

use serde::Serialize;

use super::PanelError;
use super::quorum::{self, QuorumCheck};
use crate::config::{PanelConfig, TieBreak, VotingRule};
use crate::domain::{
    AgendaItemId, AgendaItemStatus, CaseId, Conflict, Proposal, SittingId, SittingMember,
    SittingStatus, UserId, Vote, VoteChoice,
};
use crate::store::{AuthorityScope, Database, StoreError, Tx};

/// The counts of the latest votes of members free of conflicts.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Counts {
    /// Agree with the proposal.
    pub agree: usize,
    /// Disagree.
    pub disagree: usize,
    /// Abstain: counted as taking part, never for or against.
    pub abstain: usize,
}

/// What the votes say under the panel's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// The proposal is carried.
    Carried,
    /// The proposal is not carried.
    NotCarried,
    /// Votes are equal and the chair's decision is the casting vote.
    TieChairCasts,
    /// Votes are equal (or consensus is missing) and the rule defers the item.
    Defer,
    /// The chair decides after hearing the members; votes are advice only.
    ChairDecides,
    /// Nobody has voted yet.
    NoVotes,
}

/// Counts each member's latest vote, leaving out members with a declared conflict.
pub fn count(votes: &[Vote], conflicts: &[Conflict]) -> Counts {
    let mut latest: BTreeMap<UserId, VoteChoice> = BTreeMap::new();
    for vote in votes {
        latest.insert(vote.user_id, vote.choice);
    }
    let mut counts = Counts::default();
    for (user, choice) in latest {
        if conflicts.iter().any(|c| c.user_id == user) {
            continue;
        }
        match choice {
            VoteChoice::Agree => counts.agree += 1,
            VoteChoice::Disagree => counts.disagree += 1,
            VoteChoice::Abstain => counts.abstain += 1,
        }
    }
    counts
}

/// The panel's view under its rule. Abstentions count for neither side (Aragon and
/// OpenGov semantics); under consensus, one disagreement is enough to withhold it.
pub fn view(rule: VotingRule, tie_break: TieBreak, counts: Counts) -> View {
    if counts.agree + counts.disagree + counts.abstain == 0 {
        return View::NoVotes;
    }
    let tie = |tie_break| match tie_break {
        TieBreak::ChairCastingVote => View::TieChairCasts,
        TieBreak::Defer => View::Defer,
    };
    match rule {
        VotingRule::ChairDecides => View::ChairDecides,
        VotingRule::SimpleMajority => match counts.agree.cmp(&counts.disagree) {
            std::cmp::Ordering::Greater => View::Carried,
            std::cmp::Ordering::Less => View::NotCarried,
            std::cmp::Ordering::Equal => tie(tie_break),
        },
        VotingRule::Consensus => {
            if counts.disagree == 0 && counts.agree > 0 {
                View::Carried
            } else if counts.agree == 0 {
                View::NotCarried
            } else {
                tie(tie_break)
            }
        }
    }
}

/// One item as the live tally shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemTally {
    /// The item.
    pub item: AgendaItemId,
    /// Its place on the agenda.
    pub position: i32,
    /// The case.
    pub case_id: CaseId,
    /// What members are asked to agree with.
    pub proposal: Option<Proposal>,
    /// pending, decided or deferred.
    pub status: AgendaItemStatus,
    /// The counts now.
    pub counts: Counts,
    /// How many votes were cast in all, changes included (the history is kept).
    pub votes_cast: usize,
    /// Members who declared a conflict.
    pub conflicts: usize,
    /// The panel's view under its rule.
    pub view: View,
    /// Quorum as it stands.
    pub quorum: QuorumCheck,
}

/// The whole sitting's tally: what everyone watching sees.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SittingTally {
    /// The sitting.
    pub sitting: SittingId,
    /// scheduled, open or closed.
    pub status: SittingStatus,
    /// Members present.
    pub present: usize,
    /// Who is present, so a watcher's list of members can follow the count.
    pub present_members: Vec<crate::domain::UserId>,
    /// Each item, in agenda order.
    pub items: Vec<ItemTally>,
}

/// The members who count towards an item's quorum: present, and not conflicted on it.
pub(crate) fn counted_roles(
    members: &[SittingMember],
    conflicts: &[Conflict],
) -> Vec<crate::domain::PanelRole> {
    members
        .iter()
        .filter(|m| m.present_at.is_some())
        .filter(|m| !conflicts.iter().any(|c| c.user_id == m.user_id))
        .map(|m| m.role.clone())
        .collect()
}

/// One item's tally, read inside a transaction.
pub(crate) fn item_tally(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    item: &crate::domain::AgendaItem,
    members: &[SittingMember],
    config: &PanelConfig,
) -> Result<ItemTally, StoreError> {
    let votes = tx.list_votes(scope, item.id)?;
    let conflicts = tx.list_conflicts(scope, item.id)?;
    let counts = count(&votes, &conflicts);
    Ok(ItemTally {
        item: item.id,
        position: item.position,
        case_id: item.case_id,
        proposal: item.proposal,
        status: item.status,
        counts,
        votes_cast: votes.len(),
        conflicts: conflicts.len(),
        view: view(config.voting_rule, config.tie_break, counts),
        quorum: quorum::check(&config.quorum, &counted_roles(members, &conflicts)),
    })
}

/// The live tally of a sitting, under its panel's configuration.
pub fn sitting_tally(
    db: &Database,
    scope: &AuthorityScope,
    sitting: SittingId,
    config: &crate::config::AuthorityConfig,
) -> Result<SittingTally, PanelError> {
    db.read(|tx| {
        let found = tx.get_sitting(scope, sitting)?;
        let panel = tx.get_panel(scope, found.panel_id)?;
        let Some(panel_config) = config.panels.iter().find(|p| p.code == panel.code) else {
            return Ok(Err(PanelError::NotConfigured(panel.code.to_string())));
        };
        let members = tx.list_sitting_members(scope, sitting)?;
        let mut items = Vec::new();
        for item in tx.list_agenda_items(scope, sitting)? {
            items.push(item_tally(tx, scope, &item, &members, panel_config)?);
        }
        Ok(Ok(SittingTally {
            sitting,
            status: found.status,
            present: members.iter().filter(|m| m.present_at.is_some()).count(),
            present_members: members
                .iter()
                .filter(|m| m.present_at.is_some())
                .map(|m| m.user_id)
                .collect(),
            items,
        }))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(agree: usize, disagree: usize, abstain: usize) -> Counts {
        Counts {
            agree,
            disagree,
            abstain,
        }
    }

    #[test]
    fn a_simple_majority_ignores_abstentions_and_ties_follow_the_rule() {
        let rule = VotingRule::SimpleMajority;
        let casting = TieBreak::ChairCastingVote;
        assert_eq!(view(rule, casting, counts(3, 2, 4)), View::Carried);
        assert_eq!(view(rule, casting, counts(2, 3, 0)), View::NotCarried);
        assert_eq!(view(rule, casting, counts(2, 2, 1)), View::TieChairCasts);
        assert_eq!(view(rule, TieBreak::Defer, counts(2, 2, 1)), View::Defer);
        assert_eq!(view(rule, casting, counts(0, 0, 0)), View::NoVotes);
    }

    #[test]
    fn consensus_needs_no_disagreement() {
        let rule = VotingRule::Consensus;
        assert_eq!(view(rule, TieBreak::Defer, counts(5, 0, 1)), View::Carried);
        assert_eq!(view(rule, TieBreak::Defer, counts(5, 1, 0)), View::Defer);
        assert_eq!(
            view(rule, TieBreak::Defer, counts(0, 3, 0)),
            View::NotCarried
        );
    }

    #[test]
    fn when_the_chair_decides_votes_are_advice() {
        assert_eq!(
            view(VotingRule::ChairDecides, TieBreak::Defer, counts(1, 4, 0)),
            View::ChairDecides
        );
    }
}
