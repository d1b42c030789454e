//! Runs a plugin's carried test vectors natively, so `cargo test` in a plugin crate
//! checks the author's intent before the component is ever built. The host runs the
//! same vectors inside the sandbox on upload.

use crate::Guest;
use crate::types::{
    BandAdvice, BandExpectation, CostedBandRequest, Expectation, PolicyError, TestCall,
};

/// One vector whose answer differed from what it expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorFailure {
    /// The vector's name.
    pub name: String,
    /// What differed from its expectation.
    pub problem: String,
}

/// Runs every carried vector, the costed-banding ones too, and returns how many ran
/// and the failures (empty when all pass).
pub fn run_vectors<G: Guest>() -> (usize, Vec<VectorFailure>) {
    let vectors = G::test_vectors();
    let costed = G::costed_test_vectors();
    let total = vectors.len() + costed.len();
    let failures = vectors
        .into_iter()
        .filter_map(|vector| {
            let problem = check::<G>(vector.call, &vector.expect)?;
            Some(VectorFailure {
                name: vector.name,
                problem,
            })
        })
        .chain(costed.into_iter().filter_map(|vector| {
            let problem = check_costed::<G>(vector.call, &vector.expect)?;
            Some(VectorFailure {
                name: vector.name,
                problem,
            })
        }))
        .collect();
    (total, failures)
}

fn check_costed<G: Guest>(call: CostedBandRequest, expect: &Expectation) -> Option<String> {
    match expect {
        Expectation::Band(want) => band_differs(G::costed_banding(call), want),
        Expectation::Declined(case) => declined_differs(G::costed_banding(call).map(|_| ()), case),
        _ => Some("a costed-banding vector expects a band or a refusal".to_owned()),
    }
}

/// What differs between a band answer and what a vector expects, if anything.
fn band_differs(answer: Result<BandAdvice, PolicyError>, want: &BandExpectation) -> Option<String> {
    match answer {
        Err(e) => Some(format!("expected a band, got {} ({e:?})", error_case(&e))),
        Ok(got) => {
            let total: i128 = got.elements.iter().map(|e| i128::from(e.amount)).sum();
            if got.band_code != want.band_code
                || got.place_funding != want.place_funding
                || got.yearly_top_up != want.yearly_top_up
                || total != i128::from(want.period_total)
            {
                Some(format!(
                    "band {} place {} top-up {} period {}, expected {} {} {} {}",
                    got.band_code,
                    got.place_funding,
                    got.yearly_top_up,
                    total,
                    want.band_code,
                    want.place_funding,
                    want.yearly_top_up,
                    want.period_total
                ))
            } else {
                None
            }
        }
    }
}

/// What differs between an outcome and the refusal a vector expects, if anything.
fn declined_differs(outcome: Result<(), PolicyError>, case: &str) -> Option<String> {
    match outcome {
        Ok(()) => Some(format!("expected {case}, got an answer")),
        Err(e) if error_case(&e) == case => None,
        Err(e) => Some(format!("expected {case}, got {}", error_case(&e))),
    }
}

/// Fails the calling test with every failing vector listed; also fails when a plugin
/// carries no vectors at all, since the host refuses such a plugin on upload.
#[allow(clippy::panic)] // This is a test helper: panicking is how a test fails.
pub fn assert_vectors_pass<G: Guest>() {
    let (total, failures) = run_vectors::<G>();
    assert!(total > 0, "the plugin carries no test vectors");
    if !failures.is_empty() {
        let lines: Vec<String> = failures
            .iter()
            .map(|f| format!("{}: {}", f.name, f.problem))
            .collect();
        panic!(
            "{} of {total} vectors failed:\n{}",
            failures.len(),
            lines.join("\n")
        );
    }
}

/// The name a `declined` expectation uses for each policy error.
pub fn error_case(error: &PolicyError) -> &'static str {
    match error {
        PolicyError::MissingFact(_) => "missing-fact",
        PolicyError::NotCovered(_) => "not-covered",
        PolicyError::InvalidFact(_) => "invalid-fact",
    }
}

fn check<G: Guest>(call: TestCall, expect: &Expectation) -> Option<String> {
    match (call, expect) {
        (TestCall::GraduatedResponse(facts), Expectation::Advice(want)) => {
            match G::graduated_response(facts) {
                Err(e) => Some(format!("expected advice, got {} ({e:?})", error_case(&e))),
                Ok(got) => {
                    if got.recommendation != want.recommendation {
                        return Some(format!(
                            "recommendation {:?}, expected {:?}",
                            got.recommendation, want.recommendation
                        ));
                    }
                    want.criteria.iter().find_map(|c| {
                        match got.criteria.iter().find(|g| g.id == c.id) {
                            None => Some(format!("criterion {} missing", c.id)),
                            Some(g) if g.met != c.met => Some(format!(
                                "criterion {} met={}, expected {}",
                                c.id, g.met, c.met
                            )),
                            Some(_) => None,
                        }
                    })
                }
            }
        }
        (TestCall::Banding(request), Expectation::Band(want)) => {
            band_differs(G::banding(request), want)
        }
        (TestCall::NextSteps(facts), Expectation::Plan(want)) => match G::next_steps(facts) {
            Err(e) => Some(format!("expected a plan, got {} ({e:?})", error_case(&e))),
            Ok(got) => (got.meeting_required != want.meeting_required
                || got.within_working_days != want.within_working_days)
                .then(|| {
                    format!(
                        "meeting {} within {} working days, expected {} within {}",
                        got.meeting_required,
                        got.within_working_days,
                        want.meeting_required,
                        want.within_working_days
                    )
                }),
        },
        (call, Expectation::Declined(case)) => {
            let outcome = match call {
                TestCall::GraduatedResponse(f) => G::graduated_response(f).map(|_| ()),
                TestCall::Banding(r) => G::banding(r).map(|_| ()),
                TestCall::NextSteps(f) => G::next_steps(f).map(|_| ()),
            };
            declined_differs(outcome, case)
        }
        (_, _) => Some("the expectation does not fit the call".to_owned()),
    }
}
