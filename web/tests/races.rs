//! Decisions racing over HTTP against the real `sendpanel serve`, on SQLite and on
//! PostgreSQL, as API clients meet them:
//!
//! - eight clients send the decision whether to assess for one new request at the same
//!   moment (half "assess", half "refuse"): one is recorded, with one letter and one
//!   e-mail to the family; the other seven are told 409 `conflict`;
//! - a burst of such decisions (several racing on each case) is cut short by killing the
//!   server with SIGKILL; after a restart every decision a client was told was recorded
//!   is there with its letter and e-mail, no case was decided twice, and no command is
//!   half written.
//!
//! The test sets up the council in the database itself (the shipped authorities, a
//! caseworker and two chairs with API tokens), so `serve` finds users and seeds no demo.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use sendpanel_core::config::load_authorities;
use sendpanel_core::domain::{
    AuthorityId, CaseId, CaseStage, Deadline, DeadlineKind, DeadlineStatus, Decision, DecisionKind,
    DecisionOutcome, DocumentKind, Email, EventKind, UserRole,
};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::notify::LetterKind;
use sendpanel_core::registry::register_authorities;
use sendpanel_core::store::{AuthorityScope, Database, OutboxEntry};
use sendpanel_core::time::{Clock, SystemClock};
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::upn;
use serde_json::{Value, json};

use crate::support::serve::{Answer, HTTP_TIMEOUT, Server, agent, authorities_dir, get, post};

/// Torbay, its people's API tokens, and dates the server's real clock accepts.
struct Council {
    scope: AuthorityScope,
    caseworker: String,
    chairs: [String; 2],
    received_on: NaiveDate,
    decided_on: NaiveDate,
}

/// Registers the shipped authorities and Torbay's caseworker and two chairs, with
/// tokens, in the database `serve` will open.
fn council(db: &Database) -> Council {
    let configs = load_authorities(authorities_dir()).unwrap();
    register_authorities(db, &configs, &SystemClock).unwrap();
    let scope = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let token = |email: &str, role: UserRole| {
        let email = Email::parse(email).unwrap();
        add_user(db, &scope, &email, "Test Person", role, None, &SystemClock).unwrap();
        issue_token(db, &scope, &email, Some("races test"), &SystemClock)
            .unwrap()
            .1
    };
    let caseworker = token("cw@torbay.example", UserRole::Caseworker);
    let chairs = [
        token("chair.one@torbay.example", UserRole::PanelChair),
        token("chair.two@torbay.example", UserRole::PanelChair),
    ];
    // Shortly before today in England, so neither date is in the server's future.
    let today = SystemClock.today();
    Council {
        scope,
        caseworker,
        chairs,
        received_on: today.checked_sub_days(Days::new(10)).unwrap(),
        decided_on: today.checked_sub_days(Days::new(1)).unwrap(),
    }
}

fn family_email(serial: u16) -> String {
    format!("family{serial}@example.org")
}

/// Logs a request over the API as the caseworker; returns the case's id.
fn receive_request(server: &Server, council: &Council, serial: u16) -> CaseId {
    let body = json!({
        "given_name": "Alex", "family_name": "Example", "date_of_birth": "2016-03-14",
        "upn": upn(880, serial).to_string(), "received_on": council.received_on,
        "requested_by": "parent", "requester": "Mrs J. Example, parent",
        "setting_type": "mainstream", "primary_need": "MLD",
        "summary": "Two reviewed cycles of literacy support; little progress.",
        "contact_email": family_email(serial),
    });
    let (status, created) = post(
        &agent(),
        &server.url("/api/v1/requests"),
        &council.caseworker,
        &body,
    )
    .unwrap();
    assert_eq!(status, 201, "request {serial}: {created}");
    assert_eq!(created["stage"], "request_received", "{created}");
    created["id"].as_str().unwrap().parse().unwrap()
}

/// The decision whether to assess as a chair sends it.
fn decision_body(council: &Council, decision: &str, n: usize) -> Value {
    json!({
        "decision": decision,
        "reasons": format!("Decision {n}: the evidence from the school shows needs that {}.",
            if decision == "assess" { "may call for a plan" } else { "SEN support can meet" }),
        "decided_on": council.decided_on,
    })
}

