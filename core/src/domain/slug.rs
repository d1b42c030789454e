//! Short lowercase codes used as keys in configuration and URLs.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// A lowercase code such as `torbay`, `sen-panel` or `educational_psychologist`:
/// ASCII letters, digits, `-` and `_`, starting with a letter, at most 64 characters.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(pattern = "^[a-z][a-z0-9_-]{0,63}$")]
pub struct Slug(String);

impl Slug {
    /// Checks `value` against the slug rule; `field` names it in the error.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, DomainError> {
        let mut chars = value.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !starts_with_letter || !rest_ok || value.len() > 64 {
            return Err(DomainError::invalid(
                field,
                format!(
                    "`{value}` must be 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter"
                ),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Slug::parse("code", &value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_codes_and_refuses_anything_else() {
        assert!(Slug::parse("code", "sen-panel").is_ok());
        assert!(Slug::parse("code", "educational_psychologist").is_ok());
        for bad in ["", "Torbay", "1panel", "sen panel", "sén", &"a".repeat(65)] {
            let err = Slug::parse("code", bad).unwrap_err();
            assert_eq!(err.field(), "code", "{bad}");
        }
    }
}
