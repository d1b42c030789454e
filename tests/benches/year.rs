//! A synthetic year for one large authority: 3,000 requests received from 1 September
//! 2023 to 30 August 2024, each taken through its whole journey with the core workflow
//! commands, on SQLite and on PostgreSQL. Every request is logged, advised on by
//! Torbay's plugin in its sandbox (recorded on the case) and decided; one in three is
//! refused and its next-steps meeting recorded (some of those move to assessment); the
//! assessed ask for and receive EP, health, social care and setting advice, are decided
//! on issue, and most go on to a draft and a final plan; plans issued early enough for
//! their first annual review to be decided by 31 August 2025 (the end of the following
//! school year) have the review meeting and decision. Reports, for each backend, the
//! requests and commands run, the wall time, and requests and commands per second.
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
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, TimeZone};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{AdviceSource, NeedType, RequestedBy, SettingType, UserRole};
use sendpanel_core::policy::contract::{Date, RequestFacts, TestCall};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, Question, install, vet};
use sendpanel_core::store::Database;
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
use sendpanel_tests::fixtures::{authority, date, upn, user};
use sendpanel_tests::plugins::wasm;

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

/// One backend's run: what it did and how long it took.
struct Run {
    requests: u32,
    commands: u32,
    wall: Duration,
    journeys: Journeys,
}

/// Counts one workflow command, panicking with its name if it was refused: a refusal
/// here means the synthetic dates broke a rule, which is a bug in the benchmark.
fn ran<T, E: Debug>(commands: &mut u32, what: &str, result: Result<T, E>) -> T {
    *commands += 1;
    result.unwrap_or_else(|e| panic!("{what}: {e:?}"))
}

fn after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap()
}

