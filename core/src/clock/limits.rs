//! One table of the statutory limits. Each entry says which date a limit counts from
//! ([`Anchor`]), how long it runs and how that is counted ([`Counting`], the conventions
//! of [`super::calendar`] and [`super::holidays`]), how its last day is treated
//! ([`Ending`]) and where the law says so (the citation). Every [`DeadlineKind`] has
//! exactly one entry ([`of`]); the family's and the mediation adviser's limits that the
//! clock also works out ([`MEDIATION_CONTACT`], [`MEDIATION_CERTIFICATE`], [`APPEAL`])
//! have one each too. [`ALL`] lists them, in no particular order.
//!
//! The workflow sets due dates from these entries, pages, papers and letters cite
//! [`Limit::rule`] (through [`DeadlineKind::rule`]), and `sendpanel clock`
//! ([`super::ClockFacts::deadlines`]) prints each entry's date under [`Limit::key`], so
//! a limit is written once.

use chrono::{Datelike, NaiveDate};

use super::ClockError;
use super::calendar::{
    days_after, days_beginning_with, months_after, months_starting_with, weeks_after, weeks_before,
};
use super::holidays::BankHolidays;
use super::statutory::TransferKind;
use crate::domain::DeadlineKind;

/// The day a limit counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Anchor {
    /// The authority received the request for an EHC needs assessment.
    RequestReceived,
    /// The authority asked a professional for advice.
    AdviceRequested,
    /// The draft plan was served on the family.
    DraftPlanServed,
    /// The plan was issued, or last reviewed (the later, when both are known).
    PlanIssuedOrLastReview,
    /// The annual review meeting.
    ReviewMeeting,
    /// The plan with proposed amendments was sent.
    AmendmentProposalsSent,
    /// The calendar year of a phase transfer (a year, not a day).
    YearOfTransfer,
    /// The old authority became aware that the child is moving to another area.
    AwareOfMove,
    /// The day of the move.
    DayOfMove,
    /// A plan was transferred in from another authority.
    PlanTransferredIn,
    /// The decision notice carrying mediation and appeal rights was sent.
    DecisionNotice,
    /// The mediation certificate was issued.
    MediationCertificate,
    /// The family contacted a mediation adviser.
    MediationAdviserContacted,
    /// The authority was told the family wants mediation.
    MediationRequested,
    /// The First-tier Tribunal's order.
    TribunalOrder,
}

/// How a period is counted from its anchor; the words are the Regulations' own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Counting {
    /// "within N weeks of": the anchor + 7N days.
    WeeksAfter(u64),
    /// "at least N weeks before": the anchor - 7N days.
    WeeksBefore(u64),
    /// "within N days of": the anchor + N days.
    DaysAfter(u64),
    /// "N days beginning with": the anchor is day 1, so the anchor + N - 1 days.
    DaysBeginningWith(u64),
    /// "N months after": the same day number N months on, or that month's last day.
    MonthsAfter(u32),
    /// "the period of N months starting with": the day before the N-month anniversary.
    MonthsStartingWith(u32),
    /// "within N working days of": the Nth working day after the anchor.
    WorkingDaysAfter(u32),
    /// "within N working days beginning with": the anchor is day 1 when it is a
    /// working day.
    WorkingDaysBeginningWith(u32),
    /// "on the day of": the anchor itself.
    OnTheDay,
    /// A fixed day (month, day) of the anchor's year: one for school phases, another
    /// for secondary school to post-16.
    FixedDay {
        /// Between school phases.
        school: (u32, u32),
        /// From secondary school to post-16.
        post16: (u32, u32),
    },
    /// Weeks from the anchor that differ by step; each step gives its own number.
    WeeksPerStep,
}

/// What happens when the counted last day is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ending {
    /// Nothing: the Act's and the Regulations' limits run in calendar days unless they
    /// say working days, and end on the day counted, whatever day that is.
    AsCounted,
    /// Tribunal time (Tribunal Procedure (HESC) Rules 2008), see [`tribunal_time_ends`]:
    /// a last day from 25 December to 1 January or in August moves to the first working
    /// day after 1 January or 31 August (r.12(3)(a)); any other last day that is not a
    /// working day moves to the next working day (r.12(2)).
    TribunalTime,
}

