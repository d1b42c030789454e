//! The answers Torbay expects, carried in the component and checked on upload.

use sendpanel_plugin::prelude::*;

use crate::next_steps::WITHIN_WORKING_DAYS;

fn expect_advice(recommendation: Recommendation, met: &[(&str, bool)]) -> Expectation {
    Expectation::Advice(AdviceExpectation {
        recommendation,
        criteria: met
            .iter()
            .map(|(id, met)| CriterionExpectation {
                id: (*id).to_owned(),
                met: *met,
            })
            .collect(),
    })
}

/// A Year 3 child with cognition and learning needs and two reviewed cycles of support
/// that brought little progress: the typical request Torbay assesses.
pub fn evidenced_request() -> RequestFacts {
    FactsBuilder::new(date(2023, 10, 2))
        .requested_by(Requester::Setting)
        .need(
            AreaOfNeed::CognitionAndLearning,
            NeedLevel::Significant,
            &["doc-senco-report"],
        )
        .cycle(
            AreaOfNeed::CognitionAndLearning,
            date(2022, 9, 5),
            Some(date(2022, 12, 16)),
            CycleOutcome::LittleOrNoProgress,
            pounds(1_800),
            &["doc-apdr-1"],
        )
        .cycle(
            AreaOfNeed::CognitionAndLearning,
            date(2023, 1, 4),
            Some(date(2023, 7, 20)),
            CycleOutcome::SomeProgress,
            pounds(3_400),
            &["doc-apdr-2"],
        )
        .professional(
            Professional::EducationalPsychologist,
            date(2023, 3, 1),
            Some(date(2023, 6, 12)),
            &["doc-ep-report"],
        )
        .attainment("reading", 30)
        .attendance(94)
        .build()
}

/// The same child with no reviewed cycles: the graduated response is not evidenced.
pub fn unevidenced_request() -> RequestFacts {
    FactsBuilder::new(date(2023, 10, 2))
        .requested_by(Requester::Parent)
        .need(
            AreaOfNeed::CognitionAndLearning,
            NeedLevel::Moderate,
            &["doc-parent-letter"],
        )
        .build()
}

fn special_place(place_type: &str, period: Option<PlacementPeriod>) -> BandRequest {
    BandRequest {
        facts: evidenced_request(),
        placement: SettingType::Special,
        place_type: place_type.to_owned(),
        support_tenths_per_week: None,
        period,
    }
}

