//! What if a candidate plugin had been in use: the latest advice of each kind on each
//! of the authority's cases is replayed with the candidate ([`replay_on`], on the input
//! exactly as recorded), and its answer set beside the one on record, so an admin sees
//! the effect of a new policy before activating it. Nothing is recorded: advice on a
//! case changes only when a caseworker seeks it again.
//!
//! A comparison runs one plugin call per piece of advice, so it is bounded like vetting
//! is: at most [`Limits::what_if_replays`] replays and [`Limits::what_if_fuel`] fuel in
//! one run. Past either it stops and says so ([`Stopped`]) rather than holding a thread
//! for as long as the caseload is large.

use std::collections::HashMap;

use serde::de::DeserializeOwned;

use super::advice::PluginCatalogue;
use super::contract::{
    BandAdvice, GraduatedResponseAdvice, NextStepsPlan, PolicyError, Recommendation,
};
use super::error::Unavailable;
use super::evaluation::Call;
use super::limits::Limits;
use super::registry::{RegistryError, replay_on};
use crate::domain::{CaseId, Pence, PluginHash, StoredAdvice, StoredPlugin};
use crate::store::{AuthorityScope, Database};

/// One recorded piece of advice beside the candidate's answer to the same input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    /// The case the advice is on.
    pub case_id: CaseId,
    /// The child's name, "Given Family", for the list.
    pub child_name: String,
    /// Which question the advice answered.
    pub call: Call,
    /// The recorded answer in one line ([`headline`]).
    pub before: String,
    /// The candidate's answer in one line.
    pub after: String,
    /// For banding advice: the yearly top-up on record, in pence, when there was one.
    pub top_up_before: Option<i64>,
    /// For banding advice: the yearly top-up the candidate would give, in pence.
    pub top_up_after: Option<i64>,
}

impl Compared {
    /// Whether the candidate would have recommended something else. Lines, not bytes,
    /// are compared: reworded reasons are not a changed recommendation.
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Why a comparison stopped before replaying all the advice on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    /// It reached the most replays one comparison may run.
    #[error(
        "the limit of {max} replays in one comparison (what_if_replays in the [policy] settings)"
    )]
    Replays {
        /// The limit (`what_if_replays`).
        max: usize,
    },
    /// Its replays together burnt the fuel one comparison may use.
    #[error(
        "the limit of {budget} units of fuel for one comparison (what_if_fuel in the [policy] settings)"
    )]
    Fuel {
        /// The limit (`what_if_fuel`).
        budget: u64,
    },
}

/// What a comparison found.
#[derive(Debug, Clone)]
pub struct WhatIf {
    /// The candidate.
    pub plugin: StoredPlugin,
    /// Every piece of advice the candidate answered, changed or not.
    pub compared: Vec<Compared>,
    /// Advice that could not be asked again (an unknown call, an unreadable input).
    pub unreplayable: usize,
    /// The advice on record that a full comparison replays.
    pub on_record: usize,
    /// The fuel the replays burnt together.
    pub fuel_used: u64,
    /// Why it stopped early, when it did.
    pub stopped: Option<Stopped>,
}

impl WhatIf {
    /// The comparisons whose recommendation would change.
    pub fn changed(&self) -> impl Iterator<Item = &Compared> {
        self.compared.iter().filter(|c| c.changed())
    }

    /// What the candidate would do to the money: the yearly top-up of every banding
    /// answer compared, summed on record and with the candidate. A case whose band
    /// advice had no top-up on one side (declined, say) counts nothing on that side,
    /// and is counted apart so the totals are read with it.
    pub fn top_up(&self) -> TopUpChange {
        let mut change = TopUpChange::default();
        for compared in self
            .compared
            .iter()
            .filter(|c| matches!(c.call, Call::Banding | Call::CostedBanding))
        {
            change.answers += 1;
            change.before_pence += compared.top_up_before.unwrap_or(0);
            change.after_pence += compared.top_up_after.unwrap_or(0);
            if compared.top_up_before.is_none() != compared.top_up_after.is_none() {
                change.one_sided += 1;
            }
        }
        change
    }

    /// How much of the advice on record was looked at: compared or found unreplayable.
    pub fn done(&self) -> usize {
        self.compared.len() + self.unreplayable
    }

    /// "Stopped after N of M: the … limit", when the run stopped at a cap.
    pub fn stop_note(&self) -> Option<String> {
        self.stopped.map(|why| {
            format!(
                "Stopped after {} of {}: {why}. The results cover only the advice compared.",
                self.done(),
                self.on_record
            )
        })
    }
}

/// The total yearly top-up of the banding answers a comparison looked at, on record and
/// with the candidate: what a policy change would cost or save the high-needs block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopUpChange {
    /// How many banding answers were compared.
    pub answers: usize,
    /// Their yearly top-up on record, in pence.
    pub before_pence: i64,
    /// Their yearly top-up with the candidate, in pence.
    pub after_pence: i64,
    /// How many had a top-up on one side only (a declined or unavailable answer).
    pub one_sided: usize,
}

