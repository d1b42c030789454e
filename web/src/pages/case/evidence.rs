//! The case page's documents: the upload form's POST and opening one. The rules (what
//! may be uploaded, who may, what is recorded) are the core's.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sendpanel_core::documents::NewEvidence;
use sendpanel_core::domain::{CaseId, DocumentId};

use crate::pages::{PageError, SignedIn};
use crate::state::AppState;
use crate::uploads::{self, Received};

/// The form's details as the core reads them; a field that does not parse names itself.
fn details(form: &Received) -> Result<NewEvidence, PageError> {
    let kind = form
        .text("kind")
        .parse()
        .map_err(|_| PageError::invalid("kind", "Select what the document is"))?;
    let part = |name: &str| form.text(&format!("written_on-{name}")).trim().to_owned();
    let written_on = match (
        part("day").parse(),
        part("month").parse(),
        part("year").parse(),
    ) {
        (Ok(d), Ok(m), Ok(y)) if (1900..=9999).contains(&y) => {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
        }
        _ => None,
    }
    .ok_or_else(|| {
        PageError::invalid("written_on", "Enter the real date the document was written")
    })?;
    let areas = form
        .fields
        .get("areas")
        .map(|values| values.iter().filter_map(|a| a.parse().ok()).collect())
        .unwrap_or_default();
    Ok(NewEvidence {
        kind,
        author_organisation: form.text("author_organisation").to_owned(),
        written_on,
        areas,
    })
}

/// `POST /cases/{id}/evidence` (multipart): adds the chosen file to the case, then back
/// to the case's documents. The CSRF token is checked before the file is read.
pub async fn add(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    request: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let case: CaseId = path.parse().map_err(|_| PageError::NotFound)?;
    let form = uploads::receive(&request, payload, &state.documents, |fields| {
        let token: std::collections::HashMap<String, String> = fields
            .iter()
            .filter_map(|(k, v)| v.first().map(|v| (k.clone(), v.clone())))
            .collect();
        who.check_csrf(&token)
    })
    .await?;
    let details = details(&form)?;
    let Some((file_name, staged)) = form.file else {
        return Err(PageError::invalid("file", "Select a file"));
    };
    state
        .documents
        .add_evidence(
            &state.services(),
            &who.actor(),
            case,
            &details,
            &file_name,
            staged,
        )
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/cases/{case}#evidence")))
        .finish())
}

/// `GET /cases/{id}/evidence/{document}`: one document, recorded in the access log.
pub async fn open(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (case, document) = path.into_inner();
    let case: CaseId = case.parse().map_err(|_| PageError::NotFound)?;
    let document: DocumentId = document.parse().map_err(|_| PageError::NotFound)?;
    let opened = state
        .documents
        .open_evidence(
            &state.services(),
            &who.actor(),
            case,
            document,
            "GET /cases/{id}/evidence/{document}",
        )
        .await?;
    Ok(crate::api::document_response(opened))
}

/// `GET /cases/{id}/tribunal-bundle.pdf[?reference=EH...]`: the Tribunal bundle for
/// the case's pending appeal, every document included, as one PDF to download.
pub async fn tribunal_bundle(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let case: CaseId = path.parse().map_err(|_| PageError::NotFound)?;
    let choice = sendpanel_core::documents::tribunal::BundleChoice {
        tribunal_reference: query.get("reference").cloned(),
        documents: None,
    };
    let bundle = state
        .documents
        .tribunal_bundle(
            &state.services(),
            &who.actor(),
            case,
            &choice,
            "GET /cases/{id}/tribunal-bundle.pdf",
        )
        .await?;
    Ok(crate::api::bundle_response(case, bundle))
}
