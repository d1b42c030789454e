//! A panel sitting through the pages, in process, on SQLite and PostgreSQL, over the
//! demo's SEN panel sitting: a member starts at their sittings; the chair opens the
//! sitting and marks a member present; members join, read the papers (and the reading
//! is recorded), vote with a reason, and change their vote; a vote without a reason is
//! refused naming the field and counts for nothing; a conflicted member's vote stops
//! counting; the chair decides with reasons and the case moves on; the minutes show
//! each vote and its reason. A caseworker cannot read papers; another authority's
//! sitting is not found.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use crate::support::{Browser, CASEWORKER, CHAIR, PSYCHOLOGIST, SEN_MANAGER, SENCO, clock};
use actix_web::http::StatusCode;
use sendpanel_core::domain::{AuthorityId, CaseStage, UserRole};
use sendpanel_core::panel;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::Clock;
use sendpanel_core::workflow;
use sendpanel_tests::TestDb;

/// The demo's Torbay SEN panel sitting and its agenda items, from the record.
pub(crate) fn demo_sitting(
    db: &Database,
    state: &sendpanel_web::state::AppState,
) -> (String, Vec<(String, sendpanel_core::domain::CaseId)>) {
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    let admin = db
        .read(|tx| tx.list_users(&torbay))
        .unwrap()
        .into_iter()
        .find(|u| u.role == UserRole::Admin)
        .unwrap();
    let sittings = panel::list_sittings(db, &torbay, admin.id, false).unwrap();
    assert_eq!(sittings.len(), 1, "the demo arranges one sitting");
    let sitting = &sittings[0];
    let config = state.config_of(torbay.authority()).unwrap();
    let tally = panel::sitting_tally(db, &torbay, sitting.id, config).unwrap();
    let items = tally
        .items
        .iter()
        .map(|i| (i.item.to_string(), i.case_id))
        .collect();
    (sitting.id.to_string(), items)
}

/// The number in the tally table's cell `field` of item `item`, as the page shows it.
fn cell(body: &str, item: &str, field: &str) -> String {
    let row = body
        .find(&format!("data-item=\"{item}\""))
        .unwrap_or_else(|| panic!("item {item} on the sitting page"));
    let rest = &body[row..];
    let marker = format!("data-live=\"{field}\">");
    let start = rest.find(&marker).unwrap() + marker.len();
    let end = rest[start..].find('<').unwrap() + start;
    rest[start..end].trim().to_owned()
}

