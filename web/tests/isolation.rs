//! Every API endpoint walked by a user of each role and by users of another authority:
//! roles get 403 where they may not act, the other authority gets 404 (never 403, so
//! it cannot even learn an id exists) and no response leaks the case's data. The panel
//! endpoints are walked the same way against Torbay's SEN panel as configured in
//! `config/authorities/torbay`, with the codes the core gives each allowed caller.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use chrono::{NaiveTime, TimeZone};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::{AuthorityConfig, load_authority};
use sendpanel_core::domain::{CaseId, Email, Proposal, Slug, UserId, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::panel::{
    AddToAgenda, CloseItem, Closed, ScheduleSitting, add_to_agenda, close_item, open_sitting,
    schedule_sitting, seat_member,
};
use sendpanel_core::policy::contract::{Date, TestCall};
use sendpanel_core::policy::{Limits, PluginCatalogue, PolicyHost, install, vet};
use sendpanel_core::registry::register_authorities;
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::{authority, date, upn};
use sendpanel_tests::panels::config_dir;
use sendpanel_tests::plugins::wasm;
use sendpanel_web::server::routes;
use sendpanel_web::state::AppState;
use serde_json::{Value, json};

fn clock() -> FixedClock {
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2023, 10, 2, 9, 0, 0)
            .single()
            .unwrap(),
    )
}

/// A new user of `role` and a token for them.
fn token(db: &Database, scope: &AuthorityScope, email: &str, role: UserRole) -> (UserId, String) {
    let email = Email::parse(email).unwrap();
    let user = add_user(db, scope, &email, "Test Person", role, None, &clock()).unwrap();
    (
        user.id,
        issue_token(db, scope, &email, None, &clock()).unwrap().1,
    )
}

/// Torbay's and Wiltshire's shipped configurations, registered over the authority rows
/// `authority()` already wrote: registration skips an authority that exists and adds
/// its panels, so it must add no authority and every configured panel.
fn register(db: &Database) -> Vec<AuthorityConfig> {
    let configs = vec![
        load_authority(config_dir("torbay")).unwrap(),
        load_authority(config_dir("wiltshire")).unwrap(),
    ];
    let registered = register_authorities(db, &configs, &clock()).unwrap();
    assert_eq!(registered.authorities, 0, "{registered:?}");
    assert_eq!(
        registered.panels,
        configs.iter().map(|c| c.panels.len()).sum::<usize>(),
        "{registered:?}"
    );
    // Idempotent: a second run adds nothing.
    let again = register_authorities(db, &configs, &clock()).unwrap();
    assert_eq!((again.authorities, again.panels), (0, 0));
    configs
}

fn app_state(db: &Database, authorities: Vec<AuthorityConfig>, host: PolicyHost) -> AppState {
    AppState {
        db: db.clone(),
        authorities: Arc::new(authorities),
        catalogue: PluginCatalogue::new(host),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(clock()),
        live: Default::default(),
        sign_in_limiter: Default::default(),
        account_mail: None,
        oidc: Default::default(),
        documents: sendpanel_core::documents::Documents::scratch().unwrap(),
    }
}

/// A sitting of Torbay's SEN panel on `sits_on` with `members` (the first its chair).
fn sitting(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    sits_on: chrono::NaiveDate,
    members: Vec<UserId>,
) -> sendpanel_core::domain::SittingId {
    let chair = members[0];
    schedule_sitting(
        db,
        scope,
        config,
        &ScheduleSitting {
            panel: Slug::parse("panel", "sen-panel").unwrap(),
            sits_on,
            starts_at: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            location: "Online".into(),
            members,
        },
        chair,
        &clock(),
    )
    .unwrap()
    .id
}

