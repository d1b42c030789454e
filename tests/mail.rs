//! E-mail through the outbox to a real SMTP server on loopback (Python's aiosmtpd,
//! started here; `.ci/run` installs it), on both databases: the refusal letter arrives
//! with the right dates; with the server down nothing is lost, and once it is up the
//! message is delivered exactly once. Claims are leases: two workers never take the
//! same message, and a dead worker's claim runs out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use chrono::Duration;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::domain::{CaseId, UserRole};
use sendpanel_core::notify::{
    DeliveryReport, MailSettings, MailTls, Mailer, Notifier, deliver_due, message_id,
};
use sendpanel_core::store::{AuthorityScope, Database, OutboxStatus};
use sendpanel_core::workflow::{AssessDecision, decide_whether_to_assess, receive_request};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, shipped_letters, user};
use sendpanel_tests::journey::{decide, on, request};
use sendpanel_tests::mail::{SmtpSink, decoded, free_port, require_aiosmtpd};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Torbay with the notifier installed and one request refused on 2 October 2023
/// (mediation adviser by Saturday 2 December 2023, appeal by Monday 4 December), queued to
/// parent{serial}@example.org.
fn refused(db: &Database, settings: &MailSettings, serial: u16) -> (AuthorityScope, CaseId) {
    let scope = authority(db, "torbay", 880).unwrap();
    let letters = shipped_letters(&["torbay"]).unwrap();
    let notifier = Notifier::new(letters, settings, BankHolidays::england_and_wales()).unwrap();
    db.observe(Arc::new(notifier)).unwrap();
    let chair = user(db, &scope, "chair@torbay.example", UserRole::PanelChair).unwrap();
    let holidays = BankHolidays::england_and_wales();
    let case = receive_request(db, &scope, &request(serial), None, &on(2023, 9, 4))
        .unwrap()
        .case
        .id;
    decide_whether_to_assess(
        db,
        &scope,
        case,
        &decide(
            chair.id,
            AssessDecision::Refuse,
            "The school has not yet reviewed the SEN support it started this term.",
        ),
        &holidays,
        &on(2023, 10, 2),
    )
    .unwrap();
    (scope, case)
}

fn smtp_settings(port: u16) -> MailSettings {
    MailSettings {
        from_address: "send-team@torbay.example".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: Some(port),
        tls: MailTls::None,
        timeout_secs: 5,
        lease_secs: 60,
        ..MailSettings::default()
    }
}

