//! Panels online on both databases: quorum by role met and not met, a conflicted member
//! who cannot vote and does not count, vote changes kept in the record, ties under the
//! chair's casting vote or deferred by rule, a chair's departure from the majority
//! refused without a reason, papers opened on the record, and the chair's decision
//! becoming the case's decision in the workflow. Who may read a case (members only
//! through the papers, never with a conflict), every read in the access log with who,
//! what and the route, a read that cannot be recorded not shown, the auditor's view of
//! the log, and access records, decisions, votes and documents append-only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveTime;
use sendpanel_core::access::{
    AccessFilter, AccessKind, AccessRecord, log_all, log_page, read_case, read_letter,
};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::{AuthorityConfig, TieBreak};
use sendpanel_core::domain::{
    AgendaItemStatus, CaseId, CaseStage, DecisionKind, DecisionOutcome, EventKind, Proposal,
    SittingId, Slug, User, UserRole, VoteChoice,
};
use sendpanel_core::notify::{MailSettings, Notifier};
use sendpanel_core::panel::tally::View;
use sendpanel_core::panel::{
    AddToAgenda, CastVote, CloseItem, Closed, DeclareConflict, PanelError, ScheduleSitting,
    add_to_agenda, cast_vote, close_item, declare_conflict, mark_present, minutes, open_papers,
    open_sitting, read_minutes, schedule_sitting, seat_member, sitting_tally,
};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Backend, Database, StoreError};
use sendpanel_core::workflow::WorkflowError;
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
            placement: None,
            funding: None,
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
    fn services(db: &Database) -> Services {
        Services {
            db: db.clone(),
            holidays: Arc::new(BankHolidays::england_and_wales()),
            clock: Arc::new(on(2023, 10, 2)),
        }
    }

    fn actor(&self, who: &User) -> Actor {
        Actor {
            user: who.id,
            role: who.role,
            scope: self.scope.clone(),
        }
    }

    /// The whole access log of the sitting's authority, newest first, as an auditor
    /// reads it.
    fn access_log(&self, db: &Database) -> Vec<AccessRecord> {
        let existing = db
            .read(|tx| tx.list_users(&self.scope))
            .unwrap()
            .into_iter()
            .find(|u| u.role == UserRole::Auditor);
        let auditor = existing.unwrap_or_else(|| {
            user(db, &self.scope, "auditor@torbay.example", UserRole::Auditor).unwrap()
        });
        log_all(
            &Self::services(db),
            &self.actor(&auditor),
            AccessFilter::default(),
        )
        .unwrap()
        .into_iter()
        .map(|named| named.record)
        .collect()
    }

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
        let papers = open_papers(db, &s.scope, s.item, s.ep.id, "GET /agenda-items/{id}", &on(2023, 9, 28))?;
        assert!(papers.legal_test.contains("s.36(8)"), "{}", papers.legal_test);
        assert_eq!(papers.proposal, Some(Proposal::Assess));
        assert_eq!(papers.child_name, "Alex Example");
        assert!(papers.deadlines.iter().any(|d| d.kind == "decide_whether_to_assess" && d.due_on == date(2023, 10, 16)));
        open_papers(db, &s.scope, s.item, s.ep.id, "GET /agenda-items/{id}", &on(2023, 10, 1))?;
        open_papers(db, &s.scope, s.item, s.health.id, "GET /agenda-items/{id}", &on(2023, 10, 1))?;
        assert_eq!(db.read(|tx| tx.list_paper_openings(&s.scope, s.item))?.len(), 3);
        let outsider = user(db, &s.scope, "outsider@torbay.example", sendpanel_core::domain::UserRole::PanelMember)?;
        assert!(matches!(open_papers(db, &s.scope, s.item, outsider.id, "GET /agenda-items/{id}", &on(2023, 10, 1)), Err(PanelError::NotSeated(_))));
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
            add_to_agenda(db, &scope, &config, scheduled.id, &AddToAgenda { case, proposal: Proposal::Assess, placement: None, funding: None }, chair.id, &on(2023, 9, 28)),
            Err(PanelError::Invalid { field: "case", .. })
        ));
        let item = add_to_agenda(db, &scope, &config, scheduled.id, &AddToAgenda { case, proposal: Proposal::Assess, placement: None, funding: None }, chair.id, &on(2023, 9, 27))?;
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

    fn every_read_of_a_childs_record_is_recorded_with_who_what_and_route(db) {
        let s = sitting(db, |_| {});
        let services = Sitting::services(db);
        let caseworker = user(db, &s.scope, "casey@torbay.example", UserRole::Caseworker)?;
        // The chair records decisions from the case page, so may open it; a caseworker
        // reads it through the API.
        let view = read_case(&services, &s.actor(&s.chair), s.case, AccessKind::CasePage, "GET /cases/{id}")?;
        assert_eq!(view.child_name, "Alex Example");
        read_case(&services, &s.actor(&caseworker), s.case, AccessKind::CaseApi, "GET /api/v1/requests/{id}")?;
        // A member reads it through the papers of the sitting; anyone reads the minutes.
        open_papers(db, &s.scope, s.item, s.ep.id, "GET /agenda-items/{id}", &on(2023, 10, 2))?;
        read_minutes(&services, &s.actor(&caseworker), s.sitting, "GET /sittings/{id}/minutes")?;
        let log = s.access_log(db);
        let child = db.read(|tx| tx.get_case(&s.scope, s.case))?.child_id;
        let seen: Vec<(sendpanel_core::domain::UserId, UserRole, AccessKind, &str)> =
            log.iter().rev().map(|r| (r.user_id, r.role, r.what, r.route.as_str())).collect();
        assert_eq!(seen, vec![
            (s.chair.id, UserRole::PanelChair, AccessKind::CasePage, "GET /cases/{id}"),
            (caseworker.id, UserRole::Caseworker, AccessKind::CaseApi, "GET /api/v1/requests/{id}"),
            (s.ep.id, UserRole::PanelMember, AccessKind::Papers, "GET /agenda-items/{id}"),
            (caseworker.id, UserRole::Caseworker, AccessKind::Minutes, "GET /sittings/{id}/minutes"),
        ]);
        assert!(log.iter().all(|r| r.case_id == s.case && r.child_id == child));
        assert!(log.iter().all(|r| r.read_at == on(2023, 10, 2).0), "{log:?}");
        // The sitting's own page (initials beside the tally) is not a read of the record.
        minutes(db, &s.scope, s.sitting)?;
        assert_eq!(s.access_log(db).len(), 4);
        Ok(())
    }

    fn panel_members_read_a_case_only_through_papers_and_not_with_a_conflict(db) {
        let s = sitting(db, |_| {});
        let services = Sitting::services(db);
        for member in [&s.ep, &s.senco] {
            let refused = read_case(&services, &s.actor(member), s.case, AccessKind::CasePage, "GET /cases/{id}");
            assert!(matches!(refused, Err(WorkflowError::NotAllowed { role: UserRole::PanelMember, .. })), "{refused:?}");
            let refused = read_case(&services, &s.actor(member), s.case, AccessKind::CaseApi, "GET /api/v1/requests/{id}");
            assert!(matches!(refused, Err(WorkflowError::NotAllowed { .. })), "{refused:?}");
        }
        // The senco declares a conflict: the papers close to them, and the refusal says why.
        declare_conflict(db, &s.scope, s.item, s.senco.id, &DeclareConflict { reason: "The child attends my school.".into() }, &on(2023, 10, 2))?;
        match open_papers(db, &s.scope, s.item, s.senco.id, "GET /agenda-items/{id}", &on(2023, 10, 2)) {
            Err(PanelError::NotSeated(message)) => assert!(message.contains("conflict"), "{message}"),
            other => panic!("a conflicted member opened the papers: {other:?}"),
        }
        // Another member still reads them.
        open_papers(db, &s.scope, s.item, s.ep.id, "GET /agenda-items/{id}", &on(2023, 10, 2))?;
        // Nothing refused was recorded as read.
        let log = s.access_log(db);
        assert_eq!(log.iter().map(|r| (r.user_id, r.what)).collect::<Vec<_>>(), vec![(s.ep.id, AccessKind::Papers)]);
        assert_eq!(db.read(|tx| tx.list_paper_openings(&s.scope, s.item))?.len(), 1);
        Ok(())
    }

    fn letters_are_read_by_case_officers_on_the_record_and_never_by_members(db) {
        let notifier = Notifier::new(
            shipped_letters(&["torbay"])?,
            &MailSettings::default(),
            BankHolidays::england_and_wales(),
        )?;
        db.observe(Arc::new(notifier))?;
        let s = sitting(db, |_| {});
        s.vote(db, &s.ep, VoteChoice::Agree)?;
        s.vote(db, &s.sen_manager, VoteChoice::Agree)?;
        s.vote(db, &s.senco, VoteChoice::Agree)?;
        s.present(db, &s.health);
        s.close(db, Some(Proposal::Assess), None)?;
        let services = Sitting::services(db);
        let caseworker = user(db, &s.scope, "casey@torbay.example", UserRole::Caseworker)?;
        let view = read_case(&services, &s.actor(&caseworker), s.case, AccessKind::CasePage, "GET /cases/{id}")?;
        let letter = view.letters.first().expect("the decision's letter").id;
        let document = read_letter(&services, &s.actor(&caseworker), s.case, letter, "GET /cases/{id}/letters/{letter}")?;
        assert!(String::from_utf8(document.content)?.contains("Alex"));
        let refused = read_letter(&services, &s.actor(&s.ep), s.case, letter, "GET /cases/{id}/letters/{letter}");
        assert!(matches!(refused, Err(WorkflowError::NotAllowed { .. })), "{refused:?}");
        let log = s.access_log(db);
        assert_eq!(log.iter().rev().map(|r| (r.user_id, r.what)).collect::<Vec<_>>(), vec![
            (caseworker.id, AccessKind::CasePage),
            (caseworker.id, AccessKind::Letter),
        ]);
        Ok(())
    }

    fn auditors_page_the_log_per_child_and_per_user_and_no_one_else_reads_it(db) {
        let s = sitting(db, |_| {});
        let services = Sitting::services(db);
        let other = receive_request(db, &s.scope, &request(2), None, &on(2023, 9, 5))?.case.id;
        let caseworker = user(db, &s.scope, "casey@torbay.example", UserRole::Caseworker)?;
        let auditor = user(db, &s.scope, "auditor@torbay.example", UserRole::Auditor)?;
        for _ in 0..60 {
            read_case(&services, &s.actor(&caseworker), s.case, AccessKind::CasePage, "GET /cases/{id}")?;
        }
        read_case(&services, &s.actor(&s.chair), other, AccessKind::CasePage, "GET /cases/{id}")?;
        let child = db.read(|tx| tx.get_case(&s.scope, s.case))?.child_id;
        let by_child = AccessFilter { child: Some(child), user: None };
        let first = log_page(&services, &s.actor(&auditor), by_child, 1)?;
        assert_eq!((first.total, first.records.len()), (60, 50));
        let second = log_page(&services, &s.actor(&auditor), by_child, 2)?;
        assert_eq!(second.records.len(), 10);
        assert!(first.records.iter().chain(&second.records).all(|r| r.record.child_id == child && r.child_name == "Alex Example"));
        let by_chair = log_page(&services, &s.actor(&auditor), AccessFilter { child: None, user: Some(s.chair.id) }, 1)?;
        assert_eq!(by_chair.records.iter().map(|r| r.record.case_id).collect::<Vec<_>>(), vec![other]);
        assert_eq!(log_all(&services, &s.actor(&auditor), AccessFilter::default())?.len(), 61);
        for reader in [&caseworker, &s.chair, &s.ep] {
            let refused = log_page(&services, &s.actor(reader), AccessFilter::default(), 1);
            assert!(matches!(refused, Err(WorkflowError::NotAllowed { .. })), "{refused:?}");
        }
        let admin = user(db, &s.scope, "admin@torbay.example", UserRole::Admin)?;
        assert!(log_all(&services, &s.actor(&admin), AccessFilter::default()).is_err());
        Ok(())
    }

    fn access_records_decisions_votes_and_documents_are_append_only(db) {
        let notifier = Notifier::new(
            shipped_letters(&["torbay"])?,
            &MailSettings::default(),
            BankHolidays::england_and_wales(),
        )?;
        db.observe(Arc::new(notifier))?;
        let s = sitting(db, |_| {});
        s.vote(db, &s.ep, VoteChoice::Disagree)?;
        s.vote(db, &s.ep, VoteChoice::Agree)?;
        s.vote(db, &s.sen_manager, VoteChoice::Agree)?;
        s.vote(db, &s.senco, VoteChoice::Agree)?;
        s.present(db, &s.health);
        s.close(db, Some(Proposal::Assess), None)?;
        let services = Sitting::services(db);
        read_case(&services, &s.actor(&s.chair), s.case, AccessKind::CasePage, "GET /cases/{id}")?;
        let counts = |db: &Database| -> anyhow::Result<(usize, usize, usize, usize)> {
            Ok((
                s.access_log(db).len(),
                db.read(|tx| tx.list_decisions(&s.scope, s.case))?.len(),
                db.read(|tx| tx.list_votes(&s.scope, s.item))?.len(),
                db.read(|tx| tx.list_documents(&s.scope, s.case))?.len(),
            ))
        };
        let before = counts(db)?;
        assert_eq!(before, (1, 1, 4, 1));
        let mut statements = Vec::new();
        for (table, column) in [("access_log", "route"), ("decisions", "reasons"), ("votes", "reason"), ("documents", "title")] {
            statements.push(format!("UPDATE {table} SET {column} = 'rewritten'"));
            statements.push(format!("DELETE FROM {table}"));
            if db.backend() == Backend::Postgres {
                statements.push(format!("TRUNCATE {table} CASCADE"));
            }
        }
        for sql in &statements {
            match db.write(|tx| tx.execute_raw_for_tests(sql)) {
                Err(StoreError::Refused(message)) => assert!(message.contains("append-only"), "{sql}: {message}"),
                other => panic!("{sql} was not refused: {other:?}"),
            }
        }
        assert_eq!(counts(db)?, before);
        let decision = db.read(|tx| tx.list_decisions(&s.scope, s.case))?.remove(0);
        assert_ne!(decision.reasons.as_str(), "rewritten");
        Ok(())
    }

    fn a_read_that_cannot_be_recorded_is_not_shown(db) {
        let s = sitting(db, |_| {});
        let services = Sitting::services(db);
        // The log cannot be written to (as if the disk filled or the table were lost).
        db.write(|tx| tx.execute_raw_for_tests("ALTER TABLE access_log RENAME TO access_log_away"))?;
        let refused = read_case(&services, &s.actor(&s.chair), s.case, AccessKind::CasePage, "GET /cases/{id}");
        assert!(refused.is_err(), "the case was shown unrecorded: {refused:?}");
        assert!(open_papers(db, &s.scope, s.item, s.ep.id, "GET /agenda-items/{id}", &on(2023, 10, 2)).is_err());
        assert!(read_minutes(&services, &s.actor(&s.chair), s.sitting, "GET /sittings/{id}/minutes").is_err());
        // Nor was the papers' opening kept without its access record.
        assert!(db.read(|tx| tx.list_paper_openings(&s.scope, s.item))?.is_empty());
        db.write(|tx| tx.execute_raw_for_tests("ALTER TABLE access_log_away RENAME TO access_log"))?;
        read_case(&services, &s.actor(&s.chair), s.case, AccessKind::CasePage, "GET /cases/{id}")?;
        assert_eq!(s.access_log(db).len(), 1);
        Ok(())
    }
}
