//! Letters on both databases: each decision writes its letter on the case, with the
//! reasons and the family's dates, and queues it to the family in the same transaction;
//! a letter that cannot be written takes the decision down with it.
//!
//! Every expected date below is worked out by hand from the rules in
//! `core/src/clock/statutory.rs`, not by calling them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Arc;

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    AuthorityId, CaseId, CaseStage, DeadlineKind, DeadlineStatus, Document, DocumentKind,
    EventKind, NewAdvice, NewPlugin, UserRole,
};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::notify::{LetterBook, LetterKind, MailSettings, Notifier, message_id};
use sendpanel_core::policy::contract::{Attendee, NextStepsPlan, PolicyError, Venue};
use sendpanel_core::store::{
    AuthorityScope, Database, NewEvent, OutboxEntry, OutboxStatus, StoreError,
};
use sendpanel_core::workflow::{
    AssessDecision, DecideWhetherToIssue, IssueDecision, RecordReviewDecision, ReviewDecision,
    ScheduleReviewMeeting, WorkflowError, decide_whether_to_assess, decide_whether_to_issue,
    receive_request, record_review_decision, schedule_review_meeting,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authorities_dir, authority, date, shared_letters_dir, user};
use sendpanel_tests::journey::assert_state_matches_store;
use sendpanel_tests::journey::{decide, on, plan_issued_on_10_january_2024, request};
use sendpanel_tests::mail::decoded;
use sendpanel_tests::stored_payload;

/// The shipped shared letters, with the overrides of `codes` found under `dir`.
fn book(dir: &Path, codes: &[&str]) -> LetterBook {
    let ids: Vec<AuthorityId> = codes
        .iter()
        .map(|c| AuthorityId::parse(c).unwrap())
        .collect();
    LetterBook::load(shared_letters_dir(), dir, &ids).unwrap()
}

/// Installs the notifier with the shared letters and the overrides of `codes` under
/// `dir` (the shipped ones when `dir` is [`authorities_dir`]).
fn install(db: &Database, dir: &Path, codes: &[&str]) {
    let notifier = Notifier::new(
        book(dir, codes),
        &MailSettings::default(),
        BankHolidays::england_and_wales(),
    )
    .unwrap();
    db.observe(Arc::new(notifier)).unwrap();
}

fn letters(db: &Database, scope: &AuthorityScope, case: CaseId) -> Vec<Document> {
    db.read(|tx| tx.list_documents(scope, case))
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Letter)
        .collect()
}

fn html(document: &Document) -> String {
    String::from_utf8(document.content.clone()).unwrap()
}

fn outbox(db: &Database, scope: &AuthorityScope, case: Option<CaseId>) -> Vec<OutboxEntry> {
    db.read(|tx| tx.list_outbox(scope, case)).unwrap()
}

/// The version the shipped Torbay template of `kind` has now.
fn version(kind: LetterKind) -> String {
    book(&authorities_dir(), &["torbay"])
        .template_version(&AuthorityId::parse("torbay").unwrap(), kind)
        .unwrap()
        .to_owned()
}

const REFUSAL_REASONS: &str = "The school has started SEN support this term and has not yet reviewed it.\n\nThe evidence does not yet show that Alex may need provision through a plan.";

