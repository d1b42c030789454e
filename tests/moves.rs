//! A plan that moves, and disagreements, on both databases: phase transfers by the Reg
//! 18 date; a plan sent to the child's new authority within Reg 15(2), and one received
//! from another with its Reg 15(4) notice and Reg 15(5) first review; mediation within
//! 30 days (regs. 36-37), appeals against the Tribunal rule 20 date, and the steps a
//! Tribunal order sets (reg. 44(2)). Every refusal names the field and changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sendpanel_core::clock::{BankHolidays, TransferKind};
use sendpanel_core::domain::{
    CaseId, CaseStage, DeadlineKind, DeadlineStatus, EventKind, UserRole,
};
use sendpanel_core::notify::{MailSettings, Notifier};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::{
    ArrangeNextStepsMeeting, CompletePhaseTransfer, LodgeAppeal, MediationOutcome, NotifyMoveOut,
    PlanPhaseTransfer, ReceiveRequest, ReceiveTransferredPlan, RecordMediationOutcome,
    RecordOrderComplied, RecordReviewDecision, RecordTribunalDecision, RequestMediation,
    ReviewDecision, ScheduleReviewMeeting, SendTransferNotice, TransferPlanOut, TribunalOrder,
    TribunalOutcome, WorkflowError, arrange_next_steps_meeting, caseload, complete_phase_transfer,
    comply_with_order, lodge_appeal, notify_move_out, plan_phase_transfer,
    receive_transferred_plan, record_mediation_outcome, record_review_decision,
    record_tribunal_decision, request_mediation, schedule_review_meeting, send_transfer_notice,
    transfer_plan_out,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, shipped_letters, user};
use sendpanel_tests::journey::assert_state_matches_store;
use sendpanel_tests::journey::{on, plan_issued_on_10_january_2024, refused_case, request};
use std::sync::Arc;

/// The case's deadlines of `kind` as (subject, due, status), soonest first.
fn of_kind(
    db: &Database,
    scope: &AuthorityScope,
    case: CaseId,
    kind: DeadlineKind,
) -> Vec<(Option<String>, chrono::NaiveDate, DeadlineStatus)> {
    db.read(|tx| tx.list_deadlines(scope, case))
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == kind)
        .map(|d| (d.subject, d.due_on, d.status))
        .collect()
}

fn events(db: &Database, scope: &AuthorityScope, case: CaseId) -> usize {
    db.read(|tx| tx.list_events(scope, Some(case)))
        .unwrap()
        .len()
}

/// A refusal naming `field`, and the case's history unchanged.
fn refused<T: std::fmt::Debug>(
    result: Result<T, WorkflowError>,
    field: &str,
    db: &Database,
    scope: &AuthorityScope,
    case: CaseId,
    before: usize,
) {
    match result {
        Err(WorkflowError::Invalid { field: named, .. }) => assert_eq!(named, field),
        other => panic!("{field}: expected a refusal, got {other:?}"),
    }
    assert_eq!(
        events(db, scope, case),
        before,
        "a refusal changed the history"
    );
}

