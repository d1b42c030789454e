//! The `sendpanel` binary as an operator meets it: it serves on both databases, stops
//! cleanly on SIGTERM, and refuses bad configuration, an unreachable database or a
//! newer schema with one clear line and a non-zero exit.
#![allow(clippy::indexing_slicing)] // JSON indexing in helpers: a missing key is a failed test

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sendpanel_tests::TestDb;

/// A working folder of this test run's own, so what the binary writes by default
/// (`data/plugin-cache`, `data/outbox`) never lands in the source tree.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sendpanel-cli-{}", std::process::id()));
    // A folder that cannot be made fails every command below, loudly, at its start.
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn sendpanel() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sendpanel"));
    command
        .current_dir(scratch())
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env("SENDPANEL_AUTHORITIES_DIR", authorities_dir())
        .env("SENDPANEL_LETTERS_DIR", shared_letters_dir())
        .env("NO_COLOR", "1");
    command
}

fn authorities_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities")
}

fn shared_letters_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/letters")
}

/// The one line a failed command printed, with its exit status checked.
fn single_error_line(output: &Output) -> String {
    assert!(!output.status.success(), "expected failure: {output:?}");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("sendpanel: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "exactly one error line in: {stderr}");
    errors.first().map(|l| (*l).to_owned()).unwrap_or_default()
}

struct Running {
    child: Child,
    base: String,
    stdout: BufReader<std::process::ChildStdout>,
}

fn start_serve(database_url: &str, workdir: &Path) -> anyhow::Result<Running> {
    let mut child = sendpanel()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .current_dir(workdir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdout = BufReader::new(
        child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?,
    );
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        line.clear();
        if stdout.read_line(&mut line)? == 0 || Instant::now() > deadline {
            anyhow::bail!("serve exited before listening");
        }
        if let Some(rest) = line.split("listening on ").nth(1) {
            let base = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned();
            return Ok(Running {
                child,
                base,
                stdout,
            });
        }
    }
}

fn get(url: &str) -> anyhow::Result<(u16, serde_json::Value)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.get(url).call()?;
    let status = response.status().as_u16();
    let body: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    Ok((status, body))
}

fn serve_then_stop(database_url: &str, backend: &str) -> anyhow::Result<()> {
    let workdir = tempfile::tempdir()?;
    let mut running = start_serve(database_url, workdir.path())?;
    let (status, body) = get(&format!("{}/healthz", running.base))?;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = get(&format!("{}/readyz", running.base))?;
    // Ready, and nothing more: which database, and why not, are for the log.
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({ "status": "ready" }));
    let _ = backend;
    // SIGTERM: stop accepting, finish, exit 0.
    let killed = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()?;
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(status) = running.child.try_wait()? {
            break status;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "serve did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut running.stdout, &mut rest)?;
    assert!(rest.contains("sendpanel stopped"), "{rest}");
    Ok(())
}

#[test]
fn serve_on_sqlite_answers_health_and_readiness_and_stops_on_sigterm() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    serve_then_stop(
        &format!("sqlite://{}", dir.path().join("s.db").display()),
        "sqlite",
    )
}

#[test]
fn serve_on_postgres_answers_health_and_readiness_and_stops_on_sigterm() -> anyhow::Result<()> {
    let test_db = TestDb::postgres()?;
    serve_then_stop(&test_db.url(), "postgres")
}

