//! The answers Leicestershire's policy expects, carried in the component and checked on
//! upload.

use sendpanel_plugin::prelude::*;

use crate::next_steps::{WITHIN_WORKING_DAYS, YEAR_6_WITHIN_WORKING_DAYS};

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

/// A Year 5 child with significant communication needs, two reviewed cycles of SEN Support,
/// the latest with little progress, a speech and language therapist, and persistent absence.
pub fn evidenced_request() -> RequestFacts {
    FactsBuilder::new(date(2025, 5, 6))
        .requested_by(Requester::Setting)
        .age(9, 11, 5)
        .need(
            AreaOfNeed::CommunicationAndInteraction,
            NeedLevel::Significant,
            &["doc-senco-report"],
        )
        .cycle(
            AreaOfNeed::CommunicationAndInteraction,
            date(2024, 4, 15),
            Some(date(2024, 7, 19)),
            CycleOutcome::SomeProgress,
            pounds(1_600),
            &["doc-apdr-1"],
        )
        .cycle(
            AreaOfNeed::CommunicationAndInteraction,
            date(2024, 9, 4),
            Some(date(2025, 2, 14)),
            CycleOutcome::LittleOrNoProgress,
            pounds(3_200),
            &["doc-apdr-2"],
        )
        .professional(
            Professional::SpeechAndLanguageTherapist,
            date(2024, 10, 1),
            Some(date(2025, 3, 12)),
            &["doc-salt-report"],
        )
        .attainment("reading", 20)
        .attendance(86)
        .build()
}

/// A Year 3 child whose support is working: one reviewed cycle with good progress.
pub fn progressing_request() -> RequestFacts {
    FactsBuilder::new(date(2025, 5, 6))
        .requested_by(Requester::Parent)
        .age(7, 4, 3)
        .need(
            AreaOfNeed::CognitionAndLearning,
            NeedLevel::Moderate,
            &["doc-school-report"],
        )
        .cycle(
            AreaOfNeed::CognitionAndLearning,
            date(2024, 9, 4),
            Some(date(2025, 2, 14)),
            CycleOutcome::GoodProgress,
            pounds(1_100),
            &["doc-apdr-1"],
        )
        .attendance(97)
        .build()
}

/// A request for a place; hours of support are `None` (the plan does not say).
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

/// A mainstream request with `tenths` of an hour of support a week (150 is 15 hours) in
/// the typed field; the place type names no hours.
fn mainstream_hours(facts: RequestFacts, tenths: u16) -> BandRequest {
    BandRequest {
        support_tenths_per_week: Some(tenths),
        ..place(facts, SettingType::Mainstream, "Mainstream", None)
    }
}

