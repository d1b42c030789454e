//! API errors as `{"error": {"code", "field", "message"}}` with the right status, so a
//! client can show the message and point at the field.

use super::wire::{ApiErrorDetail, ApiErrorReply};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use sendpanel_core::panel::PanelError;
use sendpanel_core::policy::RegistryError;
use sendpanel_core::store::StoreError;
use sendpanel_core::workflow::WorkflowError;

/// What a client is told when a write met a record already there (a duplicate, or
/// another request that recorded first). Nothing was recorded for it.
pub const CONFLICT_MESSAGE: &str = "this is already recorded, or another change was recorded first; nothing was recorded for this request: read it back before trying again";

/// One API failure.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    field: Option<String>,
    message: String,
}

impl ApiError {
    /// An error with no field.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            field: None,
            message: message.into(),
        }
    }

    /// This error, blaming `field` (a body field, or a header such as
    /// `Idempotency-Key`).
    pub fn with_field(self, field: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..self
        }
    }

    /// A field that broke a rule (422).
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            field: Some(field.into()),
            message: rule.into(),
        }
    }

    /// No such resource in the caller's authority (404, never 403: another authority's
    /// ids must not be confirmed to exist).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }

    /// The caller's role may not do this (403).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// Something failed on our side (500); the detail goes to the log, not the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong; it has been logged",
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(ApiErrorReply {
            error: ApiErrorDetail {
                code: self.code.to_owned(),
                field: self.field.clone(),
                message: self.message.clone(),
            },
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity, .. } => Self::not_found(entity),
            // The detail may be the driver's text, naming tables and constraints: it
            // goes to the log; the client is told what happened in our words.
            StoreError::Conflict(detail) => {
                tracing::info!(%detail, "refused: conflicts with a record");
                Self::new(StatusCode::CONFLICT, "conflict", CONFLICT_MESSAGE)
            }
            // The next call gets a working connection: say so, rather than a bare
            // internal error. A connection lost during a commit may still have saved
            // it, so the caller is told to check first.
            lost @ (StoreError::ConnectionLost(_) | StoreError::Pool(_)) => {
                tracing::warn!(error = %lost, "database unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database could not be reached; the change may not have been saved: read it back before trying again",
                )
            }
            other => Self::internal(other),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::Invalid { field, rule } => Self::invalid(field, rule),
            // The case is not where the command applies: often because another
            // request moved it first, which the message names. Nothing was recorded.
            wrong @ WorkflowError::WrongStage { .. } => {
                Self::new(StatusCode::CONFLICT, "conflict", wrong.to_string())
            }
            not_allowed @ WorkflowError::NotAllowed { .. } => {
                Self::forbidden(not_allowed.to_string())
            }
            WorkflowError::Store(store) => store.into(),
            other => Self::internal(other),
        }
    }
}

impl From<sendpanel_core::documents::DocumentError> for ApiError {
    fn from(error: sendpanel_core::documents::DocumentError) -> Self {
        use sendpanel_core::documents::DocumentError as E;
        match error {
            E::Refused { field, rule } => Self::invalid(field, rule),
            too_large @ E::TooLarge { .. } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                too_large
                    .to_string()
                    .trim_start_matches("file: ")
                    .to_owned(),
            )
            .with_field("file"),
            infected @ E::Infected { .. } => {
                Self::invalid("file", infected.to_string().trim_start_matches("file: "))
            }
            unavailable @ E::ScanUnavailable(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "scanner_unavailable",
                unavailable
                    .to_string()
                    .trim_start_matches("file: ")
                    .to_owned(),
            ),
            E::Workflow(workflow) => workflow.into(),
            other => Self::internal(other),
        }
    }
}

impl From<PanelError> for ApiError {
    fn from(error: PanelError) -> Self {
        match error {
            PanelError::Invalid { field, rule } => Self::invalid(field, rule),
            PanelError::NotSeated(message) => {
                Self::new(StatusCode::FORBIDDEN, "not_seated", message)
            }
            PanelError::Closed(message) => Self::new(StatusCode::CONFLICT, "closed", message),
            not_configured @ PanelError::NotConfigured(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_configured",
                not_configured.to_string(),
            ),
            PanelError::Workflow(workflow) => workflow.into(),
            PanelError::Store(store) => store.into(),
            other => Self::internal(other),
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> Self {
        match error {
            RegistryError::Store(store) => store.into(),
            RegistryError::EvidenceNotOnCase { field, rule } => Self::invalid(field, rule),
            other => Self::internal(other),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    async fn body_of(error: ApiError) -> (StatusCode, String) {
        let response = error.error_response();
        let status = response.status();
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[actix_web::test]
    async fn a_conflict_never_shows_the_drivers_words() {
        for driver in [
            "UNIQUE constraint failed: conflicts.agenda_item_id, conflicts.user_id",
            "duplicate key value violates unique constraint \"conflicts_agenda_item_id_user_id_key\"",
        ] {
            let (status, body) =
                body_of(ApiError::from(StoreError::Conflict(driver.to_owned()))).await;
            assert_eq!(status, StatusCode::CONFLICT);
            assert!(body.contains("\"code\":\"conflict\""), "{body}");
            assert!(body.contains("nothing was recorded"), "{body}");
            for leak in ["UNIQUE", "constraint", "conflicts_", "agenda_item_id"] {
                assert!(!body.contains(leak), "{leak} in {body}");
            }
        }
    }

    #[actix_web::test]
    async fn a_failure_on_our_side_says_only_that() {
        let (status, body) = body_of(ApiError::from(StoreError::Refused(
            "new row for relation \"decisions\" violates check constraint".to_owned(),
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.contains("decisions"), "{body}");
        assert!(body.contains("it has been logged"), "{body}");
    }
}
