//! Band and funding commitments on a plan: what the authority has agreed to pay for a
//! child's placement, from which day, and where the figures came from.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AdviceId, CaseId, CommitmentId, EducationSettingId, PlacementId, PluginHash, UserId};

/// One named part of a commitment besides place funding and top-up (Teachers' Pay and
/// Pensions, say), in pence a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FundingElement {
    /// The element as the tariff names it.
    pub name: String,
    /// Pence a year.
    pub yearly_pence: i64,
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
    /// The band's code, as the tariff gives it (`TOR-CP-AUT`).
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
