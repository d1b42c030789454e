//! Putting a case on a sitting's agenda from the pages: the case, what the panel is
//! asked to agree (only the proposals of the decisions the sitting's panel takes), and
//! with a placement or post-16 proposal the setting proposed from the register, its
//! start, the family's preference and each service's share; with a banding proposal
//! the funding proposed, the same parts as the JSON API's `funding` body.
//!
//! The form is read into the core's own [`AddToAgenda`] and handed to
//! [`panel::add_to_agenda`], the service the JSON API calls; the core decides, the
//! page only parses. When the core refuses, the form is shown again with a GOV.UK error
//! summary naming the field, what was typed, status 422, and nothing changed. On
//! success the browser goes back to the sitting, whose agenda shows the new item.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sendpanel_core::domain::{
    AdviceId, BandTerms, CaseId, DecisionKind, EducationSettingId, FundingElement, HoursTerms,
    IndependentJustification, PlacementId, Proposal, SittingId,
};
use sendpanel_core::panel::{self, AddToAgenda, AgendaChoices};
use sendpanel_core::placement::decision::{DecidePlacement, placements_for};
use sendpanel_core::placement::funding::{CommitFunding, commitments_for};
use sendpanel_core::placement::register::settings_for;
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::workflow::{self, CaseView};
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use super::{question, sitting_id};
use crate::pages::fields::{Field, FieldError, Kind, Reader, pence};
use crate::pages::render::{PageError, render};
use crate::pages::session::{SignedIn, see_other};
use crate::pages::work::{authority_config, blocking, long_date, require_role, with, words};
use crate::roles::CLERKS;
use crate::state::AppState;

/// The form's name: its fields' ids begin with it, and its heading carries it as id.
const FORM: &str = "agenda";

/// The placement proposed: the form reads it (and the core checks it) when any of
/// these was filled in. Whether a mainstream place was asked for has an answer from
/// the start, so it does not count.
const PLACEMENT_FIELDS: [&str; 8] = [
    "setting",
    "starts_on",
    "parental_preference",
    "reasons",
    "independent_justification",
    "education_share",
    "health_share",
    "social_care_share",
];

/// The funding proposed: read when any of these was filled in.
const FUNDING_FIELDS: [&str; 13] = [
    "funded_placement",
    "advice",
    "band_code",
    "band_title",
    "place_funding",
    "top_up",
    "hours_per_week",
    "hourly_rate",
    "weeks_per_year",
    "other_elements",
    "funding_reasons",
    "funding_starts_on",
    "funding_ends_on",
];

/// A band set by the officer rather than the advice's: read when any is filled in.
const BAND_FIELDS: [&str; 4] = ["band_code", "band_title", "place_funding", "top_up"];

/// Funding by the hour: read when any is filled in.
const HOURS_FIELDS: [&str; 3] = ["hours_per_week", "hourly_rate", "weeks_per_year"];

