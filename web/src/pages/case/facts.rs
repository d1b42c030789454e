//! The facts a policy plugin is asked about, as a caseworker types them in.
//!
//! The plugin contract (`plugins/wit/policy.wit`, `request-facts`) wants more than the
//! request records: levels of need by area, the cycles of SEN support tried, the
//! professionals involved, attainment, attendance and, for under-fives, developmental
//! screening. What the record already holds (the day received, who asked, the setting,
//! the child's age from the date of birth) is taken from the case, never retyped. A
//! fixed number of rows is offered for each list, and blank rows are skipped, so the
//! form works without JavaScript. Evidence is named by the ids of documents on the
//! case, separated by commas; a plugin may cite only those.

use chrono::NaiveDate;
use sendpanel_core::domain::{Evidence, RequestedBy, SettingType as RequestSetting};
use sendpanel_core::policy::age_on;
use sendpanel_core::policy::contract::{
    AreaOfNeed, AsqBand, AsqDomain, AsqScore, Attainment, BandRequest, CycleOutcome, Date,
    Involvement, Need, NeedLevel, PlacementPeriod, Professional, RequestFacts, Requester,
    SettingType, SupportCycle,
};
use sendpanel_core::workflow::CaseView;

use crate::pages::fields::{Field, Kind, Reader};

/// Rows offered for support cycles and professionals, and for attainment.
const CYCLE_ROWS: usize = 3;
const PROFESSIONAL_ROWS: usize = 3;
const ATTAINMENT_ROWS: usize = 2;

const AREAS: [(&str, AreaOfNeed, &str); 4] = [
    (
        "cognition",
        AreaOfNeed::CognitionAndLearning,
        "Cognition and learning",
    ),
    (
        "communication",
        AreaOfNeed::CommunicationAndInteraction,
        "Communication and interaction",
    ),
    (
        "semh",
        AreaOfNeed::SocialEmotionalAndMentalHealth,
        "Social, emotional and mental health",
    ),
    (
        "sensory",
        AreaOfNeed::SensoryAndPhysical,
        "Sensory and/or physical",
    ),
];

const LEVELS: [(&str, NeedLevel); 6] = [
    ("universal", NeedLevel::Universal),
    ("emerging", NeedLevel::Emerging),
    ("moderate", NeedLevel::Moderate),
    ("significant", NeedLevel::Significant),
    ("severe", NeedLevel::Severe),
    ("profound", NeedLevel::Profound),
];

const OUTCOMES: [(&str, CycleOutcome, &str); 4] = [
    ("good", CycleOutcome::GoodProgress, "Good progress"),
    ("some", CycleOutcome::SomeProgress, "Some progress"),
    (
        "little",
        CycleOutcome::LittleOrNoProgress,
        "Little or no progress",
    ),
    ("ongoing", CycleOutcome::Ongoing, "Ongoing"),
];

const PROFESSIONALS: [(&str, Professional, &str); 13] = [
    (
        "ep",
        Professional::EducationalPsychologist,
        "Educational psychologist",
    ),
    (
        "salt",
        Professional::SpeechAndLanguageTherapist,
        "Speech and language therapist",
    ),
    (
        "ot",
        Professional::OccupationalTherapist,
        "Occupational therapist",
    ),
    ("physio", Professional::Physiotherapist, "Physiotherapist"),
    ("camhs", Professional::Camhs, "CAMHS"),
    (
        "paediatrician",
        Professional::Paediatrician,
        "Paediatrician",
    ),
    ("social_care", Professional::SocialCare, "Social care"),
    (
        "specialist_teacher",
        Professional::SpecialistTeacher,
        "Specialist teacher",
    ),
    ("tod", Professional::TeacherOfTheDeaf, "Teacher of the deaf"),
    (
        "qtvi",
        Professional::QualifiedTeacherOfVisionImpairment,
        "Qualified teacher of vision impairment",
    ),
    ("early_help", Professional::EarlyHelp, "Early help"),
    (
        "virtual_school",
        Professional::VirtualSchool,
        "Virtual school",
    ),
    ("other", Professional::Other, "Other"),
];

const ASQ: [(&str, AsqDomain, &str); 5] = [
    ("communication", AsqDomain::Communication, "Communication"),
    ("gross_motor", AsqDomain::GrossMotor, "Gross motor"),
    ("fine_motor", AsqDomain::FineMotor, "Fine motor"),
    (
        "problem_solving",
        AsqDomain::ProblemSolving,
        "Problem solving",
    ),
    (
        "personal_social",
        AsqDomain::PersonalSocial,
        "Personal-social",
    ),
];

