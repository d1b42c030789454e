//! The synthetic year the benchmarks replay: requests taken through their whole journey
//! with the core workflow commands, for any authority set up here. `benches/year.rs`
//! replays one authority's year in one process; `benches/nation.rs` replays England's
//! across 153 authorities in several processes. Both need the same journeys, so they
//! live here once, parameterised by the [`Authority`] they run for, rather than being
//! copied into each benchmark, where the copies would drift apart and the two sets of
//! figures would stop measuring the same work.
//!
//! A journey: the request is logged, advised on by Torbay's plugin in its sandbox
//! (recorded on the case) and decided; one in three is refused and its next-steps
//! meeting recorded (some of those move to assessment); the assessed ask for and
//! receive EP, health, social care and setting advice, are decided on issue, and most
//! go on to a draft and a final plan; plans issued early enough for their first annual
//! review to be decided by 31 August 2025 (the end of the following school year) have
//! the review meeting and decision. The shares are illustrative, not any authority's
//! figures: they exist so that every kind of command runs in a realistic proportion.
#![allow(clippy::indexing_slicing)] // fixed tables indexed modulo their length; ranks checked

use std::fmt::Debug;
use std::ops::AddAssign;
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, TimeZone};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    AdviceSource, AuthorityId, Email, NeedType, NewPlugin, RequestedBy, SettingType, UserId,
    UserRole,
};
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

use crate::cited::cite_real_documents;
use crate::fixtures::{authority, date, upn, user};
use crate::plugins::{graduated_response_facts, wasm};

/// The children an authority's requests are for: journey `serial` is for child
/// `serial % CHILDREN`, so with more requests than this some children have more than
/// one request in the year. Two journeys for one child must not run at once (the
/// second finds the first's child), so a benchmark that runs journeys on several
/// threads gives each child's journeys to one thread, in order.
pub const CHILDREN: u16 = 1000;

/// The day the first request arrives and the plugin comes into force.
fn first_day() -> NaiveDate {
    date(2023, 9, 1)
}

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

/// How the journeys ended, counted so the figures say what was replayed. Serialisable
/// so a benchmark's worker process can send its count to the process that reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Journeys {
    /// Refused at the decision whether to assess.
    pub refused: u32,
    /// Refused, then moved to assessment by the next-steps meeting.
    pub moved_to_assessment: u32,
    /// Assessed (advice asked for and received, decided on issue).
    pub assessed: u32,
    /// Assessed and not to issue a plan.
    pub not_to_issue: u32,
    /// Final plans issued.
    pub plans: u32,
    /// First annual reviews decided.
    pub reviews: u32,
    /// Of those, to amend the plan.
    pub amended: u32,
    /// Of those, to cease it.
    pub ceased: u32,
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
pub struct Tally {
    /// How they ended.
    pub journeys: Journeys,
    /// Each command's time.
    pub times: Vec<Duration>,
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.journeys += other.journeys;
        self.times.extend(other.times);
    }
}

/// What is made once per process that sets databases up: the sandbox, and Torbay's
/// plugin vetted in it.
pub struct Plugins {
    /// The sandbox the plugin was vetted in; catalogues load with it.
    pub host: PolicyHost,
    /// The plugin's component, as installed.
    pub bytes: Vec<u8>,
    /// The plugin, vetted.
    pub plugin: Plugin,
    /// Facts the plugin's graduated-response vectors use; each request asks about them.
    pub facts: RequestFacts,
}

impl Plugins {
    /// Torbay's plugin, built if need be and vetted (its own vectors all pass).
    pub fn torbay() -> Self {
        let host = PolicyHost::new(Limits::default(), None).unwrap();
        let bytes = wasm("sendpanel-plugin-torbay");
        let (plugin, _) = vet(&host, &bytes).unwrap();
        let facts = graduated_response_facts(&plugin);
        Self {
            host,
            bytes,
            plugin,
            facts,
        }
    }
}

/// One authority as the journeys see it: its scope, its LA number (the UPNs' prefix)
/// and the two users who act in every journey.
#[derive(Debug, Clone)]
pub struct Authority {
    /// The authority's scope.
    pub scope: AuthorityScope,
    /// Its DfE LA number, which begins its children's UPNs.
    pub la_number: u16,
    /// The panel chair, who decides.
    pub chair: UserId,
    /// The caseworker, who logs and records.
    pub caseworker: UserId,
}