/// One statutory limit: what it counts from, for how long, how, and under which rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    key: &'static str,
    kind: Option<DeadlineKind>,
    anchor: Anchor,
    counting: Counting,
    or_later: Option<(Anchor, Counting)>,
    ends: Ending,
    citation: &'static str,
    rule: &'static str,
}

/// Builds an entry; the rule text is the citation and the words, joined at compile
/// time, so the two cannot drift apart.
macro_rules! limit {
    (
        key: $key:literal,
        kind: $kind:expr,
        anchor: $anchor:expr,
        counting: $counting:expr,
        or_later: $or_later:expr,
        ends: $ends:expr,
        citation: $citation:literal,
        words: $words:literal $(,)?
    ) => {
        Limit {
            key: $key,
            kind: $kind,
            anchor: $anchor,
            counting: $counting,
            or_later: $or_later,
            ends: $ends,
            citation: $citation,
            rule: concat!($citation, ": ", $words),
        }
    };
}

/// Decide whether to assess (SEND Regulations 2014 reg. 5(1)).
pub static DECIDE_WHETHER_TO_ASSESS: Limit = limit! {
    key: "decide_whether_to_assess_by",
    kind: Some(DeadlineKind::DecideWhetherToAssess),
    anchor: Anchor::RequestReceived,
    counting: Counting::WeeksAfter(6),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 5(1)",
    words: "6 weeks from the request",
};

/// Advice from a professional (reg. 8(1)); each request for advice runs its own.
pub static ADVICE_DUE: Limit = limit! {
    key: "advice_due_by",
    kind: Some(DeadlineKind::AdviceDue),
    anchor: Anchor::AdviceRequested,
    counting: Counting::WeeksAfter(6),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 8(1)",
    words: "6 weeks from the request for advice",
};

/// Decide not to issue a plan after assessment (reg. 10(1)).
pub static DECIDE_NOT_TO_ISSUE: Limit = limit! {
    key: "decide_not_to_issue_by",
    kind: Some(DeadlineKind::DecideNotToIssue),
    anchor: Anchor::RequestReceived,
    counting: Counting::WeeksAfter(16),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 10(1)",
    words: "16 weeks from the request",
};

/// Representations on a draft plan (reg. 13(1)): "not less than 15 days beginning with
/// the day on which the draft plan was served".
pub static REPRESENTATIONS_DUE: Limit = limit! {
    key: "representations_due_by",
    kind: Some(DeadlineKind::RepresentationsDue),
    anchor: Anchor::DraftPlanServed,
    counting: Counting::DaysBeginningWith(15),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 13(1)",
    words: "at least 15 days beginning with the day the draft is served",
};

/// The final plan (reg. 13(2)).
pub static FINAL_PLAN: Limit = limit! {
    key: "final_plan_by",
    kind: Some(DeadlineKind::FinalPlan),
    anchor: Anchor::RequestReceived,
    counting: Counting::WeeksAfter(20),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 13(2)",
    words: "20 weeks from the request",
};

/// The annual review: within each "period of 12 months starting with" the plan's issue
/// or last review (CFA s.44(1)); for a plan transferred in, the later of that and 3
/// months from the transfer (reg. 15(5)).
pub static ANNUAL_REVIEW: Limit = limit! {
    key: "annual_review_by",
    kind: Some(DeadlineKind::AnnualReview),
    anchor: Anchor::PlanIssuedOrLastReview,
    counting: Counting::MonthsStartingWith(12),
    or_later: Some((Anchor::PlanTransferredIn, Counting::MonthsAfter(3))),
    ends: Ending::AsCounted,
    citation: "Children and Families Act 2014 s.44(1)",
    words: "within each 12 months, or for a plan transferred from another authority within 3 months of the transfer if that is later (SEND Regulations 2014 reg. 15(5))",
};

/// Review meeting papers and invitations (reg. 20(3)-(4), 21).
pub static REVIEW_PAPERS: Limit = limit! {
    key: "review_papers_by",
    kind: Some(DeadlineKind::ReviewPapers),
    anchor: Anchor::ReviewMeeting,
    counting: Counting::WeeksBefore(2),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 20(3)-(4), 21",
    words: "at least 2 weeks before the review meeting",
};

