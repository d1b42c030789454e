//! A case's papers for one agenda item, and what a member does with them: declare a
//! conflict, vote with a reason (or change their vote), and, for the chair, close the
//! item with the decision and its reasons. Opening the page is reading the papers, and
//! the core records each opening as evidence that the panel's review was real.
//!
//! A refused form re-shows the papers with a GOV.UK error summary naming the field and
//! the rule; nothing was changed, and showing them again is not recorded as an opening.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use sendpanel_core::domain::{
    AgendaItemId, AgendaItemStatus, Proposal, SittingStatus, UserId, VoteChoice,
};
use sendpanel_core::panel::{
    self, CHAIR_ROLE, CastVote, CloseItem, DeclareConflict, ItemTally, Papers,
};
use sendpanel_core::store::AuthorityScope;
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use super::{SITTERS, item_id, question, quorum_text, view_text};
use crate::pages::advice::advice_view;
use crate::pages::fields::Reader;
use crate::pages::render::{PageError, render};
use crate::pages::session::{SignedIn, see_other};
use crate::pages::work::{authority_config, blocking, long_date, require_role, text, words};
use crate::state::AppState;

/// A field's error, as the error summary lists it.
type FieldErrors = Vec<(String, String)>;

/// Everything the papers page shows, read together.
struct PapersRead {
    papers: Papers,
    tally: Option<ItemTally>,
    sitting_status: SittingStatus,
    is_chair: bool,
    vote: Option<sendpanel_core::domain::Vote>,
    conflict: Option<sendpanel_core::domain::Conflict>,
    today: NaiveDate,
}

/// How the papers are read: opened (recorded, as any reading is) or shown again
/// beside a refused form (recorded nothing, since a refused form changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    Open,
    Again,
}

async fn read_papers(
    state: web::Data<AppState>,
    who: &SignedIn,
    id: AgendaItemId,
    reading: Reading,
) -> Result<PapersRead, PageError> {
    let (scope, reader) = (who.scope.clone(), who.user.id);
    blocking(move || {
        let config = authority_config(&state, &scope)?;
        let papers = match reading {
            Reading::Open => panel::open_papers(
                &state.db,
                &scope,
                id,
                reader,
                "GET /agenda-items/{id}",
                state.clock.as_ref(),
            )?,
            Reading::Again => {
                panel::reread_papers(&state.db, &scope, id, reader, state.clock.today())?
            }
        };
        let sitting = panel::sitting_tally(&state.db, &scope, papers.sitting, config)?;
        let seats = panel::sitting_members(&state.db, &scope, papers.sitting)?;
        let (vote, conflict) = panel::my_part(&state.db, &scope, id, reader)?;
        Ok::<_, PageError>(PapersRead {
            is_chair: seats
                .iter()
                .any(|s| s.user_id == reader && s.role.as_str() == CHAIR_ROLE),
            sitting_status: sitting.status,
            tally: sitting.items.into_iter().find(|i| i.item == id),
            papers,
            vote,
            conflict,
            today: state.clock.today(),
        })
    })
    .await
}

/// Where an error's link in the summary goes: a date's day box, a radio group's first
/// option, or the field itself.
fn anchor(field: &str) -> String {
    match field {
        "decided_on" => "#decided_on-day".to_owned(),
        "choice" => "#choice".to_owned(),
        other => format!("#{other}"),
    }
}

