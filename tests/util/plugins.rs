//! Builds the policy plugins for `wasm32-wasip2` the first time a test asks for one, so
//! `cargo test` needs no manual step. The example authorities' plugins and the hostile
//! ones in `tests/plugins/` build together in one cargo run into `target/plugins/` (a
//! target dir of their own, so the build never waits on the lock of the test run that
//! started it).
//!
//! The build is reproducible wherever the repository and cargo's home are: the paths a
//! component could carry (a dependency's panic location names its file) are remapped
//! to fixed prefixes, so a clone at another path, on CI or a laptop, builds the same
//! bytes. That is what lets the demo ship built components (`plugins/dist/`) that a
//! test proves are these sources (`policy::shipped_plugins_are_built_from_these_sources`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

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

/// The `--config` every plugin build adds: the workspace and cargo's home remapped to
/// `/sendpanel` and `/cargo`, so no absolute path of this machine reaches the bytes.
/// Given as `target.wasm32-wasip2.rustflags`, which cargo joins to the same key in
/// `.cargo/config.toml` (the plugins' 64 KiB stack) rather than replacing it, as
/// `RUSTFLAGS` or `CARGO_ENCODED_RUSTFLAGS` would; and it applies to the
/// `wasm32-wasip2` artefacts only, not to the host's build scripts and macros.
pub fn reproducible_config() -> String {
    let mut flags = vec![format!(
        "--remap-path-prefix={}=/sendpanel",
        workspace_root().display()
    )];
    if let Some(home) = cargo_home() {
        flags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    let quoted: Vec<String> = flags.iter().map(|flag| format!("{flag:?}")).collect();
    format!("target.wasm32-wasip2.rustflags=[{}]", quoted.join(", "))
}

static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();

fn build_all() -> Result<PathBuf, String> {
    let root = workspace_root();
    let target_dir = root.join("target").join("plugins");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args([
            "--config",
            &reproducible_config(),
            "build",
            "--profile",
            "plugin",
            "--target",
            "wasm32-wasip2",
            "-p",
            "sendpanel-plugin*",
            "-p",
            "sendpanel-hostile-*",
        ])
        .output()
        .map_err(|e| format!("cannot run cargo to build the plugins: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the plugins for wasm32-wasip2 failed (is the target installed? `rustup target add wasm32-wasip2`):\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(target_dir.join("wasm32-wasip2").join("plugin"))
}

/// The component file of the plugin crate `name` (e.g. `sendpanel-plugin-torbay`),
/// building every plugin first if needed. Panics with cargo's output if the build fails.
#[allow(clippy::panic)]
pub fn wasm_path(name: &str) -> PathBuf {
    match BUILT.get_or_init(build_all) {
        Ok(dir) => dir.join(format!("{}.wasm", name.replace('-', "_"))),
        Err(message) => panic!("{message}"),
    }
}

/// The bytes of [`wasm_path`].
#[allow(clippy::panic)]
pub fn wasm(name: &str) -> Vec<u8> {
    let path = wasm_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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