/// The review report (reg. 20(7)).
pub static REVIEW_REPORT: Limit = limit! {
    key: "review_report_by",
    kind: Some(DeadlineKind::ReviewReport),
    anchor: Anchor::ReviewMeeting,
    counting: Counting::WeeksAfter(2),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 20(7)",
    words: "within 2 weeks of the review meeting",
};

/// The authority's review decision (reg. 20(10)).
pub static REVIEW_DECISION: Limit = limit! {
    key: "review_decision_by",
    kind: Some(DeadlineKind::ReviewDecision),
    anchor: Anchor::ReviewMeeting,
    counting: Counting::WeeksAfter(4),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 20(10)",
    words: "within 4 weeks of the review meeting",
};

/// The amended plan after proposals sent with a decision to amend (reg. 22(3)).
pub static AMENDED_PLAN: Limit = limit! {
    key: "amended_plan_by",
    kind: Some(DeadlineKind::AmendedPlan),
    anchor: Anchor::AmendmentProposalsSent,
    counting: Counting::WeeksAfter(8),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 22(3)",
    words: "within 8 weeks of sending the proposed amendments",
};

/// A phase transfer (reg. 18): 15 February, or 31 March from secondary to post-16.
pub static PHASE_TRANSFER: Limit = limit! {
    key: "phase_transfer_by",
    kind: Some(DeadlineKind::PhaseTransfer),
    anchor: Anchor::YearOfTransfer,
    counting: Counting::FixedDay { school: (2, 15), post16: (3, 31) },
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 18",
    words: "by 15 February of the year of transfer (31 March for post-16)",
};

/// The old authority transfers the plan (reg. 15(2)): on the day of the move, or within
/// 15 working days beginning with the day it became aware of it, whichever is later.
pub static PLAN_TRANSFER: Limit = limit! {
    key: "plan_transfer_by",
    kind: Some(DeadlineKind::PlanTransfer),
    anchor: Anchor::AwareOfMove,
    counting: Counting::WorkingDaysBeginningWith(15),
    or_later: Some((Anchor::DayOfMove, Counting::OnTheDay)),
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 15(2)",
    words: "on the day of the move, or within 15 working days beginning with the day the authority became aware of it",
};

/// The new authority tells the family of a plan transferred in (reg. 15(4)).
pub static TRANSFER_NOTICE: Limit = limit! {
    key: "transfer_notice_by",
    kind: Some(DeadlineKind::TransferNotice),
    anchor: Anchor::PlanTransferredIn,
    counting: Counting::WeeksAfter(6),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 15(4)",
    words: "within 6 weeks of the transfer",
};

/// Mediation held (regs. 36-37).
pub static MEDIATION: Limit = limit! {
    key: "mediation_by",
    kind: Some(DeadlineKind::Mediation),
    anchor: Anchor::MediationRequested,
    counting: Counting::DaysAfter(30),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 regs. 36-37",
    words: "within 30 days of the authority being told of the wish to mediate",
};

/// A step the Tribunal ordered (reg. 44(2)): the weeks differ by order and step, and
/// are given with the order. These are the authority's limits under the Regulations,
/// not Tribunal time, so they end as counted.
pub static TRIBUNAL_ORDER: Limit = limit! {
    key: "tribunal_order_step_by",
    kind: Some(DeadlineKind::TribunalOrder),
    anchor: Anchor::TribunalOrder,
    counting: Counting::WeeksPerStep,
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 44(2)",
    words: "within the period the regulation gives for the Tribunal's order",
};

/// The family's last day to contact a mediation adviser (reg. 33). A limit of the
/// Regulations, not of the Tribunal's rules, so it ends as counted.
pub static MEDIATION_CONTACT: Limit = limit! {
    key: "mediation_contact_by",
    kind: None,
    anchor: Anchor::DecisionNotice,
    counting: Counting::MonthsAfter(2),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 33",
    words: "2 months from the decision notice",
};