/// Renders the papers, with any errors from a refused form and what was typed.
async fn papers_response(
    state: web::Data<AppState>,
    who: &SignedIn,
    id: AgendaItemId,
    status: StatusCode,
    errors: &FieldErrors,
    typed: &HashMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let reading = if errors.is_empty() {
        Reading::Open
    } else {
        Reading::Again
    };
    let read = read_papers(state, who, id, reading).await?;
    let papers = &read.papers;
    let request = &papers.request;
    let typed_or = |field: &str, default: String| {
        typed
            .get(field)
            .cloned()
            .filter(|v| !v.is_empty())
            .unwrap_or(default)
    };
    let error_of = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, message)| message.clone())
    };
    let pending = read.tally.as_ref().map(|t| t.status) == Some(AgendaItemStatus::Pending);
    let open = read.sitting_status == SittingStatus::Open;
    let can_vote = open && pending && read.conflict.is_none();
    let chosen_vote = typed_or(
        "choice",
        read.vote
            .as_ref()
            .map(|v| v.choice.to_string())
            .unwrap_or_default(),
    );
    let vote_options: Vec<Value> = VoteChoice::iter()
        .enumerate()
        .map(|(i, choice)| {
            json!({
                "id": if i == 0 { "choice".to_owned() } else { format!("choice-{}", i + 1) },
                "value": choice.to_string(),
                "label": words(&choice.to_string()),
                "checked": choice.to_string() == chosen_vote,
            })
        })
        .collect();
    let chosen_decision = typed_or("decision", String::new());
    let decision_options: Vec<Value> = Proposal::iter()
        .filter(|p| p.decision_kind() == papers.decision_kind)
        .map(|p| (p.to_string(), words(&p.to_string())))
        .chain(std::iter::once((
            "defer".to_owned(),
            "Defer to a later sitting".to_owned(),
        )))
        .enumerate()
        .map(|(i, (value, label))| {
            json!({
                "id": if i == 0 { "decision".to_owned() } else { format!("decision-{}", i + 1) },
                "value": value,
                "label": label,
                "checked": value == chosen_decision,
            })
        })
        .collect();
    // The day it sits, unless the chair closes early: a decision cannot be dated ahead.
    let decided_on = papers.sits_on.min(read.today);
    let summary = [
        ("Date of birth", long_date(papers.date_of_birth)),
        ("Received on", long_date(request.received_on)),
        ("Requested by", words(&request.requested_by.to_string())),
        ("Requester", request.requester.clone()),
        ("Setting", words(&request.setting_type.to_string())),
        ("Primary need", request.primary_need.to_string()),
        ("Summary", request.summary.clone()),
    ]
    .iter()
    .map(|(key, value)| json!({ "key": key, "value": value }))
    .collect::<Vec<_>>();
    let title = format!("Papers: {}", papers.child_name);
    let title = if errors.is_empty() {
        title
    } else {
        format!("Error: {title}")
    };
    render(
        status,
        "papers",
        &title,
        &who.frame.with_back(
            format!("/sittings/{}", papers.sitting),
            "Back to the sitting",
        ),
        json!({
            "id": id.to_string(),
            "sitting": papers.sitting.to_string(),
            // The link to the whole case only for those who may open it: a member reads
            // the case through these papers alone.
            "case": sendpanel_core::access::may_open_case(who.user.role)
                .then(|| papers.case.to_string()),
            "sits_on": long_date(papers.sits_on),
            "child_name": papers.child_name,
            "decision": question(papers.decision_kind),
            "proposal": papers.proposal.map(|p| words(&p.to_string())),
            "legal_test": papers.legal_test,
            "summary": summary,
            "placement": papers.proposed_placement.as_ref().map(proposed_placement),
            "funding": papers.proposed_funding.as_ref().map(proposed_funding),
            "advice": papers.advice.iter().map(|a| advice_view(&a.call, &a.outcome, &a.plugin_sha256, a.answer.as_ref(), a.unavailable_reason.as_deref())).collect::<Vec<_>>(),
            "deadlines": papers.deadlines.iter().map(|d| json!({
                "kind": words(&d.kind),
                "due_on": long_date(d.due_on),
                "rule": d.rule,
                "status": words(&d.status),
            })).collect::<Vec<_>>(),
            "evidence": papers.evidence.iter().map(|e| json!({
                "href": format!("/agenda-items/{id}/evidence/{}", e.id),
                "kind": e.kind.words(),
                "file_name": e.file_name,
                "author": e.author_organisation,
                "written_on": long_date(e.written_on),
                "opened": e.opened,
            })).collect::<Vec<_>>(),
            "unopened": papers.evidence.iter().filter(|e| !e.opened).count(),
            "decisions": papers.decisions.iter().map(|d| json!({
                "what": words(&d.kind.to_string()),
                "outcome": words(&d.outcome.to_string()),
                "reasons": d.reasons.as_str(),
                "when": d.decided_at.format("%-d %B %Y").to_string(),
            })).collect::<Vec<_>>(),
            "tally": read.tally.as_ref().map(|t| json!({
                "agree": t.counts.agree,
                "disagree": t.counts.disagree,
                "abstain": t.counts.abstain,
                "view": view_text(t.view),
                "quorum": quorum_text(&t.quorum),
                "status": words(&t.status.to_string()),
            })),
            "my_vote": read.vote.as_ref().map(|v| json!({ "choice": words(&v.choice.to_string()), "reason": v.reason })),
            "my_conflict": read.conflict.as_ref().map(|c| c.reason.clone()),
            "can_vote": can_vote,
            "can_declare": open && pending && read.conflict.is_none(),
            "can_close": read.is_chair && open && pending,
            "not_open": !open,
            // Partials get small contexts of their own: handlebars-rust clones the
            // whole current context into every partial call made without one.
            "vote_radios": {
                "name": "choice",
                "legend": "Do you agree with the proposal?",
                "options": vote_options,
                "error": error_of("choice"),
            },
            "decision_radios": {
                "name": "decision",
                "legend": "The panel's decision",
                "options": decision_options,
                "error": error_of("decision"),
            },
            "decided_on_field": {
                "id": "decided_on",
                "label": "Date of the decision",
                "day": typed_or("decided_on-day", decided_on.day().to_string()),
                "month": typed_or("decided_on-month", decided_on.month().to_string()),
                "year": typed_or("decided_on-year", decided_on.year().to_string()),
                "error": error_of("decided_on"),
            },
            "values": {
                "reason": typed_or("reason", String::new()),
                "conflict_reason": typed_or("conflict_reason", String::new()),
                "reasons": typed_or("reasons", String::new()),
                "departure_reason": typed_or("departure_reason", String::new()),
            },
            "errors": errors.iter().map(|(field, message)| json!({ "href": anchor(field), "text": message })).collect::<Vec<_>>(),
            "error": {
                "reason": error_of("reason"),
                "conflict_reason": error_of("conflict_reason"),
                "reasons": error_of("reasons"),
                "departure_reason": error_of("departure_reason"),
            },
        }),
    )
}

