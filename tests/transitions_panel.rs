//! Torbay's Transitions Panel ceasing a post-16 plan, on both databases ("cessation of
//! Post-16 EHCPs where needs have been met", seed 001 L399): a young person in Year 13
//! whose annual review meeting has been held is put on the panel's agenda with `cease`;
//! the members vote, the chair closes the item, and the plan ceases with the family's
//! letter and its e-mail, as a review decision recorded outside a sitting does. The
//! panel takes annual reviews only of young people over compulsory school age
//! (`young_people_only` in `authority.toml`): a Year 9 child's review is refused there,
//! naming the case and nothing written, and goes to the Annual Review Panel instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use chrono::NaiveTime;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    AgendaItemStatus, CaseStage, DeadlineStatus, DecisionKind, DecisionOutcome, DocumentKind,
    EventKind, Proposal, ReviewDecision, Slug, UserRole, VoteChoice,
};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::notify::{LetterKind, MailSettings, Notifier};
use sendpanel_core::panel::tally::View;
use sendpanel_core::panel::{
    AddToAgenda, CastVote, CloseItem, Closed, PanelError, ScheduleSitting, add_to_agenda,
    cast_vote, close_item, mark_present, open_sitting, schedule_sitting,
};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::workflow::{ReceiveRequest, ScheduleReviewMeeting, schedule_review_meeting};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{date, shipped_letters, user};
use sendpanel_tests::journey::{
    assert_state_matches_store, on, plan_issued_on_10_january_2024_for, request,
};
use sendpanel_tests::panels::{seated, torbay};

const REASONS: &str = "Sam has met the outcomes in section E and has a paid apprenticeship from January; the college and Sam agree the plan is no longer needed.";

