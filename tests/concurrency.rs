//! One decision per command, on both databases: people acting on one case at the same
//! moment (eight officers pressing "decide" at once, a chair closing an item while an
//! officer decides the same case outside the sitting) leave exactly one decision, one
//! letter and one e-mail; every other caller is refused, told what happened first, and
//! changes nothing.
//!
//! Each race starts its callers together behind a barrier, from their own threads and
//! their own pooled connections, as separate web requests would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Barrier};

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    CaseId, DecisionKind, DocumentKind, EventKind, ReviewDecision, UserRole,
};
use sendpanel_core::notify::{MailSettings, Notifier};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::{
    AssessDecision, DecideWhetherToIssue, IssueDecision, RecordReviewDecision,
    ScheduleReviewMeeting, WorkflowError, decide_whether_to_assess, decide_whether_to_issue,
    receive_request, record_review_decision, schedule_review_meeting,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, shipped_letters, user};
use sendpanel_tests::journey::assert_state_matches_store;
use sendpanel_tests::journey::{decide, on, plan_issued_on_10_january_2024, request};

/// How many callers race for each decision.
const CALLERS: usize = 8;

/// Installs the letters and outbox writer with Torbay's shipped letters, so each
/// decision writes its letter and e-mail in its own transaction.
fn install_letters(db: &Database) {
    let book = shipped_letters(&["torbay"]).unwrap();
    let notifier = Notifier::new(
        book,
        &MailSettings::default(),
        BankHolidays::england_and_wales(),
    )
    .unwrap();
    db.observe(Arc::new(notifier)).unwrap();
}

