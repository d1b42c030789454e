//! The steps recorded on a case: one page per workflow command that applies at the
//! case's stage, at `/cases/{id}/<command>`, whose form posts to the same address. One
//! thing per page, as GOV.UK's patterns ask: the case page lists the steps and links to
//! them, and stays small enough to read (and to serve) quickly.
//!
//! A form is read into the core's own command type and handed to the core service
//! the JSON API calls; the core decides. When it refuses (a field broke a rule, or the
//! case has moved on), the step's page is shown again with a GOV.UK error summary
//! naming the field, what was typed, status 422, and nothing changed. On success the
//! browser is sent back to the case page, which says what was recorded.
//!
//! Which forms a stage offers mirrors where each core command applies, so a caseworker
//! is never offered a final plan at the request stage; the core still checks, so a
//! stale page cannot do what the stage no longer allows. Who may see or post each form
//! is who may run its command through the API ([`crate::roles`]); panel members never.
//!
//! This module names the steps and dispatches them. The steps of a dispute (mediation,
//! an appeal, the Tribunal's decision and its order) draw, read and run their forms in
//! [`disputes`]; those of a plan that moves (a phase transfer, a move
//! out, the notice of a plan transferred in) in [`moves`].

mod disputes;
mod moves;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, NaiveTime};
use sendpanel_core::domain::{
    AdviceSource, CaseId, DeadlineKind, ExceptionLimb, ReviewDecision, UserId, UserRole,
};
use sendpanel_core::policy::Question;
use sendpanel_core::store::StoreError;
use sendpanel_core::workflow::steps::{self, Step};
use sendpanel_core::workflow::{
    self, ArrangeNextStepsMeeting, AssessDecision, CaseState, CaseView, ClaimException,
    DecideWhetherToAssess, DecideWhetherToIssue, IssueDecision, IssueFinalPlan, NextStepsOutcome,
    RecordAdviceReceived, RecordNextStepsOutcome, RecordReviewDecision, RequestAdvice,
    ScheduleReviewMeeting, ServeDraftPlan, WithdrawRequest, WorkflowError,
};
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use super::facts::{Group, banding_fields, facts_fields, read_band_request, read_facts};
use crate::pages::fields::{Field, FieldError, Kind, Reader, options};
use crate::pages::render::PageError;
use crate::pages::render::render;
use crate::pages::session::{SignedIn, see_other};
use crate::pages::work::{blocking, long_date, require_role, with, words};
use crate::state::AppState;
use sendpanel_core::services::Actor;

/// Mounts the forms' routes: each step's page, and where its form posts.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cases/{id}/{command}", web::get().to(step_page))
        .route(
            "/cases/{id}/{command}",
            web::post()
                .to(submit)
                .wrap(from_fn(crate::pages::once::once_per_token)),
        );
}

/// How a step of the core's catalogue shows as a page: its heading, button, intro,
/// fields and the messages around it. Which steps exist, who may record them and where
/// they apply are the core's ([`sendpanel_core::workflow::steps`]); only the words and
/// the form are the page's.
pub trait StepPage: Copy {
    /// What the form is for, as its summary line says it.
    fn heading(self) -> &'static str;
    /// The form's button.
    fn button(self) -> &'static str;
    /// What the case page says when this step was asked for but does not apply.
    fn not_now(self) -> String;
    /// What the case page says after the command succeeded.
    fn done(self) -> &'static str;
    /// The words above the form.
    fn intro(self) -> &'static str;
    /// The form's fields, in groups, with what the case already says.
    fn groups(self, view: &CaseView, today: NaiveDate) -> Vec<Group>;
}

