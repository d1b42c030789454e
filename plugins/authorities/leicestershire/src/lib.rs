//! Leicestershire County Council's policy, from its own papers as
//! `shared/domain/leicestershire.md` reads them. `L117` is line 117 of seed 003, the
//! Children and Families Overview and Scrutiny Committee pack of 4 March 2025. The pack's
//! SEND content is small (leicestershire.md L25–L59): it gives **no graduated-response
//! criteria, no band values and no next-steps meetings**, so much of this plugin is
//! **illustrative** and says so, in the docs and in the text it returns.
//!
//! - **Graduated response** (L2257, L443, L460, L1686): the departmental plan wants "needs
//!   … identified as early as possible so that timely and appropriate support is provided
//!   in the right setting, therefore reducing the risk of needs escalating" (L2257); in
//!   early years the SEN Inclusion Fund (SENIF) "should be targeted at children with lower
//!   level or emerging special educational needs" (L443), beside "children with high SEN
//!   levels" (L460); the pack reports persistent absence (L1686). The criteria weigh those
//!   things. Their thresholds are illustrative: two reviewed cycles in 24 months,
//!   specialist contact in 12 months, an attainment gap of 24 months, attendance below 90%
//!   (missing 10% or more of sessions is the national persistent-absence measure).
//! - **Banding** (L107–L127): Leicestershire "continues to fund mainstream EHCP's based on
//!   hours of provision" and is developing a banded model "co-produced with schools" (L117)
//!   whose bands are not published; the 2025/26 MTFS proposes "a 3.3% increase in the rate
//!   payable to mainstream schools for pupils with EHCP's" (L119). So mainstream top-up here
//!   is the council's own **hours-based model**: hours a week × a yearly rate per weekly hour,
//!   the 2025/26 rate being the 2024/25 rate plus 3.3%, to the penny. The hours come only
//!   from the band request's typed `support-tenths-per-week` field, in tenths of an hour (150
//!   is 15 hours, 125 is 12.5), never from the free-text place type: a mainstream request
//!   without it is a missing fact, and 0 or more than full time (32 hours, 320 tenths) an
//!   invalid fact. **The 2024/25 rate of
//!   £410 per weekly hour is illustrative**: the papers give none. The £8,000 for 32 hours
//!   in a public question (L107) was neither confirmed nor denied (L111), so it is not used.
//!   A request for a band of the new model is declined as not covered rather than invented.
//!   Resource bases, where "funding is higher" (L115; 32 of them, L125), and special schools
//!   carry the national £10,000 place funding (practice-and-peers.md L404–L409) and an
//!   **illustrative** top-up. Private (independent) places are commissioned case by case
//!   when needs cannot be met elsewhere or on parental preference backed by a tribunal
//!   (L127): no tariff. Early years SEN money is SENIF and the Disability Access Fund (£938
//!   in 2025/26, L443, L455): no EHCP tariff. Places are funded in twelfths of the
//!   financial year with the SDK's money helpers; rates exist for 2024/25 and 2025/26 only.
//! - **Next steps**: the pack describes no meeting after a refusal (leicestershire.md L57),
//!   so the meeting here is **illustrative**: within 15 working days, 10 when the child is in
//!   Year 6 because of the Year 7 placement gaps the committee heard about (L131–L141); an
//!   agenda that makes the rationale clear (L1623) and plans support in the right setting
//!   early (L2257).
//!
//! These criteria weigh evidence for the panel; none is a precondition of the legal test in
//! CFA 2014 s.36(8), which the panel applies itself.

mod banding;
mod criteria;
mod next_steps;
mod vectors;

use sendpanel_plugin::prelude::*;

pub use banding::{
    FULL_TIME_HOURS, HOURLY_RATE_2024_25, PLACE_FUNDING, SPECIALIST_TARIFF, SpecialistRow,
    hourly_rate_for, mainstream_top_up,
};

/// Leicestershire's policy as a plugin.
pub struct Leicestershire;

impl Guest for Leicestershire {
    fn info() -> PluginInfo {
        PluginInfo {
            authority: "leicestershire".to_owned(),
            policy_name: "Leicestershire SEND policy: graduated response, hours-based mainstream EHCP top-up 2025/26, resource base and special places, Next Steps (illustrative)".to_owned(),
            policy_version: env!("CARGO_PKG_VERSION").to_owned(),
            effective_from: date(2025, 4, 1),
        }
    }

