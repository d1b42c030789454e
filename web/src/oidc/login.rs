//! The two values a sign-in carries: the [`PendingLogin`] kept between sending the
//! browser to the provider and its return, and the [`VerifiedIdentity`] the ID token
//! proves.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{AdditionalClaims, IdToken, IdTokenClaims};
use sendpanel_core::config::OidcConfig;
use sendpanel_core::domain::{AuthorityId, Email};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::OidcError;

/// A sign-in sent to the provider and not yet back. Serialisable so it can wait in the
/// session cookie, which is encrypted: it holds the PKCE verifier and the nonce, which
/// must stay secret until the code is exchanged. Its `Debug` shows neither.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    authority: AuthorityId,
    state: String,
    nonce: String,
    pkce_verifier: String,
    redirect_uri: String,
    created_at: DateTime<Utc>,
}

impl PendingLogin {
    pub(super) fn new(
        authority: AuthorityId,
        state: String,
        nonce: String,
        pkce_verifier: String,
        redirect_uri: String,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            authority,
            state,
            nonce,
            pkce_verifier,
            redirect_uri,
            created_at,
        }
    }

    /// The authority whose provider the browser was sent to.
    pub fn authority(&self) -> &AuthorityId {
        &self.authority
    }

    /// When the sign-in began.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// The redirect URI sent with the request; the code exchange must send it again.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub(super) fn nonce(&self) -> &str {
        &self.nonce
    }

    pub(super) fn pkce_verifier(&self) -> &str {
        &self.pkce_verifier
    }

    /// Whether `returned` is this sign-in's state, compared in constant time so the
    /// comparison does not leak how much of a guess was right.
    pub(super) fn state_matches(&self, returned: &str) -> bool {
        bool::from(self.state.as_bytes().ct_eq(returned.as_bytes()))
    }

    /// Whether the sign-in began within `lifetime` of `now` (and not in the future,
    /// beyond a minute of clock difference between instances).
    pub(super) fn is_fresh(&self, now: DateTime<Utc>, lifetime: TimeDelta) -> bool {
        let age = now - self.created_at;
        age <= lifetime && age >= -TimeDelta::minutes(1)
    }
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("authority", &self.authority)
            .field("redirect_uri", &self.redirect_uri)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// Who the provider says signed in, from an ID token that passed every check. Not yet a
/// sendpanel user: the caller matches `email` to an account an admin created.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// The provider's issuer identifier (`iss`).
    pub issuer: String,
    /// The provider's stable id for the person (`sub`), unique per issuer.
    pub subject: String,
    /// The address in the configured e-mail claim, lower-cased.
    pub email: Email,
    /// The provider's `email_verified`, when it sends one. `Some(false)` means the
    /// provider does not vouch for the address: refuse it, or anyone able to set that
    /// address on an account at the provider could sign in as its owner.
    pub email_verified: Option<bool>,
    /// The groups in the configured groups claim (empty without one).
    pub groups: Vec<String>,
}

impl fmt::Debug for VerifiedIdentity {
    /// Leaves the address out, so a stray `{:?}` never writes one to the log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedIdentity")
            .field("issuer", &self.issuer)
            .field("email_verified", &self.email_verified)
            .field("groups", &self.groups.len())
            .finish_non_exhaustive()
    }
}

/// The claims of an ID token outside the standard set (`groups`, `upn`, ...), as the
/// provider sent them: their names come from the authority's configuration, so they
/// cannot be fields of a struct.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(super) struct ProviderClaims(BTreeMap<String, serde_json::Value>);

impl AdditionalClaims for ProviderClaims {}

/// An ID token read with every claim kept.
pub(super) type ProviderIdToken = IdToken<
    ProviderClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The claims of a [`ProviderIdToken`] whose checks have passed.
pub(super) type ProviderIdTokenClaims = IdTokenClaims<ProviderClaims, CoreGenderClaim>;

/// Reads the identity from verified claims, using the authority's claim names. The
/// e-mail claim may be a standard one (`email`, `preferred_username`) or not (`upn`), so
/// the claims are looked up by name in their JSON form, standard and others alike.
pub(super) fn identity_from(
    authority: &AuthorityId,
    config: &OidcConfig,
    claims: &ProviderIdTokenClaims,
) -> Result<VerifiedIdentity, OidcError> {
    let no_email = || OidcError::NoEmail {
        authority: authority.clone(),
        claim: config.email_claim.clone(),
    };
    let all = serde_json::to_value(claims).map_err(|_| no_email())?;
    let email = all
        .get(&config.email_claim)
        .and_then(serde_json::Value::as_str)
        .and_then(|text| Email::parse(text).ok())
        .ok_or_else(no_email)?;
    let groups = match &config.groups_claim {
        Some(claim) => groups_in(authority, claim, all.get(claim)),
        None => Vec::new(),
    };
    Ok(VerifiedIdentity {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email,
        email_verified: claims.email_verified(),
        groups,
    })
}

/// A groups claim is a list of names; a lone string is taken as one group. Anything else
/// (or nothing: Entra ID leaves the claim out when someone is in too many groups) gives no
/// groups, and a warning in the log when the claim is there but not understood.
fn groups_in(
    authority: &AuthorityId,
    claim: &str,
    value: Option<&serde_json::Value>,
) -> Vec<String> {
    match value {
        None => Vec::new(),
        Some(serde_json::Value::String(group)) => vec![group.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Some(_) => {
            tracing::warn!(
                authority = %authority,
                claim,
                "the groups claim is neither a list nor a string; no groups taken from it"
            );
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(created_at: DateTime<Utc>) -> PendingLogin {
        PendingLogin::new(
            AuthorityId::parse("torbay").unwrap(),
            "state-1".into(),
            "nonce-1".into(),
            "verifier-1".into(),
            "http://127.0.0.1/callback".into(),
            created_at,
        )
    }

    #[test]
    fn a_pending_login_is_fresh_for_its_lifetime_only() {
        let now = Utc::now();
        let lifetime = TimeDelta::minutes(10);
        assert!(pending(now).is_fresh(now, lifetime));
        assert!(pending(now - TimeDelta::minutes(9)).is_fresh(now, lifetime));
        assert!(!pending(now - TimeDelta::minutes(11)).is_fresh(now, lifetime));
        assert!(!pending(now + TimeDelta::minutes(5)).is_fresh(now, lifetime));
    }

    #[test]
    fn the_state_must_match_exactly() {
        let login = pending(Utc::now());
        assert!(login.state_matches("state-1"));
        assert!(!login.state_matches("state-2"));
        assert!(!login.state_matches("state-"));
        assert!(!login.state_matches(""));
    }

    #[test]
    fn debug_shows_no_secret() {
        let login = pending(Utc::now());
        let shown = format!("{login:?}");
        assert!(shown.contains("torbay"), "{shown}");
        for secret in ["state-1", "nonce-1", "verifier-1"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn a_pending_login_survives_the_session_cookie() {
        let login = pending(Utc::now());
        let json = serde_json::to_string(&login).unwrap();
        let back: PendingLogin = serde_json::from_str(&json).unwrap();
        assert_eq!(back, login);
    }
}