both_backends! {
    fn a_refusal_writes_one_letter_and_queues_one_email(db) {
        let scope = authority(db, "torbay", 880)?;
        install(db, &authorities_dir(), &["torbay"]);
        let caseworker = user(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = receive_request(db, &scope, &request(1), Some(caseworker.id), &on(2023, 9, 4))?.case.id;
        assert!(letters(db, &scope, case).is_empty(), "receiving a request writes no letter");

        let decided = decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Refuse, REFUSAL_REASONS), &holidays, &on(2023, 10, 2))?;
        // Refused on 2 October 2023. Mediation adviser: 2 months from the notice (Reg 33)
        // is 2 December 2023. Appeal: 2 months from the notice (Tribunal rule 20) is also
        // 2 December 2023, a Saturday, so the appeal may come on the next working day,
        // Monday 4 December (HESC Rules 2008 r.12(2)); the mediation date does not move.
        assert_eq!(decided.family_deadlines, Some((date(2023, 12, 2), date(2023, 12, 4))));

        let written = letters(db, &scope, case);
        assert_eq!(written.len(), 1);
        let letter = &written[0];
        assert_eq!(letter.title, "Decision not to carry out an EHC needs assessment");
        assert_eq!(letter.media_type, "text/html");
        assert_eq!(letter.template_version, Some(version(LetterKind::RefusalToAssess)));
        let text = html(letter);
        assert!(text.contains("<strong>torbay council</strong>"), "{text}");
        assert!(text.contains("<p>2 October 2023</p>"), "{text}");
        assert!(text.contains("for Alex Example now</h1>"), "{text}");
        assert!(text.contains("<p>The school has started SEN support this term and has not yet reviewed it.</p>"), "{text}");
        assert!(text.contains("<p>The evidence does not yet show that Alex may need provision through a plan.</p>"), "{text}");
        assert!(text.contains("You must do this by 2 December 2023."), "{text}");
        assert!(text.contains("The Tribunal must receive your appeal by 4 December 2023</strong>"), "{text}");
        assert!(text.contains("First-tier Tribunal (Special Educational Needs and Disability)"), "{text}");
        // No next-steps advice on the case: the letter promises contact instead.
        assert!(text.contains("We will contact you to arrange a meeting"), "{text}");

        let queued = outbox(db, &scope, Some(case));
        assert_eq!(queued.len(), 1);
        let mail = &queued[0];
        assert_eq!(mail.recipient.as_str(), "parent1@example.org");
        assert_eq!(mail.status, OutboxStatus::Pending);
        assert_eq!((mail.attempts, mail.sent_at, mail.claimed_until), (0, None, None));
        assert_eq!(mail.purpose, "letter:refusal-to-assess");
        assert_eq!(mail.subject, "torbay council: Decision not to carry out an EHC needs assessment");
        assert_eq!(mail.next_attempt_at, mail.created_at);
        let raw = decoded(&String::from_utf8(mail.message.clone())?);
        assert!(raw.contains(&format!("Message-ID: {}", message_id(mail.id, "send-team@sendpanel.invalid"))), "{raw}");
        assert!(raw.contains("To: parent1@example.org"), "{raw}");
        assert!(raw.contains("From: \"torbay council\" <send-team@sendpanel.invalid>"), "{raw}");
        assert!(raw.contains("You must do this by 2 December 2023."), "{raw}");

        // The log says a letter was stored, after the decision it belongs to.
        let log = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        let kinds: Vec<_> = log.iter().map(|e| e.kind()).collect();
        let decision = kinds.iter().position(|k| *k == EventKind::DecisionRecorded).unwrap();
        assert_eq!(kinds[decision + 1], EventKind::DocumentStored);
        assert_eq!(stored_payload(&log[decision + 1])["letter"], "refusal-to-assess");
        assert_eq!(stored_payload(&log[decision + 1])["document"], serde_json::json!(letter.id));
        assert_eq!(kinds.iter().filter(|k| **k == EventKind::DocumentStored).count(), 1);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_placement_named_and_its_funding_agreed_are_each_written_to_the_family(db) {
        use sendpanel_core::placement::decision::{DecidePlacement, decide_placement};
        use sendpanel_core::placement::funding::{BandTerms, CommitFunding, commit_funding};
        use sendpanel_core::placement::register::{NewEducationSetting, add_setting};
        use sendpanel_core::services::{Actor, Services};
        let scope = authority(db, "torbay", 880)?;
        install(db, &authorities_dir(), &["torbay"]);
        let caseworker = user(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let admin = user(db, &scope, "admin@torbay.example", UserRole::Admin)?;
        let case = plan_issued_on_10_january_2024(db, &scope, 1, caseworker.id, chair.id);
        let s = Services { db: db.clone(), holidays: Arc::new(BankHolidays::england_and_wales()), clock: Arc::new(on(2024, 3, 4)) };
        let admin = Actor { user: admin.id, role: admin.role, scope: scope.clone() };
        // Illustrative: the school is made up here.
        let school = add_setting(&s, &admin, &NewEducationSetting {
            name: "Illustrative Special School".into(),
            urn: Some("100030".into()),
            kind: "special".into(),
            in_area: Some(false),
        })?;
        let before = outbox(db, &scope, Some(case)).len();
        let placed = decide_placement(&s, &admin, case, &DecidePlacement {
            setting: school.id,
            starts_on: date(2024, 9, 2),
            parental_preference: Some("The family asked for this school".into()),
            mainstream_requested: false,
            reasons: "Section F's provision can be made there.\nIts class sizes suit Alex.".into(),
            independent_justification: None,
            education_pence: 1_600_000,
            health_pence: 0,
            social_care_pence: 0,
            expected_latest: None,
        })?;
        let named = letters(db, &scope, case).into_iter().find(|l| l.title == "The school or setting named in the EHC plan").expect("a letter naming the school");
        let text = html(&named);
        assert!(text.contains("<p>4 March 2024</p>"), "{text}");
        assert!(text.contains("name <strong>Illustrative Special School</strong> (a special school, outside our area) in section I of Alex's"), "{text}");
        assert!(text.contains("from 2 September 2024"), "{text}");
        assert!(text.contains("<p>Section F&#x27;s provision can be made there.</p>"), "{text}");
        assert!(text.contains("<p>Its class sizes suit Alex.</p>"), "{text}");
        // Notice on Monday 4 March 2024: the mediation adviser by 4 May (2 months, reg.
        // 33), a Saturday that does not move; the appeal by the same day, moved past the
        // weekend and the early May bank holiday (Monday 6 May) to Tuesday 7 May 2024.
        assert!(text.contains("You must do this by 4 May 2024."), "{text}");
        assert!(text.contains("The Tribunal must receive your appeal by 7 May 2024</strong>"), "{text}");

        commit_funding(&s, &admin, case, &CommitFunding {
            placement: placed.id,
            advice: None,
            band: Some(BandTerms { band_code: "ILL-3".into(), band_title: "Illustrative band 3".into(), place_funding_pence: 1_000_000, top_up_pence: 600_000 }),
            hours: None,
            other_elements: Vec::new(),
            reasons: Some("No plugin advised on this placement (illustrative)".into()),
            starts_on: date(2024, 9, 2),
            ends_on: None,
            expected_latest: None,
        })?;
        let funded = letters(db, &scope, case).into_iter().find(|l| l.title == "The funding agreed for the place named in the EHC plan").expect("a funding letter");
        let text = html(&funded);
        for part in ["<li>Band: Illustrative band 3 (ILL-3)</li>", "<li>Place funding: £10,000.00 a year</li>", "<li>Top-up: £6,000.00 a year</li>", "from 2 September 2024.", "It does not change that provision"] {
            assert!(text.contains(part), "{part}: {text}");
        }
        // Each went to the family in the transaction that recorded it.
        let purposes: Vec<String> = outbox(db, &scope, Some(case)).into_iter().skip(before).map(|m| m.purpose).collect();
        assert_eq!(purposes, ["letter:placement-named", "letter:funding-agreed"]);
        Ok(())
    }

    fn a_refusal_names_the_next_steps_meeting_the_plugin_planned(db) {
        let scope = authority(db, "torbay", 880)?;
        install(db, &authorities_dir(), &["torbay"]);
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = receive_request(db, &scope, &request(2), None, &on(2023, 9, 4))?.case.id;
        // Advice as the host records it: the plugin's `Ok` answer serialised.
        let plan = NextStepsPlan {
            meeting_required: true,
            within_working_days: 10,
            attendees: vec![Attendee::ParentOrYoungPerson, Attendee::EducationalPsychologist],
            venue: Venue::Setting,
            agenda: vec!["The support <in place> now".into()],
            outcomes_recorded: vec![],
        };
        let output = serde_json::to_string(&Ok::<_, PolicyError>(plan))?;
        db.write(|tx| {
            let plugin = tx.insert_plugin(&scope, &NewPlugin {
                authority_id: scope.authority().clone(),
                policy_name: "Torbay SEN criteria".into(),
                policy_version: "1".into(),
                api_version: "1.0.0".into(),
                effective_from: date(2023, 1, 1),
                bytes: b"stands in for a component".to_vec(),
            })?;
            tx.record_advice(&scope, &NewAdvice {
                case_id: case,
                plugin_sha256: plugin.sha256,
                api_version: "1.0.0".into(),
                call: "next-steps".into(),
                input_json: "{}".into(),
                outcome: "advice".into(),
                output_json: Some(output.clone()),
                unavailable_reason: None,
                fuel_used: 1,
            })
        })?;
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Refuse, REFUSAL_REASONS), &holidays, &on(2023, 10, 2))?;
        let text = html(&letters(db, &scope, case)[0]);
        // 10 working days after Monday 2 October 2023: 3-6 October (4), 9-13 (9), 16 (10).
        assert!(text.contains("within 10 working days, by <strong>16 October 2023</strong>"), "{text}");
        assert!(text.contains("It will be at your child&#x27;s school or setting."), "{text}");
        assert!(text.contains("<li>an educational psychologist</li>"), "{text}");
        assert!(text.contains("<li>The support &lt;in place&gt; now</li>"), "{text}");
        assert!(!text.contains("We will contact you to arrange"), "{text}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_letter_that_will_not_render_rolls_the_decision_back(db) {
        let scope = authority(db, "torbay", 880)?;
        let other = authority(db, "wiltshire", 865)?;
        // Torbay's own refusal letter names a field no letter has, reached only for a
        // child called Alex: the sample data (Sam) passes the start-up check, the real
        // decision fails in strict mode.
        let dir = tempfile::tempdir()?;
        let letters_dir = dir.path().join("torbay/letters");
        std::fs::create_dir_all(&letters_dir)?;
        let broken = std::fs::read_to_string(shared_letters_dir().join("refusal-to-assess.hbs"))?.replace(
            "<h2>Why we decided this</h2>",
            "<h2>Why we decided this</h2>{{#if (eq child.given_name \"Alex\")}}{{child.nickname}}{{/if}}",
        );
        std::fs::write(letters_dir.join("refusal-to-assess.hbs"), broken)?;
        install(db, dir.path(), &["torbay"]);

        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = receive_request(db, &scope, &request(3), None, &on(2023, 9, 4))?.case.id;
        let events_before = db.read(|tx| tx.list_events(&scope, Some(case)))?.len();

        let err = decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Refuse, REFUSAL_REASONS), &holidays, &on(2023, 10, 2)).unwrap_err();
        assert!(matches!(err, WorkflowError::Store(StoreError::Observer(_))), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("refusal-to-assess") && message.contains("nothing was saved"), "{message}");
        // Nothing of the decision was written.
        assert_eq!(db.read(|tx| tx.get_case(&scope, case))?.stage, CaseStage::RequestReceived);
        assert!(db.read(|tx| tx.list_decisions(&scope, case))?.is_empty());
        assert!(db.read(|tx| tx.list_documents(&scope, case))?.is_empty());
        assert!(outbox(db, &scope, None).is_empty());
        assert_eq!(db.read(|tx| tx.list_events(&scope, Some(case)))?.len(), events_before);
        let six_weeks = db.read(|tx| tx.list_deadlines(&scope, case))?;
        assert!(six_weeks.iter().any(|d| d.kind == DeadlineKind::DecideWhetherToAssess && d.status == DeadlineStatus::Open));

        // The other letters still work: deciding to assess writes its letter.
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows Alex may need a plan."), &holidays, &on(2023, 10, 2))?;
        assert_eq!(letters(db, &scope, case).len(), 1);

        // An authority whose letters were never loaded cannot decide either.
        let other_chair = user(db, &other, "chair@wiltshire.example", UserRole::PanelChair)?;
        let elsewhere = receive_request(db, &other, &request(4), None, &on(2023, 9, 4))?.case.id;
        let err = decide_whether_to_assess(db, &other, elsewhere, &decide(other_chair.id, AssessDecision::Assess, "Reasons."), &holidays, &on(2023, 10, 2)).unwrap_err();
        assert!(err.to_string().contains("no letter templates are loaded for authority wiltshire"), "{err}");
        assert_eq!(db.read(|tx| tx.get_case(&other, elsewhere))?.stage, CaseStage::RequestReceived);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn every_family_letter_is_written_with_its_dates(db) {
        let scope = authority(db, "torbay", 880)?;
        install(db, &authorities_dir(), &["torbay"]);
        let caseworker = user(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let titles = |case| letters(db, &scope, case).iter().map(|d| d.title.clone()).collect::<Vec<_>>();
        let text_of = |case, kind: LetterKind| {
            let found = letters(db, &scope, case).into_iter().find(|d| d.title == kind.title()).unwrap_or_else(|| panic!("no {kind} letter"));
            assert_eq!(found.template_version, Some(version(kind)), "{kind}");
            html(&found)
        };

        // Received 4 September 2023, assessed 2 October, issue decided 24 November,
        // draft served 1 December, final plan 10 January 2024.
        let case = plan_issued_on_10_january_2024(db, &scope, 10, caseworker.id, chair.id);
        assert_eq!(titles(case), [
            LetterKind::DecisionToAssess.title(),
            LetterKind::DecisionToIssue.title(),
            LetterKind::DraftPlan.title(),
            LetterKind::FinalPlan.title(),
        ]);
        // 16 weeks from 4 September 2023 is 25 December 2023 (Reg 10(1)); 20 weeks is
        // 22 January 2024 (Reg 13(2)).
        let assess = text_of(case, LetterKind::DecisionToAssess);
        assert!(assess.contains("we will tell you by <strong>25 December 2023</strong>"), "{assess}");
        assert!(assess.contains("issued by <strong>22 January 2024</strong>"), "{assess}");
        assert!(assess.contains("<p>The evidence shows the child may need provision through a plan.</p>"), "{assess}");
        let issue = text_of(case, LetterKind::DecisionToIssue);
        assert!(issue.contains("issued by <strong>22 January 2024</strong>"), "{issue}");
        // 15 days beginning with 1 December 2023 end on 15 December (Reg 13(1)).
        let draft = text_of(case, LetterKind::DraftPlan);
        assert!(draft.contains("sent to you on 1 December 2023"), "{draft}");
        assert!(draft.contains("comments by <strong>15 December 2023</strong>"), "{draft}");
        // Issued 10 January 2024: first review within the 12 months starting that day,
        // so by 9 January 2025 (CFA s.44(1)); mediation 2 months on, 10 March 2024 (a
        // Sunday, Reg 33 does not move it); the appeal, Tribunal time, on the next
        // working day, Monday 11 March (HESC Rules 2008 r.12(2)).
        let fin = text_of(case, LetterKind::FinalPlan);
        assert!(fin.contains("issued on 10 January 2024"), "{fin}");
        assert!(fin.contains("finished by <strong>9 January 2025</strong>"), "{fin}");
        assert!(fin.contains("You must do this by 10 March 2024."), "{fin}");
        assert!(fin.contains("appeal by 11 March 2024</strong>"), "{fin}");
        assert!(fin.contains("section I"), "{fin}");

        // Annual reviews: meeting on 20 November 2024, decided on 10 December 2024.
        let review = |serial, choice| {
            let case = plan_issued_on_10_january_2024(db, &scope, serial, caseworker.id, chair.id);
            schedule_review_meeting(db, &scope, case, &ScheduleReviewMeeting { meeting_on: date(2024, 11, 20) }, caseworker.id, &holidays, &on(2024, 11, 1)).unwrap();
            record_review_decision(db, &scope, case, &RecordReviewDecision {
                decision: choice,
                reasons: "The plan still describes the needs and provision.".into(),
                decided_by: chair.id,
                decided_on: date(2024, 12, 10),
            }, &holidays, &on(2024, 12, 10)).unwrap();
            case
        };
        // Maintain: next review by 9 December 2025 (12 months starting with the
        // decision); mediation and appeal by 10 February 2025 (2 months).
        let maintained = review(11, ReviewDecision::Maintain);
        let text = text_of(maintained, LetterKind::AnnualReview);
        assert!(text.contains("keep the plan as it is"), "{text}");
        assert!(text.contains("finished by <strong>9 December 2025</strong>"), "{text}");
        assert!(text.contains("You must do this by 10 February 2025."), "{text}");
        // Amend: the amended plan within 8 weeks of 10 December 2024, by 4 February
        // 2025 (Reg 22(3)); rights come with the amended plan.
        let amended = review(12, ReviewDecision::Amend);
        let text = text_of(amended, LetterKind::AnnualReview);
        assert!(text.contains("change (amend) the plan"), "{text}");
        assert!(text.contains("amended plan by <strong>4 February 2025</strong>"), "{text}");
        assert!(!text.contains("mediation adviser"), "{text}");
        // Cease: mediation and appeal by 10 February 2025.
        let ceased = review(13, ReviewDecision::Cease);
        let text = text_of(ceased, LetterKind::Ceasing);
        assert!(text.contains("stop maintaining the plan"), "{text}");
        assert!(text.contains("You must do this by 10 February 2025."), "{text}");
        assert!(text.contains("appeal by 10 February 2025</strong>"), "{text}");

        // Not to issue, decided 24 November 2023: mediation and appeal by 24 January 2024.
        let case = receive_request(db, &scope, &request(14), Some(caseworker.id), &on(2023, 9, 4))?.case.id;
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "May need a plan."), &holidays, &on(2023, 10, 2))?;
        decide_whether_to_issue(db, &scope, case, &DecideWhetherToIssue {
            decision: IssueDecision::DoNotIssue,
            reasons: "The school can meet the needs from SEN support.".into(),
            decided_by: chair.id,
            decided_on: date(2023, 11, 24),
        }, &holidays, &on(2023, 11, 24))?;
        let text = text_of(case, LetterKind::DecisionNotToIssue);
        assert!(text.contains("<p>The school can meet the needs from SEN support.</p>"), "{text}");
        assert!(text.contains("You must do this by 24 January 2024."), "{text}");
        assert!(text.contains("appeal by 24 January 2024</strong>"), "{text}");

        // A next-steps meeting arranged after a refusal: a letter, and an invitation
        // with the meeting in a calendar file (10:00 BST is 09:00 UTC).
        let case = receive_request(db, &scope, &request(15), Some(caseworker.id), &on(2023, 9, 4))?.case.id;
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Refuse, REFUSAL_REASONS), &holidays, &on(2023, 10, 2))?;
        db.write(|tx| tx.append_event(&scope, NewEvent {
            case_id: Some(case),
            fact: CaseEvent::from_payload(EventKind::NextStepsMeetingArranged, 1, serde_json::json!({
                "meets_on": "2023-10-16",
                "starts_at": "10:00",
                "location": "Harbourside Primary, meeting room 2",
                "with": ["Casey Worker, SEN caseworker", "Ms P. Senco, SENCO"],
            })).unwrap(),
            actor: Some(caseworker.id),
            occurred_at: on(2023, 10, 3).0,
        }))?;
        let text = text_of(case, LetterKind::NextStepsMeeting);
        assert!(text.contains("<strong>Monday 16 October 2023 at 10:00</strong>"), "{text}");
        assert!(text.contains("Where: Harbourside Primary, meeting room 2"), "{text}");
        assert!(text.contains("With: Casey Worker, SEN caseworker, Ms P. Senco, SENCO"), "{text}");
        let invitation = outbox(db, &scope, Some(case)).into_iter().find(|m| m.purpose == "letter:next-steps-meeting").unwrap();
        let raw = decoded(&String::from_utf8(invitation.message)?);
        assert!(raw.contains("invitation.ics"), "{raw}");
        assert!(raw.contains("text/calendar"), "{raw}");
        assert!(raw.contains("DTSTART:20231016T090000Z"), "{raw}");
        assert!(raw.contains("DTEND:20231016T100000Z"), "{raw}");
        assert!(raw.contains("LOCATION:Harbourside Primary\\, meeting room 2"), "{raw}");

        // Every letter went to its family's address, one message per letter.
        for entry in outbox(db, &scope, None) {
            assert!(entry.recipient.as_str().starts_with("parent"), "{entry:?}");
            assert_eq!(entry.status, OutboxStatus::Pending);
        }
        let letters_written: usize = db.read(|tx| tx.list_cases(&scope))?.iter().map(|c| letters(db, &scope, c.id).len()).sum();
        assert_eq!(outbox(db, &scope, None).len(), letters_written);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn panel_members_are_invited_to_a_sitting_with_a_calendar_file(db) {
        let scope = authority(db, "torbay", 880)?;
        install(db, &authorities_dir(), &["torbay"]);
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let psychologist = user(db, &scope, "ep@torbay.example", UserRole::PanelMember)?;
        let sitting = uuid::Uuid::now_v7();
        db.write(|tx| tx.append_event(&scope, NewEvent {
            case_id: None,
            fact: CaseEvent::from_payload(EventKind::SittingScheduled, 1, serde_json::json!({
                "sitting": sitting,
                "panel": "sen-panel",
                "panel_name": "SEN Panel",
                "sits_on": "2023-10-05",
                "starts_at": "09:30",
                "location": "Online",
                "members": [
                    {"user": chair.id, "role": "chair"},
                    {"user": psychologist.id, "role": "educational_psychologist"},
                ],
            })).unwrap(),
            actor: Some(chair.id),
            occurred_at: on(2023, 9, 20).0,
        }))?;
        let queued = outbox(db, &scope, None);
        assert_eq!(queued.len(), 2);
        let mut recipients: Vec<_> = queued.iter().map(|m| m.recipient.to_string()).collect();
        recipients.sort();
        assert_eq!(recipients, ["chair@torbay.example", "ep@torbay.example"]);
        for mail in &queued {
            assert_eq!(mail.purpose, "invitation:sitting");
            assert_eq!(mail.case_id, None);
            assert_eq!(mail.subject, "torbay council: invitation to SEN Panel on 5 October 2023");
            let raw = decoded(&String::from_utf8(mail.message.clone())?);
            // 09:30 in England on 5 October 2023 (BST) is 08:30 UTC; a morning.
            assert!(raw.contains("DTSTART:20231005T083000Z"), "{raw}");
            assert!(raw.contains("DTEND:20231005T113000Z"), "{raw}");
            // One meeting in every member's calendar: the same UID for all.
            assert!(raw.contains(&format!("UID:sitting-{sitting}@sendpanel.invalid")), "{raw}");
            assert!(raw.contains(&format!("mailto:{}", mail.recipient)), "{raw}");
        }
        let ep = queued.iter().find(|m| m.recipient.as_str() == "ep@torbay.example").unwrap();
        let raw = decoded(&String::from_utf8(ep.message.clone())?);
        assert!(raw.contains("as educational psychologist"), "{raw}");
        assert!(raw.contains("Thursday 5 October 2023 at 09:30"), "{raw}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_council_without_letters_of_its_own_sends_the_shared_ones(db) {
        let scope = authority(db, "newshire", 999)?;
        // No `newshire` folder under the authorities: nothing is overridden.
        let dir = tempfile::tempdir()?;
        install(db, dir.path(), &["newshire"]);
        let chair = user(db, &scope, "chair@newshire.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = receive_request(db, &scope, &request(5), None, &on(2023, 9, 4))?.case.id;
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows Alex may need a plan."), &holidays, &on(2023, 10, 2))?;

        let written = letters(db, &scope, case);
        assert_eq!(written.len(), 1);
        let text = html(&written[0]);
        // The shared letterhead (config/letters/_layout.hbs) around the shared words.
        assert!(text.contains(".letterhead { border-bottom: 4px solid #0b0c0c;"), "{text}");
        assert!(text.contains("<strong>newshire council</strong><br>Special Educational Needs and Disabilities (SEND) Team"), "{text}");
        assert!(text.contains("We have decided to carry out the assessment."), "{text}");
        assert!(text.contains("<p>The evidence shows Alex may need a plan.</p>"), "{text}");
        let shared = book(dir.path(), &["newshire"]);
        let shared_version = shared.template_version(scope.authority(), LetterKind::DecisionToAssess).map(str::to_owned);
        assert_eq!(written[0].template_version, shared_version);
        // Torbay, which has its own letterhead, sends the same words under another version.
        assert_ne!(written[0].template_version, Some(version(LetterKind::DecisionToAssess)));
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn a_council_override_replaces_that_letter_and_no_other(db) {
        let scope = authority(db, "torbay", 880)?;
        // Torbay as shipped (its own letterhead), plus a refusal letter of its own.
        let dir = tempfile::tempdir()?;
        let own = dir.path().join("torbay/letters");
        std::fs::create_dir_all(&own)?;
        for entry in std::fs::read_dir(authorities_dir().join("torbay/letters"))? {
            let path = entry?.path();
            std::fs::copy(&path, own.join(path.file_name().unwrap()))?;
        }
        let refusal = std::fs::read_to_string(shared_letters_dir().join("refusal-to-assess.hbs"))?.replace(
            "{{> rights}}",
            "<p>Torbay's parent carer forum can come with you to the meeting.</p>\n{{> rights}}",
        );
        std::fs::write(own.join("refusal-to-assess.hbs"), refusal)?;
        install(db, dir.path(), &["torbay"]);
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let refused = receive_request(db, &scope, &request(6), None, &on(2023, 9, 4))?.case.id;
        let assessed = receive_request(db, &scope, &request(7), None, &on(2023, 9, 4))?.case.id;
        decide_whether_to_assess(db, &scope, refused, &decide(chair.id, AssessDecision::Refuse, REFUSAL_REASONS), &holidays, &on(2023, 10, 2))?;
        decide_whether_to_assess(db, &scope, assessed, &decide(chair.id, AssessDecision::Assess, "The evidence shows Alex may need a plan."), &holidays, &on(2023, 10, 2))?;

        // The refusal is Torbay's own, on Torbay's letterhead, with the family's dates.
        let letter = &letters(db, &scope, refused)[0];
        let text = html(letter);
        assert!(text.contains("<p>Torbay's parent carer forum can come with you to the meeting.</p>"), "{text}");
        assert!(text.contains("solid #00703c"), "{text}");
        assert!(text.contains("The Tribunal must receive your appeal by 4 December 2023</strong>"), "{text}");
        assert_ne!(letter.template_version, Some(version(LetterKind::RefusalToAssess)));

        // Every other letter is the one Torbay ships, word for word and by version.
        let letter = &letters(db, &scope, assessed)[0];
        assert!(!html(letter).contains("parent carer forum"));
        assert_eq!(letter.template_version, Some(version(LetterKind::DecisionToAssess)));
        assert_state_matches_store(db, &scope);
        Ok(())
    }
}
