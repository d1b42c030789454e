//! Band and funding commitments and the funding ledger, on both databases: Torbay's
//! special-school allocations for 2023/24 rebuilt from commitments; an admin confirms
//! the plugin's band, departs from it only with reasons, and changes it by a new
//! commitment from a later day, which the ledger reads as ending the first; two
//! admins committing at once on the same state record one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Barrier};

use chrono::Utc;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    CaseId, CommitmentId, CommitmentSource, EducationSetting, EducationSettingId, EventKind,
    FundingCommitment, FundingElement, FundingModel, HoursTerms, PlacementId, ProviderKind, UserId,
    UserRole,
};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::placement::decision::{DecidePlacement, decide_placement, placements_for};
use sendpanel_core::placement::funding::{
    BandTerms, CommitFunding, commit_funding, commitments_for,
};
use sendpanel_core::placement::ledger::{FinancialYear, build_ledger, ledger_csv, ledger_for};
use sendpanel_core::placement::register::{NewEducationSetting, add_setting};
use sendpanel_core::policy::contract::{SettingType, TestCall};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, Question, install, vet};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database, StoreError};
use sendpanel_core::time::FixedClock;
use sendpanel_core::workflow::WorkflowError;
use sendpanel_tests::both_backends;
use sendpanel_tests::cited::cite_real_documents;
use sendpanel_tests::fixtures::{authority, date, user};
use sendpanel_tests::journey::{on, plan_issued_on_10_january_2024};
use sendpanel_tests::plugins::wasm;

/// One row of Torbay's "Special School Funding Allocations 23/24" (seed 001
/// L316-350): setting, place type, places agreed from April and from September 2023,
/// pupils in January 2023, and the per-pupil top-up above £10,000 in pounds.
const TORBAY_2023_24: [(&str, &str, i64, i64, i64, i64); 16] = [
    ("Combe Pafford", "Autism", 83, 92, 92, 8_757),
    ("Combe Pafford", "BESD 1", 19, 19, 16, 9_708),
    ("Combe Pafford", "SLD", 5, 5, 2, 9_498),
    ("Combe Pafford", "Hearing", 1, 2, 1, 9_288),
    ("Combe Pafford", "MLD 1", 27, 17, 32, 940),
    ("Combe Pafford", "MLD 2", 42, 42, 34, 2_392),
    ("Combe Pafford", "MLD 3", 30, 30, 30, 4_330),
    ("Combe Pafford", "PD", 17, 17, 16, 8_757),
    ("Combe Pafford", "SpecLD", 3, 3, 4, 4_226),
    ("Combe Pafford", "SLCN", 37, 37, 41, 8_476),
    ("Combe Pafford", "Visual", 1, 1, 0, 14_556),
    ("Mayfield & Chestnut", "PMLD", 45, 45, 41, 17_538),
    (
        "Mayfield & Chestnut",
        "BESD1 - Chestnut",
        32,
        32,
        32,
        15_423,
    ),
    ("Mayfield & Chestnut", "SLD", 186, 186, 188, 9_393),
    (
        "Brunel & Burton",
        "Brunel - SEMH Pupils",
        56,
        55,
        55,
        18_075,
    ),
    (
        "Brunel & Burton",
        "Burton - Alternative Provision Pupils",
        55,
        55,
        46,
        13_206,
    ),
];

/// Whole pounds, as the paper prints them.
fn pounds(pence: i64) -> i64 {
    (pence + 50).div_euclid(100)
}

