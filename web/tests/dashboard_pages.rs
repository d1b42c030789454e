//! The dashboard in process, on SQLite and PostgreSQL, over the demo data with a few
//! decisions added: every signed-in role of the authority sees it; each figure
//! `reports::dashboard` computes is on the page, in a chart's description and in its
//! table; each chart is one `<svg role="img">` with a title and a description and a
//! table beside it; a share with nothing to count says so in words, never 0%. In
//! headless Chromium, axe-core finds no serious or critical violation on it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use crate::support::chromium::{axe, exclusive, main_text, screenshot, serve_demo, with_browsers};
use crate::support::{ADMIN, Browser, CASEWORKER, CHAIR, PSYCHOLOGIST, clock};
use actix_web::http::StatusCode;
use sendpanel_core::domain::{AuthorityId, CaseStage, UserId};
use sendpanel_core::reports::{self, Indicator, Period, Target, TargetDirection, dashboard};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::Clock;
use sendpanel_core::workflow::{
    self, AssessDecision, DecideWhetherToAssess, NextStepsOutcome, RecordNextStepsOutcome,
};
use sendpanel_tests::TestDb;

/// The charts the page draws, by id.
const CHARTS: [&str; 8] = [
    "requests",
    "assess-timeliness",
    "final-plans",
    "refusals",
    "next-steps",
    "mediations",
    "appeals",
    "tribunal",
];

fn user(db: &Database, scope: &AuthorityScope, email: &str) -> UserId {
    db.read(|tx| tx.list_users(scope))
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == email)
        .unwrap()
        .id
}

