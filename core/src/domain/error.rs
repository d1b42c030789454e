//! Why a value was refused when building a domain type.

/// A value that breaks a rule of the domain. Each variant names the field and the rule so
/// the message can be shown to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// A field broke a rule; `rule` is a plain-English statement of the rule.
    #[error("{field}: {rule}")]
    Invalid {
        /// The field, as the user knows it (`upn`, `date_of_birth`, ...).
        field: &'static str,
        /// The rule that was broken, in plain English.
        rule: String,
    },
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            rule: rule.into(),
        }
    }

    /// The field that was refused.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Invalid { field, .. } => field,
        }
    }
}
