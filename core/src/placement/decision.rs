//! A placement decided outside a sitting, by an admin with reasons: the setting the
//! plan names (from the register), from when, the family's preference, and each
//! service's share of the cost. Decided on the case's state read in the transaction
//! that records it; a placement recorded meanwhile by someone else refuses it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::domain::{
    CaseId, EducationSetting, IndependentJustification, Placement, PlacementId, PlacementTerms,
    ProviderKind, UserId, UserRole, text,
};
use crate::events::{self, CaseEvent};
use crate::services::{Actor, Services};
use crate::store::{AuthorityScope, NewEvent, Tx};
use crate::workflow::WorkflowError;

use super::invalid;

/// Who may decide a placement outside a sitting.
pub const PLACEMENT_DECIDERS: [UserRole; 1] = [UserRole::Admin];

/// A placement as decided.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct DecidePlacement {
    /// The setting, from the authority's register.
    #[schema(value_type = String)]
    pub setting: crate::domain::EducationSettingId,
    /// The first day of the placement.
    pub starts_on: NaiveDate,
    /// What the family asked for, as they put it.
    pub parental_preference: Option<String>,
    /// Whether the family asked for a mainstream place.
    #[serde(default)]
    pub mainstream_requested: bool,
    /// Why this setting.
    pub reasons: String,
    /// Required for an independent setting: why one.
    pub independent_justification: Option<IndependentJustification>,
    /// Education's share of the yearly cost, in pence.
    pub education_pence: i64,
    /// Health's share, in pence (0 when none).
    #[serde(default)]
    pub health_pence: i64,
    /// Social care's share, in pence (0 when none).
    #[serde(default)]
    pub social_care_pence: i64,
    /// The placement the person saw as the case's latest (`None` for none): if
    /// another has been recorded since, this one is refused as a conflict.
    #[schema(value_type = Option<String>)]
    pub expected_latest: Option<PlacementId>,
}

/// The parts of a placement checked before anything is read: the reasons and the
/// family's preference as free text, and no share negative.
pub(crate) struct CheckedPlacement {
    /// Why this setting, trimmed.
    pub reasons: String,
    /// The family's preference, trimmed; `None` when blank.
    pub preference: Option<String>,
}

/// Checks `command`'s own fields, naming the field of the first one wrong.
pub(crate) fn check(command: &DecidePlacement) -> Result<CheckedPlacement, WorkflowError> {
    let reasons = text::free_text("reasons", command.reasons.trim())?;
    if reasons.is_empty() {
        return Err(invalid("reasons", "must say why this setting"));
    }
    let preference = command
        .parental_preference
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| text::free_text("parental_preference", p).map(str::to_owned))
        .transpose()?;
    for (field, pence) in [
        ("education_pence", command.education_pence),
        ("health_pence", command.health_pence),
        ("social_care_pence", command.social_care_pence),
    ] {
        if pence < 0 {
            return Err(invalid(field, "must not be negative"));
        }
    }
    Ok(CheckedPlacement {
        reasons: reasons.to_owned(),
        preference,
    })
}

/// The setting `command` names, from the scope's register, read in the caller's
/// transaction: refused when it is not in the register, or is independent and the
/// command does not say why (Leicestershire's policy: needs cannot be met elsewhere,
/// or a Tribunal-backed preference).
pub(crate) fn registered_setting(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    command: &DecidePlacement,
) -> Result<EducationSetting, WorkflowError> {
    let setting = tx
        .get_education_setting(scope, command.setting)
        .map_err(|_| invalid("setting", "must be a setting in the authority's register"))?;
    if setting.kind == ProviderKind::Independent && command.independent_justification.is_none() {
        return Err(invalid(
            "independent_justification",
            "must say why an independent setting: needs_cannot_be_met_elsewhere or tribunal_backed_preference",
        ));
    }
    Ok(setting)
}

/// The terms `command` puts, with the family's preference and the reasons as checked:
/// one reading of a command, for a placement decided and for one put to a panel alike.
pub(crate) fn terms(
    command: &DecidePlacement,
    preference: Option<String>,
    reasons: String,
) -> PlacementTerms {
    PlacementTerms {
        setting_id: command.setting,
        starts_on: command.starts_on,
        parental_preference: preference,
        mainstream_requested: command.mainstream_requested,
        reasons,
        independent_justification: command.independent_justification,
        education_pence: command.education_pence,
        health_pence: command.health_pence,
        social_care_pence: command.social_care_pence,
    }
}

/// Who decides a placement and why, as it is recorded.
pub(crate) struct Decider {
    /// The admin outside a sitting, or the chair at one.
    pub user: UserId,
    /// The reasons recorded on the placement.
    pub reasons: String,
    /// When it is recorded.
    pub at: DateTime<Utc>,
}

/// Records the placement `command` describes at `setting` on `case`, with its
/// `PlacementDecided` event, in the caller's transaction (which has taken the case).
pub(crate) fn record(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    setting: &EducationSetting,
    command: &DecidePlacement,
    preference: Option<String>,
    decider: Decider,
) -> Result<Placement, WorkflowError> {
    let placement = Placement {
        id: PlacementId::new(),
        case_id: case,
        terms: terms(command, preference, decider.reasons),
        decided_by: decider.user,
        decided_at: decider.at,
    };
    tx.insert_placement(scope, &placement)?;
    tx.append_event(
        scope,
        NewEvent {
            case_id: Some(case),
            fact: CaseEvent::PlacementDecided(events::PlacementDecided {
                placement: placement.id,
                setting: setting.id,
                kind: setting.kind,
                out_of_area: !setting.in_area,
                starts_on: placement.terms.starts_on,
                joint_funded: placement.terms.health_pence > 0
                    || placement.terms.social_care_pence > 0,
                independent_justification: placement.terms.independent_justification,
                reasons: placement.terms.reasons.clone(),
            }),
            actor: Some(decider.user),
            occurred_at: decider.at,
        },
    )?;
    Ok(placement)
}

/// Records a placement on `case` for `actor`, with a `PlacementDecided` event, in one
/// transaction that takes the case first.
pub fn decide_placement(
    services: &Services,
    actor: &Actor,
    case: CaseId,
    command: &DecidePlacement,
) -> Result<Placement, WorkflowError> {
    if !PLACEMENT_DECIDERS.contains(&actor.role) {
        return Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "decide a placement outside a sitting",
        });
    }
    let checked = check(command)?;
    let now = services.clock.now();
    crate::workflow::on_case(&services.db, &actor.scope, case, |tx, case| {
        let latest = tx
            .placements_of(&actor.scope, case.id)?
            .first()
            .map(|p| p.id);
        super::refuse_unless_current(
            &case,
            "decide a placement",
            "placement",
            latest,
            command.expected_latest,
        )?;
        let setting = registered_setting(tx, &actor.scope, command)?;
        record(
            tx,
            &actor.scope,
            case.id,
            &setting,
            command,
            checked.preference.clone(),
            Decider {
                user: actor.user,
                reasons: checked.reasons.clone(),
                at: now,
            },
        )
    })
}

/// A case's placements, the latest first: for anyone who may open cases.
pub fn placements_for(
    services: &Services,
    actor: &Actor,
    case: CaseId,
) -> Result<Vec<Placement>, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    Ok(services
        .db
        .read(|tx| tx.placements_of(&actor.scope, case))?)
}
