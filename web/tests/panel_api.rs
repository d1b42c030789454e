//! A panel sitting over HTTP, in process, on SQLite and PostgreSQL, with Torbay's SEN
//! panel as shipped (`config/authorities/torbay`: decides assessment and issue, papers
//! 5 days before, quorum 4 with a chair, an educational psychologist and a SEN manager,
//! simple majority with the chair's casting vote). An admin seats the members; a
//! caseworker logs a request, arranges a sitting and puts the case on its agenda by the
//! papers deadline; the chair opens it; members read the papers, one declares a
//! conflict and cannot vote, three vote and one changes their vote; the tally shows
//! quorum; the chair cannot depart from the majority without saying why, then decides,
//! and the decision is the case's, with its agenda item, in the workflow and minutes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use chrono::NaiveDate;
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::load_authority;
use sendpanel_core::domain::{Email, UserId, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost};
use sendpanel_core::registry::register_authorities;
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::Clock;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::upn;
use sendpanel_tests::journey::SteppedClock;
use sendpanel_tests::panels::config_dir;
use sendpanel_web::server::routes;
use sendpanel_web::state::AppState;
use serde_json::{Value, json};

use crate::support::call_api as call;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A user of Torbay with a display name (the minutes list members by name) and a token.
fn user(
    db: &Database,
    scope: &AuthorityScope,
    email: &str,
    name: &str,
    role: UserRole,
    clock: &dyn Clock,
) -> (UserId, String) {
    let email = Email::parse(email).unwrap();
    let user = add_user(db, scope, &email, name, role, None, clock).unwrap();
    let token = issue_token(db, scope, &email, Some("panel api test"), clock)
        .unwrap()
        .1;
    (user.id, token)
}

fn request_body(serial: u16) -> Value {
    json!({
        "given_name": "Alex", "family_name": "Example", "date_of_birth": "2016-03-14",
        "upn": upn(880, serial).to_string(), "received_on": "2023-09-04",
        "requested_by": "setting", "requester": "Ms P. Senco, SENCO",
        "setting_type": "mainstream", "primary_need": "MLD",
        "summary": "Two reviewed cycles of literacy support; little progress."
    })
}

