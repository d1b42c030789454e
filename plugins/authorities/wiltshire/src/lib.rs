//! Wiltshire Council's policy, from its own papers as `shared/domain/wiltshire-and-national.md`
//! reads them. `F002 L180` is line 180 of seed 002 (Children's Select Committee, Business
//! Plan and Service Plan Update, January 2024); `F000 L132` is line 132 of seed 000 (DfE
//! updates, November to January). Wiltshire's papers are mostly about children's social
//! care; what they say about SEND is thin (wiltshire-and-national.md L19–L43), so much of
//! this plugin is **illustrative** and says so, in the docs and in the text it returns.
//!
//! - **Graduated response** (F002 L131, L139–L145, L180): Wiltshire's baseline before SEN
//!   Support is OPAL, its "Ordinarily Available Provision for all Learners" (F002 L131);
//!   children are supported "through either SEN Support or an EHCP" (F002 L180); Early Years
//!   Inclusion Advisers (EYIAs) support settings, and schools "for the first two terms when a
//!   child enters reception" (F002 L139). The papers give **no criteria and no numbers**
//!   (wiltshire-and-national.md L39–L40), so the thresholds here are illustrative: two
//!   reviewed cycles of SEN Support in the last 24 months, specialist contact in the last 12
//!   months, an attainment gap of 12 months worth mentioning, EYIA contact in the last 12
//!   months for under-5s and Reception. The contract has no EYIA professional, so an
//!   involvement recorded as `specialist-teacher` or `other` is read as the EYIA team
//!   (illustrative).
//! - **Banding** (practice-and-peers.md L412–L414): Wiltshire's own model is one banding
//!   system for all children with seven points (band zero, lower and upper band one, lower
//!   and upper band two, band three, band four), "Wiltshire SEN Banding Thresholds 2016",
//!   mapped to mainstream, resource bases, ELP and special schools, with element 1 at £4,000
//!   and element 2 at £6,000 in 2016. The points are the council's; **every £ amount, and
//!   which setting takes which point, is illustrative**: Wiltshire's papers hold no tariff
//!   (wiltshire-and-national.md L338). Special and resourced places carry the national
//!   £10,000 place funding (practice-and-peers.md L404–L409); places are funded in twelfths
//!   of the financial year with the SDK's money helpers. Early years funding is Inclusion
//!   Support Funding run by the EYIA team (F002 L145), whose amounts the papers do not give,
//!   so early years placements are declined as not covered.
//! - **Next steps**: Wiltshire's papers describe **no meeting after a refusal to assess**
//!   (wiltshire-and-national.md L36–L38), so `meeting-required` is false and the agenda says
//!   why, and what happens instead: reasons the child and family can understand (F002 L53),
//!   SEN Support and OPAL, the EYIAs for the youngest, the s19 Group when a child may not be
//!   in full-time education (F000 L132), mediation and appeal.
//!
//! These criteria weigh evidence for the panel; none is a precondition of the legal test in
//! CFA 2014 s.36(8), which the panel applies itself.

mod banding;
mod criteria;
mod next_steps;
mod vectors;

use sendpanel_plugin::prelude::*;

pub use banding::{BAND_POINTS, BandPoint, PLACE_FUNDING};

/// Wiltshire's policy as a plugin.
pub struct Wiltshire;

impl Guest for Wiltshire {
    fn info() -> PluginInfo {
        PluginInfo {
            authority: "wiltshire".to_owned(),
            policy_name: "Wiltshire SEND policy: graduated response beyond OPAL, 2016 banding points (illustrative amounts), next steps".to_owned(),
            policy_version: env!("CARGO_PKG_VERSION").to_owned(),
            effective_from: date(2024, 4, 1),
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

sendpanel_plugin::export!(Wiltshire);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_vectors_pass() {
        sendpanel_plugin::testing::assert_vectors_pass::<Wiltshire>();
    }

    #[test]
    fn carries_every_kind_of_vector() {
        let vectors = Wiltshire::test_vectors();
        assert!(vectors.len() >= 6);
        let has = |f: fn(&TestVector) -> bool| vectors.iter().any(f);
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
        assert!(has(|v| matches!(
            &v.call,
            TestCall::Banding(BandRequest { period: None, .. })
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
        let info = Wiltshire::info();
        assert_eq!(info.authority, "wiltshire");
        assert!(to_naive(info.effective_from).is_some());
    }

    /// The host refuses advice whose criteria have empty reasons or cite evidence the
    /// request does not hold; check every graduated-response vector the same way, and that
    /// no criterion reads as a gate on the legal test.
    #[test]
    fn criteria_are_plain_weighed_and_cite_only_given_evidence() {
        for vector in Wiltshire::test_vectors() {
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
            let Ok(advice) = Wiltshire::graduated_response(facts) else {
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
        for vector in Wiltshire::test_vectors() {
            let TestCall::Banding(request) = vector.call else {
                continue;
            };
            if let Ok(advice) = Wiltshire::banding(request) {
                assert!(advice.place_funding >= 0 && advice.yearly_top_up >= 0);
                assert!(advice.elements.iter().all(|e| e.amount >= 0));
                assert!((1..=12).contains(&advice.months_funded));
            }
        }
    }
}
