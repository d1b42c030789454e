//! The dashboard's figures on both databases, from journeys whose outcome is known: a
//! refusal that goes to mediation and appeal, a plan in time, a late plan whose 20-week
//! limit an exception disapplied, and a request still pending. Then, over two quarters,
//! the scrutiny table (latest, previous, direction of travel, RAG against targets set
//! for the test), the plan report (plans ceased by route and by age) and a period
//! that leaves a case out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::Datelike;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{DeadlineKind, ExceptionLimb, ReviewDecision, UserRole};
use sendpanel_core::reports::{
    AgeBand, AssessmentOutcomes, CeaseRoute, Indicator, Period, Rag, Target, TargetDirection,
    Timeliness, Travel, dashboard, dashboard_for, plan_report, scrutiny,
};
use sendpanel_core::workflow::DecideWhetherToAssess;
use sendpanel_core::workflow::{
    AssessDecision, ClaimException, DecideWhetherToIssue, IssueDecision, IssueFinalPlan,
    LodgeAppeal, MediationOutcome, NextStepsOutcome, ReceiveRequest, RecordMediationOutcome,
    RecordNextStepsOutcome, RecordTribunalDecision, RequestMediation, ServeDraftPlan,
    TribunalOutcome, claim_exception, decide_whether_to_assess, decide_whether_to_issue,
    issue_final_plan, lodge_appeal, receive_request, record_mediation_outcome,
    record_next_steps_outcome, record_tribunal_decision, request_mediation, serve_draft_plan,
};
use sendpanel_core::workflow::{
    NotifyMoveOut, ReceiveTransferredPlan, RecordReviewDecision, ScheduleReviewMeeting,
    TransferPlanOut, notify_move_out, receive_transferred_plan, record_review_decision,
    schedule_review_meeting, transfer_plan_out,
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

    fn the_scrutiny_table_and_plan_report_compare_two_quarters(db) {
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        // Q2 2024/25 (July to September 2024) is "previous", Q3 (October to December)
        // is "latest".
        let previous = Period::new(date(2024, 7, 1), date(2024, 9, 30))?;
        let latest = Period::new(date(2024, 10, 1), date(2024, 12, 31))?;
        assert_eq!(latest.previous(), previous);

        // B: a plan issued 10 January 2024 (child born 14 March 2016), ceased at review
        // on 10 December 2024, aged 8.
        let ceased = plan_issued_on_10_january_2024(db, &scope, 2, cw.id, chair.id);
        schedule_review_meeting(db, &scope, ceased, &ScheduleReviewMeeting { meeting_on: date(2024, 11, 20) }, cw.id, &holidays, &on(2024, 11, 1))?;
        record_review_decision(db, &scope, ceased, &RecordReviewDecision {
            decision: ReviewDecision::Cease,
            reasons: "The child's needs are now met without a plan.".into(),
            decided_by: chair.id,
            decided_on: date(2024, 12, 10),
        }, &holidays, &on(2024, 12, 10))?;

        // E: a plan transferred in on 1 August 2024 (young person born 1 January
        // 2008), transferred out on 2 December 2024, aged 16.
        let moved = receive_transferred_plan(db, &scope, &ReceiveTransferredPlan {
            original_request: ReceiveRequest { date_of_birth: date(2008, 1, 1), received_on: date(2023, 1, 9), ..request(5) },
            from_authority: "Devon County Council".into(),
            transferred_on: date(2024, 8, 1),
            plan_issued_on: date(2023, 5, 1),
            last_reviewed_on: None,
        }, Some(cw.id), &on(2024, 8, 1))?.case.id;
        notify_move_out(db, &scope, moved, &NotifyMoveOut { to_authority: "Plymouth City Council".into(), aware_on: date(2024, 11, 1), moves_on: date(2024, 12, 1) }, cw.id, &holidays, &on(2024, 11, 1))?;
        transfer_plan_out(db, &scope, moved, &TransferPlanOut { transferred_on: date(2024, 12, 2) }, cw.id, &on(2024, 12, 2))?;

        // Previous quarter: three requests; C decided (assess) late on 2 September.
        let received = |serial, day| ReceiveRequest { received_on: day, ..request(serial) };
        let late_q2 = receive_request(db, &scope, &received(3, date(2024, 7, 1)), None, &on(2024, 7, 1))?.case.id;
        let refused_q3 = receive_request(db, &scope, &received(4, date(2024, 9, 2)), None, &on(2024, 9, 2))?.case.id;
        let late_q3 = receive_request(db, &scope, &received(6, date(2024, 9, 2)), None, &on(2024, 9, 2))?.case.id;
        let decided = |case, decision, day: chrono::NaiveDate| -> anyhow::Result<()> {
            decide_whether_to_assess(db, &scope, case, &DecideWhetherToAssess { decided_on: day, ..decide(chair.id, decision, "The evidence was considered in full.") }, &holidays, &on(2024, day.month(), day.day()))?;
            Ok(())
        };
        decided(late_q2, AssessDecision::Assess, date(2024, 9, 2))?;
        // Latest quarter: one request (G, still pending); D refused within 6 weeks,
        // F assessed late.
        receive_request(db, &scope, &received(7, date(2024, 10, 14)), None, &on(2024, 10, 14))?;
        decided(refused_q3, AssessDecision::Refuse, date(2024, 10, 7))?;
        decided(late_q3, AssessDecision::Assess, date(2024, 11, 4))?;

        // Targets as an authority.toml would give them (illustrative, for the test).
        let target = |indicator, value, direction, amber_within, from| Target {
            indicator, value, direction, amber_within, from,
            source: "Set for this test".into(),
            illustrative: true,
        };
        let targets = [
            target(Indicator::RequestsPerMonth, 1, TargetDirection::AtMost, 1, None),
            // Not yet in force in December 2024.
            target(Indicator::RequestsPerMonth, 0, TargetDirection::AtMost, 0, Some(date(2025, 1, 1))),
            target(Indicator::DecisionsWithinSixWeeks, 90, TargetDirection::AtLeast, 5, None),
            target(Indicator::RefusalRate, 40, TargetDirection::AtMost, 15, None),
        ];
        let table = scrutiny(db, &scope, &targets, &latest)?;
        assert_eq!((table.period, table.previous), (latest, previous));
        let row = |indicator| table.row(indicator).unwrap();

        // 1 request in the quarter (0.3 a month) against 3 (1.0): down, better by the
        // target of at most 1 a month, met.
        let requests = row(Indicator::RequestsPerMonth);
        assert_eq!(requests.latest.text(), "0.3 (1 received)");
        assert_eq!(requests.previous.text(), "1.0 (3 received)");
        assert_eq!(requests.travel_text(), "Down (better)");
        assert_eq!(requests.target.as_ref().map(|t| t.value), Some(1));
        assert_eq!(requests.rag, Rag::Green);

        // Decisions within 6 weeks: 1 of 2 (50%) against 0 of 1: up, better; red
        // against at least 90% with a 5-point amber band.
        let timely = row(Indicator::DecisionsWithinSixWeeks);
        assert_eq!(timely.latest.text(), "50% (1 of 2)");
        assert_eq!(timely.previous.text(), "0% (0 of 1)");
        assert_eq!(timely.travel_text(), "Up (better)");
        assert_eq!(timely.rag, Rag::Red);

        // Refusals: 1 of 2 decided (50%) against 0 of 1: up, worse; amber against at
        // most 40% with a 15-point band.
        let refusals = row(Indicator::RefusalRate);
        assert_eq!(refusals.latest.text(), "50% (1 of 2)");
        assert_eq!(refusals.travel_text(), "Up (worse)");
        assert_eq!(refusals.rag, Rag::Amber);

        // Plans: 2 maintained at the end of September, none at the end of December;
        // 2 ceased in the quarter. No target: not judged, N/A.
        let active = row(Indicator::PlansActive);
        assert_eq!((active.latest.text(), active.previous.text()), ("0".to_owned(), "2".to_owned()));
        assert_eq!((active.travel, active.travel_text()), (Travel::Down, "Down".to_owned()));
        assert_eq!(active.rag, Rag::NotApplicable);
        assert_eq!(row(Indicator::PlansCeased).latest.text(), "2");
        assert_eq!(row(Indicator::PlansCeased).previous.text(), "0");
        assert_eq!(row(Indicator::PlansIssued).latest.text(), "0");
        // No final plan in either quarter: a share of nothing is said in words.
        let plans = row(Indicator::FinalPlansWithinTwentyWeeks);
        assert_eq!(plans.latest.text(), "None to count");
        assert_eq!(plans.travel, Travel::NotComparable);
        assert!(table.rows.iter().all(|r| r.england_text() == "Not in the record"));

        // The plan report: ceased by route and by age, and the December ledger.
        let report = plan_report(db, &scope, Some(&latest))?;
        assert_eq!(report.ceased_by_route.get(&CeaseRoute::CeasedAtReview), Some(&1));
        assert_eq!(report.ceased_by_route.get(&CeaseRoute::TransferredOut), Some(&1));
        assert_eq!(report.ceased_by_age.get(&AgeBand::From5To10), Some(&1));
        assert_eq!(report.ceased_by_age.get(&AgeBand::From16To19), Some(&1));
        assert_eq!(report.ceased_age_unknown, 0);
        let months: Vec<_> = report.months.iter().map(|m| (m.label.as_str(), m.opening, m.ceased, m.closing)).collect();
        assert_eq!(months, [("2024-10", 2, 0, 2), ("2024-11", 2, 0, 2), ("2024-12", 2, 2, 0)]);
        let years: Vec<_> = report.years.iter().map(|y| (y.label.as_str(), y.opening, y.ceased, y.closing)).collect();
        assert_eq!(years, [("2024", 2, 2, 0)]);
        let earlier = plan_report(db, &scope, Some(&previous))?;
        assert_eq!(earlier.months.iter().map(|m| m.transferred_in).sum::<usize>(), 1);
        assert!(earlier.ceased_by_route.is_empty());
        // Over every record: B issued in January 2024, E transferred in.
        let all = plan_report(db, &scope, None)?;
        let issued: usize = all.years.iter().map(|y| y.issued).sum();
        assert_eq!(issued, 1);
        assert_eq!(all.active_at_end, 0);

        // The period leaves out what is not in it: the latest quarter's requests are
        // G's alone; C, D and F were received in the previous one.
        let board = dashboard_for(db, &scope, Some(&latest))?;
        let months: Vec<(&str, usize)> = board.requests_per_month.iter().map(|m| (m.month.as_str(), m.requests)).collect();
        assert_eq!(months, vec![("2024-10", 1)]);
        assert_eq!(board.assessment_outcomes, AssessmentOutcomes { agreed: 1, refused: 1, pending: 1 });
        let before = dashboard_for(db, &scope, Some(&previous))?;
        assert_eq!(before.requests_per_month.iter().map(|m| m.requests).sum::<usize>(), 3);
        // At the end of September D and F were waiting for a decision.
        assert_eq!(before.assessment_outcomes, AssessmentOutcomes { agreed: 1, refused: 0, pending: 2 });
        assert_eq!(dashboard(db, &scope)?.assessment_outcomes.pending, 1, "G, now");
        Ok(())
    }
}
