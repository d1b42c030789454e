//! The register of education settings a placement names, on both databases: an admin
//! adds settings, each bad part refused naming its field with nothing written; a URN
//! registered once, even when two admins add it at the same moment; read by anyone who
//! may open cases, and by no one in another authority.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Barrier};

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{ProviderKind, UserRole};
use sendpanel_core::placement::register::{NewEducationSetting, add_setting, settings_for};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::WorkflowError;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, user};
use sendpanel_tests::journey::on;

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
