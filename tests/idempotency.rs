//! Issue 12, part 5: idempotency keys on both backends. A key is claimed once; its
//! answer is given to the same request again; another request under it is told what
//! it was first used for; a key running is in progress; a released key can be claimed
//! again; keys are per authority, user and origin, a page's token per form; a key is
//! forgotten after 24 hours; and many threads claiming one key at the same moment get
//! exactly one claim, the rest seeing it in progress.
#![allow(clippy::panic, clippy::unwrap_used)] // test bodies run inside both_backends!, outside #[test] fns

use std::sync::{Arc, Barrier};

use chrono::Duration;
use sendpanel_core::domain::{User, UserRole};
use sendpanel_core::idempotency::{
    self, Answer, Begun, Claim, IdempotencyKey, KEY_LIFETIME, Origin, Submission,
};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority, user};

fn api<'a>(user: &User, key: &'a IdempotencyKey, path: &'a str, body: &'a [u8]) -> Submission<'a> {
    Submission {
        origin: Origin::Api,
        user: user.id,
        key,
        method: "POST",
        path,
        body,
    }
}

fn claimed(begun: Begun) -> Claim {
    match begun {
        Begun::Claimed(claim) => claim,
        other => panic!("expected a new claim, got {other:?}"),
    }
}

fn created() -> Answer {
    Answer {
        status: 201,
        content_type: Some("application/json".into()),
        location: None,
        body: br#"{"id":"1"}"#.to_vec(),
    }
}

fn begin(
    db: &Database,
    scope: &AuthorityScope,
    submission: &Submission<'_>,
    hours: u32,
) -> anyhow::Result<Begun> {
    Ok(idempotency::begin(db, scope, submission, at(24, hours))?)
}

both_backends! {
    fn a_key_is_answered_once_and_refused_for_another_request(db) {
        let torbay = authority(db, "torbay", 880)?;
        let casey = user(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let key = IdempotencyKey::new("8e03978e-40d5-43e8-bc93-6894a57f9324")?;
        let first = api(&casey, &key, "/api/v1/requests", b"{\"a\":1}");

        let claim = claimed(begin(db, &torbay, &first, 9)?);
        // While it runs, the same request is told so, and nothing is claimed again.
        assert!(matches!(begin(db, &torbay, &first, 9)?, Begun::InProgress { since } if since == at(24, 9)));
        idempotency::answer(db, &claim, &created())?;
        match begin(db, &torbay, &first, 10)? {
            Begun::Answered(answer) => assert_eq!(answer, created()),
            other => panic!("expected the first answer, got {other:?}"),
        }
        // Answering twice keeps the first answer.
        idempotency::answer(db, &claim, &Answer { status: 500, ..created() })?;
        assert!(matches!(begin(db, &torbay, &first, 10)?, Begun::Answered(a) if a.status == 201));

        // Another body, or another route, under the key: refused, saying which.
        match begin(db, &torbay, &Submission { body: b"{\"a\":2}", ..first }, 10)? {
            Begun::Reused(reuse) => {
                assert!(reuse.same_target);
                assert_eq!(reuse.first_used_at, at(24, 9));
            }
            other => panic!("expected a reuse, got {other:?}"),
        }
        match begin(db, &torbay, &Submission { path: "/api/v1/sittings", ..first }, 10)? {
            Begun::Reused(reuse) => {
                assert!(!reuse.same_target);
                assert_eq!((reuse.method.as_str(), reuse.path.as_str()), ("POST", "/api/v1/requests"));
            }
            other => panic!("expected a reuse, got {other:?}"),
        }
        Ok(())
    }

    fn a_released_key_is_free_and_keys_expire(db) {
        let torbay = authority(db, "torbay", 880)?;
        let casey = user(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let key = IdempotencyKey::new("k-1")?;
        let first = api(&casey, &key, "/api/v1/requests", b"{}");
        let claim = claimed(begin(db, &torbay, &first, 9)?);
        idempotency::release(db, &claim)?;
        // Released: the same request, or a corrected one, runs.
        let claim = claimed(begin(db, &torbay, &Submission { body: b"{\"fixed\":true}", ..first }, 9)?);
        idempotency::answer(db, &claim, &created())?;
        // A release after the answer changes nothing.
        idempotency::release(db, &claim)?;
        let corrected = Submission { body: b"{\"fixed\":true}", ..first };
        assert!(matches!(begin(db, &torbay, &corrected, 9)?, Begun::Answered(_)));
        // Remembered for 24 hours from its first use, then new again.
        let day_later = at(24, 9) + KEY_LIFETIME;
        assert!(matches!(
            idempotency::begin(db, &torbay, &corrected, day_later - Duration::seconds(1))?,
            Begun::Answered(_)
        ));
        claimed(idempotency::begin(db, &torbay, &first, day_later)?);
        Ok(())
    }

    fn keys_are_each_callers_own_and_a_page_token_is_per_form(db) {
        let torbay = authority(db, "torbay", 880)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        let casey = user(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let jordan = user(db, &torbay, "jordan@torbay.example", UserRole::Caseworker)?;
        let will = user(db, &wiltshire, "will@wiltshire.example", UserRole::Caseworker)?;
        let key = IdempotencyKey::new("shared-key")?;
        let casey_claim = claimed(begin(db, &torbay, &api(&casey, &key, "/r", b"{}"), 9)?);
        idempotency::answer(db, &casey_claim, &created())?;
        // Another user, another authority, or a page with the same characters: new.
        claimed(begin(db, &torbay, &api(&jordan, &key, "/r", b"{}"), 9)?);
        claimed(begin(db, &wiltshire, &api(&will, &key, "/r", b"{}"), 9)?);
        let page = Submission { origin: Origin::Page, ..api(&casey, &key, "/r", b"{}") };
        claimed(begin(db, &torbay, &page, 9)?);
        // One page's token serves each of its forms once.
        claimed(begin(db, &torbay, &Submission { path: "/agenda-items/1/vote", ..page }, 9)?);
        claimed(begin(db, &torbay, &Submission { path: "/agenda-items/1/close", ..page }, 9)?);
        assert!(matches!(
            begin(db, &torbay, &Submission { path: "/agenda-items/1/close", ..page }, 9)?,
            Begun::InProgress { .. }
        ));
        // A user of another authority cannot hold a key in this one.
        assert!(begin(db, &torbay, &api(&will, &key, "/s", b"{}"), 9).is_err());
        Ok(())
    }

    fn one_key_claimed_by_many_at_once_is_claimed_once(db) {
        let torbay = authority(db, "torbay", 880)?;
        let casey = user(db, &torbay, "casey@torbay.example", UserRole::Caseworker)?;
        let key = IdempotencyKey::new("race")?;
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let outcomes: Vec<Begun> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let (barrier, torbay, casey, key) = (barrier.clone(), &torbay, &casey, &key);
                    scope.spawn(move || {
                        barrier.wait();
                        begin(db, torbay, &api(casey, key, "/api/v1/requests", b"{}"), 9)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect::<anyhow::Result<_>>()
        })?;
        let claims = outcomes.iter().filter(|b| matches!(b, Begun::Claimed(_))).count();
        let running = outcomes.iter().filter(|b| matches!(b, Begun::InProgress { .. })).count();
        assert_eq!((claims, running), (1, threads - 1), "{outcomes:?}");
        Ok(())
    }
}
