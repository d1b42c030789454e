//! A synthetic year for one large authority: 3,000 requests received from 1 September
//! 2023 to 30 August 2024, each taken through its whole journey with the core workflow
//! commands, on SQLite and on PostgreSQL. Every request is logged, advised on by
//! Torbay's plugin in its sandbox (recorded on the case) and decided; one in three is
//! refused and its next-steps meeting recorded (some of those move to assessment); the
//! assessed ask for and receive EP, health, social care and setting advice, are decided
//! on issue, and most go on to a draft and a final plan; plans issued early enough for
//! their first annual review to be decided by 31 August 2025 (the end of the following
//! school year) have the review meeting and decision.
//!
//! Each backend replays the year twice, each time on a fresh database set up the same
//! way (authority, users, the plugin vetted, installed and loaded into the catalogue, so
//! no run times a plugin compile): once with one client, and once with 8 clients, that
//! is 8 threads sharing one `Database` (and so its pool) and one plugin catalogue,
//! journey `serial` going to thread `serial % 8`, all released together by a barrier.
//! The journeys are the same in both modes and on both backends (checked). For each
//! (backend, clients) it reports:
//! - requests and commands run; a command is one workflow call (the plugin advice is
//!   one too);
//! - wall seconds, from the barrier to the end of the last client, and commands/s;
//! - the median and p99 (nearest rank) of one command's time, an `Instant` around each
//!   call, so with 8 clients it includes waiting for a pooled connection and, on SQLite,
//!   for the process's single writer (the PostgreSQL test pool has 4 connections);
//! - the process's peak RSS (`VmHWM` in `/proc/self/status`) when the run ended: a
//!   high-water mark, so each row's figure includes every run before it.
//!
//! The shares are illustrative, not any authority's figures: they exist so that every
//! kind of command runs in a realistic proportion.
//!
//! `cargo bench -p sendpanel-tests --bench year` (`-- --quick` for 300 requests).
//! PostgreSQL comes from `TEST_POSTGRES_URL` as for the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Debug;
use std::ops::AddAssign;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, TimeZone};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{AdviceSource, NeedType, RequestedBy, SettingType, UserId, UserRole};
use sendpanel_core::policy::contract::{Date, RequestFacts};
use sendpanel_core::policy::{Limits, Plugin, PluginCatalogue, PolicyHost, Question, install, vet};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_core::workflow::{
    AssessDecision, DecideWhetherToAssess, DecideWhetherToIssue, IssueDecision, IssueFinalPlan,
    NextStepsOutcome, ReceiveRequest, RecordAdviceReceived, RecordNextStepsOutcome,
    RecordReviewDecision, RequestAdvice, ReviewDecision, ScheduleReviewMeeting, ServeDraftPlan,
    decide_whether_to_assess, decide_whether_to_issue, issue_final_plan, receive_request,
    record_advice_received, record_next_steps_outcome, record_review_decision, request_advice,
    schedule_review_meeting, serve_draft_plan,
};
use sendpanel_tests::TestDb;
use sendpanel_tests::cited::cite_real_documents;
use sendpanel_tests::fixtures::{authority, date, upn, user};
use sendpanel_tests::plugins::wasm;

/// The clients of the concurrent mode. Journeys for the same child (`serial % 1000`,
/// see [`journey`]) land on the same client, in order, because 1000 is a multiple of 8.
const CLIENTS: u16 = 8;

/// Next-steps outcomes after a refusal, one per ten refusals in turn: three supported
/// without a plan, two awaiting mediation, one moved to assessment, two new requests
/// expected, one s.19 action, one appeal.
const NEXT_STEPS: [NextStepsOutcome; 10] = [
    NextStepsOutcome::NoFurtherAction,
    NextStepsOutcome::MediationOrFurtherContact,
    NextStepsOutcome::NewRequestPending,
    NextStepsOutcome::NoFurtherAction,
    NextStepsOutcome::MovedToAssessment,
    NextStepsOutcome::MediationOrFurtherContact,
    NextStepsOutcome::NoFurtherAction,
    NextStepsOutcome::NewRequestPending,
    NextStepsOutcome::Section19Action,
    NextStepsOutcome::AppealPending,
];

