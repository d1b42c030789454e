//! Builds the policy plugins for `wasm32-wasip2` the first time a test asks for one, so
//! `cargo test` needs no manual step. The example authorities' plugins and the hostile
//! ones in `tests/plugins/` build together in one cargo run into `target/plugins/` (a
//! target dir of their own, so the build never waits on the lock of the test run that
//! started it).

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

static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();

fn build_all() -> Result<PathBuf, String> {
    let root = workspace_root();
    let target_dir = root.join("target").join("plugins");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target_dir)
        .args([
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
