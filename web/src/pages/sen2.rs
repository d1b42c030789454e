//! `GET /reports/sen2?census=YYYY-MM-DD`: the DfE's SEN2 return for a census date, as
//! the core makes it ([`sendpanel_core::sen2`]): records per module, each child left
//! out with the rules their record broke, the items the record cannot fill, and a link
//! to the file, `GET /reports/sen2.xml?census=...`. For caseworkers, admins and
//! auditors; panel members and chairs are refused (403).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate, Weekday};
use sendpanel_core::sen2::{Sen2Error, Sen2Report, Software, sen2_for};
use serde::Deserialize;
use serde_json::json;

use super::render::{PageError, render};
use super::session::SignedIn;
use super::work::blocking;
use crate::state::AppState;

/// Who may make the return ([`sendpanel_core::sen2::READERS`]).
pub use sendpanel_core::sen2::READERS as SEN2_READERS;

impl From<Sen2Error> for PageError {
    fn from(error: Sen2Error) -> Self {
        match error {
            Sen2Error::Store(store) => store.into(),
            Sen2Error::NotAllowed(_) => Self::Forbidden(error.to_string()),
            other => Self::internal(other),
        }
    }
}

/// Mounts these pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/sen2", web::get().to(page))
        .route("/reports/sen2.xml", web::get().to(file));
}

/// The query: the census date.
#[derive(Debug, Deserialize)]
pub struct CensusQuery {
    /// `YYYY-MM-DD`.
    pub census: Option<String>,
}

/// The census date asked for; without one, the latest January survey day (the third
/// Thursday: 18 Jan 2024, 16 Jan 2025, 15 Jan 2026, 21 Jan 2027) on or before `today`.
pub fn census_from(query: Option<&str>, today: NaiveDate) -> Result<NaiveDate, String> {
    match query.map(str::trim).filter(|q| !q.is_empty()) {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("{text:?} must be a date written YYYY-MM-DD, such as 2027-01-21")),
        None => {
            let survey = |year| NaiveDate::from_weekday_of_month_opt(year, 1, Weekday::Thu, 3);
            Ok(survey(today.year())
                .filter(|day| *day <= today)
                .or_else(|| survey(today.year() - 1))
                .unwrap_or(today))
        }
    }
}

fn allowed(who: &SignedIn) -> Result<(), PageError> {
    if SEN2_READERS.contains(&who.user.role) {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "the SEN2 return is for caseworkers, admins and auditors".into(),
        ))
    }
}

async fn make(
    state: web::Data<AppState>,
    who: &SignedIn,
    query: &CensusQuery,
    route: &'static str,
) -> Result<Sen2Report, PageError> {
    allowed(who)?;
    let census = census_from(query.census.as_deref(), state.clock.today())
        .map_err(|rule| PageError::invalid("census", rule))?;
    let (services, actor) = (state.services(), who.actor());
    let software = Software::sendpanel(state.clock.now());
    blocking(move || sen2_for(&services, &actor, census, &software, route)).await
}

/// `GET /reports/sen2`: the report.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
async fn page(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CensusQuery>,
) -> Result<HttpResponse, PageError> {
    let report = make(state, &who, &query, "GET /reports/sen2").await?;
    tracing::info!(census = %report.census, refused = report.refused.len(), "SEN2 return made");
    let modules: Vec<_> = report
        .exported
        .rows()
        .iter()
        .map(|(module, count)| json!({ "module": module, "count": count }))
        .collect();
    let refused: Vec<_> = report
        .refused
        .iter()
        .map(|child| {
            json!({
                "name": child.name,
                "upn": child.upn,
                "cases": child.case_ids.iter().map(|id| json!({
                    "id": id.to_string(),
                    "href": format!("/cases/{id}"),
                })).collect::<Vec<_>>(),
                "failures": child.failures,
            })
        })
        .collect();
    render(
        StatusCode::OK,
        "sen2",
        "SEN2 return",
        &who.frame,
        json!({
            "census": report.census.to_string(),
            "census_words": report.census.format("%-d %B %Y").to_string(),
            "download": format!("/reports/sen2.xml?census={}", report.census),
            "code_lists": report.code_lists,
            "modules": modules,
            "refused": refused,
            "unfillable": report.unfillable,
        }),
    )
}

/// `GET /reports/sen2.xml`: the file.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
async fn file(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CensusQuery>,
) -> Result<HttpResponse, PageError> {
    let report = make(state, &who, &query, "GET /reports/sen2.xml").await?;
    tracing::info!(census = %report.census, "SEN2 file downloaded");
    Ok(HttpResponse::Ok()
        .content_type("application/xml")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"sen2-{}.xml\"", report.census),
        ))
        .body(report.xml))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_default_census_is_the_latest_third_thursday_of_january() {
        assert_eq!(census_from(None, day(2027, 2, 1)), Ok(day(2027, 1, 21)));
        assert_eq!(census_from(None, day(2027, 1, 20)), Ok(day(2026, 1, 15)));
        assert_eq!(census_from(None, day(2025, 3, 1)), Ok(day(2025, 1, 16)));
        assert_eq!(
            census_from(Some("2024-01-18"), day(2027, 1, 1)),
            Ok(day(2024, 1, 18))
        );
        assert!(census_from(Some("18/01/2024"), day(2027, 1, 1)).is_err());
    }
}
