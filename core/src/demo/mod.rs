//! Demo data: three authorities' users, panels and realistic requests, drawn from the
//! councils' own papers (`shared/domain/`; each request cites its lines in `seed.toml`).
//!
//! [`seed_demo`] gives a new user something true on every page at first start: each
//! authority's own policy plugin, shipped in the binary ([`SHIPPED_PLUGINS`]), is vetted,
//! installed and in force; every request has the plugin's advice, sought as a
//! caseworker seeks it; and some requests are taken along their journey by the
//! workflow's own commands (`journey` in `seed.toml`): assessing with advice
//! outstanding, a draft plan out for representations, a plan issued with its annual
//! review due, refusals with a next-steps meeting, and one under appeal.
//! [`seed_demo_at_intake`] seeds only the people and requests, every case at intake and
//! no plugin: the baseline tests start from when they drive the journey themselves.
//!
//! The seed is written as of [`SEED_AS_OF`]; every date is shifted by the days between
//! then and today, so a demo started next year still shows overdue, at-risk and fresh
//! requests rather than a year of overdue ones.

mod documents;
mod journey;
mod plugins;
mod seed;

use chrono::{Days, NaiveDate};

use crate::clock::BankHolidays;
use crate::config::AuthorityConfig;
use crate::documents::{DocumentError, Documents};
use crate::domain::{
    AssessmentRequest, AuthorityId, Case, CaseId, CaseStage, Child, ChildId, Deadline, DeadlineId,
    DeadlineKind, DeadlineStatus, DomainError, Email, PanelMember, PanelMemberId, PasswordHash,
    RequestId, User, UserId, UserRole,
};
use crate::events::{self, CaseEvent};
use crate::policy::{PluginCatalogue, RegistryError};
use crate::registry::register_authorities;
use crate::store::{AuthorityScope, Database, NewEvent, StoreError};
use crate::time::Clock;
use crate::workflow::WorkflowError;

pub use plugins::{SHIPPED_PLUGINS, ShippedPlugin};
pub use seed::DEMO_PASSWORD_NOTE;

/// The demo admins' authenticator setup key (base32), published like the demo
/// password: add it to an authenticator app, or run `sendpanel demo-code` for the
/// code of the moment. Never use it outside the demo.
pub const DEMO_TOTP_SECRET: &str = "DEMODEMODEMODEMODEMODEMODEMODEMO";

/// [`DEMO_TOTP_SECRET`] as a secret.
pub fn demo_totp_secret() -> crate::domain::TotpSecret {
    crate::domain::TotpSecret::from_stored(DEMO_TOTP_SECRET.to_owned())
}

/// The day the seed's dates were written for.
pub const SEED_AS_OF: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 24) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// Why the demo could not be seeded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The database already holds users; the demo only seeds an empty database.
    #[error("the database already has users; the demo only seeds an empty database")]
    NotEmpty,
    /// The embedded seed is invalid (a bug in the shipped data, caught by tests).
    #[error("demo seed {key}: {rule}")]
    Seed {
        /// Where in `seed.toml`.
        key: String,
        /// What is wrong.
        rule: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A shipped plugin was refused, or its advice could not be recorded.
    #[error("demo plugin: {0}")]
    Plugin(#[from] RegistryError),
    /// A document a demo request cites could not be uploaded to its case.
    #[error("demo document: {0}")]
    Document(#[from] DocumentError),
    /// A step of a demo request's journey was refused (a bug in the shipped journey,
    /// caught by tests).
    #[error("demo case {case}: the {step} was refused: {source}")]
    Step {
        /// The case.
        case: CaseId,
        /// The step, as the journey names it.
        step: &'static str,
        /// Why the workflow refused it.
        source: WorkflowError,
    },
}

/// What the full demo needs beside the database: the plugin host (with the limits an
/// upload is vetted under), the bank holidays limits count working days with, and the
/// document store the evidence each request cites is uploaded to.
#[derive(Debug, Clone, Copy)]
pub struct DemoServices<'a> {
    /// Loads, vets and runs the shipped plugins.
    pub catalogue: &'a PluginCatalogue,
    /// The bank holidays the authority's limits are counted with.
    pub holidays: &'a BankHolidays,
    /// Where the documents the requests cite are kept: their ids are what the facts
    /// sent to the plugins carry.
    pub documents: &'a Documents,
}

/// A plugin the demo installed and put in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPlugin {
    /// The authority.
    pub authority: AuthorityId,
    /// The policy's name and version, as its `info()` gives them.
    pub policy: String,
    /// Its SHA-256.
    pub sha256: crate::domain::PluginHash,
    /// In force from.
    pub active_from: NaiveDate,
}

