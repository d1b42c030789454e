//! The register of education settings and the placements that name one, on both
//! databases: an admin adds settings, each bad part refused naming its field with
//! nothing written; a URN registered once, even when two admins add it at the same
//! moment; a placement decided with joint funding and its event; an independent
//! placement without its justification refused naming the field; two placements
//! decided at once on the same state record one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Barrier};

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{CaseId, EducationSettingId, EventKind, IndependentJustification};
use sendpanel_core::domain::{ProviderKind, UserRole};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::placement::decision::{DecidePlacement, decide_placement, placements_for};
use sendpanel_core::placement::register::{NewEducationSetting, add_setting, settings_for};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::StoreError;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::WorkflowError;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::date;
use sendpanel_tests::fixtures::{authority, user};
use sendpanel_tests::journey::on;
use sendpanel_tests::journey::plan_issued_on_10_january_2024;

fn services(db: &Database) -> Services {
    Services {
        db: db.clone(),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(on(2026, 12, 6)),
    }
}

fn actor(db: &Database, scope: &AuthorityScope, email: &str, role: UserRole) -> Actor {
    let person = user(db, scope, email, role).unwrap();
    Actor {
        user: person.id,
        role,
        scope: scope.clone(),
    }
}

/// An illustrative setting: the name and URN are made up here, not any council's.
fn special(urn: &str) -> NewEducationSetting {
    NewEducationSetting {
        name: format!("Illustrative Special School {urn}"),
        urn: Some(urn.to_owned()),
        kind: "special".into(),
        in_area: Some(true),
    }
}

