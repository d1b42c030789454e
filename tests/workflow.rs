//! The statutory workflow on both databases: intake starts the clock; the decision
//! whether to assess is a named person's, with reasons, departing from plugin advice
//! only with a reason; every refused command changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    CaseStage, DeadlineKind, DeadlineStatus, DecisionOutcome, EventKind, NeedType, RequestedBy,
    SettingType, UserRole,
};
use sendpanel_core::policy::contract::{Date, TestCall};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, Question, install, vet};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_core::workflow::{
    AssessDecision, DecideWhetherToAssess, NextStepsOutcome, ReceiveRequest,
    RecordNextStepsOutcome, WorkflowError, decide_whether_to_assess, receive_request,
    record_next_steps_outcome,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, upn, user};
use sendpanel_tests::plugins::wasm;

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

fn request(serial: u16) -> ReceiveRequest {
    ReceiveRequest {
        given_name: "Alex".into(),
        family_name: "Example".into(),
        date_of_birth: date(2016, 3, 14),
        upn: upn(880, serial).to_string(),
        nhs_number: None,
        received_on: date(2023, 9, 4),
        requested_by: RequestedBy::Setting,
        requester: "Ms P. Senco, SENCO at Example Primary".into(),
        setting_type: SettingType::Mainstream,
        primary_need: NeedType::Mld,
        summary: "Two reviewed cycles of literacy support; little progress.".into(),
    }
}

fn decide(
    who: sendpanel_core::domain::UserId,
    decision: AssessDecision,
    reasons: &str,
) -> DecideWhetherToAssess {
    DecideWhetherToAssess {
        decision,
        reasons: reasons.into(),
        departure_reason: None,
        decided_by: who,
        decided_on: date(2023, 10, 2),
    }
}

fn cases(db: &Database, scope: &AuthorityScope) -> usize {
    db.read(|tx| tx.list_cases(scope)).unwrap().len()
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
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, vec![EventKind::RequestReceived, EventKind::DeadlineSet]);
        Ok(())
    }

    fn bad_requests_name_the_field_and_change_nothing(db) {
        let scope = authority(db, "torbay", 880)?;
        let refusals = [
            (ReceiveRequest { received_on: date(2023, 10, 3), ..request(2) }, "received_on"),
            (ReceiveRequest { upn: "X123".into(), ..request(2) }, "upn"),
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
        // Notice 2 October 2023: mediation contact and appeal by 2 December 2023.
        assert_eq!(decided.family_deadlines, Some((date(2023, 12, 2), date(2023, 12, 2))));
        let events = db.read(|tx| tx.list_events(&scope, Some(received.case.id)))?;
        let decision = events.iter().find(|e| e.kind == EventKind::DecisionRecorded).unwrap();
        assert_eq!(decision.payload["departure_reason"], "The school's own reviews show good progress since the EP visit.");
        assert_eq!(decision.payload["appeal_by"], "2023-12-02");
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
        let outcome = events.iter().find(|e| e.kind == EventKind::NextStepsOutcomeRecorded).expect("outcome event");
        assert_eq!(outcome.payload["outcome"], "moved_to_assessment");
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
        Ok(())
    }
}