/// A demo login, printed by `serve` and `demo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// The authority.
    pub authority: AuthorityId,
    /// The sign-in address.
    pub email: Email,
    /// The user's role.
    pub role: UserRole,
    /// Their panel seats, as `panel:role`.
    pub seats: Vec<String>,
}

/// What the demo seeded.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// The password every demo user shares.
    pub password: String,
    /// The users.
    pub logins: Vec<DemoLogin>,
    /// Requests (and cases) created.
    pub requests: usize,
    /// The panel sitting arranged, if an authority's configuration allowed one: its
    /// panel's name, day, and how many cases are on its agenda.
    pub sitting: Option<(String, NaiveDate, usize)>,
    /// The plugins installed and in force.
    pub plugins: Vec<DemoPlugin>,
    /// Pieces of plugin advice recorded on demo cases.
    pub advice: usize,
    /// Cases taken past intake, as (authority, stage), in seeding order.
    pub stages: Vec<(AuthorityId, CaseStage)>,
}

/// Whose users a database holds, as the demo sees it: `serve --demo` seeds an empty
/// database, starts again on a database holding only its own demo, and never adds
/// logins with a published password beside real people's; `serve` off loopback
/// refuses a database with any demo login in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupants {
    /// The demo's own users (matched by authority and address).
    pub demo: i64,
    /// Users the demo did not make.
    pub real: i64,
}

/// Counts the database's users and which of them are the demo's.
pub fn occupants(db: &Database) -> Result<Occupants, DemoError> {
    let seed = seed::load()?;
    let (all, demo) = db.read(|tx| {
        let all = tx.count_all_users()?;
        let mut demo: i64 = 0;
        for authority in &seed.authorities {
            let scope = AuthorityScope::new(authority.id.clone());
            for user in &authority.users {
                if tx.find_user_by_email(&scope, &user.email)?.is_some() {
                    demo += 1;
                }
            }
        }
        Ok((all, demo))
    })?;
    Ok(Occupants {
        demo,
        real: all - demo,
    })
}

/// Seeds the whole demo into an empty database: the people and requests (as
/// [`seed_demo_at_intake`]), then each authority's shipped plugin installed and in
/// force, the plugin's advice on every request, the journeys `seed.toml` gives run
/// through the workflow's commands, and finally the panel sitting, so its agenda holds
/// requests with advice in their papers.
///
/// The people and requests are one transaction and each later step its own, as in the
/// service; a failure part-way leaves what was recorded (the demo is then kept, as
/// re-running the demo keeps it).
pub fn seed_demo(
    db: &Database,
    configs: &[AuthorityConfig],
    services: DemoServices<'_>,
    clock: &dyn Clock,
) -> Result<DemoSummary, DemoError> {
    let seed = seed::load()?;
    let (mut summary, cases) = seed_people_and_requests(db, configs, &seed, clock)?;
    let tools = journey::Tools {
        catalogue: services.catalogue,
        holidays: services.holidays,
        documents: services.documents,
        now: clock.now(),
        today: clock.today(),
        shift: Shift::between(SEED_AS_OF, clock.today()),
    };
    for authority in &seed.authorities {
        if let Some(stored) =
            plugins::install_shipped(db, services.catalogue.host(), &authority.id)?
        {
            summary.plugins.push(DemoPlugin {
                authority: authority.id.clone(),
                policy: format!("{} {}", stored.policy_name, stored.policy_version),
                sha256: stored.sha256.clone(),
                active_from: stored.active_from.unwrap_or(stored.effective_from),
            });
        }
    }
    for authority in &seed.authorities {
        let scope = AuthorityScope::new(authority.id.clone());
        let actors = actors(db, configs, &scope)?;
        for (request, case) in authority
            .requests
            .iter()
            .zip(cases.iter().filter(|(a, _)| a == &authority.id))
        {
            let case = case.1;
            summary.advice += journey::walk(db, &scope, case, request, actors, &tools)?;
            let stage = db.read(|tx| tx.get_case(&scope, case))?.stage;
            if stage != CaseStage::RequestReceived {
                summary.stages.push((authority.id.clone(), stage));
            }
        }
    }
    summary.sitting = demo_sitting(db, configs, clock)?;
    tracing::info!(
        requests = summary.requests,
        users = summary.logins.len(),
        plugins = summary.plugins.len(),
        advice = summary.advice,
        "demo seeded"
    );
    Ok(summary)
}

