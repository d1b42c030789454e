//! Band and funding commitments, per case: append-only, read back for the case and,
//! across the authority, for the funding ledger; and the commitments proposed to a
//! panel with an agenda item, kept with the item.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::rows::{from_db_time, parse, to_db_time};
use super::schema::{funding_commitments, proposed_commitments};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    AgendaItemId, BandTerms, CaseId, CommitmentSource, FundingCommitment, FundingElement,
    HoursTerms, ProposedCommitment,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = funding_commitments)]
#[diesel(treat_none_as_default_value = false)]
struct CommitmentRow {
    id: String,
    authority_id: String,
    case_id: String,
    placement_id: String,
    setting_id: String,
    band_code: String,
    band_title: String,
    place_funding_pence: i64,
    top_up_pence: i64,
    other_elements_json: String,
    advice_id: Option<String>,
    plugin_sha256: Option<String>,
    tariff_rule: Option<String>,
    departs_from_advice: bool,
    reasons: Option<String>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    decided_by: String,
    decided_at: NaiveDateTime,
    model: String,
    hours_tenths_per_week: Option<i32>,
    hourly_rate_pence: Option<i64>,
    weeks_per_year: Option<i32>,
}

/// Other elements as stored, read back; `column` names the column for a damaged row.
fn stored_elements(column: &'static str, json: &str) -> Result<Vec<FundingElement>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        column,
        detail: e.to_string(),
    })
}

/// Other elements to store.
fn elements_json(column: &'static str, elements: &[FundingElement]) -> Result<String, StoreError> {
    serde_json::to_string(elements).map_err(|e| StoreError::Corrupt {
        column,
        detail: e.to_string(),
    })
}

/// Hours, rate and weeks, stored together or not at all, read back; `columns` names
/// the tenths and the weeks columns for a damaged row.
fn stored_hours(
    (tenths_column, weeks_column): (&'static str, &'static str),
    tenths: Option<i32>,
    rate: Option<i64>,
    weeks: Option<i32>,
) -> Result<Option<HoursTerms>, StoreError> {
    match (tenths, rate, weeks) {
        (None, None, None) => Ok(None),
        (Some(tenths), Some(rate), Some(weeks)) => Ok(Some(HoursTerms {
            tenths_per_week: u16::try_from(tenths).map_err(|e| StoreError::Corrupt {
                column: tenths_column,
                detail: e.to_string(),
            })?,
            hourly_rate_pence: rate,
            weeks_per_year: u8::try_from(weeks).map_err(|e| StoreError::Corrupt {
                column: weeks_column,
                detail: e.to_string(),
            })?,
        })),
        _ => Err(StoreError::Corrupt {
            column: tenths_column,
            detail: "hours, rate and weeks are recorded together or not at all".into(),
        }),
    }
}

impl TryFrom<CommitmentRow> for FundingCommitment {
    type Error = StoreError;
    fn try_from(row: CommitmentRow) -> Result<Self, StoreError> {
        let other_elements = stored_elements(
            "funding_commitments.other_elements_json",
            &row.other_elements_json,
        )?;
        let hours = stored_hours(
            (
                "funding_commitments.hours_tenths_per_week",
                "funding_commitments.weeks_per_year",
            ),
            row.hours_tenths_per_week,
            row.hourly_rate_pence,
            row.weeks_per_year,
        )?;
        Ok(Self {
            id: parse("funding_commitments.id", &row.id)?,
            model: parse("funding_commitments.model", &row.model)?,
            hours,
            case_id: parse("funding_commitments.case_id", &row.case_id)?,
            placement_id: parse("funding_commitments.placement_id", &row.placement_id)?,
            setting_id: parse("funding_commitments.setting_id", &row.setting_id)?,
            band_code: row.band_code,
            band_title: row.band_title,
            place_funding_pence: row.place_funding_pence,
            top_up_pence: row.top_up_pence,
            other_elements,
            source: CommitmentSource {
                advice_id: row
                    .advice_id
                    .as_deref()
                    .map(|id| parse("funding_commitments.advice_id", id))
                    .transpose()?,
                plugin_sha256: row
                    .plugin_sha256
                    .as_deref()
                    .map(|sha| parse("funding_commitments.plugin_sha256", sha))
                    .transpose()?,
                tariff_rule: row.tariff_rule,
                departs_from_advice: row.departs_from_advice,
            },
            reasons: row.reasons,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            decided_by: parse("funding_commitments.decided_by", &row.decided_by)?,
            decided_at: from_db_time(row.decided_at),
        })
    }
}

