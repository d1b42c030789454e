//! Issue 2: storage behaves the same on both backends, keeps authorities apart, never
//! lets the event log change, and leaves nothing behind from a failed write.
//! Issue 3: policy plugins are kept by the hash of their bytes, chosen by date, and the
//! advice they give is append-only.
//! Issue 4: users hold one of five roles; API tokens are stored only as their hash,
//! revocable, and one authority cannot touch another's. Exceptions to time limits are
//! append-only, and their migration reverts and reapplies cleanly.
#![allow(clippy::panic, clippy::unwrap_used)] // test bodies run inside both_backends!, outside #[test] fns

use sendpanel_core::domain::{
    AgendaItem, AgendaItemId, AgendaItemStatus, CaseStage, Deadline, DeadlineId, DeadlineKind,
    DeadlineStatus, Decision, DecisionId, DecisionKind, DecisionOutcome, Document, DocumentId,
    DocumentKind, EventKind, Panel, PanelId, PanelMember, PanelMemberId, Reasons, Sitting,
    SittingId, SittingStatus, Slug, UserRole, Vote, VoteChoice, VoteId,
};
use sendpanel_core::domain::{ApiTokenId, Email, User, UserId};
use sendpanel_core::domain::{DeadlineException, ExceptionId, ExceptionLimb};
use sendpanel_core::domain::{NewAdvice, NewPlugin, PluginHash, PluginStatus};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::identity::{self, IdentityError};
use sendpanel_core::store::{
    AuthorityScope, Backend, Database, NewEvent, SchemaStatus, StoreError, migration_versions,
};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority, case_parts, date, stored_case, user};
use serde_json::json;

/// A fact of `kind` with fixed details, for tests of the log itself.
fn sample(kind: EventKind) -> CaseEvent {
    let payload = match kind {
        EventKind::RequestReceived => json!({
            "request": "01936f6e-8f4a-7cc3-9a37-2b1a52f0e8a1",
            "child": "01936f6e-8f4a-7cc3-9a37-2b1a52f0e8a2",
            "received_on": "2026-11-02",
            "requested_by": "parent",
        }),
        EventKind::DeadlineSet => json!({
            "kind": "decide_whether_to_assess", "subject": null,
            "due_on": "2026-12-14", "rule": "test",
        }),
        EventKind::UserAdded => json!({
            "user": "01936f6e-8f4a-7cc3-9a37-2b1a52f0e8a3", "role": "caseworker",
        }),
        other => panic!("no sample for {other}"),
    };
    CaseEvent::from_payload(kind, 1, payload).unwrap()
}

fn event(case: Option<sendpanel_core::domain::CaseId>, kind: EventKind) -> NewEvent {
    NewEvent {
        case_id: case,
        fact: sample(kind),
        actor: None,
        occurred_at: at(6, 12),
    }
}

/// A plugin upload for the scope's authority; `tag` makes the bytes (and so the hash)
/// differ between plugins.
fn new_plugin(scope: &AuthorityScope, tag: &str) -> NewPlugin {
    NewPlugin {
        authority_id: scope.authority().clone(),
        policy_name: format!("{} banding", scope.authority()),
        policy_version: format!("2023.{tag}"),
        api_version: "1.0.0".into(),
        effective_from: date(2023, 4, 1),
        bytes: [b"\0asm\x0d\0\x01\0".as_slice(), tag.as_bytes()].concat(),
    }
}