/// The mediation adviser's certificate (reg. 34).
pub static MEDIATION_CERTIFICATE: Limit = limit! {
    key: "certificate_due_by",
    kind: None,
    anchor: Anchor::MediationAdviserContacted,
    counting: Counting::WorkingDaysAfter(3),
    or_later: None,
    ends: Ending::AsCounted,
    citation: "SEND Regulations 2014 reg. 34",
    words: "3 working days from contact with the mediation adviser",
};

/// The family's last day to appeal to the First-tier Tribunal (SEND): 2 months after
/// the decision notice, or 1 month after the mediation certificate if that is later
/// (HESC Rules 2008 r.20(1)(c)). The only Tribunal time the clock counts, so the only
/// entry that ends as [`Ending::TribunalTime`] (r.12(2), r.12(3)(a)).
pub static APPEAL: Limit = limit! {
    key: "appeal_by",
    kind: None,
    anchor: Anchor::DecisionNotice,
    counting: Counting::MonthsAfter(2),
    or_later: Some((Anchor::MediationCertificate, Counting::MonthsAfter(1))),
    ends: Ending::TribunalTime,
    citation: "Tribunal Procedure (HESC) Rules 2008 r.20(1)(c)",
    words: "2 months from the decision notice, or 1 month from the mediation certificate if later; a last day from 25 December to 1 January or in August moves to the first working day after 1 January or 31 August (r.12(3)(a)), and any other last day that is not a working day to the next working day (r.12(2))",
};

/// Every entry of the table.
pub static ALL: [&Limit; 18] = [
    &DECIDE_WHETHER_TO_ASSESS,
    &ADVICE_DUE,
    &DECIDE_NOT_TO_ISSUE,
    &REPRESENTATIONS_DUE,
    &FINAL_PLAN,
    &ANNUAL_REVIEW,
    &REVIEW_PAPERS,
    &REVIEW_REPORT,
    &REVIEW_DECISION,
    &AMENDED_PLAN,
    &PHASE_TRANSFER,
    &PLAN_TRANSFER,
    &TRANSFER_NOTICE,
    &MEDIATION,
    &TRIBUNAL_ORDER,
    &MEDIATION_CONTACT,
    &MEDIATION_CERTIFICATE,
    &APPEAL,
];

/// The entry for a kind of deadline. The match is exhaustive, so a new kind cannot be
/// added without its entry.
pub fn of(kind: DeadlineKind) -> &'static Limit {
    match kind {
        DeadlineKind::DecideWhetherToAssess => &DECIDE_WHETHER_TO_ASSESS,
        DeadlineKind::AdviceDue => &ADVICE_DUE,
        DeadlineKind::DecideNotToIssue => &DECIDE_NOT_TO_ISSUE,
        DeadlineKind::RepresentationsDue => &REPRESENTATIONS_DUE,
        DeadlineKind::FinalPlan => &FINAL_PLAN,
        DeadlineKind::AnnualReview => &ANNUAL_REVIEW,
        DeadlineKind::ReviewPapers => &REVIEW_PAPERS,
        DeadlineKind::ReviewReport => &REVIEW_REPORT,
        DeadlineKind::ReviewDecision => &REVIEW_DECISION,
        DeadlineKind::AmendedPlan => &AMENDED_PLAN,
        DeadlineKind::PhaseTransfer => &PHASE_TRANSFER,
        DeadlineKind::PlanTransfer => &PLAN_TRANSFER,
        DeadlineKind::TransferNotice => &TRANSFER_NOTICE,
        DeadlineKind::Mediation => &MEDIATION,
        DeadlineKind::TribunalOrder => &TRIBUNAL_ORDER,
    }
}

/// The entry printed under `key` by `sendpanel clock`.
pub fn by_key(key: &str) -> Option<&'static Limit> {
    ALL.iter().copied().find(|limit| limit.key == key)
}

impl Limit {
    /// The name of its date: the key `sendpanel clock` prints it under.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The authority's deadline it sets, if it is one (the family's limits are not).
    pub fn kind(&self) -> Option<DeadlineKind> {
        self.kind
    }

    /// The date it counts from.
    pub fn anchor(&self) -> Anchor {
        self.anchor
    }

    /// Its period and how that is counted.
    pub fn counting(&self) -> Counting {
        self.counting
    }