/// Runs `CALLERS` calls of `call(i)` at once, each on its own thread, released together.
fn race<T: Send>(call: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(CALLERS);
    std::thread::scope(|threads| {
        let handles: Vec<_> = (0..CALLERS)
            .map(|i| {
                let (barrier, call) = (&barrier, &call);
                threads.spawn(move || {
                    barrier.wait();
                    call(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// What a case holds after a race: its decisions of `kind`, letters, e-mails queued,
/// and `DecisionRecorded` events.
fn held(db: &Database, scope: &AuthorityScope, case: CaseId, kind: DecisionKind) -> [usize; 4] {
    let decisions = db
        .read(|tx| tx.list_decisions(scope, case))
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == kind)
        .count();
    let letters = db
        .read(|tx| tx.list_documents(scope, case))
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Letter)
        .count();
    let mail = db
        .read(|tx| tx.list_outbox(scope, Some(case)))
        .unwrap()
        .len();
    let recorded = db
        .read(|tx| tx.list_events(scope, Some(case)))
        .unwrap()
        .into_iter()
        .filter(|e| e.kind() == EventKind::DecisionRecorded)
        .count();
    [decisions, letters, mail, recorded]
}

/// Exactly one caller succeeded; every other was refused for the case's stage and told
/// that the decision (an event of `first`) was recorded first.
fn one_stands<T: std::fmt::Debug>(outcomes: &[Result<T, WorkflowError>], first: EventKind) {
    let stood = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(stood, 1, "exactly one decision stands: {outcomes:?}");
    for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        let WorkflowError::WrongStage { last_change, .. } = refused else {
            panic!("the others are refused for the stage the first left: {refused:?}");
        };
        let change = last_change
            .as_ref()
            .unwrap_or_else(|| panic!("a refusal names what moved the case: {refused:?}"));
        assert_eq!(change.kind, first, "{refused:?}");
        let named = format!("(last change: {} at ", first.to_string().replace('_', " "));
        assert!(
            refused.to_string().contains(&named),
            "the message says what happened first: {refused}"
        );
    }
}

both_backends! {
    fn eight_officers_deciding_whether_to_assess_at_once_leave_one_decision(db) {
        install_letters(db);
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let case = receive_request(db, &scope, &request(1), None, &on(2023, 9, 4))?.case.id;
        let holidays = BankHolidays::england_and_wales();
        // Half assess, half refuse: without one decision per command a family could be
        // told both.
        let outcomes = race(|i| {
            let (choice, reasons) = if i % 2 == 0 {
                (AssessDecision::Assess, "The evidence shows the child may need provision through a plan.")
            } else {
                (AssessDecision::Refuse, "The school's support has not yet been tried for long enough.")
            };
            decide_whether_to_assess(db, &scope, case, &decide(chair.id, choice, reasons), &holidays, &on(2023, 10, 2))
        });
        one_stands(&outcomes, EventKind::DecisionRecorded);
        // Whichever stood, the case holds one decision, its letter and its e-mail.
        assert_eq!(held(db, &scope, case, DecisionKind::Assess), [1, 1, 1, 1]);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn requests_for_a_child_not_yet_known_sent_at_once_record_the_child_once(db) {
        let scope = authority(db, "torbay", 880)?;
        // Eight requests for one new child (one UPN), logged at the same moment: each
        // opens its case, as it would one after another, and the child is one record.
        let outcomes = race(|_| receive_request(db, &scope, &request(9), None, &on(2023, 9, 4)));
        for outcome in &outcomes {
            assert!(outcome.is_ok(), "every request is logged: {outcome:?}");
        }
        assert_eq!(db.read(|tx| tx.list_children(&scope))?.len(), 1);
        assert_eq!(db.read(|tx| tx.list_cases(&scope))?.len(), CALLERS);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn eight_officers_deciding_whether_to_issue_at_once_leave_one_decision(db) {
        install_letters(db);
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = receive_request(db, &scope, &request(2), None, &on(2023, 9, 4))?.case.id;
        decide_whether_to_assess(db, &scope, case, &decide(chair.id, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &holidays, &on(2023, 10, 2))?;
        let outcomes = race(|_| {
            decide_whether_to_issue(db, &scope, case, &DecideWhetherToIssue {
                decision: IssueDecision::DoNotIssue,
                reasons: "The assessment shows the school can meet the child's needs.".into(),
                decided_by: chair.id,
                decided_on: date(2023, 11, 24),
            }, &holidays, &on(2023, 11, 24))
        });
        one_stands(&outcomes, EventKind::DecisionRecorded);
        // The decision to assess and the one decision not to issue, each with its
        // letter and e-mail.
        assert_eq!(held(db, &scope, case, DecisionKind::Issue), [1, 2, 2, 2]);
        assert_state_matches_store(db, &scope);
        Ok(())
    }

    fn eight_officers_recording_a_review_decision_at_once_leave_one(db) {
        install_letters(db);
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        let holidays = BankHolidays::england_and_wales();
        let case = plan_issued_on_10_january_2024(db, &scope, 3, caseworker.id, chair.id);
        schedule_review_meeting(db, &scope, case, &ScheduleReviewMeeting { meeting_on: date(2024, 11, 20) }, caseworker.id, &holidays, &on(2024, 11, 1))?;
        let letters_before = held(db, &scope, case, DecisionKind::AnnualReview);
        let outcomes = race(|_| {
            record_review_decision(db, &scope, case, &RecordReviewDecision {
                decision: ReviewDecision::Cease,
                reasons: "The child's needs are now met without a plan.".into(),
                decided_by: chair.id,
                decided_on: date(2024, 12, 10),
            }, &holidays, &on(2024, 12, 10))
        });
        // The first cease moves the case to Ceased; the rest are refused for it.
        one_stands(&outcomes, EventKind::ReviewDecisionRecorded);
        let after = held(db, &scope, case, DecisionKind::AnnualReview);
        assert_eq!(after[0], 1, "one review decision: {after:?}");
        assert_eq!(after[1] - letters_before[1], 1, "one cease letter: {after:?}");
        assert_eq!(after[2] - letters_before[2], 1, "one e-mail: {after:?}");
        assert_state_matches_store(db, &scope);
        Ok(())
    }
}
