//! Children and young people, and the identifiers that tie them to school and NHS records.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AuthorityId, ChildId, DomainError};

/// The letters a UPN check character may take: A to Z without I, O and S, indexed by the
/// weighted sum modulo 23 (DfE, "Unique pupil numbers (UPN)", annex on the check letter).
const UPN_CHECK_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A Unique Pupil Number: a check letter and twelve digits (LA number, establishment
/// number, year, serial). Checked on construction so a mistyped UPN is caught at intake,
/// not when the SEN2 return bounces in January.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Upn(String);

impl Upn {
    /// Parses a permanent UPN, checking its length, digits and check letter.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let value = value.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        let (Some(&check), Some(digits)) = (bytes.first(), bytes.get(1..)) else {
            return Err(Self::shape_error());
        };
        if bytes.len() != 13 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(Self::shape_error());
        }
        let sum: u32 = digits
            .iter()
            .zip(2u32..)
            .map(|(d, weight)| u32::from(d - b'0') * weight)
            .sum();
        let expected = UPN_CHECK_LETTERS
            .get((sum % 23) as usize)
            .copied()
            .unwrap_or(b'?');
        if check != expected {
            return Err(DomainError::invalid(
                "upn",
                format!(
                    "the check letter does not match the digits (expected {}); please check the UPN was copied correctly",
                    expected as char
                ),
            ));
        }
        Ok(Self(value))
    }

    fn shape_error() -> DomainError {
        DomainError::invalid(
            "upn",
            "must be 13 characters: a letter followed by 12 digits, for example A880123426001",
        )
    }

    /// The UPN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Upn {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Upn> for String {
    fn from(value: Upn) -> Self {
        value.0
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An NHS number: ten digits, the last a modulus-11 check digit (NHS Data Dictionary).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Parses an NHS number, ignoring spaces, and checks its check digit.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = digits.as_bytes();
        if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(DomainError::invalid(
                "nhs_number",
                "must be 10 digits, for example 943 476 5919",
            ));
        }
        let sum: u32 = bytes
            .iter()
            .take(9)
            .zip((2u32..=10).rev())
            .map(|(d, weight)| u32::from(d - b'0') * weight)
            .sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            n => n,
        };
        let last = bytes.last().map(|d| u32::from(d - b'0'));
        if check == 10 || last != Some(check) {
            return Err(DomainError::invalid(
                "nhs_number",
                "the check digit does not match; please check the number was copied correctly",
            ));
        }
        Ok(Self(digits))
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.0
    }
}