impl Tx<'_> {
    /// Records a commitment for a case of the scope's. The caller has taken the case
    /// ([`Tx::lock_case`]) and appends its `FundingCommitted` event with it.
    pub fn insert_commitment(
        &mut self,
        scope: &AuthorityScope,
        commitment: &FundingCommitment,
    ) -> Result<(), StoreError> {
        let other_elements_json = elements_json(
            "funding_commitments.other_elements_json",
            &commitment.other_elements,
        )?;
        diesel::insert_into(funding_commitments::table)
            .values(CommitmentRow {
                id: commitment.id.to_string(),
                authority_id: scope.authority().to_string(),
                case_id: commitment.case_id.to_string(),
                placement_id: commitment.placement_id.to_string(),
                setting_id: commitment.setting_id.to_string(),
                band_code: commitment.band_code.clone(),
                band_title: commitment.band_title.clone(),
                place_funding_pence: commitment.place_funding_pence,
                top_up_pence: commitment.top_up_pence,
                other_elements_json,
                advice_id: commitment.source.advice_id.map(|id| id.to_string()),
                plugin_sha256: commitment
                    .source
                    .plugin_sha256
                    .as_ref()
                    .map(ToString::to_string),
                tariff_rule: commitment.source.tariff_rule.clone(),
                departs_from_advice: commitment.source.departs_from_advice,
                reasons: commitment.reasons.clone(),
                starts_on: commitment.starts_on,
                ends_on: commitment.ends_on,
                decided_by: commitment.decided_by.to_string(),
                decided_at: to_db_time(commitment.decided_at),
                model: commitment.model.to_string(),
                hours_tenths_per_week: commitment.hours.map(|h| i32::from(h.tenths_per_week)),
                hourly_rate_pence: commitment.hours.map(|h| h.hourly_rate_pence),
                weeks_per_year: commitment.hours.map(|h| i32::from(h.weeks_per_year)),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A case's commitments, the latest decided first.
    pub fn commitments_of(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<FundingCommitment>, StoreError> {
        funding_commitments::table
            .filter(funding_commitments::authority_id.eq(scope.authority().as_str()))
            .filter(funding_commitments::case_id.eq(case.to_string()))
            .order((
                funding_commitments::decided_at.desc(),
                funding_commitments::id.desc(),
            ))
            .select(CommitmentRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(FundingCommitment::try_from)
            .collect()
    }

    /// Every commitment of the scope's that starts on or before `until`: what a
    /// ledger up to that day may need (one that ended before the year is dropped by
    /// the ledger, which must see a case's later commitments to know where an earlier
    /// one ends).
    pub fn commitments_starting_by(
        &mut self,
        scope: &AuthorityScope,
        until: NaiveDate,
    ) -> Result<Vec<FundingCommitment>, StoreError> {
        funding_commitments::table
            .filter(funding_commitments::authority_id.eq(scope.authority().as_str()))
            .filter(funding_commitments::starts_on.le(until))
            .order((
                funding_commitments::case_id,
                funding_commitments::starts_on,
                funding_commitments::decided_at,
            ))
            .select(CommitmentRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(FundingCommitment::try_from)
            .collect()
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = proposed_commitments)]
#[diesel(treat_none_as_default_value = false)]
struct ProposedCommitmentRow {
    agenda_item_id: String,
    authority_id: String,
    case_id: String,
    placement_id: String,
    advice_id: Option<String>,
    band_code: Option<String>,
    band_title: Option<String>,
    place_funding_pence: Option<i64>,
    top_up_pence: Option<i64>,
    hours_tenths_per_week: Option<i32>,
    hourly_rate_pence: Option<i64>,
    weeks_per_year: Option<i32>,
    other_elements_json: String,
    reasons: Option<String>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    expected_latest: Option<String>,
}

impl TryFrom<ProposedCommitmentRow> for ProposedCommitment {
    type Error = StoreError;
    fn try_from(row: ProposedCommitmentRow) -> Result<Self, StoreError> {
        let band = match (
            row.band_code,
            row.band_title,
            row.place_funding_pence,
            row.top_up_pence,
        ) {
            (None, None, None, None) => None,
            (Some(band_code), Some(band_title), Some(place_funding_pence), Some(top_up_pence)) => {
                Some(BandTerms {
                    band_code,
                    band_title,
                    place_funding_pence,
                    top_up_pence,
                })
            }
            _ => {
                return Err(StoreError::Corrupt {
                    column: "proposed_commitments.band_code",
                    detail: "a band's code, title and amounts are recorded together or not at all"
                        .into(),
                });
            }
        };
        Ok(Self {
            agenda_item_id: parse("proposed_commitments.agenda_item_id", &row.agenda_item_id)?,
            case_id: parse("proposed_commitments.case_id", &row.case_id)?,
            placement_id: parse("proposed_commitments.placement_id", &row.placement_id)?,
            advice_id: row
                .advice_id
                .as_deref()
                .map(|id| parse("proposed_commitments.advice_id", id))
                .transpose()?,
            band,
            hours: stored_hours(
                (
                    "proposed_commitments.hours_tenths_per_week",
                    "proposed_commitments.weeks_per_year",
                ),
                row.hours_tenths_per_week,
                row.hourly_rate_pence,
                row.weeks_per_year,
            )?,
            other_elements: stored_elements(
                "proposed_commitments.other_elements_json",
                &row.other_elements_json,
            )?,
            reasons: row.reasons,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            expected_latest: row
                .expected_latest
                .as_deref()
                .map(|id| parse("proposed_commitments.expected_latest", id))
                .transpose()?,
        })
    }
}

impl Tx<'_> {
    /// Keeps the funding commitment proposed with an agenda item of the scope's. The
    /// caller has taken the case and inserted the item in this transaction.
    pub fn insert_proposed_commitment(
        &mut self,
        scope: &AuthorityScope,
        proposed: &ProposedCommitment,
    ) -> Result<(), StoreError> {
        let band = proposed.band.as_ref();
        diesel::insert_into(proposed_commitments::table)
            .values(ProposedCommitmentRow {
                agenda_item_id: proposed.agenda_item_id.to_string(),
                authority_id: scope.authority().to_string(),
                case_id: proposed.case_id.to_string(),
                placement_id: proposed.placement_id.to_string(),
                advice_id: proposed.advice_id.map(|id| id.to_string()),
                band_code: band.map(|b| b.band_code.clone()),
                band_title: band.map(|b| b.band_title.clone()),
                place_funding_pence: band.map(|b| b.place_funding_pence),
                top_up_pence: band.map(|b| b.top_up_pence),
                hours_tenths_per_week: proposed.hours.map(|h| i32::from(h.tenths_per_week)),
                hourly_rate_pence: proposed.hours.map(|h| h.hourly_rate_pence),
                weeks_per_year: proposed.hours.map(|h| i32::from(h.weeks_per_year)),
                other_elements_json: elements_json(
                    "proposed_commitments.other_elements_json",
                    &proposed.other_elements,
                )?,
                reasons: proposed.reasons.clone(),
                starts_on: proposed.starts_on,
                ends_on: proposed.ends_on,
                expected_latest: proposed.expected_latest.map(|id| id.to_string()),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The funding commitment proposed with this agenda item of the scope's, if one
    /// was.
    pub fn proposed_commitment(
        &mut self,
        scope: &AuthorityScope,
        item: AgendaItemId,
    ) -> Result<Option<ProposedCommitment>, StoreError> {
        proposed_commitments::table
            .filter(proposed_commitments::authority_id.eq(scope.authority().as_str()))
            .filter(proposed_commitments::agenda_item_id.eq(item.to_string()))
            .select(ProposedCommitmentRow::as_select())
            .first(self.conn)
            .optional()?
            .map(ProposedCommitment::try_from)
            .transpose()
    }
}
