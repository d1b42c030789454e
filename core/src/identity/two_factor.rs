//! The second factor: time-based one-time codes (RFC 6238: HMAC-SHA-1, six digits,
//! 30-second steps, one step either side for a slow hand or clock), which any
//! authenticator app produces, and single-use recovery codes for a lost phone.
//!
//! Admins must enrol one before they can do anything (they can change what every
//! case's advice is built from); anyone else may. A code is good once: the step it
//! was accepted for is stored, and only a later step is accepted next time
//! (RFC 6238 s.5.2). Codes are checked against the system clock, as the phone's is,
//! never a fixed clock a demo or test runs the statutory dates on.

use chrono::{DateTime, Utc};
use totp_rs::{Algorithm, Secret, TOTP};

use super::{IdentityError, accounts, random_hex, sha256_hex};
use crate::domain::{SecretPurpose, SessionEnd, TotpSecret, UserId};
use crate::events::AccountChange;
use crate::store::{AuthorityScope, Database};

/// How many recovery codes are issued at a time.
pub const RECOVERY_CODES: usize = 10;
const DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;
const SKEW_STEPS: u8 = 1;

/// A fresh random secret (160 bits, as RFC 4226 recommends) for enrolment.
pub fn new_secret() -> TotpSecret {
    match Secret::generate_secret().to_encoded() {
        Secret::Encoded(base32) => TotpSecret::from_stored(base32),
        Secret::Raw(bytes) => TotpSecret::from_stored(Secret::Raw(bytes).to_encoded().to_string()),
    }
}

fn totp(secret: &TotpSecret, account: &str, issuer: &str) -> Result<TOTP, IdentityError> {
    let bytes = Secret::Encoded(secret.as_str().to_owned())
        .to_bytes()
        .map_err(|e| IdentityError::Invalid {
            field: "totp_secret",
            rule: format!("is not base32: {e:?}"),
        })?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        SKEW_STEPS,
        STEP_SECONDS,
        bytes,
        Some(issuer.replace(':', " ")),
        account.replace(':', " "),
    )
    .map_err(|e| IdentityError::Invalid {
        field: "totp_secret",
        rule: e.to_string(),
    })
}

/// The `otpauth://` address an authenticator app reads (typed in, or as a QR code),
/// naming the service and the person's address.
pub fn setup_uri(
    secret: &TotpSecret,
    account: &str,
    issuer: &str,
) -> Result<String, IdentityError> {
    Ok(totp(secret, account, issuer)?.get_url())
}

/// The code an authenticator shows at `at` (for tests, and for a person checking
/// their setup against the printed demo secret).
pub fn code_at(secret: &TotpSecret, at: DateTime<Utc>) -> Result<String, IdentityError> {
    let seconds = u64::try_from(at.timestamp()).unwrap_or_default();
    Ok(totp(secret, "code", "sendpanel")?.generate(seconds))
}

/// The step a six-digit `code` was made for, if it matches `secret` within one step of
/// `at`. Compares every candidate, in constant time each.
fn matching_step(
    secret: &TotpSecret,
    code: &str,
    at: DateTime<Utc>,
) -> Result<Option<i64>, IdentityError> {
    use subtle::ConstantTimeEq;
    let generator = totp(secret, "code", "sendpanel")?;
    let now = at.timestamp();
    let step = i64::try_from(STEP_SECONDS).unwrap_or(30);
    let mut found = None;
    for offset in -i64::from(SKEW_STEPS)..=i64::from(SKEW_STEPS) {
        let seconds = u64::try_from(now + offset * step).unwrap_or_default();
        let expected = generator.generate(seconds);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = Some((now + offset * step).div_euclid(step));
        }
    }
    Ok(found)
}

