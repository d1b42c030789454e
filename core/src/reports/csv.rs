//! Tables as CSV, safe to open in a spreadsheet.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and
//! some treat a leading tab or carriage return the same way), so text a person typed
//! could run as one on an officer's machine (OWASP "CSV injection"). [`csv_safe`] puts a
//! `'` before such a cell: the spreadsheet shows the text as typed and runs nothing.
//! Every CSV the service writes goes through it.

/// The cell as written, with a `'` before it when it starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A table could not be written.
#[derive(Debug, thiserror::Error)]
#[error("could not write the CSV: {0}")]
pub struct CsvError(#[from] ::csv::Error);

/// A header row and rows as CSV (RFC 4180, UTF-8), every cell through [`csv_safe`].
pub fn write_table<R, C>(header: &[&str], rows: R) -> Result<Vec<u8>, CsvError>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(header.iter().map(|h| csv_safe(h).into_owned()))?;
    for row in rows {
        out.write_record(
            row.into_iter()
                .map(|cell| csv_safe(cell.as_ref()).into_owned()),
        )?;
    }
    out.into_inner()
        .map_err(|e| CsvError(::csv::Error::from(e.into_error())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_would_run_as_a_formula_is_prefixed() {
        for risky in ["=SUM(A1:A9)", "+44 1803 201201", "-1", "@cmd", "\tx", "\rx"] {
            assert_eq!(csv_safe(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["", "12", "Torbay", "a=b", " =1", "'quoted", "50%"] {
            assert_eq!(csv_safe(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn tables_are_quoted_and_escaped() {
        let bytes = write_table(
            &["Indicator", "Target"],
            [vec!["Plans, active", "=1+1"], vec!["Said \"no\"", "12"]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "Indicator,Target\n\"Plans, active\",'=1+1\n\"Said \"\"no\"\"\",12\n"
        );
    }
}
