//! Band and funding commitments on a plan: what the authority has agreed to pay for a
//! child's placement, from which day, and where the figures came from.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AdviceId, AgendaItemId, CaseId, CommitmentId, EducationSettingId, PlacementId, PluginHash,
    UserId,
};

/// A band as a person sets it, when it is not the advice's as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BandTerms {
    /// The band's code, as the tariff gives it.
    pub band_code: String,
    /// The band's title.
    pub band_title: String,
    /// Place funding, pence a year.
    pub place_funding_pence: i64,
    /// Top-up, pence a year.
    pub top_up_pence: i64,
}

/// One named part of a commitment besides place funding and top-up (Teachers' Pay and
/// Pensions, say), in pence a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FundingElement {
    /// The element as the tariff names it.
    pub name: String,
    /// Pence a year.
    pub yearly_pence: i64,
}

/// The funding model a commitment is on. An authority may run two at once while it
/// moves from one to the other (Leicestershire's change from hours-based mainstream
/// funding to bands, `leicestershire.md`): each case is on one model at a time, and a
/// change-over is a new commitment on the other model from a later day.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FundingModel {
    /// A band from the authority's tariff: place funding and a top-up a year.
    #[default]
    Bands,
    /// Support funded by the hour: hours a week, at a rate, for so many weeks a year.
    Hours,
}

/// Hours-based funding as a person sets it: the hours a week of additional support, the
/// rate an hour and the weeks a year it is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HoursTerms {
    /// Hours a week, in tenths of an hour (`125` is 12.5 hours).
    pub tenths_per_week: u16,
    /// The rate an hour, in pence.
    pub hourly_rate_pence: i64,
    /// Weeks a year paid (a school year is 39).
    pub weeks_per_year: u8,
}

impl HoursTerms {
    /// The top-up these hours come to a year, in pence (rounded down to the penny).
    pub fn yearly_pence(&self) -> i64 {
        i64::from(self.tenths_per_week) * self.hourly_rate_pence * i64::from(self.weeks_per_year)
            / 10
    }
}

/// A band and its funding, committed on a plan from `starts_on`. Recorded once, never
/// edited: a change of band is a new commitment from a later day, and the funding
/// ledger reads each commitment as running until the case's next one begins (or its
/// own `ends_on`, for a placement agreed for a fixed time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FundingCommitment {
    /// Its id.
    pub id: CommitmentId,
    /// The case.
    pub case_id: CaseId,
    /// The placement the funding is for.
    pub placement_id: PlacementId,
    /// The setting (the placement's, kept here so the ledger reads one table).
    pub setting_id: EducationSettingId,
    /// The model it is on.
    pub model: FundingModel,
    /// On the hours model: the hours, rate and weeks the top-up is worked from.
    pub hours: Option<HoursTerms>,
    /// The band's code, as the tariff gives it (`TOR-CP-AUT`); `HOURS` on the hours
    /// model.
    pub band_code: String,
    /// The band's title.
    pub band_title: String,
    /// Place funding, pence a year.
    pub place_funding_pence: i64,
    /// Top-up, pence a year.
    pub top_up_pence: i64,
    /// Other elements, pence a year each.
    pub other_elements: Vec<FundingElement>,
    /// Where the band came from: the plugin's advice, and whether the decision departs
    /// from it.
    pub source: CommitmentSource,
    /// Why, in the decider's words: required when there was no advice or the decision
    /// departs from it.
    pub reasons: Option<String>,
    /// The first day funded.
    pub starts_on: NaiveDate,
    /// The last day funded, for a placement agreed for a fixed time.
    pub ends_on: Option<NaiveDate>,
    /// Who decided it.
    pub decided_by: UserId,
    /// When.
    pub decided_at: DateTime<Utc>,
}

impl FundingCommitment {
    /// Place funding, top-up and every other element: pence a year.
    pub fn yearly_total_pence(&self) -> i64 {
        self.place_funding_pence
            + self.top_up_pence
            + self
                .other_elements
                .iter()
                .map(|e| e.yearly_pence)
                .sum::<i64>()
    }
}

/// Where a commitment's band came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommitmentSource {
    /// The banding advice it confirms or departs from; `None` when there was none.
    #[schema(value_type = Option<String>)]
    pub advice_id: Option<AdviceId>,
    /// The plugin that gave that advice.
    #[schema(value_type = Option<String>)]
    pub plugin_sha256: Option<PluginHash>,
    /// The tariff rule the advice cited.
    pub tariff_rule: Option<String>,
    /// Whether the band, its place funding or its top-up differs from the advice (or
    /// there was none). Other elements are entered by the person and not compared: a
    /// 1.x band advice gives them only for the period asked (see PENDING_CHANGES.md).
    pub departs_from_advice: bool,
}

/// A funding commitment an officer puts to the panel that decides banding with an
/// agenda item: what the members read in the papers beside the plugin's band advice,
/// and what is committed if the chair confirms it. The same parts as a commitment made
/// outside a sitting, checked when the item was added. Kept with the item, never
/// edited: a different proposal is a new item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProposedCommitment {
    /// The agenda item it was put with.
    pub agenda_item_id: AgendaItemId,
    /// The case.
    pub case_id: CaseId,
    /// The placement funded: one recorded on the case.
    pub placement_id: PlacementId,
    /// The banding advice the proposal confirms or departs from; `None` when there is
    /// none.
    #[schema(value_type = Option<String>)]
    pub advice_id: Option<AdviceId>,
    /// The band and amounts proposed; `None` confirms the advice's as given (or, with
    /// `hours`, funds by the hour).
    pub band: Option<BandTerms>,
    /// On the hours model: the hours, rate and weeks the top-up is worked from.
    pub hours: Option<HoursTerms>,
    /// Other elements, pence a year each.
    pub other_elements: Vec<FundingElement>,
    /// The officer's reasons: given when the band departs from the advice or there is
    /// none.
    pub reasons: Option<String>,
    /// The first day funded.
    pub starts_on: NaiveDate,
    /// The last day funded, for a placement agreed for a fixed time.
    pub ends_on: Option<NaiveDate>,
    /// The case's latest commitment when it was proposed: if another is recorded
    /// before the panel decides, the panel decided on a stale view and confirming is
    /// refused.
    #[schema(value_type = Option<String>)]
    pub expected_latest: Option<CommitmentId>,
}
