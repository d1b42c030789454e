//! Makes sure GOV.UK Frontend is installed before the pages embed it: runs `npm ci` in
//! this folder when `node_modules/govuk-frontend/dist/govuk` is missing, or axe-core
//! (a dev dependency the browser tests inject into each page). The packages are pinned
//! by `package.json` and `package-lock.json`; `node_modules` is never committed.

use std::path::Path;
use std::process::Command;

const DIST: &str = "node_modules/govuk-frontend/dist/govuk";
/// axe-core, a dev dependency read by the browser tests.
const AXE: &str = "node_modules/axe-core/axe.min.js";

fn main() {
    println!("cargo::rerun-if-changed=package.json");
    println!("cargo::rerun-if-changed=package-lock.json");
    println!("cargo::rerun-if-changed={DIST}");
    if Path::new(DIST).join("govuk-frontend.min.css").is_file() && Path::new(AXE).is_file() {
        return;
    }
    let outcome = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .status();
    match outcome {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!(
            "`npm ci` in web/ failed ({status}); GOV.UK Frontend is needed for the pages"
        )),
        Err(error) => fail(&format!(
            "cannot run npm ({error}): install Node.js and npm (`apt-get install nodejs npm`, \
             or `bash .ci/run`), which fetch GOV.UK Frontend for the pages"
        )),
    }
    if !Path::new(DIST).join("govuk-frontend.min.css").is_file() {
        fail(&format!("`npm ci` ran but {DIST} is still missing"));
    }
}

/// Stops the build with one clear line.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
