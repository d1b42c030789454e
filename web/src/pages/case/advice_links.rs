//! The case page's requests for advice through a link: the form that asks a
//! professional (a letter and an e-mail with their link go in the same transaction),
//! and withdrawing a link. The status of each (requested, chased, received, overdue)
//! is shown on the case page.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sendpanel_core::documents::NewAdviceLink;
use sendpanel_core::documents::advice_links::{self, AdviceLinkError};
use sendpanel_core::domain::{AdviceLinkId, CaseId};

use crate::pages::work::blocking;
use crate::pages::{PageError, SignedIn};
use crate::state::AppState;

impl From<AdviceLinkError> for PageError {
    fn from(error: AdviceLinkError) -> Self {
        match error {
            AdviceLinkError::Invalid { field, rule } => PageError::invalid(field, rule),
            AdviceLinkError::Document(document) => document.into(),
            AdviceLinkError::Workflow(workflow) => workflow.into(),
            closed @ (AdviceLinkError::Used
            | AdviceLinkError::Expired
            | AdviceLinkError::Revoked
            | AdviceLinkError::Unknown) => PageError::refused(closed.to_string()),
            other => PageError::internal(other),
        }
    }
}

/// Back to the case's advice table.
fn back_to(case: CaseId) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/cases/{case}#advice-links")))
        .finish()
}

/// `POST /cases/{id}/advice-links`: asks a professional for advice with a link.
pub async fn send(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let case: CaseId = path.parse().map_err(|_| PageError::NotFound)?;
    let Some(mail) = state.account_mail.as_ref().and_then(|m| m.advice()) else {
        return Err(PageError::refused(
            "Links for advice need the service's public address (public_url) to be set",
        ));
    };
    let text = |name: &str| form.get(name).cloned().unwrap_or_default();
    let details = NewAdviceLink {
        from: text("from")
            .parse()
            .map_err(|_| PageError::invalid("from", "Select whom the advice is asked of"))?,
        requested_on: state.clock.today(),
        recipient_name: text("recipient_name"),
        recipient_email: text("recipient_email"),
        question: text("question"),
    };
    let (services, actor) = (state.services(), who.actor());
    blocking(move || {
        advice_links::request_with_link(&services, &actor, &mail, case, &details)
            .map_err(PageError::from)
    })
    .await?;
    Ok(back_to(case))
}

/// `POST /cases/{id}/advice-links/{link}/revoke`: withdraws a waiting link.
pub async fn revoke(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let (case, link) = path.into_inner();
    let case: CaseId = case.parse().map_err(|_| PageError::NotFound)?;
    let link: AdviceLinkId = link.parse().map_err(|_| PageError::NotFound)?;
    let (services, actor) = (state.services(), who.actor());
    blocking(move || advice_links::revoke(&services, &actor, case, link).map_err(PageError::from))
        .await?;
    Ok(back_to(case))
}
