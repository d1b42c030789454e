//! What a component says about itself before it runs: its imports (checked against the
//! sandbox's allow-list) and the version of the contract it implements.

use std::fmt;

use wasmtime::Engine;
use wasmtime::component::Component;

use super::error::LoadError;

/// The contract's major version this host implements; every minor of it is accepted
/// (minor versions only add).
pub const SUPPORTED_MAJOR: u32 = 1;

/// The interface every plugin exports, without its version.
pub(super) const ADVISOR: &str = "sendpanel:policy/advisor";

/// Interfaces a plugin may import. Rust's standard library links these even when a
/// plugin does no I/O; the sandbox backs them with closed stdin, discarded output, a
/// fixed clock and seeded random. Files, sockets, HTTP and monotonic time (which can
/// block on a real timer) are not on the list; `wasi:io/poll` is, because with no timer
/// and no sockets the only things to poll are the closed and discarding stdio streams,
/// which are always ready.
const ALLOWED_IMPORTS: [&str; 18] = [
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/wall-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "sendpanel:policy/types",
];

/// A contract version, e.g. `1.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion {
    /// Incompatible changes.
    pub major: u32,
    /// Additions.
    pub minor: u32,
    /// Fixes.
    pub patch: u32,
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl ApiVersion {
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
        let version = Self {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }
}

/// The import names, after checking each against the allow-list.
pub(super) fn checked_imports(
    engine: &Engine,
    component: &Component,
) -> Result<Vec<String>, LoadError> {
    let imports: Vec<String> = component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let forbidden: Vec<&str> = imports
        .iter()
        .map(String::as_str)
        .filter(|name| {
            let unversioned = name.split('@').next().unwrap_or(name);
            !ALLOWED_IMPORTS.contains(&unversioned)
        })
        .collect();
    if !forbidden.is_empty() {
        return Err(LoadError::ForbiddenImport {
            name: forbidden.join(", "),
            allowed: ALLOWED_IMPORTS.join(", "),
        });
    }
    Ok(imports)
}

/// The version of `sendpanel:policy/advisor` the component exports.
pub(super) fn api_version(engine: &Engine, component: &Component) -> Result<ApiVersion, LoadError> {
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let advisor = exports
        .iter()
        .find_map(|name| name.strip_prefix(ADVISOR)?.strip_prefix('@'))
        .ok_or_else(|| {
            LoadError::WrongWorld(format!(
                "the component must export {ADVISOR}@{SUPPORTED_MAJOR}.x; it exports [{}]",
                exports.join(", ")
            ))
        })?;
    let version = ApiVersion::parse(advisor).ok_or_else(|| {
        LoadError::WrongWorld(format!("{ADVISOR}@{advisor} has no semantic version"))
    })?;
    if version.major != SUPPORTED_MAJOR {
        return Err(LoadError::UnsupportedApiVersion {
            found: version.to_string(),
            supported: SUPPORTED_MAJOR,
        });
    }
    Ok(version)
}

/// A component starts with the magic `\0asm` and the component-model layer (`0d 00 01
/// 00`); a core module has version 1 there. Checked first for a clear message.
pub(super) fn require_component(bytes: &[u8]) -> Result<(), LoadError> {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', 0x0d, 0, 1, 0]) => Ok(()),
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => Err(LoadError::NotAComponent(
            "this is a core WebAssembly module, not a component: make it one with \
             `sendpanel plugin componentize`"
                .to_owned(),
        )),
        _ => Err(LoadError::NotAComponent(
            "the file does not start with the WebAssembly magic number".to_owned(),
        )),
    }
}