/// A group of fields, with its legend.
type Group = (Option<&'static str>, Vec<Field>);

/// The case's id typed in the address (`?case=`), to fill in the form's first field.
#[derive(Debug, serde::Deserialize)]
pub struct NewItemQuery {
    case: Option<String>,
}

/// What the form offers for this sitting: the proposals its panel takes, the
/// authority's register of settings, and, once the case is known, its placements and
/// banding advice to choose from.
struct Offer {
    choices: AgendaChoices,
    settings: Vec<sendpanel_core::domain::EducationSetting>,
    case: Option<CaseView>,
}

async fn read_offer(
    state: web::Data<AppState>,
    who: &SignedIn,
    id: SittingId,
    case: Option<CaseId>,
) -> Result<Offer, PageError> {
    let (services, actor) = (state.services(), who.actor());
    let today = state.clock.today();
    blocking(move || {
        let config = authority_config(&state, &actor.scope)?;
        let choices = panel::agenda_choices(&state.db, &actor.scope, config, id)?;
        let settings = settings_for(&services, &actor)?;
        // Only to offer its placements and advice: a case that is not found here is
        // refused, naming it, when the form is sent.
        let case =
            case.and_then(|case| workflow::case_view(&state.db, &actor.scope, case, today).ok());
        Ok::<_, PageError>(Offer {
            choices,
            settings,
            case,
        })
    })
    .await
}

/// The form's fields, grouped: the case and proposal, then the placement and the
/// funding groups where the panel takes a decision that proposes them.
fn groups(offer: &Offer, case_default: &str) -> Vec<Group> {
    let kinds: Vec<DecisionKind> = offer
        .choices
        .proposals
        .iter()
        .map(|p| p.decision_kind())
        .collect();
    let proposals = offer
        .choices
        .proposals
        .iter()
        .map(|p| {
            (
                p.to_string(),
                format!(
                    "{}: {}",
                    question(p.decision_kind()),
                    words(&p.to_string()).to_lowercase()
                ),
            )
        })
        .collect();
    let pounds = |name: &str, label: &str| {
        Field::new(name, label, Kind::Text("govuk-input--width-10"))
            .hint("In pounds a year, for example 23538.00")
    };
    let mut groups: Vec<Group> = vec![(
        None,
        vec![
            Field::new("case", "Case", Kind::Text("govuk-input--width-30"))
                .hint("The case's id: the end of its page's address, after /cases/")
                .default(case_default),
            Field::new(
                "proposal",
                "What the panel is asked to agree",
                Kind::Radios(proposals),
            ),
        ],
    )];
    if kinds
        .iter()
        .any(|k| matches!(k, DecisionKind::Placement | DecisionKind::Post16))
    {
        let settings = offer
            .settings
            .iter()
            .map(|s| {
                (
                    s.id.to_string(),
                    format!(
                        "{} ({}, {})",
                        s.name,
                        words(&s.kind.to_string()).to_lowercase(),
                        if s.in_area { "in area" } else { "out of area" }
                    ),
                )
            })
            .collect();
        let justifications = std::iter::once((
            String::new(),
            "Not needed: the setting is not independent".to_owned(),
        ))
        .chain(IndependentJustification::iter().map(|j| (j.to_string(), words(&j.to_string()))))
        .collect();
        groups.push((
            Some("The placement proposed (for a placement or post-16 proposal)"),
            vec![
                Field::new("setting", "Setting", Kind::Select(settings))
                    .hint("From the authority's register of settings"),
                Field::new("starts_on", "First day of the placement", Kind::Date),
                Field::new(
                    "parental_preference",
                    "What the family asked for, as they put it (optional)",
                    Kind::Textarea,
                ),
                Field::new(
                    "mainstream_requested",
                    "Did the family ask for a mainstream place?",
                    Kind::Radios(vec![
                        ("no".to_owned(), "No".to_owned()),
                        ("yes".to_owned(), "Yes".to_owned()),
                    ]),
                )
                .default("no"),
                Field::new("reasons", "Why this setting", Kind::Textarea)
                    .hint("The members read this in the papers"),
                Field::new(
                    "independent_justification",
                    "Why an independent setting",
                    Kind::Radios(justifications),
                ),
                pounds("education_share", "Education's share"),
                pounds("health_share", "Health's share (optional)"),
                pounds("social_care_share", "Social care's share (optional)"),
            ],
        ));
    }
    if kinds.contains(&DecisionKind::Banding) {
        let funded = match offer.case.as_ref() {
            Some(view) => Field::new(
                "funded_placement",
                "Placement funded",
                Kind::Select(
                    view.placements
                        .iter()
                        .map(|p| {
                            (
                                p.placement.id.to_string(),
                                format!(
                                    "{}, from {}",
                                    p.setting.name,
                                    long_date(p.placement.terms.starts_on)
                                ),
                            )
                        })
                        .collect(),
                ),
            ),
            None => Field::new(
                "funded_placement",
                "Placement funded",
                Kind::Text("govuk-input--width-30"),
            )
            .hint("The placement's id; open this form from a case to choose from its placements"),
        };
        let advice = match offer.case.as_ref() {
            Some(view) => Field::new(
                "advice",
                "Banding advice it confirms or departs from (optional)",
                Kind::Select(
                    view.advice
                        .iter()
                        .filter(|a| a.call.contains("banding"))
                        .map(|a| {
                            (
                                a.id.to_string(),
                                format!(
                                    "{} advice of {}",
                                    words(&a.call),
                                    a.evaluated_at.format("%-d %B %Y")
                                ),
                            )
                        })
                        .collect(),
                ),
            ),
            None => Field::new(
                "advice",
                "Banding advice it confirms or departs from (optional)",
                Kind::Text("govuk-input--width-30"),
            )
            .hint("The advice's id, if there is banding advice on the case"),
        };
        groups.push((
            Some("The funding proposed (for a banding proposal)"),
            vec![
                funded,
                advice,
                Field::new("band_code", "Band code", Kind::Text("govuk-input--width-10"))
                    .hint("Leave the band blank to confirm the advice's band and amounts as given"),
                Field::new("band_title", "Band title", Kind::Text("")),
                pounds("place_funding", "Place funding"),
                pounds("top_up", "Top-up"),
                Field::new(
                    "hours_per_week",
                    "Hours a week (hours model only)",
                    Kind::Text("govuk-input--width-5"),
                )
                .hint("For example, 12.5"),
                Field::new(
                    "hourly_rate",
                    "Rate an hour, in pounds",
                    Kind::Text("govuk-input--width-10"),
                ),
                Field::new(
                    "weeks_per_year",
                    "Weeks a year paid",
                    Kind::Text("govuk-input--width-3"),
                )
                .hint("A school year is 39"),
                Field::new("other_elements", "Other elements (optional)", Kind::Textarea)
                    .hint("One a line: its name, a colon, then pounds a year. For example, Teachers' pay and pensions: 1250.00"),
                Field::new("funding_reasons", "Why", Kind::Textarea)
                    .hint("Needed when the band departs from the advice, or there is none"),
                Field::new("funding_starts_on", "First day funded", Kind::Date),
                Field::new(
                    "funding_ends_on",
                    "Last day funded (optional, for a placement agreed for a fixed time)",
                    Kind::Date,
                ),
            ],
        ));
    }
    groups
}

fn all_fields(groups: &[Group]) -> impl Iterator<Item = &Field> {
    groups.iter().flat_map(|(_, fields)| fields)
}

/// A form that was refused: what was typed, and why.
struct Failure {
    typed: HashMap<String, String>,
    /// The page's own errors, each with its message whole.
    errors: Vec<FieldError>,
    /// The core's refusal of one field: the page's field and the core's rule.
    refused: Option<(String, String)>,
    /// A refusal with no one field to blame (the sitting has closed).
    general: Option<String>,
}

/// Renders the form, with what was typed and the errors when it was refused.
async fn show_form(
    state: web::Data<AppState>,
    who: &SignedIn,
    id: SittingId,
    status: StatusCode,
    failure: Option<&Failure>,
    case_default: &str,
) -> Result<HttpResponse, PageError> {
    let case = failure
        .and_then(|f| f.typed.get("case"))
        .map_or(case_default, String::as_str)
        .trim()
        .parse::<CaseId>()
        .ok();
    let offer = read_offer(state, who, id, case).await?;
    let groups = groups(&offer, case_default);
    let mut errors: Vec<FieldError> = failure.map(|f| f.errors.clone()).unwrap_or_default();
    if let Some((field, rule)) = failure.and_then(|f| f.refused.as_ref()) {
        // The core's rules read after the field's name ("reasons: must say why").
        let label = all_fields(&groups)
            .find(|f| f.name == *field)
            .map_or_else(|| words(field), |f| f.label.clone());
        errors.push(FieldError {
            field: field.clone(),
            message: format!("{label}: {rule}"),
        });
    }
    let general = failure.and_then(|f| f.general.clone());
    let fields: Vec<Value> = groups
        .iter()
        .map(|(legend, fields)| {
            let fields: Vec<Value> = fields
                .iter()
                .map(|field| {
                    let error = errors
                        .iter()
                        .find(|e| e.field == field.name)
                        .map(|e| e.message.as_str());
                    field.to_json(FORM, failure.map(|f| &f.typed), error)
                })
                .collect();
            with(json!({ "legend": legend }), "fields", Value::Array(fields))
        })
        .collect();
    let mut summary: Vec<Value> = errors
        .iter()
        .map(|error| {
            let href = all_fields(&groups)
                .find(|f| f.name == error.field)
                .map_or_else(|| FORM.to_owned(), |f| f.anchor(FORM));
            json!({ "href": format!("#{href}"), "text": error.message })
        })
        .collect();
    if let Some(general) = &general {
        summary.push(json!({ "href": format!("#{FORM}-error"), "text": general }));
    }
    let form = json!({
        "slug": FORM,
        "action": format!("/sittings/{id}/agenda/new"),
        "heading": "Put a case on the agenda",
        "intro": "The panel's members read the proposal in the papers, and vote to agree with it or not. Papers are due the panel's set number of days before it sits.",
        "button": "Put on the agenda",
        "form_error": general,
    });
    let title = if summary.is_empty() {
        format!("Put a case on the agenda: {}", offer.choices.panel)
    } else {
        format!("Error: Put a case on the agenda: {}", offer.choices.panel)
    };
    render(
        status,
        "agenda_item",
        &title,
        &who.frame
            .with_back(format!("/sittings/{id}"), "Back to the sitting"),
        with(
            json!({
                "id": id.to_string(),
                "panel": offer.choices.panel,
                "sits_on": long_date(offer.choices.sitting.sits_on),
                "errors": summary,
            }),
            "form",
            with(form, "groups", Value::Array(fields)),
        ),
    )
}

/// `GET /sittings/{id}/agenda/new`: the form, for those who put cases before panels;
/// `?case=` fills in the case.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %who.user.id))]
pub async fn new_item_page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    query: web::Query<NewItemQuery>,
) -> Result<HttpResponse, PageError> {
    require_role(&who, &CLERKS, "put a case on an agenda")?;
    let id = sitting_id(&path)?;
    let case = query.case.as_deref().map_or("", str::trim);
    show_form(state, &who, id, StatusCode::OK, None, case).await
}

