//! Templates, embedded in the binary, and the error pages.
//!
//! Every page opens with `page_head.hbs` (skip link, the Generic header with the
//! authority's name, the main landmark) and closes with `page_foot.hbs` (the footer),
//! each given the page's `frame`. Strict mode is on, so a template naming a
//! field the handler did not give is an error, not a blank.

use std::sync::LazyLock;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use handlebars::Handlebars;
use rust_embed::RustEmbed;
use sendpanel_core::domain::UserRole;
use sendpanel_core::panel::PanelError;
use sendpanel_core::policy::RegistryError;
use sendpanel_core::store::StoreError;
use sendpanel_core::workflow::WorkflowError;
use serde_json::{Value, json};

#[derive(RustEmbed)]
#[folder = "templates/"]
#[include = "*.hbs"]
struct Templates;

/// The service's name, beside the authority's in the header.
pub const SERVICE_NAME: &str = "SEND decisions";

static HANDLEBARS: LazyLock<Result<Handlebars<'static>, String>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_embed_templates_with_extension::<Templates>(".hbs")
        .map_err(|e| e.to_string())?;
    Ok(hb)
});

/// Who the page is for: the header's authority name and the signed-in person's menu.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// The authority's name, shown in the header; `None` before sign-in.
    pub authority_name: Option<String>,
    /// The signed-in person's name; `None` before sign-in.
    pub user_name: Option<String>,
    /// The session's CSRF token, for the forms on the page (sign-out included).
    pub csrf_token: String,
    /// The signed-in person's role, which decides the menu; `None` before sign-in.
    pub role: Option<UserRole>,
    /// Where the page's back link goes, and its words. GOV.UK places a back link
    /// before the main landmark, so the head draws it, not the page.
    pub back: Option<BackLink>,
}

/// A page's back link: where it goes and what it says.
#[derive(Debug, Clone)]
pub struct BackLink {
    /// The page it goes back to.
    pub href: String,
    /// Its words, such as "Back to the case".
    pub text: &'static str,
}

impl Frame {
    /// This frame with a back link to `href`.
    pub fn with_back(&self, href: impl Into<String>, text: &'static str) -> Self {
        Self {
            back: Some(BackLink {
                href: href.into(),
                text,
            }),
            ..self.clone()
        }
    }
}

/// The header's menu for a role: only the pages that role may open.
fn navigation(role: Option<UserRole>) -> Value {
    let Some(role) = role else {
        return json!([]);
    };
    let mut links = Vec::new();
    if matches!(
        role,
        UserRole::Caseworker | UserRole::Admin | UserRole::Auditor | UserRole::PanelChair
    ) {
        if role == UserRole::Caseworker {
            links.push(json!({ "href": "/caseload?officer=me", "text": "My cases" }));
        }
        links.push(json!({ "href": "/caseload", "text": "Caseload" }));
        links.push(json!({ "href": "/team", "text": "Team" }));
        links.push(json!({ "href": "/transitions", "text": "Transitions" }));
        links.push(json!({ "href": "/funding-ledger", "text": "Funding" }));
    }
    links.push(json!({ "href": "/sittings", "text": "Sittings" }));
    links.push(json!({ "href": "/dashboard", "text": "Dashboard" }));
    if sendpanel_core::sen2::READERS.contains(&role) {
        links.push(json!({ "href": "/reports/sen2", "text": "SEN2 return" }));
    }
    if role == UserRole::Admin {
        links.push(json!({ "href": "/admin", "text": "Admin" }));
    }
    if sendpanel_core::access::LOG_READERS.contains(&role) {
        links.push(json!({ "href": "/audit", "text": "Access log" }));
    }
    links.push(json!({ "href": "/account", "text": "Your account" }));
    Value::Array(links)
}

