//! Band and funding commitments: the band a placement is funded at, confirmed from the
//! authority's plugin's banding advice or set against it with reasons, recorded from a
//! day. Changing a band is a new commitment from a later day, never an edit.
//!
//! The plugin advises; a named person decides (UK GDPR art. 22). A commitment records
//! which advice it followed, or that it departs from it and why, so a tribunal bundle
//! shows both.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::decision::PLACEMENT_DECIDERS;
use super::invalid;
pub use crate::domain::BandTerms;
use crate::domain::{
    AdviceId, Case, CaseId, CommitmentId, CommitmentSource, EducationSettingId, FundingCommitment,
    FundingElement, FundingModel, HoursTerms, Pence, PlacementId, StoredAdvice, UserId, text,
};
use crate::events::{self, CaseEvent};
use crate::policy::contract::{BandAdvice, PolicyError};
use crate::services::{Actor, Services};
use crate::store::{AuthorityScope, NewEvent, Tx};
use crate::workflow::WorkflowError;

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

/// A command's own parts, checked before anything of the case is read: the reasons as
/// free text, the band or the hours (not both), the other elements and the last day.
#[derive(Debug, Clone)]
pub(crate) struct CheckedFunding {
    /// Why, trimmed; `None` when blank.
    pub reasons: Option<String>,
    /// The band as the person set it, checked; `None` to confirm the advice (or to fund
    /// by the hour).
    pub band: Option<BandTerms>,
    /// The hours, checked, on the hours model.
    pub hours: Option<HoursTerms>,
    /// The other elements, each checked.
    pub other_elements: Vec<FundingElement>,
}

/// Checks `command`'s own fields, naming the field of the first one wrong.
pub(crate) fn check(command: &CommitFunding) -> Result<CheckedFunding, WorkflowError> {
    let reasons = command
        .reasons
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| text::free_text("reasons", r).map(str::to_owned))
        .transpose()?;
    let band = command.band.as_ref().map(checked_terms).transpose()?;
    let hours = command.hours.as_ref().map(checked_hours).transpose()?;
    if hours.is_some() && band.is_some() {
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
    Ok(CheckedFunding {
        reasons,
        band,
        hours,
        other_elements,
    })
}

/// The banding advice `id` on `case`, with the band it gave: refused, naming the
/// advice, unless it is banding advice the plugin gave on this case.
fn read_advice(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    id: AdviceId,
) -> Result<(BandAdvice, StoredAdvice), WorkflowError> {
    let stored = tx.advice_on_case(scope, case, id).map_err(|_| {
        invalid(
            "advice",
            "must be banding advice the plugin gave on this case",
        )
    })?;
    Ok((advised_band(&stored)?, stored))
}

/// The band and amounts the advice gave, as terms.
fn advised_terms(band: &BandAdvice) -> BandTerms {
    BandTerms {
        band_code: band.band_code.clone(),
        band_title: band.band_title.clone(),
        place_funding_pence: band.place_funding,
        top_up_pence: band.yearly_top_up,
    }
}

/// The band a commitment sets, weighed against the advice it names: the terms set (the
/// advice's as given when none are), and whether they depart from the advice. Terms
/// with no advice depart from it: there is none to follow.
fn weigh(
    advised: Option<&BandAdvice>,
    set: Option<BandTerms>,
) -> Result<(BandTerms, bool), WorkflowError> {
    match (advised, set) {
        (None, None) => Err(invalid(
            "band",
            "must be given when there is no banding advice to confirm",
        )),
        (Some(band), None) => Ok((advised_terms(band), false)),
        (Some(band), Some(terms)) => {
            let departs = terms.band_code != band.band_code
                || terms.place_funding_pence != band.place_funding
                || terms.top_up_pence != band.yearly_top_up;
            Ok((terms, departs))
        }
        (None, Some(terms)) => Ok((terms, true)),
    }
}

/// A proposal's band beside the plugin's advice, as the panel's papers show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Weighed {
    /// The band and amounts committed if the proposal is confirmed.
    pub band: BandTerms,
    /// The band the advice gave, when the proposal names advice.
    pub advised: Option<BandTerms>,
    /// The tariff rule the advice cited.
    pub tariff_rule: Option<String>,
    /// Whether the band departs from the advice (or there is none).
    pub departs: bool,
}

/// Weighs a band, hours or neither against the advice named on `case`, as
/// [`resolve`] does, without reading anything else of the case.
pub(crate) fn weigh_against_advice(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    advice: Option<AdviceId>,
    band: Option<&BandTerms>,
    hours: Option<&HoursTerms>,
) -> Result<Weighed, WorkflowError> {
    let advice = advice
        .map(|id| read_advice(tx, scope, case, id))
        .transpose()?;
    let set = band.cloned().or_else(|| hours.map(hours_as_band));
    let (band, departs) = weigh(advice.as_ref().map(|(band, _)| band), set)?;
    Ok(Weighed {
        band,
        advised: advice.as_ref().map(|(band, _)| advised_terms(band)),
        tariff_rule: advice.map(|(band, _)| band.rule),
        departs,
    })
}