/// Advice from `plugin` on `case`, as the host would record it.
fn new_advice(case: sendpanel_core::domain::CaseId, plugin: &PluginHash, call: &str) -> NewAdvice {
    NewAdvice {
        case_id: case,
        plugin_sha256: plugin.clone(),
        api_version: "1.0.0".into(),
        call: call.into(),
        input_json: r#"{"need":"slcn","apdr_cycles":3}"#.into(),
        outcome: "advice".into(),
        output_json: Some(r#"{"criteria":[{"id":"gr-3","met":true}]}"#.into()),
        unavailable_reason: None,
        fuel_used: 12_345,
    }
}

/// Uploads `tag` for the scope and activates it from `from`.
fn active_plugin(
    db: &Database,
    scope: &AuthorityScope,
    tag: &str,
    from: chrono::NaiveDate,
) -> anyhow::Result<PluginHash> {
    let new = new_plugin(scope, tag);
    Ok(db
        .write(|tx| {
            let stored = tx.insert_plugin(scope, &new)?;
            tx.activate_plugin(scope, &stored.sha256, from)
        })?
        .sha256)
}

/// How many `api_tokens` rows hold `needle` in any column, counted by an UPDATE that
/// changes nothing (the store offers no raw SELECT, on purpose).
fn token_rows_containing(db: &Database, needle: &str) -> anyhow::Result<usize> {
    Ok(db.write(|tx| {
        tx.execute_raw_for_tests(&format!(
            "UPDATE api_tokens SET label = label WHERE \
             id || ' ' || authority_id || ' ' || user_id || ' ' || token_sha256 || ' ' || \
             COALESCE(label, '') || ' ' || CAST(created_at AS TEXT) || ' ' || \
             COALESCE(CAST(revoked_at AS TEXT), '') LIKE '%{needle}%'"
        ))
    })?)
}

/// A personal-circumstances exception to the 6-week decision (Reg 5(4)(b)), for the
/// migration tests.
fn exception(
    scope: &AuthorityScope,
    case: sendpanel_core::domain::CaseId,
    claimed_by: UserId,
) -> DeadlineException {
    DeadlineException {
        id: ExceptionId::new(),
        authority_id: scope.authority().clone(),
        case_id: case,
        deadline_kind: DeadlineKind::DecideWhetherToAssess,
        limb: ExceptionLimb::PersonalCircumstances,
        evidence: "Letter from the family's GP.".into(),
        applies_from: date(2026, 10, 12),
        applies_to: None,
        claimed_by,
        claimed_at: at(9, 10),
        family_told_on: date(2026, 10, 19),
    }
}

/// Whether an index exists, asked the same way on both backends: drop it inside a
/// transaction that is then rolled back.
fn has_index(db: &Database, name: &str) -> bool {
    let probe = db.write(|tx| {
        tx.execute_raw_for_tests(&format!("DROP INDEX {name}"))?;
        Err::<(), _>(StoreError::Refused("probe rolled back".into()))
    });
    matches!(probe, Err(StoreError::Refused(message)) if message == "probe rolled back")
}

/// Inserts a user row by hand with any role text, as a careless script might.
fn raw_user_sql(authority: &str, role: &str) -> String {
    format!(
        "INSERT INTO users (id, authority_id, email, display_name, role, password_hash, created_at) \
         VALUES ('{}', '{authority}', '{role}@raw.example', 'Raw', '{role}', 'x', '2026-11-01 10:00:00')",
        UserId::new()
    )
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
        assert_eq!(db.read(|tx| tx.get_case_with_request_and_child(&scope, case.id))?, (case.clone(), request.clone(), child.clone()));

        let panel = Panel { id: PanelId::new(), authority_id: scope.authority().clone(), code: Slug::parse("code", "sen-panel")?, name: "SEN Panel".into() };
        let seat = PanelMember { id: PanelMemberId::new(), authority_id: scope.authority().clone(), panel_id: panel.id, user_id: chair.id, role: Slug::parse("role", "chair")? };
        let sitting = Sitting { id: SittingId::new(), authority_id: scope.authority().clone(), panel_id: panel.id, sits_on: date(2026, 12, 3), status: SittingStatus::Scheduled, starts_at: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(), location: "Online".into() };
        let item = AgendaItem { id: AgendaItemId::new(), authority_id: scope.authority().clone(), sitting_id: sitting.id, case_id: case.id, position: 1, decision_kind: DecisionKind::Assess, status: AgendaItemStatus::Pending, proposal: None };
        let vote = Vote { id: VoteId::new(), authority_id: scope.authority().clone(), agenda_item_id: item.id, user_id: chair.id, choice: VoteChoice::Agree, reason: "Evidence of three APDR cycles".into(), cast_at: at(7, 10) };
        let decision = Decision { id: DecisionId::new(), authority_id: scope.authority().clone(), case_id: case.id, agenda_item_id: Some(item.id), kind: DecisionKind::Assess, outcome: DecisionOutcome::Agreed, reasons: Reasons::parse("The child may have SEN and a plan may be necessary.")?, decided_by: chair.id, decided_at: at(7, 11), choice: None };
        let deadline = Deadline { id: DeadlineId::new(), authority_id: scope.authority().clone(), case_id: case.id, kind: DeadlineKind::DecideWhetherToAssess, due_on: date(2026, 11, 16), status: DeadlineStatus::Open, subject: None };
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
            // A case's letters are listed without their bytes, with the same fingerprint.
            let listed = tx.list_document_listings(&scope, case.id, DocumentKind::Letter)?;
            assert_eq!(listed.iter().map(|d| (d.id, d.title.as_str(), d.sha256.as_str())).collect::<Vec<_>>(), vec![(document.id, "Decision to assess", stored.sha256.as_str())]);
            assert!(tx.list_document_listings(&scope, case.id, DocumentKind::Plan)?.is_empty());
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
            assert!(matches!(tx.get_case_with_request_and_child(&torbay, w_case.id), Err(StoreError::NotFound { .. })));
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
        assert_eq!(events.iter().map(|e| e.kind()).collect::<Vec<_>>(), [EventKind::RequestReceived, EventKind::DeadlineSet]);
        assert_eq!(events.first().map(|e| &e.fact), Some(&sample(EventKind::RequestReceived)));
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
        let (_, _, case) = stored_case(db, &scope, 9)?;
        db.write(|tx| tx.append_event(&scope, event(None, EventKind::UserAdded)))?;
        // Plugins and advice too, so each down.sql must cope with rows in its tables.
        let sha = active_plugin(db, &scope, "a", date(2023, 4, 1))?;
        db.write(|tx| tx.record_advice(&scope, &new_advice(case.id, &sha, "banding")))?;
        // A user with a token, so the identity down.sql must cope with both.
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelMember)?;
        db.write(|tx| tx.insert_api_token(&scope, chair.id, &PluginHash::of(b"t").to_string(), None, at(9, 9)))?;
        // An exception claimed on the case, so the exceptions down.sql must cope too.
        db.write(|tx| tx.insert_exception(&scope, &exception(&scope, case.id, chair.id)))?;
        let (known, _) = migration_versions()?;
        assert_eq!(db.revert_all_for_tests()?, known.len());
        assert!(matches!(db.schema_status()?, SchemaStatus::Behind { pending } if pending == known.len()));
        // down.sql removed everything up.sql made (tables, triggers, functions), so up
        // applies again on the same database and the store works as new.
        assert_eq!(db.migrate()?.len(), known.len());
        let scope = authority(db, "torbay", 880)?;
        assert!(db.read(|tx| tx.list_cases(&scope))?.is_empty());
        assert!(db.read(|tx| tx.plugins(&scope))?.is_empty());
        let (_, _, case) = stored_case(db, &scope, 9)?;
        db.write(|tx| tx.append_event(&scope, event(None, EventKind::UserAdded)))?;
        let refused = db.write(|tx| tx.execute_raw_for_tests("DELETE FROM events"));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "append-only again: {refused:?}");
        let sha = active_plugin(db, &scope, "a", date(2023, 4, 1))?;
        db.write(|tx| tx.record_advice(&scope, &new_advice(case.id, &sha, "banding")))?;
        let refused = db.write(|tx| tx.execute_raw_for_tests("DELETE FROM policy_advice"));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "advice append-only again: {refused:?}");
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?;
        db.write(|tx| tx.insert_api_token(&scope, chair.id, &PluginHash::of(b"t").to_string(), None, at(9, 9)))?;
        db.write(|tx| tx.insert_exception(&scope, &exception(&scope, case.id, chair.id)))?;
        let refused = db.write(|tx| tx.execute_raw_for_tests("DELETE FROM deadline_exceptions"));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "exceptions append-only again: {refused:?}");
        Ok(())
    }

    fn plugins_are_stored_by_the_hash_of_their_bytes(db) {
        let scope = authority(db, "torbay", 880)?;
        let new = new_plugin(&scope, "a");
        let stored = db.write(|tx| tx.insert_plugin(&scope, &new))?;
        assert_eq!(stored.sha256, PluginHash::of(&new.bytes));
        assert_eq!(stored.sha256.as_str().len(), 64);
        assert_eq!(stored.authority_id, *scope.authority());
        assert_eq!((stored.policy_name.as_str(), stored.policy_version.as_str(), stored.api_version.as_str()), ("torbay banding", "2023.a", "1.0.0"));
        assert_eq!(stored.effective_from, date(2023, 4, 1));
        assert_eq!(stored.status, PluginStatus::Uploaded);
        assert_eq!(stored.size_bytes, i64::try_from(new.bytes.len())?);
        assert_eq!((stored.active_from, stored.activated_at, stored.retired_at), (None, None, None));
        db.read(|tx| {
            assert_eq!(tx.plugin(&scope, &stored.sha256)?, stored);
            assert_eq!(tx.plugins(&scope)?, vec![stored.clone()]);
            assert_eq!(tx.plugin_bytes(&scope, &stored.sha256)?, new.bytes);
            // An uploaded plugin advises on nothing until it is activated.
            assert_eq!(tx.active_plugin_on(&scope, date(2030, 1, 1))?, None);
            assert!(matches!(tx.plugin(&scope, &PluginHash::of(b"never uploaded")), Err(StoreError::NotFound { .. })));
            Ok(())
        })?;
        let second = db.write(|tx| tx.insert_plugin(&scope, &new_plugin(&scope, "b")))?;
        let listed = db.read(|tx| tx.plugins(&scope))?;
        assert_eq!(listed.iter().map(|p| &p.sha256).collect::<Vec<_>>(), [&stored.sha256, &second.sha256]);
        Ok(())
    }

    fn the_same_plugin_twice_is_a_conflict_and_changes_nothing(db) {
        let scope = authority(db, "torbay", 880)?;
        let first = db.write(|tx| tx.insert_plugin(&scope, &new_plugin(&scope, "a")))?;
        // Same bytes under another name are still the same plugin.
        let again = NewPlugin { policy_name: "renamed".into(), ..new_plugin(&scope, "a") };
        let result = db.write(|tx| tx.insert_plugin(&scope, &again));
        assert!(matches!(&result, Err(StoreError::Conflict(m)) if m.contains(first.sha256.as_str())), "{result:?}");
        assert_eq!(db.read(|tx| tx.plugins(&scope))?, vec![first.clone()]);
        // The registry is per authority: another council may upload the same bytes.
        let wiltshire = authority(db, "wiltshire", 865)?;
        let theirs = db.write(|tx| tx.insert_plugin(&wiltshire, &NewPlugin { authority_id: wiltshire.authority().clone(), ..new_plugin(&scope, "a") }))?;
        assert_eq!(theirs.sha256, first.sha256);
        assert_eq!(db.read(|tx| tx.plugins(&scope))?, vec![first]);
        Ok(())
    }

    fn one_authority_cannot_read_or_upload_anothers_plugins(db) {
        let torbay = authority(db, "torbay", 880)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let sha = active_plugin(db, &torbay, "a", date(2023, 4, 1))?;
        db.read(|tx| {
            assert!(tx.plugins(&wiltshire)?.is_empty());
            assert!(matches!(tx.plugin(&wiltshire, &sha), Err(StoreError::NotFound { .. })));
            assert!(matches!(tx.plugin_bytes(&wiltshire, &sha), Err(StoreError::NotFound { .. })));
            assert_eq!(tx.active_plugin_on(&wiltshire, date(2024, 1, 1))?, None);
            Ok(())
        })?;
        assert!(matches!(db.write(|tx| tx.retire_plugin(&wiltshire, &sha)), Err(StoreError::NotFound { .. })));
        assert!(matches!(db.write(|tx| tx.activate_plugin(&wiltshire, &sha, date(2023, 1, 1))), Err(StoreError::NotFound { .. })));
        assert_eq!(db.read(|tx| tx.plugin(&torbay, &sha))?.status, PluginStatus::Active);
        // Uploading for Torbay under Wiltshire's scope is refused and stores nothing.
        let refused = db.write(|tx| tx.insert_plugin(&wiltshire, &new_plugin(&torbay, "b")));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "{refused:?}");
        assert_eq!(db.read(|tx| tx.plugins(&torbay))?.len(), 1);
        assert!(db.read(|tx| tx.plugins(&wiltshire))?.is_empty());
        Ok(())
    }

    fn the_plugin_for_a_date_is_the_latest_active_and_retiring_rolls_back(db) {
        let scope = authority(db, "torbay", 880)?;
        let a = active_plugin(db, &scope, "a", date(2023, 4, 1))?;
        let b = active_plugin(db, &scope, "b", date(2023, 9, 1))?;
        let on = |day| db.read(|tx| tx.active_plugin_on(&scope, day)).map(|p| p.map(|p| p.sha256));
        assert_eq!(on(date(2023, 1, 1))?, None);
        assert_eq!(on(date(2023, 4, 1))?, Some(a.clone()));
        assert_eq!(on(date(2023, 5, 1))?, Some(a.clone()));
        assert_eq!(on(date(2023, 9, 1))?, Some(b.clone()));
        assert_eq!(on(date(2023, 10, 1))?, Some(b.clone()));
        // Retiring B falls back to A for every date.
        let retired = db.write(|tx| tx.retire_plugin(&scope, &b))?;
        assert_eq!(retired.status, PluginStatus::Retired);
        assert!(retired.retired_at.is_some());
        assert_eq!(retired.active_from, Some(date(2023, 9, 1)), "history is kept");
        assert_eq!(on(date(2023, 10, 1))?, Some(a.clone()));
        // Re-activating B rolls forward again and clears its retirement.
        let back = db.write(|tx| tx.activate_plugin(&scope, &b, date(2023, 9, 1)))?;
        assert_eq!((back.status, back.retired_at), (PluginStatus::Active, None));
        assert_eq!(on(date(2023, 10, 1))?, Some(b.clone()));
        // Two plugins active from the same date: the one activated last wins.
        let c = active_plugin(db, &scope, "c", date(2023, 9, 1))?;
        assert_eq!(on(date(2023, 10, 1))?, Some(c));
        assert_eq!(on(date(2023, 5, 1))?, Some(a));
        Ok(())
    }

    fn advice_is_recorded_per_case_and_read_back(db) {
        let torbay = authority(db, "torbay", 880)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let (_, _, case) = stored_case(db, &torbay, 10)?;
        let (_, _, other_case) = stored_case(db, &torbay, 11)?;
        let (_, _, their_case) = stored_case(db, &wiltshire, 10)?;
        let sha = active_plugin(db, &torbay, "a", date(2023, 4, 1))?;
        let unavailable = NewAdvice {
            outcome: "unavailable".into(),
            output_json: None,
            unavailable_reason: Some("fuel exhausted".into()),
            ..new_advice(case.id, &sha, "next-steps")
        };
        let (first, second) = db.write(|tx| {
            let first = tx.record_advice(&torbay, &new_advice(case.id, &sha, "graduated-response"))?;
            tx.record_advice(&torbay, &new_advice(other_case.id, &sha, "banding"))?;
            let second = tx.record_advice(&torbay, &unavailable)?;
            Ok((first, second))
        })?;
        assert_eq!(first.authority_id, *torbay.authority());
        assert_eq!((first.call.as_str(), first.outcome.as_str(), first.fuel_used), ("graduated-response", "advice", 12_345));
        assert_eq!(second.unavailable_reason.as_deref(), Some("fuel exhausted"));
        assert_eq!(db.read(|tx| tx.advice_for_case(&torbay, &case.id))?, vec![first, second]);
        assert!(db.read(|tx| tx.advice_for_case(&wiltshire, &case.id))?.is_empty());
        // Another authority's case is refused; a case that does not exist is not found.
        let refused = db.write(|tx| tx.record_advice(&torbay, &new_advice(their_case.id, &sha, "banding")));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "{refused:?}");
        let missing = db.write(|tx| tx.record_advice(&torbay, &new_advice(sendpanel_core::domain::CaseId::new(), &sha, "banding")));
        assert!(matches!(missing, Err(StoreError::NotFound { .. })), "{missing:?}");
        // Advice must name a plugin stored for the authority, a known call and outcome,
        // and a reason exactly when it is unavailable.
        let not_theirs = db.write(|tx| tx.record_advice(&wiltshire, &new_advice(their_case.id, &sha, "banding")));
        assert!(matches!(not_theirs, Err(StoreError::Refused(_))), "{not_theirs:?}");
        let bad_call = db.write(|tx| tx.record_advice(&torbay, &new_advice(case.id, &sha, "decide")));
        assert!(matches!(bad_call, Err(StoreError::Refused(_))), "{bad_call:?}");
        let no_reason = NewAdvice { unavailable_reason: None, ..unavailable };
        assert!(matches!(db.write(|tx| tx.record_advice(&torbay, &no_reason)), Err(StoreError::Refused(_))));
        assert_eq!(db.read(|tx| tx.advice_for_case(&torbay, &case.id))?.len(), 2);
        Ok(())
    }

    fn recorded_advice_is_append_only(db) {
        let scope = authority(db, "torbay", 880)?;
        let (_, _, case) = stored_case(db, &scope, 12)?;
        let sha = active_plugin(db, &scope, "a", date(2023, 4, 1))?;
        let recorded = db.write(|tx| tx.record_advice(&scope, &new_advice(case.id, &sha, "banding")))?;
        for sql in ["UPDATE policy_advice SET outcome = 'declined'", "DELETE FROM policy_advice"] {
            match db.write(|tx| tx.execute_raw_for_tests(sql)) {
                Err(StoreError::Refused(message)) => assert!(message.contains("append-only"), "{message}"),
                other => panic!("{sql} was not refused: {other:?}"),
            }
        }
        assert_eq!(db.read(|tx| tx.advice_for_case(&scope, &case.id))?, vec![recorded]);
        Ok(())
    }

    fn plugin_bytes_that_no_longer_match_their_hash_are_corrupt(db) {
        let scope = authority(db, "torbay", 880)?;
        let stored = db.write(|tx| tx.insert_plugin(&scope, &new_plugin(&scope, "a")))?;
        let tampered = match db.backend() {
            Backend::Sqlite => "UPDATE policy_plugins SET bytes = X'0061736d'",
            Backend::Postgres => "UPDATE policy_plugins SET bytes = '\\x0061736d'::bytea",
        };
        assert_eq!(db.write(|tx| tx.execute_raw_for_tests(tampered))?, 1);
        match db.read(|tx| tx.plugin_bytes(&scope, &stored.sha256)) {
            Err(StoreError::Corrupt { column, detail }) => {
                assert_eq!(column, "policy_plugins.bytes");
                assert!(detail.contains(stored.sha256.as_str()), "{detail}");
            }
            other => panic!("tampered bytes were not refused: {other:?}"),
        }
        // The registry entry itself still reads; only running the bytes is refused.
        assert_eq!(db.read(|tx| tx.plugin(&scope, &stored.sha256))?, stored);
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
        let sitting = Sitting { id: SittingId::new(), authority_id: scope.authority().clone(), panel_id: panel.id, sits_on: date(2026, 12, 3), status: SittingStatus::Open, starts_at: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(), location: "Online".into() };
        let item = AgendaItem { id: AgendaItemId::new(), authority_id: scope.authority().clone(), sitting_id: sitting.id, case_id: case.id, position: 1, decision_kind: DecisionKind::Assess, status: AgendaItemStatus::Pending, proposal: None };
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

    fn a_token_authenticates_its_user_until_revoked(db) {
        let torbay = authority(db, "torbay", 880)?;
        let clock = FixedClock(at(20, 9));
        let email = Email::parse("casey@torbay.example")?;
        let casey = identity::add_user(db, &torbay, &email, "Casey Worker", UserRole::Caseworker, Some("correct horse battery"), &clock)?;
        assert_eq!(db.read(|tx| tx.find_user_by_email(&torbay, &email))?, Some(casey.clone()));
        let (id, token) = identity::issue_token(db, &torbay, &email, Some("case sync"), &clock)?;
        assert!(token.starts_with(identity::TOKEN_PREFIX) && token.len() == 67, "{token}");
        assert_eq!(identity::authenticate(db, &token)?, Some(casey.clone()));
        // Surrounding whitespace (a pasted header) is forgiven; any other change is not.
        assert_eq!(identity::authenticate(db, &format!(" {token}\n"))?, Some(casey.clone()));
        let mut altered = token.clone();
        altered.pop();
        altered.push(if token.ends_with('0') { '1' } else { '0' });
        assert_eq!(identity::authenticate(db, &altered)?, None);
        assert_eq!(identity::authenticate(db, "")?, None);

        let listed = db.read(|tx| tx.list_api_tokens(&torbay, casey.id))?;
        assert_eq!(listed.len(), 1);
        let first = listed.first().unwrap();
        assert_eq!((first.id, first.user_id, first.label.as_deref(), first.created_at), (id, casey.id, Some("case sync"), at(20, 9)));
        assert!(first.is_active());

        // A second token is independent of the first.
        let (second_id, second) = identity::issue_token(db, &torbay, &email, None, &clock)?;
        assert_ne!(second, token);
        db.write(|tx| tx.revoke_api_token(&torbay, id))?;
        assert_eq!(identity::authenticate(db, &token)?, None, "revoked");
        assert_eq!(identity::authenticate(db, &second)?, Some(casey.clone()));
        let revoked_at = db.read(|tx| tx.list_api_tokens(&torbay, casey.id))?.first().and_then(|t| t.revoked_at);
        assert!(revoked_at.is_some());
        // Revoking again changes nothing, and is not an error.
        db.write(|tx| tx.revoke_api_token(&torbay, id))?;
        let tokens = db.read(|tx| tx.list_api_tokens(&torbay, casey.id))?;
        assert_eq!(tokens.iter().map(|t| (t.id, t.revoked_at)).collect::<Vec<_>>(), [(id, revoked_at), (second_id, None)]);
        // An unknown id is not found.
        assert!(matches!(db.write(|tx| tx.revoke_api_token(&torbay, ApiTokenId::new())), Err(StoreError::NotFound { .. })));
        Ok(())
    }

    fn a_token_is_stored_only_as_its_hash(db) {
        let torbay = authority(db, "torbay", 880)?;
        let clock = FixedClock(at(20, 9));
        let email = Email::parse("casey@torbay.example")?;
        identity::add_user(db, &torbay, &email, "Casey Worker", UserRole::Caseworker, None, &clock)?;
        let (_, token) = identity::issue_token(db, &torbay, &email, Some("nightly export"), &clock)?;
        let secret = token.strip_prefix(identity::TOKEN_PREFIX).unwrap();
        // The probe itself finds rows: the label is there.
        assert_eq!(token_rows_containing(db, "nightly export")?, 1);
        // Neither the token nor any 16-digit stretch of its secret part is stored.
        assert_eq!(token_rows_containing(db, &token)?, 0);
        for start in (0..secret.len() - 16).step_by(8) {
            assert_eq!(token_rows_containing(db, secret.get(start..start + 16).unwrap())?, 0, "{start}");
        }
        // What is stored is the SHA-256 of the whole token.
        let sha = PluginHash::of(token.as_bytes()).to_string();
        assert_eq!(token_rows_containing(db, &sha)?, 1);
        // The store refuses anything but a SHA-256, so a raw token cannot be passed by mistake.
        let user = db.read(|tx| tx.find_user_by_email(&torbay, &email))?.unwrap();
        let refused = db.write(|tx| tx.insert_api_token(&torbay, user.id, &token, None, at(20, 10)));
        assert!(matches!(refused, Err(StoreError::Refused(_))), "{refused:?}");
        let upper = db.write(|tx| tx.insert_api_token(&torbay, user.id, &sha.to_uppercase(), None, at(20, 10)));
        assert!(matches!(upper, Err(StoreError::Refused(_))), "{upper:?}");
        // The database's CHECK says the same to anything that bypasses the store.
        let raw = format!(
            "INSERT INTO api_tokens (id, authority_id, user_id, token_sha256, created_at) VALUES ('{}', 'torbay', '{}', '{token}', '2026-11-20 10:00:00')",
            ApiTokenId::new(), user.id
        );
        assert!(matches!(db.write(|tx| tx.execute_raw_for_tests(&raw)), Err(StoreError::Refused(_))));
        Ok(())
    }

    fn one_authority_cannot_issue_revoke_or_list_anothers_tokens(db) {
        let torbay = authority(db, "torbay", 880)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let clock = FixedClock(at(20, 9));
        let email = Email::parse("casey@torbay.example")?;
        let casey = identity::add_user(db, &torbay, &email, "Casey Worker", UserRole::Caseworker, None, &clock)?;
        let (id, token) = identity::issue_token(db, &torbay, &email, None, &clock)?;

        let refused = db.write(|tx| tx.revoke_api_token(&wiltshire, id));
        assert!(matches!(refused, Err(StoreError::NotFound { .. })), "{refused:?}");
        assert_eq!(identity::authenticate(db, &token)?, Some(casey.clone()), "still valid");
        assert!(db.read(|tx| tx.list_api_tokens(&wiltshire, casey.id))?.is_empty());
        // Wiltshire can neither find Casey by address nor mint a token for her.
        assert_eq!(db.read(|tx| tx.find_user_by_email(&wiltshire, &email))?, None);
        assert!(matches!(identity::issue_token(db, &wiltshire, &email, None, &clock), Err(IdentityError::UnknownUser { .. })));
        let sha = PluginHash::of(b"another token").to_string();
        let minted = db.write(|tx| tx.insert_api_token(&wiltshire, casey.id, &sha, None, at(20, 10)));
        assert!(matches!(minted, Err(StoreError::NotFound { .. })), "{minted:?}");
        // The database itself refuses a token of one authority for a user of another.
        let raw = format!(
            "INSERT INTO api_tokens (id, authority_id, user_id, token_sha256, created_at) VALUES ('{}', 'wiltshire', '{}', '{sha}', '2026-11-20 10:00:00')",
            ApiTokenId::new(), casey.id
        );
        assert!(matches!(db.write(|tx| tx.execute_raw_for_tests(&raw)), Err(StoreError::Refused(_))));
        // The authenticated user carries its authority: the caller's scope comes from it.
        assert_eq!(identity::authenticate(db, &token)?.map(|u| u.authority_id), Some(torbay.authority().clone()));
        Ok(())
    }

    fn users_hold_one_of_five_roles(db) {
        let scope = authority(db, "torbay", 880)?;
        let mut added: Vec<User> = Vec::new();
        for (i, role) in [UserRole::Caseworker, UserRole::PanelMember, UserRole::PanelChair, UserRole::Admin, UserRole::Auditor].into_iter().enumerate() {
            added.push(user(db, &scope, &format!("user{i}@torbay.example"), role)?);
        }
        let stored = db.read(|tx| tx.list_users(&scope))?;
        for user in &added {
            assert!(stored.contains(user), "{:?}", user.role);
        }
        for role in ["caseworker", "panel_member", "panel_chair", "admin", "auditor"] {
            db.write(|tx| tx.execute_raw_for_tests(&raw_user_sql("torbay", role)))?;
        }
        for role in ["superuser", "chair", "Admin", ""] {
            let refused = db.write(|tx| tx.execute_raw_for_tests(&raw_user_sql("torbay", role)));
            assert!(matches!(refused, Err(StoreError::Refused(_))), "{role:?}: {refused:?}");
        }
        Ok(())
    }

    fn adding_a_user_checks_address_name_password_and_authority(db) {
        let torbay = authority(db, "torbay", 880)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let clock = FixedClock(at(20, 9));
        let email = Email::parse("casey@torbay.example")?;
        let casey = identity::add_user(db, &torbay, &email, "  Casey Worker ", UserRole::PanelChair, Some("correct horse battery"), &clock)?;
        assert_eq!((casey.display_name.as_str(), casey.role), ("Casey Worker", UserRole::PanelChair));
        let (_, hash) = db.read(|tx| tx.find_user_for_sign_in(&email))?.unwrap();
        assert!(hash.verify("correct horse battery"));
        assert!(hash.as_str().starts_with("$argon2id$"));
        let events = db.read(|tx| tx.list_events(&torbay, None))?;
        assert!(events.iter().any(|e| e.kind() == EventKind::UserAdded && sendpanel_tests::stored_payload(e) == json!({ "user": casey.id, "role": "panel_chair" })));
        // The address is taken, in this authority and in another.
        for scope in [&torbay, &wiltshire] {
            let taken = identity::add_user(db, scope, &email, "Someone Else", UserRole::Caseworker, None, &clock);
            assert!(matches!(taken, Err(IdentityError::EmailTaken { .. })), "{taken:?}");
        }
        // Without a password the account has a hash nobody knows.
        let other = Email::parse("ep@torbay.example")?;
        identity::add_user(db, &torbay, &other, "Educational Psychologist", UserRole::PanelMember, None, &clock)?;
        let (_, hash) = db.read(|tx| tx.find_user_for_sign_in(&other))?.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$") && !hash.verify(""));
        let short = identity::add_user(db, &torbay, &Email::parse("x@torbay.example")?, "X", UserRole::Auditor, Some("short"), &clock);
        assert!(matches!(short, Err(IdentityError::Invalid { field: "password", .. })), "{short:?}");
        let blank = identity::add_user(db, &torbay, &Email::parse("y@torbay.example")?, "  ", UserRole::Auditor, None, &clock);
        assert!(matches!(blank, Err(IdentityError::Invalid { field: "display_name", .. })), "{blank:?}");
        let unregistered = AuthorityScope::new(sendpanel_core::domain::AuthorityId::parse("leicestershire")?);
        let unknown = identity::add_user(db, &unregistered, &Email::parse("z@leics.example")?, "Z", UserRole::Admin, None, &clock);
        assert!(matches!(unknown, Err(IdentityError::UnknownAuthority { .. })), "{unknown:?}");
        assert_eq!(db.read(|tx| tx.list_users(&torbay))?.len(), 2, "refusals changed nothing");
        Ok(())
    }

    fn the_identity_migration_keeps_users_and_what_refers_to_them(db) {
        let scope = authority(db, "torbay", 880)?;
        let member = user(db, &scope, "ep@torbay.example", UserRole::PanelMember)?;
        let panel = Panel { id: PanelId::new(), authority_id: scope.authority().clone(), code: Slug::parse("code", "sen-panel")?, name: "SEN Panel".into() };
        let seat = PanelMember { id: PanelMemberId::new(), authority_id: scope.authority().clone(), panel_id: panel.id, user_id: member.id, role: Slug::parse("role", "ep")? };
        db.write(|tx| {
            tx.insert_panel(&scope, &panel)?;
            tx.insert_panel_member(&scope, &seat)?;
            tx.append_event(&scope, NewEvent { actor: Some(member.id), ..event(None, EventKind::UserAdded) })
        })?;
        let check = |db: &Database| -> anyhow::Result<()> {
            assert_eq!(db.read(|tx| tx.get_user(&scope, member.id))?, member);
            assert_eq!(db.read(|tx| tx.list_panel_members(&scope, panel.id))?, vec![seat.clone()]);
            assert_eq!(db.read(|tx| tx.list_events(&scope, None))?.iter().filter(|e| e.actor == Some(member.id)).count(), 1);
            assert!(has_index(db, "users_authority"));
            // The other tables still refer to the (rebuilt) users table.
            let orphan = PanelMember { id: PanelMemberId::new(), user_id: UserId::new(), ..seat.clone() };
            assert!(matches!(db.write(|tx| tx.insert_panel_member(&scope, &orphan)), Err(StoreError::Refused(_))));
            Ok(())
        };
        // Later migrations come down first, newest first, to reach the identity one.
        const IDENTITY: &str = "20261125000002";
        let (known, _) = migration_versions()?;
        let later = known.iter().filter(|v| v.as_str() > IDENTITY).count();
        for _ in 0..later {
            db.revert_last_for_tests()?;
        }
        assert_eq!(db.revert_last_for_tests()?, IDENTITY);
        check(db)?;
        assert!(!has_index(db, "api_tokens_user"));
        assert!(db.write(|tx| tx.execute_raw_for_tests(&raw_user_sql("torbay", "auditor"))).is_err(), "three roles again");
        assert_eq!(db.migrate()?.len(), later + 1);
        check(db)?;
        db.write(|tx| tx.execute_raw_for_tests(&raw_user_sql("torbay", "auditor")))?;
        // A user holding a new role makes the down migration refuse, changing nothing.
        for _ in 0..later {
            db.revert_last_for_tests()?;
        }
        assert!(db.revert_last_for_tests().is_err());
        assert!(matches!(db.schema_status()?, SchemaStatus::Behind { pending } if pending == later));
        db.migrate()?;
        assert!(matches!(db.schema_status()?, SchemaStatus::Current { .. }));
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

    // Issue 13: on first start the demo shows the product: each authority's plugin in
    // force, advice on every request, and cases at every stage of the journey, each
    // recorded through the service's own steps (with their letters).
    fn the_demo_seeds_an_empty_database_once(db) {
        use sendpanel_core::demo::{DemoServices, seed_demo};
        use sendpanel_core::domain::{CaseStage, DeadlineKind, DocumentKind, EventKind};
        use sendpanel_core::workflow::{appeal_pending, case_view, caseload};

        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities");
        let configs = sendpanel_core::config::load_authorities(&dir)?;
        let codes: Vec<&str> = configs.iter().map(|c| c.id.as_str()).collect();
        let holidays = sendpanel_core::clock::BankHolidays::england_and_wales();
        let notifier = sendpanel_core::notify::Notifier::new(
            sendpanel_tests::fixtures::shipped_letters(&codes)?,
            &Default::default(),
            holidays.clone(),
        )?;
        db.observe(std::sync::Arc::new(notifier))?;
        let catalogue = sendpanel_core::policy::PluginCatalogue::new(
            sendpanel_core::policy::PolicyHost::new(Default::default(), None)?,
        );
        let documents = sendpanel_core::documents::Documents::scratch()?;
        let services = DemoServices { catalogue: &catalogue, holidays: &holidays, documents: &documents };
        let clock = sendpanel_core::time::FixedClock(at(24, 12));
        let today = date(2026, 11, 24);
        let summary = seed_demo(db, &configs, services, &clock)?;
        assert_eq!(summary.requests, 19);
        // Torbay's SEN panel, the first with a chair seated, sits in 8 days with three
        // of its requests on the agenda.
        let Some((panel, sits_on, cases)) = summary.sitting.clone() else {
            anyhow::bail!("the demo arranged no sitting");
        };
        assert_eq!((panel.as_str(), cases), ("SEN Panel", 3));
        assert_eq!(Some(sits_on), chrono::NaiveDate::from_ymd_opt(2026, 12, 2));

        for config in &configs {
            let scope = sendpanel_core::store::AuthorityScope::new(config.id.clone());
            // Its own plugin is in force today, installed from the shipped bytes.
            let active = db.read(|tx| tx.active_plugin_on(&scope, today))?;
            let Some(active) = active else { anyhow::bail!("{}: no plugin in force", config.id) };
            let shipped = sendpanel_core::demo::SHIPPED_PLUGINS
                .iter()
                .find(|p| p.authority == config.id.as_str())
                .map(|p| PluginHash::of(p.bytes));
            assert_eq!(Some(active.sha256.clone()), shipped, "{}", config.id);
            // Every request has the plugin's advice, as the case page shows it.
            for entry in caseload(db, &scope, today)? {
                let view = case_view(db, &scope, entry.id, today)?;
                assert!(
                    view.advice.iter().any(|a| a.call == "graduated-response" && a.outcome == "advice"),
                    "{}: {} has no advice",
                    config.id,
                    view.child_name
                );
                // The facts sent cite the request's documents, each uploaded to the
                // case and marked illustrative.
                let evidence = db.read(|tx| tx.list_evidence(&scope, entry.id))?;
                let asked = view.advice.iter().find(|a| a.call == "graduated-response").map(|a| a.input_json.clone()).unwrap_or_default();
                let asked: sendpanel_core::policy::contract::RequestFacts = serde_json::from_str(&asked)?;
                let mut cited: Vec<String> = asked
                    .needs
                    .iter()
                    .flat_map(|n| n.evidence.iter())
                    .chain(asked.support_cycles.iter().flat_map(|c| c.evidence.iter()))
                    .chain(asked.professionals.iter().flat_map(|p| p.evidence.iter()))
                    .cloned()
                    .collect();
                cited.sort();
                cited.dedup();
                let mut uploaded: Vec<String> = evidence.iter().map(|d| d.id.to_string()).collect();
                uploaded.sort();
                assert_eq!(cited, uploaded, "{}: the facts cite exactly its documents", view.child_name);
                for document in &evidence {
                    let bytes = kept_bytes(&documents, &document.sha256)?;
                    assert!(bytes.starts_with(b"Illustrative demo document"), "{}", document.file_name);
                }
                // Every request has its Reg 5(1) limit 42 days after it arrived.
                let decide = view.deadlines.iter().find(|d| d.kind == DeadlineKind::DecideWhetherToAssess.to_string());
                assert_eq!(decide.map(|d| (d.due_on - view.request.received_on).num_days()), Some(42), "{}", view.child_name);
            }
        }

        let torbay = sendpanel_core::store::AuthorityScope::new(sendpanel_core::domain::AuthorityId::parse("torbay")?);
        assert_eq!(db.read(|tx| tx.list_cases(&torbay))?.len(), 13);
        // The caseworker's caseload shows a case at every stage.
        let caseload = caseload(db, &torbay, today)?;
        let at = |stage: CaseStage| caseload.iter().filter(move |e| e.stage == stage);
        for stage in [
            CaseStage::RequestReceived,
            CaseStage::Assessing,
            CaseStage::DraftPlan,
            CaseStage::PlanIssued,
            CaseStage::AssessmentRefused,
        ] {
            assert!(at(stage).next().is_some(), "no Torbay case at {stage}");
        }
        let view = |entry: &sendpanel_core::workflow::CaseloadEntry| case_view(db, &torbay, entry.id, today);
        let open = |v: &sendpanel_core::workflow::CaseView, kind: DeadlineKind| {
            v.deadlines.iter().find(|d| d.kind == kind.to_string() && d.status == "open").map(|d| d.due_on)
        };
        // Assessing, with advice asked for and not yet all received.
        let assessing = at(CaseStage::Assessing).map(view).collect::<Result<Vec<_>, _>>()?;
        assert!(assessing.iter().any(|v| open(v, DeadlineKind::AdviceDue).is_some()));
        // A draft plan out for representations, still open today.
        let draft = at(CaseStage::DraftPlan).map(view).collect::<Result<Vec<_>, _>>()?;
        assert!(draft.iter().any(|v| open(v, DeadlineKind::RepresentationsDue).is_some_and(|d| d >= today)));
        // A plan issued about eleven months ago, its first annual review due soon.
        let issued = at(CaseStage::PlanIssued).map(view).collect::<Result<Vec<_>, _>>()?;
        assert!(issued.iter().any(|v| open(v, DeadlineKind::AnnualReview)
            .is_some_and(|d| d >= today && (d - today).num_days() <= 31)));
        // Refusals: one with its next-steps meeting still to come, one under appeal,
        // each with the refusal letter the family were sent.
        let refused = at(CaseStage::AssessmentRefused).map(view).collect::<Result<Vec<_>, _>>()?;
        assert!(refused.iter().all(|v| v.events.iter().any(|e| e.kind() == EventKind::NextStepsMeetingArranged)));
        assert!(refused.iter().any(|v| !appeal_pending(&v.events)));
        assert!(refused.iter().any(|v| appeal_pending(&v.events)));
        for v in &refused {
            let letters = db.read(|tx| tx.list_document_listings(&torbay, v.id, DocumentKind::Letter))?;
            assert!(!letters.is_empty(), "{} has no refusal letter", v.child_name);
            // The plugin's plan for the next-steps meeting was sought too.
            assert!(v.advice.iter().any(|a| a.call == "next-steps"), "{}", v.child_name);
        }
        assert!(summary.advice >= 19 + refused.len());

        // Run again, it keeps what it seeded.
        assert!(matches!(seed_demo(db, &configs, services, &clock), Err(sendpanel_core::demo::DemoError::NotEmpty)));
        Ok(())
    }
}

/// A kept document's bytes, read on a runtime of its own (the demo test is synchronous).
fn kept_bytes(
    documents: &sendpanel_core::documents::Documents,
    sha256: &str,
) -> anyhow::Result<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(documents.storage.read(sha256))?.to_vec())
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

