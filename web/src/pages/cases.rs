//! The caseworker's pages: the caseload and the new request form (one case is
//! [`super::case::page`]).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use sendpanel_core::domain::{NeedType, RequestedBy, SettingType};
use sendpanel_core::store::StoreError;
use sendpanel_core::workflow::{self, DeadlineView, ReceiveRequest, WorkflowError};
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use super::fields::Reader;
use super::render::{PageError, render};
use super::session::{SignedIn, see_other};
use super::work::{blocking, long_date, text, words};
use crate::roles::WRITERS;
use crate::state::AppState;

/// A deadline's tag: overdue, at risk, or its status.
fn tag(deadline: &DeadlineView) -> Value {
    if deadline.overdue {
        json!({ "text": "Overdue", "class": "govuk-tag--red" })
    } else if deadline.at_risk {
        json!({ "text": "At risk", "class": "govuk-tag--orange" })
    } else {
        let class = match deadline.status.as_str() {
            "met" => "govuk-tag--green",
            "disapplied" => "govuk-tag--grey",
            _ => "govuk-tag--blue",
        };
        json!({ "text": words(&deadline.status), "class": class })
    }
}

/// A deadline as the caseload and the case page show it.
pub(super) fn deadline_json(deadline: &DeadlineView) -> Value {
    json!({
        "kind": words(&deadline.kind),
        "subject": deadline.subject,
        "due_on": long_date(deadline.due_on),
        "rule": deadline.rule,
        "tag": tag(deadline),
    })
}

/// `GET /` and `GET /caseload`: open cases, the soonest next deadline first.
pub async fn caseload(
    state: web::Data<AppState>,
    who: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (services, actor) = (state.services(), who.actor());
    let entries = blocking(move || sendpanel_core::access::caseload(&services, &actor)).await?;
    let rows: Vec<Value> = entries
        .iter()
        .map(|entry| {
            json!({
                "id": entry.id.to_string(),
                "child_name": entry.child_name,
                "stage": words(&entry.stage.to_string()),
                "received_on": long_date(entry.received_on),
                "next_deadline": entry.next_deadline.as_ref().map(deadline_json),
            })
        })
        .collect();
    render(
        StatusCode::OK,
        "caseload",
        "Caseload",
        &who.frame,
        json!({ "cases": rows, "can_log_requests": WRITERS.contains(&who.user.role) }),
    )
}

/// The new request form's fields, in page order: (id, label) for the error summary.
const FIELDS: [(&str, &str); 12] = [
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("upn", "Unique pupil number (UPN)"),
    ("nhs_number", "NHS number"),
    ("received_on", "Date the request was received"),
    ("requested_by", "Who made the request"),
    ("requester", "Requester's name and role"),
    ("setting_type", "Setting"),
    ("primary_need", "Primary need"),
    ("summary", "Summary"),
    ("contact_email", "Contact email"),
];

/// Where a field's error links to: a date's day box, a radio group's first option.
fn anchor(field: &str) -> String {
    match field {
        "date_of_birth" | "received_on" => format!("#{field}-day"),
        other => format!("#{other}"),
    }
}

/// The form as typed, with errors by field; becomes `ReceiveRequest` when it parses.
struct RequestForm<'a> {
    form: &'a HashMap<String, String>,
    errors: Vec<(&'static str, String)>,
}

impl RequestForm<'_> {
    fn required(&mut self, field: &'static str, message: &str) -> String {
        let value = text(self.form, field);
        if value.is_empty() {
            self.errors.push((field, message.to_owned()));
        }
        value.to_owned()
    }

    fn optional(&self, field: &str) -> Option<String> {
        Some(text(self.form, field).to_owned()).filter(|v| !v.is_empty())
    }

    fn date(&mut self, field: &'static str, what: &str) -> Option<NaiveDate> {
        let mut reader = Reader::new(self.form);
        let parsed = reader.date(field, &words(what));
        self.errors
            .extend(reader.errors.into_iter().map(|e| (field, e.message)));
        parsed
    }

    fn choice<T: std::str::FromStr>(&mut self, field: &'static str, message: &str) -> Option<T> {
        let parsed = text(self.form, field).parse().ok();
        if parsed.is_none() {
            self.errors.push((field, message.to_owned()));
        }
        parsed
    }

    /// Every missing or malformed field at once, so the error summary lists them all.
    fn parse(mut self) -> Result<ReceiveRequest, Vec<(&'static str, String)>> {
        let given_name = self.required("given_name", "Enter the child's given name");
        let family_name = self.required("family_name", "Enter the child's family name");
        let date_of_birth = self.date("date_of_birth", "the child's date of birth");
        let upn = self.required("upn", "Enter the child's unique pupil number (UPN)");
        let received_on = self.date("received_on", "the date the request was received");
        let requested_by =
            self.choice::<RequestedBy>("requested_by", "Select who made the request");
        let requester = self.required("requester", "Enter the requester's name and role");
        let setting_type = self.choice::<SettingType>("setting_type", "Select the child's setting");
        let primary_need = self.choice::<NeedType>("primary_need", "Select the primary need");
        let summary = self.required("summary", "Enter a summary of the request");
        match (
            date_of_birth,
            received_on,
            requested_by,
            setting_type,
            primary_need,
        ) {
            (
                Some(date_of_birth),
                Some(received_on),
                Some(requested_by),
                Some(setting_type),
                Some(primary_need),
            ) if self.errors.is_empty() => Ok(ReceiveRequest {
                given_name,
                family_name,
                date_of_birth,
                upn,
                nhs_number: self.optional("nhs_number"),
                received_on,
                requested_by,
                requester,
                setting_type,
                primary_need,
                summary,
                contact_email: self.optional("contact_email"),
            }),
            _ => Err(self.errors),
        }
    }
}