/// Puts `case` before `sitting` proposing assessment.
fn item(
    db: &Database,
    scope: &AuthorityScope,
    config: &AuthorityConfig,
    sitting: sendpanel_core::domain::SittingId,
    case: CaseId,
    actor: UserId,
) -> sendpanel_core::domain::AgendaItemId {
    add_to_agenda(
        db,
        scope,
        config,
        sitting,
        &AddToAgenda {
            case,
            proposal: Proposal::Assess,
            placement: None,
            funding: None,
        },
        actor,
        &clock(),
    )
    .unwrap()
    .id
}

async fn call<S>(
    app: &S,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let request = if method == "POST" {
        test::TestRequest::post()
    } else {
        test::TestRequest::get()
    }
    .uri(path)
    .insert_header(("Authorization", format!("Bearer {token}")));
    let request = match body {
        Some(body) => request.set_json(body),
        None => request,
    };
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    (
        status,
        String::from_utf8_lossy(&test::read_body(response).await).into_owned(),
    )
}

/// (method, path, body, roles allowed, codes an allowed home caller may get).
type Endpoint<'a> = (
    &'a str,
    String,
    Option<Value>,
    &'a [UserRole],
    &'a [StatusCode],
);

/// A panel endpoint: (method, path, body, each role the handler lets in with the
/// status a Torbay caller of that role gets, the status a Wiltshire caller of such a
/// role gets). Every other role gets 403 `forbidden`; a 403 listed for an allowed role
/// is the core's `not_seated`.
type PanelEndpoint<'a> = (
    &'a str,
    String,
    Option<Value>,
    &'a [(UserRole, StatusCode)],
    StatusCode,
);

/// Who calls, and whether they are of the case's authority.
struct Caller {
    name: &'static str,
    role: UserRole,
    home: bool,
    user: UserId,
    token: String,
}

