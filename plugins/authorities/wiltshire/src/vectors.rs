//! The answers Wiltshire's policy expects, carried in the component and checked on upload.

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

fn expect_band(code: &str, place: Pence, top_up: Pence, period_total: Pence) -> Expectation {
    Expectation::Band(BandExpectation {
        band_code: code.to_owned(),
        place_funding: place,
        yearly_top_up: top_up,
        period_total,
    })
}

/// A Year 4 child with significant cognition and learning needs, two reviewed cycles of
/// SEN Support beyond OPAL that brought little progress, and an educational psychologist.
pub fn evidenced_request() -> RequestFacts {
    FactsBuilder::new(date(2024, 10, 1))
        .requested_by(Requester::Setting)
        .age(8, 9, 4)
        .need(
            AreaOfNeed::CognitionAndLearning,
            NeedLevel::Significant,
            &["doc-senco-report"],
        )
        .cycle(
            AreaOfNeed::CognitionAndLearning,
            date(2023, 9, 11),
            Some(date(2023, 12, 15)),
            CycleOutcome::LittleOrNoProgress,
            pounds(2_100),
            &["doc-apdr-1"],
        )
        .cycle(
            AreaOfNeed::CognitionAndLearning,
            date(2024, 1, 8),
            Some(date(2024, 7, 19)),
            CycleOutcome::SomeProgress,
            pounds(3_900),
            &["doc-apdr-2"],
        )
        .professional(
            Professional::EducationalPsychologist,
            date(2024, 3, 4),
            Some(date(2024, 6, 14)),
            &["doc-ep-report"],
        )
        .attainment("maths", 18)
        .attendance(95)
        .build()
}

/// A parent's request with a moderate need and one reviewed cycle that went well.
pub fn early_request() -> RequestFacts {
    FactsBuilder::new(date(2024, 10, 1))
        .requested_by(Requester::Parent)
        .age(7, 2, 3)
        .need(
            AreaOfNeed::SocialEmotionalAndMentalHealth,
            NeedLevel::Moderate,
            &["doc-parent-letter"],
        )
        .cycle(
            AreaOfNeed::SocialEmotionalAndMentalHealth,
            date(2024, 1, 8),
            Some(date(2024, 7, 19)),
            CycleOutcome::GoodProgress,
            pounds(900),
            &["doc-apdr-1"],
        )
        .build()
}

/// A child with a severe, evidenced physical need, newly arrived at school.
fn severe_request() -> RequestFacts {
    FactsBuilder::new(date(2024, 10, 1))
        .age(6, 3, 2)
        .need(
            AreaOfNeed::SensoryAndPhysical,
            NeedLevel::Severe,
            &["doc-paediatrician"],
        )
        .build()
}

fn place(
    facts: RequestFacts,
    placement: SettingType,
    place_type: &str,
    period: Option<(Date, Date)>,
) -> BandRequest {
    BandRequest {
        facts,
        placement,
        place_type: place_type.to_owned(),
        support_tenths_per_week: None,
        period: period.map(|(starts, ends)| PlacementPeriod { starts, ends }),
    }
}

pub fn all() -> Vec<TestVector> {
    let reception = FactsBuilder::new(date(2024, 10, 1))
        .age(4, 8, 0)
        .setting(SettingType::Mainstream)
        .need(
            AreaOfNeed::CommunicationAndInteraction,
            NeedLevel::Significant,
            &["doc-setting-report"],
        )
        .build();
    let september = Some((date(2024, 9, 1), date(2025, 3, 31)));
    vec![
        TestVector {
            name: "two reviewed cycles beyond OPAL with little progress: assess".to_owned(),
            call: TestCall::GraduatedResponse(evidenced_request()),
            expect: expect_advice(
                Recommendation::Assess,
                &[
                    ("needs-evidenced", true),
                    ("opal-and-sen-support", true),
                    ("progress-despite-support", true),
                    ("specialist-involvement", true),
                ],
            ),
        },
        TestVector {
            name: "one cycle with good progress: do not assess".to_owned(),
            call: TestCall::GraduatedResponse(early_request()),
            expect: expect_advice(
                Recommendation::DoNotAssess,
                &[
                    ("needs-evidenced", false),
                    ("opal-and-sen-support", false),
                    ("progress-despite-support", false),
                ],
            ),
        },
        TestVector {
            name:
                "Reception without the Early Years Inclusion Advisers: more information (F002 L139)"
                    .to_owned(),
            call: TestCall::GraduatedResponse(reception),
            expect: expect_advice(
                Recommendation::MoreInformationNeeded,
                &[("early-years-inclusion", false), ("needs-evidenced", true)],
            ),
        },
        TestVector {
            name: "severe need evidenced: assess without waiting for cycles".to_owned(),
            call: TestCall::GraduatedResponse(severe_request()),
            expect: expect_advice(
                Recommendation::Assess,
                &[("needs-evidenced", true), ("opal-and-sen-support", false)],
            ),
        },
        TestVector {
            name: "special school, band three by best fit, whole year".to_owned(),
            call: TestCall::Banding(place(
                severe_request(),
                SettingType::Special,
                "best fit",
                None,
            )),
            expect: expect_band(
                "WIL-3",
                pounds(10_000),
                pounds(13_500),
                pounds(10_000 + 13_500),
            ),
        },
        TestVector {
            name: "mainstream lower band two from September: 7/12 of the top-up".to_owned(),
            call: TestCall::Banding(place(
                evidenced_request(),
                SettingType::Mainstream,
                "Lower band two",
                september,
            )),
            // £6,500 × 7/12 = £3,791.67; mainstream has no place funding from the band.
            expect: expect_band("WIL-L2", 0, pounds(6_500), 379_167),
        },
        TestVector {
            name: "band three has no mainstream rate: not covered".to_owned(),
            call: TestCall::Banding(place(severe_request(), SettingType::Mainstream, "", None)),
            expect: Expectation::Declined("not-covered".to_owned()),
        },
        TestVector {
            name: "best fit with no evidenced needs: missing fact".to_owned(),
            call: TestCall::Banding(place(
                FactsBuilder::new(date(2024, 10, 1)).build(),
                SettingType::Special,
                "best fit",
                None,
            )),
            expect: Expectation::Declined("missing-fact".to_owned()),
        },
        TestVector {
            name: "a period across 31 March: invalid fact".to_owned(),
            call: TestCall::Banding(place(
                evidenced_request(),
                SettingType::Special,
                "Lower band two",
                Some((date(2025, 1, 6), date(2025, 7, 18))),
            )),
            expect: Expectation::Declined("invalid-fact".to_owned()),
        },
        TestVector {
            name: "after a refusal: no set meeting, reasons and support instead".to_owned(),
            call: TestCall::NextSteps(early_request()),
            expect: Expectation::Plan(PlanExpectation {
                meeting_required: false,
                within_working_days: WITHIN_WORKING_DAYS,
            }),
        },
    ]
}