impl StepPage for Step {
    /// What the form is for, as its summary line says it.
    fn heading(self) -> &'static str {
        match self {
            Self::GraduatedResponseAdvice => {
                "Seek graduated-response advice from the policy plugin"
            }
            Self::DecisionToAssess => "Record the decision whether to assess",
            Self::ClaimException => "Claim an exception to a time limit",
            Self::RequestAdvice => "Record a request for advice",
            Self::AdviceReceived => "Record advice received",
            Self::DecisionToIssue => "Record the decision whether to issue a plan",
            Self::DraftPlan => "Record the draft plan served",
            Self::FinalPlan => "Record the final plan issued",
            Self::ReviewMeeting => "Schedule an annual review meeting",
            Self::ReviewDecision => "Record the decision after an annual review",
            Self::NextStepsAdvice => "Seek next-steps advice from the policy plugin",
            Self::NextStepsMeeting => "Arrange a next-steps meeting with the family",
            Self::NextStepsOutcome => "Record what the next-steps meeting led to",
            Self::BandingAdvice => "Seek banding advice from the policy plugin",
            Self::RequestMediation => "Record a request for mediation",
            Self::RecordMediationOutcome => "Record how mediation ended",
            Self::LodgeAppeal => "Record an appeal to the Tribunal",
            Self::RecordTribunalDecision => "Record the Tribunal\u{2019}s decision",
            Self::ComplyWithOrder => "Record a step of the Tribunal\u{2019}s order carried out",
            Self::PlanPhaseTransfer => "Plan a phase transfer",
            Self::CompletePhaseTransfer => "Record the plan amended for the phase transfer",
            Self::NotifyMoveOut => "Record a move to another authority\u{2019}s area",
            Self::TransferPlanOut => "Record the plan transferred to the new authority",
            Self::SendTransferNotice => "Record the notice of a transferred plan",
            Self::WithdrawRequest => "Record the request withdrawn by the family",
        }
    }

    fn button(self) -> &'static str {
        match self {
            Self::GraduatedResponseAdvice | Self::NextStepsAdvice | Self::BandingAdvice => {
                "Ask for advice"
            }
            Self::DecisionToAssess | Self::DecisionToIssue | Self::ReviewDecision => {
                "Record decision"
            }
            Self::ClaimException => "Claim exception",
            Self::ReviewMeeting | Self::NextStepsMeeting => "Arrange meeting",
            _ => "Record",
        }
    }

    /// What the case page says when this step was asked for but does not apply.
    fn not_now(self) -> String {
        format!(
            "\u{201c}{}\u{201d} does not apply to this case at its stage: the steps that do are listed below",
            self.heading()
        )
    }

    /// What the case page says after the command succeeded.
    fn done(self) -> &'static str {
        match self {
            Self::GraduatedResponseAdvice | Self::NextStepsAdvice | Self::BandingAdvice => {
                "The policy plugin's advice is recorded below"
            }
            Self::DecisionToAssess | Self::DecisionToIssue | Self::ReviewDecision => {
                "Decision recorded"
            }
            Self::ClaimException => "Exception recorded: the limit no longer applies",
            Self::RequestAdvice => "Request for advice recorded, with its own 6-week limit",
            Self::AdviceReceived => "Advice received recorded",
            Self::DraftPlan => "Draft plan recorded, with the 15 days for representations",
            Self::FinalPlan => "Final plan recorded, with the first annual review",
            Self::ReviewMeeting => "Review meeting arranged, with its limits",
            Self::NextStepsMeeting => {
                "Next-steps meeting arranged; the family's invitation is written"
            }
            Self::NextStepsOutcome => "Next-steps outcome recorded",
            Self::RequestMediation => "Request for mediation recorded, with the 30 days to hold it",
            Self::RecordMediationOutcome => "Mediation outcome recorded",
            Self::LodgeAppeal => "Appeal recorded",
            Self::RecordTribunalDecision => {
                "Tribunal\u{2019}s decision recorded, with the time limit of each step it ordered"
            }
            Self::ComplyWithOrder => "Step of the Tribunal\u{2019}s order recorded as carried out",
            Self::PlanPhaseTransfer => "Phase transfer planned, with its reg. 18 date",
            Self::CompletePhaseTransfer => {
                "Phase transfer recorded: the amended plan names the next setting"
            }
            Self::NotifyMoveOut => "Move recorded, with the day the plan must be transferred by",
            Self::TransferPlanOut => {
                "Plan transferred to the new authority; the case is closed here"
            }
            Self::SendTransferNotice => "Notice to the family of the transferred plan recorded",
            Self::WithdrawRequest => "Request withdrawn; the case is closed",
        }
    }

    fn intro(self) -> &'static str {
        match self {
            Self::GraduatedResponseAdvice | Self::NextStepsAdvice | Self::BandingAdvice => {
                "The plugin advises; it never decides. The request's date, who made it, the setting and the child's age are taken from the case."
            }
            Self::DecisionToAssess => {
                "The test is whether the child may have special educational needs and may need provision through an EHC plan (Children and Families Act 2014 s.36(8))."
            }
            Self::ClaimException => {
                "An exception does not move the date: the limit stops applying, and the duty becomes to act as soon as practicable. Tell the family."
            }
            Self::RequestAdvice => {
                "Each request for advice has its own 6 weeks (SEND Regulations 2014 reg. 8(1))."
            }
            Self::DecisionToIssue => {
                "A plan is issued where it is necessary (Children and Families Act 2014 s.37(1))."
            }
            Self::DraftPlan => {
                "The family has 15 days, beginning with the day of service, for representations (reg. 13(1))."
            }
            Self::FinalPlan => {
                "Due within 20 weeks of the request (reg. 13(2)); the first annual review follows within 12 months."
            }
            Self::ReviewMeeting => {
                "Papers are due 2 weeks before the meeting, the report 2 weeks after, the decision 4 weeks after (reg. 20)."
            }
            Self::ReviewDecision => {
                "The family is told within 4 weeks of the review meeting (reg. 20(10))."
            }
            Self::NextStepsMeeting => {
                "The family's invitation, with a calendar entry, is written when you arrange it."
            }
            Self::RequestMediation => {
                "The authority must make sure mediation takes place within 30 days of being told the family wants it (SEND Regulations 2014 regs. 36-37)."
            }
            Self::RecordMediationOutcome => {
                "After mediation the family may appeal to the Tribunal within 2 months of the decision notice, or 1 month from the mediation certificate if that is later (the Tribunal's rule 20)."
            }
            Self::LodgeAppeal => {
                "The family may appeal to the First-tier Tribunal (SEND) (Children and Families Act 2014 s.51) within 2 months of the decision notice, or 1 month from a mediation certificate if later (the Tribunal's rule 20). A late appeal is still recorded: the Tribunal may admit it."
            }
            Self::RecordTribunalDecision => {
                "An order sets the authority a time limit for each step it requires (SEND Regulations 2014 reg. 44(2)). An order to assess a refused request starts the assessment; an order to continue a ceased plan restores it."
            }
            Self::ComplyWithOrder => {
                "Record each step of the order when it is done, against the time limit the order set."
            }
            Self::PlanPhaseTransfer => {
                "The plan must be reviewed and amended, naming the next school or college, by 15 February of the year of transfer, or 31 March from secondary school to post-16 (SEND Regulations 2014 reg. 18). No exception applies."
            }
            Self::CompletePhaseTransfer => {
                "Record the day the amended plan naming the next setting was issued (reg. 18)."
            }
            Self::NotifyMoveOut => {
                "The plan must go to the new authority on the day of the move or, if the authority learned of it less than 15 working days before, within 15 working days of learning of it (SEND Regulations 2014 reg. 15(2))."
            }
            Self::TransferPlanOut => {
                "The new authority maintains the plan from the day of transfer (reg. 15(3)); the case is then closed here."
            }
            Self::SendTransferNotice => {
                "Within 6 weeks of the transfer, tell the family the plan has been transferred, whether the authority proposes to assess, and when it will review the plan (SEND Regulations 2014 reg. 15(4)-(5))."
            }
            Self::WithdrawRequest => {
                "A parent or young person may withdraw their request at any time before a final plan is issued. The case closes; its history, letters and deadlines stay on the record."
            }
            Self::AdviceReceived | Self::NextStepsOutcome => "",
        }
    }

    /// The form's fields, grouped.
    fn groups(self, view: &CaseView, today: NaiveDate) -> Vec<Group> {
        let reasons = || {
            Field::new("reasons", "Reasons", Kind::Textarea)
                .hint("In words the family can read: they are quoted in the decision letter")
        };
        let decided_on = || Field::new("decided_on", "Date of the decision", Kind::Date).on(today);
        let sources = || {
            Kind::Select(
                AdviceSource::iter()
                    .map(|s| (s.to_string(), words(&s.to_string())))
                    .collect(),
            )
        };
        let plain = |fields: Vec<Field>| vec![(None, fields)];
        match self {
            Self::GraduatedResponseAdvice | Self::NextStepsAdvice => {
                facts_fields(today, &view.evidence)
            }
            Self::BandingAdvice => {
                let mut groups = banding_fields();
                groups.extend(facts_fields(today, &view.evidence));
                groups
            }
            Self::DecisionToAssess => plain(vec![
                Field::new(
                    "decision",
                    "Decision",
                    Kind::Radios(vec![
                        ("assess".into(), "Assess: carry out an EHC needs assessment".into()),
                        ("refuse".into(), "Refuse: do not assess".into()),
                    ]),
                ),
                reasons(),
                Field::new("departure_reason", "Why the decision departs from the policy advice (if it does)", Kind::Textarea)
                    .hint("Needed only when the decision differs from the plugin's recommendation"),
                decided_on(),
            ]),
            Self::DecisionToIssue => plain(vec![
                Field::new(
                    "decision",
                    "Decision",
                    Kind::Radios(vec![
                        ("issue".into(), "Issue: an EHC plan is necessary".into()),
                        ("do_not_issue".into(), "Do not issue a plan".into()),
                    ]),
                ),
                reasons(),
                decided_on(),
            ]),
            Self::ReviewDecision => plain(vec![
                Field::new(
                    "decision",
                    "Decision",
                    Kind::Radios(options(
                        &ReviewDecision::iter().map(<&str>::from).collect::<Vec<_>>(),
                    )),
                ),
                reasons(),
                decided_on(),
            ]),
            Self::ClaimException => plain(vec![
                Field::new("deadline", "Time limit", Kind::Radios(exceptionable(view))),
                Field::new(
                    "limb",
                    "Reason, as the Regulations list it",
                    Kind::Radios(
                        ExceptionLimb::ALL
                            .iter()
                            .map(|l| (l.to_string(), words(&l.to_string())))
                            .collect(),
                    ),
                )
                .hint("Each limit has its own list: reg. 5(4) for the decision whether to assess, 8(2) for advice, 10(4) for the 16 weeks and, through 13(3), the final plan"),
                Field::new("evidence", "Evidence", Kind::Textarea)
                    .hint("What shows the reason applies, so the claim can be checked later"),
                Field::new("applies_from", "First day it applied", Kind::Date),
                Field::new("applies_to", "Last day it applied (optional)", Kind::Date),
                Field::new("family_told_on", "Day the family was told", Kind::Date).on(today),
            ]),
            Self::RequestAdvice => plain(vec![
                Field::new("from", "Advice asked of", sources()),
                Field::new("requested_on", "Day it was asked", Kind::Date).on(today),
            ]),
            Self::AdviceReceived => plain(vec![
                Field::new("from", "Advice from", sources())
                    .hint("Settles the oldest open request to that source"),
                Field::new("received_on", "Day it arrived", Kind::Date).on(today),
            ]),
            Self::DraftPlan => plain(vec![
                Field::new("served_on", "Day the draft was served", Kind::Date).on(today),
            ]),
            Self::FinalPlan => plain(vec![
                Field::new("issued_on", "Day the final plan was issued", Kind::Date).on(today),
            ]),
            Self::ReviewMeeting => plain(vec![Field::new("meeting_on", "Day of the meeting", Kind::Date)]),
            Self::NextStepsMeeting => plain(vec![
                Field::new("meets_on", "Day of the meeting", Kind::Date),
                Field::new("starts_at", "Start time", Kind::Text("govuk-input--width-5"))
                    .hint("24-hour clock, for example 14:30"),
                Field::new("location", "Where", Kind::Text("")).hint("A room, the school, or online"),
                Field::new("with", "Who the family will meet", Kind::Textarea)
                    .hint("One person a line, with their role"),
            ]),
            Self::NextStepsOutcome => plain(vec![
                Field::new("met_on", "Day of the meeting", Kind::Date).on(today),
                Field::new(
                    "outcome",
                    "What it led to",
                    Kind::Radios(options(&[
                        "moved_to_assessment",
                        "mediation_or_further_contact",
                        "no_further_action",
                        "section19_action",
                        "new_request_pending",
                        "appeal_pending",
                    ])),
                ),
                Field::new("notes", "What was agreed", Kind::Textarea),
            ]),
            Self::RequestMediation => disputes::mediation_fields(view, today),
            Self::RecordMediationOutcome => disputes::mediation_outcome_fields(today),
            Self::LodgeAppeal => disputes::appeal_fields(view, today),
            Self::RecordTribunalDecision => disputes::tribunal_fields(today),
            Self::ComplyWithOrder => disputes::complied_fields(view, today),
            Self::PlanPhaseTransfer => moves::plan_transfer_fields(),
            Self::CompletePhaseTransfer => moves::complete_transfer_fields(today),
            Self::NotifyMoveOut => moves::move_out_fields(today),
            Self::TransferPlanOut => moves::transfer_out_fields(today),
            Self::SendTransferNotice => moves::notice_fields(today),
            Self::WithdrawRequest => plain(vec![
                Field::new("withdrawn_on", "Day the family withdrew the request", Kind::Date)
                    .on(today),
                Field::new("reason", "Their reason, as they gave it", Kind::Textarea),
            ]),
        }
    }
}