/// Seeds the demo's people and requests into an empty database, every case at intake
/// and no plugin installed, with the panel sitting: the baseline for tests that take
/// cases through the journey, upload plugins and seek advice themselves.
pub fn seed_demo_at_intake(
    db: &Database,
    configs: &[AuthorityConfig],
    clock: &dyn Clock,
) -> Result<DemoSummary, DemoError> {
    let seed = seed::load()?;
    let (mut summary, _) = seed_people_and_requests(db, configs, &seed, clock)?;
    summary.sitting = demo_sitting(db, configs, clock)?;
    tracing::info!(
        requests = summary.requests,
        users = summary.logins.len(),
        "demo seeded at intake"
    );
    Ok(summary)
}

/// Who acts in an authority's demo journeys: its first caseworker, and the chair of
/// its panel for assessments if one is seated, else its first admin.
fn actors(
    db: &Database,
    configs: &[AuthorityConfig],
    scope: &AuthorityScope,
) -> Result<journey::Actors, DemoError> {
    let panel = configs
        .iter()
        .find(|c| &c.id == scope.authority())
        .and_then(|c| c.panel_for(crate::domain::DecisionKind::Assess))
        .map(|p| p.code.clone());
    let (users, chair) = db.read(|tx| {
        let users = tx.list_users(scope)?;
        let mut chair = None;
        if let Some(code) = &panel
            && let Some(found) = tx.list_panels(scope)?.into_iter().find(|p| &p.code == code)
        {
            chair = tx
                .list_panel_members(scope, found.id)?
                .into_iter()
                .find(|s| s.role.as_str() == crate::panel::CHAIR_ROLE)
                .map(|s| s.user_id);
        }
        Ok((users, chair))
    })?;
    let first = |role: UserRole| users.iter().find(|u| u.role == role).map(|u| u.id);
    let missing = |who: &str| DemoError::Seed {
        key: format!("authorities.{}", scope.authority()),
        rule: format!("the demo's journeys need {who}"),
    };
    let caseworker = first(UserRole::Caseworker).ok_or_else(|| missing("a caseworker"))?;
    let decider = chair
        .or_else(|| first(UserRole::Admin))
        .ok_or_else(|| missing("a chair or an admin"))?;
    Ok(journey::Actors {
        caseworker,
        decider,
    })
}

