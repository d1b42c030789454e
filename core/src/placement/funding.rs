//! Band and funding commitments: the band a placement is funded at, confirmed from the
//! authority's plugin's banding advice or set against it with reasons, recorded from a
//! day. Changing a band is a new commitment from a later day, never an edit.
//!
//! The plugin advises; a named person decides (UK GDPR art. 22). A commitment records
//! which advice it followed, or that it departs from it and why, so a tribunal bundle
//! shows both.

use chrono::NaiveDate;
use serde::Deserialize;

use super::decision::PLACEMENT_DECIDERS;
use super::invalid;
use crate::domain::{
    AdviceId, CaseId, CommitmentId, CommitmentSource, FundingCommitment, FundingElement,
    FundingModel, HoursTerms, Pence, PlacementId, StoredAdvice, text,
};
use crate::events::{self, CaseEvent};
use crate::policy::contract::{BandAdvice, PolicyError};
use crate::services::{Actor, Services};
use crate::store::NewEvent;
use crate::workflow::WorkflowError;

/// A band as a person sets it, when it is not the advice's as given.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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

/// A commitment as decided.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct CommitFunding {
    /// The placement funded: one recorded on this case.
    #[schema(value_type = String)]
    pub placement: PlacementId,
    /// The banding advice on this case the decision confirms or departs from; `None`
    /// when there is none.
    #[schema(value_type = Option<String>)]
    pub advice: Option<AdviceId>,
    /// The band and amounts; `None` confirms the advice's band and amounts as given.
    pub band: Option<BandTerms>,
    /// On the hours model instead of a band: the hours, rate and weeks the top-up is
    /// worked from. Given with neither a band nor advice (a plugin's advice sets a
    /// band), and with reasons.
    #[serde(default)]
    pub hours: Option<HoursTerms>,
    /// Other elements, pence a year each (Teachers' Pay and Pensions, say).
    #[serde(default)]
    pub other_elements: Vec<FundingElement>,
    /// Why: required when the band departs from the advice or there was none.
    pub reasons: Option<String>,
    /// The first day funded.
    pub starts_on: NaiveDate,
    /// The last day funded, for a placement agreed for a fixed time.
    pub ends_on: Option<NaiveDate>,
    /// The commitment the person saw as the case's latest (`None` for none): if
    /// another has been recorded since, this one is refused as a conflict.
    #[schema(value_type = Option<String>)]
    pub expected_latest: Option<CommitmentId>,
}

/// The band the advice gave, read from its stored answer: only banding advice the
/// plugin actually gave (not a refusal or an outage) can be confirmed.
fn advised_band(advice: &StoredAdvice) -> Result<BandAdvice, WorkflowError> {
    let not_banding = || {
        invalid(
            "advice",
            "must be banding advice the plugin gave on this case",
        )
    };
    let banding = matches!(advice.call.as_str(), "banding" | "costed-banding");
    if !banding || advice.outcome != "advice" {
        return Err(not_banding());
    }
    let json = advice.output_json.as_deref().ok_or_else(not_banding)?;
    match serde_json::from_str::<Result<BandAdvice, PolicyError>>(json) {
        Ok(Ok(band)) => Ok(band),
        _ => Err(not_banding()),
    }
}

/// Checks one element and trims its name.
fn element(index: usize, given: &FundingElement) -> Result<FundingElement, WorkflowError> {
    let name = given.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid(
            "other_elements",
            format!(
                "element {}: a name of 1 to 200 characters is required",
                index + 1
            ),
        ));
    }
    if given.yearly_pence < 0 {
        return Err(invalid(
            "other_elements",
            format!("element {}: pence a year must not be negative", index + 1),
        ));
    }
    Ok(FundingElement {
        name: text::free_text("other_elements", name)?.to_owned(),
        yearly_pence: given.yearly_pence,
    })
}

