//! Each authority's letters: handlebars templates, one file per [`LetterKind`]
//! (`refusal-to-assess.hbs`) plus partials whose names begin with `_` (`_layout.hbs` is
//! used as `{{#> layout}}`). Every letter is written once in the shared set
//! (`config/letters/`); an authority's folder (`config/authorities/<code>/letters/`)
//! holds only the templates it words differently, each replacing the shared one of the
//! same name (see [`super::templates`]).
//!
//! Templates run in strict mode, so a field a template names but the letter's data
//! lacks fails the render (and with it the decision's transaction) instead of leaving
//! a blank where an appeal date should be. Every value is HTML-escaped. At load every
//! letter is also rendered with sample data, in each of its shapes (a refusal with and
//! without a planned next-steps meeting; maintain and amend), for each authority and
//! for the shared set alone (what a council without overrides gets), so a typing
//! mistake stops start-up with the file named rather than surfacing at the first real
//! decision.

use std::collections::BTreeMap;

use handlebars::Handlebars;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::NotifyError;
use super::templates::{TemplateFile, TemplateSet};
use crate::config::ConfigDir;
use crate::domain::AuthorityId;

/// The letters sendpanel writes. Each is one template file in the shared set, named by
/// the kind in kebab case, which an authority may override.
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
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
#[non_exhaustive]
pub enum LetterKind {
    /// We will carry out an EHC needs assessment (CFA s.36(8); Reg 5(1)).
    DecisionToAssess,
    /// We will not: reasons, the next-steps meeting, mediation and appeal rights with
    /// their dates (CFA s.36(5); Reg 5(3), 32-33; Tribunal rule 20).
    RefusalToAssess,
    /// We will issue an EHC plan; a draft follows (CFA s.37(1)).
    DecisionToIssue,
    /// We will not issue a plan: reasons, mediation and appeal rights (Reg 10).
    DecisionNotToIssue,
    /// The draft plan's covering letter: at least 15 days for representations, to the
    /// date, and the right to ask for a school (Reg 13(1); CFA s.38).
    DraftPlan,
    /// The final plan's covering letter: mediation and appeal rights, the first review.
    FinalPlan,
    /// After an annual review: maintain (with rights) or amend (with the 8-week date,
    /// Reg 22(3)).
    AnnualReview,
    /// We will stop maintaining the plan (CFA s.45): reasons, mediation and appeal
    /// rights.
    Ceasing,
    /// Invitation to the next-steps meeting after a refusal, with a calendar file.
    NextStepsMeeting,
    /// Invitation to a panel member to a sitting, with a calendar file (not a letter to
    /// a family, and not kept on a case).
    SittingInvitation,
    /// A request for advice to a professional during an assessment (SEND Regulations
    /// 2014 reg. 6(1)), with its 6-week date (reg. 8(1)): kept on the case, e-mailed
    /// with the link the advice is uploaded through (not a letter to a family).
    AdviceRequest,
    /// The school or other setting named in the plan, from a day, with the reasons and
    /// the family's mediation and appeal rights (CFA s.39-40, s.51(2)(c)).
    PlacementNamed,
    /// The band and funding agreed for a placement, from a day: what the setting is
    /// paid to make the provision in the plan, which the funding does not change.
    FundingAgreed,
    /// The daily deadline digest to an officer (their cases' limits overdue or due
    /// soon, and advice outstanding) or to a manager (the team's totals): an e-mail to
    /// staff, not a letter to a family, and not kept on a case.
    DeadlineDigest,
}

impl LetterKind {
    /// The template's file name, in the shared `letters/` folder and in an authority's.
    pub fn file_name(self) -> String {
        format!("{self}.hbs")
    }