fn decision_path(case: CaseId) -> String {
    format!("/api/v1/requests/{case}/decision-to-assess")
}

/// The outcome and stage a decision whether to assess leads to.
fn expected(decision: &str) -> (DecisionOutcome, CaseStage) {
    match decision {
        "assess" => (DecisionOutcome::Agreed, CaseStage::Assessing),
        "refuse" => (DecisionOutcome::Refused, CaseStage::AssessmentRefused),
        other => panic!("not a decision: {other}"),
    }
}

/// What the database holds for one case, read once the decisions are over.
#[derive(Debug)]
struct Stored {
    stage: CaseStage,
    decisions: Vec<Decision>,
    /// The titles of the letters kept on the case.
    letters: Vec<String>,
    outbox: Vec<OutboxEntry>,
    decision_events: usize,
    deadlines: Vec<Deadline>,
}

impl Stored {
    fn read(db: &Database, scope: &AuthorityScope, case: CaseId) -> Self {
        db.read(|tx| {
            Ok(Self {
                stage: tx.get_case(scope, case)?.stage,
                decisions: tx.list_decisions(scope, case)?,
                letters: tx
                    .list_documents(scope, case)?
                    .into_iter()
                    .filter(|d| d.kind == DocumentKind::Letter)
                    .map(|d| d.title)
                    .collect(),
                outbox: tx.list_outbox(scope, Some(case))?,
                decision_events: tx
                    .list_events(scope, Some(case))?
                    .into_iter()
                    .filter(|e| e.kind() == EventKind::DecisionRecorded)
                    .count(),
                deadlines: tx.list_deadlines(scope, case)?,
            })
        })
        .unwrap()
    }

    fn assess_decisions(&self) -> Vec<&Decision> {
        self.decisions
            .iter()
            .filter(|d| d.kind == DecisionKind::Assess)
            .collect()
    }

    fn deadline(&self, kind: DeadlineKind) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.kind == kind)
    }

    /// Checks the case is whole: either decided once, with everything the decision
    /// writes, or not decided, with nothing of a decision on it.
    fn assert_whole(&self, case: CaseId, family: &str) {
        match self.assess_decisions().as_slice() {
            [] => {
                assert!(self.decisions.is_empty(), "case {case}: {self:#?}");
                assert_eq!(self.stage, CaseStage::RequestReceived, "case {case}");
                assert!(
                    self.letters.is_empty(),
                    "case {case}: a letter with no decision: {:?}",
                    self.letters
                );
                assert!(
                    self.outbox.is_empty(),
                    "case {case}: an e-mail with no decision: {:?}",
                    self.outbox
                );
                assert_eq!(self.decision_events, 0, "case {case}: {self:#?}");
                assert_eq!(
                    self.deadline(DeadlineKind::DecideWhetherToAssess)
                        .map(|d| d.status),
                    Some(DeadlineStatus::Open),
                    "case {case}: the 6-week deadline of an undecided case"
                );
            }
            [decision] => {
                assert_eq!(self.decisions.len(), 1, "case {case}: {self:#?}");
                let (stage, letter) = match decision.outcome {
                    DecisionOutcome::Agreed => (CaseStage::Assessing, LetterKind::DecisionToAssess),
                    DecisionOutcome::Refused => {
                        (CaseStage::AssessmentRefused, LetterKind::RefusalToAssess)
                    }
                    DecisionOutcome::Deferred => panic!("case {case}: deferred {decision:?}"),
                };
                assert_eq!(self.stage, stage, "case {case}: stage after {decision:?}");
                assert_eq!(
                    self.decision_events, 1,
                    "case {case}: DecisionRecorded events for one decision"
                );
                // The family is told the decision that stood, once, on paper and by e-mail.
                assert_eq!(
                    self.letters,
                    [letter.title()],
                    "case {case}: the letters for one decision"
                );
                let emails: Vec<(&str, &str)> = self
                    .outbox
                    .iter()
                    .map(|m| (m.recipient.as_str(), m.purpose.as_str()))
                    .collect();
                assert_eq!(
                    emails,
                    [(family, format!("letter:{letter}").as_str())],
                    "case {case}: the e-mails for one decision"
                );
                assert_eq!(
                    self.deadline(DeadlineKind::DecideWhetherToAssess)
                        .map(|d| d.status),
                    Some(DeadlineStatus::Met),
                    "case {case}: the 6-week deadline once decided"
                );
                let later = [DeadlineKind::DecideNotToIssue, DeadlineKind::FinalPlan]
                    .map(|kind| self.deadline(kind).is_some());
                let assessing = decision.outcome == DecisionOutcome::Agreed;
                assert_eq!(
                    later,
                    [assessing, assessing],
                    "case {case}: the 16- and 20-week deadlines after {:?}",
                    decision.outcome
                );
            }
            several => panic!(
                "case {case} was decided {} times: {several:#?}",
                several.len()
            ),
        }
    }
}

