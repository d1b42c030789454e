//! The statutory limits, from a case's dates to its deadlines. Each output names its
//! rule; [`ClockFacts::from_json`] is the input `sendpanel clock` reads.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::ClockError;
use super::calendar::{
    days_after, days_before, days_beginning_with, months_after, months_starting_with, weeks_after,
};
use super::holidays::BankHolidays;

/// Which phase transfer a plan is reviewed for (Reg 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// Between school phases (early years, infant, junior, primary, middle, secondary):
    /// reviewed and amended by 15 February of the year of transfer.
    School,
    /// From secondary school to post-16: by 31 March of the year of transfer.
    #[serde(rename = "post16")]
    Post16,
}

/// The dates of a case the clock counts from; any may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockFacts {
    /// The request for an EHC needs assessment was received.
    pub request_received: Option<NaiveDate>,
    /// Advice was requested of a professional.
    pub advice_requested: Option<NaiveDate>,
    /// The draft plan was served.
    pub draft_plan_served: Option<NaiveDate>,
    /// The final plan was issued.
    pub plan_issued: Option<NaiveDate>,
    /// The authority's last annual review decision.
    pub last_review_decision: Option<NaiveDate>,
    /// An annual review meeting.
    pub review_meeting: Option<NaiveDate>,
    /// The plan with proposed amendments was sent.
    pub amendment_proposals_sent: Option<NaiveDate>,
    /// The calendar year of a phase transfer, with its kind.
    pub transfer: Option<(i32, TransferKind)>,
    /// A decision notice carrying appeal rights was sent.
    pub decision_notice_sent: Option<NaiveDate>,
    /// The parent or young person contacted a mediation adviser.
    pub mediation_adviser_contacted: Option<NaiveDate>,
    /// The authority was told the parent or young person wants mediation.
    pub mediation_requested: Option<NaiveDate>,
    /// The mediation certificate was issued.
    pub mediation_certificate_issued: Option<NaiveDate>,
}

/// (later key, its date, earlier key, its date, why the later cannot come first).
type OrderRule<'a> = (
    &'a str,
    Option<NaiveDate>,
    &'a str,
    Option<NaiveDate>,
    &'a str,
);

/// The deadlines worked out, by output key, in key order.
pub type Deadlines = BTreeMap<&'static str, NaiveDate>;

const DATE_KEYS: [&str; 11] = [
    "request_received",
    "advice_requested",
    "draft_plan_served",
    "plan_issued",
    "last_review_decision",
    "review_meeting",
    "amendment_proposals_sent",
    "decision_notice_sent",
    "mediation_adviser_contacted",
    "mediation_requested",
    "mediation_certificate_issued",
];

const OTHER_KEYS: [&str; 2] = ["transfer_year", "transfer_kind"];

fn known_keys() -> String {
    DATE_KEYS
        .iter()
        .chain(OTHER_KEYS.iter())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

fn bad(key: &str, problem: impl Into<String>) -> ClockError {
    ClockError::BadValue {
        key: key.to_owned(),
        problem: problem.into(),
    }
}

fn parse_date(key: &str, value: &Value) -> Result<NaiveDate, ClockError> {
    let text = value.as_str().ok_or_else(|| {
        bad(
            key,
            format!("{value} must be a date written \"YYYY-MM-DD\""),
        )
    })?;
    // `parse_from_str` alone accepts "2025-1-5"; statutory dates are written in full.
    let well_formed = text.len() == 10 && text.as_bytes().get(4) == Some(&b'-');
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| well_formed)
        .ok_or_else(|| {
            bad(
                key,
                format!("\"{text}\" is not a calendar date written YYYY-MM-DD"),
            )
        })
}