impl Authority {
    /// Registers authority `code` with its two users (`chair@<code>.example` and
    /// `cw@<code>.example`) and Torbay's plugin in force from the first request.
    ///
    /// For Torbay the plugin goes through [`install`], as an upload would. `install`
    /// refuses it for any other authority, rightly (the plugin declares itself
    /// Torbay's), so for the others the same bytes are stored and activated through the
    /// store's own calls, which are what `install` makes once its checks pass: every
    /// authority then has a plugin in force of the same size and cost. The rows are
    /// keyed by authority and hash, so each authority has its own; a catalogue keyed by
    /// hash loads it once for all of them.
    pub fn set_up(db: &Database, plugins: &Plugins, code: &str, la_number: u16) -> Self {
        let scope = authority(db, code, la_number).unwrap();
        let chair = user(
            db,
            &scope,
            &format!("chair@{code}.example"),
            UserRole::PanelChair,
        )
        .unwrap();
        let caseworker = user(
            db,
            &scope,
            &format!("cw@{code}.example"),
            UserRole::Caseworker,
        )
        .unwrap();
        let plugin = &plugins.plugin;
        let info = plugin.info();
        if info.authority == scope.authority().as_str() {
            install(db, &scope, plugin, plugins.bytes.clone(), Some(first_day())).unwrap();
        } else {
            let new = NewPlugin {
                authority_id: scope.authority().clone(),
                policy_name: info.policy_name.clone(),
                policy_version: info.policy_version.clone(),
                api_version: plugin.api_version().to_string(),
                effective_from: plugin.effective_from(),
                bytes: plugins.bytes.clone(),
            };
            db.write(|tx| {
                let stored = tx.insert_plugin(&scope, &new)?;
                tx.activate_plugin(&scope, &stored.sha256, first_day())
            })
            .unwrap();
        }
        Self {
            scope,
            la_number,
            chair: chair.id,
            caseworker: caseworker.id,
        }
    }

    /// Authority `code` as [`Authority::set_up`] left it, read back: for a process that
    /// replays journeys on a database another process set up.
    pub fn open(db: &Database, code: &str, la_number: u16) -> Self {
        let scope = AuthorityScope::new(AuthorityId::parse(code).unwrap());
        let find = |email: String| {
            let email = Email::parse(&email).unwrap();
            db.read(|tx| tx.find_user_by_email(&scope, &email))
                .unwrap()
                .unwrap_or_else(|| panic!("{email} is not a user of {code}"))
                .id
        };
        let chair = find(format!("chair@{code}.example"));
        let caseworker = find(format!("cw@{code}.example"));
        Self {
            scope,
            la_number,
            chair,
            caseworker,
        }
    }
}

/// The plugin in force for `authority` on the first request's day, loaded into
/// `catalogue` as a server has it after its first advice: set up before the clock
/// starts, so no replay times a plugin compile.
pub fn load_in_force(db: &Database, catalogue: &PluginCatalogue, authority: &Authority) -> Plugin {
    let scope = &authority.scope;
    let in_force = db
        .read(|tx| tx.active_plugin_on(scope, first_day()))
        .unwrap()
        .unwrap_or_else(|| panic!("{} has no plugin in force", scope.authority()));
    catalogue.plugin(db, scope, &in_force.sha256).unwrap()
}

/// What every journey on one database reads, whatever its authority: made once per
/// database (and process), before the clients start, and shared by all of them.
pub struct Replay {
    db: Database,
    facts: RequestFacts,
    catalogue: PluginCatalogue,
    holidays: BankHolidays,
    /// The replay's "today": every step of every journey has happened by then, and no
    /// command takes a date after it.
    end: NaiveDate,
    clock: FixedClock,
}

impl Replay {
    /// Journeys on `db`, advised through `catalogue` (which should have the plugin
    /// loaded: see [`load_in_force`]) on `facts`.
    pub fn new(db: Database, catalogue: PluginCatalogue, facts: RequestFacts) -> Self {
        let end = date(2025, 8, 31);
        let clock = FixedClock(
            chrono::Utc
                .with_ymd_and_hms(end.year(), end.month(), end.day(), 17, 0, 0)
                .single()
                .unwrap(),
        );
        Self {
            db,
            facts,
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

/// Request `serial` of `authority`'s year: its whole journey, from its receipt to as
/// far as it goes by the replay's end. The same serial gives the same dates and
/// outcomes in every authority.
pub fn journey(replay: &Replay, authority: &Authority, serial: u16) -> Tally {
    let Replay {
        db,
        facts,
        catalogue,
        holidays,
        end,
        clock,
    } = replay;
    let Authority {
        scope,
        la_number,
        chair,
        caseworker,
    } = authority;
    let (chair, caseworker) = (*chair, *caseworker);
    let mut tally = Tally::default();
    let Tally { journeys, times: t } = &mut tally;

    let received_on = after(first_day(), u64::from(serial % 365));
    let request = ReceiveRequest {
        given_name: "Sam".into(),
        family_name: format!("Synthetic{serial}"),
        date_of_birth: date(2015, 1, 1),
        // CHILDREN children, some with more than one request in the year.
        upn: Some(upn(*la_number, serial % CHILDREN).to_string()),
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

/// The `pct` percentile of `sorted` (ascending, not empty) by nearest rank.
pub fn percentile<T: Copy>(sorted: &[T], pct: usize) -> T {
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// The process's peak resident set so far in kB (`VmHWM`), where Linux tells it.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
