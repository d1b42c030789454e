//! Issue 13: accounts an admin can switch off, sessions the server can end, passwords
//! that can be changed and reset, and a second factor, on both backends, with
//! concurrent callers where a decision depends on what others do.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)] // test bodies run inside both_backends!, outside #[test] fns

use std::sync::Barrier;

use chrono::Utc;
use sendpanel_core::domain::{Email, UserRole};
use sendpanel_core::identity::passwords::{self, ResetMail};
use sendpanel_core::identity::sessions::{self, SessionId};
use sendpanel_core::identity::{self, IdentityError, PasswordCheck, accounts, two_factor};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority};

const PASSWORD: &str = "velvet orbit canal pepper";
const NEW_PASSWORD: &str = "quiet harbour lantern seventeen";

fn person(
    db: &Database,
    scope: &AuthorityScope,
    email: &str,
    role: UserRole,
) -> anyhow::Result<sendpanel_core::domain::User> {
    let clock = FixedClock(at(20, 9));
    Ok(identity::add_user(
        db,
        scope,
        &Email::parse(email)?,
        "Casey Worker",
        role,
        Some(PASSWORD),
        &clock,
    )?)
}

fn live(db: &Database, id: &SessionId) -> bool {
    sessions::resume(db, id, &FixedClock(at(20, 10)))
        .unwrap()
        .is_some()
}

fn mail() -> ResetMail<'static> {
    ResetMail {
        public_url: "https://send.example.gov.uk",
        from_address: "send-team@torbay.example",
        from_name: "Torbay SEND",
    }
}