fn refused_on(result: Result<impl std::fmt::Debug, WorkflowError>) -> (&'static str, String) {
    match result {
        Err(WorkflowError::Invalid { field, rule }) => (field, rule),
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

both_backends! {
    fn an_admin_keeps_the_register_and_bad_parts_are_named(db) {
        let s = services(db);
        let torbay = authority(db, "torbay", 880)?;
        let admin = actor(db, &torbay, "admin@torbay.example", UserRole::Admin);
        let added = add_setting(&s, &admin, &special("123456"))?;
        assert_eq!(added.kind, ProviderKind::Special);
        assert_eq!(added.urn.as_ref().map(|u| u.as_str()), Some("123456"));
        let college = add_setting(&s, &admin, &NewEducationSetting {
            name: "  Illustrative College  ".into(),
            urn: None,
            kind: "post16".into(),
            in_area: Some(false),
        })?;
        assert_eq!(college.name, "Illustrative College");

        for (bad, field) in [
            (NewEducationSetting { urn: Some("12345".into()), ..special("0") }, "urn"),
            (NewEducationSetting { urn: Some("12345a".into()), ..special("0") }, "urn"),
            (NewEducationSetting { name: " ".into(), ..special("222222") }, "name"),
            (NewEducationSetting { kind: "academy".into(), ..special("222222") }, "kind"),
            (NewEducationSetting { in_area: None, ..special("222222") }, "in_area"),
        ] {
            assert_eq!(refused_on(add_setting(&s, &admin, &bad)).0, field);
        }
        // A URN already registered is refused, naming the setting that holds it.
        let (field, rule) = refused_on(add_setting(&s, &admin, &NewEducationSetting {
            name: "Another name".into(),
            ..special("123456")
        }));
        assert_eq!(field, "urn");
        assert!(rule.contains("Illustrative Special School 123456"), "{rule}");

        // Nothing refused was written; the register lists by name.
        let register = settings_for(&s, &admin)?;
        let names: Vec<&str> = register.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Illustrative College", "Illustrative Special School 123456"]);

        // A caseworker reads it but may not add to it; a panel member may not read it.
        let caseworker = actor(db, &torbay, "cw@torbay.example", UserRole::Caseworker);
        assert_eq!(settings_for(&s, &caseworker)?.len(), 2);
        assert!(matches!(add_setting(&s, &caseworker, &special("333333")), Err(WorkflowError::NotAllowed { .. })));
        let member = actor(db, &torbay, "member@torbay.example", UserRole::PanelMember);
        assert!(matches!(settings_for(&s, &member), Err(WorkflowError::NotAllowed { .. })));

        // Another authority has its own register: the same URN is theirs to add, and
        // neither sees the other's.
        let wiltshire = actor(db, &authority(db, "wiltshire", 865)?, "admin@wiltshire.example", UserRole::Admin);
        assert!(settings_for(&s, &wiltshire)?.is_empty());
        add_setting(&s, &wiltshire, &special("123456"))?;
        assert_eq!(settings_for(&s, &admin)?.len(), 2);
        assert_eq!(settings_for(&s, &wiltshire)?.len(), 1);
        Ok(())
    }

    fn two_admins_adding_one_urn_at_once_register_it_once(db) {
        let s = services(db);
        let torbay = authority(db, "torbay", 880)?;
        let first = actor(db, &torbay, "one@torbay.example", UserRole::Admin);
        let second = actor(db, &torbay, "two@torbay.example", UserRole::Admin);
        let barrier = Arc::new(Barrier::new(2));
        let results: Vec<_> = [first.clone(), second]
            .into_iter()
            .map(|who| {
                let (s, barrier) = (s.clone(), barrier.clone());
                std::thread::spawn(move || { barrier.wait(); add_setting(&s, &who, &special("654321")) })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        let refused = results.into_iter().find(|r| r.is_err()).unwrap();
        assert_eq!(refused_on(refused).0, "urn");
        assert_eq!(settings_for(&s, &first)?.len(), 1);
        Ok(())
    }
}

/// A placement at `setting` from September 2024, education paying all.
fn placement(
    setting: EducationSettingId,
    expected_latest: Option<sendpanel_core::domain::PlacementId>,
) -> DecidePlacement {
    DecidePlacement {
        setting,
        starts_on: date(2024, 9, 1),
        parental_preference: Some("The family asked for a special school".into()),
        mainstream_requested: false,
        reasons: "Needs set out in section F can be met there (illustrative)".into(),
        independent_justification: None,
        education_pence: 2_353_800,
        health_pence: 0,
        social_care_pence: 0,
        expected_latest,
    }
}

struct Placed {
    s: Services,
    admin: Actor,
    case: CaseId,
}

fn plan(db: &Database) -> Placed {
    let torbay = authority(db, "torbay", 880).unwrap();
    let admin = actor(db, &torbay, "admin@torbay.example", UserRole::Admin);
    let caseworker = user(db, &torbay, "cw@torbay.example", UserRole::Caseworker).unwrap();
    let chair = user(db, &torbay, "chair@torbay.example", UserRole::PanelChair).unwrap();
    let case = plan_issued_on_10_january_2024(db, &torbay, 1, caseworker.id, chair.id);
    Placed {
        s: services(db),
        admin,
        case,
    }
}

both_backends! {
    fn a_placement_is_decided_with_joint_funding_and_an_independent_one_needs_its_reason(db) {
        let Placed { s, admin, case } = plan(db);
        let school = add_setting(&s, &admin, &special("100002"))?;
        let mut joint = placement(school.id, None);
        joint.health_pence = 500_000;
        joint.social_care_pence = 250_000;
        let placed = decide_placement(&s, &admin, case, &joint)?;
        assert_eq!((placed.terms.education_pence, placed.terms.health_pence, placed.terms.social_care_pence), (2_353_800, 500_000, 250_000));
        let events = db.read(|tx| tx.list_events(&admin.scope, Some(case)))?;
        let last = events.last().unwrap();
        assert_eq!(last.kind(), EventKind::PlacementDecided);
        let CaseEvent::PlacementDecided(decided) = &last.fact else { panic!() };
        assert!(decided.joint_funded);
        assert!(!decided.out_of_area);
        assert_eq!(decided.setting, school.id);

        // An independent setting without the justification Leicestershire's policy
        // requires: refused, naming the field, nothing recorded.
        let independent = add_setting(&s, &admin, &NewEducationSetting {
            name: "Illustrative Independent School".into(),
            urn: Some("100003".into()),
            kind: "independent".into(),
            in_area: Some(false),
        })?;
        let refused = decide_placement(&s, &admin, case, &placement(independent.id, Some(placed.id)));
        assert_eq!(refused_on(refused).0, "independent_justification");
        let justified = DecidePlacement {
            independent_justification: Some(IndependentJustification::TribunalBackedPreference),
            ..placement(independent.id, Some(placed.id))
        };
        let second = decide_placement(&s, &admin, case, &justified)?;
        let all = placements_for(&s, &admin, case)?;
        assert_eq!(all.iter().map(|p| p.id).collect::<Vec<_>>(), vec![second.id, placed.id], "latest first; the first kept");

        // A bad part is named; a setting not in the register is named; a caseworker
        // may not decide one outside a sitting.
        let negative = DecidePlacement { health_pence: -1, ..placement(school.id, Some(second.id)) };
        assert_eq!(refused_on(decide_placement(&s, &admin, case, &negative)).0, "health_pence");
        let no_reason = DecidePlacement { reasons: "  ".into(), ..placement(school.id, Some(second.id)) };
        assert_eq!(refused_on(decide_placement(&s, &admin, case, &no_reason)).0, "reasons");
        let elsewhere = placement(EducationSettingId::new(), Some(second.id));
        assert_eq!(refused_on(decide_placement(&s, &admin, case, &elsewhere)).0, "setting");
        let caseworker = actor(db, &admin.scope, "cw2@torbay.example", UserRole::Caseworker);
        assert!(matches!(decide_placement(&s, &caseworker, case, &placement(school.id, Some(second.id))), Err(WorkflowError::NotAllowed { .. })));
        assert_eq!(placements_for(&s, &admin, case)?.len(), 2, "nothing refused was recorded");
        Ok(())
    }

    fn two_placements_decided_at_once_on_the_same_state_record_one(db) {
        let Placed { s, admin, case } = plan(db);
        let school = add_setting(&s, &admin, &special("100004"))?;
        let other = actor(db, &admin.scope, "admin2@torbay.example", UserRole::Admin);
        let barrier = Arc::new(Barrier::new(2));
        let results: Vec<_> = [admin.clone(), other]
            .into_iter()
            .map(|who| {
                let (s, barrier, command) = (s.clone(), barrier.clone(), placement(school.id, None));
                std::thread::spawn(move || { barrier.wait(); decide_placement(&s, &who, case, &command) })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(WorkflowError::Store(StoreError::Conflict(_))))), "{results:?}");
        assert_eq!(placements_for(&s, &admin, case)?.len(), 1);
        let events = db.read(|tx| tx.list_events(&admin.scope, Some(case)))?;
        assert_eq!(events.iter().filter(|e| e.kind() == EventKind::PlacementDecided).count(), 1);
        Ok(())
    }
}
