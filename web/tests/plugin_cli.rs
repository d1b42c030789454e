//! `sendpanel plugin ...` as an authority's developer meets it: check and test a
//! component, run one call with JSON on stdin, and install, list, activate and retire
//! plugins in the registry on both databases. Refusals are one line and exit 1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sendpanel_tests::TestDb;
use sendpanel_tests::plugins::{module_path_without_wasi, wasm_path};

fn sendpanel(cache: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sendpanel"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env(
            "SENDPANEL_AUTHORITIES_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities"),
        )
        .env("SENDPANEL_PLUGIN_CACHE_DIR", cache)
        .env("NO_COLOR", "1");
    command
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "expected success: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn error_line(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "expected exit 1: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("sendpanel: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line in: {stderr}");
    lines[0].to_owned()
}

fn torbay() -> PathBuf {
    wasm_path("sendpanel-plugin-torbay")
}

fn run_with_stdin(cache: &Path, args: &[&str], input: &str) -> Output {
    let mut child = sendpanel(cache)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn check_prints_info_hash_and_imports_and_caches_the_compiled_plugin() {
    let cache = tempfile::tempdir().unwrap();
    let out = stdout(
        &sendpanel(cache.path())
            .args(["plugin", "check"])
            .arg(torbay())
            .output()
            .unwrap(),
    );
    assert!(out.contains("authority:      torbay"), "{out}");
    assert!(
        out.contains("api version:    sendpanel:policy@1.1.0"),
        "{out}"
    );
    let sha = sha256_of(&torbay());
    assert!(out.contains(&format!("sha256:         {sha}")), "{out}");
    assert!(
        out.contains("test vectors:   8 carried, and 5 for costed banding"),
        "{out}"
    );
    let cached: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
    assert_eq!(cached.len(), 1, "one compiled plugin in the cache");
    // A second check loads from the cache and says the same.
    let again = stdout(
        &sendpanel(cache.path())
            .args(["plugin", "check"])
            .arg(torbay())
            .output()
            .unwrap(),
    );
    assert_eq!(again, out);
}

fn sha256_of(path: &Path) -> String {
    use sendpanel_core::domain::PluginHash;
    PluginHash::of(&std::fs::read(path).unwrap()).to_string()
}

#[test]
fn the_three_authorities_plugins_pass_check_and_test() {
    let cache = tempfile::tempdir().unwrap();
    for (name, code) in [
        ("sendpanel-plugin-torbay", "torbay"),
        ("sendpanel-plugin-wiltshire", "wiltshire"),
        ("sendpanel-plugin-leicestershire", "leicestershire"),
    ] {
        let file = wasm_path(name);
        let out = stdout(
            &sendpanel(cache.path())
                .args(["plugin", "check"])
                .arg(&file)
                .output()
                .unwrap(),
        );
        assert!(out.contains(&format!("authority:      {code}")), "{out}");
        let out = stdout(
            &sendpanel(cache.path())
                .args(["plugin", "test"])
                .arg(&file)
                .output()
                .unwrap(),
        );
        let last = out.lines().last().unwrap_or_default().to_owned();
        assert!(
            last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
            "{code}: {out}"
        );
    }
}

/// Issue 16: the SDK's build step. `componentize` makes the module cargo built without
/// WASI into the component the host loads: the same bytes the tests build (and the
/// demo ships), importing no WASI. What is not a plugin module is refused in one line,
/// and no file is written.
#[test]
fn componentize_makes_the_module_a_component_that_checks() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("torbay.wasm");
    let out = stdout(
        &sendpanel(cache.path())
            .args(["plugin", "componentize"])
            .arg(module_path_without_wasi("sendpanel-plugin-torbay"))
            .arg("--out")
            .arg(&out_file)
            .output()
            .unwrap(),
    );
    assert!(out.contains("authority:      torbay"), "{out}");
    assert!(
        out.contains("imports:        sendpanel:policy/types@1.1.0\n"),
        "only the contract's types, no WASI: {out}"
    );
    assert_eq!(
        std::fs::read(&out_file).unwrap(),
        std::fs::read(torbay()).unwrap(),
        "the step is deterministic: the same module, the same component"
    );

    // A component is not a module to make one from.
    let again = dir.path().join("again.wasm");
    let output = sendpanel(cache.path())
        .args(["plugin", "componentize"])
        .arg(torbay())
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    assert!(
        error_line(&output).contains("this is already a component"),
        "{output:?}"
    );
    // Nor is a file that is not WebAssembly.
    let text = dir.path().join("notes.wasm");
    std::fs::write(&text, "not a plugin").unwrap();
    let output = sendpanel(cache.path())
        .args(["plugin", "componentize"])
        .arg(&text)
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    assert!(
        error_line(&output).contains("does not start with the WebAssembly magic number"),
        "{output:?}"
    );
    assert!(!again.exists(), "nothing written for a refusal");
}