/// The band as set, checked.
fn checked_terms(terms: &BandTerms) -> Result<BandTerms, WorkflowError> {
    let code = terms.band_code.trim();
    if code.is_empty() || code.chars().count() > 100 {
        return Err(invalid(
            "band_code",
            "a code of 1 to 100 characters is required",
        ));
    }
    let title = terms.band_title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(invalid(
            "band_title",
            "a title of 1 to 200 characters is required",
        ));
    }
    for (field, pence) in [
        ("place_funding_pence", terms.place_funding_pence),
        ("top_up_pence", terms.top_up_pence),
    ] {
        if pence < 0 {
            return Err(invalid(field, "must not be negative"));
        }
    }
    Ok(BandTerms {
        band_code: text::free_text("band_code", code)?.to_owned(),
        band_title: text::free_text("band_title", title)?.to_owned(),
        ..terms.clone()
    })
}

/// Hours as set, checked: 0.1 to 40 hours a week, a rate above nothing, 1 to 52 weeks.
fn checked_hours(hours: &HoursTerms) -> Result<HoursTerms, WorkflowError> {
    if !(1..=400).contains(&hours.tenths_per_week) {
        return Err(invalid(
            "tenths_per_week",
            "must be 1 to 400 (0.1 to 40 hours a week)",
        ));
    }
    if hours.hourly_rate_pence <= 0 {
        return Err(invalid("hourly_rate_pence", "must be more than nothing"));
    }
    if !(1..=52).contains(&hours.weeks_per_year) {
        return Err(invalid("weeks_per_year", "must be 1 to 52"));
    }
    Ok(*hours)
}

/// The band line an hours commitment shows where a band would be: no place funding,
/// and the hours' yearly sum as the top-up.
fn hours_as_band(hours: &HoursTerms) -> BandTerms {
    BandTerms {
        band_code: "HOURS".into(),
        band_title: format!(
            "{}.{} hours a week for {} weeks at {} an hour",
            hours.tenths_per_week / 10,
            hours.tenths_per_week % 10,
            hours.weeks_per_year,
            Pence::new(hours.hourly_rate_pence)
        ),
        place_funding_pence: 0,
        top_up_pence: hours.yearly_pence(),
    }
}

