//! Setting up a sitting: members seated on the panel in their roles, a sitting on a date
//! with the members invited, cases put on its agenda with a proposal (and, for a
//! placement or banding item, the setting or funding proposed; no later than the
//! panel's papers deadline), the chair opening it for votes, and members joining.

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use strum::IntoEnumIterator;

use super::{CHAIR_ROLE, PanelError};
use crate::config::{AuthorityConfig, PanelConfig};
use crate::domain::{
    AgendaItem, AgendaItemId, AgendaItemStatus, CaseId, CaseStage, DecisionKind, PanelCode,
    PanelMember, PanelMemberId, PanelRole, Proposal, Sitting, SittingId, SittingMember,
    SittingMemberId, SittingStatus, UserId,
};
use crate::events::{self, CaseEvent};
use crate::placement::decision::DecidePlacement;
use crate::placement::funding::CommitFunding;
use crate::store::{AuthorityScope, Database, NewEvent};
use crate::time::Clock;

/// The configured panel with this code.
fn configured<'a>(
    config: &'a AuthorityConfig,
    code: &PanelCode,
) -> Result<&'a PanelConfig, PanelError> {
    config
        .panels
        .iter()
        .find(|p| &p.code == code)
        .ok_or_else(|| PanelError::NotConfigured(code.to_string()))
}

