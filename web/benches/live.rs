//! How long a vote takes to reach everyone watching: 200 members follow one sitting's
//! live tally over server-sent events while 20 vote one after another; for each vote,
//! the time from sending it to the last of the 200 receiving the new tally. On SQLite
//! and on PostgreSQL (`TEST_POSTGRES_URL`, as the tests use).
//!
//! `cargo bench -p sendpanel-web --bench live`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use chrono::NaiveTime;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{Proposal, Slug, UserRole};
use sendpanel_core::identity::issue_token;
use sendpanel_core::panel::{
    AddToAgenda, ScheduleSitting, add_to_agenda, open_sitting, schedule_sitting, seat_member,
};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::store::Database;
use sendpanel_core::workflow::receive_request;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::{date, user};
use sendpanel_tests::journey::{on, request};
use sendpanel_tests::panels::torbay;
use sendpanel_web::server::start;
use sendpanel_web::state::AppState;
use serde_json::{Value, json};

const WATCHERS: usize = 200;
const VOTERS: usize = 20;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn run(name: &str, db: &Database) {
    let (scope, config) = torbay(db).unwrap();
    let panel = Slug::parse("panel", "sen-panel").unwrap();
    let roles = [
        "educational_psychologist",
        "sen_manager",
        "senco",
        "health",
        "social_care",
        "parent_carer_forum",
    ];
    let chair = user(db, &scope, "chair@bench.example", UserRole::PanelChair).unwrap();
    seat_member(
        db,
        &scope,
        &config,
        &panel,
        chair.id,
        &Slug::parse("role", "chair").unwrap(),
    )
    .unwrap();
    let mut voters = Vec::new();
    for n in 0..VOTERS {
        let member = user(
            db,
            &scope,
            &format!("m{n}@bench.example"),
            UserRole::PanelMember,
        )
        .unwrap();
        let role = Slug::parse("role", roles[n % roles.len()]).unwrap();
        seat_member(db, &scope, &config, &panel, member.id, &role).unwrap();
        voters.push(member);
    }
    let watcher = user(db, &scope, "watcher@bench.example", UserRole::Auditor).unwrap();
    let case = receive_request(db, &scope, &request(1), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    let mut members = vec![chair.id];
    members.extend(voters.iter().map(|v| v.id));
    let sitting = schedule_sitting(
        db,
        &scope,
        &config,
        &ScheduleSitting {
            panel: panel.clone(),
            sits_on: date(2023, 10, 2),
            starts_at: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            location: "Online".into(),
            members,
        },
        chair.id,
        &on(2023, 9, 20),
    )
    .unwrap();
    let item = add_to_agenda(
        db,
        &scope,
        &config,
        sitting.id,
        &AddToAgenda {
            case,
            proposal: Proposal::Assess,
            placement: None,
        },
        chair.id,
        &on(2023, 9, 20),
    )
    .unwrap();
    open_sitting(db, &scope, sitting.id, chair.id, &on(2023, 10, 2)).unwrap();
    let token = |email| {
        issue_token(db, &scope, email, None, &on(2023, 10, 2))
            .unwrap()
            .1
    };
    let watcher_token = token(&watcher.email);
    let voter_tokens: Vec<String> = voters.iter().map(|v| token(&v.email)).collect();

    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(vec![config]),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(on(2023, 10, 2)),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = start(state, listener).unwrap();
    let handle = server.handle();
    let serving = thread::spawn(move || actix_web::rt::System::new().block_on(server));

    // Each watcher reports (votes cast so far, when it saw them).
    let (seen_tx, seen) = mpsc::channel::<(u64, Instant)>();
    let events = format!("{base}/api/v1/sittings/{}/events", sitting.id);
    for _ in 0..WATCHERS {
        let (events, token, seen_tx) = (events.clone(), watcher_token.clone(), seen_tx.clone());
        thread::spawn(move || {
            let response = agent()
                .get(&events)
                .header("Authorization", &format!("Bearer {token}"))
                .call()
                .unwrap();
            let reader = BufReader::new(response.into_body().into_reader());
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if let Some(data) = line.strip_prefix("data: ") {
                    let tally: Value = serde_json::from_str(data).unwrap();
                    let cast = tally["items"][0]["votes_cast"].as_u64().unwrap();
                    if seen_tx.send((cast, Instant::now())).is_err() {
                        return;
                    }
                }
            }
        });
    }
    for _ in 0..WATCHERS {
        seen.recv_timeout(Duration::from_secs(30)).unwrap();
    }

    let mut delays = Vec::new();
    for (n, token) in voter_tokens.iter().enumerate() {
        let expected = n as u64 + 1;
        let sent = Instant::now();
        let response = agent()
            .post(&format!("{base}/api/v1/agenda-items/{}/votes", item.id))
            .header("Authorization", &format!("Bearer {token}"))
            .content_type("application/json")
            .send(json!({"choice": "agree", "reason": "The evidence meets the test."}).to_string())
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let mut reached = 0;
        let mut last = sent;
        while reached < WATCHERS {
            let (cast, at) = seen.recv_timeout(Duration::from_secs(30)).unwrap();
            if cast == expected {
                reached += 1;
                last = last.max(at);
            }
        }
        delays.push(last.duration_since(sent));
    }
    delays.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = delays[delays.len() / 2];
    let p95 = delays[(delays.len() * 95 / 100).min(delays.len() - 1)];
    println!(
        "{name}: {WATCHERS} watching, {VOTERS} votes: vote to last viewer median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(median),
        ms(p95),
        ms(*delays.last().unwrap())
    );
    actix_web::rt::System::new().block_on(handle.stop(false));
    serving.join().unwrap().unwrap();
}

fn main() {
    let sqlite = TestDb::sqlite().unwrap();
    run("SQLite", &sqlite.db);
    let postgres = TestDb::postgres().unwrap();
    run("PostgreSQL", &postgres.db);
}
