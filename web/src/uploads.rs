//! Reading a multipart upload (the case page's evidence form, the API, a professional's
//! advice link): the text fields into a map, the file streamed chunk by chunk into the
//! core's [`Staging`] under its hard cap, so a 25 MB document is never held whole in
//! memory and a larger one is cut off at the limit. A body whose declared length is
//! already over the limit is refused before a byte of it is read.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::http::header;
use futures_util::StreamExt;
use sendpanel_core::documents::{DocumentError, Documents, Staged};

/// The form field that carries the file.
pub const FILE_FIELD: &str = "file";

/// Room for the form's other fields and the multipart framing on top of the file.
const FORM_OVERHEAD: u64 = 256 * 1024;

/// The longest text field read; anything longer is refused, not truncated.
const FIELD_LIMIT: usize = 16 * 1024;

/// A received upload: its text fields (a field sent several times keeps every value,
/// as the areas of need are) and the file, if one was sent.
#[derive(Debug, Default)]
pub struct Received {
    /// The text fields.
    pub fields: HashMap<String, Vec<String>>,
    /// The file's name as the browser sent it, and its bytes on disk.
    pub file: Option<(String, Staged)>,
}

impl Received {
    /// The first value of a text field, or "".
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }
}

/// Reads `payload`. `before_file` sees the fields sent before the file and may refuse
/// (a page checks its CSRF token there, so no file is received for a forged form).
pub async fn receive<E>(
    request: &HttpRequest,
    mut payload: Multipart,
    documents: &Documents,
    before_file: impl FnOnce(&HashMap<String, Vec<String>>) -> Result<(), E>,
) -> Result<Received, E>
where
    E: From<DocumentError>,
{
    if let Some(declared) = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && declared > documents.max_bytes.saturating_add(FORM_OVERHEAD)
    {
        return Err(DocumentError::TooLarge {
            limit: documents.max_bytes,
        }
        .into());
    }
    let unreadable = |e: &dyn std::fmt::Display| DocumentError::Refused {
        field: "file",
        rule: format!("the upload could not be read ({e})"),
    };
    let mut received = Received::default();
    let mut gate = Some(before_file);
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable(&e))?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == FILE_FIELD {
            if let Some(gate) = gate.take() {
                gate(&received.fields)?;
            }
            let file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default()
                .to_owned();
            let mut staging = documents.staging()?;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| unreadable(&e))?;
                staging.push(&chunk)?;
            }
            // A form with no file chosen sends an empty part with no name.
            if file_name.is_empty() && received.file.is_none() {
                continue;
            }
            received.file = Some((file_name, staging.finish()?));
        } else {
            let bytes = field
                .bytes(FIELD_LIMIT)
                .await
                .map_err(|_| DocumentError::Refused {
                    field: "form",
                    rule: format!("the field {name} is longer than {FIELD_LIMIT} bytes"),
                })?
                .map_err(|e| unreadable(&e))?;
            received
                .fields
                .entry(name)
                .or_default()
                .push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    if let Some(gate) = gate.take() {
        gate(&received.fields)?;
    }
    Ok(received)
}
