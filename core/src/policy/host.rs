//! The engine, the loader, and the per-evaluation sandbox.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentNamedList, ComponentType, Instance, InstancePre,
    Lift, Linker, Lower,
};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap,
};

use super::cache::ComponentCache;
use super::contract::{
    BandAdvice, BandRequest, CostedBandRequest, CostedTestVector, GraduatedResponseAdvice,
    NextStepsPlan, PluginInfo, PolicyError, PolicyPre, RequestFacts, TestVector,
};
use super::error::{LoadError, Unavailable};
use super::evaluation::{Call, Evaluation, Outcome};
use super::inspect::{self, ApiVersion};
use super::limits::Limits;
use super::sandbox::Sandbox;
use super::validate;
use crate::domain::PluginHash;

/// Linear memory kept mapped between instances; see `PolicyHost::new`.
const KEEP_RESIDENT_BYTES: usize = 128 << 10;

/// One wasmtime engine for the process, with the sandbox's settings; cheap to clone.
#[derive(Clone)]
pub struct PolicyHost {
    inner: Arc<HostInner>,
}

struct HostInner {
    engine: Engine,
    linker: Linker<Sandbox>,
    limits: Limits,
    cache: ComponentCache,
}

impl std::fmt::Debug for PolicyHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyHost")
            .field("limits", &self.inner.limits)
            .finish()
    }
}

