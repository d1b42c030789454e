//! The pages in a real browser: headless Chromium (Debian's `chromium`), driven through
//! `chromedriver` (Debian's `chromium-driver`) by fantoccini, against the real server on
//! a loopback port over the demo data. A caseworker signs in, opens the new request
//! form, submits it empty and sees the GOV.UK error summary, fills it in, and lands on
//! the case page with the 6-week limit and its rule. On SQLite and PostgreSQL. axe-core runs on every page and
//! finds no serious or critical violation. Full-page screenshots of each page are saved
//! under `target/screenshots/` as test artefacts.
//!
//! Never skipped: without Chromium or chromedriver the test fails and names the packages
//! (`bash .ci/run` installs them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use crate::support::chromium::{
    axe, click, exclusive, fill, main_text, screenshot, serve_demo, sign_in, wait_for,
    with_browsers,
};
use crate::support::{ADMIN, CASEWORKER, CHAIR, DEMO_PASSWORD, PSYCHOLOGIST, SEN_MANAGER};
use chrono::{Datelike, NaiveDate};
use fantoccini::{Client, Locator};
use sendpanel_core::store::Database;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::upn;

/// The caseworker's journey, with a screenshot and an axe-core run on each page.
async fn steps(client: &Client, base: &str, save: bool) {
    // Not signed in: sent to sign in.
    client.goto(&format!("{base}/caseload")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/sign-in");
    client.find(Locator::Css("h1")).await.unwrap();
    screenshot(client, "sign-in", save).await;
    axe(client, "sign-in").await;

    fill(client, "email", CASEWORKER).await;
    fill(client, "password", DEMO_PASSWORD).await;
    client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//h1[normalize-space()='My cases']"))
        .await
        .unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/");
    screenshot(client, "caseload", save).await;
    axe(client, "caseload").await;

    // The new request form, submitted empty: the GOV.UK error summary.
    client.goto(&format!("{base}/requests/new")).await.unwrap();
    let heading = client.find(Locator::Css("h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), "Log a new request");
    axe(client, "new-request").await;
    client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".govuk-error-summary"))
        .await
        .unwrap();
    let text = summary.text().await.unwrap();
    assert!(text.contains("There is a problem"), "{text}");
    for message in [
        "Enter the child's family name",
        "Enter the date the request was received",
        "Select who made the request",
        "Enter a summary of the request",
    ] {
        assert!(text.contains(message), "{message} in {text}");
    }
    assert!(client.title().await.unwrap().starts_with("Error: "));
    // GOV.UK Frontend's JavaScript moves focus to the summary.
    let focused = client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("class").await.unwrap().as_deref(),
        Some("govuk-error-summary"),
        "focus on the error summary"
    );
    screenshot(client, "error-summary", save).await;
    axe(client, "error-summary").await;

    // Filled in: the case page with the 6-week limit and its rule.
    let received = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let good_upn = upn(880, 902).to_string();
    for (id, text) in [
        ("given_name", "Robin"),
        ("family_name", "Browser"),
        ("date_of_birth-day", "14"),
        ("date_of_birth-month", "3"),
        ("date_of_birth-year", "2016"),
        ("upn", good_upn.as_str()),
        ("received_on-day", &received.day().to_string()),
        ("received_on-month", &received.month().to_string()),
        ("received_on-year", &received.year().to_string()),
        ("requester", "Ms R. Browser, parent"),
        (
            "summary",
            "Speech and language support since Reception; little progress.",
        ),
    ] {
        fill(client, id, text).await;
    }
    // Each option is labelled with its own words, not the question's.
    let parent = client
        .find(Locator::Css("input[name=requested_by][value=parent]"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    let label = client
        .find(Locator::Css(&format!("label[for='{parent}']")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(label, "Parent");
    let setting = client
        .find(Locator::Css("#setting_type option[value=mainstream]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(setting, "Mainstream");
    client
        .find(Locator::Css("input[name=requested_by][value=parent]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for (name, value) in [("setting_type", "mainstream"), ("primary_need", "SLCN")] {
        client
            .find(Locator::Id(name))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }
    client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath("//h1[normalize-space()='Robin Browser']"))
        .await
        .unwrap();
    let url = client.current_url().await.unwrap();
    assert!(url.path().starts_with("/cases/"), "{url}");
    let main = client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let due = (received + chrono::Days::new(42))
        .format("%-d %B %Y")
        .to_string();
    assert!(
        main.contains(&due),
        "6 weeks after {received}: {due} in {main}"
    );
    assert!(main.contains("Decide whether to assess"), "{main}");
    assert!(main.contains("reg. 5(1)"), "the rule: {main}");
    assert!(main.contains("Ms R. Browser, parent"), "{main}");
    screenshot(client, "case", save).await;
    axe(client, "case").await;

    // The funding ledger, reached from the menu: its tables and its chart pass axe.
    client
        .goto(&format!("{base}/funding-ledger"))
        .await
        .unwrap();
    let main = main_text(client).await;
    assert!(main.contains("Funding ledger"), "{main}");
    screenshot(client, "funding-ledger", save).await;
    axe(client, "funding-ledger").await;
}

async fn scenario(db: Database, backend: &str) {
    let _chromium = exclusive().await;
    let screenshots = backend == "SQLite";
    let started = Instant::now();
    let (base, handle) = serve_demo(&db);
    with_browsers(1, move |clients| async move {
        steps(&clients[0], &base, screenshots).await;
    })
    .await;
    handle.stop(false).await;
    println!("browser scenario on {backend} took {:?}", started.elapsed());
}

/// The text of the live tally's `field` cell in the first agenda row.
async fn tally_cell(client: &Client, item: &str, field: &str) -> String {
    client
        .find(Locator::Css(&format!(
            "#tally tr[data-item='{item}'] [data-live='{field}']"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits (up to 5 s) for the watcher's tally cell to read `expected`, without reloading.
async fn until_cell(client: &Client, item: &str, field: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = tally_cell(client, item, field).await;
        if text.starts_with(expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the watcher's {field} cell shows {text:?}, not {expected:?}, 5 s after the change"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Votes on the papers page: a choice and a reason.
async fn vote(client: &Client, base: &str, item: &str, choice: &str, reason: &str) {
    client
        .goto(&format!("{base}/agenda-items/{item}"))
        .await
        .unwrap();
    click(client, &format!("input[name=choice][value={choice}]")).await;
    fill(client, "reason", reason).await;
    click(client, "#cast-vote").await;
    wait_for(client, "//p[contains(., 'You voted')]").await;
}

/// Two members and a chair hold the demo's sitting while a caseworker watches the
/// tally change without reloading: the chair opens it and marks a fourth member
/// present, the members join and vote (one of them after a refused empty reason), and
/// the chair decides the item with reasons.
async fn sitting_steps(clients: Vec<Client>, base: String, save: bool) {
    let [chair, psychologist, manager, watcher] = clients.as_slice() else {
        panic!("four browsers");
    };
    for (client, email) in [
        (chair, CHAIR),
        (psychologist, PSYCHOLOGIST),
        (manager, SEN_MANAGER),
        (watcher, CASEWORKER),
    ] {
        sign_in(client, &base, email).await;
    }

    // The chair lands on their sittings and opens the demo's.
    assert_eq!(chair.current_url().await.unwrap().path(), "/sittings");
    wait_for(chair, "//h1[normalize-space()='My sittings']").await;
    screenshot(chair, "sittings", save).await;
    axe(chair, "sittings").await;
    click(chair, "main table a").await;
    wait_for(chair, "//h1[normalize-space()='SEN Panel']").await;
    let sitting = chair.current_url().await.unwrap().to_string();
    click(chair, "#open-sitting").await;
    wait_for(chair, "//dd[@data-live='status'][normalize-space()='Open']").await;
    // Opening it marks the chair present.
    assert!(
        chair.find(Locator::Css("#join-sitting")).await.is_err(),
        "the chair is already present"
    );
    // The SENCO is in the room without a laptop: the chair marks them present.
    wait_for(chair, "//button[contains(., 'Tom Carthew')]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(chair, "//h1[normalize-space()='SEN Panel']").await;

    // The watcher follows the sitting; the script says when it is live.
    watcher.goto(&sitting).await.unwrap();
    wait_for(
        watcher,
        "//p[@id='live-note'][contains(., 'updates as members vote')]",
    )
    .await;
    watcher
        .execute("window.sendpanelNoReload = true;", vec![])
        .await
        .unwrap();
    let item = watcher
        .find(Locator::Css("#tally tbody tr"))
        .await
        .unwrap()
        .attr("data-item")
        .await
        .unwrap()
        .unwrap();

    // The members join; the watcher sees quorum met for the first item.
    for member in [psychologist, manager] {
        member.goto(&sitting).await.unwrap();
        click(member, "#join-sitting").await;
        wait_for(member, "//h1[normalize-space()='SEN Panel']").await;
    }
    until_cell(watcher, &item, "quorum", "Met").await;
    // And the list of members follows: four present, still without a reload.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut present = 0;
        for tag in watcher
            .find_all(Locator::Css("#members [data-live='member']"))
            .await
            .unwrap()
        {
            if tag.text().await.unwrap() == "Present" {
                present += 1;
            }
        }
        if present == 4 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the watcher's member list shows {present} present, not 4"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The psychologist's empty reason is refused, naming the field.
    psychologist
        .goto(&format!("{base}/agenda-items/{item}"))
        .await
        .unwrap();
    screenshot(psychologist, "papers", save).await;
    axe(psychologist, "papers").await;
    let labels: Vec<String> = {
        let mut texts = Vec::new();
        for label in psychologist
            .find_all(Locator::Css("label.govuk-radios__label"))
            .await
            .unwrap()
        {
            texts.push(label.text().await.unwrap());
        }
        texts
    };
    assert_eq!(
        labels,
        ["Agree", "Disagree", "Abstain"],
        "each choice labelled"
    );
    click(psychologist, "input[name=choice][value=agree]").await;
    click(psychologist, "#cast-vote").await;
    let summary = wait_for(
        psychologist,
        "//div[contains(@class,'govuk-error-summary')]",
    )
    .await;
    assert!(
        summary.text().await.unwrap().contains("Reason"),
        "the field named"
    );
    axe(psychologist, "papers-error").await;
    assert_eq!(tally_cell(watcher, &item, "agree").await, "0");

    // Votes reach the watcher without a reload.
    vote(
        psychologist,
        &base,
        &item,
        "agree",
        "May have SEN; the test is met.",
    )
    .await;
    until_cell(watcher, &item, "agree", "1").await;
    vote(
        manager,
        &base,
        &item,
        "disagree",
        "Wait for the next review.",
    )
    .await;
    until_cell(watcher, &item, "disagree", "1").await;
    until_cell(watcher, &item, "view", "Tied").await;

    // The chair casts the deciding view with reasons; the watcher sees it decided.
    chair
        .goto(&format!("{base}/agenda-items/{item}"))
        .await
        .unwrap();
    click(chair, "input[name=decision][value=assess]").await;
    fill(
        chair,
        "reasons",
        "The child may have special educational needs and a plan may be necessary.",
    )
    .await;
    screenshot(chair, "chair-decides", save).await;
    axe(chair, "chair-decides").await;
    click(chair, "#close-item").await;
    wait_for(chair, "//h1[normalize-space()='SEN Panel']").await;
    until_cell(watcher, &item, "item-status", "Decided").await;
    let still = watcher
        .execute("return window.sendpanelNoReload === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        still,
        serde_json::Value::Bool(true),
        "the watcher never reloaded"
    );
    screenshot(watcher, "sitting", save).await;
    axe(watcher, "sitting").await;
    assert!(main_text(watcher).await.contains("Decided"));
}

async fn sitting_scenario(db: Database, backend: &str) {
    let _chromium = exclusive().await;
    let save = backend == "SQLite";
    let started = Instant::now();
    let (base, handle) = serve_demo(&db);
    with_browsers(4, move |clients| sitting_steps(clients, base, save)).await;
    handle.stop(false).await;
    println!(
        "sitting in browsers on {backend} took {:?}",
        started.elapsed()
    );
}

/// An authority admin uploads Torbay's policy plugin through the page and sees it
/// checked and its own test vectors passing; then a file that is no plugin at all is
/// refused with the reason.
async fn admin_steps(client: Client, base: String, plugin: std::path::PathBuf, save: bool) {
    sign_in(&client, &base, ADMIN).await;
    client.goto(&format!("{base}/admin/plugins")).await.unwrap();
    wait_for(&client, "//h1[normalize-space()='Policy plugins']").await;
    axe(&client, "admin-plugins").await;
    client
        .find(Locator::Id("plugin"))
        .await
        .unwrap()
        .send_keys(&plugin.display().to_string())
        .await
        .unwrap();
    click(&client, "main form button[type=submit]").await;
    wait_for(&client, "//h1[normalize-space()='Plugin checked']").await;
    let vectors = wait_for(
        &client,
        "//table[caption[normalize-space()='Test vectors']]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(vectors.contains("Passed"), "{vectors}");
    assert!(!vectors.contains("Failed"), "{vectors}");
    screenshot(&client, "admin-plugin-checked", save).await;
    axe(&client, "admin-plugin-checked").await;

    // Not a plugin: refused, with the reason.
    let junk = tempfile::Builder::new().suffix(".wasm").tempfile().unwrap();
    std::fs::write(junk.path(), b"this is not a WebAssembly component").unwrap();
    client.goto(&format!("{base}/admin/plugins")).await.unwrap();
    client
        .find(Locator::Id("plugin"))
        .await
        .unwrap()
        .send_keys(&junk.path().display().to_string())
        .await
        .unwrap();
    click(&client, "main form button[type=submit]").await;
    wait_for(&client, "//h1[normalize-space()='Plugin refused']").await;
    axe(&client, "admin-plugin-refused").await;
}

async fn admin_scenario(db: Database, backend: &str) {
    // Built (as the SDK builds it) before Chromium starts, outside the async steps.
    let plugin = sendpanel_tests::plugins::wasm_path("sendpanel-plugin-torbay");
    let _chromium = exclusive().await;
    let save = backend == "SQLite";
    let (base, handle) = serve_demo(&db);
    with_browsers(1, move |clients| async move {
        let client = clients.into_iter().next().unwrap();
        admin_steps(client, base, plugin, save).await;
    })
    .await;
    handle.stop(false).await;
}

#[actix_web::test]
async fn caseworker_logs_a_request_in_chromium_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone(), "SQLite").await;
}

#[actix_web::test]
async fn caseworker_logs_a_request_in_chromium_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone(), "PostgreSQL").await;
}

#[actix_web::test]
async fn a_panel_sits_in_chromium_while_a_caseworker_watches_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    sitting_scenario(db.db.clone(), "SQLite").await;
}

#[actix_web::test]
async fn a_panel_sits_in_chromium_while_a_caseworker_watches_on_postgres() {
    let db = TestDb::postgres().unwrap();
    sitting_scenario(db.db.clone(), "PostgreSQL").await;
}

#[actix_web::test]
async fn an_admin_uploads_a_plugin_in_chromium_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    admin_scenario(db.db.clone(), "SQLite").await;
}

#[actix_web::test]
async fn an_admin_uploads_a_plugin_in_chromium_on_postgres() {
    let db = TestDb::postgres().unwrap();
    admin_scenario(db.db.clone(), "PostgreSQL").await;
}
