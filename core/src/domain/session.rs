//! The words of a signed-in session's life: how it began, and why it ended. Stored as
//! their snake_case names, which the database's CHECKs list.

use serde::{Deserialize, Serialize};

/// How a person proved who they are when the session began.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SignInMethod {
    /// A local password (and, where enrolled, a one-time code).
    Password,
    /// The council's own identity provider, through OpenID Connect.
    Oidc,
}

/// Why a session ended. Every end is recorded on its row, so an admin (or an
/// incident review) can tell a sign-out from a switch-off.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SessionEnd {
    /// The person signed out of this browser.
    SignedOut,
    /// The person signed out of every browser at once.
    SignedOutEverywhere,
    /// An admin switched the account off.
    Disabled,
    /// The password changed (by the person, or by a reset link): any copy of an older
    /// cookie must stop working.
    PasswordChanged,
    /// Idle or absolute time limit passed.
    TimedOut,
}

/// What a single-use secret sent to a person is for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SecretPurpose {
    /// The link in a password reset e-mail.
    PasswordReset,
    /// One of the codes that stand in for a lost authenticator.
    RecoveryCode,
}
