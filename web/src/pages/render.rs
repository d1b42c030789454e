//! Templates, embedded in the binary, and the error pages.
//!
//! Every page extends `layout.hbs` (skip link, the Generic header with the authority's
//! name, the main landmark, the footer). Strict mode is on, so a template naming a
//! field the handler did not give is an error, not a blank.

use std::sync::LazyLock;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use handlebars::Handlebars;
use rust_embed::RustEmbed;
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
}

/// Renders `template` inside the layout, with `title` and the page's own `fields`.
pub fn render(
    status: StatusCode,
    template: &str,
    title: &str,
    frame: &Frame,
    fields: Value,
) -> Result<HttpResponse, PageError> {
    let mut context = json!({
        "title": title,
        "service_name": SERVICE_NAME,
        "authority_name": frame.authority_name,
        "user_name": frame.user_name,
        "signed_in": frame.user_name.is_some(),
        "csrf_token": frame.csrf_token,
    });
    if let (Some(context), Value::Object(fields)) = (context.as_object_mut(), fields) {
        context.extend(fields);
    }
    let hb = HANDLEBARS.as_ref().map_err(PageError::internal)?;
    let html = hb
        .render(template, &context)
        .map_err(|e| PageError::internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// A page that could not be shown. Each becomes a page of its own (or, for a visitor
/// who is not signed in, a redirect to sign in).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in: go to the sign-in page.
    #[error("sign in first")]
    SignIn,
    /// Nothing here, or another authority's.
    #[error("page not found")]
    NotFound,
    /// The form's CSRF token was missing or wrong, or the role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Something failed on our side; logged, never shown in detail.
    #[error("internal error: {0}")]
    Internal(String),
}

impl PageError {
    /// An internal failure, logged with its detail.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn => StatusCode::SEE_OTHER,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, body) = match self {
            Self::SignIn => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/sign-in"))
                    .finish();
            }
            Self::NotFound => (
                "Page not found",
                "If you typed the web address, check it is correct. If you followed a link to a case, it may belong to another authority.",
            ),
            Self::Forbidden(reason) => {
                tracing::warn!(%reason, "page refused");
                (
                    "You cannot do that",
                    "The form may have been open too long or sent from another site, or your role does not allow this. Go back, reload the page and try again.",
                )
            }
            Self::Internal(detail) => {
                tracing::error!(%detail, "page failed");
                (
                    "Sorry, there is a problem with the service",
                    "Try again later. Nothing you sent has been lost unless the page said so.",
                )
            }
        };
        let fields = json!({ "heading": title, "message": body });
        render(
            self.status_code(),
            "error",
            title,
            &Frame::default(),
            fields,
        )
        .unwrap_or_else(|_| {
            HttpResponse::build(self.status_code())
                .content_type("text/plain; charset=utf-8")
                .body(title)
        })
    }
}
