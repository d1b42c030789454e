//! `GET /reports/sen2?census=YYYY-MM-DD`: the DfE's SEN2 return for a census date as
//! its XML (`application/xml`); `GET /reports/sen2/report?census=...`: what went into
//! it, as JSON (records per module, each child left out with the rules broken, the
//! items the record cannot fill). Both make the return afresh from the record; for
//! caseworkers, admins and auditors.

use actix_web::{HttpResponse, web};
use sendpanel_core::sen2::{Sen2Error, Sen2Report, Software, sen2_for};

use super::auth::Caller;
use super::error::ApiError;
use super::handlers::blocking;
use crate::pages::sen2::{CensusQuery, census_from};
use crate::state::AppState;
use sendpanel_core::sen2::READERS as SEN2_READERS;

impl From<Sen2Error> for ApiError {
    fn from(error: Sen2Error) -> Self {
        match error {
            Sen2Error::Store(store) => store.into(),
            Sen2Error::NotAllowed(_) => Self::forbidden(error.to_string()),
            other => Self::internal(other),
        }
    }
}

async fn make(
    state: web::Data<AppState>,
    caller: &Caller,
    query: &CensusQuery,
    route: &'static str,
) -> Result<Sen2Report, ApiError> {
    caller.require(&SEN2_READERS, "make the SEN2 return")?;
    let census = census_from(query.census.as_deref(), state.clock.today())
        .map_err(|rule| ApiError::invalid("census", rule))?;
    let (services, actor) = (state.services(), caller.actor());
    let software = Software::sendpanel(state.clock.now());
    blocking(move || Ok(sen2_for(&services, &actor, census, &software, route)?)).await
}

/// `GET /reports/sen2`: the file.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CensusQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = make(state, &caller, &query, "GET /api/v1/reports/sen2").await?;
    tracing::info!(census = %report.census, "SEN2 file made");
    Ok(HttpResponse::Ok()
        .content_type("application/xml")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"sen2-{}.xml\"", report.census),
        ))
        .body(report.xml))
}

/// `GET /reports/sen2/report`: what went into the file.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn report(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CensusQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = make(state, &caller, &query, "GET /api/v1/reports/sen2/report").await?;
    Ok(HttpResponse::Ok().json(report))
}
