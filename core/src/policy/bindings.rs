//! Host bindings generated from `plugins/wit/policy.wit` (the latest contract) and from
//! each earlier released version kept beside it, the only thing the host and the
//! plugins share.

/// The contract's types and the generated `Policy` world of the latest version (1.1), as
/// wasmtime sees them. The records derive serde so inputs and answers can be stored as
/// JSON and replayed. Every call the host makes uses these types: a record keeps its
/// shape across minor versions (they only add), so they fit a 1.0 component's
/// functions too, and its answers need no conversion.
#[allow(missing_docs)] // Generated: the WIT file carries the documentation.
pub mod contract {
    wasmtime::component::bindgen!({
        path: "../plugins/wit",
        world: "sendpanel:policy/policy",
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::sendpanel::policy::advisor::Guest as Advisor;
    pub use sendpanel::policy::types::*;
}

/// Contract 1.0.0 as released (`plugins/wit/v1.0.0`), kept so a component built
/// against it is checked at load against the world it was built for (as Zed's
/// extension host keeps a module per released version). Only its world check is
/// used: calls go through [`contract`]'s types.
#[allow(missing_docs, dead_code)] // Generated from the frozen WIT.
pub mod v1_0 {
    wasmtime::component::bindgen!({
        path: "../plugins/wit/v1.0.0",
        world: "sendpanel:policy/policy",
    });
}

/// A calendar date as the contract carries it. Every caller building request facts (the
/// case page, the API, the demo) converts the same way.
impl From<chrono::NaiveDate> for contract::Date {
    fn from(day: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            year: day.year(),
            month: u8::try_from(day.month()).unwrap_or(1),
            day: u8::try_from(day.day()).unwrap_or(1),
        }
    }
}

/// Whole years and months from `born` to `on`, as the contract's age fields take them;
/// `None` if `on` is before `born` or the age does not fit the contract's bytes.
pub fn age_on(born: chrono::NaiveDate, on: chrono::NaiveDate) -> Option<(u8, u8)> {
    use chrono::Datelike;
    let mut months = (on.year() - born.year()) * 12 + i32::try_from(on.month()).ok()?
        - i32::try_from(born.month()).ok()?;
    if on.day() < born.day() {
        months -= 1;
    }
    if months < 0 {
        return None;
    }
    Some((
        u8::try_from(months / 12).ok()?,
        u8::try_from(months % 12).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::age_on;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn ages_count_whole_months() {
        assert_eq!(age_on(day(2016, 3, 14), day(2026, 11, 24)), Some((10, 8)));
        assert_eq!(age_on(day(2016, 3, 25), day(2026, 3, 24)), Some((9, 11)));
        assert_eq!(age_on(day(2016, 3, 24), day(2026, 3, 24)), Some((10, 0)));
        assert_eq!(age_on(day(2026, 3, 24), day(2025, 3, 24)), None);
    }
}
