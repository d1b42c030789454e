//! One case, whole: the request, its deadlines and their rules, the exceptions claimed
//! on them, the policy plugin's advice with each criterion's reason, the decisions,
//! the letters sent to the family, the history, and links to the steps that apply at
//! the case's stage, each a form on a page of its own ([`super::steps`]).
//!
//! Everything shown comes from [`access::read_case`], which refuses panel members (they
//! read a case through a sitting's papers) and records each read in the access log; a
//! letter is shown exactly as it was stored when it was written, and its reading is
//! recorded too.

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use sendpanel_core::access::{self, AccessKind};
use sendpanel_core::domain::{CaseId, DocumentId, NoteKind, StoredAdvice};
use sendpanel_core::workflow::CaseView;
use sendpanel_core::workflow::lifecycle::CASEWORK;
use serde_json::{Value, json};

use super::steps::{self, StepPage};
use crate::pages::advice::advice_view;
use crate::pages::cases::deadline_json;
use crate::pages::render::{PageError, render};
use crate::pages::session::SignedIn;
use crate::pages::work::{blocking, long_date, with, words};
use crate::state::AppState;
use sendpanel_core::workflow::Step;

/// `GET /cases/{id}`: the case; `?done=<command>` says what was just recorded, and
/// `?not_now=<command>` that a step asked for does not apply at the case's stage.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %who.user.id))]
pub async fn case_page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let id: CaseId = path.parse().map_err(|_| PageError::NotFound)?;
    let done = query.get("done").and_then(|slug| Step::from_slug(slug));
    let not_now = query.get("not_now").and_then(|slug| Step::from_slug(slug));
    let (services, actor) = (state.services(), who.actor());
    let view = blocking(move || {
        access::read_case(
            &services,
            &actor,
            id,
            AccessKind::CasePage,
            "GET /cases/{id}",
        )
    })
    .await?;
    let (db, scope, today) = (state.db.clone(), who.scope.clone(), state.clock.today());
    let (services, actor) = (state.services(), who.actor());
    let may_allocate = CASEWORK.contains(&who.user.role);
    let (advice_links, officers) = blocking(move || {
        let links = sendpanel_core::documents::advice_links::advice_status(&db, &scope, id, today)?;
        let officers = if may_allocate {
            services.officers(&actor)?
        } else {
            Vec::new()
        };
        Ok::<_, PageError>((links, officers))
    })
    .await?;
    let current_officer = view.officer.as_ref().map(|o| o.id);
    let officer_options: Vec<Value> = officers
        .iter()
        .map(|u| json!({ "value": u.id.to_string(), "label": u.display_name, "checked": Some(u.id) == current_officer }))
        .collect();
    let steps = steps::links(&view, who.user.role);
    render(
        StatusCode::OK,
        "case",
        &format!("{}: case", view.child_name),
        &who.frame,
        [
            ("steps", Value::Array(steps)),
            ("summary", Value::Array(summary(&view))),
            (
                "deadlines",
                Value::Array(view.deadlines.iter().map(deadline_json).collect()),
            ),
            ("exceptions", Value::Array(exceptions(&view))),
            (
                "advice",
                Value::Array(view.advice.iter().map(advice).collect()),
            ),
            ("decisions", Value::Array(decisions(&view))),
            ("letters", Value::Array(letters(&view))),
            ("evidence", Value::Array(evidence(&view))),
            (
                "max_upload_mb",
                Value::from(state.documents.max_bytes / (1024 * 1024)),
            ),
            (
                "advice_links",
                Value::Array(advice_links.iter().map(advice_link).collect()),
            ),
            (
                "can_send_links",
                Value::Bool(
                    Step::RequestAdvice.allows(who.user.role)
                        && state
                            .account_mail
                            .as_ref()
                            .and_then(|m| m.advice())
                            .is_some()
                        && view.stage == sendpanel_core::domain::CaseStage::Assessing,
                ),
            ),
            (
                "advice_sources",
                Value::Array(
                    <sendpanel_core::domain::AdviceSource as strum::IntoEnumIterator>::iter()
                        .map(|a| json!({ "value": a.to_string(), "label": words(&a.to_string()) }))
                        .collect(),
                ),
            ),
            (
                "can_upload",
                Value::Bool(
                    sendpanel_core::documents::evidence::UPLOADERS.contains(&who.user.role),
                ),
            ),
            (
                "evidence_kinds",
                Value::Array(
                    <sendpanel_core::domain::EvidenceKind as strum::IntoEnumIterator>::iter()
                        .map(|k| json!({ "value": k.to_string(), "label": k.words() }))
                        .collect(),
                ),
            ),
            (
                "need_areas",
                Value::Array(
                    <sendpanel_core::domain::NeedArea as strum::IntoEnumIterator>::iter()
                        .map(|a| json!({ "value": a.to_string(), "label": a.words() }))
                        .collect(),
                ),
            ),
            ("events", Value::Array(events(&view))),
            ("officers", Value::Array(officer_options)),
            ("child", Value::Array(child_rows(&view))),
            ("corrections", Value::Array(corrections(&view))),
            ("placements", Value::Array(placements(&view))),
            ("commitments", Value::Array(commitments(&view))),
            ("notes", Value::Array(notes(&view))),
            (
                "note_kinds",
                Value::Array(
                    <NoteKind as strum::IntoEnumIterator>::iter()
                        .map(|k| json!({ "value": k.to_string(), "label": words(&k.to_string()) }))
                        .collect(),
                ),
            ),
        ]
        .into_iter()
        .fold(
            json!({
                "id": view.id.to_string(),
                "child_name": view.child_name,
                "stage": words(&view.stage.to_string()),
                "done": done.map(StepPage::done),
                "not_now": not_now.map(StepPage::not_now),
                "may_act": steps::may_act(who.user.role),
                "can_allocate": may_allocate,
                "officer": view.officer.as_ref().map(|o| o.name.clone()),
                "officer_id": view.officer.as_ref().map(|o| o.id.to_string()),
                "today": today.to_string(),
                "closed": view.closed.as_ref().map(|c| format!(
                    "{} on {}",
                    words(&c.reason.to_string()),
                    long_date(c.on)
                )),
                "subject_access": sendpanel_core::subject_access::EXPORTERS
                    .contains(&who.user.role)
                    .then(|| format!("/children/{}/subject-access.zip", view.request.child_id)),
            }),
            |page, (key, value)| with(page, key, value),
        ),
    )
}

