//! The case page's casework forms: allocating the case to an officer, adding a note of
//! contact, and correcting one of the child's details (on a page of its own, showing
//! the value being replaced). Each form posts to the core, which decides on what it
//! reads in its own transaction; a refusal shows what was wrong, naming the field.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use sendpanel_core::access::{self, AccessKind};
use sendpanel_core::domain::{CaseId, ChildField, NoteKind, UserId};
use sendpanel_core::workflow::lifecycle::{CASEWORK, field_value};
use sendpanel_core::workflow::{AllocateCase, CorrectChild, NewCaseNote};
use serde_json::json;

use crate::pages::render::render;
use crate::pages::work::{blocking, words};
use crate::pages::{PageError, SignedIn};
use crate::state::AppState;

fn back_to(case: CaseId, anchor: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/cases/{case}#{anchor}")))
        .finish()
}

fn case_of(path: &str) -> Result<CaseId, PageError> {
    path.parse().map_err(|_| PageError::NotFound)
}

/// An optional user id from a form field: empty is none.
fn user(form: &HashMap<String, String>, name: &'static str) -> Result<Option<UserId>, PageError> {
    match form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(id) => id
            .parse()
            .map(Some)
            .map_err(|_| PageError::invalid(name, "Select an officer from the list")),
    }
}

/// `POST /cases/{id}/allocation`: allocates the case, or takes its officer off it.
pub async fn allocate(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let case = case_of(&path)?;
    let command = AllocateCase {
        officer: user(&form, "officer")?,
        expected_officer: user(&form, "expected_officer")?,
        reason: form.get("reason").cloned(),
    };
    let (services, actor) = (state.services(), who.actor());
    blocking(move || services.allocate(&actor, case, &command)).await?;
    Ok(back_to(case, "officer"))
}

/// `POST /cases/{id}/notes`: adds a note of contact.
pub async fn add_note(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let case = case_of(&path)?;
    let text = |name: &str| form.get(name).cloned().unwrap_or_default();
    let kind = text("kind")
        .parse::<NoteKind>()
        .map_err(|_| PageError::invalid("kind", "Select how the contact happened"));
    let occurred_on =
        NaiveDate::parse_from_str(text("occurred_on").trim(), "%Y-%m-%d").map_err(|_| {
            PageError::invalid(
                "occurred_on",
                "Enter the day as YYYY-MM-DD, for example 2026-12-01",
            )
        });
    let (with_whom, summary) = (text("with_whom"), text("summary"));
    let (services, actor) = (state.services(), who.actor());
    blocking(move || {
        // Who may, and whose case, before what was typed: a refusal tells nothing.
        services.may_work_on(&actor, case)?;
        let command = NewCaseNote {
            kind: kind?,
            with_whom,
            occurred_on: occurred_on?,
            summary,
        };
        Ok::<_, PageError>(services.add_note(&actor, case, &command)?)
    })
    .await?;
    Ok(back_to(case, "notes"))
}

fn field_of(slug: &str) -> Result<ChildField, PageError> {
    slug.replace('-', "_")
        .parse()
        .map_err(|_| PageError::NotFound)
}

/// `GET /cases/{id}/child/{field}`: the form correcting one of the child's details,
/// showing the value recorded. Reading it is a read of the child's record, authorised
/// and recorded like the case page.
pub async fn correction_page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (case, field) = path.into_inner();
    let (case, field) = (case_of(&case)?, field_of(&field)?);
    if !CASEWORK.contains(&who.user.role) {
        return Err(PageError::Forbidden(format!(
            "a {} cannot correct a child's details",
            words(&who.user.role.to_string())
        )));
    }
    let (services, actor) = (state.services(), who.actor());
    let child = blocking(move || {
        access::read_child(
            &services,
            &actor,
            case,
            AccessKind::CasePage,
            "GET /cases/{id}/child/{field}",
        )
    })
    .await?;
    let current = field_value(&child, field);
    render(
        StatusCode::OK,
        "child_correction",
        "Correct the child\u{2019}s details",
        &who.frame,
        json!({
            "case": case.to_string(),
            "field": field.to_string().replace('_', "-"),
            "label": words(&field.to_string()),
            "current": current,
        }),
    )
}

/// `POST /cases/{id}/child/{field}`: corrects the detail, keeping the value replaced.
pub async fn correct(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let (case, field) = path.into_inner();
    let (case, field) = (case_of(&case)?, field_of(&field)?);
    let text = |name: &str| form.get(name).cloned();
    let command = CorrectChild {
        field,
        expected: text("expected"),
        value: text("value"),
        reason: text("reason").unwrap_or_default(),
    };
    let (services, actor) = (state.services(), who.actor());
    blocking(move || {
        let child = access::read_child(
            &services,
            &actor,
            case,
            AccessKind::CasePage,
            "POST /cases/{id}/child/{field}",
        )?;
        services.correct_child(&actor, child.id, &command)
    })
    .await?;
    Ok(back_to(case, "child"))
}