impl ClockFacts {
    /// Reads the JSON object `sendpanel clock` takes: dates as `"YYYY-MM-DD"`,
    /// `transfer_year` as a number and `transfer_kind` as `"school"` or `"post16"`.
    pub fn from_json(value: &Value) -> Result<Self, ClockError> {
        let object: &Map<String, Value> = value
            .as_object()
            .ok_or_else(|| bad("input", "must be one JSON object"))?;
        let mut dates: BTreeMap<&str, NaiveDate> = BTreeMap::new();
        let mut year = None;
        let mut kind = None;
        for (key, value) in object {
            match key.as_str() {
                "transfer_year" => {
                    let y = value
                        .as_i64()
                        .filter(|y| (2000..=2100).contains(y))
                        .ok_or_else(|| {
                            bad(key, format!("{value} must be a year from 2000 to 2100"))
                        })?;
                    year = i32::try_from(y).ok();
                }
                "transfer_kind" => {
                    kind = Some(match value.as_str() {
                        Some("school") => TransferKind::School,
                        Some("post16") => TransferKind::Post16,
                        _ => {
                            return Err(bad(
                                key,
                                format!("{value} must be \"school\" or \"post16\""),
                            ));
                        }
                    });
                }
                other => match DATE_KEYS.iter().find(|k| **k == other) {
                    Some(known) => {
                        dates.insert(known, parse_date(known, value)?);
                    }
                    None => {
                        return Err(ClockError::UnknownKey {
                            key: other.to_owned(),
                            known: known_keys(),
                        });
                    }
                },
            }
        }
        let transfer = match (year, kind) {
            (Some(y), Some(k)) => Some((y, k)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ClockError::Inconsistent {
                    key: "transfer_year".to_owned(),
                    problem: "needs transfer_kind (\"school\" or \"post16\") too".to_owned(),
                });
            }
            (None, Some(_)) => {
                return Err(ClockError::Inconsistent {
                    key: "transfer_kind".to_owned(),
                    problem: "needs transfer_year too".to_owned(),
                });
            }
        };
        let get = |k: &str| dates.get(k).copied();
        let facts = Self {
            request_received: get("request_received"),
            advice_requested: get("advice_requested"),
            draft_plan_served: get("draft_plan_served"),
            plan_issued: get("plan_issued"),
            last_review_decision: get("last_review_decision"),
            review_meeting: get("review_meeting"),
            amendment_proposals_sent: get("amendment_proposals_sent"),
            transfer,
            decision_notice_sent: get("decision_notice_sent"),
            mediation_adviser_contacted: get("mediation_adviser_contacted"),
            mediation_requested: get("mediation_requested"),
            mediation_certificate_issued: get("mediation_certificate_issued"),
        };
        facts.check_order()?;
        Ok(facts)
    }

    /// Refuses dates in an order the process cannot produce.
    fn check_order(&self) -> Result<(), ClockError> {
        let rules: [OrderRule<'_>; 12] = [
            (
                "advice_requested",
                self.advice_requested,
                "request_received",
                self.request_received,
                "advice is requested during the assessment that follows the request",
            ),
            (
                "draft_plan_served",
                self.draft_plan_served,
                "request_received",
                self.request_received,
                "a draft plan cannot be served before the request",
            ),
            (
                "plan_issued",
                self.plan_issued,
                "request_received",
                self.request_received,
                "a plan cannot be issued before the request",
            ),
            (
                "plan_issued",
                self.plan_issued,
                "draft_plan_served",
                self.draft_plan_served,
                "the final plan follows the draft",
            ),
            (
                "decision_notice_sent",
                self.decision_notice_sent,
                "request_received",
                self.request_received,
                "a decision cannot come before the request",
            ),
            (
                "last_review_decision",
                self.last_review_decision,
                "plan_issued",
                self.plan_issued,
                "a plan is reviewed after it is issued",
            ),
            (
                "review_meeting",
                self.review_meeting,
                "plan_issued",
                self.plan_issued,
                "a plan is reviewed after it is issued",
            ),
            (
                "amendment_proposals_sent",
                self.amendment_proposals_sent,
                "plan_issued",
                self.plan_issued,
                "only an issued plan can be amended",
            ),
            (
                "mediation_adviser_contacted",
                self.mediation_adviser_contacted,
                "decision_notice_sent",
                self.decision_notice_sent,
                "mediation advice follows the decision notice",
            ),
            (
                "mediation_requested",
                self.mediation_requested,
                "decision_notice_sent",
                self.decision_notice_sent,
                "mediation follows the decision notice",
            ),
            (
                "mediation_certificate_issued",
                self.mediation_certificate_issued,
                "decision_notice_sent",
                self.decision_notice_sent,
                "a certificate follows the decision notice",
            ),
            (
                "mediation_certificate_issued",
                self.mediation_certificate_issued,
                "mediation_adviser_contacted",
                self.mediation_adviser_contacted,
                "a certificate follows contact with the mediation adviser",
            ),
        ];
        for (key, later, earlier_key, earlier, why) in rules {
            if let (Some(later), Some(earlier)) = (later, earlier)
                && later < earlier
            {
                return Err(ClockError::Inconsistent {
                    key: key.to_owned(),
                    problem: format!("{later} is before {earlier_key} ({earlier}): {why}"),
                });
            }
        }
        Ok(())
    }

    /// Every deadline whose inputs are present.
    pub fn deadlines(&self, holidays: &BankHolidays) -> Result<Deadlines, ClockError> {
        let mut out = Deadlines::new();
        if let Some(received) = self.request_received {
            out.insert("decide_whether_to_assess_by", weeks_after(received, 6)?);
            out.insert("decide_not_to_issue_by", weeks_after(received, 16)?);
            out.insert("final_plan_by", weeks_after(received, 20)?);
        }
        if let Some(asked) = self.advice_requested {
            out.insert("advice_due_by", weeks_after(asked, 6)?);
        }
        if let Some(served) = self.draft_plan_served {
            out.insert("representations_due_by", days_beginning_with(served, 15)?);
        }
        if let Some(start) = self.last_review_decision.or(self.plan_issued) {
            out.insert("annual_review_by", months_starting_with(start, 12)?);
        }
        if let Some(meeting) = self.review_meeting {
            out.insert("review_papers_by", days_before(meeting, 14)?);
            out.insert("review_report_by", weeks_after(meeting, 2)?);
            out.insert("review_decision_by", weeks_after(meeting, 4)?);
        }
        if let Some(sent) = self.amendment_proposals_sent {
            out.insert("amended_plan_by", weeks_after(sent, 8)?);
        }
        if let Some((year, kind)) = self.transfer {
            let (month, day) = match kind {
                TransferKind::School => (2, 15),
                TransferKind::Post16 => (3, 31),
            };
            let date = NaiveDate::from_ymd_opt(year, month, day)
                .ok_or(ClockError::OutOfRange("transfer_year"))?;
            out.insert("phase_transfer_by", date);
        }
        if let Some(notice) = self.decision_notice_sent {
            out.insert("mediation_contact_by", months_after(notice, 2)?);
            let mut appeal = months_after(notice, 2)?;
            if let Some(certificate) = self.mediation_certificate_issued {
                appeal = appeal.max(months_after(certificate, 1)?);
            }
            out.insert("appeal_by", tribunal_rule_20(appeal, holidays)?);
        }
        if let Some(contacted) = self.mediation_adviser_contacted {
            out.insert(
                "certificate_due_by",
                holidays.working_days_after(contacted, 3)?,
            );
        }
        if let Some(requested) = self.mediation_requested {
            out.insert("mediation_by", days_after(requested, 30)?);
        }
        Ok(out)
    }
}

