//! Why an OpenID Connect sign-in failed, in terms a sign-in page can explain.

use sendpanel_core::domain::AuthorityId;

/// A sign-in through the council's OpenID Provider that did not succeed. Each variant
/// says whose fault it is (the person's, the provider's, the configuration's), so the
/// page can say what to do; [`OidcError::user_message`] is that plain message.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The authority has no `[sign_in.oidc]`.
    #[error("authority {authority} does not offer sign-in with OpenID Connect")]
    NotConfigured {
        /// The authority asked for.
        authority: AuthorityId,
    },
    /// The client secret's environment variable is not set (found at start-up).
    #[error(
        "authority {authority}: the OpenID Connect client secret is missing: set the environment variable {variable}"
    )]
    SecretMissing {
        /// The authority configured.
        authority: AuthorityId,
        /// The variable named by `client_secret_env`.
        variable: String,
    },
    /// The redirect URI given to [`super::OidcClients::begin`] is not an absolute URL.
    #[error("the redirect URI is not an absolute URL: {0}")]
    BadRedirectUri(String),
    /// The `state` that came back is not the one sent: a forged or crossed request.
    #[error("the state returned by the provider does not match this sign-in")]
    StateMismatch,
    /// The pending sign-in is older than its lifetime (or belongs to another authority).
    #[error("the sign-in was started too long ago")]
    LoginExpired,
    /// The provider could not be reached, or answered an error status.
    #[error("authority {authority}: the OpenID Provider could not be reached: {reason}")]
    ProviderUnreachable {
        /// The authority whose provider it is.
        authority: AuthorityId,
        /// What failed (connection, status); no secrets.
        reason: String,
    },
    /// The provider answered, but its discovery document or keys are unusable (wrong
    /// issuer, missing endpoint, malformed JSON).
    #[error("authority {authority}: the OpenID Provider's configuration is unusable: {reason}")]
    ProviderMisconfigured {
        /// The authority whose provider it is.
        authority: AuthorityId,
        /// What is wrong, as the library says it.
        reason: String,
    },
    /// The provider refused to exchange the code (already used, expired, or the client
    /// credentials are wrong).
    #[error("authority {authority}: the OpenID Provider refused the sign-in code: {reason}")]
    CodeRefused {
        /// The authority whose provider it is.
        authority: AuthorityId,
        /// The OAuth error code or the status, as the provider gave it.
        reason: String,
    },
    /// The token response had no ID token (the provider treated this as plain OAuth).
    #[error("authority {authority}: the OpenID Provider sent no ID token")]
    NoIdToken {
        /// The authority whose provider it is.
        authority: AuthorityId,
    },
    /// The ID token failed a check; the sign-in is refused.
    #[error("authority {authority}: the ID token was refused: {problem}")]
    TokenRefused {
        /// The authority whose provider it is.
        authority: AuthorityId,
        /// The check it failed.
        problem: TokenProblem,
    },
    /// The ID token has no usable value in the configured e-mail claim.
    #[error("authority {authority}: the ID token has no e-mail address in claim `{claim}`")]
    NoEmail {
        /// The authority whose provider it is.
        authority: AuthorityId,
        /// The claim configured (`email_claim`).
        claim: String,
    },
    /// The blocking pool was shut down before the provider answered.
    #[error("the sign-in was interrupted")]
    Interrupted,
}

/// The check an ID token failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display)]
#[strum(serialize_all = "snake_case")]
pub enum TokenProblem {
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not name our client id (or names others we do not trust).
    WrongAudience,
    /// `exp` has passed.
    Expired,
    /// `nonce` is not the one this sign-in sent (a replayed token).
    NonceMismatch,
    /// Signed with a key the provider does not publish, even after fetching its keys again.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// Unsigned, or signed with an algorithm we do not accept.
    DisallowedAlgorithm,
    /// Not a well-formed ID token.
    Malformed,
    /// Another claim check failed (subject, authentication time, ...).
    Other,
}

impl OidcError {
    /// What the person signing in is told: plain English, no internals. The log has the
    /// detail (the `Display` form), naming the authority.
    pub fn user_message(&self) -> &'static str {
        match self {
            Self::NotConfigured { .. } => {
                "Your council does not offer sign-in through its own account system. Sign in with your e-mail address and password."
            }
            Self::StateMismatch | Self::LoginExpired => {
                "The sign-in took too long or was started in another window. Start again."
            }
            Self::ProviderUnreachable { .. } | Self::Interrupted => {
                "Your council's sign-in service cannot be reached at the moment. Try again in a few minutes."
            }
            Self::TokenRefused {
                problem: TokenProblem::Expired,
                ..
            } => {
                "Your council's sign-in service sent an answer that has already expired. Check your computer's clock is right, then start again."
            }
            Self::NoEmail { .. } => {
                "Your council's sign-in service did not say your e-mail address, so sendpanel cannot tell who you are. Ask your council's IT team to send the e-mail claim."
            }
            Self::CodeRefused { .. } => {
                "Your council's sign-in service did not accept this sign-in. Start again."
            }
            Self::SecretMissing { .. }
            | Self::BadRedirectUri(_)
            | Self::ProviderMisconfigured { .. }
            | Self::NoIdToken { .. }
            | Self::TokenRefused { .. } => {
                "sendpanel could not check who you are with your council's sign-in service. Tell your council's sendpanel administrator."
            }
        }
    }
}
