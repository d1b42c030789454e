//! Reading an export's CSV: the header checked against the columns this import reads,
//! each row's cells checked against the domain's own rules, every problem kept with its
//! row (numbered as a spreadsheet shows it: the header is row 1) and column.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use strum::IntoEnumIterator;

use super::{ImportError, ImportKind, Problem};
use crate::domain::{
    AuthorityReference, DomainError, Email, NeedType, NhsNumber, PersonName, RequestedBy,
    SettingType, Sex, Upn, text,
};

/// The longest earlier-system reference kept (`cases.external_reference`).
const REFERENCE_MAX: usize = 60;
/// The longest setting name kept (`cases.setting_name`).
const SETTING_NAME_MAX: usize = 200;
/// Oldest age at which a young person can hold an EHC plan (CFA s.83(2): up to 25).
const OLDEST: i32 = 25;
/// A young person is over compulsory school age (CFA s.83(2)); 16, as at intake.
const YOUNG_PERSON_FROM: i32 = 16;

/// The columns of each kind of file: (name, required in the header).
fn columns(kind: ImportKind) -> &'static [(&'static str, bool)] {
    match kind {
        ImportKind::Plans => &[
            ("reference", true),
            ("given_name", true),
            ("family_name", true),
            ("date_of_birth", true),
            ("upn", false),
            ("authority_reference", false),
            ("nhs_number", false),
            ("sex", false),
            ("received_on", false),
            ("plan_issued_on", true),
            ("last_reviewed_on", false),
            ("setting_name", true),
            ("setting_type", true),
            ("primary_need", true),
            ("requested_by", true),
            ("officer_email", false),
        ],
        ImportKind::Requests => &[
            ("reference", true),
            ("given_name", true),
            ("family_name", true),
            ("date_of_birth", true),
            ("upn", false),
            ("authority_reference", false),
            ("nhs_number", false),
            ("sex", false),
            ("received_on", true),
            ("requested_by", true),
            ("requester", true),
            ("setting_name", false),
            ("setting_type", true),
            ("primary_need", true),
            ("summary", true),
            ("officer_email", false),
            ("contact_email", false),
        ],
    }
}

/// The child as a row describes them, checked.
#[derive(Debug, Clone)]
pub(super) struct ChildCells {
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub date_of_birth: NaiveDate,
    pub upn: Option<Upn>,
    pub authority_reference: Option<AuthorityReference>,
    pub nhs_number: Option<NhsNumber>,
    pub sex: Option<Sex>,
}

/// What a plan row adds to the child and the request.
#[derive(Debug, Clone)]
pub(super) struct PlanCells {
    pub plan_issued_on: NaiveDate,
    pub last_reviewed_on: Option<NaiveDate>,
}

/// What a request row adds.
#[derive(Debug, Clone)]
pub(super) struct RequestCells {
    pub requester: String,
    pub summary: String,
    pub contact_email: Option<Email>,
}

/// A row whose cells all passed their checks (the checks that read the database, such
/// as the officer and a known child's date of birth, come later, in the batch's
/// transaction).
#[derive(Debug, Clone)]
pub(super) struct CheckedRow {
    pub reference: String,
    pub child: ChildCells,
    pub received_on: NaiveDate,
    pub requested_by: RequestedBy,
    pub setting_name: Option<String>,
    pub setting_type: SettingType,
    pub primary_need: NeedType,
    pub plan: Option<PlanCells>,
    pub request: Option<RequestCells>,
}

/// One row of the file: its spreadsheet number, its reference as typed (for the
/// duplicate check and the report), and either its checked cells or its problems.
#[derive(Debug, Clone)]
pub(super) struct FileRow {
    pub row: u64,
    pub reference: Option<String>,
    /// The officer named, when the cell is an address: checked against the authority's
    /// officers even when another cell of the row is bad, so a dry run names both.
    pub officer_email: Option<Email>,
    pub checked: Option<CheckedRow>,
    pub problems: Vec<Problem>,
}

/// Reads the file: the header, then every row, each checked on its own; then the
/// references repeated within the file. Refused as a whole only when the file cannot be
/// read as CSV with the header this kind needs.
pub(super) fn read(
    kind: ImportKind,
    input: impl std::io::Read,
    today: NaiveDate,
) -> Result<Vec<FileRow>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| ImportError::Unreadable(e.to_string()))?
        .clone();
    let index = header_index(kind, &header)?;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut number: u64 = 1;
    loop {
        number += 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(str::is_empty) {
                    continue;
                }
                let cells = Cells {
                    index: &index,
                    record: &record,
                };
                rows.push(check_row(kind, number, &cells, today));
            }
            // Text that is not UTF-8: the row is refused, the rest still read.
            Err(error) if matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) => {
                rows.push(FileRow {
                    row: number,
                    reference: None,
                    officer_email: None,
                    checked: None,
                    problems: vec![Problem::new(
                        number,
                        "(row)",
                        "the row is not UTF-8 text; save the file as CSV UTF-8".to_owned(),
                    )],
                });
            }
            Err(error) => {
                return Err(ImportError::Unreadable(format!("row {number}: {error}")));
            }
        }
    }
    duplicates(&mut rows);
    Ok(rows)
}