/// `GET /agenda-items/{id}`: the papers, for members seated at the sitting.
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %who.user.id))]
pub async fn papers_page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    require_role(&who, &SITTERS, "read panel papers")?;
    let id = item_id(&path)?;
    papers_response(
        state,
        &who,
        id,
        StatusCode::OK,
        &Vec::new(),
        &HashMap::new(),
    )
    .await
}

/// Runs a member's command on an item; on success publishes the sitting's new tally
/// and goes back to `then`. A refusal the member can correct re-shows the papers with
/// the error beside its field; `rename` maps a core field name to the page's where two
/// forms on the page share one (both the vote and the conflict have a `reason`).
async fn act(
    state: web::Data<AppState>,
    who: SignedIn,
    id: AgendaItemId,
    form: HashMap<String, String>,
    rename: &[(&str, &str)],
    command: impl FnOnce(&AppState, &AuthorityScope, UserId) -> Result<String, PageError>
    + Send
    + 'static,
) -> Result<HttpResponse, PageError> {
    let worker = state.clone();
    let (scope, user) = (who.scope.clone(), who.user.id);
    let span = tracing::Span::current();
    let outcome = web::block(move || {
        span.in_scope(|| {
            let then = command(&worker, &scope, user)?;
            if let Ok(sitting) = panel::sitting_of(&worker.db, &scope, id) {
                crate::live::publish_tally(&worker, &scope, sitting);
            }
            Ok::<_, PageError>(then)
        })
    })
    .await
    .map_err(PageError::internal)?;
    match outcome {
        Ok(then) => Ok(see_other(&then)),
        Err(PageError::Refused { field, message }) => {
            // A refusal with no field (the item closed, no seat) links to the heading
            // of the member's part of the page, which is always there.
            let general = field.is_none();
            let field = field.unwrap_or_else(|| "your-vote".to_owned());
            let field = rename
                .iter()
                .find(|(core, _)| *core == field)
                .map_or(field.clone(), |(_, page)| (*page).to_owned());
            // The core's rules read after the field's name ("reasons: must not be
            // empty"); the page's own messages and general refusals stand alone.
            let text = if general || message.starts_with(char::is_uppercase) {
                let mut chars = message.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            } else {
                format!("{}: {message}", words(&field))
            };
            papers_response(
                state,
                &who,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                &vec![(field, text)],
                &form,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

/// `POST /agenda-items/{id}/vote`: vote, or change a vote, with a reason.
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %who.user.id))]
pub async fn vote(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_role(&who, &SITTERS, "vote")?;
    let id = item_id(&path)?;
    let form = form.into_inner();
    let choice = text(&form, "choice").parse::<VoteChoice>();
    let reason = text(&form, "reason").to_owned();
    act(state, who, id, form, &[], move |state, scope, user| {
        let choice = choice
            .map_err(|_| PageError::invalid("choice", "select agree, disagree or abstain"))?;
        panel::cast_vote(
            &state.db,
            scope,
            id,
            user,
            &CastVote { choice, reason },
            state.clock.as_ref(),
        )?;
        Ok(format!("/agenda-items/{id}#your-vote"))
    })
    .await
}

/// `POST /agenda-items/{id}/conflict`: declare a conflict of interest; the member's
/// votes on the item stop counting and its papers close to them.
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %who.user.id))]
pub async fn conflict(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_role(&who, &SITTERS, "declare a conflict")?;
    let id = item_id(&path)?;
    let form = form.into_inner();
    let reason = text(&form, "conflict_reason").to_owned();
    act(
        state,
        who,
        id,
        form,
        &[("reason", "conflict_reason")],
        move |state, scope, user| {
            panel::declare_conflict(
                &state.db,
                scope,
                id,
                user,
                &DeclareConflict { reason },
                state.clock.as_ref(),
            )?;
            // The papers are closed to a member with a conflict: back to the sitting,
            // which lists the conflict beside the item.
            let sitting = panel::sitting_of(&state.db, scope, id)?;
            Ok(format!("/sittings/{sitting}"))
        },
    )
    .await
}

