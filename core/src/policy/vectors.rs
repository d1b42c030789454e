//! Test vectors run inside the sandbox: the plugin's own on upload, and an authority's
//! extra ones from `sendpanel plugin test --vectors FILE.json`.

use super::contract::{
    BandAdvice, BandExpectation, CostedTestVector, Expectation, PolicyError, TestCall, TestVector,
};
use super::evaluation::{Evaluation, Outcome};
use super::host::Plugin;

/// One vector whose answer was not what it expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorFailure {
    /// The vector's name.
    pub name: String,
    /// What differed.
    pub problem: String,
}

/// The result of a run: how many passed, and each failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VectorReport {
    /// Vectors that gave the expected answer.
    pub passed: usize,
    /// Those that did not.
    pub failures: Vec<VectorFailure>,
    /// The fuel all the vectors run burnt together.
    pub fuel_used: u64,
    /// Whether the run stopped because the vectors together burnt more than their
    /// budget (the vectors after that point were not run).
    pub fuel_exhausted: bool,
}

impl VectorReport {
    /// True when every vector passed and there was at least one.
    pub fn all_passed(&self) -> bool {
        self.failures.is_empty() && self.passed > 0
    }

    /// Adds a later run's results to this one's (the costed-banding vectors after the
    /// others).
    pub fn add(&mut self, later: VectorReport) {
        self.passed += later.passed;
        self.failures.extend(later.failures);
        self.fuel_used = self.fuel_used.saturating_add(later.fuel_used);
        self.fuel_exhausted |= later.fuel_exhausted;
    }
}

fn error_case(error: &PolicyError) -> &'static str {
    match error {
        PolicyError::MissingFact(_) => "missing-fact",
        PolicyError::NotCovered(_) => "not-covered",
        PolicyError::InvalidFact(_) => "invalid-fact",
    }
}

/// An outcome that is not an answer, described for a failure line.
fn not_an_answer<T>(outcome: &Outcome<T>) -> Option<String> {
    match outcome {
        Outcome::Advice(_) => None,
        Outcome::Declined(e) => Some(format!("declined ({}: {e:?})", error_case(e))),
        Outcome::Unavailable(reason) => Some(reason.to_string()),
    }
}

impl Plugin {
    /// Runs `vectors` in the sandbox, one fresh instance each.
    pub fn run_vectors(&self, vectors: &[TestVector]) -> VectorReport {
        self.run_vectors_within(vectors, u64::MAX)
    }

    /// Runs `vectors` as [`Plugin::run_vectors`] does, stopping once they have burnt
    /// more than `fuel_budget` together: each call is bounded by the per-call fuel, and
    /// this bounds the whole run, so vetting one upload cannot hold a thread for long.
    pub fn run_vectors_within(&self, vectors: &[TestVector], fuel_budget: u64) -> VectorReport {
        let mut report = VectorReport::default();
        for vector in vectors {
            if report.fuel_used > fuel_budget {
                report.fuel_exhausted = true;
                break;
            }
            match self.check_vector(vector, &mut report.fuel_used) {
                None => report.passed += 1,
                Some(problem) => report.failures.push(VectorFailure {
                    name: vector.name.clone(),
                    problem,
                }),
            }
        }
        report
    }

    /// Runs costed-banding `vectors` (contract 1.1) as [`Plugin::run_vectors_within`]
    /// runs the others, within `fuel_budget`.
    pub fn run_costed_vectors_within(
        &self,
        vectors: &[CostedTestVector],
        fuel_budget: u64,
    ) -> VectorReport {
        let mut report = VectorReport::default();
        self.run_costed_vectors_into(vectors, fuel_budget, &mut report);
        report
    }

    /// Runs costed-banding `vectors` after the others, into their `report`: the fuel
    /// both sets burn counts against one `fuel_budget`.
    pub fn run_costed_vectors_into(
        &self,
        vectors: &[CostedTestVector],
        fuel_budget: u64,
        report: &mut VectorReport,
    ) {
        for vector in vectors {
            if report.fuel_used > fuel_budget {
                report.fuel_exhausted = true;
                break;
            }
            let got = self.costed_banding(&vector.call);
            report.fuel_used = report.fuel_used.saturating_add(got.fuel_used);
            let problem = match &vector.expect {
                Expectation::Band(want) => band_differs(got.outcome, want),
                Expectation::Declined(case) => match got.outcome {
                    Outcome::Declined(e) if error_case(&e) == case => None,
                    Outcome::Declined(e) => {
                        Some(format!("expected {case}, got {}", error_case(&e)))
                    }
                    Outcome::Advice(_) => Some(format!("expected {case}, got an answer")),
                    Outcome::Unavailable(reason) => Some(format!("expected {case}, got {reason}")),
                },
                _ => Some("a costed-banding vector expects a band or a refusal".to_owned()),
            };
            match problem {
                None => report.passed += 1,
                Some(problem) => report.failures.push(VectorFailure {
                    name: vector.name.clone(),
                    problem,
                }),
            }
        }
    }

