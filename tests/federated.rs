//! Council sign-in's account rule (`identity::federated`), on both backends: a
//! vouched-for address signs in only as an account an admin created in the vouching
//! authority, enabled, with a verified address, and, where the authority maps provider
//! groups to roles, in a mapped group; a role the groups do not give is changed, and the
//! change is in the log.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)] // test bodies run inside both_backends!, outside #[test] fns

use sendpanel_core::domain::{AuthorityId, Email, EventKind, User, UserRole};
use sendpanel_core::events::{AccountChange, AccountChanged, CaseEvent};
use sendpanel_core::identity::federated::{FederatedError, account_for_federated};
use sendpanel_core::identity::{self, accounts};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority};

fn clock() -> FixedClock {
    FixedClock(at(20, 9))
}

fn person(
    db: &Database,
    scope: &AuthorityScope,
    email: &str,
    role: UserRole,
) -> anyhow::Result<User> {
    Ok(identity::add_user(
        db,
        scope,
        &Email::parse(email)?,
        "Casey Worker",
        role,
        None,
        &clock(),
    )?)
}

fn torbay() -> AuthorityId {
    AuthorityId::parse("torbay").unwrap()
}

/// Signs in as `email`, vouched for by Torbay's provider.
fn vouched(
    db: &Database,
    email: &str,
    verified: Option<bool>,
    mapped: Option<&[UserRole]>,
) -> Result<User, FederatedError> {
    account_for_federated(
        db,
        &torbay(),
        &Email::parse(email).unwrap(),
        verified,
        mapped,
        &clock(),
    )
}

both_backends! {
    fn a_known_enabled_account_signs_in_with_its_role(db) {
        let scope = authority(db, "torbay", 880)?;
        let casey = person(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        // No mapping: the role is sendpanel's; a provider saying nothing of
        // verification vouches by issuing the token. Addresses match whatever their case.
        let user = vouched(db, "Casey@Torbay.example", None, None)?;
        assert_eq!((user.id, user.role), (casey.id, UserRole::Caseworker));
        let user = vouched(db, "casey@torbay.example", Some(true), Some(&[UserRole::Caseworker, UserRole::Admin]))?;
        assert_eq!(user.role, UserRole::Caseworker, "a mapped role is kept");
        Ok(())
    }

    fn an_unknown_address_is_refused_and_nobody_is_registered(db) {
        let scope = authority(db, "torbay", 880)?;
        let result = vouched(db, "stranger@torbay.example", Some(true), None);
        assert!(matches!(result, Err(FederatedError::UnknownAccount)), "{result:?}");
        assert!(accounts::list(db, &scope)?.is_empty(), "nobody was added");
        let message = result.unwrap_err().to_string();
        assert!(!message.contains("stranger"), "the message never names the address: {message}");
        Ok(())
    }

    fn another_authoritys_user_is_refused_as_unknown(db) {
        authority(db, "torbay", 880)?;
        let wiltshire = authority(db, "wiltshire", 865)?;
        person(db, &wiltshire, "wil@wiltshire.example", UserRole::Admin)?;
        let result = vouched(db, "wil@wiltshire.example", Some(true), None);
        assert!(matches!(result, Err(FederatedError::UnknownAccount)), "{result:?}");
        Ok(())
    }

    fn an_unverified_address_is_refused(db) {
        let scope = authority(db, "torbay", 880)?;
        person(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        let result = vouched(db, "casey@torbay.example", Some(false), None);
        assert!(matches!(result, Err(FederatedError::EmailNotVerified)), "{result:?}");
        Ok(())
    }

    fn a_disabled_account_is_refused(db) {
        let scope = authority(db, "torbay", 880)?;
        let admin = person(db, &scope, "admin@torbay.example", UserRole::Admin)?;
        let casey = person(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        accounts::disable(db, &scope, Some(admin.id), casey.id, &clock())?;
        let result = vouched(db, "casey@torbay.example", Some(true), Some(&[UserRole::Caseworker]));
        assert!(matches!(result, Err(FederatedError::Disabled)), "{result:?}");
        assert!(result.unwrap_err().to_string().contains("disabled"));
        Ok(())
    }

    fn no_mapped_group_is_refused(db) {
        let scope = authority(db, "torbay", 880)?;
        person(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        let result = vouched(db, "casey@torbay.example", Some(true), Some(&[]));
        assert!(matches!(result, Err(FederatedError::NoMappedGroup)), "{result:?}");
        assert_eq!(
            result.unwrap_err().to_string(),
            "your council account is not in a group that gives access to sendpanel"
        );
        Ok(())
    }

    fn the_groups_change_the_role_and_the_change_is_recorded(db) {
        let scope = authority(db, "torbay", 880)?;
        person(db, &scope, "admin@torbay.example", UserRole::Admin)?;
        let casey = person(db, &scope, "casey@torbay.example", UserRole::Caseworker)?;
        // Two mapped roles, neither hers: the first in role order.
        let user = vouched(db, "casey@torbay.example", Some(true), Some(&[UserRole::PanelChair, UserRole::PanelMember]))?;
        assert_eq!((user.id, user.role), (casey.id, UserRole::PanelMember));
        let stored = db.read(|tx| tx.get_account(&scope, casey.id))?;
        assert_eq!(stored.user.role, UserRole::PanelMember, "stored, not only returned");
        let changes: Vec<_> = db
            .read(|tx| tx.list_events(&scope, None))?
            .into_iter()
            .filter(|e| e.kind() == EventKind::AccountChanged)
            .collect();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].actor, None, "no person made the change");
        match &changes[0].fact {
            CaseEvent::AccountChanged(AccountChanged { user, change: AccountChange::RoleChanged { from, to } }) => {
                assert_eq!((*user, *from, *to), (casey.id, UserRole::Caseworker, UserRole::PanelMember));
            }
            other => panic!("not a role change: {other:?}"),
        }
        // Signing in again with the same groups changes nothing more.
        vouched(db, "casey@torbay.example", Some(true), Some(&[UserRole::PanelChair, UserRole::PanelMember]))?;
        let again = db.read(|tx| tx.list_events(&scope, None))?
            .into_iter()
            .filter(|e| e.kind() == EventKind::AccountChanged)
            .count();
        assert_eq!(again, 1);
        Ok(())
    }

    fn the_last_admin_is_not_demoted_by_groups(db) {
        let scope = authority(db, "torbay", 880)?;
        let admin = person(db, &scope, "admin@torbay.example", UserRole::Admin)?;
        let result = vouched(db, "admin@torbay.example", Some(true), Some(&[UserRole::Caseworker]));
        assert!(matches!(result, Err(FederatedError::LastAdmin { to: UserRole::Caseworker })), "{result:?}");
        assert_eq!(db.read(|tx| tx.get_account(&scope, admin.id))?.user.role, UserRole::Admin);
        Ok(())
    }
}