/// A person's name as written on letters: never empty, never absurdly long.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Trims the name and checks it is 1 to 100 characters on one line, with no
    /// control characters ([`super::text::one_line`]).
    pub fn parse(field: &'static str, value: &str) -> Result<Self, DomainError> {
        let value = super::text::one_line(field, value.trim())?;
        if value.is_empty() || value.chars().count() > 100 {
            return Err(DomainError::invalid(field, "must be 1 to 100 characters"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A child or young person (0 to 25) known to the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Child {
    /// The child's id.
    pub id: ChildId,
    /// The authority responsible for the child.
    pub authority_id: AuthorityId,
    /// Given name.
    pub given_name: PersonName,
    /// Family name.
    pub family_name: PersonName,
    /// Date of birth; with the request date it gives age and national curriculum year.
    pub date_of_birth: NaiveDate,
    /// Unique Pupil Number, when the child has one: under-5s not yet at school,
    /// post-16 learners, home-educated children and those new to England may not.
    pub upn: Option<Upn>,
    /// NHS number, when health services have shared it.
    pub nhs_number: Option<NhsNumber>,
    /// The authority's own reference for the child: with the name and date of birth,
    /// what tells a child without a UPN apart.
    pub authority_reference: Option<AuthorityReference>,
    /// Sex as recorded for the SEN2 return (module 1), when known.
    pub sex: Option<Sex>,
    /// Ethnicity as recorded for the SEN2 return (module 1), when known.
    pub ethnicity: Option<EthnicityCode>,
    /// Home postcode as recorded for the SEN2 return (module 1), when known.
    pub postcode: Option<Postcode>,
}

impl Child {
    /// "Given Family", as caseworkers know the child.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name.as_str(), self.family_name.as_str())
    }
}

/// The authority's own reference for a child (from its education or social care
/// system): 1 to 40 letters, digits, `-`, `/` or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AuthorityReference(String);

impl AuthorityReference {
    /// Trims the reference and checks its length and characters.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let value = value.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_');
        if value.is_empty() || value.len() > 40 || !value.chars().all(allowed) {
            return Err(DomainError::invalid(
                "authority_reference",
                "must be 1 to 40 letters, digits, '-', '/' or '_'",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AuthorityReference {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AuthorityReference> for String {
    fn from(value: AuthorityReference) -> Self {
        value.0
    }
}

impl fmt::Display for AuthorityReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sex as the DfE's common basic data set codes it for school and SEN2 returns: `M`,
/// `F`, or `U` when not known.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
)]
pub enum Sex {
    /// Male.
    #[strum(serialize = "M")]
    #[serde(rename = "M")]
    Male,
    /// Female.
    #[strum(serialize = "F")]
    #[serde(rename = "F")]
    Female,
    /// Not known.
    #[strum(serialize = "U")]
    #[serde(rename = "U")]
    Unknown,
}

/// An ethnicity code of the DfE's common basic data set (four capital letters, such as
/// `WBRI` or `REFU` for refused). The shape is checked here; the SEN2 return checks the
/// code against the year's code list, which the DfE publishes as data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EthnicityCode(String);

impl EthnicityCode {
    /// Upper-cases the code and checks it is four letters.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let value = value.trim().to_ascii_uppercase();
        if value.len() != 4 || !value.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(DomainError::invalid(
                "ethnicity",
                "must be a four-letter code from the DfE's list, for example WBRI",
            ));
        }
        Ok(Self(value))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EthnicityCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EthnicityCode> for String {
    fn from(value: EthnicityCode) -> Self {
        value.0
    }
}

/// A UK postcode, upper-cased with one space before the inward code (`TQ1 3DR`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

impl Postcode {
    /// Checks the postcode's shape: an outward code of 2 to 4 characters starting with a
    /// letter, then a digit and two letters.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let compact: String = value
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let bad = || DomainError::invalid("postcode", "must be a UK postcode, for example TQ1 3DR");
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(bad());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok = inward.chars().enumerate().all(|(i, c)| {
            if i == 0 {
                c.is_ascii_digit()
            } else {
                c.is_ascii_uppercase()
            }
        });
        let outward_ok = outward.starts_with(|c: char| c.is_ascii_uppercase())
            && outward.chars().all(|c| c.is_ascii_alphanumeric());
        if !inward_ok || !outward_ok {
            return Err(bad());
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    /// The postcode.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Postcode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Postcode> for String {
    fn from(value: Postcode) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upn_accepts_a_correct_check_letter_and_names_the_expected_one_otherwise() {
        // 8*2+8*3+0*4+1*5+2*6+3*7+4*8+2*9+6*10+0*11+0*12+1*13 = 201; 201 % 23 = 17 -> 'U'.
        let upn = Upn::parse("u880123426001").unwrap();
        assert_eq!(upn.as_str(), "U880123426001");
        let err = Upn::parse("A880123426001").unwrap_err();
        assert_eq!(err.field(), "upn");
        assert!(err.to_string().contains("expected U"), "{err}");
    }

    #[test]
    fn upn_refuses_wrong_shapes() {
        for bad in [
            "",
            "U88012342600",
            "U8801234260011",
            "U88012342600X",
            "1880123426001",
        ] {
            assert!(Upn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nhs_number_checks_the_modulus_11_digit() {
        // The NHS Data Dictionary's worked example.
        assert_eq!(
            NhsNumber::parse("943 476 5919").unwrap().as_str(),
            "9434765919"
        );
        assert!(NhsNumber::parse("9434765918").is_err());
        assert!(NhsNumber::parse("94347659").is_err());
        let err = NhsNumber::parse("abc").unwrap_err();
        assert_eq!(err.field(), "nhs_number");
    }

    #[test]
    fn postcodes_are_normalised_and_checked() {
        assert_eq!(Postcode::parse("tq13dr").unwrap().as_str(), "TQ1 3DR");
        assert_eq!(Postcode::parse("SW1A 1AA").unwrap().as_str(), "SW1A 1AA");
        for bad in ["", "TQ1", "1Q1 3DR", "TQ1 DDR", "TQ1 3D1"] {
            assert_eq!(
                Postcode::parse(bad).unwrap_err().field(),
                "postcode",
                "{bad}"
            );
        }
    }

    #[test]
    fn ethnicity_and_references_are_checked_for_shape() {
        assert_eq!(EthnicityCode::parse("wbri").unwrap().as_str(), "WBRI");
        assert!(EthnicityCode::parse("WB").is_err());
        assert!(AuthorityReference::parse("TOR/2019-044").is_ok());
        assert_eq!(
            AuthorityReference::parse("a b").unwrap_err().field(),
            "authority_reference"
        );
    }

    #[test]
    fn names_are_trimmed_and_never_empty() {
        assert_eq!(
            PersonName::parse("given_name", "  Amara ")
                .unwrap()
                .as_str(),
            "Amara"
        );
        assert!(PersonName::parse("given_name", "   ").is_err());
    }
}