/// Runs `serve` with `args` from `workdir` until it listens; returns what it printed.
fn serve_until_listening(workdir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let mut child = sendpanel()
        .arg("serve")
        .args(args)
        .current_dir(workdir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdout = BufReader::new(
        child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?,
    );
    let mut printed = String::new();
    let mut line = String::new();
    while stdout.read_line(&mut line)? > 0 {
        printed.push_str(&line);
        if line.contains("listening on") {
            break;
        }
        line.clear();
    }
    child.kill()?;
    child.wait()?;
    Ok(printed)
}

#[test]
fn serve_demo_with_no_database_argument_uses_data_sendpanel_db_and_prints_demo_logins()
-> anyhow::Result<()> {
    let workdir = tempfile::tempdir()?;
    let printed = serve_until_listening(workdir.path(), &["--demo", "--bind", "127.0.0.1:0"])?;
    assert!(workdir.path().join("data/sendpanel.db").is_file());
    assert!(printed.contains("Demo data seeded"), "{printed}");
    assert!(printed.contains("casey.worker@torbay.example"), "{printed}");
    assert!(printed.contains("sendpanel-demo"), "{printed}");
    assert!(printed.contains("sqlite://data/sendpanel.db"), "{printed}");
    // The README's first command, run again: the demo is kept, not seeded twice.
    let again = serve_until_listening(workdir.path(), &["--demo", "--bind", "127.0.0.1:0"])?;
    assert!(again.contains("Demo data already seeded"), "{again}");
    assert!(again.contains("listening on"), "{again}");
    Ok(())
}

#[test]
fn serve_without_demo_seeds_nothing() -> anyhow::Result<()> {
    let workdir = tempfile::tempdir()?;
    let printed = serve_until_listening(workdir.path(), &["--bind", "127.0.0.1:0"])?;
    assert!(printed.contains("listening on"), "{printed}");
    assert!(!printed.contains("Demo data"), "{printed}");
    assert!(!printed.contains("sendpanel-demo"), "{printed}");
    Ok(())
}

#[test]
fn the_demo_is_refused_off_loopback_and_beside_real_users() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let key = "k".repeat(64);
    let output = sendpanel()
        .env("SENDPANEL_SESSION_KEY", &key)
        .args([
            "serve",
            "--demo",
            "--bind",
            "0.0.0.0:0",
            "--database-url",
            &url,
        ])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("command line: bind: `serve --demo` is refused on 0.0.0.0:0"),
        "{line}"
    );
    assert!(line.contains("loopback"), "{line}");
    let output = sendpanel()
        .env("SENDPANEL_BIND", "0.0.0.0:8080")
        .args(["demo", "--database-url", &url])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("demo: refused with bind = 0.0.0.0:8080"),
        "{line}"
    );

    // Seeded on loopback, the demo is not served off it.
    let seeded = sendpanel()
        .args(["demo", "--database-url", &url])
        .output()?;
    assert!(seeded.status.success(), "{seeded:?}");
    let output = sendpanel()
        .env("SENDPANEL_SESSION_KEY", &key)
        .args(["serve", "--bind", "0.0.0.0:0", "--database-url", &url])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("serve: refused on 0.0.0.0:0: the database has"),
        "{line}"
    );
    assert!(
        line.contains("demo users whose password is published"),
        "{line}"
    );

    // A real user first: the demo's published password must not sit beside them.
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let added = sendpanel()
        .args([
            "user",
            "add",
            "real.person@torbay.gov.uk",
            "--authority",
            "torbay",
            "--name",
            "Real Person",
            "--role",
            "caseworker",
            "--database-url",
            &url,
        ])
        .output()?;
    assert!(added.status.success(), "{added:?}");
    for args in [
        vec![
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &url,
        ],
        vec!["demo", "--database-url", &url],
    ] {
        let output = sendpanel().args(&args).output()?;
        let line = single_error_line(&output);
        assert!(
            line.contains("refused: the database has 1 users that are not the demo's"),
            "{args:?}: {line}"
        );
    }
    Ok(())
}

#[test]
fn serve_off_loopback_needs_a_session_key() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let output = sendpanel()
        .args(["serve", "--bind", "0.0.0.0:0", "--database-url", &url])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains(
            "session_key: must be set to serve on 0.0.0.0:0, which is not a loopback address"
        ),
        "{line}"
    );
    Ok(())
}

#[test]
fn removed_settings_name_what_replaced_them() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("old.toml");
    std::fs::write(&file, "demo_on_empty = true\n")?;
    let output = sendpanel()
        .args(["--config", &file.display().to_string(), "migrate"])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("old.toml: demo_on_empty: was removed"),
        "{line}"
    );
    assert!(line.contains("serve --demo"), "{line}");
    let output = sendpanel()
        .env("SENDPANEL_SECURE_COOKIES", "auto")
        .arg("migrate")
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("environment variable SENDPANEL_SECURE_COOKIES: secure_cookies: `auto` is no longer accepted"),
        "{line}"
    );
    Ok(())
}

