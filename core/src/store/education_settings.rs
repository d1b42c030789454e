//! The register of education settings, per authority.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, parse, to_db_time};
use super::schema::education_settings;
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{EducationSetting, Urn};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = education_settings)]
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