    /// The title a stored letter carries, and the page's `<title>`.
    pub fn title(self) -> &'static str {
        match self {
            Self::DecisionToAssess => "Decision to carry out an EHC needs assessment",
            Self::RefusalToAssess => "Decision not to carry out an EHC needs assessment",
            Self::DecisionToIssue => "Decision to issue an EHC plan",
            Self::DecisionNotToIssue => "Decision not to issue an EHC plan",
            Self::DraftPlan => "Your draft EHC plan",
            Self::FinalPlan => "Your final EHC plan",
            Self::AnnualReview => "Decision after the annual review of the EHC plan",
            Self::Ceasing => "Decision to stop maintaining the EHC plan",
            Self::NextStepsMeeting => "Invitation to a next-steps meeting",
            Self::SittingInvitation => "Invitation to a panel sitting",
            Self::AdviceRequest => "Request for advice for an EHC needs assessment",
            Self::DeadlineDigest => "Deadlines today",
            Self::PlacementNamed => "The school or setting named in the EHC plan",
            Self::FundingAgreed => "The funding agreed for the place named in the EHC plan",
        }
    }

    /// Whether the letter goes to a family and is kept on the case.
    pub fn is_for_family(self) -> bool {
        !matches!(
            self,
            Self::SittingInvitation | Self::AdviceRequest | Self::DeadlineDigest
        )
    }
}

/// A rendered letter and the version of the templates that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// Which letter.
    pub kind: LetterKind,
    /// The complete HTML page.
    pub html: String,
    /// Hex SHA-256 of the letter's template and every partial its authority uses.
    pub template_version: String,
}

/// Every authority's compiled letters. Built once at start-up and shared; `Clone` so
/// the notifier and the advice-link mail can each hold one without loading twice.
#[derive(Clone)]
pub struct LetterBook {
    authorities: BTreeMap<AuthorityId, AuthorityLetters>,
}

#[derive(Clone)]
struct AuthorityLetters {
    registry: Handlebars<'static>,
    versions: BTreeMap<LetterKind, String>,
}