    /// A second period from another date; the limit ends on the later of the two.
    pub fn or_later(&self) -> Option<(Anchor, Counting)> {
        self.or_later
    }

    /// What happens to a last day that is not a working day.
    pub fn ends(&self) -> Ending {
        self.ends
    }

    /// The regulation or section, e.g. "SEND Regulations 2014 reg. 5(1)".
    pub fn citation(&self) -> &'static str {
        self.citation
    }

    /// The citation and the limit in plain words, as papers, pages and letters show it.
    pub fn rule(&self) -> &'static str {
        self.rule
    }

    /// The last day, counted from `from` (the date of [`Self::anchor`]) and, when the
    /// limit has a second period and its date is known, from `later_from` too: the
    /// later of the two, then treated as [`Self::ends`] says.
    pub fn due(
        &self,
        from: NaiveDate,
        later_from: Option<NaiveDate>,
        holidays: &BankHolidays,
    ) -> Result<NaiveDate, ClockError> {
        self.count(from, later_from, Some(holidays))
    }

    /// [`Self::due`] for a limit counted in calendar days alone, for callers that hold
    /// no bank holidays. A limit that needs them (working days, Tribunal time) is an
    /// error here, never a date counted without them.
    pub fn calendar_due(
        &self,
        from: NaiveDate,
        later_from: Option<NaiveDate>,
    ) -> Result<NaiveDate, ClockError> {
        self.count(from, later_from, None)
    }

    /// The fixed day of the year of transfer for a limit counted that way (reg. 18).
    pub fn due_in_year(&self, year: i32, kind: TransferKind) -> Result<NaiveDate, ClockError> {
        let Counting::FixedDay { school, post16 } = self.counting else {
            return Err(self.uncountable("is not a fixed day of the year"));
        };
        let (month, day) = match kind {
            TransferKind::School => school,
            TransferKind::Post16 => post16,
        };
        NaiveDate::from_ymd_opt(year, month, day).ok_or(ClockError::OutOfRange(self.key))
    }

    /// The last day of a step given `weeks` from `from`, for a limit whose weeks differ
    /// by step (reg. 44(2)).
    pub fn step_due(&self, from: NaiveDate, weeks: u64) -> Result<NaiveDate, ClockError> {
        if self.counting != Counting::WeeksPerStep {
            return Err(self.uncountable("is not counted in weeks per step"));
        }
        weeks_after(from, weeks)
    }

    /// The anchor's date, counted back from a due date, for a limit counted in weeks or
    /// days (months cannot be counted back: 28 February may be 2 months after the 28th,
    /// 29th, 30th or 31st of December).
    pub fn anchor_of(&self, due: NaiveDate) -> Result<NaiveDate, ClockError> {
        if self.or_later.is_some() || self.ends != Ending::AsCounted {
            return Err(self.uncountable("cannot be counted back to its anchor"));
        }
        match self.counting {
            Counting::WeeksAfter(n) => weeks_before(due, n),
            Counting::WeeksBefore(n) => weeks_after(due, n),
            Counting::DaysAfter(n) => super::calendar::days_before(due, n),
            Counting::DaysBeginningWith(n) => {
                super::calendar::days_before(due, n.saturating_sub(1))
            }
            Counting::OnTheDay => Ok(due),
            _ => Err(self.uncountable("cannot be counted back to its anchor")),
        }
    }

    fn count(
        &self,
        from: NaiveDate,
        later_from: Option<NaiveDate>,
        holidays: Option<&BankHolidays>,
    ) -> Result<NaiveDate, ClockError> {
        let mut last = self.period(self.counting, from, holidays)?;
        if let (Some((_, counting)), Some(later_from)) = (self.or_later, later_from) {
            last = last.max(self.period(counting, later_from, holidays)?);
        }
        match self.ends {
            Ending::AsCounted => Ok(last),
            Ending::TribunalTime => match holidays {
                Some(holidays) => tribunal_time_ends(last, holidays),
                None => Err(self.uncountable("is Tribunal time, counted with bank holidays")),
            },
        }
    }

    fn period(
        &self,
        counting: Counting,
        from: NaiveDate,
        holidays: Option<&BankHolidays>,
    ) -> Result<NaiveDate, ClockError> {
        let working = |what| holidays.ok_or_else(|| self.uncountable(what));
        match counting {
            Counting::WeeksAfter(n) => weeks_after(from, n),
            Counting::WeeksBefore(n) => weeks_before(from, n),
            Counting::DaysAfter(n) => days_after(from, n),
            Counting::DaysBeginningWith(n) => days_beginning_with(from, n),
            Counting::MonthsAfter(n) => months_after(from, n),
            Counting::MonthsStartingWith(n) => months_starting_with(from, n),
            Counting::WorkingDaysAfter(n) => {
                working("is counted in working days")?.working_days_after(from, n)
            }
            Counting::WorkingDaysBeginningWith(n) => {
                working("is counted in working days")?.working_days_beginning_with(from, n)
            }
            Counting::OnTheDay => Ok(from),
            Counting::FixedDay { .. } => Err(self.uncountable("is a fixed day of the year")),
            Counting::WeeksPerStep => Err(self.uncountable("has its weeks given by step")),
        }
    }

    fn uncountable(&self, problem: &'static str) -> ClockError {
        ClockError::Uncountable {
            key: self.key,
            problem,
        }
    }
}