/// The child's details, each with the address of its correction form.
fn child_rows(view: &CaseView) -> Vec<Value> {
    view.child_details
        .iter()
        .map(|detail| {
            let field = detail.field.to_string();
            json!({
                "key": words(&field),
                "field": field.replace('_', "-"),
                "value": detail.value,
            })
        })
        .collect()
}

fn corrections(view: &CaseView) -> Vec<Value> {
    view.corrections
        .iter()
        .map(|c| {
            json!({
                "on": long_date(c.corrected_at.date_naive()),
                "field": words(&c.field.to_string()),
                "was": c.old_value.clone().unwrap_or_else(|| "Not recorded".to_owned()),
                "now": c.new_value.clone().unwrap_or_else(|| "Not recorded".to_owned()),
                "reason": c.reason,
            })
        })
        .collect()
}

/// Placements, the latest first: the setting, from when, and who pays what a year.
fn placements(view: &CaseView) -> Vec<Value> {
    use sendpanel_core::domain::Pence;
    view.placements
        .iter()
        .map(|p| {
            let shares = [
                ("Education", p.placement.terms.education_pence),
                ("Health", p.placement.terms.health_pence),
                ("Social care", p.placement.terms.social_care_pence),
            ]
            .into_iter()
            .filter(|(_, pence)| *pence > 0)
            .map(|(who, pence)| format!("{who} {}", Pence::new(pence)))
            .collect::<Vec<_>>()
            .join(", ");
            json!({
                "from": long_date(p.placement.terms.starts_on),
                "named_late": p.named_late_for_transfer.map(long_date),
                "setting": p.setting.name,
                "kind": words(&p.setting.kind.to_string()),
                "out_of_area": !p.setting.in_area,
                "funding": if shares.is_empty() { "None recorded".to_owned() } else { shares },
                "reasons": p.placement.terms.reasons,
            })
        })
        .collect()
}

/// Band and funding commitments, the latest first: the band, from when, the yearly
/// amounts, and whether it follows the plugin's advice.
fn commitments(view: &CaseView) -> Vec<Value> {
    use sendpanel_core::domain::Pence;
    view.commitments
        .iter()
        .map(|c| {
            let others: Vec<String> = c
                .other_elements
                .iter()
                .map(|e| format!("{} {}", e.name, Pence::new(e.yearly_pence)))
                .collect();
            json!({
                "from": long_date(c.starts_on),
                "until": c.ends_on.map(long_date),
                "band": format!("{} ({})", c.band_title, c.band_code),
                "funding": format!(
                    "Place {}, top-up {}{}",
                    Pence::new(c.place_funding_pence),
                    Pence::new(c.top_up_pence),
                    if others.is_empty() { String::new() } else { format!(", {}", others.join(", ")) }
                ),
                "source": match (c.source.advice_id.is_some(), c.source.departs_from_advice) {
                    (true, false) => "As the plugin advised",
                    (true, true) => "Departs from the plugin's advice",
                    (false, _) => "No advice to confirm",
                },
                "reasons": c.reasons,
            })
        })
        .collect()
}

fn notes(view: &CaseView) -> Vec<Value> {
    view.notes
        .iter()
        .map(|n| {
            json!({
                "on": long_date(n.occurred_on),
                "kind": words(&n.kind.to_string()),
                "with_whom": n.with_whom,
                "summary": n.summary,
            })
        })
        .collect()
}

