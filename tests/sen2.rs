//! The SEN2 return on both databases, from journeys whose return is known by hand: the
//! file is parsed back and its records counted per module; a child without a recorded
//! sex is refused naming the rule and left out of the file; the 20-week exception flag
//! comes from the exception recorded, and facts after the census date are left out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    Child, ChildId, DeadlineKind, ExceptionLimb, PersonName, ReviewDecision, Sex, UserRole,
};
use sendpanel_core::sen2::model::{Message, Person};
use sendpanel_core::sen2::{ModuleCounts, Software, sen2_return};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::{
    AssessDecision, ClaimException, DecideWhetherToAssess, DecideWhetherToIssue, IssueDecision,
    IssueFinalPlan, LodgeAppeal, MediationOutcome, NextStepsOutcome, ReceiveRequest,
    RecordMediationOutcome, RecordNextStepsOutcome, RecordReviewDecision, RequestMediation,
    ScheduleReviewMeeting, ServeDraftPlan, claim_exception, decide_whether_to_assess,
    decide_whether_to_issue, issue_final_plan, lodge_appeal, receive_request,
    record_mediation_outcome, record_next_steps_outcome, record_review_decision, request_mediation,
    schedule_review_meeting, serve_draft_plan,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority, date, upn, user};
use sendpanel_tests::journey::{on, plan_issued_on_10_january_2024, refused_case, request};

/// The child `request(serial)` is about, stored first with `sex` so the request finds
/// them by UPN (the intake keeps a known child's details).
fn child(db: &Database, scope: &AuthorityScope, serial: u16, family: &str, sex: Option<Sex>) {
    let child = Child {
        id: ChildId::new(),
        authority_id: scope.authority().clone(),
        given_name: PersonName::parse("given_name", "Alex").unwrap(),
        family_name: PersonName::parse("family_name", family).unwrap(),
        date_of_birth: date(2016, 3, 14),
        upn: Some(upn(880, serial)),
        nhs_number: None,
        authority_reference: None,
        sex,
        ethnicity: None,
        postcode: None,
    };
    db.write(|tx| tx.insert_child(scope, &child, at(1, 11)))
        .unwrap();
}

fn person<'a>(message: &'a Message, surname: &str) -> &'a Person {
    message
        .persons
        .person
        .iter()
        .find(|p| p.surname == surname)
        .unwrap_or_else(|| panic!("{surname} is in the file"))
}

fn received_2024(serial: u16, on_day: chrono::NaiveDate) -> ReceiveRequest {
    ReceiveRequest {
        received_on: on_day,
        ..request(serial)
    }
}

