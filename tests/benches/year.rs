//! A synthetic year for one large authority: 3,000 requests, each logged, advised on by
//! Torbay's plugin in its sandbox (recorded on the case), and decided (two in three
//! assessed, one in three refused with a next-steps meeting), on SQLite and on
//! PostgreSQL. Reports requests per second for the whole journey so far.
//!
//! `cargo bench -p sendpanel-tests --bench year` (`-- --quick` for 300 requests).
//! PostgreSQL comes from `TEST_POSTGRES_URL` as for the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Instant;

use chrono::{Datelike, Days, NaiveDate, TimeZone};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{NeedType, RequestedBy, SettingType, UserRole};
use sendpanel_core::policy::contract::{Date, RequestFacts, TestCall};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, Question, install, vet};
use sendpanel_core::store::Database;
use sendpanel_core::time::FixedClock;
use sendpanel_core::workflow::{
    AssessDecision, DecideWhetherToAssess, NextStepsOutcome, ReceiveRequest,
    RecordNextStepsOutcome, decide_whether_to_assess, receive_request, record_next_steps_outcome,
};
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::{authority, date, upn, user};
use sendpanel_tests::plugins::wasm;

fn year(db: &Database, requests: u16) -> f64 {
    let clock = FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2024, 12, 31, 12, 0, 0)
            .single()
            .unwrap(),
    );
    let scope = authority(db, "torbay", 880).unwrap();
    let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair).unwrap();
    let host = PolicyHost::new(Limits::default(), None).unwrap();
    let bytes = wasm("sendpanel-plugin-torbay");
    let (plugin, _) = vet(&host, &bytes).unwrap();
    install(db, &scope, &plugin, bytes, Some(date(2023, 9, 1))).unwrap();
    let facts: RequestFacts = plugin
        .test_vectors()
        .unwrap()
        .into_iter()
        .find_map(|v| match v.call {
            TestCall::GraduatedResponse(f) => Some(f),
            _ => None,
        })
        .unwrap();
    let catalogue = PluginCatalogue::new(host);
    let holidays = BankHolidays::england_and_wales();
    let first = date(2023, 9, 1);

    let started = Instant::now();
    for serial in 0..requests {
        let received_on: NaiveDate = first
            .checked_add_days(Days::new(u64::from(serial % 365)))
            .unwrap();
        let received = receive_request(
            db,
            &scope,
            &ReceiveRequest {
                given_name: "Sam".into(),
                family_name: format!("Synthetic{serial}"),
                date_of_birth: date(2015, 1, 1),
                // 1,000 children, some with more than one request in the year.
                upn: upn(880, serial % 1000).to_string(),
                nhs_number: None,
                received_on,
                requested_by: RequestedBy::Setting,
                requester: "SENCO".into(),
                setting_type: SettingType::Mainstream,
                primary_need: NeedType::Mld,
                summary: "Synthetic request for the benchmark.".into(),
            },
            None,
            &clock,
        )
        .unwrap();
        let decided_on = received_on.checked_add_days(Days::new(35)).unwrap();
        let mut asked = facts.clone();
        asked.as_at = Date {
            year: received_on.year(),
            month: u8::try_from(received_on.month()).unwrap(),
            day: u8::try_from(received_on.day()).unwrap(),
        };
        catalogue
            .advise(
                db,
                &scope,
                received.case.id,
                &Question::GraduatedResponse(asked),
                None,
                &clock,
            )
            .unwrap();
        let refuse = serial % 3 == 0;
        decide_whether_to_assess(
            db,
            &scope,
            received.case.id,
            &DecideWhetherToAssess {
                decision: if refuse {
                    AssessDecision::Refuse
                } else {
                    AssessDecision::Assess
                },
                reasons: "Synthetic reasons.".into(),
                departure_reason: refuse.then(|| "Synthetic departure.".into()),
                decided_by: chair.id,
                decided_on,
            },
            &holidays,
            &clock,
        )
        .unwrap();
        if refuse {
            record_next_steps_outcome(
                db,
                &scope,
                received.case.id,
                &RecordNextStepsOutcome {
                    met_on: decided_on.checked_add_days(Days::new(14)).unwrap(),
                    outcome: NextStepsOutcome::NoFurtherAction,
                    notes: "Synthetic meeting.".into(),
                },
                chair.id,
                &clock,
            )
            .unwrap();
        }
    }
    f64::from(requests) / started.elapsed().as_secs_f64()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let requests = if quick { 300 } else { 3_000 };
    println!(
        "A synthetic year: {requests} requests, each logged, advised on by Torbay's plugin and decided"
    );
    let sqlite = TestDb::sqlite().unwrap();
    println!("SQLite      {:>8.0} requests/s", year(&sqlite.db, requests));
    let postgres = TestDb::postgres().unwrap();
    println!(
        "PostgreSQL  {:>8.0} requests/s",
        year(&postgres.db, requests)
    );
}