impl PolicyHost {
    /// A host with `limits`, caching compiled plugins in `cache_dir` when given.
    pub fn new(limits: Limits, cache_dir: Option<PathBuf>) -> Result<Self, LoadError> {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(limits.concurrent_instances)
            .total_core_instances(limits.concurrent_instances.saturating_mul(4))
            .total_memories(limits.concurrent_instances.saturating_mul(2))
            .total_tables(limits.concurrent_instances.saturating_mul(4))
            .total_stacks(limits.concurrent_instances)
            .max_memory_size(limits.memory_bytes)
            // The first 128 KiB of each heap (a plugin's 64 KiB stack, its data and the
            // first of its heap) is wiped with memset rather than given back to the OS
            // and faulted in again: measured 25 µs -> 15 µs per Torbay evaluation.
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(64 << 10)
            // Where the kernel has PAGEMAP_SCAN (Linux 6.7+), only the pages an
            // evaluation wrote are reset, instead of all of the resident ones; elsewhere
            // wasmtime falls back to the memset above.
            .pagemap_scan(Enabled::Auto);
        let mut config = Config::new();
        config
            .consume_fuel(true)
            .max_wasm_stack(limits.stack_bytes)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            // Determinism: the same input gives the same bytes on every machine.
            .cranelift_nan_canonicalization(true)
            .relaxed_simd_deterministic(true);
        let engine =
            Engine::new(&config).map_err(|e| LoadError::Invalid(format!("engine: {e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| LoadError::Invalid(format!("linker: {e:#}")))?;
        Ok(Self {
            inner: Arc::new(HostInner {
                engine,
                linker,
                limits,
                cache: ComponentCache::new(cache_dir),
            }),
        })
    }

    /// The limits every evaluation runs under.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Checks and compiles a component: size, component header, imports against the
    /// allow-list, the contract version, the exported types, and a sane `info()`.
    /// Carried test vectors are *not* run here; see [`Plugin::run_vectors`].
    pub fn load(&self, bytes: &[u8]) -> Result<Plugin, LoadError> {
        let limits = self.inner.limits;
        if bytes.len() > limits.plugin_bytes {
            return Err(LoadError::TooLarge {
                bytes: bytes.len(),
                limit: limits.plugin_bytes,
            });
        }
        inspect::require_component(bytes)?;
        let sha256 = PluginHash::of(bytes);
        let span = tracing::info_span!("plugin.load", plugin.sha256 = %sha256);
        let _entered = span.enter();
        let engine = &self.inner.engine;
        let component: Component = self.inner.cache.compile(engine, sha256.as_str(), bytes)?;
        let imports = inspect::checked_imports(engine, &component)?;
        let api_version = inspect::api_version(engine, &component)?;
        let instance_pre = self
            .inner
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::WrongWorld(format!("{e:#}")))?;
        // Checks every export's types against the contract version the component was
        // built for, once, here; each evaluation then looks up only the one function it
        // calls.
        let wrong_world = |e: wasmtime::Error| LoadError::WrongWorld(format!("{e:#}"));
        if api_version.minor == 0 {
            drop(super::bindings::v1_0::PolicyPre::new(instance_pre.clone()).map_err(wrong_world)?);
        } else {
            drop(PolicyPre::new(instance_pre.clone()).map_err(wrong_world)?);
        }
        let exports = ExportIndices::find(
            &component,
            &format!("{}@{api_version}", inspect::ADVISOR),
            api_version,
        )?;
        let inner = PluginInner {
            host: self.inner.clone(),
            sha256,
            api_version,
            imports,
            size: bytes.len(),
            pre: instance_pre,
            exports,
        };
        let (raw, _) = inner
            .run(|instance, store, exports| call(instance, store, &exports.info, ()).map(Ok))
            .map_err(|e| LoadError::BadInfo(format!("gave no answer: {e}")))?;
        let info = flatten(raw).map_err(|e| LoadError::BadInfo(format!("gave no answer: {e}")))?;
        validate::info(&info).map_err(LoadError::BadInfo)?;
        Ok(Plugin {
            inner: Arc::new(inner),
            info,
        })
    }
}

/// A loaded, checked plugin. Cloning shares the compiled code; every call still gets a
/// fresh instance.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<PluginInner>,
    info: PluginInfo,
}

struct PluginInner {
    host: Arc<HostInner>,
    sha256: PluginHash,
    api_version: ApiVersion,
    imports: Vec<String>,
    size: usize,
    pre: InstancePre<Sandbox>,
    exports: ExportIndices,
}

/// Where each of the contract's functions sits in the component, found once at load.
struct ExportIndices {
    info: ComponentExportIndex,
    graduated_response: ComponentExportIndex,
    banding: ComponentExportIndex,
    next_steps: ComponentExportIndex,
    test_vectors: ComponentExportIndex,
    /// Since 1.1: absent from a 1.0 component.
    costed_banding: Option<ComponentExportIndex>,
    /// Since 1.1: absent from a 1.0 component.
    costed_test_vectors: Option<ComponentExportIndex>,
}

impl ExportIndices {
    fn find(
        component: &Component,
        interface: &str,
        version: ApiVersion,
    ) -> Result<Self, LoadError> {
        let missing =
            |name: &str| LoadError::WrongWorld(format!("{interface} does not export {name}"));
        let (_, advisor) = component
            .get_export(None, interface)
            .ok_or_else(|| missing(interface))?;
        let function = |name: &str| {
            component
                .get_export_index(Some(&advisor), name)
                .ok_or_else(|| missing(name))
        };
        Ok(Self {
            info: function("info")?,
            graduated_response: function("graduated-response")?,
            banding: function("banding")?,
            next_steps: function("next-steps")?,
            test_vectors: function("test-vectors")?,
            // Looked up only where the load checked their types: from 1.1 on.
            costed_banding: (version.minor >= 1)
                .then(|| function("costed-banding"))
                .transpose()?,
            costed_test_vectors: (version.minor >= 1)
                .then(|| function("costed-test-vectors"))
                .transpose()?,
        })
    }
}

/// Calls one export of a fresh instance. `typed` checks just this function's types
/// (the whole contract was checked at load), which keeps an evaluation cheap.
fn call<P, R>(
    instance: &Instance,
    store: &mut Store<Sandbox>,
    index: &ComponentExportIndex,
    params: P,
) -> wasmtime::Result<R>
where
    P: ComponentNamedList + Lower,
    R: ComponentType + Lift + 'static,
{
    let func = instance
        .get_func(&mut *store, index)
        .ok_or_else(|| wasmtime::format_err!("the instance lacks an export it had at load"))?;
    let typed = func.typed::<P, (R,)>(&*store)?;
    let (answer,) = typed.call(&mut *store, params)?;
    Ok(answer)
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("sha256", &self.inner.sha256)
            .field("api_version", &self.inner.api_version)
            .finish()
    }
}

/// A call's raw result before checking: the plugin's answer, or why there is none.
type Raw<T> = Result<Result<T, PolicyError>, Unavailable>;

impl Plugin {
    /// SHA-256 of the component, lower-case hex: the identity advice is stored under.
    pub fn sha256(&self) -> &PluginHash {
        &self.inner.sha256
    }

