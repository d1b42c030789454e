//! Requests for advice sent with an upload link (SEND Regulations 2014 reg. 6(1), 8(1)):
//! send one, list a case's with their state, and withdraw one. The handlers parse,
//! call one core function, and answer; the rules are the core's.

use actix_web::{HttpResponse, web};
use sendpanel_core::documents::advice_links::{
    self, AdviceLinkError, AdviceLinkView, NewAdviceLink,
};
use sendpanel_core::domain::{AdviceLinkId, CaseId};
use serde::Serialize;

use super::auth::Caller;
use super::error::ApiError;
use super::handlers::blocking;
use crate::state::AppState;

fn case_id(path: &str) -> Result<CaseId, ApiError> {
    path.parse().map_err(|_| ApiError::not_found("request"))
}

impl From<AdviceLinkError> for ApiError {
    fn from(e: AdviceLinkError) -> Self {
        use actix_web::http::StatusCode;
        match e {
            AdviceLinkError::Invalid { field, rule } => ApiError::invalid(field, rule),
            AdviceLinkError::Workflow(w) => w.into(),
            AdviceLinkError::Document(d) => d.into(),
            AdviceLinkError::Unknown => ApiError::not_found("advice link"),
            closed @ (AdviceLinkError::Used
            | AdviceLinkError::Expired
            | AdviceLinkError::Revoked) => {
                ApiError::new(StatusCode::CONFLICT, "link_closed", closed.to_string())
            }
            other @ AdviceLinkError::Notify(_) => ApiError::internal(other),
        }
    }
}

/// What sending a link answers: never the token, which only the e-mail carries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdviceLinkSentReply {
    /// The link's id.
    pub link: String,
    /// The request's own 6-week limit (reg. 8(1)).
    pub due_on: chrono::NaiveDate,
    /// The last moment the link works.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The letter kept on the case.
    pub letter: String,
}

/// A case's advice links, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdviceLinksReply {
    /// Each link with its state.
    pub links: Vec<AdviceLinkView>,
}

/// `POST /requests/{id}/advice-links`: asks a professional for advice and e-mails them
/// a link to upload it through; 201. 404 when the service has no `public_url` (a link
/// needs an address people can trust).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn send_link(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<NewAdviceLink>,
) -> Result<HttpResponse, ApiError> {
    let case = case_id(&path)?;
    let Some(mail) = state.account_mail.as_ref().and_then(|m| m.advice()) else {
        return Err(ApiError::not_found("advice links (no public_url is set)"));
    };
    let (services, actor, details) = (state.services(), caller.actor(), body.into_inner());
    let sent = blocking(move || {
        Ok(advice_links::request_with_link(
            &services, &actor, &mail, case, &details,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(AdviceLinkSentReply {
        link: sent.link.to_string(),
        due_on: sent.deadline.due_on,
        expires_at: sent.expires_at,
        letter: sent.letter.to_string(),
    }))
}

/// `GET /requests/{id}/advice-links`: the case's links, oldest first, with the chasers
/// sent, whether the advice came, and whether it is overdue.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn list_links(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case = case_id(&path)?;
    if !sendpanel_core::access::may_open_case(caller.user.role) {
        return Err(ApiError::forbidden("this role cannot open cases"));
    }
    let (db, scope, today) = (state.db.clone(), caller.scope.clone(), state.clock.today());
    let links: Vec<AdviceLinkView> =
        blocking(move || Ok(advice_links::advice_status(&db, &scope, case, today)?)).await?;
    Ok(HttpResponse::Ok().json(AdviceLinksReply { links }))
}

/// `POST /requests/{id}/advice-links/{link}/revoke`: withdraws a waiting link; 204.
/// 409 when it was already used or withdrawn.
#[tracing::instrument(skip_all, fields(case_id = %path.0, user_id = %caller.user.id))]
pub async fn revoke_link(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let case = case_id(&path.0)?;
    let link: AdviceLinkId = path
        .1
        .parse()
        .map_err(|_| ApiError::not_found("advice link"))?;
    let (services, actor) = (state.services(), caller.actor());
    blocking(move || Ok(advice_links::revoke(&services, &actor, case, link)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}