    fn graduated_response(facts: RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
        criteria::advise(&facts)
    }

    fn banding(request: BandRequest) -> Result<BandAdvice, PolicyError> {
        banding::band(&request)
    }

    fn next_steps(facts: RequestFacts) -> Result<NextStepsPlan, PolicyError> {
        next_steps::plan(&facts)
    }

    fn test_vectors() -> Vec<TestVector> {
        vectors::all()
    }
}

sendpanel_plugin::export!(Leicestershire);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_vectors_pass() {
        sendpanel_plugin::testing::assert_vectors_pass::<Leicestershire>();
    }

    #[test]
    fn carries_every_kind_of_vector() {
        let vectors = Leicestershire::test_vectors();
        assert!(vectors.len() >= 6);
        for recommendation in [
            Recommendation::Assess,
            Recommendation::DoNotAssess,
            Recommendation::MoreInformationNeeded,
        ] {
            assert!(
                vectors.iter().any(|v| matches!(
                    &v.expect,
                    Expectation::Advice(a) if a.recommendation == recommendation
                )),
                "no vector expects {recommendation:?}"
            );
        }
        let has = |f: fn(&TestVector) -> bool| vectors.iter().any(f);
        assert!(has(|v| matches!(
            (&v.call, &v.expect),
            (
                TestCall::Banding(BandRequest { period: None, .. }),
                Expectation::Band(_)
            )
        )));
        assert!(has(|v| matches!(
            (&v.call, &v.expect),
            (
                TestCall::Banding(BandRequest {
                    period: Some(_),
                    ..
                }),
                Expectation::Band(_)
            )
        )));
        assert!(has(|v| matches!(v.expect, Expectation::Declined(_))));
        assert!(has(|v| matches!(v.call, TestCall::NextSteps(_))));
    }

    #[test]
    fn info_names_the_configured_authority() {
        let info = Leicestershire::info();
        assert_eq!(info.authority, "leicestershire");
        assert!(to_naive(info.effective_from).is_some());
    }

    /// The host refuses advice whose criteria have empty reasons or cite evidence the
    /// request does not hold; check every graduated-response vector the same way, and that
    /// no criterion reads as a gate on the legal test.
    #[test]
    fn criteria_are_plain_weighed_and_cite_only_given_evidence() {
        for vector in Leicestershire::test_vectors() {
            let TestCall::GraduatedResponse(facts) = vector.call else {
                continue;
            };
            let known: Vec<String> = facts
                .needs
                .iter()
                .flat_map(|n| n.evidence.clone())
                .chain(facts.support_cycles.iter().flat_map(|c| c.evidence.clone()))
                .chain(facts.professionals.iter().flat_map(|p| p.evidence.clone()))
                .collect();
            let Ok(advice) = Leicestershire::graduated_response(facts) else {
                continue;
            };
            for c in &advice.criteria {
                assert!(!c.reason.trim().is_empty(), "{}: empty reason", c.id);
                assert!(!c.title.trim().is_empty(), "{}: empty title", c.id);
                for id in &c.evidence {
                    assert!(known.contains(id), "{}: cites unknown {id}", c.id);
                }
                let text = format!("{} {}", c.title, c.reason).to_lowercase();
                for gate in [
                    "must have",
                    "must be",
                    "is required",
                    "are required",
                    "only if",
                    "cannot be assessed",
                    "will not assess",
                ] {
                    assert!(!text.contains(gate), "{}: reads as a gate ({gate})", c.id);
                }
            }
        }
    }

    /// Every band a vector asks for is non-negative money, whole pence by construction.
    #[test]
    fn banding_money_is_never_negative() {
        for vector in Leicestershire::test_vectors() {
            let TestCall::Banding(request) = vector.call else {
                continue;
            };
            if let Ok(advice) = Leicestershire::banding(request) {
                assert!(advice.place_funding >= 0 && advice.yearly_top_up >= 0);
                assert!(advice.elements.iter().all(|e| e.amount >= 0));
                assert!((1..=12).contains(&advice.months_funded));
            }
        }
    }
}
