//! Why a plugin was refused, and why an answer is unavailable.

use serde::{Deserialize, Serialize};

/// A component refused at load (upload, `plugin check`, or start-up). Each variant
/// names the rule, so an authority's developer knows what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Larger than `policy.plugin_bytes`.
    #[error("plugin is {bytes} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A core module or other bytes, not a WebAssembly component.
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
    /// wasmtime could not compile it.
    #[error("component does not compile: {0}")]
    Invalid(String),
    /// It imports something outside the sandbox's allow-list (files, sockets, ...).
    #[error("forbidden import {name}: plugins may import only {allowed}")]
    ForbiddenImport {
        /// Every forbidden import's full name, comma-separated.
        name: String,
        /// The allow-list, for the message.
        allowed: String,
    },
    /// It does not export `sendpanel:policy/advisor@1.x`, or exports it with other types.
    #[error("wrong world: {0}")]
    WrongWorld(String),
    /// It implements a major version of the contract this host does not know.
    #[error("unsupported API version {found}: this host supports sendpanel:policy@{supported}.x")]
    UnsupportedApiVersion {
        /// The version the component exports.
        found: String,
        /// The major this host supports.
        supported: u32,
    },
    /// `info()` trapped or answered nonsense.
    #[error("info() {0}")]
    BadInfo(String),
    /// The compiled-artefact cache could not be written or read.
    #[error("compiled-plugin cache: {0}")]
    Cache(String),
}

/// Why a plugin gave no usable answer. Stored on the case beside the input, so the panel
/// sees that advice was sought and why there is none; never a crash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Unavailable {
    /// The call burnt its whole fuel budget (an endless loop, or too much work).
    #[error("advice unavailable: the plugin ran out of fuel (budget {budget})")]
    OutOfFuel {
        /// The budget it had.
        budget: u64,
    },
    /// The instance tried to grow memory past its cap.
    #[error("advice unavailable: the plugin tried to use more than {limit} bytes of memory")]
    MemoryLimit {
        /// The cap.
        limit: usize,
    },
    /// The call recursed past the stack limit.
    #[error("advice unavailable: the plugin overflowed its stack")]
    StackOverflow,
    /// The plugin trapped (a panic, `unreachable`, a bad memory access).
    #[error("advice unavailable: the plugin failed ({detail})")]
    Trap {
        /// What wasmtime reported.
        detail: String,
    },
    /// The request was larger than the host sends.
    #[error("advice unavailable: the request is {bytes} bytes, over the limit of {limit}")]
    InputTooLarge {
        /// Its size as JSON.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The answer was larger than the host accepts.
    #[error("advice unavailable: the answer is {bytes} bytes, over the limit of {limit}")]
    OutputTooLarge {
        /// Its size as JSON.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The answer broke a rule of the contract (negative money, an empty reason, ...).
    #[error("advice unavailable: the answer is malformed: {field} {rule}")]
    MalformedOutput {
        /// Where in the answer.
        field: String,
        /// The rule it broke.
        rule: String,
    },
    /// The sandbox could not be set up (e.g. the instance pool is full).
    #[error("advice unavailable: the sandbox could not start ({detail})")]
    Sandbox {
        /// What went wrong.
        detail: String,
    },
}
