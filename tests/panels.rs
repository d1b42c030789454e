//! Panels online on both databases: quorum by role met and not met, a conflicted member
//! who cannot vote and does not count, vote changes kept in the record, ties under the
//! chair's casting vote or deferred by rule, a chair's departure from the majority
//! refused without a reason, papers opened on the record, and the chair's decision
//! becoming the case's decision in the workflow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveTime;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::{AuthorityConfig, TieBreak};
use sendpanel_core::domain::{
    AgendaItemStatus, CaseId, CaseStage, DecisionKind, DecisionOutcome, EventKind, Proposal,
    SittingId, Slug, User, VoteChoice,
};
use sendpanel_core::notify::{MailSettings, Notifier};
use sendpanel_core::panel::tally::View;
use sendpanel_core::panel::{
    AddToAgenda, CastVote, CloseItem, Closed, DeclareConflict, PanelError, ScheduleSitting,
    add_to_agenda, cast_vote, close_item, declare_conflict, mark_present, minutes, open_papers,
    open_sitting, schedule_sitting, seat_member, sitting_tally,
};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::receive_request;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{date, shipped_letters, user};
use sendpanel_tests::journey::{on, request};
use sendpanel_tests::panels::{seated, torbay};
use sendpanel_tests::stored_payload;
use std::sync::Arc;

/// A sitting of Torbay's SEN panel on Monday 2 October 2023, open, with one request
/// (received 4 September) proposed for assessment.
struct Sitting {
    scope: AuthorityScope,
    config: AuthorityConfig,
    chair: User,
    ep: User,
    sen_manager: User,
    senco: User,
    health: User,
    case: CaseId,
    sitting: SittingId,
    item: sendpanel_core::domain::AgendaItemId,
}

