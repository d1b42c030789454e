//! From a case's dates to its deadlines: every limit of the table ([`super::limits`])
//! whose anchor is known, by the limit's key. [`ClockFacts::from_json`] is the input
//! `sendpanel clock` reads.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::ClockError;
use super::holidays::BankHolidays;
use super::limits::{self, Anchor, Limit};

/// Which phase transfer a plan is reviewed for (Reg 18).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
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

    /// Every limit of the table ([`limits::ALL`]) whose anchor is among the facts, by
    /// its key: a second period ("or, if later") counts only when its date is given.
    pub fn deadlines(&self, holidays: &BankHolidays) -> Result<Deadlines, ClockError> {
        let mut out = Deadlines::new();
        for limit in limits::ALL {
            let due = match (limit.anchor(), self.transfer) {
                (Anchor::YearOfTransfer, Some((year, kind))) => {
                    Some(limit.due_in_year(year, kind)?)
                }
                (anchor, _) => match self.date_of(anchor) {
                    Some(from) => {
                        let later_from = limit
                            .or_later()
                            .and_then(|(anchor, _)| self.date_of(anchor));
                        Some(limit.due(from, later_from, holidays)?)
                    }
                    None => None,
                },
            };
            if let Some(due) = due {
                out.insert(limit.key(), due);
            }
        }
        Ok(out)
    }

    /// The date of an anchor among the facts; `None` when not given, or when the clock
    /// reads no such date (a move, a transfer in, a Tribunal order).
    fn date_of(&self, anchor: Anchor) -> Option<NaiveDate> {
        match anchor {
            Anchor::RequestReceived => self.request_received,
            Anchor::AdviceRequested => self.advice_requested,
            Anchor::DraftPlanServed => self.draft_plan_served,
            // CFA s.44(1): each 12 months start with the last review, else the issue.
            Anchor::PlanIssuedOrLastReview => self.last_review_decision.or(self.plan_issued),
            Anchor::ReviewMeeting => self.review_meeting,
            Anchor::AmendmentProposalsSent => self.amendment_proposals_sent,
            Anchor::DecisionNotice => self.decision_notice_sent,
            Anchor::MediationCertificate => self.mediation_certificate_issued,
            Anchor::MediationAdviserContacted => self.mediation_adviser_contacted,
            Anchor::MediationRequested => self.mediation_requested,
            Anchor::YearOfTransfer
            | Anchor::AwareOfMove
            | Anchor::DayOfMove
            | Anchor::PlanTransferredIn
            | Anchor::TribunalOrder => None,
        }
    }
}

/// The rule behind each output key, as the table words it, for `--explain` and for
/// papers.
pub fn rule_of(key: &str) -> Option<&'static str> {
    limits::by_key(key).map(Limit::rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn appeal_by(notice: NaiveDate, certificate: Option<NaiveDate>) -> Option<NaiveDate> {
        let facts = ClockFacts {
            decision_notice_sent: Some(notice),
            mediation_certificate_issued: certificate,
            ..ClockFacts::default()
        };
        let dates = facts.deadlines(&BankHolidays::england_and_wales()).ok()?;
        dates.get("appeal_by").copied()
    }

    /// Tribunal time ending on a day that is not a working day ends on the next working
    /// day (HESC Rules 2008 r.12(2)).
    #[test]
    fn an_appeal_date_on_a_sunday_or_a_bank_holiday_moves_to_the_next_working_day() {
        // 2 months from Tuesday 11 March 2025: Sunday 11 May, so Monday 12 May.
        assert_eq!(appeal_by(d(2025, 3, 11), None), Some(d(2025, 5, 12)));
        // 2 months from Wednesday 26 March 2025: Monday 26 May, the spring bank
        // holiday, so Tuesday 27 May.
        assert_eq!(appeal_by(d(2025, 3, 26), None), Some(d(2025, 5, 27)));
        // 1 month from a later certificate, Wednesday 14 May 2025: Saturday 14 June, so
        // Monday 16 June.
        assert_eq!(
            appeal_by(d(2025, 3, 10), Some(d(2025, 5, 14))),
            Some(d(2025, 6, 16))
        );
    }

    #[test]
    fn the_regulations_own_limits_do_not_move_off_a_weekend() {
        let facts = ClockFacts {
            request_received: Some(d(2025, 3, 2)),
            decision_notice_sent: Some(d(2025, 3, 11)),
            ..ClockFacts::default()
        };
        let dates = facts.deadlines(&BankHolidays::england_and_wales());
        let dates = dates.as_ref().ok();
        // Sunday 13 April 2025 (reg. 5(1)) and Sunday 11 May (reg. 33) stay.
        assert_eq!(
            dates.and_then(|d| d.get("decide_whether_to_assess_by")),
            Some(&d(2025, 4, 13))
        );
        assert_eq!(
            dates.and_then(|d| d.get("mediation_contact_by")),
            Some(&d(2025, 5, 11))
        );
        assert_eq!(
            dates.and_then(|d| d.get("appeal_by")),
            Some(&d(2025, 5, 12))
        );
    }

    #[test]
    fn every_output_key_has_its_rule() {
        let facts = ClockFacts {
            request_received: Some(d(2025, 1, 1)),
            advice_requested: Some(d(2025, 1, 2)),
            draft_plan_served: Some(d(2025, 3, 1)),
            plan_issued: Some(d(2025, 4, 1)),
            last_review_decision: Some(d(2026, 3, 1)),
            review_meeting: Some(d(2026, 2, 1)),
            amendment_proposals_sent: Some(d(2026, 3, 1)),
            transfer: Some((2027, TransferKind::School)),
            decision_notice_sent: Some(d(2026, 3, 1)),
            mediation_adviser_contacted: Some(d(2026, 3, 2)),
            mediation_requested: Some(d(2026, 3, 3)),
            mediation_certificate_issued: Some(d(2026, 3, 4)),
        };
        let dates = facts.deadlines(&BankHolidays::england_and_wales());
        assert_eq!(dates.as_ref().map(Deadlines::len), Ok(15));
        for key in dates.iter().flat_map(|d| d.keys()) {
            assert!(rule_of(key).is_some(), "{key}");
        }
    }
}