    /// Whether `vector` gives its expected answer (`None`) or what differed, adding the
    /// fuel its call burnt to `fuel`.
    fn check_vector(&self, vector: &TestVector, fuel: &mut u64) -> Option<String> {
        match (&vector.call, &vector.expect) {
            (TestCall::GraduatedResponse(facts), Expectation::Advice(want)) => {
                let got = self.graduated_response(facts);
                *fuel = fuel.saturating_add(got.fuel_used);
                if let Some(problem) = not_an_answer(&got.outcome) {
                    return Some(format!("expected advice, got {problem}"));
                }
                let Outcome::Advice(advice) = got.outcome else {
                    return None;
                };
                if advice.recommendation != want.recommendation {
                    return Some(format!(
                        "recommendation {:?}, expected {:?}",
                        advice.recommendation, want.recommendation
                    ));
                }
                want.criteria.iter().find_map(|c| {
                    match advice.criteria.iter().find(|g| g.id == c.id) {
                        None => Some(format!("criterion {} missing", c.id)),
                        Some(g) if g.met != c.met => Some(format!(
                            "criterion {} met={}, expected {}",
                            c.id, g.met, c.met
                        )),
                        Some(_) => None,
                    }
                })
            }
            (TestCall::Banding(request), Expectation::Band(want)) => {
                let got = self.banding(request);
                *fuel = fuel.saturating_add(got.fuel_used);
                band_differs(got.outcome, want)
            }
            (TestCall::NextSteps(facts), Expectation::Plan(want)) => {
                let got = self.next_steps(facts);
                *fuel = fuel.saturating_add(got.fuel_used);
                if let Some(problem) = not_an_answer(&got.outcome) {
                    return Some(format!("expected a plan, got {problem}"));
                }
                let Outcome::Advice(plan) = got.outcome else {
                    return None;
                };
                (plan.meeting_required != want.meeting_required
                    || plan.within_working_days != want.within_working_days)
                    .then(|| {
                        format!(
                            "meeting {} within {} working days, expected {} within {}",
                            plan.meeting_required,
                            plan.within_working_days,
                            want.meeting_required,
                            want.within_working_days
                        )
                    })
            }
            (call, Expectation::Declined(case)) => {
                let declined = match call {
                    TestCall::GraduatedResponse(f) => {
                        declined_case(self.graduated_response(f), fuel)
                    }
                    TestCall::Banding(r) => declined_case(self.banding(r), fuel),
                    TestCall::NextSteps(f) => declined_case(self.next_steps(f), fuel),
                };
                match declined {
                    Ok(got) if got == case => None,
                    Ok(got) => Some(format!("expected {case}, got {got}")),
                    Err(problem) => Some(format!("expected {case}, got {problem}")),
                }
            }
            _ => Some("the expectation does not fit the call".to_owned()),
        }
    }
}

fn declined_case<T>(evaluation: Evaluation<T>, fuel: &mut u64) -> Result<&'static str, String> {
    *fuel = fuel.saturating_add(evaluation.fuel_used);
    match evaluation.outcome {
        Outcome::Declined(e) => Ok(error_case(&e)),
        Outcome::Advice(_) => Err("an answer".to_owned()),
        Outcome::Unavailable(reason) => Err(reason.to_string()),
    }
}

/// What differs between a band answer and what a vector expects, if anything.
fn band_differs(outcome: Outcome<BandAdvice>, want: &BandExpectation) -> Option<String> {
    if let Some(problem) = not_an_answer(&outcome) {
        return Some(format!("expected a band, got {problem}"));
    }
    let Outcome::Advice(band) = outcome else {
        return None;
    };
    // i128: a plugin's amounts must not be able to overflow the host's sum.
    let total: i128 = band.elements.iter().map(|e| i128::from(e.amount)).sum();
    let same = band.band_code == want.band_code
        && band.place_funding == want.place_funding
        && band.yearly_top_up == want.yearly_top_up
        && total == i128::from(want.period_total);
    (!same).then(|| {
        format!(
            "band {} place {} top-up {} period {}, expected {} {} {} {}",
            band.band_code,
            band.place_funding,
            band.yearly_top_up,
            total,
            want.band_code,
            want.place_funding,
            want.yearly_top_up,
            want.period_total
        )
    })
}
