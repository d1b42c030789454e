//! An authority's register of education settings: added by an admin, read by anyone
//! who may open cases. A placement decision names a setting from it, so a setting's
//! kind and whether it is out of area are recorded once, not retyped per case.

use serde::Deserialize;

use crate::domain::{
    DomainError, EducationSetting, EducationSettingId, ProviderKind, Urn, UserRole,
};
use crate::services::{Actor, Services};
use crate::store::StoreError;
use crate::workflow::WorkflowError;

/// Who may add settings to the register.
pub const REGISTER_KEEPERS: [UserRole; 1] = [UserRole::Admin];

/// A setting to add, as typed. [`add_setting`] checks each part, naming the field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewEducationSetting {
    /// Its name, 1 to 200 characters.
    pub name: String,
    /// Its six-digit DfE URN, where it has one.
    pub urn: Option<String>,
    /// One of `mainstream`, `resourced_provision`, `special`, `independent`,
    /// `non_maintained`, `post16`, `alternative_provision`.
    pub kind: String,
    /// Whether it is in the authority's own area.
    pub in_area: Option<bool>,
}

fn invalid(field: &'static str, rule: impl Into<String>) -> WorkflowError {
    WorkflowError::Invalid {
        field,
        rule: rule.into(),
    }
}

impl NewEducationSetting {
    fn check(
        &self,
        actor: &Actor,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<EducationSetting, WorkflowError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("name", "must be given, in 200 characters or fewer"));
        }
        let urn = self
            .urn
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(Urn::parse)
            .transpose()
            .map_err(|error| match error {
                DomainError::Invalid { rule, .. } => invalid("urn", rule),
            })?;
        let kind: ProviderKind = self.kind.trim().parse().map_err(|_| {
            invalid(
                "kind",
                "must be one of mainstream, resourced_provision, special, independent, non_maintained, post16, alternative_provision",
            )
        })?;
        let in_area = self.in_area.ok_or_else(|| {
            invalid(
                "in_area",
                "must be given: true if the setting is in the authority's area",
            )
        })?;
        Ok(EducationSetting {
            id: EducationSettingId::new(),
            authority_id: actor.scope.authority().clone(),
            urn,
            name: name.to_owned(),
            kind,
            in_area,
            created_at: now,
        })
    }
}

/// Adds a setting to `actor`'s authority's register. Refused for a role not among
/// [`REGISTER_KEEPERS`], for a bad part (named), and for a URN already registered
/// (checked in the transaction that writes, and by the unique index for two at once).
pub fn add_setting(
    services: &Services,
    actor: &Actor,
    new: &NewEducationSetting,
) -> Result<EducationSetting, WorkflowError> {
    if !REGISTER_KEEPERS.contains(&actor.role) {
        return Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "add a setting to the register",
        });
    }
    let setting = new.check(actor, services.clock.now())?;
    let taken = |name: &str| invalid("urn", format!("is already in the register, for {name}"));
    let written = services.db.write_with(|tx| {
        if let Some(urn) = &setting.urn
            && let Some(existing) = tx.find_education_setting_by_urn(&actor.scope, urn)?
        {
            return Err(taken(&existing.name));
        }
        tx.insert_education_setting(&actor.scope, &setting)?;
        Ok(())
    });
    match written {
        // Two admins added the same URN at once: the other's is in the register.
        Err(WorkflowError::Store(StoreError::Conflict(_))) => {
            Err(taken("a setting added at the same moment"))
        }
        other => other.map(|()| setting),
    }
}

/// The register of `actor`'s authority, by name: for anyone who may open cases.
pub fn settings_for(
    services: &Services,
    actor: &Actor,
) -> Result<Vec<EducationSetting>, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    Ok(services
        .db
        .read(|tx| tx.list_education_settings(&actor.scope))?)
}