/// Open limits an exception could disapply (the Regulations list a reason for them),
/// as (value, label); an advice limit carries its source after a colon.
fn exceptionable(view: &CaseView) -> Vec<(String, String)> {
    view.deadlines
        .iter()
        .filter(|d| d.status == "open")
        .filter(|d| {
            d.kind
                .parse::<DeadlineKind>()
                .is_ok_and(|kind| ExceptionLimb::ALL.iter().any(|l| l.applies_to(kind)))
        })
        .map(|d| {
            let value = match &d.subject {
                Some(subject) => format!("{}:{subject}", d.kind),
                None => d.kind.clone(),
            };
            let subject = d
                .subject
                .as_deref()
                .map(|s| format!(" ({})", words(s)))
                .unwrap_or_default();
            (
                value,
                format!("{}{subject}, due {}", words(&d.kind), long_date(d.due_on)),
            )
        })
        .collect()
}

/// The steps that apply to the case, in the order a caseworker meets them: the core's
/// catalogue, on the state the case's events fold to.
pub fn applicable(view: &CaseView) -> Vec<Step> {
    steps::applicable(&CaseState::from_events(&view.events))
}

/// A form the core (or the page) refused: what was typed, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The form.
    pub command: Step,
    /// What was typed.
    pub typed: HashMap<String, String>,
    /// Errors by field.
    pub errors: Vec<FieldError>,
    /// An error with no one field to blame (the case moved on, no plugin in force).
    pub general: Option<String>,
}