both_backends! {
    fn the_transitions_panel_ceases_a_young_persons_plan_and_refuses_a_year_9_review(db) {
        db.observe(Arc::new(Notifier::new(
            shipped_letters(&["torbay"])?,
            &MailSettings::default(),
            BankHolidays::england_and_wales(),
        )?))?;
        let (scope, config) = torbay(db)?;
        let holidays = BankHolidays::england_and_wales();
        let seat = |role| seated(db, &scope, &config, "transitions-panel", role).unwrap();
        let chair = seat("chair");
        let members = [seat("social_care"), seat("transition_worker")];
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;

        // Plans issued on 10 January 2024: Sam, born 14 March 2007, is in Year 13 in
        // 2024/25 (over compulsory school age since Friday 30 June 2023); Alex, born 14
        // March 2011, is in Year 9. Both review meetings are on 20 November 2024.
        let born = |serial, given_name: &str, date_of_birth| ReceiveRequest {
            given_name: given_name.into(),
            date_of_birth,
            ..request(serial)
        };
        let young_person = plan_issued_on_10_january_2024_for(db, &scope, &born(1, "Sam", date(2007, 3, 14)), caseworker.id, chair.id);
        let child = plan_issued_on_10_january_2024_for(db, &scope, &born(2, "Alex", date(2011, 3, 14)), caseworker.id, chair.id);
        for case in [young_person, child] {
            schedule_review_meeting(db, &scope, case, &ScheduleReviewMeeting { meeting_on: date(2024, 11, 20) }, caseworker.id, &holidays, &on(2024, 11, 1))?;
        }

        // The Transitions Panel sits on Tuesday 10 December 2024; papers by 5 December.
        let sitting = schedule_sitting(db, &scope, &config, &ScheduleSitting {
            panel: Slug::parse("panel", "transitions-panel")?,
            sits_on: date(2024, 12, 10),
            starts_at: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
            location: "Online".into(),
            members: std::iter::once(chair.id).chain(members.iter().map(|m| m.id)).collect(),
        }, chair.id, &on(2024, 11, 21))?;
        let cease = |case| AddToAgenda { case, proposal: Proposal::Cease, placement: None, funding: None };

        // The Year 9 child's review is refused, naming the case, and nothing is written.
        let events_before = db.read(|tx| tx.list_events(&scope, Some(child)))?.len();
        let refused = add_to_agenda(db, &scope, &config, sitting.id, &cease(child), caseworker.id, &on(2024, 11, 25));
        let Err(PanelError::Invalid { field, rule }) = refused else { panic!("expected a refusal, got {refused:?}") };
        assert_eq!(field, "case");
        assert!(rule.contains("only for young people over compulsory school age"), "{rule}");
        assert!(rule.contains("until 2027-06-25"), "{rule}");
        assert!(db.read(|tx| tx.list_agenda_items(&scope, sitting.id))?.is_empty());
        assert_eq!(db.read(|tx| tx.list_events(&scope, Some(child)))?.len(), events_before);
        // It goes to the Annual Review Panel, which takes every annual review.
        let reviews_chair = seated(db, &scope, &config, "annual-review-panel", "chair")?;
        let reviews = schedule_sitting(db, &scope, &config, &ScheduleSitting {
            panel: Slug::parse("panel", "annual-review-panel")?,
            sits_on: date(2024, 12, 11),
            starts_at: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            location: "Online".into(),
            members: vec![reviews_chair.id],
        }, reviews_chair.id, &on(2024, 11, 21))?;
        add_to_agenda(db, &scope, &config, reviews.id, &cease(child), caseworker.id, &on(2024, 11, 25))?;

        // Sam's review goes on the Transitions Panel's agenda with `cease`.
        let item = add_to_agenda(db, &scope, &config, sitting.id, &cease(young_person), caseworker.id, &on(2024, 11, 25))?.id;

        // On the day the members join and agree; the chair decides (its rule) to cease.
        let day = on(2024, 12, 10);
        open_sitting(db, &scope, sitting.id, chair.id, &day)?;
        for who in std::iter::once(&chair).chain(&members) {
            mark_present(db, &scope, sitting.id, who.id, who.id, &day)?;
            cast_vote(db, &scope, item, who.id, &CastVote {
                choice: VoteChoice::Agree,
                reason: "The outcomes in the plan have been met.".into(),
            }, &day)?;
        }
        let services = Services { db: db.clone(), holidays: Arc::new(BankHolidays::england_and_wales()), clock: Arc::new(day) };
        let closed = close_item(&services, &Actor { user: chair.id, role: chair.role, scope: scope.clone() }, &config, item, &CloseItem {
            decision: Some(Proposal::Cease),
            reasons: REASONS.into(),
            departure_reason: None,
            decided_on: date(2024, 12, 10),
        })?;
        let Closed::Decided { decision, view, departed_from_majority } = closed else { panic!("expected a decision, got {closed:?}") };
        assert_eq!((view, departed_from_majority), (View::ChairDecides, false));
        assert_eq!((decision.kind, decision.outcome, decision.choice), (DecisionKind::AnnualReview, DecisionOutcome::Agreed, Some(ReviewDecision::Cease)));
        assert_eq!((decision.agenda_item_id, decision.decided_by), (Some(item), chair.id));

        // What the caseworker sees: the item decided, the plan ceased with nothing left
        // open, the review decision on the log with the family's dates (2 months from
        // 10 December 2024), and the ceasing letter with the chair's reasons, e-mailed.
        assert_eq!(db.read(|tx| tx.get_agenda_item(&scope, item))?.status, AgendaItemStatus::Decided);
        assert_eq!(db.read(|tx| tx.get_case(&scope, young_person))?.stage, CaseStage::Ceased);
        let deadlines = db.read(|tx| tx.list_deadlines(&scope, young_person))?;
        assert!(deadlines.iter().all(|d| d.status != DeadlineStatus::Open), "{deadlines:?}");
        let log = db.read(|tx| tx.list_events(&scope, Some(young_person)))?;
        let kinds: Vec<EventKind> = log.iter().map(|e| e.kind()).collect();
        let closed_at = kinds.iter().position(|k| *k == EventKind::AgendaItemClosed).unwrap();
        let decided_at = kinds.iter().position(|k| *k == EventKind::ReviewDecisionRecorded).unwrap();
        assert!(closed_at < decided_at, "{kinds:?}");
        let CaseEvent::ReviewDecisionRecorded(recorded) = &log[decided_at].fact else { panic!() };
        assert_eq!((recorded.choice, recorded.agenda_item), (ReviewDecision::Cease, Some(item)));
        assert_eq!((recorded.next_review_by, recorded.appeal_by), (None, Some(date(2025, 2, 10))));
        assert_eq!(log[decided_at].actor, Some(chair.id));
        let letter = db
            .read(|tx| tx.list_documents(&scope, young_person))?
            .into_iter()
            .find(|d| d.kind == DocumentKind::Letter && d.title == LetterKind::Ceasing.title())
            .expect("the ceasing letter");
        let text = String::from_utf8(letter.content)?;
        assert!(text.contains("stop maintaining the plan"), "{text}");
        assert!(text.contains(&format!("<p>{REASONS}</p>")), "{text}");
        assert!(text.contains("appeal by 10 February 2025</strong>"), "{text}");
        let mail = db.read(|tx| tx.list_outbox(&scope, Some(young_person)))?;
        let ceasing = mail.iter().find(|m| m.purpose == "letter:ceasing").expect("the letter's e-mail");
        assert_eq!(ceasing.recipient.as_str(), "parent1@example.org");

        // The Year 9 child's plan is untouched.
        assert_eq!(db.read(|tx| tx.get_case(&scope, child))?.stage, CaseStage::PlanIssued);
        assert_state_matches_store(db, &scope);
        Ok(())
    }
}
