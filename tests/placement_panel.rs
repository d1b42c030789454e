//! A placement through Torbay's Independent Placement Overview Panel, on both
//! databases: the officer proposes a setting with joint funding on the agenda, the
//! members read it in the papers and vote, and the chair's naming records the decision
//! and the placement in one transaction. A placement item without its proposal, or an
//! independent one without its justification, is refused naming the field with nothing
//! written; a placement recorded outside the sitting after the proposal makes naming a
//! conflict; the chair naming while an admin decides outside the sitting records one.
//! The Transitions Panel names a post-16 setting the same way, and one named after 31
//! March of the year it starts shows as late (SEND Regulations 2014 reg. 18(1)(b)).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Barrier};

use chrono::{Datelike, NaiveTime};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::AuthorityConfig;
use sendpanel_core::domain::{
    AgendaItemId, AgendaItemStatus, CaseId, DecisionKind, DecisionOutcome, EducationSettingId,
    EventKind, Proposal, Slug, User, UserRole, VoteChoice,
};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::panel::{
    AddToAgenda, CastVote, CloseItem, Closed, PanelError, ScheduleSitting, add_to_agenda,
    cast_vote, close_item, mark_present, open_papers, open_sitting, schedule_sitting,
};
use sendpanel_core::placement::decision::{DecidePlacement, decide_placement, placements_for};
use sendpanel_core::placement::register::{NewEducationSetting, add_setting};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database, StoreError};
use sendpanel_core::workflow::{WorkflowError, case_view};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{date, user};
use sendpanel_tests::journey::{on, plan_issued_on_10_january_2024};
use sendpanel_tests::panels::{seated, torbay};

/// Torbay's IPOP sitting on Monday 4 March 2024, open, its quorum present (chair, SEN
/// manager, health, social care), for a case whose plan was issued on 10 January 2024.
/// Shared with the banding tests (`banding_panel.rs`), whose items go to the same panel.
pub(crate) struct Ipop {
    pub(crate) scope: AuthorityScope,
    pub(crate) config: AuthorityConfig,
    pub(crate) chair: User,
    pub(crate) members: Vec<User>,
    pub(crate) admin: Actor,
    pub(crate) case: CaseId,
    pub(crate) sitting: sendpanel_core::domain::SittingId,
}

pub(crate) fn services(db: &Database) -> Services {
    Services {
        db: db.clone(),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(on(2024, 3, 4)),
    }
}

pub(crate) fn ipop(db: &Database) -> Ipop {
    let (scope, config) = torbay(db).unwrap();
    let seat = |role| seated(db, &scope, &config, "ipop", role).unwrap();
    let chair = seat("chair");
    let members = vec![seat("sen_manager"), seat("health"), seat("social_care")];
    let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker).unwrap();
    let admin = user(db, &scope, "admin@torbay.example", UserRole::Admin).unwrap();
    let case = plan_issued_on_10_january_2024(db, &scope, 1, caseworker.id, chair.id);
    let scheduled = schedule_sitting(
        db,
        &scope,
        &config,
        &ScheduleSitting {
            panel: Slug::parse("panel", "ipop").unwrap(),
            sits_on: date(2024, 3, 4),
            starts_at: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            location: "Online".into(),
            members: std::iter::once(chair.id)
                .chain(members.iter().map(|m| m.id))
                .collect(),
        },
        chair.id,
        &on(2024, 2, 12),
    )
    .unwrap();
    Ipop {
        admin: Actor {
            user: admin.id,
            role: admin.role,
            scope: scope.clone(),
        },
        scope,
        config,
        chair,
        members,
        case,
        sitting: scheduled.id,
    }
}

/// An illustrative setting: the name and URN are made up here, not any council's.
pub(crate) fn setting(s: &Services, admin: &Actor, urn: &str, kind: &str) -> EducationSettingId {
    add_setting(
        s,
        admin,
        &NewEducationSetting {
            name: format!("Illustrative {kind} setting {urn}"),
            urn: Some(urn.to_owned()),
            kind: kind.into(),
            in_area: Some(kind != "independent"),
        },
    )
    .unwrap()
    .id
}

/// A special-school place from September 2024, with health and social care paying
/// shares (illustrative amounts).
pub(crate) fn joint(setting: EducationSettingId) -> DecidePlacement {
    DecidePlacement {
        setting,
        starts_on: date(2024, 9, 2),
        parental_preference: Some("The family asked for this special school".into()),
        mainstream_requested: false,
        reasons: "Section F's provision can be made there (illustrative)".into(),
        independent_justification: None,
        education_pence: 2_353_800,
        health_pence: 500_000,
        social_care_pence: 250_000,
        expected_latest: None,
    }
}

