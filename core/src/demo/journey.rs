//! Takes a demo request along its journey through the service's own steps: the
//! plugin's advice sought and recorded as a caseworker seeks it, then each statutory
//! step run as the workflow command a caseworker or chair gives, on the day it was
//! taken. Events, limits, decisions, letters and outbox rows are therefore what the
//! service itself would have written, never rows made up beside it.
//!
//! Each step runs on a clock set to its own day (noon, or now if earlier), so a letter
//! is dated the day its decision was made and every "not in the future" rule holds as
//! it would have on that day.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};

use super::documents::{self, Upload, Uploaded, real_ids};
use super::seed::{SeedFacts, SeedJourney, SeedRequest};
use super::{DemoError, Shift};
use crate::clock::BankHolidays;
use crate::documents::Documents;
use crate::domain::{CaseId, DecisionId, RequestedBy, SettingType as RequestSetting, UserId};
use crate::policy::contract::{
    AsqScore, Attainment, Date, Involvement, Need, RequestFacts, Requester, SettingType,
    SupportCycle,
};
use crate::policy::{PluginCatalogue, Question, age_on};
use crate::store::{AuthorityScope, Database};
use crate::time::FixedClock;
use crate::workflow::{
    self, ArrangeNextStepsMeeting, CaseCommand, DecideWhetherToAssess, DecideWhetherToIssue,
    IssueFinalPlan, LodgeAppeal, RecordAdviceReceived, RecordNextStepsOutcome, RequestAdvice,
    ServeDraftPlan,
};

/// Days after a request arrives that the demo's caseworker seeks the plugin's advice,
/// having gathered the facts (illustrative: no council's papers give a figure). Never
/// later than today.
const ADVICE_SOUGHT_AFTER_DAYS: u64 = 14;

/// Who acts in an authority's demo: the caseworker who records the steps, and the
/// person who decides (the assessment panel's chair, or the admin where no chair is
/// seated: both may record decisions).
#[derive(Debug, Clone, Copy)]
pub(super) struct Actors {
    pub caseworker: UserId,
    pub decider: UserId,
}

/// The services a journey needs beside the database.
pub(super) struct Tools<'a> {
    pub catalogue: &'a PluginCatalogue,
    pub holidays: &'a BankHolidays,
    pub documents: &'a Documents,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub shift: Shift,
}

impl Tools<'_> {
    /// A clock reading `day` at noon, or now if that is earlier.
    fn on(&self, day: NaiveDate) -> FixedClock {
        let noon = day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
        FixedClock(noon.and_utc().min(self.now))
    }

    fn day(&self, seeded: NaiveDate) -> NaiveDate {
        self.shift.apply(seeded)
    }

    fn run<C: CaseCommand>(
        &self,
        on: &OnCase<'_>,
        step: &'static str,
        command: &C,
        actor: UserId,
        day: NaiveDate,
    ) -> Result<C::Outcome, DemoError> {
        workflow::run_as(
            on.db,
            on.scope,
            on.case,
            command,
            actor,
            self.holidays,
            &self.on(day),
        )
        .map_err(|source| DemoError::Step {
            case: on.case,
            step,
            source,
        })
    }

    fn advise(
        &self,
        on: &OnCase<'_>,
        question: &Question,
        actor: UserId,
        day: NaiveDate,
    ) -> Result<bool, DemoError> {
        let advice = self.catalogue.advise(
            on.db,
            on.scope,
            on.case,
            question,
            Some(actor),
            &self.on(day),
        )?;
        Ok(advice.is_some())
    }
}

/// The case a journey is on, where it is kept.
struct OnCase<'a> {
    db: &'a Database,
    scope: &'a AuthorityScope,
    case: CaseId,
}

