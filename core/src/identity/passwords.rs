//! Passwords: what a new one must be, changing one, and resetting a forgotten one by a
//! single-use link sent to the account's address.
//!
//! - A new password has at least [`MIN_CHARS`] characters (NCSC: length over
//!   complexity) and is refused when it is easy to guess: a common password, a
//!   keyboard walk, or the person's own address or name. The judgement is zxcvbn's
//!   (Dropbox's estimator, whose dictionaries include the common-password lists),
//!   needing a score of at least 3, "safely unguessable" against online attack.
//! - A change needs the current password, ends every session of the account (a copy of
//!   an older cookie stops working) and begins a new one for the person who changed
//!   it, in one transaction.
//! - A reset link is 32 random bytes, kept as its SHA-256, good once for
//!   [`RESET_LINK_LIFETIME`]; asking again replaces the older link. The e-mail is
//!   queued in the transaction that stores the link. Whether or not the address has
//!   an account, the asker is told the same thing.

use chrono::{DateTime, Duration, Utc};

use super::sessions::{SessionId, begin_in};
use super::{IdentityError, accounts, random_hex, sha256_hex};
use crate::domain::{Email, PasswordHash, SecretPurpose, SessionEnd, SignInMethod, UserId};
use crate::events::AccountChange;
use crate::notify::mail::{Outgoing, build};
use crate::store::{AuthorityScope, Database, NewMail, OutboxId};
use crate::time::Clock;

/// The shortest password accepted (NCSC password guidance: 12 characters or more).
pub const MIN_CHARS: usize = 12;
/// The longest: Argon2 takes any length, but a megabyte "password" is an attack.
pub const MAX_CHARS: usize = 256;
/// How long a reset link works.
pub const RESET_LINK_LIFETIME: Duration = Duration::hours(1);
/// The lowest zxcvbn score accepted (0 to 4; 3 is "safely unguessable").
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Refuses a password too short, too long, or easy to guess; `about` is what else is
/// known of the person (address, name), which a password must not be built from.
pub fn check_new(password: &str, about: &[&str]) -> Result<(), IdentityError> {
    let invalid = |rule: String| IdentityError::Invalid {
        field: "password",
        rule,
    };
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(invalid(format!("must be at least {MIN_CHARS} characters")));
    }
    if chars > MAX_CHARS {
        return Err(invalid(format!("must be at most {MAX_CHARS} characters")));
    }
    let lower = password.to_lowercase();
    let personal = about
        .iter()
        .flat_map(|part| {
            part.split('@')
                .next()
                .unwrap_or_default()
                .split(|c: char| !c.is_alphanumeric())
        })
        .filter(|word| word.chars().count() >= 4)
        .any(|word| lower.contains(&word.to_lowercase()));
    if personal {
        return Err(invalid(
            "must not contain your name or your email address".to_owned(),
        ));
    }
    let mut inputs: Vec<&str> = Vec::new();
    for part in about {
        inputs.push(part);
        inputs.extend(
            part.split(['@', '.', ' ', '-', '_'])
                .filter(|w| w.len() >= 3),
        );
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() < MIN_SCORE {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({})", w.to_string().trim_end_matches('.').to_lowercase()))
            .unwrap_or_default();
        return Err(invalid(format!(
            "is too easy to guess{why}; use three or more random words"
        )));
    }
    Ok(())
}

/// Changes the signed-in person's password: `current` must be right and `new` must
/// pass [`check_new`]. Every session of theirs ends and a new one begins, returned for
/// the browser that asked. Hashing runs outside the transaction.
pub fn change(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
    current: &str,
    new: &str,
    clock: &dyn Clock,
) -> Result<SessionId, IdentityError> {
    let (account, hash) = db.read(|tx| tx.get_account_with_password(scope, user))?;
    if !hash.verify(current) {
        return Err(IdentityError::WrongPassword);
    }
    check_new(
        new,
        &[account.user.email.as_str(), &account.user.display_name],
    )?;
    let new_hash = PasswordHash::from_password(new)?;
    let session = SessionId::presented(random_hex::<32>());
    let now = clock.now();
    db.write(|tx| {
        // Decided on what this transaction reads: a password changed meanwhile (by
        // another browser, or a reset) means `current` was checked against a stale hash.
        tx.lock_accounts(scope)?;
        let (_, latest) = tx.get_account_with_password(scope, user)?;
        if latest != hash {
            return Ok(Err(IdentityError::WrongPassword));
        }
        tx.set_password_hash(scope, user, &new_hash)?;
        tx.end_sessions_of(scope, user, SessionEnd::PasswordChanged, now)?;
        accounts::record(
            tx,
            scope,
            Some(user),
            user,
            AccountChange::PasswordChanged,
            now,
        )?;
        match begin_in(tx, scope, user, &session, SignInMethod::Password, now)? {
            Ok(()) => Ok(Ok(session)),
            Err(refused) => Ok(Err(refused)),
        }
    })?
}

/// Where a reset e-mail's link points and who it is from.
#[derive(Debug, Clone, Copy)]
pub struct ResetMail<'a> {
    /// The address people open the service at (`public_url`), without a trailing
    /// slash: never the request's `Host`, which an attacker chooses.
    pub public_url: &'a str,
    /// The sender, as the mail settings give it.
    pub from_address: &'a str,
    /// The sender's display name.
    pub from_name: &'a str,
}

