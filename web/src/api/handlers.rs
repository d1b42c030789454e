//! One handler per route: parse, call one core service on a blocking thread, map the
//! answer. Who may record a case step is the core's catalogue, checked by the core
//! ([`sendpanel_core::services::Services::run`]); no business rule lives here.

use actix_web::{HttpResponse, web};
use sendpanel_core::domain::CaseId;
use sendpanel_core::policy::Question;
use sendpanel_core::policy::contract::{BandRequest, CostedBandRequest, RequestFacts};
use sendpanel_core::workflow::{
    self, CaseCommand, ClaimException, IssueFinalPlan, ReceiveRequest, RecordAdviceReceived,
    RecordNextStepsOutcome, RequestAdvice, ScheduleReviewMeeting, ServeDraftPlan, Step,
};

use super::auth::Caller;
use super::error::ApiError;
use super::wire::{
    AdviceReceivedReply, AssessDecidedReply, DeadlineReply, DecisionBody, FinalPlanIssuedReply,
    IssueDecidedReply, IssueDecisionBody, RequestLoggedReply, ReviewDecidedReply,
    ReviewDecisionBody, ReviewMeetingScheduledReply, StageReply,
};
use crate::state::AppState;

/// Runs blocking core work off the actix worker, keeping the caller's span.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let span = tracing::Span::current();
    web::block(move || span.in_scope(work))
        .await
        .map_err(ApiError::internal)?
}

pub(super) fn case_id(path: &str) -> Result<CaseId, ApiError> {
    path.parse().map_err(|_| ApiError::not_found("request"))
}

/// What every step on a case shares: the caller's role is checked against the step's
/// entry in the core's catalogue, the id read, and the core command run off the actix
/// worker within the caller's scope (another authority's case is simply not found).
pub(super) async fn on_case<T: Send + 'static>(
    state: web::Data<AppState>,
    caller: Caller,
    path: &str,
    step: Step,
    command: impl FnOnce(&AppState, &Caller, CaseId) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    caller.require(step.roles(), step.doing())?;
    let id = case_id(path)?;
    blocking(move || command(&state, &caller, id)).await
}

/// Runs one case step for the caller: the core checks the caller's role against the
/// step's entry in its catalogue, takes the case within the caller's scope (another
/// authority's case is simply not found) and records what the command decides.
pub(super) async fn run<C>(
    state: web::Data<AppState>,
    caller: Caller,
    path: &str,
    command: C,
) -> Result<C::Outcome, ApiError>
where
    C: CaseCommand + Send + 'static,
    C::Outcome: Send + 'static,
{
    let id = case_id(path)?;
    let actor = caller.actor();
    blocking(move || Ok(state.services().run(&actor, id, &command)?)).await
}

pub(super) use crate::roles::WRITERS;

/// `POST /requests`: log a request; 201 with its id, stage and deadlines.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn receive_request(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ReceiveRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&WRITERS, "log a request")?;
    let command = body.into_inner();
    let received = blocking(move || {
        let today = state.clock.today();
        let received = workflow::receive_request(
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
            today,
        )?)
    })
    .await?;
    tracing::info!(case_id = %received.id, "request received");
    Ok(HttpResponse::Created().json(RequestLoggedReply::from(received)))
}

/// `GET /requests/{id}`: the case whole, for the roles that open cases (not panel
/// members, who read a case through a sitting's papers); each read is recorded.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn get_request(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(&path)?;
    let view = blocking(move || {
        Ok(sendpanel_core::access::read_case(
            &state.services(),
            &caller.actor(),
            id,
            sendpanel_core::access::AccessKind::CaseApi,
            "GET /api/v1/requests/{id}",
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Asks the authority's plugin in force one question about a case and records its
/// advice; 409 when no plugin is in force on the facts' date (people decide without).
async fn seek(
    state: web::Data<AppState>,
    caller: Caller,
    path: &str,
    question: Question,
) -> Result<HttpResponse, ApiError> {
    let advice = on_case(
        state,
        caller,
        path,
        match &question {
            Question::GraduatedResponse(_) => Step::GraduatedResponseAdvice,
            Question::Banding(_) | Question::CostedBanding(_) => Step::BandingAdvice,
            Question::NextSteps(_) => Step::NextStepsAdvice,
        },
        move |state, caller, id| {
            // The case must be the caller's before any plugin runs on its facts.
            state.db.read(|tx| tx.get_case(&caller.scope, id))?;
            Ok(state.catalogue.advise(
                &state.db,
                &caller.scope,
                id,
                &question,
                Some(caller.user.id),
                state.clock.as_ref(),
            )?)
        },
    )
    .await?;
    match advice {
        Some(advice) => Ok(HttpResponse::Created().json(advice)),
        None => Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "no_plugin",
            "the authority has no policy plugin in force on that date; decide without advice",
        )),
    }
}

/// `POST /requests/{id}/advice/graduated-response`: ask the plugin in force.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn seek_advice(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RequestFacts>,
) -> Result<HttpResponse, ApiError> {
    seek(
        state,
        caller,
        &path,
        Question::GraduatedResponse(body.into_inner()),
    )
    .await
}

/// `POST /requests/{id}/advice/banding`: the band and yearly top-up for a placement,
/// for the draft plan's provision (the authority's tariff, as its plugin holds it).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn seek_banding_advice(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<BandRequest>,
) -> Result<HttpResponse, ApiError> {
    seek(state, caller, &path, Question::Banding(body.into_inner())).await
}

