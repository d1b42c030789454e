//! Decisions recorded on a case, with their reasons and who made them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AgendaItemId, AuthorityId, CaseId, DecisionId, DomainError, UserId};

/// The kinds of decision a panel or officer makes; an authority routes each kind to one
/// panel in `authority.toml`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DecisionKind {
    /// Whether to carry out an EHC needs assessment (CFA s.36(8), Reg 5).
    Assess,
    /// Whether to issue an EHC plan after assessment (CFA s.37(1), Reg 10).
    Issue,
    /// Which placement or resource to name.
    Placement,
    /// Which funding band and top-up.
    Banding,
    /// Post-16 transition.
    Post16,
    /// The outcome of an annual review (maintain, amend, cease).
    AnnualReview,
}

/// What was decided.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DecisionOutcome {
    /// The proposal is agreed (assess, issue, fund, maintain...).
    Agreed,
    /// The proposal is refused; reasons must be given (CFA s.36(5)).
    Refused,
    /// Deferred for more information.
    Deferred,
}

/// What the authority decides after an annual review (SEND Regulations 2014 reg.
/// 20(10)): kept on the decision so reports and letters say which.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewDecision {
    /// Keep the plan as it is; the family may seek mediation and appeal (reg. 20(10)).
    Maintain,
    /// Amend the plan: the proposals are sent with the decision and the amended plan is
    /// due within 8 weeks (reg. 22(3)).
    Amend,
    /// Cease to maintain the plan (CFA s.45); the family may seek mediation and appeal.
    Cease,
}

/// Reasons for a decision: required, because a refusal must give reasons (CFA s.36(5))
/// and a panel departing from advice must say why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Reasons(String);

impl Reasons {
    /// Trims the text and refuses it if empty or holding control characters other than
    /// line breaks and tabs.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let value = super::text::free_text("reasons", value.trim())?;
        if value.is_empty() {
            return Err(DomainError::invalid(
                "reasons",
                "a decision must give its reasons (Children and Families Act 2014 s.36(5))",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The reasons as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A decision recorded on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Decision {
    /// The decision's id.
    pub id: DecisionId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The case.
    pub case_id: CaseId,
    /// The agenda item it closed, when a panel made it.
    pub agenda_item_id: Option<AgendaItemId>,
    /// What kind of decision.
    pub kind: DecisionKind,
    /// What was decided.
    pub outcome: DecisionOutcome,
    /// Why.
    pub reasons: Reasons,
    /// The named person who decided (the chair, or the officer with delegated power).
    pub decided_by: UserId,
    /// When.
    pub decided_at: DateTime<Utc>,
    /// For an annual review, which of maintain, amend or cease; `None` for the other
    /// kinds, whose outcome says it all.
    pub choice: Option<ReviewDecision>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_required() {
        let err = Reasons::parse("  \n").unwrap_err();
        assert_eq!(err.field(), "reasons");
        assert!(err.to_string().contains("s.36(5)"));
        assert_eq!(
            Reasons::parse(" Evidence shows ... ").unwrap().as_str(),
            "Evidence shows ..."
        );
    }
}
