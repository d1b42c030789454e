//! A whole caseload, on both databases: 20,000 cases searched, filtered and paged by
//! keyset (stable while cases are added), each case's soonest limit following every
//! command from request to final plan; cases allocated and reallocated with their
//! history, a stale allocation refused; a refused case closing once its appeal window
//! passes and reopening on a late appeal, a new request for the child opening its own
//! case; a request withdrawn; notes of contact; corrections to a child's details with
//! the old value kept; children without a UPN, and possible duplicates shown before a
//! new child is recorded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use chrono::{Days, NaiveDate};
use sendpanel_core::caseload::{CaseloadParams, CaseloadQuery, search};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    AdviceSource, AssessmentRequest, Case, CaseId, CaseStage, Child, ChildField, ChildId,
    ClosedReason, Deadline, DeadlineId, DeadlineKind, DeadlineStatus, EventKind, NeedType,
    NoteKind, PersonName, RequestId, RequestedBy, SettingType, UserId, UserRole,
};
use sendpanel_core::store::{AuthorityScope, BulkCase, Database, StoreError};
use sendpanel_core::time::Clock;
use sendpanel_core::workflow::{
    AllocateCase, CorrectChild, NewCaseNote, ReceiveRequest, WithdrawRequest, WorkflowError,
    add_case_note, allocate_case, close_cases_past_appeal_window, correct_child, receive_request,
    withdraw_request,
};
use sendpanel_core::workflow::{
    AssessDecision, DecideWhetherToIssue, IssueDecision, IssueFinalPlan, RecordAdviceReceived,
    RequestAdvice, ServeDraftPlan, decide_whether_to_assess, decide_whether_to_issue,
    issue_final_plan, record_advice_received, request_advice, serve_draft_plan,
};
use sendpanel_core::workflow::{LodgeAppeal, lodge_appeal};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, upn, user};
use sendpanel_tests::journey::{decide, on, refused_case, request};

/// The day the seeded caseload is read on.
fn today() -> NaiveDate {
    date(2026, 12, 6)
}

const SEEDED: u32 = 20_000;

/// What the test knows about each seeded case, to work out by hand what each query
/// should find.
struct Seeded {
    case: CaseId,
    family_name: String,
    upn: Option<String>,
    born: NaiveDate,
    stage: CaseStage,
    officer: Option<UserId>,
    due: Option<NaiveDate>,
    setting: SettingType,
}

/// 20,000 cases: every third child without a UPN, names from 500 families, birthdays
/// over 16 years, four officers and unallocated, open stages with some closed, next
/// deadlines from 60 days past to 300 days ahead (every seventh with nothing due).
fn seed(db: &Database, scope: &AuthorityScope, officers: &[UserId]) -> Vec<Seeded> {
    let stages = [
        CaseStage::RequestReceived,
        CaseStage::Assessing,
        CaseStage::DraftPlan,
        CaseStage::PlanIssued,
        CaseStage::AssessmentRefused,
        CaseStage::Closed,
    ];
    let settings = [
        SettingType::Mainstream,
        SettingType::Special,
        SettingType::EarlyYears,
    ];
    let at = on(2026, 12, 1).now();
    let mut seeded = Vec::new();
    let mut bulk = Vec::new();
    for i in 0..SEEDED {
        let born = date(2008, 1, 1)
            .checked_add_days(Days::new(u64::from(i * 7919 % 5840)))
            .unwrap();
        // Unique per child: the fixture's serial has three digits, so the LA part varies.
        let upn = (i % 3 != 0).then(|| {
            upn(
                100 + u16::try_from(i / 1000).unwrap(),
                u16::try_from(i % 1000).unwrap(),
            )
        });
        let child = Child {
            id: ChildId::new(),
            authority_id: scope.authority().clone(),
            given_name: PersonName::parse("given_name", &format!("Child{i}")).unwrap(),
            family_name: PersonName::parse("family_name", &format!("Family{}", i % 500)).unwrap(),
            date_of_birth: born,
            upn: upn.clone(),
            nhs_number: None,
            authority_reference: Some(
                sendpanel_core::domain::AuthorityReference::parse(&format!("REF-{i}")).unwrap(),
            ),
            sex: None,
            ethnicity: None,
            postcode: None,
        };
        let setting = settings[(i % 3) as usize];
        let request = AssessmentRequest {
            id: RequestId::new(),
            authority_id: scope.authority().clone(),
            child_id: child.id,
            received_on: date(2026, 1, 5),
            requested_by: RequestedBy::Parent,
            requester: "Parent".into(),
            setting_type: setting,
            primary_need: NeedType::Slcn,
            summary: "Seeded for the caseload test.".into(),
            logged_at: at,
            contact_email: None,
        };
        let stage = stages[(i % 6) as usize];
        let mut case = Case::opened(scope.authority().clone(), child.id, request.id, stage, at);
        case.officer_id = (i % 5 != 4).then(|| officers[(i % 4) as usize]);
        let due = (i % 7 != 0).then(|| {
            date(2026, 10, 7)
                .checked_add_days(Days::new(u64::from(i * 31 % 360)))
                .unwrap()
        });
        let deadlines = due
            .map(|due_on| Deadline {
                id: DeadlineId::new(),
                authority_id: scope.authority().clone(),
                case_id: case.id,
                kind: DeadlineKind::DecideWhetherToAssess,
                due_on,
                status: DeadlineStatus::Open,
                subject: None,
            })
            .into_iter()
            .collect();
        seeded.push(Seeded {
            case: case.id,
            family_name: child.family_name.to_string(),
            upn: upn.map(|u| u.to_string()),
            born,
            stage,
            officer: case.officer_id,
            due,
            setting,
        });
        bulk.push(BulkCase {
            new_child: Some(child),
            request,
            case,
            deadlines,
        });
    }
    for batch in bulk.chunks(5_000) {
        db.write(|tx| tx.insert_cases_in_bulk(scope, batch, at))
            .unwrap();
    }
    seeded
}

