//! The embedded `seed.toml`, parsed and checked with the same domain rules as real input.

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use super::DemoError;
use crate::domain::{
    AdviceSource, AuthorityId, DomainError, Email, NeedType, NhsNumber, PanelRole, PersonName,
    RequestedBy, SettingType, Slug, Upn, UserRole,
};
use crate::policy::contract::{
    AreaOfNeed, AsqBand, AsqDomain, CycleOutcome, NeedLevel, Professional,
};
use crate::workflow::{AssessDecision, IssueDecision, NextStepsOutcome};

/// Printed beside the demo logins so nobody mistakes them for real credentials.
pub const DEMO_PASSWORD_NOTE: &str =
    "demo users share one password; never load the demo into a database holding real cases";

const SEED: &str = include_str!("seed.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    demo_password: String,
    authorities: Vec<RawAuthority>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthority {
    code: String,
    #[serde(default)]
    users: Vec<RawUser>,
    #[serde(default)]
    requests: Vec<RawRequest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    email: String,
    display_name: String,
    role: String,
    #[serde(default)]
    panels: Vec<RawSeat>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeat {
    panel: String,
    role: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    given_name: String,
    family_name: String,
    date_of_birth: NaiveDate,
    upn: String,
    nhs_number: Option<String>,
    received_on: NaiveDate,
    requested_by: String,
    requester: String,
    setting_type: String,
    primary_need: String,
    summary: String,
    #[allow(dead_code)] // provenance for readers of seed.toml; not stored
    drawn_from: String,
    facts: SeedFacts,
    #[serde(default)]
    journey: Option<SeedJourney>,
}

/// What the caseworker types in when seeking the plugin's advice on a request (the
/// plugin contract's `request-facts` beyond what the request records), drawn from the
/// request's summary. Evidence names the documents the summary says are attached.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedFacts {
    /// National curriculum year, -2 to 14.
    pub nc_year: i8,
    pub needs: Vec<SeedNeed>,
    #[serde(default)]
    pub cycles: Vec<SeedCycle>,
    #[serde(default)]
    pub professionals: Vec<SeedInvolvement>,
    #[serde(default)]
    pub attainment: Vec<SeedAttainment>,
    #[serde(default)]
    pub attendance_percent: Option<u8>,
    #[serde(default)]
    pub screening: Vec<SeedAsq>,
    /// Which of these facts the summary does not give and the demo supplies: said
    /// beside the facts so nobody mistakes a demo's filler for a council's record.
    #[allow(dead_code)] // provenance for readers of seed.toml; not stored
    pub illustrative: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedNeed {
    pub area: AreaOfNeed,
    pub level: NeedLevel,
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedCycle {
    pub area: AreaOfNeed,
    pub started: NaiveDate,
    #[serde(default)]
    pub ended: Option<NaiveDate>,
    pub outcome: CycleOutcome,
    /// Whole pounds, as the summaries give them.
    pub cost_pounds: i64,
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedInvolvement {
    pub who: Professional,
    pub started: NaiveDate,
    #[serde(default)]
    pub last_contact: Option<NaiveDate>,
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedAttainment {
    pub subject: String,
    pub months_behind: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedAsq {
    pub domain: AsqDomain,
    pub score: u8,
    pub band: AsqBand,
}

/// How far a demo request has gone, each step on the day it was taken: the demo
/// records them through the workflow's own commands, in this order.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedJourney {
    #[serde(default)]
    pub assess: Option<SeedAssess>,
    #[serde(default)]
    pub advice_requested: Vec<SeedAdvice>,
    #[serde(default)]
    pub advice_received: Vec<SeedAdvice>,
    #[serde(default)]
    pub issue: Option<SeedIssue>,
    #[serde(default)]
    pub draft_served_on: Option<NaiveDate>,
    #[serde(default)]
    pub final_issued_on: Option<NaiveDate>,
    #[serde(default)]
    pub next_steps_meeting: Option<SeedMeeting>,
    #[serde(default)]
    pub next_steps_outcome: Option<SeedMeetingOutcome>,
    #[serde(default)]
    pub appeal: Option<SeedAppeal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedAssess {
    pub decision: AssessDecision,
    pub decided_on: NaiveDate,
    pub reasons: String,
    #[serde(default)]
    pub departure_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedAdvice {
    pub from: AdviceSource,
    pub on: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedIssue {
    pub decision: IssueDecision,
    pub decided_on: NaiveDate,
    pub reasons: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedMeeting {
    pub arranged_on: NaiveDate,
    pub meets_on: NaiveDate,
    pub starts_at: NaiveTime,
    pub location: String,
    pub with: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedMeetingOutcome {
    pub met_on: NaiveDate,
    pub outcome: NextStepsOutcome,
    pub notes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedAppeal {
    pub lodged_on: NaiveDate,
    #[serde(default)]
    pub mediation_certificate_issued_on: Option<NaiveDate>,
}

pub(super) struct Seed {
    pub demo_password: String,
    pub authorities: Vec<SeedAuthority>,
}

pub(super) struct SeedAuthority {
    pub id: AuthorityId,
    pub users: Vec<SeedUser>,
    pub requests: Vec<SeedRequest>,
}

pub(super) struct SeedUser {
    pub email: Email,
    pub display_name: String,
    pub role: UserRole,
    pub seats: Vec<SeedSeat>,
}

pub(super) struct SeedSeat {
    pub panel: Slug,
    pub role: PanelRole,
}

pub(super) struct SeedRequest {
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub date_of_birth: NaiveDate,
    pub upn: Upn,
    pub nhs_number: Option<NhsNumber>,
    pub received_on: NaiveDate,
    pub requested_by: RequestedBy,
    pub requester: String,
    pub setting_type: SettingType,
    pub primary_need: NeedType,
    pub summary: String,
    pub facts: SeedFacts,
    pub journey: SeedJourney,
}

pub(super) fn load() -> Result<Seed, DemoError> {
    let raw: RawSeed = toml::from_str(SEED).map_err(|e| DemoError::Seed {
        key: String::new(),
        rule: e.message().to_owned(),
    })?;
    let mut authorities = Vec::new();
    for (a, authority) in raw.authorities.into_iter().enumerate() {
        let at = |field: &str| format!("authorities[{a}].{field}");
        let bad = |key: String, rule: String| DemoError::Seed { key, rule };
        let id = AuthorityId::parse(&authority.code).map_err(|e| bad(at("code"), e.to_string()))?;
        let mut users = Vec::new();
        for (u, user) in authority.users.into_iter().enumerate() {
            let key = at(&format!("users[{u}]"));
            let mut seats = Vec::new();
            for seat in user.panels {
                seats.push(SeedSeat {
                    panel: Slug::parse("panel", &seat.panel)
                        .map_err(|e| bad(key.clone(), e.to_string()))?,
                    role: Slug::parse("role", &seat.role)
                        .map_err(|e| bad(key.clone(), e.to_string()))?,
                });
            }
            users.push(SeedUser {
                email: Email::parse(&user.email).map_err(|e| bad(key.clone(), e.to_string()))?,
                display_name: PersonName::parse("display_name", &user.display_name)
                    .map_err(|e| bad(key.clone(), e.to_string()))?
                    .to_string(),
                role: user
                    .role
                    .parse()
                    .map_err(|_| bad(key.clone(), format!("unknown role {}", user.role)))?,
                seats,
            });
        }
        let mut requests = Vec::new();
        for (r, request) in authority.requests.into_iter().enumerate() {
            let key = at(&format!("requests[{r}]"));
            let err = |e: DomainError| bad(key.clone(), e.to_string());
            let text = |field: &str, value: &str| {
                bad(key.clone(), format!("{field}: unknown value {value}"))
            };
            requests.push(SeedRequest {
                given_name: PersonName::parse("given_name", &request.given_name).map_err(err)?,
                family_name: PersonName::parse("family_name", &request.family_name).map_err(err)?,
                date_of_birth: request.date_of_birth,
                upn: Upn::parse(&request.upn).map_err(err)?,
                nhs_number: request
                    .nhs_number
                    .as_deref()
                    .map(NhsNumber::parse)
                    .transpose()
                    .map_err(err)?,
                received_on: request.received_on,
                requested_by: request
                    .requested_by
                    .parse()
                    .map_err(|_| text("requested_by", &request.requested_by))?,
                requester: request.requester,
                setting_type: request
                    .setting_type
                    .parse()
                    .map_err(|_| text("setting_type", &request.setting_type))?,
                primary_need: request
                    .primary_need
                    .parse()
                    .map_err(|_| text("primary_need", &request.primary_need))?,
                summary: request.summary,
                facts: request.facts,
                journey: request.journey.unwrap_or_default(),
            });
        }
        authorities.push(SeedAuthority {
            id,
            users,
            requests,
        });
    }
    Ok(Seed {
        demo_password: raw.demo_password,
        authorities,
    })
}
