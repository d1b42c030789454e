//! Advice from professionals through a link (SEND Regulations 2014 reg. 6(1), 8(1)),
//! on both databases: the request e-mailed with its link through a real SMTP server,
//! the page the link opens, the advice uploaded and its 6 weeks met; a link used,
//! expired or revoked accepts nothing and keeps nothing; a link reaches only its own
//! case; two uploads at once through one link leave one; chasers go once each.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use chrono::Duration;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::documents::advice_links::{
    AdviceUpload, ChaserReport, DEFAULT_CHASE_DAYS, LinkState, advice_status, link_page,
    request_with_link, revoke, send_chasers, upload_through_link,
};
use sendpanel_core::documents::{
    AdviceLinkError, AdviceMail, Documents, LinkPage, NewAdviceLink, Staged, Staging,
};
use sendpanel_core::domain::{
    AdviceSource, CaseId, DeadlineKind, DeadlineStatus, DocumentKind, EventKind, ReceivedThrough,
    UserRole,
};
use sendpanel_core::notify::{DeliveryReport, MailSettings, MailTls, Mailer, deliver_due};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::Clock;
use sendpanel_core::workflow::{AssessDecision, decide_whether_to_assess, receive_request};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, shipped_letters, user};
use sendpanel_tests::journey::{SteppedClock, decide, on, request};
use sendpanel_tests::mail::{SmtpSink, decoded, free_port, require_aiosmtpd};

const PUBLIC_URL: &str = "https://send.torbay.example";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

struct World {
    scope: AuthorityScope,
    actor: Actor,
    services: Services,
    clock: Arc<SteppedClock>,
    mail: AdviceMail,
    documents: Documents,
    _dir: tempfile::TempDir,
}

/// Torbay, a caseworker, and the shipped letters; today is 3 October 2023.
fn world(db: &Database) -> World {
    let scope = authority(db, "torbay", 880).unwrap();
    let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker).unwrap();
    let clock = SteppedClock::starting(on(2023, 10, 3));
    let dir = tempfile::tempdir().unwrap();
    World {
        actor: Actor {
            user: caseworker.id,
            role: UserRole::Caseworker,
            scope: scope.clone(),
        },
        scope,
        services: Services {
            db: db.clone(),
            holidays: Arc::new(BankHolidays::england_and_wales()),
            clock: clock.clone(),
        },
        clock,
        mail: AdviceMail {
            letters: Arc::new(shipped_letters(&["torbay"]).unwrap()),
            public_url: PUBLIC_URL.into(),
            from_address: "send-team@torbay.example".into(),
            from_name: "Torbay SEND Team".into(),
        },
        documents: Documents::local(dir.path().join("store")).unwrap(),
        _dir: dir,
    }
}