/// A commitment on its own case that runs over exactly the count days asked for: from
/// the first (January census 2023, 1 April, 1 September) to the last.
fn commitment_over(
    setting: EducationSettingId,
    band: &str,
    top_up_pounds: i64,
    (january, april, september): (bool, bool, bool),
) -> FundingCommitment {
    let starts_on = if january {
        date(2023, 1, 1)
    } else if april {
        date(2023, 4, 1)
    } else {
        date(2023, 9, 1)
    };
    assert!(
        !(january && !april && september),
        "a gap cannot be one commitment"
    );
    let ends_on = if september {
        None
    } else if april {
        Some(date(2023, 8, 31))
    } else {
        Some(date(2023, 3, 31))
    };
    FundingCommitment {
        id: CommitmentId::new(),
        case_id: CaseId::new(),
        placement_id: PlacementId::new(),
        setting_id: setting,
        model: FundingModel::Bands,
        hours: None,
        band_code: band.to_owned(),
        band_title: band.to_owned(),
        place_funding_pence: 1_000_000,
        top_up_pence: top_up_pounds * 100,
        other_elements: vec![FundingElement {
            name: "Teachers' Pay and Pensions".into(),
            yearly_pence: 66_000,
        }],
        source: CommitmentSource {
            advice_id: None,
            plugin_sha256: None,
            tariff_rule: None,
            departs_from_advice: false,
        },
        reasons: None,
        starts_on,
        ends_on,
        decided_by: UserId::new(),
        decided_at: Utc::now(),
    }
}

#[test]
fn torbays_special_school_allocations_for_2023_24_are_rebuilt_from_commitments() {
    let torbay = sendpanel_core::domain::AuthorityId::parse("torbay").unwrap();
    let settings: Vec<EducationSetting> =
        ["Brunel & Burton", "Combe Pafford", "Mayfield & Chestnut"]
            .into_iter()
            .map(|name| EducationSetting {
                id: EducationSettingId::new(),
                authority_id: torbay.clone(),
                urn: None,
                name: name.to_owned(),
                kind: ProviderKind::Special,
                in_area: true,
                created_at: Utc::now(),
            })
            .collect();
    let setting = |name: &str| settings.iter().find(|s| s.name == name).unwrap().id;
    // One commitment per child: the k-th runs on each count day whose figure is above k.
    let mut commitments = Vec::new();
    for (school, band, april, september, january, top_up) in TORBAY_2023_24 {
        for k in 0..april.max(september).max(january) {
            let (j, a, s) = (k < january, k < april, k < september);
            if j && !a && s {
                // A pupil in January who left by April, and another child placed from
                // September: two children, two commitments.
                commitments.push(commitment_over(
                    setting(school),
                    band,
                    top_up,
                    (true, false, false),
                ));
                commitments.push(commitment_over(
                    setting(school),
                    band,
                    top_up,
                    (false, false, true),
                ));
            } else {
                commitments.push(commitment_over(setting(school), band, top_up, (j, a, s)));
            }
        }
    }
    commitments.sort_by_key(|c| (c.case_id, c.starts_on));
    let ledger = build_ledger(
        FinancialYear::starting(2023),
        FundingModel::Bands,
        &commitments,
        &[],
        &settings,
        date(2023, 11, 1),
    );
    assert_eq!(ledger.count_days.january, date(2023, 1, 19));

    // Each setting's totals as the paper prints them (L337, L349, L360).
    let totals: Vec<(&str, i64, i64, i64, i64, i64, i64)> = ledger
        .settings
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.total.places_april,
                s.total.places_september,
                s.total.pupils_january,
                pounds(s.total.place_funding_pence),
                pounds(s.total.pupil_funding_pence),
                pounds(s.total.other_funding_pence),
            )
        })
        .collect();
    assert_eq!(
        totals,
        vec![
            // Teachers' Pay and Pensions, £660 a place: Brunel's £36,575 and Burton's £36,300.
            (
                "Brunel & Burton",
                111,
                110,
                101,
                1_104_167,
                1_601_601,
                36_575 + 36_300
            ),
            (
                "Combe Pafford",
                265,
                265,
                268,
                2_650_000,
                1_735_096,
                174_900
            ),
            (
                "Mayfield & Chestnut",
                263,
                263,
                261,
                2_630_000,
                2_978_478,
                173_580
            ),
        ]
    );
    // The overall totals (L361): places 639 and 638, pupils 630, £6,384,167 and £6,315,175.
    let all = &ledger.total;
    assert_eq!(
        (all.places_april, all.places_september, all.pupils_january),
        (639, 638, 630)
    );
    assert_eq!(
        (
            pounds(all.place_funding_pence),
            pounds(all.pupil_funding_pence)
        ),
        (6_384_167, 6_315_175)
    );

    // Row by row: Hearing (1 place from April, 2 from September) is £15,833 of place
    // funding; MLD 1 (27 then 17) £211,667; Visual has a place and no pupil.
    let combe = ledger
        .settings
        .iter()
        .find(|s| s.name == "Combe Pafford")
        .unwrap();
    let row = |band: &str| {
        &combe
            .rows
            .iter()
            .find(|r| r.band_code == band)
            .unwrap()
            .figures
    };
    assert_eq!(pounds(row("Hearing").place_funding_pence), 15_833);
    assert_eq!(pounds(row("MLD 1").place_funding_pence), 211_667);
    assert_eq!(
        (
            row("Visual").places_april,
            row("Visual").pupils_january,
            row("Visual").pupil_funding_pence
        ),
        (1, 0, 0)
    );

    // The spreadsheet carries the same rows and totals, formula-safe.
    let csv = String::from_utf8(ledger_csv(&ledger).unwrap()).unwrap();
    assert!(
        csv.contains("Combe Pafford,,Total,265,265,268,2650000.00,1735096.00,174900.00,4559996.00"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .last()
            .unwrap()
            .starts_with("All settings,,Total,639,638,630,6384166.67,6315175.00,"),
        "{csv}"
    );
}