/// The pool hands out connections without pinging them first (one round trip saved per
/// read). So when PostgreSQL drops its connections, as on a restart, each dead one may
/// fail one request with a clear error, and must never be handed out again: afterwards
/// every read and write works. A pool that kept dead connections would fail here on
/// every later checkout.
#[test]
fn connections_the_server_dropped_fail_once_and_are_replaced() -> anyhow::Result<()> {
    use sendpanel_core::store::StoreError;

    let test = sendpanel_tests::TestDb::postgres()?;
    let torbay = AuthorityScope::new(sendpanel_core::domain::AuthorityId::parse("torbay")?);
    test.db.read(|tx| tx.list_cases(&torbay))?;
    let ended = test.end_server_connections()?;
    assert!(ended >= 1, "the pool held connections to end");

    let mut lost = 0;
    for _ in 0..20 {
        match test.db.read(|tx| tx.list_cases(&torbay)) {
            Ok(_) => {}
            Err(StoreError::ConnectionLost(_)) => lost += 1,
            Err(other) => panic!("a dropped connection must read as lost, not {other}"),
        }
    }
    assert!(
        lost <= ended,
        "{lost} reads failed over {ended} dropped connections: one was handed out again"
    );
    // Every connection in the pool now answers, for reads and for writes.
    for _ in 0..8 {
        test.db.read(|tx| tx.list_cases(&torbay))?;
    }
    let scope = authority(&test.db, "torbay", 880)?;
    assert_eq!(test.db.read(|tx| tx.list_cases(&scope))?.len(), 0);

    // Readiness probes drop a dead connection too, rather than meeting the same one on
    // every probe (the pool hands back the connection it last took back).
    let ended = test.end_server_connections()?;
    let failed = (0..10).filter(|_| test.db.check_ready().is_err()).count();
    assert!(
        failed <= ended,
        "{failed} of 10 readiness checks failed over {ended} dropped connections"
    );
    test.db.check_ready()?;
    Ok(())
}