/// Records a band and funding commitment on `case` for `actor`, with a
/// `FundingCommitted` event, in one transaction that takes the case first. Decided on
/// the case's placements, advice and commitments as read in that transaction.
pub fn commit_funding(
    services: &Services,
    actor: &Actor,
    case: CaseId,
    command: &CommitFunding,
) -> Result<FundingCommitment, WorkflowError> {
    if !PLACEMENT_DECIDERS.contains(&actor.role) {
        return Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "commit funding outside a sitting",
        });
    }
    let reasons = command
        .reasons
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| text::free_text("reasons", r).map(str::to_owned))
        .transpose()?;
    let terms = command.band.as_ref().map(checked_terms).transpose()?;
    let hours = command.hours.as_ref().map(checked_hours).transpose()?;
    if hours.is_some() && terms.is_some() {
        return Err(invalid(
            "hours",
            "give hours or a band, not both: a commitment is on one funding model",
        ));
    }
    if hours.is_some() && command.advice.is_some() {
        return Err(invalid(
            "advice",
            "a plugin's banding advice sets a band; a commitment by the hour confirms none",
        ));
    }
    let terms = terms.or_else(|| hours.as_ref().map(hours_as_band));
    let other_elements = command
        .other_elements
        .iter()
        .enumerate()
        .map(|(i, e)| element(i, e))
        .collect::<Result<Vec<_>, _>>()?;
    if command.ends_on.is_some_and(|end| end < command.starts_on) {
        return Err(invalid(
            "ends_on",
            "must not be before the first day funded",
        ));
    }
    let now = services.clock.now();
    crate::workflow::on_case(&services.db, &actor.scope, case, |tx, case| {
        let latest = tx.commitments_of(&actor.scope, case.id)?.into_iter().next();
        super::refuse_unless_current(
            &case,
            "commit funding",
            "funding commitment",
            latest.as_ref().map(|c| c.id),
            command.expected_latest,
        )?;
        // The ledger runs each commitment until the case's next one starts: one
        // back-dated before the latest would be cut short by it and then overtaken.
        if let Some(latest) = &latest
            && command.starts_on < latest.starts_on
        {
            return Err(invalid(
                "starts_on",
                format!(
                    "must not be before the latest commitment's first day ({}): a change of band runs from a later day",
                    latest.starts_on
                ),
            ));
        }
        let placements = tx.placements_of(&actor.scope, case.id)?;
        let placement = placements
            .iter()
            .find(|p| p.id == command.placement)
            .cloned()
            .ok_or_else(|| invalid("placement", "must be a placement recorded on this case"))?;
        if command.starts_on < placement.starts_on {
            return Err(invalid(
                "starts_on",
                "must not be before the placement starts",
            ));
        }
        // Funding runs while its placement does: not from a day the case has moved on.
        if let Some(next) = placements
            .iter()
            .filter(|p| p.starts_on > placement.starts_on && p.starts_on <= command.starts_on)
            .map(|p| p.starts_on)
            .min()
        {
            return Err(invalid(
                "starts_on",
                format!(
                    "must fall while the placement runs: the case's next placement starts on {next}"
                ),
            ));
        }
        let advice = command
            .advice
            .map(|id| {
                let stored = tx.advice_on_case(&actor.scope, case.id, id).map_err(|_| {
                    invalid(
                        "advice",
                        "must be banding advice the plugin gave on this case",
                    )
                })?;
                Ok::<_, WorkflowError>((advised_band(&stored)?, stored))
            })
            .transpose()?;
        let (terms, departs) = match (&advice, terms) {
            (None, None) => {
                return Err(invalid(
                    "band",
                    "must be given when there is no banding advice to confirm",
                ));
            }
            (Some((band, _)), None) => (
                BandTerms {
                    band_code: band.band_code.clone(),
                    band_title: band.band_title.clone(),
                    place_funding_pence: band.place_funding,
                    top_up_pence: band.yearly_top_up,
                },
                false,
            ),
            (Some((band, _)), Some(terms)) => {
                let departs = terms.band_code != band.band_code
                    || terms.place_funding_pence != band.place_funding
                    || terms.top_up_pence != band.yearly_top_up;
                (terms, departs)
            }
            (None, Some(terms)) => (terms, true),
        };
        if departs && reasons.is_none() {
            return Err(invalid(
                "reasons",
                if advice.is_some() {
                    "must say why the band departs from the plugin's advice"
                } else {
                    "must say how the band or hours were set, with no advice to confirm"
                },
            ));
        }
        let commitment = FundingCommitment {
            id: CommitmentId::new(),
            case_id: case.id,
            placement_id: placement.id,
            setting_id: placement.setting_id,
            model: if hours.is_some() {
                FundingModel::Hours
            } else {
                FundingModel::Bands
            },
            hours,
            band_code: terms.band_code,
            band_title: terms.band_title,
            place_funding_pence: terms.place_funding_pence,
            top_up_pence: terms.top_up_pence,
            other_elements: other_elements.clone(),
            source: CommitmentSource {
                advice_id: advice.as_ref().map(|(_, stored)| stored.id),
                plugin_sha256: advice
                    .as_ref()
                    .map(|(_, stored)| stored.plugin_sha256.clone()),
                tariff_rule: advice.as_ref().map(|(band, _)| band.rule.clone()),
                departs_from_advice: departs,
            },
            reasons: reasons.clone(),
            starts_on: command.starts_on,
            ends_on: command.ends_on,
            decided_by: actor.user,
            decided_at: now,
        };
        tx.insert_commitment(&actor.scope, &commitment)?;
        tx.append_event(
            &actor.scope,
            NewEvent {
                case_id: Some(case.id),
                fact: CaseEvent::FundingCommitted(events::FundingCommitted {
                    commitment: commitment.id,
                    placement: placement.id,
                    band_code: commitment.band_code.clone(),
                    place_funding_pence: commitment.place_funding_pence,
                    top_up_pence: commitment.top_up_pence,
                    departs_from_advice: departs,
                    starts_on: commitment.starts_on,
                    model: commitment.model,
                }),
                actor: Some(actor.user),
                occurred_at: now,
            },
        )?;
        Ok(commitment)
    })
}

/// A case's commitments, the latest first: for anyone who may open cases.
pub fn commitments_for(
    services: &Services,
    actor: &Actor,
    case: CaseId,
) -> Result<Vec<FundingCommitment>, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    Ok(services
        .db
        .read(|tx| tx.commitments_of(&actor.scope, case))?)
}
