//! The steps for disputes and for plans that move, in process on SQLite and
//! PostgreSQL over the demo data, each a form on a page of its own as the case page's
//! other steps are.
//!
//! Disputes: a case with no decision offers no mediation or appeal; once an admin has
//! refused to assess through the page, the case page links to mediation and the appeal
//! and to nothing that needs one open; a panel member gets 403 on a step's page and on
//! its post; a form missing its choice and dates is refused on the step's page naming
//! each field (400); a request for mediation dated before the notice, a mediation ended
//! before it was asked for, and an order missing from an `ordered` outcome are refused
//! naming the field and the core's rule (422); none of those change anything. Done
//! properly, each step sends the caseworker back to the case page saying what was
//! recorded: the mediation's 30-day limit opens and is met, the appeal is recorded, an
//! order to assess moves the case to assessment and sets its steps' limits, and a step
//! carried out is met; the links follow (the outcome once mediation is open, the
//! Tribunal's decision once an appeal is pending, the order's steps while any is open).
//!
//! Moves: none is offered before a plan is issued; once one is (through the pages), a
//! phase transfer and a move out are; a year the core does not allow and a next setting
//! left empty are refused naming the field; the transfer's Reg 18 date opens and is
//! met; the move out's limit opens, and sending the plan closes the case. A plan
//! transferred in offers its notice to the family until it is sent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use crate::support::{ADMIN, Browser, CASEWORKER, PSYCHOLOGIST, install_letters};
use actix_http::Request;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use chrono::NaiveDate;
use sendpanel_core::domain::{
    AuthorityId, CaseId, CaseStage, Deadline, DeadlineKind, DeadlineStatus, EventKind,
};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::workflow::{self, ReceiveTransferredPlan};
use sendpanel_tests::TestDb;
use sendpanel_tests::journey;

const DISPUTE_STEPS: [&str; 5] = [
    "mediation",
    "mediation-outcome",
    "appeal",
    "tribunal-decision",
    "tribunal-order-complied",
];

const MOVE_STEPS: [&str; 5] = [
    "phase-transfer",
    "phase-transfer-completed",
    "move-out",
    "transfer-out",
    "transfer-notice",
];

fn torbay() -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse("torbay").unwrap())
}

fn stage(db: &Database, id: CaseId) -> CaseStage {
    db.read(|tx| tx.get_case(&torbay(), id)).unwrap().stage
}

fn deadlines(db: &Database, id: CaseId, kind: DeadlineKind) -> Vec<Deadline> {
    db.read(|tx| tx.list_deadlines(&torbay(), id))
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == kind)
        .collect()
}

fn events(db: &Database, id: CaseId, kind: EventKind) -> usize {
    db.read(|tx| tx.list_events(&torbay(), Some(id)))
        .unwrap()
        .iter()
        .filter(|e| e.kind() == kind)
        .count()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A form's fields, with each date (`d/m/yyyy`) in its three boxes.
fn filled(plain: &[(&str, &str)], dates: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = plain
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (field, day) in dates {
        let parts: Vec<&str> = day.split('/').collect();
        for (part, value) in ["day", "month", "year"].iter().zip(parts) {
            all.push((format!("{field}-{part}"), value.to_owned()));
        }
    }
    all
}

/// The page with whitespace between tags squeezed.
fn squeezed(body: &str) -> String {
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A case still waiting for the decision whether to assess.
fn undecided(db: &Database) -> CaseId {
    db.read(|tx| tx.list_cases(&torbay()))
        .unwrap()
        .into_iter()
        .find(|c| {
            matches!(
                c.stage,
                CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
            )
        })
        .unwrap()
        .id
}

/// Posts `slug`'s form on case `id` from its own page, as a person would.
async fn post<S>(
    app: &S,
    who: &mut Browser,
    id: CaseId,
    slug: &str,
    plain: &[(&str, &str)],
    dates: &[(&str, &str)],
) -> support::Page
where
    S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let form = filled(plain, dates);
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    who.submit(
        app,
        &format!("/cases/{id}"),
        &format!("/cases/{id}/{slug}"),
        &refs,
    )
    .await
}

/// Posts a form that must succeed: back to the case page, which says `done`.
async fn done<S>(
    app: &S,
    who: &mut Browser,
    id: CaseId,
    slug: &str,
    plain: &[(&str, &str)],
    dates: &[(&str, &str)],
    done: &str,
) where
    S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let page = post(app, who, id, slug, plain, dates).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{slug}: {}", page.body);
    let location = page.location.unwrap();
    assert_eq!(location, format!("/cases/{id}?done={slug}"));
    let page = who.get(app, &location).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = squeezed(&page.body);
    assert!(
        body.contains("govuk-notification-banner--success"),
        "{body}"
    );
    assert!(body.contains(done), "{done} in {body}");
}