/// `POST /sittings/{id}/agenda/new`: puts the case on the agenda with its proposal,
/// through the core service the API calls.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %who.user.id))]
pub async fn add(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_role(&who, &CLERKS, "put a case on an agenda")?;
    let id = sitting_id(&path)?;
    let typed = form.into_inner();
    let mut reader = Reader::new(&typed);
    let command = read_command(&mut reader);
    let errors = reader.errors;
    let Some(command) = command else {
        let failure = Failure {
            typed: typed.clone(),
            errors,
            refused: None,
            general: None,
        };
        return show_form(state, &who, id, StatusCode::BAD_REQUEST, Some(&failure), "").await;
    };
    let sent = Sent {
        banding: command.proposal.decision_kind() == DecisionKind::Banding,
        proposes_setting: command.placement.is_some(),
    };
    let (services, actor) = (state.services(), who.actor());
    let worker = state.clone();
    let span = tracing::Span::current();
    let outcome =
        web::block(move || span.in_scope(|| add_item(&worker, &services, &actor, id, command)))
            .await
            .map_err(PageError::internal)?;
    let (refused, general) = match outcome {
        Ok(()) => {
            tracing::info!("case put on the agenda");
            return Ok(see_other(&format!("/sittings/{id}")));
        }
        Err(PageError::Refused {
            field: Some(field),
            message,
        }) => (Some((sent.page_field(&field), message)), None),
        Err(PageError::Refused {
            field: None,
            message,
        }) => (None, Some(sentence(&message))),
        // The sitting is read again to draw the form, and is not found there if it is
        // the one missing; otherwise it was the case.
        Err(PageError::NotFound) => (
            Some((
                "case".to_owned(),
                "no case of this authority has this id".to_owned(),
            )),
            None,
        ),
        Err(other) => return Err(other),
    };
    tracing::info!("putting a case on the agenda refused");
    let failure = Failure {
        typed,
        errors: Vec::new(),
        refused,
        general,
    };
    show_form(
        state,
        &who,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(&failure),
        "",
    )
    .await
}

