//! People who sign in.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ApiTokenId, AuthorityId, DomainError, UserId};

/// What a user may do in the service as a whole. A user's seats on panels (and the
/// professional role they sit in) are [`super::PanelMember`]s, kept apart because one
/// educational psychologist may sit on two panels.
///
/// The stored text (`snake_case`) is fixed by a CHECK in the database; a new role
/// needs a migration as well as a variant.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum UserRole {
    /// Logs requests, chases advice, prepares papers.
    Caseworker,
    /// Reads papers and votes.
    PanelMember,
    /// Chairs panels: besides voting, records the panel's decision and its reasons,
    /// which a member may not.
    PanelChair,
    /// The authority admin: manages the authority's plugins, configuration, panels and
    /// users. Stored as `admin`.
    Admin,
    /// Reads everything of the authority (cases, decisions, the event log) and changes
    /// nothing: for internal audit, the Local Government Ombudsman's enquiries and
    /// Ofsted/CQC area SEND inspections.
    Auditor,
}

/// An e-mail address used to sign in and to receive panel invitations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(format = Email)]
pub struct Email(String);

impl Email {
    /// A light check (one `@`, something either side, no spaces), lower-cased: the real
    /// test of an address is whether mail arrives, which the outbox records.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let value = value.trim().to_ascii_lowercase();
        let ok = match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !value.contains(char::is_whitespace)
                    && !domain.contains('@')
            }
            None => false,
        };
        if !ok || value.len() > 254 {
            return Err(DomainError::invalid(
                "email",
                "must be an e-mail address such as name@council.gov.uk",
            ));
        }
        Ok(Self(value))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person who signs in to one authority's sendpanel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The authority the user works for; a user never sees another authority's cases.
    pub authority_id: AuthorityId,
    /// Sign-in address.
    pub email: Email,
    /// Name shown on papers, minutes and votes.
    pub display_name: String,
    /// What the user may do.
    pub role: UserRole,
}

/// A user as sign-in and the admin's list of users see them: the [`User`] plus the
/// state of their account. Kept apart from [`User`], which every record naming a
/// person carries, because only these two places need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The person.
    pub user: User,
    /// When an admin switched the account off; `None` while it may sign in. A disabled
    /// account keeps its records (decisions and votes name it) but nothing of it works.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When they last signed in, so an admin can spot an account nobody uses.
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Their enrolled second factor, if any.
    pub totp_secret: Option<TotpSecret>,
}

impl Account {
    /// Whether the account may sign in and act.
    pub fn is_enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// The base32 shared secret of a time-based one-time password (RFC 6238) generator,
/// as an authenticator app holds it. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(String);

impl TotpSecret {
    /// Wraps a secret read from storage or just generated (unpadded RFC 4648 base32).
    pub fn from_stored(base32: String) -> Self {
        Self(base32)
    }

    /// The base32 text, for storage and for the authenticator app's setup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

/// An API bearer token as listed and revoked: never the token itself, which is shown
/// once when issued and stored only as its SHA-256, so a copy of the database gives no
/// working token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// The token's id, by which it is listed and revoked.
    pub id: ApiTokenId,
    /// Whose token it is: a request bearing it acts as this user, in their authority.
    pub user_id: UserId,
    /// What the holder wrote to recognise it (`"case management sync"`), if anything.
    pub label: Option<String>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; a revoked token authenticates no one.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Whether the token still authenticates its user.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lowercased_and_loosely_checked() {
        assert_eq!(
            Email::parse(" Casey.Worker@Torbay.gov.uk ")
                .unwrap()
                .as_str(),
            "casey.worker@torbay.gov.uk"
        );
        for bad in [
            "",
            "casey",
            "casey@",
            "@torbay.gov.uk",
            "casey@localhost",
            "a b@c.uk",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().field(), "email", "{bad}");
        }
    }

    #[test]
    fn user_role_text_round_trips() {
        use strum::IntoEnumIterator;
        for role in UserRole::iter() {
            let text: &'static str = role.into();
            assert_eq!(text.parse::<UserRole>().unwrap(), role);
        }
        assert_eq!(UserRole::PanelMember.to_string(), "panel_member");
        assert_eq!(UserRole::PanelChair.to_string(), "panel_chair");
        assert_eq!(UserRole::Admin.to_string(), "admin");
        assert_eq!(UserRole::Auditor.to_string(), "auditor");
        assert_eq!(UserRole::iter().count(), 5);
    }
}

/// An Argon2id hash of a password in PHC form (`$argon2id$v=19$...`); the password
/// itself is never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Hashes a password with Argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane).
    /// Takes tens of milliseconds on purpose: call it off async workers.
    pub fn from_password(password: &str) -> Result<Self, DomainError> {
        use argon2::password_hash::{PasswordHasher, SaltString};
        if password.chars().count() < 12 {
            return Err(DomainError::invalid(
                "password",
                "must be at least 12 characters",
            ));
        }
        let params = argon2::Params::new(19_456, 2, 1, None)
            .map_err(|e| DomainError::invalid("password", e.to_string()))?;
        let hasher =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt_bytes: [u8; 16] = rand::random();
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|e| DomainError::invalid("password", e.to_string()))?;
        hasher
            .hash_password(password.as_bytes(), &salt)
            .map(|h| Self(h.to_string()))
            .map_err(|e| DomainError::invalid("password", e.to_string()))
    }

    /// Wraps a hash read from storage.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// Whether `password` matches, in constant time (argon2's verifier).
    pub fn verify(&self, password: &str) -> bool {
        use argon2::password_hash::PasswordVerifier;
        argon2::password_hash::PasswordHash::new(&self.0).is_ok_and(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    }

    /// The PHC string, for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never prints the hash.
impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_own_password_only() {
        let hash = PasswordHash::from_password("correct horse battery").unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse battery!"));
        assert!(!format!("{hash:?}").contains("argon2"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(
            PasswordHash::from_password("short").unwrap_err().field(),
            "password"
        );
    }
}