/// A form's plain fields, or its dates as `d/m/yyyy`.
type Fields<'a> = &'a [(&'a str, &'a str)];

/// Posts a form that must be refused with `status`, on the step's own page, with the
/// error summary linking `anchor` with `message`.
async fn refused<S>(
    app: &S,
    who: &mut Browser,
    id: CaseId,
    slug: &str,
    form: (Fields<'_>, Fields<'_>),
    status: StatusCode,
    errors: &[(&str, &str)],
) where
    S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let page = post(app, who, id, slug, form.0, form.1).await;
    assert_eq!(page.status, status, "{slug}: {}", page.body);
    let body = squeezed(&page.body);
    assert!(body.contains("<title>Error: "), "{body}");
    assert!(
        body.contains(&format!("<h1 class=\"govuk-heading-l\" id=\"{slug}\">")),
        "the step's own page: {body}"
    );
    for (anchor, message) in errors {
        assert!(
            body.contains(&format!("<a href=\"#{slug}-{anchor}\">{message}</a>")),
            "{anchor}: {message} in {body}"
        );
    }
}

/// A step that does not apply: its page leads back to the case, which says so.
async fn not_now<S>(app: &S, who: &mut Browser, id: CaseId, slug: &str)
where
    S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let page = who.get(app, &format!("/cases/{id}/{slug}")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{slug}: {}", page.body);
    let location = page.location.unwrap();
    assert_eq!(location, format!("/cases/{id}?not_now={slug}"));
    let page = who.get(app, &location).await;
    assert!(
        page.body
            .contains("does not apply to this case at its stage"),
        "{slug}: {}",
        page.body
    );
}

/// Which of `slugs` the case page links to, as `who` sees it.
async fn offered<S>(app: &S, who: &mut Browser, id: CaseId, slugs: &[&str]) -> Vec<String>
where
    S: Service<Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let page = who.get(app, &format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    slugs
        .iter()
        .filter(|slug| page.body.contains(&format!("href=\"/cases/{id}/{slug}\"")))
        .map(|slug| (*slug).to_owned())
        .collect()
}

const TODAY: &str = "24/11/2026";

