//! The daily deadline digest (issue 15), on both databases, delivered through a real
//! SMTP server: each officer gets one e-mail about their own allocated cases (overdue,
//! due within 10 working days, advice outstanding; a limit 20 working days off is not
//! listed), each admin one with the team's totals; a second run the same day from a
//! fresh handle (a restart) sends nothing more, the next day sends again; an officer
//! who opted out gets nothing; two runs at once send each digest once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{
    AdviceSource, CaseId, Email, NeedType, PasswordHash, RequestedBy, SettingType, User, UserId,
    UserRole,
};
use sendpanel_core::events::{AccountChange, AccountChanged, CaseEvent};
use sendpanel_core::notify::digest::{DigestMail, DigestRun, send_digests, set_deadline_digest};
use sendpanel_core::notify::{MailSettings, MailTls, Mailer, deliver_due};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database, DigestKind, PoolOptions};
use sendpanel_core::time::FixedClock;
use sendpanel_core::workflow::{
    AllocateCase, AssessDecision, DecideWhetherToAssess, ReceiveRequest, RequestAdvice,
    allocate_case, decide_whether_to_assess, receive_request,
};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority, date, shipped_letters, upn};
use sendpanel_tests::mail::{SmtpSink, decoded, free_port};

const PUBLIC_URL: &str = "https://send.torbay.example";

/// Monday 7 December 2026, a working day.
fn monday() -> NaiveDate {
    date(2026, 12, 7)
}

/// 08:00 on `day` (GMT in December).
fn clock_on(day: NaiveDate) -> FixedClock {
    FixedClock(Utc.from_utc_datetime(&day.and_hms_opt(8, 0, 0).unwrap_or_default()))
}

struct Team {
    scope: AuthorityScope,
    mail: DigestMail,
    holidays: BankHolidays,
    ada: User,
    ben: User,
    cat: User,
    manager: User,
    /// Ada's: its 6 weeks ended a week before Monday.
    overdue: CaseId,
    /// Ada's: due 5 working days after Monday.
    due_in_five: CaseId,
    /// Ben's: due 20 working days after Monday, so not listed.
    due_in_twenty: CaseId,
    /// Ben's: assessing, the educational psychologist's advice awaited.
    advice: CaseId,
    /// Cat's (who opted out): overdue.
    cats: CaseId,
    /// Nobody's: overdue.
    unallocated: CaseId,
}