fn year(db: &Database, requests: u16) -> Run {
    // The replay's "today": every step of every journey has happened by then, and no
    // command takes a date after it.
    let end = date(2025, 8, 31);
    let clock = FixedClock(
        chrono::Utc
            .with_ymd_and_hms(end.year(), end.month(), end.day(), 17, 0, 0)
            .single()
            .unwrap(),
    );
    let scope = authority(db, "torbay", 880).unwrap();
    let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair).unwrap();
    let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker).unwrap();
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
    let mut commands = 0u32;
    let mut journeys = Journeys::default();
    let n = &mut commands;

    let started = Instant::now();
    for serial in 0..requests {
        let received_on = after(first, u64::from(serial % 365));
        let received = ran(
            n,
            "receive",
            receive_request(
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
                    contact_email: None,
                },
                Some(caseworker.id),
                &clock,
            ),
        );
        let case = received.case.id;
        let mut asked = facts.clone();
        asked.as_at = Date {
            year: received_on.year(),
            month: u8::try_from(received_on.month()).unwrap(),
            day: u8::try_from(received_on.day()).unwrap(),
        };
        let advice = ran(
            n,
            "advise",
            catalogue.advise(
                db,
                &scope,
                case,
                &Question::GraduatedResponse(asked),
                Some(caseworker.id),
                &clock,
            ),
        );
        assert!(advice.is_some(), "Torbay's plugin is in force");

        // Decided in week 5, inside reg. 5(1)'s 6 weeks.
        let decided_on = after(received_on, 35);
        let refuse = serial.is_multiple_of(3);
        ran(
            n,
            "decide whether to assess",
            decide_whether_to_assess(
                db,
                &scope,
                case,
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
            ),
        );
        // The day the assessment began, if it did.
        let began = if refuse {
            journeys.refused += 1;
            let met_on = after(decided_on, 14);
            let outcome = NEXT_STEPS[usize::from(serial / 3) % NEXT_STEPS.len()];
            ran(
                n,
                "next-steps outcome",
                record_next_steps_outcome(
                    db,
                    &scope,
                    case,
                    &RecordNextStepsOutcome {
                        met_on,
                        outcome,
                        notes: "Synthetic meeting.".into(),
                    },
                    caseworker.id,
                    &clock,
                ),
            );
            if outcome != NextStepsOutcome::MovedToAssessment {
                continue;
            }
            journeys.moved_to_assessment += 1;
            met_on
        } else {
            decided_on
        };
        journeys.assessed += 1;

        // Advice asked of every source the day after, each on its own 6 weeks.
        let asked_on = after(began, 1);
        let sources = advice_plan(serial);
        for (from, _) in sources {
            ran(
                n,
                "request advice",
                request_advice(
                    db,
                    &scope,
                    case,
                    &RequestAdvice {
                        from,
                        requested_on: asked_on,
                    },
                    caseworker.id,
                    &clock,
                ),
            );
        }
        for (from, days) in sources {
            ran(
                n,
                "advice received",
                record_advice_received(
                    db,
                    &scope,
                    case,
                    &RecordAdviceReceived {
                        from,
                        received_on: after(asked_on, days),
                    },
                    caseworker.id,
                    &clock,
                ),
            );
        }

        // The issue panel sits once the last advice is in; one in ten is not issued.
        let issue_on = after(asked_on, 52);
        let issue = serial % 10 != 1;
        ran(
            n,
            "decide whether to issue",
            decide_whether_to_issue(
                db,
                &scope,
                case,
                &DecideWhetherToIssue {
                    decision: if issue {
                        IssueDecision::Issue
                    } else {
                        IssueDecision::DoNotIssue
                    },
                    reasons: "Synthetic reasons.".into(),
                    decided_by: chair.id,
                    decided_on: issue_on,
                },
                &holidays,
                &clock,
            ),
        );
        if !issue {
            journeys.not_to_issue += 1;
            continue;
        }
        let served_on = after(issue_on, 7);
        ran(
            n,
            "draft plan",
            serve_draft_plan(
                db,
                &scope,
                case,
                &ServeDraftPlan { served_on },
                caseworker.id,
                &clock,
            ),
        );
        // Issued once the family's 15 days (reg. 13(1)) and a week to settle are past.
        let issued_on = after(served_on, 21);
        ran(
            n,
            "final plan",
            issue_final_plan(
                db,
                &scope,
                case,
                &IssueFinalPlan { issued_on },
                caseworker.id,
                &clock,
            ),
        );
        journeys.plans += 1;

        // The first review: the meeting about 11 months after issue, the decision three
        // weeks later, inside both reg. 20(10)'s 4 weeks and CFA s.44(1)'s 12 months.
        let meeting_on = after(issued_on, 330);
        let review_on = after(meeting_on, 21);
        if review_on > end {
            continue;
        }
        ran(
            n,
            "review meeting",
            schedule_review_meeting(
                db,
                &scope,
                case,
                &ScheduleReviewMeeting { meeting_on },
                caseworker.id,
                &holidays,
                &clock,
            ),
        );
        // One in twenty ceased, three amended, the rest maintained (residues chosen
        // apart from the not-to-issue ones, which never reach a review).
        let decision = match serial % 20 {
            2 => ReviewDecision::Cease,
            3 | 7 | 15 => ReviewDecision::Amend,
            _ => ReviewDecision::Maintain,
        };
        ran(
            n,
            "review decision",
            record_review_decision(
                db,
                &scope,
                case,
                &RecordReviewDecision {
                    decision,
                    reasons: "Synthetic reasons.".into(),
                    decided_by: chair.id,
                    decided_on: review_on,
                },
                &holidays,
                &clock,
            ),
        );
        journeys.reviews += 1;
        match decision {
            ReviewDecision::Amend => journeys.amended += 1,
            ReviewDecision::Cease => journeys.ceased += 1,
            ReviewDecision::Maintain => {}
        }
    }
    Run {
        requests: u32::from(requests),
        commands,
        wall: started.elapsed(),
        journeys,
    }
}

fn report(backend: &str, run: &Run) {
    let secs = run.wall.as_secs_f64();
    println!(
        "{backend:<11} {:>8} {:>9} {:>8.1} {:>11.1} {:>11.1}",
        run.requests,
        run.commands,
        secs,
        f64::from(run.requests) / secs,
        f64::from(run.commands) / secs,
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let requests = if quick { 300 } else { 3_000 };
    println!(
        "A synthetic year: {requests} requests with their full journeys, plugin advice included"
    );
    println!(
        "{:<11} {:>8} {:>9} {:>8} {:>11} {:>11}",
        "backend", "requests", "commands", "wall s", "requests/s", "commands/s"
    );
    let sqlite = TestDb::sqlite().unwrap();
    let on_sqlite = year(&sqlite.db, requests);
    report("SQLite", &on_sqlite);
    drop(sqlite);
    let postgres = TestDb::postgres().unwrap();
    let on_postgres = year(&postgres.db, requests);
    report("PostgreSQL", &on_postgres);
    // The same journeys on both, or the figures would not compare like with like.
    assert_eq!(on_sqlite.journeys, on_postgres.journeys);
    assert_eq!(on_sqlite.commands, on_postgres.commands);
    let j = on_sqlite.journeys;
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