/// Seats a user on a panel in one of its configured roles (an admin's job: who may sit
/// on which panel). Refused when the role is not one of the panel's.
pub fn seat_member(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    panel: &PanelCode,
    user: UserId,
    role: &PanelRole,
) -> Result<PanelMember, PanelError> {
    let panel_config = configured(config, panel)?;
    if !panel_config.roles.contains(role) {
        return Err(PanelError::invalid(
            "role",
            format!(
                "{role} is not a role of {}; its roles are {}",
                panel_config.name,
                panel_config
                    .roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    db.write(|tx| {
        tx.get_user(scope, user)?;
        let found = tx
            .list_panels(scope)?
            .into_iter()
            .find(|p| &p.code == panel)
            .ok_or_else(|| crate::store::StoreError::NotFound {
                entity: "panel",
                id: panel.to_string(),
            })?;
        if tx
            .list_panel_members(scope, found.id)?
            .iter()
            .any(|m| m.user_id == user && &m.role == role)
        {
            return Ok(Err(PanelError::invalid(
                "role",
                format!("this user already sits on {} as {role}", panel_config.name),
            )));
        }
        let member = PanelMember {
            id: PanelMemberId::new(),
            authority_id: scope.authority().clone(),
            panel_id: found.id,
            user_id: user,
            role: role.clone(),
        };
        tx.insert_panel_member(scope, &member)?;
        Ok(Ok(member))
    })?
}

/// A sitting as whoever clerks the panel arranges it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSitting {
    /// The panel that sits.
    pub panel: PanelCode,
    /// The day it sits.
    pub sits_on: NaiveDate,
    /// When it starts (local time).
    #[schema(value_type = String, pattern = "^[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?$", examples("10:00:00"))]
    pub starts_at: NaiveTime,
    /// Where ("Online", a room).
    pub location: String,
    /// The members invited: users seated on the panel; one must be its chair.
    pub members: Vec<UserId>,
}

/// Arranges a sitting with its members in their panel roles, and the
/// `SittingScheduled` event every member's invitation is sent from, in one transaction.
/// Refused when the panel is not configured, the day is in the past, a member has no
/// seat on the panel, a member is listed twice, or nobody invited sits as chair.
pub fn schedule_sitting(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    command: &ScheduleSitting,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<Sitting, PanelError> {
    let panel_config = configured(config, &command.panel)?;
    if command.sits_on < clock.today() {
        return Err(PanelError::invalid("sits_on", "cannot be in the past"));
    }
    let location = crate::domain::text::one_line("location", command.location.trim())?;
    if location.is_empty() {
        return Err(PanelError::invalid(
            "location",
            "must say where the panel meets (a room, or Online)",
        ));
    }
    if command.members.is_empty() {
        return Err(PanelError::invalid("members", "a sitting needs members"));
    }
    let now = clock.now();
    db.write(|tx| {
        let Some(panel) = tx
            .list_panels(scope)?
            .into_iter()
            .find(|p| p.code == command.panel)
        else {
            return Ok(Err(PanelError::NotConfigured(command.panel.to_string())));
        };
        let seats = tx.list_panel_members(scope, panel.id)?;
        let sitting = Sitting {
            id: SittingId::new(),
            authority_id: scope.authority().clone(),
            panel_id: panel.id,
            sits_on: command.sits_on,
            status: SittingStatus::Scheduled,
            starts_at: command.starts_at,
            location: location.to_owned(),
        };
        let mut members = Vec::new();
        for (index, user) in command.members.iter().enumerate() {
            if command
                .members
                .get(..index)
                .is_some_and(|before| before.contains(user))
            {
                return Ok(Err(PanelError::invalid(
                    "members",
                    format!("{user} is listed twice"),
                )));
            }
            // A user seated in several roles sits in the first configured one.
            let Some(role) = panel_config
                .roles
                .iter()
                .find(|role| seats.iter().any(|s| s.user_id == *user && &s.role == *role))
            else {
                return Ok(Err(PanelError::invalid(
                    "members",
                    format!("{user} has no seat on {}", panel_config.name),
                )));
            };
            members.push(SittingMember {
                id: SittingMemberId::new(),
                authority_id: scope.authority().clone(),
                sitting_id: sitting.id,
                user_id: *user,
                role: role.clone(),
                present_at: None,
            });
        }
        if !members.iter().any(|m| m.role.as_str() == CHAIR_ROLE) {
            return Ok(Err(PanelError::invalid(
                "members",
                "one member must sit as chair: the chair records each decision",
            )));
        }
        tx.insert_sitting(scope, &sitting)?;
        for member in &members {
            tx.insert_sitting_member(scope, member)?;
        }
        tx.append_event(
            scope,
            NewEvent {
                case_id: None,
                fact: CaseEvent::SittingScheduled(events::SittingScheduled {
                    sitting: sitting.id,
                    panel: panel.code,
                    panel_name: panel.name,
                    sits_on: sitting.sits_on,
                    starts_at: sitting.starts_at,
                    location: sitting.location.clone(),
                    members: members
                        .iter()
                        .map(|m| events::SeatedMember {
                            user: m.user_id,
                            role: m.role.clone(),
                        })
                        .collect::<Vec<_>>(),
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(Ok(sitting))
    })?
}

/// A case put before a sitting.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddToAgenda {
    /// The case.
    pub case: CaseId,
    /// What members are asked to agree with; its decision kind must be one the panel
    /// decides.
    pub proposal: Proposal,
    /// For a placement or post-16 item (and only for those): the setting, start and
    /// shares the officer proposes, which the papers show and the chair names if the
    /// panel agrees.
    #[serde(default)]
    pub placement: Option<DecidePlacement>,
    /// For a banding item (and only for one): the band and funding the officer proposes
    /// (the placement funded, the band or the plugin's advice it confirms, place
    /// funding, top-up, other elements, from when), which the papers show beside the
    /// plugin's band advice and the chair commits if the panel agrees.
    #[serde(default)]
    pub funding: Option<CommitFunding>,
}

/// Whether a case at `stage` can take a decision of `kind` (checked again when the
/// decision is recorded; here so a wrong item is refused before members read papers).
pub(super) fn stage_takes(kind: DecisionKind, stage: CaseStage) -> bool {
    match kind {
        DecisionKind::Assess => matches!(
            stage,
            CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
        ),
        DecisionKind::Issue => matches!(
            stage,
            CaseStage::Assessing | CaseStage::AwaitingIssueDecision
        ),
        DecisionKind::AnnualReview => stage == CaseStage::PlanIssued,
        // A placement (a post-16 one too) is named in a draft or final plan (CFA
        // s.39-40, SEND Regulations 2014 reg. 18); its band is committed at the same
        // stages, at a sitting or outside one (`placement::funding`).
        DecisionKind::Placement | DecisionKind::Post16 | DecisionKind::Banding => {
            crate::placement::NAMING_STAGES.contains(&stage)
        }
    }
}

/// Puts a case on a scheduled sitting's agenda, last, with `AgendaItemAdded`. Refused
/// when the panel does not decide this kind, the case is not at a stage that takes it,
/// the panel takes the kind only for young people (`young_people_only`) and the child
/// is still of compulsory school age on the day it sits, the case is already on this
/// sitting's agenda, the sitting has closed, or the papers deadline
/// (`papers_due_days_before` the sitting) has passed; and, naming the field,
/// when a placement or banding item comes without its proposal (or another item with
/// one), or the proposal would be refused outside a sitting as the case stands (a
/// funding proposal made on a stale view of the case's commitments is a conflict).
pub fn add_to_agenda(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    sitting_id: SittingId,
    command: &AddToAgenda,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<AgendaItem, PanelError> {
    let kind = command.proposal.decision_kind();
    let now = clock.now();
    let today = clock.today();
    db.write(|tx| {
        let sitting = tx.get_sitting(scope, sitting_id)?;
        // Taken, not only read: the stage checked below cannot move before the item
        // is added.
        let case = tx.lock_case(scope, command.case)?;
        let panel = tx.get_panel(scope, sitting.panel_id)?;
        let panel_config = match configured(config, &panel.code) {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        if sitting.status == SittingStatus::Closed {
            return Ok(Err(PanelError::Closed("the sitting has closed".to_owned())));
        }
        if !panel_config.decides.contains(&kind) {
            return Ok(Err(PanelError::invalid(
                "proposal",
                format!("{} does not decide {kind}", panel_config.name),
            )));
        }
        if !stage_takes(kind, case.stage) {
            return Ok(Err(PanelError::invalid(
                "case",
                format!(
                    "the case is at stage {}; it cannot take a {kind} decision",
                    case.stage
                ),
            )));
        }
        if panel_config.young_people_only.contains(&kind) {
            let born = tx.get_child(scope, case.child_id)?.date_of_birth;
            if !crate::transitions::over_compulsory_school_age(born, sitting.sits_on) {
                let until = crate::transitions::compulsory_school_age_ends(born)
                    .map_or_else(String::new, |last| format!(" until {last}"));
                return Ok(Err(PanelError::invalid(
                    "case",
                    format!(
                        "{} takes {kind} decisions only for young people over compulsory school age (Children and Families Act 2014 s.83(2)); this child is of compulsory school age{until}",
                        panel_config.name
                    ),
                )));
            }
        }
        let papers_by = match crate::clock::calendar::days_before(
            sitting.sits_on,
            u64::from(panel_config.papers_due_days_before),
        ) {
            Ok(day) => day,
            Err(e) => return Ok(Err(PanelError::invalid("case", e.to_string()))),
        };
        if today > papers_by {
            return Ok(Err(PanelError::invalid(
                "case",
                format!(
                    "papers for this sitting were due by {papers_by} ({} days before it)",
                    panel_config.papers_due_days_before
                ),
            )));
        }
        let names_a_setting = matches!(kind, DecisionKind::Placement | DecisionKind::Post16);
        let proposed = match (names_a_setting, &command.placement) {
            (true, None) => {
                return Ok(Err(PanelError::invalid(
                    "placement",
                    "a placement item must propose the setting, its start and each service's share",
                )));
            }
            (true, Some(proposed)) => {
                match crate::placement::at_panel::check_proposal(tx, scope, proposed)? {
                    Ok(checked) => Some((proposed, checked)),
                    Err(refused) => return Ok(Err(refused.into())),
                }
            }
            (false, Some(_)) => {
                return Ok(Err(PanelError::invalid(
                    "placement",
                    "only a placement or post-16 item proposes a setting",
                )));
            }
            (false, None) => None,
        };
        let funding = match (kind == DecisionKind::Banding, &command.funding) {
            (true, None) => {
                return Ok(Err(PanelError::invalid(
                    "funding",
                    "a banding item must propose the funding: the placement funded, the band (or the advice it confirms) and from when",
                )));
            }
            (true, Some(proposed)) => {
                match crate::placement::banding_at_panel::check_proposal(
                    tx, scope, &case, proposed,
                )? {
                    Ok(checked) => Some((proposed, checked)),
                    Err(refused) => return Ok(Err(refused.into())),
                }
            }
            (false, Some(_)) => {
                return Ok(Err(PanelError::invalid(
                    "funding",
                    "only a banding item proposes funding",
                )));
            }
            (false, None) => None,
        };
        let agenda = tx.list_agenda_items(scope, sitting_id)?;
        if agenda.iter().any(|i| i.case_id == command.case) {
            return Ok(Err(PanelError::invalid(
                "case",
                "is already on this sitting's agenda",
            )));
        }
        let position = agenda.iter().map(|i| i.position).max().unwrap_or(0) + 1;
        let item = AgendaItem {
            id: AgendaItemId::new(),
            authority_id: scope.authority().clone(),
            sitting_id,
            case_id: command.case,
            position,
            decision_kind: kind,
            status: AgendaItemStatus::Pending,
            proposal: Some(command.proposal),
        };
        tx.insert_agenda_item(scope, &item)?;
        if let Some((proposed, checked)) = proposed {
            crate::placement::at_panel::keep_proposal(
                tx, scope, item.id, &case, proposed, checked,
            )?;
        }
        if let Some((proposed, checked)) = funding {
            crate::placement::banding_at_panel::keep_proposal(
                tx, scope, item.id, &case, proposed, checked,
            )?;
        }
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(command.case),
                fact: CaseEvent::AgendaItemAdded(events::AgendaItemAdded {
                    sitting: sitting_id,
                    item: item.id,
                    sits_on: sitting.sits_on,
                    decision_kind: kind,
                    proposal: command.proposal,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(Ok(item))
    })?
}

/// What the page that puts a case on a sitting's agenda offers: the sitting, its
/// panel's name, and the proposals of the decisions that panel takes, in the order
/// [`Proposal`] lists them. [`add_to_agenda`] checks the proposal again when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaChoices {
    /// The sitting.
    pub sitting: Sitting,
    /// Its panel's name.
    pub panel: String,
    /// The proposals an item at this sitting may carry.
    pub proposals: Vec<Proposal>,
}

/// The [`AgendaChoices`] of a sitting. Another authority's sitting is not found; a
/// panel no longer configured is refused, as [`add_to_agenda`] refuses it.
pub fn agenda_choices(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    sitting_id: SittingId,
) -> Result<AgendaChoices, PanelError> {
    let (sitting, panel) = db.read(|tx| {
        let sitting = tx.get_sitting(scope, sitting_id)?;
        let panel = tx.get_panel(scope, sitting.panel_id)?;
        Ok((sitting, panel))
    })?;
    let panel_config = configured(config, &panel.code)?;
    Ok(AgendaChoices {
        sitting,
        panel: panel_config.name.clone(),
        proposals: Proposal::iter()
            .filter(|p| panel_config.decides.contains(&p.decision_kind()))
            .collect(),
    })
}

/// The chair opens a scheduled sitting for votes. Refused unless the caller sits as
/// chair and the sitting is scheduled.
pub fn open_sitting(
    db: &Database,
    scope: &AuthorityScope,
    sitting_id: SittingId,
    chair: UserId,
    clock: &dyn Clock,
) -> Result<(), PanelError> {
    let now = clock.now();
    db.write(|tx| {
        let members = tx.list_sitting_members(scope, sitting_id)?;
        if !members
            .iter()
            .any(|m| m.user_id == chair && m.role.as_str() == CHAIR_ROLE)
        {
            tx.get_sitting(scope, sitting_id)?;
            return Ok(Err(PanelError::NotSeated(
                "only the sitting's chair opens it".to_owned(),
            )));
        }
        if !tx.set_sitting_status(
            scope,
            sitting_id,
            SittingStatus::Scheduled,
            SittingStatus::Open,
        )? {
            return Ok(Err(PanelError::Closed(
                "the sitting is not waiting to open".to_owned(),
            )));
        }
        // The chair who opens it is there.
        tx.mark_present(scope, sitting_id, chair, now)?;
        tx.announce_tally_change(scope, sitting_id)?;
        Ok(Ok(()))
    })?
}

/// Marks a member present: the member themself joining, or the chair recording who is
/// in the room. Returns whether it changed anything. Refused unless `actor` is that
/// member or the sitting's chair, and `member` has a seat.
pub fn mark_present(
    db: &Database,
    scope: &AuthorityScope,
    sitting_id: SittingId,
    member: UserId,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<bool, PanelError> {
    let now = clock.now();
    db.write(|tx| {
        tx.get_sitting(scope, sitting_id)?;
        let members = tx.list_sitting_members(scope, sitting_id)?;
        let actor_is_chair = members
            .iter()
            .any(|m| m.user_id == actor && m.role.as_str() == CHAIR_ROLE);
        if actor != member && !actor_is_chair {
            return Ok(Err(PanelError::NotSeated(
                "members mark themselves present; the chair may mark others".to_owned(),
            )));
        }
        if !members.iter().any(|m| m.user_id == member) {
            return Ok(Err(PanelError::NotSeated(
                "only the sitting's members can be present".to_owned(),
            )));
        }
        let changed = tx.mark_present(scope, sitting_id, member, now)?;
        if changed {
            tx.announce_tally_change(scope, sitting_id)?;
        }
        Ok(Ok(changed))
    })?
}

/// The sittings a user sees: where they have a seat, or every sitting of the authority
/// for those who arrange and audit them (`seated_only` false).
pub fn list_sittings(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
    seated_only: bool,
) -> Result<Vec<Sitting>, PanelError> {
    Ok(db.read(|tx| {
        if seated_only {
            tx.list_sittings_for_user(scope, user)
        } else {
            tx.list_sittings(scope)
        }
    })?)
}

/// The sitting an agenda item belongs to: where a change to the item is published.
pub fn sitting_of(
    db: &Database,
    scope: &AuthorityScope,
    item: AgendaItemId,
) -> Result<SittingId, PanelError> {
    Ok(db.read(|tx| tx.get_agenda_item(scope, item))?.sitting_id)
}

/// The seats at a sitting, with who is present: the sitting page needs to know whether
/// the reader sits, in which role, and whether they have joined.
pub fn sitting_members(
    db: &Database,
    scope: &AuthorityScope,
    sitting: SittingId,
) -> Result<Vec<SittingMember>, PanelError> {
    Ok(db.read(|tx| {
        tx.get_sitting(scope, sitting)?;
        tx.list_sitting_members(scope, sitting)
    })?)
}

/// [`list_sittings`], each with its panel's name, soonest first: what a member's list
/// of sittings shows.
pub fn list_sittings_named(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
    seated_only: bool,
) -> Result<Vec<(Sitting, String)>, PanelError> {
    let sittings = list_sittings(db, scope, user, seated_only)?;
    let panels = db.read(|tx| tx.list_panels(scope))?;
    let mut named: Vec<(Sitting, String)> = sittings
        .into_iter()
        .map(|s| {
            let name = panels
                .iter()
                .find(|p| p.id == s.panel_id)
                .map_or_else(|| s.panel_id.to_string(), |p| p.name.clone());
            (s, name)
        })
        .collect();
    named.sort_by_key(|(s, _)| (s.sits_on, s.starts_at));
    Ok(named)
}
