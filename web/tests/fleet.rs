//! Several servers on one PostgreSQL database, as a shared service runs them behind a
//! load balancer: two real `sendpanel serve` processes on the same database.
//!
//! - A member watching a sitting's live tally on server B sees a vote cast on server A
//!   within a second, and one cast on B reaches a watcher on A the same way (the vote's
//!   own transaction sends PostgreSQL a notice; each server's listener relays it).
//! - The chair's decision, closed on A, is at once the case's stage on B, in the case
//!   and in B's caseload, and B's watcher sees the item decided.
//! - The outbox, worked by both servers at once against a real SMTP server, sends each
//!   message once; when one server is killed mid-batch, the other sends what it had
//!   claimed once its lease runs out, and nothing is lost. A message the killed server
//!   had handed to the SMTP server but not yet recorded as sent is sent again: at most
//!   one, the one in its hands (mail is at least once across a crash; see the note).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use sendpanel_core::domain::UserRole;
use sendpanel_core::identity::issue_token;
use sendpanel_core::workflow::receive_request;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::user;
use sendpanel_tests::journey::{on, request};
use sendpanel_tests::panels::{open_assess_sitting, seated, torbay};
use serde_json::{Value, json};

use crate::support::serve::{Launch, Server, agent, get, post};

/// How soon a vote on one server must reach a watcher on the other.
const FAN_OUT: Duration = Duration::from_secs(1);

/// Reads a sitting's event stream on a server, sending each tally to `seen` with the
/// moment it arrived.
fn watch(url: String, token: String, seen: mpsc::Sender<(Instant, Value)>) {
    let response = agent()
        .get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .config()
        .timeout_global(None)
        .build()
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let reader = BufReader::new(response.into_body().into_reader());
    for line in reader.lines() {
        let Ok(line) = line else { break };
        if let Some(data) = line.strip_prefix("data: ") {
            let tally: Value = serde_json::from_str(data).unwrap();
            if seen.send((Instant::now(), tally)).is_err() {
                return;
            }
        }
    }
}