fn error_code(text: &str) -> String {
    serde_json::from_str::<Value>(text).unwrap_or(Value::Null)["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

async fn walk(db: Database) {
    let torbay = authority(&db, "torbay", 880).unwrap();
    let wiltshire = authority(&db, "wiltshire", 865).unwrap();
    let mut callers = Vec::new();
    for (name, role) in [
        ("caseworker", UserRole::Caseworker),
        ("panel member", UserRole::PanelMember),
        ("panel chair", UserRole::PanelChair),
        ("admin", UserRole::Admin),
        ("auditor", UserRole::Auditor),
    ] {
        let email = format!("{}@torbay.example", name.replace(' ', "."));
        let (user, token_) = token(&db, &torbay, &email, role);
        callers.push(Caller {
            name,
            role,
            home: true,
            user,
            token: token_,
        });
        let email = format!("{}@wiltshire.example", name.replace(' ', "."));
        let (user, token_) = token(&db, &wiltshire, &email, role);
        callers.push(Caller {
            name,
            role,
            home: false,
            user,
            token: token_,
        });
    }
    let configs = register(&db);
    let torbay_config = configs[0].clone();
    let host = PolicyHost::new(Limits::default(), None).unwrap();
    let bytes = wasm("sendpanel-plugin-torbay");
    let (plugin, _) = vet(&host, &bytes).unwrap();
    install(&db, &torbay, &plugin, bytes, Some(date(2023, 9, 1))).unwrap();
    let mut facts = sendpanel_tests::plugins::graduated_response_facts(&plugin);
    facts.as_at = Date {
        year: 2023,
        month: 10,
        day: 2,
    };
    // A banding question from the plugin's own vectors (its tariff covers 2023/24).
    let banding = plugin
        .test_vectors()
        .unwrap()
        .into_iter()
        .find_map(|v| match v.call {
            TestCall::Banding(request) => Some(request),
            _ => None,
        })
        .unwrap();
    let state = app_state(&db, configs, host);
    let app =
        test::init_service(App::new().app_data(web::Data::new(state)).configure(routes)).await;

    let request = |serial: u16| {
        json!({
            "given_name": "Zebedee", "family_name": "Quillfeather", "date_of_birth": "2016-03-14",
            "upn": upn(880, serial).to_string(), "received_on": "2023-09-04",
            "requested_by": "parent", "requester": "Mr Q. Parent", "setting_type": "mainstream",
            "primary_need": "SEMH", "summary": "Secret summary text."
        })
    };
    // Another authority's own requests name another child, so their answers (which
    // now carry the child's name) cannot be mistaken for a leak of Torbay's.
    let their_request = |serial: u16| {
        json!({
            "given_name": "Wilma", "family_name": "Westbury", "date_of_birth": "2016-03-14",
            "upn": upn(865, serial).to_string(), "received_on": "2023-09-04",
            "requested_by": "parent", "requester": "Ms W. Parent", "setting_type": "mainstream",
            "primary_need": "SEMH", "summary": "Their own summary."
        })
    };
    let torbay_caseworker = &callers[0].token;
    let new_case = |serial: u16| {
        let body = request(serial);
        let app = &app;
        async move {
            let (status, created) = call(
                app,
                "POST",
                "/api/v1/requests",
                torbay_caseworker,
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            serde_json::from_str::<Value>(&created).unwrap()["id"]
                .as_str()
                .unwrap()
                .parse::<CaseId>()
                .unwrap()
        }
    };
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/requests",
        torbay_caseworker,
        Some(request(1)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Torbay's SEN panel: its chair and a member (as educational psychologist) seated
    // by the core. Today is Monday 2 October 2023; the sittings are on Monday 9
    // October, and the panel's papers are due 5 days before, on Wednesday 4 October,
    // so cases may still be put on their agendas today.
    //  - S1: chair and member; I0 on it closed (deferred) already, I1 pending; open.
    //  - S2: the chair alone, so the member has no seat there; I2 pending; the chair
    //    opens it during the walk.
    let (chair, member) = (callers[4].user, callers[2].user);
    assert_eq!(
        (callers[4].role, callers[2].role, callers[4].home),
        (UserRole::PanelChair, UserRole::PanelMember, true)
    );
    let sen_panel = Slug::parse("panel", "sen-panel").unwrap();
    for (user, role) in [(chair, "chair"), (member, "educational_psychologist")] {
        let role = Slug::parse("role", role).unwrap();
        seat_member(&db, &torbay, &torbay_config, &sen_panel, user, &role).unwrap();
    }
    let sits_on = date(2023, 10, 9);
    let s1 = sitting(&db, &torbay, &torbay_config, sits_on, vec![chair, member]);
    let s2 = sitting(&db, &torbay, &torbay_config, sits_on, vec![chair]);
    let i0 = item(&db, &torbay, &torbay_config, s1, new_case(901).await, chair);
    let i1 = item(&db, &torbay, &torbay_config, s1, new_case(902).await, chair);
    let i2 = item(&db, &torbay, &torbay_config, s2, new_case(903).await, chair);
    open_sitting(&db, &torbay, s1, chair, &clock()).unwrap();
    let services = Services {
        db: db.clone(),
        holidays: std::sync::Arc::new(BankHolidays::england_and_wales()),
        clock: std::sync::Arc::new(clock()),
    };
    let as_chair = Actor {
        user: chair,
        role: UserRole::PanelChair,
        scope: torbay.clone(),
    };
    let deferred = close_item(
        &services,
        &as_chair,
        &torbay_config,
        i0,
        &CloseItem {
            decision: None,
            reasons: "Deferred for the educational psychologist's report.".into(),
            departure_reason: None,
            decided_on: date(2023, 10, 2),
        },
    )
    .unwrap();
    assert!(matches!(deferred, Closed::Deferred { .. }), "{deferred:?}");

    let mut secrets: Vec<String> = vec![
        "Zebedee".into(),
        "Quillfeather".into(),
        "Secret summary".into(),
        upn(880, 1).to_string(),
        id.clone(),
        "torbay.example".into(),
        "Deferred for the educational psychologist".into(),
    ];
    secrets.extend([s1, s2].map(|s| s.to_string()));
    secrets.extend([i0, i1, i2].map(|i| i.to_string()));

    let writers = [UserRole::Caseworker, UserRole::Admin];
    let deciders = [UserRole::PanelChair, UserRole::Admin];
    let meeting_recorders = [UserRole::Caseworker, UserRole::PanelChair, UserRole::Admin];
    // The facts cite evidence by the ids of documents on the case (advice on any other
    // ids is refused), so the vectors' made-up ids are uploaded first.
    let mut real =
        crate::support::cite_uploaded_api(&app, torbay_caseworker, &id, &mut facts).await;
    let mut banding = banding;
    for name in sendpanel_tests::cited::evidence_ids(&banding.facts) {
        if let std::collections::hash_map::Entry::Vacant(slot) = real.entry(name) {
            let document =
                crate::support::upload_evidence_api(&app, torbay_caseworker, &id, slot.key()).await;
            slot.insert(document);
        }
    }
    sendpanel_tests::cited::replace_ids(&mut banding.facts, &real);
    let banding = serde_json::to_value(&banding).unwrap();
    let facts = serde_json::to_value(&facts).unwrap();
    let decision = json!({"decision": "refuse", "reasons": "Needs can be met at SEN support.", "departure_reason": "Reviews show progress.", "decided_on": "2023-10-02"});
    let meeting =
        json!({"met_on": "2023-10-02", "outcome": "no_further_action", "notes": "Plan agreed."});
    let exception = json!({
        "deadline": "decide_whether_to_assess", "limb": "personal_circumstances",
        "evidence": "Letter from the family's GP.", "applies_from": "2023-09-20",
        "family_told_on": "2023-09-25"
    });

    let advice = json!({"from": "health", "requested_on": "2023-10-02"});
    let advice_received = json!({"from": "health", "received_on": "2023-10-02"});
    let issue =
        json!({"decision": "issue", "reasons": "A plan is necessary.", "decided_on": "2023-10-02"});
    let draft = json!({"served_on": "2023-10-02"});
    let final_plan = json!({"issued_on": "2023-10-02"});
    let review_meeting = json!({"meeting_on": "2023-10-02"});
    let review_decision = json!({"decision": "maintain", "reasons": "The plan still meets the child's needs.", "decided_on": "2023-10-02"});

    let phase = json!({"transfer_year": 2024, "transfer_kind": "school"});
    let phase_done = json!({"amended_on": "2023-10-02", "next_setting": "Example Secondary"});
    let move_out =
        json!({"to_authority": "Devon", "aware_on": "2023-10-02", "moves_on": "2023-10-20"});
    let transfer_out = json!({"transferred_on": "2023-10-02"});
    let notice = json!({"sent_on": "2023-10-02", "will_assess": false});
    // No decision on the case has this id: allowed home callers get 422 naming it.
    let unknown_decision = "0190b3c4-0000-7000-8000-000000000000";
    let mediation = json!({"decision": unknown_decision, "notice_sent_on": "2023-10-02", "requested_on": "2023-10-02"});
    let mediation_outcome = json!({"ended_on": "2023-10-02", "outcome": "agreement"});
    let appeal = json!({"decision": unknown_decision, "notice_sent_on": "2023-10-02", "lodged_on": "2023-10-02"});
    let tribunal = json!({"decided_on": "2023-10-02", "outcome": "dismissed"});
    let complied = json!({"step": "final_plan", "complied_on": "2023-10-02"});
    // Another child's transferred plan: its names are not the secrets above.
    let transfer_in = |serial: u16| {
        json!({
            "original_request": {
                "given_name": "Yolanda", "family_name": "Other", "date_of_birth": "2015-05-01",
                "upn": upn(880, serial).to_string(), "received_on": "2023-01-09",
                "requested_by": "parent", "requester": "Ms O. Parent", "setting_type": "mainstream",
                "primary_need": "ASD", "summary": "Plan from the old authority."
            },
            "from_authority": "Devon County Council", "transferred_on": "2023-09-25",
            "plan_issued_on": "2023-05-30"
        })
    };

    let mut serial = 10;
    for caller in &callers {
        serial += 1;
        // (method, path, body, roles allowed, codes an allowed home caller may get)
        let endpoints: Vec<Endpoint<'_>> = vec![
            (
                "GET",
                "/api/v1/caseload".into(),
                None,
                // Panel members learn of a child only through papers.
                &sendpanel_core::access::CASE_READERS,
                &[StatusCode::OK],
            ),
            (
                "GET",
                format!("/api/v1/requests/{id}"),
                None,
                // Not panel members: they read a case through a sitting's papers.
                &[
                    UserRole::Caseworker,
                    UserRole::PanelChair,
                    UserRole::Admin,
                    UserRole::Auditor,
                ],
                &[StatusCode::OK],
            ),
            (
                "POST",
                "/api/v1/requests".into(),
                Some(if caller.home {
                    request(serial)
                } else {
                    their_request(serial)
                }),
                &writers,
                &[StatusCode::CREATED],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/advice/graduated-response"),
                Some(facts.clone()),
                &writers,
                &[StatusCode::CREATED],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/advice/next-steps"),
                Some(facts.clone()),
                &writers,
                &[StatusCode::CREATED],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/advice/banding"),
                Some(banding.clone()),
                &writers,
                &[StatusCode::CREATED],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/decision-to-assess"),
                Some(decision.clone()),
                &deciders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/next-steps-outcome"),
                Some(meeting.clone()),
                &meeting_recorders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            // The first claim disapplies the 6-week limit; later ones find it settled.
            (
                "POST",
                format!("/api/v1/requests/{id}/exceptions"),
                Some(exception.clone()),
                &meeting_recorders,
                &[StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
            ),
            // The case was refused assessment above, so the later stages answer 409
            // (wrong stage) or 422 (nothing open to settle) to allowed home callers.
            (
                "POST",
                format!("/api/v1/requests/{id}/advice-requests"),
                Some(advice.clone()),
                &writers,
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/advice-received"),
                Some(advice_received.clone()),
                &writers,
                &[StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/decision-to-issue"),
                Some(issue.clone()),
                &deciders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/draft-plan"),
                Some(draft.clone()),
                &writers,
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/final-plan"),
                Some(final_plan.clone()),
                &writers,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            // No plan was issued, so annual reviews are the wrong stage (409).
            (
                "POST",
                format!("/api/v1/requests/{id}/review-meeting"),
                Some(review_meeting.clone()),
                &writers,
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/review-decision"),
                Some(review_decision.clone()),
                &deciders,
                &[StatusCode::OK, StatusCode::CONFLICT],
            ),
            // Moves need a plan: the refused case is at the wrong stage (409).
            (
                "POST",
                format!("/api/v1/requests/{id}/phase-transfer"),
                Some(phase.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/phase-transfer/completed"),
                Some(phase_done.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/move-out"),
                Some(move_out.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/transfer-out"),
                Some(transfer_out.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/transfer-notice"),
                Some(notice.clone()),
                &writers,
                &[StatusCode::CONFLICT],
            ),
            (
                "POST",
                "/api/v1/transfers-in".into(),
                Some(transfer_in(serial + 500)),
                &writers,
                &[StatusCode::CREATED],
            ),
            // Disputes: nothing to mediate, appeal or comply with on record (422).
            (
                "POST",
                format!("/api/v1/requests/{id}/mediation"),
                Some(mediation.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/mediation/outcome"),
                Some(mediation_outcome.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/appeal"),
                Some(appeal.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/tribunal-decision"),
                Some(tribunal.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
            (
                "POST",
                format!("/api/v1/requests/{id}/tribunal-order-complied"),
                Some(complied.clone()),
                &meeting_recorders,
                &[StatusCode::UNPROCESSABLE_ENTITY],
            ),
        ];
        for (method, path, body, allowed, ok) in endpoints {
            let (status, text) = call(&app, method, &path, &caller.token, body).await;
            let who = format!(
                "{} of {} {method} {path}",
                caller.name,
                if caller.home { "torbay" } else { "wiltshire" }
            );
            let case_specific = path.contains(&id);
            if !allowed.contains(&caller.role) {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {text}");
            } else if caller.home || !case_specific {
                assert!(ok.contains(&status), "{who}: {status} {text}");
            } else {
                assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {text}");
            }
            if !caller.home {
                for secret in &secrets {
                    assert!(!text.contains(secret), "{who} leaked {secret}: {text}");
                }
            }
        }

        // The panel endpoints. Each caller puts a case of its own on S1's agenda, so
        // every clerk's call is a first (Torbay's, as the other authority's ids are).
        let fresh = new_case(serial + 700).await;
        let (clerks, sitters, watchers) = (
            [UserRole::Caseworker, UserRole::PanelChair, UserRole::Admin],
            [UserRole::PanelMember, UserRole::PanelChair],
            [
                UserRole::Caseworker,
                UserRole::PanelMember,
                UserRole::PanelChair,
                UserRole::Admin,
                UserRole::Auditor,
            ],
        );
        let each = |roles: &[UserRole], status: StatusCode| -> Vec<(UserRole, StatusCode)> {
            roles.iter().map(|r| (*r, status)).collect()
        };
        let (clerks_create, watchers_ok, sitters_ok, sitters_create) = (
            each(&clerks, StatusCode::CREATED),
            each(&watchers, StatusCode::OK),
            each(&sitters, StatusCode::OK),
            each(&sitters, StatusCode::CREATED),
        );
        let sitters_closed = each(&sitters, StatusCode::CONFLICT);
        // The member has no seat at S2 (403 not_seated); its chair does.
        let s2_ok = [
            (UserRole::PanelMember, StatusCode::FORBIDDEN),
            (UserRole::PanelChair, StatusCode::OK),
        ];
        let s2_create = [
            (UserRole::PanelMember, StatusCode::FORBIDDEN),
            (UserRole::PanelChair, StatusCode::CREATED),
        ];
        let vote = json!({"choice": "agree", "reason": "The evidence meets the s.36(8) test."});
        let conflict = json!({"reason": "The child attends the school I work at."});
        let close = json!({"decision": "assess", "reasons": "The child may have SEN and a plan may be necessary.", "decided_on": "2023-10-02"});
        let new_sitting = json!({
            "panel": "sen-panel", "sits_on": "2023-10-16", "starts_at": "10:00:00",
            "location": "Room 3, Town Hall", "members": [chair]
        });
        // Torbay's caseworker, to seat; a user Wiltshire does not have.
        let seat = |role: &str| json!({"user": callers[0].user, "role": role});
        let panel_endpoints: Vec<PanelEndpoint<'_>> = vec![
            // Wiltshire configures no sen-panel: 422 not_configured, naming no id.
            (
                "POST",
                "/api/v1/sittings".into(),
                Some(new_sitting.clone()),
                &clerks_create,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // Wiltshire's own list: 200 and empty (no Torbay sitting in it).
            (
                "GET",
                "/api/v1/sittings".into(),
                None,
                &watchers_ok,
                StatusCode::OK,
            ),
            (
                "GET",
                format!("/api/v1/sittings/{s1}"),
                None,
                &watchers_ok,
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/sittings/{s1}/agenda"),
                Some(json!({"case": fresh, "proposal": "assess"})),
                &clerks_create,
                StatusCode::NOT_FOUND,
            ),
            // Opening and closing are for whoever sits as the sitting's chair, so a
            // panel member is let in by role and refused by seat (403 not_seated).
            // Only one Torbay chair calls, so S2 opens once (S1 was opened above).
            (
                "POST",
                format!("/api/v1/sittings/{s2}/open"),
                None,
                &[
                    (UserRole::PanelMember, StatusCode::FORBIDDEN),
                    (UserRole::PanelChair, StatusCode::OK),
                ],
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/sittings/{s1}/open"),
                None,
                &[
                    (UserRole::PanelMember, StatusCode::FORBIDDEN),
                    (UserRole::PanelChair, StatusCode::CONFLICT),
                ],
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/sittings/{s1}/attendance"),
                None,
                &sitters_ok,
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/sittings/{s2}/attendance"),
                Some(json!({})),
                &s2_ok,
                StatusCode::NOT_FOUND,
            ),
            (
                "GET",
                format!("/api/v1/sittings/{s1}/minutes"),
                None,
                &watchers_ok,
                StatusCode::NOT_FOUND,
            ),
            (
                "GET",
                format!("/api/v1/agenda-items/{i1}/papers"),
                None,
                &sitters_ok,
                StatusCode::NOT_FOUND,
            ),
            (
                "GET",
                format!("/api/v1/agenda-items/{i2}/papers"),
                None,
                &s2_ok,
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/agenda-items/{i1}/votes"),
                Some(vote.clone()),
                &sitters_create,
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/agenda-items/{i2}/votes"),
                Some(vote.clone()),
                &s2_create,
                StatusCode::NOT_FOUND,
            ),
            // I0 is closed: 409 for those seated.
            (
                "POST",
                format!("/api/v1/agenda-items/{i0}/votes"),
                Some(vote.clone()),
                &sitters_closed,
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/agenda-items/{i1}/conflict"),
                Some(conflict.clone()),
                &sitters_create,
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/agenda-items/{i2}/conflict"),
                Some(conflict.clone()),
                &s2_create,
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/agenda-items/{i0}/conflict"),
                Some(conflict.clone()),
                &sitters_closed,
                StatusCode::NOT_FOUND,
            ),
            // Two members at S1, both conflicted on I1: quorum is not met, so the
            // chair's close defers it (200).
            (
                "POST",
                format!("/api/v1/agenda-items/{i1}/close"),
                Some(close.clone()),
                &[
                    (UserRole::PanelMember, StatusCode::FORBIDDEN),
                    (UserRole::PanelChair, StatusCode::OK),
                ],
                StatusCode::NOT_FOUND,
            ),
            (
                "POST",
                format!("/api/v1/agenda-items/{i0}/close"),
                Some(close.clone()),
                &[
                    (UserRole::PanelMember, StatusCode::FORBIDDEN),
                    (UserRole::PanelChair, StatusCode::CONFLICT),
                ],
                StatusCode::NOT_FOUND,
            ),
            // Torbay's admin seats Torbay's caseworker; Wiltshire has no sen-panel.
            (
                "POST",
                "/api/v1/panels/sen-panel/members".into(),
                Some(seat("senco")),
                &[(UserRole::Admin, StatusCode::CREATED)],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // Wiltshire's own panel, with Torbay's user: 404 for Wiltshire's admin;
            // Torbay configures no dad-group (422).
            (
                "POST",
                "/api/v1/panels/dad-group/members".into(),
                Some(seat("senco")),
                &[(UserRole::Admin, StatusCode::UNPROCESSABLE_ENTITY)],
                StatusCode::NOT_FOUND,
            ),
        ];
        for (method, path, body, allowed, away) in panel_endpoints {
            let (status, text) = call(&app, method, &path, &caller.token, body).await;
            let who = format!(
                "{} of {} {method} {path}",
                caller.name,
                if caller.home { "torbay" } else { "wiltshire" }
            );
            let home = allowed
                .iter()
                .find(|(role, _)| *role == caller.role)
                .map(|(_, status)| *status);
            match home {
                None => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {text}");
                    assert_eq!(error_code(&text), "forbidden", "{who}: {text}");
                }
                Some(expected) if caller.home => {
                    assert_eq!(status, expected, "{who}: {text}");
                    if expected == StatusCode::FORBIDDEN {
                        assert_eq!(error_code(&text), "not_seated", "{who}: {text}");
                    }
                    if expected == StatusCode::CONFLICT {
                        assert_eq!(error_code(&text), "closed", "{who}: {text}");
                    }
                }
                Some(_) => {
                    assert_eq!(status, away, "{who}: {text}");
                    if away == StatusCode::OK {
                        assert_eq!(text, r#"{"sittings":[]}"#, "{who}");
                    }
                }
            }
            if !caller.home {
                for secret in &secrets {
                    assert!(!text.contains(secret), "{who} leaked {secret}: {text}");
                }
            }
        }
    }

    // What the walk left: I0 and I1 deferred, I1 with both votes and both conflicts,
    // and one new item per clerk of Torbay after the three put there above.
    let auditor = &callers[8].token;
    let (status, text) = call(
        &app,
        "GET",
        &format!("/api/v1/sittings/{s1}"),
        auditor,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let tally: Value = serde_json::from_str(&text).unwrap();
    let items = tally["items"].as_array().unwrap();
    assert_eq!(items.len(), 2 + 3, "{tally}");
    assert_eq!(items[0]["status"], "deferred");
    assert_eq!(items[1]["status"], "deferred");
    assert_eq!(items[1]["votes_cast"], 2);
    assert_eq!(items[1]["conflicts"], 2);
    assert_eq!(
        items[1]["counts"]["agree"], 0,
        "conflicted votes never count"
    );
    assert_eq!(tally["present"], 2);
}

/// The event stream is not walked (it never ends): another authority's user gets 404
/// on Torbay's sitting, and an auditor of Torbay gets the stream. Only the status and
/// headers are read.
async fn events(db: Database) {
    let torbay = authority(&db, "torbay", 880).unwrap();
    let wiltshire = authority(&db, "wiltshire", 865).unwrap();
    let configs = register(&db);
    let (chair, _) = token(&db, &torbay, "chair@torbay.example", UserRole::PanelChair);
    let (_, auditor) = token(&db, &torbay, "auditor@torbay.example", UserRole::Auditor);
    let (_, outsider) = token(
        &db,
        &wiltshire,
        "auditor@wiltshire.example",
        UserRole::Auditor,
    );
    let (_, outside_chair) = token(
        &db,
        &wiltshire,
        "chair@wiltshire.example",
        UserRole::PanelChair,
    );
    let sen_panel = Slug::parse("panel", "sen-panel").unwrap();
    let chair_role = Slug::parse("role", "chair").unwrap();
    seat_member(&db, &torbay, &configs[0], &sen_panel, chair, &chair_role).unwrap();
    let s1 = sitting(&db, &torbay, &configs[0], date(2023, 10, 9), vec![chair]);
    let host = PolicyHost::new(Limits::default(), None).unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(app_state(&db, configs, host)))
            .configure(routes),
    )
    .await;
    let path = format!("/api/v1/sittings/{s1}/events");
    let get = |token: &str| {
        test::TestRequest::get()
            .uri(&path)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    for token in [&outsider, &outside_chair] {
        let response = test::call_service(&app, get(token)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let content_type = response.headers().get("content-type").unwrap();
        assert!(
            content_type
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{content_type:?}"
        );
    }
    // An id that is nobody's is 404 too, the same as another authority's.
    let unknown = "0190b3c4-0000-7000-8000-000000000000";
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(&format!("/api/v1/sittings/{unknown}/events"))
            .insert_header(("Authorization", format!("Bearer {auditor}")))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = test::call_service(&app, get(&auditor)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get("content-type").unwrap();
    assert!(
        content_type
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"),
        "{content_type:?}"
    );
}

#[actix_web::test]
async fn every_endpoint_by_every_role_and_another_authority_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    walk(db.db.clone()).await;
}

#[actix_web::test]
async fn every_endpoint_by_every_role_and_another_authority_on_postgres() {
    let db = TestDb::postgres().unwrap();
    walk(db.db.clone()).await;
}

#[actix_web::test]
async fn a_sittings_events_are_for_its_authority_only_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    events(db.db.clone()).await;
}

#[actix_web::test]
async fn a_sittings_events_are_for_its_authority_only_on_postgres() {
    let db = TestDb::postgres().unwrap();
    events(db.db.clone()).await;
}