/// The advice sought during every assessment (reg. 6(1)), with the days after the
/// request that each arrives; the EP's is late (after reg. 8(1)'s 6 weeks) in one case
/// in seven, as happens when a service is stretched.
fn advice_plan(serial: u16) -> [(AdviceSource, u64); 4] {
    let ep = if serial.is_multiple_of(7) { 49 } else { 38 };
    [
        (AdviceSource::Setting, 21),
        (AdviceSource::SocialCare, 28),
        (AdviceSource::Health, 35),
        (AdviceSource::EducationalPsychologist, ep),
    ]
}

/// How the journeys ended, counted so the figures say what was replayed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Journeys {
    refused: u32,
    moved_to_assessment: u32,
    assessed: u32,
    not_to_issue: u32,
    plans: u32,
    reviews: u32,
    amended: u32,
    ceased: u32,
}

impl AddAssign for Journeys {
    fn add_assign(&mut self, other: Self) {
        self.refused += other.refused;
        self.moved_to_assessment += other.moved_to_assessment;
        self.assessed += other.assessed;
        self.not_to_issue += other.not_to_issue;
        self.plans += other.plans;
        self.reviews += other.reviews;
        self.amended += other.amended;
        self.ceased += other.ceased;
    }
}

/// What some journeys counted: how they ended and the time of each command, in the
/// order run (one entry per command).
#[derive(Debug, Default)]
struct Tally {
    journeys: Journeys,
    times: Vec<Duration>,
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.journeys += other.journeys;
        self.times.extend(other.times);
    }
}

/// One replay of the year: what it did and how long it took.
struct Run {
    clients: u16,
    requests: u32,
    commands: u32,
    wall: Duration,
    median: Duration,
    p99: Duration,
    journeys: Journeys,
}

/// What is made once per process: the sandbox, and Torbay's plugin vetted in it.
struct Plugins {
    host: PolicyHost,
    bytes: Vec<u8>,
    plugin: Plugin,
    /// Facts the plugin's graduated-response vectors use; each request asks about them.
    facts: RequestFacts,
}

impl Plugins {
    fn new() -> Self {
        let host = PolicyHost::new(Limits::default(), None).unwrap();
        let bytes = wasm("sendpanel-plugin-torbay");
        let (plugin, _) = vet(&host, &bytes).unwrap();
        let facts = sendpanel_tests::plugins::graduated_response_facts(&plugin);
        Self {
            host,
            bytes,
            plugin,
            facts,
        }
    }
}

/// What every journey on one database reads: set up once per database, before the
/// clients start, and shared by all of them.
struct Shared {
    db: Database,
    scope: AuthorityScope,
    chair: UserId,
    caseworker: UserId,
    facts: RequestFacts,
    catalogue: PluginCatalogue,
    holidays: BankHolidays,
    /// The replay's "today": every step of every journey has happened by then, and no
    /// command takes a date after it.
    end: NaiveDate,
    clock: FixedClock,
}

impl Shared {
    /// The authority, its two users and its plugin, in force from the first request;
    /// the catalogue has the plugin loaded, as a server has after its first advice.
    fn set_up(db: Database, plugins: &Plugins) -> Self {
        let end = date(2025, 8, 31);
        let clock = FixedClock(
            chrono::Utc
                .with_ymd_and_hms(end.year(), end.month(), end.day(), 17, 0, 0)
                .single()
                .unwrap(),
        );
        let scope = authority(&db, "torbay", 880).unwrap();
        let chair = user(&db, &scope, "chair@torbay.example", UserRole::PanelChair).unwrap();
        let caseworker = user(&db, &scope, "cw@torbay.example", UserRole::Caseworker).unwrap();
        install(
            &db,
            &scope,
            &plugins.plugin,
            plugins.bytes.clone(),
            Some(date(2023, 9, 1)),
        )
        .unwrap();
        let catalogue = PluginCatalogue::new(plugins.host.clone());
        catalogue
            .plugin(&db, &scope, plugins.plugin.sha256())
            .unwrap();
        Self {
            db,
            scope,
            chair: chair.id,
            caseworker: caseworker.id,
            facts: plugins.facts.clone(),
            catalogue,
            holidays: BankHolidays::england_and_wales(),
            end,
            clock,
        }
    }
}

