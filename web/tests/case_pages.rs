//! The case page in process, on SQLite and PostgreSQL, over the demo data with letters
//! written as the service writes them: a demo case shows its plugin advice with each
//! criterion's reason, and links to the steps of its stage, each a form on a page of its
//! own; a caseworker is offered the casework steps but not the decisions, which (as
//! through the API) a chair or an admin records; a later stage's step leads back to
//! the case, which says it does not apply, and an unknown step is not found; an
//! admin records the decision to assess through the form, and the case page then shows
//! the decision, the new stage, the steps of that stage (and not the old one's) and the
//! letter, which opens as sent; an empty reasons field is refused on the step's page
//! naming the field and changes nothing; an exception is claimed through its form and
//! shown disapplied; a form that cannot run says why; panel members cannot open the
//! case page or its letters (they read a case through a sitting's papers), nor open or
//! post a step, and their refused reads are not recorded; a form without its CSRF token is refused. Then in
//! headless Chromium: axe-core finds no serious or critical violation on a step's page,
//! with a refused form's errors, on the case after a decision, and on the appeal's page
//! (`dispute_pages` covers the dispute steps in process) with and without its errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use crate::support::chromium::{
    axe, click, exclusive, fill, main_text, screenshot, serve_demo, wait_for, with_browsers,
};
use crate::support::{ADMIN, Browser, CASEWORKER, PSYCHOLOGIST, install_letters, record_advice};
use actix_web::http::StatusCode;
use fantoccini::Locator;
use sendpanel_core::domain::{AuthorityId, Case, CaseId, CaseStage, DeadlineKind, DeadlineStatus};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;

fn case(db: &Database, scope: &AuthorityScope, id: CaseId) -> Case {
    db.read(|tx| tx.get_case(scope, id)).unwrap()
}

fn decisions(db: &Database, scope: &AuthorityScope, id: CaseId) -> usize {
    db.read(|tx| tx.list_decisions(scope, id)).unwrap().len()
}

/// Today's date (the demo's 24 November 2026) in a date field's three boxes.
fn today(field: &'static str) -> [(String, &'static str); 3] {
    [
        (format!("{field}-day"), "24"),
        (format!("{field}-month"), "11"),
        (format!("{field}-year"), "2026"),
    ]
}

fn form<'a>(
    fields: &'a [(&'a str, &'a str)],
    dates: &'a [(String, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.extend(dates.iter().map(|(k, v)| (k.as_str(), *v)));
    all
}