/// Sends a reset link to `email` if an enabled account has it; otherwise does nothing.
/// The caller says the same either way. Returns whether a link was queued (for tests
/// and logs, never for the page).
pub fn request_reset(
    db: &Database,
    email: &str,
    mail: ResetMail<'_>,
    clock: &dyn Clock,
) -> Result<bool, IdentityError> {
    let Ok(email) = Email::parse(email.trim()) else {
        return Ok(false);
    };
    let from: lettre::Address = mail
        .from_address
        .parse()
        .map_err(|e| IdentityError::Invalid {
            field: "from_address",
            rule: format!("{e}"),
        })?;
    let now = clock.now();
    Ok(db.write(|tx| {
        let Some((account, _)) = tx.account_for_sign_in(&email)? else {
            return Ok(false);
        };
        if !account.is_enabled() {
            return Ok(false);
        }
        let scope = AuthorityScope::new(account.user.authority_id.clone());
        let user = account.user.id;
        let secret = random_hex::<32>();
        tx.retire_account_secrets(&scope, user, SecretPurpose::PasswordReset, now)?;
        tx.insert_account_secret(
            &scope,
            user,
            &sha256_hex(&secret),
            SecretPurpose::PasswordReset,
            now,
            Some(now + RESET_LINK_LIFETIME),
        )?;
        let link = format!("{}/reset-password/{secret}", mail.public_url);
        let id = OutboxId::new();
        let subject = "Reset your sendpanel password";
        let html = reset_html(&link, now + RESET_LINK_LIFETIME);
        let message = build(Outgoing {
            id,
            from_name: mail.from_name,
            from_address: &from,
            to: &account.user.email,
            to_name: Some(&account.user.display_name),
            subject,
            html: &html,
            date: now,
            calendar: None,
        })
        .map_err(|e| crate::store::StoreError::Refused(e.to_string()))?;
        tx.enqueue_mail(
            &scope,
            &NewMail {
                id,
                case_id: None,
                purpose: "account:password-reset".into(),
                recipient: account.user.email.clone(),
                subject: subject.into(),
                message,
                created_at: now,
            },
        )?;
        accounts::record(
            tx,
            &scope,
            None,
            user,
            AccountChange::PasswordResetSent,
            now,
        )?;
        Ok(true)
    })?)
}

/// The reset e-mail's body. The link is hex under the operator's own `public_url`, so
/// it needs no escaping.
fn reset_html(link: &str, expires: DateTime<Utc>) -> String {
    format!(
        "<p>Someone (we hope you) asked to reset the password for your sendpanel account.</p>\
         <p>To choose a new password, open this link before {} UTC on {}. It works once.</p>\
         <p><a href=\"{link}\">{link}</a></p>\
         <p>If you did not ask, ignore this e-mail: your password has not changed.</p>",
        expires.format("%H:%M"),
        expires.format("%-d %B %Y"),
    )
}

/// Whose reset link `secret` is, if it is still usable (does not use it): the page
/// checks this before showing the form, and the new password's rules need the person.
pub fn reset_link_owner(
    db: &Database,
    secret: &str,
    clock: &dyn Clock,
) -> Result<Option<UserId>, IdentityError> {
    let sha = sha256_hex(secret);
    let now = clock.now();
    Ok(db
        .read(|tx| tx.usable_secret_owner(&sha, SecretPurpose::PasswordReset, now))?
        .map(|(_, user)| user))
}

/// Sets a new password through a reset link: uses the link (once), sets the password,
/// ends every session of the account. The person then signs in.
pub fn reset(
    db: &Database,
    secret: &str,
    new: &str,
    clock: &dyn Clock,
) -> Result<(), IdentityError> {
    let sha = sha256_hex(secret);
    let now = clock.now();
    let Some((authority, user)) =
        db.read(|tx| tx.usable_secret_owner(&sha, SecretPurpose::PasswordReset, now))?
    else {
        return Err(IdentityError::LinkNotUsable);
    };
    let scope = AuthorityScope::new(authority);
    let account = db.read(|tx| tx.get_account(&scope, user))?;
    check_new(
        new,
        &[account.user.email.as_str(), &account.user.display_name],
    )?;
    let new_hash = PasswordHash::from_password(new)?;
    db.write(|tx| {
        // The link is consumed by one conditional UPDATE: of two uses, one wins.
        if tx
            .use_account_secret(&sha, SecretPurpose::PasswordReset, Some(user), now)?
            .is_none()
        {
            return Ok(Err(IdentityError::LinkNotUsable));
        }
        if !tx.get_account(&scope, user)?.is_enabled() {
            return Ok(Err(IdentityError::Disabled));
        }
        tx.set_password_hash(&scope, user, &new_hash)?;
        tx.end_sessions_of(&scope, user, SessionEnd::PasswordChanged, now)?;
        accounts::record(tx, &scope, None, user, AccountChange::PasswordReset, now)?;
        Ok(Ok(()))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_personal_passwords_are_refused_naming_the_rule() {
        let refused = |p: &str| match check_new(p, &["casey.worker@torbay.example", "Casey Worker"])
        {
            Err(IdentityError::Invalid { field, rule }) => {
                assert_eq!(field, "password");
                rule
            }
            other => panic!("{p:?} was not refused: {other:?}"),
        };
        assert_eq!(refused("short"), "must be at least 12 characters");
        assert!(refused("password1234").starts_with("is too easy to guess"));
        assert!(refused("qwertyuiop12").starts_with("is too easy to guess"));
        assert!(refused("123456789012").starts_with("is too easy to guess"));
        assert_eq!(
            refused("caseyworker2026"),
            "must not contain your name or your email address"
        );
        assert_eq!(
            refused("my name is Worker, hello"),
            "must not contain your name or your email address"
        );
        assert!(refused(&"x".repeat(MAX_CHARS + 1)).contains("at most"));
    }

    #[test]
    fn long_random_words_pass() {
        check_new("correct horse battery staple", &["casey@torbay.example"]).unwrap();
        check_new("velvet-orbit-canal-pepper", &[]).unwrap();
    }
}
