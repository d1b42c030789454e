//! Evidence on a case through the API: upload (multipart), list, and open one. The
//! handlers parse, call one core function, and answer; the rules are the core's.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sendpanel_core::documents::{FileType, NewEvidence, OpenedDocument};
use sendpanel_core::domain::{CaseId, DocumentId};

use super::auth::Caller;
use super::error::ApiError;
use super::handlers::blocking;
use crate::state::AppState;
use crate::uploads::{self, Received};

/// `GET /requests/{id}/evidence`'s answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct EvidenceReply {
    /// The documents, by the day each was written.
    pub evidence: Vec<sendpanel_core::domain::Evidence>,
}

fn case_id(path: &str) -> Result<CaseId, ApiError> {
    path.parse().map_err(|_| ApiError::not_found("request"))
}

/// The details the form's text fields give, as the core reads them.
fn details(form: &Received) -> Result<NewEvidence, ApiError> {
    let kind = form
        .text("kind")
        .parse()
        .map_err(|_| ApiError::invalid("kind", "must be one of support_plan, ep_report, health_advice, social_care_advice, family_views, school_report, other"))?;
    let written_on = form
        .text("written_on")
        .parse()
        .map_err(|_| ApiError::invalid("written_on", "must be a date, YYYY-MM-DD"))?;
    let areas = form
        .fields
        .get("areas")
        .map(|values| {
            values
                .iter()
                .map(|a| {
                    a.parse().map_err(|_| {
                        ApiError::invalid(
                            "areas",
                            format!("`{a}` is not an area of need (communication_and_interaction, cognition_and_learning, social_emotional_and_mental_health, sensory_and_physical)"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(NewEvidence {
        kind,
        author_organisation: form.text("author_organisation").to_owned(),
        written_on,
        areas,
    })
}

/// `POST /requests/{id}/evidence` (multipart: `kind`, `author_organisation`,
/// `written_on`, `areas` (repeated), then `file`): adds a document to the case.
/// 201 with the evidence; 422 naming the rule a file or field broke (nothing stored);
/// 413 over the size limit.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn add_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    request: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let case = case_id(&path)?;
    let form = uploads::receive(&request, payload, &state.documents, |_| {
        Ok::<_, ApiError>(())
    })
    .await?;
    let details = details(&form)?;
    let Some((file_name, staged)) = form.file else {
        return Err(ApiError::invalid(
            "file",
            "send the document in the `file` field",
        ));
    };
    let evidence = state
        .documents
        .add_evidence(
            &state.services(),
            &caller.actor(),
            case,
            &details,
            &file_name,
            staged,
        )
        .await?;
    Ok(HttpResponse::Created().json(evidence))
}

/// `GET /requests/{id}/evidence`: the case's documents, by the day each was written.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn list_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case = case_id(&path)?;
    let (services, actor) = (state.services(), caller.actor());
    let evidence = blocking(move || {
        Ok(sendpanel_core::documents::evidence::list_evidence(
            &services, &actor, case,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(EvidenceReply { evidence }))
}

/// `GET /requests/{id}/evidence/{document}`: the document's bytes, recorded in the
/// access log.
#[tracing::instrument(skip_all, fields(case_id = %path.0, user_id = %caller.user.id))]
pub async fn open_evidence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let case = case_id(&path.0)?;
    let document: DocumentId = path
        .1
        .parse()
        .map_err(|_| ApiError::not_found("document"))?;
    let opened = state
        .documents
        .open_evidence(
            &state.services(),
            &caller.actor(),
            case,
            document,
            "GET /api/v1/requests/{id}/evidence/{document}",
        )
        .await?;
    Ok(document_response(opened))
}

/// A document's bytes as a response: a PDF, an image or text shown in place, anything
/// else downloaded; never sniffed, never scripted, never framed.
pub fn document_response(opened: OpenedDocument) -> HttpResponse {
    let inline =
        FileType::from_media_type(&opened.evidence.media_type).is_some_and(FileType::opens_inline);
    let disposition = header::ContentDisposition {
        disposition: if inline {
            header::DispositionType::Inline
        } else {
            header::DispositionType::Attachment
        },
        parameters: vec![header::DispositionParam::Filename(
            opened.evidence.file_name.clone(),
        )],
    };
    HttpResponse::Ok()
        .content_type(opened.evidence.media_type.as_str())
        .insert_header(disposition)
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(opened.bytes)
}

/// `POST /requests/{id}/tribunal-bundle`: the Tribunal bundle for the case's pending
/// appeal, with the chosen documents (all when none are named), as one PDF.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn tribunal_bundle(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<sendpanel_core::documents::tribunal::BundleChoice>,
) -> Result<HttpResponse, ApiError> {
    let case = case_id(&path)?;
    let bundle = state
        .documents
        .tribunal_bundle(
            &state.services(),
            &caller.actor(),
            case,
            &body,
            "POST /api/v1/requests/{id}/tribunal-bundle",
        )
        .await?;
    Ok(bundle_response(case, bundle))
}

/// A bundle as a download, named for its case, with its page count in a header.
pub fn bundle_response(case: CaseId, bundle: sendpanel_core::bundle::Bundle) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![header::DispositionParam::Filename(format!(
                "tribunal-bundle-{case}.pdf"
            ))],
        })
        .insert_header(("X-Page-Count", bundle.page_count.to_string()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bundle.pdf)
}