impl std::fmt::Debug for LetterBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterBook")
            .field("authorities", &self.authorities.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl LetterBook {
    /// Reads the shared letters from `shared_dir`, then for each authority its
    /// overrides from `<authorities_dir>/<code>/letters/` (a folder that may be absent),
    /// and compiles and test-renders the result. Fails naming the file: a letter missing
    /// from the shared set, an override that replaces no shared template, an unknown
    /// template name, a syntax error, or a sample render that strict mode refuses.
    pub fn load(
        shared_dir: impl Into<ConfigDir>,
        authorities_dir: impl Into<ConfigDir>,
        authorities: &[AuthorityId],
    ) -> Result<Self, NotifyError> {
        let authorities_dir = authorities_dir.into();
        let shared = TemplateSet::shared(shared_dir)?;
        // What a council without overrides would get must work even while every
        // authority loaded today replaces some of it.
        AuthorityLetters::compile(&shared)?;
        let mut loaded = BTreeMap::new();
        for authority in authorities {
            let folder = authorities_dir.join(authority.as_str()).join("letters");
            let set = shared.with_overrides(&folder)?;
            loaded.insert(authority.clone(), AuthorityLetters::compile(&set)?);
        }
        Ok(Self {
            authorities: loaded,
        })
    }

    /// The authorities whose letters are loaded.
    pub fn authorities(&self) -> impl Iterator<Item = &AuthorityId> {
        self.authorities.keys()
    }

    /// The version a letter will carry: changes whenever its template or any partial
    /// it may use changes, so a stored letter names exactly what produced it.
    pub fn template_version(&self, authority: &AuthorityId, kind: LetterKind) -> Option<&str> {
        self.authorities
            .get(authority)?
            .versions
            .get(&kind)
            .map(String::as_str)
    }

    /// Renders a letter with sample data (the same data the load-time check uses), for
    /// previews and tests.
    pub fn render_sample(
        &self,
        authority: &AuthorityId,
        kind: LetterKind,
    ) -> Result<Letter, NotifyError> {
        let mut first = None;
        for context in samples(kind) {
            let letter = self.render(authority, kind, &context)?;
            first.get_or_insert(letter);
        }
        first.ok_or_else(|| NotifyError::NoLetters(authority.to_string()))
    }

    /// Renders one letter for one authority with real data.
    pub(crate) fn render(
        &self,
        authority: &AuthorityId,
        kind: LetterKind,
        context: &LetterContext,
    ) -> Result<Letter, NotifyError> {
        let letters = self
            .authorities
            .get(authority)
            .ok_or_else(|| NotifyError::NoLetters(authority.to_string()))?;
        context.require(kind).map_err(|field| NotifyError::Render {
            authority: authority.to_string(),
            letter: kind,
            detail: format!("the letter needs {field}, which this event does not give"),
        })?;
        let html = letters
            .registry
            .render(&kind.to_string(), context)
            .map_err(|e| NotifyError::Render {
                authority: authority.to_string(),
                letter: kind,
                detail: e.to_string(),
            })?;
        let template_version =
            letters
                .versions
                .get(&kind)
                .cloned()
                .ok_or_else(|| NotifyError::Render {
                    authority: authority.to_string(),
                    letter: kind,
                    detail: "its template is not loaded".into(),
                })?;
        Ok(Letter {
            kind,
            html,
            template_version,
        })
    }
}

impl AuthorityLetters {
    /// Compiles one authority's templates and renders each letter with sample data.
    fn compile(set: &TemplateSet) -> Result<Self, NotifyError> {
        let fail = |file: &TemplateFile, detail: String| NotifyError::Template {
            file: file.path.clone(),
            detail,
        };
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        for (name, file) in set.partials() {
            registry
                .register_partial(name, file.text.as_str())
                .map_err(|e| fail(file, e.to_string()))?;
        }
        for (kind, file) in set.letters() {
            registry
                .register_template_string(&kind.to_string(), file.text.as_str())
                .map_err(|e| fail(file, e.to_string()))?;
        }

        let mut versions = BTreeMap::new();
        for (&kind, file) in set.letters() {
            versions.insert(
                kind,
                version_of(&kind.to_string(), &file.text, set.partials()),
            );
            for context in samples(kind) {
                context
                    .require(kind)
                    .map_err(|field| fail(file, format!("sample data lacks {field}")))?;
                registry
                    .render(&kind.to_string(), &context)
                    .map_err(|e| fail(file, format!("does not render with sample data: {e}")))?;
            }
        }
        Ok(Self { registry, versions })
    }
}

/// SHA-256 over the letter's name and text, then every partial's name and text in
/// name order, each field ended by a NUL so no two different sets hash alike. Where a
/// file lives (shared or the authority's own) does not enter it: the same words give
/// the same version.
fn version_of(name: &str, text: &str, partials: &BTreeMap<String, TemplateFile>) -> String {
    let mut hash = Sha256::new();
    for part in ["letter", name, text] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    for (partial, file) in partials {
        for part in ["partial", partial.as_str(), file.text.as_str()] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What a template sees. Every key is always present (absent parts are `null`), so a
/// template may test a part with `{{#if}}`, and strict mode fails only on a real gap.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LetterContext {
    /// The letter's title.
    pub title: String,
    /// The authority writing.
    pub authority: AuthorityPart,
    /// The child the letter is about (absent for a sitting invitation).
    pub child: Option<ChildPart>,
    /// The date on the letter.
    pub letter_date: String,
    /// "Dear parent or carer", or the young person's or member's name.
    pub salutation: String,
    /// The decision's reasons, one paragraph per entry.
    pub reasons: Option<Vec<String>>,
    /// Mediation and appeal dates, where the decision carries those rights.
    pub rights: Option<Rights>,
    /// The next-steps meeting the authority's plugin planned, after a refusal.
    pub next_steps: Option<NextStepsPart>,
    /// The statutory dates of an assessment under way.
    pub assessment: Option<AssessmentPart>,
    /// A draft plan served.
    pub draft: Option<DraftPart>,
    /// A final plan issued.
    pub plan: Option<PlanPart>,
    /// An annual review decision.
    pub review: Option<ReviewPart>,
    /// A meeting arranged with the family.
    pub meeting: Option<MeetingPart>,
    /// A panel sitting a member is invited to.
    pub sitting: Option<SittingPart>,
    /// A request for advice to a professional.
    pub advice: Option<AdvicePart>,
    /// A daily deadline digest to a member of staff.
    pub digest: Option<DigestPart>,
    /// The setting named in the plan.
    pub placement: Option<PlacementPart>,
    /// The band and funding agreed for it.
    pub funding: Option<FundingPart>,
}

impl LetterContext {
    /// An empty context for `kind`, to fill in.
    pub(crate) fn new(kind: LetterKind, authority: AuthorityPart, letter_date: String) -> Self {
        Self {
            title: kind.title().to_owned(),
            authority,
            child: None,
            letter_date,
            salutation: "Dear parent or carer".into(),
            reasons: None,
            rights: None,
            next_steps: None,
            assessment: None,
            draft: None,
            plan: None,
            review: None,
            meeting: None,
            sitting: None,
            advice: None,
            digest: None,
            placement: None,
            funding: None,
        }
    }

    /// The parts each letter cannot do without, checked before rendering so the error
    /// names the missing fact rather than a template line.
    fn require(&self, kind: LetterKind) -> Result<(), &'static str> {
        use LetterKind as K;
        let need = |present: bool, name: &'static str| if present { Ok(()) } else { Err(name) };
        if kind.is_for_family() {
            need(self.child.is_some(), "the child")?;
        }
        match kind {
            K::DecisionToAssess | K::DecisionToIssue => {
                need(self.reasons.is_some(), "the reasons")?;
                need(self.assessment.is_some(), "the assessment's dates")
            }
            K::RefusalToAssess | K::DecisionNotToIssue | K::Ceasing => {
                need(self.reasons.is_some(), "the reasons")?;
                need(self.rights.is_some(), "the mediation and appeal dates")
            }
            K::DraftPlan => need(self.draft.is_some(), "the draft plan's dates"),
            K::FinalPlan => {
                need(self.plan.is_some(), "the plan's dates")?;
                need(self.rights.is_some(), "the mediation and appeal dates")
            }
            K::AnnualReview => {
                need(self.reasons.is_some(), "the reasons")?;
                let review = self.review.as_ref().ok_or("the review decision")?;
                need(review.next_review_by.is_some(), "the next review's date")?;
                if review.amend {
                    need(review.amended_plan_by.is_some(), "the amended plan's date")
                } else {
                    need(self.rights.is_some(), "the mediation and appeal dates")
                }
            }
            K::NextStepsMeeting => need(self.meeting.is_some(), "the meeting"),
            K::SittingInvitation => need(self.sitting.is_some(), "the sitting"),
            K::AdviceRequest => {
                need(self.child.is_some(), "the child")?;
                need(self.advice.is_some(), "the request for advice")
            }
            K::DeadlineDigest => need(self.digest.is_some(), "the digest's deadlines"),
            K::PlacementNamed => {
                need(self.placement.is_some(), "the setting named")?;
                need(self.reasons.is_some(), "the reasons")?;
                need(self.rights.is_some(), "the mediation and appeal dates")
            }
            K::FundingAgreed => {
                need(self.placement.is_some(), "the setting named")?;
                need(self.funding.is_some(), "the band and funding")
            }
        }
    }
}

/// The authority, as letters name it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AuthorityPart {
    /// "Torbay Council".
    pub name: String,
    /// "torbay".
    pub code: String,
}

