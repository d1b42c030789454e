//! The register of education settings, per authority.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, parse, to_db_time};
use super::schema::education_settings;
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    AgendaItemId, CaseId, EducationSetting, EducationSettingId, Placement, PlacementTerms,
    ProposedPlacement, Urn,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = education_settings)]
#[diesel(treat_none_as_default_value = false)]
struct SettingRow {
    id: String,
    authority_id: String,
    urn: Option<String>,
    name: String,
    kind: String,
    in_area: bool,
    created_at: NaiveDateTime,
}

impl TryFrom<SettingRow> for EducationSetting {
    type Error = StoreError;
    fn try_from(row: SettingRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse("education_settings.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            urn: row
                .urn
                .as_deref()
                .map(Urn::parse)
                .transpose()
                .map_err(|e| StoreError::Corrupt {
                    column: "education_settings.urn",
                    detail: e.to_string(),
                })?,
            name: row.name,
            kind: parse("education_settings.kind", &row.kind)?,
            in_area: row.in_area,
            created_at: from_db_time(row.created_at),
        })
    }
}

impl Tx<'_> {
    /// Adds a setting to the scope's register. A URN already in the register meets
    /// its unique index: [`StoreError::Conflict`], nothing written.
    pub fn insert_education_setting(
        &mut self,
        scope: &AuthorityScope,
        setting: &EducationSetting,
    ) -> Result<(), StoreError> {
        scope.admit("education setting", &setting.authority_id)?;
        diesel::insert_into(education_settings::table)
            .values(SettingRow {
                id: setting.id.to_string(),
                authority_id: setting.authority_id.to_string(),
                urn: setting.urn.as_ref().map(|u| u.as_str().to_owned()),
                name: setting.name.clone(),
                kind: setting.kind.to_string(),
                in_area: setting.in_area,
                created_at: to_db_time(setting.created_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The scope's register, by name.
    pub fn list_education_settings(
        &mut self,
        scope: &AuthorityScope,
    ) -> Result<Vec<EducationSetting>, StoreError> {
        education_settings::table
            .filter(education_settings::authority_id.eq(scope.authority().as_str()))
            .order((education_settings::name, education_settings::id))
            .select(SettingRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(EducationSetting::try_from)
            .collect()
    }

    /// The scope's setting with this URN, if registered.
    pub fn find_education_setting_by_urn(
        &mut self,
        scope: &AuthorityScope,
        urn: &Urn,
    ) -> Result<Option<EducationSetting>, StoreError> {
        education_settings::table
            .filter(education_settings::authority_id.eq(scope.authority().as_str()))
            .filter(education_settings::urn.eq(urn.as_str()))
            .select(SettingRow::as_select())
            .first(self.conn)
            .optional()?
            .map(EducationSetting::try_from)
            .transpose()
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::placements)]
#[diesel(treat_none_as_default_value = false)]
struct PlacementRow {
    id: String,
    authority_id: String,
    case_id: String,
    setting_id: String,
    starts_on: chrono::NaiveDate,
    parental_preference: Option<String>,
    mainstream_requested: bool,
    reasons: String,
    independent_justification: Option<String>,
    education_pence: i64,
    health_pence: i64,
    social_care_pence: i64,
    decided_by: String,
    decided_at: NaiveDateTime,
}

impl TryFrom<PlacementRow> for Placement {
    type Error = StoreError;
    fn try_from(row: PlacementRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse("placements.id", &row.id)?,
            case_id: parse("placements.case_id", &row.case_id)?,
            terms: PlacementTerms {
                setting_id: parse("placements.setting_id", &row.setting_id)?,
                starts_on: row.starts_on,
                parental_preference: row.parental_preference,
                mainstream_requested: row.mainstream_requested,
                reasons: row.reasons,
                independent_justification: row
                    .independent_justification
                    .as_deref()
                    .map(|j| parse("placements.independent_justification", j))
                    .transpose()?,
                education_pence: row.education_pence,
                health_pence: row.health_pence,
                social_care_pence: row.social_care_pence,
            },
            decided_by: parse("placements.decided_by", &row.decided_by)?,
            decided_at: from_db_time(row.decided_at),
        })
    }
}

impl Tx<'_> {
    /// The scope's setting with this id.
    pub fn get_education_setting(
        &mut self,
        scope: &AuthorityScope,
        id: EducationSettingId,
    ) -> Result<EducationSetting, StoreError> {
        education_settings::table
            .filter(education_settings::authority_id.eq(scope.authority().as_str()))
            .filter(education_settings::id.eq(id.to_string()))
            .select(SettingRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| super::rows::not_found("education setting", id))?
            .try_into()
    }

    /// Records a placement for a case of the scope's. The caller has taken the case
    /// ([`Tx::lock_case`]) and appends its `PlacementDecided` event with it.
    pub fn insert_placement(
        &mut self,
        scope: &AuthorityScope,
        placement: &Placement,
    ) -> Result<(), StoreError> {
        use super::schema::placements;
        let terms = &placement.terms;
        diesel::insert_into(placements::table)
            .values(PlacementRow {
                id: placement.id.to_string(),
                authority_id: scope.authority().to_string(),
                case_id: placement.case_id.to_string(),
                setting_id: terms.setting_id.to_string(),
                starts_on: terms.starts_on,
                parental_preference: terms.parental_preference.clone(),
                mainstream_requested: terms.mainstream_requested,
                reasons: terms.reasons.clone(),
                independent_justification: terms.independent_justification.map(|j| j.to_string()),
                education_pence: terms.education_pence,
                health_pence: terms.health_pence,
                social_care_pence: terms.social_care_pence,
                decided_by: placement.decided_by.to_string(),
                decided_at: to_db_time(placement.decided_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A case's placements, the latest decided first.
    pub fn placements_of(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<Placement>, StoreError> {
        use super::schema::placements;
        placements::table
            .filter(placements::authority_id.eq(scope.authority().as_str()))
            .filter(placements::case_id.eq(case.to_string()))
            .order((placements::decided_at.desc(), placements::id.desc()))
            .select(PlacementRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Placement::try_from)
            .collect()
    }

    /// Every placement of the scope's that starts on or before `until`, by case and
    /// start: for the funding ledger, which reads each as running until the case's
    /// next one starts.
    pub fn placements_starting_by(
        &mut self,
        scope: &AuthorityScope,
        until: chrono::NaiveDate,
    ) -> Result<Vec<Placement>, StoreError> {
        use super::schema::placements;
        placements::table
            .filter(placements::authority_id.eq(scope.authority().as_str()))
            .filter(placements::starts_on.le(until))
            .order((
                placements::case_id,
                placements::starts_on,
                placements::decided_at,
            ))
            .select(PlacementRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Placement::try_from)
            .collect()
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::proposed_placements)]
#[diesel(treat_none_as_default_value = false)]
struct ProposedPlacementRow {
    agenda_item_id: String,
    authority_id: String,
    case_id: String,
    setting_id: String,
    starts_on: chrono::NaiveDate,
    parental_preference: Option<String>,
    mainstream_requested: bool,
    reasons: String,
    independent_justification: Option<String>,
    education_pence: i64,
    health_pence: i64,
    social_care_pence: i64,
    expected_latest: Option<String>,
}

impl TryFrom<ProposedPlacementRow> for ProposedPlacement {
    type Error = StoreError;
    fn try_from(row: ProposedPlacementRow) -> Result<Self, StoreError> {
        Ok(Self {
            agenda_item_id: parse("proposed_placements.agenda_item_id", &row.agenda_item_id)?,
            case_id: parse("proposed_placements.case_id", &row.case_id)?,
            terms: PlacementTerms {
                setting_id: parse("proposed_placements.setting_id", &row.setting_id)?,
                starts_on: row.starts_on,
                parental_preference: row.parental_preference,
                mainstream_requested: row.mainstream_requested,
                reasons: row.reasons,
                independent_justification: row
                    .independent_justification
                    .as_deref()
                    .map(|j| parse("proposed_placements.independent_justification", j))
                    .transpose()?,
                education_pence: row.education_pence,
                health_pence: row.health_pence,
                social_care_pence: row.social_care_pence,
            },
            expected_latest: row
                .expected_latest
                .as_deref()
                .map(|id| parse("proposed_placements.expected_latest", id))
                .transpose()?,
        })
    }
}

impl Tx<'_> {
    /// Keeps the placement proposed with an agenda item of the scope's. The caller
    /// has taken the case and inserted the item in this transaction.
    pub fn insert_proposed_placement(
        &mut self,
        scope: &AuthorityScope,
        proposed: &ProposedPlacement,
    ) -> Result<(), StoreError> {
        use super::schema::proposed_placements;
        let terms = &proposed.terms;
        diesel::insert_into(proposed_placements::table)
            .values(ProposedPlacementRow {
                agenda_item_id: proposed.agenda_item_id.to_string(),
                authority_id: scope.authority().to_string(),
                case_id: proposed.case_id.to_string(),
                setting_id: terms.setting_id.to_string(),
                starts_on: terms.starts_on,
                parental_preference: terms.parental_preference.clone(),
                mainstream_requested: terms.mainstream_requested,
                reasons: terms.reasons.clone(),
                independent_justification: terms.independent_justification.map(|j| j.to_string()),
                education_pence: terms.education_pence,
                health_pence: terms.health_pence,
                social_care_pence: terms.social_care_pence,
                expected_latest: proposed.expected_latest.map(|id| id.to_string()),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The placement proposed with this agenda item of the scope's, if one was.
    pub fn proposed_placement(
        &mut self,
        scope: &AuthorityScope,
        item: AgendaItemId,
    ) -> Result<Option<ProposedPlacement>, StoreError> {
        use super::schema::proposed_placements;
        proposed_placements::table
            .filter(proposed_placements::authority_id.eq(scope.authority().as_str()))
            .filter(proposed_placements::agenda_item_id.eq(item.to_string()))
            .select(ProposedPlacementRow::as_select())
            .first(self.conn)
            .optional()?
            .map(ProposedPlacement::try_from)
            .transpose()
    }
}
