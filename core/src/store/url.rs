//! Which database to use, parsed from `DATABASE_URL` or configuration.

use std::fmt;
use std::path::{Path, PathBuf};

use super::StoreError;

/// The two storage engines sendpanel runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Embedded SQLite (bundled): the default for one council on one machine.
    Sqlite,
    /// PostgreSQL: for production and for many councils or nodes.
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        })
    }
}

/// A database location. The scheme picks the backend explicitly, so a mistyped
/// PostgreSQL URL can never silently create an SQLite file of that name (a trap
/// Vaultwarden's `DbConnType::from_url` also guards against).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, passed to libpq as written.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a URL, naming the accepted forms when it is none of them.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::InvalidUrl(
                    "sqlite:// needs a file path, for example sqlite://data/sendpanel.db".into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err(StoreError::InvalidUrl(
            "must start with sqlite:// (a file path) or postgres:// (a PostgreSQL connection URL)"
                .into(),
        ))
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite file, for SQLite URLs.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }
}

/// Shows the URL without its password, so it can be logged and printed.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Shows the URL without its password, so it can be logged and printed.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => {
                let slash = if rest.contains('/') { "/" } else { "" };
                format!("{scheme}://{user}:***@{host}{slash}{tail}")
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        let url = DatabaseUrl::parse("sqlite://data/sendpanel.db").unwrap();
        assert_eq!(url.backend(), Backend::Sqlite);
        assert_eq!(url.sqlite_path(), Some(Path::new("data/sendpanel.db")));
        let url = DatabaseUrl::parse("sqlite:///var/lib/sendpanel.db").unwrap();
        assert_eq!(url.sqlite_path(), Some(Path::new("/var/lib/sendpanel.db")));
        let url = DatabaseUrl::parse("postgresql://postgres@127.0.0.1/sendpanel").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
    }

    #[test]
    fn anything_else_is_refused_rather_than_treated_as_a_file() {
        for bad in ["data/sendpanel.db", "mysql://x", "sqlite://", "postgre://x"] {
            assert!(
                matches!(DatabaseUrl::parse(bad), Err(StoreError::InvalidUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/sendpanel").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://app:***@db.internal:5432/sendpanel"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
