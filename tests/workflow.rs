//! The statutory workflow on both databases: intake starts the clock; the decision
//! whether to assess is a named person's, with reasons, departing from plugin advice
//! only with a reason; every refused command changes nothing. Exceptions (Reg 5(4),
//! 8(2), 10(4), 13(3)) disapply exactly the limit claimed, never move its date, and
//! exist only where the Regulations list them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    AdviceSource, CaseId, CaseStage, DeadlineException, DeadlineKind, DeadlineStatus, DecisionKind,
    DecisionOutcome, EventKind, ExceptionId, ExceptionLimb, RequestedBy, UserRole,
};
use sendpanel_core::policy::contract::{Date, TestCall};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, Question, install, vet};
use sendpanel_core::store::{AuthorityScope, Database, StoreError};
use sendpanel_core::time::FixedClock;
use sendpanel_core::workflow::{
    AssessDecision, ClaimException, DecideWhetherToAssess, DecideWhetherToIssue, IssueDecision,
    IssueFinalPlan, NextStepsOutcome, ReceiveRequest, RecordAdviceReceived, RecordNextStepsOutcome,
    RecordReviewDecision, RequestAdvice, ReviewDecision, ScheduleReviewMeeting, ServeDraftPlan,
    WorkflowError, case_view, caseload, claim_exception, decide_whether_to_assess,
    decide_whether_to_issue, issue_final_plan, receive_request, record_advice_received,
    record_next_steps_outcome, record_review_decision, request_advice, schedule_review_meeting,
    serve_draft_plan,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, user};
use sendpanel_tests::journey::assert_state_matches_store;
use sendpanel_tests::journey::{decide, on, plan_issued_on_10_january_2024, request};
use sendpanel_tests::plugins::wasm;
use sendpanel_tests::stored_payload;

/// 2 October 2023, 10:00 in England.
fn clock() -> FixedClock {
    use chrono::TimeZone;
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2023, 10, 2, 9, 0, 0)
            .single()
            .unwrap(),
    )
}

fn cases(db: &Database, scope: &AuthorityScope) -> usize {
    db.read(|tx| tx.list_cases(scope)).unwrap().len()
}

/// Every limit a case can carry, for the limb-by-limit matrix.
const KINDS: [DeadlineKind; 15] = [
    DeadlineKind::DecideWhetherToAssess,
    DeadlineKind::AdviceDue,
    DeadlineKind::DecideNotToIssue,
    DeadlineKind::RepresentationsDue,
    DeadlineKind::FinalPlan,
    DeadlineKind::AnnualReview,
    DeadlineKind::ReviewPapers,
    DeadlineKind::ReviewReport,
    DeadlineKind::ReviewDecision,
    DeadlineKind::AmendedPlan,
    DeadlineKind::PhaseTransfer,
    DeadlineKind::PlanTransfer,
    DeadlineKind::TransferNotice,
    DeadlineKind::Mediation,
    DeadlineKind::TribunalOrder,
];

/// The table in STATUTORY.md "Exceptions", written out by hand.
fn listed(kind: DeadlineKind, limb: ExceptionLimb) -> bool {
    use DeadlineKind as D;
    use ExceptionLimb as L;
    match kind {
        // Reg 5(4)(a)-(c).
        D::DecideWhetherToAssess => matches!(
            limb,
            L::SchoolClosure | L::PersonalCircumstances | L::AbsenceFromArea
        ),
        // Reg 8(2)(a)-(c).
        D::AdviceDue => matches!(
            limb,
            L::PersonalCircumstances | L::AbsenceFromArea | L::MissedAppointment
        ),
        // Reg 10(4)(a)-(d), and Reg 13(3) applying them.
        D::DecideNotToIssue | D::FinalPlan => limb != L::MissedAppointment,
        // Reviews, phase transfers, amendments, representations: none; nor do the
        // limits of Reg 15, mediation or a Tribunal order list any.
        D::RepresentationsDue
        | D::AnnualReview
        | D::ReviewPapers
        | D::ReviewReport
        | D::ReviewDecision
        | D::AmendedPlan
        | D::PhaseTransfer
        | D::PlanTransfer
        | D::TransferNotice
        | D::Mediation
        | D::TribunalOrder => false,
    }
}

/// A personal-circumstances claim on the 6-week decision, told to the family today.
fn claim(deadline: DeadlineKind, limb: ExceptionLimb) -> ClaimException {
    ClaimException {
        deadline,
        limb,
        evidence: "Parent in hospital 11-29 September; letter from the ward on file.".into(),
        applies_from: date(2023, 9, 11),
        applies_to: Some(date(2023, 9, 29)),
        family_told_on: date(2023, 10, 2),
        subject: None,
    }
}

/// How many events the case has: a refused command must not add one.
fn events(db: &Database, scope: &AuthorityScope, case: CaseId) -> usize {
    db.read(|tx| tx.list_events(scope, Some(case)))
        .unwrap()
        .len()
}

/// Asserts a command was refused for `field`.
fn refused<T: std::fmt::Debug>(result: Result<T, WorkflowError>, field: &str) {
    match result {
        Err(WorkflowError::Invalid { field: named, rule }) => assert_eq!(named, field, "{rule}"),
        other => panic!("{field}: expected a refusal, got {other:?}"),
    }
}

/// The authority's one case, for tests that follow a single request.
fn case_of(db: &Database, scope: &AuthorityScope) -> CaseId {
    db.read(|tx| tx.list_cases(scope)).unwrap()[0].id
}

/// The case's deadlines as (kind, due, status), soonest first.
fn limits(
    db: &Database,
    scope: &AuthorityScope,
    case: CaseId,
) -> Vec<(DeadlineKind, chrono::NaiveDate, DeadlineStatus)> {
    db.read(|tx| tx.list_deadlines(scope, case))
        .unwrap()
        .into_iter()
        .map(|d| (d.kind, d.due_on, d.status))
        .collect()
}

fn review(
    decision: ReviewDecision,
    reasons: &str,
    decided_by: sendpanel_core::domain::UserId,
    decided_on: chrono::NaiveDate,
) -> RecordReviewDecision {
    RecordReviewDecision {
        decision,
        reasons: reasons.into(),
        decided_by,
        decided_on,
    }
}