fn person(db: &Database, scope: &AuthorityScope, email: &str, name: &str, role: UserRole) -> User {
    let user = User {
        id: UserId::new(),
        authority_id: scope.authority().clone(),
        email: Email::parse(email).unwrap(),
        display_name: name.into(),
        role,
    };
    let hash =
        PasswordHash::from_stored("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into());
    db.write(|tx| tx.insert_user(scope, &user, &hash, at(1, 10)))
        .unwrap();
    user
}

/// A request received on `received_on` (its 6 weeks end 42 days later), allocated to
/// `officer` by the manager.
fn case(
    db: &Database,
    team: (&AuthorityScope, UserId),
    serial: u16,
    received_on: NaiveDate,
    officer: Option<UserId>,
) -> CaseId {
    let (scope, manager) = team;
    let request = ReceiveRequest {
        given_name: "Alex".into(),
        family_name: "Example".into(),
        date_of_birth: date(2016, 3, 14),
        upn: Some(upn(880, serial).to_string()),
        authority_reference: None,
        confirm_new_child: true,
        nhs_number: None,
        received_on,
        requested_by: RequestedBy::Setting,
        requester: "Ms P. Senco, SENCO at Example Primary".into(),
        setting_type: SettingType::Mainstream,
        primary_need: NeedType::Mld,
        summary: "Two reviewed cycles of literacy support; little progress.".into(),
        contact_email: None,
    };
    let case = receive_request(db, scope, &request, None, &clock_on(received_on))
        .unwrap()
        .case
        .id;
    if officer.is_some() {
        allocate_case(
            db,
            scope,
            case,
            &AllocateCase {
                officer,
                expected_officer: None,
                reason: None,
            },
            manager,
            &clock_on(received_on),
        )
        .unwrap();
    }
    case
}

/// Torbay: Ada, Ben and Cat (caseworkers, Cat opted out), a manager (an admin), and
/// their cases as on Monday 7 December 2026.
fn team(db: &Database) -> Team {
    let scope = authority(db, "torbay", 880).unwrap();
    let holidays = BankHolidays::england_and_wales();
    let ada = person(
        db,
        &scope,
        "ada@torbay.example",
        "Ada Officer",
        UserRole::Caseworker,
    );
    let ben = person(
        db,
        &scope,
        "ben@torbay.example",
        "Ben Officer",
        UserRole::Caseworker,
    );
    let cat = person(
        db,
        &scope,
        "cat@torbay.example",
        "Cat Officer",
        UserRole::Caseworker,
    );
    let manager = person(
        db,
        &scope,
        "manager@torbay.example",
        "Mo Manager",
        UserRole::Admin,
    );
    let chair = person(
        db,
        &scope,
        "chair@torbay.example",
        "Pat Chair",
        UserRole::PanelChair,
    );
    let who = (&scope, manager.id);
    let six_weeks = Duration::days(42);

    let overdue = case(db, who, 1, date(2026, 11, 23) - six_weeks, Some(ada.id));
    let in_five = holidays.working_days_after(monday(), 5).unwrap();
    assert_eq!(in_five, date(2026, 12, 14));
    let due_in_five = case(db, who, 2, in_five - six_weeks, Some(ada.id));
    let in_twenty = holidays.working_days_after(monday(), 20).unwrap();
    let due_in_twenty = case(db, who, 3, in_twenty - six_weeks, Some(ben.id));

    // Assessing since 16 November, the EP's advice asked on 20 November (due 1 January).
    let advice = case(db, who, 4, date(2026, 10, 5), Some(ben.id));
    decide_whether_to_assess(
        db,
        &scope,
        advice,
        &DecideWhetherToAssess {
            decision: AssessDecision::Assess,
            reasons: "Needs may call for a plan.".into(),
            departure_reason: None,
            decided_by: chair.id,
            decided_on: date(2026, 11, 16),
        },
        &holidays,
        &clock_on(date(2026, 11, 16)),
    )
    .unwrap();
    let services = Services {
        db: db.clone(),
        holidays: Arc::new(holidays.clone()),
        clock: Arc::new(clock_on(date(2026, 11, 20))),
    };
    let actor = Actor {
        user: ben.id,
        role: UserRole::Caseworker,
        scope: scope.clone(),
    };
    services
        .run(
            &actor,
            advice,
            &RequestAdvice {
                from: AdviceSource::EducationalPsychologist,
                requested_on: date(2026, 11, 20),
            },
        )
        .unwrap();

    let cats = case(db, who, 5, date(2026, 11, 20) - six_weeks, Some(cat.id));
    let unallocated = case(db, who, 6, date(2026, 11, 27) - six_weeks, None);
    assert!(
        set_deadline_digest(
            db,
            &scope,
            cat.id,
            false,
            Some(cat.id),
            &clock_on(date(2026, 12, 1))
        )
        .unwrap()
    );

    Team {
        mail: DigestMail {
            letters: Arc::new(shipped_letters(&["torbay"]).unwrap()),
            public_url: PUBLIC_URL.into(),
            from_address: "send-team@torbay.example".into(),
        },
        scope,
        holidays,
        ada,
        ben,
        cat,
        manager,
        overdue,
        due_in_five,
        due_in_twenty,
        advice,
        cats,
        unallocated,
    }
}

fn run(db: &Database, team: &Team, day: NaiveDate) -> DigestRun {
    send_digests(
        db,
        &team.mail,
        std::slice::from_ref(&team.scope),
        day,
        &team.holidays,
        &clock_on(day),
    )
    .unwrap()
}

/// The same database through a new handle: what a restarted server opens.
fn reopened(db: &Database) -> Database {
    Database::open(db.url().clone(), PoolOptions::default()).unwrap()
}

fn link(case: CaseId) -> String {
    format!("{PUBLIC_URL}/cases/{case}")
}

fn digest_rows(db: &Database, scope: &AuthorityScope) -> usize {
    db.read(|tx| tx.list_outbox(scope, None))
        .unwrap()
        .iter()
        .filter(|m| m.purpose.starts_with("digest:"))
        .count()
}

/// Delivers what is queued through a real SMTP server; every message it received so
/// far, decoded, by recipient.
fn deliver(db: &Database, sink: &SmtpSink, day: NaiveDate) -> Vec<(String, String)> {
    let mailer = Mailer::from_settings(&MailSettings {
        from_address: "send-team@torbay.example".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: Some(sink.port()),
        tls: MailTls::None,
        timeout_secs: 5,
        lease_secs: 60,
        ..MailSettings::default()
    })
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = clock_on(day).0 + Duration::minutes(5);
    let report = runtime.block_on(deliver_due(db, &mailer, now, 50)).unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    sink.messages()
        .unwrap()
        .iter()
        .map(|raw| {
            let message = decoded(raw);
            let to = message
                .lines()
                .find_map(|l| l.strip_prefix("X-RcptTo: "))
                .unwrap_or_default()
                .trim()
                .to_owned();
            (to, message)
        })
        .collect()
}

fn to<'a>(messages: &'a [(String, String)], address: &str) -> Vec<&'a str> {
    messages
        .iter()
        .filter(|(to, _)| to == address)
        .map(|(_, m)| m.as_str())
        .collect()
}