/// Uploads the documents a request's facts cite (on the day it arrived, by the
/// caseworker), seeks the plugin's graduated-response advice on facts citing them by
/// their ids, then takes the request along its journey. Returns how many pieces of advice were recorded (none when the authority
/// has no plugin in force on the day: then people decide without, as in the service).
pub(super) fn walk(
    db: &Database,
    scope: &AuthorityScope,
    case: CaseId,
    request: &SeedRequest,
    actors: Actors,
    tools: &Tools<'_>,
) -> Result<usize, DemoError> {
    let on = OnCase { db, scope, case };
    let received_on = tools.day(request.received_on);
    let today = tools.today;
    let journey = &request.journey;
    let first_step = first_step_on(journey).map(|d| tools.day(d));
    let mut sought_on = received_on
        .checked_add_days(Days::new(ADVICE_SOUGHT_AFTER_DAYS))
        .unwrap_or(received_on)
        .min(today);
    if let Some(first) = first_step {
        sought_on = sought_on.min(first);
    }
    let uploaded = documents::upload(
        request,
        &Upload {
            documents: tools.documents,
            db,
            holidays: tools.holidays,
            scope,
            case,
            caseworker: actors.caseworker,
            clock: tools.on(received_on),
            shift: tools.shift,
        },
    )?;
    let mut advice = 0;
    let facts = request_facts(request, received_on, sought_on, tools.shift, &uploaded)?;
    if tools.advise(
        &on,
        &Question::GraduatedResponse(facts),
        actors.caseworker,
        sought_on,
    )? {
        advice += 1;
    }

    let mut refusal: Option<(DecisionId, NaiveDate)> = None;
    if let Some(assess) = &journey.assess {
        let decided_on = tools.day(assess.decided_on);
        let decided = tools.run(
            &on,
            "decision whether to assess",
            &DecideWhetherToAssess {
                decision: assess.decision,
                reasons: assess.reasons.clone(),
                departure_reason: assess.departure_reason.clone(),
                decided_by: actors.decider,
                decided_on,
            },
            actors.decider,
            decided_on,
        )?;
        if decided.family_deadlines.is_some() {
            refusal = Some((decided.decision.id, decided_on));
        }
    }
    for asked in &journey.advice_requested {
        let day = tools.day(asked.on);
        tools.run(
            &on,
            "request for advice",
            &RequestAdvice {
                from: asked.from,
                requested_on: day,
            },
            actors.caseworker,
            day,
        )?;
    }
    for arrived in &journey.advice_received {
        let day = tools.day(arrived.on);
        tools.run(
            &on,
            "advice received",
            &RecordAdviceReceived {
                from: arrived.from,
                received_on: day,
            },
            actors.caseworker,
            day,
        )?;
    }
    if let Some(issue) = &journey.issue {
        let decided_on = tools.day(issue.decided_on);
        tools.run(
            &on,
            "decision whether to issue",
            &DecideWhetherToIssue {
                decision: issue.decision,
                reasons: issue.reasons.clone(),
                decided_by: actors.decider,
                decided_on,
            },
            actors.decider,
            decided_on,
        )?;
    }
    if let Some(served) = journey.draft_served_on {
        let served_on = tools.day(served);
        tools.run(
            &on,
            "draft plan",
            &ServeDraftPlan { served_on },
            actors.caseworker,
            served_on,
        )?;
    }
    if let Some(issued) = journey.final_issued_on {
        let issued_on = tools.day(issued);
        tools.run(
            &on,
            "final plan",
            &IssueFinalPlan { issued_on },
            actors.caseworker,
            issued_on,
        )?;
    }
    if let Some(meeting) = &journey.next_steps_meeting {
        let arranged_on = tools.day(meeting.arranged_on);
        // The plugin's plan for the meeting (who, within how long), sought as the
        // caseworker seeks it before arranging one.
        let facts = request_facts(request, received_on, arranged_on, tools.shift, &uploaded)?;
        if tools.advise(
            &on,
            &Question::NextSteps(facts),
            actors.caseworker,
            arranged_on,
        )? {
            advice += 1;
        }
        tools.run(
            &on,
            "next-steps meeting",
            &ArrangeNextStepsMeeting {
                meets_on: tools.day(meeting.meets_on),
                starts_at: meeting.starts_at,
                location: meeting.location.clone(),
                with: meeting.with.clone(),
            },
            actors.caseworker,
            arranged_on,
        )?;
    }
    if let Some(held) = &journey.next_steps_outcome {
        let met_on = tools.day(held.met_on);
        tools.run(
            &on,
            "next-steps outcome",
            &RecordNextStepsOutcome {
                met_on,
                outcome: held.outcome,
                notes: held.notes.clone(),
            },
            actors.caseworker,
            met_on,
        )?;
    }
    if let Some(appeal) = &journey.appeal {
        let Some((decision, notice_sent_on)) = refusal else {
            return Err(DemoError::Seed {
                key: format!("the journey of case {case}"),
                rule: "an appeal needs a refusal to appeal against".to_owned(),
            });
        };
        let lodged_on = tools.day(appeal.lodged_on);
        tools.run(
            &on,
            "appeal",
            &LodgeAppeal {
                decision,
                notice_sent_on,
                lodged_on,
                mediation_certificate_issued_on: appeal
                    .mediation_certificate_issued_on
                    .map(|d| tools.day(d)),
            },
            actors.caseworker,
            lodged_on,
        )?;
    }
    Ok(advice)
}