fn all_fields(groups: &[Group]) -> impl Iterator<Item = &Field> {
    groups.iter().flat_map(|(_, fields)| fields)
}

/// Whether `role` may record any step on a case; the case page says what applies.
pub fn may_act(role: UserRole) -> bool {
    steps::may_act(role)
}

/// The case page's links to the steps `role` may record at the case's stage, in the
/// order a caseworker meets them.
pub fn links(view: &CaseView, role: UserRole) -> Vec<Value> {
    applicable(view)
        .into_iter()
        .filter(|step| step.allows(role))
        .map(|command| {
            json!({
                "heading": command.heading(),
                "href": format!("/cases/{}/{}", view.id, command.slug()),
            })
        })
        .collect()
}

/// One step's form, with what was typed and the errors when it was refused.
fn form(command: Step, view: &CaseView, today: NaiveDate, failure: Option<&Failure>) -> Value {
    let slug = command.slug();
    let groups: Vec<Value> = command
        .groups(view, today)
        .iter()
        .map(|(legend, fields)| {
            let fields: Vec<Value> = fields
                .iter()
                .map(|field| {
                    let error = failure.and_then(|f| {
                        f.errors
                            .iter()
                            .find(|e| e.field == field.name)
                            .map(|e| e.message.as_str())
                    });
                    field.to_json(slug, failure.map(|f| &f.typed), error)
                })
                .collect();
            with(json!({ "legend": legend }), "fields", Value::Array(fields))
        })
        .collect();
    let form = json!({
        "slug": slug,
        "action": format!("/cases/{}/{slug}", view.id),
        "heading": command.heading(),
        "intro": command.intro(),
        "button": command.button(),
        "form_error": failure.and_then(|f| f.general.clone()),
    });
    with(form, "groups", Value::Array(groups))
}