#[test]
fn a_malformed_authority_config_names_the_file_and_key() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let folder = dir.path().join("badshire");
    std::fs::create_dir_all(&folder)?;
    let good = std::fs::read_to_string(authorities_dir().join("torbay/authority.toml"))?;
    std::fs::write(
        folder.join("authority.toml"),
        good.replace("code = \"torbay\"", "code = \"badshire\"")
            .replace(
                "voting_rule = \"simple_majority\"",
                "voting_rule = \"loudest_wins\"",
            ),
    )?;
    let output = sendpanel()
        .env("SENDPANEL_AUTHORITIES_DIR", dir.path())
        .args([
            "serve",
            "--database-url",
            &format!("sqlite://{}", dir.path().join("x.db").display()),
        ])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains(
            "badshire/authority.toml: panels[0].voting_rule: `loudest_wins` is not a voting rule"
        ),
        "{line}"
    );
    Ok(())
}

#[test]
fn a_misnamed_letter_override_stops_serve_naming_the_file() -> anyhow::Result<()> {
    // Torbay as shipped, but its own refusal letter is misspelt: it would never be used,
    // and families would get the shared letter instead of the council's.
    let dir = tempfile::tempdir()?;
    let folder = dir.path().join("torbay");
    std::fs::create_dir_all(folder.join("letters"))?;
    std::fs::copy(
        authorities_dir().join("torbay/authority.toml"),
        folder.join("authority.toml"),
    )?;
    std::fs::write(
        folder.join("letters/refusal-to-asess.hbs"),
        "{{#> layout}}<p>Our own words.</p>{{/layout}}",
    )?;
    let output = sendpanel()
        .env("SENDPANEL_AUTHORITIES_DIR", dir.path())
        .args([
            "serve",
            "--database-url",
            &format!("sqlite://{}", dir.path().join("x.db").display()),
        ])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("torbay/letters/refusal-to-asess.hbs: is not the name of a shared template"),
        "{line}"
    );
    assert!(line.contains("refusal-to-assess.hbs"), "{line}");
    Ok(())
}

#[test]
fn a_malformed_settings_file_names_the_file_and_key() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("sendpanel.toml");
    std::fs::write(&file, "database_pool_size = 0\n")?;
    let output = sendpanel()
        .args(["--config", &file.display().to_string(), "migrate"])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("sendpanel.toml: database_pool_size: 0 must be between 1 and 64"),
        "{line}"
    );
    Ok(())
}

#[test]
fn an_unreachable_database_is_one_line_and_a_failure() -> anyhow::Result<()> {
    let output = sendpanel()
        .args([
            "migrate",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
        ])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains(
            "cannot connect to the postgres database at postgres://postgres@127.0.0.1:1/none"
        ),
        "{line}"
    );
    Ok(())
}

#[test]
fn a_database_with_a_newer_schema_is_refused() -> anyhow::Result<()> {
    let test_db = TestDb::sqlite()?;
    test_db.db.write(|tx| {
        tx.execute_raw_for_tests(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')",
        )
    })?;
    let output = sendpanel()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &test_db.url(),
        ])
        .output()?;
    let line = single_error_line(&output);
    assert!(
        line.contains("schema is newer than this sendpanel (database has migration 29991231000000"),
        "{line}"
    );
    Ok(())
}

#[test]
fn version_and_migrate_report_what_they_did() -> anyhow::Result<()> {
    let output = sendpanel().arg("--version").output()?;
    assert_eq!(
        String::from_utf8(output.stdout)?.trim(),
        format!("sendpanel {}", env!("CARGO_PKG_VERSION"))
    );
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let first = sendpanel()
        .args(["migrate", "--database-url", &url])
        .output()?;
    assert!(first.status.success());
    assert!(String::from_utf8(first.stdout)?.contains("applied 20261124000001"));
    let second = sendpanel()
        .args(["migrate", "--database-url", &url])
        .output()?;
    assert!(String::from_utf8(second.stdout)?.contains("schema already current"));
    Ok(())
}

#[test]
fn json_logs_when_asked() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("j.db").display());
    let output = sendpanel()
        .env("SENDPANEL_LOG_FORMAT", "json")
        .args(["demo", "--database-url", &url])
        .output()?;
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr)?;
    let seeded = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["message"] == "demo seeded");
    let seeded = seeded.ok_or_else(|| anyhow::anyhow!("no JSON 'demo seeded' line in {stderr}"))?;
    assert_eq!(seeded["level"], "INFO");
    assert!(seeded["requests"].as_u64() >= Some(12));
    Ok(())
}
