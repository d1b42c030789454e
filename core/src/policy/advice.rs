//! Advice on a case: find the authority's plugin in force, run it, and record what it
//! said (or why it could not) on the case, with an event, in one transaction.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;

use super::contract::{BandRequest, CostedBandRequest, RequestFacts};
use super::evaluation::Call;
use super::host::{Plugin, PolicyHost};
use super::registry::{RegistryError, advice_record};
use crate::domain::{CaseId, NewAdvice, PluginHash, StoredAdvice, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, StoreError, Tx};
use crate::time::Clock;

/// The registry's plugins, loaded on first use and kept by hash, so each is compiled
/// (or read from the disk cache) once per process rather than once per case.
#[derive(Debug, Clone)]
pub struct PluginCatalogue {
    host: PolicyHost,
    loaded: Arc<Mutex<HashMap<PluginHash, Plugin>>>,
}

/// One question for a plugin about a case.
#[derive(Debug, Clone)]
pub enum Question {
    /// Graduated-response criteria before the decision whether to assess.
    GraduatedResponse(RequestFacts),
    /// Band and funding for a placement.
    Banding(BandRequest),
    /// Band and funding for a placement, with the plan's costed provision (contract
    /// 1.1; a 1.0 plugin answers the band request inside).
    CostedBanding(CostedBandRequest),
    /// The next-steps meeting after a refusal to assess.
    NextSteps(RequestFacts),
}

impl Question {
    /// The day the advice is for; it picks the plugin in force.
    fn as_at(&self) -> NaiveDate {
        let d = match self {
            Question::GraduatedResponse(f) | Question::NextSteps(f) => f.as_at,
            Question::Banding(r) => r.facts.as_at,
            Question::CostedBanding(r) => r.request.facts.as_at,
        };
        NaiveDate::from_ymd_opt(d.year, u32::from(d.month), u32::from(d.day)).unwrap_or_default()
    }

    /// The request facts the question carries, and where they sit in its body (the
    /// banding request holds them under `facts`), so a refusal names the field a
    /// caller sent.
    fn facts(&self) -> (&RequestFacts, &'static str) {
        match self {
            Question::GraduatedResponse(f) | Question::NextSteps(f) => (f, ""),
            Question::Banding(r) => (&r.facts, "facts."),
            Question::CostedBanding(r) => (&r.request.facts, "request.facts."),
        }
    }

    fn call(&self) -> Call {
        match self {
            Question::GraduatedResponse(_) => Call::GraduatedResponse,
            Question::Banding(_) => Call::Banding,
            Question::NextSteps(_) => Call::NextSteps,
            Question::CostedBanding(_) => Call::CostedBanding,
        }
    }
}