pub fn all() -> Vec<TestVector> {
    let under_five = FactsBuilder::new(date(2023, 10, 2))
        .age(3, 4, -1)
        .setting(SettingType::EarlyYears)
        .need(
            AreaOfNeed::CommunicationAndInteraction,
            NeedLevel::Significant,
            &["doc-setting-report"],
        )
        .build();
    let profound = FactsBuilder::new(date(2023, 10, 2))
        .age(5, 1, 1)
        .need(
            AreaOfNeed::SensoryAndPhysical,
            NeedLevel::Profound,
            &["doc-paediatrician"],
        )
        .build();
    vec![
        TestVector {
            name: "evidenced graduated response: assess".to_owned(),
            call: TestCall::GraduatedResponse(evidenced_request()),
            expect: expect_advice(
                Recommendation::Assess,
                &[
                    ("needs-evidenced", true),
                    ("cycles-reviewed", true),
                    ("progress-limited", true),
                    ("specialist-advice", true),
                ],
            ),
        },
        TestVector {
            name: "no reviewed cycles: do not assess (L491)".to_owned(),
            call: TestCall::GraduatedResponse(unevidenced_request()),
            expect: expect_advice(
                Recommendation::DoNotAssess,
                &[("needs-evidenced", false), ("cycles-reviewed", false)],
            ),
        },
        TestVector {
            name: "under 5 without ASQ-3: more information (L570)".to_owned(),
            call: TestCall::GraduatedResponse(under_five),
            expect: expect_advice(
                Recommendation::MoreInformationNeeded,
                &[("asq3-screening", false)],
            ),
        },
        TestVector {
            name: "profound need evidenced: assess without waiting for cycles".to_owned(),
            call: TestCall::GraduatedResponse(profound),
            expect: expect_advice(Recommendation::Assess, &[("cycles-reviewed", false)]),
        },
        TestVector {
            name: "Combe Pafford autism place, whole year".to_owned(),
            call: TestCall::Banding(special_place("Combe Pafford: Autism", None)),
            expect: Expectation::Band(BandExpectation {
                band_code: "TOR-CP-AUT".to_owned(),
                place_funding: pounds(10_000),
                yearly_top_up: pounds(8_757),
                period_total: pounds(10_000 + 8_757 + 660),
            }),
        },
        TestVector {
            name: "Brunel SEMH place from September: 7/12".to_owned(),
            call: TestCall::Banding(special_place(
                "BB-SEMH",
                Some(PlacementPeriod {
                    starts: date(2023, 9, 1),
                    ends: date(2024, 3, 31),
                }),
            )),
            expect: Expectation::Band(BandExpectation {
                band_code: "TOR-BB-SEMH".to_owned(),
                place_funding: pounds(10_000),
                yearly_top_up: pounds(18_075),
                // 583,333 + 1,054,375 + 38,500 pence.
                period_total: 1_676_208,
            }),
        },
        TestVector {
            name: "mainstream top-up is not a tariff".to_owned(),
            call: TestCall::Banding(BandRequest {
                placement: SettingType::Mainstream,
                ..special_place("CP-AUT", None)
            }),
            expect: Expectation::Declined("not-covered".to_owned()),
        },
        TestVector {
            name: "Next Steps meeting after every refusal (L123)".to_owned(),
            call: TestCall::NextSteps(unevidenced_request()),
            expect: Expectation::Plan(PlanExpectation {
                meeting_required: true,
                within_working_days: WITHIN_WORKING_DAYS,
            }),
        },
    ]
}

/// A mainstream plan whose additional provision costs `pence` a year.
fn mainstream_costing(pence: Pence) -> CostedBandRequest {
    CostedBandRequest {
        request: BandRequest {
            placement: SettingType::Mainstream,
            place_type: "Mainstream".to_owned(),
            ..special_place("Mainstream", None)
        },
        provision: CostedProvision {
            yearly_cost: pence,
            support_tenths_per_week: Some(150),
        },
    }
}

/// The £6,000 threshold at each side of it, and a plan well above it.
pub fn costed() -> Vec<CostedTestVector> {
    let above = |pence: Pence, top_up: Pence| CostedTestVector {
        name: format!(
            "mainstream plan costed at {}: top-up {}",
            sendpanel_plugin::money::format_pounds(pence),
            sendpanel_plugin::money::format_pounds(top_up)
        ),
        call: mainstream_costing(pence),
        expect: Expectation::Band(BandExpectation {
            band_code: "TOR-MS-6K".to_owned(),
            place_funding: 0,
            yearly_top_up: top_up,
            period_total: top_up,
        }),
    };
    vec![
        above(599_999, 0),
        above(pounds(6_000), 0),
        above(600_001, 1),
        above(pounds(14_000), pounds(8_000)),
        CostedTestVector {
            name: "a special-school place is banded by the tariff, costs unused".to_owned(),
            call: CostedBandRequest {
                request: special_place("Combe Pafford: Autism", None),
                provision: CostedProvision {
                    yearly_cost: pounds(30_000),
                    support_tenths_per_week: None,
                },
            },
            expect: Expectation::Band(BandExpectation {
                band_code: "TOR-CP-AUT".to_owned(),
                place_funding: pounds(10_000),
                yearly_top_up: pounds(8_757),
                period_total: pounds(10_000 + 8_757 + 660),
            }),
        },
    ]
}