/// Eight clients of two chairs send the decision for one request at the same moment.
fn eight_concurrent_decisions(test_db: &TestDb) {
    const CLIENTS: usize = 8;
    let workdir = tempfile::tempdir().unwrap();
    let council = council(&test_db.db);
    let server = Server::start(&test_db.url(), workdir.path(), "serve");
    let case = receive_request(&server, &council, 1);
    let url = server.url(&decision_path(case));

    let barrier = Barrier::new(CLIENTS);
    let answers: Vec<(&str, Answer)> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|n| {
                let (barrier, council, url, server) = (&barrier, &council, &url, &server);
                s.spawn(move || {
                    let decision = if n % 2 == 0 { "assess" } else { "refuse" };
                    let body = decision_body(council, decision, n);
                    let agent = agent();
                    // Connected before the barrier, so the eight POSTs leave together
                    // (checked after it, so a failure cannot leave the others waiting).
                    let warmed = get(&agent, &server.url("/healthz"), None);
                    barrier.wait();
                    assert_eq!(
                        warmed.map(|(s, _)| s).ok(),
                        Some(200),
                        "client {n}: /healthz"
                    );
                    let answer = post(&agent, url, &council.chairs[n % 2], &body)
                        .unwrap_or_else(|e| panic!("client {n} got no answer: {e}"));
                    (decision, answer)
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });

    let all = format!("{answers:#?}\nserver log: {}", server.log());
    let stood: Vec<&(&str, Answer)> = answers
        .iter()
        .filter(|(_, (status, _))| (200..300).contains(status))
        .collect();
    assert_eq!(stood.len(), 1, "exactly one decision stands: {all}");
    let refused = answers
        .iter()
        .filter(|(_, (status, body))| *status == 409 && body["error"]["code"] == "conflict")
        .count();
    assert_eq!(
        refused,
        CLIENTS - 1,
        "the others are told 409 conflict: {all}"
    );
    let (decision, (_, winner)) = stood[0];
    let (outcome, stage) = expected(decision);
    assert_eq!(winner["stage"], stage.to_string(), "{winner}");
    assert_eq!(winner["decision"]["kind"], "assess", "{winner}");
    assert_eq!(
        winner["decision"]["outcome"],
        outcome.to_string(),
        "{winner}"
    );
    let decision_id = winner["decision"]["id"].as_str().unwrap();
    // A refused client is told what happened first and where the case now stands.
    for (_, (status, body)) in &answers {
        if *status == 409 {
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(&format!("at stage {stage}"))
                    && message.contains("last change: decision recorded"),
                "the conflict names the decision that stood and the stage it moved the case to ({stage}): {body}"
            );
        }
    }

    let stored = Stored::read(&test_db.db, &council.scope, case);
    stored.assert_whole(case, &family_email(1));
    assert_eq!(
        stored.decisions[0].id.to_string(),
        decision_id,
        "{stored:#?}"
    );
    assert_eq!(stored.decisions[0].outcome, outcome, "{stored:#?}");

    // What a caseworker sees: the case moved once, with one decision and one letter.
    let (status, view) = get(
        &agent(),
        &server.url(&format!("/api/v1/requests/{case}")),
        Some(&council.caseworker),
    )
    .unwrap();
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["stage"], stage.to_string(), "{view}");
    let decisions = view["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1, "{view}");
    assert_eq!(decisions[0]["id"], decision_id, "{view}");
    let letter = match outcome {
        DecisionOutcome::Agreed => LetterKind::DecisionToAssess,
        _ => LetterKind::RefusalToAssess,
    };
    let letters: Vec<&Value> = view["letters"].as_array().unwrap().iter().collect();
    assert_eq!(
        letters.iter().map(|l| &l["title"]).collect::<Vec<_>>(),
        [letter.title()],
        "{view}"
    );
}