/// The decision date typed in the GOV.UK date input, read as every form reads dates.
fn decided_on(form: &HashMap<String, String>) -> Result<NaiveDate, PageError> {
    let mut reader = Reader::new(form);
    let day = reader.date("decided_on", "Date of the decision");
    match (day, reader.errors.into_iter().next()) {
        (Some(day), _) => Ok(day),
        (None, Some(error)) => Err(PageError::invalid(error.field, error.message)),
        (None, None) => Err(PageError::invalid("decided_on", "must be a real date")),
    }
}

/// `POST /agenda-items/{id}/close`: the chair decides the item, with reasons, or
/// defers it. The decision becomes the case's in the same transaction.
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %who.user.id))]
pub async fn close(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_role(&who, &SITTERS, "close an agenda item")?;
    let id = item_id(&path)?;
    let form = form.into_inner();
    let decision = match text(&form, "decision") {
        "" => Err(PageError::invalid(
            "decision",
            "select the decision, or defer the item",
        )),
        "defer" => Ok(None),
        code => code
            .parse::<Proposal>()
            .map(Some)
            .map_err(|_| PageError::invalid("decision", "select one of the decisions listed")),
    };
    let reasons = text(&form, "reasons").to_owned();
    let departure_reason =
        Some(text(&form, "departure_reason").to_owned()).filter(|r| !r.is_empty());
    let day = decided_on(&form);
    let actor = who.actor();
    act(state, who, id, form, &[], move |state, scope, _user| {
        let config = authority_config(state, scope)?;
        let command = CloseItem {
            decision: decision?,
            reasons,
            departure_reason,
            decided_on: day?,
        };
        panel::close_item(&state.services(), &actor, config, id, &command)?;
        let sitting = panel::sitting_of(&state.db, scope, id)?;
        Ok(format!("/sittings/{sitting}"))
    })
    .await
}

/// `GET /agenda-items/{id}/evidence/{document}`: one document from the papers, for a
/// member seated at the sitting; the opening is recorded (the papers then mark it
/// opened) and logged. A PDF, image or text opens in the browser, others download.
pub async fn open_evidence(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (item, document) = path.into_inner();
    let item: AgendaItemId = item.parse().map_err(|_| PageError::NotFound)?;
    let document: sendpanel_core::domain::DocumentId =
        document.parse().map_err(|_| PageError::NotFound)?;
    let (scope, reader, db, clock) = (
        who.scope.clone(),
        who.user.id,
        state.db.clone(),
        state.clock.clone(),
    );
    let evidence = blocking(move || {
        Ok::<_, PageError>(panel::open_evidence_from_papers(
            &db,
            &scope,
            item,
            document,
            reader,
            "GET /agenda-items/{id}/evidence/{document}",
            clock.as_ref(),
        )?)
    })
    .await?;
    let bytes = state.documents.storage.read(&evidence.sha256).await?;
    Ok(crate::api::document_response(
        sendpanel_core::documents::OpenedDocument { evidence, bytes },
    ))
}

