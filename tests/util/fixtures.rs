//! Builders for valid domain values, so each test states only what it cares about.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sendpanel_core::domain::{
    AssessmentRequest, Authority, AuthorityId, Case, CaseStage, Child, ChildId, Email, LaNumber,
    NeedType, NhsNumber, PasswordHash, PersonName, RequestId, RequestedBy, SettingType, Upn, User,
    UserId, UserRole,
};
use sendpanel_core::notify::LetterBook;
use sendpanel_core::store::{AuthorityScope, Database};

/// A fixed instant with whole microseconds, as both databases keep.
pub fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A calendar date.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The shipped letter templates every authority shares (`config/letters`).
pub fn shared_letters_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/letters")
}

/// The shipped authorities' folders (`config/authorities`), each with the letter
/// templates that authority words differently from the shared ones.
pub fn authorities_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/authorities")
}

/// The shipped letters of `codes`, as `serve` loads them: the shared set with each
/// authority's own templates in place of the shared ones of the same name.
pub fn shipped_letters(codes: &[&str]) -> anyhow::Result<LetterBook> {
    let ids = codes
        .iter()
        .map(|code| AuthorityId::parse(code))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LetterBook::load(
        shared_letters_dir(),
        authorities_dir(),
        &ids,
    )?)
}

/// Registers an authority and returns its scope.
pub fn authority(db: &Database, code: &str, la_number: u16) -> anyhow::Result<AuthorityScope> {
    let id = AuthorityId::parse(code)?;
    db.write(|tx| {
        tx.insert_authority(
            &Authority {
                id: id.clone(),
                name: format!("{code} council"),
                la_number: LaNumber::new(la_number)
                    .map_err(|e| sendpanel_core::store::StoreError::Refused(e.to_string()))?,
            },
            at(1, 9),
        )
    })?;
    Ok(AuthorityScope::new(id))
}

/// A UPN with a valid check letter for `la_number` and `serial`.
pub fn upn(la_number: u16, serial: u16) -> Upn {
    let digits = format!("{la_number:03}1234{:02}{serial:03}", 26);
    let sum: u32 = digits
        .bytes()
        .zip(2u32..)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let letters = b"ABCDEFGHJKLMNPQRTUVWXYZ";
    let check = letters.get((sum % 23) as usize).copied().unwrap_or(b'A') as char;
    Upn::parse(&format!("{check}{digits}")).unwrap_or_else(|e| panic!("fixture UPN: {e}"))
}

/// A user of the scope's authority, stored.
pub fn user(
    db: &Database,
    scope: &AuthorityScope,
    email: &str,
    role: UserRole,
) -> anyhow::Result<User> {
    let user = User {
        id: UserId::new(),
        authority_id: scope.authority().clone(),
        email: Email::parse(email)?,
        display_name: "Test User".into(),
        role,
    };
    let hash =
        PasswordHash::from_stored("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into());
    db.write(|tx| tx.insert_user(scope, &user, &hash, at(1, 10)))?;
    Ok(user)
}

/// A child, request and case for the scope's authority, built but not stored.
pub fn case_parts(scope: &AuthorityScope, serial: u16) -> (Child, AssessmentRequest, Case) {
    let authority_id = scope.authority().clone();
    let child = Child {
        id: ChildId::new(),
        authority_id: authority_id.clone(),
        given_name: PersonName::parse("given_name", "Amara").unwrap_or_else(|e| panic!("{e}")),
        family_name: PersonName::parse("family_name", "Okafor").unwrap_or_else(|e| panic!("{e}")),
        date_of_birth: date(2018, 2, 28),
        upn: Some(upn(880, serial)),
        nhs_number: Some(NhsNumber::parse("9434765919").unwrap_or_else(|e| panic!("{e}"))),
        authority_reference: None,
        sex: None,
        ethnicity: None,
        postcode: None,
    };
    let request = AssessmentRequest {
        id: RequestId::new(),
        authority_id: authority_id.clone(),
        child_id: child.id,
        received_on: date(2026, 10, 5),
        requested_by: RequestedBy::Setting,
        requester: "SENCO, Harbourside Primary".into(),
        setting_type: SettingType::Mainstream,
        primary_need: NeedType::Slcn,
        summary: "Three APDR cycles with SALT input; progress remains limited.".into(),
        logged_at: at(5, 11),
        contact_email: None,
    };
    let case = Case::opened(
        authority_id,
        child.id,
        request.id,
        CaseStage::RequestReceived,
        at(5, 11),
    );
    (child, request, case)
}

/// Stores a child, request and case in one transaction.
pub fn stored_case(
    db: &Database,
    scope: &AuthorityScope,
    serial: u16,
) -> anyhow::Result<(Child, AssessmentRequest, Case)> {
    let (child, request, case) = case_parts(scope, serial);
    db.write(|tx| {
        tx.insert_child(scope, &child, at(5, 11))?;
        tx.insert_request(scope, &request)?;
        tx.insert_case(scope, &case)
    })?;
    Ok((child, request, case))
}
