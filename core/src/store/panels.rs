//! Panels, seats, sittings, agenda items and votes.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{
    agenda_items, conflicts, panel_members, panels, paper_openings, sitting_members, sittings,
    votes,
};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    AgendaItem, AgendaItemId, AgendaItemStatus, Conflict, Panel, PanelId, PanelMember,
    PaperOpening, Sitting, SittingId, SittingMember, SittingStatus, Slug, UserId, Vote,
};

fn parse_slug(column: &'static str, value: &str) -> Result<Slug, StoreError> {
    Slug::parse(column, value).map_err(|e| StoreError::Corrupt {
        column,
        detail: e.to_string(),
    })
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = panels)]
#[diesel(treat_none_as_default_value = false)]
struct PanelRow {
    id: String,
    authority_id: String,
    code: String,
    name: String,
}

impl TryFrom<PanelRow> for Panel {
    type Error = StoreError;
    fn try_from(row: PanelRow) -> Result<Self, StoreError> {
        Ok(Panel {
            id: parse("panels.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            code: parse_slug("panels.code", &row.code)?,
            name: row.name,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = panel_members)]
#[diesel(treat_none_as_default_value = false)]
struct PanelMemberRow {
    id: String,
    authority_id: String,
    panel_id: String,
    user_id: String,
    role: String,
}

impl TryFrom<PanelMemberRow> for PanelMember {
    type Error = StoreError;
    fn try_from(row: PanelMemberRow) -> Result<Self, StoreError> {
        Ok(PanelMember {
            id: parse("panel_members.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            panel_id: parse("panel_members.panel_id", &row.panel_id)?,
            user_id: parse("panel_members.user_id", &row.user_id)?,
            role: parse_slug("panel_members.role", &row.role)?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sittings)]
#[diesel(treat_none_as_default_value = false)]
struct SittingRow {
    id: String,
    authority_id: String,
    panel_id: String,
    sits_on: NaiveDate,
    status: String,
    starts_at: String,
    location: String,
}

impl TryFrom<SittingRow> for Sitting {
    type Error = StoreError;
    fn try_from(row: SittingRow) -> Result<Self, StoreError> {
        Ok(Sitting {
            id: parse("sittings.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            panel_id: parse("sittings.panel_id", &row.panel_id)?,
            sits_on: row.sits_on,
            status: parse("sittings.status", &row.status)?,
            starts_at: NaiveTime::parse_from_str(&row.starts_at, "%H:%M").map_err(|e| {
                StoreError::Corrupt {
                    column: "sittings.starts_at",
                    detail: e.to_string(),
                }
            })?,
            location: row.location,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = agenda_items)]
#[diesel(treat_none_as_default_value = false)]
struct AgendaItemRow {
    id: String,
    authority_id: String,
    sitting_id: String,
    case_id: String,
    position: i32,
    decision_kind: String,
    status: String,
    proposal: Option<String>,
}

impl TryFrom<AgendaItemRow> for AgendaItem {
    type Error = StoreError;
    fn try_from(row: AgendaItemRow) -> Result<Self, StoreError> {
        Ok(AgendaItem {
            id: parse("agenda_items.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            sitting_id: parse("agenda_items.sitting_id", &row.sitting_id)?,
            case_id: parse("agenda_items.case_id", &row.case_id)?,
            position: row.position,
            decision_kind: parse("agenda_items.decision_kind", &row.decision_kind)?,
            status: parse("agenda_items.status", &row.status)?,
            proposal: row
                .proposal
                .as_deref()
                .map(|v| parse("agenda_items.proposal", v))
                .transpose()?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = votes)]
#[diesel(treat_none_as_default_value = false)]
struct VoteRow {
    id: String,
    authority_id: String,
    agenda_item_id: String,
    user_id: String,
    choice: String,
    reason: String,
    cast_at: NaiveDateTime,
}

impl TryFrom<VoteRow> for Vote {
    type Error = StoreError;
    fn try_from(row: VoteRow) -> Result<Self, StoreError> {
        Ok(Vote {
            id: parse("votes.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            agenda_item_id: parse("votes.agenda_item_id", &row.agenda_item_id)?,
            user_id: parse("votes.user_id", &row.user_id)?,
            choice: parse("votes.choice", &row.choice)?,
            reason: row.reason,
            cast_at: from_db_time(row.cast_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sitting_members)]
#[diesel(treat_none_as_default_value = false)]
struct SittingMemberRow {
    id: String,
    authority_id: String,
    sitting_id: String,
    user_id: String,
    role: String,
    present_at: Option<NaiveDateTime>,
}

impl TryFrom<SittingMemberRow> for SittingMember {
    type Error = StoreError;
    fn try_from(row: SittingMemberRow) -> Result<Self, StoreError> {
        Ok(SittingMember {
            id: parse("sitting_members.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            sitting_id: parse("sitting_members.sitting_id", &row.sitting_id)?,
            user_id: parse("sitting_members.user_id", &row.user_id)?,
            role: parse_slug("sitting_members.role", &row.role)?,
            present_at: row.present_at.map(from_db_time),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = conflicts)]
#[diesel(treat_none_as_default_value = false)]
struct ConflictRow {
    id: String,
    authority_id: String,
    agenda_item_id: String,
    user_id: String,
    reason: String,
    declared_at: NaiveDateTime,
}

impl TryFrom<ConflictRow> for Conflict {
    type Error = StoreError;
    fn try_from(row: ConflictRow) -> Result<Self, StoreError> {
        Ok(Conflict {
            id: parse("conflicts.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            agenda_item_id: parse("conflicts.agenda_item_id", &row.agenda_item_id)?,
            user_id: parse("conflicts.user_id", &row.user_id)?,
            reason: row.reason,
            declared_at: from_db_time(row.declared_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = paper_openings)]
#[diesel(treat_none_as_default_value = false)]
struct PaperOpeningRow {
    id: String,
    authority_id: String,
    agenda_item_id: String,
    user_id: String,
    opened_at: NaiveDateTime,
}

impl TryFrom<PaperOpeningRow> for PaperOpening {
    type Error = StoreError;
    fn try_from(row: PaperOpeningRow) -> Result<Self, StoreError> {
        Ok(PaperOpening {
            id: parse("paper_openings.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            agenda_item_id: parse("paper_openings.agenda_item_id", &row.agenda_item_id)?,
            user_id: parse("paper_openings.user_id", &row.user_id)?,
            opened_at: from_db_time(row.opened_at),
        })
    }
}

impl Tx<'_> {
    /// Registers a panel.
    pub fn insert_panel(
        &mut self,
        scope: &AuthorityScope,
        panel: &Panel,
    ) -> Result<(), StoreError> {
        scope.admit("panel", &panel.authority_id)?;
        diesel::insert_into(panels::table)
            .values(PanelRow {
                id: panel.id.to_string(),
                authority_id: panel.authority_id.to_string(),
                code: panel.code.to_string(),
                name: panel.name.clone(),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A panel of the scope's authority.
    pub fn get_panel(&mut self, scope: &AuthorityScope, id: PanelId) -> Result<Panel, StoreError> {
        panels::table
            .filter(panels::authority_id.eq(scope.authority().as_str()))
            .filter(panels::id.eq(id.to_string()))
            .select(PanelRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("panel", id))?
            .try_into()
    }

    /// The scope's panels, by code.
    pub fn list_panels(&mut self, scope: &AuthorityScope) -> Result<Vec<Panel>, StoreError> {
        panels::table
            .filter(panels::authority_id.eq(scope.authority().as_str()))
            .order(panels::code)
            .select(PanelRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Panel::try_from)
            .collect()
    }

    /// Seats a user on a panel in a role.
    pub fn insert_panel_member(
        &mut self,
        scope: &AuthorityScope,
        member: &PanelMember,
    ) -> Result<(), StoreError> {
        scope.admit("panel member", &member.authority_id)?;
        diesel::insert_into(panel_members::table)
            .values(PanelMemberRow {
                id: member.id.to_string(),
                authority_id: member.authority_id.to_string(),
                panel_id: member.panel_id.to_string(),
                user_id: member.user_id.to_string(),
                role: member.role.to_string(),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A panel's seats.
    pub fn list_panel_members(
        &mut self,
        scope: &AuthorityScope,
        panel: PanelId,
    ) -> Result<Vec<PanelMember>, StoreError> {
        panel_members::table
            .filter(panel_members::authority_id.eq(scope.authority().as_str()))
            .filter(panel_members::panel_id.eq(panel.to_string()))
            .order((panel_members::role, panel_members::id))
            .select(PanelMemberRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(PanelMember::try_from)
            .collect()
    }

    /// Schedules a sitting.
    pub fn insert_sitting(
        &mut self,
        scope: &AuthorityScope,
        sitting: &Sitting,
    ) -> Result<(), StoreError> {
        scope.admit("sitting", &sitting.authority_id)?;
        diesel::insert_into(sittings::table)
            .values(SittingRow {
                id: sitting.id.to_string(),
                authority_id: sitting.authority_id.to_string(),
                panel_id: sitting.panel_id.to_string(),
                sits_on: sitting.sits_on,
                status: sitting.status.to_string(),
                starts_at: sitting.starts_at.format("%H:%M").to_string(),
                location: sitting.location.clone(),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A sitting of the scope's authority.
    pub fn get_sitting(
        &mut self,
        scope: &AuthorityScope,
        id: SittingId,
    ) -> Result<Sitting, StoreError> {
        sittings::table
            .filter(sittings::authority_id.eq(scope.authority().as_str()))
            .filter(sittings::id.eq(id.to_string()))
            .select(SittingRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("sitting", id))?
            .try_into()
    }

    /// The scope's sittings, by date.
    pub fn list_sittings(&mut self, scope: &AuthorityScope) -> Result<Vec<Sitting>, StoreError> {
        sittings::table
            .filter(sittings::authority_id.eq(scope.authority().as_str()))
            .order((sittings::sits_on, sittings::id))
            .select(SittingRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Sitting::try_from)
            .collect()
    }

    /// Puts a case on a sitting's agenda.
    pub fn insert_agenda_item(
        &mut self,
        scope: &AuthorityScope,
        item: &AgendaItem,
    ) -> Result<(), StoreError> {
        scope.admit("agenda item", &item.authority_id)?;
        diesel::insert_into(agenda_items::table)
            .values(AgendaItemRow {
                id: item.id.to_string(),
                authority_id: item.authority_id.to_string(),
                sitting_id: item.sitting_id.to_string(),
                case_id: item.case_id.to_string(),
                position: item.position,
                decision_kind: item.decision_kind.to_string(),
                status: item.status.to_string(),
                proposal: item.proposal.map(|p| p.to_string()),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A sitting's agenda, in order.
    pub fn list_agenda_items(
        &mut self,
        scope: &AuthorityScope,
        sitting: SittingId,
    ) -> Result<Vec<AgendaItem>, StoreError> {
        agenda_items::table
            .filter(agenda_items::authority_id.eq(scope.authority().as_str()))
            .filter(agenda_items::sitting_id.eq(sitting.to_string()))
            .order(agenda_items::position)
            .select(AgendaItemRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(AgendaItem::try_from)
            .collect()
    }

    /// Records a vote (a change of mind is another vote; none is overwritten).
    pub fn insert_vote(&mut self, scope: &AuthorityScope, vote: &Vote) -> Result<(), StoreError> {
        scope.admit("vote", &vote.authority_id)?;
        diesel::insert_into(votes::table)
            .values(VoteRow {
                id: vote.id.to_string(),
                authority_id: vote.authority_id.to_string(),
                agenda_item_id: vote.agenda_item_id.to_string(),
                user_id: vote.user_id.to_string(),
                choice: vote.choice.to_string(),
                reason: vote.reason.clone(),
                cast_at: to_db_time(vote.cast_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// Every vote on an item, oldest first, changes included.
    pub fn list_votes(
        &mut self,
        scope: &AuthorityScope,
        item: AgendaItemId,
    ) -> Result<Vec<Vote>, StoreError> {
        votes::table
            .filter(votes::authority_id.eq(scope.authority().as_str()))
            .filter(votes::agenda_item_id.eq(item.to_string()))
            .order((votes::cast_at, votes::id))
            .select(VoteRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Vote::try_from)
            .collect()
    }

    /// Seats a member at a sitting in a role.
    pub fn insert_sitting_member(
        &mut self,
        scope: &AuthorityScope,
        member: &SittingMember,
    ) -> Result<(), StoreError> {
        scope.admit("sitting member", &member.authority_id)?;
        diesel::insert_into(sitting_members::table)
            .values(SittingMemberRow {
                id: member.id.to_string(),
                authority_id: member.authority_id.to_string(),
                sitting_id: member.sitting_id.to_string(),
                user_id: member.user_id.to_string(),
                role: member.role.to_string(),
                present_at: member.present_at.map(to_db_time),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A sitting's members, in the order they were seated.
    pub fn list_sitting_members(
        &mut self,
        scope: &AuthorityScope,
        sitting: SittingId,
    ) -> Result<Vec<SittingMember>, StoreError> {
        sitting_members::table
            .filter(sitting_members::authority_id.eq(scope.authority().as_str()))
            .filter(sitting_members::sitting_id.eq(sitting.to_string()))
            .order(sitting_members::id)
            .select(SittingMemberRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(SittingMember::try_from)
            .collect()
    }

    /// Marks a member present from `at`, if not already; returns whether it changed.
    pub fn mark_present(
        &mut self,
        scope: &AuthorityScope,
        sitting: SittingId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            sitting_members::table
                .filter(sitting_members::authority_id.eq(scope.authority().as_str()))
                .filter(sitting_members::sitting_id.eq(sitting.to_string()))
                .filter(sitting_members::user_id.eq(user.to_string()))
                .filter(sitting_members::present_at.is_null()),
        )
        .set(sitting_members::present_at.eq(Some(to_db_time(at))))
        .execute(self.conn)?;
        Ok(changed > 0)
    }

    /// The sittings where `user` has a seat, by date.
    pub fn list_sittings_for_user(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
    ) -> Result<Vec<Sitting>, StoreError> {
        let seated = sitting_members::table
            .filter(sitting_members::authority_id.eq(scope.authority().as_str()))
            .filter(sitting_members::user_id.eq(user.to_string()))
            .select(sitting_members::sitting_id);
        sittings::table
            .filter(sittings::authority_id.eq(scope.authority().as_str()))
            .filter(sittings::id.eq_any(seated))
            .order((sittings::sits_on, sittings::id))
            .select(SittingRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Sitting::try_from)
            .collect()
    }

    /// Moves a sitting from `from` to `to`; returns whether it moved (it does not if
    /// another request moved it first).
    pub fn set_sitting_status(
        &mut self,
        scope: &AuthorityScope,
        sitting: SittingId,
        from: SittingStatus,
        to: SittingStatus,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            sittings::table
                .filter(sittings::authority_id.eq(scope.authority().as_str()))
                .filter(sittings::id.eq(sitting.to_string()))
                .filter(sittings::status.eq(from.to_string())),
        )
        .set(sittings::status.eq(to.to_string()))
        .execute(self.conn)?;
        Ok(changed > 0)
    }

    /// One agenda item of the scope's authority.
    pub fn get_agenda_item(
        &mut self,
        scope: &AuthorityScope,
        id: AgendaItemId,
    ) -> Result<AgendaItem, StoreError> {
        agenda_items::table
            .filter(agenda_items::authority_id.eq(scope.authority().as_str()))
            .filter(agenda_items::id.eq(id.to_string()))
            .select(AgendaItemRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("agenda item", id))?
            .try_into()
    }

    /// Closes a pending item as decided or deferred. Refused with a conflict when the
    /// item is no longer pending, so two chairs' clicks cannot both close it.
    pub fn close_agenda_item(
        &mut self,
        scope: &AuthorityScope,
        id: AgendaItemId,
        status: AgendaItemStatus,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(
            agenda_items::table
                .filter(agenda_items::authority_id.eq(scope.authority().as_str()))
                .filter(agenda_items::id.eq(id.to_string()))
                .filter(agenda_items::status.eq(AgendaItemStatus::Pending.to_string())),
        )
        .set(agenda_items::status.eq(status.to_string()))
        .execute(self.conn)?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "agenda item {id} is already closed"
            )));
        }
        Ok(())
    }

    /// Records a member's conflict of interest on an item.
    pub fn insert_conflict(
        &mut self,
        scope: &AuthorityScope,
        conflict: &Conflict,
    ) -> Result<(), StoreError> {
        scope.admit("conflict", &conflict.authority_id)?;
        diesel::insert_into(conflicts::table)
            .values(ConflictRow {
                id: conflict.id.to_string(),
                authority_id: conflict.authority_id.to_string(),
                agenda_item_id: conflict.agenda_item_id.to_string(),
                user_id: conflict.user_id.to_string(),
                reason: conflict.reason.clone(),
                declared_at: to_db_time(conflict.declared_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The conflicts declared on an item, oldest first.
    pub fn list_conflicts(
        &mut self,
        scope: &AuthorityScope,
        item: AgendaItemId,
    ) -> Result<Vec<Conflict>, StoreError> {
        conflicts::table
            .filter(conflicts::authority_id.eq(scope.authority().as_str()))
            .filter(conflicts::agenda_item_id.eq(item.to_string()))
            .order((conflicts::declared_at, conflicts::id))
            .select(ConflictRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Conflict::try_from)
            .collect()
    }

    /// Records that a member opened an item's papers.
    pub fn insert_paper_opening(
        &mut self,
        scope: &AuthorityScope,
        opening: &PaperOpening,
    ) -> Result<(), StoreError> {
        scope.admit("paper opening", &opening.authority_id)?;
        diesel::insert_into(paper_openings::table)
            .values(PaperOpeningRow {
                id: opening.id.to_string(),
                authority_id: opening.authority_id.to_string(),
                agenda_item_id: opening.agenda_item_id.to_string(),
                user_id: opening.user_id.to_string(),
                opened_at: to_db_time(opening.opened_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// Every opening of an item's papers, oldest first.
    pub fn list_paper_openings(
        &mut self,
        scope: &AuthorityScope,
        item: AgendaItemId,
    ) -> Result<Vec<PaperOpening>, StoreError> {
        paper_openings::table
            .filter(paper_openings::authority_id.eq(scope.authority().as_str()))
            .filter(paper_openings::agenda_item_id.eq(item.to_string()))
            .order((paper_openings::opened_at, paper_openings::id))
            .select(PaperOpeningRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(PaperOpening::try_from)
            .collect()
    }
}