async fn disputes(db: Database) {
    install_letters(&db);
    let app = support::app(support::demo_state(&db)).await;
    let id = undecided(&db);
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    let mut admin = Browser::default();
    admin.sign_in(&app, ADMIN).await;
    let mut member = Browser::default();
    member.sign_in(&app, PSYCHOLOGIST).await;

    // No decision yet: nothing to dispute, and the steps' pages lead back to the case.
    assert!(
        offered(&app, &mut caseworker, id, &DISPUTE_STEPS)
            .await
            .is_empty()
    );
    for slug in DISPUTE_STEPS {
        not_now(&app, &mut caseworker, id, slug).await;
    }

    // The admin refuses to assess through the page.
    done(
        &app,
        &mut admin,
        id,
        "decision-to-assess",
        &[
            ("decision", "refuse"),
            (
                "reasons",
                "The evidence does not show the child may need a plan.",
            ),
        ],
        &[("decided_on", TODAY)],
        "Decision recorded",
    )
    .await;
    assert_eq!(stage(&db, id), CaseStage::AssessmentRefused);
    let decision = db.read(|tx| tx.list_decisions(&torbay(), id)).unwrap()[0].id;

    // Now the family may ask for mediation or appeal; nothing needs one open yet.
    assert_eq!(
        offered(&app, &mut caseworker, id, &DISPUTE_STEPS).await,
        ["mediation", "appeal"]
    );
    not_now(&app, &mut caseworker, id, "mediation-outcome").await;
    let page = caseworker
        .get(&app, &format!("/cases/{id}/mediation"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = squeezed(&page.body);
    assert!(
        body.contains(&format!("value=\"{decision}\"")),
        "the decision is a choice: {body}"
    );
    assert!(
        body.contains("Assess: refused, decided on 24 November 2026"),
        "{body}"
    );
    assert!(body.contains("regs. 36-37"), "{body}");
    assert!(
        body.contains("Day the family asked for mediation"),
        "{body}"
    );

    // A panel member can neither open nor post a dispute step.
    let full = [("decision", decision.to_string())];
    let full: Vec<(&str, &str)> = full.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dates = [("notice_sent_on", TODAY), ("requested_on", TODAY)];
    let page = member.get(&app, &format!("/cases/{id}/mediation")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = post(&app, &mut member, id, "mediation", &full, &dates).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(events(&db, id, EventKind::MediationRequested), 0);

    // Nothing chosen or dated: refused by the page, each field named.
    refused(
        &app,
        &mut caseworker,
        id,
        "mediation",
        (&[], &[]),
        StatusCode::BAD_REQUEST,
        &[
            (
                "decision-1",
                "Select the decision the family disagrees with",
            ),
            (
                "notice_sent_on-day",
                "Enter day the decision notice was sent",
            ),
            (
                "requested_on-day",
                "Enter day the family asked for mediation",
            ),
        ],
    )
    .await;
    // Asked for before the notice was sent: the core refuses, naming the field.
    refused(
        &app,
        &mut caseworker,
        id,
        "mediation",
        (
            &full,
            &[("notice_sent_on", TODAY), ("requested_on", "20/11/2026")],
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[(
            "requested_on-day",
            "Day the family asked for mediation: cannot be before the decision notice was sent",
        )],
    )
    .await;
    assert_eq!(events(&db, id, EventKind::MediationRequested), 0);
    assert!(deadlines(&db, id, DeadlineKind::Mediation).is_empty());

    // Recorded: the authority's 30 days open, and the outcome is offered instead.
    done(
        &app,
        &mut caseworker,
        id,
        "mediation",
        &full,
        &dates,
        "Request for mediation recorded, with the 30 days to hold it",
    )
    .await;
    let mediation = deadlines(&db, id, DeadlineKind::Mediation);
    assert_eq!(mediation.len(), 1);
    assert_eq!(mediation[0].status, DeadlineStatus::Open);
    assert!(mediation[0].due_on > date(2026, 11, 24));
    assert_eq!(
        offered(&app, &mut caseworker, id, &DISPUTE_STEPS).await,
        ["mediation-outcome", "appeal"]
    );

    // Ended before it was asked for: refused, naming the field; still open.
    refused(
        &app,
        &mut caseworker,
        id,
        "mediation-outcome",
        (
            &[("outcome", "no_agreement")],
            &[("ended_on", "23/11/2026")],
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[(
            "ended_on-day",
            "Day mediation was held, or withdrawn: cannot be before mediation was requested (2026-11-24)",
        )],
    )
    .await;
    assert_eq!(
        deadlines(&db, id, DeadlineKind::Mediation)[0].status,
        DeadlineStatus::Open
    );
    done(
        &app,
        &mut caseworker,
        id,
        "mediation-outcome",
        &[("outcome", "no_agreement")],
        &[("ended_on", TODAY), ("certificate_issued_on", TODAY)],
        "Mediation outcome recorded",
    )
    .await;
    assert_eq!(
        deadlines(&db, id, DeadlineKind::Mediation)[0].status,
        DeadlineStatus::Met
    );
    assert_eq!(events(&db, id, EventKind::MediationConcluded), 1);

    // The family appeals: recorded, and the Tribunal's decision is offered instead.
    done(
        &app,
        &mut caseworker,
        id,
        "appeal",
        &full,
        &[
            ("notice_sent_on", TODAY),
            ("lodged_on", TODAY),
            ("mediation_certificate_issued_on", TODAY),
        ],
        "Appeal recorded",
    )
    .await;
    assert_eq!(events(&db, id, EventKind::AppealLodged), 1);
    assert_eq!(
        offered(&app, &mut caseworker, id, &DISPUTE_STEPS).await,
        ["mediation", "tribunal-decision"]
    );

    // An order without saying what was ordered: refused, naming the field; nothing
    // changed.
    refused(
        &app,
        &mut caseworker,
        id,
        "tribunal-decision",
        (&[("outcome", "ordered")], &[("decided_on", TODAY)]),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[(
            "order-1",
            "What the Tribunal ordered: is required when the Tribunal ordered the authority to act",
        )],
    )
    .await;
    assert_eq!(events(&db, id, EventKind::TribunalDecided), 0);
    assert_eq!(stage(&db, id), CaseStage::AssessmentRefused);

    // Ordered to assess: the case moves to assessment, with a limit for each step.
    done(
        &app,
        &mut caseworker,
        id,
        "tribunal-decision",
        &[("outcome", "ordered"), ("order", "assess")],
        &[("decided_on", TODAY)],
        "decision recorded, with the time limit of each step it ordered",
    )
    .await;
    assert_eq!(stage(&db, id), CaseStage::Assessing);
    let steps = deadlines(&db, id, DeadlineKind::TribunalOrder);
    assert_eq!(steps.len(), 3);
    assert!(steps.iter().all(|d| d.status == DeadlineStatus::Open));
    assert_eq!(
        offered(&app, &mut caseworker, id, &DISPUTE_STEPS).await,
        ["mediation", "appeal", "tribunal-order-complied"]
    );

    // A step carried out: no step chosen is refused; the chosen one is met.
    refused(
        &app,
        &mut caseworker,
        id,
        "tribunal-order-complied",
        (&[], &[("complied_on", TODAY)]),
        StatusCode::BAD_REQUEST,
        &[("step-1", "Select the step carried out")],
    )
    .await;
    done(
        &app,
        &mut caseworker,
        id,
        "tribunal-order-complied",
        &[("step", "notify_assessment")],
        &[("complied_on", TODAY)],
        "order recorded as carried out",
    )
    .await;
    let steps = deadlines(&db, id, DeadlineKind::TribunalOrder);
    let met: Vec<_> = steps
        .iter()
        .filter(|d| d.status == DeadlineStatus::Met)
        .filter_map(|d| d.subject.as_deref())
        .collect();
    assert_eq!(met, ["notify_assessment"]);
    let page = caseworker
        .get(&app, &format!("/cases/{id}/tribunal-order-complied"))
        .await;
    assert!(page.body.contains("value=\"final_plan\""), "{}", page.body);
    assert!(
        !page.body.contains("value=\"notify_assessment\""),
        "a met step is not offered: {}",
        page.body
    );

    // A second appeal, dismissed. "No order" is ticked to begin with; an order ticked
    // by mistake is refused, naming the field, and "No order" takes it back, since a
    // radio cannot be unticked.
    done(
        &app,
        &mut caseworker,
        id,
        "appeal",
        &full,
        &[("notice_sent_on", TODAY), ("lodged_on", TODAY)],
        "Appeal recorded",
    )
    .await;
    let page = caseworker
        .get(&app, &format!("/cases/{id}/tribunal-decision"))
        .await;
    assert!(
        squeezed(&page.body).contains("value=\"\" checked> <label class=\"govuk-label govuk-radios__label\" for=\"tribunal-decision-order-1\">No order</label>"),
        "{}",
        page.body
    );
    let page = post(
        &app,
        &mut caseworker,
        id,
        "tribunal-decision",
        &[("outcome", "dismissed"), ("order", "assess")],
        &[("decided_on", TODAY)],
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("href=\"#tribunal-decision-order-1\""),
        "{}",
        page.body
    );
    assert_eq!(events(&db, id, EventKind::TribunalDecided), 1);
    done(
        &app,
        &mut caseworker,
        id,
        "tribunal-decision",
        &[("outcome", "dismissed"), ("order", "")],
        &[("decided_on", TODAY)],
        "decision recorded",
    )
    .await;
    assert_eq!(events(&db, id, EventKind::TribunalDecided), 2);
}

async fn moves(db: Database) {
    install_letters(&db);
    let app = support::app(support::demo_state(&db)).await;
    let id = undecided(&db);
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    let mut admin = Browser::default();
    admin.sign_in(&app, ADMIN).await;
    let mut member = Browser::default();
    member.sign_in(&app, PSYCHOLOGIST).await;

    // No plan yet: nothing can move.
    assert!(
        offered(&app, &mut caseworker, id, &MOVE_STEPS)
            .await
            .is_empty()
    );
    not_now(&app, &mut caseworker, id, "phase-transfer").await;

    // A plan issued through the pages.
    let today = [("decided_on", TODAY)];
    let reasons = ("reasons", "The evidence shows a plan is needed.");
    done(
        &app,
        &mut admin,
        id,
        "decision-to-assess",
        &[("decision", "assess"), reasons],
        &today,
        "Decision recorded",
    )
    .await;
    done(
        &app,
        &mut admin,
        id,
        "decision-to-issue",
        &[("decision", "issue"), reasons],
        &today,
        "Decision recorded",
    )
    .await;
    done(
        &app,
        &mut admin,
        id,
        "draft-plan",
        &[],
        &[("served_on", TODAY)],
        "Draft plan recorded",
    )
    .await;
    done(
        &app,
        &mut admin,
        id,
        "final-plan",
        &[],
        &[("issued_on", TODAY)],
        "Final plan recorded",
    )
    .await;
    assert_eq!(stage(&db, id), CaseStage::PlanIssued);
    assert_eq!(
        offered(&app, &mut caseworker, id, &MOVE_STEPS).await,
        ["phase-transfer", "move-out"]
    );
    let page = caseworker
        .get(&app, &format!("/cases/{id}/phase-transfer"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("reg. 18"), "{}", page.body);
    assert!(
        page.body.contains("Year the child moves on"),
        "{}",
        page.body
    );

    // A panel member can neither open nor post a move.
    let plan = [("transfer_year", "2027"), ("transfer_kind", "school")];
    let page = member
        .get(&app, &format!("/cases/{id}/phase-transfer"))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = post(&app, &mut member, id, "phase-transfer", &plan, &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(deadlines(&db, id, DeadlineKind::PhaseTransfer).is_empty());

    // Nothing given, then a year already past: refused, naming the field.
    refused(
        &app,
        &mut caseworker,
        id,
        "phase-transfer",
        (&[], &[]),
        StatusCode::BAD_REQUEST,
        &[
            ("transfer_year", "Enter the year the child moves on"),
            (
                "transfer_kind-1",
                "Select between school phases or to post-16",
            ),
        ],
    )
    .await;
    refused(
        &app,
        &mut caseworker,
        id,
        "phase-transfer",
        (
            &[("transfer_year", "2019"), ("transfer_kind", "school")],
            &[],
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[(
            "transfer_year",
            "Year the child moves on: must be from 2026 to 2046",
        )],
    )
    .await;
    assert!(deadlines(&db, id, DeadlineKind::PhaseTransfer).is_empty());

    // Planned: the Reg 18 date opens (15 February of the year of transfer).
    done(
        &app,
        &mut caseworker,
        id,
        "phase-transfer",
        &plan,
        &[],
        "Phase transfer planned, with its reg. 18 date",
    )
    .await;
    let transfer = deadlines(&db, id, DeadlineKind::PhaseTransfer);
    assert_eq!(transfer.len(), 1);
    assert_eq!(transfer[0].status, DeadlineStatus::Open);
    assert_eq!(transfer[0].due_on, date(2027, 2, 15));
    assert_eq!(
        offered(&app, &mut caseworker, id, &MOVE_STEPS).await,
        ["phase-transfer-completed", "move-out"]
    );

    // Completed without naming the setting: refused by the core, naming the field.
    refused(
        &app,
        &mut caseworker,
        id,
        "phase-transfer-completed",
        (&[("next_setting", "  ")], &[("amended_on", TODAY)]),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[(
            "next_setting",
            "School or college the amended plan names: must name the next school or college",
        )],
    )
    .await;
    assert_eq!(
        deadlines(&db, id, DeadlineKind::PhaseTransfer)[0].status,
        DeadlineStatus::Open
    );
    done(
        &app,
        &mut caseworker,
        id,
        "phase-transfer-completed",
        &[("next_setting", "Torquay Academy")],
        &[("amended_on", TODAY)],
        "Phase transfer recorded",
    )
    .await;
    assert_eq!(
        deadlines(&db, id, DeadlineKind::PhaseTransfer)[0].status,
        DeadlineStatus::Met
    );

    // The child moves away: the plan's limit opens; sending it closes the case here.
    done(
        &app,
        &mut caseworker,
        id,
        "move-out",
        &[("to_authority", "Devon County Council")],
        &[("aware_on", TODAY), ("moves_on", "4/1/2027")],
        "Move recorded, with the day the plan must be transferred by",
    )
    .await;
    let transfer = deadlines(&db, id, DeadlineKind::PlanTransfer);
    assert_eq!(transfer.len(), 1);
    assert_eq!(transfer[0].status, DeadlineStatus::Open);
    assert_eq!(transfer[0].due_on, date(2027, 1, 4));
    assert_eq!(
        offered(&app, &mut caseworker, id, &MOVE_STEPS).await,
        ["phase-transfer", "transfer-out"]
    );
    done(
        &app,
        &mut caseworker,
        id,
        "transfer-out",
        &[],
        &[("transferred_on", TODAY)],
        "Plan transferred to the new authority; the case is closed here",
    )
    .await;
    assert_eq!(stage(&db, id), CaseStage::Closed);
    assert_eq!(
        deadlines(&db, id, DeadlineKind::PlanTransfer)[0].status,
        DeadlineStatus::Met
    );
    assert!(
        offered(&app, &mut caseworker, id, &MOVE_STEPS)
            .await
            .is_empty()
    );

    // A plan transferred in: its notice to the family is offered until it is sent.
    let incoming = workflow::receive_transferred_plan(
        &db,
        &torbay(),
        &ReceiveTransferredPlan {
            original_request: journey::request(1),
            from_authority: "Devon County Council".into(),
            transferred_on: date(2026, 11, 10),
            plan_issued_on: date(2024, 1, 10),
            last_reviewed_on: None,
        },
        None,
        &support::clock(),
    )
    .unwrap()
    .case
    .id;
    assert_eq!(
        offered(&app, &mut caseworker, incoming, &MOVE_STEPS).await,
        ["phase-transfer", "move-out", "transfer-notice"]
    );
    refused(
        &app,
        &mut caseworker,
        incoming,
        "transfer-notice",
        (&[], &[("sent_on", TODAY)]),
        StatusCode::BAD_REQUEST,
        &[(
            "will_assess-1",
            "Select whether the authority proposes to make an EHC needs assessment",
        )],
    )
    .await;
    assert_eq!(
        deadlines(&db, incoming, DeadlineKind::TransferNotice)[0].status,
        DeadlineStatus::Open
    );
    done(
        &app,
        &mut caseworker,
        incoming,
        "transfer-notice",
        &[("will_assess", "no")],
        &[("sent_on", TODAY)],
        "Notice to the family of the transferred plan recorded",
    )
    .await;
    assert_eq!(
        deadlines(&db, incoming, DeadlineKind::TransferNotice)[0].status,
        DeadlineStatus::Met
    );
    assert_eq!(
        offered(&app, &mut caseworker, incoming, &MOVE_STEPS).await,
        ["phase-transfer", "move-out"]
    );
}

#[actix_web::test]
async fn dispute_pages_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    disputes(db.db.clone()).await;
}

#[actix_web::test]
async fn dispute_pages_on_postgres() {
    let db = TestDb::postgres().unwrap();
    disputes(db.db.clone()).await;
}

#[actix_web::test]
async fn move_pages_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    moves(db.db.clone()).await;
}

#[actix_web::test]
async fn move_pages_on_postgres() {
    let db = TestDb::postgres().unwrap();
    moves(db.db.clone()).await;
}