async fn sitting_journey(db: Database) {
    // Monday 4 September 2023: the request arrives.
    let today = SteppedClock::on_day(day(2023, 9, 4));
    let config = load_authority(config_dir("torbay")).unwrap();
    let registered =
        register_authorities(&db, std::slice::from_ref(&config), today.as_ref()).unwrap();
    assert_eq!((registered.authorities, registered.panels), (1, 4));
    let torbay = AuthorityScope::new(config.id.clone());
    let person =
        |email: &str, name: &str, role| user(&db, &torbay, email, name, role, today.as_ref());
    let (_, admin) = person("admin@torbay.example", "Ada Admin", UserRole::Admin);
    let (_, caseworker) = person("casey@torbay.example", "Casey Worker", UserRole::Caseworker);
    let (chair_id, chair) = person("chair@torbay.example", "Chris Chair", UserRole::PanelChair);
    let (ep_id, ep) = person(
        "ep@torbay.example",
        "Eve Psychologist",
        UserRole::PanelMember,
    );
    let (sen_id, sen) = person("sen@torbay.example", "Sam Manager", UserRole::PanelMember);
    let (senco_id, senco) = person("senco@torbay.example", "Sue Senco", UserRole::PanelMember);
    let (health_id, health) = person("health@torbay.example", "Hal Health", UserRole::PanelMember);

    let state = AppState {
        db: db.clone(),
        authorities: Arc::new(vec![config]),
        catalogue: PluginCatalogue::new(PolicyHost::new(Limits::default(), None).unwrap()),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: today.clone(),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    };
    let app =
        test::init_service(App::new().app_data(web::Data::new(state)).configure(routes)).await;

    // The admin seats the members on the SEN panel, each in one of its roles. Only an
    // admin seats; a role the panel does not have is refused.
    let seat_path = "/api/v1/panels/sen-panel/members";
    let (status, body) = call(
        &app,
        "POST",
        seat_path,
        &caseworker,
        Some(json!({"user": ep_id, "role": "educational_psychologist"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call(
        &app,
        "POST",
        seat_path,
        &admin,
        Some(json!({"user": ep_id, "role": "finance_officer"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "role");
    for (user, role) in [
        (chair_id, "chair"),
        (ep_id, "educational_psychologist"),
        (sen_id, "sen_manager"),
        (senco_id, "senco"),
        (health_id, "health"),
    ] {
        let (status, seat) = call(
            &app,
            "POST",
            seat_path,
            &admin,
            Some(json!({"user": user, "role": role})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{seat}");
        assert_eq!(seat["role"], role);
        assert_eq!(seat["user_id"], json!(user));
    }

    // The caseworker logs two requests received today. The decision whether to assess
    // is due 6 weeks on (Reg 5(1)): 4 September + 42 days = Monday 16 October 2023.
    let mut cases = Vec::new();
    for serial in [1, 2] {
        let (status, created) = call(
            &app,
            "POST",
            "/api/v1/requests",
            &caseworker,
            Some(request_body(serial)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["deadlines"][0]["due_on"], "2023-10-16");
        cases.push(created["id"].as_str().unwrap().to_owned());
    }
    let (case, late_case) = (cases[0].clone(), cases[1].clone());

    // Wednesday 20 September: the caseworker arranges a sitting for Monday 2 October.
    today.set_today(day(2023, 9, 20));
    let (status, sitting) = call(
        &app,
        "POST",
        "/api/v1/sittings",
        &caseworker,
        Some(json!({
            "panel": "sen-panel", "sits_on": "2023-10-02", "starts_at": "09:30:00",
            "location": "Online", "members": [chair_id, ep_id, sen_id, senco_id, health_id]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sitting}");
    assert_eq!(sitting["status"], "scheduled");
    assert_eq!(sitting["sits_on"], "2023-10-02");
    let sitting_id = sitting["id"].as_str().unwrap().to_owned();
    // Members see it among their sittings.
    let (status, listed) = call(&app, "GET", "/api/v1/sittings", &senco, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["sittings"][0]["id"], sitting_id.as_str(), "{listed}");

    // Papers are due 5 days before the sitting: 2 October - 5 days = Wednesday
    // 27 September 2023. On that day the case goes on the agenda, proposed for
    // assessment; on Thursday 28 September the second case is too late.
    let agenda = format!("/api/v1/sittings/{sitting_id}/agenda");
    today.set_today(day(2023, 9, 27));
    let (status, item) = call(
        &app,
        "POST",
        &agenda,
        &caseworker,
        Some(json!({"case": case, "proposal": "assess"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(item["position"], 1);
    assert_eq!(item["decision_kind"], "assess");
    assert_eq!(item["status"], "pending");
    let item_id = item["id"].as_str().unwrap().to_owned();
    today.set_today(day(2023, 9, 28));
    let (status, late) = call(
        &app,
        "POST",
        &agenda,
        &caseworker,
        Some(json!({"case": late_case, "proposal": "assess"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{late}");
    assert_eq!(late["error"]["field"], "case");
    assert!(
        late["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2023-09-27"),
        "{late}"
    );

    // Monday 2 October: the sitting. Nobody votes before the chair opens it.
    today.set_today(day(2023, 10, 2));
    let votes = format!("/api/v1/agenda-items/{item_id}/votes");
    let vote = |choice: &str, reason: &str| Some(json!({"choice": choice, "reason": reason}));
    let (status, early) = call(&app, "POST", &votes, &ep, vote("agree", "Ready.")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{early}");
    assert_eq!(early["error"]["code"], "closed");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/sittings/{sitting_id}/open"),
        &senco,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a member does not open it: {body}"
    );
    assert_eq!(body["error"]["code"], "not_seated");
    let (status, opened) = call(
        &app,
        "POST",
        &format!("/api/v1/sittings/{sitting_id}/open"),
        &chair,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(opened["status"], "open");

    // Members open the papers: the s.36(8) test in plain words, and the deadline.
    let papers_path = format!("/api/v1/agenda-items/{item_id}/papers");
    for token in [&ep, &sen, &senco, &health] {
        let (status, papers) = call(&app, "GET", &papers_path, token, None).await;
        assert_eq!(status, StatusCode::OK, "{papers}");
        let test = papers["legal_test"].as_str().unwrap();
        assert!(test.contains("s.36(8)"), "{test}");
        assert!(test.contains("MAY have needs"), "{test}");
        assert_eq!(papers["proposal"], "assess");
        assert_eq!(papers["child_name"], "Alex Example");
        assert!(
            papers["deadlines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["kind"] == "decide_whether_to_assess" && d["due_on"] == "2023-10-16"),
            "{papers}"
        );
    }

    // Health declares a conflict, joins the meeting, and then cannot vote.
    let (status, conflict) = call(
        &app,
        "POST",
        &format!("/api/v1/agenda-items/{item_id}/conflict"),
        &health,
        Some(json!({"reason": "I am the child's community paediatrician."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{conflict}");
    // A malformed body is refused naming the field, and marks nobody present.
    let (status, bad) = call(
        &app,
        "POST",
        &format!("/api/v1/sittings/{sitting_id}/attendance"),
        &health,
        Some(json!({"member": "not-a-uuid"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(bad["error"]["field"], "member", "{bad}");
    let (status, joined) = call(
        &app,
        "POST",
        &format!("/api/v1/sittings/{sitting_id}/attendance"),
        &health,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(joined["changed"], true);
    let (status, refused) = call(&app, "POST", &votes, &health, vote("agree", "Yes.")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "not_seated");

    // Three vote; the SENCO disagrees, hears the discussion, and changes to agree.
    for (token, choice, reason) in [
        (
            &ep,
            "agree",
            "The school's evidence shows the child may have SEN.",
        ),
        (
            &sen,
            "agree",
            "Two cycles of support without progress: a plan may be necessary.",
        ),
        (
            &senco,
            "disagree",
            "The school has not yet tried the speech and language programme.",
        ),
        (
            &senco,
            "agree",
            "Having heard the EP, the programme would not meet these needs.",
        ),
    ] {
        let (status, cast) = call(&app, "POST", &votes, token, vote(choice, reason)).await;
        assert_eq!(status, StatusCode::CREATED, "{cast}");
        assert_eq!(cast["choice"], choice);
    }

    // The tally: 3 agree (the change replaced the disagreement; 4 votes were cast), one
    // conflict; 5 present (the chair on opening, three by voting, health by joining) but
    // 4 counted for quorum, as health is conflicted: 4 of the 4 needed, with the chair,
    // an EP and the SEN manager among them. Met.
    let (status, tally) = call(
        &app,
        "GET",
        &format!("/api/v1/sittings/{sitting_id}"),
        &caseworker,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tally}");
    assert_eq!(tally["status"], "open");
    assert_eq!(tally["present"], 5);
    let line = &tally["items"][0];
    assert_eq!(line["item"], item_id.as_str());
    assert_eq!(
        line["counts"],
        json!({"agree": 3, "disagree": 0, "abstain": 0})
    );
    assert_eq!(line["votes_cast"], 4);
    assert_eq!(line["conflicts"], 1);
    assert_eq!(line["view"], "carried");
    assert_eq!(
        line["quorum"],
        json!({"met": true, "counted": 4, "min_members": 4, "missing_roles": []})
    );

    // Refusing against a carried proposal departs from the majority: 422 naming
    // departure_reason, and nothing changes.
    let close_path = format!("/api/v1/agenda-items/{item_id}/close");
    let (status, refused) = call(
        &app,
        "POST",
        &close_path,
        &chair,
        Some(json!({
            "decision": "refuse_assessment",
            "reasons": "Needs can be met at SEN support.",
            "decided_on": "2023-10-02"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "departure_reason");
    // Only the member sitting as chair closes.
    let (status, body) = call(
        &app,
        "POST",
        &close_path,
        &ep,
        Some(json!({"decision": "assess", "reasons": "Agreed.", "decided_on": "2023-10-02"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "not_seated");

    let reasons = "The school's evidence shows Alex may have special educational needs and that a plan may be necessary.";
    let (status, closed) = call(
        &app,
        "POST",
        &close_path,
        &chair,
        Some(json!({"decision": "assess", "reasons": reasons, "decided_on": "2023-10-02"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "decided");
    assert_eq!(closed["view"], "carried");
    assert_eq!(closed["departed_from_majority"], false);
    assert_eq!(closed["decision"]["kind"], "assess");
    assert_eq!(closed["decision"]["outcome"], "agreed");
    assert_eq!(closed["decision"]["agenda_item_id"], item_id.as_str());
    // Votes stop with the close, and it closes once.
    let (status, _) = call(&app, "POST", &votes, &ep, vote("disagree", "Too late.")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        &app,
        "POST",
        &close_path,
        &chair,
        Some(json!({"decision": "assess", "reasons": reasons, "decided_on": "2023-10-02"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The decision is the case's: with its agenda item and the chair's reasons; the case
    // is being assessed; the 6-week limit is met and the next limits run from receipt:
    // 16 weeks (4 September + 112 days = Monday 25 December 2023) to decide not to
    // issue, 20 weeks (+ 140 days = Monday 22 January 2024) for the final plan (Reg
    // 10(1), 13(2)).
    let (status, view) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{case}"),
        &caseworker,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["stage"], "assessing");
    let decisions = view["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1, "{view}");
    assert_eq!(decisions[0]["agenda_item_id"], item_id.as_str());
    assert_eq!(decisions[0]["kind"], "assess");
    assert_eq!(decisions[0]["outcome"], "agreed");
    assert_eq!(decisions[0]["reasons"], reasons);
    assert_eq!(decisions[0]["decided_by"], json!(chair_id));
    let deadline = |kind: &str| {
        view["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {view}"))
            .clone()
    };
    assert_eq!(deadline("decide_whether_to_assess")["status"], "met");
    assert_eq!(deadline("decide_not_to_issue")["due_on"], "2023-12-25");
    assert_eq!(deadline("final_plan")["due_on"], "2024-01-22");
    let kinds: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "agenda_item_added",
        "papers_opened",
        "conflict_declared",
        "vote_cast",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let closed_at = kinds
        .iter()
        .position(|k| *k == "agenda_item_closed")
        .unwrap_or_else(|| panic!("no agenda_item_closed in {kinds:?}"));
    assert_eq!(
        kinds.get(closed_at + 1),
        Some(&"decision_recorded"),
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "vote_cast").count(), 4);
    // The second case was never put before the panel.
    let (_, other) = call(
        &app,
        "GET",
        &format!("/api/v1/requests/{late_case}"),
        &caseworker,
        None,
    )
    .await;
    assert_eq!(other["stage"], "request_received");

    // The minutes, from the record: every member's final vote and how often they
    // changed it, the conflict and its reason, who read the papers, the outcome.
    let (status, minutes) = call(
        &app,
        "GET",
        &format!("/api/v1/sittings/{sitting_id}/minutes"),
        &caseworker,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{minutes}");
    assert_eq!(minutes["panel"], "SEN Panel");
    assert_eq!(minutes["sits_on"], "2023-10-02");
    assert_eq!(minutes["members"].as_array().unwrap().len(), 5);
    let minuted = &minutes["items"][0];
    assert_eq!(minuted["child_initials"], "AE");
    assert_eq!(minuted["status"], "decided");
    let finals: Vec<(String, String, u64)> = minuted["votes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_owned(),
                v["choice"].as_str().unwrap().to_owned(),
                v["changes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(finals.len(), 3, "{minuted}");
    for (name, changes) in [
        ("Eve Psychologist", 0),
        ("Sam Manager", 0),
        ("Sue Senco", 1),
    ] {
        assert!(
            finals.contains(&(name.to_owned(), "agree".to_owned(), changes)),
            "{name} with {changes} changes: {finals:?}"
        );
    }
    let senco_vote = minuted["votes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "Sue Senco")
        .unwrap();
    assert_eq!(
        senco_vote["reason"],
        "Having heard the EP, the programme would not meet these needs."
    );
    assert_eq!(
        minuted["conflicts"],
        json!([["Hal Health", "I am the child's community paediatrician."]])
    );
    assert_eq!(minuted["papers_opened_by"].as_array().unwrap().len(), 4);
    let outcome = minuted["outcome"].as_str().unwrap();
    assert!(outcome.contains(reasons), "{outcome}");
    assert_eq!(minuted["record"]["counts"]["agree"], 3, "{minuted}");
    assert_eq!(minuted["record"]["departed_from_majority"], false);
}

#[actix_web::test]
async fn a_sitting_over_http_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    sitting_journey(db.db.clone()).await;
}

#[actix_web::test]
async fn a_sitting_over_http_on_postgres() {
    let db = TestDb::postgres().unwrap();
    sitting_journey(db.db.clone()).await;
}
