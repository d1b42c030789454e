//! Journeys the workflow tests share: a request as a setting would make it, a decision
//! whether to assess, and a request taken all the way to a final plan, so each test
//! starts from the stage it is about instead of repeating the steps before it.

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{CaseId, NeedType, RequestedBy, SettingType, UserId};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_core::workflow::{
    AssessDecision, DecideWhetherToAssess, DecideWhetherToIssue, IssueDecision, IssueFinalPlan,
    ReceiveRequest, ServeDraftPlan, decide_whether_to_assess, decide_whether_to_issue,
    issue_final_plan, receive_request, serve_draft_plan,
};

use crate::fixtures::{date, upn};

/// 10:00 in England on the given day, for steps taken later in the journey.
pub fn on(year: i32, month: u32, day: u32) -> FixedClock {
    use chrono::TimeZone;
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(year, month, day, 9, 0, 0)
            .single()
            .unwrap(),
    )
}

/// A request from a setting, received 4 September 2023; `serial` makes the UPN unique.
pub fn request(serial: u16) -> ReceiveRequest {
    ReceiveRequest {
        given_name: "Alex".into(),
        family_name: "Example".into(),
        date_of_birth: date(2016, 3, 14),
        upn: Some(upn(880, serial).to_string()),
        authority_reference: None,
        confirm_new_child: false,
        nhs_number: None,
        received_on: date(2023, 9, 4),
        requested_by: RequestedBy::Setting,
        requester: "Ms P. Senco, SENCO at Example Primary".into(),
        setting_type: SettingType::Mainstream,
        primary_need: NeedType::Mld,
        summary: "Two reviewed cycles of literacy support; little progress.".into(),
        contact_email: Some(format!("parent{serial}@example.org")),
    }
}

/// A decision whether to assess made on 2 October 2023 by `who`.
pub fn decide(who: UserId, decision: AssessDecision, reasons: &str) -> DecideWhetherToAssess {
    DecideWhetherToAssess {
        decision,
        reasons: reasons.into(),
        departure_reason: None,
        decided_by: who,
        decided_on: date(2023, 10, 2),
    }
}

/// A request taken through the existing commands to a final plan issued on 10 January
/// 2024 (received 4 September 2023, assessed 2 October, issue decided 24 November,
/// draft served 1 December), whose first annual review is due by 9 January 2025.
pub fn plan_issued_on_10_january_2024(
    db: &Database,
    scope: &AuthorityScope,
    serial: u16,
    caseworker: UserId,
    chair: UserId,
) -> CaseId {
    plan_issued_on_10_january_2024_for(db, scope, &request(serial), caseworker, chair)
}

/// [`plan_issued_on_10_january_2024`] for the child or young person of `request` (its
/// date of birth, say), received on its `received_on` (4 September 2023 or before).
pub fn plan_issued_on_10_january_2024_for(
    db: &Database,
    scope: &AuthorityScope,
    request: &ReceiveRequest,
    caseworker: UserId,
    chair: UserId,
) -> CaseId {
    let holidays = BankHolidays::england_and_wales();
    let case = receive_request(db, scope, request, Some(caseworker), &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    decide_whether_to_assess(
        db,
        scope,
        case,
        &decide(
            chair,
            AssessDecision::Assess,
            "The evidence shows the child may need provision through a plan.",
        ),
        &holidays,
        &on(2023, 10, 2),
    )
    .unwrap();
    decide_whether_to_issue(
        db,
        scope,
        case,
        &DecideWhetherToIssue {
            decision: IssueDecision::Issue,
            reasons: "The assessment shows provision is needed beyond what the school can make."
                .into(),
            decided_by: chair,
            decided_on: date(2023, 11, 24),
        },
        &holidays,
        &on(2023, 11, 24),
    )
    .unwrap();
    serve_draft_plan(
        db,
        scope,
        case,
        &ServeDraftPlan {
            served_on: date(2023, 12, 1),
        },
        caseworker,
        &on(2023, 12, 1),
    )
    .unwrap();
    let issued = issue_final_plan(
        db,
        scope,
        case,
        &IssueFinalPlan {
            issued_on: date(2024, 1, 10),
        },
        caseworker,
        &on(2024, 1, 10),
    )
    .unwrap();
    assert_eq!(issued.annual_review.due_on, date(2025, 1, 9));
    case
}

/// A clock the test moves forward, as the months of a case (or the hours of a
/// session) pass. Every command refuses a date after "today", so a journey that runs
/// for a year needs today to move with it; the app reads this clock through its state
/// exactly as it reads the real one.
#[derive(Debug)]
pub struct SteppedClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl SteppedClock {
    /// A clock that reads `at` until moved.
    pub fn starting(at: FixedClock) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self(std::sync::Mutex::new(at.0)))
    }

    /// A clock that reads `day`, 09:00 UTC, until moved.
    pub fn on_day(day: chrono::NaiveDate) -> std::sync::Arc<Self> {
        let clock = Self::starting(FixedClock(chrono::DateTime::UNIX_EPOCH));
        clock.set_today(day);
        clock
    }

    /// Moves today to `day`, 09:00 UTC (morning in London, winter or summer).
    pub fn set_today(&self, day: chrono::NaiveDate) {
        if let Some(at) = day.and_hms_opt(9, 0, 0) {
            *self.lock() = at.and_utc();
        }
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.lock();
        *now += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, chrono::DateTime<chrono::Utc>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl sendpanel_core::time::Clock for SteppedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.lock()
    }
}

/// Every case of `scope` is at the stage its own events fold to: the stage the
/// commands store and the one [`CaseState`] works out from the log never disagree.
pub fn assert_state_matches_store(db: &Database, scope: &AuthorityScope) {
    for case in db.read(|tx| tx.list_cases(scope)).unwrap() {
        let state = db
            .read(|tx| sendpanel_core::workflow::CaseState::load(tx, scope, case.id))
            .unwrap();
        assert_eq!(
            state.stage,
            Some(case.stage),
            "case {}: the events fold to {:?}, the case is stored at {}",
            case.id,
            state.stage,
            case.stage
        );
    }
}

/// A request refused on 2 October 2023; returns the case and the decision's id.
pub fn refused_case(
    db: &Database,
    scope: &AuthorityScope,
    serial: u16,
) -> (CaseId, sendpanel_core::domain::DecisionId) {
    let chair = crate::fixtures::user(
        db,
        scope,
        &format!("chair{serial}@torbay.example"),
        sendpanel_core::domain::UserRole::PanelChair,
    )
    .unwrap();
    let case = receive_request(db, scope, &request(serial), None, &on(2023, 10, 2))
        .unwrap()
        .case
        .id;
    decide_whether_to_assess(
        db,
        scope,
        case,
        &decide(
            chair.id,
            AssessDecision::Refuse,
            "The school's support is working; progress is good on the current plan.",
        ),
        &BankHolidays::england_and_wales(),
        &on(2023, 10, 2),
    )
    .unwrap();
    let decision = db
        .read(|tx| tx.list_decisions(scope, case))
        .unwrap()
        .first()
        .expect("the refusal is recorded")
        .id;
    (case, decision)
}