impl TopUpChange {
    /// With the candidate less on record: more money a year when positive.
    pub fn change_pence(&self) -> i64 {
        self.after_pence - self.before_pence
    }
}

/// What a comparison would do, before it is run: the candidate and how much advice
/// there is to replay, against the limit on replays.
#[derive(Debug, Clone)]
pub struct WhatIfPlan {
    /// The candidate.
    pub plugin: StoredPlugin,
    /// The advice on record that a full comparison replays.
    pub on_record: usize,
    /// The most replays one comparison runs (`what_if_replays`).
    pub max_replays: usize,
}

/// How a comparison is going, reported as it runs so a page can show progress.
#[derive(Debug, Clone)]
pub enum Progress {
    /// The advice has been read; replays begin.
    Started {
        /// The candidate.
        plugin: StoredPlugin,
        /// The advice on record.
        on_record: usize,
        /// How many will be replayed: the advice on record, up to the limit.
        planned: usize,
    },
    /// One more piece of advice has been replayed (or found unreplayable).
    Replayed {
        /// How many so far.
        done: usize,
        /// How many will be replayed, unless the fuel runs out first.
        planned: usize,
    },
}

/// The candidate `sha256` of the scope's authority and how much advice a comparison
/// would replay; nothing is replayed. Another authority's plugin is not found.
pub fn what_if_plan(
    db: &Database,
    scope: &AuthorityScope,
    candidate: &PluginHash,
    limits: &Limits,
) -> Result<WhatIfPlan, RegistryError> {
    let (plugin, latest) = read_latest(db, scope, candidate)?;
    Ok(WhatIfPlan {
        plugin,
        on_record: latest.len(),
        max_replays: limits.what_if_replays,
    })
}

/// Replays the latest advice of each kind on each of the scope's cases with the
/// candidate `sha256`, within the catalogue's limits, reporting each step to
/// `progress`. Advice that cannot be replayed is counted, logged and skipped; a cap
/// stops the run with what was compared so far and [`WhatIf::stopped`] saying which.
pub fn what_if(
    db: &Database,
    catalogue: &PluginCatalogue,
    scope: &AuthorityScope,
    candidate: &PluginHash,
    progress: &mut dyn FnMut(Progress),
) -> Result<WhatIf, RegistryError> {
    let limits = catalogue.host().limits();
    let (plugin, latest) = read_latest(db, scope, candidate)?;
    // Compiled once (and kept by the catalogue), not once per piece of advice.
    let loaded = catalogue.plugin(db, scope, candidate)?;
    let planned = latest.len().min(limits.what_if_replays);
    progress(Progress::Started {
        plugin: plugin.clone(),
        on_record: latest.len(),
        planned,
    });
    let mut result = WhatIf {
        plugin,
        compared: Vec::new(),
        unreplayable: 0,
        on_record: latest.len(),
        fuel_used: 0,
        stopped: None,
    };
    for (advice, child_name) in latest {
        // Checked before each replay, as vetting checks before each vector: a run
        // passes its fuel budget by at most one call's fuel (`fuel`).
        if result.done() >= limits.what_if_replays {
            result.stopped = Some(Stopped::Replays {
                max: limits.what_if_replays,
            });
            break;
        }
        if result.fuel_used >= limits.what_if_fuel {
            result.stopped = Some(Stopped::Fuel {
                budget: limits.what_if_fuel,
            });
            break;
        }
        match advice.call.parse::<Call>() {
            Err(_) => result.unreplayable += 1,
            // The recorded input, answered by the candidate instead of its own plugin.
            Ok(call) => match replay_on(&loaded, &advice) {
                Ok(replayed) => {
                    result.fuel_used = result.fuel_used.saturating_add(replayed.fuel_used);
                    result.compared.push(Compared {
                        case_id: advice.case_id,
                        child_name,
                        call,
                        before: headline(
                            call,
                            advice.output_json.as_deref(),
                            advice.unavailable_reason.as_deref(),
                        ),
                        after: headline(call, replayed.output_json.as_deref(), None),
                        top_up_before: yearly_top_up(call, advice.output_json.as_deref()),
                        top_up_after: yearly_top_up(call, replayed.output_json.as_deref()),
                    });
                }
                Err(error) => {
                    tracing::warn!(advice_id = %advice.id, %error, "advice not replayable");
                    result.unreplayable += 1;
                }
            },
        }
        progress(Progress::Replayed {
            done: result.done(),
            planned,
        });
    }
    Ok(result)
}