/// Adds users, seats, children, requests, cases, their first deadline and events, all
/// in one transaction, after registering the configured authorities. Returns the
/// summary so far and each case made, with its authority, in seed order.
fn seed_people_and_requests(
    db: &Database,
    configs: &[AuthorityConfig],
    seed: &seed::Seed,
    clock: &dyn Clock,
) -> Result<(DemoSummary, Vec<(AuthorityId, CaseId)>), DemoError> {
    if db.read(|tx| tx.count_all_users())? > 0 {
        return Err(DemoError::NotEmpty);
    }
    register_authorities(db, configs, clock)?;
    let now = clock.now();
    let shift = Shift::between(SEED_AS_OF, clock.today());
    // One hash for every demo user: they share a password, and Argon2 at the OWASP
    // minimum takes tens of milliseconds per hash.
    let hash =
        PasswordHash::from_password(&seed.demo_password).map_err(seed_error("demo_password"))?;

    let summary = db.write(|tx| {
        let mut logins = Vec::new();
        let mut request_count = 0;
        let mut cases = Vec::new();
        for authority in &seed.authorities {
            let config = configs
                .iter()
                .find(|c| c.id == authority.id)
                .ok_or_else(|| {
                    StoreError::Refused(format!(
                        "demo authority {} is not configured",
                        authority.id
                    ))
                })?;
            let scope = AuthorityScope::new(authority.id.clone());
            let panels = tx.list_panels(&scope)?;
            let mut officer = None;
            for seeded in &authority.users {
                let user = User {
                    id: UserId::new(),
                    authority_id: authority.id.clone(),
                    email: seeded.email.clone(),
                    display_name: seeded.display_name.clone(),
                    role: seeded.role,
                };
                tx.insert_user(&scope, &user, &hash, now)?;
                if user.role == UserRole::Caseworker && officer.is_none() {
                    officer = Some(user.id);
                }
                if user.role == UserRole::Admin {
                    // Admins need a second factor; the demo's is published, like its
                    // password, so the demo can be tried without enrolling a phone.
                    tx.set_totp_secret(&scope, user.id, Some(&demo_totp_secret()))?;
                }
                tx.append_event(
                    &scope,
                    system_event(
                        None,
                        CaseEvent::UserAdded(events::UserAdded {
                            user: user.id,
                            role: user.role,
                        }),
                        now,
                    ),
                )?;
                for seat in &seeded.seats {
                    let panel_config = config.panels.iter().find(|p| p.code == seat.panel);
                    let panel = panels.iter().find(|p| p.code == seat.panel);
                    let (Some(panel_config), Some(panel)) = (panel_config, panel) else {
                        return Err(StoreError::Refused(format!(
                            "demo panel {} is not configured for {}",
                            seat.panel, authority.id
                        )));
                    };
                    if !panel_config.roles.contains(&seat.role) {
                        return Err(StoreError::Refused(format!(
                            "demo role {} is not a role of panel {}",
                            seat.role, seat.panel
                        )));
                    }
                    tx.insert_panel_member(
                        &scope,
                        &PanelMember {
                            id: PanelMemberId::new(),
                            authority_id: authority.id.clone(),
                            panel_id: panel.id,
                            user_id: user.id,
                            role: seat.role.clone(),
                        },
                    )?;
                }
                logins.push(DemoLogin {
                    authority: authority.id.clone(),
                    email: seeded.email.clone(),
                    role: seeded.role,
                    seats: seeded
                        .seats
                        .iter()
                        .map(|s| format!("{}:{}", s.panel, s.role))
                        .collect(),
                });
            }
            for seeded in &authority.requests {
                let child = Child {
                    id: ChildId::new(),
                    authority_id: authority.id.clone(),
                    given_name: seeded.given_name.clone(),
                    family_name: seeded.family_name.clone(),
                    date_of_birth: shift.apply(seeded.date_of_birth),
                    upn: Some(seeded.upn.clone()),
                    nhs_number: seeded.nhs_number.clone(),
                    authority_reference: None,
                    // The seed's children are illustrative and it gives no sex: recorded
                    // as not known (U), so the demo's SEN2 return has its people in it.
                    sex: Some(crate::domain::Sex::Unknown),
                    ethnicity: None,
                    postcode: None,
                };
                let received_on = shift.apply(seeded.received_on);
                // Logged on the day it arrived, so the case's history reads in order
                // with the steps its journey takes on later days.
                let logged_at = received_on
                    .and_time(chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default())
                    .and_utc()
                    .min(now);
                tx.insert_child(&scope, &child, logged_at)?;
                let request = AssessmentRequest {
                    id: RequestId::new(),
                    authority_id: authority.id.clone(),
                    child_id: child.id,
                    received_on,
                    requested_by: seeded.requested_by,
                    requester: seeded.requester.clone(),
                    setting_type: seeded.setting_type,
                    primary_need: seeded.primary_need,
                    summary: seeded.summary.clone(),
                    logged_at,
                    // Demo families get an address no mail server delivers to, so the
                    // demo's letters show up as .eml files in the outbox folder.
                    contact_email: Some(
                        crate::domain::Email::parse(&format!(
                            "family.{}@example.invalid",
                            seeded.upn.as_str().to_ascii_lowercase()
                        ))
                        .map_err(|e| StoreError::Refused(e.to_string()))?,
                    ),
                };
                tx.insert_request(&scope, &request)?;
                let mut case = Case::opened(
                    authority.id.clone(),
                    child.id,
                    request.id,
                    CaseStage::RequestReceived,
                    logged_at,
                );
                // Every demo case is its authority's demo caseworker's, so "my cases"
                // (a caseworker's home page) shows the demo.
                case.officer_id = officer;
                tx.insert_case(&scope, &case)?;
                cases.push((authority.id.clone(), case.id));
                tx.append_event(
                    &scope,
                    system_event(
                        Some(case.id),
                        CaseEvent::RequestReceived(events::RequestReceived {
                            request: request.id,
                            child: child.id,
                            received_on,
                            requested_by: request.requested_by,
                        }),
                        logged_at,
                    ),
                )?;
                if officer.is_some() {
                    tx.append_event(
                        &scope,
                        system_event(
                            Some(case.id),
                            CaseEvent::CaseAllocated(events::CaseAllocated {
                                officer,
                                previous: None,
                                reason: Some("Illustrative demo allocation".to_owned()),
                            }),
                            logged_at,
                        ),
                    )?;
                }
                // Reg 5(1): decide whether to assess within 6 weeks of the request. The
                // statutory clock (issue 4) will own this arithmetic.
                let due_on = received_on
                    .checked_add_days(Days::new(42))
                    .unwrap_or(received_on);
                let deadline = DeadlineId::new();
                tx.insert_deadline(
                    &scope,
                    &Deadline {
                        id: deadline,
                        authority_id: authority.id.clone(),
                        case_id: case.id,
                        kind: DeadlineKind::DecideWhetherToAssess,
                        due_on,
                        status: DeadlineStatus::Open,
                        subject: None,
                    },
                )?;
                tx.append_event(
                    &scope,
                    system_event(
                        Some(case.id),
                        CaseEvent::DeadlineSet(events::DeadlineSet {
                            kind: DeadlineKind::DecideWhetherToAssess,
                            subject: None,
                            due_on,
                            rule: DeadlineKind::DecideWhetherToAssess.rule().to_owned(),
                            deadline: Some(deadline),
                        }),
                        logged_at,
                    ),
                )?;
                request_count += 1;
            }
        }
        Ok((
            DemoSummary {
                password: seed.demo_password.clone(),
                logins,
                requests: request_count,
                sitting: None,
                plugins: Vec::new(),
                advice: 0,
                stages: Vec::new(),
            },
            cases,
        ))
    })?;
    Ok(summary)
}