both_backends! {
    fn the_sen2_return_holds_the_cases_in_scope_refuses_a_child_without_sex_and_derives_week20(db) {
        let scope = authority(db, "torbay", 880)?;
        let cw = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let census = date(2025, 1, 16);

        // A: received 4 March 2024, refused 2 April; mediation, then an appeal.
        child(db, &scope, 1, "Adams", Some(Sex::Female));
        let a = receive_request(db, &scope, &received_2024(1, date(2024, 3, 4)), None, &on(2024, 3, 4))?.case.id;
        decide_whether_to_assess(db, &scope, a, &DecideWhetherToAssess { decision: AssessDecision::Refuse, reasons: "Needs are met at SEN support.".into(), departure_reason: None, decided_by: chair.id, decided_on: date(2024, 4, 2) }, &holidays, &on(2024, 4, 2))?;
        record_next_steps_outcome(db, &scope, a, &RecordNextStepsOutcome { met_on: date(2024, 4, 9), outcome: NextStepsOutcome::MediationOrFurtherContact, notes: "Family will seek mediation.".into() }, cw.id, &on(2024, 4, 9))?;
        let refusal = db.read(|tx| tx.list_decisions(&scope, a))?[0].id;
        request_mediation(db, &scope, a, &RequestMediation { decision: refusal, notice_sent_on: date(2024, 4, 2), requested_on: date(2024, 4, 20) }, cw.id, &holidays, &on(2024, 4, 20))?;
        record_mediation_outcome(db, &scope, a, &RecordMediationOutcome { ended_on: date(2024, 5, 10), outcome: MediationOutcome::NoAgreement, certificate_issued_on: Some(date(2024, 5, 10)) }, cw.id, &holidays, &on(2024, 5, 10))?;
        lodge_appeal(db, &scope, a, &LodgeAppeal { decision: refusal, notice_sent_on: date(2024, 4, 2), lodged_on: date(2024, 6, 3), mediation_certificate_issued_on: Some(date(2024, 5, 10)) }, cw.id, &holidays, &on(2024, 6, 3))?;

        // B: a plan issued 10 January 2024 (requested 4 September 2023), reviewed in
        // December 2024 and maintained: active on the census date.
        child(db, &scope, 2, "Brown", Some(Sex::Male));
        let b = plan_issued_on_10_january_2024(db, &scope, 2, cw.id, chair.id);
        schedule_review_meeting(db, &scope, b, &ScheduleReviewMeeting { meeting_on: date(2024, 12, 2) }, cw.id, &holidays, &on(2024, 11, 1))?;
        record_review_decision(db, &scope, b, &RecordReviewDecision { decision: ReviewDecision::Maintain, reasons: "The plan still meets the child's needs.".into(), decided_by: chair.id, decided_on: date(2024, 12, 16) }, &holidays, &on(2024, 12, 16))?;

        // C: received 4 March 2024, assessed, an exception disapplies the 20-week limit,
        // the plan is issued late on 30 August 2024.
        child(db, &scope, 3, "Clark", Some(Sex::Female));
        let c = receive_request(db, &scope, &received_2024(3, date(2024, 3, 4)), None, &on(2024, 3, 4))?.case.id;
        decide_whether_to_assess(db, &scope, c, &DecideWhetherToAssess { decision: AssessDecision::Assess, reasons: "The child may need provision through a plan.".into(), departure_reason: None, decided_by: chair.id, decided_on: date(2024, 4, 2) }, &holidays, &on(2024, 4, 2))?;
        claim_exception(db, &scope, c, &ClaimException {
            deadline: DeadlineKind::FinalPlan,
            limb: ExceptionLimb::PersonalCircumstances,
            evidence: "Family bereavement; letter on file.".into(),
            applies_from: date(2024, 5, 1),
            applies_to: Some(date(2024, 6, 1)),
            family_told_on: date(2024, 5, 6),
            subject: None,
        }, cw.id, &on(2024, 5, 6))?;
        decide_whether_to_issue(db, &scope, c, &DecideWhetherToIssue { decision: IssueDecision::Issue, reasons: "A plan is necessary.".into(), decided_by: chair.id, decided_on: date(2024, 6, 3) }, &holidays, &on(2024, 6, 3))?;
        serve_draft_plan(db, &scope, c, &ServeDraftPlan { served_on: date(2024, 7, 8) }, cw.id, &on(2024, 7, 8))?;
        issue_final_plan(db, &scope, c, &IssueFinalPlan { issued_on: date(2024, 8, 30) }, cw.id, &on(2024, 8, 30))?;

        // D: received 16 October 2024, pending; no sex recorded: refused, not exported.
        child(db, &scope, 4, "Davies", None);
        let d = receive_request(db, &scope, &received_2024(4, date(2024, 10, 16)), None, &on(2024, 10, 16))?.case.id;

        // E: a plan issued 10 January 2024, ceased at its review in December 2024.
        child(db, &scope, 5, "Evans", Some(Sex::Male));
        let e = plan_issued_on_10_january_2024(db, &scope, 5, cw.id, chair.id);
        schedule_review_meeting(db, &scope, e, &ScheduleReviewMeeting { meeting_on: date(2024, 12, 2) }, cw.id, &holidays, &on(2024, 11, 1))?;
        record_review_decision(db, &scope, e, &RecordReviewDecision { decision: ReviewDecision::Cease, reasons: "Needs are now met without a plan.".into(), decided_by: chair.id, decided_on: date(2024, 12, 16) }, &holidays, &on(2024, 12, 16))?;

        // F: refused in October 2023 with nothing since: out of scope (no sex recorded,
        // so were it in scope it would be refused).
        refused_case(db, &scope, 6);
        // G: received after the census date: out of scope.
        child(db, &scope, 7, "Green", Some(Sex::Female));
        receive_request(db, &scope, &received_2024(7, date(2025, 2, 3)), None, &on(2025, 2, 3))?;

        let report = sen2_return(db, &scope, census, &Software::sendpanel(on(2025, 2, 10).0))?;
        let message = Message::from_xml(&report.xml)?;

        // Worked out by hand: A, B, C and E are in the file; D is refused; F and G are
        // out of scope. Assessments: B, C, E; plans: B, C, E; active on the census
        // date: B and C, each with its primary need; no placement the record can name.
        assert_eq!(report.exported, ModuleCounts {
            persons: 4,
            requests: 4,
            assessments: 3,
            named_plans: 3,
            plan_details: 0,
            active_plans: 2,
            placement_details: 0,
            sen_needs: 2,
        });
        assert_eq!(message.persons.person.len(), 4);
        let counted: usize = message.persons.person.iter().map(|p| p.requests.len()).sum();
        assert_eq!(counted, 4);
        assert_eq!(message.header.collection_details.collection, "SEN2");
        assert_eq!(message.header.collection_details.reference_date, census);
        assert_eq!(message.header.source.lea, "880");

        // D is refused, naming the child, the case and the rule, and is not in the file.
        assert_eq!(report.refused.len(), 1);
        let refused = &report.refused[0];
        assert_eq!(refused.name, "Alex Davies");
        assert_eq!(refused.case_ids, vec![d]);
        assert_eq!(refused.upn.as_deref(), Some(upn(880, 4).as_str()));
        assert!(refused.failures.iter().any(|f| f.rule == "1.4" && f.text.contains("Sex")), "{:?}", refused.failures);
        assert!(message.persons.person.iter().all(|p| p.surname != "Davies"));
        assert!(message.persons.person.iter().all(|p| p.surname != "Green"));

        // A: refused to assess, with mediation and an appeal on that decision.
        let adams = &person(&message, "Adams").requests[0];
        assert_eq!(person(&message, "Adams").sex, "F");
        assert_eq!(adams.received_date, date(2024, 3, 4));
        assert_eq!(adams.request_outcome.as_deref(), Some("B"));
        assert_eq!(adams.request_outcome_date, Some(date(2024, 4, 2)));
        assert!(adams.request_mediation.0 && adams.request_tribunal.0);
        assert!(adams.assessment.is_none());
        assert_eq!(adams.request_source.as_deref(), Some("3"));

        // B: assessed, plan issued, no exception; the review maintained it.
        let brown = &person(&message, "Brown").requests[0];
        let assessment = brown.assessment.as_ref().expect("B was assessed");
        assert_eq!(assessment.assessment_outcome.as_deref(), Some("Y"));
        assert_eq!(assessment.assessment_outcome_date, Some(date(2024, 1, 10)));
        assert!(!assessment.week20.0);
        let active = brown.active_plans.as_ref().expect("B's plan is active");
        assert_eq!(active.review_meeting, Some(date(2024, 12, 2)));
        assert_eq!(active.review_outcome.as_deref(), Some("M"));
        assert_eq!(active.last_review, Some(date(2024, 12, 16)));
        assert_eq!(active.sen_need[0].sen_type, "MLD");

        // C: the exception recorded on the 20-week limit sets the flag.
        let clark = &person(&message, "Clark").requests[0];
        let assessment = clark.assessment.as_ref().expect("C was assessed");
        assert!(assessment.week20.0);
        assert_eq!(assessment.named_plan.as_ref().map(|p| p.start_date), Some(date(2024, 8, 30)));
        assert!(clark.active_plans.is_some());

        // E: ceased at review; the reason is not in the record, so left out and listed.
        let evans = &person(&message, "Evans").requests[0];
        let plan = evans.assessment.as_ref().and_then(|a| a.named_plan.as_ref()).expect("E had a plan");
        assert_eq!(plan.cease_date, Some(date(2024, 12, 16)));
        assert_eq!(plan.cease_reason, None);
        assert!(evans.active_plans.is_none());
        assert!(report.unfillable.iter().any(|u| u.item.starts_with("4.6") && u.records == 1));
        assert!(report.unfillable.iter().any(|u| u.item.contains("ULN") && u.records == 4));

        // A year earlier, the record as it stood on 18 January 2024: C is not yet
        // received, B's plan (issued 10 January 2024) is active, E's too.
        let earlier = sen2_return(db, &scope, date(2024, 1, 18), &Software::sendpanel(on(2024, 2, 1).0))?;
        let earlier_file = Message::from_xml(&earlier.xml)?;
        assert!(earlier_file.persons.person.iter().all(|p| p.surname != "Clark" && p.surname != "Adams"));
        let evans_then = &person(&earlier_file, "Evans").requests[0];
        assert!(evans_then.active_plans.is_some());
        assert_eq!(evans_then.assessment.as_ref().and_then(|a| a.named_plan.as_ref()).and_then(|p| p.cease_date), None);
        // F (refused 2 October 2023, no sex recorded) is in the 2024 return's scope.
        assert!(earlier.refused.iter().any(|r| r.failures.iter().any(|f| f.rule == "1.4")));

        // Another authority's return is its own: empty.
        let wiltshire = authority(db, "wiltshire", 865)?;
        let other = sen2_return(db, &wiltshire, census, &Software::sendpanel(on(2025, 2, 10).0))?;
        assert_eq!(other.exported, ModuleCounts::default());
        assert!(Message::from_xml(&other.xml)?.persons.person.is_empty());
        Ok(())
    }
}