both_backends! {
    fn each_officer_and_manager_gets_one_digest_a_day_with_their_cases(db) {
        let team = team(db);
        let dir = tempfile::tempdir()?;
        let sink = SmtpSink::start(free_port()?, dir.path())?;

        let first = run(db, &team, monday());
        assert_eq!(first, DigestRun { officers: 2, managers: 1, skipped_opted_out: 1, already_sent: 0 });
        let messages = deliver(db, &sink, monday());
        assert_eq!(messages.len(), 3, "{messages:#?}");

        // Ada: the overdue case and the one due in 5 working days, by initials and link.
        let ada = to(&messages, "ada@torbay.example");
        assert_eq!(ada.len(), 1);
        let ada = ada[0];
        assert!(ada.contains("Subject: torbay council: Your deadlines on 7 December 2026"), "{ada}");
        assert!(ada.contains("Dear Ada Officer"), "{ada}");
        assert!(ada.contains("<h2>Overdue</h2>"), "{ada}");
        assert!(ada.contains(&format!("<a href=\"{}\">A. E.</a>", link(team.overdue))), "{ada}");
        assert!(ada.contains("Decide whether to assess (reg. 5(1)), due 23 November 2026"), "{ada}");
        assert!(ada.contains(&link(team.due_in_five)), "{ada}");
        assert!(ada.contains("due 14 December 2026"), "{ada}");
        assert!(!ada.contains("Advice outstanding</h2>"), "{ada}");
        for other in [team.due_in_twenty, team.advice, team.cats, team.unallocated] {
            assert!(!ada.contains(&link(other)), "{ada}");
        }
        // Initials only: the child's names never leave in an e-mail.
        assert!(!ada.contains("Alex") && !ada.contains("Example Primary"), "{ada}");

        // Ben: only the advice awaited; the case due in 20 working days is not listed.
        let ben = to(&messages, "ben@torbay.example");
        assert_eq!(ben.len(), 1);
        let ben = ben[0];
        assert!(ben.contains("<h2>Advice outstanding</h2>"), "{ben}");
        assert!(ben.contains(&link(team.advice)), "{ben}");
        assert!(ben.contains("Advice from the educational psychologist (reg. 8(1)), due 1 January 2027"), "{ben}");
        assert!(!ben.contains(&link(team.due_in_twenty)), "{ben}");
        assert!(!ben.contains("<h2>Overdue</h2>") && !ben.contains("working days</h2>"), "{ben}");

        // Cat opted out: nothing. The manager: the team's counts, unallocated last.
        assert!(to(&messages, "cat@torbay.example").is_empty());
        let manager = to(&messages, "manager@torbay.example");
        assert_eq!(manager.len(), 1);
        let manager = manager[0];
        assert!(manager.contains("Team deadlines on 7 December 2026"), "{manager}");
        let rows = [
            "<tr><td>Ada Officer</td><td>1</td><td>1</td><td>0</td></tr>",
            "<tr><td>Ben Officer</td><td>0</td><td>0</td><td>1</td></tr>",
            "<tr><td>Cat Officer</td><td>1</td><td>0</td><td>0</td></tr>",
            "<tr><td>Not allocated</td><td>1</td><td>0</td><td>0</td></tr>",
        ];
        let mut last = 0;
        for row in rows {
            let found = manager.find(row).unwrap_or_else(|| panic!("{row} in {manager}"));
            assert!(found > last, "{row} out of order in {manager}");
            last = found;
        }
        assert!(manager.contains("Open cases allocated to nobody: <strong>1</strong>"), "{manager}");
        assert!(!manager.contains("Alex"), "{manager}");

        // The same day again, after a restart: nothing more.
        let restarted = reopened(db);
        let again = run(&restarted, &team, monday());
        assert_eq!(again, DigestRun { officers: 0, managers: 0, skipped_opted_out: 1, already_sent: 3 });
        assert_eq!(deliver(&restarted, &sink, monday()).len(), 3);
        assert_eq!(digest_rows(db, &team.scope), 3);

        // Tuesday: one each again (Ada's case due on the 14th is still within 10 days).
        let tuesday = date(2026, 12, 8);
        assert_eq!(run(&restarted, &team, tuesday), DigestRun { officers: 2, managers: 1, skipped_opted_out: 1, already_sent: 0 });
        let messages = deliver(&restarted, &sink, tuesday);
        assert_eq!(messages.len(), 6);
        for address in ["ada@torbay.example", "ben@torbay.example", "manager@torbay.example"] {
            assert_eq!(to(&messages, address).len(), 2, "{address}");
        }
        assert!(to(&messages, "cat@torbay.example").is_empty());
        let sent = db.read(|tx| tx.list_digests_sent(&team.scope, tuesday))?;
        let mut expected = vec![
            (team.ada.id, DigestKind::Officer),
            (team.ben.id, DigestKind::Officer),
            (team.manager.id, DigestKind::Manager),
        ];
        expected.sort();
        let mut sent = sent;
        sent.sort();
        assert_eq!(sent, expected);
        Ok(())
    }

    fn opting_out_and_in_is_recorded_and_obeyed(db) {
        let team = team(db);
        // Cat's opt-out is an account change in the log, and a repeat records nothing.
        let events = db.read(|tx| tx.list_events(&team.scope, None))?;
        let changes: Vec<_> = events
            .iter()
            .filter_map(|e| match &e.fact {
                CaseEvent::AccountChanged(AccountChanged { user, change: AccountChange::DeadlineDigestChanged { on } }) => Some((*user, *on, e.actor)),
                _ => None,
            })
            .collect();
        assert_eq!(changes, vec![(team.cat.id, false, Some(team.cat.id))]);
        assert!(!set_deadline_digest(db, &team.scope, team.cat.id, false, None, &clock_on(monday()))?);

        // Ada opts out too: only Ben and the manager hear on Monday.
        assert!(set_deadline_digest(db, &team.scope, team.ada.id, false, None, &clock_on(monday()))?);
        assert_eq!(run(db, &team, monday()), DigestRun { officers: 1, managers: 1, skipped_opted_out: 2, already_sent: 0 });
        // Back in the same day: Ada's digest, which never went, goes now.
        assert!(set_deadline_digest(db, &team.scope, team.ada.id, true, None, &clock_on(monday()))?);
        assert_eq!(run(db, &team, monday()), DigestRun { officers: 1, managers: 0, skipped_opted_out: 1, already_sent: 2 });
        Ok(())
    }

    fn two_runs_at_once_send_each_digest_once(db) {
        let team = team(db);
        let barrier = std::sync::Barrier::new(2);
        let runs: Vec<DigestRun> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        barrier.wait();
                        run(db, &team, monday())
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(runs.iter().map(|r| r.officers).sum::<usize>(), 2, "{runs:?}");
        assert_eq!(runs.iter().map(|r| r.managers).sum::<usize>(), 1, "{runs:?}");
        assert_eq!(runs.iter().map(|r| r.already_sent).sum::<usize>(), 3, "{runs:?}");
        assert_eq!(digest_rows(db, &team.scope), 3);
        Ok(())
    }
}
