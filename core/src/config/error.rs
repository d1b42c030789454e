//! Configuration errors that point at the file and the key.

use std::fmt;
use std::path::PathBuf;

/// Configuration that cannot be used. Displays on one line as
/// `<file>: <key>: <rule>` so start-up can stop with a message an administrator acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file (or directory) at fault.
    pub file: PathBuf,
    /// The key, as a path into the file (`panels[1].quorum.required_roles`); empty when
    /// the file as a whole is at fault.
    pub key: String,
    /// The rule broken, in plain English.
    pub rule: String,
}

impl ConfigError {
    pub(crate) fn new(
        file: impl Into<PathBuf>,
        key: impl Into<String>,
        rule: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            key: key.into(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.rule)
        } else {
            write!(f, "{}: {}: {}", self.file.display(), self.key, self.rule)
        }
    }
}
