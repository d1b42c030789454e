//! The policy-plugin registry and the advice plugins give.
//!
//! Plugins are stored by the SHA-256 of their bytes, per authority. Which plugin
//! advises on a date is a query, not a pointer: among the active plugins whose
//! `active_from` is on or before the date, the one active from latest wins (ties: the
//! one activated last). So retiring the current plugin falls back to the one before,
//! and re-activating a retired plugin rolls back to it. Advice is append-only: there is
//! no update or delete here, and the database's triggers refuse both.
//!
//! The instants recorded here (uploaded, activated, retired, evaluated) are record
//! keeping, not statutory dates, so they are taken from [`SystemClock`] when the row
//! is written.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{Eq, Filter};
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{cases, policy_advice, policy_plugins};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    AdviceId, CaseId, NewAdvice, NewPlugin, PluginHash, PluginStatus, StoredAdvice, StoredPlugin,
};
use crate::time::{Clock, SystemClock};

/// The query for one registry row of one authority, shared by reads and updates.
type OnePlugin<'a> = Filter<
    Filter<policy_plugins::table, Eq<policy_plugins::authority_id, &'a str>>,
    Eq<policy_plugins::sha256, &'a str>,
>;

/// A registry row without its bytes: what listings and lookups read.
#[derive(Queryable, Selectable)]
#[diesel(table_name = policy_plugins)]
struct PluginRow {
    authority_id: String,
    sha256: String,
    policy_name: String,
    policy_version: String,
    api_version: String,
    effective_from: NaiveDate,
    active_from: Option<NaiveDate>,
    status: String,
    size_bytes: i64,
    uploaded_at: NaiveDateTime,
    activated_at: Option<NaiveDateTime>,
    retired_at: Option<NaiveDateTime>,
}

/// A registry row as inserted, bytes included.
#[derive(Insertable)]
#[diesel(table_name = policy_plugins)]
#[diesel(treat_none_as_default_value = false)]
struct NewPluginRow<'a> {
    authority_id: &'a str,
    sha256: &'a str,
    policy_name: &'a str,
    policy_version: &'a str,
    api_version: &'a str,
    effective_from: NaiveDate,
    active_from: Option<NaiveDate>,
    status: &'a str,
    size_bytes: i64,
    bytes: &'a [u8],
    uploaded_at: NaiveDateTime,
    activated_at: Option<NaiveDateTime>,
    retired_at: Option<NaiveDateTime>,
}