/// Puts the item on the agenda and publishes the sitting's new tally. A placement or
/// funding proposal is made against the case's latest placement or commitment as it
/// stands when the form is sent: one recorded after it makes the panel's view stale,
/// and the core then refuses to name or confirm it.
fn add_item(
    state: &AppState,
    services: &Services,
    actor: &Actor,
    sitting: SittingId,
    mut command: AddToAgenda,
) -> Result<(), PageError> {
    let config = authority_config(state, &actor.scope)?;
    let case = command.case;
    if let Some(placement) = command.placement.as_mut() {
        placement.expected_latest = placements_for(services, actor, case)?.first().map(|p| p.id);
    }
    if let Some(funding) = command.funding.as_mut() {
        funding.expected_latest = commitments_for(services, actor, case)?
            .first()
            .map(|c| c.id);
    }
    panel::add_to_agenda(
        &state.db,
        &actor.scope,
        config,
        sitting,
        &command,
        actor.user,
        state.clock.as_ref(),
    )?;
    crate::live::publish_tally(state, &actor.scope, sitting);
    Ok(())
}

/// What was sent, to put a core refusal beside the field it was typed in: the
/// placement and the funding each have reasons and a first day, and the core names
/// both `reasons` and `starts_on`.
struct Sent {
    banding: bool,
    proposes_setting: bool,
}

