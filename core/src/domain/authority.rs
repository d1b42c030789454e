//! Local authorities: the tenants of sendpanel.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DomainError, Slug};

/// A local authority's code, such as `torbay`; it names the authority's configuration
/// folder and scopes every row of case data.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = String, pattern = "^[a-z][a-z0-9_-]{0,63}$")]
pub struct AuthorityId(Slug);

impl AuthorityId {
    /// Checks the code against the slug rule.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        Slug::parse("authority", value).map(Self)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for AuthorityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The DfE's three-digit local authority number (Torbay 880), used in UPNs and in the
/// SEN2 return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "u16", into = "u16")]
pub struct LaNumber(u16);

impl LaNumber {
    /// LA numbers run from 201 (City of London) to 938 (West Sussex) and beyond for new
    /// unitary authorities; anything outside 100..=999 is a typing error.
    pub fn new(value: u16) -> Result<Self, DomainError> {
        if (100..=999).contains(&value) {
            Ok(Self(value))
        } else {
            Err(DomainError::invalid(
                "la_number",
                format!("{value} must be the DfE three-digit LA number (100 to 999)"),
            ))
        }
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for LaNumber {
    type Error = DomainError;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<LaNumber> for u16 {
    fn from(value: LaNumber) -> Self {
        value.0
    }
}

/// A local authority as stored: its code, its name and its DfE number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authority {
    /// The authority's code.
    pub id: AuthorityId,
    /// The name used in letters ("Torbay Council").
    pub name: String,
    /// The DfE LA number.
    pub la_number: LaNumber,
}