#[test]
fn test_refuses_a_plugin_that_carries_no_vectors() {
    let cache = tempfile::tempdir().unwrap();
    let output = sendpanel(cache.path())
        .args(["plugin", "test"])
        .arg(wasm_path("sendpanel-hostile-malformed"))
        .output()
        .unwrap();
    assert!(error_line(&output).contains("there are no test vectors to run"));
}

#[test]
fn check_refuses_a_forbidden_import_in_one_line() {
    let cache = tempfile::tempdir().unwrap();
    let output = sendpanel(cache.path())
        .args(["plugin", "check"])
        .arg(wasm_path("sendpanel-hostile-filesystem"))
        .output()
        .unwrap();
    let line = error_line(&output);
    assert!(
        line.contains("refused: forbidden import wasi:filesystem/"),
        "{line}"
    );
}

#[test]
fn test_runs_carried_and_given_vectors_and_ends_with_the_counts() {
    let cache = tempfile::tempdir().unwrap();
    let passing = stdout(
        &sendpanel(cache.path())
            .args(["plugin", "test"])
            .arg(torbay())
            .output()
            .unwrap(),
    );
    assert_eq!(passing.lines().last(), Some("13 passed, 0 failed"));

    // Take a carried vector, expect the opposite recommendation, and run it as extra.
    let carried = stdout(
        &sendpanel(cache.path())
            .args(["plugin", "vectors"])
            .arg(torbay())
            .output()
            .unwrap(),
    );
    let mut vectors: serde_json::Value = serde_json::from_str(&carried).unwrap();
    let mut wrong = vectors[0].take();
    wrong["name"] = "the panel's own expectation".into();
    wrong["expect"]["Advice"]["recommendation"] = "DoNotAssess".into();
    let file = cache.path().join("extra.json");
    std::fs::write(&file, serde_json::to_string(&vec![wrong]).unwrap()).unwrap();
    let output = sendpanel(cache.path())
        .args(["plugin", "test"])
        .arg(torbay())
        .arg("--vectors")
        .arg(&file)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains("FAIL the panel's own expectation: recommendation"),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("13 passed, 1 failed"));
    assert!(error_line(&output).contains("1 of 14 test vectors failed"));
}