impl Sent {
    /// The page's field for the core's `field`.
    fn page_field(&self, field: &str) -> String {
        let page = match field {
            "funding" => "funded_placement",
            // Refused with a setting sent, the setting is the one to change; with none,
            // a banding item names a placement not on the case.
            "placement" if self.banding && !self.proposes_setting => "funded_placement",
            "placement" => "setting",
            "education_pence" => "education_share",
            "health_pence" => "health_share",
            "social_care_pence" => "social_care_share",
            "reasons" if self.banding => "funding_reasons",
            "starts_on" if self.banding => "funding_starts_on",
            "ends_on" if self.banding => "funding_ends_on",
            "band" => "band_code",
            "place_funding_pence" => "place_funding",
            "top_up_pence" => "top_up",
            "hours" | "tenths_per_week" => "hours_per_week",
            "hourly_rate_pence" => "hourly_rate",
            other => other,
        };
        page.to_owned()
    }
}

/// A refusal with no field as a sentence: "the sitting has closed" as "The sitting
/// has closed".
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Reads the form into the core's command. Every missing or malformed field is an
/// error at once; what the values may be is left to the core, and so is whether the
/// proposal takes a placement or funding: each is read when any of its fields was
/// filled in.
fn read_command(reader: &mut Reader<'_>) -> Option<AddToAgenda> {
    let case = read_id::<CaseId>(
        reader,
        "case",
        "Enter the case's id: the end of its page's address",
        "The case's id must be the end of its page's address, after /cases/",
    );
    let proposal = reader.choice::<Proposal>("proposal", "Select what the panel is asked to agree");
    let placement = if reader.blank(&PLACEMENT_FIELDS) {
        None
    } else {
        read_placement(reader)
    };
    let funding = if reader.blank(&FUNDING_FIELDS) {
        None
    } else {
        read_funding(reader)
    };
    let command = AddToAgenda {
        case: case?,
        proposal: proposal?,
        placement,
        funding,
    };
    reader.errors.is_empty().then_some(command)
}

/// An id that must be given.
fn read_id<T: std::str::FromStr>(
    reader: &mut Reader<'_>,
    field: &str,
    missing: &str,
    malformed: &str,
) -> Option<T> {
    if reader.text(field).is_empty() {
        reader.fail(field, missing);
        return None;
    }
    optional_id(reader, field, malformed)
}