/// A case of `serial` whose assessment was agreed on 2 October 2023.
fn assessing(db: &Database, w: &World, serial: u16) -> CaseId {
    let chair = user(
        db,
        &w.scope,
        &format!("chair{serial}@torbay.example"),
        UserRole::PanelChair,
    )
    .unwrap();
    let case = receive_request(db, &w.scope, &request(serial), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    decide_whether_to_assess(
        db,
        &w.scope,
        case,
        &decide(
            chair.id,
            AssessDecision::Assess,
            "Needs may call for a plan.",
        ),
        &BankHolidays::england_and_wales(),
        &on(2023, 10, 2),
    )
    .unwrap();
    case
}

fn ask_ep() -> NewAdviceLink {
    NewAdviceLink {
        from: AdviceSource::EducationalPsychologist,
        requested_on: date(2023, 10, 3),
        recipient_name: "Dr Pat Psychologist".into(),
        recipient_email: "pat.ep@ep-service.example".into(),
        question: "What are Alex's cognition and learning needs?".into(),
    }
}

/// The token in the newest queued message to the professional on `case`.
fn token_in_outbox(db: &Database, scope: &AuthorityScope, case: CaseId) -> String {
    let rows = db.read(|tx| tx.list_outbox(scope, Some(case))).unwrap();
    let row = rows
        .iter()
        .filter(|r| r.purpose.starts_with("advice:"))
        .max_by_key(|r| r.created_at)
        .expect("an advice e-mail is queued");
    token_in(&decoded(&String::from_utf8_lossy(&row.message)))
}

fn token_in(message: &str) -> String {
    let at = message
        .find(&format!("{PUBLIC_URL}/advice/"))
        .expect("the message carries the link");
    message[at + PUBLIC_URL.len() + "/advice/".len()..]
        .chars()
        .take(64)
        .collect()
}

fn advice_file(text: &str) -> Staged {
    Staging::bytes(None, 1024 * 1024, text.as_bytes()).unwrap()
}

fn upload_as(org: &str) -> AdviceUpload {
    AdviceUpload {
        author_organisation: org.into(),
        written_on: None,
    }
}

fn evidence_count(db: &Database, scope: &AuthorityScope, case: CaseId) -> usize {
    db.read(|tx| tx.list_evidence(scope, case)).unwrap().len()
}

both_backends! {
    fn the_professional_gets_the_link_by_email_and_their_advice_meets_the_six_weeks(db) {
        require_aiosmtpd()?;
        let w = world(db);
        let case = assessing(db, &w, 1);
        let sent = request_with_link(&w.services, &w.actor, &w.mail, case, &ask_ep())?;
        assert_eq!(sent.deadline.kind, DeadlineKind::AdviceDue);
        // Six weeks from 3 October 2023 (reg. 8(1)).
        assert_eq!(sent.deadline.due_on, date(2023, 11, 14));

        // Delivered through a real SMTP server.
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let sink = SmtpSink::start(port, dir.path())?;
        let mailer = Mailer::from_settings(&MailSettings {
            from_address: "send-team@torbay.example".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: Some(port),
            tls: MailTls::None,
            timeout_secs: 5,
            lease_secs: 60,
            ..MailSettings::default()
        })?;
        let report = runtime().block_on(deliver_due(db, &mailer, Clock::now(w.clock.as_ref()) + Duration::minutes(1), 10))?;
        assert_eq!(report, DeliveryReport { claimed: 1, sent: 1, failed: 0 });
        let received = sink.messages()?;
        assert_eq!(received.len(), 1);
        let message = decoded(&received[0]);
        assert!(message.contains("X-RcptTo: pat.ep@ep-service.example"), "{message}");
        assert!(message.contains("14 November 2023"), "{message}");
        let token = token_in(&message);
        assert_eq!(token.len(), 64);

        // The letter kept on the case says the link was e-mailed and holds no token;
        // no event holds it either.
        let documents = db.read(|tx| tx.list_documents(&w.scope, case))?;
        let letter = documents.iter().find(|d| d.id == sent.letter).unwrap();
        assert_eq!(letter.kind, DocumentKind::Letter);
        let html = String::from_utf8_lossy(&letter.content);
        assert!(html.contains("secure link"), "{html}");
        assert!(!html.contains(&token));
        let events = db.read(|tx| tx.list_events(&w.scope, Some(case)))?;
        assert!(events.iter().any(|e| e.kind() == EventKind::AdviceLinkSent));
        for event in &events {
            assert!(!serde_json::to_string(&event.fact)?.contains(&token));
        }

        // The page shows only the initials, the question and the due date.
        let LinkPage::Open(page) = link_page(db, &token, w.clock.as_ref())? else {
            panic!("the link is open");
        };
        assert_eq!(page.child_initials, "A. E.");
        assert_eq!(page.question, "What are Alex's cognition and learning needs?");
        assert_eq!(page.due_on, date(2023, 11, 14));
        assert_eq!(page.from, AdviceSource::EducationalPsychologist);

        // The advice arrives on 6 November: the limit is met within six weeks.
        w.clock.set_today(date(2023, 11, 6));
        let uploaded = runtime().block_on(upload_through_link(
            &w.documents, &w.services, &token, "ep-advice.txt",
            advice_file("Alex's advice from the EP service."), &upload_as("Torbay EP Service"),
        ))?;
        assert_eq!(uploaded.case_id, case);
        assert!(uploaded.within_six_weeks);
        assert_eq!(uploaded.deadline.status, DeadlineStatus::Met);
        assert_eq!(uploaded.evidence.received_through, ReceivedThrough::AdviceLink);
        let deadline = db.read(|tx| tx.list_deadlines(&w.scope, case))?
            .into_iter().find(|d| d.id == sent.deadline.id).unwrap();
        assert_eq!(deadline.status, DeadlineStatus::Met);
        let status = advice_status(db, &w.scope, case, date(2023, 11, 20))?;
        assert_eq!(status.len(), 1);
        assert_eq!(status[0].state, LinkState::Used);
        assert_eq!(status[0].received_on, Some(date(2023, 11, 6)));
        assert!(!status[0].overdue);

        // Used: the page says so and a second upload is refused, keeping nothing.
        assert_eq!(link_page(db, &token, w.clock.as_ref())?, LinkPage::Closed(LinkState::Used));
        let again = runtime().block_on(upload_through_link(
            &w.documents, &w.services, &token, "second.txt",
            advice_file("A second go."), &upload_as("Torbay EP Service"),
        ));
        assert!(matches!(again, Err(AdviceLinkError::Used)), "{again:?}");
        assert_eq!(evidence_count(db, &w.scope, case), 1);
        Ok(())
    }

    fn an_expired_or_revoked_link_accepts_nothing(db) {
        let w = world(db);
        let case = assessing(db, &w, 2);
        request_with_link(&w.services, &w.actor, &w.mail, case, &ask_ep())?;
        let token = token_in_outbox(db, &w.scope, case);

        // After the last day of the six weeks, the link has expired.
        w.clock.set_today(date(2023, 11, 15));
        assert_eq!(link_page(db, &token, w.clock.as_ref())?, LinkPage::Closed(LinkState::Expired));
        let late = runtime().block_on(upload_through_link(
            &w.documents, &w.services, &token, "late.txt", advice_file("Late."), &upload_as("EP"),
        ));
        assert!(matches!(late, Err(AdviceLinkError::Expired)), "{late:?}");
        let status = advice_status(db, &w.scope, case, date(2023, 11, 15))?;
        assert!(status[0].overdue);
        assert_eq!(status[0].state, LinkState::Expired);

        // A second request, revoked by the caseworker.
        w.clock.set_today(date(2023, 10, 10));
        let health = NewAdviceLink { from: AdviceSource::Health, requested_on: date(2023, 10, 10), ..ask_ep() };
        let sent = request_with_link(&w.services, &w.actor, &w.mail, case, &health)?;
        let token = token_in_outbox(db, &w.scope, case);
        revoke(&w.services, &w.actor, case, sent.link)?;
        assert!(revoke(&w.services, &w.actor, case, sent.link).is_err(), "only once");
        assert_eq!(link_page(db, &token, w.clock.as_ref())?, LinkPage::Closed(LinkState::Revoked));
        let refused = runtime().block_on(upload_through_link(
            &w.documents, &w.services, &token, "x.txt", advice_file("Revoked."), &upload_as("NHS"),
        ));
        assert!(matches!(refused, Err(AdviceLinkError::Revoked)), "{refused:?}");
        assert_eq!(evidence_count(db, &w.scope, case), 0);
        // Nothing reached the store either.
        assert!(!runtime().block_on(w.documents.storage.holds(advice_file("Revoked.").sha256()))?);
        let events = db.read(|tx| tx.list_events(&w.scope, Some(case)))?;
        assert!(events.iter().any(|e| e.kind() == EventKind::AdviceLinkRevoked));

        // A made-up token is unknown.
        assert_eq!(link_page(db, &"ab".repeat(32), w.clock.as_ref())?, LinkPage::Unknown);
        assert_eq!(link_page(db, "../etc", w.clock.as_ref())?, LinkPage::Unknown);
        Ok(())
    }

    fn a_link_reaches_only_its_own_case(db) {
        let w = world(db);
        let mine = assessing(db, &w, 3);
        let other = assessing(db, &w, 4);
        request_with_link(&w.services, &w.actor, &w.mail, mine, &ask_ep())?;
        request_with_link(&w.services, &w.actor, &w.mail, other, &ask_ep())?;
        let other_token = token_in_outbox(db, &w.scope, other);
        let uploaded = runtime().block_on(upload_through_link(
            &w.documents, &w.services, &other_token, "a.txt", advice_file("For the other."), &upload_as("EP"),
        ))?;
        assert_eq!(uploaded.case_id, other);
        assert_eq!(evidence_count(db, &w.scope, mine), 0);
        let mine_deadlines = db.read(|tx| tx.list_deadlines(&w.scope, mine))?;
        assert!(mine_deadlines.iter().filter(|d| d.kind == DeadlineKind::AdviceDue).all(|d| d.status == DeadlineStatus::Open));
        Ok(())
    }

    fn two_uploads_through_one_link_at_once_leave_one(db) {
        let w = world(db);
        let case = assessing(db, &w, 5);
        request_with_link(&w.services, &w.actor, &w.mail, case, &ask_ep())?;
        let token = token_in_outbox(db, &w.scope, case);
        let rt = runtime();
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2).map(|i| {
                let (w, token, rt) = (&w, token.clone(), &rt);
                s.spawn(move || rt.block_on(upload_through_link(
                    &w.documents, &w.services, &token, &format!("advice{i}.txt"),
                    advice_file(&format!("Advice number {i}.")), &upload_as("EP"),
                )))
            }).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(AdviceLinkError::Used) | Err(AdviceLinkError::Workflow(_)))), "{results:?}");
        assert_eq!(evidence_count(db, &w.scope, case), 1);
        Ok(())
    }

    fn chasers_go_at_fourteen_and_seven_days_once_each(db) {
        let w = world(db);
        let case = assessing(db, &w, 6);
        request_with_link(&w.services, &w.actor, &w.mail, case, &ask_ep())?;
        let first_token = token_in_outbox(db, &w.scope, case);
        let chase = || send_chasers(db, &w.mail, &w.scope, w.clock.as_ref(), &DEFAULT_CHASE_DAYS).unwrap();
        // Due 14 November: nothing before 31 October.
        w.clock.set_today(date(2023, 10, 30));
        assert_eq!(chase(), ChaserReport::default());
        w.clock.set_today(date(2023, 10, 31));
        assert_eq!(chase().sent, 1);
        assert_eq!(chase(), ChaserReport { sent: 0, already_sent: 1 });
        // The chaser carries a fresh link; the first one no longer works.
        let second_token = token_in_outbox(db, &w.scope, case);
        assert_ne!(first_token, second_token);
        assert_eq!(link_page(db, &first_token, w.clock.as_ref())?, LinkPage::Unknown);
        assert!(matches!(link_page(db, &second_token, w.clock.as_ref())?, LinkPage::Open(_)));
        w.clock.set_today(date(2023, 11, 6));
        assert_eq!(chase().sent, 0);
        w.clock.set_today(date(2023, 11, 7));
        assert_eq!(chase().sent, 1);
        w.clock.advance(Duration::hours(3));
        assert_eq!(chase().sent, 0);
        let outbox = db.read(|tx| tx.list_outbox(&w.scope, Some(case)))?;
        assert_eq!(outbox.iter().filter(|r| r.purpose == "advice:chaser").count(), 2);
        let events = db.read(|tx| tx.list_events(&w.scope, Some(case)))?;
        assert_eq!(events.iter().filter(|e| e.kind() == EventKind::AdviceChased).count(), 2);
        let status = advice_status(db, &w.scope, case, date(2023, 11, 7))?;
        assert_eq!(status[0].chased_on, vec![date(2023, 10, 31), date(2023, 11, 7)]);
        // The latest link still brings the advice.
        let latest = token_in_outbox(db, &w.scope, case);
        runtime().block_on(upload_through_link(
            &w.documents, &w.services, &latest, "a.txt", advice_file("At last."), &upload_as("EP"),
        ))?;
        Ok(())
    }

    fn two_servers_chasing_at_once_send_each_chaser_once(db) {
        let w = world(db);
        let case = assessing(db, &w, 8);
        request_with_link(&w.services, &w.actor, &w.mail, case, &ask_ep())?;
        w.clock.set_today(date(2023, 10, 31));
        let barrier = std::sync::Barrier::new(2);
        let reports: Vec<ChaserReport> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        barrier.wait();
                        send_chasers(db, &w.mail, &w.scope, w.clock.as_ref(), &DEFAULT_CHASE_DAYS).unwrap()
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(reports.iter().map(|r| r.sent).sum::<usize>(), 1, "{reports:?}");
        let outbox = db.read(|tx| tx.list_outbox(&w.scope, Some(case)))?;
        assert_eq!(outbox.iter().filter(|r| r.purpose == "advice:chaser").count(), 1);
        Ok(())
    }

    fn a_request_with_a_bad_field_records_nothing(db) {
        let w = world(db);
        let case = assessing(db, &w, 7);
        let before = db.read(|tx| tx.list_events(&w.scope, Some(case)))?.len();
        for (bad, field) in [
            (NewAdviceLink { recipient_email: "not-an-address".into(), ..ask_ep() }, "recipient_email"),
            (NewAdviceLink { recipient_name: "  ".into(), ..ask_ep() }, "recipient_name"),
            (NewAdviceLink { question: "x".repeat(4001), ..ask_ep() }, "question"),
        ] {
            match request_with_link(&w.services, &w.actor, &w.mail, case, &bad) {
                Err(AdviceLinkError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(db.read(|tx| tx.list_events(&w.scope, Some(case)))?.len(), before);
        Ok(())
    }
}
