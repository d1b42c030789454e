//! `GET /children/{id}/subject-access.zip`: everything held about one child, for an
//! admin answering a subject access request. The core gathers, authorises and records
//! it ([`sendpanel_core::subject_access`]); this handler streams the archive.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sendpanel_core::domain::ChildId;
use sendpanel_core::subject_access::{self, ExportError};

use super::render::PageError;
use super::session::SignedIn;
use super::work::blocking;
use crate::state::AppState;

impl From<ExportError> for PageError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Workflow(workflow) => workflow.into(),
            other => Self::internal(other),
        }
    }
}

/// The archive, as a download.
#[tracing::instrument(skip_all, fields(child_id = %path, user_id = %who.user.id))]
pub async fn export(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let child: ChildId = path.parse().map_err(|_| PageError::NotFound)?;
    let (services, actor) = (state.services(), who.actor());
    let export = blocking(move || {
        subject_access::export_child(
            &services,
            &actor,
            child,
            "GET /children/{id}/subject-access.zip",
        )
    })
    .await?;
    tracing::info!("subject access export");
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", export.file_name),
        ))
        .body(export.bytes))
}
