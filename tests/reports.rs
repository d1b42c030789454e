//! The dashboard's figures on both databases, from journeys whose outcome is known: a
//! refusal that goes to mediation and appeal, a plan in time, a late plan whose 20-week
//! limit an exception disapplied, and a request still pending.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{DeadlineKind, ExceptionLimb, UserRole};
use sendpanel_core::reports::{AssessmentOutcomes, Timeliness, dashboard};
use sendpanel_core::workflow::{
    AssessDecision, ClaimException, DecideWhetherToIssue, IssueDecision, IssueFinalPlan,
    LodgeAppeal, MediationOutcome, NextStepsOutcome, ReceiveRequest, RecordMediationOutcome,
    RecordNextStepsOutcome, RecordTribunalDecision, RequestMediation, ServeDraftPlan,
    TribunalOutcome, claim_exception, decide_whether_to_assess, decide_whether_to_issue,
    issue_final_plan, lodge_appeal, receive_request, record_mediation_outcome,
    record_next_steps_outcome, record_tribunal_decision, request_mediation, serve_draft_plan,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, user};
use sendpanel_tests::journey::{decide, on, plan_issued_on_10_january_2024, request};

both_backends! {
    fn the_dashboard_counts_what_the_record_shows(db) {
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();

        // A: received 4 September 2023, refused 2 October (within 6 weeks), then the
        // next-steps meeting, mediation without agreement, an appeal in time, dismissed.
        let refused = receive_request(db, &scope, &request(1), None, &on(2023, 9, 4))?.case.id;
        decide_whether_to_assess(db, &scope, refused, &decide(chair.id, AssessDecision::Refuse, "Needs are met at SEN support."), &holidays, &on(2023, 10, 2))?;
        record_next_steps_outcome(db, &scope, refused, &RecordNextStepsOutcome { met_on: date(2023, 10, 9), outcome: NextStepsOutcome::MediationOrFurtherContact, notes: "Family will seek mediation.".into() }, cw.id, &on(2023, 10, 9))?;
        let decision = db.read(|tx| tx.list_decisions(&scope, refused))?[0].id;
        request_mediation(db, &scope, refused, &RequestMediation { decision, notice_sent_on: date(2023, 10, 2), requested_on: date(2023, 10, 20) }, cw.id, &holidays, &on(2023, 10, 20))?;
        record_mediation_outcome(db, &scope, refused, &RecordMediationOutcome { ended_on: date(2023, 11, 10), outcome: MediationOutcome::NoAgreement, certificate_issued_on: Some(date(2023, 11, 10)) }, cw.id, &holidays, &on(2023, 11, 10))?;
        lodge_appeal(db, &scope, refused, &LodgeAppeal { decision, notice_sent_on: date(2023, 10, 2), lodged_on: date(2023, 12, 1), mediation_certificate_issued_on: Some(date(2023, 11, 10)) }, cw.id, &holidays, &on(2023, 12, 1))?;
        record_tribunal_decision(db, &scope, refused, &RecordTribunalDecision { decided_on: date(2024, 4, 15), outcome: TribunalOutcome::Dismissed, order: None }, cw.id, &on(2024, 4, 15))?;

        // B: a plan issued 10 January 2024, within 20 weeks (due 22 January).
        plan_issued_on_10_january_2024(db, &scope, 2, cw.id, chair.id);

        // C: assessed, an exception disapplies the 20-week limit, the plan comes late
        // (1 February 2024): late overall, but not counted without exceptions.
        let excepted = receive_request(db, &scope, &request(3), None, &on(2023, 9, 4))?.case.id;
        decide_whether_to_assess(db, &scope, excepted, &decide(chair.id, AssessDecision::Assess, "The child may need provision through a plan."), &holidays, &on(2023, 10, 2))?;
        claim_exception(db, &scope, excepted, &ClaimException {
            deadline: DeadlineKind::FinalPlan,
            limb: ExceptionLimb::PersonalCircumstances,
            evidence: "Family bereavement; letter on file.".into(),
            applies_from: date(2023, 11, 1),
            applies_to: Some(date(2023, 12, 1)),
            family_told_on: date(2023, 11, 6),
            subject: None,
        }, cw.id, &on(2023, 11, 6))?;
        decide_whether_to_issue(db, &scope, excepted, &DecideWhetherToIssue { decision: IssueDecision::Issue, reasons: "A plan is necessary.".into(), decided_by: chair.id, decided_on: date(2023, 12, 4) }, &holidays, &on(2023, 12, 4))?;
        serve_draft_plan(db, &scope, excepted, &ServeDraftPlan { served_on: date(2024, 1, 8) }, cw.id, &on(2024, 1, 8))?;
        issue_final_plan(db, &scope, excepted, &IssueFinalPlan { issued_on: date(2024, 2, 1) }, cw.id, &on(2024, 2, 1))?;

        // D: received 16 October 2023, not yet decided.
        receive_request(db, &scope, &ReceiveRequest { received_on: date(2023, 10, 16), ..request(4) }, None, &on(2023, 10, 16))?;

        let board = dashboard(db, &scope)?;
        let months: Vec<(&str, usize)> = board.requests_per_month.iter().map(|m| (m.month.as_str(), m.requests)).collect();
        assert_eq!(months, vec![("2023-09", 3), ("2023-10", 1)]);
        assert_eq!(board.decisions_to_assess, Timeliness { total: 3, within_limit: 3 });
        assert_eq!(board.final_plans, Timeliness { total: 2, within_limit: 1 });
        assert_eq!(board.final_plans.percent(), Some(50));
        assert_eq!(board.final_plans_without_exceptions, Timeliness { total: 1, within_limit: 1 });
        assert_eq!(board.assessment_outcomes, AssessmentOutcomes { agreed: 2, refused: 1, pending: 1 });
        assert_eq!(board.assessment_outcomes.refusal_percent(), Some(33));
        assert_eq!(board.next_steps_outcomes.get("mediation_or_further_contact"), Some(&1));
        assert_eq!(board.mediations_requested, 1);
        assert_eq!(board.mediation_outcomes.get("no_agreement"), Some(&1));
        assert_eq!(board.appeals, Timeliness { total: 1, within_limit: 1 });
        assert_eq!(board.tribunal_outcomes.get("dismissed"), Some(&1));

        // Another authority's dashboard is its own: empty.
        let wiltshire = authority(db, "wiltshire", 865)?;
        let other = dashboard(db, &wiltshire)?;
        assert!(other.requests_per_month.is_empty());
        assert_eq!(other.assessment_outcomes, AssessmentOutcomes::default());
        Ok(())
    }
}
