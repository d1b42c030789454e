//! Form fields as the case steps' forms draw them, and the typed-in values read back.
//!
//! Each field's `id` is prefixed with its step's name (`decision-to-assess-reasons`),
//! so ids stay unique and an error summary's link names the step, while its `name` is
//! what the handler reads (`reasons`). Every field gives the template the same keys, since strict mode
//! refuses a missing one. [`Reader`] turns what was typed into values, collecting an
//! error per field so the error summary can list them all at once.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::de::{DeserializeOwned, IntoDeserializer, value::StrDeserializer};
use serde_json::{Value, json};

use super::work::{with, words};

/// What a field is drawn as.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A one-line input; the GOV.UK width class.
    Text(&'static str),
    /// A multi-line input.
    Textarea,
    /// Day, month and year boxes, named `<name>-day` and so on.
    Date,
    /// One choice of a few, as (value, label).
    Radios(Vec<(String, String)>),
    /// One choice of many, as (value, label).
    Select(Vec<(String, String)>),
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name the handler reads.
    pub name: String,
    /// The visible label (or legend, for dates and radios).
    pub label: String,
    /// Help below the label.
    pub hint: Option<String>,
    /// How it is drawn.
    pub kind: Kind,
    /// What it holds before anything is typed (a date as `d/m/yyyy` parts).
    pub default: String,
}