both_backends! {
    fn a_phase_transfer_is_due_by_15_february_and_post16_by_31_march(db) {
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let case = plan_issued_on_10_january_2024(db, &scope, 1, cw.id, chair.id);
        let holidays = BankHolidays::england_and_wales();

        // Reg 18: the year of transfer's 15 February.
        let planned = plan_phase_transfer(db, &scope, case, &PlanPhaseTransfer {
            transfer_year: 2025, transfer_kind: TransferKind::School,
        }, cw.id, &holidays, &on(2024, 3, 1))?;
        assert_eq!(planned.due_on, date(2025, 2, 15));
        assert_eq!(planned.kind, DeadlineKind::PhaseTransfer);
        // One at a time; a year already past is refused.
        let before = events(db, &scope, case);
        refused(plan_phase_transfer(db, &scope, case, &PlanPhaseTransfer {
            transfer_year: 2026, transfer_kind: TransferKind::Post16,
        }, cw.id, &holidays, &on(2024, 3, 1)), "transfer_year", db, &scope, case, before);
        // Completing it needs the next setting named.
        refused(complete_phase_transfer(db, &scope, case, &CompletePhaseTransfer {
            amended_on: date(2025, 2, 10), next_setting: " ".into(),
        }, cw.id, &on(2025, 2, 10)), "next_setting", db, &scope, case, before);
        let done = complete_phase_transfer(db, &scope, case, &CompletePhaseTransfer {
            amended_on: date(2025, 2, 10), next_setting: "Example Secondary School".into(),
        }, cw.id, &on(2025, 2, 10))?;
        assert!(done.on_time);
        assert_eq!(
            of_kind(db, &scope, case, DeadlineKind::PhaseTransfer),
            vec![(None, date(2025, 2, 15), DeadlineStatus::Met)]
        );

        // Secondary to post-16: 31 March; a late amendment is recorded as late.
        let later = plan_phase_transfer(db, &scope, case, &PlanPhaseTransfer {
            transfer_year: 2030, transfer_kind: TransferKind::Post16,
        }, cw.id, &holidays, &on(2025, 3, 1))?;
        assert_eq!(later.due_on, date(2030, 3, 31));
        let late = complete_phase_transfer(db, &scope, case, &CompletePhaseTransfer {
            amended_on: date(2030, 4, 2), next_setting: "Example College".into(),
        }, cw.id, &on(2030, 4, 2))?;
        assert!(!late.on_time);
        let before = events(db, &scope, case);
        refused(complete_phase_transfer(db, &scope, case, &CompletePhaseTransfer {
            amended_on: date(2030, 4, 3), next_setting: "Example College".into(),
        }, cw.id, &on(2030, 4, 3)), "amended_on", db, &scope, case, before);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_plan_follows_the_child_out_within_fifteen_working_days(db) {
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();

        // Told on Monday 4 March 2024 of a move that Friday: the 15th working day
        // beginning with the 4th is Friday 22 March (Reg 15(2)).
        let short_notice = plan_issued_on_10_january_2024(db, &scope, 2, cw.id, chair.id);
        let limit = notify_move_out(db, &scope, short_notice, &NotifyMoveOut {
            to_authority: "Devon County Council".into(),
            aware_on: date(2024, 3, 4),
            moves_on: date(2024, 3, 8),
        }, cw.id, &holidays, &on(2024, 3, 4))?;
        assert_eq!(limit.kind, DeadlineKind::PlanTransfer);
        assert_eq!(limit.due_on, date(2024, 3, 22));
        let before = events(db, &scope, short_notice);
        refused(notify_move_out(db, &scope, short_notice, &NotifyMoveOut {
            to_authority: "Devon County Council".into(),
            aware_on: date(2024, 3, 4),
            moves_on: date(2024, 3, 8),
        }, cw.id, &holidays, &on(2024, 3, 4)), "moves_on", db, &scope, short_notice, before);
        refused(transfer_plan_out(db, &scope, short_notice, &TransferPlanOut {
            transferred_on: date(2024, 3, 30),
        }, cw.id, &on(2024, 3, 20)), "transferred_on", db, &scope, short_notice, before);
        let sent = transfer_plan_out(db, &scope, short_notice, &TransferPlanOut {
            transferred_on: date(2024, 3, 20),
        }, cw.id, &on(2024, 3, 20))?;
        assert!(sent.on_time);
        assert_eq!(db.read(|tx| tx.get_case(&scope, short_notice))?.stage, CaseStage::Closed);
        // The case leaves the caseload, and nothing more happens on it here.
        assert!(caseload(db, &scope, date(2024, 3, 20))?.iter().all(|c| c.id != short_notice));
        let closed = plan_phase_transfer(db, &scope, short_notice, &PlanPhaseTransfer {
            transfer_year: 2025, transfer_kind: TransferKind::School,
        }, cw.id, &holidays, &on(2024, 3, 21));
        assert!(matches!(closed, Err(WorkflowError::WrongStage { stage: CaseStage::Closed, .. })), "{closed:?}");

        // Told well ahead: the plan goes on the day of the move.
        let early = plan_issued_on_10_january_2024(db, &scope, 3, cw.id, chair.id);
        let limit = notify_move_out(db, &scope, early, &NotifyMoveOut {
            to_authority: "Devon County Council".into(),
            aware_on: date(2024, 3, 4),
            moves_on: date(2024, 5, 1),
        }, cw.id, &holidays, &on(2024, 3, 4))?;
        assert_eq!(limit.due_on, date(2024, 5, 1));
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_plan_transferred_in_gets_its_notice_and_first_review(db) {
        let scope = authority(db, "wiltshire", 865)?;
        let cw = user(db, &scope, "cw@wiltshire.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@wiltshire.example", UserRole::PanelChair)?;
        let transfer = |serial, transferred_on, last_reviewed_on| ReceiveTransferredPlan {
            original_request: request(serial),
            from_authority: "Torbay Council".into(),
            transferred_on,
            plan_issued_on: date(2023, 12, 1),
            last_reviewed_on,
        };

        // Issued 1 December 2023, transferred 11 March 2024: the 12 months beginning
        // with the issue end 30 November 2024, later than 3 months from the transfer
        // (11 June); the notice is due 6 weeks after the transfer, 22 April (Reg 15(4)).
        let received = receive_transferred_plan(db, &scope, &transfer(20, date(2024, 3, 11), None), Some(cw.id), &on(2024, 3, 11))?;
        let case = received.case.id;
        assert_eq!(received.case.stage, CaseStage::PlanIssued);
        assert_eq!(of_kind(db, &scope, case, DeadlineKind::TransferNotice), vec![(None, date(2024, 4, 22), DeadlineStatus::Open)]);
        assert_eq!(of_kind(db, &scope, case, DeadlineKind::AnnualReview), vec![(None, date(2024, 11, 30), DeadlineStatus::Open)]);
        let on_time = send_transfer_notice(db, &scope, case, &SendTransferNotice {
            sent_on: date(2024, 4, 2), will_assess: false,
        }, cw.id, &on(2024, 4, 2))?;
        assert!(on_time);
        let before = events(db, &scope, case);
        refused(send_transfer_notice(db, &scope, case, &SendTransferNotice {
            sent_on: date(2024, 4, 3), will_assess: false,
        }, cw.id, &on(2024, 4, 3)), "sent_on", db, &scope, case, before);
        // The plan counts as made on its original day: its review meeting runs as for a
        // plan issued here.
        let meeting = schedule_review_meeting(db, &scope, case, &ScheduleReviewMeeting {
            meeting_on: date(2024, 11, 4),
        }, cw.id, &BankHolidays::england_and_wales(), &on(2024, 10, 1))?;
        assert_eq!(meeting.decision.due_on, date(2024, 12, 2));
        let decided = record_review_decision(db, &scope, case, &RecordReviewDecision {
            decision: ReviewDecision::Maintain,
            reasons: "Progress is good; the provision still meets the needs.".into(),
            decided_by: chair.id,
            decided_on: date(2024, 11, 15),
        }, &BankHolidays::england_and_wales(), &on(2024, 11, 15))?;
        assert_eq!(decided.next_review.map(|d| d.due_on), Some(date(2025, 11, 14)));

        // Transferred 1 November 2024 instead: 3 months from the transfer, 1 February
        // 2025, is the later limit (Reg 15(5)(b)).
        let later = receive_transferred_plan(db, &scope, &transfer(21, date(2024, 11, 1), None), Some(cw.id), &on(2024, 11, 1))?;
        assert_eq!(of_kind(db, &scope, later.case.id, DeadlineKind::AnnualReview), vec![(None, date(2025, 2, 1), DeadlineStatus::Open)]);

        // Dates out of order are refused and nothing is written.
        let cases = db.read(|tx| tx.list_cases(&scope))?.len();
        let bad = ReceiveTransferredPlan { plan_issued_on: date(2024, 12, 1), ..transfer(22, date(2024, 11, 1), None) };
        assert!(matches!(receive_transferred_plan(db, &scope, &bad, Some(cw.id), &on(2024, 12, 2)), Err(WorkflowError::Invalid { field: "plan_issued_on", .. })));
        let bad = transfer(22, date(2024, 11, 1), Some(date(2024, 11, 20)));
        assert!(matches!(receive_transferred_plan(db, &scope, &bad, Some(cw.id), &on(2024, 12, 2)), Err(WorkflowError::Invalid { field: "last_reviewed_on", .. })));
        let bad = ReceiveTransferredPlan { original_request: ReceiveRequest { upn: Some("nope".into()), ..request(22) }, ..transfer(22, date(2024, 11, 1), None) };
        assert!(matches!(receive_transferred_plan(db, &scope, &bad, Some(cw.id), &on(2024, 12, 2)), Err(WorkflowError::Invalid { field: "upn", .. })));
        assert_eq!(db.read(|tx| tx.list_cases(&scope))?.len(), cases);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn mediation_then_appeal_then_an_order_to_assess(db) {
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let holidays = BankHolidays::england_and_wales();
        let (case, decision) = refused_case(db, &scope, 30);

        // Told on 20 October 2023: mediation within 30 days, by 19 November.
        let mediation_by = request_mediation(db, &scope, case, &RequestMediation {
            decision, notice_sent_on: date(2023, 10, 2), requested_on: date(2023, 10, 20),
        }, cw.id, &holidays, &on(2023, 10, 20))?;
        assert_eq!(mediation_by, date(2023, 11, 19));
        assert_eq!(of_kind(db, &scope, case, DeadlineKind::Mediation), vec![(None, date(2023, 11, 19), DeadlineStatus::Open)]);
        let before = events(db, &scope, case);
        refused(request_mediation(db, &scope, case, &RequestMediation {
            decision, notice_sent_on: date(2023, 10, 2), requested_on: date(2023, 10, 21),
        }, cw.id, &holidays, &on(2023, 10, 21)), "requested_on", db, &scope, case, before);
        let (_, other_decision) = refused_case(db, &scope, 31);
        refused(lodge_appeal(db, &scope, case, &LodgeAppeal {
            decision: other_decision, notice_sent_on: date(2023, 10, 2), lodged_on: date(2023, 11, 1), mediation_certificate_issued_on: None,
        }, cw.id, &holidays, &on(2023, 11, 1)), "decision", db, &scope, case, before);

        // No agreement; the certificate of 10 November gives until 10 December, later
        // than 2 months from the notice (2 December); 10 December 2023 is a Sunday, so
        // the appeal may come on Monday 11 December (HESC Rules 2008 r.12(2)).
        let ended = record_mediation_outcome(db, &scope, case, &RecordMediationOutcome {
            ended_on: date(2023, 11, 10), outcome: MediationOutcome::NoAgreement, certificate_issued_on: Some(date(2023, 11, 10)),
        }, cw.id, &holidays, &on(2023, 11, 10))?;
        assert!(ended.within_thirty_days);
        assert_eq!(ended.appeal_by, date(2023, 12, 11));
        assert_eq!(of_kind(db, &scope, case, DeadlineKind::Mediation)[0].2, DeadlineStatus::Met);

        let lodged = lodge_appeal(db, &scope, case, &LodgeAppeal {
            decision, notice_sent_on: date(2023, 10, 2), lodged_on: date(2023, 12, 8), mediation_certificate_issued_on: Some(date(2023, 11, 10)),
        }, cw.id, &holidays, &on(2023, 12, 8))?;
        assert!(lodged.in_time);
        assert_eq!(lodged.appeal_by, date(2023, 12, 11));
        let before = events(db, &scope, case);
        refused(lodge_appeal(db, &scope, case, &LodgeAppeal {
            decision, notice_sent_on: date(2023, 10, 2), lodged_on: date(2023, 12, 9), mediation_certificate_issued_on: None,
        }, cw.id, &holidays, &on(2023, 12, 9)), "lodged_on", db, &scope, case, before);
        refused(record_tribunal_decision(db, &scope, case, &RecordTribunalDecision {
            decided_on: date(2024, 4, 15), outcome: TribunalOutcome::Ordered, order: None,
        }, cw.id, &on(2024, 4, 15)), "order", db, &scope, case, before);

        // Ordered to assess on 15 April 2024 (reg. 44(2)(b)): notify within 2 weeks,
        // decide not to issue within 10, final plan within 14.
        let decided = record_tribunal_decision(db, &scope, case, &RecordTribunalDecision {
            decided_on: date(2024, 4, 15), outcome: TribunalOutcome::Ordered, order: Some(TribunalOrder::Assess),
        }, cw.id, &on(2024, 4, 15))?;
        assert_eq!(decided.stage, CaseStage::Assessing);
        assert_eq!(decided.steps, vec![
            ("notify_assessment".to_owned(), date(2024, 4, 29)),
            ("decide_not_to_issue".to_owned(), date(2024, 6, 24)),
            ("final_plan".to_owned(), date(2024, 7, 22)),
        ]);
        assert_eq!(db.read(|tx| tx.get_case(&scope, case))?.stage, CaseStage::Assessing);
        let before = events(db, &scope, case);
        match comply_with_order(db, &scope, case, &RecordOrderComplied { step: "apologise".into(), complied_on: date(2024, 4, 20) }, cw.id, &on(2024, 4, 20)) {
            Err(WorkflowError::Invalid { field: "step", rule }) => assert!(rule.contains("notify_assessment, decide_not_to_issue, final_plan"), "{rule}"),
            other => panic!("expected a refusal naming the open steps, got {other:?}"),
        }
        assert_eq!(events(db, &scope, case), before);
        assert!(comply_with_order(db, &scope, case, &RecordOrderComplied { step: "notify_assessment".into(), complied_on: date(2024, 4, 20) }, cw.id, &on(2024, 4, 20))?);
        let steps = of_kind(db, &scope, case, DeadlineKind::TribunalOrder);
        assert_eq!(steps[0], (Some("notify_assessment".into()), date(2024, 4, 29), DeadlineStatus::Met));
        assert!(steps[1..].iter().all(|s| s.2 == DeadlineStatus::Open));
        let kinds: Vec<EventKind> = db.read(|tx| tx.list_events(&scope, Some(case)))?.into_iter().map(|e| e.kind()).collect();
        for kind in [EventKind::MediationRequested, EventKind::MediationConcluded, EventKind::AppealLodged, EventKind::TribunalDecided, EventKind::TribunalOrderComplied] {
            assert!(kinds.contains(&kind), "{kind} missing from the history");
        }
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_next_steps_meeting_sends_the_family_an_invitation_with_a_calendar_entry(db) {
        let notifier = Notifier::new(
            shipped_letters(&["torbay"])?,
            &MailSettings::default(),
            BankHolidays::england_and_wales(),
        )?;
        db.observe(Arc::new(notifier))?;
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let (case, _) = refused_case(db, &scope, 50);
        let meeting = |meets_on, location: &str, with: Vec<String>| ArrangeNextStepsMeeting {
            meets_on,
            starts_at: chrono::NaiveTime::from_hms_opt(15, 30, 0).unwrap(),
            location: location.into(),
            with,
        };
        let before = events(db, &scope, case);
        refused(arrange_next_steps_meeting(db, &scope, case, &meeting(date(2023, 10, 1), "Harbourside Primary", vec!["Ms P. Senco".into()]), cw.id, &on(2023, 10, 3)), "meets_on", db, &scope, case, before);
        refused(arrange_next_steps_meeting(db, &scope, case, &meeting(date(2023, 10, 16), " ", vec!["Ms P. Senco".into()]), cw.id, &on(2023, 10, 3)), "location", db, &scope, case, before);
        refused(arrange_next_steps_meeting(db, &scope, case, &meeting(date(2023, 10, 16), "Harbourside Primary", vec![]), cw.id, &on(2023, 10, 3)), "with", db, &scope, case, before);
        arrange_next_steps_meeting(db, &scope, case, &meeting(date(2023, 10, 16), "Harbourside Primary", vec!["Ms P. Senco, SENCO".into(), "Mr K. Lee, SEN caseworker".into()]), cw.id, &on(2023, 10, 3))?;
        let invitation = db.read(|tx| tx.list_outbox(&scope, Some(case)))?
            .into_iter()
            .find(|m| m.purpose == "letter:next-steps-meeting")
            .expect("the family's invitation is queued");
        assert_eq!(invitation.recipient.as_str(), "parent50@example.org");
        let raw = String::from_utf8(invitation.message)?;
        assert!(raw.contains("BEGIN:VCALENDAR"), "{raw}");
        // Only assessment refusals have a next-steps meeting.
        let cw2 = user(db, &scope, "cw2@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let plan = plan_issued_on_10_january_2024(db, &scope, 51, cw2.id, chair.id);
        let wrong = arrange_next_steps_meeting(db, &scope, plan, &meeting(date(2024, 2, 1), "Online", vec!["Ms P. Senco".into()]), cw.id, &on(2024, 1, 11));
        assert!(matches!(wrong, Err(WorkflowError::WrongStage { .. })), "{wrong:?}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_late_appeal_is_recorded_late_and_a_ceased_plan_can_be_restored(db) {
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = plan_issued_on_10_january_2024(db, &scope, 40, cw.id, chair.id);
        schedule_review_meeting(db, &scope, case, &ScheduleReviewMeeting { meeting_on: date(2024, 12, 2) }, cw.id, &holidays, &on(2024, 11, 1))?;
        record_review_decision(db, &scope, case, &RecordReviewDecision {
            decision: ReviewDecision::Cease,
            reasons: "The outcomes are met and the school can meet the needs from its own resources.".into(),
            decided_by: chair.id,
            decided_on: date(2024, 12, 9),
        }, &holidays, &on(2024, 12, 9))?;
        assert_eq!(db.read(|tx| tx.get_case(&scope, case))?.stage, CaseStage::Ceased);
        let ceased = db.read(|tx| tx.list_decisions(&scope, case))?.last().unwrap().clone();
        // The decision itself says which of the three it was (Reg 20(10)).
        assert_eq!(ceased.choice, Some(ReviewDecision::Cease));
        let decision = ceased.id;
        // Notice of 9 December: 2 months is Sunday 9 February 2025, so Monday 10 February
        // (HESC Rules 2008 r.12(2)); an appeal on the 12th is late, and is recorded so
        // (the Tribunal may still admit it).
        let lodged = lodge_appeal(db, &scope, case, &LodgeAppeal {
            decision, notice_sent_on: date(2024, 12, 9), lodged_on: date(2025, 2, 12), mediation_certificate_issued_on: None,
        }, cw.id, &holidays, &on(2025, 2, 12))?;
        assert_eq!(lodged.appeal_by, date(2025, 2, 10));
        assert!(!lodged.in_time);
        let decided = record_tribunal_decision(db, &scope, case, &RecordTribunalDecision {
            decided_on: date(2025, 6, 2), outcome: TribunalOutcome::Ordered, order: Some(TribunalOrder::ContinueToMaintain),
        }, cw.id, &on(2025, 6, 2))?;
        assert_eq!(decided.stage, CaseStage::PlanIssued);
        assert!(decided.steps.is_empty());
        assert_eq!(db.read(|tx| tx.get_case(&scope, case))?.stage, CaseStage::PlanIssued);
        assert_state_matches_store(db, &scope);
        Ok(())
    }
}