/// The error summary's links for a failure: each field's error, linking to it.
fn summary(failure: &Failure, view: &CaseView, today: NaiveDate) -> Vec<Value> {
    let slug = failure.command.slug();
    let groups = failure.command.groups(view, today);
    let mut links: Vec<Value> = failure
        .errors
        .iter()
        .map(|error| {
            let href = all_fields(&groups)
                .find(|f| f.name == error.field)
                .map_or_else(|| slug.to_owned(), |f| f.anchor(slug));
            json!({ "href": format!("#{href}"), "text": error.message })
        })
        .collect();
    if let Some(general) = &failure.general {
        links.push(json!({ "href": format!("#{slug}-error"), "text": general }));
    }
    links
}

/// A form read into the core's command, ready to run.
enum Parsed {
    Advice(Question),
    Assess(DecideWhetherToAssess),
    Exception(ClaimException),
    RequestAdvice(RequestAdvice),
    AdviceReceived(RecordAdviceReceived),
    Issue(DecideWhetherToIssue),
    Draft(ServeDraftPlan),
    Final(IssueFinalPlan),
    ReviewMeeting(ScheduleReviewMeeting),
    ReviewDecision(RecordReviewDecision),
    Meeting(ArrangeNextStepsMeeting),
    Outcome(RecordNextStepsOutcome),
    Dispute(disputes::Parsed),
    Move(moves::Parsed),
    Withdraw(WithdrawRequest),
}