/// The child, as letters name them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChildPart {
    pub given_name: String,
    pub family_name: String,
    pub full_name: String,
}

/// The family's rights after a decision, with their last days.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rights {
    /// Last day to contact a mediation adviser (Reg 33).
    pub mediation_contact_by: String,
    /// Last day to appeal (Tribunal rule 20), unless a later certificate extends it.
    pub appeal_by: String,
}

/// The next-steps meeting the plugin planned.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NextStepsPart {
    pub within_working_days: u32,
    pub meet_by: String,
    pub attendees: Vec<String>,
    pub venue: String,
    pub agenda: Vec<String>,
}

/// The statutory dates once an assessment is agreed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AssessmentPart {
    /// Decide whether to issue by (Reg 10(1), 16 weeks).
    pub issue_decision_by: String,
    /// Final plan by (Reg 13(2), 20 weeks).
    pub final_plan_by: String,
}

/// A draft plan served.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DraftPart {
    pub served_on: String,
    pub representations_by: String,
}

/// A final plan issued.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanPart {
    pub issued_on: String,
    pub review_by: String,
}

/// An annual review decision other than ceasing.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReviewPart {
    pub maintain: bool,
    pub amend: bool,
    pub next_review_by: Option<String>,
    pub amended_plan_by: Option<String>,
}

/// A meeting with the family.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MeetingPart {
    pub meets_on: String,
    pub starts_at: String,
    pub location: String,
    pub with: Vec<String>,
}

/// A sitting, for one member's invitation.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SittingPart {
    pub panel_name: String,
    pub sits_on: String,
    pub starts_at: String,
    pub location: String,
    pub member_name: String,
    pub role: String,
}

