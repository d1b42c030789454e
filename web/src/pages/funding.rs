//! The funding ledger page and its spreadsheet: a financial year's band commitments
//! by setting and band, as a council reports them to its schools forum, with the
//! year's cost month by month as a chart.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sendpanel_core::domain::{FundingModel, Pence};
use sendpanel_core::placement::ledger::{
    FinancialYear, FundingLedger, LedgerFigures, ledger_csv, ledger_for,
};
use sendpanel_core::workflow::WorkflowError;
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use super::chart::{Bar, BarChart, Colour};
use super::render::{PageError, render};
use super::session::SignedIn;
use super::work::{blocking, long_date};
use crate::state::AppState;

/// The year asked for.
#[derive(Debug, serde::Deserialize)]
pub struct YearQuery {
    year: Option<String>,
    model: Option<String>,
}

fn figures(f: &LedgerFigures) -> Value {
    json!({
        "places_april": f.places_april,
        "places_september": f.places_september,
        "pupils_january": f.pupils_january,
        "place": Pence::new(f.place_funding_pence).to_string(),
        "pupil": Pence::new(f.pupil_funding_pence).to_string(),
        "other": Pence::new(f.other_funding_pence).to_string(),
        "total": Pence::new(f.total_pence).to_string(),
    })
}

fn month_chart(ledger: &FundingLedger) -> String {
    let bars = ledger
        .months
        .iter()
        .map(|m| {
            let pounds = usize::try_from(m.pence.max(0) / 100).unwrap_or(usize::MAX);
            let label = format!(
                "{}{}",
                m.month.format("%B %Y"),
                if m.begun { "" } else { " (forecast)" }
            );
            Bar::new(
                label,
                pounds,
                if m.begun { Colour::Blue } else { Colour::Grey },
            )
        })
        .collect();
    BarChart {
        id: "months".into(),
        title: format!("What the commitments cost each month of {}", ledger.year),
        summary: "Pounds committed in each month, April to March; months not yet begun \
                  are a forecast as the commitments stand today."
            .into(),
        bars,
        empty: "No commitments.".into(),
    }
    .svg()
}

/// The year in the query, or the current financial year; a bad one is named.
fn year_of(query: YearQuery, state: &AppState) -> Result<FinancialYear, WorkflowError> {
    match query
        .year
        .as_deref()
        .map(str::trim)
        .filter(|y| !y.is_empty())
    {
        Some(text) => FinancialYear::parse(text),
        None => Ok(FinancialYear::of(state.clock.today())),
    }
}

/// The ledger for the year asked, as `who` may read it.
async fn read_ledger(
    state: &web::Data<AppState>,
    who: &SignedIn,
    query: YearQuery,
) -> Result<FundingLedger, PageError> {
    let model = sendpanel_core::placement::ledger::model_named(query.model.as_deref())?;
    let year = year_of(query, state)?;
    let (services, actor) = (state.services(), who.actor());
    blocking(move || ledger_for(&services, &actor, year, model)).await
}

/// `GET /funding-ledger`: the ledger for a financial year.
pub async fn ledger(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let ledger = read_ledger(&state, &who, query.into_inner()).await?;
    let settings: Vec<Value> = ledger
        .settings
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "kind": s.kind.to_string().replace('_', " "),
                "in_area": s.in_area,
                "rows": s.rows.iter().map(|r| json!({
                    "band_code": r.band_code,
                    "band_title": r.band_title,
                    "figures": figures(&r.figures),
                })).collect::<Vec<_>>(),
                "total": figures(&s.total),
            })
        })
        .collect();
    let p = &ledger.placements;
    let money = |pence: i64| Pence::new(pence).to_string();
    render(
        StatusCode::OK,
        "funding_ledger",
        "Funding ledger",
        &who.frame,
        json!({
            "year": ledger.year.to_string(),
            "model": ledger.model.to_string(),
            "models": FundingModel::iter().map(|m| json!({
                "value": m.to_string(),
                "label": match m { FundingModel::Bands => "Bands", FundingModel::Hours => "Hours" },
                "current": m == ledger.model,
            })).collect::<Vec<_>>(),
            "previous": FinancialYear::starting(ledger.year.start_year() - 1).to_string(),
            "next": FinancialYear::starting(ledger.year.start_year() + 1).to_string(),
            "april": long_date(ledger.count_days.april),
            "september": long_date(ledger.count_days.september),
            "january": long_date(ledger.count_days.january),
            "settings": settings,
            "total": figures(&ledger.total),
            "spent": money(ledger.spent_to_date_pence),
            "forecast": money(ledger.forecast_rest_of_year_pence),
            "svg": month_chart(&ledger),
            "placements": {
                "cases": p.cases,
                "joint_funded_cases": p.joint_funded_cases,
                "education": money(p.education_pence),
                "health": money(p.health_pence),
                "social_care": money(p.social_care_pence),
                "independent_cases": p.independent_cases,
                "independent": money(p.independent_pence),
                "out_of_area_cases": p.out_of_area_cases,
                "out_of_area": money(p.out_of_area_pence),
            },
            "csv": format!(
                "/funding-ledger.csv?year={}&model={}",
                ledger.year.start_year(),
                ledger.model
            ),
        }),
    )
}

/// `GET /funding-ledger.csv`: the same ledger as a spreadsheet.
pub async fn ledger_download(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let ledger = read_ledger(&state, &who, query.into_inner()).await?;
    let body = ledger_csv(&ledger).map_err(PageError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"funding-ledger-{}-{}.csv\"",
                ledger.year.to_string().replace('/', "-"),
                ledger.model
            ),
        ))
        .body(body))
}
