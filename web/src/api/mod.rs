//! The JSON API, `/api/v1`, documented by `/api/v1/openapi.json`. Every route but the
//! document itself needs a bearer token; every query is scoped to the caller's
//! authority, so another authority's ids answer 404 and never leak. Every POST takes
//! an optional `Idempotency-Key` ([`idempotency`]): a repeat gets the first answer.

mod advice_links;
mod auth;
mod caseload;
mod error;
mod evidence;
mod handlers;
mod idempotency;
mod moves;
pub mod openapi;
mod panels;
mod sen2;
mod wire;

use actix_web::{HttpRequest, HttpResponse, error::JsonPayloadError, web};

pub use auth::Caller;
pub use error::ApiError;
pub use evidence::{bundle_response, document_response};

/// The largest JSON body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 << 10;

/// Mounts `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(idempotency::idempotent))
            .app_data(
                web::JsonConfig::default()
                    .limit(MAX_BODY_BYTES)
                    .error_handler(json_error),
            )
            .route("/openapi.json", web::get().to(openapi))
            .route("/requests", web::post().to(handlers::receive_request))
            .route("/requests/{id}", web::get().to(handlers::get_request))
            .route(
                "/requests/{id}/advice/graduated-response",
                web::post().to(handlers::seek_advice),
            )
            .route(
                "/requests/{id}/advice/banding",
                web::post().to(handlers::seek_banding_advice),
            )
            .route(
                "/requests/{id}/advice/costed-banding",
                web::post().to(handlers::seek_costed_banding_advice),
            )
            .route(
                "/requests/{id}/advice/next-steps",
                web::post().to(handlers::seek_next_steps_advice),
            )
            .route(
                "/requests/{id}/decision-to-assess",
                web::post().to(handlers::decide_whether_to_assess),
            )
            .route(
                "/requests/{id}/next-steps-outcome",
                web::post().to(handlers::record_next_steps_outcome),
            )
            .route(
                "/requests/{id}/exceptions",
                web::post().to(handlers::claim_exception),
            )
            .route(
                "/requests/{id}/advice-requests",
                web::post().to(handlers::request_advice),
            )
            .route(
                "/requests/{id}/advice-links",
                web::post().to(advice_links::send_link),
            )
            .route(
                "/requests/{id}/advice-links",
                web::get().to(advice_links::list_links),
            )
            .route(
                "/requests/{id}/advice-links/{link}/revoke",
                web::post().to(advice_links::revoke_link),
            )
            .route(
                "/requests/{id}/advice-received",
                web::post().to(handlers::record_advice_received),
            )
            .route(
                "/requests/{id}/decision-to-issue",
                web::post().to(handlers::decide_whether_to_issue),
            )
            .route(
                "/requests/{id}/draft-plan",
                web::post().to(handlers::serve_draft_plan),
            )
            .route(
                "/requests/{id}/final-plan",
                web::post().to(handlers::issue_final_plan),
            )
            .route(
                "/requests/{id}/review-meeting",
                web::post().to(handlers::schedule_review_meeting),
            )
            .route(
                "/requests/{id}/review-decision",
                web::post().to(handlers::record_review_decision),
            )
            .route(
                "/requests/{id}/next-steps-meeting",
                web::post().to(moves::arrange_next_steps_meeting),
            )
            .route(
                "/transfers-in",
                web::post().to(moves::receive_transferred_plan),
            )
            .route(
                "/requests/{id}/transfer-notice",
                web::post().to(moves::send_transfer_notice),
            )
            .route(
                "/requests/{id}/phase-transfer",
                web::post().to(moves::plan_phase_transfer),
            )
            .route(
                "/requests/{id}/phase-transfer/completed",
                web::post().to(moves::complete_phase_transfer),
            )
            .route(
                "/requests/{id}/move-out",
                web::post().to(moves::notify_move_out),
            )
            .route(
                "/requests/{id}/transfer-out",
                web::post().to(moves::transfer_plan_out),
            )
            .route(
                "/requests/{id}/mediation",
                web::post().to(moves::request_mediation),
            )
            .route(
                "/requests/{id}/mediation/outcome",
                web::post().to(moves::record_mediation_outcome),
            )
            .route("/requests/{id}/appeal", web::post().to(moves::lodge_appeal))
            .route(
                "/requests/{id}/tribunal-decision",
                web::post().to(moves::record_tribunal_decision),
            )
            .route(
                "/requests/{id}/tribunal-order-complied",
                web::post().to(moves::comply_with_order),
            )
            .route("/sittings", web::post().to(panels::schedule_sitting))
            .route("/sittings", web::get().to(panels::list_sittings))
            .route("/sittings/{id}", web::get().to(panels::get_sitting))
            .route(
                "/sittings/{id}/agenda",
                web::post().to(panels::add_to_agenda),
            )
            .route("/sittings/{id}/open", web::post().to(panels::open_sitting))
            .route(
                "/sittings/{id}/attendance",
                web::post().to(panels::mark_present),
            )
            .route("/sittings/{id}/minutes", web::get().to(panels::minutes))
            .route(
                "/sittings/{id}/events",
                web::get().to(panels::sitting_events),
            )
            .route(
                "/agenda-items/{id}/papers",
                web::get().to(panels::open_papers),
            )
            .route(
                "/agenda-items/{id}/conflict",
                web::post().to(panels::declare_conflict),
            )
            .route(
                "/agenda-items/{id}/votes",
                web::post().to(panels::cast_vote),
            )
            .route(
                "/agenda-items/{id}/close",
                web::post().to(panels::close_item),
            )
            .route(
                "/panels/{code}/members",
                web::post().to(panels::seat_member),
            )
            .route("/caseload", web::get().to(caseload::caseload))
            .route("/team", web::get().to(caseload::team))
            .route("/transitions", web::get().to(caseload::transitions))
            .route(
                "/education-settings",
                web::get().to(caseload::education_settings),
            )
            .route(
                "/education-settings",
                web::post().to(caseload::add_education_setting),
            )
            .route("/reports/sen2", web::get().to(sen2::file))
            .route("/reports/sen2/report", web::get().to(sen2::report))
            .route(
                "/requests/{id}/allocation",
                web::post().to(caseload::allocate),
            )
            .route(
                "/requests/{id}/placement",
                web::post().to(caseload::decide_placement),
            )
            .route(
                "/requests/{id}/placements",
                web::get().to(caseload::placements),
            )
            .route("/requests/{id}/funding", web::post().to(caseload::commit))
            .route(
                "/requests/{id}/funding",
                web::get().to(caseload::commitments),
            )
            .route("/funding-ledger", web::get().to(caseload::funding_ledger))
            .route("/requests/{id}/notes", web::post().to(caseload::add_note))
            .route(
                "/requests/{id}/withdrawal",
                web::post().to(caseload::withdraw),
            )
            .route(
                "/children/{id}/corrections",
                web::post().to(caseload::correct_child),
            )
            .route(
                "/requests/{id}/evidence",
                web::post().to(evidence::add_evidence),
            )
            .route(
                "/requests/{id}/evidence",
                web::get().to(evidence::list_evidence),
            )
            .route(
                "/requests/{id}/evidence/{document}",
                web::get().to(evidence::open_evidence),
            )
            .route(
                "/requests/{id}/tribunal-bundle",
                web::post().to(evidence::tribunal_bundle),
            ),
    );
}

/// The API document, generated from the code ([`openapi`]).
async fn openapi() -> Result<HttpResponse, ApiError> {
    let document = openapi::json().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(document))
}

/// Bad JSON names the field where serde can tell; an oversized body is 413.
fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api = match &error {
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is {length} bytes; the limit is {limit}"),
        ),
        JsonPayloadError::Overflow { limit } => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is over the limit of {limit} bytes"),
        ),
        JsonPayloadError::Deserialize(inner) => {
            let message = inner.to_string();
            let field = message
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_else(|| "body".to_owned());
            ApiError::invalid(field, message)
        }
        other => ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "bad_request",
            other.to_string(),
        ),
    };
    api.into()
}
