//! Builds the policy plugins the first time a test asks for one, so `cargo test` needs
//! no manual step, into `target/plugins/` (a target dir of their own, so the build
//! never waits on the lock of the test run that started it).
//!
//! Two builds, as an authority's developer may make either:
//! - **without WASI**, the SDK's default: `wasm32-unknown-unknown`, then made a
//!   component by the SDK's build step ([`component_from_module`], what
//!   `sendpanel plugin componentize` runs). The example authorities' plugins are built
//!   so, as they ship, and two hostile ones, so the sandbox's limits are tested on it.
//! - **with WASI**, `wasm32-wasip2`: every hostile plugin (those that read a clock,
//!   files or sockets need WASI to try), and Torbay's, to prove both builds answer alike.
//!
//! The build is reproducible wherever the repository and cargo's home are: the paths a
//! component could carry (a dependency's panic location names its file) are remapped
//! to fixed prefixes, so a clone at another path, on CI or a laptop, builds the same
//! bytes. That is what lets the demo ship built components (`plugins/dist/`) that a
//! test proves are these sources (`policy::shipped_plugins_are_built_from_these_sources`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sendpanel_core::policy::component_from_module;

/// The targets plugins build for: without WASI (the SDK's default), and with it.
const WITHOUT_WASI: &str = "wasm32-unknown-unknown";
const WITH_WASI: &str = "wasm32-wasip2";

/// The packages built without WASI: the authorities' plugins (as they ship) and the
/// hostile plugins whose limits (memory, a trap) the sandbox must enforce on that build
/// too.
const BUILT_WITHOUT_WASI: [&str; 3] = [
    "sendpanel-plugin-*",
    "sendpanel-hostile-memory",
    "sendpanel-hostile-trap",
];

/// The packages built with WASI: every hostile plugin, and Torbay's for comparison.
const BUILT_WITH_WASI: [&str; 2] = ["sendpanel-hostile-*", "sendpanel-plugin-torbay"];

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Where cargo keeps downloaded crates: `CARGO_HOME`, else `~/.cargo`, as cargo itself
/// decides.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
}

/// The `--config` a plugin build for `target` adds: the workspace and cargo's home
/// remapped to `/sendpanel` and `/cargo`, so no absolute path of this machine reaches
/// the bytes. Given as `target.<target>.rustflags`, which cargo joins to the same key
/// in `.cargo/config.toml` (the plugins' 64 KiB stack) rather than replacing it, as
/// `RUSTFLAGS` or `CARGO_ENCODED_RUSTFLAGS` would; and it applies to the WebAssembly
/// artefacts only, not to the host's build scripts and macros.
fn reproducible_config(target: &str) -> String {
    let mut flags = vec![format!(
        "--remap-path-prefix={}=/sendpanel",
        workspace_root().display()
    )];
    if let Some(home) = cargo_home() {
        flags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    let quoted: Vec<String> = flags.iter().map(|flag| format!("{flag:?}")).collect();
    format!("target.{target}.rustflags=[{}]", quoted.join(", "))
}

/// Where the two builds' components are.
struct Built {
    /// The modules cargo built without WASI, before the SDK's build step.
    modules: PathBuf,
    /// Components made from the modules built without WASI.
    without_wasi: PathBuf,
    /// The `wasm32-wasip2` build's output, components already.
    with_wasi: PathBuf,
}

static BUILT: OnceLock<Result<Built, String>> = OnceLock::new();

/// Runs cargo for `target` on `packages` in the plugins' own target dir.
fn cargo_build(target_dir: &Path, target: &str, packages: &[&str]) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["--config", &reproducible_config(target)])
        .args(["build", "--profile", "plugin", "--target", target]);
    for package in packages {
        command.args(["-p", package]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo to build the plugins: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the plugins for {target} failed (is the target installed? `rustup target add {target}`):\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(target_dir.join(target).join("plugin"))
}

fn build_all() -> Result<Built, String> {
    let target_dir = workspace_root().join("target").join("plugins");
    let modules = cargo_build(&target_dir, WITHOUT_WASI, &BUILT_WITHOUT_WASI)?;
    let with_wasi = cargo_build(&target_dir, WITH_WASI, &BUILT_WITH_WASI)?;
    // The SDK's build step, on every module the first build made.
    let without_wasi = target_dir.join("components");
    std::fs::create_dir_all(&without_wasi)
        .map_err(|e| format!("{}: {e}", without_wasi.display()))?;
    let entries = std::fs::read_dir(&modules).map_err(|e| format!("{}: {e}", modules.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|ext| ext != "wasm") {
            continue;
        }
        let module = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let component =
            component_from_module(&module).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = without_wasi.join(path.file_name().unwrap_or_default());
        std::fs::write(&file, component).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(Built {
        modules,
        without_wasi,
        with_wasi,
    })
}

#[allow(clippy::panic)]
fn built() -> &'static Built {
    match BUILT.get_or_init(build_all) {
        Ok(built) => built,
        Err(message) => panic!("{message}"),
    }
}

fn file_name(package: &str) -> String {
    format!("{}.wasm", package.replace('-', "_"))
}

/// The component file of the plugin crate `name` (e.g. `sendpanel-plugin-torbay`) as it
/// is tested by default: an authority's plugin as the SDK builds it (without WASI), a
/// hostile plugin with WASI. Builds every plugin first if needed; panics with cargo's
/// output if the build fails.
pub fn wasm_path(name: &str) -> PathBuf {
    if name.starts_with("sendpanel-plugin-") {
        wasm_path_without_wasi(name)
    } else {
        wasm_path_with_wasi(name)
    }
}

/// The component of `name` built without WASI (the SDK's default); see [`BUILT_WITHOUT_WASI`].
pub fn wasm_path_without_wasi(name: &str) -> PathBuf {
    built().without_wasi.join(file_name(name))
}

/// The core module of `name` as cargo built it without WASI, before
/// [`component_from_module`] (`sendpanel plugin componentize`) made it a component.
pub fn module_path_without_wasi(name: &str) -> PathBuf {
    built().modules.join(file_name(name))
}

/// The component of `name` built for `wasm32-wasip2`; see [`BUILT_WITH_WASI`].
pub fn wasm_path_with_wasi(name: &str) -> PathBuf {
    built().with_wasi.join(file_name(name))
}

#[allow(clippy::panic)]
fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bytes of [`wasm_path`].
pub fn wasm(name: &str) -> Vec<u8> {
    read(&wasm_path(name))
}

/// The bytes of [`wasm_path_without_wasi`].
pub fn wasm_without_wasi(name: &str) -> Vec<u8> {
    read(&wasm_path_without_wasi(name))
}

/// The bytes of [`wasm_path_with_wasi`].
pub fn wasm_with_wasi(name: &str) -> Vec<u8> {
    read(&wasm_path_with_wasi(name))
}

/// The facts of `plugin`'s first graduated-response test vector: a realistic request
/// for tests and benchmarks to ask about, as the plugin's author wrote it.
///
/// # Panics
/// When the plugin carries no such vector (every shipped plugin does).
pub fn graduated_response_facts(
    plugin: &sendpanel_core::policy::Plugin,
) -> sendpanel_core::policy::contract::RequestFacts {
    use sendpanel_core::policy::contract::TestCall;
    plugin
        .test_vectors()
        .unwrap_or_else(|e| panic!("the plugin's vectors: {e}"))
        .into_iter()
        .find_map(|v| match v.call {
            TestCall::GraduatedResponse(facts) => Some(facts),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the plugin carries no graduated-response vector"))
}
