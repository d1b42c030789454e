//! A deliberately bottomless policy plugin for the host's sandbox tests: graduated-response recurses without end.
//! Never install it anywhere.
#![allow(clippy::all, clippy::pedantic, unused, unconditional_recursion)]

use sendpanel_plugin::prelude::*;

struct Hostile;

fn facts() -> RequestFacts {
    FactsBuilder::new(date(2023, 10, 2)).build()
}

fn ok_advice() -> GraduatedResponseAdvice {
    GraduatedResponseAdvice {
        recommendation: Recommendation::MoreInformationNeeded,
        criteria: vec![criterion_not_met(
            "c",
            "A criterion",
            "A reason.".to_owned(),
            Vec::new(),
        )],
    }
}

fn ok_plan() -> NextStepsPlan {
    NextStepsPlan {
        meeting_required: false,
        within_working_days: 0,
        attendees: Vec::new(),
        venue: Venue::Online,
        agenda: vec!["Talk".to_owned()],
        outcomes_recorded: Vec::new(),
    }
}

impl Guest for Hostile {
    fn info() -> PluginInfo {
        PluginInfo {
            authority: "testshire".to_owned(),
            policy_name: "recursion".to_owned(),
            policy_version: "0.0.1".to_owned(),
            effective_from: date(2023, 4, 1),
        }
    }

    fn graduated_response(facts: RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
        let depth = descend(std::hint::black_box(0));
        Err(PolicyError::MissingFact(format!("{depth}")))
    }

    fn banding(request: BandRequest) -> Result<BandAdvice, PolicyError> {
        Err(PolicyError::NotCovered("no tariff".to_owned()))
    }

    fn next_steps(facts: RequestFacts) -> Result<NextStepsPlan, PolicyError> {
        Ok(ok_plan())
    }

    fn test_vectors() -> Vec<TestVector> {
        Vec::new()
    }
}

sendpanel_plugin::export!(Hostile);

/// Recurses with its state in WebAssembly locals, so each level costs a native stack
/// frame in the host (the sandbox's `stack_bytes`), not the plugin's own shadow stack.
fn descend(n: u64) -> u64 {
    std::hint::black_box(descend(std::hint::black_box(n) + 1)) ^ n
}