    /// The contract version the component implements.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.api_version
    }

    /// What the component imports (all on the allow-list).
    pub fn imports(&self) -> &[String] {
        &self.inner.imports
    }

    /// The component's size in bytes.
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// The plugin's own account of itself, read once at load.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// The date the policy says it takes effect (checked to be a real date at load).
    pub fn effective_from(&self) -> chrono::NaiveDate {
        let d = self.info.effective_from;
        chrono::NaiveDate::from_ymd_opt(d.year, u32::from(d.month), u32::from(d.day))
            .unwrap_or_default()
    }

    /// Graduated-response advice on `facts`.
    pub fn graduated_response(&self, facts: &RequestFacts) -> Evaluation<GraduatedResponseAdvice> {
        self.evaluate(
            Call::GraduatedResponse,
            facts,
            |instance, store, exports| call(instance, store, &exports.graduated_response, (facts,)),
            validate::graduated_response,
        )
    }

    /// Band advice for a placement.
    pub fn banding(&self, request: &BandRequest) -> Evaluation<BandAdvice> {
        self.evaluate(
            Call::Banding,
            request,
            |instance, store, exports| call(instance, store, &exports.banding, (request,)),
            validate::band,
        )
    }

    /// The next-steps plan after a refusal to assess.
    pub fn next_steps(&self, facts: &RequestFacts) -> Evaluation<NextStepsPlan> {
        self.evaluate(
            Call::NextSteps,
            facts,
            |instance, store, exports| call(instance, store, &exports.next_steps, (facts,)),
            validate::next_steps,
        )
    }

    /// Band advice given the plan's costed provision. A component built against 1.0
    /// has no such function: its answer is its `banding` answer to the request inside
    /// (recorded as that call, so a replay makes the same one), as the contract says of
    /// a policy with no use for the costs.
    pub fn costed_banding(&self, request: &CostedBandRequest) -> Evaluation<BandAdvice> {
        let Some(index) = self.inner.exports.costed_banding else {
            return self.banding(&request.request);
        };
        self.evaluate(
            Call::CostedBanding,
            request,
            |instance, store, _| call(instance, store, &index, (request,)),
            |advice, request: &CostedBandRequest| validate::band(advice, &request.request),
        )
    }

    /// The costed-banding test vectors the plugin carries (none from a 1.0 component).
    pub fn costed_test_vectors(&self) -> Result<Vec<CostedTestVector>, Unavailable> {
        let Some(index) = self.inner.exports.costed_test_vectors else {
            return Ok(Vec::new());
        };
        let (raw, _) = self
            .inner
            .run(|instance, store, _| call(instance, store, &index, ()).map(Ok))?;
        flatten(raw)
    }

    /// The test vectors the plugin carries.
    pub fn test_vectors(&self) -> Result<Vec<TestVector>, Unavailable> {
        let (raw, _) = self.inner.run(|instance, store, exports| {
            call(instance, store, &exports.test_vectors, ()).map(Ok)
        })?;
        flatten(raw)
    }