both_backends! {
    fn the_refusal_reaches_a_real_smtp_server_exactly_once_after_an_outage(db) {
        require_aiosmtpd()?;
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let settings = smtp_settings(port);
        let mailer = Mailer::from_settings(&settings)?;
        assert_eq!(mailer.describe(), format!("SMTP server 127.0.0.1:{port} (none)"));
        let (scope, case) = refused(db, &settings, 1);
        let rt = runtime();
        let t0 = on(2023, 10, 2).0 + Duration::minutes(1);

        // The server is down: the attempt fails, is recorded, and the message waits
        // 30 seconds before the next try.
        let report = rt.block_on(deliver_due(db, &mailer, t0, 10))?;
        assert_eq!(report, DeliveryReport { claimed: 1, sent: 0, failed: 1 });
        let row = &db.read(|tx| tx.list_outbox(&scope, Some(case)))?[0];
        assert_eq!((row.status, row.attempts), (OutboxStatus::Pending, 1));
        assert_eq!(row.next_attempt_at, t0 + Duration::seconds(30));
        assert_eq!(row.claimed_until, None);
        assert!(row.last_error.as_deref().is_some_and(|e| !e.is_empty()), "{row:?}");

        // Up again, but within the back-off: nothing is sent yet.
        let sink = SmtpSink::start(port, dir.path())?;
        assert_eq!(sink.port(), port);
        let report = rt.block_on(deliver_due(db, &mailer, t0 + Duration::seconds(10), 10))?;
        assert_eq!(report, DeliveryReport::default());
        assert!(sink.messages()?.is_empty());

        // After the back-off: delivered, and recorded as sent.
        let later = t0 + Duration::seconds(31);
        let report = rt.block_on(deliver_due(db, &mailer, later, 10))?;
        assert_eq!(report, DeliveryReport { claimed: 1, sent: 1, failed: 0 });
        // Further rounds find nothing to send: exactly one message arrives.
        for hours in [1, 2, 24] {
            let report = rt.block_on(deliver_due(db, &mailer, t0 + Duration::hours(hours), 10))?;
            assert_eq!(report, DeliveryReport::default());
        }
        let received = sink.messages()?;
        assert_eq!(received.len(), 1, "{received:#?}");
        let row = &db.read(|tx| tx.list_outbox(&scope, Some(case)))?[0];
        assert_eq!((row.status, row.attempts, row.sent_at), (OutboxStatus::Sent, 2, Some(later)));
        assert_eq!((row.last_error.as_deref(), row.claimed_until), (None, None));

        // What arrived is the stored refusal letter, with its dates.
        let message = decoded(&received[0]);
        assert!(message.contains(&format!("Message-ID: {}", message_id(row.id, "send-team@torbay.example"))), "{message}");
        assert!(message.contains("X-RcptTo: parent1@example.org"), "{message}");
        assert!(message.contains("X-MailFrom: send-team@torbay.example"), "{message}");
        assert!(message.contains("Subject: torbay council: Decision not to carry out an EHC needs assessment"), "{message}");
        assert!(message.contains("The school has not yet reviewed the SEN support it started this term."), "{message}");
        // Refused 2 October 2023: contact a mediation adviser within 2 months (Reg 33)
        // by 2 December 2023, and appeal within 2 months (Tribunal rule 20), a Saturday,
        // so by Monday 4 December (r.12(2)), in the plain-text part and in the HTML part.
        assert_eq!(message.matches("You must do this by 2 December 2023.").count(), 2, "{message}");
        assert_eq!(message.matches("The Tribunal must receive your appeal by 4 December 2023").count(), 2, "{message}");
        assert!(message.contains("text/plain"), "{message}");
        assert!(message.contains("text/html"), "{message}");
        Ok(())
    }

    fn a_claim_is_a_lease_two_workers_never_share(db) {
        let settings = smtp_settings(free_port()?);
        let (scope, _case) = refused(db, &settings, 2);
        let now = on(2023, 10, 2).0 + Duration::minutes(1);
        let lease = now + Duration::seconds(60);
        // Worker A claims the message; worker B, at the same moment, finds nothing.
        let a = db.write(|tx| tx.claim_due_mail(&scope, now, lease, 10))?;
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].claimed_until, Some(lease));
        let b = db.write(|tx| tx.claim_due_mail(&scope, now + Duration::seconds(59), lease, 10))?;
        assert!(b.is_empty());
        // A dies without recording anything; once its lease has run out the message is
        // claimable again, so it is not lost.
        let c = db.write(|tx| tx.claim_due_mail(&scope, lease + Duration::seconds(1), lease + Duration::seconds(61), 10))?;
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].id, a[0].id);
        // A, back from the dead, holds no lease now: it cannot record the message as
        // sent or failed; only C, whose claim holds it, can.
        let (a_lease, c_lease) = (a[0].claimed_until.unwrap(), c[0].claimed_until.unwrap());
        assert!(!db.write(|tx| tx.mark_mail_sent(&scope, a[0].id, a_lease, lease))?);
        assert!(!db.write(|tx| tx.mark_mail_failed(&scope, a[0].id, a_lease, "stale", lease))?);
        // Marking it sent twice changes it once.
        assert!(db.write(|tx| tx.mark_mail_sent(&scope, c[0].id, c_lease, lease))?);
        assert!(!db.write(|tx| tx.mark_mail_sent(&scope, c[0].id, c_lease, lease))?);
        assert!(!db.write(|tx| tx.mark_mail_failed(&scope, c[0].id, c_lease, "late failure", lease))?);
        let row = &db.read(|tx| tx.list_outbox(&scope, None))?[0];
        assert_eq!((row.status, row.attempts, row.sent_at), (OutboxStatus::Sent, 1, Some(lease)));

        Ok(())
    }

    fn without_an_smtp_server_mail_is_written_as_eml_files(db) {
        let dir = tempfile::tempdir()?;
        let settings = MailSettings { outbox_dir: dir.path().join("outbox"), ..MailSettings::default() };
        let mailer = Mailer::from_settings(&settings)?;
        assert!(mailer.describe().contains("no SMTP server is configured"), "{}", mailer.describe());
        let (scope, case) = refused(db, &settings, 3);
        let now = on(2023, 10, 2).0 + Duration::minutes(1);
        let report = runtime().block_on(deliver_due(db, &mailer, now, 10))?;
        assert_eq!(report, DeliveryReport { claimed: 1, sent: 1, failed: 0 });
        let eml: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))?.collect::<Result<_, _>>()?;
        assert_eq!(eml.len(), 1);
        assert!(eml[0].path().extension().is_some_and(|e| e == "eml"));
        let text = decoded(&std::fs::read_to_string(eml[0].path())?);
        assert!(text.contains("You must do this by 2 December 2023."), "{text}");
        assert_eq!(db.read(|tx| tx.list_outbox(&scope, Some(case)))?[0].status, OutboxStatus::Sent);
        Ok(())
    }
}