/// `POST /requests/{id}/advice/costed-banding`: as `banding`, with the plan's costed
/// additional provision (contract 1.1): what an authority that funds mainstream plans
/// above a threshold needs. A plugin built against 1.0 answers the band request inside.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn seek_costed_banding_advice(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CostedBandRequest>,
) -> Result<HttpResponse, ApiError> {
    seek(
        state,
        caller,
        &path,
        Question::CostedBanding(body.into_inner()),
    )
    .await
}

/// `POST /requests/{id}/advice/next-steps`: the plugin's plan for the next-steps meeting
/// after a refusal (who meets the family, within how long).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn seek_next_steps_advice(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RequestFacts>,
) -> Result<HttpResponse, ApiError> {
    seek(state, caller, &path, Question::NextSteps(body.into_inner())).await
}

/// `POST /requests/{id}/decision-to-assess`: the chair records the decision.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn decide_whether_to_assess(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner().decided_by(caller.user.id);
    let decided = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(AssessDecidedReply::from(decided)))
}

/// `POST /requests/{id}/next-steps-outcome`: what the meeting after a refusal led to.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn record_next_steps_outcome(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RecordNextStepsOutcome>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let stage = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(StageReply { stage }))
}

/// `POST /requests/{id}/exceptions`: claim an exception to one of the case's time
/// limits (SEND Regulations 2014 reg. 5(4), 8(2), 10(4), 13(3)). The caller is the one
/// who claims it; 201 with the record. The limit is disapplied, its date unchanged.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn claim_exception(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ClaimException>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let exception = run(state, caller, &path, command).await?;
    tracing::info!(
        exception_id = %exception.id,
        deadline = %exception.deadline_kind,
        limb = %exception.limb,
        "exception recorded"
    );
    Ok(HttpResponse::Created().json(exception))
}

/// `POST /requests/{id}/advice-requests`: advice asked of one source during the
/// assessment (SEND Regulations 2014 reg. 6(1)); 201 with its own 6-week limit (reg. 8(1)).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn request_advice(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RequestAdvice>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let deadline = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(DeadlineReply { deadline }))
}

/// `POST /requests/{id}/advice-received`: advice arrived from one source; the oldest
/// open request to it is met (reg. 8(1)).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn record_advice_received(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RecordAdviceReceived>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let received = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(AdviceReceivedReply::from(received)))
}

/// `POST /requests/{id}/decision-to-issue`: the chair records whether a plan is
/// necessary (CFA s.37(1); reg. 10).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn decide_whether_to_issue(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<IssueDecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner().decided_by(caller.user.id);
    let decided = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(IssueDecidedReply::from(decided)))
}

/// `POST /requests/{id}/draft-plan`: the draft plan served; 201 with the representations
/// limit, 15 days beginning with service (reg. 13(1)).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn serve_draft_plan(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ServeDraftPlan>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let deadline = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(DeadlineReply { deadline }))
}

/// `POST /requests/{id}/final-plan`: the final plan issued (reg. 13(2)); the answer says
/// whether within 20 weeks and gives the first annual review (CFA s.44(1)).
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn issue_final_plan(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<IssueFinalPlan>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let issued = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(FinalPlanIssuedReply::from(issued)))
}

/// `POST /requests/{id}/review-meeting`: an annual review meeting arranged; 201 with the
/// papers (14 days before, reg. 20(3)-(4), 21), report (2 weeks after, reg. 20(7)) and
/// decision (4 weeks after, reg. 20(10)) limits.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn schedule_review_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ScheduleReviewMeeting>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner();
    let scheduled = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Created().json(ReviewMeetingScheduledReply::from(scheduled)))
}

/// `POST /requests/{id}/review-decision`: the chair records whether to maintain, amend
/// or cease the plan after a review (reg. 20(10)); the answer gives the next review
/// (CFA s.44(1)), the amended plan's limit (reg. 22(3)) and the family's dates.
#[tracing::instrument(skip_all, fields(case_id = %path, user_id = %caller.user.id))]
pub async fn record_review_decision(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ReviewDecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner().decided_by(caller.user.id);
    let decided = run(state, caller, &path, command).await?;
    Ok(HttpResponse::Ok().json(ReviewDecidedReply::from(decided)))
}
