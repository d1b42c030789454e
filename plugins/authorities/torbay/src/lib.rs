//! Torbay Council's policy, from its own papers (`shared/domain/torbay-pack-part1.md`,
//! which cites the seed lines).
//!
//! - **Graduated response** (L491): Torbay refuses most often because a request does not
//!   evidence "a robust implementation of the Graduated Response"; every request for a
//!   child under 5 carries ASQ-3 data (L570). The thresholds below (two reviewed cycles in
//!   the last 24 months; specialist contact in the last 12 months) are **illustrative**:
//!   the papers do not give numbers.
//! - **Banding** (L316–359): special-school places at £10,000 a place plus a per-pupil
//!   top-up above £10,000 that depends on the place type *and* the school; Teachers' Pay
//!   and Pensions at £660 a place; places funded in twelfths of the financial year.
//!   Mainstream plans (L204-205): the school meets the first £6,000 of a plan's costed
//!   additional provision and the council tops up the rest (contract 1.1's
//!   `costed-banding`).
//! - **Next Steps** (L123, L487, L558–560): a meeting is offered after every refusal.
//!   Its 20-working-day limit and attendee list are **illustrative**.
//!
//! These criteria weigh evidence for the panel; none is a precondition of the legal test
//! in CFA 2014 s.36(8), which the panel applies itself.

mod banding;
mod criteria;
mod next_steps;
mod vectors;

use sendpanel_plugin::prelude::*;

pub use banding::{TARIFF_2023_24, place_funding_for_year};

/// Torbay's policy as a plugin.
pub struct Torbay;

impl Guest for Torbay {
    fn info() -> PluginInfo {
        PluginInfo {
            authority: "torbay".to_owned(),
            policy_name:
                "Torbay SEND policy: graduated response, special-school tariff 2023/24, Next Steps"
                    .to_owned(),
            policy_version: env!("CARGO_PKG_VERSION").to_owned(),
            effective_from: date(2023, 9, 1),
        }
    }

    fn graduated_response(facts: RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
        criteria::advise(&facts)
    }

    fn banding(request: BandRequest) -> Result<BandAdvice, PolicyError> {
        banding::band(&request)
    }

    fn next_steps(facts: RequestFacts) -> Result<NextStepsPlan, PolicyError> {
        Ok(next_steps::plan(&facts))
    }

    fn test_vectors() -> Vec<TestVector> {
        vectors::all()
    }

    fn costed_banding(request: CostedBandRequest) -> Result<BandAdvice, PolicyError> {
        banding::costed(&request)
    }

    fn costed_test_vectors() -> Vec<CostedTestVector> {
        vectors::costed()
    }
}

sendpanel_plugin::export!(Torbay);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_vectors_pass() {
        sendpanel_plugin::testing::assert_vectors_pass::<Torbay>();
    }
}
