//! `sendpanel user ...` as an authority's administrator meets it, on both databases:
//! add users, issue a token that then authenticates through the core service, list and
//! revoke it. Refusals are one line naming the flag and the rule, with exit status 1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Output};

use sendpanel_core::domain::{Email, UserRole};
use sendpanel_core::identity;
use sendpanel_core::store::{Database, DatabaseUrl, PoolOptions};
use sendpanel_tests::TestDb;

fn sendpanel(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sendpanel"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("SENDPANEL_NEW_PASSWORD")
        .env(
            "SENDPANEL_AUTHORITIES_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities"),
        )
        .env("NO_COLOR", "1")
        .arg("--database-url")
        .arg(database_url);
    command
}

fn run(database_url: &str, args: &[&str]) -> Output {
    sendpanel(database_url).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "expected success: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn error_line(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "expected exit 1: {output:?}");
    let stderr = stderr(output);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("sendpanel: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line in: {stderr}");
    lines[0].to_owned()
}

/// The same database the binary used, opened afresh from its URL.
fn open(database_url: &str) -> Database {
    Database::open(
        DatabaseUrl::parse(database_url).unwrap(),
        PoolOptions::default(),
    )
    .unwrap()
}

fn user_flow(database_url: &str) {
    let cli = |args: &[&str]| run(database_url, args);

    // A caseworker with a password from the environment.
    let added = sendpanel(database_url)
        .args([
            "user",
            "add",
            "Casey@Torbay.example",
            "--authority",
            "torbay",
            "--role",
            "caseworker",
            "--name",
            "Casey Worker",
        ])
        .env("SENDPANEL_NEW_PASSWORD", "correct horse battery")
        .output()
        .unwrap();
    let out = stdout(&added);
    assert!(
        out.starts_with("added casey@torbay.example to torbay as caseworker ("),
        "{out}"
    );
    assert!(!stderr(&added).contains("cannot sign in"), "{added:?}");
    let db = open(database_url);
    let casey = Email::parse("casey@torbay.example").unwrap();
    let (user, hash) = db
        .read(|tx| tx.find_user_for_sign_in(&casey))
        .unwrap()
        .unwrap();
    assert_eq!(
        (user.display_name.as_str(), user.role),
        ("Casey Worker", UserRole::Caseworker)
    );
    assert!(hash.verify("correct horse battery"));

    // A chair and an auditor without passwords: told they cannot sign in yet.
    for (email, role) in [
        ("chair@torbay.example", "panel_chair"),
        ("audit@torbay.example", "auditor"),
    ] {
        let added = cli(&[
            "user",
            "add",
            email,
            "--authority",
            "torbay",
            "--role",
            role,
        ]);
        assert!(stdout(&added).contains(&format!("as {role} (")));
        assert!(
            stderr(&added).contains("SENDPANEL_NEW_PASSWORD was not set"),
            "{added:?}"
        );
    }

    // A token: alone on stdout, the warning on stderr.
    let issued = cli(&[
        "user",
        "token",
        "casey@torbay.example",
        "--authority",
        "torbay",
        "--label",
        "case sync",
    ]);
    let out = stdout(&issued);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone: {out}");
    let token = lines[0];
    assert!(token.starts_with("sp_") && token.len() == 67, "{token}");
    let note = stderr(&issued);
    assert!(note.contains("shown once"), "{note}");
    assert!(!note.contains(token), "the token is printed once: {note}");

    // It authenticates Casey, through the core service, on the same database.
    let found = identity::authenticate(&db, token).unwrap().unwrap();
    assert_eq!(found.email, casey);
    assert_eq!(found.authority_id.as_str(), "torbay");

    // The listing names the token by id and label, never by value.
    let list = stdout(&cli(&["user", "list", "--authority", "torbay"]));
    assert!(!list.contains(token), "{list}");
    assert!(
        list.contains("panel_chair") && list.contains("auditor"),
        "{list}"
    );
    let token_line = list
        .lines()
        .find(|l| l.trim_start().starts_with("token "))
        .unwrap_or_else(|| panic!("no token in {list}"));
    assert!(
        token_line.contains("active") && token_line.contains("case sync"),
        "{token_line}"
    );
    let id = token_line.split_whitespace().nth(1).unwrap().to_owned();
    assert!(note.contains(&id), "the note names the id: {note}");
    assert!(
        stdout(&cli(&["user", "list", "--authority", "wiltshire"]))
            .contains("wiltshire has no users")
    );

    // Another authority cannot revoke it.
    let line = error_line(&cli(&[
        "user",
        "revoke-token",
        &id,
        "--authority",
        "wiltshire",
    ]));
    assert!(line.contains("not found"), "{line}");
    assert!(identity::authenticate(&db, token).unwrap().is_some());

    // Its own authority can, and then it authenticates no one.
    let out = stdout(&cli(&[
        "user",
        "revoke-token",
        &id,
        "--authority",
        "torbay",
    ]));
    assert_eq!(out.trim(), format!("revoked token {id}"));
    assert_eq!(identity::authenticate(&db, token).unwrap(), None);
    let list = stdout(&cli(&["user", "list", "--authority", "torbay"]));
    assert!(list.contains(&format!("token {id}  revoked ")), "{list}");

    // Refusals: one line, naming the flag or variable and the rule.
    let line = error_line(&cli(&[
        "user",
        "add",
        "x@torbay.example",
        "--authority",
        "torbay",
        "--role",
        "superuser",
    ]));
    assert!(
        line.contains(
            "--role: \"superuser\" is not a role; must be one of caseworker, panel_member, panel_chair, admin, auditor"
        ),
        "{line}"
    );
    let line = error_line(&cli(&[
        "user",
        "add",
        "casey@torbay.example",
        "--authority",
        "wiltshire",
        "--role",
        "admin",
    ]));
    assert!(
        line.contains("email: casey@torbay.example is already used"),
        "{line}"
    );
    let short = sendpanel(database_url)
        .args([
            "user",
            "add",
            "y@torbay.example",
            "--authority",
            "torbay",
            "--role",
            "admin",
        ])
        .env("SENDPANEL_NEW_PASSWORD", "short")
        .output()
        .unwrap();
    let line = error_line(&short);
    assert!(
        line.contains(
            "environment variable SENDPANEL_NEW_PASSWORD: password: must be at least 12 characters"
        ),
        "{line}"
    );
    let line = error_line(&cli(&[
        "user",
        "token",
        "casey@torbay.example",
        "--authority",
        "wiltshire",
    ]));
    assert!(
        line.contains("email: no user casey@torbay.example in authority wiltshire"),
        "{line}"
    );
    let line = error_line(&cli(&["user", "token", "casey", "--authority", "torbay"]));
    assert!(
        line.contains("EMAIL: \"casey\" must be an e-mail address"),
        "{line}"
    );
    let line = error_line(&cli(&[
        "user",
        "revoke-token",
        "abc",
        "--authority",
        "torbay",
    ]));
    assert!(line.contains("ID: \"abc\" must be a token id"), "{line}");
    let line = error_line(&cli(&["user", "list", "--authority", "atlantis"]));
    assert!(
        line.contains("--authority: no authority atlantis"),
        "{line}"
    );
    // None of the refusals added anyone.
    assert_eq!(
        db.read(|tx| tx.count_all_users()).unwrap(),
        3,
        "only the three users added above"
    );
}

#[test]
fn add_issue_authenticate_and_revoke_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    user_flow(&db.url());
}

#[test]
fn add_issue_authenticate_and_revoke_on_postgres() {
    let db = TestDb::postgres().unwrap();
    user_flow(&db.url());
}
