//! Issue 14 in Chromium: a caseworker adds a report to a case from the case page; a
//! panel member sees it on the papers marked "Not opened yet", opens it, and the papers
//! then mark it opened (the opening is recorded, and logged as a read of the child's
//! record); a caseworker of another authority gets "page not found" for it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Instant;

use crate::support::chromium::{
    axe, click, exclusive, fill, main_text, serve_demo, sign_in, wait_for, with_browsers,
};
use crate::support::{CASEWORKER, PSYCHOLOGIST};
use fantoccini::{Client, Locator};
use sendpanel_core::access::{AccessFilter, AccessKind};
use sendpanel_core::domain::{AgendaItemId, AuthorityId};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;

/// Wiltshire's demo caseworker.
const OUTSIDER: &str = "robin.hale@wiltshire.example";

fn torbay() -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse("torbay").unwrap())
}

/// A small real PDF on disk, for the file input.
fn report_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("EP report.pdf");
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();
    path
}

async fn steps(clients: Vec<Client>, base: String, db: Database) {
    let [member, caseworker, outsider] = clients.as_slice() else {
        panic!("three browsers");
    };
    sign_in(member, &base, PSYCHOLOGIST).await;
    sign_in(caseworker, &base, CASEWORKER).await;
    sign_in(outsider, &base, OUTSIDER).await;

    // The member's first agenda item, and the case it is about.
    member.goto(&format!("{base}/sittings")).await.unwrap();
    click(member, "main table a").await;
    let item = member
        .find(Locator::Css("#tally tbody tr"))
        .await
        .unwrap()
        .attr("data-item")
        .await
        .unwrap()
        .unwrap();
    let item_id: AgendaItemId = item.parse().unwrap();
    let case = db
        .read(|tx| tx.get_agenda_item(&torbay(), item_id))
        .unwrap()
        .case_id;

    // The caseworker adds the EP's report from the case page.
    let folder = tempfile::tempdir().unwrap();
    let file = report_file(folder.path());
    caseworker
        .goto(&format!("{base}/cases/{case}"))
        .await
        .unwrap();
    wait_for(caseworker, "//h2[normalize-space()='Documents']").await;
    caseworker
        .find(Locator::Css("#kind option[value=ep_report]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(
        caseworker,
        "author_organisation",
        "Torbay Educational Psychology Service",
    )
    .await;
    fill(caseworker, "written_on-day", "2").await;
    fill(caseworker, "written_on-month", "11").await;
    fill(caseworker, "written_on-year", "2026").await;
    click(caseworker, "#areas-cognition_and_learning").await;
    caseworker
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    click(caseworker, "form[action$='/evidence'] button[type=submit]").await;
    wait_for(caseworker, "//a[normalize-space()='EP report.pdf']").await;
    axe(caseworker, "case-with-evidence").await;
    let listed = main_text(caseworker).await;
    assert!(
        listed.contains("Educational psychologist's report")
            && listed.contains("Torbay Educational Psychology Service"),
        "{listed}"
    );

    // The member sees it on the papers, not yet opened.
    member
        .goto(&format!("{base}/agenda-items/{item}"))
        .await
        .unwrap();
    wait_for(member, "//h2[normalize-space()='Evidence']").await;
    wait_for(member, "//strong[normalize-space()='Not opened yet']").await;
    axe(member, "papers-with-evidence").await;
    let href = member
        .find(Locator::XPath("//a[normalize-space()='EP report.pdf']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    member.goto(&format!("{base}{href}")).await.unwrap();
    // Back on the papers, the document is marked opened.
    member
        .goto(&format!("{base}/agenda-items/{item}"))
        .await
        .unwrap();
    wait_for(member, "//h2[normalize-space()='Evidence']").await;
    let papers = main_text(member).await;
    assert!(!papers.contains("Not opened yet"), "{papers}");
    let reads = db
        .read(|tx| tx.list_access(&torbay(), &AccessFilter::default(), 200, 0))
        .unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r.what == AccessKind::Document && r.route.starts_with("GET /agenda-items")),
        "the member's opening is in the access log"
    );

    // Another authority's caseworker cannot reach it, from the papers or the case.
    for path in [
        href.clone(),
        href.replace(&format!("/agenda-items/{item}"), &format!("/cases/{case}")),
    ] {
        outsider.goto(&format!("{base}{path}")).await.unwrap();
        let text = main_text(outsider).await;
        assert!(text.contains("Page not found"), "{path}: {text}");
    }
}

async fn scenario(db: TestDb, backend: &str) {
    let _chromium = exclusive().await;
    let started = Instant::now();
    let (base, handle) = serve_demo(&db.db);
    let database = db.db.clone();
    with_browsers(3, move |clients| steps(clients, base, database)).await;
    handle.stop(false).await;
    println!(
        "evidence in browsers on {backend} took {:?}",
        started.elapsed()
    );
}

#[actix_web::test]
async fn a_member_opens_a_document_from_the_papers_in_chromium_on_sqlite() {
    scenario(TestDb::sqlite().unwrap(), "SQLite").await;
}

#[actix_web::test]
async fn a_member_opens_a_document_from_the_papers_in_chromium_on_postgres() {
    scenario(TestDb::postgres().unwrap(), "PostgreSQL").await;
}