/// Reads `command`'s form. Every missing or malformed field is an error at once; the
/// rules about what the values may be are left to the core.
fn parse(command: Step, reader: &mut Reader<'_>, view: &CaseView, actor: UserId) -> Option<Parsed> {
    let reasons = |r: &Reader<'_>| r.text("reasons").to_owned();
    let parsed = match command {
        Step::GraduatedResponseAdvice => {
            Parsed::Advice(Question::GraduatedResponse(read_facts(reader, view)?))
        }
        Step::NextStepsAdvice => Parsed::Advice(Question::NextSteps(read_facts(reader, view)?)),
        Step::BandingAdvice => Parsed::Advice(Question::Banding(read_band_request(reader, view)?)),
        Step::DecisionToAssess => {
            let decision = reader.choice::<AssessDecision>("decision", "Select assess or refuse");
            let decided_on = reader.date("decided_on", "Date of the decision");
            Parsed::Assess(DecideWhetherToAssess {
                decision: decision?,
                reasons: reasons(reader),
                departure_reason: reader.optional("departure_reason"),
                decided_by: actor,
                decided_on: decided_on?,
            })
        }
        Step::DecisionToIssue => {
            let decision =
                reader.choice::<IssueDecision>("decision", "Select issue or do not issue");
            let decided_on = reader.date("decided_on", "Date of the decision");
            Parsed::Issue(DecideWhetherToIssue {
                decision: decision?,
                reasons: reasons(reader),
                decided_by: actor,
                decided_on: decided_on?,
            })
        }
        Step::ReviewDecision => {
            let decision =
                reader.choice::<ReviewDecision>("decision", "Select maintain, amend or cease");
            let decided_on = reader.date("decided_on", "Date of the decision");
            Parsed::ReviewDecision(RecordReviewDecision {
                decision: decision?,
                reasons: reasons(reader),
                decided_by: actor,
                decided_on: decided_on?,
            })
        }
        Step::ClaimException => {
            let (kind, subject) = reader
                .text("deadline")
                .split_once(':')
                .map_or((reader.text("deadline"), None), |(k, s)| (k, Some(s)));
            let deadline = kind.parse::<DeadlineKind>().ok();
            let subject = subject.map(str::parse::<AdviceSource>);
            if deadline.is_none() || matches!(subject, Some(Err(_))) {
                reader.fail("deadline", "Select the time limit the exception applies to");
            }
            let limb = reader.choice::<ExceptionLimb>("limb", "Select the reason");
            let applies_from = reader.date("applies_from", "First day it applied");
            let applies_to = reader.optional_date("applies_to", "Last day it applied");
            let family_told_on = reader.date("family_told_on", "Day the family was told");
            Parsed::Exception(ClaimException {
                deadline: deadline?,
                limb: limb?,
                evidence: reader.text("evidence").to_owned(),
                applies_from: applies_from?,
                applies_to,
                family_told_on: family_told_on?,
                subject: subject.and_then(Result::ok),
            })
        }
        Step::RequestAdvice => {
            let from = reader.choice::<AdviceSource>("from", "Select whom the advice was asked of");
            let requested_on = reader.date("requested_on", "Day it was asked");
            Parsed::RequestAdvice(RequestAdvice {
                from: from?,
                requested_on: requested_on?,
            })
        }
        Step::AdviceReceived => {
            let from = reader.choice::<AdviceSource>("from", "Select who gave the advice");
            let received_on = reader.date("received_on", "Day it arrived");
            Parsed::AdviceReceived(RecordAdviceReceived {
                from: from?,
                received_on: received_on?,
            })
        }
        Step::DraftPlan => Parsed::Draft(ServeDraftPlan {
            served_on: reader.date("served_on", "Day the draft was served")?,
        }),
        Step::FinalPlan => Parsed::Final(IssueFinalPlan {
            issued_on: reader.date("issued_on", "Day the final plan was issued")?,
        }),
        Step::ReviewMeeting => Parsed::ReviewMeeting(ScheduleReviewMeeting {
            meeting_on: reader.date("meeting_on", "Day of the meeting")?,
        }),
        Step::NextStepsMeeting => {
            let meets_on = reader.date("meets_on", "Day of the meeting");
            let starts_at = NaiveTime::parse_from_str(reader.text("starts_at"), "%H:%M").ok();
            if starts_at.is_none() {
                reader.fail(
                    "starts_at",
                    "Enter the start time on the 24-hour clock, for example 14:30",
                );
            }
            Parsed::Meeting(ArrangeNextStepsMeeting {
                meets_on: meets_on?,
                starts_at: starts_at?,
                location: reader.text("location").to_owned(),
                with: reader.text("with").lines().map(str::to_owned).collect(),
            })
        }
        Step::NextStepsOutcome => {
            let met_on = reader.date("met_on", "Day of the meeting");
            let outcome =
                reader.choice::<NextStepsOutcome>("outcome", "Select what the meeting led to");
            Parsed::Outcome(RecordNextStepsOutcome {
                met_on: met_on?,
                outcome: outcome?,
                notes: reader.text("notes").to_owned(),
            })
        }
        Step::RequestMediation => Parsed::Dispute(disputes::read_mediation(reader)?),
        Step::RecordMediationOutcome => Parsed::Dispute(disputes::read_mediation_outcome(reader)?),
        Step::LodgeAppeal => Parsed::Dispute(disputes::read_appeal(reader)?),
        Step::RecordTribunalDecision => Parsed::Dispute(disputes::read_tribunal(reader)?),
        Step::ComplyWithOrder => Parsed::Dispute(disputes::read_complied(reader)?),
        Step::PlanPhaseTransfer => Parsed::Move(moves::read_plan_transfer(reader)?),
        Step::CompletePhaseTransfer => Parsed::Move(moves::read_complete_transfer(reader)?),
        Step::NotifyMoveOut => Parsed::Move(moves::read_move_out(reader)?),
        Step::TransferPlanOut => Parsed::Move(moves::read_transfer_out(reader)?),
        Step::SendTransferNotice => Parsed::Move(moves::read_notice(reader)?),
        Step::WithdrawRequest => Parsed::Withdraw(WithdrawRequest {
            withdrawn_on: reader.date("withdrawn_on", "Day the family withdrew the request")?,
            reason: reader.text("reason").to_owned(),
        }),
    };
    reader.errors.is_empty().then_some(parsed)
}

