//! The page a professional opens from the link in a request for advice (SEND
//! Regulations 2014 reg. 6(1)), with no account: it shows only the child's initials,
//! the authority, whom the advice was asked of, the question and the due date, and
//! takes one document. The upload is streamed into the document service's staging
//! file under its size cap, never held whole in memory. A used, expired or revoked
//! link says so (410 Gone); one nobody issued is not found (404).

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use sendpanel_core::documents::advice_links::{
    AdviceUpload, LinkState, OpenLink, link_page, upload_through_link,
};
use sendpanel_core::documents::{ACCEPTED, AdviceLinkError, DocumentError, LinkPage};
use sendpanel_core::domain::AdviceSource;
use serde_json::{Value, json};

use super::render::{Frame, PageError, render};
use super::session::{CSRF_FIELD, check_csrf, csrf_token};
use crate::state::AppState;

use crate::uploads::FILE_FIELD;

/// Why reading the form stopped: a forged form (no page), or the file itself (the
/// form again, with the reason beside the file field).
enum Read {
    Page(PageError),
    Document(DocumentError),
}

impl From<DocumentError> for Read {
    fn from(e: DocumentError) -> Self {
        Self::Document(e)
    }
}

/// The first value of each field.
fn first_values(fields: &HashMap<String, Vec<String>>) -> HashMap<String, String> {
    fields
        .iter()
        .filter_map(|(k, v)| v.first().map(|f| (k.clone(), f.trim().to_owned())))
        .collect()
}

/// Only the shape a link's token has (64 hex digits) is looked up or echoed.
fn token_shape(token: &str) -> Option<&str> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then_some(token)
}

fn frame(session: &Session) -> Result<Frame, PageError> {
    Ok(Frame {
        csrf_token: csrf_token(session)?,
        ..Frame::default()
    })
}

/// The page for a link that takes nothing: what happened, and whom to ask.
fn closed(session: &Session, state: Option<LinkState>) -> Result<HttpResponse, PageError> {
    let (status, title, why) = match state {
        Some(LinkState::Used) => (
            StatusCode::GONE,
            "This link has already been used",
            "Advice has already been sent through this link. If you need to send more, contact the council's SEND team.",
        ),
        Some(LinkState::Expired) => (
            StatusCode::GONE,
            "This link has expired",
            "The time for this request has passed. Contact the council's SEND team to send your advice another way.",
        ),
        Some(LinkState::Revoked) => (
            StatusCode::GONE,
            "This link has been withdrawn",
            "The council has withdrawn this request. Contact the council's SEND team if you think this is a mistake.",
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "This link is not recognised",
            "Check that you copied the whole link from the e-mail. A reminder e-mail gives a new link, and the older link then stops working.",
        ),
    };
    render(
        status,
        "advice_link",
        title,
        &frame(session)?,
        view(json!({ "closed": true, "heading": title, "why": why })),
    )
}

fn words(source: AdviceSource) -> &'static str {
    match source {
        AdviceSource::EducationalPsychologist => "Psychological advice (educational psychologist)",
        AdviceSource::Health => "Health advice",
        AdviceSource::SocialCare => "Social care advice",
        AdviceSource::Setting => "Educational advice (school or setting)",
        AdviceSource::Parent => "Advice from the parent or young person",
        AdviceSource::Other => "Other advice",
    }
}

fn form(
    session: &Session,
    status: StatusCode,
    token: &str,
    open: &OpenLink,
    entered: Value,
    error: Option<(&str, String)>,
) -> Result<HttpResponse, PageError> {
    let mut fields = json!({
        "token": token,
        "initials": open.child_initials,
        "authority": open.authority_name,
        "from": words(open.from),
        "recipient_name": open.recipient_name,
        "question": open.question,
        "due_on": open.due_on.format("%-d %B %Y").to_string(),
        "accepted": ACCEPTED,
        "entered": entered,
    });
    if let (Some((field, text)), Some(map)) = (error, fields.as_object_mut()) {
        map.insert(format!("{field}_error"), json!(text));
        map.insert(
            "errors".into(),
            json!([{ "href": format!("#{field}"), "text": text }]),
        );
    }
    render(
        status,
        "advice_link",
        "Send your advice",
        &frame(session)?,
        view(fields),
    )
}

async fn look_up(state: &AppState, token: &str) -> Result<LinkPage, PageError> {
    let (db, clock, token) = (state.db.clone(), state.clock.clone(), token.to_owned());
    web::block(move || link_page(&db, &token, clock.as_ref()))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)
}

/// `GET /advice/{token}`: the request and the upload form, or why the link is closed.
pub async fn page(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some(token) = token_shape(&token) else {
        return closed(&session, None);
    };
    match look_up(&state, token).await? {
        LinkPage::Open(open) => form(&session, StatusCode::OK, token, &open, Value::Null, None),
        LinkPage::Closed(link) => closed(&session, Some(link)),
        LinkPage::Unknown => closed(&session, None),
    }
}