/// The journey's first step, before which the advice must have been sought.
fn first_step_on(journey: &SeedJourney) -> Option<NaiveDate> {
    journey.assess.as_ref().map(|a| a.decided_on)
}

/// The facts the caseworker types in, with what the record already holds (the day
/// received, who asked, the setting, the child's age) taken from the request, as the
/// case page's advice form does; the evidence cited by the ids of the documents
/// `uploaded` for it.
fn request_facts(
    request: &SeedRequest,
    received_on: NaiveDate,
    as_at: NaiveDate,
    shift: Shift,
    uploaded: &Uploaded,
) -> Result<RequestFacts, DemoError> {
    let date_of_birth = shift.apply(request.date_of_birth);
    let Some((age_years, age_months)) = age_on(date_of_birth, as_at) else {
        return Err(DemoError::Seed {
            key: format!("the facts of {}", request.upn.as_str()),
            rule: "the advice would be sought before the child was born".to_owned(),
        });
    };
    let facts: &SeedFacts = &request.facts;
    let on = |day: NaiveDate| Date::from(shift.apply(day));
    Ok(RequestFacts {
        as_at: Date::from(as_at),
        received: Date::from(received_on),
        requested_by: match request.requested_by {
            RequestedBy::Parent => Requester::Parent,
            RequestedBy::YoungPerson => Requester::YoungPerson,
            RequestedBy::Setting => Requester::Setting,
        },
        age_years,
        age_months,
        nc_year: facts.nc_year,
        setting: setting(request.setting_type),
        needs: facts
            .needs
            .iter()
            .map(|n| {
                Ok(Need {
                    area: n.area,
                    level: n.level,
                    evidence: real_ids(&n.evidence, uploaded)?,
                })
            })
            .collect::<Result<_, DemoError>>()?,
        support_cycles: facts
            .cycles
            .iter()
            .map(|c| {
                Ok(SupportCycle {
                    started: on(c.started),
                    ended: c.ended.map(on),
                    area: c.area,
                    outcome: c.outcome,
                    cost: c.cost_pounds.saturating_mul(100),
                    evidence: real_ids(&c.evidence, uploaded)?,
                })
            })
            .collect::<Result<_, DemoError>>()?,
        professionals: facts
            .professionals
            .iter()
            .map(|p| {
                Ok(Involvement {
                    who: p.who,
                    started: on(p.started),
                    last_contact: p.last_contact.map(on),
                    evidence: real_ids(&p.evidence, uploaded)?,
                })
            })
            .collect::<Result<_, DemoError>>()?,
        attainment: facts
            .attainment
            .iter()
            .map(|a| Attainment {
                subject: a.subject.clone(),
                months_behind: a.months_behind,
            })
            .collect(),
        attendance_percent: facts.attendance_percent,
        developmental_screening: facts
            .screening
            .iter()
            .map(|s| AsqScore {
                domain: s.domain,
                score: s.score,
                band: s.band,
            })
            .collect(),
    })
}

fn setting(kind: RequestSetting) -> SettingType {
    match kind {
        RequestSetting::EarlyYears => SettingType::EarlyYears,
        RequestSetting::Mainstream => SettingType::Mainstream,
        RequestSetting::ResourcedProvision => SettingType::ResourcedProvision,
        RequestSetting::Special => SettingType::Special,
        RequestSetting::Independent => SettingType::Independent,
        RequestSetting::Post16 => SettingType::Post16,
        RequestSetting::ElectiveHomeEducation => SettingType::ElectiveHomeEducation,
    }
}