impl TryFrom<PluginRow> for StoredPlugin {
    type Error = StoreError;
    fn try_from(row: PluginRow) -> Result<Self, StoreError> {
        Ok(StoredPlugin {
            sha256: parse("policy_plugins.sha256", &row.sha256)?,
            authority_id: parse_authority(&row.authority_id)?,
            policy_name: row.policy_name,
            policy_version: row.policy_version,
            api_version: row.api_version,
            effective_from: row.effective_from,
            active_from: row.active_from,
            status: parse("policy_plugins.status", &row.status)?,
            size_bytes: row.size_bytes,
            uploaded_at: from_db_time(row.uploaded_at),
            activated_at: row.activated_at.map(from_db_time),
            retired_at: row.retired_at.map(from_db_time),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_advice)]
#[diesel(treat_none_as_default_value = false)]
struct AdviceRow {
    id: String,
    authority_id: String,
    case_id: String,
    plugin_sha256: String,
    api_version: String,
    call: String,
    input_json: String,
    outcome: String,
    output_json: Option<String>,
    unavailable_reason: Option<String>,
    fuel_used: i64,
    evaluated_at: NaiveDateTime,
}

impl TryFrom<AdviceRow> for StoredAdvice {
    type Error = StoreError;
    fn try_from(row: AdviceRow) -> Result<Self, StoreError> {
        Ok(StoredAdvice {
            id: parse("policy_advice.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: parse("policy_advice.case_id", &row.case_id)?,
            plugin_sha256: parse("policy_advice.plugin_sha256", &row.plugin_sha256)?,
            api_version: row.api_version,
            call: row.call,
            input_json: row.input_json,
            outcome: row.outcome,
            output_json: row.output_json,
            unavailable_reason: row.unavailable_reason,
            fuel_used: row.fuel_used,
            evaluated_at: from_db_time(row.evaluated_at),
        })
    }
}

impl Tx<'_> {
    /// Uploads a plugin with status `uploaded`. Its hash is computed here from the
    /// bytes. The same bytes uploaded twice by one authority are a
    /// [`StoreError::Conflict`] (the registry is keyed by hash); a plugin for another
    /// authority is refused.
    pub fn insert_plugin(
        &mut self,
        scope: &AuthorityScope,
        new: &NewPlugin,
    ) -> Result<StoredPlugin, StoreError> {
        scope.admit("plugin", &new.authority_id)?;
        let sha256 = PluginHash::of(&new.bytes);
        // Checked first for a message naming the plugin; the primary key still settles
        // a race between two uploads.
        if self.find_plugin(scope, &sha256)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "plugin {sha256} is already stored for authority {}",
                scope.authority()
            )));
        }
        let size_bytes = i64::try_from(new.bytes.len())
            .map_err(|_| StoreError::Refused("plugin is too large to store".into()))?;
        diesel::insert_into(policy_plugins::table)
            .values(NewPluginRow {
                authority_id: scope.authority().as_str(),
                sha256: sha256.as_str(),
                policy_name: &new.policy_name,
                policy_version: &new.policy_version,
                api_version: &new.api_version,
                effective_from: new.effective_from,
                active_from: None,
                status: PluginStatus::Uploaded.into(),
                size_bytes,
                bytes: &new.bytes,
                uploaded_at: to_db_time(SystemClock.now()),
                activated_at: None,
                retired_at: None,
            })
            .execute(self.conn)?;
        self.plugin(scope, &sha256)
    }

    /// A plugin of the scope's authority, without its bytes.
    pub fn plugin(
        &mut self,
        scope: &AuthorityScope,
        sha: &PluginHash,
    ) -> Result<StoredPlugin, StoreError> {
        self.find_plugin(scope, sha)?
            .ok_or_else(|| not_found("plugin", sha))
    }

    /// The scope's plugins, in the order they were uploaded.
    pub fn plugins(&mut self, scope: &AuthorityScope) -> Result<Vec<StoredPlugin>, StoreError> {
        policy_plugins::table
            .filter(policy_plugins::authority_id.eq(scope.authority().as_str()))
            .order((policy_plugins::uploaded_at, policy_plugins::sha256))
            .select(PluginRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(StoredPlugin::try_from)
            .collect()
    }

    /// A plugin's bytes, re-hashed on the way out: bytes that no longer match their
    /// hash are [`StoreError::Corrupt`], because running them would give advice under a
    /// name that is not theirs.
    pub fn plugin_bytes(
        &mut self,
        scope: &AuthorityScope,
        sha: &PluginHash,
    ) -> Result<Vec<u8>, StoreError> {
        let bytes: Vec<u8> = policy_plugins::table
            .filter(policy_plugins::authority_id.eq(scope.authority().as_str()))
            .filter(policy_plugins::sha256.eq(sha.as_str()))
            .select(policy_plugins::bytes)
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("plugin", sha))?;
        let actual = PluginHash::of(&bytes);
        if &actual != sha {
            return Err(StoreError::Corrupt {
                column: "policy_plugins.bytes",
                detail: format!("sha256 is {actual}, stored as {sha}"),
            });
        }
        Ok(bytes)
    }

    /// Makes a plugin advise on cases from `from`. Clears any retirement, so
    /// re-activating a retired plugin is how an authority rolls back to it.
    pub fn activate_plugin(
        &mut self,
        scope: &AuthorityScope,
        sha: &PluginHash,
        from: NaiveDate,
    ) -> Result<StoredPlugin, StoreError> {
        let updated = diesel::update(Self::scoped_plugin(scope, sha))
            .set((
                policy_plugins::status.eq(<&str>::from(PluginStatus::Active)),
                policy_plugins::active_from.eq(Some(from)),
                policy_plugins::activated_at.eq(Some(to_db_time(SystemClock.now()))),
                policy_plugins::retired_at.eq(None::<NaiveDateTime>),
            ))
            .execute(self.conn)?;
        if updated == 0 {
            return Err(not_found("plugin", sha));
        }
        self.plugin(scope, sha)
    }

    /// Stops a plugin advising. Its bytes and dates are kept, so advice it gave can
    /// still be replayed and it can be activated again.
    pub fn retire_plugin(
        &mut self,
        scope: &AuthorityScope,
        sha: &PluginHash,
    ) -> Result<StoredPlugin, StoreError> {
        let updated = diesel::update(Self::scoped_plugin(scope, sha))
            .set((
                policy_plugins::status.eq(<&str>::from(PluginStatus::Retired)),
                policy_plugins::retired_at.eq(Some(to_db_time(SystemClock.now()))),
            ))
            .execute(self.conn)?;
        if updated == 0 {
            return Err(not_found("plugin", sha));
        }
        self.plugin(scope, sha)
    }

    /// The plugin that advises on `on`: of the active plugins with `active_from` on or
    /// before that date, the one active from latest (ties: activated last). `None`
    /// when no plugin covers the date; the caller then gives no advice, never a guess.
    pub fn active_plugin_on(
        &mut self,
        scope: &AuthorityScope,
        on: NaiveDate,
    ) -> Result<Option<StoredPlugin>, StoreError> {
        policy_plugins::table
            .filter(policy_plugins::authority_id.eq(scope.authority().as_str()))
            .filter(policy_plugins::status.eq(<&str>::from(PluginStatus::Active)))
            .filter(policy_plugins::active_from.le(on))
            .order((
                policy_plugins::active_from.desc(),
                policy_plugins::activated_at.desc(),
                policy_plugins::sha256.desc(),
            ))
            .select(PluginRow::as_select())
            .first(self.conn)
            .optional()?
            .map(StoredPlugin::try_from)
            .transpose()
    }

    /// Records one call to a plugin about a case, for the scope's authority. The case
    /// must be the authority's (another's is refused, a missing one is not found); the
    /// plugin must be stored for it (the database refuses otherwise).
    pub fn record_advice(
        &mut self,
        scope: &AuthorityScope,
        advice: &NewAdvice,
    ) -> Result<StoredAdvice, StoreError> {
        // Only the owner is read, to admit or refuse; nothing of the case is returned.
        let owner: String = cases::table
            .filter(cases::id.eq(advice.case_id.to_string()))
            .select(cases::authority_id)
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("case", advice.case_id))?;
        scope.admit("case", &parse_authority(&owner)?)?;
        let stored = StoredAdvice {
            id: AdviceId::new(),
            authority_id: scope.authority().clone(),
            case_id: advice.case_id,
            plugin_sha256: advice.plugin_sha256.clone(),
            api_version: advice.api_version.clone(),
            call: advice.call.clone(),
            input_json: advice.input_json.clone(),
            outcome: advice.outcome.clone(),
            output_json: advice.output_json.clone(),
            unavailable_reason: advice.unavailable_reason.clone(),
            fuel_used: advice.fuel_used,
            evaluated_at: SystemClock.now(),
        };
        diesel::insert_into(policy_advice::table)
            .values(AdviceRow {
                id: stored.id.to_string(),
                authority_id: stored.authority_id.to_string(),
                case_id: stored.case_id.to_string(),
                plugin_sha256: stored.plugin_sha256.to_string(),
                api_version: stored.api_version.clone(),
                call: stored.call.clone(),
                input_json: stored.input_json.clone(),
                outcome: stored.outcome.clone(),
                output_json: stored.output_json.clone(),
                unavailable_reason: stored.unavailable_reason.clone(),
                fuel_used: stored.fuel_used,
                evaluated_at: to_db_time(stored.evaluated_at),
            })
            .execute(self.conn)?;
        Ok(stored)
    }

    /// One piece of advice recorded on `case`, by id; not found when it is another
    /// case's or another authority's.
    pub fn advice_on_case(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        id: AdviceId,
    ) -> Result<StoredAdvice, StoreError> {
        policy_advice::table
            .filter(policy_advice::authority_id.eq(scope.authority().as_str()))
            .filter(policy_advice::case_id.eq(case.to_string()))
            .filter(policy_advice::id.eq(id.to_string()))
            .select(AdviceRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("advice", id))?
            .try_into()
    }

    /// The advice recorded on a case, oldest first.
    pub fn advice_for_case(
        &mut self,
        scope: &AuthorityScope,
        case: &CaseId,
    ) -> Result<Vec<StoredAdvice>, StoreError> {
        policy_advice::table
            .filter(policy_advice::authority_id.eq(scope.authority().as_str()))
            .filter(policy_advice::case_id.eq(case.to_string()))
            .order((policy_advice::evaluated_at, policy_advice::id))
            .select(AdviceRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(StoredAdvice::try_from)
            .collect()
    }

    fn find_plugin(
        &mut self,
        scope: &AuthorityScope,
        sha: &PluginHash,
    ) -> Result<Option<StoredPlugin>, StoreError> {
        Self::scoped_plugin(scope, sha)
            .select(PluginRow::as_select())
            .first(self.conn)
            .optional()?
            .map(StoredPlugin::try_from)
            .transpose()
    }

    /// The one registry row for `sha` in the scope's authority.
    fn scoped_plugin<'a>(scope: &'a AuthorityScope, sha: &'a PluginHash) -> OnePlugin<'a> {
        policy_plugins::table
            .filter(policy_plugins::authority_id.eq(scope.authority().as_str()))
            .filter(policy_plugins::sha256.eq(sha.as_str()))
    }
}