async fn scenario(db: Database) {
    let state = support::demo_state(&db);
    let (sitting, items) = demo_sitting(&db, &state);
    let (item, case) = items[0].clone();
    let torbay = AuthorityScope::new(AuthorityId::parse("torbay").unwrap());
    support::record_advice(&db, &torbay, case);
    let app = support::app(state).await;
    let sitting_path = format!("/sittings/{sitting}");
    let papers_path = format!("/agenda-items/{item}");

    // The chair starts at their sittings, and the demo's is there.
    let mut chair = Browser::default();
    chair.sign_in(&app, CHAIR).await;
    let home = chair.get(&app, "/").await;
    assert_eq!(home.location.as_deref(), Some("/sittings"));
    let list = chair.get(&app, "/sittings").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("My sittings"), "{}", list.body);
    assert!(list.body.contains(&format!("href=\"{sitting_path}\"")));
    assert!(list.body.contains("SEN Panel"));

    // Scheduled: nobody can vote yet.
    let mut psychologist = Browser::default();
    psychologist.sign_in(&app, PSYCHOLOGIST).await;
    let papers = psychologist.get(&app, &papers_path).await;
    assert_eq!(papers.status, StatusCode::OK, "{}", papers.body);
    assert!(
        papers
            .body
            .contains("Voting opens when the chair opens the sitting")
    );
    assert!(!papers.body.contains("id=\"cast-vote\""));

    // The chair opens it and marks the SENCO present; the EP and SEN manager join.
    let page = chair.get(&app, &sitting_path).await;
    assert!(page.body.contains("id=\"open-sitting\""), "{}", page.body);
    let opened = chair
        .submit(&app, &sitting_path, &format!("{sitting_path}/open"), &[])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let page = chair.get(&app, &sitting_path).await;
    assert!(!page.body.contains("id=\"open-sitting\""), "opened once");
    assert!(
        page.body.contains("data-live=\"status\">Open<"),
        "{}",
        page.body
    );
    chair
        .submit(
            &app,
            &sitting_path,
            &format!("{sitting_path}/attendance"),
            &[],
        )
        .await;
    let senco_id = db
        .read(|tx| tx.list_users(&torbay))
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == SENCO)
        .unwrap()
        .id
        .to_string();
    let marked = chair
        .submit(
            &app,
            &sitting_path,
            &format!("{sitting_path}/attendance"),
            &[("member", &senco_id)],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    for member in [&mut psychologist] {
        let joined = member
            .submit(
                &app,
                &sitting_path,
                &format!("{sitting_path}/attendance"),
                &[],
            )
            .await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    }
    let mut manager = Browser::default();
    manager.sign_in(&app, SEN_MANAGER).await;
    manager
        .submit(
            &app,
            &sitting_path,
            &format!("{sitting_path}/attendance"),
            &[],
        )
        .await;
    let page = chair.get(&app, &sitting_path).await;
    assert!(
        page.body.contains("data-live=\"present\">4<"),
        "{}",
        page.body
    );
    assert_eq!(cell(&page.body, &item, "quorum"), "Met");

    // The EP reads the papers: the legal test, the child by name, and the vote form.
    let papers = psychologist.get(&app, &papers_path).await;
    assert!(papers.body.contains("s.36(8)"), "the legal test");
    assert!(papers.body.contains("id=\"cast-vote\""));
    let child = workflow::case_view(&db, &torbay, case, clock().today())
        .unwrap()
        .child_name;
    assert!(papers.body.contains(&child), "{child} in the papers");
    // The policy's advice, each criterion with its reason, as evidence for the test.
    for needle in [
        "Needs are evidenced",
        "Only one cycle of SEN support was reviewed in the last two years.",
        "Graduated response advice: Assess",
    ] {
        assert!(papers.body.contains(needle), "{needle} in {}", papers.body);
    }

    // A vote without a reason: refused, naming the field; nothing counted, and the
    // papers shown again beside it are not another opening.
    let item_id: sendpanel_core::domain::AgendaItemId = item.parse().unwrap();
    let openings = |db: &Database| {
        db.read(|tx| tx.list_paper_openings(&torbay, item_id))
            .unwrap()
            .len()
    };
    let opened_before = openings(&db);
    let refused = psychologist
        .submit(
            &app,
            &papers_path,
            &format!("{papers_path}/vote"),
            &[("choice", "agree"), ("reason", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("govuk-error-summary"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("href=\"#reason\""),
        "{}",
        refused.body
    );
    // One opening: the GET `submit` makes for the form's token; none for the refusal.
    assert_eq!(openings(&db), opened_before + 1);
    let page = chair.get(&app, &sitting_path).await;
    assert_eq!(cell(&page.body, &item, "agree"), "0");

    // With reasons: the EP agrees, then the SEN manager disagrees and changes to agree.
    let voted = psychologist
        .submit(
            &app,
            &papers_path,
            &format!("{papers_path}/vote"),
            &[
                ("choice", "agree"),
                ("reason", "Needs may be SEN; the test is met."),
            ],
        )
        .await;
    assert_eq!(voted.status, StatusCode::SEE_OTHER, "{}", voted.body);
    let papers = psychologist.get(&app, &papers_path).await;
    assert!(papers.body.contains("You voted <strong>Agree</strong>"));
    assert!(papers.body.contains("Change my vote"));
    for (choice, reason) in [
        ("disagree", "Wait for the next review."),
        ("agree", "Having read the EP's advice, agree."),
    ] {
        let voted = manager
            .submit(
                &app,
                &papers_path,
                &format!("{papers_path}/vote"),
                &[("choice", choice), ("reason", reason)],
            )
            .await;
        assert_eq!(voted.status, StatusCode::SEE_OTHER, "{}", voted.body);
    }
    let page = chair.get(&app, &sitting_path).await;
    assert_eq!(cell(&page.body, &item, "agree"), "2");
    assert_eq!(cell(&page.body, &item, "disagree"), "0");
    assert_eq!(cell(&page.body, &item, "view"), "Carried");

    // The SENCO declares a conflict on the second item (a reason is needed): it no
    // longer counts them, so that item falls short of quorum while the first does not.
    let (second, _) = items[1].clone();
    let second_papers = format!("/agenda-items/{second}");
    let mut senco = Browser::default();
    senco.sign_in(&app, SENCO).await;
    let refused = senco
        .submit(
            &app,
            &second_papers,
            &format!("{second_papers}/conflict"),
            &[("conflict_reason", " ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("href=\"#conflict_reason\""),
        "{}",
        refused.body
    );
    let declared = senco
        .submit(
            &app,
            &second_papers,
            &format!("{second_papers}/conflict"),
            &[("conflict_reason", "The child attends my school.")],
        )
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    // The papers close to a member with a conflict: back to the sitting, and the papers
    // say why instead of showing the child's record.
    assert_eq!(declared.location.as_deref(), Some(sitting_path.as_str()));
    let papers = senco.get(&app, &second_papers).await;
    assert_ne!(papers.status, StatusCode::OK);
    assert!(
        papers.body.contains("You declared a conflict"),
        "{}",
        papers.body
    );
    assert!(!papers.body.contains("The legal test"), "{}", papers.body);
    assert!(
        !papers.body.contains("id=\"cast-vote\""),
        "no vote when conflicted"
    );
    let page = chair.get(&app, &sitting_path).await;
    assert_eq!(cell(&page.body, &item, "quorum"), "Met");
    assert!(
        cell(&page.body, &second, "quorum").starts_with("Not met: 3 of the 4 members"),
        "{}",
        page.body
    );

    // A caseworker cannot read papers; Wiltshire's staff cannot see the sitting.
    let mut caseworker = Browser::default();
    caseworker.sign_in(&app, CASEWORKER).await;
    assert_eq!(
        caseworker.get(&app, &papers_path).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        caseworker.get(&app, &sitting_path).await.status,
        StatusCode::OK,
        "caseworkers follow sittings"
    );
    let mut wiltshire = Browser::default();
    wiltshire
        .sign_in(&app, "robin.hale@wiltshire.example")
        .await;
    assert_eq!(
        wiltshire.get(&app, &sitting_path).await.status,
        StatusCode::NOT_FOUND
    );
    // A Wiltshire panel member finds nothing of Torbay's to read or to vote on, and
    // their vote changes nothing.
    let wiltshire_scope = AuthorityScope::new(AuthorityId::parse("wiltshire").unwrap());
    sendpanel_core::identity::add_user(
        &db,
        &wiltshire_scope,
        &sendpanel_core::domain::Email::parse("pat.member@wiltshire.example").unwrap(),
        "Pat Member",
        UserRole::PanelMember,
        Some(support::DEMO_PASSWORD),
        &clock(),
    )
    .unwrap();
    let mut outsider = Browser::default();
    outsider.sign_in(&app, "pat.member@wiltshire.example").await;
    for path in [
        papers_path.clone(),
        sitting_path.clone(),
        format!("{sitting_path}/live"),
        format!("{sitting_path}/minutes"),
    ] {
        assert_eq!(
            outsider.get(&app, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let before = chair.get(&app, &sitting_path).await;
    let csrf = outsider.get(&app, "/sittings").await.csrf();
    for (action, form) in [
        (
            "vote",
            vec![("choice", "disagree"), ("reason", "Not ours to say.")],
        ),
        ("conflict", vec![("conflict_reason", "None.")]),
        (
            "close",
            vec![("decision", "refuse_assessment"), ("reasons", "No.")],
        ),
    ] {
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend(form);
        let page = outsider
            .post(&app, &format!("{papers_path}/{action}"), &fields)
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
    }
    for action in ["open", "attendance"] {
        let page = outsider
            .post(
                &app,
                &format!("{sitting_path}/{action}"),
                &[("csrf_token", csrf.as_str())],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
    }
    let after = chair.get(&app, &sitting_path).await;
    for field in ["agree", "disagree", "item-status"] {
        assert_eq!(
            cell(&before.body, &item, field),
            cell(&after.body, &item, field)
        );
    }

    // The chair decides without reasons: refused, and the case has not moved.
    let refused = chair
        .submit(
            &app,
            &papers_path,
            &format!("{papers_path}/close"),
            &[
                ("decision", "assess"),
                ("reasons", ""),
                ("decided_on-day", "24"),
                ("decided_on-month", "11"),
                ("decided_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("href=\"#reasons\""),
        "{}",
        refused.body
    );
    // A date that does not exist: refused beside the date, what was typed kept.
    let refused = chair
        .submit(
            &app,
            &papers_path,
            &format!("{papers_path}/close"),
            &[
                ("decision", "assess"),
                ("reasons", "The child may have SEN."),
                ("decided_on-day", "31"),
                ("decided_on-month", "2"),
                ("decided_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("<a href=\"#decided_on-day\">Date of the decision must be a real date</a>"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("The child may have SEN."),
        "reasons kept"
    );
    let stage = |db: &Database| {
        workflow::case_view(db, &torbay, case, clock().today())
            .unwrap()
            .stage
    };
    assert_eq!(stage(&db), CaseStage::RequestReceived);

    // With reasons: decided, the case moves to assessment, the item shows decided.
    let closed = chair
        .submit(
            &app,
            &papers_path,
            &format!("{papers_path}/close"),
            &[
                ("decision", "assess"),
                (
                    "reasons",
                    "The child may have SEN and a plan may be necessary.",
                ),
                ("decided_on-day", "24"),
                ("decided_on-month", "11"),
                ("decided_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(closed.location.as_deref(), Some(sitting_path.as_str()));
    assert_ne!(stage(&db), CaseStage::RequestReceived);
    let page = chair.get(&app, &sitting_path).await;
    assert!(
        cell(&page.body, &item, "item-status").starts_with("Decided"),
        "{}",
        page.body
    );

    // The minutes: every member's final vote with its reason and change count.
    let minutes = caseworker
        .get(&app, &format!("{sitting_path}/minutes"))
        .await;
    assert_eq!(minutes.status, StatusCode::OK);
    for needle in [
        "Needs may be SEN; the test is met.",
        "Having read the EP&#x27;s advice, agree.",
        "Dr Nia Pengelly",
    ] {
        assert!(
            minutes.body.contains(needle),
            "{needle} in {}",
            minutes.body
        );
    }
}

#[actix_web::test]
async fn a_sitting_through_the_pages_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn a_sitting_through_the_pages_on_postgres() {
    let db = TestDb::postgres().unwrap();
    scenario(db.db.clone()).await;
}

/// Issue 17: the sitting page's live stream is held by the page's session, and the
/// server checks all its streams' holders together. Signing out ends that stream at
/// the next check, without waiting for the sitting's next change; another member's
/// stream stays open.
async fn a_page_stream_ends_when_its_session_signs_out(db: Database) {
    use actix_web::test;
    let state = support::demo_state(&db);
    let (sitting, _) = demo_sitting(&db, &state);
    let app = support::app(state).await;
    let live = format!("/sittings/{sitting}/live");
    let (mut chair, mut psychologist) = (Browser::default(), Browser::default());
    chair.sign_in(&app, CHAIR).await;
    psychologist.sign_in(&app, PSYCHOLOGIST).await;
    let open = |browser: &Browser| {
        test::TestRequest::get()
            .uri(&live)
            .cookie(browser.cookie.clone().unwrap())
            .to_request()
    };
    let chairs = test::call_service(&app, open(&chair)).await;
    let psychologists = test::call_service(&app, open(&psychologist)).await;
    assert_eq!(chairs.status(), StatusCode::OK);
    assert_eq!(psychologists.status(), StatusCode::OK);

    let signed_out = chair.submit(&app, "/sittings", "/sign-out", &[]).await;
    assert_eq!(
        signed_out.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_out.body
    );
    let ended = tokio::time::timeout(sendpanel_web::live::RECHECK * 3, test::read_body(chairs))
        .await
        .expect("the signed-out session's stream ends");
    let events = String::from_utf8_lossy(&ended);
    assert!(
        events.contains("event: tally"),
        "it had the tally first: {events}"
    );
    assert!(
        tokio::time::timeout(
            std::time::Duration::from_millis(500),
            test::read_body(psychologists)
        )
        .await
        .is_err(),
        "the other member's stream stays open"
    );
}

#[actix_web::test]
async fn a_page_stream_ends_at_sign_out_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    a_page_stream_ends_when_its_session_signs_out(db.db.clone()).await;
}

#[actix_web::test]
async fn a_page_stream_ends_at_sign_out_on_postgres() {
    let db = TestDb::postgres().unwrap();
    a_page_stream_ends_when_its_session_signs_out(db.db.clone()).await;
}
