//! The sign-in guards' counts in the database, on both backends: ten attempts at an
//! address and then no more for now, however the address is typed, other addresses
//! untouched; sixty from one client; two a minute again once time passes; and the
//! count shared by two servers (two handles on one database), with attempts racing
//! from many threads allowed exactly as often as the burst.
#![allow(clippy::panic, clippy::unwrap_used)] // test bodies run inside both_backends!, outside #[test] fns

use std::net::IpAddr;
use std::sync::{Arc, Barrier};

use chrono::Duration;
use sendpanel_core::domain::UserId;
use sendpanel_core::identity::throttle::{Attempt, allow};
use sendpanel_core::store::{Database, PoolOptions};
use sendpanel_tests::both_backends;
use sendpanel_tests::journey::on;

both_backends! {
    fn ten_attempts_at_an_address_then_two_a_minute(db) {
        let now = on(2023, 10, 2).0;
        for attempt in 1..=10 {
            assert!(allow(db, Attempt::Address("casey@torbay.example"), now)?, "attempt {attempt}");
        }
        assert!(!allow(db, Attempt::Address("casey@torbay.example"), now)?);
        // The same address however it is typed; another address is untouched.
        assert!(!allow(db, Attempt::Address("  Casey@Torbay.example "), now)?);
        assert!(allow(db, Attempt::Address("morgan@torbay.example"), now)?);
        // Thirty seconds on, one more; not two.
        let later = now + Duration::seconds(30);
        assert!(allow(db, Attempt::Address("casey@torbay.example"), later)?);
        assert!(!allow(db, Attempt::Address("casey@torbay.example"), later)?);
        // A person's second factor is counted apart from the addresses.
        let person = UserId::new();
        for _ in 0..10 {
            assert!(allow(db, Attempt::SecondFactor(person), now)?);
        }
        assert!(!allow(db, Attempt::SecondFactor(person), now)?);
        Ok(())
    }

    fn one_client_cycling_addresses_is_cut_off(db) {
        let now = on(2023, 10, 2).0;
        let client = IpAddr::from([192, 0, 2, 7]);
        for attempt in 1..=60 {
            assert!(allow(db, Attempt::Client(client), now)?, "attempt {attempt}");
        }
        assert!(!allow(db, Attempt::Client(client), now)?);
        assert!(allow(db, Attempt::Client(IpAddr::from([192, 0, 2, 8])), now)?);
        Ok(())
    }

    fn two_servers_share_one_count_even_racing(db) {
        let now = on(2023, 10, 2).0;
        let other_server = Database::open(db.url().clone(), PoolOptions::default())?;
        let threads = 16;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let db = if i % 2 == 0 { db.clone() } else { other_server.clone() };
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    allow(&db, Attempt::Address("guessed@torbay.example"), now).unwrap()
                })
            })
            .collect();
        let allowed = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|allowed| *allowed)
            .count();
        assert_eq!(allowed, 10, "the burst is ten across both servers");
        Ok(())
    }
}