/// Runs one workflow command, keeping its time and panicking with its name if it was
/// refused: a refusal here means the synthetic dates broke a rule, which is a bug in
/// the benchmark. Only the call is timed; the command's fields are built before.
fn ran<T, E: Debug>(
    times: &mut Vec<Duration>,
    what: &str,
    call: impl FnOnce() -> Result<T, E>,
) -> T {
    let started = Instant::now();
    let result = call();
    times.push(started.elapsed());
    result.unwrap_or_else(|e| panic!("{what}: {e:?}"))
}

fn after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap()
}

/// Request `serial`'s whole journey, from its receipt to as far as it goes by `end`.
fn journey(shared: &Shared, serial: u16) -> Tally {
    let Shared {
        db,
        scope,
        chair,
        caseworker,
        facts,
        catalogue,
        holidays,
        end,
        clock,
    } = shared;
    let (chair, caseworker) = (*chair, *caseworker);
    let mut tally = Tally::default();
    let Tally { journeys, times: t } = &mut tally;

    let received_on = after(date(2023, 9, 1), u64::from(serial % 365));
    let request = ReceiveRequest {
        given_name: "Sam".into(),
        family_name: format!("Synthetic{serial}"),
        date_of_birth: date(2015, 1, 1),
        // 1,000 children, some with more than one request in the year.
        upn: Some(upn(880, serial % 1000).to_string()),
        authority_reference: None,
        confirm_new_child: false,
        nhs_number: None,
        received_on,
        requested_by: RequestedBy::Setting,
        requester: "SENCO".into(),
        setting_type: SettingType::Mainstream,
        primary_need: NeedType::Mld,
        summary: "Synthetic request for the benchmark.".into(),
        contact_email: None,
    };
    let received = ran(t, "receive", || {
        receive_request(db, scope, &request, Some(caseworker), clock)
    });
    let case = received.case.id;
    let mut asked = facts.clone();
    asked.as_at = Date {
        year: received_on.year(),
        month: u8::try_from(received_on.month()).unwrap(),
        day: u8::try_from(received_on.day()).unwrap(),
    };
    // The request arrives with its documents: advice cites them by their ids (the
    // uploads are not timed, being no workflow command).
    cite_real_documents(db, scope, case, caseworker, clock.0, &mut asked)
        .unwrap_or_else(|e| panic!("upload: {e:?}"));
    let question = Question::GraduatedResponse(asked);
    let advice = ran(t, "advise", || {
        catalogue.advise(db, scope, case, &question, Some(caseworker), clock)
    });
    assert!(advice.is_some(), "Torbay's plugin is in force");

    // Decided in week 5, inside reg. 5(1)'s 6 weeks.
    let decided_on = after(received_on, 35);
    let refuse = serial.is_multiple_of(3);
    let decision = DecideWhetherToAssess {
        decision: if refuse {
            AssessDecision::Refuse
        } else {
            AssessDecision::Assess
        },
        reasons: "Synthetic reasons.".into(),
        departure_reason: refuse.then(|| "Synthetic departure.".into()),
        decided_by: chair,
        decided_on,
    };
    ran(t, "decide whether to assess", || {
        decide_whether_to_assess(db, scope, case, &decision, holidays, clock)
    });
    // The day the assessment began, if it did.
    let began = if refuse {
        journeys.refused += 1;
        let outcome = RecordNextStepsOutcome {
            met_on: after(decided_on, 14),
            outcome: NEXT_STEPS[usize::from(serial / 3) % NEXT_STEPS.len()],
            notes: "Synthetic meeting.".into(),
        };
        ran(t, "next-steps outcome", || {
            record_next_steps_outcome(db, scope, case, &outcome, caseworker, clock)
        });
        if outcome.outcome != NextStepsOutcome::MovedToAssessment {
            return tally;
        }
        journeys.moved_to_assessment += 1;
        outcome.met_on
    } else {
        decided_on
    };
    journeys.assessed += 1;

    // Advice asked of every source the day after, each on its own 6 weeks.
    let asked_on = after(began, 1);
    let sources = advice_plan(serial);
    for (from, _) in sources {
        let asking = RequestAdvice {
            from,
            requested_on: asked_on,
        };
        ran(t, "request advice", || {
            request_advice(db, scope, case, &asking, caseworker, clock)
        });
    }
    for (from, days) in sources {
        let arrived = RecordAdviceReceived {
            from,
            received_on: after(asked_on, days),
        };
        ran(t, "advice received", || {
            record_advice_received(db, scope, case, &arrived, caseworker, clock)
        });
    }

    // The issue panel sits once the last advice is in; one in ten is not issued.
    let issue_on = after(asked_on, 52);
    let issue = serial % 10 != 1;
    let decision = DecideWhetherToIssue {
        decision: if issue {
            IssueDecision::Issue
        } else {
            IssueDecision::DoNotIssue
        },
        reasons: "Synthetic reasons.".into(),
        decided_by: chair,
        decided_on: issue_on,
    };
    ran(t, "decide whether to issue", || {
        decide_whether_to_issue(db, scope, case, &decision, holidays, clock)
    });
    if !issue {
        journeys.not_to_issue += 1;
        return tally;
    }
    let draft = ServeDraftPlan {
        served_on: after(issue_on, 7),
    };
    ran(t, "draft plan", || {
        serve_draft_plan(db, scope, case, &draft, caseworker, clock)
    });
    // Issued once the family's 15 days (reg. 13(1)) and a week to settle are past.
    let plan = IssueFinalPlan {
        issued_on: after(draft.served_on, 21),
    };
    ran(t, "final plan", || {
        issue_final_plan(db, scope, case, &plan, caseworker, clock)
    });
    journeys.plans += 1;

    // The first review: the meeting about 11 months after issue, the decision three
    // weeks later, inside both reg. 20(10)'s 4 weeks and CFA s.44(1)'s 12 months.
    let meeting = ScheduleReviewMeeting {
        meeting_on: after(plan.issued_on, 330),
    };
    let review_on = after(meeting.meeting_on, 21);
    if review_on > *end {
        return tally;
    }
    ran(t, "review meeting", || {
        schedule_review_meeting(db, scope, case, &meeting, caseworker, holidays, clock)
    });
    // One in twenty ceased, three amended, the rest maintained (residues chosen apart
    // from the not-to-issue ones, which never reach a review).
    let review = RecordReviewDecision {
        decision: match serial % 20 {
            2 => ReviewDecision::Cease,
            3 | 7 | 15 => ReviewDecision::Amend,
            _ => ReviewDecision::Maintain,
        },
        reasons: "Synthetic reasons.".into(),
        decided_by: chair,
        decided_on: review_on,
    };
    ran(t, "review decision", || {
        record_review_decision(db, scope, case, &review, holidays, clock)
    });
    journeys.reviews += 1;
    match review.decision {
        ReviewDecision::Amend => journeys.amended += 1,
        ReviewDecision::Cease => journeys.ceased += 1,
        ReviewDecision::Maintain => {}
    }
    tally
}

