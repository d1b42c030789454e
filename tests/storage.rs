//! Issue 2: storage behaves the same on both backends, keeps authorities apart, never
//! lets the event log change, and leaves nothing behind from a failed write.
#![allow(clippy::panic, clippy::unwrap_used)] // test bodies run inside both_backends!, outside #[test] fns

use sendpanel_core::domain::{
    AgendaItem, AgendaItemId, AgendaItemStatus, CaseStage, Deadline, DeadlineId, DeadlineKind,
    DeadlineStatus, Decision, DecisionId, DecisionKind, DecisionOutcome, Document, DocumentId,
    DocumentKind, EventKind, Panel, PanelId, PanelMember, PanelMemberId, Reasons, Sitting,
    SittingId, SittingStatus, Slug, UserRole, Vote, VoteChoice, VoteId,
};
use sendpanel_core::store::{NewEvent, SchemaStatus, StoreError, migration_versions};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority, case_parts, date, stored_case, user};
use serde_json::json;

fn event(case: Option<sendpanel_core::domain::CaseId>, kind: EventKind) -> NewEvent {
    NewEvent {
        case_id: case,
        kind,
        payload: json!({ "note": "test" }),
        actor: None,
        occurred_at: at(6, 12),
    }
}

both_backends! {
    fn every_entity_reads_back_as_written(db) {
        let scope = authority(db, "torbay", 880)?;
        assert_eq!(db.read(|tx| tx.list_authorities())?.len(), 1);
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelMember)?;
        assert_eq!(db.read(|tx| tx.get_user(&scope, chair.id))?, chair);
        let (child, request, case) = stored_case(db, &scope, 1)?;
        assert_eq!(db.read(|tx| tx.get_child(&scope, child.id))?, child);
        assert_eq!(db.read(|tx| tx.get_request(&scope, request.id))?, request);
        assert_eq!(db.read(|tx| tx.get_case(&scope, case.id))?, case);

        let panel = Panel { id: PanelId::new(), authority_id: scope.authority().clone(), code: Slug::parse("code", "sen-panel")?, name: "SEN Panel".into() };
        let seat = PanelMember { id: PanelMemberId::new(), authority_id: scope.authority().clone(), panel_id: panel.id, user_id: chair.id, role: Slug::parse("role", "chair")? };
        let sitting = Sitting { id: SittingId::new(), authority_id: scope.authority().clone(), panel_id: panel.id, sits_on: date(2026, 12, 3), status: SittingStatus::Scheduled };
        let item = AgendaItem { id: AgendaItemId::new(), authority_id: scope.authority().clone(), sitting_id: sitting.id, case_id: case.id, position: 1, decision_kind: DecisionKind::Assess, status: AgendaItemStatus::Pending };
        let vote = Vote { id: VoteId::new(), authority_id: scope.authority().clone(), agenda_item_id: item.id, user_id: chair.id, choice: VoteChoice::Agree, reason: "Evidence of three APDR cycles".into(), cast_at: at(7, 10) };
        let decision = Decision { id: DecisionId::new(), authority_id: scope.authority().clone(), case_id: case.id, agenda_item_id: Some(item.id), kind: DecisionKind::Assess, outcome: DecisionOutcome::Agreed, reasons: Reasons::parse("The child may have SEN and a plan may be necessary.")?, decided_by: chair.id, decided_at: at(7, 11) };
        let deadline = Deadline { id: DeadlineId::new(), authority_id: scope.authority().clone(), case_id: case.id, kind: DeadlineKind::DecideWhetherToAssess, due_on: date(2026, 11, 16), status: DeadlineStatus::Open };
        let document = Document { id: DocumentId::new(), authority_id: scope.authority().clone(), case_id: case.id, kind: DocumentKind::Letter, title: "Decision to assess".into(), media_type: "text/html".into(), content: b"<p>We will assess.</p>".to_vec(), sha256: String::new(), template_version: Some("v1".into()), created_at: at(7, 12) };
        db.write(|tx| {
            tx.insert_panel(&scope, &panel)?;
            tx.insert_panel_member(&scope, &seat)?;
            tx.insert_sitting(&scope, &sitting)?;
            tx.insert_agenda_item(&scope, &item)?;
            tx.insert_vote(&scope, &vote)?;
            tx.insert_decision(&scope, &decision)?;
            tx.insert_deadline(&scope, &deadline)?;
            tx.insert_document(&scope, &document)?;
            tx.set_case_stage(&scope, case.id, CaseStage::Assessing)
        })?;
        db.read(|tx| {
            assert_eq!(tx.get_panel(&scope, panel.id)?, panel);
            assert_eq!(tx.list_panel_members(&scope, panel.id)?, vec![seat.clone()]);
            assert_eq!(tx.get_sitting(&scope, sitting.id)?, sitting);
            assert_eq!(tx.list_agenda_items(&scope, sitting.id)?, vec![item.clone()]);
            assert_eq!(tx.list_votes(&scope, item.id)?, vec![vote.clone()]);
            assert_eq!(tx.list_decisions(&scope, case.id)?, vec![decision.clone()]);
            assert_eq!(tx.list_deadlines(&scope, case.id)?, vec![deadline.clone()]);
            let stored = tx.get_document(&scope, document.id)?;
            assert_eq!(stored.content, document.content);
            // The store computes the fingerprint itself.
            assert_eq!(stored.sha256.len(), 64);
            assert_eq!(tx.get_case(&scope, case.id)?.stage, CaseStage::Assessing);
            Ok(())
        })?;
        Ok(())
    }

    fn documents_are_fingerprinted_from_their_bytes(db) {
        let scope = authority(db, "torbay", 880)?;
        let (_, _, case) = stored_case(db, &scope, 2)?;
        let document = Document { id: DocumentId::new(), authority_id: scope.authority().clone(), case_id: case.id, kind: DocumentKind::Letter, title: "t".into(), media_type: "text/plain".into(), content: b"abc".to_vec(), sha256: "forged".into(), template_version: None, created_at: at(7, 12) };
        db.write(|tx| tx.insert_document(&scope, &document))?;
        let stored = db.read(|tx| tx.get_document(&scope, document.id))?;
        // SHA-256("abc"), the FIPS 180-2 test vector.
        assert_eq!(stored.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        Ok(())
    }

    fn one_authority_never_sees_anothers_rows(db) {
        let torbay = authority(db, "torbay", 880)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let (t_child, t_request, t_case) = stored_case(db, &torbay, 3)?;
        let (w_child, _, w_case) = stored_case(db, &wiltshire, 3)?;
        user(db, &torbay, "a@torbay.example", UserRole::Caseworker)?;
        db.write(|tx| {
            tx.append_event(&torbay, event(Some(t_case.id), EventKind::RequestReceived))?;
            tx.append_event(&wiltshire, event(Some(w_case.id), EventKind::RequestReceived))
        })?;
        db.read(|tx| {
            assert_eq!(tx.list_children(&torbay)?, vec![t_child.clone()]);
            assert_eq!(tx.list_children(&wiltshire)?, vec![w_child.clone()]);
            assert_eq!(tx.list_cases(&torbay)?.len(), 1);
            assert_eq!(tx.list_requests(&torbay)?, vec![t_request.clone()]);
            assert!(tx.list_users(&wiltshire)?.is_empty());
            assert!(tx.list_events(&torbay, None)?.iter().all(|e| e.authority_id.as_str() == "torbay"));
            // Asking for Wiltshire's case with Torbay's scope finds nothing.
            assert!(matches!(tx.get_case(&torbay, w_case.id), Err(StoreError::NotFound { .. })));
            assert!(matches!(tx.get_child(&wiltshire, t_child.id), Err(StoreError::NotFound { .. })));
            assert!(tx.list_events(&torbay, Some(w_case.id))?.is_empty());
            Ok(())
        })?;
        // Writing Wiltshire's data under Torbay's scope is refused, and changes nothing.
        let (child, _, _) = case_parts(&wiltshire, 4);
        let refused = db.write(|tx| tx.insert_child(&torbay, &child, at(8, 9)));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "{refused:?}");
        assert!(matches!(db.write(|tx| tx.set_case_stage(&torbay, w_case.id, CaseStage::Closed)), Err(StoreError::NotFound { .. })));
        assert_eq!(db.read(|tx| tx.get_case(&wiltshire, w_case.id))?.stage, CaseStage::RequestReceived);
        assert_eq!(db.read(|tx| tx.list_children(&wiltshire))?.len(), 1);
        Ok(())
    }

    fn the_event_log_is_append_only(db) {
        let scope = authority(db, "torbay", 880)?;
        let (_, _, case) = stored_case(db, &scope, 5)?;
        let appended = db.write(|tx| {
            let first = tx.append_event(&scope, event(Some(case.id), EventKind::RequestReceived))?;
            let second = tx.append_event(&scope, event(Some(case.id), EventKind::DeadlineSet))?;
            let global = tx.append_event(&scope, event(None, EventKind::UserAdded))?;
            Ok((first, second, global))
        })?;
        assert_eq!(appended.0.case_sequence, Some(1));
        assert_eq!(appended.1.case_sequence, Some(2));
        assert_eq!(appended.2.case_sequence, None);
        for sql in ["UPDATE events SET kind = 'decision_recorded'", "DELETE FROM events"] {
            let result = db.write(|tx| tx.execute_raw_for_tests(sql));
            match result {
                Err(StoreError::Refused(message)) => assert!(message.contains("append-only"), "{message}"),
                other => panic!("{sql} was not refused: {other:?}"),
            }
        }
        let events = db.read(|tx| tx.list_events(&scope, Some(case.id)))?;
        assert_eq!(events.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventKind::RequestReceived, EventKind::DeadlineSet]);
        assert_eq!(events.first().map(|e| &e.payload), Some(&json!({ "note": "test" })));
        Ok(())
    }

    fn a_failed_multi_row_write_leaves_nothing_behind(db) {
        let scope = authority(db, "torbay", 880)?;
        let (child, request, case) = case_parts(&scope, 6);
        // The child, request, case and event go in; then a duplicate UPN is refused by
        // the database, and the whole unit must roll back.
        let (mut twin, _, _) = case_parts(&scope, 6);
        twin.upn = child.upn.clone();
        let result = db.write(|tx| {
            tx.insert_child(&scope, &child, at(9, 9))?;
            tx.insert_request(&scope, &request)?;
            tx.insert_case(&scope, &case)?;
            tx.append_event(&scope, event(Some(case.id), EventKind::RequestReceived))?;
            tx.insert_child(&scope, &twin, at(9, 9))
        });
        assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
        // An error raised by the caller (a rule broken after some rows) rolls back too.
        let result: Result<(), StoreError> = db.write(|tx| {
            tx.insert_child(&scope, &child, at(9, 9))?;
            Err(StoreError::Refused("reasons are required".into()))
        });
        assert!(result.is_err());
        db.read(|tx| {
            assert!(tx.list_children(&scope)?.is_empty());
            assert!(tx.list_requests(&scope)?.is_empty());
            assert!(tx.list_cases(&scope)?.is_empty());
            assert!(tx.list_events(&scope, None)?.is_empty());
            Ok(())
        })?;
        Ok(())
    }

    fn every_migration_reverts_cleanly_and_reapplies(db) {
        let scope = authority(db, "torbay", 880)?;
        stored_case(db, &scope, 9)?;
        db.write(|tx| tx.append_event(&scope, event(None, EventKind::UserAdded)))?;
        let (known, _) = migration_versions()?;
        assert_eq!(db.revert_all_for_tests()?, known.len());
        assert!(matches!(db.schema_status()?, SchemaStatus::Behind { pending } if pending == known.len()));
        // down.sql removed everything up.sql made (tables, triggers, functions), so up
        // applies again on the same database and the store works as new.
        assert_eq!(db.migrate()?.len(), known.len());
        let scope = authority(db, "torbay", 880)?;
        assert!(db.read(|tx| tx.list_cases(&scope))?.is_empty());
        stored_case(db, &scope, 9)?;
        db.write(|tx| tx.append_event(&scope, event(None, EventKind::UserAdded)))?;
        let refused = db.write(|tx| tx.execute_raw_for_tests("DELETE FROM events"));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "append-only again: {refused:?}");
        Ok(())
    }

    fn rows_must_point_at_rows_that_exist(db) {
        // SQLite enforces foreign keys only when each connection asks; the pool does.
        let scope = authority(db, "torbay", 880)?;
        let (_, request, _) = case_parts(&scope, 8);
        let result = db.write(|tx| tx.insert_request(&scope, &request));
        assert!(matches!(result, Err(StoreError::Refused(_))), "{result:?}");
        assert!(db.read(|tx| tx.list_requests(&scope))?.is_empty());
        Ok(())
    }

    fn a_changed_vote_keeps_the_earlier_one(db) {
        let scope = authority(db, "torbay", 880)?;
        let member = user(db, &scope, "ep@torbay.example", UserRole::PanelMember)?;
        let (_, _, case) = stored_case(db, &scope, 7)?;
        let panel = Panel { id: PanelId::new(), authority_id: scope.authority().clone(), code: Slug::parse("code", "sen-panel")?, name: "SEN Panel".into() };
        let sitting = Sitting { id: SittingId::new(), authority_id: scope.authority().clone(), panel_id: panel.id, sits_on: date(2026, 12, 3), status: SittingStatus::Open };
        let item = AgendaItem { id: AgendaItemId::new(), authority_id: scope.authority().clone(), sitting_id: sitting.id, case_id: case.id, position: 1, decision_kind: DecisionKind::Assess, status: AgendaItemStatus::Pending };
        let first = Vote { id: VoteId::new(), authority_id: scope.authority().clone(), agenda_item_id: item.id, user_id: member.id, choice: VoteChoice::Disagree, reason: "No SALT report yet".into(), cast_at: at(10, 10) };
        let second = Vote { id: VoteId::new(), choice: VoteChoice::Agree, reason: "SALT report now read".into(), cast_at: at(10, 11), ..first.clone() };
        db.write(|tx| {
            tx.insert_panel(&scope, &panel)?;
            tx.insert_sitting(&scope, &sitting)?;
            tx.insert_agenda_item(&scope, &item)?;
            tx.insert_vote(&scope, &first)?;
            tx.insert_vote(&scope, &second)
        })?;
        assert_eq!(db.read(|tx| tx.list_votes(&scope, item.id))?, vec![first, second]);
        // A vote without a reason is refused by the database as well as the domain.
        let blank = Vote { id: VoteId::new(), reason: "  ".into(), cast_at: at(10, 12), ..db.read(|tx| tx.list_votes(&scope, item.id))?.remove(0) };
        assert!(matches!(db.write(|tx| tx.insert_vote(&scope, &blank)), Err(StoreError::Refused(_))));
        Ok(())
    }

    fn a_database_from_a_newer_sendpanel_is_refused(db) {
        assert!(matches!(db.schema_status()?, SchemaStatus::Current { .. }));
        db.write(|tx| tx.execute_raw_for_tests("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')"))?;
        match db.schema_status()? {
            SchemaStatus::Newer { database, .. } => assert_eq!(database, "29991231000000"),
            other => panic!("expected Newer, got {other:?}"),
        }
        let error = db.migrate().unwrap_err();
        assert!(error.to_string().contains("newer than this sendpanel"), "{error}");
        assert!(db.check_ready().is_err());
        Ok(())
    }

    fn the_demo_seeds_an_empty_database_once(db) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities");
        let configs = sendpanel_core::config::load_authorities(&dir)?;
        let clock = sendpanel_core::time::FixedClock(at(24, 12));
        let summary = sendpanel_core::demo::seed_demo(db, &configs, &clock)?;
        assert!(summary.requests >= 12);
        let torbay = sendpanel_core::store::AuthorityScope::new(sendpanel_core::domain::AuthorityId::parse("torbay")?);
        db.read(|tx| {
            let cases = tx.list_cases(&torbay)?;
            assert_eq!(cases.len(), 12);
            let panels = tx.list_panels(&torbay)?;
            assert_eq!(panels.len(), configs.iter().find(|c| c.id.as_str() == "torbay").map_or(0, |c| c.panels.len()));
            // Every case has its Reg 5(1) deadline 42 days after the request.
            for case in &cases {
                let request = tx.get_request(&torbay, case.request_id)?;
                let deadlines = tx.list_deadlines(&torbay, case.id)?;
                assert_eq!(deadlines.len(), 1);
                assert_eq!(deadlines.first().map(|d| (d.due_on - request.received_on).num_days()), Some(42));
            }
            Ok(())
        })?;
        assert!(matches!(sendpanel_core::demo::seed_demo(db, &configs, &clock), Err(sendpanel_core::demo::DemoError::NotEmpty)));
        Ok(())
    }
}

#[test]
fn migration_folders_stay_in_step() -> anyhow::Result<()> {
    let (sqlite, postgres) = migration_versions()?;
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must hold the same migrations"
    );
    Ok(())
}