mod eight_concurrent_decisions_over_http_one_stands {
    use super::*;

    #[test]
    fn sqlite() {
        eight_concurrent_decisions(&TestDb::sqlite().unwrap());
    }

    #[test]
    fn postgres() {
        eight_concurrent_decisions(&TestDb::postgres().unwrap());
    }
}

/// What one POST of the burst got.
#[derive(Debug)]
enum Outcome {
    /// The server answered.
    Answered(Answer),
    /// The connection failed or was cut (the server was killed): the decision may or
    /// may not have been recorded.
    NoAnswer(String),
}

/// A burst of decisions, several racing on each case, cut short by SIGKILL; then a
/// restart on the same database.
fn burst_then_kill(test_db: &TestDb) {
    const CASES: u16 = 30;
    const CLIENTS: usize = 6;
    /// Answers received before the kill: about a quarter of the burst.
    const KILL_AFTER: usize = 24;
    let workdir = tempfile::tempdir().unwrap();
    let council = council(&test_db.db);
    let mut server = Server::start(&test_db.url(), workdir.path(), "first");
    let cases: Vec<CaseId> = (1..=CASES)
        .map(|serial| receive_request(&server, &council, serial))
        .collect();
    // Three decisions a case, next to each other, so the clients race on each case.
    let jobs: Vec<(usize, &str)> = (0..cases.len())
        .flat_map(|c| [(c, "assess"), (c, "refuse"), (c, "assess")])
        .collect();

    let next = AtomicUsize::new(0);
    let answered = AtomicUsize::new(0);
    let killed = AtomicBool::new(false);
    let outcomes: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let base = server.base.clone();
    std::thread::scope(|s| {
        for client in 0..CLIENTS {
            let (next, answered, killed, outcomes) = (&next, &answered, &killed, &outcomes);
            let (jobs, cases, council, base) = (&jobs, &cases, &council, &base);
            s.spawn(move || {
                let agent = agent();
                while !killed.load(Ordering::SeqCst) {
                    let job = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(case, decision)) = jobs.get(job) else {
                        break;
                    };
                    let outcome = match post(
                        &agent,
                        &format!("{base}{}", decision_path(cases[case])),
                        &council.chairs[client % 2],
                        &decision_body(council, decision, job),
                    ) {
                        Ok(answer) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                            Outcome::Answered(answer)
                        }
                        Err(error) => Outcome::NoAnswer(error.to_string()),
                    };
                    outcomes.lock().unwrap().push((job, outcome));
                }
            });
        }
        let deadline = Instant::now() + HTTP_TIMEOUT;
        while answered.load(Ordering::SeqCst) < KILL_AFTER && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        killed.store(true, Ordering::SeqCst);
        server.kill();
    });
    let first_log = server.log();
    let outcomes = outcomes.into_inner().unwrap();
    let answers: Vec<(usize, &Answer)> = outcomes
        .iter()
        .filter_map(|(job, o)| match o {
            Outcome::Answered(answer) => Some((*job, answer)),
            Outcome::NoAnswer(_) => None,
        })
        .collect();
    assert!(
        answers.len() >= KILL_AFTER,
        "only {} answers in {HTTP_TIMEOUT:?} before the kill: {outcomes:#?}\nserver log: {first_log}",
        answers.len()
    );
    assert!(
        answers.len() < jobs.len(),
        "the kill came after the whole burst was answered; it tested no crash"
    );
    // Before the kill every answer is a decision recorded or a conflict, nothing else.
    for (job, (status, body)) in &answers {
        assert!(
            *status == 200 || (*status == 409 && body["error"]["code"] == "conflict"),
            "job {job} {:?}: answered {status} {body}\nserver log: {first_log}",
            jobs[*job]
        );
    }

    let server = Server::start(&test_db.url(), workdir.path(), "restarted");
    let (status, ready) = get(&agent(), &server.url("/readyz"), None).unwrap();
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["status"], "ready", "{ready}");

    let mut undecided = Vec::new();
    for (index, &case) in cases.iter().enumerate() {
        let family = family_email(u16::try_from(index).unwrap() + 1);
        let stored = Stored::read(&test_db.db, &council.scope, case);
        stored.assert_whole(case, &family);
        let for_case: Vec<(usize, &Answer)> = answers
            .iter()
            .filter(|(job, _)| jobs[*job].0 == index)
            .map(|(job, answer)| (*job, *answer))
            .collect();
        let recorded: Vec<&(usize, &Answer)> =
            for_case.iter().filter(|(_, (s, _))| *s == 200).collect();
        assert!(
            recorded.len() <= 1,
            "case {case}: {} clients were told their decision was recorded: {for_case:#?}",
            recorded.len()
        );
        // Every decision a client was told was recorded is there, as it was told.
        if let Some((job, (_, body))) = recorded.first() {
            let (outcome, stage) = expected(jobs[*job].1);
            let id = body["decision"]["id"].as_str().unwrap();
            let decision = stored
                .decisions
                .iter()
                .find(|d| d.id.to_string() == id)
                .unwrap_or_else(|| {
                    panic!("case {case}: decision {id}, answered 200, is lost: {stored:#?}")
                });
            assert_eq!(decision.outcome, outcome, "case {case}: {body}");
            assert_eq!(stored.stage, stage, "case {case}: {body}");
        }
        // A client told "conflict" was told another decision stood: it must be there.
        if for_case.iter().any(|(_, (s, _))| *s == 409) {
            assert_eq!(
                stored.assess_decisions().len(),
                1,
                "case {case}: a conflict was answered but no decision stands: {for_case:#?}"
            );
        }
        // The restarted server shows the same case.
        let (status, view) = get(
            &agent(),
            &server.url(&format!("/api/v1/requests/{case}")),
            Some(&council.caseworker),
        )
        .unwrap();
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["stage"], stored.stage.to_string(), "{view}");
        assert_eq!(
            view["decisions"].as_array().map(Vec::len),
            Some(stored.decisions.len()),
            "{view}"
        );
        assert_eq!(
            view["letters"].as_array().map(Vec::len),
            Some(stored.letters.len()),
            "{view}"
        );
        if stored.decisions.is_empty() {
            undecided.push((index, case));
        }
    }

    // The restarted server still takes decisions, once: nothing was left locked.
    let &(index, case) = undecided
        .last()
        .expect("the burst was cut short, so some case was never decided");
    let url = server.url(&decision_path(case));
    let body = decision_body(&council, "refuse", jobs.len());
    let (status, decided) = post(&agent(), &url, &council.chairs[0], &body).unwrap();
    assert_eq!(status, 200, "{decided}\nserver log: {}", server.log());
    assert_eq!(decided["stage"], "assessment_refused", "{decided}");
    let (status, again) = post(&agent(), &url, &council.chairs[1], &body).unwrap();
    assert_eq!(
        (status, &again["error"]["code"]),
        (409, &json!("conflict")),
        "{again}"
    );
    let stored = Stored::read(&test_db.db, &council.scope, case);
    stored.assert_whole(case, &family_email(u16::try_from(index).unwrap() + 1));
    assert_eq!(stored.stage, CaseStage::AssessmentRefused);

    // For the record when run with --nocapture: how the burst went.
    let tally: BTreeMap<String, usize> =
        outcomes
            .iter()
            .fold(BTreeMap::new(), |mut tally, (_, outcome)| {
                let key = match outcome {
                    Outcome::Answered((status, _)) => status.to_string(),
                    Outcome::NoAnswer(error) => format!("no answer ({error})"),
                };
                *tally.entry(key).or_default() += 1;
                tally
            });
    let decided = cases.len() - undecided.len();
    println!(
        "{}: {} of {} decisions sent before the kill: {tally:?}; {decided} cases decided",
        test_db.db.backend(),
        outcomes.len(),
        jobs.len()
    );
}

mod a_killed_server_keeps_every_answered_decision_and_half_writes_none {
    use super::*;

    #[test]
    fn sqlite() {
        burst_then_kill(&TestDb::sqlite().unwrap());
    }

    #[test]
    fn postgres() {
        burst_then_kill(&TestDb::postgres().unwrap());
    }
}