both_backends! {
    fn a_child_without_a_upn_or_a_reason_is_refused_naming_rule_1_7(db) {
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let reference = sendpanel_core::domain::AuthorityReference::parse("TB-0042")?;
        let child = Child {
            id: ChildId::new(),
            authority_id: scope.authority().clone(),
            given_name: PersonName::parse("given_name", "Alex")?,
            family_name: PersonName::parse("family_name", "Hughes")?,
            date_of_birth: date(2016, 3, 14),
            upn: None,
            nhs_number: None,
            authority_reference: Some(reference),
            sex: Some(Sex::Female),
            ethnicity: None,
            postcode: None,
        };
        db.write(|tx| tx.insert_child(&scope, &child, at(1, 11)))?;
        let case = receive_request(db, &scope, &ReceiveRequest {
            upn: None,
            authority_reference: Some("TB-0042".into()),
            ..received_2024(8, date(2024, 5, 1))
        }, None, &on(2024, 5, 1))?.case.id;
        decide_whether_to_assess(db, &scope, case, &DecideWhetherToAssess { decision: AssessDecision::Assess, reasons: "The child may need provision through a plan.".into(), departure_reason: None, decided_by: chair.id, decided_on: date(2024, 6, 10) }, &holidays, &on(2024, 6, 10))?;

        let report = sen2_return(db, &scope, date(2025, 1, 16), &Software::sendpanel(on(2025, 2, 10).0))?;
        assert_eq!(report.exported, ModuleCounts::default());
        assert_eq!(report.refused.len(), 1);
        let refused = &report.refused[0];
        assert_eq!(refused.name, "Alex Hughes");
        assert_eq!(refused.case_ids, vec![case]);
        assert_eq!(refused.upn, None);
        let rules: Vec<&str> = refused.failures.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["1.7"], "{:?}", refused.failures);
        assert!(Message::from_xml(&report.xml)?.persons.person.is_empty());
        Ok(())
    }
}