fn sitting(db: &Database, config_change: impl FnOnce(&mut AuthorityConfig)) -> Sitting {
    let (scope, mut config) = torbay(db).unwrap();
    config_change(&mut config);
    let seat = |role| seated(db, &scope, &config, "sen-panel", role).unwrap();
    let (chair, ep, sen_manager, senco, health) = (
        seat("chair"),
        seat("educational_psychologist"),
        seat("sen_manager"),
        seat("senco"),
        seat("health"),
    );
    let case = receive_request(db, &scope, &request(1), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    let scheduled = schedule_sitting(
        db,
        &scope,
        &config,
        &ScheduleSitting {
            panel: Slug::parse("panel", "sen-panel").unwrap(),
            sits_on: date(2023, 10, 2),
            starts_at: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            location: "Online".into(),
            members: vec![chair.id, ep.id, sen_manager.id, senco.id, health.id],
        },
        chair.id,
        &on(2023, 9, 20),
    )
    .unwrap();
    let item = add_to_agenda(
        db,
        &scope,
        &config,
        scheduled.id,
        &AddToAgenda {
            case,
            proposal: Proposal::Assess,
        },
        chair.id,
        &on(2023, 9, 20),
    )
    .unwrap();
    open_sitting(db, &scope, scheduled.id, chair.id, &on(2023, 10, 2)).unwrap();
    Sitting {
        scope,
        config,
        chair,
        ep,
        sen_manager,
        senco,
        health,
        case,
        sitting: scheduled.id,
        item: item.id,
    }
}

impl Sitting {
    fn vote(&self, db: &Database, who: &User, choice: VoteChoice) -> Result<(), PanelError> {
        cast_vote(
            db,
            &self.scope,
            self.item,
            who.id,
            &CastVote {
                choice,
                reason: format!("{choice}: the evidence as I read it."),
            },
            &on(2023, 10, 2),
        )
        .map(|_| ())
    }

    fn present(&self, db: &Database, who: &User) {
        mark_present(
            db,
            &self.scope,
            self.sitting,
            who.id,
            who.id,
            &on(2023, 10, 2),
        )
        .unwrap();
    }

    fn close(
        &self,
        db: &Database,
        decision: Option<Proposal>,
        departure_reason: Option<&str>,
    ) -> Result<Closed, PanelError> {
        let services = Services {
            db: db.clone(),
            holidays: Arc::new(BankHolidays::england_and_wales()),
            clock: Arc::new(on(2023, 10, 2)),
        };
        let chair = Actor {
            user: self.chair.id,
            role: self.chair.role,
            scope: self.scope.clone(),
        };
        close_item(
            &services,
            &chair,
            &self.config,
            self.item,
            &CloseItem {
                decision,
                reasons: "The school's evidence shows the child may have SEN and a plan may be necessary.".into(),
                departure_reason: departure_reason.map(str::to_owned),
                decided_on: date(2023, 10, 2),
            },
        )
    }

    fn stage(&self, db: &Database) -> CaseStage {
        db.read(|tx| tx.get_case(&self.scope, self.case))
            .unwrap()
            .stage
    }

    fn item_status(&self, db: &Database) -> AgendaItemStatus {
        db.read(|tx| tx.get_agenda_item(&self.scope, self.item))
            .unwrap()
            .status
    }

    fn decisions(&self, db: &Database) -> usize {
        db.read(|tx| tx.list_decisions(&self.scope, self.case))
            .unwrap()
            .len()
    }
}

both_backends! {
    fn a_quorate_panel_decides_and_the_decision_becomes_the_cases(db) {
        let s = sitting(db, |_| {});
        for member in [&s.ep, &s.sen_manager, &s.senco] {
            s.vote(db, member, VoteChoice::Agree)?;
        }
        s.present(db, &s.health);
        let closed = s.close(db, Some(Proposal::Assess), None)?;
        let Closed::Decided { decision, view, departed_from_majority } = closed else {
            panic!("expected a decision, got {closed:?}");
        };
        assert_eq!(view, View::Carried);
        assert!(!departed_from_majority);
        assert_eq!(decision.kind, DecisionKind::Assess);
        assert_eq!(decision.outcome, DecisionOutcome::Agreed);
        assert_eq!(decision.agenda_item_id, Some(s.item));
        assert_eq!(decision.decided_by, s.chair.id);
        // The workflow moved: assessing, with the 16- and 20-week limits.
        assert_eq!(s.stage(db), CaseStage::Assessing);
        assert_eq!(s.item_status(db), AgendaItemStatus::Decided);
        let kinds: Vec<EventKind> = db.read(|tx| tx.list_events(&s.scope, Some(s.case)))?.into_iter().map(|e| e.kind()).collect();
        let closed_at = kinds.iter().position(|k| *k == EventKind::AgendaItemClosed).unwrap();
        assert_eq!(kinds[closed_at + 1], EventKind::DecisionRecorded, "{kinds:?}");
        // Closing twice is refused and records nothing more.
        assert!(matches!(s.close(db, Some(Proposal::Assess), None), Err(PanelError::Closed(_))));
        assert_eq!(s.decisions(db), 1);
        Ok(())
    }

    fn without_an_educational_psychologist_the_item_is_deferred(db) {
        let s = sitting(db, |_| {});
        // Four present (chair, SEN manager, SENCO, health): enough members, but the
        // quorum needs an educational psychologist too.
        for member in [&s.sen_manager, &s.senco, &s.health] {
            s.vote(db, member, VoteChoice::Agree)?;
        }
        let tally = sitting_tally(db, &s.scope, s.sitting, &s.config)?;
        assert!(!tally.items[0].quorum.met);
        match s.close(db, Some(Proposal::Assess), None)? {
            Closed::Deferred { why } => assert!(why.contains("educational psychologist"), "{why}"),
            other => panic!("expected a deferral, got {other:?}"),
        }
        assert_eq!(s.item_status(db), AgendaItemStatus::Deferred);
        assert_eq!(s.stage(db), CaseStage::RequestReceived);
        assert_eq!(s.decisions(db), 0);
        Ok(())
    }

    fn a_conflicted_member_cannot_vote_and_does_not_count(db) {
        let s = sitting(db, |_| {});
        s.vote(db, &s.ep, VoteChoice::Agree)?;
        for member in [&s.sen_manager, &s.senco, &s.health] {
            s.vote(db, member, VoteChoice::Agree)?;
        }
        declare_conflict(db, &s.scope, s.item, s.ep.id, &DeclareConflict {
            reason: "I assessed this child privately last year.".into(),
        }, &on(2023, 10, 2))?;
        // A second declaration is refused; so is the conflicted member's vote.
        assert!(matches!(
            declare_conflict(db, &s.scope, s.item, s.ep.id, &DeclareConflict { reason: "again".into() }, &on(2023, 10, 2)),
            Err(PanelError::Invalid { field: "reason", .. })
        ));
        assert!(matches!(s.vote(db, &s.ep, VoteChoice::Disagree), Err(PanelError::NotSeated(_))));
        let tally = sitting_tally(db, &s.scope, s.sitting, &s.config)?;
        // Their earlier vote no longer counts, and they leave the quorum short of an EP.
        assert_eq!(tally.items[0].counts.agree, 3);
        assert_eq!(tally.items[0].conflicts, 1);
        assert!(!tally.items[0].quorum.met);
        assert!(matches!(s.close(db, Some(Proposal::Assess), None)?, Closed::Deferred { .. }));
        Ok(())
    }

    fn vote_changes_are_kept_and_the_latest_counts(db) {
        let s = sitting(db, |_| {});
        s.vote(db, &s.senco, VoteChoice::Agree)?;
        s.vote(db, &s.senco, VoteChoice::Disagree)?;
        let votes = db.read(|tx| tx.list_votes(&s.scope, s.item))?;
        assert_eq!(votes.len(), 2);
        assert_eq!(votes[0].choice, VoteChoice::Agree);
        let tally = sitting_tally(db, &s.scope, s.sitting, &s.config)?;
        assert_eq!((tally.items[0].counts.agree, tally.items[0].counts.disagree), (0, 1));
        assert_eq!(tally.items[0].votes_cast, 2);
        let minuted = minutes(db, &s.scope, s.sitting)?;
        assert_eq!(minuted.items[0].votes.len(), 1);
        assert_eq!(minuted.items[0].votes[0].choice, VoteChoice::Disagree);
        assert_eq!(minuted.items[0].votes[0].changes, 1);
        let changed: Vec<bool> = db.read(|tx| tx.list_events(&s.scope, Some(s.case)))?
            .into_iter()
            .filter(|e| e.kind() == EventKind::VoteCast)
            .map(|e| stored_payload(&e)["changed"].as_bool().unwrap())
            .collect();
        assert_eq!(changed, vec![false, true]);
        Ok(())
    }

    fn a_tie_is_the_chairs_casting_vote(db) {
        let s = sitting(db, |_| {});
        s.vote(db, &s.ep, VoteChoice::Agree)?;
        s.vote(db, &s.sen_manager, VoteChoice::Agree)?;
        s.vote(db, &s.senco, VoteChoice::Disagree)?;
        s.vote(db, &s.health, VoteChoice::Disagree)?;
        // 2-2: the chair's decision casts it either way, with no departure to explain.
        match s.close(db, Some(Proposal::RefuseAssessment), None)? {
            Closed::Decided { view, departed_from_majority, decision } => {
                assert_eq!(view, View::TieChairCasts);
                assert!(!departed_from_majority);
                assert_eq!(decision.outcome, DecisionOutcome::Refused);
            }
            other => panic!("expected a decision, got {other:?}"),
        }
        assert_eq!(s.stage(db), CaseStage::AssessmentRefused);
        Ok(())
    }

    fn a_tie_is_deferred_where_the_rule_says_so(db) {
        let s = sitting(db, |config| {
            for panel in &mut config.panels {
                panel.tie_break = TieBreak::Defer;
            }
        });
        s.vote(db, &s.ep, VoteChoice::Agree)?;
        s.vote(db, &s.sen_manager, VoteChoice::Agree)?;
        s.vote(db, &s.senco, VoteChoice::Disagree)?;
        s.vote(db, &s.health, VoteChoice::Disagree)?;
        assert!(matches!(s.close(db, Some(Proposal::Assess), None)?, Closed::Deferred { .. }));
        assert_eq!(s.decisions(db), 0);
        Ok(())
    }

    fn departing_from_the_majority_needs_a_reason(db) {
        let s = sitting(db, |_| {});
        for member in [&s.ep, &s.sen_manager, &s.senco] {
            s.vote(db, member, VoteChoice::Agree)?;
        }
        s.vote(db, &s.health, VoteChoice::Disagree)?;
        match s.close(db, Some(Proposal::RefuseAssessment), None) {
            Err(PanelError::Invalid { field, .. }) => assert_eq!(field, "departure_reason"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Nothing changed.
        assert_eq!(s.item_status(db), AgendaItemStatus::Pending);
        assert_eq!(s.decisions(db), 0);
        // A decision of another kind is refused too.
        assert!(matches!(s.close(db, Some(Proposal::Issue), None), Err(PanelError::Invalid { field: "decision", .. })));
        match s.close(db, Some(Proposal::RefuseAssessment), Some("Health's evidence shows the needs are met at SEN support."))? {
            Closed::Decided { departed_from_majority, .. } => assert!(departed_from_majority),
            other => panic!("expected a decision, got {other:?}"),
        }
        assert_eq!(s.stage(db), CaseStage::AssessmentRefused);
        Ok(())
    }

    fn papers_are_for_members_and_every_opening_is_recorded(db) {
        let s = sitting(db, |_| {});
        let papers = open_papers(db, &s.scope, s.item, s.ep.id, &on(2023, 9, 28))?;
        assert!(papers.legal_test.contains("s.36(8)"), "{}", papers.legal_test);
        assert_eq!(papers.proposal, Some(Proposal::Assess));
        assert_eq!(papers.child_name, "Alex Example");
        assert!(papers.deadlines.iter().any(|d| d.kind == "decide_whether_to_assess" && d.due_on == date(2023, 10, 16)));
        open_papers(db, &s.scope, s.item, s.ep.id, &on(2023, 10, 1))?;
        open_papers(db, &s.scope, s.item, s.health.id, &on(2023, 10, 1))?;
        assert_eq!(db.read(|tx| tx.list_paper_openings(&s.scope, s.item))?.len(), 3);
        let outsider = user(db, &s.scope, "outsider@torbay.example", sendpanel_core::domain::UserRole::PanelMember)?;
        assert!(matches!(open_papers(db, &s.scope, s.item, outsider.id, &on(2023, 10, 1)), Err(PanelError::NotSeated(_))));
        assert!(matches!(
            cast_vote(db, &s.scope, s.item, outsider.id, &CastVote { choice: VoteChoice::Agree, reason: "yes".into() }, &on(2023, 10, 2)),
            Err(PanelError::NotSeated(_))
        ));
        let minuted = minutes(db, &s.scope, s.sitting)?;
        assert_eq!(minuted.items[0].papers_opened_by.len(), 2);
        assert_eq!(minuted.items[0].child_initials, "AE");
        Ok(())
    }

    fn the_chairs_refusal_goes_into_the_refusal_letter_and_its_email(db) {
        let notifier = Notifier::new(
            shipped_letters(&["torbay"])?,
            &MailSettings::default(),
            BankHolidays::england_and_wales(),
        )?;
        db.observe(Arc::new(notifier))?;
        let s = sitting(db, |_| {});
        // Each member was invited to the sitting by e-mail, with a calendar entry.
        let invitations = db.read(|tx| tx.list_outbox(&s.scope, None))?;
        assert_eq!(invitations.iter().filter(|m| m.purpose == "invitation:sitting").count(), 5);
        s.vote(db, &s.ep, VoteChoice::Disagree)?;
        s.vote(db, &s.sen_manager, VoteChoice::Disagree)?;
        s.vote(db, &s.senco, VoteChoice::Disagree)?;
        s.present(db, &s.health);
        // The majority disagrees with assessing; the chair refuses with the panel.
        let closed = s.close(db, Some(Proposal::RefuseAssessment), None)?;
        assert!(matches!(closed, Closed::Decided { view: View::NotCarried, departed_from_majority: false, .. }), "{closed:?}");
        let letters = db.read(|tx| tx.list_documents(&s.scope, s.case))?;
        assert_eq!(letters.len(), 1);
        let text = String::from_utf8(letters[0].content.clone())?;
        // The chair's reasons, and the family's dates from the clock: refused on 2
        // October 2023, so mediation by Saturday 2 December and appeal by the next
        // working day, Monday 4 December 2023 (HESC Rules 2008 r.12(2)).
        assert!(text.contains("may have SEN and a plan may be necessary"), "{text}");
        assert!(text.contains("by 2 December 2023"), "{text}");
        assert!(text.contains("appeal by 4 December 2023"), "{text}");
        let mail = db.read(|tx| tx.list_outbox(&s.scope, Some(s.case)))?;
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0].purpose, "letter:refusal-to-assess");
        assert_eq!(mail[0].recipient.as_str(), "parent1@example.org");
        Ok(())
    }

    fn votes_need_an_open_sitting_and_a_reason(db) {
        let (scope, config) = torbay(db)?;
        let chair = seated(db, &scope, &config, "sen-panel", "chair")?;
        let ep = seated(db, &scope, &config, "sen-panel", "educational_psychologist")?;
        let case = receive_request(db, &scope, &request(2), None, &on(2023, 9, 4))?.case.id;
        let scheduled = schedule_sitting(db, &scope, &config, &ScheduleSitting {
            panel: Slug::parse("panel", "sen-panel")?,
            sits_on: date(2023, 10, 2),
            starts_at: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            location: "Room 3, Town Hall".into(),
            members: vec![chair.id, ep.id],
        }, chair.id, &on(2023, 9, 20))?;
        // Papers were due 5 days before the sitting: 27 September.
        assert!(matches!(
            add_to_agenda(db, &scope, &config, scheduled.id, &AddToAgenda { case, proposal: Proposal::Assess }, chair.id, &on(2023, 9, 28)),
            Err(PanelError::Invalid { field: "case", .. })
        ));
        let item = add_to_agenda(db, &scope, &config, scheduled.id, &AddToAgenda { case, proposal: Proposal::Assess }, chair.id, &on(2023, 9, 27))?;
        let vote = |reason: &str| cast_vote(db, &scope, item.id, ep.id, &CastVote { choice: VoteChoice::Agree, reason: reason.into() }, &on(2023, 10, 2));
        assert!(matches!(vote("Ready."), Err(PanelError::Closed(_))));
        open_sitting(db, &scope, scheduled.id, chair.id, &on(2023, 10, 2))?;
        assert!(matches!(vote("  "), Err(PanelError::Invalid { field: "reason", .. })));
        vote("The request meets the s.36(8) test.")?;
        // A second seat in the same role is refused naming the role.
        assert!(matches!(
            seat_member(db, &scope, &config, &Slug::parse("panel", "sen-panel")?, ep.id, &Slug::parse("role", "educational_psychologist")?),
            Err(PanelError::Invalid { field: "role", .. })
        ));
        // Only the chair opens a sitting; a member without a seat on the panel is refused.
        let stranger = user(db, &scope, "stranger@torbay.example", sendpanel_core::domain::UserRole::PanelMember)?;
        assert!(matches!(
            schedule_sitting(db, &scope, &config, &ScheduleSitting {
                panel: Slug::parse("panel", "sen-panel")?,
                sits_on: date(2023, 10, 9),
                starts_at: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
                location: "Online".into(),
                members: vec![chair.id, stranger.id],
            }, chair.id, &on(2023, 9, 20)),
            Err(PanelError::Invalid { field: "members", .. })
        ));
        Ok(())
    }
}

/// Runs `a` and `b` at the same moment on two threads, released together.
fn at_once<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|threads| {
        let first = threads.spawn(|| {
            barrier.wait();
            a()
        });
        let second = threads.spawn(|| {
            barrier.wait();
            b()
        });
        (first.join().unwrap(), second.join().unwrap())
    })
}