/// The page with whitespace between tags squeezed, so table rows can be matched whole.
fn squeezed(body: &str) -> String {
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn row(header: &str, figure: &str) -> String {
    format!(
        "<th scope=\"row\" class=\"govuk-table__header\">{header}</th> <td class=\"govuk-table__cell govuk-table__cell--numeric\">{figure}</td>"
    )
}

async fn scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let state = support::demo_state(&db);
    let holidays = state.holidays.clone();
    let app = support::app(state).await;
    let mut browser = Browser::default();

    // Not signed in: sent to sign in.
    let page = browser.get(&app, "/dashboard").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/sign-in"));

    // Before any decision: the shares say so in words, and every request is pending.
    browser.sign_in(&app, PSYCHOLOGIST).await;
    let page = browser.get(&app, "/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = squeezed(&page.body);
    let board = dashboard(&db, &torbay).unwrap();
    assert!(board.assessment_outcomes.pending >= 10, "{board:?}");
    assert!(
        body.contains(&row("Share within 6 weeks", "No decisions yet")),
        "{body}"
    );
    assert!(
        body.contains(&row(
            "Refusal rate (of decided requests)",
            "No decisions yet"
        )),
        "{body}"
    );
    assert!(
        body.contains(&row(
            "Not yet decided (not in the rate)",
            &board.assessment_outcomes.pending.to_string()
        )),
        "{body}"
    );
    assert!(
        !body.contains(">0%<"),
        "never 0% for nothing counted: {body}"
    );

    // Three decisions (two assess, one refuse) and a next-steps outcome.
    let chair = user(&db, &torbay, CHAIR);
    let caseworker = user(&db, &torbay, CASEWORKER);
    let cases: Vec<_> = db
        .read(|tx| tx.list_cases(&torbay))
        .unwrap()
        .into_iter()
        .filter(|c| {
            matches!(
                c.stage,
                CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
            )
        })
        .take(3)
        .collect();
    assert_eq!(cases.len(), 3);
    let today = clock().today();
    for (case, decision) in cases.iter().zip([
        AssessDecision::Assess,
        AssessDecision::Assess,
        AssessDecision::Refuse,
    ]) {
        workflow::decide_whether_to_assess(
            &db,
            &torbay,
            case.id,
            &DecideWhetherToAssess {
                decision,
                reasons: "The child may have special educational needs.".into(),
                departure_reason: None,
                decided_by: chair,
                decided_on: today,
            },
            &holidays,
            &clock(),
        )
        .unwrap();
    }
    workflow::record_next_steps_outcome(
        &db,
        &torbay,
        cases[2].id,
        &RecordNextStepsOutcome {
            met_on: today,
            outcome: NextStepsOutcome::NoFurtherAction,
            notes: "Support agreed at SEN support.".into(),
        },
        caseworker,
        &clock(),
    )
    .unwrap();
    let board = dashboard(&db, &torbay).unwrap();
    assert_eq!(board.decisions_to_assess.total, 3);
    assert_eq!(board.assessment_outcomes.refused, 1);

    // Every role of the authority sees the same figures.
    for who in [CASEWORKER, ADMIN, CHAIR] {
        let mut browser = Browser::default();
        browser.sign_in(&app, who).await;
        let page = browser.get(&app, "/dashboard").await;
        assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.body);
        assert!(
            page.body
                .contains("<h1 class=\"govuk-heading-l\">Dashboard</h1>")
        );
    }
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let page = browser.get(&app, "/dashboard").await;
    let body = squeezed(&page.body);

    // One accessible chart and one table per figure.
    assert_eq!(page.body.matches("<svg").count(), CHARTS.len(), "{body}");
    // A table per chart, the scrutiny table and the plan report's four.
    assert_eq!(
        page.body.matches("<table class=\"govuk-table\">").count(),
        CHARTS.len() + 5
    );
    for id in CHARTS {
        let svg = format!("role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"");
        assert!(body.contains(&svg), "{svg} in {body}");
        assert!(
            body.contains(&format!("<title id=\"{id}-title\">")),
            "{id} title"
        );
        assert!(
            body.contains(&format!("<desc id=\"{id}-desc\">")),
            "{id} desc"
        );
    }

    // Requests per month: each month's count in the table and the chart's description.
    assert!(!board.requests_per_month.is_empty());
    for month in &board.requests_per_month {
        let name = chrono::NaiveDate::parse_from_str(&format!("{}-01", month.month), "%Y-%m-%d")
            .unwrap()
            .format("%B %Y")
            .to_string();
        assert!(
            body.contains(&row(&name, &month.requests.to_string())),
            "{name} in {body}"
        );
        assert!(
            body.contains(&format!("{name}: {}", month.requests)),
            "{name} in the description"
        );
    }

    // Decisions within 6 weeks, with their share.
    let assess = board.decisions_to_assess;
    assert!(
        body.contains(&row("Decisions made", &assess.total.to_string())),
        "{body}"
    );
    assert!(
        body.contains(&row("Within 6 weeks", &assess.within_limit.to_string())),
        "{body}"
    );
    assert!(
        body.contains(&row(
            "Share within 6 weeks",
            &format!("{}%", assess.percent().unwrap())
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!("Within 6 weeks: {}", assess.within_limit)),
        "{body}"
    );

    // Refusals over decided requests, pending apart.
    let outcomes = board.assessment_outcomes;
    assert_eq!(outcomes.refusal_percent(), Some(33));
    assert!(
        body.contains(&row("Agreed to assess", &outcomes.agreed.to_string())),
        "{body}"
    );
    assert!(
        body.contains(&row("Refused", &outcomes.refused.to_string())),
        "{body}"
    );
    assert!(
        body.contains(&row("Refusal rate (of decided requests)", "33%")),
        "{body}"
    );
    assert!(
        body.contains(&row(
            "Not yet decided (not in the rate)",
            &outcomes.pending.to_string()
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!("Not yet decided: {}", outcomes.pending)),
        "{body}"
    );

    // Final plans: none yet, said in words for both rows.
    assert_eq!(board.final_plans.total, 0);
    assert!(body.contains(
        "<td class=\"govuk-table__cell govuk-table__cell--numeric\">No plans issued yet</td>"
    ));

    // Next-steps outcomes by name.
    assert_eq!(board.next_steps_outcomes.get("no_further_action"), Some(&1));
    assert!(body.contains(&row("No further action", "1")), "{body}");
    assert!(body.contains("No further action: 1"), "{body}");

    // Mediations, appeals, tribunals: nothing yet, said plainly (a 0% above is a
    // real figure: the demo's requests are old, so these decisions came late).
    assert!(body.contains(&row("Requested", "0")), "{body}");
    assert!(
        body.contains(&row("Share in time", "No appeals yet")),
        "{body}"
    );
    assert!(body.contains("No Tribunal decisions yet"), "{body}");
}

/// The dashboard in a real browser: eight charts drawn, and axe-core satisfied.
async fn in_chromium(db: Database, save: bool) {
    let _slot = exclusive().await;
    let (base, server) = serve_demo(&db);
    with_browsers(1, move |clients| async move {
        {
            let client = clients.into_iter().next().unwrap();
            support::chromium::sign_in(&client, &base, CASEWORKER).await;
            client.goto(&format!("{base}/dashboard")).await.unwrap();
            let charts = client
                .execute(
                    "return document.querySelectorAll('main svg[role=img]').length;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(charts.as_u64(), Some(CHARTS.len() as u64));
            assert!(
                main_text(&client)
                    .await
                    .contains("Requests received per month")
            );
            screenshot(&client, "dashboard", save).await;
            axe(&client, "dashboard").await;
            // The transitions table, a report beside it, passes axe too.
            client.goto(&format!("{base}/transitions")).await.unwrap();
            assert!(main_text(&client).await.contains("Secondary to post-16"));
            axe(&client, "transitions").await;
        }
    })
    .await;
    server.stop(false).await;
}

#[actix_web::test]
async fn dashboard_in_chromium_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    in_chromium(db.db.clone(), true).await;
}

#[actix_web::test]
async fn dashboard_in_chromium_on_postgres() {
    let db = TestDb::postgres().unwrap();
    in_chromium(db.db.clone(), false).await;
}

#[actix_web::test]
async fn dashboard_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

/// The tables as CSV, on SQLite and PostgreSQL: the scrutiny table has the rows
/// `reports::scrutiny` computes for the period asked for, with the authority's targets
/// and their sources; a source that would run as a spreadsheet formula comes out
/// prefixed with `'`; a period that leaves every request out says so; a bad period is
/// refused naming its field.
async fn csv_scenario(db: Database) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let mut state = support::demo_state(&db);
    let mut configs = (*state.authorities).clone();
    let config = configs
        .iter_mut()
        .find(|c| c.id.as_str() == "torbay")
        .unwrap();
    config.targets.push(Target {
        indicator: Indicator::DecisionsWithinSixWeeks,
        value: 90,
        direction: TargetDirection::AtLeast,
        amber_within: 5,
        from: None,
        source: "=HYPERLINK(\"http://example.invalid\",\"x\")".into(),
        illustrative: true,
    });
    let targets = config.targets.clone();
    state.authorities = std::sync::Arc::new(configs);
    let app = support::app(state).await;
    let mut browser = Browser::default();

    let page = browser.get(&app, "/dashboard/scrutiny.csv").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    browser.sign_in(&app, CASEWORKER).await;

    let quarter = Period::new(date(2026, 10, 1), date(2026, 12, 31)).unwrap();
    let page = browser
        .get(
            &app,
            "/dashboard/scrutiny.csv?from=2026-10-01&to=2026-12-31",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let rows = csv_rows(&page.body);
    assert_eq!(
        rows[0],
        [
            "Indicator",
            "Latest",
            "Period",
            "Previous",
            "Previous period",
            "Direction of travel",
            "Target",
            "RAG",
            "England",
            "Target source"
        ]
    );
    let expected = reports::scrutiny(&db, &torbay, &targets, &quarter).unwrap();
    assert_eq!(rows.len(), 1 + expected.rows.len());
    for (got, want) in rows[1..].iter().zip(&expected.rows) {
        assert_eq!(got[0], want.indicator.label());
        assert_eq!(got[1], want.latest.text());
        assert_eq!(got[2], "Q3 2026/27");
        assert_eq!(got[3], want.previous.text());
        assert_eq!(got[4], "Q2 2026/27");
        assert_eq!(got[5], want.travel_text());
        assert_eq!(got[7], want.rag.label());
        assert_eq!(got[8], "Not in the record");
    }
    let row = |label: &str| rows.iter().find(|r| r[0] == label).unwrap().clone();
    // Torbay's own target, from its authority.toml, with its source.
    let requests = row(Indicator::RequestsPerMonth.label());
    assert_eq!(requests[6], "At most 15 a month");
    assert!(
        requests[9].contains("torbay-pack-part1.md L151"),
        "{requests:?}"
    );
    // The added target's source would run as a formula: it comes out prefixed.
    let timely = row(Indicator::DecisionsWithinSixWeeks.label());
    assert_eq!(timely[6], "At least 90% (illustrative)");
    assert_eq!(timely[9], "'=HYPERLINK(\"http://example.invalid\",\"x\")");
    assert!(rows.iter().flatten().all(|cell| !cell.starts_with('=')));

    // The page offers the same table for the same period.
    let page = browser
        .get(&app, "/dashboard?from=2026-10-01&to=2026-12-31")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = page.body.replace("&#x3D;", "=").replace("&amp;", "&");
    assert!(body.contains("Scrutiny table"));
    assert!(
        body.contains("href=\"/dashboard/scrutiny.csv?from=2026-10-01&to=2026-12-31\""),
        "{body}"
    );

    // A period before any request: the requests table says so.
    let page = browser
        .get(
            &app,
            "/dashboard/requests.csv?from=2001-01-01&to=2001-12-31",
        )
        .await;
    assert_eq!(
        csv_rows(&page.body),
        [
            vec!["Month", "Requests received"],
            vec!["No requests received yet", "0"]
        ]
    );
    // Plans ceased by age: a row for each SEN2 band.
    let page = browser
        .get(&app, "/dashboard/plans-ceased-by-age.csv")
        .await;
    let ages = csv_rows(&page.body);
    assert_eq!(ages[0], ["Age", "Plans"]);
    let bands: Vec<&str> = ages[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        bands,
        ["0 to 4", "5 to 10", "11 to 15", "16 to 19", "20 to 25"]
    );

    // A bad period is refused, naming the field, with no figures.
    let page = browser
        .get(&app, "/dashboard?from=2026-12-31&to=2026-10-01")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("href=\"#to\""), "{}", page.body);
    assert!(page.body.contains("must be on or after the first day"));
    assert!(!page.body.contains("Scrutiny table"));
    let page = browser
        .get(&app, "/dashboard/scrutiny.csv?from=2026-10-01")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = browser.get(&app, "/dashboard/nothing.csv").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// A CSV body as rows of cells, the header first.
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[actix_web::test]
async fn dashboard_csv_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    csv_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn dashboard_csv_on_postgres() {
    let db = TestDb::postgres().unwrap();
    csv_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn dashboard_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}
