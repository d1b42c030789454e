//! Importing an earlier system's EHC plans or open requests from its CSV export: the
//! upload form (which export, a dry run or the import), then what the core's import
//! came to: the counts, and every problem in a table by row and column. The rules are
//! `sendpanel_core::import`'s; `sendpanel import` on the command line does the same.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use sendpanel_core::import::{
    ImportError, ImportFile, ImportKind, ImportMode, ImportReport, import,
};
use serde_json::{Value, json};

use super::super::render::{PageError, render};
use super::super::session::{CSRF_FIELD, SignedIn};
use super::super::work::blocking;
use super::{require_admin, summary, titled};
use crate::state::AppState;

/// The file input's name and id.
const FILE_FIELD: &str = "file";
/// The largest export read: 1,570 plans are well under a megabyte; this leaves room
/// for the largest authority's caseload many times over.
const FILE_LIMIT: usize = 20 << 20;

/// What the form sent.
#[derive(Default)]
struct Upload {
    kind: String,
    mode: String,
    file: Option<Vec<u8>>,
}

/// `GET /admin/import`.
pub(super) async fn page(who: SignedIn) -> Result<HttpResponse, PageError> {
    require_admin(&who, "import plans and requests")?;
    form_page(&who, StatusCode::OK, &Upload::default(), &[])
}

/// The form, with what was chosen and each problem beside its field.
fn form_page(
    who: &SignedIn,
    status_code: StatusCode,
    upload: &Upload,
    errors: &[(&'static str, String)],
) -> Result<HttpResponse, PageError> {
    let error = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    let anchors: Vec<(String, String)> = errors
        .iter()
        .map(|(field, message)| ((*field).to_owned(), message.clone()))
        .collect();
    render(
        status_code,
        "admin_import",
        &titled("Import plans and requests", !errors.is_empty()),
        &who.frame.with_back("/admin", "Back to admin"),
        json!({
            "errors": summary(&anchors),
            "kind_plans": upload.kind == "plans",
            "kind_requests": upload.kind == "requests",
            "mode_import": upload.mode == "import",
            "error": {
                "kind": error("kind"),
                "mode": error("mode"),
                "file": error(FILE_FIELD),
            },
        }),
    )
}

/// Reads the multipart form: the CSRF token first (the form's first field), so no file
/// is buffered for a request that is not the admin's own; then the choices and the file,
/// up to [`FILE_LIMIT`].
async fn read_upload(
    who: &SignedIn,
    payload: &mut Multipart,
) -> Result<Result<Upload, String>, PageError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        PageError::invalid(FILE_FIELD, format!("the upload could not be read ({e})"))
    };
    let mut token_checked = false;
    let mut upload = Upload::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable(&e))?;
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some(CSRF_FIELD) => {
                let token = field
                    .bytes(1024)
                    .await
                    .map_err(|_| PageError::Forbidden("oversized CSRF field".into()))?
                    .map_err(|e| unreadable(&e))?;
                let form = HashMap::from([(
                    CSRF_FIELD.to_owned(),
                    String::from_utf8_lossy(&token).into_owned(),
                )]);
                who.check_csrf(&form)?;
                token_checked = true;
            }
            _ if !token_checked => {
                return Err(PageError::Forbidden(
                    "import form field sent before the CSRF token".into(),
                ));
            }
            Some(FILE_FIELD) => match field.bytes(FILE_LIMIT).await {
                Ok(Ok(bytes)) => upload.file = Some(bytes.to_vec()),
                Ok(Err(e)) => return Err(unreadable(&e)),
                Err(_) => {
                    return Ok(Err(format!(
                        "The selected file must be smaller than {} MB",
                        FILE_LIMIT >> 20
                    )));
                }
            },
            Some(choice @ ("kind" | "mode")) => {
                let value = field
                    .bytes(64)
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                if choice == "kind" {
                    upload.kind = value;
                } else {
                    upload.mode = value;
                }
            }
            // Anything else is read and dropped, up to a small limit.
            _ => {
                let _ = field.bytes(64 << 10).await;
            }
        }
    }
    if !token_checked {
        return Err(PageError::Forbidden("missing CSRF token".into()));
    }
    Ok(Ok(upload))
}

