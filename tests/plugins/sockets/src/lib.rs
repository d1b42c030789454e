//! A deliberately chatty policy plugin for the host's sandbox tests: it opens a TCP connection, so it imports wasi:sockets.
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
            policy_name: "sockets".to_owned(),
            policy_version: "0.0.1".to_owned(),
            effective_from: date(2023, 4, 1),
        }
    }

    fn graduated_response(facts: RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
        let sent = std::net::TcpStream::connect("127.0.0.1:5432").is_ok();
        Err(PolicyError::MissingFact(format!("{sent}")))
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