/// Renders `template` (which opens and closes with the page head and foot), with `title` and the page's own `fields`.
pub fn render(
    status: StatusCode,
    template: &str,
    title: &str,
    frame: &Frame,
    fields: Value,
) -> Result<HttpResponse, PageError> {
    let html = render_fragment(template, title, frame, fields)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Renders `template` to a string with the same context as [`render`]: for a page sent
/// in parts as it is worked out (the first part opening with the page head, the last
/// closing with the foot), such as the what-if comparison's progress.
pub fn render_fragment(
    template: &str,
    title: &str,
    frame: &Frame,
    fields: Value,
) -> Result<String, PageError> {
    let frame = json!({
        "title": title,
        "service_name": SERVICE_NAME,
        "authority_name": frame.authority_name,
        "user_name": frame.user_name,
        "signed_in": frame.user_name.is_some(),
        "csrf_token": frame.csrf_token,
        "nav": navigation(frame.role),
        "back": frame.back.as_ref().map(|b| json!({ "href": b.href, "text": b.text })),
    });
    // The page's own fields at the top (where lookups are references, not copies),
    // with the frame as one small object for the head and foot partials.
    let mut context = json!({
        "title": title,
        "csrf_token": frame.get("csrf_token").cloned().unwrap_or_default(),
        // A fresh one-time token on every page, for the forms that record something
        // ([`super::once`]): each page drawn can record once.
        "form_token": super::session::new_token(),
        "frame": frame,
    });
    if let (Some(context), Value::Object(fields)) = (context.as_object_mut(), fields) {
        context.extend(fields);
    }
    let hb = HANDLEBARS.as_ref().map_err(PageError::internal)?;
    // The context is moved in, not serialised again: `render` would deep-copy it.
    hb.render_with_context(template, &handlebars::Context::from(context))
        .map_err(|e| PageError::internal(e.to_string()))
}

/// A page that could not be shown. Each becomes a page of its own (or, for a visitor
/// who is not signed in, a redirect to sign in).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in: go to the sign-in page.
    #[error("sign in first")]
    SignIn,
    /// Signed in, but something must be done first (an admin enrolling a second
    /// factor): go there.
    #[error("first go to {0}")]
    GoFirst(&'static str),
    /// Nothing here, or another authority's.
    #[error("page not found")]
    NotFound,
    /// The form's CSRF token was missing or wrong, or the role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The core refused a command: a field broke a rule, the case is at the wrong
    /// stage, the item is closed, or the person has no seat for it. Nothing changed.
    /// Forms that can show the error beside its field catch this first; elsewhere it
    /// is a page that says what was refused and why.
    #[error("{message}")]
    Refused {
        /// The field that broke a rule, when one did.
        field: Option<String>,
        /// The rule, in plain English.
        message: String,
    },
    /// Something failed on our side; logged, never shown in detail.
    #[error("internal error: {0}")]
    Internal(String),
}

impl PageError {
    /// An internal failure, logged with its detail.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }

    /// A refusal naming the field and the rule it broke.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::Refused {
            field: Some(field.into()),
            message: rule.into(),
        }
    }

    /// A refusal with no one field to blame.
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused {
            field: None,
            message: message.into(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => Self::NotFound,
            // The detail may be the driver's text, naming tables and constraints: it
            // goes to the log, the page says what happened in our words.
            StoreError::Conflict(detail) => {
                tracing::info!(%detail, "refused: conflicts with a record");
                Self::refused(
                    "This is already recorded, or someone else recorded a change first. Reload the page to see what is recorded",
                )
            }
            other => Self::internal(other),
        }
    }
}

impl From<WorkflowError> for PageError {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::Invalid { field, rule } => Self::invalid(field, rule),
            wrong @ WorkflowError::WrongStage { .. } => Self::refused(wrong.to_string()),
            not_allowed @ WorkflowError::NotAllowed { .. } => {
                Self::Forbidden(not_allowed.to_string())
            }
            WorkflowError::Store(store) => store.into(),
            other => Self::internal(other),
        }
    }
}

impl From<sendpanel_core::documents::DocumentError> for PageError {
    fn from(error: sendpanel_core::documents::DocumentError) -> Self {
        use sendpanel_core::documents::DocumentError as E;
        match error {
            E::Refused { field, rule } => Self::invalid(field, rule),
            refused @ (E::TooLarge { .. } | E::Infected { .. } | E::ScanUnavailable(_)) => {
                Self::invalid("file", refused.to_string().trim_start_matches("file: "))
            }
            E::Workflow(workflow) => workflow.into(),
            other => Self::internal(other),
        }
    }
}

