//! Minutes of a sitting, generated from the record rather than typed up afterwards: who
//! sat and in what role, who was present, and for each item the proposal, conflicts,
//! who opened the papers, every member's final vote and reason (and how many times
//! they changed it), and how it closed. A member may require their vote to be recorded
//! (SI 1993/202 Sch 2 para 1, the council committee model); here every vote is.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::PanelError;
use crate::domain::{
    AgendaItemStatus, CaseId, ChildId, DecisionKind, PanelRole, Proposal, SittingId, SittingStatus,
    UserId, VoteChoice,
};
use crate::events::CaseEvent;
use crate::store::{AuthorityScope, Database, StoreError, Tx};

/// A member as the minutes list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MinutesMember {
    /// Who they are, so a page can act on the member it shows.
    pub user_id: UserId,
    /// Their name.
    pub name: String,
    /// The role they sat in.
    pub role: PanelRole,
    /// When they joined, if they did.
    pub present_at: Option<DateTime<Utc>>,
}

/// A member's final vote on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MinutesVote {
    /// Who.
    pub name: String,
    /// Their last choice.
    pub choice: VoteChoice,
    /// Their reason for it.
    pub reason: String,
    /// How many times they changed their vote before the item closed.
    pub changes: usize,
}

/// One item as minuted.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MinutesItem {
    /// Its place on the agenda.
    pub position: i32,
    /// The child, by initials: minutes circulate more widely than papers.
    pub child_initials: String,
    /// The decision asked for.
    pub decision_kind: DecisionKind,
    /// The proposal voted on.
    pub proposal: Option<Proposal>,
    /// pending, decided or deferred.
    pub status: AgendaItemStatus,
    /// Conflicts declared: who, and why.
    pub conflicts: Vec<(String, String)>,
    /// Members who opened the papers, by name.
    pub papers_opened_by: Vec<String>,
    /// Final votes.
    pub votes: Vec<MinutesVote>,
    /// The decision's reasons, or why it was deferred.
    pub outcome: Option<String>,
    /// The panel's record at closing (counts, view, quorum).
    pub record: Option<crate::events::ClosingRecord>,
}

/// The minutes of a sitting.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Minutes {
    /// The sitting.
    pub sitting: SittingId,
    /// The panel's name.
    pub panel: String,
    /// The day it sat.
    pub sits_on: NaiveDate,
    /// scheduled, open or closed.
    pub status: SittingStatus,
    /// Its members.
    pub members: Vec<MinutesMember>,
    /// Its items, in order.
    pub items: Vec<MinutesItem>,
}

fn initials(given: &str, family: &str) -> String {
    [given, family]
        .iter()
        .filter_map(|name| name.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Builds the minutes of a sitting from what was recorded, recording no read: for the
/// sitting's own page, which shows the agenda by initials beside the live tally. A
/// person reading the minutes goes through [`read_minutes`].
pub fn minutes(
    db: &Database,
    scope: &AuthorityScope,
    sitting_id: SittingId,
) -> Result<Minutes, PanelError> {
    Ok(db.read(|tx| gather(tx, scope, sitting_id))?.0)
}

/// The minutes of a sitting for `reader` (any role of the authority may read minutes),
/// recording one read in the access log for each case on its agenda, through `route`,
/// in the transaction that builds them: minutes that cannot be recorded are not shown.
pub fn read_minutes(
    services: &crate::services::Services,
    reader: &crate::services::Actor,
    sitting_id: SittingId,
    route: &str,
) -> Result<Minutes, PanelError> {
    let now = services.clock.now();
    Ok(services.db.write(|tx| {
        let (minutes, cases) = gather(tx, &reader.scope, sitting_id)?;
        for read in cases {
            crate::access::record(
                tx,
                &reader.scope,
                (reader.user, reader.role),
                read,
                crate::access::AccessKind::Minutes,
                route,
                now,
            )?;
        }
        Ok(minutes)
    })?)
}

/// The minutes, with each agenda item's case and child (once each) for the access log.
fn gather(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    sitting_id: SittingId,
) -> Result<(Minutes, Vec<(CaseId, ChildId)>), StoreError> {
    let mut cases: Vec<(CaseId, ChildId)> = Vec::new();
    let minutes = {
        let sitting = tx.get_sitting(scope, sitting_id)?;
        let panel = tx.get_panel(scope, sitting.panel_id)?;
        let seats = tx.list_sitting_members(scope, sitting_id)?;
        let mut names: BTreeMap<UserId, String> = BTreeMap::new();
        for user in tx.list_users(scope)? {
            names.insert(user.id, user.display_name);
        }
        let name = |id: &UserId| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        let members = seats
            .iter()
            .map(|s| MinutesMember {
                user_id: s.user_id,
                name: name(&s.user_id),
                role: s.role.clone(),
                present_at: s.present_at,
            })
            .collect();
        let mut items = Vec::new();
        for item in tx.list_agenda_items(scope, sitting_id)? {
            let case = tx.get_case(scope, item.case_id)?;
            let child = tx.get_child(scope, case.child_id)?;
            if !cases.contains(&(case.id, child.id)) {
                cases.push((case.id, child.id));
            }
            let mut finals: BTreeMap<UserId, MinutesVote> = BTreeMap::new();
            for vote in tx.list_votes(scope, item.id)? {
                let changes = finals.get(&vote.user_id).map_or(0, |v| v.changes + 1);
                finals.insert(
                    vote.user_id,
                    MinutesVote {
                        name: name(&vote.user_id),
                        choice: vote.choice,
                        reason: vote.reason,
                        changes,
                    },
                );
            }
            // Each reader once, in the order they first opened them (two members may
            // share a name, so distinct people are told apart by id, not name).
            let mut readers: Vec<UserId> = Vec::new();
            for opening in tx.list_paper_openings(scope, item.id)? {
                if !readers.contains(&opening.user_id) {
                    readers.push(opening.user_id);
                }
            }
            let opened: Vec<String> = readers.iter().map(name).collect();
            let closing = tx
                .list_events(scope, Some(item.case_id))?
                .into_iter()
                .rev()
                .find_map(|e| match e.fact {
                    CaseEvent::AgendaItemClosed(closed) if closed.item == item.id => Some(closed),
                    _ => None,
                });
            let decision = tx
                .list_decisions(scope, item.case_id)?
                .into_iter()
                .find(|d| d.agenda_item_id == Some(item.id));
            let outcome = match (&decision, &closing) {
                (Some(d), _) => Some(format!("{} {}: {}", d.kind, d.outcome, d.reasons.as_str())),
                (None, Some(closed)) => closed.why.as_ref().map(|why| format!("Deferred: {why}")),
                (None, None) => None,
            };
            items.push(MinutesItem {
                position: item.position,
                child_initials: initials(child.given_name.as_str(), child.family_name.as_str()),
                decision_kind: item.decision_kind,
                proposal: item.proposal,
                status: item.status,
                conflicts: tx
                    .list_conflicts(scope, item.id)?
                    .into_iter()
                    .map(|c| (name(&c.user_id), c.reason))
                    .collect(),
                papers_opened_by: opened,
                votes: finals.into_values().collect(),
                outcome,
                record: closing.map(|closed| closed.record),
            });
        }
        Minutes {
            sitting: sitting_id,
            panel: panel.name,
            sits_on: sitting.sits_on,
            status: sitting.status,
            members,
            items,
        }
    };
    Ok((minutes, cases))
}
