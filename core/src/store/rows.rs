//! Conversions between stored text and domain types, shared by the table modules.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::StoreError;

/// Parses a stored value; a failure means the row is corrupt, never user error.
pub(crate) fn parse<T>(column: &'static str, value: &str) -> Result<T, StoreError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| StoreError::Corrupt {
        column,
        detail: format!("{value:?}: {e}"),
    })
}

/// An instant as stored: UTC without zone (both backends' `TIMESTAMP`).
pub(crate) fn to_db_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

/// An instant as read back.
pub(crate) fn from_db_time(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// A missing row, named for the message.
pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}