/// Runs `call(i)` on two threads released together.
fn race<T: Send>(call: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(2);
    std::thread::scope(|threads| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (barrier, call) = (&barrier, &call);
                threads.spawn(move || {
                    barrier.wait();
                    call(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

both_backends! {
    fn sign_out_ends_only_that_session_and_times_out_by_the_clock(db) {
        let torbay = authority(db, "torbay", 880)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let clock = FixedClock(at(20, 9));
        let laptop = sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Password, &clock)?;
        let phone = sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Password, &clock)?;
        assert!(live(db, &laptop) && live(db, &phone));
        sessions::end(db, &laptop, &clock)?;
        assert!(!live(db, &laptop), "signed out");
        assert!(live(db, &phone), "another browser stays signed in");
        // An id never issued, or mangled, is no session.
        assert!(!live(db, &SessionId::presented("0".repeat(64))));
        assert!(!live(db, &SessionId::presented("not hex".into())));
        // Ten hours after sign-in it ends, however busy (checked at 20 Nov 19:00).
        assert!(sessions::resume(db, &phone, &FixedClock(at(20, 19)))?.is_none());
        assert!(!live(db, &phone), "a timed-out session stays ended");
        // Signed-in time is recorded for the admin's list.
        let account = db.read(|tx| tx.get_account(&torbay, casey.id))?;
        assert_eq!(account.last_sign_in_at, Some(at(20, 9)));
        Ok(())
    }

    // Issue 17: a server checks the sessions and tokens behind all its open live-tally
    // streams together, in one read each, and each is decided as a request with it
    // would be: signed out, switched off, never issued and timed out all end; a live
    // session is seen, so the idle limit counts from the check.
    fn the_holders_of_open_streams_are_checked_together_as_one_request_would_be(db) {
        use sendpanel_core::domain::SignInMethod::Password;
        let torbay = authority(db, "torbay", 880)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let sam = person(db, &torbay, "sam@torbay.example", UserRole::Caseworker)?;
        let clock = FixedClock(at(20, 9));
        let signed_out = sessions::begin(db, &casey, Password, &clock)?;
        let kept = sessions::begin(db, &casey, Password, &clock)?;
        let switched_off = sessions::begin(db, &sam, Password, &clock)?;
        let (_, caseys_token) = identity::issue_token(db, &torbay, &casey.email, None, &clock)?;
        let (_, sams_token) = identity::issue_token(db, &torbay, &sam.email, None, &clock)?;
        sessions::end(db, &signed_out, &clock)?;
        accounts::disable(db, &torbay, None, sam.id, &clock)?;

        let ids = [
            kept.clone(),
            signed_out,
            SessionId::presented("not hex".into()),
            switched_off,
        ];
        assert_eq!(sessions::still_live(db, &ids, &FixedClock(at(20, 10)))?, [true, false, false, false]);
        // Seen at 10:00, so at 10:59 it is within the idle limit (an hour from 9:00 it
        // would not be).
        let just_within = at(20, 10) + chrono::Duration::minutes(59);
        assert_eq!(sessions::still_live(db, std::slice::from_ref(&kept), &FixedClock(just_within))?, [true]);
        // Ten hours after sign-in it ends, however busy, and stays ended.
        assert_eq!(sessions::still_live(db, std::slice::from_ref(&kept), &FixedClock(at(20, 19)))?, [false]);
        assert!(!live(db, &kept), "timed out by the check");

        let tokens = [caseys_token, "spt_not a token".to_owned(), sams_token];
        assert_eq!(identity::still_valid_tokens(db, &tokens)?, [true, false, false]);
        assert!(identity::still_valid_tokens(db, &[])?.is_empty());
        Ok(())
    }

    // Issue 17: a request renewing a session and the servers' check of open streams,
    // at once. Each decides on the session as it stands inside its own writing
    // transaction, so the check never ends a session on a `last_seen_at` the request
    // has just moved on: either the request renews it first and the check finds it
    // live, or the check ends it first and the request finds it ended.
    fn a_stream_check_and_a_request_at_once_agree_on_the_session(db) {
        use sendpanel_core::domain::SignInMethod::Password;
        let torbay = authority(db, "torbay", 880)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        // Signed in at 9:00; the request comes at 9:59 (due a renewal), the check at
        // 10:30 (timed out if the session was last seen at 9:00, live if at 9:59).
        let renewed_at = FixedClock(at(20, 9) + chrono::Duration::minutes(59));
        let checked_at = FixedClock(at(20, 10) + chrono::Duration::minutes(30));
        for round in 0..12 {
            let session = sessions::begin(db, &casey, Password, &FixedClock(at(20, 9)))?;
            let answers = race(|i| {
                if i == 0 {
                    sessions::resume(db, &session, &renewed_at).map(|live| live.is_some())
                } else {
                    sessions::still_live(db, std::slice::from_ref(&session), &checked_at)
                        .map(|live| live[0])
                }
            });
            let (request, check) = (answers[0].as_ref().unwrap(), answers[1].as_ref().unwrap());
            assert_eq!(request, check, "round {round}: the request and the check disagree");
            let afterwards = sessions::resume(db, &session, &checked_at)?.is_some();
            assert_eq!(afterwards, *check, "round {round}");
        }
        Ok(())
    }

    fn disabling_ends_sessions_and_tokens_at_once_and_enabling_does_not_revive_them(db) {
        let torbay = authority(db, "torbay", 880)?;
        let admin = person(db, &torbay, "admin@torbay.example", UserRole::Admin)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let clock = FixedClock(at(20, 9));
        let session = sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Password, &clock)?;
        let (_, token) = identity::issue_token(db, &torbay, &casey.email, None, &clock)?;
        assert_eq!(identity::authenticate(db, &token)?.map(|u| u.id), Some(casey.id));

        let done = accounts::disable(db, &torbay, Some(admin.id), casey.id, &clock)?;
        assert_eq!((done.sessions_ended, done.tokens_revoked), (1, 1));
        assert!(!live(db, &session));
        assert_eq!(identity::authenticate(db, &token)?, None, "token refused at once");
        // The right password now says the account is disabled; a wrong one says nothing.
        assert!(matches!(identity::sign_in(db, "casey@torbay.example", PASSWORD)?, PasswordCheck::Disabled));
        assert!(matches!(identity::sign_in(db, "casey@torbay.example", "wrong password here")?, PasswordCheck::Refused));
        // A session cannot begin for a disabled account.
        assert!(matches!(
            sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Oidc, &clock),
            Err(IdentityError::Disabled)
        ));
        // Reset links are not sent to a disabled account.
        assert!(!passwords::request_reset(db, "casey@torbay.example", mail(), &clock)?);

        accounts::enable(db, &torbay, Some(admin.id), casey.id, &clock)?;
        assert!(!live(db, &session), "an ended session never starts again");
        assert_eq!(identity::authenticate(db, &token)?, None, "old tokens stay revoked");
        assert!(matches!(identity::sign_in(db, "casey@torbay.example", PASSWORD)?, PasswordCheck::Passed(_)));
        // Each change is in the log with who made it, and nothing personal.
        let changes: Vec<_> = db
            .read(|tx| tx.list_events(&torbay, None))?
            .into_iter()
            .filter(|e| e.kind() == sendpanel_core::domain::EventKind::AccountChanged)
            .collect();
        assert_eq!(changes.len(), 2, "{changes:?}");
        for change in &changes {
            assert_eq!(change.actor, Some(admin.id));
            assert!(!serde_json::to_string(&change.fact)?.contains("casey@"));
        }
        Ok(())
    }

    fn the_last_admin_and_ones_own_account_are_kept(db) {
        let torbay = authority(db, "torbay", 880)?;
        let first = person(db, &torbay, "first@torbay.example", UserRole::Admin)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let clock = FixedClock(at(20, 9));
        assert!(matches!(accounts::disable(db, &torbay, Some(first.id), first.id, &clock), Err(IdentityError::OwnAccount { .. })));
        assert!(matches!(accounts::change_role(db, &torbay, Some(first.id), first.id, UserRole::Auditor, &clock), Err(IdentityError::OwnAccount { .. })));
        // From the command line (no acting user), still never the last admin.
        assert!(matches!(accounts::disable(db, &torbay, None, first.id, &clock), Err(IdentityError::LastAdmin)));
        assert!(matches!(accounts::change_role(db, &torbay, None, first.id, UserRole::Caseworker, &clock), Err(IdentityError::LastAdmin)));
        // A role change applies to the next request: sessions and tokens read it.
        let session = sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Password, &clock)?;
        accounts::change_role(db, &torbay, Some(first.id), casey.id, UserRole::Admin, &clock)?;
        let now = sessions::resume(db, &session, &FixedClock(at(20, 10)))?.unwrap();
        assert_eq!(now.user.role, UserRole::Admin);
        // With two admins, one may go.
        accounts::disable(db, &torbay, Some(casey.id), first.id, &clock)?;
        assert!(!db.read(|tx| tx.get_account(&torbay, first.id))?.is_enabled());
        Ok(())
    }

    fn two_admins_disabling_each_other_at_once_leave_one(db) {
        let torbay = authority(db, "torbay", 880)?;
        let a = person(db, &torbay, "a@torbay.example", UserRole::Admin)?;
        let b = person(db, &torbay, "b@torbay.example", UserRole::Admin)?;
        let pairs = [(a.id, b.id), (b.id, a.id)];
        let results = race(|i| accounts::disable(db, &torbay, Some(pairs[i].0), pairs[i].1, &FixedClock(at(20, 9))));
        let done = results.iter().filter(|r| r.is_ok()).count();
        let refused = results.iter().filter(|r| matches!(r, Err(IdentityError::LastAdmin))).count();
        assert_eq!((done, refused), (1, 1), "{results:?}");
        assert_eq!(db.read(|tx| tx.count_enabled_with_role(&torbay, UserRole::Admin))?, 1);
        Ok(())
    }

    fn a_password_change_ends_every_session_and_needs_the_current_password(db) {
        let torbay = authority(db, "torbay", 880)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let clock = FixedClock(at(20, 9));
        let here = sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Password, &clock)?;
        let copied = here.clone();
        let elsewhere = sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Password, &clock)?;
        assert!(matches!(passwords::change(db, &torbay, casey.id, "not my password", NEW_PASSWORD, &clock), Err(IdentityError::WrongPassword)));
        match passwords::change(db, &torbay, casey.id, PASSWORD, "password1234", &clock) {
            Err(IdentityError::Invalid { field: "password", rule }) => assert!(rule.starts_with("is too easy to guess"), "{rule}"),
            other => panic!("a common password was accepted: {other:?}"),
        }
        assert!(live(db, &here), "refused changes change nothing");
        let fresh = passwords::change(db, &torbay, casey.id, PASSWORD, NEW_PASSWORD, &clock)?;
        assert!(!live(db, &copied) && !live(db, &elsewhere), "every older session ended");
        assert!(live(db, &fresh), "the browser that changed it carries on");
        assert!(matches!(identity::sign_in(db, "casey@torbay.example", PASSWORD)?, PasswordCheck::Refused));
        assert!(matches!(identity::sign_in(db, "casey@torbay.example", NEW_PASSWORD)?, PasswordCheck::Passed(_)));
        Ok(())
    }

    fn a_reset_link_is_mailed_in_the_same_transaction_and_works_once(db) {
        let torbay = authority(db, "torbay", 880)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let clock = FixedClock(at(20, 9));
        let session = sessions::begin(db, &casey, sendpanel_core::domain::SignInMethod::Password, &clock)?;
        // An unknown address queues nothing, and says nothing different to the caller.
        assert!(!passwords::request_reset(db, "nobody@torbay.example", mail(), &clock)?);
        assert!(passwords::request_reset(db, "Casey@Torbay.example ", mail(), &clock)?);
        let queued = db.read(|tx| tx.list_outbox(&torbay, None))?;
        assert_eq!(queued.len(), 1);
        // Quoted-printable folds long lines with "=" and a line break.
        let message = String::from_utf8(queued[0].message.clone())?.replace("=\r\n", "");
        assert_eq!(queued[0].recipient.as_str(), "casey@torbay.example");
        let link = message
            .split_whitespace()
            .find_map(|w| w.strip_prefix("https://send.example.gov.uk/reset-password/"))
            .map(|rest| rest.chars().take(64).collect::<String>())
            .expect("the e-mail carries the link under public_url");
        assert_eq!(link.len(), 64);
        // The link is not stored anywhere as itself.
        assert!(db.read(|tx| tx.list_outbox(&torbay, None))?.len() == 1);
        assert_eq!(passwords::reset_link_owner(db, &link, &clock)?, Some(casey.id));
        // Too weak: refused, and the link still works.
        assert!(matches!(passwords::reset(db, &link, "123456789012", &clock), Err(IdentityError::Invalid { .. })));
        // Two uses at once: one sets the password, the other finds the link used.
        let results = race(|i| passwords::reset(db, &link, if i == 0 { NEW_PASSWORD } else { "another fine long phrase" }, &clock));
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(IdentityError::LinkNotUsable))));
        assert!(!live(db, &session), "a reset ends every session");
        assert!(matches!(passwords::reset(db, &link, NEW_PASSWORD, &clock), Err(IdentityError::LinkNotUsable)));
        assert_eq!(passwords::reset_link_owner(db, &link, &clock)?, None);
        // An hour later a new link has expired.
        assert!(passwords::request_reset(db, "casey@torbay.example", mail(), &clock)?);
        let later = FixedClock(at(20, 10));
        let newest = String::from_utf8(db.read(|tx| tx.list_outbox(&torbay, None))?.last().unwrap().message.clone())?.replace("=\r\n", "");
        let second = newest.split_whitespace().find_map(|w| w.strip_prefix("https://send.example.gov.uk/reset-password/")).map(|r| r.chars().take(64).collect::<String>()).unwrap();
        assert_eq!(passwords::reset_link_owner(db, &second, &later)?, None, "expired after an hour");
        Ok(())
    }

    fn one_code_sent_twice_at_once_signs_in_once(db) {
        let torbay = authority(db, "torbay", 880)?;
        let admin = person(db, &torbay, "admin@torbay.example", UserRole::Admin)?;
        let secret = two_factor::new_secret();
        let codes = two_factor::enrol(db, &torbay, admin.id, &secret, &two_factor::code_at(&secret, Utc::now())?)?;
        let next = two_factor::code_at(&secret, Utc::now() + chrono::Duration::seconds(30))?;
        let results = race(|_| two_factor::verify(db, &torbay, admin.id, &next));
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        let results = race(|_| two_factor::verify(db, &torbay, admin.id, &codes[0]));
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "recovery code: {results:?}");
        Ok(())
    }

    fn two_password_changes_at_once_from_the_same_password_leave_one(db) {
        let torbay = authority(db, "torbay", 880)?;
        let casey = person(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let clock = FixedClock(at(20, 9));
        let chosen = [NEW_PASSWORD, "another fine long phrase"];
        let results = race(|i| passwords::change(db, &torbay, casey.id, PASSWORD, chosen[i], &clock));
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(IdentityError::WrongPassword))));
        let winner = chosen[results.iter().position(Result::is_ok).unwrap()];
        assert!(matches!(identity::sign_in(db, "casey@torbay.example", winner)?, PasswordCheck::Passed(_)));
        Ok(())
    }

    fn a_one_time_code_works_once_and_recovery_codes_stand_in(db) {
        let torbay = authority(db, "torbay", 880)?;
        let admin = person(db, &torbay, "admin@torbay.example", UserRole::Admin)?;
        let secret = two_factor::new_secret();
        let wrong = two_factor::enrol(db, &torbay, admin.id, &secret, "000000");
        // (A one-in-a-million chance that 000000 is right; then the next line explains.)
        assert!(matches!(wrong, Err(IdentityError::CodeRefused)), "{wrong:?}");
        assert!(db.read(|tx| tx.get_account(&torbay, admin.id))?.totp_secret.is_none());
        let codes = two_factor::enrol(db, &torbay, admin.id, &secret, &two_factor::code_at(&secret, Utc::now())?)?;
        assert_eq!(codes.len(), two_factor::RECOVERY_CODES);
        // The code used to enrol is spent; the next step's code works once.
        let now_code = two_factor::code_at(&secret, Utc::now())?;
        assert!(matches!(two_factor::verify(db, &torbay, admin.id, &now_code), Err(IdentityError::CodeRefused)));
        let next = two_factor::code_at(&secret, Utc::now() + chrono::Duration::seconds(30))?;
        two_factor::verify(db, &torbay, admin.id, &next)?;
        assert!(matches!(two_factor::verify(db, &torbay, admin.id, &next), Err(IdentityError::CodeRefused)), "replayed");
        // A recovery code works once, typed however.
        let recovery = codes[0].to_uppercase().replace('-', " ");
        two_factor::verify(db, &torbay, admin.id, &recovery)?;
        assert!(matches!(two_factor::verify(db, &torbay, admin.id, &codes[0]), Err(IdentityError::CodeRefused)));
        assert_eq!(two_factor::recovery_codes_left(db, &torbay, admin.id)?, 9);
        // Another user's recovery code is not this user's.
        let other = person(db, &torbay, "other@torbay.example", UserRole::Admin)?;
        assert!(matches!(two_factor::verify(db, &torbay, other.id, &codes[1]), Err(IdentityError::CodeRefused)));

        // A lost phone and lost codes: another admin (or an operator) resets it; the
        // person cannot reset their own, and the old codes and sessions stop working.
        let session = sessions::begin(db, &admin, sendpanel_core::domain::SignInMethod::Password, &FixedClock(at(20, 9)))?;
        assert!(matches!(two_factor::reset(db, &torbay, Some(admin.id), admin.id), Err(IdentityError::OwnAccount { .. })));
        two_factor::reset(db, &torbay, Some(other.id), admin.id)?;
        assert!(db.read(|tx| tx.get_account(&torbay, admin.id))?.totp_secret.is_none());
        assert!(matches!(two_factor::verify(db, &torbay, admin.id, &codes[2]), Err(IdentityError::CodeRefused)));
        assert_eq!(two_factor::recovery_codes_left(db, &torbay, admin.id)?, 0);
        assert!(!live(db, &session));
        Ok(())
    }
}