/// The day Tribunal time ends, from the last day counted (Tribunal Procedure (HESC)
/// Rules 2008):
///
/// - r.12(3)(a): in a special educational needs case, if the time for providing the
///   application notice (the appeal, r.20) ends on a day from 25 December to 1 January
///   inclusive, or on any day in August, the notice is in time on the first working
///   day after 1 January or 31 August;
/// - r.12(2): if the time for doing any act ends on a day other than a working day,
///   the act is done in time if it is done on the next working day. Working days are
///   those of [`BankHolidays`]: not a Saturday, Sunday, Christmas Day, Good Friday or
///   bank holiday (r.1(3)).
///
/// Both test the day the time ends as counted, so a counted Saturday 24 December ends
/// on the next working day (27 or 28 December), not in January: r.12(3)(a) does not
/// reach a day that r.12(2) moved into the window. Families are told the earlier day.
///
/// Only Tribunal time: the authority's limits under the Act and the Regulations end
/// on the day counted, even a Sunday.
pub fn tribunal_time_ends(
    last: NaiveDate,
    holidays: &BankHolidays,
) -> Result<NaiveDate, ClockError> {
    let (year, month, day) = (last.year(), last.month(), last.day());
    let christmas = (month == 12 && day >= 25) || (month == 1 && day == 1);
    if christmas {
        let new_year = if month == 12 { year + 1 } else { year };
        let first =
            NaiveDate::from_ymd_opt(new_year, 1, 1).ok_or(ClockError::OutOfRange(APPEAL.key))?;
        return holidays.first_working_day_after(first);
    }
    if month == 8 {
        let end = NaiveDate::from_ymd_opt(year, 8, 31).ok_or(ClockError::OutOfRange(APPEAL.key))?;
        return holidays.first_working_day_after(end);
    }
    if holidays.is_working_day(last) {
        Ok(last)
    } else {
        holidays.first_working_day_after(last)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use strum::IntoEnumIterator;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn every_kind_has_one_entry_and_every_key_is_unique() {
        for kind in DeadlineKind::iter() {
            assert_eq!(of(kind).kind(), Some(kind));
            assert_eq!(ALL.iter().filter(|l| l.kind() == Some(kind)).count(), 1);
            assert_eq!(kind.rule(), of(kind).rule());
        }
        let keys: BTreeSet<_> = ALL.iter().map(|l| l.key()).collect();
        assert_eq!(keys.len(), ALL.len());
        for limit in ALL {
            assert_eq!(by_key(limit.key()), Some(limit));
            assert!(
                limit.rule().starts_with(limit.citation()),
                "{}",
                limit.key()
            );
        }
    }

    /// The words of each rule state the numbers the entry counts with, so the text on
    /// a letter cannot say 6 weeks while the date is counted with 8.
    #[test]
    fn each_rule_states_its_own_period() {
        let count =
            |n: u64, unit: &str| vec![format!("{n} {unit}{}", if n == 1 { "" } else { "s" })];
        let words = |counting: Counting| -> Vec<String> {
            match counting {
                Counting::WeeksAfter(n) | Counting::WeeksBefore(n) => count(n, "week"),
                Counting::DaysAfter(n) | Counting::DaysBeginningWith(n) => count(n, "day"),
                Counting::MonthsAfter(n) | Counting::MonthsStartingWith(n) => {
                    count(n.into(), "month")
                }
                Counting::WorkingDaysAfter(n) | Counting::WorkingDaysBeginningWith(n) => {
                    count(n.into(), "working day")
                }
                Counting::OnTheDay => vec!["on the day".to_owned()],
                Counting::FixedDay { school, post16 } => [school, post16]
                    .iter()
                    .map(|(m, day)| d(2025, *m, *day).format("%-d %B").to_string())
                    .collect(),
                Counting::WeeksPerStep => vec![],
            }
        };
        for limit in ALL {
            let mut wanted = words(limit.counting());
            if let Some((_, counting)) = limit.or_later() {
                wanted.extend(words(counting));
            }
            for fragment in wanted {
                assert!(
                    limit.rule().contains(&fragment),
                    "{}: {:?} does not say {fragment:?}",
                    limit.key(),
                    limit.rule()
                );
            }
        }
    }

    #[test]
    fn only_the_appeal_is_tribunal_time() {
        let tribunal: Vec<_> = ALL
            .iter()
            .filter(|l| l.ends() == Ending::TribunalTime)
            .map(|l| l.key())
            .collect();
        assert_eq!(tribunal, vec!["appeal_by"]);
        // The authority's limits end as counted, even on a Sunday: 6 weeks from
        // Sunday 2 March 2025 is Sunday 13 April.
        let holidays = BankHolidays::england_and_wales();
        assert_eq!(
            DECIDE_WHETHER_TO_ASSESS.due(d(2025, 3, 2), None, &holidays),
            Ok(d(2025, 4, 13))
        );
        // So is the family's own limit under the Regulations: 2 months from Monday 10
        // March 2025 is Saturday 10 May for the mediation adviser, Monday 12 May to appeal.
        assert_eq!(
            MEDIATION_CONTACT.due(d(2025, 3, 10), None, &holidays),
            Ok(d(2025, 5, 10))
        );
        assert_eq!(
            APPEAL.due(d(2025, 3, 10), None, &holidays),
            Ok(d(2025, 5, 12))
        );
    }

    #[test]
    fn tribunal_time_ending_on_a_sunday_or_a_bank_holiday_ends_on_the_next_working_day() {
        let holidays = BankHolidays::england_and_wales();
        // 2 months from 11 March 2025 is Sunday 11 May: Monday 12 May.
        assert_eq!(
            APPEAL.due(d(2025, 3, 11), None, &holidays),
            Ok(d(2025, 5, 12))
        );
        // 2 months from 26 March 2025 is Monday 26 May, the spring bank holiday.
        assert_eq!(
            APPEAL.due(d(2025, 3, 26), None, &holidays),
            Ok(d(2025, 5, 27))
        );
        // 2 months from 18 February 2025 is Good Friday, 18 April: past the weekend
        // and Easter Monday to Tuesday 22 April.
        assert_eq!(
            APPEAL.due(d(2025, 2, 18), None, &holidays),
            Ok(d(2025, 4, 22))
        );
        // A later certificate's month ending on Saturday 14 June 2025: Monday 16 June.
        assert_eq!(
            APPEAL.due(d(2025, 3, 10), Some(d(2025, 5, 14)), &holidays),
            Ok(d(2025, 6, 16))
        );
        // A working day stays.
        assert_eq!(
            APPEAL.due(d(2025, 3, 12), None, &holidays),
            Ok(d(2025, 5, 12))
        );
    }

    #[test]
    fn christmas_and_august_move_before_the_weekend_rule_and_only_from_the_day_counted() {
        let holidays = BankHolidays::england_and_wales();
        // Saturday 30 August 2025 (r.12(3)(a)): the first working day after 31 August.
        assert_eq!(
            tribunal_time_ends(d(2025, 8, 30), &holidays),
            Ok(d(2025, 9, 1))
        );
        // Sunday 28 December 2025: the first working day after 1 January.
        assert_eq!(
            tribunal_time_ends(d(2025, 12, 28), &holidays),
            Ok(d(2026, 1, 2))
        );
        // Saturday 24 December 2022 is outside the window: r.12(2) alone, past Boxing
        // Day and the substitute Christmas holiday, to Wednesday 28 December.
        assert_eq!(
            tribunal_time_ends(d(2022, 12, 24), &holidays),
            Ok(d(2022, 12, 28))
        );
        // Saturday 31 July 2027: r.12(2) alone, Monday 2 August.
        assert_eq!(
            tribunal_time_ends(d(2027, 7, 31), &holidays),
            Ok(d(2027, 8, 2))
        );
    }

    #[test]
    fn limits_counted_with_working_days_refuse_to_count_without_them() {
        assert!(APPEAL.calendar_due(d(2025, 3, 10), None).is_err());
        assert!(
            MEDIATION_CERTIFICATE
                .calendar_due(d(2025, 3, 10), None)
                .is_err()
        );
        assert!(PLAN_TRANSFER.calendar_due(d(2025, 3, 10), None).is_err());
        assert_eq!(
            FINAL_PLAN.calendar_due(d(2025, 1, 1), None),
            Ok(d(2025, 5, 21))
        );
    }

    #[test]
    fn the_later_of_two_periods() {
        let holidays = BankHolidays::england_and_wales();
        // Reg 15(5): last reviewed 1 June 2024, transferred 1 May 2025: 12 months end
        // 31 May 2025, 3 months from the transfer 1 August 2025, the later.
        assert_eq!(
            ANNUAL_REVIEW.calendar_due(d(2024, 6, 1), Some(d(2025, 5, 1))),
            Ok(d(2025, 8, 1))
        );
        assert_eq!(
            ANNUAL_REVIEW.calendar_due(d(2024, 6, 1), None),
            Ok(d(2025, 5, 31))
        );
        // Reg 15(2): aware Monday 3 March 2025, moving 1 April: the day of the move;
        // moving 10 March: the 15th working day, 21 March.
        assert_eq!(
            PLAN_TRANSFER.due(d(2025, 3, 3), Some(d(2025, 4, 1)), &holidays),
            Ok(d(2025, 4, 1))
        );
        assert_eq!(
            PLAN_TRANSFER.due(d(2025, 3, 3), Some(d(2025, 3, 10)), &holidays),
            Ok(d(2025, 3, 21))
        );
    }

    #[test]
    fn weeks_and_days_count_back_to_their_anchor() {
        for limit in ALL {
            let from = d(2025, 2, 14);
            if let Ok(due) = limit.calendar_due(from, None)
                && let Ok(back) = limit.anchor_of(due)
            {
                assert_eq!(back, from, "{}", limit.key());
            }
        }
        assert_eq!(ADVICE_DUE.anchor_of(d(2025, 2, 12)), Ok(d(2025, 1, 1)));
        assert_eq!(
            REPRESENTATIONS_DUE.anchor_of(d(2025, 6, 15)),
            Ok(d(2025, 6, 1))
        );
        assert_eq!(REVIEW_DECISION.anchor_of(d(2025, 3, 31)), Ok(d(2025, 3, 3)));
        assert!(ANNUAL_REVIEW.anchor_of(d(2025, 2, 28)).is_err());
        assert!(APPEAL.anchor_of(d(2025, 5, 12)).is_err());
    }

    #[test]
    fn fixed_days_and_steps() {
        assert_eq!(
            PHASE_TRANSFER.due_in_year(2027, TransferKind::School),
            Ok(d(2027, 2, 15))
        );
        assert_eq!(
            PHASE_TRANSFER.due_in_year(2026, TransferKind::Post16),
            Ok(d(2026, 3, 31))
        );
        assert!(FINAL_PLAN.due_in_year(2026, TransferKind::School).is_err());
        assert_eq!(
            TRIBUNAL_ORDER.step_due(d(2025, 1, 1), 2),
            Ok(d(2025, 1, 15))
        );
        assert!(FINAL_PLAN.step_due(d(2025, 1, 1), 2).is_err());
    }
}
