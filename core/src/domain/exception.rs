//! Exceptions to the statutory time limits (SEND Regulations 2014 reg. 5(4), 8(2),
//! 10(4) and 13(3)).
//!
//! Each of those paragraphs says the authority (or, for advice, the person asked) "need
//! not comply with the time limit ... if it is impractical to do so because" one of a
//! short list of reasons applies. An exception gives no fixed extension: the limit
//! simply stops applying and the duty falls back to "as soon as practicable". So a
//! claimed exception never moves a due date; it marks the limit disapplied and is kept
//! as an evidence-backed record (limb, evidence, dates, who claimed it, when the family
//! was told), from which SEN2's "20-week exceptions apply" is derived rather than
//! ticked by hand.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, DeadlineKind, ExceptionId, UserId};

/// The reason a time limit stops applying. Each limb exists only for the limits whose
/// regulation lists it; [`ExceptionLimb::applies_to`] says which.
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
pub enum ExceptionLimb {
    /// Advice was asked of a head teacher or principal in the window from one week
    /// before the school closed for a continuous period of at least 4 weeks to one week
    /// before it reopened (in practice, the summer holiday): reg. 5(4)(a), 10(4)(a).
    SchoolClosure,
    /// The same closure window for an early-years provider: reg. 10(4)(b).
    EarlyYearsClosure,
    /// Exceptional personal circumstances affect the child, the child's parent or the
    /// young person during the period: reg. 5(4)(b), 10(4)(c); for advice, reg. 8(2)(a)
    /// ("exceptional circumstances" affecting them).
    PersonalCircumstances,
    /// The child, parent or young person is absent from the authority's area for a
    /// continuous period of at least 4 weeks: reg. 5(4)(c), 8(2)(b), 10(4)(d).
    AbsenceFromArea,
    /// The child, parent or young person failed to keep an appointment for an
    /// examination or test: reg. 8(2)(c), for advice only.
    MissedAppointment,
}

impl ExceptionLimb {
    /// Every limb, in the order the regulations list them, for forms and reports.
    pub const ALL: [Self; 5] = [
        Self::SchoolClosure,
        Self::EarlyYearsClosure,
        Self::PersonalCircumstances,
        Self::AbsenceFromArea,
        Self::MissedAppointment,
    ];

    /// The provision that makes this limb an exception to `deadline`, or `None` when
    /// that limit has no such limb: reg. 5(4) lists school closure, personal
    /// circumstances and absence for the 6-week decision; reg. 8(2) personal
    /// circumstances, absence and a missed appointment for advice; reg. 10(4), which
    /// reg. 13(3) applies to the 20-week limit, both closures, personal circumstances
    /// and absence. Annual reviews, phase transfers and amendments have no exceptions.
    pub fn citation(self, deadline: DeadlineKind) -> Option<&'static str> {
        use DeadlineKind as D;
        Some(match (deadline, self) {
            (D::DecideWhetherToAssess, Self::SchoolClosure) => "SEND Regulations 2014 reg. 5(4)(a)",
            (D::DecideWhetherToAssess, Self::PersonalCircumstances) => {
                "SEND Regulations 2014 reg. 5(4)(b)"
            }
            (D::DecideWhetherToAssess, Self::AbsenceFromArea) => {
                "SEND Regulations 2014 reg. 5(4)(c)"
            }
            (D::AdviceDue, Self::PersonalCircumstances) => "SEND Regulations 2014 reg. 8(2)(a)",
            (D::AdviceDue, Self::AbsenceFromArea) => "SEND Regulations 2014 reg. 8(2)(b)",
            (D::AdviceDue, Self::MissedAppointment) => "SEND Regulations 2014 reg. 8(2)(c)",
            (D::DecideNotToIssue, Self::SchoolClosure) => "SEND Regulations 2014 reg. 10(4)(a)",
            (D::DecideNotToIssue, Self::EarlyYearsClosure) => "SEND Regulations 2014 reg. 10(4)(b)",
            (D::DecideNotToIssue, Self::PersonalCircumstances) => {
                "SEND Regulations 2014 reg. 10(4)(c)"
            }
            (D::DecideNotToIssue, Self::AbsenceFromArea) => "SEND Regulations 2014 reg. 10(4)(d)",
            (D::FinalPlan, Self::SchoolClosure) => {
                "SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(a)"
            }
            (D::FinalPlan, Self::EarlyYearsClosure) => {
                "SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(b)"
            }
            (D::FinalPlan, Self::PersonalCircumstances) => {
                "SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(c)"
            }
            (D::FinalPlan, Self::AbsenceFromArea) => {
                "SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(d)"
            }
            _ => return None,
        })
    }

    /// Whether the regulation behind `deadline` lists this limb at all (see
    /// [`ExceptionLimb::citation`]); a limb a regulation does not list cannot disapply
    /// that limit.
    pub fn applies_to(self, deadline: DeadlineKind) -> bool {
        self.citation(deadline).is_some()
    }
}