/// An id that may be left empty.
fn optional_id<T: std::str::FromStr>(
    reader: &mut Reader<'_>,
    field: &str,
    malformed: &str,
) -> Option<T> {
    let typed = reader.text(field);
    if typed.is_empty() {
        return None;
    }
    let parsed = typed.parse().ok();
    if parsed.is_none() {
        reader.fail(field, malformed);
    }
    parsed
}

/// Pounds that must be given, in pence.
fn required_pence(reader: &mut Reader<'_>, field: &str, label: &str, missing: &str) -> Option<i64> {
    if reader.text(field).is_empty() {
        reader.fail(field, missing);
        return None;
    }
    reader.optional_pence(field, label)
}

/// The placement proposed, as [`DecidePlacement`]; the case's latest placement is
/// added when it is sent ([`add_item`]).
fn read_placement(reader: &mut Reader<'_>) -> Option<DecidePlacement> {
    let setting = read_id::<EducationSettingId>(
        reader,
        "setting",
        "Select the setting proposed",
        "Select a setting from the register",
    );
    let starts_on = reader.date("starts_on", "First day of the placement");
    let justification = if reader.text("independent_justification").is_empty() {
        None
    } else {
        reader.choice::<IndependentJustification>(
            "independent_justification",
            "Select why an independent setting, or that it is not one",
        )
    };
    let education = required_pence(
        reader,
        "education_share",
        "Education's share",
        "Enter education's share a year, in pounds (0 if none)",
    );
    let health = reader.optional_pence("health_share", "Health's share");
    let social_care = reader.optional_pence("social_care_share", "Social care's share");
    Some(DecidePlacement {
        setting: setting?,
        starts_on: starts_on?,
        parental_preference: reader.optional("parental_preference"),
        mainstream_requested: reader.text("mainstream_requested") == "yes",
        reasons: reader.text("reasons").to_owned(),
        independent_justification: justification,
        education_pence: education?,
        health_pence: health.unwrap_or(0),
        social_care_pence: social_care.unwrap_or(0),
        expected_latest: None,
    })
}

/// The funding proposed, as [`CommitFunding`] (the JSON API's `funding` body); the
/// case's latest commitment is added when it is sent ([`add_item`]).
fn read_funding(reader: &mut Reader<'_>) -> Option<CommitFunding> {
    let placement = read_id::<PlacementId>(
        reader,
        "funded_placement",
        "Select the placement funded",
        "Select one of the case's placements",
    );
    let advice = optional_id::<AdviceId>(
        reader,
        "advice",
        "Select banding advice on the case, or none",
    );
    let band = if reader.blank(&BAND_FIELDS) {
        None
    } else {
        let place = required_pence(
            reader,
            "place_funding",
            "Place funding",
            "Enter the band's place funding a year, in pounds",
        );
        let top_up = required_pence(
            reader,
            "top_up",
            "Top-up",
            "Enter the band's top-up a year, in pounds",
        );
        match (place, top_up) {
            (Some(place_funding_pence), Some(top_up_pence)) => Some(BandTerms {
                band_code: reader.text("band_code").to_owned(),
                band_title: reader.text("band_title").to_owned(),
                place_funding_pence,
                top_up_pence,
            }),
            _ => None,
        }
    };
    let hours = if reader.blank(&HOURS_FIELDS) {
        None
    } else {
        let tenths = tenths_of_hours(reader.text("hours_per_week"));
        if tenths.is_none() {
            reader.fail(
                "hours_per_week",
                "Enter the hours a week, to a tenth of an hour, like 12.5",
            );
        }
        let rate = required_pence(
            reader,
            "hourly_rate",
            "The rate an hour",
            "Enter the rate an hour, in pounds",
        );
        let weeks = reader.optional_number::<u8>("weeks_per_year", "Weeks a year paid");
        if reader.text("weeks_per_year").is_empty() {
            reader.fail(
                "weeks_per_year",
                "Enter the weeks a year paid (a school year is 39)",
            );
        }
        match (tenths, rate, weeks) {
            (Some(tenths_per_week), Some(hourly_rate_pence), Some(weeks_per_year)) => {
                Some(HoursTerms {
                    tenths_per_week,
                    hourly_rate_pence,
                    weeks_per_year,
                })
            }
            _ => None,
        }
    };
    let mut other_elements = Vec::new();
    for (index, line) in reader.text("other_elements").lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let element = line.rsplit_once(':').and_then(|(name, amount)| {
            Some(FundingElement {
                name: name.trim().to_owned(),
                yearly_pence: pence(amount)?,
            })
        });
        match element {
            Some(element) => other_elements.push(element),
            None => {
                reader.fail(
                    "other_elements",
                    format!(
                        "Other elements, line {}: give its name, a colon, then pounds a year, like Teachers' pay and pensions: 1250.00",
                        index + 1
                    ),
                );
                break;
            }
        }
    }
    let starts_on = reader.date("funding_starts_on", "First day funded");
    let ends_on = reader.optional_date("funding_ends_on", "Last day funded");
    Some(CommitFunding {
        placement: placement?,
        advice,
        band,
        hours,
        other_elements,
        reasons: reader.optional("funding_reasons"),
        starts_on: starts_on?,
        ends_on,
        expected_latest: None,
    })
}