/// Why a command did not run: a field to blame, a reason with none, or a page error.
enum Refusal {
    Field(String, String),
    General(String),
    Page(PageError),
}

impl From<PageError> for Refusal {
    fn from(error: PageError) -> Self {
        match error {
            PageError::Refused {
                field: Some(field),
                message,
            } => Self::Field(field, message),
            PageError::Refused {
                field: None,
                message,
            } => Self::General(message),
            other => Self::Page(other),
        }
    }
}

impl From<WorkflowError> for Refusal {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::WrongStage {
                stage,
                command,
                allowed,
                last_change,
                ..
            } => Self::General(format!(
                "The case has moved on: it is now at the stage \u{201c}{}\u{201d}{}, and {command} applies only {allowed}. Nothing was recorded",
                words(&stage.to_string()),
                last_change
                    .map(|change| format!(" (last change: {change})"))
                    .unwrap_or_default()
            )),
            // The form comes back as typed, rather than a bare error page.
            WorkflowError::Store(StoreError::ConnectionLost(_) | StoreError::Pool(_)) => {
                Self::General(
                    "The database could not be reached. Check the case page to see whether this was recorded before sending it again".to_owned(),
                )
            }
            other => PageError::from(other).into(),
        }
    }
}

/// Runs the command through the same core service the API calls, as `actor`.
fn run(state: &AppState, actor: &Actor, id: CaseId, parsed: &Parsed) -> Result<(), Refusal> {
    let services = state.services();
    match parsed {
        Parsed::Advice(question) => {
            let advice = state
                .catalogue
                .advise(
                    &state.db,
                    &actor.scope,
                    id,
                    question,
                    Some(actor.user),
                    state.clock.as_ref(),
                )
                .map_err(|e| Refusal::from(PageError::from(e)))?;
            if advice.is_none() {
                return Err(Refusal::General(
                    "The authority has no policy plugin in force on the advice date: decide without advice".into(),
                ));
            }
        }
        Parsed::Assess(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Exception(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::RequestAdvice(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::AdviceReceived(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Issue(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Draft(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Final(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::ReviewMeeting(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::ReviewDecision(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Meeting(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Outcome(c) => {
            services.run(actor, id, c)?;
        }
        Parsed::Dispute(p) => disputes::run(&services, actor, id, p)?,
        Parsed::Move(p) => moves::run(&services, actor, id, p)?,
        Parsed::Withdraw(c) => {
            services.run(actor, id, c)?;
        }
    }
    Ok(())
}

/// The message for a field the core refused: the field's label and the rule.
fn refusal_message(
    command: Step,
    view: &CaseView,
    today: NaiveDate,
    field: &str,
    rule: &str,
) -> FieldError {
    // The exception's advice source travels inside the time limit's value.
    let field = if command == Step::ClaimException && field == "subject" {
        "deadline"
    } else {
        field
    };
    let groups = command.groups(view, today);
    let label = all_fields(&groups)
        .find(|f| f.name == field)
        .map_or_else(|| words(field), |f| f.label.clone());
    FieldError {
        field: field.to_owned(),
        message: format!("{label}: {rule}"),
    }
}

/// `POST /cases/{id}/{command}`: runs one workflow command from its form.
#[tracing::instrument(skip_all, fields(case_id = %path.0, command = %path.1, user_id = %who.user.id))]
pub async fn submit(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let (id, slug) = path.into_inner();
    let id: CaseId = id.parse().map_err(|_| PageError::NotFound)?;
    let command = Step::from_slug(&slug).ok_or(PageError::NotFound)?;
    require_role(&who, command.roles(), "record this step on a case")?;
    let typed = form.into_inner();
    let today = state.clock.today();
    let scope = who.scope.clone();
    let reading = state.clone();
    let view =
        crate::pages::work::blocking(move || workflow::case_view(&reading.db, &scope, id, today))
            .await?;

    let mut reader = Reader::new(&typed);
    let parsed = parse(command, &mut reader, &view, who.user.id);
    let Some(parsed) = parsed else {
        let failure = Failure {
            command,
            typed: typed.clone(),
            errors: reader.errors,
            general: None,
        };
        return show_step(
            &who,
            &view,
            today,
            StatusCode::BAD_REQUEST,
            command,
            Some(&failure),
        );
    };

    let actor = who.actor();
    let running = state.clone();
    let span = tracing::Span::current();
    let outcome = web::block(move || span.in_scope(|| run(&running, &actor, id, &parsed)))
        .await
        .map_err(PageError::internal)?;
    let (errors, general) = match outcome {
        Ok(()) => {
            tracing::info!("case command recorded");
            return Ok(see_other(&format!("/cases/{id}?done={slug}")));
        }
        Err(Refusal::Page(error)) => return Err(error),
        Err(Refusal::Field(field, rule)) => {
            // Advice refused over the facts' evidence names the path in the facts;
            // the form shows it beside the box it was typed in.
            let field = super::facts::form_field(&field, &typed).unwrap_or(field);
            (
                vec![refusal_message(command, &view, today, &field, &rule)],
                None,
            )
        }
        Err(Refusal::General(message)) => (Vec::new(), Some(message)),
    };
    tracing::info!("case command refused");
    let failure = Failure {
        command,
        typed,
        errors,
        general,
    };
    show_step(
        &who,
        &view,
        today,
        StatusCode::UNPROCESSABLE_ENTITY,
        command,
        Some(&failure),
    )
}

/// `GET /cases/{id}/{command}`: the step's form, for a step that applies at the case's
/// stage and that the signed-in person may record. A step that does not apply (now)
/// goes back to the case page, which says so; an unknown step is 404.
#[tracing::instrument(skip_all, fields(case_id = %path.0, command = %path.1, user_id = %who.user.id))]
pub async fn step_page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, slug) = path.into_inner();
    let id: CaseId = id.parse().map_err(|_| PageError::NotFound)?;
    let command = Step::from_slug(&slug).ok_or(PageError::NotFound)?;
    require_role(&who, command.roles(), "record this step on a case")?;
    let today = state.clock.today();
    let (services, actor) = (state.services(), who.actor());
    // The form shows the case it records on: a read of the child's record like the case
    // page, recorded the same way.
    let view = blocking(move || {
        sendpanel_core::access::read_case(
            &services,
            &actor,
            id,
            sendpanel_core::access::AccessKind::CasePage,
            "GET /cases/{id}/{step}",
        )
    })
    .await?;
    if !applicable(&view).contains(&command) {
        // A bookmark or an old tab: the case moved on. Say so on the case, where the
        // steps that do apply are.
        return Ok(see_other(&format!("/cases/{id}?not_now={slug}")));
    }
    show_step(&who, &view, today, StatusCode::OK, command, None)
}

/// `command`'s page: its form, and when refused, the error summary and what was typed.
fn show_step(
    who: &SignedIn,
    view: &CaseView,
    today: NaiveDate,
    status: StatusCode,
    command: Step,
    failure: Option<&Failure>,
) -> Result<HttpResponse, PageError> {
    let errors = failure.map(|f| summary(f, view, today)).unwrap_or_default();
    let title = if errors.is_empty() {
        format!("{}: {}", command.heading(), view.child_name)
    } else {
        format!("Error: {}: {}", command.heading(), view.child_name)
    };
    render(
        status,
        "case_step",
        &title,
        &who.frame
            .with_back(format!("/cases/{}", view.id), "Back to the case"),
        with(
            json!({
                "id": view.id.to_string(),
                "child_name": view.child_name,
                "stage": words(&view.stage.to_string()),
                "errors": errors,
            }),
            "form",
            form(command, view, today, failure),
        ),
    )
}