    /// Runs one call in a fresh sandbox, checks sizes and the contract's rules, and
    /// records everything needed to replay it.
    fn evaluate<I: Serialize, T: Serialize>(
        &self,
        call: Call,
        input: &I,
        invoke: impl FnOnce(
            &Instance,
            &mut Store<Sandbox>,
            &ExportIndices,
        ) -> wasmtime::Result<Result<T, PolicyError>>,
        check: impl FnOnce(&T, &I) -> Result<(), Unavailable>,
    ) -> Evaluation<T> {
        let span = tracing::info_span!(
            "plugin.call",
            %call,
            plugin.sha256 = %self.inner.sha256,
            plugin.api_version = %self.inner.api_version,
            fuel_used = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let _entered = span.enter();
        let limits = self.inner.host.limits;
        let input_json = serde_json::to_string(input).unwrap_or_default();
        let mut evaluation = Evaluation {
            plugin_sha256: self.inner.sha256.clone(),
            api_version: self.inner.api_version,
            call,
            input_json,
            output_json: None,
            outcome: Outcome::Unavailable(Unavailable::Sandbox {
                detail: "not run".to_owned(),
            }),
            fuel_used: 0,
        };
        if evaluation.input_json.len() > limits.input_bytes {
            evaluation.outcome = Outcome::Unavailable(Unavailable::InputTooLarge {
                bytes: evaluation.input_json.len(),
                limit: limits.input_bytes,
            });
            span.record("outcome", "unavailable");
            return evaluation;
        }
        let (raw, fuel_used) = match self.inner.run(invoke) {
            Ok(done) => done,
            // The sandbox never started: no fuel was burnt.
            Err(unavailable) => (Err(unavailable), 0),
        };
        evaluation.fuel_used = fuel_used;
        evaluation.outcome = match raw {
            Err(unavailable) => Outcome::Unavailable(unavailable),
            Ok(answer) => {
                let json = serde_json::to_string(&answer).unwrap_or_default();
                if json.len() > limits.output_bytes {
                    Outcome::Unavailable(Unavailable::OutputTooLarge {
                        bytes: json.len(),
                        limit: limits.output_bytes,
                    })
                } else {
                    let checked = match &answer {
                        Ok(advice) => check(advice, input),
                        Err(declined) => validate::policy_error(declined),
                    };
                    match checked {
                        Err(malformed) => Outcome::Unavailable(malformed),
                        Ok(()) => {
                            evaluation.output_json = Some(json);
                            match answer {
                                Ok(advice) => Outcome::Advice(advice),
                                Err(declined) => Outcome::Declined(declined),
                            }
                        }
                    }
                }
            }
        };
        span.record("fuel_used", evaluation.fuel_used);
        span.record("outcome", evaluation.outcome.kind());
        if let Outcome::Unavailable(reason) = &evaluation.outcome {
            tracing::warn!(%reason, "plugin gave no advice");
        }
        evaluation
    }
}

impl PluginInner {
    /// A fresh store and instance, the call, and the fuel it burnt. Any failure inside
    /// the plugin comes back as [`Unavailable`]; the instance is dropped either way.
    fn run<T>(
        &self,
        invoke: impl FnOnce(
            &Instance,
            &mut Store<Sandbox>,
            &ExportIndices,
        ) -> wasmtime::Result<Result<T, PolicyError>>,
    ) -> Result<(Raw<T>, u64), Unavailable> {
        let host = &self.host;
        let limits = host.limits;
        let mut store = Store::new(&host.engine, Sandbox::new(limits.memory_bytes));
        store.limiter(|sandbox| sandbox);
        store
            .set_fuel(limits.fuel)
            .map_err(|e| Unavailable::Sandbox {
                detail: format!("{e:#}"),
            })?;
        let instance = self.pre.instantiate(&mut store).map_err(|e| {
            // A trap while starting is the plugin's; anything else (the instance pool
            // is full, say) is the sandbox's.
            if e.downcast_ref::<Trap>().is_some() || store.data().memory_refused {
                classify(&e, &store, limits)
            } else {
                Unavailable::Sandbox {
                    detail: format!("{e:#}"),
                }
            }
        })?;
        let result = invoke(&instance, &mut store, &self.exports);
        let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
        let raw = result.map_err(|e| classify(&e, &store, limits));
        Ok((raw, fuel_used))
    }
}

/// For calls that cannot decline (`info`, `test-vectors`).
fn flatten<T>(raw: Raw<T>) -> Result<T, Unavailable> {
    raw.and_then(|answer| {
        answer.map_err(|e| Unavailable::Trap {
            detail: format!("unexpected policy error {e:?}"),
        })
    })
}

/// Names what went wrong inside the sandbox.
fn classify(error: &wasmtime::Error, store: &Store<Sandbox>, limits: Limits) -> Unavailable {
    if store.data().memory_refused {
        return Unavailable::MemoryLimit {
            limit: limits.memory_bytes,
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Unavailable::OutOfFuel {
            budget: limits.fuel,
        },
        Some(Trap::StackOverflow) => Unavailable::StackOverflow,
        Some(trap) => Unavailable::Trap {
            detail: trap.to_string(),
        },
        None => Unavailable::Trap {
            detail: error.root_cause().to_string(),
        },
    }
}
