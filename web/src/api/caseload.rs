//! The caseload as a whole and a case's life around its statutory steps: the caseload
//! searched and paged, the team's counts, allocation, notes of contact, corrections to
//! a child's details, and a request withdrawn.

use actix_web::{HttpResponse, web};
use sendpanel_core::caseload::{CaseloadParams, caseload_for, team_for};
use sendpanel_core::domain::ChildId;
use sendpanel_core::placement::decision::{self as placement, DecidePlacement};
use sendpanel_core::placement::funding::{CommitFunding, commit_funding, commitments_for};
use sendpanel_core::placement::ledger::{FinancialYear, ledger_for, model_named};
use sendpanel_core::placement::register::{NewEducationSetting, add_setting, settings_for};
use sendpanel_core::transitions::cohorts_for;
use sendpanel_core::workflow::{AllocateCase, CorrectChild, NewCaseNote, WithdrawRequest};

use super::auth::Caller;
use super::error::ApiError;
use super::handlers::{blocking, case_id, run};
use super::wire::{
    AllocatedReply, CommitmentsReply, EducationSettingsReply, PlacementsReply, StageReply,
    TeamReply, TransitionsReply,
};
use crate::state::AppState;

/// `GET /caseload`: one page of the caller's authority's cases, searched and filtered.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn caseload(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CaseloadParams>,
) -> Result<HttpResponse, ApiError> {
    let (services, actor, params) = (state.services(), caller.actor(), query.into_inner());
    let page = blocking(move || Ok(caseload_for(&services, &actor, &params)?)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /team`: open, overdue and at-risk cases per officer, and the unallocated.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn team(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (state.services(), caller.actor());
    let officers = blocking(move || Ok(team_for(&services, &actor)?)).await?;
    Ok(HttpResponse::Ok().json(TeamReply { officers }))
}

/// `GET /transitions`: the children with plans who change phase at the end of this
/// school year and the next, and when their plans must name the new setting.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn transitions(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (state.services(), caller.actor());
    let school_year = sendpanel_core::transitions::school_year(state.clock.today());
    let cohorts = blocking(move || Ok(cohorts_for(&services, &actor)?)).await?;
    Ok(HttpResponse::Ok().json(TransitionsReply {
        school_year,
        cohorts,
    }))
}

/// `GET /education-settings`: the authority's register of settings, by name.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn education_settings(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (state.services(), caller.actor());
    let settings = blocking(move || Ok(settings_for(&services, &actor)?)).await?;
    Ok(HttpResponse::Ok().json(EducationSettingsReply { settings }))
}

/// `POST /education-settings`: add a setting to the register (admins).
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn add_education_setting(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewEducationSetting>,
) -> Result<HttpResponse, ApiError> {
    let (services, actor, new) = (state.services(), caller.actor(), body.into_inner());
    let setting = blocking(move || Ok(add_setting(&services, &actor, &new)?)).await?;
    Ok(HttpResponse::Created().json(setting))
}

/// `POST /requests/{id}/placement`: decide the setting the plan names (admins, with
/// reasons, outside a sitting).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn decide_placement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<DecidePlacement>,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(&path)?;
    let (services, actor, command) = (state.services(), caller.actor(), body.into_inner());
    let placement = blocking(move || {
        Ok(placement::decide_placement(
            &services, &actor, id, &command,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(placement))
}

/// `GET /requests/{id}/placements`: the case's placements, the latest first.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn placements(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(&path)?;
    let (services, actor) = (state.services(), caller.actor());
    let placements =
        blocking(move || Ok(placement::placements_for(&services, &actor, id)?)).await?;
    Ok(HttpResponse::Ok().json(PlacementsReply { placements }))
}

/// `POST /requests/{id}/funding`: commit a band and its funding for a placement,
/// confirming the plugin's banding advice or departing from it with reasons (admins,
/// outside a sitting).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn commit(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CommitFunding>,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(&path)?;
    let (services, actor, command) = (state.services(), caller.actor(), body.into_inner());
    let commitment = blocking(move || Ok(commit_funding(&services, &actor, id, &command)?)).await?;
    Ok(HttpResponse::Created().json(commitment))
}

/// `GET /requests/{id}/funding`: the case's commitments, the latest first.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn commitments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(&path)?;
    let (services, actor) = (state.services(), caller.actor());
    let commitments = blocking(move || Ok(commitments_for(&services, &actor, id)?)).await?;
    Ok(HttpResponse::Ok().json(CommitmentsReply { commitments }))
}

/// The financial year a ledger is asked for.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct LedgerParams {
    /// `2023/24` (or `2023`); the current financial year when absent.
    pub year: Option<String>,
    /// `bands` (when absent) or `hours`: the funding model whose commitments it counts.
    pub model: Option<String>,
}

/// `GET /funding-ledger`: the authority's commitments for a financial year, by setting
/// and band, counted and costed as councils report them.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn funding_ledger(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<LedgerParams>,
) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (state.services(), caller.actor());
    let LedgerParams { year: asked, model } = query.into_inner();
    let today = state.clock.today();
    let ledger = blocking(move || {
        let model = model_named(model.as_deref())?;
        let year = match asked {
            Some(text) => FinancialYear::parse(&text)?,
            None => FinancialYear::of(today),
        };
        Ok(ledger_for(&services, &actor, year, model)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ledger))
}

/// `POST /requests/{id}/allocation`: allocate the case to an officer, or take it off.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn allocate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<AllocateCase>,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(&path)?;
    let (services, actor, command) = (state.services(), caller.actor(), body.into_inner());
    let officer = blocking(move || Ok(services.allocate(&actor, id, &command)?)).await?;
    Ok(HttpResponse::Ok().json(AllocatedReply { officer }))
}

/// `POST /requests/{id}/notes`: a note of contact with the family or a professional.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<NewCaseNote>,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(&path)?;
    let (services, actor, command) = (state.services(), caller.actor(), body.into_inner());
    let note = blocking(move || Ok(services.add_note(&actor, id, &command)?)).await?;
    Ok(HttpResponse::Created().json(note))
}

/// `POST /children/{id}/corrections`: correct one of a child's details.
#[tracing::instrument(skip_all, fields(child_id = %path, user_id = %caller.user.id))]
pub async fn correct_child(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CorrectChild>,
) -> Result<HttpResponse, ApiError> {
    let id: ChildId = path.parse().map_err(|_| ApiError::not_found("child"))?;
    let (services, actor, command) = (state.services(), caller.actor(), body.into_inner());
    let correction = blocking(move || Ok(services.correct_child(&actor, id, &command)?)).await?;
    Ok(HttpResponse::Created().json(correction))
}

/// `POST /requests/{id}/withdrawal`: the family withdrew the request; the case closes.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<WithdrawRequest>,
) -> Result<HttpResponse, ApiError> {
    let stage = run(state, caller, &path, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(StageReply { stage }))
}
