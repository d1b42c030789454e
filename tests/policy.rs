//! The policy-plugin host, end to end: the three authorities' real plugins load, pass
//! their carried vectors and answer reproducibly; hostile plugins are refused at load or
//! contained with a named reason, while other evaluations carry on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sendpanel_core::policy::contract::{
    BandRequest, Recommendation, RequestFacts, SettingType, TestCall,
};
use sendpanel_core::policy::{Limits, LoadError, Outcome, Plugin, PolicyHost, Unavailable};
use sendpanel_tests::plugins::{wasm, wasm_with_wasi, wasm_without_wasi};

fn host() -> PolicyHost {
    PolicyHost::new(Limits::default(), None).unwrap()
}

fn load(name: &str) -> Plugin {
    host()
        .load(&wasm(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The first graduated-response input the plugin carries: a realistic request.
fn carried_facts(plugin: &Plugin) -> RequestFacts {
    plugin
        .test_vectors()
        .unwrap()
        .into_iter()
        .find_map(|v| match v.call {
            TestCall::GraduatedResponse(facts) => Some(facts),
            _ => None,
        })
        .expect("a graduated-response vector")
}

#[test]
fn the_three_authorities_plugins_load_and_pass_their_vectors() {
    for (crate_name, code) in [
        ("sendpanel-plugin-torbay", "torbay"),
        ("sendpanel-plugin-wiltshire", "wiltshire"),
        ("sendpanel-plugin-leicestershire", "leicestershire"),
    ] {
        let plugin = load(crate_name);
        assert_eq!(plugin.info().authority, code);
        assert_eq!(plugin.api_version().to_string(), "1.1.0");
        let vectors = plugin.test_vectors().unwrap();
        assert!(
            vectors.len() >= 6,
            "{code} carries {} vectors",
            vectors.len()
        );
        let report = plugin.run_vectors(&vectors);
        assert!(report.all_passed(), "{code}: {:?}", report.failures);
        assert_eq!(report.passed, vectors.len());
    }
}

/// Torbay's plugin as built against contract 1.0.0 and shipped (`plugins/dist` at
/// commit ba6dcbc), kept as bytes: an authority holds components like it, and every
/// later host must load them and get the same answers (issue 16's contract 1.1 adds to
/// the contract; it must not break what 1.0 components say).
const TORBAY_1_0: &[u8] = include_bytes!("fixtures/policy-1.0/torbay.wasm");

#[test]
fn a_component_built_against_contract_1_0_loads_and_answers_as_today_s_build() {
    let kept = host().load(TORBAY_1_0).unwrap();
    assert_eq!(kept.api_version().to_string(), "1.0.0");
    assert_eq!(kept.info().authority, "torbay");
    let vectors = kept.test_vectors().unwrap();
    let report = kept.run_vectors(&vectors);
    assert!(report.all_passed(), "{:?}", report.failures);

    // Every input the kept component carries gets the same answer, to the byte, from
    // Torbay's plugin built from today's source.
    let built = load("sendpanel-plugin-torbay");
    for vector in &vectors {
        let (old, new) = match &vector.call {
            TestCall::GraduatedResponse(facts) => (
                kept.graduated_response(facts).output_json,
                built.graduated_response(facts).output_json,
            ),
            TestCall::Banding(request) => (
                kept.banding(request).output_json,
                built.banding(request).output_json,
            ),
            TestCall::NextSteps(facts) => (
                kept.next_steps(facts).output_json,
                built.next_steps(facts).output_json,
            ),
        };
        assert!(
            old.as_deref().is_some_and(|json| !json.is_empty()),
            "{}",
            vector.name
        );
        assert_eq!(old, new, "{}", vector.name);
    }
}

/// Contract 1.1's costed banding: Torbay's mainstream rule (L204-205) tops up what a
/// plan's costed provision comes to above £6,000 a year, and nothing below it; run in
/// the sandbox, at each side of the threshold. A 1.0 component asked the same question
/// answers the band request inside, recorded as the `banding` call it made.
#[test]
fn torbays_mainstream_top_up_is_the_costed_provision_above_six_thousand_pounds() {
    use sendpanel_core::policy::Call;
    let plugin = load("sendpanel-plugin-torbay");
    assert_eq!(plugin.api_version().to_string(), "1.1.0");
    let costed = plugin.costed_test_vectors().unwrap();
    assert_eq!(costed.len(), 5);
    let report = plugin.run_costed_vectors_within(&costed, u64::MAX);
    assert!(report.all_passed(), "{:?}", report.failures);
    assert_eq!(report.passed, 5);

    let mainstream = costed[0].call.clone();
    assert_eq!(mainstream.request.placement, SettingType::Mainstream);
    for (cost, top_up) in [
        (599_999, 0),
        (600_000, 0),
        (600_001, 1),
        (1_400_000, 800_000),
    ] {
        let mut request = mainstream.clone();
        request.provision.yearly_cost = cost;
        let evaluation = plugin.costed_banding(&request);
        assert_eq!(evaluation.call, Call::CostedBanding);
        let Outcome::Advice(band) = evaluation.outcome else {
            panic!("{cost}: {:?}", evaluation.outcome)
        };
        assert_eq!(
            (band.place_funding, band.yearly_top_up),
            (0, top_up),
            "{cost}"
        );
        let total: i64 = band.elements.iter().map(|e| e.amount).sum();
        assert_eq!(total, top_up, "{cost}");
    }
    // The plain banding call still declines a mainstream place, as 1.0 did.
    assert!(matches!(
        plugin.banding(&mainstream.request).outcome,
        Outcome::Declined(_)
    ));

    let kept = host().load(TORBAY_1_0).unwrap();
    assert!(kept.costed_test_vectors().unwrap().is_empty());
    let answered = kept.costed_banding(&mainstream);
    assert_eq!(answered.call, Call::Banding);
    assert_eq!(
        answered.output_json,
        kept.banding(&mainstream.request).output_json
    );
}

#[test]
fn torbay_advice_is_reproducible_to_the_byte_and_records_its_fuel() {
    let plugin = load("sendpanel-plugin-torbay");
    let facts = carried_facts(&plugin);
    let first = plugin.graduated_response(&facts);
    let Outcome::Advice(advice) = &first.outcome else {
        panic!("expected advice, got {:?}", first.outcome)
    };
    assert_eq!(advice.recommendation, Recommendation::Assess);
    assert!(advice.criteria.iter().all(|c| !c.reason.trim().is_empty()));
    assert!(first.fuel_used > 0);
    assert_eq!(first.plugin_sha256.as_str().len(), 64);

    // Re-running the stored input, on a new host, gives the same bytes and fuel.
    let replayed_facts: RequestFacts = serde_json::from_str(&first.input_json).unwrap();
    let again = load("sendpanel-plugin-torbay").graduated_response(&replayed_facts);
    assert_eq!(again.output_json, first.output_json);
    assert_eq!(again.input_json, first.input_json);
    assert_eq!(again.fuel_used, first.fuel_used);
}

#[test]
fn torbay_bands_a_special_place_from_september_at_seven_twelfths() {
    let plugin = load("sendpanel-plugin-torbay");
    let request = BandRequest {
        facts: carried_facts(&plugin),
        placement: SettingType::Special,
        place_type: "Mayfield & Chestnut: PMLD".to_owned(),
        support_tenths_per_week: None,
        period: Some(sendpanel_core::policy::contract::PlacementPeriod {
            starts: sendpanel_core::policy::contract::Date {
                year: 2023,
                month: 9,
                day: 1,
            },
            ends: sendpanel_core::policy::contract::Date {
                year: 2024,
                month: 3,
                day: 31,
            },
        }),
    };
    let evaluation = plugin.banding(&request);
    let Outcome::Advice(band) = evaluation.outcome else {
        panic!("expected a band, got {:?}", evaluation.outcome)
    };
    assert_eq!(band.band_code, "TOR-MC-PMLD");
    assert_eq!(band.months_funded, 7);
    assert_eq!(band.yearly_top_up, 1_753_800);
    // £10,000 × 7/12 = £5,833.33; £17,538 × 7/12 = £10,230.50; £660 × 7/12 = £385.
    let amounts: Vec<i64> = band.elements.iter().map(|e| e.amount).collect();
    assert_eq!(amounts, vec![583_333, 1_023_050, 38_500]);
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let plugin = load("sendpanel-hostile-loop");
    let evaluation = plugin.graduated_response(&carried_facts(&load("sendpanel-plugin-torbay")));
    match evaluation.outcome {
        Outcome::Unavailable(Unavailable::OutOfFuel { budget }) => {
            assert_eq!(budget, Limits::default().fuel);
        }
        other => panic!("expected OutOfFuel, got {other:?}"),
    }
    assert_eq!(evaluation.fuel_used, Limits::default().fuel);
    assert!(evaluation.output_json.is_none());
}

#[test]
fn memory_growth_stops_at_the_cap() {
    let limits = Limits {
        fuel: 5_000_000_000,
        ..Limits::default()
    };
    let plugin = PolicyHost::new(limits, None)
        .unwrap()
        .load(&wasm("sendpanel-hostile-memory"))
        .unwrap();
    let evaluation = plugin.graduated_response(&carried_facts(&load("sendpanel-plugin-torbay")));
    match evaluation.outcome {
        Outcome::Unavailable(Unavailable::MemoryLimit { limit }) => {
            assert_eq!(limit, limits.memory_bytes)
        }
        other => panic!("expected MemoryLimit, got {other:?}"),
    }
}

/// Issue 16: the SDK builds plugins without WASI by default, and their allocator grows
/// memory only past the heap they start with. The cap still holds, and is named.
#[test]
fn memory_growth_stops_at_the_cap_without_wasi_too() {
    let limits = Limits {
        fuel: 5_000_000_000,
        ..Limits::default()
    };
    let plugin = PolicyHost::new(limits, None)
        .unwrap()
        .load(&wasm_without_wasi("sendpanel-hostile-memory"))
        .unwrap();
    assert!(
        !plugin
            .imports()
            .iter()
            .any(|name| name.starts_with("wasi:")),
        "{:?}",
        plugin.imports()
    );
    let evaluation = plugin.graduated_response(&carried_facts(&load("sendpanel-plugin-torbay")));
    match evaluation.outcome {
        Outcome::Unavailable(Unavailable::MemoryLimit { limit }) => {
            assert_eq!(limit, limits.memory_bytes)
        }
        other => panic!("expected MemoryLimit, got {other:?}"),
    }
    // A panic in such a build is a trap, as in a WASI one, and the next call is fresh.
    let trap = host()
        .load(&wasm_without_wasi("sendpanel-hostile-trap"))
        .unwrap();
    for _ in 0..2 {
        let evaluation = trap.graduated_response(&carried_facts(&load("sendpanel-plugin-torbay")));
        assert!(
            matches!(
                evaluation.outcome,
                Outcome::Unavailable(Unavailable::Trap { .. })
            ),
            "{:?}",
            evaluation.outcome
        );
    }
}

/// Issue 16: built without WASI (the SDK's default) a plugin imports no WASI, and
/// answers every input it carries exactly as the same sources built with WASI do: the
/// recorded answers are the same bytes, so which build an authority installs changes
/// no advice.
#[test]
fn a_plugin_built_without_wasi_imports_no_wasi_and_answers_as_with_wasi() {
    let host = host();
    let without = host
        .load(&wasm_without_wasi("sendpanel-plugin-torbay"))
        .unwrap();
    let with = host
        .load(&wasm_with_wasi("sendpanel-plugin-torbay"))
        .unwrap();
    // Only the contract's own types: no WASI at all.
    assert_eq!(without.imports(), ["sendpanel:policy/types@1.1.0"]);
    assert!(
        with.imports().iter().any(|name| name.starts_with("wasi:")),
        "{:?}",
        with.imports()
    );
    assert_ne!(
        without.sha256(),
        with.sha256(),
        "two builds, two components"
    );
    assert_eq!(
        serde_json::to_string(without.info()).unwrap(),
        serde_json::to_string(with.info()).unwrap()
    );

    let vectors = without.test_vectors().unwrap();
    assert_eq!(
        serde_json::to_string(&vectors).unwrap(),
        serde_json::to_string(&with.test_vectors().unwrap()).unwrap()
    );
    assert!(vectors.len() >= 6, "{} vectors", vectors.len());
    for vector in &vectors {
        let (a, b) = match &vector.call {
            TestCall::GraduatedResponse(facts) => (
                without.graduated_response(facts).output_json,
                with.graduated_response(facts).output_json,
            ),
            TestCall::Banding(request) => (
                without.banding(request).output_json,
                with.banding(request).output_json,
            ),
            TestCall::NextSteps(facts) => (
                without.next_steps(facts).output_json,
                with.next_steps(facts).output_json,
            ),
        };
        assert!(a.is_some(), "{}: no answer without WASI", vector.name);
        assert_eq!(a, b, "{}", vector.name);
    }
    let costed = without.costed_test_vectors().unwrap();
    assert!(!costed.is_empty(), "Torbay carries its £6,000 vectors");
    for vector in &costed {
        let a = without.costed_banding(&vector.call).output_json;
        assert!(a.is_some(), "{}: no answer without WASI", vector.name);
        assert_eq!(
            a,
            with.costed_banding(&vector.call).output_json,
            "{}",
            vector.name
        );
    }
    assert!(without.run_vectors(&vectors).all_passed());
}

#[test]
fn deep_recursion_overflows_the_stack_not_the_server() {
    // A 16 KiB host stack runs out before the plugin's own 64 KiB shadow stack does.
    let limits = Limits {
        fuel: 5_000_000_000,
        stack_bytes: 16 << 10,
        ..Limits::default()
    };
    let host = PolicyHost::new(limits, None).unwrap();
    let plugin = host.load(&wasm("sendpanel-hostile-recursion")).unwrap();
    let facts = carried_facts(&load("sendpanel-plugin-torbay"));
    let evaluation = plugin.graduated_response(&facts);
    assert!(
        matches!(
            evaluation.outcome,
            Outcome::Unavailable(Unavailable::StackOverflow)
        ),
        "expected StackOverflow, got {:?}",
        evaluation.outcome
    );
    // With the default limits the plugin's shadow stack runs out first: still contained.
    let plugin = PolicyHost::new(
        Limits {
            stack_bytes: Limits::default().stack_bytes,
            ..limits
        },
        None,
    )
    .unwrap()
    .load(&wasm("sendpanel-hostile-recursion"))
    .unwrap();
    match plugin.graduated_response(&facts).outcome {
        Outcome::Unavailable(Unavailable::Trap { detail }) => {
            assert!(detail.contains("out of bounds memory access"), "{detail}")
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    // The host carries on.
    let torbay = host.load(&wasm("sendpanel-plugin-torbay")).unwrap();
    assert!(matches!(
        torbay.graduated_response(&facts).outcome,
        Outcome::Advice(_)
    ));
}

#[test]
fn a_huge_answer_is_refused() {
    let plugin = load("sendpanel-hostile-huge-output");
    let evaluation = plugin.graduated_response(&carried_facts(&load("sendpanel-plugin-torbay")));
    match evaluation.outcome {
        Outcome::Unavailable(Unavailable::OutputTooLarge { bytes, limit }) => {
            assert!(bytes > 4 << 20);
            assert_eq!(limit, Limits::default().output_bytes);
        }
        other => panic!("expected OutputTooLarge, got {other:?}"),
    }
}

#[test]
fn a_panicking_plugin_is_a_trap() {
    let plugin = load("sendpanel-hostile-trap");
    let evaluation = plugin.graduated_response(&carried_facts(&load("sendpanel-plugin-torbay")));
    match evaluation.outcome {
        Outcome::Unavailable(Unavailable::Trap { detail }) => {
            assert!(detail.contains("unreachable"), "{detail}")
        }
        other => panic!("expected Trap, got {other:?}"),
    }
    // The plugin is still usable: the next call gets a fresh instance (and traps again).
    let again = plugin.graduated_response(&carried_facts(&load("sendpanel-plugin-torbay")));
    assert!(matches!(
        again.outcome,
        Outcome::Unavailable(Unavailable::Trap { .. })
    ));
}

#[test]
fn malformed_answers_are_named_and_never_used() {
    let plugin = load("sendpanel-hostile-malformed");
    let facts = carried_facts(&load("sendpanel-plugin-torbay"));
    match plugin.graduated_response(&facts).outcome {
        Outcome::Unavailable(Unavailable::MalformedOutput { field, rule }) => {
            assert_eq!(field, "criteria[1].reason");
            assert_eq!(rule, "must not be empty");
        }
        other => panic!("expected MalformedOutput, got {other:?}"),
    }
    let request = BandRequest {
        facts,
        placement: SettingType::Special,
        place_type: "any".to_owned(),
        support_tenths_per_week: None,
        period: None,
    };
    match plugin.banding(&request).outcome {
        Outcome::Unavailable(Unavailable::MalformedOutput { field, rule }) => {
            assert_eq!(field, "yearly-top-up");
            assert_eq!(rule, "must not be negative");
        }
        other => panic!("expected MalformedOutput, got {other:?}"),
    }
}

#[test]
fn forbidden_imports_are_refused_at_load() {
    for (name, forbidden) in [
        ("sendpanel-hostile-filesystem", "wasi:filesystem/"),
        ("sendpanel-hostile-sockets", "wasi:sockets/"),
        (
            "sendpanel-hostile-clock-reader",
            "wasi:clocks/monotonic-clock",
        ),
    ] {
        match host().load(&wasm(name)) {
            Err(LoadError::ForbiddenImport { name: imports, .. }) => {
                assert!(imports.contains(forbidden), "{name}: refused for {imports}")
            }
            other => panic!("{name}: expected ForbiddenImport, got {other:?}"),
        }
    }
}

#[test]
fn the_wrong_world_is_refused_at_load() {
    match host().load(&wasm("sendpanel-hostile-wrong-world")) {
        Err(LoadError::WrongWorld(detail)) => assert!(!detail.is_empty()),
        other => panic!("expected WrongWorld, got {other:?}"),
    }
}

#[test]
fn core_modules_garbage_and_oversize_files_are_refused() {
    assert!(matches!(
        host().load(b"\0asm\x01\0\0\0"),
        Err(LoadError::NotAComponent(_))
    ));
    assert!(matches!(
        host().load(b"not wasm"),
        Err(LoadError::NotAComponent(_))
    ));
    let small = PolicyHost::new(
        Limits {
            plugin_bytes: 1024,
            ..Limits::default()
        },
        None,
    )
    .unwrap();
    assert!(matches!(
        small.load(&wasm("sendpanel-plugin-torbay")),
        Err(LoadError::TooLarge { limit: 1024, .. })
    ));
}

#[test]
fn the_random_numbers_a_plugin_sees_are_seeded_the_same_every_time() {
    let facts = carried_facts(&load("sendpanel-plugin-torbay"));
    let first = load("sendpanel-hostile-random-reader").graduated_response(&facts);
    let second = load("sendpanel-hostile-random-reader").graduated_response(&facts);
    let Outcome::Advice(advice) = &first.outcome else {
        panic!("expected advice, got {:?}", first.outcome)
    };
    assert!(advice.criteria[0].reason.starts_with("random="));
    assert_eq!(first.output_json, second.output_json);
}

#[test]
fn an_oversized_request_is_not_sent() {
    let small = PolicyHost::new(
        Limits {
            input_bytes: 64,
            ..Limits::default()
        },
        None,
    )
    .unwrap();
    let plugin = small.load(&wasm("sendpanel-plugin-torbay")).unwrap();
    let evaluation = plugin.graduated_response(&carried_facts(&plugin));
    assert!(matches!(
        evaluation.outcome,
        Outcome::Unavailable(Unavailable::InputTooLarge { limit: 64, .. })
    ));
    assert_eq!(evaluation.fuel_used, 0);
}

#[test]
fn other_evaluations_carry_on_while_a_plugin_loops() {
    // A budget of 20 billion fuel keeps the looping plugin busy for several seconds.
    let host = PolicyHost::new(
        Limits {
            fuel: 20_000_000_000,
            ..Limits::default()
        },
        None,
    )
    .unwrap();
    let looping = host.load(&wasm("sendpanel-hostile-loop")).unwrap();
    let torbay = host.load(&wasm("sendpanel-plugin-torbay")).unwrap();
    let facts = carried_facts(&torbay);
    let finished = Arc::new(AtomicBool::new(false));
    let spinner = {
        let finished = finished.clone();
        let facts = facts.clone();
        std::thread::spawn(move || {
            let evaluation = looping.graduated_response(&facts);
            finished.store(true, Ordering::SeqCst);
            evaluation.outcome
        })
    };
    for _ in 0..200 {
        assert!(matches!(
            torbay.graduated_response(&facts).outcome,
            Outcome::Advice(_)
        ));
    }
    assert!(
        !finished.load(Ordering::SeqCst),
        "the looping plugin should still be running while 200 other evaluations finished"
    );
    let outcome = spinner.join().unwrap();
    assert!(matches!(
        outcome,
        Outcome::Unavailable(Unavailable::OutOfFuel { .. })
    ));
}

mod recorded_advice {
    use sendpanel_core::domain::{EventKind, UserRole};
    use sendpanel_core::policy::{advice_record, install, replay, vet};
    use sendpanel_tests::both_backends;
    use sendpanel_tests::cited::cite_real_documents;
    use sendpanel_tests::fixtures::{authority, date, stored_case, user};
    use sendpanel_tests::stored_payload;

    use super::*;

    both_backends! {
        fn advice_is_stored_on_the_case_and_replays_to_the_same_bytes(db) {
            let scope = authority(db, "torbay", 880)?;
            let (_, _, case) = stored_case(db, &scope, 1)?;
            let host = host();
            let bytes = wasm("sendpanel-plugin-torbay");
            let (plugin, report) = vet(&host, &bytes)?;
            // Eight carried vectors and five for costed banding (contract 1.1).
            assert_eq!(report.passed, 13);
            install(db, &scope, &plugin, bytes, Some(date(2023, 9, 1)))?;

            // The plugin in force on the day of the request gives the advice.
            let active = db.read(|tx| tx.active_plugin_on(&scope, date(2023, 10, 2)))?.expect("active");
            assert_eq!(&active.sha256, plugin.sha256());
            let facts = carried_facts(&plugin);
            let advice = plugin.graduated_response(&facts);
            let looping = host.load(&wasm("sendpanel-hostile-loop"))?;
            let unavailable = looping.graduated_response(&facts);
            // The hostile plugin is not in Torbay's registry, so its record is refused.
            let refused = db.write(|tx| tx.record_advice(&scope, &advice_record(&case.id, &unavailable)));
            assert!(refused.is_err());
            let stored = db.write(|tx| tx.record_advice(&scope, &advice_record(&case.id, &advice)))?;
            assert_eq!(stored.outcome, "advice");
            assert_eq!(stored.call, "graduated-response");
            assert_eq!(stored.api_version, "1.1.0");
            assert_eq!(u64::try_from(stored.fuel_used)?, advice.fuel_used);

            let recorded = db.read(|tx| tx.advice_for_case(&scope, &case.id))?;
            assert_eq!(recorded.len(), 1);
            let again = replay(&host, db, &scope, &recorded[0])?;
            assert!(again.matches(&recorded[0]), "{again:?} vs {:?}", recorded[0]);
            assert!(again.output_json.is_some());
            Ok(())
        }

        fn a_case_gets_advice_from_the_plugin_in_force_with_an_event(db) {
            use sendpanel_core::policy::{PluginCatalogue, Question};
            use sendpanel_core::time::FixedClock;
            let scope = authority(db, "torbay", 880)?;
            let (_, _, case) = stored_case(db, &scope, 3)?;
            let host = host();
            let bytes = wasm("sendpanel-plugin-torbay");
            let (plugin, _) = vet(&host, &bytes)?;
            install(db, &scope, &plugin, bytes, Some(date(2023, 9, 1)))?;
            let catalogue = PluginCatalogue::new(host);
            let clock = FixedClock(sendpanel_tests::fixtures::at(6, 10));
            let mut facts = carried_facts(&plugin);
            // The vector's evidence ids name no document: upload one for each and cite it.
            let caseworker = user(db, &scope, "caseworker@torbay.example", UserRole::Caseworker)?;
            cite_real_documents(db, &scope, case.id, caseworker.id, clock.0, &mut facts)?;

            // Before the policy is in force there is no advice, and nothing is recorded.
            facts.as_at = sendpanel_core::policy::contract::Date { year: 2023, month: 8, day: 31 };
            let none = catalogue.advise(db, &scope, case.id, &Question::GraduatedResponse(facts.clone()), None, &clock)?;
            assert!(none.is_none());
            assert!(db.read(|tx| tx.advice_for_case(&scope, &case.id))?.is_empty());

            facts.as_at = sendpanel_core::policy::contract::Date { year: 2023, month: 10, day: 2 };
            let advice = catalogue
                .advise(db, &scope, case.id, &Question::GraduatedResponse(facts.clone()), None, &clock)?
                .expect("advice from the plugin in force");
            assert_eq!(&advice.plugin_sha256, plugin.sha256());
            assert_eq!(advice.outcome, "advice");
            let plan = catalogue
                .advise(db, &scope, case.id, &Question::NextSteps(facts), None, &clock)?
                .expect("a next-steps plan");
            assert_eq!(plan.call, "next-steps");
            let output: serde_json::Value = serde_json::from_str(plan.output_json.as_deref().unwrap_or("null"))?;
            assert_eq!(output["Ok"]["meeting_required"], true);

            let events = db.read(|tx| tx.list_events(&scope, Some(case.id)))?;
            let advised: Vec<_> = events
                .iter()
                .filter(|e| e.kind() == sendpanel_core::domain::EventKind::AdviceRecorded)
                .collect();
            assert_eq!(advised.len(), 2);
            assert_eq!(stored_payload(advised[0])["advice_id"], advice.id.to_string());
            assert_eq!(stored_payload(advised[1])["call"], "next-steps");
            Ok(())
        }

        // Issue 14: the facts' evidence ids are documents on the case. A request citing
        // anything else (an id never uploaded, or another case's document) is refused
        // before the plugin runs, naming the field, and nothing is recorded.
        fn advice_citing_evidence_not_on_the_case_is_refused_and_records_nothing(db) {
            use sendpanel_core::policy::{PluginCatalogue, Question, RegistryError};
            use sendpanel_core::time::FixedClock;
            let scope = authority(db, "torbay", 880)?;
            let (_, _, case) = stored_case(db, &scope, 3)?;
            let (_, _, other) = stored_case(db, &scope, 4)?;
            let host = host();
            let bytes = wasm("sendpanel-plugin-torbay");
            let (plugin, _) = vet(&host, &bytes)?;
            install(db, &scope, &plugin, bytes, Some(date(2023, 9, 1)))?;
            let catalogue = PluginCatalogue::new(host);
            let clock = FixedClock(sendpanel_tests::fixtures::at(6, 10));
            let caseworker = user(db, &scope, "caseworker@torbay.example", UserRole::Caseworker)?;
            let mut facts = carried_facts(&plugin);
            let real = cite_real_documents(db, &scope, case.id, caseworker.id, clock.0, &mut facts)?;
            // A document on another case of the same authority is not this case's.
            let mut theirs = carried_facts(&plugin);
            cite_real_documents(db, &scope, other.id, caseworker.id, clock.0, &mut theirs)?;

            let refused = |question: &Question, field: &str, id: &str| -> anyhow::Result<()> {
                match catalogue.advise(db, &scope, case.id, question, Some(caseworker.id), &clock) {
                    Err(RegistryError::EvidenceNotOnCase { field: named, rule }) => {
                        assert_eq!(named, field);
                        assert!(rule.contains(&format!("\"{id}\" is not a document on this case")), "{rule}");
                        assert!(rule.contains("upload it first"), "{rule}");
                    }
                    other => panic!("expected {field} to be refused, got {other:?}"),
                }
                Ok(())
            };
            let mut unknown = facts.clone();
            unknown.needs[0].evidence.push("doc-ep-1".into());
            refused(&Question::GraduatedResponse(unknown.clone()), "needs[0].evidence[1]", "doc-ep-1")?;
            let mut elsewhere = facts.clone();
            elsewhere.professionals[0].evidence = theirs.professionals[0].evidence.clone();
            let their_id = theirs.professionals[0].evidence[0].clone();
            refused(&Question::NextSteps(elsewhere), "professionals[0].evidence[0]", &their_id)?;
            let mut cycle = facts.clone();
            cycle.support_cycles[1].evidence = vec!["ssp-1".into()];
            let band = plugin
                .test_vectors()?
                .into_iter()
                .find_map(|v| match v.call {
                    TestCall::Banding(request) => Some(request),
                    _ => None,
                })
                .expect("a banding vector");
            refused(&Question::Banding(BandRequest { facts: cycle, ..band }), "facts.support_cycles[1].evidence[0]", "ssp-1")?;

            // Nothing recorded: no advice, no advice event.
            assert!(db.read(|tx| tx.advice_for_case(&scope, &case.id))?.is_empty());
            let events = db.read(|tx| tx.list_events(&scope, Some(case.id)))?;
            assert!(!events.iter().any(|e| e.kind() == EventKind::AdviceRecorded));

            // The same facts citing only this case's documents are advised on, and the
            // plugin's criteria cite those documents.
            assert_eq!(real.len(), 4);
            let advice = catalogue
                .advise(db, &scope, case.id, &Question::GraduatedResponse(facts), Some(caseworker.id), &clock)?
                .expect("advice from the plugin in force");
            assert_eq!(advice.outcome, "advice");
            let output = advice.output_json.unwrap_or_default();
            assert!(real.values().any(|id| output.contains(id.as_str())), "{output}");
            assert!(!output.contains("doc-senco-report"), "{output}");
            Ok(())
        }

        fn a_what_if_comparison_stops_at_its_caps_and_says_which(db) {
            use sendpanel_core::policy::{PluginCatalogue, Progress, Stopped, what_if, what_if_plan};
            let scope = authority(db, "torbay", 880)?;
            let host = host();
            let bytes = wasm("sendpanel-plugin-torbay");
            let (plugin, _) = vet(&host, &bytes)?;
            install(db, &scope, &plugin, bytes, Some(date(2023, 9, 1)))?;
            let facts = carried_facts(&plugin);
            for serial in 1..=3 {
                let (_, _, case) = stored_case(db, &scope, serial)?;
                let advice = plugin.graduated_response(&facts);
                db.write(|tx| tx.record_advice(&scope, &advice_record(&case.id, &advice)))?;
            }
            let run = |limits: Limits| {
                let catalogue = PluginCatalogue::new(PolicyHost::new(limits, None)?);
                let mut steps = Vec::new();
                let result = what_if(db, &catalogue, &scope, plugin.sha256(), &mut |step| {
                    steps.push(match step {
                        Progress::Started { planned, .. } => (0, planned),
                        Progress::Replayed { done, planned } => (done, planned),
                    });
                })?;
                anyhow::Ok((result, steps))
            };

            // Within the limits: all three compared, none changed, nothing stopped.
            let plan = what_if_plan(db, &scope, plugin.sha256(), &Limits::default())?;
            assert_eq!(plan.on_record, 3);
            let (all, steps) = run(Limits::default())?;
            assert_eq!(all.compared.len(), 3);
            assert_eq!(all.changed().count(), 0);
            assert_eq!(all.stopped, None);
            assert_eq!(all.stop_note(), None);
            assert_eq!(all.fuel_used, 3 * plugin.graduated_response(&facts).fuel_used);
            assert_eq!(steps, vec![(0, 3), (1, 3), (2, 3), (3, 3)]);

            // At most two replays: two compared, and the note says where it stopped.
            let (capped, steps) = run(Limits { what_if_replays: 2, ..Limits::default() })?;
            assert_eq!(capped.compared.len(), 2);
            assert_eq!(capped.stopped, Some(Stopped::Replays { max: 2 }));
            let note = capped.stop_note().expect("a note");
            assert!(note.starts_with("Stopped after 2 of 3: the limit of 2 replays"), "{note}");
            assert!(note.contains("what_if_replays"), "{note}");
            assert_eq!(steps, vec![(0, 2), (1, 2), (2, 2)]);

            // A fuel budget one replay uses up: the next is not started.
            let (frugal, _) = run(Limits { what_if_fuel: 1, ..Limits::default() })?;
            assert_eq!(frugal.compared.len(), 1);
            assert_eq!(frugal.stopped, Some(Stopped::Fuel { budget: 1 }));
            let note = frugal.stop_note().expect("a note");
            assert!(note.starts_with("Stopped after 1 of 3:"), "{note}");
            assert!(note.contains("what_if_fuel"), "{note}");

            // Nothing was recorded by any of it.
            let cases = db.read(|tx| tx.list_cases(&scope))?;
            for case in cases {
                assert_eq!(db.read(|tx| tx.advice_for_case(&scope, &case.id))?.len(), 1);
            }
            Ok(())
        }

        fn a_what_if_sums_the_yearly_top_up_on_record_and_with_the_candidate(db) {
            use sendpanel_core::policy::{PluginCatalogue, what_if};
            let scope = authority(db, "torbay", 880)?;
            let host = host();
            // On record: Torbay's costed mainstream banding (the £6,000 threshold, L204-205)
            // for each of its costed vectors, one case each.
            let bytes = wasm("sendpanel-plugin-torbay");
            let (today, _) = vet(&host, &bytes)?;
            install(db, &scope, &today, bytes, Some(date(2023, 9, 1)))?;
            let requests: Vec<_> = today.costed_test_vectors()?.into_iter().map(|v| v.call).collect();
            let mut before = 0;
            for (serial, request) in (1..).zip(&requests) {
                let (_, _, case) = stored_case(db, &scope, serial)?;
                let advice = today.costed_banding(request);
                if let Outcome::Advice(band) = &advice.outcome {
                    before += band.yearly_top_up;
                }
                db.write(|tx| tx.record_advice(&scope, &advice_record(&case.id, &advice)))?;
            }
            // The candidate: the component built against contract 1.0, which has no costed
            // banding and answers the band request inside it by its tariff alone.
            let (kept, _) = vet(&host, TORBAY_1_0)?;
            install(db, &scope, &kept, TORBAY_1_0.to_vec(), None)?;
            let after: i64 = requests
                .iter()
                .filter_map(|r| match kept.banding(&r.request).outcome {
                    Outcome::Advice(band) => Some(band.yearly_top_up),
                    _ => None,
                })
                .sum();
            assert_ne!(before, after, "the two plugins must differ for the sum to mean anything");

            let catalogue = PluginCatalogue::new(PolicyHost::new(Limits::default(), None)?);
            let result = what_if(db, &catalogue, &scope, kept.sha256(), &mut |_| {})?;
            let top_up = result.top_up();
            assert_eq!(top_up.answers, requests.len());
            assert_eq!((top_up.before_pence, top_up.after_pence), (before, after));
            assert_eq!(top_up.change_pence(), after - before);
            Ok(())
        }

        fn unavailable_advice_is_stored_with_its_named_reason(db) {
            // A registry plugin that loops: stored directly, as it has no vectors to vet.
            let scope = authority(db, "torbay", 880)?;
            let (_, _, case) = stored_case(db, &scope, 2)?;
            let bytes = wasm("sendpanel-hostile-loop");
            db.write(|tx| {
                tx.insert_plugin(
                    &scope,
                    &sendpanel_core::domain::NewPlugin {
                        authority_id: scope.authority().clone(),
                        policy_name: "loop".to_owned(),
                        policy_version: "0.0.1".to_owned(),
                        api_version: "1.0.0".to_owned(),
                        effective_from: date(2023, 4, 1),
                        bytes: bytes.clone(),
                    },
                )
            })?;
            let host = host();
            let looping = host.load(&bytes)?;
            let facts = carried_facts(&load("sendpanel-plugin-torbay"));
            let evaluation = looping.graduated_response(&facts);
            let stored = db.write(|tx| tx.record_advice(&scope, &advice_record(&case.id, &evaluation)))?;
            assert_eq!(stored.outcome, "unavailable");
            assert_eq!(stored.output_json, None);
            let reason: serde_json::Value = serde_json::from_str(stored.unavailable_reason.as_deref().unwrap_or("null"))?;
            assert_eq!(reason["kind"], "out-of-fuel");
            assert_eq!(reason["budget"], Limits::default().fuel);
            assert_eq!(u64::try_from(stored.fuel_used)?, Limits::default().fuel);
            Ok(())
        }
    }
}

#[test]
fn a_full_instance_pool_is_named_and_frees_up_afterwards() {
    // One slot: a looping evaluation holds it while another is refused, not queued.
    let host = PolicyHost::new(
        Limits {
            fuel: 20_000_000_000,
            concurrent_instances: 1,
            ..Limits::default()
        },
        None,
    )
    .unwrap();
    let torbay = host.load(&wasm("sendpanel-plugin-torbay")).unwrap();
    let looping = host.load(&wasm("sendpanel-hostile-loop")).unwrap();
    let facts = carried_facts(&torbay);
    let spinner = {
        let facts = facts.clone();
        std::thread::spawn(move || looping.graduated_response(&facts).outcome)
    };
    // The looping plugin burns 20 billion fuel: seconds. Give it time to take the slot.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let refused = match torbay.graduated_response(&facts).outcome {
        Outcome::Unavailable(Unavailable::Sandbox { detail }) => Some(detail),
        _ => None,
    };
    assert!(
        refused.is_some(),
        "an evaluation should be refused while the only slot is busy"
    );
    assert!(matches!(
        spinner.join().unwrap(),
        Outcome::Unavailable(Unavailable::OutOfFuel { .. })
    ));
    assert!(matches!(
        torbay.graduated_response(&facts).outcome,
        Outcome::Advice(_)
    ));
}

/// Vetting an upload runs the plugin's own vectors on a server thread: a plugin with
/// more vectors than the limit, or whose vectors together burn more than the vetting
/// budget, is refused naming the limit, so no upload can hold a thread for long.
#[test]
fn vetting_is_bounded_by_the_number_of_vectors_and_their_fuel_together() {
    use sendpanel_core::policy::{RegistryError, vet};
    let bytes = wasm("sendpanel-plugin-torbay");
    let bounded = |limits: Limits| PolicyHost::new(limits, None).unwrap();

    let few = bounded(Limits {
        max_vectors: 3,
        ..Limits::default()
    });
    match vet(&few, &bytes) {
        // The costed-banding vectors count towards the limit too.
        Err(RegistryError::TooManyVectors { count: 13, max: 3 }) => {}
        other => panic!("expected too many vectors, got {other:?}"),
    }

    let frugal = bounded(Limits {
        vet_fuel: 1_000,
        ..Limits::default()
    });
    let refused = vet(&frugal, &bytes);
    assert!(
        matches!(
            refused,
            Err(RegistryError::VetFuelExhausted { budget: 1_000 })
        ),
        "{refused:?}"
    );

    // Within both limits the same plugin passes, and the run says what it burnt.
    let (_, report) = vet(&host(), &bytes).unwrap();
    assert_eq!(report.passed, 13);
    assert!(report.fuel_used > 0 && !report.fuel_exhausted);
}

/// Issue 13: the demo installs each authority's plugin from bytes shipped in the binary
/// (`plugins/dist/`). Each is what these sources build, byte for byte: built here (with
/// the paths remapped, so a clone at any path builds the same bytes) and compared by
/// SHA-256. `SENDPANEL_WRITE_PLUGINS=1` rewrites the shipped files after a plugin changes.
#[test]
fn shipped_plugins_are_built_from_these_sources() {
    use sendpanel_core::demo::SHIPPED_PLUGINS;
    use sendpanel_core::domain::PluginHash;

    let rewrite = std::env::var_os("SENDPANEL_WRITE_PLUGINS").is_some();
    let dist = sendpanel_tests::plugins::workspace_root()
        .join("plugins")
        .join("dist");
    let mut stale = Vec::new();
    for shipped in SHIPPED_PLUGINS {
        let built = wasm(&format!("sendpanel-plugin-{}", shipped.authority));
        let (built_hash, shipped_hash) = (PluginHash::of(&built), PluginHash::of(shipped.bytes));
        if built_hash == shipped_hash {
            continue;
        }
        if rewrite {
            std::fs::write(dist.join(format!("{}.wasm", shipped.authority)), &built).unwrap();
        }
        stale.push(format!(
            "{}: shipped {shipped_hash}, built {built_hash}",
            shipped.authority
        ));
    }
    assert!(
        stale.is_empty() || rewrite,
        "plugins/dist/ is not what plugins/authorities/ builds; rebuild it with \
         SENDPANEL_WRITE_PLUGINS=1 cargo test -p sendpanel-tests --test suite shipped_plugins:\n{}",
        stale.join("\n")
    );
    // The shipped plugin is each authority's own.
    let host = host();
    for shipped in SHIPPED_PLUGINS {
        let plugin = host.load(shipped.bytes).unwrap();
        assert_eq!(plugin.info().authority, shipped.authority);
    }
}