both_backends! {
    fn intake_opens_a_case_and_starts_the_six_week_clock(db) {
        let scope = authority(db, "torbay", 880)?;
        let received = receive_request(db, &scope, &request(1), None, &clock())?;
        assert_eq!(received.case.stage, CaseStage::RequestReceived);
        let deadlines = db.read(|tx| tx.list_deadlines(&scope, received.case.id))?;
        assert_eq!(deadlines.len(), 1);
        assert_eq!(deadlines[0].kind, DeadlineKind::DecideWhetherToAssess);
        // Reg 5(1): 4 September 2023 + 6 weeks.
        assert_eq!(deadlines[0].due_on, date(2023, 10, 16));
        let kinds: Vec<EventKind> = db
            .read(|tx| tx.list_events(&scope, Some(received.case.id)))?
            .into_iter()
            .map(|e| e.kind())
            .collect();
        assert_eq!(kinds, vec![EventKind::RequestReceived, EventKind::DeadlineSet]);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn bad_requests_name_the_field_and_change_nothing(db) {
        let scope = authority(db, "torbay", 880)?;
        let refusals = [
            (ReceiveRequest { received_on: date(2023, 10, 3), ..request(2) }, "received_on"),
            (ReceiveRequest { upn: Some("X123".into()), ..request(2) }, "upn"),
            (ReceiveRequest { requested_by: RequestedBy::YoungPerson, ..request(2) }, "requested_by"),
            (ReceiveRequest { date_of_birth: date(1990, 1, 1), ..request(2) }, "date_of_birth"),
            (ReceiveRequest { summary: "  ".into(), ..request(2) }, "summary"),
            (ReceiveRequest { given_name: String::new(), ..request(2) }, "given_name"),
        ];
        for (command, field) in refusals {
            match receive_request(db, &scope, &command, None, &clock()) {
                Err(WorkflowError::Invalid { field: named, .. }) => assert_eq!(named, field),
                other => panic!("{field}: expected a refusal, got {other:?}"),
            }
        }
        assert_eq!(cases(db, &scope), 0);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn assessing_sets_the_sixteen_and_twenty_week_limits(db) {
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelMember)?;
        let received = receive_request(db, &scope, &request(3), None, &clock())?;
        let decided = decide_whether_to_assess(
            db, &scope, received.case.id,
            &decide(chair.id, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."),
            &BankHolidays::england_and_wales(), &clock(),
        )?;
        assert_eq!(decided.stage, CaseStage::Assessing);
        assert!(decided.within_six_weeks);
        assert_eq!(decided.family_deadlines, None);
        let deadlines = db.read(|tx| tx.list_deadlines(&scope, received.case.id))?;
        let due = |kind| deadlines.iter().find(|d| d.kind == kind).map(|d| (d.due_on, d.status));
        assert_eq!(due(DeadlineKind::DecideWhetherToAssess), Some((date(2023, 10, 16), DeadlineStatus::Met)));
        assert_eq!(due(DeadlineKind::DecideNotToIssue), Some((date(2023, 12, 25), DeadlineStatus::Open)));
        assert_eq!(due(DeadlineKind::FinalPlan), Some((date(2024, 1, 22), DeadlineStatus::Open)));
        assert_eq!(db.read(|tx| tx.get_case(&scope, received.case.id))?.stage, CaseStage::Assessing);
        // Deciding twice is refused, naming the stage.
        let again = decide_whether_to_assess(
            db, &scope, received.case.id,
            &decide(chair.id, AssessDecision::Refuse, "Changed our mind."),
            &BankHolidays::england_and_wales(), &clock(),
        );
        assert!(matches!(again, Err(WorkflowError::WrongStage { stage: CaseStage::Assessing, .. })), "{again:?}");
        assert_eq!(db.read(|tx| tx.list_decisions(&scope, received.case.id))?.len(), 1);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn refusing_needs_reasons_and_a_reason_to_depart_from_the_advice(db) {
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelMember)?;
        let received = receive_request(db, &scope, &request(4), None, &clock())?;
        // Torbay's plugin, in force, advises "assess" on an evidenced request.
        let host = PolicyHost::new(Limits::default(), None)?;
        let bytes = wasm("sendpanel-plugin-torbay");
        let (plugin, _) = vet(&host, &bytes)?;
        install(db, &scope, &plugin, bytes, Some(date(2023, 9, 1)))?;
        let mut facts = plugin
            .test_vectors()?
            .into_iter()
            .find_map(|v| match v.call { TestCall::GraduatedResponse(f) => Some(f), _ => None })
            .unwrap();
        facts.as_at = Date { year: 2023, month: 10, day: 2 };
        // The vector's evidence ids name no document: upload one for each and cite it.
        let caseworker = user(db, &scope, "caseworker@torbay.example", UserRole::Caseworker)?;
        sendpanel_tests::cited::cite_real_documents(db, &scope, received.case.id, caseworker.id, clock().0, &mut facts)?;
        let catalogue = PluginCatalogue::new(host);
        catalogue.advise(db, &scope, received.case.id, &Question::GraduatedResponse(facts), None, &clock())?;

        let holidays = BankHolidays::england_and_wales();
        let empty = decide_whether_to_assess(db, &scope, received.case.id, &decide(chair.id, AssessDecision::Refuse, " "), &holidays, &clock());
        match empty {
            Err(WorkflowError::Invalid { field, rule }) => {
                assert_eq!(field, "reasons");
                assert!(rule.contains("s.36(5)"), "{rule}");
            }
            other => panic!("expected reasons to be required, got {other:?}"),
        }
        let undeparted = decide_whether_to_assess(db, &scope, received.case.id, &decide(chair.id, AssessDecision::Refuse, "Needs can be met at SEN support."), &holidays, &clock());
        match undeparted {
            Err(WorkflowError::Invalid { field, rule }) => {
                assert_eq!(field, "departure_reason");
                assert!(rule.contains("the policy advice was to assess"), "{rule}");
            }
            other => panic!("expected a departure reason to be required, got {other:?}"),
        }
        // Someone from another authority cannot decide.
        let wiltshire = authority(db, "wiltshire", 865)?;
        let stranger = user(db, &wiltshire, "chair@wiltshire.example", UserRole::PanelMember)?;
        let foreign = decide_whether_to_assess(db, &scope, received.case.id, &DecideWhetherToAssess {
            departure_reason: Some("x".into()),
            ..decide(stranger.id, AssessDecision::Refuse, "Needs can be met at SEN support.")
        }, &holidays, &clock());
        assert!(matches!(foreign, Err(WorkflowError::Invalid { field: "decided_by", .. })), "{foreign:?}");
        assert!(db.read(|tx| tx.list_decisions(&scope, received.case.id))?.is_empty());

        let decided = decide_whether_to_assess(db, &scope, received.case.id, &DecideWhetherToAssess {
            departure_reason: Some("The school's own reviews show good progress since the EP visit.".into()),
            ..decide(chair.id, AssessDecision::Refuse, "Needs can be met at SEN support with the plan agreed.")
        }, &holidays, &clock())?;
        assert_eq!(decided.stage, CaseStage::AssessmentRefused);
        assert_eq!(decided.decision.outcome, DecisionOutcome::Refused);
        // Notice 2 October 2023: mediation contact by Saturday 2 December 2023 (Reg 33);
        // the appeal, Tribunal time, by the next working day, Monday 4 December (HESC
        // Rules 2008 r.12(2)).
        assert_eq!(decided.family_deadlines, Some((date(2023, 12, 2), date(2023, 12, 4))));
        let events = db.read(|tx| tx.list_events(&scope, Some(received.case.id)))?;
        let decision = events.iter().find(|e| e.kind() == EventKind::DecisionRecorded).unwrap();
        assert_eq!(stored_payload(decision)["departure_reason"], "The school's own reviews show good progress since the EP visit.");
        assert_eq!(stored_payload(decision)["appeal_by"], "2023-12-04");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn after_a_refusal_the_next_steps_meeting_can_move_the_case_to_assessment(db) {
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelMember)?;
        let holidays = BankHolidays::england_and_wales();
        let received = receive_request(db, &scope, &request(5), None, &clock())?;
        let meeting = RecordNextStepsOutcome {
            met_on: date(2023, 10, 2),
            outcome: NextStepsOutcome::MovedToAssessment,
            notes: "New EP evidence; the panel will assess.".into(),
        };
        // Before a refusal there is no next-steps meeting to record.
        let early = record_next_steps_outcome(db, &scope, received.case.id, &meeting, chair.id, &clock());
        assert!(matches!(early, Err(WorkflowError::WrongStage { stage: CaseStage::RequestReceived, .. })), "{early:?}");
        decide_whether_to_assess(db, &scope, received.case.id, &decide(chair.id, AssessDecision::Refuse, "Needs can be met at SEN support."), &holidays, &clock())?;
        let too_early = RecordNextStepsOutcome { met_on: date(2023, 10, 1), ..meeting.clone() };
        assert!(matches!(
            record_next_steps_outcome(db, &scope, received.case.id, &too_early, chair.id, &clock()),
            Err(WorkflowError::Invalid { field: "met_on", .. })
        ));
        let blank = RecordNextStepsOutcome { notes: " ".into(), ..meeting.clone() };
        assert!(matches!(
            record_next_steps_outcome(db, &scope, received.case.id, &blank, chair.id, &clock()),
            Err(WorkflowError::Invalid { field: "notes", .. })
        ));
        let stage = record_next_steps_outcome(db, &scope, received.case.id, &meeting, chair.id, &clock())?;
        assert_eq!(stage, CaseStage::Assessing);
        let deadlines = db.read(|tx| tx.list_deadlines(&scope, received.case.id))?;
        // Still counted from the original request of 4 September 2023.
        assert!(deadlines.iter().any(|d| d.kind == DeadlineKind::FinalPlan && d.due_on == date(2024, 1, 22)));
        let events = db.read(|tx| tx.list_events(&scope, Some(received.case.id)))?;
        let outcome = events.iter().find(|e| e.kind() == EventKind::NextStepsOutcomeRecorded).expect("outcome event");
        assert_eq!(stored_payload(outcome)["outcome"], "moved_to_assessment");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_second_request_for_the_same_child_reuses_the_child(db) {
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelMember)?;
        let first = receive_request(db, &scope, &request(6), None, &clock())?;
        decide_whether_to_assess(db, &scope, first.case.id, &decide(chair.id, AssessDecision::Refuse, "Needs can be met at SEN support."), &BankHolidays::england_and_wales(), &clock())?;
        record_next_steps_outcome(db, &scope, first.case.id, &RecordNextStepsOutcome {
            met_on: date(2023, 10, 2),
            outcome: NextStepsOutcome::NewRequestPending,
            notes: "The school will send a new request with the autumn review.".into(),
        }, chair.id, &clock())?;
        let second = receive_request(db, &scope, &ReceiveRequest { received_on: date(2023, 10, 2), ..request(6) }, None, &clock())?;
        assert_eq!(second.case.child_id, first.case.child_id);
        assert_ne!(second.case.id, first.case.id);
        assert_eq!(second.deadlines[0].due_on, date(2023, 11, 13));
        assert_eq!(db.read(|tx| tx.list_children(&scope))?.len(), 1);
        // The same UPN with another date of birth is a mistake to check, not a new child.
        let clash = receive_request(db, &scope, &ReceiveRequest { date_of_birth: date(2015, 1, 1), ..request(6) }, None, &clock());
        assert!(matches!(clash, Err(WorkflowError::Invalid { field: "upn", .. })), "{clash:?}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn exceptions_exist_only_where_the_regulations_list_them(db) {
        for kind in KINDS {
            for limb in ExceptionLimb::ALL {
                assert_eq!(limb.applies_to(kind), listed(kind, limb), "{limb} on {kind}");
                assert_eq!(limb.citation(kind).is_some(), listed(kind, limb), "{limb} on {kind}");
            }
        }
        assert!(ExceptionLimb::SchoolClosure.applies_to(DeadlineKind::FinalPlan));
        assert_eq!(
            ExceptionLimb::SchoolClosure.citation(DeadlineKind::FinalPlan),
            Some("SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(a)")
        );
        let missed: Vec<DeadlineKind> = KINDS.into_iter().filter(|k| ExceptionLimb::MissedAppointment.applies_to(*k)).collect();
        assert_eq!(missed, vec![DeadlineKind::AdviceDue]);
        assert!(ExceptionLimb::ALL.iter().all(|l| !l.applies_to(DeadlineKind::AnnualReview)));
        assert_eq!(
            ExceptionLimb::PersonalCircumstances.citation(DeadlineKind::DecideWhetherToAssess),
            Some("SEND Regulations 2014 reg. 5(4)(b)")
        );

        // The workflow refuses an unlisted limb, citing the regulation; so does the
        // database, for a row written past the workflow.
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let received = receive_request(db, &scope, &request(10), None, &clock())?;
        let case = received.case.id;
        match claim_exception(db, &scope, case, &claim(DeadlineKind::DecideWhetherToAssess, ExceptionLimb::MissedAppointment), caseworker.id, &clock()) {
            Err(WorkflowError::Invalid { field, rule }) => {
                assert_eq!(field, "limb");
                assert!(rule.contains("reg. 5(4)"), "{rule}");
            }
            other => panic!("expected the limb to be refused, got {other:?}"),
        }
        match claim_exception(db, &scope, case, &claim(DeadlineKind::AnnualReview, ExceptionLimb::PersonalCircumstances), caseworker.id, &clock()) {
            Err(WorkflowError::Invalid { field, rule }) => {
                assert_eq!(field, "limb");
                assert!(rule.contains("no exceptions"), "{rule}");
            }
            other => panic!("expected annual reviews to have no exceptions, got {other:?}"),
        }
        let unlisted = DeadlineException {
            id: ExceptionId::new(),
            authority_id: scope.authority().clone(),
            case_id: case,
            deadline_kind: DeadlineKind::DecideWhetherToAssess,
            limb: ExceptionLimb::EarlyYearsClosure,
            evidence: "Nursery closed for August.".into(),
            applies_from: date(2023, 9, 11),
            applies_to: None,
            claimed_by: caseworker.id,
            claimed_at: clock().0,
            family_told_on: date(2023, 10, 2),
        };
        let check = |result: Result<(), StoreError>| match result {
            Err(StoreError::Refused(message)) => assert!(message.to_lowercase().contains("check constraint"), "{message}"),
            other => panic!("expected a CHECK to refuse the row, got {other:?}"),
        };
        check(db.write(|tx| tx.insert_exception(&scope, &unlisted)));
        let blank = DeadlineException { id: ExceptionId::new(), limb: ExceptionLimb::PersonalCircumstances, evidence: "  ".into(), ..unlisted.clone() };
        check(db.write(|tx| tx.insert_exception(&scope, &blank)));
        assert!(db.read(|tx| tx.list_exceptions(&scope, case))?.is_empty());
        assert_eq!(limits(db, &scope, case), vec![(DeadlineKind::DecideWhetherToAssess, date(2023, 10, 16), DeadlineStatus::Open)]);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn an_exception_disapplies_that_limit_and_keeps_its_date(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let received = receive_request(db, &scope, &request(11), None, &clock())?;
        let case = received.case.id;
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &BankHolidays::england_and_wales(), &clock())?;
        let before = limits(db, &scope, case);
        let events_before = events(db, &scope, case);

        // The family is away for the whole of September: the 20-week limit stops
        // applying (Reg 13(3) with 10(4)(d)); the 16-week one still binds.
        let command = ClaimException {
            limb: ExceptionLimb::AbsenceFromArea,
            evidence: "Family abroad 1-30 September (parent's email of 31 August).".into(),
            applies_from: date(2023, 9, 1),
            applies_to: Some(date(2023, 9, 30)),
            ..claim(DeadlineKind::FinalPlan, ExceptionLimb::AbsenceFromArea)
        };
        let recorded = claim_exception(db, &scope, case, &command, caseworker.id, &clock())?;
        assert_eq!(recorded.deadline_kind, DeadlineKind::FinalPlan);
        assert_eq!(recorded.claimed_by, caseworker.id);
        assert_eq!(recorded.citation(), Some("SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(d)"));
        let after = limits(db, &scope, case);
        assert_eq!(after.len(), before.len());
        for ((kind, due, status), (was_kind, was_due, was_status)) in after.iter().zip(&before) {
            assert_eq!((kind, due), (was_kind, was_due), "no date moves");
            let expected = if *kind == DeadlineKind::FinalPlan { DeadlineStatus::Disapplied } else { *was_status };
            assert_eq!(*status, expected, "{kind}");
        }
        assert!(after.contains(&(DeadlineKind::FinalPlan, date(2024, 1, 22), DeadlineStatus::Disapplied)));
        assert!(after.contains(&(DeadlineKind::DecideNotToIssue, date(2023, 12, 25), DeadlineStatus::Open)));
        assert_eq!(db.read(|tx| tx.list_exceptions(&scope, case))?, vec![recorded.clone()]);

        // One event, with the limb, the provision and the limit.
        let log = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        assert_eq!(log.len(), events_before + 1);
        let event = log.last().unwrap();
        assert_eq!(event.kind(), EventKind::ExceptionRecorded);
        assert_eq!(event.actor, Some(caseworker.id));
        assert_eq!(stored_payload(event)["deadline"], "final_plan");
        assert_eq!(stored_payload(event)["limb"], "absence_from_area");
        assert_eq!(stored_payload(event)["citation"], "SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(d)");
        assert_eq!(stored_payload(event)["due_on"], "2024-01-22");

        // Reported as disapplied: never overdue or at risk, even past its day, while
        // the open 16-week limit is.
        let view = case_view(db, &scope, case, date(2024, 2, 1))?;
        let shown = |kind: &str| view.deadlines.iter().find(|d| d.kind == kind).unwrap().clone();
        let final_plan = shown("final_plan");
        assert_eq!((final_plan.status.as_str(), final_plan.overdue, final_plan.at_risk), ("disapplied", false, false));
        let sixteen = shown("decide_not_to_issue");
        assert_eq!((sixteen.status.as_str(), sixteen.overdue), ("open", true));
        assert_eq!(view.exceptions, vec![recorded.clone()]);
        let near = case_view(db, &scope, case, date(2024, 1, 15))?;
        let final_plan = near.deadlines.iter().find(|d| d.kind == "final_plan").unwrap();
        assert!(!final_plan.at_risk && !final_plan.overdue, "{final_plan:?}");
        let shown_json = serde_json::to_value(&view)?;
        assert_eq!(shown_json["exceptions"][0]["citation"], "SEND Regulations 2014 reg. 13(3), applying reg. 10(4)(d)");
        assert_eq!(shown_json["exceptions"][0]["applies_to"], "2023-09-30");

        // The caseload's next deadline skips the disapplied limit.
        let load = caseload(db, &scope, date(2024, 2, 1))?;
        assert_eq!(load[0].next_deadline.as_ref().unwrap().kind, "decide_not_to_issue");

        // The record is append-only.
        for sql in ["UPDATE deadline_exceptions SET evidence = 'edited'", "DELETE FROM deadline_exceptions"] {
            let refused = db.write(|tx| tx.execute_raw_for_tests(sql));
            assert!(matches!(&refused, Err(StoreError::Refused(m)) if m.contains("append-only")), "{sql}: {refused:?}");
        }
        assert_eq!(db.read(|tx| tx.list_exceptions(&scope, case))?, vec![recorded]);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn the_six_week_decision_stays_disapplied_once_an_exception_is_claimed(db) {
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let received = receive_request(db, &scope, &request(12), None, &clock())?;
        let case = received.case.id;
        let recorded = claim_exception(db, &scope, case, &claim(DeadlineKind::DecideWhetherToAssess, ExceptionLimb::PersonalCircumstances), chair.id, &clock())?;
        assert_eq!(recorded.citation(), Some("SEND Regulations 2014 reg. 5(4)(b)"));
        assert_eq!(limits(db, &scope, case), vec![(DeadlineKind::DecideWhetherToAssess, date(2023, 10, 16), DeadlineStatus::Disapplied)]);
        // The decision that follows does not turn the record back into "met".
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &BankHolidays::england_and_wales(), &clock())?;
        let after = limits(db, &scope, case);
        assert!(after.contains(&(DeadlineKind::DecideWhetherToAssess, date(2023, 10, 16), DeadlineStatus::Disapplied)), "{after:?}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_settled_or_missing_limit_takes_no_exception(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let received = receive_request(db, &scope, &request(13), None, &clock())?;
        let case = received.case.id;
        let personal = claim(DeadlineKind::DecideWhetherToAssess, ExceptionLimb::PersonalCircumstances);
        claim_exception(db, &scope, case, &personal, caseworker.id, &clock())?;
        let events_before = events(db, &scope, case);
        let refusals = [
            // Already disapplied: a second claim, even on another listed limb.
            (personal.clone(), "already disapplied"),
            (ClaimException { applies_to: Some(date(2023, 9, 30)), applies_from: date(2023, 9, 1), ..claim(DeadlineKind::DecideWhetherToAssess, ExceptionLimb::AbsenceFromArea) }, "already disapplied"),
            // Not yet set: the 20-week limit binds only once the authority assesses.
            (claim(DeadlineKind::FinalPlan, ExceptionLimb::PersonalCircumstances), "no final_plan limit"),
            (ClaimException { subject: Some(AdviceSource::EducationalPsychologist), ..claim(DeadlineKind::AdviceDue, ExceptionLimb::MissedAppointment) }, "no advice_due limit"),
        ];
        for (command, says) in refusals {
            match claim_exception(db, &scope, case, &command, caseworker.id, &clock()) {
                Err(WorkflowError::Invalid { field, rule }) => {
                    assert_eq!(field, "deadline", "{rule}");
                    assert!(rule.contains(says), "{rule}");
                }
                other => panic!("{says}: expected a refusal, got {other:?}"),
            }
        }
        assert_eq!(db.read(|tx| tx.list_exceptions(&scope, case))?.len(), 1);
        assert_eq!(events(db, &scope, case), events_before);

        // A met limit has nothing to disapply either.
        let other = receive_request(db, &scope, &request(14), None, &clock())?;
        decide_whether_to_assess(db, &scope, other.case.id, &decide(chair.id, AssessDecision::Refuse, "Needs can be met at SEN support."), &BankHolidays::england_and_wales(), &clock())?;
        let met = claim_exception(db, &scope, other.case.id, &personal, caseworker.id, &clock());
        match met {
            Err(WorkflowError::Invalid { field: "deadline", rule }) => assert!(rule.contains("already met"), "{rule}"),
            other => panic!("expected a met limit to be refused, got {other:?}"),
        }
        assert!(db.read(|tx| tx.list_exceptions(&scope, other.case.id))?.is_empty());
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn bad_claims_name_the_field_and_change_nothing(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let stranger = user(db, &wiltshire, "cw@wiltshire.example", UserRole::Caseworker)?;
        let received = receive_request(db, &scope, &request(15), None, &clock())?;
        let case = received.case.id;
        let base = claim(DeadlineKind::DecideWhetherToAssess, ExceptionLimb::PersonalCircumstances);
        let away = |from, to| ClaimException {
            applies_from: from,
            applies_to: Some(to),
            ..claim(DeadlineKind::DecideWhetherToAssess, ExceptionLimb::AbsenceFromArea)
        };
        let refusals = [
            (ClaimException { evidence: " ".into(), ..base.clone() }, caseworker.id, "evidence"),
            (ClaimException { applies_to: Some(date(2023, 9, 10)), ..base.clone() }, caseworker.id, "applies_to"),
            // 1-27 September is 27 days: short of "at least 4 continuous weeks".
            (away(date(2023, 9, 1), date(2023, 9, 27)), caseworker.id, "applies_to"),
            (ClaimException { family_told_on: date(2023, 10, 3), ..base.clone() }, caseworker.id, "family_told_on"),
            (ClaimException { family_told_on: date(2023, 9, 10), ..base.clone() }, caseworker.id, "family_told_on"),
            (claim(DeadlineKind::DecideWhetherToAssess, ExceptionLimb::EarlyYearsClosure), caseworker.id, "limb"),
            (base.clone(), stranger.id, "claimed_by"),
        ];
        let events_before = events(db, &scope, case);
        for (command, who, field) in refusals {
            match claim_exception(db, &scope, case, &command, who, &clock()) {
                Err(WorkflowError::Invalid { field: named, rule }) => assert_eq!(named, field, "{rule}"),
                other => panic!("{field}: expected a refusal, got {other:?}"),
            }
        }
        // Another authority's case is not found, and nothing is said about it.
        let foreign = claim_exception(db, &wiltshire, case, &base, stranger.id, &clock());
        assert!(matches!(foreign, Err(WorkflowError::Store(StoreError::NotFound { .. }))), "{foreign:?}");
        assert!(db.read(|tx| tx.list_exceptions(&scope, case))?.is_empty());
        assert_eq!(events(db, &scope, case), events_before);
        assert_eq!(limits(db, &scope, case), vec![(DeadlineKind::DecideWhetherToAssess, date(2023, 10, 16), DeadlineStatus::Open)]);

        // Exactly 4 weeks, 1-28 September counting both days, is enough; an absence
        // whose end is not yet known can be claimed without one.
        let recorded = claim_exception(db, &scope, case, &away(date(2023, 9, 1), date(2023, 9, 28)), caseworker.id, &clock())?;
        assert_eq!(recorded.citation(), Some("SEND Regulations 2014 reg. 5(4)(c)"));
        let open_ended = receive_request(db, &scope, &request(16), None, &clock())?;
        let unknown_end = ClaimException { applies_to: None, ..away(date(2023, 9, 20), date(2023, 9, 20)) };
        claim_exception(db, &scope, open_ended.case.id, &unknown_end, caseworker.id, &clock())?;
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn each_request_for_advice_runs_its_own_six_weeks(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let received = receive_request(db, &scope, &request(20), None, &clock())?;
        let case = received.case.id;
        let ask = |from, day| RequestAdvice { from, requested_on: day };
        // Before the decision to assess there is no assessment to advise.
        let early = request_advice(db, &scope, case, &ask(AdviceSource::Health, date(2023, 10, 2)), caseworker.id, &clock());
        assert!(matches!(early, Err(WorkflowError::WrongStage { stage: CaseStage::RequestReceived, .. })), "{early:?}");
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &BankHolidays::england_and_wales(), &clock())?;
        let later = on(2023, 10, 20);
        let ep = request_advice(db, &scope, case, &ask(AdviceSource::EducationalPsychologist, date(2023, 10, 3)), caseworker.id, &later)?;
        // Reg 8(1): 3 October 2023 + 6 weeks.
        assert_eq!((ep.due_on, ep.subject.as_deref()), (date(2023, 11, 14), Some("educational_psychologist")));
        let again = request_advice(db, &scope, case, &ask(AdviceSource::EducationalPsychologist, date(2023, 10, 10)), caseworker.id, &later)?;
        let health = request_advice(db, &scope, case, &ask(AdviceSource::Health, date(2023, 10, 4)), caseworker.id, &later)?;
        assert_eq!((again.due_on, health.due_on), (date(2023, 11, 21), date(2023, 11, 15)));

        // Refusals name the field and change nothing.
        let events_before = events(db, &scope, case);
        let before = limits(db, &scope, case);
        for (command, field) in [
            (ask(AdviceSource::Setting, date(2023, 10, 21)), "requested_on"),
            (ask(AdviceSource::Setting, date(2023, 10, 1)), "requested_on"),
        ] {
            match request_advice(db, &scope, case, &command, caseworker.id, &later) {
                Err(WorkflowError::Invalid { field: named, rule }) => assert_eq!(named, field, "{rule}"),
                other => panic!("{field}: expected a refusal, got {other:?}"),
            }
        }
        let got = |from, day| RecordAdviceReceived { from, received_on: day };
        for (command, field) in [
            (got(AdviceSource::SocialCare, date(2023, 10, 19)), "from"),
            (got(AdviceSource::EducationalPsychologist, date(2023, 10, 21)), "received_on"),
            (got(AdviceSource::EducationalPsychologist, date(2023, 10, 2)), "received_on"),
        ] {
            match record_advice_received(db, &scope, case, &command, caseworker.id, &later) {
                Err(WorkflowError::Invalid { field: named, rule }) => assert_eq!(named, field, "{rule}"),
                other => panic!("{field}: expected a refusal, got {other:?}"),
            }
        }
        assert_eq!(events(db, &scope, case), events_before);
        assert_eq!(limits(db, &scope, case), before);

        // The EP's advice settles the older EP request only; the other two still run.
        let settled = record_advice_received(db, &scope, case, &got(AdviceSource::EducationalPsychologist, date(2023, 10, 19)), caseworker.id, &later)?;
        assert_eq!(settled.deadline.id, ep.id);
        assert!(settled.within_six_weeks);
        let now: Vec<_> = db.read(|tx| tx.list_deadlines(&scope, case))?.into_iter().filter(|d| d.kind == DeadlineKind::AdviceDue).map(|d| (d.id, d.status)).collect();
        assert_eq!(now, vec![(ep.id, DeadlineStatus::Met), (health.id, DeadlineStatus::Open), (again.id, DeadlineStatus::Open)]);
        let log = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        let last = log.last().unwrap();
        assert_eq!((last.kind(), stored_payload(last)["from"].as_str()), (EventKind::AdviceReceived, Some("educational_psychologist")));
        assert_eq!(log.iter().filter(|e| e.kind() == EventKind::AdviceRequested).count(), 3);
        // Shown with its source.
        let view = case_view(db, &scope, case, date(2023, 10, 20))?;
        assert!(view.deadlines.iter().any(|d| d.kind == "advice_due" && d.subject.as_deref() == Some("health") && d.status == "open"));

        // A missed appointment with health disapplies the health request only (Reg 8(2)(c)),
        // and an advice exception must say whose advice.
        let missed = ClaimException {
            evidence: "Paediatric appointment of 16 October not kept; clinic letter on file.".into(),
            applies_from: date(2023, 10, 16),
            applies_to: None,
            family_told_on: date(2023, 10, 18),
            subject: Some(AdviceSource::Health),
            ..claim(DeadlineKind::AdviceDue, ExceptionLimb::MissedAppointment)
        };
        let unnamed = claim_exception(db, &scope, case, &ClaimException { subject: None, ..missed.clone() }, caseworker.id, &later);
        assert!(matches!(unnamed, Err(WorkflowError::Invalid { field: "subject", .. })), "{unnamed:?}");
        let stray = claim_exception(db, &scope, case, &ClaimException { subject: Some(AdviceSource::Health), ..claim(DeadlineKind::DecideNotToIssue, ExceptionLimb::PersonalCircumstances) }, caseworker.id, &later);
        assert!(matches!(stray, Err(WorkflowError::Invalid { field: "subject", .. })), "{stray:?}");
        claim_exception(db, &scope, case, &missed, caseworker.id, &later)?;
        let now: Vec<_> = db.read(|tx| tx.list_deadlines(&scope, case))?.into_iter().filter(|d| d.kind == DeadlineKind::AdviceDue).map(|d| (d.id, d.status)).collect();
        assert_eq!(now, vec![(ep.id, DeadlineStatus::Met), (health.id, DeadlineStatus::Disapplied), (again.id, DeadlineStatus::Open)]);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn deciding_not_to_issue_ends_the_twenty_week_duty(db) {
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let stranger = user(db, &wiltshire, "chair@wiltshire.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let received = receive_request(db, &scope, &request(21), None, &clock())?;
        let case = received.case.id;
        let later = on(2023, 12, 1);
        let issue = |decision, reasons: &str, who, day| DecideWhetherToIssue { decision, reasons: reasons.into(), decided_by: who, decided_on: day };
        let early = decide_whether_to_issue(db, &scope, case, &issue(IssueDecision::Issue, "Needed.", chair.id, date(2023, 10, 2)), &holidays, &clock());
        assert!(matches!(early, Err(WorkflowError::WrongStage { stage: CaseStage::RequestReceived, .. })), "{early:?}");
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &holidays, &clock())?;
        let events_before = events(db, &scope, case);
        let before = limits(db, &scope, case);
        let reasons = "The assessment shows needs can be met from the school's resources.";
        for (command, field) in [
            (issue(IssueDecision::DoNotIssue, " ", chair.id, date(2023, 11, 30)), "reasons"),
            (issue(IssueDecision::DoNotIssue, reasons, chair.id, date(2023, 12, 2)), "decided_on"),
            (issue(IssueDecision::DoNotIssue, reasons, chair.id, date(2023, 10, 1)), "decided_on"),
            (issue(IssueDecision::DoNotIssue, reasons, stranger.id, date(2023, 11, 30)), "decided_by"),
        ] {
            match decide_whether_to_issue(db, &scope, case, &command, &holidays, &later) {
                Err(WorkflowError::Invalid { field: named, rule }) => assert_eq!(named, field, "{rule}"),
                other => panic!("{field}: expected a refusal, got {other:?}"),
            }
        }
        assert_eq!(events(db, &scope, case), events_before);
        assert_eq!(limits(db, &scope, case), before);
        assert_eq!(db.read(|tx| tx.list_decisions(&scope, case))?.len(), 1);

        let decided = decide_whether_to_issue(db, &scope, case, &issue(IssueDecision::DoNotIssue, reasons, chair.id, date(2023, 11, 30)), &holidays, &later)?;
        assert_eq!((decided.stage, decided.decision.kind, decided.decision.outcome), (CaseStage::NotToIssue, DecisionKind::Issue, DecisionOutcome::Refused));
        assert!(decided.within_sixteen_weeks);
        assert!(decided.family_deadlines.is_some());
        let after = limits(db, &scope, case);
        assert!(after.contains(&(DeadlineKind::DecideNotToIssue, date(2023, 12, 25), DeadlineStatus::Met)), "{after:?}");
        assert!(after.contains(&(DeadlineKind::FinalPlan, date(2024, 1, 22), DeadlineStatus::Met)), "{after:?}");
        assert_eq!(db.read(|tx| tx.get_case(&scope, case))?.stage, CaseStage::NotToIssue);
        let again = decide_whether_to_issue(db, &scope, case, &issue(IssueDecision::Issue, reasons, chair.id, date(2023, 11, 30)), &holidays, &later);
        assert!(matches!(again, Err(WorkflowError::WrongStage { stage: CaseStage::NotToIssue, .. })), "{again:?}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn one_request_from_receipt_to_final_plan(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let stage = |db: &Database| db.read(|tx| tx.get_case(&scope, case_of(db, &scope))).unwrap().stage;
        let due = |db: &Database, kind| limits(db, &scope, case_of(db, &scope)).into_iter().filter(|l| l.0 == kind).map(|l| (l.1, l.2)).collect::<Vec<_>>();

        // Received 4 September 2023: decide whether to assess by 16 October (Reg 5(1)).
        let received = receive_request(db, &scope, &request(30), Some(caseworker.id), &on(2023, 9, 4))?;
        let case = received.case.id;
        assert_eq!(stage(db), CaseStage::RequestReceived);
        assert_eq!(due(db, DeadlineKind::DecideWhetherToAssess), vec![(date(2023, 10, 16), DeadlineStatus::Open)]);

        // Assess on 2 October: 16 weeks to 25 December (Reg 10(1)), 20 to 22 January (Reg 13(2)).
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &holidays, &on(2023, 10, 2))?;
        assert_eq!(stage(db), CaseStage::Assessing);
        assert_eq!(due(db, DeadlineKind::DecideWhetherToAssess), vec![(date(2023, 10, 16), DeadlineStatus::Met)]);
        assert_eq!(due(db, DeadlineKind::DecideNotToIssue), vec![(date(2023, 12, 25), DeadlineStatus::Open)]);
        assert_eq!(due(db, DeadlineKind::FinalPlan), vec![(date(2024, 1, 22), DeadlineStatus::Open)]);

        // Serving a draft or issuing a plan before the decision to issue is the wrong stage.
        let early = serve_draft_plan(db, &scope, case, &ServeDraftPlan { served_on: date(2023, 10, 2) }, caseworker.id, &on(2023, 10, 2));
        assert!(matches!(early, Err(WorkflowError::WrongStage { stage: CaseStage::Assessing, .. })), "{early:?}");
        let early = issue_final_plan(db, &scope, case, &IssueFinalPlan { issued_on: date(2023, 10, 2) }, caseworker.id, &on(2023, 10, 2));
        assert!(matches!(early, Err(WorkflowError::WrongStage { stage: CaseStage::Assessing, .. })), "{early:?}");

        // Advice asked of the EP on 3 October is due by 14 November (Reg 8(1)).
        request_advice(db, &scope, case, &RequestAdvice { from: AdviceSource::EducationalPsychologist, requested_on: date(2023, 10, 3) }, caseworker.id, &on(2023, 10, 3))?;
        assert_eq!(due(db, DeadlineKind::AdviceDue), vec![(date(2023, 11, 14), DeadlineStatus::Open)]);
        let advice = record_advice_received(db, &scope, case, &RecordAdviceReceived { from: AdviceSource::EducationalPsychologist, received_on: date(2023, 11, 10) }, caseworker.id, &on(2023, 11, 10))?;
        assert!(advice.within_six_weeks);
        assert_eq!(due(db, DeadlineKind::AdviceDue), vec![(date(2023, 11, 14), DeadlineStatus::Met)]);

        // The chair decides to issue on 24 November, within the 16 weeks.
        let decided = decide_whether_to_issue(db, &scope, case, &DecideWhetherToIssue {
            decision: IssueDecision::Issue,
            reasons: "The assessment shows provision is needed beyond what the school can make.".into(),
            decided_by: chair.id,
            decided_on: date(2023, 11, 24),
        }, &holidays, &on(2023, 11, 24))?;
        assert_eq!((decided.stage, decided.decision.outcome, decided.within_sixteen_weeks), (CaseStage::DraftPlan, DecisionOutcome::Agreed, true));
        assert_eq!(decided.family_deadlines, None);
        assert_eq!(stage(db), CaseStage::DraftPlan);
        assert_eq!(due(db, DeadlineKind::DecideNotToIssue), vec![(date(2023, 12, 25), DeadlineStatus::Met)]);
        assert_eq!(due(db, DeadlineKind::FinalPlan), vec![(date(2024, 1, 22), DeadlineStatus::Open)]);

        // A final plan before the draft is served is refused, naming the field.
        refused(issue_final_plan(db, &scope, case, &IssueFinalPlan { issued_on: date(2023, 12, 1) }, caseworker.id, &on(2023, 12, 1)), "issued_on");
        let serve = |day| ServeDraftPlan { served_on: day };
        refused(serve_draft_plan(db, &scope, case, &serve(date(2023, 12, 2)), caseworker.id, &on(2023, 12, 1)), "served_on");
        refused(serve_draft_plan(db, &scope, case, &serve(date(2023, 11, 23)), caseworker.id, &on(2023, 12, 1)), "served_on");

        // Draft served 1 December: representations by 15 December (Reg 13(1)).
        let events_before = events(db, &scope, case);
        let representations = serve_draft_plan(db, &scope, case, &serve(date(2023, 12, 1)), caseworker.id, &on(2023, 12, 1))?;
        assert_eq!(representations.due_on, date(2023, 12, 15));
        assert_eq!(due(db, DeadlineKind::RepresentationsDue), vec![(date(2023, 12, 15), DeadlineStatus::Open)]);
        assert_eq!(stage(db), CaseStage::DraftPlan);
        let log = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        assert_eq!(log.len(), events_before + 2);
        assert_eq!(log[events_before].kind(), EventKind::DraftPlanServed);
        assert_eq!(stored_payload(&log[events_before])["representations_by"], "2023-12-15");
        refused(serve_draft_plan(db, &scope, case, &serve(date(2023, 12, 2)), caseworker.id, &on(2023, 12, 2)), "served_on");

        // Final plan refusals change nothing.
        let events_before = events(db, &scope, case);
        let before = limits(db, &scope, case);
        let issue = |day| IssueFinalPlan { issued_on: day };
        refused(issue_final_plan(db, &scope, case, &issue(date(2023, 11, 30)), caseworker.id, &on(2024, 1, 10)), "issued_on");
        refused(issue_final_plan(db, &scope, case, &issue(date(2024, 1, 11)), caseworker.id, &on(2024, 1, 10)), "issued_on");
        assert_eq!(events(db, &scope, case), events_before);
        assert_eq!(limits(db, &scope, case), before);

        // Final plan issued 10 January 2024: within 20 weeks (22 January); the first
        // annual review by 9 January 2025, the last of the 12 months starting with it.
        let issued = issue_final_plan(db, &scope, case, &issue(date(2024, 1, 10)), caseworker.id, &on(2024, 1, 10))?;
        assert!(issued.within_twenty_weeks);
        assert_eq!((issued.stage, issued.annual_review.due_on), (CaseStage::PlanIssued, date(2025, 1, 9)));
        assert_eq!(stage(db), CaseStage::PlanIssued);
        assert_eq!(due(db, DeadlineKind::FinalPlan), vec![(date(2024, 1, 22), DeadlineStatus::Met)]);
        assert_eq!(due(db, DeadlineKind::RepresentationsDue), vec![(date(2023, 12, 15), DeadlineStatus::Met)]);
        assert_eq!(due(db, DeadlineKind::AnnualReview), vec![(date(2025, 1, 9), DeadlineStatus::Open)]);
        let log = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        let final_plan = log.iter().find(|e| e.kind() == EventKind::FinalPlanIssued).unwrap();
        assert_eq!(stored_payload(final_plan)["within_twenty_weeks"], true);
        assert_eq!(final_plan.actor, Some(caseworker.id));
        // Only the annual review is still open.
        let open: Vec<_> = limits(db, &scope, case).into_iter().filter(|l| l.2 == DeadlineStatus::Open).map(|l| l.0).collect();
        assert_eq!(open, vec![DeadlineKind::AnnualReview]);
        let again = issue_final_plan(db, &scope, case, &issue(date(2024, 1, 10)), caseworker.id, &on(2024, 1, 10));
        assert!(matches!(again, Err(WorkflowError::WrongStage { stage: CaseStage::PlanIssued, .. })), "{again:?}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn an_annual_review_maintained_starts_the_next_twelve_months(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = plan_issued_on_10_january_2024(db, &scope, 40, caseworker.id, chair.id);
        let due = |kind| limits(db, &scope, case).into_iter().filter(|l| l.0 == kind).map(|l| (l.1, l.2)).collect::<Vec<_>>();
        let meeting = |day| ScheduleReviewMeeting { meeting_on: day };
        let reasons = "The plan still meets the child's needs; progress is good.";

        // Refusals name the field and change nothing: a meeting before the plan, a
        // decision with no meeting scheduled.
        let events_before = events(db, &scope, case);
        let before = limits(db, &scope, case);
        refused(schedule_review_meeting(db, &scope, case, &meeting(date(2024, 1, 9)), caseworker.id, &holidays, &on(2024, 11, 1)), "meeting_on");
        refused(record_review_decision(db, &scope, case, &review(ReviewDecision::Maintain, reasons, chair.id, date(2024, 11, 1)), &holidays, &on(2024, 11, 1)), "decided_on");
        assert_eq!(events(db, &scope, case), events_before);
        assert_eq!(limits(db, &scope, case), before);

        // Meeting on 20 November 2024: papers by 6 November (reg. 20(3)-(4), 21),
        // report by 4 December (reg. 20(7)), decision by 18 December (reg. 20(10)).
        let scheduled = schedule_review_meeting(db, &scope, case, &meeting(date(2024, 11, 20)), caseworker.id, &holidays, &on(2024, 11, 1))?;
        assert_eq!((scheduled.papers.due_on, scheduled.report.due_on, scheduled.decision.due_on), (date(2024, 11, 6), date(2024, 12, 4), date(2024, 12, 18)));
        assert_eq!(due(DeadlineKind::ReviewPapers), vec![(date(2024, 11, 6), DeadlineStatus::Open)]);
        assert_eq!(due(DeadlineKind::ReviewReport), vec![(date(2024, 12, 4), DeadlineStatus::Open)]);
        assert_eq!(due(DeadlineKind::ReviewDecision), vec![(date(2024, 12, 18), DeadlineStatus::Open)]);
        let log = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        assert_eq!(log.len(), events_before + 4);
        assert_eq!(log[events_before].kind(), EventKind::ReviewMeetingScheduled);
        assert_eq!(stored_payload(&log[events_before])["meeting_on"], "2024-11-20");
        assert_eq!(log[events_before].actor, Some(caseworker.id));
        // A second meeting while this one awaits its decision is refused.
        refused(schedule_review_meeting(db, &scope, case, &meeting(date(2024, 11, 27)), caseworker.id, &holidays, &on(2024, 11, 1)), "meeting_on");

        // Decision refusals change nothing: no reasons, before the meeting, in the future.
        let events_before = events(db, &scope, case);
        let before = limits(db, &scope, case);
        refused(record_review_decision(db, &scope, case, &review(ReviewDecision::Maintain, "  ", chair.id, date(2024, 12, 10)), &holidays, &on(2024, 12, 10)), "reasons");
        refused(record_review_decision(db, &scope, case, &review(ReviewDecision::Maintain, reasons, chair.id, date(2024, 11, 19)), &holidays, &on(2024, 12, 10)), "decided_on");
        refused(record_review_decision(db, &scope, case, &review(ReviewDecision::Maintain, reasons, chair.id, date(2024, 12, 11)), &holidays, &on(2024, 12, 10)), "decided_on");
        assert_eq!(events(db, &scope, case), events_before);
        assert_eq!(limits(db, &scope, case), before);
        assert_eq!(db.read(|tx| tx.list_decisions(&scope, case))?.len(), 2);

        // Maintained on 10 December 2024: the review's limits and the first annual
        // review are met; the next review is due by 9 December 2025 (CFA s.44(1)).
        let decided = record_review_decision(db, &scope, case, &review(ReviewDecision::Maintain, reasons, chair.id, date(2024, 12, 10)), &holidays, &on(2024, 12, 10))?;
        assert_eq!((decided.stage, decided.decision.kind, decided.decision.outcome), (CaseStage::PlanIssued, DecisionKind::AnnualReview, DecisionOutcome::Agreed));
        assert!(decided.within_four_weeks);
        assert_eq!(decided.next_review.as_ref().map(|d| d.due_on), Some(date(2025, 12, 9)));
        assert_eq!(decided.amended_plan, None);
        assert!(decided.family_deadlines.is_some());
        assert_eq!(due(DeadlineKind::ReviewPapers), vec![(date(2024, 11, 6), DeadlineStatus::Met)]);
        assert_eq!(due(DeadlineKind::ReviewReport), vec![(date(2024, 12, 4), DeadlineStatus::Met)]);
        assert_eq!(due(DeadlineKind::ReviewDecision), vec![(date(2024, 12, 18), DeadlineStatus::Met)]);
        assert_eq!(due(DeadlineKind::AnnualReview), vec![(date(2025, 1, 9), DeadlineStatus::Met), (date(2025, 12, 9), DeadlineStatus::Open)]);
        let open: Vec<_> = limits(db, &scope, case).into_iter().filter(|l| l.2 == DeadlineStatus::Open).map(|l| l.0).collect();
        assert_eq!(open, vec![DeadlineKind::AnnualReview]);
        assert_eq!(db.read(|tx| tx.get_case(&scope, case))?.stage, CaseStage::PlanIssued);
        let log = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        let recorded = log.iter().find(|e| e.kind() == EventKind::ReviewDecisionRecorded).unwrap();
        assert_eq!(stored_payload(recorded)["choice"], "maintain");
        assert_eq!(stored_payload(recorded)["next_review_by"], "2025-12-09");
        assert!(stored_payload(recorded)["appeal_by"].is_string(), "{recorded:?}");
        assert_eq!(recorded.actor, Some(chair.id));
        // With no meeting pending, a second decision is refused.
        refused(record_review_decision(db, &scope, case, &review(ReviewDecision::Cease, reasons, chair.id, date(2024, 12, 10)), &holidays, &on(2024, 12, 10)), "decided_on");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn an_annual_review_may_cease_or_amend_the_plan(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let reasons = "The child's needs are now met without a plan.";

        // Cease: the case moves to Ceased, nothing stays open and no next review is set.
        let ceased = plan_issued_on_10_january_2024(db, &scope, 41, caseworker.id, chair.id);
        schedule_review_meeting(db, &scope, ceased, &ScheduleReviewMeeting { meeting_on: date(2024, 11, 20) }, caseworker.id, &holidays, &on(2024, 11, 1))?;
        let decided = record_review_decision(db, &scope, ceased, &review(ReviewDecision::Cease, reasons, chair.id, date(2024, 12, 10)), &holidays, &on(2024, 12, 10))?;
        assert_eq!((decided.stage, decided.next_review.clone(), decided.amended_plan.clone()), (CaseStage::Ceased, None, None));
        assert!(decided.family_deadlines.is_some());
        assert_eq!(db.read(|tx| tx.get_case(&scope, ceased))?.stage, CaseStage::Ceased);
        let open: Vec<_> = limits(db, &scope, ceased).into_iter().filter(|l| l.2 == DeadlineStatus::Open).collect();
        assert_eq!(open, vec![]);
        assert!(limits(db, &scope, ceased).contains(&(DeadlineKind::AnnualReview, date(2025, 1, 9), DeadlineStatus::Met)));
        // A ceased plan is not reviewed again.
        let again = schedule_review_meeting(db, &scope, ceased, &ScheduleReviewMeeting { meeting_on: date(2025, 11, 20) }, caseworker.id, &holidays, &on(2025, 11, 1));
        assert!(matches!(again, Err(WorkflowError::WrongStage { stage: CaseStage::Ceased, .. })), "{again:?}");

        // Amend: the amended plan is due 8 weeks from the proposals sent with the
        // decision (reg. 22(3)), and the next review 12 months from the decision.
        let amended = plan_issued_on_10_january_2024(db, &scope, 42, caseworker.id, chair.id);
        schedule_review_meeting(db, &scope, amended, &ScheduleReviewMeeting { meeting_on: date(2024, 11, 20) }, caseworker.id, &holidays, &on(2024, 11, 1))?;
        let decided = record_review_decision(db, &scope, amended, &review(ReviewDecision::Amend, "Section F needs more speech and language therapy.", chair.id, date(2024, 12, 10)), &holidays, &on(2024, 12, 10))?;
        assert_eq!(decided.stage, CaseStage::PlanIssued);
        assert_eq!(decided.amended_plan.as_ref().map(|d| d.due_on), Some(date(2025, 2, 4)));
        assert_eq!(decided.next_review.as_ref().map(|d| d.due_on), Some(date(2025, 12, 9)));
        assert_eq!(decided.family_deadlines, None);
        let open: Vec<_> = limits(db, &scope, amended).into_iter().filter(|l| l.2 == DeadlineStatus::Open).map(|l| (l.0, l.1)).collect();
        assert_eq!(open, vec![(DeadlineKind::AmendedPlan, date(2025, 2, 4)), (DeadlineKind::AnnualReview, date(2025, 12, 9))]);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn annual_review_commands_are_refused_before_a_plan_is_issued(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = receive_request(db, &scope, &request(43), Some(caseworker.id), &on(2023, 9, 4))?.case.id;
        let events_before = events(db, &scope, case);
        let before = limits(db, &scope, case);
        let early = schedule_review_meeting(db, &scope, case, &ScheduleReviewMeeting { meeting_on: date(2023, 9, 20) }, caseworker.id, &holidays, &on(2023, 9, 4));
        assert!(matches!(early, Err(WorkflowError::WrongStage { stage: CaseStage::RequestReceived, .. })), "{early:?}");
        let early = record_review_decision(db, &scope, case, &review(ReviewDecision::Maintain, "Fine.", chair.id, date(2023, 9, 4)), &holidays, &on(2023, 9, 4));
        assert!(matches!(early, Err(WorkflowError::WrongStage { stage: CaseStage::RequestReceived, .. })), "{early:?}");
        assert_eq!(events(db, &scope, case), events_before);
        assert_eq!(limits(db, &scope, case), before);
        assert_eq!(db.read(|tx| tx.get_case(&scope, case))?.stage, CaseStage::RequestReceived);
        assert_state_matches_store(db, &scope);
        Ok(())
    }
}