pub fn all() -> Vec<TestVector> {
    let no_reports = FactsBuilder::new(date(2025, 5, 6))
        .requested_by(Requester::Parent)
        .need(
            AreaOfNeed::SocialEmotionalAndMentalHealth,
            NeedLevel::Significant,
            &[],
        )
        .build();
    let emerging_early_years = FactsBuilder::new(date(2025, 5, 6))
        .age(3, 2, -1)
        .setting(SettingType::EarlyYears)
        .need(
            AreaOfNeed::CommunicationAndInteraction,
            NeedLevel::Emerging,
            &["doc-setting-report"],
        )
        .build();
    let year_6 = FactsBuilder::new(date(2025, 5, 6))
        .age(10, 9, 6)
        .need(
            AreaOfNeed::CognitionAndLearning,
            NeedLevel::Moderate,
            &["doc-school-report"],
        )
        .build();
    vec![
        TestVector {
            name: "latest review shows little progress after two cycles: assess".to_owned(),
            call: TestCall::GraduatedResponse(evidenced_request()),
            expect: expect_advice(
                Recommendation::Assess,
                &[
                    ("needs-evidenced", true),
                    ("sen-support-reviewed", true),
                    ("support-not-enough", true),
                    ("specialist-advice", true),
                    ("attendance", true),
                ],
            ),
        },
        TestVector {
            name: "support is working: do not assess".to_owned(),
            call: TestCall::GraduatedResponse(progressing_request()),
            expect: expect_advice(
                Recommendation::DoNotAssess,
                &[
                    ("needs-evidenced", true),
                    ("sen-support-reviewed", false),
                    ("support-not-enough", false),
                    ("attendance", false),
                ],
            ),
        },
        TestVector {
            name: "needs without any reports: more information".to_owned(),
            call: TestCall::GraduatedResponse(no_reports),
            expect: expect_advice(
                Recommendation::MoreInformationNeeded,
                &[("needs-evidenced", false)],
            ),
        },
        TestVector {
            name: "emerging needs in early years are what SENIF is for: do not assess (L443)"
                .to_owned(),
            call: TestCall::GraduatedResponse(emerging_early_years),
            expect: expect_advice(Recommendation::DoNotAssess, &[("early-years-senif", false)]),
        },
        TestVector {
            name: "mainstream, 15 hours a week, 2025/26 rate, whole year (L117, L119)".to_owned(),
            call: TestCall::Banding(mainstream_hours(evidenced_request(), 150)),
            // 15 × £423.53 (£410 illustrative + 3.3%) = £6,352.95.
            expect: expect_band("LEI-HRS-15", 0, 635_295, 635_295),
        },
        TestVector {
            name: "mainstream, 12.5 hours a week: half hours to the penny".to_owned(),
            call: TestCall::Banding(mainstream_hours(evidenced_request(), 125)),
            // 12.5 × £423.53 = £5,294.125, half a penny rounded away from zero.
            expect: expect_band("LEI-HRS-12.5", 0, 529_413, 529_413),
        },
        TestVector {
            name: "secondary resource base from September: 7/12".to_owned(),
            call: TestCall::Banding(place(
                evidenced_request(),
                SettingType::ResourcedProvision,
                "Resource base in a secondary school",
                Some((date(2025, 9, 1), date(2026, 3, 31))),
            )),
            // 583,333 place + 554,167 top-up pence.
            expect: expect_band("LEI-RB-SEC", pounds(10_000), pounds(9_500), 1_137_500),
        },
        TestVector {
            name: "a band of the unpublished banded model: not covered (L117)".to_owned(),
            call: TestCall::Banding(place(
                evidenced_request(),
                SettingType::Mainstream,
                "Band 2",
                None,
            )),
            expect: Expectation::Declined("not-covered".to_owned()),
        },
        TestVector {
            name: "a private place is commissioned, not tariffed: not covered (L127)".to_owned(),
            call: TestCall::Banding(place(
                evidenced_request(),
                SettingType::Independent,
                "Independent special school",
                None,
            )),
            expect: Expectation::Declined("not-covered".to_owned()),
        },
        TestVector {
            name: "mainstream without support-tenths-per-week: missing fact".to_owned(),
            call: TestCall::Banding(place(
                evidenced_request(),
                SettingType::Mainstream,
                "Mainstream",
                None,
            )),
            expect: Expectation::Declined("missing-fact".to_owned()),
        },
        TestVector {
            name: "more than full time (32 hours): invalid fact".to_owned(),
            call: TestCall::Banding(mainstream_hours(evidenced_request(), 400)),
            expect: Expectation::Declined("invalid-fact".to_owned()),
        },
        TestVector {
            name: "no hours of support (0): invalid fact".to_owned(),
            call: TestCall::Banding(mainstream_hours(evidenced_request(), 0)),
            expect: Expectation::Declined("invalid-fact".to_owned()),
        },
        TestVector {
            name: "illustrative Next Steps meeting after a refusal".to_owned(),
            call: TestCall::NextSteps(progressing_request()),
            expect: Expectation::Plan(PlanExpectation {
                meeting_required: true,
                within_working_days: WITHIN_WORKING_DAYS,
            }),
        },
        TestVector {
            name: "Year 6: sooner, to settle Year 7 (L131-L141)".to_owned(),
            call: TestCall::NextSteps(year_6),
            expect: Expectation::Plan(PlanExpectation {
                meeting_required: true,
                within_working_days: YEAR_6_WITHIN_WORKING_DAYS,
            }),
        },
    ]
}
