//! The live tally over a real socket: two members watch a sitting's event stream, a
//! third votes, and both see the new tally within a second; then one watcher's account
//! is disabled, and their stream ends while the other's stays open. On both databases.
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

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::identity::issue_token;
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::store::Database;
use sendpanel_core::workflow::receive_request;
use sendpanel_tests::TestDb;
use sendpanel_tests::journey::{on, request};
use sendpanel_tests::panels::{open_assess_sitting, seated, torbay};
use sendpanel_web::server::start;
use sendpanel_web::state::AppState;
use serde_json::{Value, json};

/// Reads an event stream, sending each `tally` event's data to `seen`, and `null`
/// when the server ends the stream.
fn watch(url: String, token: String, seen: mpsc::Sender<(Instant, Value)>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent
        .get(&url)
        .header("Authorization", &format!("Bearer {token}"))
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
    let _ = seen.send((Instant::now(), Value::Null));
}

fn two_watchers_see_a_third_members_vote(db: Database) {
    let (scope, config) = torbay(&db).unwrap();
    let seat = |role| seated(&db, &scope, &config, "sen-panel", role).unwrap();
    let (chair, ep, sen_manager, senco) = (
        seat("chair"),
        seat("educational_psychologist"),
        seat("sen_manager"),
        seat("senco"),
    );
    let case = receive_request(&db, &scope, &request(1), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    let (sitting, item) = open_assess_sitting(
        &db,
        &scope,
        &config,
        &[chair.id, ep.id, sen_manager.id, senco.id],
        case,
    )
    .unwrap();
    let token = |email| {
        issue_token(&db, &scope, email, None, &on(2023, 10, 2))
            .unwrap()
            .1
    };
    let (ep_token, sen_token, senco_token) = (
        token(&ep.email),
        token(&sen_manager.email),
        token(&senco.email),
    );

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

    let events = format!("{base}/api/v1/sittings/{}/events", sitting.id);
    let (first_tx, first) = mpsc::channel();
    let (second_tx, second) = mpsc::channel();
    thread::spawn({
        let events = events.clone();
        move || watch(events, ep_token, first_tx)
    });
    thread::spawn(move || watch(events, sen_token, second_tx));
    // Each watcher first receives the tally as it stands: nobody has voted.
    for watcher in [&first, &second] {
        let (_, tally) = watcher.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(tally["items"][0]["counts"]["agree"], 0, "{tally}");
    }

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let voted_at = Instant::now();
    let mut response = agent
        .post(&format!("{base}/api/v1/agenda-items/{}/votes", item.id))
        .header("Authorization", &format!("Bearer {senco_token}"))
        .content_type("application/json")
        .send(
            json!({"choice": "agree", "reason": "Three cycles of support without progress."})
                .to_string(),
        )
        .unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        status,
        201,
        "{}",
        response.body_mut().read_to_string().unwrap()
    );

    for watcher in [&first, &second] {
        let (at, tally) = watcher.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(tally["items"][0]["counts"]["agree"], 1, "{tally}");
        let delay = at.duration_since(voted_at);
        assert!(delay < Duration::from_secs(1), "the tally took {delay:?}");
    }

    // The educational psychologist is switched off: their stream ends at the next
    // check, without waiting for the sitting's next change; the other stays open.
    sendpanel_core::identity::accounts::disable(&db, &scope, None, ep.id, &on(2023, 10, 2))
        .unwrap();
    let (_, end) = first
        .recv_timeout(sendpanel_web::live::RECHECK * 3)
        .expect("the disabled member's stream ends");
    assert_eq!(end, Value::Null, "{end}");
    assert!(
        second.recv_timeout(Duration::from_millis(200)).is_err(),
        "the other member's stream stays open"
    );

    actix_web::rt::System::new().block_on(handle.stop(false));
    serving.join().unwrap().unwrap();
}

#[test]
fn live_tally_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    two_watchers_see_a_third_members_vote(db.db.clone());
}

#[test]
fn live_tally_on_postgres() {
    let db = TestDb::postgres().unwrap();
    two_watchers_see_a_third_members_vote(db.db.clone());
}