/// A request for advice to a professional (reg. 6(1)), due within 6 weeks (reg. 8(1)).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AdvicePart {
    /// Whom it is asked of, in words ("an educational psychologist").
    pub source: String,
    /// The question, as the caseworker wrote it.
    pub question: String,
    /// The last day of the 6 weeks.
    pub due_on: String,
    /// The professional's name.
    pub recipient_name: String,
    /// The upload link: only in the e-mailed copy. The copy kept on the case has
    /// `None` and says the link was e-mailed, so the token is never stored.
    pub link: Option<String>,
    /// A chaser: the advice is still awaited and this link replaces the earlier one.
    pub reminder: bool,
}

/// The setting a plan names, as a letter states it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlacementPart {
    pub setting: String,
    pub kind: String,
    pub out_of_area: bool,
    pub starts_on: String,
}

/// A band and its funding, as a letter states it: amounts a year, in pounds.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FundingPart {
    pub band: String,
    pub place_funding: String,
    pub top_up: String,
    pub other_elements: Vec<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

/// A daily deadline digest: an officer's own cases, or a manager's team totals.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DigestPart {
    /// The team's totals (a manager's digest), not one officer's cases.
    pub manager: bool,
    /// The day it is for, with its weekday: "Monday 7 December 2026".
    pub day: String,
    /// How many working days ahead "due soon" reaches.
    pub working_days: u32,
    /// Limits already past their last day.
    pub overdue: Vec<DigestLine>,
    /// Limits due today or within the working days.
    pub due_soon: Vec<DigestLine>,
    /// Requests for advice still awaited, whenever they are due.
    pub advice: Vec<DigestLine>,
    /// A manager's digest: each officer's counts, and the unallocated cases' own.
    pub team: Vec<TeamLine>,
    /// A manager's digest: open cases allocated to nobody.
    pub unallocated: i64,
    /// Where the caseload is, for a manager.
    pub caseload_link: String,
}

/// One limit in a digest: the child by initials only, the case's link, the limit and
/// its last day.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DigestLine {
    pub initials: String,
    pub link: String,
    pub limit: String,
    pub due_on: String,
}

/// One officer's line in a manager's digest.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TeamLine {
    pub officer: String,
    pub overdue: usize,
    pub due_soon: usize,
    pub advice: usize,
}

/// Sample data for each letter, in each of its shapes: what start-up renders to prove
/// every template works before any decision depends on it.
/// The setting the placement and funding samples name (made up).
fn sample_placement() -> PlacementPart {
    PlacementPart {
        setting: "Sample Special School".into(),
        kind: "a special school".into(),
        out_of_area: false,
        starts_on: "2 September 2024".into(),
    }
}