/// Only digits and letters, lower case: people type codes with spaces and hyphens.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Enrols `secret` for the user once `code` (from their app) proves the app holds it,
/// and issues [`RECOVERY_CODES`] new recovery codes (older ones stop working). The
/// codes are returned to show once; only their SHA-256 is kept.
pub fn enrol(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
    secret: &TotpSecret,
    code: &str,
) -> Result<Vec<String>, IdentityError> {
    let now = Utc::now();
    let Some(step) = matching_step(secret, &normalise(code), now)? else {
        return Err(IdentityError::CodeRefused);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = random_hex::<5>();
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect();
    db.write(|tx| {
        tx.set_totp_secret(scope, user, Some(secret))?;
        tx.accept_totp_step(scope, user, step)?;
        tx.retire_account_secrets(scope, user, SecretPurpose::RecoveryCode, now)?;
        for code in &codes {
            tx.insert_account_secret(
                scope,
                user,
                &sha256_hex(&normalise(code)),
                SecretPurpose::RecoveryCode,
                now,
                None,
            )?;
        }
        accounts::record(
            tx,
            scope,
            Some(user),
            user,
            AccountChange::TwoFactorEnrolled,
            now,
        )
    })?;
    Ok(codes)
}

/// Checks a code from the user's app, or one of their recovery codes (which is then
/// used up). [`IdentityError::CodeRefused`] when it matches neither, or was used.
pub fn verify(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
    code: &str,
) -> Result<(), IdentityError> {
    let code = normalise(code);
    let now = Utc::now();
    let account = db.read(|tx| tx.get_account(scope, user))?;
    let Some(secret) = account.totp_secret else {
        return Err(IdentityError::CodeRefused);
    };
    let accepted = if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        match matching_step(&secret, &code, now)? {
            Some(step) => db.write(|tx| tx.accept_totp_step(scope, user, step))?,
            None => false,
        }
    } else {
        let sha = sha256_hex(&code);
        db.write(|tx| tx.use_account_secret(&sha, SecretPurpose::RecoveryCode, Some(user), now))?
            .is_some()
    };
    if accepted {
        Ok(())
    } else {
        Err(IdentityError::CodeRefused)
    }
}

/// Removes `target`'s second factor and recovery codes, and ends their sessions: for a
/// person who lost their phone and their recovery codes. Done by an operator at the
/// command line (`by` is `None`) or another admin; never by the person themselves,
/// who would otherwise need only a stolen session to remove it. An admin is sent to set
/// one up again at their next sign-in.
pub fn reset(
    db: &Database,
    scope: &AuthorityScope,
    by: Option<UserId>,
    target: UserId,
) -> Result<(), IdentityError> {
    if by == Some(target) {
        return Err(IdentityError::OwnAccount {
            doing: "reset the authenticator app of",
        });
    }
    let now = Utc::now();
    db.write(|tx| {
        tx.lock_accounts(scope)?;
        tx.get_account(scope, target)?;
        tx.set_totp_secret(scope, target, None)?;
        tx.retire_account_secrets(scope, target, SecretPurpose::RecoveryCode, now)?;
        tx.end_sessions_of(scope, target, SessionEnd::SignedOutEverywhere, now)?;
        accounts::record(tx, scope, by, target, AccountChange::TwoFactorReset, now)
    })?;
    Ok(())
}

/// How many unused recovery codes the user has left.
pub fn recovery_codes_left(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
) -> Result<i64, IdentityError> {
    Ok(db.read(|tx| tx.count_unused_secrets(scope, user, SecretPurpose::RecoveryCode))?)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn rfc_6238_sha1_test_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8
        // digits); the six-digit code is its last six digits.
        let secret = TotpSecret::from_stored(
            Secret::Raw(b"12345678901234567890".to_vec())
                .to_encoded()
                .to_string(),
        );
        let at = Utc.timestamp_opt(59, 0).single().unwrap();
        assert_eq!(code_at(&secret, at).unwrap(), "287082");
        assert_eq!(matching_step(&secret, "287082", at).unwrap(), Some(1));
        // One step either side is accepted; two are not.
        let later = Utc.timestamp_opt(59 + 30, 0).single().unwrap();
        assert_eq!(matching_step(&secret, "287082", later).unwrap(), Some(1));
        let much_later = Utc.timestamp_opt(59 + 61, 0).single().unwrap();
        assert_eq!(matching_step(&secret, "287082", much_later).unwrap(), None);
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(normalise(" 287 082 "), "287082");
        assert_eq!(normalise("A1B2C-3D4E5"), "a1b2c3d4e5");
    }

    #[test]
    fn a_new_secret_is_160_bits_of_base32() {
        let secret = new_secret();
        assert_eq!(secret.as_str().len(), 32);
        assert_ne!(secret, new_secret());
    }
}