/// Days from today to the demo's panel sitting: far enough for the papers deadline of
/// any shipped panel, near enough to be on the sittings page.
const DEMO_SITTING_IN_DAYS: u64 = 8;

/// Arranges one sitting of the first authority whose panel for assessments has a chair
/// seated, with everyone seated on it and up to three of its open requests on the
/// agenda, through the panel services (so members get their invitations like any real
/// sitting).
fn demo_sitting(
    db: &Database,
    configs: &[AuthorityConfig],
    clock: &dyn Clock,
) -> Result<Option<(String, NaiveDate, usize)>, DemoError> {
    for config in configs {
        if let Some(arranged) = demo_sitting_of(db, config, clock)? {
            return Ok(Some(arranged));
        }
    }
    Ok(None)
}

fn demo_sitting_of(
    db: &Database,
    config: &AuthorityConfig,
    clock: &dyn Clock,
) -> Result<Option<(String, NaiveDate, usize)>, DemoError> {
    use crate::domain::{DecisionKind, Proposal};
    use crate::panel::{AddToAgenda, ScheduleSitting, add_to_agenda, schedule_sitting};

    let Some(panel) = config.panel_for(DecisionKind::Assess) else {
        return Ok(None);
    };
    let scope = AuthorityScope::new(config.id.clone());
    let (seats, cases, clerk) = db.read(|tx| {
        let found = tx
            .list_panels(&scope)?
            .into_iter()
            .find(|p| p.code == panel.code);
        let seats = match found {
            Some(found) => tx.list_panel_members(&scope, found.id)?,
            None => Vec::new(),
        };
        let cases: Vec<CaseId> = tx
            .list_cases(&scope)?
            .into_iter()
            .filter(|c| c.stage == CaseStage::RequestReceived)
            .map(|c| c.id)
            .collect();
        let clerk = tx
            .list_users(&scope)?
            .into_iter()
            .find(|u| u.role == UserRole::Caseworker)
            .map(|u| u.id);
        Ok((seats, cases, clerk))
    })?;
    let Some(clerk) = clerk else { return Ok(None) };
    let mut members: Vec<UserId> = Vec::new();
    for seat in &seats {
        if !members.contains(&seat.user_id) {
            members.push(seat.user_id);
        }
    }
    if !seats
        .iter()
        .any(|s| s.role.as_str() == crate::panel::CHAIR_ROLE)
    {
        return Ok(None);
    }
    let sits_on = clock
        .today()
        .checked_add_days(Days::new(DEMO_SITTING_IN_DAYS))
        .unwrap_or(clock.today());
    let refused = |e: crate::panel::PanelError| DemoError::Seed {
        key: format!("the demo sitting of {}", panel.code),
        rule: e.to_string(),
    };
    let sitting = schedule_sitting(
        db,
        &scope,
        config,
        &ScheduleSitting {
            panel: panel.code.clone(),
            sits_on,
            starts_at: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default(),
            location: "Online".into(),
            members,
        },
        clerk,
        clock,
    )
    .map_err(refused)?;
    let mut added = 0;
    for case in cases.into_iter().take(3) {
        add_to_agenda(
            db,
            &scope,
            config,
            sitting.id,
            &AddToAgenda {
                case,
                proposal: Proposal::Assess,
                placement: None,
                funding: None,
            },
            clerk,
            clock,
        )
        .map_err(refused)?;
        added += 1;
    }
    Ok(Some((panel.name.clone(), sits_on, added)))
}