/// `GET /requests/new`.
pub async fn new_request_page(who: SignedIn) -> Result<HttpResponse, PageError> {
    require_writer(&who)?;
    request_form(&who, StatusCode::OK, &HashMap::new(), &[])
}

fn require_writer(who: &SignedIn) -> Result<(), PageError> {
    if WRITERS.contains(&who.user.role) {
        Ok(())
    } else {
        Err(PageError::Forbidden(format!(
            "a {} cannot log a request",
            who.user.role
        )))
    }
}

/// The form, with what was typed and each field's error.
fn request_form(
    who: &SignedIn,
    status: StatusCode,
    form: &HashMap<String, String>,
    errors: &[(&'static str, String)],
) -> Result<HttpResponse, PageError> {
    let error_of = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, message)| message.clone())
    };
    let mut values = serde_json::Map::new();
    for name in [
        "given_name",
        "family_name",
        "upn",
        "nhs_number",
        "requester",
        "summary",
        "contact_email",
        "date_of_birth-day",
        "date_of_birth-month",
        "date_of_birth-year",
        "received_on-day",
        "received_on-month",
        "received_on-year",
    ] {
        values.insert(name.replace('-', "_"), json!(text(form, name)));
    }
    let mut field_errors = serde_json::Map::new();
    for (field, _) in FIELDS {
        field_errors.insert(field.to_owned(), json!(error_of(field)));
    }
    let options = |codes: Vec<String>, field: &str, label: fn(&str) -> String| {
        let chosen = text(form, field).to_owned();
        codes
            .into_iter()
            .enumerate()
            .map(|(i, code)| {
                json!({
                    "id": if i == 0 { field.to_owned() } else { format!("{field}-{}", i + 1) },
                    "value": code,
                    "label": label(&code),
                    "checked": code == chosen,
                })
            })
            .collect::<Vec<_>>()
    };
    let title = if errors.is_empty() {
        "Log a new request"
    } else {
        "Error: Log a new request"
    };
    render(
        status,
        "new_request",
        title,
        &who.frame,
        json!({
            "errors": errors.iter().map(|(field, message)| json!({"href": anchor(field), "text": message})).collect::<Vec<_>>(),
            "values": values,
            "error": field_errors,
            "requested_by": options(RequestedBy::iter().map(|v| v.to_string()).collect(), "requested_by", words),
            "setting_type": options(SettingType::iter().map(|v| v.to_string()).collect(), "setting_type", words),
            "primary_need": options(NeedType::iter().map(|v| v.to_string()).collect(), "primary_need", str::to_owned),
        }),
    )
}

/// `POST /requests/new`: logs the request and shows its case; or the form again with
/// every error listed at the top and beside its field. Nothing is created on error.
pub async fn new_request(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_writer(&who)?;
    let form = form.into_inner();
    let parsed = RequestForm {
        form: &form,
        errors: Vec::new(),
    }
    .parse();
    let command = match parsed {
        Ok(command) => command,
        Err(errors) => return request_form(&who, StatusCode::BAD_REQUEST, &form, &errors),
    };
    let scope = who.scope.clone();
    let actor = who.user.id;
    let outcome = web::block(move || {
        workflow::receive_request(
            &state.db,
            &scope,
            &command,
            Some(actor),
            state.clock.as_ref(),
        )
    })
    .await
    .map_err(PageError::internal)?;
    match outcome {
        Ok(received) => {
            tracing::info!(case_id = %received.case.id, "request received");
            Ok(see_other(&format!("/cases/{}", received.case.id)))
        }
        Err(WorkflowError::Invalid { field, rule }) => {
            let field = FIELDS
                .iter()
                .find(|(id, _)| *id == field)
                .map_or("summary", |(id, _)| *id);
            let label = FIELDS
                .iter()
                .find(|(id, _)| *id == field)
                .map_or("", |(_, label)| *label);
            let message = format!("{label} {rule}");
            request_form(&who, StatusCode::BAD_REQUEST, &form, &[(field, message)])
        }
        Err(WorkflowError::Store(StoreError::Conflict(detail))) => {
            tracing::info!(%detail, "request refused");
            request_form(
                &who,
                StatusCode::CONFLICT,
                &form,
                &[(
                    "upn",
                    "Unique pupil number (UPN) is already known: check the child's existing case"
                        .to_owned(),
                )],
            )
        }
        Err(other) => Err(PageError::internal(other)),
    }
}