/// Waits for the first tally on `watcher` that `wanted` accepts, within `limit` of
/// `since`; panics with what arrived otherwise.
fn first_tally_where(
    watcher: &mpsc::Receiver<(Instant, Value)>,
    since: Instant,
    limit: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> (Duration, Value) {
    let mut seen = Vec::new();
    loop {
        let left = limit.saturating_sub(since.elapsed());
        match watcher.recv_timeout(left) {
            Ok((at, tally)) if wanted(&tally) => return (at.duration_since(since), tally),
            Ok((_, tally)) => seen.push(tally),
            Err(_) => panic!("no such tally within {limit:?}; saw {seen:#?}"),
        }
    }
}

#[test]
fn two_servers_on_one_postgresql_database() {
    let test_db = TestDb::postgres().unwrap();
    let db = &test_db.db;
    let (scope, config) = torbay(db).unwrap();
    let seat = |role| seated(db, &scope, &config, "sen-panel", role).unwrap();
    let (chair, ep, sen_manager, senco) = (
        seat("chair"),
        seat("educational_psychologist"),
        seat("sen_manager"),
        seat("senco"),
    );
    let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker).unwrap();
    let case = receive_request(db, &scope, &request(1), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    let (sitting, item) = open_assess_sitting(
        db,
        &scope,
        &config,
        &[chair.id, ep.id, sen_manager.id, senco.id],
        case,
    )
    .unwrap();
    let token = |email| {
        issue_token(db, &scope, email, None, &on(2023, 10, 2))
            .unwrap()
            .1
    };
    let (chair_token, ep_token, sen_token, senco_token, cw_token) = (
        token(&chair.email),
        token(&ep.email),
        token(&sen_manager.email),
        token(&senco.email),
        token(&caseworker.email),
    );

    let workdir = tempfile::tempdir().unwrap();
    let a = Server::start(&test_db.url(), workdir.path(), "a");
    let b = Server::start(&test_db.url(), workdir.path(), "b");
    let logs = || format!("server A: {}\nserver B: {}", a.log(), b.log());

    let events = |server: &Server| server.url(&format!("/api/v1/sittings/{}/events", sitting.id));
    let (on_b_tx, on_b) = mpsc::channel();
    let (on_a_tx, on_a) = mpsc::channel();
    let ep_vote_token = ep_token.clone();
    thread::spawn({
        let url = events(&b);
        move || watch(url, ep_token, on_b_tx)
    });
    thread::spawn({
        let url = events(&a);
        let token = chair_token.clone();
        move || watch(url, token, on_a_tx)
    });
    let agree = |tally: &Value| tally["items"][0]["counts"]["agree"].as_i64().unwrap_or(-1);
    for watcher in [&on_b, &on_a] {
        let (_, tally) = watcher.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(agree(&tally), 0, "{tally}");
    }

    // A vote on A reaches the watcher on B.
    let vote = |server: &Server, token: &str, reason: &str| {
        let url = server.url(&format!("/api/v1/agenda-items/{}/votes", item.id));
        let (status, body) = post(
            &agent(),
            &url,
            token,
            &json!({"choice": "agree", "reason": reason}),
        )
        .unwrap();
        assert_eq!(status, 201, "{body}\n{}", logs());
    };
    let voted = Instant::now();
    vote(
        &a,
        &senco_token,
        "Three cycles of support without progress.",
    );
    let (delay, _) = first_tally_where(&on_b, voted, FAN_OUT, |t| agree(t) == 1);
    println!("a vote on A reached the watcher on B in {delay:?}");

    // And one on B reaches the watcher on A.
    let voted = Instant::now();
    vote(
        &b,
        &sen_token,
        "The school's evidence shows needs beyond SEN support.",
    );
    let (delay, _) = first_tally_where(&on_a, voted, FAN_OUT, |t| agree(t) == 2);
    println!("a vote on B reached the watcher on A in {delay:?}");

    // The educational psychologist, whom the quorum needs, votes on A too.
    let voted = Instant::now();
    vote(
        &a,
        &ep_vote_token,
        "The evidence shows needs beyond what the school can meet.",
    );
    first_tally_where(&on_b, voted, FAN_OUT, |t| agree(t) == 3);

    // The chair closes the item on A; B knows at once.
    let close = a.url(&format!("/api/v1/agenda-items/{}/close", item.id));
    let closed_at = Instant::now();
    let (status, closed) = post(
        &agent(),
        &close,
        &chair_token,
        &json!({
            "decision": "assess",
            "reasons": "The evidence shows the child may need special educational provision.",
            "decided_on": "2023-10-02",
        }),
    )
    .unwrap();
    assert_eq!(status, 200, "{closed}\n{}", logs());
    assert_eq!(closed["status"], "decided", "{closed}");
    let (_, tally) = first_tally_where(&on_b, closed_at, FAN_OUT, |t| {
        t["items"][0]["status"] != "pending"
    });
    assert_eq!(tally["items"][0]["status"], "decided", "{tally}");

    let (status, on_b_case) = get(
        &agent(),
        &b.url(&format!("/api/v1/requests/{case}")),
        Some(&chair_token),
    )
    .unwrap();
    assert_eq!(status, 200, "{on_b_case}");
    assert_eq!(on_b_case["stage"], "assessing", "{on_b_case}");
    let (status, caseload) = get(&agent(), &b.url("/api/v1/caseload"), Some(&cw_token)).unwrap();
    assert_eq!(status, 200, "{caseload}");
    let row = caseload["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == json!(case.to_string()))
        .unwrap_or_else(|| panic!("case {case} not in B's caseload: {caseload}"));
    assert_eq!(row["stage"], "assessing", "{row}");
}

/// Queues `count` e-mails, subjects `Message {first}` onwards, for Torbay.
fn queue_mail(db: &sendpanel_core::store::Database, first: usize, count: usize) {
    use sendpanel_core::domain::Email;
    use sendpanel_core::store::{AuthorityScope, NewMail, OutboxId};
    let scope = AuthorityScope::new(sendpanel_core::domain::AuthorityId::parse("torbay").unwrap());
    db.write(|tx| {
        for n in first..first + count {
            let id = OutboxId::new();
            let message = format!(
                "From: send-team@torbay.example\r\nTo: family{n}@example.org\r\nSubject: Message {n}\r\nMessage-ID: <{id}@sendpanel.test>\r\n\r\nMessage {n}.\r\n"
            );
            tx.enqueue_mail(
                &scope,
                &NewMail {
                    id,
                    case_id: None,
                    purpose: "test:fleet".to_owned(),
                    recipient: Email::parse(&format!("family{n}@example.org")).unwrap(),
                    subject: format!("Message {n}"),
                    message: message.into_bytes(),
                    created_at: chrono::Utc::now() - chrono::Duration::seconds(1),
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
}

/// How many times the SMTP server received each of `Message {range}`.
fn received(sink: &sendpanel_tests::mail::SmtpSink, range: std::ops::Range<usize>) -> Vec<usize> {
    let messages = sink.messages().unwrap();
    range
        .map(|n| {
            let subject = format!("Subject: Message {n}\n");
            let subject_crlf = format!("Subject: Message {n}\r\n");
            messages
                .iter()
                .filter(|m| m.contains(&subject) || m.contains(&subject_crlf))
                .count()
        })
        .collect()
}

/// Waits until every message in the outbox is recorded as sent.
fn all_sent(db: &sendpanel_core::store::Database, within: Duration) {
    use sendpanel_core::store::{AuthorityScope, OutboxStatus};
    let scope = AuthorityScope::new(sendpanel_core::domain::AuthorityId::parse("torbay").unwrap());
    let deadline = Instant::now() + within;
    loop {
        let outbox = db.read(|tx| tx.list_outbox(&scope, None)).unwrap();
        if outbox.iter().all(|m| m.status == OutboxStatus::Sent) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not all sent within {within:?}: {outbox:#?}"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_outbox_across_two_servers_sends_each_message_once() {
    let test_db = TestDb::postgres().unwrap();
    let db = &test_db.db;
    torbay(db).unwrap();
    let workdir = tempfile::tempdir().unwrap();
    let maildir = workdir.path().join("smtp");
    std::fs::create_dir_all(&maildir).unwrap();
    let sink = sendpanel_tests::mail::SmtpSink::start(
        sendpanel_tests::mail::free_port().unwrap(),
        &maildir,
    )
    .unwrap();
    let settings = workdir.path().join("mail.toml");
    std::fs::write(
        &settings,
        format!(
            "[mail]\nfrom_address = \"send-team@torbay.example\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\npoll_interval_secs = 1\nbatch = 5\nlease_secs = 120\n",
            sink.port()
        ),
    )
    .unwrap();
    let start = |name| {
        Launch::new(workdir.path(), name)
            .database(&test_db.url())
            .config(&settings)
            .start()
    };
    let mut a = start("a");
    let b = start("b");

    // Both servers at work: each message once.
    queue_mail(db, 0, 30);
    all_sent(db, Duration::from_secs(60));
    let counts = received(&sink, 0..30);
    assert!(
        counts.iter().all(|&n| n == 1),
        "times each was received: {counts:?}"
    );

    // A is killed mid-batch: B sends what A had claimed once A's lease runs out.
    queue_mail(db, 30, 30);
    let deadline = Instant::now() + Duration::from_secs(30);
    while received(&sink, 30..60).iter().filter(|&&n| n > 0).count() < 5 {
        assert!(
            Instant::now() < deadline,
            "no mail of the second batch arrived"
        );
        thread::sleep(Duration::from_millis(10));
    }
    a.kill();
    // What A had claimed waits out its lease (120 s, the shortest allowed: longer than
    // an SMTP exchange may take).
    all_sent(db, Duration::from_secs(240));
    let counts = received(&sink, 30..60);
    assert!(
        counts.iter().all(|&n| n >= 1),
        "a message was lost: {counts:?}"
    );
    let twice: usize = counts.iter().map(|&n| n.saturating_sub(1)).sum();
    println!("after the kill, {twice} message(s) went twice");
    assert!(
        twice <= 1,
        "only the message in the killed server's hands may go twice: {counts:?}\n{}",
        b.log()
    );
}