/// A commitment decided on the case's state, not yet recorded.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    placement_id: PlacementId,
    setting_id: EducationSettingId,
    model: FundingModel,
    hours: Option<HoursTerms>,
    terms: BandTerms,
    other_elements: Vec<FundingElement>,
    source: CommitmentSource,
    reasons: Option<String>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
}

/// Decides `command` (its own parts `checked`) on `case`'s placements, advice and
/// commitments as read in the caller's transaction, which has taken the case; records
/// nothing. Refused when the case's plan names no setting yet, when its latest
/// commitment is not the one `command` expects (a conflict), and for a start, a
/// placement or advice that does not fit the case, or a band that departs from the
/// advice (or has none to follow) without reasons.
pub(crate) fn resolve(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    command: &CommitFunding,
    checked: &CheckedFunding,
) -> Result<Resolved, WorkflowError> {
    let latest = tx.commitments_of(scope, case.id)?.into_iter().next();
    super::refuse_unless_current(
        case,
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
    let placements = tx.placements_of(scope, case.id)?;
    let placement = placements
        .iter()
        .find(|p| p.id == command.placement)
        .ok_or_else(|| invalid("placement", "must be a placement recorded on this case"))?;
    if command.starts_on < placement.terms.starts_on {
        return Err(invalid(
            "starts_on",
            "must not be before the placement starts",
        ));
    }
    // Funding runs while its placement does: not from a day the case has moved on.
    if let Some(next) = placements
        .iter()
        .filter(|p| {
            p.terms.starts_on > placement.terms.starts_on && p.terms.starts_on <= command.starts_on
        })
        .map(|p| p.terms.starts_on)
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
        .map(|id| read_advice(tx, scope, case.id, id))
        .transpose()?;
    let set = checked
        .band
        .clone()
        .or_else(|| checked.hours.as_ref().map(hours_as_band));
    let (terms, departs) = weigh(advice.as_ref().map(|(band, _)| band), set)?;
    if departs && checked.reasons.is_none() {
        return Err(invalid(
            "reasons",
            if advice.is_some() {
                "must say why the band departs from the plugin's advice"
            } else {
                "must say how the band or hours were set, with no advice to confirm"
            },
        ));
    }
    Ok(Resolved {
        placement_id: placement.id,
        setting_id: placement.terms.setting_id,
        model: if checked.hours.is_some() {
            FundingModel::Hours
        } else {
            FundingModel::Bands
        },
        hours: checked.hours,
        terms,
        other_elements: checked.other_elements.clone(),
        source: CommitmentSource {
            advice_id: advice.as_ref().map(|(_, stored)| stored.id),
            plugin_sha256: advice
                .as_ref()
                .map(|(_, stored)| stored.plugin_sha256.clone()),
            tariff_rule: advice.as_ref().map(|(band, _)| band.rule.clone()),
            departs_from_advice: departs,
        },
        reasons: checked.reasons.clone(),
        starts_on: command.starts_on,
        ends_on: command.ends_on,
    })
}

/// Who commits, and when: an admin outside a sitting, or the chair at one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Committer {
    /// Who decided it.
    pub user: UserId,
    /// When it is recorded.
    pub at: DateTime<Utc>,
}

/// Records a resolved commitment on `case` with its `FundingCommitted` event, in the
/// caller's transaction (which has taken the case); the notifier writes the family's
/// letter and queues its e-mail in the same transaction.
pub(crate) fn record(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    resolved: Resolved,
    by: Committer,
) -> Result<FundingCommitment, WorkflowError> {
    let Resolved {
        placement_id,
        setting_id,
        model,
        hours,
        terms,
        other_elements,
        source,
        reasons,
        starts_on,
        ends_on,
    } = resolved;
    let commitment = FundingCommitment {
        id: CommitmentId::new(),
        case_id: case,
        placement_id,
        setting_id,
        model,
        hours,
        band_code: terms.band_code,
        band_title: terms.band_title,
        place_funding_pence: terms.place_funding_pence,
        top_up_pence: terms.top_up_pence,
        other_elements,
        source,
        reasons,
        starts_on,
        ends_on,
        decided_by: by.user,
        decided_at: by.at,
    };
    tx.insert_commitment(scope, &commitment)?;
    tx.append_event(
        scope,
        NewEvent {
            case_id: Some(case),
            fact: CaseEvent::FundingCommitted(events::FundingCommitted {
                commitment: commitment.id,
                placement: commitment.placement_id,
                band_code: commitment.band_code.clone(),
                place_funding_pence: commitment.place_funding_pence,
                top_up_pence: commitment.top_up_pence,
                departs_from_advice: commitment.source.departs_from_advice,
                starts_on: commitment.starts_on,
                model: commitment.model,
            }),
            actor: Some(by.user),
            occurred_at: by.at,
        },
    )?;
    Ok(commitment)
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
    let checked = check(command)?;
    let now = services.clock.now();
    crate::workflow::on_case(&services.db, &actor.scope, case, |tx, case| {
        let resolved = resolve(tx, &actor.scope, &case, command, &checked)?;
        record(
            tx,
            &actor.scope,
            case.id,
            resolved,
            Committer {
                user: actor.user,
                at: now,
            },
        )
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