/// Each column's position, checked: every required column present, none twice, none
/// this import does not read (a misspelt optional column would otherwise be dropped).
fn header_index(
    kind: ImportKind,
    header: &csv::StringRecord,
) -> Result<HashMap<&'static str, usize>, ImportError> {
    let known = columns(kind);
    let mut index = HashMap::new();
    for (position, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').trim();
        let Some((column, _)) = known.iter().find(|(c, _)| c.eq_ignore_ascii_case(name)) else {
            return Err(ImportError::Header(format!(
                "column {name:?} is not one this import reads; the columns are {}",
                known.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            )));
        };
        if index.insert(*column, position).is_some() {
            return Err(ImportError::Header(format!(
                "column {column} appears twice"
            )));
        }
    }
    let missing: Vec<&str> = known
        .iter()
        .filter(|(c, required)| *required && !index.contains_key(c))
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::Header(format!(
            "the header row must name the column{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )));
    }
    Ok(index)
}

/// A row's cells by column name; a column the header lacks, or a short row, reads "".
struct Cells<'a> {
    index: &'a HashMap<&'static str, usize>,
    record: &'a csv::StringRecord,
}

impl Cells<'_> {
    fn get(&self, column: &str) -> &str {
        self.index
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }
}

/// Collects a row's problems while its cells are checked, each under its column.
struct Checker {
    row: u64,
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, column: &str, rule: impl Into<String>) {
        self.problems
            .push(Problem::new(self.row, column, rule.into()));
    }

    /// A domain refusal, under the column of the cell it concerns (the domain names its
    /// own field, which is the column's name for every column read here).
    fn refused(&mut self, column: &str, error: &DomainError) {
        let DomainError::Invalid { rule, .. } = error;
        self.problem(column, rule.clone());
    }

    fn parsed<T>(&mut self, column: &str, result: Result<T, DomainError>) -> Option<T> {
        result.map_err(|e| self.refused(column, &e)).ok()
    }

    fn required<'a>(&mut self, cells: &'a Cells<'_>, column: &str) -> Option<&'a str> {
        let value = cells.get(column);
        if value.is_empty() {
            self.problem(column, "must not be empty");
            None
        } else {
            Some(value)
        }
    }

    fn date(&mut self, cells: &Cells<'_>, column: &str, today: NaiveDate) -> Option<NaiveDate> {
        let value = self.required(cells, column)?;
        self.date_value(column, value, today)
    }

    fn optional_date(
        &mut self,
        cells: &Cells<'_>,
        column: &str,
        today: NaiveDate,
    ) -> Option<Option<NaiveDate>> {
        match cells.get(column) {
            "" => Some(None),
            value => self.date_value(column, value, today).map(Some),
        }
    }

    fn date_value(&mut self, column: &str, value: &str, today: NaiveDate) -> Option<NaiveDate> {
        let Some(day) = parse_date(value) else {
            self.problem(
                column,
                format!("{value:?} is not a date; write it as 2024-03-31 or 31/03/2024"),
            );
            return None;
        };
        if day > today {
            self.problem(column, format!("{day} is in the future (today is {today})"));
            return None;
        }
        Some(day)
    }

    fn choice<T: FromStr + IntoEnumIterator + std::fmt::Display>(
        &mut self,
        cells: &Cells<'_>,
        column: &str,
        normalise: fn(&str) -> String,
    ) -> Option<T> {
        let value = self.required(cells, column)?;
        T::from_str(&normalise(value)).ok().or_else(|| {
            let choices: Vec<String> = T::iter().map(|c| c.to_string()).collect();
            self.problem(
                column,
                format!("{value:?} is not one of {}", choices.join(", ")),
            );
            None
        })
    }
}

/// A day as `YYYY-MM-DD` or, as spreadsheets in England write it, `DD/MM/YYYY`.
fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y"))
        .ok()
}

