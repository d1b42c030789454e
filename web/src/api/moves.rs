//! Routes for a plan that moves (phase transfers, Reg 18; moves between authorities,
//! Reg 15) and for disagreements (mediation, appeals, Tribunal orders). Like every
//! handler: parse, check the role, call the core, map the answer.

use actix_web::{HttpResponse, web};
use sendpanel_core::workflow::{
    self, ArrangeNextStepsMeeting, CompletePhaseTransfer, LodgeAppeal, NotifyMoveOut,
    PlanPhaseTransfer, ReceiveTransferredPlan, RecordMediationOutcome, RecordOrderComplied,
    RecordTribunalDecision, RequestMediation, SendTransferNotice, TransferPlanOut,
};

use super::auth::Caller;
use super::error::ApiError;
use super::handlers::{WRITERS, blocking, run};
use super::wire::{
    AppealLodgedReply, DeadlineReply, MediationConcludedReply, MediationRequestedReply,
    MeetingArrangedReply, OnTimeReply, PhaseTransferCompletedReply, PlanTransferredOutReply,
    TribunalDecidedReply,
};
use crate::state::AppState;

/// `POST /transfers-in`: a plan transferred from another authority (reg. 15); 201 with
/// the new case, its notice limit (6 weeks, reg. 15(4)) and first review (reg. 15(5)).
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn receive_transferred_plan(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ReceiveTransferredPlan>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&WRITERS, "receive a transferred plan")?;
    let command = body.into_inner();
    let view = blocking(move || {
        let received = workflow::receive_transferred_plan(
            &state.db,
            &caller.scope,
            &command,
            Some(caller.user.id),
            state.clock.as_ref(),
        )?;
        Ok(workflow::case_view(
            &state.db,
            &caller.scope,
            received.case.id,
            state.clock.today(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// `POST /requests/{id}/transfer-notice`: the family told of the transfer (reg. 15(4)).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn send_transfer_notice(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<SendTransferNotice>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let on_time = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(OnTimeReply { on_time }))
}

/// `POST /requests/{id}/next-steps-meeting`: a meeting with the family after a refusal;
/// their invitation (with a calendar entry) is written in the same transaction.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn arrange_next_steps_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ArrangeNextStepsMeeting>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(MeetingArrangedReply { arranged: true }))
}

/// `POST /requests/{id}/phase-transfer`: a coming phase transfer; 201 with its Reg 18
/// date.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn plan_phase_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<PlanPhaseTransfer>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let deadline = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(DeadlineReply { deadline }))
}

/// `POST /requests/{id}/phase-transfer/completed`: the plan amended for the transfer.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn complete_phase_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CompletePhaseTransfer>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let done = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(PhaseTransferCompletedReply::from(done)))
}

/// `POST /requests/{id}/move-out`: the child is moving away; 201 with the Reg 15(2)
/// limit for sending the plan.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn notify_move_out(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<NotifyMoveOut>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let deadline = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(DeadlineReply { deadline }))
}

/// `POST /requests/{id}/transfer-out`: the plan sent to the new authority; the case
/// closes here.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn transfer_plan_out(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<TransferPlanOut>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let done = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(PlanTransferredOutReply::from(done)))
}

/// `POST /requests/{id}/mediation`: the family asked for mediation; 201 with the
/// authority's 30 days (regs. 36-37).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn request_mediation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RequestMediation>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let mediation_by = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(MediationRequestedReply { mediation_by }))
}

/// `POST /requests/{id}/mediation/outcome`: how mediation ended; the answer gives the
/// family's appeal date, a month after any certificate (Tribunal rule 20).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn record_mediation_outcome(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RecordMediationOutcome>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let done = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(MediationConcludedReply::from(done)))
}

/// `POST /requests/{id}/appeal`: an appeal lodged with the Tribunal; 201 with the
/// family's last day and whether it came by it.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn lodge_appeal(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<LodgeAppeal>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let lodged = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(AppealLodgedReply::from(lodged)))
}

/// `POST /requests/{id}/tribunal-decision`: the Tribunal's decision; an order sets its
/// steps' limits (reg. 44(2)).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn record_tribunal_decision(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RecordTribunalDecision>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let decided = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(TribunalDecidedReply::from(decided)))
}

/// `POST /requests/{id}/tribunal-order-complied`: a step of an order carried out.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn comply_with_order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RecordOrderComplied>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let on_time = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(OnTimeReply { on_time }))
}
