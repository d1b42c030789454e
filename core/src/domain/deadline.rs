//! Deadlines on a case and the statutory rule behind each.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, DeadlineId};

/// A statutory date is a calendar day in England (Europe/London), never an instant:
/// "within 6 weeks" ends at the end of a day, wherever the server's clock is.
pub type StatutoryDate = NaiveDate;

/// Which limit a deadline enforces. Its anchor, period, counting and citation are its
/// entry in the table of limits ([`crate::clock::limits::of`]); this names it so
/// reports and letters can cite the rule.
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
pub enum DeadlineKind {
    /// Decide whether to assess: 6 weeks from the request (Reg 5(1)).
    DecideWhetherToAssess,
    /// Advice from a professional: 6 weeks from asking (Reg 8(1)).
    AdviceDue,
    /// Decide not to issue: 16 weeks from the request (Reg 10(1)).
    DecideNotToIssue,
    /// Representations on a draft plan: 15 days beginning with service (Reg 13(1)).
    RepresentationsDue,
    /// Final plan: 20 weeks from the request (Reg 13(2)).
    FinalPlan,
    /// Annual review: within 12 months (CFA s.44(1)).
    AnnualReview,
    /// Review meeting papers: advice and information circulated, and the invitations
    /// sent, at least 2 weeks before the meeting (Reg 20(3)-(4), 21).
    ReviewPapers,
    /// Review report: prepared and sent within 2 weeks of the meeting (Reg 20(7)).
    ReviewReport,
    /// The authority's review decision (maintain, amend or cease): within 4 weeks of the
    /// meeting (Reg 20(10)).
    ReviewDecision,
    /// The amended plan, after a review decision to amend whose proposals were sent with
    /// the decision: within 8 weeks of sending them (Reg 22(3)).
    AmendedPlan,
    /// A phase transfer: the plan reviewed and amended, naming the next setting, by 15
    /// February of the year of transfer, or 31 March for secondary to post-16 (Reg 18).
    PhaseTransfer,
    /// The old authority transfers a plan to the child's new authority on the day of the
    /// move, or within 15 working days beginning with the day it became aware of it
    /// (Reg 15(2)).
    PlanTransfer,
    /// The new authority tells the family the plan has been transferred, whether it will
    /// assess, and when it will review: within 6 weeks of the transfer (Reg 15(4)).
    TransferNotice,
    /// Mediation takes place within 30 days of the authority being told the family
    /// wants it (Regs 36-37).
    Mediation,
    /// A step the First-tier Tribunal ordered, within the weeks Reg 44(2) gives for that
    /// order; `subject` names the step.
    TribunalOrder,
}

impl DeadlineKind {
    /// The legal source and the limit in plain words, cited on papers and letters:
    /// the entry's rule in the table of limits ([`crate::clock::limits`]).
    pub fn rule(self) -> &'static str {
        crate::clock::limits::of(self).rule()
    }
}

/// Whether a deadline still binds.
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
pub enum DeadlineStatus {
    /// Still to be met.
    Open,
    /// The step was taken (on time or late; compare with the date).
    Met,
    /// An exception in the Regulations disapplies it (e.g. Reg 5(4)); recorded, not moved.
    Disapplied,
}

/// A deadline on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    /// The deadline's id.
    pub id: DeadlineId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The case.
    pub case_id: CaseId,
    /// Which limit.
    pub kind: DeadlineKind,
    /// The last day on which the step is on time.
    #[schema(value_type = String, format = Date)]
    pub due_on: StatutoryDate,
    /// Where it stands.
    pub status: DeadlineStatus,
    /// Which of several limits of one kind this is, when the kind can run more than
    /// once at a time: for [`DeadlineKind::AdviceDue`], the [`AdviceSource`] asked
    /// (each request for advice runs its own 6 weeks, Reg 8(1)). `None` otherwise.
    pub subject: Option<String>,
}

/// Whom the authority asks for advice during an EHC needs assessment (SEND Regulations
/// 2014 reg. 6(1)): each request starts its own 6-week limit (reg. 8(1)), so the source
/// is kept on the deadline to tell the clocks apart.
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
pub enum AdviceSource {
    /// Psychological advice from an educational psychologist (reg. 6(1)(d)).
    EducationalPsychologist,
    /// Medical advice from a health care professional (reg. 6(1)(c)).
    Health,
    /// Social care advice (reg. 6(1)(e)).
    SocialCare,
    /// Educational advice from the head teacher or principal of the setting (reg. 6(1)(b)).
    Setting,
    /// Advice and information from the parent or young person (reg. 6(1)(a)).
    Parent,
    /// Any other advice reg. 6(1) calls for or the authority thinks appropriate.
    Other,
}