both_backends! {
    fn a_chair_closing_while_an_officer_decides_outside_the_sitting_leaves_one_decision(db) {
        let s = sitting(db, |_| {});
        for member in [&s.ep, &s.sen_manager, &s.senco] {
            s.vote(db, member, VoteChoice::Agree)?;
        }
        s.present(db, &s.health);
        let (closed, direct) = at_once(
            || s.close(db, Some(Proposal::Assess), None),
            || sendpanel_core::workflow::decide_whether_to_assess(
                db, &s.scope, s.case,
                &sendpanel_tests::journey::decide(s.chair.id, sendpanel_core::workflow::AssessDecision::Refuse, "The school's support has not been tried for long enough."),
                &BankHolidays::england_and_wales(), &on(2023, 10, 2),
            ),
        );
        assert_eq!(s.decisions(db), 1, "one decision stands: {closed:?} / {direct:?}");
        match (&closed, &direct) {
            (Ok(Closed::Decided { .. }), Err(sendpanel_core::workflow::WorkflowError::WrongStage { .. })) => {
                assert_eq!(s.item_status(db), AgendaItemStatus::Decided);
                assert_eq!(s.stage(db), CaseStage::Assessing);
            }
            (Err(PanelError::Workflow(sendpanel_core::workflow::WorkflowError::WrongStage { .. })), Ok(_)) => {
                // The officer's refusal came first; the item stays open, closed by nothing.
                assert_eq!(s.item_status(db), AgendaItemStatus::Pending);
                assert_eq!(s.stage(db), CaseStage::AssessmentRefused);
            }
            other => panic!("exactly one of the two must stand: {other:?}"),
        }
        Ok(())
    }

    fn a_vote_racing_the_close_is_counted_by_it_or_refused(db) {
        let s = sitting(db, |_| {});
        for member in [&s.ep, &s.sen_manager, &s.senco] {
            s.vote(db, member, VoteChoice::Agree)?;
        }
        s.present(db, &s.health);
        let (vote, closed) = at_once(
            || s.vote(db, &s.health, VoteChoice::Disagree),
            || s.close(db, Some(Proposal::Assess), None),
        );
        assert!(matches!(closed, Ok(Closed::Decided { .. })), "{closed:?}");
        // The count kept with the closing event is the count the decision rests on.
        let events = db.read(|tx| tx.list_events(&s.scope, Some(s.case)))?;
        let record = stored_payload(events.iter().find(|e| e.kind() == EventKind::AgendaItemClosed).unwrap())["record"].clone();
        let votes = db.read(|tx| tx.list_votes(&s.scope, s.item))?;
        match vote {
            // Counted: the vote landed before the count.
            Ok(()) => {
                assert_eq!(record["counts"]["disagree"], 1, "{record}");
                assert_eq!(votes.len(), 4);
            }
            // Refused: the item had closed, and no vote was stored after the count.
            Err(PanelError::Closed(_)) => {
                assert_eq!(record["counts"]["disagree"], 0, "{record}");
                assert_eq!(votes.len(), 3);
            }
            Err(other) => panic!("a vote is counted or refused as closed: {other:?}"),
        }
        Ok(())
    }
}