/// The `pct` percentile of `sorted` by nearest rank.
fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Replays `requests` journeys on `db` (fresh, set up here) with `clients` threads,
/// journey `serial` on thread `serial % clients`.
fn year(db: Database, plugins: &Plugins, requests: u16, clients: u16) -> Run {
    let shared = Shared::set_up(db, plugins);
    let barrier = Barrier::new(usize::from(clients));
    let clients_ran: Vec<(Instant, Instant, Tally)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..clients)
            .map(|client| {
                let (shared, barrier) = (&shared, &barrier);
                s.spawn(move || {
                    let mut tally = Tally::default();
                    barrier.wait();
                    let started = Instant::now();
                    for serial in (client..requests).step_by(usize::from(clients)) {
                        tally += journey(shared, serial);
                    }
                    (started, Instant::now(), tally)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let started = clients_ran.iter().map(|r| r.0).min().unwrap();
    let finished = clients_ran.iter().map(|r| r.1).max().unwrap();
    let mut tally = Tally::default();
    for (_, _, counted) in clients_ran {
        tally += counted;
    }
    tally.times.sort_unstable();
    Run {
        clients,
        requests: u32::from(requests),
        commands: u32::try_from(tally.times.len()).unwrap(),
        wall: finished - started,
        median: percentile(&tally.times, 50),
        p99: percentile(&tally.times, 99),
        journeys: tally.journeys,
    }
}

/// The process's peak resident set so far in kB (`VmHWM`), where Linux tells it.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn report(backend: &str, run: &Run) {
    let secs = run.wall.as_secs_f64();
    let rss = peak_rss_kb().map_or_else(
        || "n/a".to_owned(),
        |kb| format!("{:.1}", kb as f64 / 1024.0),
    );
    println!(
        "{backend:<11} {:>7} {:>8} {:>9} {:>8.1} {:>11.1} {:>10.2} {:>9.2} {:>13}",
        run.clients,
        run.requests,
        run.commands,
        secs,
        f64::from(run.commands) / secs,
        run.median.as_secs_f64() * 1e3,
        run.p99.as_secs_f64() * 1e3,
        rss,
    );
}

/// Opens a fresh, migrated test database on one backend.
type FreshDb = fn() -> anyhow::Result<TestDb>;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let requests = if quick { 300 } else { 3_000 };
    println!(
        "A synthetic year: {requests} requests with their full journeys, plugin advice included"
    );
    println!(
        "{:<11} {:>7} {:>8} {:>9} {:>8} {:>11} {:>10} {:>9} {:>13}",
        "backend",
        "clients",
        "requests",
        "commands",
        "wall s",
        "commands/s",
        "median ms",
        "p99 ms",
        "peak RSS MiB"
    );
    let plugins = Plugins::new();
    let mut runs: Vec<Run> = Vec::new();
    let backends: [(&str, FreshDb); 2] =
        [("SQLite", TestDb::sqlite), ("PostgreSQL", TestDb::postgres)];
    for (backend, fresh) in backends {
        for clients in [1, CLIENTS] {
            // A fresh database for each mode: the second replay would find the first's
            // children and cases otherwise.
            let test_db = fresh().unwrap();
            let run = year(test_db.db.clone(), &plugins, requests, clients);
            drop(test_db);
            report(backend, &run);
            runs.push(run);
        }
    }
    // The same journeys everywhere, or the figures would not compare like with like.
    let first = &runs[0];
    for run in &runs[1..] {
        assert_eq!(first.journeys, run.journeys);
        assert_eq!(first.commands, run.commands);
    }
    println!(
        "Commands timed one by one (median and p99 by nearest rank); with {CLIENTS} clients \
         a command's time includes queueing for the shared pool and, on SQLite, the writer lock"
    );
    println!(
        "Peak RSS is the process's high-water mark (VmHWM) when the row's run ended: it never \
         falls, so each row includes the rows above it"
    );
    let j = first.journeys;
    println!(
        "Journeys: {} refused ({} moved to assessment by the next-steps meeting), {} assessed, \
         {} not to issue, {} final plans, {} first annual reviews decided ({} amended, {} ceased)",
        j.refused,
        j.moved_to_assessment,
        j.assessed,
        j.not_to_issue,
        j.plans,
        j.reviews,
        j.amended,
        j.ceased
    );
}