impl From<PanelError> for PageError {
    fn from(error: PanelError) -> Self {
        match error {
            PanelError::Invalid { field, rule } => Self::invalid(field, rule),
            PanelError::NotSeated(message) | PanelError::Closed(message) => Self::refused(message),
            not_configured @ PanelError::NotConfigured(_) => {
                Self::refused(not_configured.to_string())
            }
            PanelError::Workflow(workflow) => workflow.into(),
            PanelError::Store(store) => store.into(),
            other => Self::internal(other),
        }
    }
}

impl From<RegistryError> for PageError {
    fn from(error: RegistryError) -> Self {
        match error {
            RegistryError::Store(store) => store.into(),
            RegistryError::EvidenceNotOnCase { field, rule } => Self::invalid(field, rule),
            other => Self::refused(other.to_string()),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn | Self::GoFirst(_) => StatusCode::SEE_OTHER,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Forbidden(reason) => tracing::warn!(%reason, "page refused"),
            Self::Refused { field, message } => {
                tracing::info!(?field, %message, "command refused");
            }
            Self::Internal(detail) => tracing::error!(%detail, "page failed"),
            Self::SignIn | Self::GoFirst(_) | Self::NotFound => {}
        }
        self.page(&Frame::default())
    }
}

impl PageError {
    /// The error as a page under `frame`'s header: the signed-in person's, when the
    /// error came after they were recognised ([`signed_in_error_pages`]).
    fn page(&self, frame: &Frame) -> HttpResponse {
        let (title, body) = match self {
            Self::SignIn => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/sign-in"))
                    .finish();
            }
            Self::GoFirst(location) => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, *location))
                    .finish();
            }
            Self::NotFound => (
                "Page not found",
                "If you typed the web address, check it is correct. If you followed a link to a case, it may belong to another authority.",
            ),
            Self::Forbidden(_) => (
                "You cannot do that",
                "The form may have been open too long or sent from another site, or your role does not allow this. Go back, reload the page and try again.",
            ),
            Self::Refused { field, message } => {
                let text = match field {
                    Some(field) => format!("{field}: {message}"),
                    None => message.clone(),
                };
                let fields = json!({
                    "heading": "There is a problem",
                    "message": format!("{text}. Nothing was changed. Go back, correct it and try again."),
                });
                return render(
                    self.status_code(),
                    "error",
                    "Error: There is a problem",
                    frame,
                    fields,
                )
                .unwrap_or_else(|_| {
                    HttpResponse::build(self.status_code())
                        .content_type("text/plain; charset=utf-8")
                        .body(text)
                });
            }
            Self::Internal(_) => (
                "Sorry, there is a problem with the service",
                "Try again later. Nothing you sent has been lost unless the page said so.",
            ),
        };
        let fields = json!({ "heading": title, "message": body });
        render(self.status_code(), "error", title, frame, fields).unwrap_or_else(|_| {
            HttpResponse::build(self.status_code())
                .content_type("text/plain; charset=utf-8")
                .body(title)
        })
    }
}

/// Middleware: an error page shown to a signed-in person keeps their header (their
/// name, sign-out and menu), as the page they came from had. `ResponseError` renders
/// without the request, so it cannot know who is asking; the error is rendered again
/// here with the header the [`super::SignedIn`] extractor left in the request.
pub async fn signed_in_error_pages(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(request).await?;
    // Only an error page is rendered again, and the header is borrowed, not copied:
    // this runs on every request.
    let again = response
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .filter(|error| !matches!(error, PageError::SignIn | PageError::GoFirst(_)))
        .and_then(|error| {
            let extensions = response.request().extensions();
            extensions.get::<Frame>().map(|frame| error.page(frame))
        });
    Ok(match again {
        Some(page) => response.into_response(page).map_into_boxed_body(),
        None => response.map_into_boxed_body(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod conflict_tests {
    use super::*;

    #[actix_web::test]
    async fn a_conflict_page_never_shows_the_drivers_words() {
        let error = PageError::from(StoreError::Conflict(
            "duplicate key value violates unique constraint \"users_email_key\"".to_owned(),
        ));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(
            body.contains("someone else recorded a change first"),
            "{body}"
        );
        assert!(!body.contains("users_email_key"), "{body}");
        assert!(!body.contains("duplicate key"), "{body}");
    }
}