fn system_event(
    case_id: Option<CaseId>,
    fact: CaseEvent,
    at: chrono::DateTime<chrono::Utc>,
) -> NewEvent {
    NewEvent {
        case_id,
        fact,
        actor: None,
        occurred_at: at,
    }
}

fn seed_error(key: &'static str) -> impl Fn(DomainError) -> DemoError {
    move |e| DemoError::Seed {
        key: key.to_owned(),
        rule: e.to_string(),
    }
}

/// Moves seed dates so the demo's "today" matches the real one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shift(i64);

impl Shift {
    pub(super) fn between(from: NaiveDate, to: NaiveDate) -> Self {
        Self((to - from).num_days())
    }

    pub(super) fn apply(self, date: NaiveDate) -> NaiveDate {
        let moved = if self.0 >= 0 {
            date.checked_add_days(Days::new(self.0.unsigned_abs()))
        } else {
            date.checked_sub_days(Days::new(self.0.unsigned_abs()))
        };
        moved.unwrap_or(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_seed_is_valid_and_has_thirteen_torbay_requests() {
        let seed = seed::load().unwrap();
        let torbay = seed
            .authorities
            .iter()
            .find(|a| a.id.as_str() == "torbay")
            .unwrap();
        assert_eq!(torbay.requests.len(), 13);
        // Every request carries the facts its advice is sought on.
        assert!(
            seed.authorities
                .iter()
                .flat_map(|a| &a.requests)
                .all(|r| !r.facts.needs.is_empty())
        );
        assert!(torbay.users.iter().any(|u| u.role == UserRole::Caseworker));
        assert!(
            torbay
                .users
                .iter()
                .any(|u| u.seats.iter().any(|s| s.role.as_str() == "chair"))
        );
    }

    #[test]
    fn dates_shift_with_today() {
        let shift = Shift::between(SEED_AS_OF, SEED_AS_OF + Days::new(10));
        let date = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(
            shift.apply(date),
            NaiveDate::from_ymd_opt(2026, 10, 11).unwrap()
        );
        let back = Shift::between(SEED_AS_OF, NaiveDate::from_ymd_opt(2026, 11, 14).unwrap());
        assert_eq!(
            back.apply(date),
            NaiveDate::from_ymd_opt(2026, 9, 21).unwrap()
        );
    }
}