impl PluginCatalogue {
    /// A catalogue over `host`'s engine and limits.
    pub fn new(host: PolicyHost) -> Self {
        Self {
            host,
            loaded: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The host the catalogue loads with: its engine and limits are the ones an
    /// upload must be vetted under, so a plugin that passes on upload runs the same here.
    pub fn host(&self) -> &PolicyHost {
        &self.host
    }

    /// The stored plugin `sha256` of the scope's authority, loaded and checked.
    pub fn plugin(
        &self,
        db: &Database,
        scope: &AuthorityScope,
        sha256: &PluginHash,
    ) -> Result<Plugin, RegistryError> {
        if let Some(plugin) = self.cached(sha256) {
            return Ok(plugin);
        }
        let bytes = db.read(|tx| tx.plugin_bytes(scope, sha256))?;
        let plugin = self.host.load(&bytes)?;
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sha256.clone(), plugin.clone());
        Ok(plugin)
    }

    fn cached(&self, sha256: &PluginHash) -> Option<Plugin> {
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(sha256)
            .cloned()
    }

    /// Asks the plugin in force on the question's as-at date and records the answer on
    /// `case`, with an `AdviceRecorded` event, in one transaction. `None` when the
    /// authority has no plugin in force that day: the people decide without advice.
    /// A plugin that fails still gives a record, saying why there is no advice.
    ///
    /// Refused with [`RegistryError::EvidenceNotOnCase`], recording nothing, when the
    /// facts cite an evidence id that is not a document on `case`: the host lets a
    /// plugin cite only evidence in the request, and that check is worth something
    /// only if every id in the request is a real document a panel can open.
    pub fn advise(
        &self,
        db: &Database,
        scope: &AuthorityScope,
        case: CaseId,
        question: &Question,
        actor: Option<UserId>,
        clock: &dyn Clock,
    ) -> Result<Option<StoredAdvice>, RegistryError> {
        let call = question.call();
        let span = tracing::info_span!(
            "advice",
            case_id = %case,
            authority = %scope.authority(),
            %call
        );
        let _entered = span.enter();
        let cited = cited_evidence(question);
        let (on_case, in_force) = db.read(|tx| {
            let on_case = citable(tx, scope, case, &cited)?;
            Ok((on_case, tx.active_plugin_on(scope, question.as_at())?))
        })?;
        all_on_case(&cited, &on_case)?;
        let Some(active) = in_force else {
            tracing::info!("no policy plugin in force; no advice sought");
            return Ok(None);
        };
        let plugin = self.plugin(db, scope, &active.sha256)?;
        let started = std::time::Instant::now();
        let record = match question {
            Question::GraduatedResponse(facts) => {
                advice_record(&case, &plugin.graduated_response(facts))
            }
            Question::Banding(request) => advice_record(&case, &plugin.banding(request)),
            Question::CostedBanding(request) => {
                advice_record(&case, &plugin.costed_banding(request))
            }
            Question::NextSteps(facts) => advice_record(&case, &plugin.next_steps(facts)),
        };
        count_evaluation(scope, &record, started.elapsed());
        let stored = db.write_with(|tx| {
            // Taken like every command on the case, so the advice queues behind a
            // decision rather than racing it for its place in the case's stream.
            tx.lock_case(scope, case)?;
            // Again under the case's lock: a document removed while the plugin ran
            // must not be cited by the advice recorded.
            all_on_case(&cited, &citable(tx, scope, case, &cited)?)?;
            let stored = tx.record_advice(scope, &record)?;
            tx.append_event(
                scope,
                NewEvent {
                    case_id: Some(case),
                    fact: CaseEvent::AdviceRecorded(events::AdviceRecorded {
                        advice_id: stored.id.to_string(),
                        call: stored.call.clone(),
                        plugin_sha256: stored.plugin_sha256.as_str().to_owned(),
                        outcome: stored.outcome.clone(),
                    }),
                    actor,
                    occurred_at: clock.now(),
                },
            )?;
            Ok::<_, RegistryError>(stored)
        })?;
        Ok(Some(stored))
    }
}

/// Counts an evaluation for the metrics: by authority, call and outcome, with its fuel
/// and how long the sandbox took.
fn count_evaluation(scope: &AuthorityScope, record: &NewAdvice, took: std::time::Duration) {
    let labels = [
        ("authority", scope.authority().to_string()),
        ("call", record.call.clone()),
        ("outcome", record.outcome.clone()),
    ];
    metrics::counter!("sendpanel_plugin_evaluations_total", &labels).increment(1);
    metrics::histogram!("sendpanel_plugin_evaluation_seconds", &labels).record(took.as_secs_f64());
    metrics::histogram!("sendpanel_plugin_fuel_used", &labels).record(record.fuel_used as f64);
}

/// Every evidence id `question`'s facts cite (each need's, support cycle's and
/// professional's), with its field path in the body the caller sent.
fn cited_evidence(question: &Question) -> Vec<(String, &str)> {
    let (facts, prefix) = question.facts();
    let needs = facts.needs.iter().map(|n| &n.evidence);
    let cycles = facts.support_cycles.iter().map(|c| &c.evidence);
    let professionals = facts.professionals.iter().map(|p| &p.evidence);
    let lists = needs
        .enumerate()
        .map(|(i, ids)| ("needs", i, ids))
        .chain(
            cycles
                .enumerate()
                .map(|(i, ids)| ("support_cycles", i, ids)),
        )
        .chain(
            professionals
                .enumerate()
                .map(|(i, ids)| ("professionals", i, ids)),
        );
    lists
        .flat_map(|(list, i, ids)| {
            ids.iter()
                .enumerate()
                .map(move |(j, id)| (format!("{prefix}{list}[{i}].evidence[{j}]"), id.as_str()))
        })
        .collect()
}

/// The documents on `case` that may be cited: those not removed (none are read when
/// nothing is cited).
fn citable(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    cited: &[(String, &str)],
) -> Result<HashSet<String>, StoreError> {
    if cited.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(tx
        .list_evidence(scope, case)?
        .into_iter()
        .filter(|e| e.removed_at.is_none())
        .map(|e| e.id.to_string())
        .collect())
}

/// Refuses the first cited id that is not among the case's documents.
fn all_on_case(cited: &[(String, &str)], on_case: &HashSet<String>) -> Result<(), RegistryError> {
    match cited.iter().find(|(_, id)| !on_case.contains(*id)) {
        Some((field, id)) => Err(RegistryError::EvidenceNotOnCase {
            field: field.clone(),
            rule: format!("{id:?} is not a document on this case; upload it first and cite its id"),
        }),
        None => Ok(()),
    }
}