fn services(db: &Database) -> Services {
    Services {
        db: db.clone(),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(on(2024, 2, 1)),
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

fn refused_on(result: Result<impl std::fmt::Debug, WorkflowError>) -> (&'static str, String) {
    match result {
        Err(WorkflowError::Invalid { field, rule }) => (field, rule),
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

struct Placed {
    s: Services,
    admin: Actor,
    case: CaseId,
    placement: PlacementId,
}

/// A plan issued in January 2024 with a special-school placement from 1 September 2023.
fn placed(db: &Database, serial: u16) -> Placed {
    let torbay = authority(db, "torbay", 880).unwrap();
    let s = services(db);
    let admin = actor(
        db,
        &torbay,
        &format!("admin{serial}@torbay.example"),
        UserRole::Admin,
    );
    let caseworker = user(
        db,
        &torbay,
        &format!("cw{serial}@torbay.example"),
        UserRole::Caseworker,
    )
    .unwrap();
    let chair = user(
        db,
        &torbay,
        &format!("chair{serial}@torbay.example"),
        UserRole::PanelChair,
    )
    .unwrap();
    let case = plan_issued_on_10_january_2024(db, &torbay, serial, caseworker.id, chair.id);
    let school = add_setting(
        &s,
        &admin,
        &NewEducationSetting {
            name: format!("Combe Pafford {serial}"),
            urn: None,
            kind: "special".into(),
            in_area: Some(true),
        },
    )
    .unwrap();
    let placement = decide_placement(
        &s,
        &admin,
        case,
        &DecidePlacement {
            setting: school.id,
            starts_on: date(2023, 9, 1),
            parental_preference: None,
            mainstream_requested: false,
            reasons: "Needs in section F can be met there (illustrative)".into(),
            independent_justification: None,
            education_pence: 1_941_700,
            health_pence: 120_000,
            social_care_pence: 0,
            expected_latest: None,
        },
    )
    .unwrap();
    Placed {
        s,
        admin,
        case,
        placement: placement.id,
    }
}

fn band(code: &str, top_up_pence: i64) -> BandTerms {
    BandTerms {
        band_code: code.into(),
        band_title: format!("Illustrative band {code}"),
        place_funding_pence: 1_000_000,
        top_up_pence,
    }
}

both_backends! {
    fn a_case_moves_from_hours_to_a_band_and_each_ledger_counts_its_part(db) {
        let Placed { s, admin, case, placement } = placed(db, 2);
        // Illustrative: 15 hours a week for 39 weeks at £18.50 an hour, which is
        // 15 × 39 × £18.50 = £10,822.50 a year.
        let hours = HoursTerms { tenths_per_week: 150, hourly_rate_pence: 1_850, weeks_per_year: 39 };
        let by_hours = CommitFunding {
            placement,
            advice: None,
            band: None,
            hours: Some(hours),
            other_elements: Vec::new(),
            reasons: Some("Funded by the hour until the move to bands (illustrative)".into()),
            starts_on: date(2023, 9, 1),
            ends_on: None,
            expected_latest: None,
        };
        for (bad, field) in [
            (CommitFunding { band: Some(band("X", 0)), ..by_hours.clone() }, "hours"),
            (CommitFunding { reasons: None, ..by_hours.clone() }, "reasons"),
            (CommitFunding { hours: Some(HoursTerms { tenths_per_week: 0, ..hours }), ..by_hours.clone() }, "tenths_per_week"),
            (CommitFunding { hours: Some(HoursTerms { weeks_per_year: 53, ..hours }), ..by_hours.clone() }, "weeks_per_year"),
            (CommitFunding { hours: Some(HoursTerms { hourly_rate_pence: 0, ..hours }), ..by_hours.clone() }, "hourly_rate_pence"),
        ] {
            assert_eq!(refused_on(commit_funding(&s, &admin, case, &bad)).0, field);
        }
        assert!(commitments_for(&s, &admin, case)?.is_empty(), "nothing refused was recorded");
        let first = commit_funding(&s, &admin, case, &by_hours)?;
        assert_eq!((first.model, first.hours, first.top_up_pence, first.place_funding_pence), (FundingModel::Hours, Some(hours), 1_082_250, 0));
        let events = db.read(|tx| tx.list_events(&admin.scope, Some(case)))?;
        let CaseEvent::FundingCommitted(committed) = &events.last().unwrap().fact else { panic!() };
        assert_eq!(committed.model, FundingModel::Hours);

        // The change-over: a band from 1 January 2024, a new commitment.
        let banded = commit_funding(&s, &admin, case, &CommitFunding {
            band: Some(band("ILL-2", 600_000)),
            hours: None,
            reasons: Some("Moved to the band model (illustrative)".into()),
            starts_on: date(2024, 1, 1),
            expected_latest: Some(first.id),
            ..by_hours.clone()
        })?;
        assert_eq!(banded.model, FundingModel::Bands);
        let listed = commitments_for(&s, &admin, case)?;
        assert_eq!(listed.iter().map(|c| (c.id, c.model)).collect::<Vec<_>>(), vec![(banded.id, FundingModel::Bands), (first.id, FundingModel::Hours)]);

        // 2023/24 on each model: the hours from September to December, the band from
        // January; neither counts the other's months.
        let hours_ledger = ledger_for(&s, &admin, FinancialYear::starting(2023), FundingModel::Hours)?;
        let band_ledger = ledger_for(&s, &admin, FinancialYear::starting(2023), FundingModel::Bands)?;
        assert_eq!((hours_ledger.model, band_ledger.model), (FundingModel::Hours, FundingModel::Bands));
        let month = |ledger: &sendpanel_core::placement::ledger::FundingLedger, m: u32| {
            ledger.months.iter().find(|c| c.month == date(if m < 4 { 2024 } else { 2023 }, m, 1)).unwrap().pence
        };
        // A twelfth a month, to the penny: £10,822.50 / 12 = £901.875, so £901.88; the
        // band's £16,000 / 12 = £1,333.33.
        for m in [9, 10, 11, 12] {
            assert_eq!(month(&hours_ledger, m), 90_188, "hours in month {m}");
            assert_eq!(month(&band_ledger, m), 0, "no band in month {m}");
        }
        for m in [1, 2, 3] {
            assert_eq!(month(&hours_ledger, m), 0, "the hours ended before month {m}");
            assert_eq!(month(&band_ledger, m), 133_333, "the band in month {m}");
        }
        // The September count is the hours model's: one place there, none in the band's.
        assert_eq!(hours_ledger.total.places_september, 1);
        assert_eq!(band_ledger.total.places_september, 0);
        assert_eq!(hours_ledger.settings[0].rows[0].band_code, "HOURS");
        Ok(())
    }

    fn an_admin_confirms_the_plugins_band_and_departs_from_it_only_with_reasons(db) {
        let Placed { s, admin, case, placement } = placed(db, 1);
        // Torbay's plugin, in force from September 2023, advises a band for an autism place.
        let host = PolicyHost::new(Limits::default(), None)?;
        let bytes = wasm("sendpanel-plugin-torbay");
        let (plugin, _) = vet(&host, &bytes)?;
        install(db, &admin.scope, &plugin, bytes, Some(date(2023, 9, 1)))?;
        let mut request = plugin
            .test_vectors()?
            .into_iter()
            .find_map(|v| match v.call {
                TestCall::Banding(r) if r.placement == SettingType::Special && r.period.is_none() => Some(r),
                _ => None,
            })
            .expect("a whole-year special-school banding vector");
        let clock = FixedClock(sendpanel_tests::fixtures::at(6, 10));
        let real = cite_real_documents(db, &admin.scope, case, admin.user, clock.0, &mut request.facts)?;
        let advice = PluginCatalogue::new(host)
            .advise(db, &admin.scope, case, &Question::Banding(request), Some(admin.user), &clock)?
            .expect("banding advice");

        // Confirmed as advised: the plugin's band and amounts, where they came from.
        let confirm = CommitFunding {
            placement,
            advice: Some(advice.id),
            band: None,
            hours: None,
            other_elements: vec![FundingElement { name: "Teachers' Pay and Pensions".into(), yearly_pence: 66_000 }],
            reasons: None,
            starts_on: date(2023, 9, 1),
            ends_on: None,
            expected_latest: None,
        };
        let first = commit_funding(&s, &admin, case, &confirm)?;
        assert_eq!((first.band_code.as_str(), first.place_funding_pence, first.top_up_pence), ("TOR-CP-AUT", 1_000_000, 875_700));
        assert!(!first.source.departs_from_advice);
        assert_eq!(first.source.advice_id, Some(advice.id));
        assert_eq!(first.source.plugin_sha256.as_ref(), Some(plugin.sha256()));
        assert!(first.source.tariff_rule.as_deref().unwrap_or("").contains("L316"));
        let events = db.read(|tx| tx.list_events(&admin.scope, Some(case)))?;
        let CaseEvent::FundingCommitted(committed) = &events.last().unwrap().fact else { panic!("{:?}", events.last()) };
        assert_eq!((committed.commitment, committed.top_up_pence, committed.departs_from_advice), (first.id, 875_700, false));

        // A different top-up departs from the advice: refused without reasons, naming
        // them, with nothing written; with reasons it is a new commitment from January.
        let departing = CommitFunding {
            band: Some(band("TOR-CP-AUT", 1_200_000)),
            starts_on: date(2024, 1, 1),
            expected_latest: Some(first.id),
            ..confirm.clone()
        };
        let (field, rule) = refused_on(commit_funding(&s, &admin, case, &departing));
        assert_eq!(field, "reasons");
        assert!(rule.contains("departs from the plugin's advice"), "{rule}");
        let second = commit_funding(&s, &admin, case, &CommitFunding {
            reasons: Some("Two-to-one support at lunch, agreed at the annual review (illustrative)".into()),
            ..departing.clone()
        })?;
        assert!(second.source.departs_from_advice);
        let listed = commitments_for(&s, &admin, case)?;
        assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), vec![second.id, first.id], "latest first; the first kept");

        // Bad parts are named and change nothing.
        for (bad, field) in [
            (CommitFunding { band: Some(BandTerms { band_code: " ".into(), ..band("X", 0) }), reasons: Some("r".into()), ..departing.clone() }, "band_code"),
            (CommitFunding { band: Some(band("X", -1)), reasons: Some("r".into()), ..departing.clone() }, "top_up_pence"),
            (CommitFunding { ends_on: Some(date(2023, 12, 31)), ..departing.clone() }, "ends_on"),
            (CommitFunding { starts_on: date(2023, 8, 31), ends_on: None, ..departing.clone() }, "starts_on"),
            (CommitFunding { placement: PlacementId::new(), ..departing.clone() }, "placement"),
            (CommitFunding { advice: None, band: None, ..departing.clone() }, "band"),
            (CommitFunding { advice: None, band: Some(band("X", 0)), reasons: None, ..departing.clone() }, "reasons"),
            (CommitFunding { advice: Some(sendpanel_core::domain::AdviceId::new()), ..departing.clone() }, "advice"),
        ] {
            let bad = CommitFunding { expected_latest: Some(second.id), ..bad };
            assert_eq!(refused_on(commit_funding(&s, &admin, case, &bad)).0, field);
        }
        // A stale view of the case's commitments is a conflict; a caseworker may not commit.
        assert!(matches!(commit_funding(&s, &admin, case, &CommitFunding { reasons: Some("r".into()), ..departing.clone() }), Err(WorkflowError::Store(StoreError::Conflict(_)))));
        let caseworker = actor(db, &admin.scope, "cw-other@torbay.example", UserRole::Caseworker);
        assert!(matches!(commit_funding(&s, &caseworker, case, &CommitFunding { expected_latest: Some(second.id), ..confirm.clone() }), Err(WorkflowError::NotAllowed { .. })));
        assert_eq!(commitments_for(&s, &admin, case)?.len(), 2, "nothing refused was recorded");

        // The ledger for 2023/24 runs the first commitment until the day before the
        // second: one place from September (7/12 of £10,000), the January 2023 census
        // before the placement so no pupil, Teachers' Pay and Pensions with the place;
        // the months from January cost the new top-up.
        let ledger = ledger_for(&s, &admin, FinancialYear::starting(2023), FundingModel::Bands)?;
        assert_eq!(ledger.settings.len(), 1);
        let figures = &ledger.settings[0].rows[0].figures;
        assert_eq!((figures.places_april, figures.places_september, figures.pupils_january), (0, 1, 0));
        assert_eq!((figures.place_funding_pence, figures.other_funding_pence), (583_333, 38_500));
        let month = |m: u32| ledger.months.iter().find(|c| c.month == date(if m < 4 { 2024 } else { 2023 }, m, 1)).unwrap();
        assert_eq!(month(8).pence, 0);
        assert_eq!(month(9).pence, (1_000_000 + 875_700 + 66_000) / 12);
        assert_eq!(month(1).pence, (1_000_000 + 1_200_000 + 66_000) / 12);
        assert!(month(1).begun && !month(3).begun, "the clock is 1 February 2024");
        // The placement's shares for September to March, health paying part.
        assert_eq!((ledger.placements.cases, ledger.placements.joint_funded_cases), (1, 1));
        assert_eq!(ledger.placements.education_pence, 1_941_700 * 7 / 12);
        assert_eq!(ledger.placements.health_pence, 70_000);
        // In 2024/25 the September count holds the new band only.
        let next = ledger_for(&s, &admin, FinancialYear::starting(2024), FundingModel::Bands)?;
        let figures = &next.settings[0].rows[0].figures;
        assert_eq!((figures.places_april, figures.pupils_january, figures.pupil_funding_pence), (1, 1, 1_200_000));

        // Back-dating a change before the latest commitment's first day is refused: the
        // ledger would cut it short and fund the older band again.
        let back_dated = CommitFunding { starts_on: date(2023, 12, 1), reasons: Some("r".into()), expected_latest: Some(second.id), ..departing.clone() };
        let (field, rule) = refused_on(commit_funding(&s, &admin, case, &back_dated));
        assert_eq!(field, "starts_on");
        assert!(rule.contains("latest commitment"), "{rule}");

        // Contract 1.1: the plan's costed provision, banded by Torbay's £6,000 rule, and
        // that advice confirmed as given from April 2024.
        let host = PolicyHost::new(Limits::default(), None)?;
        let mut costed = plugin
            .costed_test_vectors()?
            .into_iter()
            .map(|v| v.call)
            .find(|c| c.request.placement == SettingType::Mainstream && c.provision.yearly_cost == 1_400_000)
            .expect("the £14,000 vector");
        // The same evidence as the first question: the documents are on the case already.
        sendpanel_tests::cited::replace_ids(&mut costed.request.facts, &real);
        let costed_advice = PluginCatalogue::new(host)
            .advise(db, &admin.scope, case, &Question::CostedBanding(costed), Some(admin.user), &clock)?
            .expect("costed banding advice");
        assert_eq!(costed_advice.call, "costed-banding");
        let third = commit_funding(&s, &admin, case, &CommitFunding {
            advice: Some(costed_advice.id),
            band: None,
            other_elements: vec![],
            reasons: None,
            starts_on: date(2024, 4, 1),
            expected_latest: Some(second.id),
            ..confirm.clone()
        })?;
        assert_eq!((third.band_code.as_str(), third.place_funding_pence, third.top_up_pence), ("TOR-MS-6K", 0, 800_000));
        assert!(!third.source.departs_from_advice);

        // Funding runs while its placement does: once the case has a new placement from
        // September 2024, the old one cannot be funded from that day.
        let school = placements_for(&s, &admin, case)?[0].terms.setting_id;
        let moved = decide_placement(&s, &admin, case, &DecidePlacement {
            setting: school,
            starts_on: date(2024, 9, 1),
            parental_preference: None,
            mainstream_requested: true,
            reasons: "The family asked for a mainstream place (illustrative)".into(),
            independent_justification: None,
            education_pence: 0,
            health_pence: 0,
            social_care_pence: 0,
            expected_latest: Some(placement),
        })?;
        let stale_placement = CommitFunding { starts_on: date(2024, 9, 1), band: Some(band("ILL-2", 0)), reasons: Some("r".into()), expected_latest: Some(third.id), ..confirm.clone() };
        let (field, rule) = refused_on(commit_funding(&s, &admin, case, &stale_placement));
        assert_eq!(field, "starts_on");
        assert!(rule.contains("next placement starts on 2024-09-01"), "{rule}");
        commit_funding(&s, &admin, case, &CommitFunding { placement: moved.id, ..stale_placement })?;
        Ok(())
    }

    fn two_admins_committing_at_once_on_the_same_state_record_one(db) {
        let Placed { s, admin, case, placement } = placed(db, 2);
        let other = actor(db, &admin.scope, "admin-two@torbay.example", UserRole::Admin);
        let barrier = Arc::new(Barrier::new(2));
        let results: Vec<_> = [admin.clone(), other]
            .into_iter()
            .map(|who| {
                let (s, barrier) = (s.clone(), barrier.clone());
                let command = CommitFunding {
                    placement,
                    advice: None,
                    band: Some(band("ILL-1", 500_000)),
                    hours: None,
                    other_elements: vec![],
                    reasons: Some("No plugin in force; the authority's published band (illustrative)".into()),
                    starts_on: date(2023, 9, 1),
                    ends_on: None,
                    expected_latest: None,
                };
                std::thread::spawn(move || { barrier.wait(); commit_funding(&s, &who, case, &command) })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(WorkflowError::Store(StoreError::Conflict(_))))), "{results:?}");
        assert_eq!(commitments_for(&s, &admin, case)?.len(), 1);
        let events = db.read(|tx| tx.list_events(&admin.scope, Some(case)))?;
        assert_eq!(events.iter().filter(|e| e.kind() == EventKind::FundingCommitted).count(), 1);
        Ok(())
    }
}