impl Field {
    /// A field with no hint and no default.
    pub fn new(name: impl Into<String>, label: impl Into<String>, kind: Kind) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            hint: None,
            kind,
            default: String::new(),
        }
    }

    /// The same field, with help below its label.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same field, filled in before anything is typed.
    pub fn default(mut self, value: impl Into<String>) -> Self {
        self.default = value.into();
        self
    }

    /// The same date field, filled in with `day`.
    pub fn on(self, day: NaiveDate) -> Self {
        self.default(day.format("%-d/%-m/%Y").to_string())
    }

    /// The element an error about this field links to: a date's day box, a radio
    /// group's first option, otherwise the input itself.
    pub fn anchor(&self, form: &str) -> String {
        match self.kind {
            Kind::Date => format!("{form}-{}-day", self.name),
            Kind::Radios(_) => format!("{form}-{}-1", self.name),
            _ => format!("{form}-{}", self.name),
        }
    }

    /// The field for the template: what was typed (or the default) and its error.
    pub fn to_json(
        &self,
        form: &str,
        typed: Option<&HashMap<String, String>>,
        error: Option<&str>,
    ) -> Value {
        let value_of = |name: &str| -> String {
            match typed {
                Some(typed) => typed.get(name).map_or("", |v| v.trim()).to_owned(),
                None => String::new(),
            }
        };
        let value = match typed {
            Some(_) => value_of(&self.name),
            None => self.default.clone(),
        };
        let (day, month, year) = match (&self.kind, typed) {
            (Kind::Date, Some(_)) => (
                value_of(&format!("{}-day", self.name)),
                value_of(&format!("{}-month", self.name)),
                value_of(&format!("{}-year", self.name)),
            ),
            (Kind::Date, None) => {
                let mut parts = self.default.split('/').map(str::to_owned);
                (
                    parts.next().unwrap_or_default(),
                    parts.next().unwrap_or_default(),
                    parts.next().unwrap_or_default(),
                )
            }
            _ => (String::new(), String::new(), String::new()),
        };
        let id = format!("{form}-{}", self.name);
        let options: Vec<Value> = match &self.kind {
            Kind::Radios(options) | Kind::Select(options) => options
                .iter()
                .enumerate()
                .map(|(i, (code, label))| {
                    json!({
                        "id": format!("{id}-{}", i + 1),
                        "value": code,
                        "label": label,
                        "checked": *code == value,
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        let field = json!({
            "id": id,
            "name": self.name,
            "label": self.label,
            "hint": self.hint,
            "error": error,
            "value": value,
            "day": day,
            "month": month,
            "year": year,
            "width": match self.kind { Kind::Text(width) => width, _ => "" },
            "is_text": matches!(self.kind, Kind::Text(_)),
            "is_textarea": matches!(self.kind, Kind::Textarea),
            "is_date": matches!(self.kind, Kind::Date),
            "is_radios": matches!(self.kind, Kind::Radios(_)),
            "is_select": matches!(self.kind, Kind::Select(_)),
        });
        with(field, "options", Value::Array(options))
    }
}

/// Options from codes, labelled in words (`do_not_issue` as "Do not issue").
pub fn options(codes: &[&str]) -> Vec<(String, String)> {
    codes
        .iter()
        .map(|code| ((*code).to_owned(), words(code)))
        .collect()
}

/// A field that broke a rule: which, and what to say in the summary and beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// The message.
    pub message: String,
}

/// Reads a submitted form, collecting an error per field.
pub struct Reader<'a> {
    form: &'a HashMap<String, String>,
    /// Every error so far, in the order the fields were read.
    pub errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    /// A reader of `form`.
    pub fn new(form: &'a HashMap<String, String>) -> Self {
        Self {
            form,
            errors: Vec::new(),
        }
    }

    /// Records an error on `field`.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// The field as typed, trimmed; empty when absent.
    pub fn text(&self, field: &str) -> &'a str {
        self.form.get(field).map_or("", |v| v.trim())
    }

    /// The field as typed, or `None` when left empty.
    pub fn optional(&self, field: &str) -> Option<String> {
        Some(self.text(field).to_owned()).filter(|v| !v.is_empty())
    }

    /// Whether every one of `fields` (dates by their three boxes) was left empty.
    pub fn blank(&self, fields: &[&str]) -> bool {
        fields.iter().all(|f| {
            self.text(f).is_empty()
                && ["day", "month", "year"]
                    .iter()
                    .all(|part| self.text(&format!("{f}-{part}")).is_empty())
        })
    }

    /// A date from its three boxes; `None` (with no error) when all three are empty.
    pub fn optional_date(&mut self, field: &str, label: &str) -> Option<NaiveDate> {
        let part = |name: &str| self.text(&format!("{field}-{name}"));
        let (day, month, year) = (part("day"), part("month"), part("year"));
        if day.is_empty() && month.is_empty() && year.is_empty() {
            return None;
        }
        let parsed = match (day.parse(), month.parse(), year.parse()) {
            // The year box takes four digits.
            (Ok(d), Ok(m), Ok(y)) if (1900..=9999).contains(&y) => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        };
        if parsed.is_none() {
            self.fail(field, format!("{label} must be a real date"));
        }
        parsed
    }

    /// A date that must be given.
    pub fn date(&mut self, field: &str, label: &str) -> Option<NaiveDate> {
        let before = self.errors.len();
        let parsed = self.optional_date(field, label);
        if parsed.is_none() && self.errors.len() == before {
            self.fail(field, format!("Enter {}", label.to_lowercase()));
        }
        parsed
    }

    /// One of a set of choices, read with the core type's own names (`assess`,
    /// `do_not_issue`), so the page never keeps a second list of what is allowed.
    pub fn choice<T: DeserializeOwned>(&mut self, field: &str, message: &str) -> Option<T> {
        let typed = self.text(field);
        let deserializer: StrDeserializer<'_, serde::de::value::Error> = typed.into_deserializer();
        let parsed = if typed.is_empty() {
            None
        } else {
            T::deserialize(deserializer).ok()
        };
        if parsed.is_none() {
            self.fail(field, message);
        }
        parsed
    }

    /// A whole number of type `T` (its range checked by parsing), or an error naming
    /// the field; `None` when empty.
    pub fn optional_number<T>(&mut self, field: &str, label: &str) -> Option<T>
    where
        T: std::str::FromStr,
    {
        let typed = self.text(field);
        if typed.is_empty() {
            return None;
        }
        let parsed = typed.parse().ok();
        if parsed.is_none() {
            self.fail(field, format!("{label} must be a whole number"));
        }
        parsed
    }

    /// Money typed as pounds (`£1,250.50`, `300`), in pence; `None` when empty.
    pub fn optional_pence(&mut self, field: &str, label: &str) -> Option<i64> {
        let typed = self.text(field);
        if typed.is_empty() {
            return None;
        }
        let parsed = pence(typed);
        if parsed.is_none() {
            self.fail(
                field,
                format!("{label} must be an amount in pounds, like 1250.50"),
            );
        }
        parsed
    }
}

/// `£1,250.5` as 125050 pence; `None` unless it is pounds with at most two decimals.
pub fn pence(typed: &str) -> Option<i64> {
    let cleaned: String = typed
        .trim()
        .trim_start_matches('£')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (pounds, pennies) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if pounds.is_empty() || !pounds.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if pennies.len() > 2 || !pennies.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let pounds: i64 = pounds.parse().ok()?;
    let pennies: i64 = match pennies.len() {
        0 => 0,
        1 => pennies.parse::<i64>().ok()? * 10,
        _ => pennies.parse().ok()?,
    };
    pounds.checked_mul(100)?.checked_add(pennies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_become_pence() {
        assert_eq!(pence("£1,250.50"), Some(125_050));
        assert_eq!(pence("300"), Some(30_000));
        assert_eq!(pence("2.5"), Some(250));
        assert_eq!(pence("2.555"), None);
        assert_eq!(pence("-3"), None);
        assert_eq!(pence("£"), None);
    }

    #[test]
    fn choices_use_the_core_types_names() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Pick {
            DoNotIssue,
        }
        let form: HashMap<String, String> = [("pick".to_owned(), "do_not_issue".to_owned())].into();
        let mut reader = Reader::new(&form);
        assert_eq!(
            reader.choice::<Pick>("pick", "Select one"),
            Some(Pick::DoNotIssue)
        );
        assert_eq!(reader.choice::<Pick>("other", "Select one"), None);
        assert_eq!(reader.errors.len(), 1);
    }

    #[test]
    fn dates_are_required_or_real() {
        let form: HashMap<String, String> = [
            ("a-day".to_owned(), "31".to_owned()),
            ("a-month".to_owned(), "2".to_owned()),
            ("a-year".to_owned(), "2026".to_owned()),
        ]
        .into();
        let mut reader = Reader::new(&form);
        assert_eq!(reader.date("a", "Date decided"), None);
        assert_eq!(reader.date("b", "Date decided"), None);
        assert_eq!(reader.optional_date("c", "Date decided"), None);
        let messages: Vec<&str> = reader.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            ["Date decided must be a real date", "Enter date decided"]
        );
    }
}