/// The candidate, and the latest advice of each call on each of the scope's cases with
/// its child's name: the advice each case stands on.
fn read_latest(
    db: &Database,
    scope: &AuthorityScope,
    candidate: &PluginHash,
) -> Result<(StoredPlugin, Vec<(StoredAdvice, String)>), RegistryError> {
    Ok(db.read(|tx| {
        let plugin = tx.plugin(scope, candidate)?;
        let names = tx
            .list_children(scope)?
            .into_iter()
            .map(|c| {
                let name = format!("{} {}", c.given_name.as_str(), c.family_name.as_str());
                (c.id, name)
            })
            .collect::<HashMap<_, _>>();
        let mut latest: Vec<(StoredAdvice, String)> = Vec::new();
        for case in tx.list_cases(scope)? {
            let child = names.get(&case.child_id).cloned().unwrap_or_default();
            let mut seen = Vec::new();
            // Newest first; the first of each call is the advice the case stands on.
            for advice in tx.advice_for_case(scope, &case.id)?.into_iter().rev() {
                if !seen.contains(&advice.call) {
                    seen.push(advice.call.clone());
                    latest.push((advice, child.clone()));
                }
            }
        }
        Ok((plugin, latest))
    })?)
}

/// An answer in one line: the recommendation, band or plan, or why there is none. Two
/// answers whose lines are equal make the same recommendation, whatever their reasons'
/// wording, which is what "would change" means.
pub fn headline(call: Call, output_json: Option<&str>, unavailable: Option<&str>) -> String {
    let Some(json) = output_json else {
        return match unavailable.and_then(|r| serde_json::from_str::<Unavailable>(r).ok()) {
            Some(reason) => format!("No advice: {reason}"),
            None => "No advice: the plugin gave no usable answer".to_owned(),
        };
    };
    match call {
        Call::GraduatedResponse => answer(json, |advice: GraduatedResponseAdvice| {
            match advice.recommendation {
                Recommendation::Assess => "Assess",
                Recommendation::DoNotAssess => "Do not assess",
                Recommendation::MoreInformationNeeded => "More information needed",
            }
            .to_owned()
        }),
        Call::Banding | Call::CostedBanding => answer(json, |band: BandAdvice| {
            format!(
                "Band {}: place {}, top-up {} a year",
                band.band_code,
                Pence::new(band.place_funding),
                Pence::new(band.yearly_top_up)
            )
        }),
        Call::NextSteps => answer(json, |plan: NextStepsPlan| {
            if plan.meeting_required {
                format!("Meeting within {} working days", plan.within_working_days)
            } else {
                "No meeting needed".to_owned()
            }
        }),
    }
}

/// The yearly top-up of a banding answer, in pence; `None` for other calls and for an
/// answer that gave no band.
fn yearly_top_up(call: Call, output_json: Option<&str>) -> Option<i64> {
    if !matches!(call, Call::Banding | Call::CostedBanding) {
        return None;
    }
    match serde_json::from_str::<Result<BandAdvice, PolicyError>>(output_json?) {
        Ok(Ok(band)) => Some(band.yearly_top_up),
        _ => None,
    }
}

/// A stored answer (`{"Ok": ...}` or `{"Err": ...}`) in one line.
fn answer<T: DeserializeOwned>(json: &str, line: impl FnOnce(T) -> String) -> String {
    match serde_json::from_str::<Result<T, PolicyError>>(json) {
        Ok(Ok(advice)) => line(advice),
        Ok(Err(PolicyError::MissingFact(fact))) => format!("Declined: a fact is missing ({fact})"),
        Ok(Err(PolicyError::NotCovered(what))) => format!("Declined: not covered ({what})"),
        Ok(Err(PolicyError::InvalidFact(fact))) => format!("Declined: a fact is wrong ({fact})"),
        Err(_) => "An answer this service cannot read".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_if_headlines_name_the_recommendation_not_the_reasons() {
        let assess = r#"{"Ok":{"recommendation":"Assess","criteria":[]}}"#;
        let refuse = r#"{"Ok":{"recommendation":"DoNotAssess","criteria":[]}}"#;
        assert_eq!(
            headline(Call::GraduatedResponse, Some(assess), None),
            "Assess"
        );
        assert_eq!(
            headline(Call::GraduatedResponse, Some(refuse), None),
            "Do not assess"
        );
        let declined = r#"{"Err":{"MissingFact":"attendance"}}"#;
        assert_eq!(
            headline(Call::NextSteps, Some(declined), None),
            "Declined: a fact is missing (attendance)"
        );
        assert!(headline(Call::Banding, None, None).starts_with("No advice"));
    }

    #[test]
    fn what_if_stop_notes_say_how_far_it_got_and_which_limit() {
        assert_eq!(
            Stopped::Replays { max: 2 }.to_string(),
            "the limit of 2 replays in one comparison (what_if_replays in the [policy] settings)"
        );
        assert!(
            Stopped::Fuel { budget: 7 }
                .to_string()
                .contains("what_if_fuel")
        );
    }
}