/// An exception claimed on one of a case's time limits. Append-only: a claim made in
/// error is answered by a later record, never by editing this one, because the family
/// was told of it and may challenge it.
#[derive(Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct DeadlineException {
    /// The record's id.
    pub id: ExceptionId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The case.
    pub case_id: CaseId,
    /// The limit disapplied.
    pub deadline_kind: DeadlineKind,
    /// The reason, as the regulation lists it.
    pub limb: ExceptionLimb,
    /// What shows the limb applies (a school's closure dates, a note of the family's
    /// absence, the missed appointment letter), so the claim can be checked later.
    pub evidence: String,
    /// The first day the circumstance applied.
    pub applies_from: NaiveDate,
    /// The last day it applied (inclusive), when known.
    pub applies_to: Option<NaiveDate>,
    /// Who claimed it: a user of the authority.
    pub claimed_by: UserId,
    /// When it was recorded.
    pub claimed_at: DateTime<Utc>,
    /// The day the family was told the limit no longer applies (Code of Practice para
    /// 9.43 expects them to be told).
    pub family_told_on: NaiveDate,
}

impl DeadlineException {
    /// The provision relied on, for letters and reports; `None` only for a pairing the
    /// regulations do not allow, which the store and the workflow never hold.
    pub fn citation(&self) -> Option<&'static str> {
        self.limb.citation(self.deadline_kind)
    }
}

/// The record as the API and views show it: the fields, plus the provision relied on,
/// so a reader need not look the limb up.
impl Serialize for DeadlineException {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            id: ExceptionId,
            authority_id: &'a AuthorityId,
            case_id: CaseId,
            deadline_kind: DeadlineKind,
            limb: ExceptionLimb,
            citation: Option<&'static str>,
            evidence: &'a str,
            applies_from: NaiveDate,
            applies_to: Option<NaiveDate>,
            claimed_by: UserId,
            claimed_at: DateTime<Utc>,
            family_told_on: NaiveDate,
        }
        Shown {
            id: self.id,
            authority_id: &self.authority_id,
            case_id: self.case_id,
            deadline_kind: self.deadline_kind,
            limb: self.limb,
            citation: self.citation(),
            evidence: &self.evidence,
            applies_from: self.applies_from,
            applies_to: self.applies_to,
            claimed_by: self.claimed_by,
            claimed_at: self.claimed_at,
            family_told_on: self.family_told_on,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regulations_list_these_limbs_and_no_others() {
        use DeadlineKind as D;
        let allowed = |kind| {
            ExceptionLimb::ALL
                .into_iter()
                .filter(|limb| limb.applies_to(kind))
                .collect::<Vec<_>>()
        };
        use ExceptionLimb as L;
        assert_eq!(
            allowed(D::DecideWhetherToAssess),
            [
                L::SchoolClosure,
                L::PersonalCircumstances,
                L::AbsenceFromArea
            ]
        );
        assert_eq!(
            allowed(D::AdviceDue),
            [
                L::PersonalCircumstances,
                L::AbsenceFromArea,
                L::MissedAppointment
            ]
        );
        let sixteen_and_twenty = [
            L::SchoolClosure,
            L::EarlyYearsClosure,
            L::PersonalCircumstances,
            L::AbsenceFromArea,
        ];
        assert_eq!(allowed(D::DecideNotToIssue), sixteen_and_twenty);
        assert_eq!(allowed(D::FinalPlan), sixteen_and_twenty);
        assert!(allowed(D::AnnualReview).is_empty());
        assert!(allowed(D::RepresentationsDue).is_empty());
        assert_eq!(
            L::PersonalCircumstances.citation(D::DecideNotToIssue),
            Some("SEND Regulations 2014 reg. 10(4)(c)")
        );
    }
}