impl Ipop {
    fn propose(
        &self,
        db: &Database,
        placement: Option<DecidePlacement>,
    ) -> Result<AgendaItemId, PanelError> {
        add_to_agenda(
            db,
            &self.scope,
            &self.config,
            self.sitting,
            &AddToAgenda {
                case: self.case,
                proposal: Proposal::NamePlacement,
                placement,
                funding: None,
            },
            self.chair.id,
            &on(2024, 2, 19),
        )
        .map(|item| item.id)
    }

    pub(crate) fn sit_and_agree(&self, db: &Database, item: AgendaItemId) {
        open_sitting(
            db,
            &self.scope,
            self.sitting,
            self.chair.id,
            &on(2024, 3, 4),
        )
        .unwrap();
        for who in std::iter::once(&self.chair).chain(&self.members) {
            mark_present(
                db,
                &self.scope,
                self.sitting,
                who.id,
                who.id,
                &on(2024, 3, 4),
            )
            .unwrap();
        }
        for who in std::iter::once(&self.chair).chain(&self.members) {
            cast_vote(
                db,
                &self.scope,
                item,
                who.id,
                &CastVote {
                    choice: VoteChoice::Agree,
                    reason: "The setting can meet the needs in section B.".into(),
                },
                &on(2024, 3, 4),
            )
            .unwrap();
        }
    }

    pub(crate) fn close(
        &self,
        db: &Database,
        item: AgendaItemId,
        decision: Proposal,
    ) -> Result<Closed, PanelError> {
        self.close_departing(db, item, decision, None)
    }

    pub(crate) fn close_departing(
        &self,
        db: &Database,
        item: AgendaItemId,
        decision: Proposal,
        departure_reason: Option<&str>,
    ) -> Result<Closed, PanelError> {
        close_item(
            &services(db),
            &Actor {
                user: self.chair.id,
                role: self.chair.role,
                scope: self.scope.clone(),
            },
            &self.config,
            item,
            &CloseItem {
                decision: Some(decision),
                reasons: "The panel agreed the school can meet the needs in the plan.".into(),
                departure_reason: departure_reason.map(str::to_owned),
                decided_on: date(2024, 3, 4),
            },
        )
    }

    pub(crate) fn agenda_len(&self, db: &Database) -> usize {
        db.read(|tx| tx.list_agenda_items(&self.scope, self.sitting))
            .unwrap()
            .len()
    }
}