fn age_on(date_of_birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut years = day.year() - date_of_birth.year();
    if (day.month(), day.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    years
}

fn snake(value: &str) -> String {
    value.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

fn upper(value: &str) -> String {
    value.trim().to_ascii_uppercase()
}

/// Checks every cell of a row, keeping every problem.
fn check_row(kind: ImportKind, row: u64, cells: &Cells<'_>, today: NaiveDate) -> FileRow {
    let mut c = Checker {
        row,
        problems: Vec::new(),
    };
    let reference = c.required(cells, "reference").and_then(|r| {
        if r.chars().count() > REFERENCE_MAX {
            c.problem(
                "reference",
                format!("must be at most {REFERENCE_MAX} characters"),
            );
            None
        } else {
            c.parsed("reference", text::one_line("reference", r))
                .map(str::to_owned)
        }
    });
    let given_name = c.parsed(
        "given_name",
        PersonName::parse("given_name", cells.get("given_name")),
    );
    let family_name = c.parsed(
        "family_name",
        PersonName::parse("family_name", cells.get("family_name")),
    );
    let date_of_birth = c.date(cells, "date_of_birth", today);
    let upn = match cells.get("upn") {
        "" => Some(None),
        value => c.parsed("upn", Upn::parse(value)).map(Some),
    };
    let authority_reference = match cells.get("authority_reference") {
        "" => Some(None),
        value => c
            .parsed("authority_reference", AuthorityReference::parse(value))
            .map(Some),
    };
    let nhs_number = match cells.get("nhs_number") {
        "" => Some(None),
        value => c.parsed("nhs_number", NhsNumber::parse(value)).map(Some),
    };
    let sex = match cells.get("sex") {
        "" => Some(None),
        value => match Sex::from_str(&upper(value)) {
            Ok(sex) => Some(Some(sex)),
            Err(_) => {
                c.problem("sex", format!("{value:?} is not M, F or U"));
                None
            }
        },
    };
    let setting_name = match cells.get("setting_name") {
        "" if kind == ImportKind::Plans => {
            c.problem(
                "setting_name",
                "must name the school or college the plan names",
            );
            None
        }
        "" => Some(None),
        value if value.chars().count() > SETTING_NAME_MAX => {
            c.problem(
                "setting_name",
                format!("must be at most {SETTING_NAME_MAX} characters"),
            );
            None
        }
        value => c
            .parsed("setting_name", text::one_line("setting_name", value))
            .map(|v| Some(v.to_owned())),
    };
    let setting_type: Option<SettingType> = c.choice(cells, "setting_type", snake);
    let primary_need: Option<NeedType> = c.choice(cells, "primary_need", upper);
    let requested_by: Option<RequestedBy> = c.choice(cells, "requested_by", snake);
    let officer_email = match cells.get("officer_email") {
        "" => Some(None),
        value => match Email::parse(value) {
            Ok(email) => Some(Some(email)),
            Err(_) => {
                c.problem(
                    "officer_email",
                    format!("{value:?} is not an e-mail address"),
                );
                None
            }
        },
    };

    // Dates in order: birth, request, plan, last review, today.
    let (received_on, plan, request) = match kind {
        ImportKind::Plans => {
            let issued = c.date(cells, "plan_issued_on", today);
            let received = c.optional_date(cells, "received_on", today);
            let reviewed = c.optional_date(cells, "last_reviewed_on", today);
            if let (Some(born), Some(issued)) = (date_of_birth, issued)
                && issued < born
            {
                c.problem(
                    "plan_issued_on",
                    format!("{issued} is before the child's date of birth ({born})"),
                );
            }
            if let (Some(born), Some(issued)) = (date_of_birth, issued)
                && age_on(born, issued) > OLDEST
            {
                c.problem(
                    "date_of_birth",
                    format!(
                        "the young person was {} when the plan was issued; EHC plans are for those up to {OLDEST}",
                        age_on(born, issued)
                    ),
                );
            }
            if let (Some(Some(received)), Some(issued)) = (received, issued)
                && received > issued
            {
                c.problem("received_on", "cannot be after the plan was issued");
            }
            if let (Some(Some(received)), Some(born)) = (received, date_of_birth)
                && received < born
            {
                c.problem("received_on", "cannot be before the child's date of birth");
            }
            if let (Some(Some(reviewed)), Some(issued)) = (reviewed, issued)
                && reviewed < issued
            {
                c.problem(
                    "last_reviewed_on",
                    format!("must fall between the plan's issue ({issued}) and today ({today})"),
                );
            }
            let plan = match (issued, reviewed) {
                (Some(issued), Some(reviewed)) => Some(PlanCells {
                    plan_issued_on: issued,
                    last_reviewed_on: reviewed,
                }),
                _ => None,
            };
            let received_on = match (received, issued) {
                (Some(Some(received)), _) => Some(received),
                (Some(None), Some(issued)) => Some(issued),
                _ => None,
            };
            (received_on, plan, None)
        }
        ImportKind::Requests => {
            let received = c.date(cells, "received_on", today);
            if let (Some(received), Some(born)) = (received, date_of_birth)
                && received < born
            {
                c.problem("received_on", "cannot be before the child's date of birth");
            }
            if let (Some(received), Some(born)) = (received, date_of_birth)
                && age_on(born, received) > OLDEST
            {
                c.problem(
                    "date_of_birth",
                    format!(
                        "the young person was {} when the request was received; EHC plans are for those up to {OLDEST}",
                        age_on(born, received)
                    ),
                );
            }
            let requester = c.required(cells, "requester").and_then(|r| {
                c.parsed("requester", text::one_line("requester", r))
                    .map(str::to_owned)
            });
            let summary = c.required(cells, "summary").and_then(|s| {
                c.parsed("summary", text::free_text("summary", s))
                    .map(str::to_owned)
            });
            let contact_email = match cells.get("contact_email") {
                "" => Some(None),
                value => match Email::parse(value) {
                    Ok(email) => Some(Some(email)),
                    Err(_) => {
                        c.problem(
                            "contact_email",
                            "must be an e-mail address, like name@example.org",
                        );
                        None
                    }
                },
            };
            let request = match (requester, summary, contact_email) {
                (Some(requester), Some(summary), Some(contact_email)) => Some(RequestCells {
                    requester,
                    summary,
                    contact_email,
                }),
                _ => None,
            };
            (received, None, request)
        }
    };
    if let (Some(RequestedBy::YoungPerson), Some(born), Some(received)) =
        (requested_by, date_of_birth, received_on)
        && age_on(born, received) < YOUNG_PERSON_FROM
    {
        c.problem(
            "requested_by",
            format!(
                "a young person is over compulsory school age; this child was {} when the request was received",
                age_on(born, received)
            ),
        );
    }

    let checked = match (
        c.problems.is_empty(),
        reference,
        given_name,
        family_name,
        date_of_birth,
        upn,
        authority_reference,
        nhs_number,
        sex,
        received_on,
        requested_by,
        setting_name,
        setting_type,
        primary_need,
        officer_email,
    ) {
        (
            true,
            Some(reference),
            Some(given_name),
            Some(family_name),
            Some(date_of_birth),
            Some(upn),
            Some(authority_reference),
            Some(nhs_number),
            Some(sex),
            Some(received_on),
            Some(requested_by),
            Some(setting_name),
            Some(setting_type),
            Some(primary_need),
            Some(_officer_email),
        ) if plan.is_some() == (kind == ImportKind::Plans)
            && request.is_some() == (kind == ImportKind::Requests) =>
        {
            Some(CheckedRow {
                reference,
                child: ChildCells {
                    given_name,
                    family_name,
                    date_of_birth,
                    upn,
                    authority_reference,
                    nhs_number,
                    sex,
                },
                received_on,
                requested_by,
                setting_name,
                setting_type,
                primary_need,
                plan,
                request,
            })
        }
        _ => None,
    };
    if checked.is_none() && c.problems.is_empty() {
        c.problem("(row)", "the row could not be checked");
    }
    FileRow {
        row,
        reference: Some(cells.get("reference").to_owned()).filter(|r| !r.is_empty()),
        officer_email: Email::parse(cells.get("officer_email")).ok(),
        checked,
        problems: c.problems,
    }
}

/// A reference repeated within the file: every row after the first that carries it is
/// refused, naming the row that first did.
fn duplicates(rows: &mut [FileRow]) {
    let mut first: HashMap<String, u64> = HashMap::new();
    for row in rows.iter_mut() {
        let Some(reference) = row.reference.clone() else {
            continue;
        };
        match first.get(&reference) {
            Some(&earlier) => {
                row.problems.push(Problem::new(
                    row.row,
                    "reference",
                    format!("{reference:?} is already on row {earlier} of this file"),
                ));
                row.checked = None;
            }
            None => {
                first.insert(reference, row.row);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_both_ways() {
        assert_eq!(
            parse_date("2024-03-31"),
            NaiveDate::from_ymd_opt(2024, 3, 31)
        );
        assert_eq!(
            parse_date("31/03/2024"),
            NaiveDate::from_ymd_opt(2024, 3, 31)
        );
        assert_eq!(parse_date("31/02/2024"), None);
        assert_eq!(parse_date("March 2024"), None);
    }
}