const BANDS: [(&str, AsqBand, &str); 3] = [
    ("above", AsqBand::AboveCutoff, "Above the cutoff"),
    ("monitoring", AsqBand::MonitoringZone, "Monitoring zone"),
    ("below", AsqBand::BelowCutoff, "Below the cutoff"),
];

const SETTINGS: [(&str, SettingType, &str); 7] = [
    ("early_years", SettingType::EarlyYears, "Early years"),
    ("mainstream", SettingType::Mainstream, "Mainstream"),
    (
        "resourced_provision",
        SettingType::ResourcedProvision,
        "Resourced provision",
    ),
    ("special", SettingType::Special, "Special"),
    ("independent", SettingType::Independent, "Independent"),
    ("post16", SettingType::Post16, "Post-16"),
    (
        "elective_home_education",
        SettingType::ElectiveHomeEducation,
        "Elective home education",
    ),
];

/// A group of fields under one legend (`None`: no fieldset).
pub type Group = (Option<String>, Vec<Field>);

fn pairs<T>(list: &[(&str, T, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(code, _, label)| ((*code).to_owned(), (*label).to_owned()))
        .collect()
}

fn levels() -> Vec<(String, String)> {
    LEVELS
        .iter()
        .map(|(code, _)| ((*code).to_owned(), crate::pages::work::words(code)))
        .collect()
}

fn lookup<T: Copy>(list: &[(&str, T, &str)], code: &str) -> Option<T> {
    list.iter().find(|(c, _, _)| *c == code).map(|(_, v, _)| *v)
}

fn evidence_field(name: String, documents: &str) -> Field {
    Field::new(
        name,
        "Evidence (optional)",
        Kind::Text("govuk-input--width-20"),
    )
    .hint(documents)
}

/// The evidence boxes' hint: the case's documents by file name and id, the ids a
/// caseworker may cite (advice citing any other is refused).
fn documents_hint(documents: &[Evidence]) -> String {
    let listed: Vec<String> = documents
        .iter()
        .filter(|d| d.removed_at.is_none())
        .map(|d| format!("{} ({})", d.file_name, d.id))
        .collect();
    if listed.is_empty() {
        "Ids of documents on the case, separated by commas. The case has none yet: add them on the case page first".to_owned()
    } else {
        format!(
            "Ids of documents on the case, separated by commas. On this case: {}",
            listed.join("; ")
        )
    }
}

/// The facts' fields, in page order, grouped under legends. `today` fills the
/// as-at date; `documents` (the case's) are listed beside each evidence box.
pub fn facts_fields(today: NaiveDate, documents: &[Evidence]) -> Vec<Group> {
    let documents = documents_hint(documents);
    let mut groups: Vec<Group> = vec![(
        None,
        vec![
            Field::new("as_at", "Advice as at", Kind::Date)
                .hint("The plugin in force on this day advises")
                .on(today),
            Field::new(
                "nc_year",
                "National curriculum year",
                Kind::Select(nc_years()),
            ),
        ],
    )];
    let mut needs = Vec::new();
    for (code, _, label) in AREAS {
        needs.push(
            Field::new(
                format!("need-{code}-level"),
                label.to_owned(),
                Kind::Select(levels()),
            )
            .hint("Leave as Choose if this is not an area of need"),
        );
        needs.push(evidence_field(format!("need-{code}-evidence"), &documents));
    }
    groups.push((Some("Needs, by area".to_owned()), needs));
    for n in 1..=CYCLE_ROWS {
        groups.push((
            Some(format!("SEN support cycle {n} (optional)")),
            vec![
                Field::new(
                    format!("cycle{n}-area"),
                    "Area of need",
                    Kind::Select(pairs(&AREAS)),
                ),
                Field::new(format!("cycle{n}-started"), "Started", Kind::Date),
                Field::new(format!("cycle{n}-ended"), "Ended (optional)", Kind::Date),
                Field::new(
                    format!("cycle{n}-outcome"),
                    "Outcome",
                    Kind::Select(pairs(&OUTCOMES)),
                ),
                Field::new(
                    format!("cycle{n}-cost"),
                    "Cost of the extra support, in pounds",
                    Kind::Text("govuk-input--width-10"),
                ),
                evidence_field(format!("cycle{n}-evidence"), &documents),
            ],
        ));
    }
    for n in 1..=PROFESSIONAL_ROWS {
        groups.push((
            Some(format!("Professional involved {n} (optional)")),
            vec![
                Field::new(
                    format!("professional{n}-who"),
                    "Professional",
                    Kind::Select(pairs(&PROFESSIONALS)),
                ),
                Field::new(
                    format!("professional{n}-started"),
                    "Involved since",
                    Kind::Date,
                ),
                Field::new(
                    format!("professional{n}-last_contact"),
                    "Latest report or contact (optional)",
                    Kind::Date,
                ),
                evidence_field(format!("professional{n}-evidence"), &documents),
            ],
        ));
    }
    for n in 1..=ATTAINMENT_ROWS {
        groups.push((
            Some(format!("Attainment {n} (optional)")),
            vec![
                Field::new(
                    format!("attainment{n}-subject"),
                    "Subject",
                    Kind::Text("govuk-input--width-20"),
                ),
                Field::new(
                    format!("attainment{n}-months_behind"),
                    "Months behind age-related expectations",
                    Kind::Text("govuk-input--width-4"),
                )
                .hint("A negative number when ahead"),
            ],
        ));
    }
    groups.push((
        None,
        vec![Field::new(
            "attendance_percent",
            "Attendance this year, per cent (optional)",
            Kind::Text("govuk-input--width-4"),
        )],
    ));
    let mut screening = Vec::new();
    for (code, _, label) in ASQ {
        screening.push(Field::new(
            format!("asq-{code}-score"),
            format!("{label} score"),
            Kind::Text("govuk-input--width-4"),
        ));
        screening.push(Field::new(
            format!("asq-{code}-band"),
            format!("{label} band"),
            Kind::Select(pairs(&BANDS)),
        ));
    }
    groups.push((
        Some("ASQ-3 screening, for under-fives (optional)".to_owned()),
        screening,
    ));
    groups
}

/// The extra fields banding asks for, before the facts.
pub fn banding_fields() -> Vec<Group> {
    vec![(
        Some("The placement".to_owned()),
        vec![
            Field::new(
                "placement",
                "Type of placement",
                Kind::Select(pairs(&SETTINGS)),
            ),
            Field::new(
                "place_type",
                "Place type, as the authority names it",
                Kind::Text("govuk-input--width-20"),
            )
            .hint("For example, ASC special or SEMH"),
            Field::new(
                "support_hours",
                "Hours of additional support a week (optional)",
                Kind::Text("govuk-input--width-4"),
            )
            .hint("For example, 12.5"),
            Field::new("period-starts", "Placement starts (optional)", Kind::Date),
            Field::new("period-ends", "Placement ends (optional)", Kind::Date),
        ],
    )]
}

fn nc_years() -> Vec<(String, String)> {
    (-2..=14)
        .map(|year: i8| {
            let label = match year {
                -2 => "Nursery, age 2".to_owned(),
                -1 => "Nursery, age 3".to_owned(),
                0 => "Reception".to_owned(),
                n => format!("Year {n}"),
            };
            (year.to_string(), label)
        })
        .collect()
}

fn evidence(reader: &Reader<'_>, field: &str) -> Vec<String> {
    reader
        .text(field)
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The form's field for a path in the facts sent (`needs[1].evidence[0]`, or under
/// `facts.` for banding), so a refusal the core names by that path is shown beside
/// the box it was typed in. Blank rows are skipped when the facts are read, so the
/// `i`th need is the `i`th area given a level and the `i`th cycle or professional the
/// `i`th row filled in. `None` for a path the form has no box for.
pub fn form_field(path: &str, typed: &std::collections::HashMap<String, String>) -> Option<String> {
    let reader = Reader::new(typed);
    let path = path.strip_prefix("facts.").unwrap_or(path);
    let (list, rest) = path.split_once('[')?;
    let (index, rest) = rest.split_once(']')?;
    let index: usize = index.parse().ok()?;
    let leaf = rest.strip_prefix('.')?.split('[').next()?;
    if leaf != "evidence" {
        return None;
    }
    let filled = |prefix: &str, rows: usize, parts: &[&str]| {
        (1..=rows)
            .filter(|n| {
                let names: Vec<String> = parts.iter().map(|p| format!("{prefix}{n}-{p}")).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                !reader.blank(&names)
            })
            .nth(index)
            .map(|n| format!("{prefix}{n}-evidence"))
    };
    match list {
        "needs" => AREAS
            .iter()
            .filter(|(code, _, _)| !reader.text(&format!("need-{code}-level")).is_empty())
            .nth(index)
            .map(|(code, _, _)| format!("need-{code}-evidence")),
        "support_cycles" => filled(
            "cycle",
            CYCLE_ROWS,
            &["area", "started", "ended", "outcome", "cost", "evidence"],
        ),
        "professionals" => filled(
            "professional",
            PROFESSIONAL_ROWS,
            &["who", "started", "last_contact", "evidence"],
        ),
        _ => None,
    }
}

fn pick<T: Copy>(
    reader: &mut Reader<'_>,
    list: &[(&str, T, &str)],
    field: &str,
    message: &str,
) -> Option<T> {
    let found = lookup(list, reader.text(field));
    if found.is_none() {
        reader.fail(field, message);
    }
    found
}

/// The facts from the form and the case. Every error is collected on `reader`;
/// `None` when there was one.
pub fn read_facts(reader: &mut Reader<'_>, view: &CaseView) -> Option<RequestFacts> {
    let as_at = reader.date("as_at", "Advice as at");
    let nc_year = match reader.text("nc_year") {
        "" => {
            reader.fail("nc_year", "Select the national curriculum year");
            None
        }
        typed => typed
            .parse::<i8>()
            .ok()
            .filter(|y| (-2..=14).contains(y))
            .or_else(|| {
                reader.fail("nc_year", "Select the national curriculum year");
                None
            }),
    };
    let age = as_at.and_then(|day| {
        let age = age_on(view.date_of_birth, day);
        if age.is_none() {
            reader.fail(
                "as_at",
                "Advice as at cannot be before the child's date of birth",
            );
        }
        age
    });

    let mut needs = Vec::new();
    for (code, area, _) in AREAS {
        let field = format!("need-{code}-level");
        let typed = reader.text(&field);
        if typed.is_empty() {
            continue;
        }
        match LEVELS.iter().find(|(c, _)| *c == typed) {
            Some((_, level)) => needs.push(Need {
                area,
                level: *level,
                evidence: evidence(reader, &format!("need-{code}-evidence")),
            }),
            None => reader.fail(&field, "Select a level of need"),
        }
    }

    let mut cycles = Vec::new();
    for n in 1..=CYCLE_ROWS {
        let f = |name: &str| format!("cycle{n}-{name}");
        if reader.blank(&[
            &f("area"),
            &f("started"),
            &f("ended"),
            &f("outcome"),
            &f("cost"),
            &f("evidence"),
        ]) {
            continue;
        }
        let area = pick(
            reader,
            &AREAS,
            &f("area"),
            &format!("Select the area of need of support cycle {n}"),
        );
        let started = reader.date(&f("started"), &format!("The day support cycle {n} started"));
        let ended = reader.optional_date(&f("ended"), &format!("The day support cycle {n} ended"));
        let outcome = pick(
            reader,
            &OUTCOMES,
            &f("outcome"),
            &format!("Select the outcome of support cycle {n}"),
        );
        let cost = reader.optional_pence(&f("cost"), &format!("The cost of support cycle {n}"));
        if let (Some(area), Some(started), Some(outcome)) = (area, started, outcome) {
            cycles.push(SupportCycle {
                started: Date::from(started),
                ended: ended.map(Date::from),
                area,
                outcome,
                cost: cost.unwrap_or(0),
                evidence: evidence(reader, &f("evidence")),
            });
        }
    }

    let mut professionals = Vec::new();
    for n in 1..=PROFESSIONAL_ROWS {
        let f = |name: &str| format!("professional{n}-{name}");
        if reader.blank(&[&f("who"), &f("started"), &f("last_contact"), &f("evidence")]) {
            continue;
        }
        let who = pick(
            reader,
            &PROFESSIONALS,
            &f("who"),
            &format!("Select professional {n}"),
        );
        let started = reader.date(
            &f("started"),
            &format!("The day professional {n} became involved"),
        );
        let last = reader.optional_date(
            &f("last_contact"),
            &format!("Professional {n}'s latest contact"),
        );
        if let (Some(who), Some(started)) = (who, started) {
            professionals.push(Involvement {
                who,
                started: Date::from(started),
                last_contact: last.map(Date::from),
                evidence: evidence(reader, &f("evidence")),
            });
        }
    }

    let mut attainment = Vec::new();
    for n in 1..=ATTAINMENT_ROWS {
        let subject = format!("attainment{n}-subject");
        let behind = format!("attainment{n}-months_behind");
        if reader.blank(&[&subject, &behind]) {
            continue;
        }
        let name = reader.text(&subject).to_owned();
        if name.is_empty() {
            reader.fail(&subject, format!("Enter the subject of attainment {n}"));
        }
        let months =
            reader.optional_number::<i32>(&behind, &format!("Months behind in attainment {n}"));
        if months.is_none() && reader.text(&behind).is_empty() {
            reader.fail(
                &behind,
                format!("Enter the months behind in attainment {n}"),
            );
        }
        if let (false, Some(months)) = (name.is_empty(), months) {
            attainment.push(Attainment {
                subject: name,
                months_behind: months,
            });
        }
    }

    let attendance = reader.optional_number::<u8>("attendance_percent", "Attendance");
    if attendance.is_some_and(|p| p > 100) {
        reader.fail("attendance_percent", "Attendance must be between 0 and 100");
    }

    let mut screening = Vec::new();
    for (code, domain, label) in ASQ {
        let score = format!("asq-{code}-score");
        let band = format!("asq-{code}-band");
        if reader.blank(&[&score, &band]) {
            continue;
        }
        let value = reader.optional_number::<u8>(&score, &format!("The {label} score"));
        if value.is_none() && reader.text(&score).is_empty() {
            reader.fail(&score, format!("Enter the {label} score"));
        }
        let banded = pick(reader, &BANDS, &band, &format!("Select the {label} band"));
        if let (Some(score), Some(band)) = (value, banded) {
            screening.push(AsqScore {
                domain,
                score,
                band,
            });
        }
    }

    let (as_at, nc_year, (age_years, age_months)) = (as_at?, nc_year?, age?);
    if !reader.errors.is_empty() {
        return None;
    }
    Some(RequestFacts {
        as_at: Date::from(as_at),
        received: Date::from(view.request.received_on),
        requested_by: match view.request.requested_by {
            RequestedBy::Parent => Requester::Parent,
            RequestedBy::YoungPerson => Requester::YoungPerson,
            RequestedBy::Setting => Requester::Setting,
        },
        age_years,
        age_months,
        nc_year,
        setting: setting(view.request.setting_type),
        needs,
        support_cycles: cycles,
        professionals,
        attainment,
        attendance_percent: attendance.filter(|p| *p <= 100),
        developmental_screening: screening,
    })
}

/// The request's setting in the contract's words.
fn setting(kind: RequestSetting) -> SettingType {
    match kind {
        RequestSetting::EarlyYears => SettingType::EarlyYears,
        RequestSetting::Mainstream => SettingType::Mainstream,
        RequestSetting::ResourcedProvision => SettingType::ResourcedProvision,
        RequestSetting::Special => SettingType::Special,
        RequestSetting::Independent => SettingType::Independent,
        RequestSetting::Post16 => SettingType::Post16,
        RequestSetting::ElectiveHomeEducation => SettingType::ElectiveHomeEducation,
    }
}

/// Hours a week typed as `12.5`, in tenths of an hour.
fn tenths(typed: &str) -> Option<u16> {
    let (whole, tenth) = typed.split_once('.').unwrap_or((typed, "0"));
    if whole.is_empty() || tenth.len() != 1 {
        return None;
    }
    let whole: u16 = whole.parse().ok()?;
    let tenth: u16 = tenth.parse().ok()?;
    whole.checked_mul(10)?.checked_add(tenth)
}

/// A banding question from the form and the case.
pub fn read_band_request(reader: &mut Reader<'_>, view: &CaseView) -> Option<BandRequest> {
    let placement = pick(
        reader,
        &SETTINGS,
        "placement",
        "Select the type of placement",
    );
    let place_type = reader.text("place_type").to_owned();
    if place_type.is_empty() {
        reader.fail("place_type", "Enter the place type");
    }
    let hours = reader.optional("support_hours");
    let support = hours.as_deref().map(tenths);
    if support == Some(None) {
        reader.fail(
            "support_hours",
            "Hours of additional support must be a number of hours, like 12.5",
        );
    }
    let starts = reader.optional_date("period-starts", "The day the placement starts");
    let ends = reader.optional_date("period-ends", "The day the placement ends");
    let period = match (starts, ends) {
        (Some(starts), Some(ends)) => Some(PlacementPeriod {
            starts: Date::from(starts),
            ends: Date::from(ends),
        }),
        (None, None) => None,
        (None, Some(_)) => {
            reader.fail(
                "period-starts",
                "Enter the day the placement starts, or neither date",
            );
            None
        }
        (Some(_), None) => {
            reader.fail(
                "period-ends",
                "Enter the day the placement ends, or neither date",
            );
            None
        }
    };
    let facts = read_facts(reader, view);
    let (facts, placement) = (facts?, placement?);
    if !reader.errors.is_empty() {
        return None;
    }
    Some(BandRequest {
        facts,
        placement,
        place_type,
        support_tenths_per_week: support.flatten(),
        period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_become_tenths() {
        assert_eq!(tenths("12.5"), Some(125));
        assert_eq!(tenths("3"), Some(30));
        assert_eq!(tenths("1.25"), None);
        assert_eq!(tenths("x"), None);
    }
}