/// The page with whitespace between tags squeezed.
fn squeezed(body: &str) -> String {
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn scenario(db: Database) {
    install_letters(&db);
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let app = support::app(support::demo_state(&db)).await;
    let undecided: Vec<Case> = db
        .read(|tx| tx.list_cases(&torbay))
        .unwrap()
        .into_iter()
        .filter(|c| {
            matches!(
                c.stage,
                CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
            )
        })
        .collect();
    let (first, second) = (undecided[0].id, undecided[1].id);
    record_advice(&db, &torbay, first);
    let page_of = |id: CaseId| format!("/cases/{id}");

    // The demo case shows its advice: the recommendation, each criterion, met or not,
    // and the reason in words a parent can read.
    // Decisions are the panel's: outside a sitting its chair or an admin records them,
    // as through the API. A caseworker is offered the casework forms and not those.
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    let page = caseworker.get(&app, &page_of(first)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!(
        "href=\"/cases/{first}/graduated-response-advice\""
    )));
    assert!(
        !page
            .body
            .contains(&format!("href=\"/cases/{first}/decision-to-assess\""))
    );
    let step = caseworker
        .get(&app, &format!("/cases/{first}/graduated-response-advice"))
        .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    assert!(step.body.contains(&format!(
        "action=\"/cases/{first}/graduated-response-advice\""
    )));
    let step = caseworker
        .get(&app, &format!("/cases/{first}/decision-to-assess"))
        .await;
    assert_eq!(step.status, StatusCode::FORBIDDEN);
    let page = caseworker
        .submit(
            &app,
            &page_of(first),
            &format!("/cases/{first}/decision-to-assess"),
            &[
                ("decision", "assess"),
                ("reasons", "May need a plan."),
                ("decided_on-day", "24"),
                ("decided_on-month", "11"),
                ("decided_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(decisions(&db, &torbay, first), 0);

    let mut browser = Browser::default();
    browser.sign_in(&app, ADMIN).await;
    let page = browser.get(&app, &page_of(first)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = squeezed(&page.body);
    assert!(body.contains("Graduated response advice: Assess"), "{body}");
    for text in [
        "Needs are evidenced",
        "The educational psychologist&#x27;s report evidences severe needs in communication.",
        "Support cycles reviewed",
        "Only one cycle of SEN support was reviewed in the last two years.",
        "<strong class=\"govuk-tag govuk-tag--green\">Met</strong>",
        "<strong class=\"govuk-tag govuk-tag--grey\">Not met</strong>",
    ] {
        assert!(body.contains(text), "{text} in {body}");
    }
    // The request stage's steps, each linked to its own page with its form; no later
    // stage's, whose pages are not found.
    // (The page's own forms add documents, ask for advice, allocate the case and add a
    // note; no step's form is here.)
    let step_forms = body
        .split("<form method=\"post\" action=\"/cases/")
        .skip(1)
        .filter(|rest| {
            let action = rest.split('"').next().unwrap_or_default();
            !["/evidence", "/advice-links", "/allocation", "/notes"]
                .iter()
                .any(|own| action.ends_with(own))
        })
        .count();
    assert_eq!(step_forms, 0, "{body}");
    for slug in [
        "graduated-response-advice",
        "decision-to-assess",
        "exceptions",
    ] {
        assert!(
            body.contains(&format!("href=\"/cases/{first}/{slug}\"")),
            "{slug} in {body}"
        );
        let step = squeezed(
            &browser
                .get(&app, &format!("/cases/{first}/{slug}"))
                .await
                .body,
        );
        assert!(
            step.contains(&format!("<h1 class=\"govuk-heading-l\" id=\"{slug}\">")),
            "{slug} in {step}"
        );
        assert!(
            step.contains(&format!("action=\"/cases/{first}/{slug}\"")),
            "{slug}"
        );
        // The back link comes before the main landmark, as GOV.UK places it.
        let back =
            format!("<a href=\"/cases/{first}\" class=\"govuk-back-link\">Back to the case</a>");
        let (back_at, main_at) = (step.find(&back), step.find("<main"));
        assert!(back_at.is_some() && back_at < main_at, "back link: {step}");
    }
    for later in [
        "final-plan",
        "decision-to-issue",
        "advice-requests",
        "review-meeting",
    ] {
        assert!(
            !body.contains(&format!("href=\"/cases/{first}/{later}\"")),
            "{later} offered early"
        );
        // An old link to it goes back to the case, which says the step does not apply.
        let step = browser.get(&app, &format!("/cases/{first}/{later}")).await;
        assert_eq!(step.status, StatusCode::SEE_OTHER, "{later} offered early");
        let location = step.location.unwrap();
        assert_eq!(location, format!("/cases/{first}?not_now={later}"));
        let case_page = browser.get(&app, &location).await;
        assert!(
            case_page
                .body
                .contains("does not apply to this case at its stage"),
            "{}",
            case_page.body
        );
    }
    // An unknown step is not found.
    let step = browser
        .get(&app, &format!("/cases/{first}/no-such-step"))
        .await;
    assert_eq!(step.status, StatusCode::NOT_FOUND);
    assert!(body.contains("No letters sent yet."), "{body}");
    assert!(body.contains("No exception claimed"), "{body}");

    // An empty reasons field: refused, naming the field, with what was typed kept;
    // nothing changed.
    let reasons_dates = today("decided_on");
    let fields = [("decision", "refuse"), ("reasons", "   ")];
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{second}/decision-to-assess"),
            &form(&fields, &reasons_dates),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let body = squeezed(&page.body);
    assert!(body.contains("<title>Error: "), "{body}");
    assert!(body.contains("govuk-error-summary"), "{body}");
    assert!(
        body.contains(
            "<a href=\"#decision-to-assess-reasons\">Reasons: a decision must give its reasons"
        ),
        "{body}"
    );
    assert!(
        body.contains("<h1 class=\"govuk-heading-l\" id=\"decision-to-assess\">"),
        "the step's own page: {body}"
    );
    assert!(
        body.contains("id=\"decision-to-assess-reasons-error\""),
        "{body}"
    );
    assert!(
        body.contains("value=\"refuse\" checked"),
        "the choice is kept: {body}"
    );
    let unchanged = case(&db, &torbay, second);
    assert!(matches!(
        unchanged.stage,
        CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
    ));
    assert_eq!(decisions(&db, &torbay, second), 0);

    // A form missing its choice and date is refused by the page, each field named.
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{second}/decision-to-assess"),
            &[("reasons", "Because.")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("<a href=\"#decision-to-assess-decision-1\">Select assess or refuse</a>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<a href=\"#decision-to-assess-decided_on-day\">Enter date of the decision</a>"
        ),
        "{}",
        page.body
    );
    assert_eq!(decisions(&db, &torbay, second), 0);

    // Without the CSRF token: 403, nothing changed.
    let mut no_token = form(
        &[("decision", "assess"), ("reasons", "Needs may be special.")],
        &reasons_dates,
    );
    no_token.push(("csrf_token", "not-the-token"));
    let page = browser
        .post(
            &app,
            &format!("/cases/{second}/decision-to-assess"),
            &no_token,
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(decisions(&db, &torbay, second), 0);

    // The admin records the decision to assess through the form: back to the case page, which
    // shows the decision, the new stage, the letter, and the assessment's forms.
    let fields = [
        ("decision", "assess"),
        (
            "reasons",
            "The child may have special educational needs and may need a plan.",
        ),
    ];
    let page = browser
        .submit(
            &app,
            &page_of(first),
            &format!("/cases/{first}/decision-to-assess"),
            &form(&fields, &reasons_dates),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.unwrap();
    assert_eq!(location, format!("/cases/{first}?done=decision-to-assess"));
    assert_eq!(case(&db, &torbay, first).stage, CaseStage::Assessing);
    let page = browser.get(&app, &location).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = squeezed(&page.body);
    assert!(
        body.contains("govuk-notification-banner--success"),
        "{body}"
    );
    assert!(body.contains("Decision recorded"), "{body}");
    assert!(
        body.contains("<dt class=\"govuk-summary-list__key\">Stage</dt> <dd class=\"govuk-summary-list__value\">Assessing</dd>"),
        "{body}"
    );
    assert!(body.contains("Assess: Agreed"), "{body}");
    assert!(
        body.contains("The child may have special educational needs and may need a plan."),
        "{body}"
    );
    assert!(
        body.contains("Decide not to issue"),
        "the 16-week limit: {body}"
    );
    for slug in ["advice-requests", "advice-received", "decision-to-issue"] {
        assert!(
            body.contains(&format!("href=\"/cases/{first}/{slug}\"")),
            "{slug} in {body}"
        );
    }
    assert!(
        !body.contains(&format!("href=\"/cases/{first}/decision-to-assess\"")),
        "{body}"
    );
    assert!(
        body.contains("Decision to carry out an EHC needs assessment"),
        "the letter: {body}"
    );
    let marker = format!("href=\"/cases/{first}/letters/");
    let start = body.find(&marker).expect("a link to the letter") + "href=\"".len();
    let href = &body[start..start + body[start..].find('"').unwrap()];
    let letter = browser.get(&app, href).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(
        letter
            .body
            .contains("<title>Decision to carry out an EHC needs assessment</title>"),
        "{}",
        letter.body
    );
    assert!(letter.body.contains("Torbay"), "{}", letter.body);

    // Deciding again is refused: the case has moved on, and nothing changes.
    let page = browser
        .submit(
            &app,
            &page_of(first),
            &format!("/cases/{first}/decision-to-assess"),
            &form(&fields, &reasons_dates),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    // The person is told the case moved on, to which stage, and what moved it.
    assert!(
        page.body
            .contains("The case has moved on: it is now at the stage"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("(last change: decision recorded at "),
        "{}",
        page.body
    );
    // The summary links to the message beside the form, which is there to link to.
    assert!(
        page.body.contains(
            "<a href=\"#decision-to-assess-error\">The case has moved on: it is now at the stage"
        ) && page.body.contains("id=\"decision-to-assess-error\""),
        "{}",
        page.body
    );
    assert_eq!(decisions(&db, &torbay, first), 1);

    // A reason the Regulations do not list for this limit: refused, naming the field.
    let exception_dates: Vec<(String, &str)> = today("applies_from")
        .into_iter()
        .chain(today("family_told_on"))
        .collect();
    let fields = [
        ("deadline", "decide_whether_to_assess"),
        ("limb", "missed_appointment"),
        ("evidence", "Letter from the clinic."),
    ];
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{second}/exceptions"),
            &form(&fields, &exception_dates),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("<a href=\"#exceptions-limb-1\">Reason, as the Regulations list it: missed_appointment is not an exception"), "{}", page.body);

    // A listed reason: the limit is disapplied, its date unchanged, and the page says so.
    let due_before = db.read(|tx| tx.list_deadlines(&torbay, second)).unwrap();
    let fields = [
        ("deadline", "decide_whether_to_assess"),
        ("limb", "personal_circumstances"),
        ("evidence", "Family bereavement; letter on file."),
    ];
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{second}/exceptions"),
            &form(&fields, &exception_dates),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let deadlines = db.read(|tx| tx.list_deadlines(&torbay, second)).unwrap();
    let limit = deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::DecideWhetherToAssess)
        .unwrap();
    assert_eq!(limit.status, DeadlineStatus::Disapplied);
    assert_eq!(
        Some(limit.due_on),
        due_before
            .iter()
            .find(|d| d.kind == DeadlineKind::DecideWhetherToAssess)
            .map(|d| d.due_on)
    );
    let body = squeezed(&browser.get(&app, &page_of(second)).await.body);
    assert!(
        body.contains("Family bereavement; letter on file."),
        "{body}"
    );
    assert!(
        body.contains("SEND Regulations 2014 reg. 5(4)(b)"),
        "{body}"
    );
    assert!(body.contains("Disapplied"), "{body}");
    assert!(
        !body.contains(&format!("href=\"/cases/{second}/exceptions\"")),
        "nothing left to disapply: {body}"
    );

    // Asking for advice with no plugin in force says so, and records nothing.
    let advice_before = db
        .read(|tx| tx.advice_for_case(&torbay, &second))
        .unwrap()
        .len();
    let dates = today("as_at");
    let fields = [
        ("nc_year", "4"),
        ("need-communication-level", "significant"),
    ];
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{second}/graduated-response-advice"),
            &form(&fields, &dates),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("no policy plugin in force"),
        "{}",
        page.body
    );
    assert_eq!(
        db.read(|tx| tx.advice_for_case(&torbay, &second))
            .unwrap()
            .len(),
        advice_before
    );
    // A half-filled support cycle is named field by field.
    let fields = [("nc_year", "4"), ("cycle1-area", "cognition")];
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{second}/graduated-response-advice"),
            &form(&fields, &dates),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("<a href=\"#graduated-response-advice-cycle1-started-day\">Enter the day support cycle 1 started</a>"), "{}", page.body);
    assert!(page.body.contains("<a href=\"#graduated-response-advice-cycle1-outcome\">Select the outcome of support cycle 1</a>"), "{}", page.body);

    // A panel member reads a case only through a sitting's papers: the case page is
    // refused without showing the child, no form is offered, and none can be posted.
    let mut member = Browser::default();
    member.sign_in(&app, PSYCHOLOGIST).await;
    let reads_before = access_reads(&db, &torbay);
    let page = member.get(&app, &page_of(second)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    let child = db
        .read(|tx| tx.get_child(&torbay, case(&db, &torbay, second).child_id))
        .unwrap();
    assert!(
        !page.body.contains(child.family_name.as_str()),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Record the next step"), "{}", page.body);
    let letters = format!("/cases/{second}/letters/0190b3c4-0000-7000-8000-000000000000");
    assert_eq!(
        member.get(&app, &letters).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        access_reads(&db, &torbay),
        reads_before,
        "a refused read is not recorded"
    );
    let step = member
        .get(&app, &format!("/cases/{second}/graduated-response-advice"))
        .await;
    assert_eq!(step.status, StatusCode::FORBIDDEN);
    let fields = [("decision", "assess"), ("reasons", "May need a plan.")];
    let page = member
        .submit(
            &app,
            "/sittings",
            &format!("/cases/{second}/decision-to-assess"),
            &form(&fields, &reasons_dates),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(decisions(&db, &torbay, second), 0);

    // Unknown commands and other authorities' cases are not found.
    let wiltshire = AuthorityScope::new(AuthorityId::parse("wiltshire").unwrap());
    let theirs = db.read(|tx| tx.list_cases(&wiltshire)).unwrap()[0].id;
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{theirs}/decision-to-assess"),
            &form(&fields, &reasons_dates),
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = browser
        .submit(
            &app,
            &page_of(second),
            &format!("/cases/{second}/no-such-step"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// A case's step pages in a real browser, checked by axe-core at each step.
async fn in_chromium(db: Database, save: bool) {
    let _slot = exclusive().await;
    let (base, server) = serve_demo(&db);
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let id = db
        .read(|tx| tx.list_cases(&torbay))
        .unwrap()
        .into_iter()
        .find(|c| {
            matches!(
                c.stage,
                CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
            )
        })
        .unwrap()
        .id;
    with_browsers(1, move |clients| async move {
        {
            let client = clients.into_iter().next().unwrap();
            support::chromium::sign_in(&client, &base, ADMIN).await;
            // The case page links to each step; the decision opens on a page of its own.
            client.goto(&format!("{base}/cases/{id}")).await.unwrap();
            client
                .find(Locator::LinkText("Record the decision whether to assess"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for(&client, "//h1[@id='decision-to-assess']").await;
            screenshot(&client, "case-step", save).await;
            axe(&client, "case-step").await;

            // Refuse with no reasons: the error summary names the field.
            click(&client, "#decision-to-assess-decision-2").await;
            click(&client, "main button[type=submit]").await;
            let summary = wait_for(&client, "//div[contains(@class,'govuk-error-summary')]").await;
            assert!(
                summary
                    .text()
                    .await
                    .unwrap()
                    .contains("Reasons: a decision must give its reasons")
            );
            axe(&client, "case-error").await;

            // With reasons, assess: the page says so and shows the new stage.
            click(&client, "#decision-to-assess-decision-1").await;
            fill(
                &client,
                "decision-to-assess-reasons",
                "The child may need provision through a plan.",
            )
            .await;
            click(&client, "main button[type=submit]").await;
            wait_for(
                &client,
                "//div[contains(@class,'govuk-notification-banner--success')]",
            )
            .await;
            let main = main_text(&client).await;
            assert!(main.contains("Decision recorded"), "{main}");
            assert!(main.contains("Assessing"), "{main}");
            screenshot(&client, "case-decided", save).await;
            axe(&client, "case-decided").await;

            // A decision may be appealed: the appeal's page, its dates and the case's
            // decisions as radios, and its refusal with every field named.
            client
                .find(Locator::LinkText("Record an appeal to the Tribunal"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for(&client, "//h1[@id='appeal']").await;
            axe(&client, "appeal-step").await;
            click(&client, "main button[type=submit]").await;
            let summary = wait_for(&client, "//div[contains(@class,'govuk-error-summary')]").await;
            assert!(
                summary
                    .text()
                    .await
                    .unwrap()
                    .contains("Select the decision appealed")
            );
            axe(&client, "appeal-error").await;
        }
    })
    .await;
    server.stop(false).await;
    assert_eq!(case(&db, &torbay, id).stage, CaseStage::Assessing);
}

#[actix_web::test]
async fn case_forms_in_chromium_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    in_chromium(db.db.clone(), true).await;
}

#[actix_web::test]
async fn case_forms_in_chromium_on_postgres() {
    let db = TestDb::postgres().unwrap();
    in_chromium(db.db.clone(), false).await;
}

#[actix_web::test]
async fn case_pages_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn case_pages_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}

/// How many reads of children's records the authority's access log holds.
fn access_reads(db: &Database, scope: &AuthorityScope) -> i64 {
    db.read(|tx| tx.count_access(scope, &sendpanel_core::access::AccessFilter::default()))
        .unwrap()
}

/// Issue 14: the advice form lists the case's documents (file name and id) beside each
/// evidence box, and advice citing an id that is not one of them is refused beside the
/// box it was typed in, recording nothing.
async fn evidence_scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let app = support::app(support::demo_state(&db)).await;
    let case = db
        .read(|tx| tx.list_cases(&torbay))
        .unwrap()
        .into_iter()
        .find(|c| c.stage == CaseStage::RequestReceived)
        .unwrap()
        .id;
    let uploader = db
        .read(|tx| tx.list_users(&torbay))
        .unwrap()
        .into_iter()
        .find(|u| u.role == sendpanel_core::domain::UserRole::Caseworker)
        .unwrap();
    let real = sendpanel_tests::cited::upload_documents(
        &db,
        &torbay,
        case,
        uploader.id,
        support::clock().0,
        &["ep-report".to_owned()],
    )
    .unwrap();
    let document = &real["ep-report"];

    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let step_path = format!("/cases/{case}/graduated-response-advice");
    let step = browser.get(&app, &step_path).await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    assert!(
        step.body
            .contains(&format!("On this case: ep-report.txt ({document})")),
        "{}",
        step.body
    );

    let advice_before = db.read(|tx| tx.advice_for_case(&torbay, &case)).unwrap();
    let cited = format!("{document}, doc-ep-1");
    let dates = today("as_at");
    let fields = [
        ("nc_year", "4"),
        ("need-communication-level", "significant"),
        ("need-communication-evidence", cited.as_str()),
    ];
    let page = browser
        .submit(
            &app,
            &format!("/cases/{case}"),
            &step_path,
            &form(&fields, &dates),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("href=\"#graduated-response-advice-need-communication-evidence\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("doc-ep-1")
            && page
                .body
                .contains("is not a document on this case; upload it first and cite its id"),
        "{}",
        page.body
    );
    assert_eq!(
        db.read(|tx| tx.advice_for_case(&torbay, &case))
            .unwrap()
            .len(),
        advice_before.len()
    );
}

#[actix_web::test]
async fn advice_form_evidence_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    evidence_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn advice_form_evidence_on_postgres() {
    let db = TestDb::postgres().unwrap();
    evidence_scenario(db.db.clone()).await;
}
