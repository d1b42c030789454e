//! Council sign-in with OpenID Connect: the protocol half.
//!
//! A council that configures `[sign_in.oidc]` (see [`sendpanel_core::config::OidcConfig`])
//! lets its people sign in through its own OpenID Provider (Microsoft Entra ID, Google
//! Workspace, any certified provider). The flow is the authorization code flow with PKCE,
//! a `state` and a `nonce`, all done by the `openidconnect` crate:
//!
//! 1. [`OidcClients::begin`] discovers the provider (cached per authority), and gives the
//!    address to send the browser to and a [`PendingLogin`] to keep in the (encrypted)
//!    session cookie until the browser comes back.
//! 2. [`OidcClients::finish`] takes the `state` and `code` the provider sent back, checks
//!    the state, exchanges the code (with the PKCE verifier and the client secret) and
//!    checks the ID token: issuer, audience, signature from the provider's JWKS (fetched
//!    again once when the token names a key we do not know, as providers rotate keys),
//!    expiry and nonce. It returns a [`VerifiedIdentity`] read from the configured claims.
//!
//! What this module does not do, on purpose: it does not find or create users. The caller
//! matches [`VerifiedIdentity::email`] to an account an admin created (no silent
//! self-registration) and refuses a disabled one; it should also refuse an address the
//! provider marks unverified (`email_verified: Some(false)`).
//!
//! Failures are [`OidcError`]s, each with a plain message for the person signing in
//! ([`OidcError::user_message`]). The log names the authority and the reason, never a
//! token, a code or an e-mail address.
//!
//! The HTTP calls are blocking (`ureq`): the `async` methods run them on actix's blocking
//! pool with `web::block`, so the async workers never wait on a provider.

mod clients;
mod error;
mod login;

pub use clients::OidcClients;
pub use error::{OidcError, TokenProblem};
pub use login::{PendingLogin, VerifiedIdentity};