/// `POST /admin/import` (multipart): checks the file, and imports it unless a dry run
/// was chosen; shows the counts and every problem. A file that cannot be read at all
/// (not CSV, a column missing) comes back on the form with the reason, nothing written.
pub(super) async fn run(
    state: web::Data<AppState>,
    who: SignedIn,
    mut payload: Multipart,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "import plans and requests")?;
    let mut upload = match read_upload(&who, &mut payload).await? {
        Ok(upload) => upload,
        Err(too_large) => {
            return form_page(
                &who,
                StatusCode::BAD_REQUEST,
                &Upload::default(),
                &[(FILE_FIELD, too_large)],
            );
        }
    };
    let mut errors = Vec::new();
    let kind = match upload.kind.parse::<ImportKind>() {
        Ok(kind) => Some(kind),
        Err(_) => {
            errors.push(("kind", "Select what the file holds".to_owned()));
            None
        }
    };
    let mode = match upload.mode.as_str() {
        "dry_run" => Some(ImportMode::DryRun),
        "import" => Some(ImportMode::Import),
        _ => {
            errors.push(("mode", "Select a dry run or the import".to_owned()));
            None
        }
    };
    let bytes = match upload.file.take() {
        Some(bytes) if !bytes.is_empty() => Some(bytes),
        _ => {
            errors.push((FILE_FIELD, "Select a CSV file".to_owned()));
            None
        }
    };
    let (Some(kind), Some(mode), Some(bytes)) = (kind, mode, bytes) else {
        return form_page(&who, StatusCode::BAD_REQUEST, &upload, &errors);
    };
    let db = state.db.clone();
    let clock = state.clock.clone();
    let scope = who.scope.clone();
    let actor = who.user.id;
    let outcome = blocking(move || {
        let file = match ImportFile::read(kind, bytes.as_slice(), clock.as_ref()) {
            Ok(file) => file,
            Err(error @ (ImportError::Header(_) | ImportError::Unreadable(_))) => {
                return Ok::<_, PageError>(Err(error.to_string()));
            }
            Err(other) => return Err(PageError::internal(other)),
        };
        import(
            &db,
            &scope,
            &file,
            mode,
            Some(actor),
            clock.as_ref(),
            &mut |_| {},
        )
        .map(Ok)
        .map_err(PageError::internal)
    })
    .await?;
    match outcome {
        Err(reason) => {
            let message = format!("The selected file cannot be imported: {reason}");
            form_page(
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                &upload,
                &[(FILE_FIELD, message)],
            )
        }
        Ok(report) => {
            tracing::info!(
                kind = %report.kind,
                dry_run = report.dry_run,
                imported = report.imported,
                skipped = report.skipped,
                refused = report.refused,
                "import run from the admin page"
            );
            results_page(&who, &report)
        }
    }
}

/// The counts and the problems.
fn results_page(who: &SignedIn, report: &ImportReport) -> Result<HttpResponse, PageError> {
    let what = match report.kind {
        ImportKind::Plans => "plans",
        ImportKind::Requests => "requests",
    };
    let title = if report.dry_run {
        format!("Dry run of the {what} import")
    } else {
        format!("The {what} import")
    };
    let problems: Vec<Value> = report
        .problems
        .iter()
        .map(|p| json!({ "row": p.row, "column": p.column, "rule": p.rule }))
        .collect();
    render(
        StatusCode::OK,
        "admin_import_results",
        &title,
        &who.frame.with_back("/admin/import", "Back to import"),
        json!({
            "title": title,
            "dry_run": report.dry_run,
            "rows": report.rows,
            "imported": report.imported,
            "skipped": report.skipped,
            "refused": report.refused,
            "problems": problems,
        }),
    )
}