/// `POST /advice/{token}` (multipart): the CSRF token, the organisation and the date
/// written come before the file (page order); the file is streamed into staging.
pub async fn upload(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    request: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let Some(token) = token_shape(&token) else {
        return closed(&session, None);
    };
    let open = match look_up(&state, token).await? {
        LinkPage::Open(open) => open,
        LinkPage::Closed(link) => return closed(&session, Some(link)),
        LinkPage::Unknown => return closed(&session, None),
    };
    let read = crate::uploads::receive(&request, payload, &state.documents, |fields| {
        check_csrf(&session, &first_values(fields)).map_err(Read::Page)
    })
    .await;
    let (mut text, file, too_large) = match read {
        Ok(received) => (first_values(&received.fields), received.file, None),
        Err(Read::Page(e)) => return Err(e),
        Err(Read::Document(e)) => (HashMap::new(), None, Some(e)),
    };
    text.remove(CSRF_FIELD);
    let entered = json!({
        "author_organisation": text.get("author_organisation").cloned().unwrap_or_default(),
        "written_on-day": text.get("written_on-day").cloned().unwrap_or_default(),
        "written_on-month": text.get("written_on-month").cloned().unwrap_or_default(),
        "written_on-year": text.get("written_on-year").cloned().unwrap_or_default(),
    });
    let refuse = |field: &str, why: String| {
        form(
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            &open,
            entered.clone(),
            Some((field, why)),
        )
    };
    if let Some(error) = too_large {
        return refuse(
            FILE_FIELD,
            first_upper(error.to_string().trim_start_matches("file: ")),
        );
    }
    let organisation = text.get("author_organisation").cloned().unwrap_or_default();
    if organisation.is_empty() {
        return refuse(
            "author_organisation",
            "Enter the organisation that wrote the advice".into(),
        );
    }
    let written_on = match written_on(&text) {
        Ok(date) => date,
        Err(why) => return refuse("written_on", why),
    };
    let Some((file_name, staged)) =
        file.filter(|(name, staged)| !name.is_empty() && staged.size() > 0)
    else {
        return refuse(FILE_FIELD, "Select the document with your advice".into());
    };
    let outcome = upload_through_link(
        &state.documents,
        &state.services(),
        token,
        &file_name,
        staged,
        &AdviceUpload {
            author_organisation: organisation,
            written_on,
        },
    )
    .await;
    match outcome {
        Ok(_) => render(
            StatusCode::OK,
            "advice_link",
            "Advice received",
            &frame(&session)?,
            view(json!({
                "received": true,
                "authority": open.authority_name,
                "file_name": file_name,
            })),
        ),
        Err(AdviceLinkError::Used) => closed(&session, Some(LinkState::Used)),
        Err(AdviceLinkError::Expired) => closed(&session, Some(LinkState::Expired)),
        Err(AdviceLinkError::Revoked) => closed(&session, Some(LinkState::Revoked)),
        Err(AdviceLinkError::Unknown) => closed(&session, None),
        Err(AdviceLinkError::Invalid { field, rule })
        | Err(AdviceLinkError::Document(DocumentError::Refused { field, rule })) => {
            let field = if field == "written_on" || field == "author_organisation" {
                field
            } else {
                FILE_FIELD
            };
            refuse(field, first_upper(&rule))
        }
        Err(AdviceLinkError::Document(
            e @ (DocumentError::TooLarge { .. }
            | DocumentError::Infected { .. }
            | DocumentError::ScanUnavailable(_)),
        )) => refuse(
            FILE_FIELD,
            first_upper(e.to_string().trim_start_matches("file: ")),
        ),
        Err(other) => Err(PageError::internal(other)),
    }
}

/// Every key the template names, so strict mode never meets a gap: `fields` over
/// empty defaults.
fn view(fields: Value) -> Value {
    let mut base = json!({
        "closed": false,
        "received": false,
        "heading": "",
        "why": "",
        "errors": [],
        "author_organisation_error": null,
        "written_on_error": null,
        "file_error": null,
        "token": "",
        "initials": "",
        "authority": "",
        "from": "",
        "recipient_name": "",
        "question": "",
        "due_on": "",
        "accepted": ACCEPTED,
        "file_name": "",
        "entered": {
            "author_organisation": "",
            "written_on-day": "",
            "written_on-month": "",
            "written_on-year": "",
        },
    });
    if let (Some(base_map), Value::Object(given)) = (base.as_object_mut(), fields) {
        for (key, value) in given {
            if !(key == "entered" && value.is_null()) {
                base_map.insert(key, value);
            }
        }
    }
    base
}

/// The optional date written, from its day, month and year boxes.
fn written_on(text: &HashMap<String, String>) -> Result<Option<NaiveDate>, String> {
    let part = |p: &str| {
        text.get(&format!("written_on-{p}"))
            .map(String::as_str)
            .unwrap_or("")
    };
    let (d, m, y) = (part("day"), part("month"), part("year"));
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Ok(None);
    }
    match (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) {
        (Ok(d), Ok(m), Ok(y)) if (1900..=9999).contains(&y) => NaiveDate::from_ymd_opt(y, m, d)
            .map(Some)
            .ok_or_else(|| "The date written must be a real date".to_owned()),
        _ => Err("The date written must be a real date".to_owned()),
    }
}

fn first_upper(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