pub(crate) fn refused_field(result: Result<impl std::fmt::Debug, PanelError>) -> &'static str {
    match result {
        Err(PanelError::Invalid { field, .. })
        | Err(PanelError::Workflow(WorkflowError::Invalid { field, .. })) => field,
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

both_backends! {
    fn the_ipop_names_a_joint_funded_placement_in_one_transaction(db) {
        let p = ipop(db);
        let s = services(db);
        let school = setting(&s, &p.admin, "100010", "special");
        let item = p.propose(db, Some(joint(school)))?;

        // The members read the proposal in the papers: the setting and the shares.
        let papers = open_papers(db, &p.scope, item, p.members[1].id, "/agenda-items/x", &on(2024, 2, 26))?;
        let on_papers = papers.proposed_placement.expect("a placement item's papers show the proposal");
        assert_eq!(on_papers.setting.id, school);
        assert_eq!((on_papers.proposed.terms.health_pence, on_papers.proposed.terms.social_care_pence), (500_000, 250_000));
        assert!(placements_for(&s, &p.admin, p.case)?.is_empty(), "proposing names nothing");

        p.sit_and_agree(db, item);
        let Closed::Decided { decision, .. } = p.close(db, item, Proposal::NamePlacement)? else {
            panic!("expected a decision");
        };
        assert_eq!((decision.kind, decision.outcome), (DecisionKind::Placement, DecisionOutcome::Agreed));
        assert_eq!(decision.agenda_item_id, Some(item));
        let placed = placements_for(&s, &p.admin, p.case)?;
        assert_eq!(placed.len(), 1);
        let placed = &placed[0];
        assert_eq!(placed.terms.setting_id, school);
        assert_eq!(placed.decided_by, p.chair.id, "the chair's decision");
        assert_eq!((placed.terms.education_pence, placed.terms.health_pence, placed.terms.social_care_pence), (2_353_800, 500_000, 250_000));
        assert_eq!(placed.terms.reasons, "The panel agreed the school can meet the needs in the plan.");
        assert_eq!(placed.terms.parental_preference.as_deref(), Some("The family asked for this special school"));
        let item_now = db.read(|tx| tx.get_agenda_item(&p.scope, item))?;
        assert_eq!(item_now.status, AgendaItemStatus::Decided);
        // The item closes, the decision is recorded and the placement follows, in order.
        let events = db.read(|tx| tx.list_events(&p.scope, Some(p.case)))?;
        let kinds: Vec<EventKind> = events.iter().map(|e| e.kind()).collect();
        assert_eq!(&kinds[kinds.len() - 3..], [EventKind::AgendaItemClosed, EventKind::DecisionRecorded, EventKind::PlacementDecided]);
        let CaseEvent::PlacementDecided(decided) = &events.last().unwrap().fact else { panic!() };
        assert!(decided.joint_funded);
        Ok(())
    }

    fn a_placement_item_is_refused_without_its_proposal_or_an_independent_ones_reason(db) {
        let p = ipop(db);
        let s = services(db);
        let independent = setting(&s, &p.admin, "100011", "independent");
        assert_eq!(refused_field(p.propose(db, None)), "placement");
        assert_eq!(refused_field(p.propose(db, Some(joint(independent)))), "independent_justification");
        let negative = DecidePlacement { social_care_pence: -1, ..joint(independent) };
        assert_eq!(refused_field(p.propose(db, Some(negative))), "social_care_pence");
        assert_eq!(refused_field(p.propose(db, Some(joint(EducationSettingId::new())))), "setting");
        assert_eq!(p.agenda_len(db), 0, "nothing refused was written");
        // A proposal on an item of another kind is refused too.
        let (scope, config) = (&p.scope, &p.config);
        let on_sen_panel = add_to_agenda(db, scope, config, p.sitting, &AddToAgenda {
            case: p.case,
            proposal: Proposal::Maintain,
            placement: Some(joint(independent)),
            funding: None,
        }, p.chair.id, &on(2024, 2, 19));
        assert!(on_sen_panel.is_err());
        assert_eq!(p.agenda_len(db), 0);
        Ok(())
    }

    fn a_placement_recorded_after_the_proposal_makes_naming_a_conflict(db) {
        let p = ipop(db);
        let s = services(db);
        let school = setting(&s, &p.admin, "100012", "special");
        let item = p.propose(db, Some(joint(school)))?;
        p.sit_and_agree(db, item);
        // Meanwhile an admin records a placement outside the sitting.
        let outside = decide_placement(&s, &p.admin, p.case, &joint(school))?;
        let refused = p.close(db, item, Proposal::NamePlacement);
        assert!(
            matches!(refused, Err(PanelError::Workflow(WorkflowError::Store(StoreError::Conflict(_))))),
            "{refused:?}"
        );
        let placed = placements_for(&s, &p.admin, p.case)?;
        assert_eq!(placed.iter().map(|p| p.id).collect::<Vec<_>>(), [outside.id], "nothing more was recorded");
        assert_eq!(db.read(|tx| tx.get_agenda_item(&p.scope, item))?.status, AgendaItemStatus::Pending);
        // Declining needs no current view: the panel records that it did not name it
        // (departing from the members' agreement, so the chair says why).
        let departing = p.close(db, item, Proposal::DeclinePlacement);
        assert!(matches!(departing, Err(PanelError::Invalid { field: "departure_reason", .. })), "{departing:?}");
        let why = Some("A placement was named outside the sitting meanwhile.");
        let Closed::Decided { decision, .. } = p.close_departing(db, item, Proposal::DeclinePlacement, why)? else {
            panic!("expected a decision");
        };
        assert_eq!(decision.outcome, DecisionOutcome::Refused);
        assert_eq!(placements_for(&s, &p.admin, p.case)?.len(), 1);
        Ok(())
    }

    fn the_chair_naming_while_an_admin_decides_records_one_placement(db) {
        let p = ipop(db);
        let s = services(db);
        let school = setting(&s, &p.admin, "100013", "special");
        let item = p.propose(db, Some(joint(school)))?;
        p.sit_and_agree(db, item);
        let barrier = Arc::new(Barrier::new(2));
        let chair = {
            let (db, barrier) = (db.clone(), barrier.clone());
            let p = Ipop { scope: p.scope.clone(), config: p.config.clone(), chair: p.chair.clone(), members: Vec::new(), admin: p.admin.clone(), case: p.case, sitting: p.sitting };
            std::thread::spawn(move || { barrier.wait(); p.close(&db, item, Proposal::NamePlacement).is_ok() })
        };
        let admin = {
            let (s, barrier, admin, case) = (s.clone(), barrier.clone(), p.admin.clone(), p.case);
            std::thread::spawn(move || { barrier.wait(); decide_placement(&s, &admin, case, &joint(school)).is_ok() })
        };
        let (named, decided) = (chair.join().unwrap(), admin.join().unwrap());
        assert!(named ^ decided, "exactly one wins: chair {named}, admin {decided}");
        assert_eq!(placements_for(&s, &p.admin, p.case)?.len(), 1);
        let decisions = db.read(|tx| tx.list_decisions(&p.scope, p.case))?;
        let placement_decisions = decisions.iter().filter(|d| d.kind == DecisionKind::Placement).count();
        assert_eq!(placement_decisions, usize::from(named), "a decision only with the chair's placement");
        Ok(())
    }

    fn a_post16_setting_named_after_31_march_shows_as_late(db) {
        let (scope, config) = torbay(db)?;
        let seat = |role| seated(db, &scope, &config, "transitions-panel", role).unwrap();
        let chair = seat("chair");
        let members = [seat("social_care"), seat("transition_worker")];
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let admin = user(db, &scope, "admin@torbay.example", UserRole::Admin)?;
        let admin = Actor { user: admin.id, role: admin.role, scope: scope.clone() };
        let college = setting(&services(db), &admin, "100014", "post16");
        // Two young people starting college on 2 September 2024: one named at the
        // March sitting (before the 31 March 2024 limit), one at April's (after it).
        let mut named = Vec::new();
        for (serial, sits_on, scheduled_on) in [(1, date(2024, 3, 18), on(2024, 3, 1)), (2, date(2024, 4, 15), on(2024, 4, 1))] {
            let case = plan_issued_on_10_january_2024(db, &scope, serial, caseworker.id, chair.id);
            let sitting = schedule_sitting(db, &scope, &config, &ScheduleSitting {
                panel: Slug::parse("panel", "transitions-panel")?,
                sits_on,
                starts_at: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
                location: "Online".into(),
                members: std::iter::once(chair.id).chain(members.iter().map(|m| m.id)).collect(),
            }, chair.id, &scheduled_on)?;
            let college_place = DecidePlacement { starts_on: date(2024, 9, 2), health_pence: 0, social_care_pence: 0, ..joint(college) };
            // A post-16 item without its proposal is refused, naming the field.
            let bare = add_to_agenda(db, &scope, &config, sitting.id, &AddToAgenda { case, proposal: Proposal::NamePost16Placement, placement: None, funding: None }, chair.id, &scheduled_on);
            assert_eq!(refused_field(bare), "placement");
            let item = add_to_agenda(db, &scope, &config, sitting.id, &AddToAgenda { case, proposal: Proposal::NamePost16Placement, placement: Some(college_place), funding: None }, chair.id, &scheduled_on)?.id;
            let day = on(sits_on.year(), sits_on.month(), sits_on.day());
            open_sitting(db, &scope, sitting.id, chair.id, &day)?;
            for who in std::iter::once(&chair).chain(&members) {
                mark_present(db, &scope, sitting.id, who.id, who.id, &day)?;
            }
            let s = Services { db: db.clone(), holidays: Arc::new(BankHolidays::england_and_wales()), clock: Arc::new(day) };
            let closed = close_item(&s, &Actor { user: chair.id, role: chair.role, scope: scope.clone() }, &config, item, &CloseItem {
                decision: Some(Proposal::NamePost16Placement),
                reasons: "The college's course meets the outcomes in section E.".into(),
                departure_reason: None,
                decided_on: sits_on,
            })?;
            let Closed::Decided { decision, .. } = closed else { panic!("{closed:?}") };
            assert_eq!((decision.kind, decision.outcome), (DecisionKind::Post16, DecisionOutcome::Agreed));
            named.push(case);
        }
        let late = |case| {
            let view = case_view(db, &scope, case, date(2024, 4, 15)).unwrap();
            assert_eq!(view.placements.len(), 1);
            view.placements[0].named_late_for_transfer
        };
        assert_eq!(late(named[0]), None, "named in March: on time");
        assert_eq!(late(named[1]), Some(date(2024, 3, 31)), "named in April: after the reg. 18 date");
        Ok(())
    }
}