/// Tribunal Procedure (HESC) Rules 2008 r.20: an appeal deadline falling from 25 December
/// to 1 January moves to the first working day after 1 January; one in August, to the
/// first working day after 31 August.
pub fn tribunal_rule_20(
    deadline: NaiveDate,
    holidays: &BankHolidays,
) -> Result<NaiveDate, ClockError> {
    let year = deadline.year();
    let christmas = (deadline.month() == 12 && deadline.day() >= 25)
        || (deadline.month() == 1 && deadline.day() == 1);
    if christmas {
        let new_year = if deadline.month() == 12 {
            year + 1
        } else {
            year
        };
        let first =
            NaiveDate::from_ymd_opt(new_year, 1, 1).ok_or(ClockError::OutOfRange("appeal_by"))?;
        return holidays.first_working_day_after(first);
    }
    if deadline.month() == 8 {
        let end =
            NaiveDate::from_ymd_opt(year, 8, 31).ok_or(ClockError::OutOfRange("appeal_by"))?;
        return holidays.first_working_day_after(end);
    }
    Ok(deadline)
}

/// The rule behind each output key, for `--explain` and for papers.
pub fn rule_of(key: &str) -> Option<&'static str> {
    Some(match key {
        "decide_whether_to_assess_by" => {
            "SEND Regulations 2014 reg. 5(1): 6 weeks from receiving the request"
        }
        "decide_not_to_issue_by" => {
            "SEND Regulations 2014 reg. 10(1): 16 weeks from receiving the request"
        }
        "final_plan_by" => "SEND Regulations 2014 reg. 13(2): 20 weeks from receiving the request",
        "advice_due_by" => "SEND Regulations 2014 reg. 8(1): 6 weeks from the request for advice",
        "representations_due_by" => {
            "SEND Regulations 2014 reg. 13(1): 15 days beginning with the day the draft is served"
        }
        "annual_review_by" => {
            "Children and Families Act 2014 s.44(1): within 12 months starting with the plan's issue or last review"
        }
        "review_papers_by" => {
            "SEND Regulations 2014 regs. 20(3)-(4), 21: at least 2 weeks before the meeting"
        }
        "review_report_by" => {
            "SEND Regulations 2014 regs. 20(7), 21(7): within 2 weeks of the meeting"
        }
        "review_decision_by" => "SEND Regulations 2014 reg. 20(10): within 4 weeks of the meeting",
        "amended_plan_by" => {
            "SEND Regulations 2014 reg. 22(3): 8 weeks from sending the proposed amendments"
        }
        "phase_transfer_by" => {
            "SEND Regulations 2014 reg. 18: 15 February (school) or 31 March (post-16) of the year of transfer"
        }
        "mediation_contact_by" => {
            "SEND Regulations 2014 reg. 33: 2 months from the decision notice"
        }
        "certificate_due_by" => {
            "SEND Regulations 2014 reg. 34: 3 working days from contact with the mediation adviser"
        }
        "mediation_by" => {
            "SEND Regulations 2014 regs. 36-37: 30 days from the authority being told"
        }
        "appeal_by" => {
            "Tribunal Procedure (HESC) Rules 2008 r.20: 2 months from the notice, or 1 month from the mediation certificate if later; Christmas and August deadlines move"
        }
        _ => return None,
    })
}