#[test]
fn run_reads_json_on_stdin_and_prints_the_answer() {
    let cache = tempfile::tempdir().unwrap();
    let carried = stdout(
        &sendpanel(cache.path())
            .args(["plugin", "vectors"])
            .arg(torbay())
            .output()
            .unwrap(),
    );
    let vectors: serde_json::Value = serde_json::from_str(&carried).unwrap();
    let facts = vectors[0]["call"]["GraduatedResponse"].to_string();
    let torbay = torbay();
    let args = [
        "plugin",
        "run",
        torbay.to_str().unwrap(),
        "--call",
        "graduated-response",
    ];
    let out = stdout(&run_with_stdin(cache.path(), &args, &facts));
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["Ok"]["recommendation"], "Assess");
    assert!(answer["Ok"]["criteria"].as_array().unwrap().len() >= 4);
    // Byte-identical on a second run.
    assert_eq!(stdout(&run_with_stdin(cache.path(), &args, &facts)), out);

    // A bad field is named with its path, and nothing is printed on stdout.
    let broken = facts.replacen("\"Significant\"", "\"Enormous\"", 1);
    let output = run_with_stdin(cache.path(), &args, &broken);
    let line = error_line(&output);
    assert!(
        line.contains("stdin: needs[0].level: unknown variant `Enormous`"),
        "{line}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn run_names_the_limit_a_hostile_plugin_hits() {
    let cache = tempfile::tempdir().unwrap();
    let carried = stdout(
        &sendpanel(cache.path())
            .args(["plugin", "vectors"])
            .arg(torbay())
            .output()
            .unwrap(),
    );
    let vectors: serde_json::Value = serde_json::from_str(&carried).unwrap();
    let facts = vectors[0]["call"]["GraduatedResponse"].to_string();
    let looping = wasm_path("sendpanel-hostile-loop");
    let args = [
        "plugin",
        "run",
        looping.to_str().unwrap(),
        "--call",
        "graduated-response",
    ];
    let line = error_line(&run_with_stdin(cache.path(), &args, &facts));
    assert!(
        line.contains("advice unavailable: the plugin ran out of fuel (budget 50000000)"),
        "{line}"
    );
}

fn registry_flow(database_url: &str) {
    let cache = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        sendpanel(cache.path())
            .args(args)
            .arg("--database-url")
            .arg(database_url)
            .output()
            .unwrap()
    };
    let torbay = torbay();
    let torbay = torbay.to_str().unwrap();
    let sha = sha256_of(Path::new(torbay));

    // Another authority's plugin is refused, and nothing is stored.
    let line = error_line(&cli(&[
        "plugin",
        "install",
        torbay,
        "--authority",
        "wiltshire",
    ]));
    assert!(
        line.contains("it is torbay's policy, not wiltshire's"),
        "{line}"
    );
    assert!(
        stdout(&cli(&["plugin", "list", "--authority", "wiltshire"]))
            .contains("wiltshire has no plugins")
    );

    let out = stdout(&cli(&[
        "plugin",
        "install",
        torbay,
        "--authority",
        "torbay",
        "--from",
        "2023-09-01",
    ]));
    assert!(
        out.contains(&format!("installed {sha} for torbay")),
        "{out}"
    );
    assert!(out.contains("(13 vectors passed)"), "{out}");
    assert!(
        out.contains("is active for torbay from 2023-09-01"),
        "{out}"
    );
    // The same bytes twice is a conflict.
    let line = error_line(&cli(&[
        "plugin",
        "install",
        torbay,
        "--authority",
        "torbay",
    ]));
    assert!(line.contains("conflict"), "{line}");

    // Activation before the policy's own effective-from date is refused.
    let line = error_line(&cli(&[
        "plugin",
        "activate",
        &sha,
        "--authority",
        "torbay",
        "--from",
        "2023-08-31",
    ]));
    assert!(
        line.contains("cannot activate from 2023-08-31: the policy takes effect on 2023-09-01"),
        "{line}"
    );

    let list = stdout(&cli(&["plugin", "list", "--authority", "torbay"]));
    assert!(
        list.contains(&sha) && list.contains("active") && list.contains("2023-09-01"),
        "{list}"
    );

    let out = stdout(&cli(&["plugin", "retire", &sha, "--authority", "torbay"]));
    assert!(out.contains(&format!("{sha} is retired")), "{out}");
    assert!(
        out.contains("no plugin is in use today for torbay"),
        "{out}"
    );
    let out = stdout(&cli(&[
        "plugin",
        "activate",
        &sha,
        "--authority",
        "torbay",
        "--from",
        "2024-01-01",
    ]));
    assert!(
        out.contains("is active for torbay from 2024-01-01"),
        "{out}"
    );

    let line = error_line(&cli(&["plugin", "retire", "abc", "--authority", "torbay"]));
    assert!(line.contains("sha256:"), "{line}");
}

#[test]
fn install_list_retire_and_activate_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    registry_flow(&db.url());
}

#[test]
fn install_list_retire_and_activate_on_postgres() {
    let db = TestDb::postgres().unwrap();
    registry_flow(&db.url());
}
