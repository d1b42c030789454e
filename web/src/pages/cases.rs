//! The caseworker's pages: the caseload and the new request form (one case is
//! [`super::case::page`]).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use sendpanel_core::caseload::{CaseloadParams, export_for, screen_for, team_for};
use sendpanel_core::domain::{CaseStage, NeedType, RequestedBy, SettingType};
use sendpanel_core::reports::csv::write_table;
use sendpanel_core::store::StoreError;
use sendpanel_core::transitions::{cohorts_for, school_year};
use sendpanel_core::workflow::{self, CaseloadEntry, DeadlineView, ReceiveRequest, WorkflowError};
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

/// `GET /caseload`: one page of the authority's cases, searched and filtered, the
/// soonest next deadline first; `officer=me` is a caseworker's "my cases", their home
/// page. A bad filter shows the page again with the error beside it, and no cases.
pub async fn caseload(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CaseloadParams>,
) -> Result<HttpResponse, PageError> {
    let (services, actor, params) = (state.services(), who.actor(), query.into_inner());
    let asked = params.clone();
    let result = blocking(move || match screen_for(&services, &actor, &params) {
        Err(WorkflowError::Invalid { field, rule }) => Ok(Err((field, rule))),
        other => other.map(Ok),
    })
    .await?;
    let mine = asked.officer.as_deref() == Some("me");
    let title = if mine { "My cases" } else { "Caseload" };
    let (screen, error) = match result {
        Ok(screen) => (Some(screen), None),
        Err((field, rule)) => (
            None,
            Some(json!({ "field": field, "text": format!("{} {rule}", filter_label(field)) })),
        ),
    };
    let rows: Vec<Value> = screen
        .as_ref()
        .map(|s| s.page.cases.iter().map(caseload_row).collect())
        .unwrap_or_default();
    let chosen = |v: &Option<String>| v.clone().unwrap_or_default();
    let select = |options: Vec<(String, String)>, current: &Option<String>| {
        options
            .into_iter()
            .map(|(value, label)| json!({ "checked": Some(&value) == current.as_ref(), "value": value, "label": label }))
            .collect::<Vec<_>>()
    };
    let officers: Vec<(String, String)> = [
        ("me".to_owned(), "My cases".to_owned()),
        ("unallocated".to_owned(), "Not allocated".to_owned()),
    ]
    .into_iter()
    .chain(screen.iter().flat_map(|s| {
        s.officers
            .iter()
            .map(|o| (o.id.to_string(), o.name.clone()))
    }))
    .collect();
    let panels: Vec<(String, String)> = screen
        .iter()
        .flat_map(|s| {
            s.panels
                .iter()
                .map(|(id, name)| (id.to_string(), name.clone()))
        })
        .collect();
    let stages = CaseStage::iter()
        .map(|s| (s.to_string(), words(&s.to_string())))
        .collect();
    let settings = SettingType::iter()
        .map(|s| (s.to_string(), words(&s.to_string())))
        .collect();
    let dues = vec![
        ("overdue".to_owned(), "Overdue".to_owned()),
        ("at_risk".to_owned(), "Due within 10 days".to_owned()),
        ("this_week".to_owned(), "Due this week".to_owned()),
    ];
    let years = (-2..=14)
        .map(|y: i32| (y.to_string(), year_label(y)))
        .collect();
    let filters = CaseloadParams {
        after: None,
        ..asked.clone()
    };
    let query_string = |after: Option<&str>| {
        let mut pairs = serde_urlencoded::to_string(CaseloadParams {
            after: after.map(str::to_owned),
            ..filters.clone()
        })
        .unwrap_or_default();
        if pairs.is_empty() {
            pairs.push_str("per_page=50");
        }
        pairs
    };
    let (total, next) = screen
        .as_ref()
        .map_or((0, None), |s| (s.page.total, s.page.next.clone()));
    render(
        StatusCode::OK,
        "caseload",
        title,
        &who.frame,
        json!({
            "title": title,
            "cases": rows,
            "total": total,
            "error": error,
            "can_log_requests": WRITERS.contains(&who.user.role),
            "q": chosen(&asked.q),
            "stages": select(stages, &asked.stage),
            "officers": select(officers, &asked.officer),
            "panels": select(panels, &asked.panel),
            "settings": select(settings, &asked.setting),
            "dues": select(dues, &asked.due),
            "years": select(years, &asked.year_group),
            "next": next.map(|n| format!("/caseload?{}", query_string(Some(&n)))),
            "first": asked.after.is_some().then(|| format!("/caseload?{}", query_string(None))),
            "csv": format!("/caseload.csv?{}", query_string(None)),
        }),
    )
}