/// `12.5` hours as 125 tenths; `None` unless it is hours with at most one decimal.
fn tenths_of_hours(typed: &str) -> Option<u16> {
    let (whole, tenth) = typed.split_once('.').unwrap_or((typed, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || tenth.len() > 1 || !digits(tenth) {
        return None;
    }
    let whole: u16 = whole.parse().ok()?;
    let tenth: u16 = if tenth.is_empty() {
        0
    } else {
        tenth.parse().ok()?
    };
    whole.checked_mul(10)?.checked_add(tenth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read_to_the_tenth() {
        assert_eq!(tenths_of_hours("12.5"), Some(125));
        assert_eq!(tenths_of_hours("12"), Some(120));
        assert_eq!(tenths_of_hours("12.25"), None);
        assert_eq!(tenths_of_hours(".5"), None);
        assert_eq!(tenths_of_hours("-1"), None);
    }

    #[test]
    fn refusals_go_beside_the_field_they_were_typed_in() {
        let banding = Sent {
            banding: true,
            proposes_setting: false,
        };
        let placement = Sent {
            banding: false,
            proposes_setting: true,
        };
        assert_eq!(banding.page_field("reasons"), "funding_reasons");
        assert_eq!(banding.page_field("placement"), "funded_placement");
        assert_eq!(placement.page_field("reasons"), "reasons");
        assert_eq!(placement.page_field("placement"), "setting");
        assert_eq!(placement.page_field("health_pence"), "health_share");
    }

    #[test]
    fn the_core_command_is_read_from_the_form() {
        let form: HashMap<String, String> = [
            ("case", "0190f5c2-6f3e-7cc0-8000-000000000001"),
            ("proposal", "name_placement"),
            ("setting", "0190f5c2-6f3e-7cc0-8000-000000000002"),
            ("starts_on-day", "4"),
            ("starts_on-month", "1"),
            ("starts_on-year", "2027"),
            ("mainstream_requested", "no"),
            ("reasons", "Section F can be delivered there"),
            ("independent_justification", ""),
            ("education_share", "23,538.00"),
            ("health_share", "5000"),
            ("social_care_share", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut reader = Reader::new(&form);
        let command = read_command(&mut reader);
        assert_eq!(reader.errors, Vec::new());
        let command = command.expect("a command");
        assert_eq!(command.proposal, Proposal::NamePlacement);
        assert!(command.funding.is_none());
        let placement = command.placement.expect("a placement");
        assert_eq!(
            (
                placement.education_pence,
                placement.health_pence,
                placement.social_care_pence
            ),
            (2_353_800, 500_000, 0)
        );
        assert_eq!(placement.independent_justification, None);
    }
}