fn summary(view: &CaseView) -> Vec<Value> {
    let request = &view.request;
    [
        ("Stage", words(&view.stage.to_string())),
        ("Date of birth", long_date(view.date_of_birth)),
        ("Received on", long_date(request.received_on)),
        ("Requested by", words(&request.requested_by.to_string())),
        ("Requester", request.requester.clone()),
        ("Setting", words(&request.setting_type.to_string())),
        ("Primary need", request.primary_need.to_string()),
        ("Summary", request.summary.clone()),
        (
            "Contact email",
            request
                .contact_email
                .as_ref()
                .map_or_else(|| "None given".to_owned(), ToString::to_string),
        ),
    ]
    .iter()
    .map(|(key, value)| json!({ "key": key, "value": value }))
    .collect()
}

fn exceptions(view: &CaseView) -> Vec<Value> {
    view.exceptions
        .iter()
        .map(|e| {
            let applies = match e.applies_to {
                Some(to) => format!("{} to {}", long_date(e.applies_from), long_date(to)),
                None => format!("From {}", long_date(e.applies_from)),
            };
            json!({
                "deadline": words(&e.deadline_kind.to_string()),
                "limb": words(&e.limb.to_string()),
                "citation": e.citation().unwrap_or(""),
                "evidence": e.evidence,
                "applies": applies,
                "family_told_on": long_date(e.family_told_on),
                "claimed_on": long_date(e.claimed_at.date_naive()),
            })
        })
        .collect()
}

fn decisions(view: &CaseView) -> Vec<Value> {
    view.decisions
        .iter()
        .map(|decision| {
            json!({
                "what": words(&decision.kind.to_string()),
                "outcome": words(&decision.choice.map_or_else(
                    || decision.outcome.to_string(),
                    |choice| choice.to_string(),
                )),
                "reasons": decision.reasons.as_str(),
                "when": decision.decided_at.format("%-d %B %Y").to_string(),
                "at_panel": decision.agenda_item_id.is_some(),
            })
        })
        .collect()
}

/// One request for advice through a link, as the case page's table shows it.
fn advice_link(link: &sendpanel_core::documents::advice_links::AdviceLinkView) -> Value {
    json!({
        "id": link.link.to_string(),
        "from": words(&link.from.to_string()),
        "recipient": link.recipient_name,
        "requested_on": long_date(link.requested_on),
        "due_on": long_date(link.due_on),
        "chased": link.chased_on.iter().map(|d| long_date(*d)).collect::<Vec<_>>().join(", "),
        "received_on": link.received_on.map(long_date),
        "overdue": link.overdue,
        "state": words(&link.state.to_string()),
        "waiting": link.state == sendpanel_core::documents::advice_links::LinkState::Waiting,
    })
}

/// The case's documents, by the day each was written.
fn evidence(view: &CaseView) -> Vec<Value> {
    view.evidence
        .iter()
        .map(|e| {
            json!({
                "href": format!("/cases/{}/evidence/{}", view.id, e.id),
                "file_name": e.file_name,
                "kind": e.kind.words(),
                "author": e.author_organisation,
                "written_on": e.written_on.format("%-d %B %Y").to_string(),
                "areas": e.areas.iter().map(|a| a.words()).collect::<Vec<_>>().join(", "),
                "removed": e.removed_at.is_some(),
            })
        })
        .collect()
}

fn letters(view: &CaseView) -> Vec<Value> {
    view.letters
        .iter()
        .map(|letter| {
            json!({
                "title": letter.title,
                "when": long_date(letter.created_at.date_naive()),
                "href": format!("/cases/{}/letters/{}", view.id, letter.id),
            })
        })
        .collect()
}

fn events(view: &CaseView) -> Vec<Value> {
    view.events
        .iter()
        .rev()
        .map(|event| {
            json!({
                "what": words(&event.kind().to_string()),
                "when": event.occurred_at.format("%-d %B %Y at %H:%M UTC").to_string(),
                "datetime": event.occurred_at.to_rfc3339(),
            })
        })
        .collect()
}

/// One piece of stored advice for the shared `advice` partial, with when it was given.
fn advice(stored: &StoredAdvice) -> Value {
    let output: Option<Value> = stored
        .output_json
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok());
    let mut shown = advice_view(
        &stored.call,
        &stored.outcome,
        stored.plugin_sha256.as_str(),
        output.as_ref(),
        stored.unavailable_reason.as_deref(),
    );
    if let Some(fields) = shown.as_object_mut() {
        fields.insert(
            "when".into(),
            json!(
                stored
                    .evaluated_at
                    .format("%-d %B %Y at %H:%M UTC")
                    .to_string()
            ),
        );
    }
    shown
}

/// `GET /cases/{id}/letters/{letter}`: a letter exactly as it was written and sent.
/// It is the authority's own HTML, so it is served under a policy that runs no script
/// and loads nothing: only its inline styles apply.
#[tracing::instrument(skip_all, fields(case_id = %path.0, user_id = %who.user.id))]
pub async fn letter(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (case, letter) = path.into_inner();
    let case: CaseId = case.parse().map_err(|_| PageError::NotFound)?;
    let letter: DocumentId = letter.parse().map_err(|_| PageError::NotFound)?;
    let (services, actor) = (state.services(), who.actor());
    let document = blocking(move || {
        access::read_letter(
            &services,
            &actor,
            case,
            letter,
            "GET /cases/{id}/letters/{letter}",
        )
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(document.media_type.as_str())
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(document.content))
}