/// `GET /caseload.csv`: every case the same filters match, as a spreadsheet. Each cell
/// goes through the core's formula guard, so a name typed as `=...` is shown, never run.
pub async fn caseload_csv(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CaseloadParams>,
) -> Result<HttpResponse, PageError> {
    let (services, actor, params) = (state.services(), who.actor(), query.into_inner());
    let entries =
        blocking(move || export_for(&services, &actor, &params, "GET /caseload.csv")).await?;
    let rows = entries.iter().map(|e| {
        let deadline = e.next_deadline.as_ref();
        [
            e.id.to_string(),
            e.child_name.clone(),
            e.date_of_birth.to_string(),
            e.stage.to_string(),
            e.received_on.to_string(),
            e.officer
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            deadline.map(|d| d.kind.clone()).unwrap_or_default(),
            deadline.map(|d| d.due_on.to_string()).unwrap_or_default(),
            deadline
                .map(|d| {
                    if d.overdue {
                        "overdue"
                    } else if d.at_risk {
                        "at risk"
                    } else {
                        ""
                    }
                })
                .unwrap_or_default()
                .to_owned(),
        ]
    });
    let body = write_table(
        &[
            "case",
            "child",
            "date_of_birth",
            "stage",
            "received_on",
            "officer",
            "next_deadline",
            "due_on",
            "status",
        ],
        rows,
    )
    .map_err(PageError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"caseload.csv\"",
        ))
        .body(body))
}

/// A caseload row as the table shows it.
fn caseload_row(entry: &CaseloadEntry) -> Value {
    json!({
        "id": entry.id.to_string(),
        "child_name": entry.child_name,
        "date_of_birth": long_date(entry.date_of_birth),
        "stage": words(&entry.stage.to_string()),
        "officer": entry.officer.as_ref().map(|o| o.name.clone()),
        "received_on": long_date(entry.received_on),
        "next_deadline": entry.next_deadline.as_ref().map(deadline_json),
    })
}

/// What the error beside a filter calls it.
fn filter_label(field: &str) -> &'static str {
    match field {
        "q" => "Search:",
        "stage" => "Stage:",
        "officer" => "Officer:",
        "panel" => "Panel:",
        "setting" => "Setting:",
        "due" => "Due:",
        "year_group" => "Year group:",
        "after" => "Page:",
        "per_page" => "Cases per page:",
        _ => "",
    }
}

/// "Reception", "Year 7", "Nursery (age 3)".
fn year_label(year: i32) -> String {
    match year {
        -2 => "Nursery (age 2)".to_owned(),
        -1 => "Nursery (age 3)".to_owned(),
        0 => "Reception".to_owned(),
        n => format!("Year {n}"),
    }
}

/// `GET /team`: each officer's open, overdue and at-risk cases, and those not allocated:
/// how a manager balances the team.
pub async fn team(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, PageError> {
    let (services, actor) = (state.services(), who.actor());
    let rows = blocking(move || team_for(&services, &actor)).await?;
    let rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            let officer = row.officer.as_ref().map(|o| o.id.to_string());
            json!({
                "officer": row.officer.as_ref().map_or_else(|| "Not allocated".to_owned(), |o| o.name.clone()),
                "href": format!("/caseload?officer={}", officer.as_deref().unwrap_or("unallocated")),
                "open": row.open,
                "overdue": row.overdue,
                "at_risk": row.at_risk,
            })
        })
        .collect();
    render(
        StatusCode::OK,
        "team",
        "Team",
        &who.frame,
        json!({ "rows": rows }),
    )
}

/// `GET /transitions`: each phase transfer's cohort of children with plans, this
/// school year and next, with the day their plans must name the new setting and a link
/// to the list on the caseload.
pub async fn transitions(
    state: web::Data<AppState>,
    who: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (services, actor) = (state.services(), who.actor());
    let today = state.clock.today();
    let cohorts = blocking(move || cohorts_for(&services, &actor)).await?;
    let rows: Vec<Value> = cohorts
        .iter()
        .map(|cohort| {
            json!({
                "transfer": cohort.transfer.title(),
                "rule": cohort.transfer.rule(),
                "year_group": year_label(cohort.year_group_now),
                "transfer_year": cohort.transfer_year,
                "deadline": cohort.naming_deadline.map(long_date),
                "passed": cohort.deadline_passed,
                "plans": cohort.plans,
                "href": format!(
                    "/caseload?{}",
                    serde_urlencoded::to_string(&cohort.list).unwrap_or_default()
                ),
            })
        })
        .collect();
    render(
        StatusCode::OK,
        "transitions",
        "Transitions",
        &who.frame,
        json!({ "rows": rows, "school_year": school_year(today) }),
    )
}

/// The new request form's fields, in page order: (id, label) for the error summary.
const FIELDS: [(&str, &str); 14] = [
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("upn", "Unique pupil number (UPN)"),
    ("authority_reference", "Authority reference"),
    ("confirm_new_child", "Possible duplicate:"),
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
                upn: self.optional("upn"),
                authority_reference: self.optional("authority_reference"),
                confirm_new_child: text(self.form, "confirm_new_child") == "yes",
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
        "authority_reference",
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