fn samples(kind: LetterKind) -> Vec<LetterContext> {
    use LetterKind as K;
    let mut base = LetterContext::new(
        kind,
        AuthorityPart {
            name: "Sample Council".into(),
            code: "sample".into(),
        },
        "2 October 2023".into(),
    );
    base.child = Some(ChildPart {
        given_name: "Sam".into(),
        family_name: "Sample".into(),
        full_name: "Sam Sample".into(),
    });
    base.reasons = Some(vec![
        "The first reason <with markup to escape>.".into(),
        "A second paragraph.".into(),
    ]);
    let rights = Rights {
        mediation_contact_by: "2 December 2023".into(),
        appeal_by: "2 December 2023".into(),
    };
    match kind {
        K::DecisionToAssess | K::DecisionToIssue => {
            base.assessment = Some(AssessmentPart {
                issue_decision_by: "25 December 2023".into(),
                final_plan_by: "22 January 2024".into(),
            });
            vec![base]
        }
        K::RefusalToAssess => {
            base.rights = Some(rights);
            let without = base.clone();
            base.next_steps = Some(NextStepsPart {
                within_working_days: 10,
                meet_by: "16 October 2023".into(),
                attendees: vec!["you".into(), "your SEN caseworker".into()],
                venue: "at your child's school or setting".into(),
                agenda: vec!["What support is in place now".into()],
            });
            vec![base, without]
        }
        K::DecisionNotToIssue | K::Ceasing => {
            base.rights = Some(rights);
            vec![base]
        }
        K::DraftPlan => {
            base.reasons = None;
            base.draft = Some(DraftPart {
                served_on: "1 December 2023".into(),
                representations_by: "15 December 2023".into(),
            });
            vec![base]
        }
        K::FinalPlan => {
            base.reasons = None;
            base.rights = Some(rights);
            base.plan = Some(PlanPart {
                issued_on: "10 January 2024".into(),
                review_by: "9 January 2025".into(),
            });
            vec![base]
        }
        K::AnnualReview => {
            let mut amend = base.clone();
            base.rights = Some(rights);
            base.review = Some(ReviewPart {
                maintain: true,
                amend: false,
                next_review_by: Some("1 February 2026".into()),
                amended_plan_by: None,
            });
            amend.review = Some(ReviewPart {
                maintain: false,
                amend: true,
                next_review_by: Some("1 February 2026".into()),
                amended_plan_by: Some("29 March 2025".into()),
            });
            vec![base, amend]
        }
        K::PlacementNamed => {
            base.rights = Some(rights);
            base.placement = Some(sample_placement());
            vec![base]
        }
        K::FundingAgreed => {
            base.reasons = None;
            base.placement = Some(sample_placement());
            base.funding = Some(FundingPart {
                band: "Band 3 <with markup to escape>".into(),
                place_funding: "£10,000.00".into(),
                top_up: "£6,000.00".into(),
                other_elements: vec!["Transport £1,200.00".into()],
                starts_on: "2 September 2024".into(),
                ends_on: None,
            });
            let mut ending = base.clone();
            if let Some(funding) = &mut ending.funding {
                funding.other_elements.clear();
                funding.ends_on = Some("31 August 2025".into());
            }
            vec![base, ending]
        }
        K::NextStepsMeeting => {
            base.reasons = None;
            base.meeting = Some(MeetingPart {
                meets_on: "Monday 16 October 2023".into(),
                starts_at: "10:00".into(),
                location: "Harbourside Primary".into(),
                with: vec!["Casey Worker, SEN caseworker".into()],
            });
            vec![base]
        }
        K::SittingInvitation => {
            base.child = None;
            base.reasons = None;
            base.sitting = Some(SittingPart {
                panel_name: "SEN Panel".into(),
                sits_on: "Thursday 5 October 2023".into(),
                starts_at: "09:30".into(),
                location: "Online".into(),
                member_name: "Pat Member".into(),
                role: "educational psychologist".into(),
            });
            vec![base]
        }
        K::AdviceRequest => {
            base.reasons = None;
            base.salutation = "Dear Dr Pat Psychologist".into();
            let advice = AdvicePart {
                source: "an educational psychologist".into(),
                question: "What are Sam's needs <with markup to escape>?".into(),
                due_on: "13 November 2023".into(),
                recipient_name: "Dr Pat Psychologist".into(),
                link: None,
                reminder: false,
            };
            let mut emailed = base.clone();
            emailed.advice = Some(AdvicePart {
                link: Some("https://sendpanel.example/advice/0123abcd".into()),
                ..advice.clone()
            });
            let mut chaser = base.clone();
            chaser.advice = Some(AdvicePart {
                link: Some("https://sendpanel.example/advice/4567ef01".into()),
                reminder: true,
                ..advice.clone()
            });
            base.advice = Some(advice);
            vec![base, emailed, chaser]
        }
        K::DeadlineDigest => {
            base.child = None;
            base.reasons = None;
            base.salutation = "Dear Casey Worker".into();
            let line = |limit: &str, due_on: &str| DigestLine {
                initials: "S. S.".into(),
                link: "https://sendpanel.example/cases/0123".into(),
                limit: limit.into(),
                due_on: due_on.into(),
            };
            let officer = DigestPart {
                manager: false,
                day: "Monday 2 October 2023".into(),
                working_days: 10,
                overdue: vec![line(
                    "Decide whether to assess <escaped>",
                    "29 September 2023",
                )],
                due_soon: vec![line("Final plan", "5 October 2023")],
                advice: vec![line("Advice: educational psychologist", "13 November 2023")],
                team: Vec::new(),
                unallocated: 0,
                caseload_link: "https://sendpanel.example/caseload".into(),
            };
            let empty = DigestPart {
                overdue: Vec::new(),
                due_soon: Vec::new(),
                ..officer.clone()
            };
            let manager = DigestPart {
                manager: true,
                overdue: Vec::new(),
                due_soon: Vec::new(),
                advice: Vec::new(),
                team: vec![TeamLine {
                    officer: "Casey Worker <escaped>".into(),
                    overdue: 1,
                    due_soon: 2,
                    advice: 3,
                }],
                unallocated: 4,
                ..officer.clone()
            };
            let mut others = base.clone();
            others.digest = Some(empty);
            let mut team = base.clone();
            team.digest = Some(manager);
            base.digest = Some(officer);
            vec![base, others, team]
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn shared_letters() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/letters")
    }

    fn authorities_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities")
    }

    fn id(code: &str) -> AuthorityId {
        AuthorityId::parse(code).unwrap()
    }

    fn shipped() -> Vec<AuthorityId> {
        ["torbay", "wiltshire", "leicestershire"]
            .into_iter()
            .map(id)
            .collect()
    }

    /// A copy of the shared letters in `dir/letters`, and an empty `dir/authorities`.
    fn copy_of_shared(dir: &Path) -> (PathBuf, PathBuf) {
        let shared = dir.join("letters");
        let authorities = dir.join("authorities");
        std::fs::create_dir_all(&shared).unwrap();
        std::fs::create_dir_all(&authorities).unwrap();
        for entry in std::fs::read_dir(shared_letters()).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, shared.join(path.file_name().unwrap())).unwrap();
        }
        (shared, authorities)
    }

    /// Writes `text` as `authorities/<code>/letters/<file>`, returning its path.
    fn write_override(authorities: &Path, code: &str, file: &str, text: &str) -> PathBuf {
        let folder = authorities.join(code).join("letters");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(file), text).unwrap();
        folder.join(file)
    }

    #[test]
    fn the_shipped_letters_load_and_every_kind_renders_escaped() {
        let book = LetterBook::load(shared_letters(), authorities_dir(), &shipped()).unwrap();
        for authority in shipped() {
            for kind in <LetterKind as strum::IntoEnumIterator>::iter() {
                let letter = book.render_sample(&authority, kind).unwrap();
                assert!(letter.html.contains("Sample Council"), "{authority} {kind}");
                assert!(!letter.html.contains("<with markup"), "{authority} {kind}");
                assert_eq!(letter.template_version.len(), 64);
            }
        }
    }

    #[test]
    fn each_shipped_authority_puts_the_shared_words_on_its_own_letterhead() {
        let book = LetterBook::load(shared_letters(), authorities_dir(), &shipped()).unwrap();
        let html = |code| {
            book.render_sample(&id(code), LetterKind::DecisionToAssess)
                .unwrap()
                .html
        };
        let (torbay, wiltshire, leicestershire) =
            (html("torbay"), html("wiltshire"), html("leicestershire"));
        let shared_words = "We have decided to carry out the assessment.";
        for letter in [&torbay, &wiltshire, &leicestershire] {
            assert!(letter.contains(shared_words), "{letter}");
        }
        assert!(torbay.contains("solid #00703c") && torbay.contains("SEND Team<br>"));
        assert!(wiltshire.contains("solid #1d70b8") && wiltshire.contains("SEND Service<br>"));
        assert!(leicestershire.contains("solid #4c2c92"));
    }

    #[test]
    fn an_authority_without_overrides_renders_the_shared_letters() {
        let dir = tempfile::tempdir().unwrap();
        // No `newshire` folder at all under the authorities.
        let book = LetterBook::load(shared_letters(), dir.path(), &[id("newshire")]).unwrap();
        let letter = book
            .render_sample(&id("newshire"), LetterKind::DecisionToAssess)
            .unwrap();
        assert!(letter.html.contains("solid #0b0c0c"), "{}", letter.html);
        assert!(
            letter
                .html
                .contains("We have decided to carry out the assessment.")
        );
        for colour in ["#00703c", "#1d70b8", "#4c2c92"] {
            assert!(!letter.html.contains(colour), "{}", letter.html);
        }
    }

    #[test]
    fn an_override_replaces_its_letter_for_its_authority_only() {
        let dir = tempfile::tempdir().unwrap();
        let shared =
            std::fs::read_to_string(shared_letters().join("refusal-to-assess.hbs")).unwrap();
        let own = shared.replace(
            "{{> rights}}",
            "<p>Newshire's parent forum meets every Tuesday.</p>\n{{> rights}}",
        );
        assert_ne!(own, shared);
        write_override(dir.path(), "newshire", "refusal-to-assess.hbs", &own);
        let (newshire, oldshire) = (id("newshire"), id("oldshire"));
        let book = LetterBook::load(
            shared_letters(),
            dir.path(),
            &[newshire.clone(), oldshire.clone()],
        )
        .unwrap();

        let refusal = |authority| {
            book.render_sample(authority, LetterKind::RefusalToAssess)
                .unwrap()
        };
        assert!(
            refusal(&newshire)
                .html
                .contains("parent forum meets every Tuesday")
        );
        assert!(!refusal(&oldshire).html.contains("parent forum"));
        assert_ne!(
            refusal(&newshire).template_version,
            refusal(&oldshire).template_version
        );
        // Its other letters are the shared ones, word for word and version for version.
        for kind in [LetterKind::DecisionToAssess, LetterKind::Ceasing] {
            let (ours, theirs) = (
                book.render_sample(&newshire, kind).unwrap(),
                book.render_sample(&oldshire, kind).unwrap(),
            );
            assert_eq!(ours.html, theirs.html, "{kind}");
            assert_eq!(ours.template_version, theirs.template_version, "{kind}");
        }
    }

    #[test]
    fn an_override_that_replaces_no_shared_template_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_override(dir.path(), "torbay", "refusal-to-asess.hbs", "x");
        let err = LetterBook::load(shared_letters(), dir.path(), &[id("torbay")])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(
            err.contains("is not the name of a shared template"),
            "{err}"
        );
        assert!(err.contains("refusal-to-assess.hbs"), "{err}");
    }

    #[test]
    fn a_versions_depends_on_the_letter_and_every_partial() {
        let file = |text: &str| TemplateFile {
            path: PathBuf::from("x"),
            text: text.to_owned(),
        };
        let mut partials = BTreeMap::new();
        partials.insert("layout".to_owned(), file("a"));
        let one = version_of("x", "body", &partials);
        assert_eq!(one, version_of("x", "body", &partials));
        assert_ne!(one, version_of("x", "body2", &partials));
        partials.insert("layout".to_owned(), file("b"));
        assert_ne!(one, version_of("x", "body", &partials));
        // Where the file lives does not count: the same words give the same version.
        partials.insert(
            "layout".to_owned(),
            TemplateFile {
                path: PathBuf::from("elsewhere"),
                text: "a".into(),
            },
        );
        assert_eq!(one, version_of("x", "body", &partials));
    }

    #[test]
    fn a_broken_template_is_named_at_load_shared_or_overridden() {
        let dir = tempfile::tempdir().unwrap();
        let (shared, authorities) = copy_of_shared(dir.path());
        let torbay = [id("torbay")];
        LetterBook::load(&shared, &authorities, &torbay).unwrap();
        let good = std::fs::read_to_string(shared.join("ceasing.hbs")).unwrap();

        // An override naming a field the data never has: strict mode refuses it at load.
        let file = write_override(
            &authorities,
            "torbay",
            "ceasing.hbs",
            &good.replace("{{child.given_name}}", "{{child.nickname}}"),
        );
        let err = LetterBook::load(&shared, &authorities, &torbay)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains("sample data"), "{err}");

        // A syntax error in an override names the override.
        std::fs::write(&file, "{{#if child}}unclosed").unwrap();
        let err = LetterBook::load(&shared, &authorities, &torbay)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
        std::fs::write(&file, &good).unwrap();
        LetterBook::load(&shared, &authorities, &torbay).unwrap();

        // A broken shared letter is refused even though Torbay replaces it: another
        // council would get it.
        std::fs::write(shared.join("ceasing.hbs"), "{{#if child}}unclosed").unwrap();
        let err = LetterBook::load(&shared, &authorities, &torbay)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&shared.join("ceasing.hbs").display().to_string()),
            "{err}"
        );
        std::fs::write(shared.join("ceasing.hbs"), &good).unwrap();

        // A letter missing from the shared set is refused, override or not.
        std::fs::remove_file(shared.join("final-plan.hbs")).unwrap();
        write_override(&authorities, "torbay", "final-plan.hbs", "x");
        let err = LetterBook::load(&shared, &authorities, &torbay)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("final-plan.hbs") && err.contains("missing"),
            "{err}"
        );
    }

    #[test]
    fn strict_mode_refuses_a_part_that_is_null() {
        let letters =
            AuthorityLetters::compile(&TemplateSet::shared(shared_letters()).unwrap()).unwrap();
        let mut context = samples(LetterKind::RefusalToAssess).remove(0);
        context.rights = None;
        let err = letters
            .registry
            .render("refusal-to-assess", &context)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rights"), "{err}");
    }
}