/// The placement an item proposes, as rows of the papers: the setting and what kind,
/// from when, the family's preference, the officer's case and each service's share.
fn proposed_placement(on_papers: &sendpanel_core::panel::PlacementOnPapers) -> Value {
    use sendpanel_core::domain::Pence;
    let (setting, proposed) = (&on_papers.setting, &on_papers.proposed.terms);
    let mut rows = vec![
        ("Setting", setting.name.clone()),
        (
            "Kind",
            format!(
                "{}, {}",
                words(&setting.kind.to_string()),
                if setting.in_area {
                    "in area"
                } else {
                    "out of area"
                }
            ),
        ),
        ("From", long_date(proposed.starts_on)),
        (
            "Family's preference",
            proposed
                .parental_preference
                .clone()
                .unwrap_or_else(|| "None recorded".to_owned()),
        ),
        (
            "Mainstream place asked for",
            if proposed.mainstream_requested {
                "Yes"
            } else {
                "No"
            }
            .to_owned(),
        ),
        ("Why this setting", proposed.reasons.clone()),
    ];
    if let Some(why) = proposed.independent_justification {
        rows.push(("Why an independent setting", words(&why.to_string())));
    }
    for (who, pence) in [
        ("Education's share a year", proposed.education_pence),
        ("Health's share a year", proposed.health_pence),
        ("Social care's share a year", proposed.social_care_pence),
    ] {
        rows.push((who, Pence::new(pence).to_string()));
    }
    Value::Array(
        rows.into_iter()
            .map(|(key, value)| json!({ "key": key, "value": value }))
            .collect(),
    )
}

/// The funding a banding item proposes, as rows of the papers beside the plugin's band
/// advice: the setting funded, the band (or hours) and its amounts, the other elements,
/// the days it runs, what the plugin advised and whether the proposal departs from it,
/// and the officer's reasons.
fn proposed_funding(on_papers: &sendpanel_core::panel::FundingOnPapers) -> Value {
    use sendpanel_core::domain::Pence;
    let (proposed, band) = (&on_papers.proposed, &on_papers.band);
    let band_line = |b: &sendpanel_core::domain::BandTerms| {
        format!(
            "{} ({}): place funding {}, top-up {} a year",
            b.band_title,
            b.band_code,
            Pence::new(b.place_funding_pence),
            Pence::new(b.top_up_pence)
        )
    };
    let mut rows = vec![
        ("Setting funded", on_papers.setting.name.clone()),
        (
            if proposed.hours.is_some() {
                "Hours"
            } else {
                "Band"
            },
            format!("{} ({})", band.band_title, band.band_code),
        ),
        (
            "Place funding a year",
            Pence::new(band.place_funding_pence).to_string(),
        ),
        ("Top-up a year", Pence::new(band.top_up_pence).to_string()),
    ];
    for element in &proposed.other_elements {
        rows.push((
            "Other element a year",
            format!("{}: {}", element.name, Pence::new(element.yearly_pence)),
        ));
    }
    rows.push(("From", long_date(proposed.starts_on)));
    if let Some(ends_on) = proposed.ends_on {
        rows.push(("Until", long_date(ends_on)));
    }
    rows.push((
        "The plugin advised",
        on_papers
            .advised
            .as_ref()
            .map_or_else(|| "No banding advice is named".to_owned(), band_line),
    ));
    if let Some(rule) = &on_papers.tariff_rule {
        rows.push(("Tariff rule", rule.clone()));
    }
    rows.push((
        "Departs from the advice",
        match (&on_papers.advised, on_papers.departs_from_advice) {
            (Some(_), false) => "No: it confirms the plugin's band as advised",
            (Some(_), true) => "Yes: the officer sets the band against the plugin's advice",
            (None, _) => "There is no advice to follow: the officer set the band",
        }
        .to_owned(),
    ));
    rows.push((
        "Officer's reasons",
        proposed
            .reasons
            .clone()
            .unwrap_or_else(|| "None given (none needed to confirm the advice)".to_owned()),
    ));
    json!({
        // The warning is for a proposal set against advice; with none, the rows say so.
        "departs": on_papers.advised.is_some() && on_papers.departs_from_advice,
        "rows": rows
            .into_iter()
            .map(|(key, value)| json!({ "key": key, "value": value }))
            .collect::<Vec<_>>(),
    })
}