fn query(params: CaseloadParams, me: UserId) -> CaseloadQuery {
    params.parse(me, today()).unwrap()
}

fn params() -> CaseloadParams {
    CaseloadParams::default()
}

/// Every page of a query, in order.
fn all_pages(db: &Database, scope: &AuthorityScope, params: CaseloadParams) -> Vec<CaseId> {
    let me = UserId::new();
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = search(
            db,
            scope,
            &query(
                CaseloadParams {
                    after: after.clone(),
                    per_page: Some("200".into()),
                    ..params.clone()
                },
                me,
            ),
            today(),
        )
        .unwrap();
        ids.extend(page.cases.iter().map(|c| c.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
}

fn open(s: &Seeded) -> bool {
    !matches!(s.stage, CaseStage::Closed | CaseStage::Ceased)
}

/// The soonest open limit of `case` as its deadlines show it, checked against the
/// caseload: the case is not overdue on that day and is overdue the day after (never,
/// with no limit open). The caseload reads the limit as kept on the case.
fn soonest_open_limit(db: &Database, scope: &AuthorityScope, case: CaseId) -> Option<NaiveDate> {
    let overdue_on = |today: NaiveDate| {
        let query = CaseloadParams {
            due: Some("overdue".into()),
            ..params()
        }
        .parse(UserId::new(), today)
        .unwrap();
        search(db, scope, &query, today)
            .unwrap()
            .cases
            .iter()
            .any(|c| c.id == case)
    };
    let soonest = db
        .read(|tx| tx.list_deadlines(scope, case))
        .unwrap()
        .into_iter()
        .filter(|d| d.status == DeadlineStatus::Open)
        .map(|d| d.due_on)
        .min();
    match soonest {
        Some(day) => {
            assert!(
                !overdue_on(day),
                "not overdue on the day its soonest limit ({day}) falls"
            );
            assert!(
                overdue_on(day.succ_opt().unwrap()),
                "overdue the day after its soonest limit ({day})"
            );
        }
        None => assert!(
            !overdue_on(date(2099, 1, 1)),
            "never overdue with no limit open"
        ),
    }
    soonest
}

both_backends! {
    fn twenty_thousand_cases_are_searched_filtered_and_paged(db) {
        let scope = authority(db, "torbay", 880)?;
        let officers: Vec<UserId> = (0..4)
            .map(|n| user(db, &scope, &format!("officer{n}@torbay.example"), UserRole::Caseworker).unwrap().id)
            .collect();
        let seeded = seed(db, &scope, &officers);
        let count = |f: &dyn Fn(&Seeded) -> bool| seeded.iter().filter(|s| open(s) && f(s)).count() as i64;
        let total = |p: CaseloadParams, me: UserId| search(db, &scope, &query(p, me), today()).unwrap().total;

        // Everything open, paged by keyset: each case once, in due order.
        let everything = all_pages(db, &scope, params());
        assert_eq!(everything.len() as i64, count(&|_| true));
        assert_eq!(everything.iter().collect::<HashSet<_>>().len(), everything.len(), "no case twice");
        let due_of = |id: &CaseId| seeded.iter().find(|s| s.case == *id).unwrap().due.unwrap_or(NaiveDate::MAX);
        assert!(everything.windows(2).all(|w| due_of(&w[0]) <= due_of(&w[1])), "soonest first");

        // Search: by UPN exactly, by name, by date of birth, by reference.
        let with_upn = seeded.iter().find(|s| s.upn.is_some() && open(s)).unwrap();
        let page = search(db, &scope, &query(CaseloadParams { q: with_upn.upn.clone(), ..params() }, officers[0]), today())?;
        assert_eq!(page.cases.iter().map(|c| c.id).collect::<Vec<_>>(), vec![with_upn.case]);
        assert_eq!(total(CaseloadParams { q: Some("family123".into()), ..params() }, officers[0]),
            count(&|s| s.family_name == "Family123"));
        // A name every child shares: too many cases to resolve first, read as a subquery.
        assert_eq!(total(CaseloadParams { q: Some("family".into()), ..params() }, officers[0]),
            count(&|_| true));
        let first = search(db, &scope, &query(CaseloadParams { q: Some("family".into()), ..params() }, officers[0]), today())?;
        assert_eq!(first.cases.iter().map(|c| c.id).collect::<Vec<_>>(), everything[..50].to_vec());
        let born = seeded[10].born;
        assert_eq!(total(CaseloadParams { q: Some(born.format("%d/%m/%Y").to_string()), ..params() }, officers[0]),
            count(&|s| s.born == born));
        assert_eq!(total(CaseloadParams { q: Some("ref-4242".into()), ..params() }, officers[0]),
            count(&|s| s.case == seeded[4242].case));

        // Filters: my cases, unallocated, a stage, a setting, overdue, a year group.
        assert_eq!(total(CaseloadParams { officer: Some("me".into()), ..params() }, officers[1]),
            count(&|s| s.officer == Some(officers[1])));
        assert_eq!(total(CaseloadParams { officer: Some("unallocated".into()), ..params() }, officers[1]),
            count(&|s| s.officer.is_none()));
        assert_eq!(total(CaseloadParams { stage: Some("assessing".into()), ..params() }, officers[1]),
            count(&|s| s.stage == CaseStage::Assessing));
        assert_eq!(total(CaseloadParams { stage: Some("closed".into()), ..params() }, officers[1]),
            seeded.iter().filter(|s| s.stage == CaseStage::Closed).count() as i64);
        assert_eq!(total(CaseloadParams { setting: Some("special".into()), ..params() }, officers[1]),
            count(&|s| s.setting == SettingType::Special));
        assert_eq!(total(CaseloadParams { due: Some("overdue".into()), ..params() }, officers[1]),
            count(&|s| s.due.is_some_and(|d| d < today())));
        // Year 4 in 2026/27, worked out by hand: born 1 September 2017 to 31 August 2018.
        assert_eq!(total(CaseloadParams { year_group: Some("4".into()), ..params() }, officers[1]),
            count(&|s| (date(2017, 9, 1)..=date(2018, 8, 31)).contains(&s.born)));
        // Filters narrow together.
        assert_eq!(total(CaseloadParams { officer: Some("me".into()), due: Some("overdue".into()), stage: Some("draft_plan".into()), ..params() }, officers[2]),
            count(&|s| s.officer == Some(officers[2]) && s.due.is_some_and(|d| d < today()) && s.stage == CaseStage::DraftPlan));

        // Transitions, worked out by hand for 2026/27. Post-16 this year: Year 11 now,
        // born 1 September 2010 to 31 August 2011, setting named by 31 March 2027.
        // Next year's post-16 cohort is in Year 10 now (born 2011/12), a year ahead,
        // named by 31 March 2028. Primary to secondary: Year 6 now (born 2015/16), by
        // 15 February 2027.
        let cohorts = sendpanel_core::transitions::cohorts(db, &scope, today())?;
        let plans_born = |from: NaiveDate, to: NaiveDate| {
            count(&|s| s.stage == CaseStage::PlanIssued && (from..=to).contains(&s.born))
        };
        let cohort = |transfer, year_group_now| {
            cohorts.iter().find(|c| c.transfer == transfer && c.year_group_now == year_group_now).unwrap()
        };
        use sendpanel_core::transitions::Transfer;
        let post16 = cohort(Transfer::SecondaryToPost16, 11);
        assert_eq!((post16.transfer_year, post16.naming_deadline), (2027, Some(date(2027, 3, 31))));
        assert_eq!(post16.plans, plans_born(date(2010, 9, 1), date(2011, 8, 31)));
        assert!(post16.plans > 0);
        assert!(!post16.deadline_passed);
        let ahead = cohort(Transfer::SecondaryToPost16, 10);
        assert_eq!((ahead.transfer_year, ahead.naming_deadline), (2028, Some(date(2028, 3, 31))));
        assert_eq!(ahead.plans, plans_born(date(2011, 9, 1), date(2012, 8, 31)));
        assert!(ahead.plans > 0);
        let secondary = cohort(Transfer::PrimaryToSecondary, 6);
        assert_eq!(secondary.naming_deadline, Some(date(2027, 2, 15)));
        assert_eq!(secondary.plans, plans_born(date(2015, 9, 1), date(2016, 8, 31)));
        assert_eq!(cohort(Transfer::PreparingForAdulthood, 9).naming_deadline, None);
        // The list behind each count is the caseload filtered to it.
        assert_eq!(total(post16.list.clone(), officers[0]), post16.plans);
        // After 31 March 2027 this year's post-16 deadline has passed.
        let april = sendpanel_core::transitions::cohorts(db, &scope, date(2027, 4, 1))?;
        assert!(april.iter().any(|c| c.transfer == Transfer::SecondaryToPost16 && c.year_group_now == 11 && c.deadline_passed));
        Ok(())
    }

    fn the_caseload_follows_every_limit_a_command_sets_or_settles(db) {
        // The caseload's order and its due filters read each case's soonest open
        // limit as kept on the case, written once as a command's transaction ends.
        // After every step from request to final plan, the case is overdue from the
        // day after the soonest limit its deadlines show, and not on that day.
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?.id;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?.id;
        let holidays = BankHolidays::england_and_wales();
        let soonest = |case| soonest_open_limit(db, &scope, case);
        let case = receive_request(db, &scope, &request(1), Some(caseworker), &on(2023, 9, 4))?.case.id;
        // Reg. 5(1): six weeks from the request to the decision whether to assess.
        let mut seen = vec![soonest(case)];
        assert_eq!(seen[0], Some(date(2023, 10, 16)));
        decide_whether_to_assess(db, &scope, case, &decide(chair, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &holidays, &on(2023, 10, 2))?;
        seen.push(soonest(case));
        decide_whether_to_issue(db, &scope, case, &DecideWhetherToIssue {
            decision: IssueDecision::Issue,
            reasons: "The assessment shows provision is needed beyond what the school can make.".into(),
            decided_by: chair,
            decided_on: date(2023, 11, 24),
        }, &holidays, &on(2023, 11, 24))?;
        seen.push(soonest(case));
        serve_draft_plan(db, &scope, case, &ServeDraftPlan { served_on: date(2023, 12, 1) }, caseworker, &on(2023, 12, 1))?;
        seen.push(soonest(case));
        issue_final_plan(db, &scope, case, &IssueFinalPlan { issued_on: date(2024, 1, 10) }, caseworker, &on(2024, 1, 10))?;
        // CFA s.44(1): the first review within 12 months of the plan, once it is the
        // only limit open.
        seen.push(soonest(case));
        assert_eq!(seen.last().copied().flatten(), Some(date(2025, 1, 9)));
        seen.dedup();
        assert!(seen.len() >= 3, "the soonest limit moved as the case went on: {seen:?}");
        Ok(())
    }

    fn two_advice_arriving_at_once_leave_the_case_due_on_its_soonest_limit(db) {
        // Each command writes the case's soonest limit as its transaction ends, from
        // the deadlines it reads then. Two caseworkers record advice on one case at the
        // same moment: whichever commits second must see the first's settled limit,
        // or the caseload would keep a limit already met. The same advice recorded
        // twice at once is recorded once.
        let scope = authority(db, "torbay", 880)?;
        let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair)?.id;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?.id;
        let holidays = BankHolidays::england_and_wales();
        for round in 0..6u16 {
            let case = receive_request(db, &scope, &request(100 + round), Some(caseworker), &on(2023, 9, 4))?.case.id;
            decide_whether_to_assess(db, &scope, case, &decide(chair, AssessDecision::Assess, "The evidence shows the child may need provision through a plan."), &holidays, &on(2023, 10, 2))?;
            // Reg. 8(1): each request for advice runs its own six weeks.
            for (from, asked_on) in [(AdviceSource::Setting, date(2023, 10, 3)), (AdviceSource::Health, date(2023, 10, 10))] {
                request_advice(db, &scope, case, &RequestAdvice { from, requested_on: asked_on }, caseworker, &on(2023, 10, 10))?;
            }
            let before = soonest_open_limit(db, &scope, case);
            assert_eq!(before, Some(date(2023, 11, 14)), "the setting's six weeks come first");
            // Odd rounds: two sources at once, both recorded. Even rounds: the
            // setting's advice twice at once, recorded once.
            let sources = if round % 2 == 1 { [AdviceSource::Setting, AdviceSource::Health] } else { [AdviceSource::Setting, AdviceSource::Setting] };
            let barrier = Arc::new(Barrier::new(2));
            let tries: Vec<_> = sources.into_iter().map(|from| {
                let (db, scope, barrier) = (db.clone(), scope.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    record_advice_received(&db, &scope, case, &RecordAdviceReceived { from, received_on: date(2023, 11, 1) }, caseworker, &on(2023, 11, 1))
                })
            }).collect();
            let results: Vec<_> = tries.into_iter().map(|t| t.join().unwrap()).collect();
            let recorded = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(recorded, if round % 2 == 1 { 2 } else { 1 }, "round {round}: {results:?}");
            let after = soonest_open_limit(db, &scope, case);
            assert!(after > before, "round {round}: the setting's limit is met, so the case is due later than {before:?}, not {after:?}");
            if round % 2 == 0 {
                assert_eq!(after, Some(date(2023, 11, 21)), "round {round}: the health advice's six weeks are next");
            }
        }
        Ok(())
    }

    fn paging_is_stable_while_cases_are_added(db) {
        let scope = authority(db, "torbay", 880)?;
        let officers: Vec<UserId> = (0..4)
            .map(|n| user(db, &scope, &format!("officer{n}@torbay.example"), UserRole::Caseworker).unwrap().id)
            .collect();
        seed(db, &scope, &officers[..]);
        let me = officers[0];
        let first = search(db, &scope, &query(CaseloadParams { per_page: Some("50".into()), ..params() }, me), today())?;
        // A caseworker logs two requests while someone reads page one: one due before
        // everything on it, one after.
        for (serial, received_on) in [(901, date(2026, 8, 1)), (902, today())] {
            receive_request(db, &scope, &ReceiveRequest { received_on, ..request(serial) }, None, &on(2026, 12, 6))?;
        }
        let second = search(db, &scope, &query(CaseloadParams { per_page: Some("50".into()), after: first.next.clone(), ..params() }, me), today())?;
        let shown: HashSet<CaseId> = first.cases.iter().map(|c| c.id).collect();
        assert!(second.cases.iter().all(|c| !shown.contains(&c.id)), "nothing on page one again");
        // Page two is exactly what follows page one's last row in a fresh listing.
        let fresh = all_pages(db, &scope, params());
        let last = first.cases.last().unwrap().id;
        let at = fresh.iter().position(|id| *id == last).unwrap();
        assert_eq!(second.cases.iter().map(|c| c.id).collect::<Vec<_>>(), fresh[at + 1..at + 51].to_vec());
        Ok(())
    }

    fn a_refused_case_closes_after_its_appeal_window_and_reopens_on_a_late_appeal(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let (case, decision) = refused_case(db, &scope, 31);
        let stage = |id| db.read(|tx| tx.get_case(&scope, id)).unwrap();
        // Refused on 2 October 2023; the family may appeal until early December.
        assert!(close_cases_past_appeal_window(db, &scope, &on(2023, 11, 20))?.is_empty());
        assert_eq!(stage(case).stage, CaseStage::AssessmentRefused);

        // Two servers run the closing job at the same moment: the case closes once.
        let barrier = Arc::new(Barrier::new(2));
        let runs: Vec<_> = (0..2).map(|_| {
            let (db, scope, barrier) = (db.clone(), scope.clone(), barrier.clone());
            std::thread::spawn(move || { barrier.wait(); close_cases_past_appeal_window(&db, &scope, &on(2024, 1, 10)) })
        }).collect();
        let closed: usize = runs.into_iter().map(|r| r.join().unwrap().unwrap().len()).sum();
        assert_eq!(closed, 1);
        let after = stage(case);
        assert_eq!(after.stage, CaseStage::Closed);
        assert_eq!(after.closure.as_ref().map(|c| c.reason), Some(ClosedReason::AppealWindowPassed));
        let events = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        assert_eq!(events.iter().filter(|e| e.kind() == EventKind::CaseClosed).count(), 1);
        assert!(sendpanel_core::workflow::caseload(db, &scope, date(2024, 1, 10))?.iter().all(|e| e.id != case));

        // A new request for the same child is a new request with its own six weeks: it
        // opens its own case for the child already recorded.
        let again = receive_request(db, &scope, &ReceiveRequest { received_on: date(2024, 2, 1), ..request(31) }, None, &on(2024, 2, 1))?;
        assert_ne!(again.case.id, case);
        assert_eq!(again.case.child_id, after.child_id);
        assert_eq!(stage(case).stage, CaseStage::Closed, "the refusal stands on its own case");

        // A late appeal (the Tribunal may extend time) reopens the refused case.
        lodge_appeal(db, &scope, case, &LodgeAppeal {
            decision, notice_sent_on: date(2023, 10, 2), lodged_on: date(2024, 2, 5), mediation_certificate_issued_on: None,
        }, caseworker.id, &BankHolidays::england_and_wales(), &on(2024, 2, 5))?;
        let reopened = stage(case);
        assert_eq!(reopened.stage, CaseStage::AssessmentRefused);
        assert_eq!(reopened.closure, None);
        // An appeal pending keeps it open however long it runs.
        assert!(close_cases_past_appeal_window(db, &scope, &on(2024, 6, 1))?.is_empty());
        Ok(())
    }

    fn a_withdrawn_request_closes_its_case_and_a_plan_cannot_be_withdrawn(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let received = receive_request(db, &scope, &request(40), None, &on(2023, 9, 4))?;
        let case = received.case.id;
        let bad = withdraw_request(db, &scope, case, &WithdrawRequest { withdrawn_on: date(2023, 9, 1), reason: "Moved school".into() }, caseworker.id, &on(2023, 9, 20));
        assert!(matches!(bad, Err(WorkflowError::Invalid { field: "withdrawn_on", .. })), "{bad:?}");
        let blank = withdraw_request(db, &scope, case, &WithdrawRequest { withdrawn_on: date(2023, 9, 18), reason: "  ".into() }, caseworker.id, &on(2023, 9, 20));
        assert!(matches!(blank, Err(WorkflowError::Invalid { field: "reason", .. })), "{blank:?}");
        let stage = withdraw_request(db, &scope, case, &WithdrawRequest { withdrawn_on: date(2023, 9, 18), reason: "The family moved school and needs are met there".into() }, caseworker.id, &on(2023, 9, 20))?;
        assert_eq!(stage, CaseStage::Closed);
        let stored = db.read(|tx| tx.get_case(&scope, case))?;
        assert_eq!(stored.closure.map(|c| (c.on, c.reason)), Some((date(2023, 9, 18), ClosedReason::Withdrawn)));
        // Two people record the same withdrawal at the same moment: one is recorded.
        let other = receive_request(db, &scope, &request(41), None, &on(2023, 9, 4))?.case.id;
        let barrier = Arc::new(Barrier::new(2));
        let tries: Vec<_> = (0..2).map(|_| {
            let (db, scope, barrier, by) = (db.clone(), scope.clone(), barrier.clone(), caseworker.id);
            std::thread::spawn(move || {
                barrier.wait();
                withdraw_request(&db, &scope, other, &WithdrawRequest { withdrawn_on: date(2023, 9, 18), reason: "Moved away".into() }, by, &on(2023, 9, 20))
            })
        }).collect();
        let results: Vec<_> = tries.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(WorkflowError::WrongStage { .. }))), "{results:?}");
        let withdrawals = db.read(|tx| tx.list_events(&scope, Some(other)))?.iter().filter(|e| e.kind() == EventKind::RequestWithdrawn).count();
        assert_eq!(withdrawals, 1);
        let twice = withdraw_request(db, &scope, case, &WithdrawRequest { withdrawn_on: date(2023, 9, 18), reason: "again".into() }, caseworker.id, &on(2023, 9, 20));
        assert!(matches!(twice, Err(WorkflowError::WrongStage { .. })), "{twice:?}");
        Ok(())
    }

    fn cases_are_allocated_with_their_history_and_a_stale_allocation_changes_nothing(db) {
        let scope = authority(db, "torbay", 880)?;
        let manager = user(db, &scope, "manager@torbay.example", UserRole::Admin)?;
        let ann = user(db, &scope, "ann@torbay.example", UserRole::Caseworker)?;
        let ben = user(db, &scope, "ben@torbay.example", UserRole::Caseworker)?;
        let member = user(db, &scope, "member@torbay.example", UserRole::PanelMember)?;
        let case = receive_request(db, &scope, &request(50), None, &on(2023, 9, 4))?.case.id;
        let allocate = |officer, expected, reason: &str| allocate_case(db, &scope, case, &AllocateCase { officer, expected_officer: expected, reason: Some(reason.into()) }, manager.id, &on(2023, 9, 5));

        let not_an_officer = allocate(Some(member.id), None, "");
        assert!(matches!(not_an_officer, Err(WorkflowError::Invalid { field: "officer", .. })), "{not_an_officer:?}");
        assert_eq!(allocate(Some(ann.id), None, "new request")?, Some(ann.id));
        // Someone who still sees the case unallocated is refused: it changed meanwhile.
        let stale = allocate(Some(ben.id), None, "balancing");
        assert!(matches!(stale, Err(WorkflowError::Store(StoreError::Conflict(_)))), "{stale:?}");
        assert_eq!(allocate(Some(ben.id), Some(ann.id), "Ann on leave")?, Some(ben.id));

        let history: Vec<_> = db.read(|tx| tx.list_events(&scope, Some(case)))?.into_iter()
            .filter_map(|e| match e.fact { sendpanel_core::events::CaseEvent::CaseAllocated(a) => Some((a.previous, a.officer, a.reason)), _ => None })
            .collect();
        assert_eq!(history, vec![(None, Some(ann.id), Some("new request".into())), (Some(ann.id), Some(ben.id), Some("Ann on leave".into()))]);

        // Two managers allocate at the same moment from the same page: one wins.
        let barrier = Arc::new(Barrier::new(2));
        let tries: Vec<_> = [ann.id, manager.id].into_iter().map(|to| {
            let (db, scope, barrier, by) = (db.clone(), scope.clone(), barrier.clone(), manager.id);
            std::thread::spawn(move || {
                barrier.wait();
                allocate_case(&db, &scope, case, &AllocateCase { officer: Some(to), expected_officer: Some(ben.id), reason: None }, by, &on(2023, 9, 6))
            })
        }).collect();
        let won = tries.into_iter().map(|t| t.join().unwrap()).filter(Result::is_ok).count();
        assert_eq!(won, 1);
        Ok(())
    }

    fn notes_of_contact_are_kept_latest_first(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let case = receive_request(db, &scope, &request(60), None, &on(2023, 9, 4))?.case.id;
        let note = |on_day, summary: &str| NewCaseNote { kind: NoteKind::PhoneCall, with_whom: "Parent (mother)".into(), occurred_on: on_day, summary: summary.into() };
        add_case_note(db, &scope, case, &note(date(2023, 9, 6), "Explained the process and the six weeks."), caseworker.id, &on(2023, 9, 10))?;
        add_case_note(db, &scope, case, &note(date(2023, 9, 8), "Agreed to send the EP report."), caseworker.id, &on(2023, 9, 10))?;
        let future = add_case_note(db, &scope, case, &note(date(2023, 9, 30), "Not yet."), caseworker.id, &on(2023, 9, 10));
        assert!(matches!(future, Err(WorkflowError::Invalid { field: "occurred_on", .. })), "{future:?}");
        let notes = db.read(|tx| tx.list_case_notes(&scope, case))?;
        assert_eq!(notes.iter().map(|n| n.summary.as_str()).collect::<Vec<_>>(), vec!["Agreed to send the EP report.", "Explained the process and the six weeks."]);
        let events = db.read(|tx| tx.list_events(&scope, Some(case)))?;
        assert_eq!(events.iter().filter(|e| e.kind() == EventKind::CaseNoteRecorded).count(), 2);
        Ok(())
    }

    fn a_correction_keeps_the_old_value_and_a_stale_one_changes_nothing(db) {
        let scope = authority(db, "torbay", 880)?;
        let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker)?;
        let case = receive_request(db, &scope, &request(70), None, &on(2023, 9, 4))?.case;
        let old = upn(880, 70).to_string();
        let new = upn(880, 71).to_string();
        let correct = |expected: &str, value: &str| correct_child(db, &scope, case.child_id, &CorrectChild { field: ChildField::Upn, expected: Some(expected.into()), value: Some(value.into()), reason: "Mistyped at intake; checked with the school".into() }, caseworker.id, &on(2023, 9, 10));

        let bad = correct(&old, "A880123426001");
        assert!(matches!(bad, Err(WorkflowError::Invalid { field: "upn", .. })), "{bad:?}");
        let fixed = correct(&old, &new)?;
        assert_eq!((fixed.old_value.as_deref(), fixed.new_value.as_deref()), (Some(old.as_str()), Some(new.as_str())));
        // A second person, still seeing the old UPN, is refused.
        let stale = correct(&old, &upn(880, 72).to_string());
        assert!(matches!(stale, Err(WorkflowError::Store(StoreError::Conflict(_)))), "{stale:?}");
        let child = db.read(|tx| tx.get_child(&scope, case.child_id))?;
        assert_eq!(child.upn.clone().map(|u| u.to_string()), Some(new.clone()));
        assert_eq!(db.read(|tx| tx.list_child_corrections(&scope, case.child_id))?.len(), 1);
        let events = db.read(|tx| tx.list_events(&scope, Some(case.id)))?;
        assert_eq!(events.iter().filter(|e| e.kind() == EventKind::ChildDetailsCorrected).count(), 1);
        // The search finds the child by the corrected UPN.
        let found = search(db, &scope, &query(CaseloadParams { q: Some(new.clone()), ..params() }, caseworker.id), date(2023, 9, 10))?;
        assert_eq!(found.cases.iter().map(|c| c.id).collect::<Vec<_>>(), vec![case.id]);
        // A corrected family name is what the name search finds (on SQLite through the
        // trigram index its triggers keep), and the old one no longer.
        let before = db.read(|tx| tx.get_child(&scope, case.child_id))?;
        let old_name = before.family_name.as_str().to_owned();
        correct_child(db, &scope, case.child_id, &CorrectChild { field: ChildField::FamilyName, expected: Some(old_name.clone()), value: Some("Quennell".into()), reason: "Spelt wrongly on the request".into() }, caseworker.id, &on(2023, 9, 10))?;
        let named = |q: &str| search(db, &scope, &query(CaseloadParams { q: Some(q.into()), ..params() }, caseworker.id), date(2023, 9, 10)).map(|p| p.cases.iter().map(|c| c.id).collect::<Vec<_>>());
        assert_eq!(named("quennell")?, vec![case.id]);
        assert_eq!(named("UENNE")?, vec![case.id], "any part of the name, in any case");
        assert!(!named(&old_name)?.contains(&case.id), "the old name {old_name} no longer finds the child");
        // Two people correct the same UPN at the same moment from the same value: one
        // correction is kept, the other refused as a conflict.
        let barrier = Arc::new(Barrier::new(2));
        let tries: Vec<_> = [73u16, 74].into_iter().map(|serial| {
            let (db, scope, barrier, by, child, seen) = (db.clone(), scope.clone(), barrier.clone(), caseworker.id, case.child_id, new.clone());
            std::thread::spawn(move || {
                barrier.wait();
                correct_child(&db, &scope, child, &CorrectChild { field: ChildField::Upn, expected: Some(seen), value: Some(upn(880, serial).to_string()), reason: "Checked with the school".into() }, by, &on(2023, 9, 11))
            })
        }).collect();
        let results: Vec<_> = tries.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(WorkflowError::Store(StoreError::Conflict(_))))), "{results:?}");
        assert_eq!(db.read(|tx| tx.list_child_corrections(&scope, case.child_id))?.len(), 3, "the UPN, the name, and one of the two at once");
        let child = db.read(|tx| tx.get_child(&scope, case.child_id))?;
        // Clearing the UPN of a child with no reference would leave them unfindable.
        let cleared = correct_child(db, &scope, case.child_id, &CorrectChild { field: ChildField::Upn, expected: child.upn.map(|u| u.to_string()), value: None, reason: "No UPN".into() }, caseworker.id, &on(2023, 9, 10));
        assert!(matches!(cleared, Err(WorkflowError::Invalid { field: "value", .. })), "{cleared:?}");
        Ok(())
    }

    fn a_child_without_a_upn_gets_a_reference_and_possible_duplicates_are_shown(db) {
        let scope = authority(db, "torbay", 880)?;
        let under_five = || ReceiveRequest { upn: None, date_of_birth: date(2021, 6, 1), ..request(80) };
        let first = receive_request(db, &scope, &under_five(), None, &on(2023, 9, 4))?;
        let child = db.read(|tx| tx.get_child(&scope, first.case.child_id))?;
        assert_eq!(child.upn, None);
        let reference = child.authority_reference.clone().expect("a reference is given").to_string();
        assert!(reference.starts_with("SP-"), "{reference}");

        // The same name and date of birth, no UPN or reference: shown, not recorded.
        let twin = receive_request(db, &scope, &ReceiveRequest { received_on: date(2023, 9, 20), ..under_five() }, None, &on(2023, 9, 20));
        let Err(WorkflowError::Invalid { field: "confirm_new_child", rule }) = twin else { panic!("{twin:?}") };
        assert!(rule.contains(&reference), "{rule}");
        assert_eq!(db.read(|tx| tx.list_children(&scope))?.len(), 1);
        // With the reference, the request joins the child's record.
        let same = receive_request(db, &scope, &ReceiveRequest { received_on: date(2023, 9, 20), authority_reference: Some(reference.clone()), ..under_five() }, None, &on(2023, 9, 20))?;
        assert_eq!(same.case.child_id, child.id);
        // Confirmed as a different child, a new record.
        let other = receive_request(db, &scope, &ReceiveRequest { received_on: date(2023, 9, 21), confirm_new_child: true, ..under_five() }, None, &on(2023, 9, 21))?;
        assert_ne!(other.case.child_id, child.id);
        // A UPN given is still checked.
        let bad = receive_request(db, &scope, &ReceiveRequest { upn: Some("A880123426001".into()), ..request(81) }, None, &on(2023, 9, 4));
        assert!(matches!(bad, Err(WorkflowError::Invalid { field: "upn", .. })), "{bad:?}");
        Ok(())
    }
}
