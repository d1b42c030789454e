//! The authority admin's pages in process, on SQLite and PostgreSQL, over the demo data:
//! a caseworker is refused every admin page (403) and changes nothing; the admin
//! uploads Torbay's real plugin and sees its check and every test vector passing,
//! while garbage bytes, an empty file and a form without its CSRF token are refused
//! with nothing stored; activation before the policy takes effect is refused beside
//! the date field and a good date puts it in use; another authority's admin finds no
//! trace of it and cannot activate or retire it; the what-if page counts and lists
//! the recommendations the plugin would change, and beside banding advice the yearly
//! top-up on record and with the plugin; retiring takes it out of use; a member
//! seated on a panel appears under it, and a role the panel lacks is refused; a user
//! added appears in the list and can sign in, and a bad email, a short password or a
//! taken address is refused naming the field, with nobody added.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::collections::HashMap;

use crate::support::{ADMIN, Browser, CASEWORKER, Page, clock};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test;
use sendpanel_core::domain::{
    AuthorityId, Email, NewAdvice, PluginHash, PluginStatus, StoredPlugin,
};
use sendpanel_core::policy::Question;
use sendpanel_core::policy::contract::{Date, TestCall};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_tests::TestDb;
use sendpanel_tests::plugins::wasm;

const BOUNDARY: &str = "sendpanel-test-boundary-7d1c";

fn torbay() -> AuthorityScope {
    AuthorityScope::new(AuthorityId::parse("torbay").unwrap())
}

fn plugins(db: &Database) -> Vec<StoredPlugin> {
    db.read(|tx| tx.plugins(&torbay())).unwrap()
}

fn user_count(db: &Database) -> usize {
    db.read(|tx| tx.list_users(&torbay())).unwrap().len()
}

/// Posts the upload form as a browser does: multipart, the CSRF token first, then the
/// file (or, with `csrf` `None`, the file alone).
async fn upload<S>(browser: &mut Browser, app: &S, csrf: Option<&str>, file: &[u8]) -> Page
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut body = Vec::new();
    if let Some(token) = csrf {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"plugin\"; filename=\"policy.wasm\"\r\nContent-Type: application/wasm\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let request = test::TestRequest::post()
        .uri("/admin/plugins")
        .insert_header((
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(body);
    browser.send(app, request).await
}

/// The page's text between `from` and the next `to` after it.
fn section<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = body
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {body}"));
    let rest = &body[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

async fn caseworker_is_refused(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut browser = Browser::default();
    browser.sign_in(&app, CASEWORKER).await;
    let nobody = "0".repeat(64);
    for path in [
        "/admin".to_owned(),
        "/admin/plugins".to_owned(),
        "/admin/panels".to_owned(),
        "/admin/users".to_owned(),
        format!("/admin/plugins/{nobody}"),
        format!("/admin/plugins/{nobody}/what-if"),
    ] {
        let page = browser.get(&app, &path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("You cannot do that"),
            "{path}: {}",
            page.body
        );
    }
    // Nor may they run a comparison, with a good token.
    let page = browser
        .submit(
            &app,
            "/caseload",
            &format!("/admin/plugins/{nobody}/what-if"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    // The menu does not offer what the role may not open.
    assert!(
        !browser
            .get(&app, "/")
            .await
            .body
            .contains("href=\"/admin\"")
    );

    // Forms posted with the caseworker's own valid token are refused too.
    let users = user_count(&db);
    let page = browser
        .submit(
            &app,
            "/",
            "/admin/users",
            &[
                ("display_name", "Eve Intruder"),
                ("email", "eve@torbay.example"),
                ("role", "admin"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(user_count(&db), users, "nobody added");
    let csrf = browser.get(&app, "/").await.csrf();
    let page = upload(&mut browser, &app, Some(&csrf), b"\0asm").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(plugins(&db).is_empty(), "nothing stored");
}

async fn plugins_scenario(db: Database) {
    let state = support::demo_state(&db);
    let catalogue = state.catalogue.clone();
    let app = support::app(state).await;
    let mut browser = Browser::default();
    browser.sign_in(&app, ADMIN).await;

    let page = browser.get(&app, "/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    for link in ["/admin/plugins", "/admin/panels", "/admin/users"] {
        assert!(page.body.contains(&format!("href=\"{link}\"")), "{link}");
    }
    let page = browser.get(&app, "/admin/plugins").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No plugin has been uploaded yet"));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(
        page.body
            .contains("id=\"plugin\" name=\"plugin\" type=\"file\"")
    );
    let csrf = page.csrf();

    // Garbage: refused in plain words, and nothing stored.
    let page = upload(&mut browser, &app, Some(&csrf), b"this is not a plugin").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("<h1 class=\"govuk-heading-l\">Plugin refused</h1>")
    );
    assert!(
        page.body
            .contains("The file is not a WebAssembly component"),
        "{}",
        page.body
    );
    assert!(page.body.contains("nothing has changed"));
    assert!(plugins(&db).is_empty());

    // No file chosen: the form again, the error beside the input.
    let page = upload(&mut browser, &app, Some(&csrf), b"").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("<a href=\"#plugin\">Select a plugin file (.wasm)</a>")
    );
    assert!(page.body.contains("govuk-file-upload--error"));

    // A file without the form's token is refused before it is read.
    let bytes = wasm("sendpanel-plugin-torbay");
    let page = upload(&mut browser, &app, None, &bytes).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(plugins(&db).is_empty());

    // Torbay's real plugin: checked, stored, and every vector it carries passes.
    let sha = PluginHash::of(&bytes);
    let page = upload(&mut browser, &app, Some(&csrf), &bytes).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.unwrap();
    assert_eq!(location, format!("/admin/plugins/{sha}?uploaded=yes"));
    let stored = plugins(&db);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, PluginStatus::Uploaded);
    let plugin = catalogue.plugin(&db, &torbay(), &sha).unwrap();
    let vectors = plugin.test_vectors().unwrap();
    let page = browser.get(&app, &location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<h1 class=\"govuk-heading-l\">Plugin checked</h1>")
    );
    assert!(
        page.body
            .contains("The plugin passed its checks and is stored")
    );
    assert!(page.body.contains(sha.as_str()));
    assert!(page.body.contains("sendpanel:policy/advisor@1."));
    let table = section(&page.body, "Test vectors</caption>", "</table>");
    assert_eq!(table.matches(">Passed<").count(), vectors.len(), "{table}");
    assert!(!table.contains(">Failed<"), "{table}");
    assert!(table.contains(&vectors[0].name));

    // The same plugin again: refused as already stored.
    let page = upload(&mut browser, &app, Some(&csrf), &bytes).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("already stored"), "{}", page.body);
    assert_eq!(plugins(&db).len(), 1);

    // The list: name, version, contract, short hash, effective date, status.
    let page = browser.get(&app, "/admin/plugins").await;
    assert!(page.body.contains(&stored[0].policy_name));
    assert!(page.body.contains(&stored[0].policy_version));
    assert!(page.body.contains(&sha.as_str()[..12]));
    assert!(page.body.contains("1 September 2023"));
    assert!(page.body.contains("Uploaded, not in use"));

    // Activation before the policy takes effect: refused beside the date.
    let plugin_page = format!("/admin/plugins/{sha}");
    let activate = format!("/admin/plugins/{sha}/activate");
    let page = browser
        .submit(
            &app,
            &plugin_page,
            &activate,
            &[
                ("active_from-day", "31"),
                ("active_from-month", "8"),
                ("active_from-year", "2023"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refusal = "The date to use the plugin from must be on or after 1 September 2023, when the policy takes effect";
    assert!(
        page.body
            .contains(&format!("<a href=\"#active_from-day\">{refusal}</a>")),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(
        "<span class=\"govuk-visually-hidden\">Error:</span> {refusal}"
    )));
    assert!(page.body.contains("value=\"31\""), "what was typed is kept");
    assert_eq!(plugins(&db)[0].status, PluginStatus::Uploaded);
    let page = browser
        .submit(
            &app,
            &plugin_page,
            &activate,
            &[
                ("active_from-day", "30"),
                ("active_from-month", "2"),
                ("active_from-year", "2024"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("must be a real date"));
    assert_eq!(plugins(&db)[0].status, PluginStatus::Uploaded);

    // From the day it takes effect: in use.
    let page = browser
        .submit(
            &app,
            &plugin_page,
            &activate,
            &[
                ("active_from-day", "1"),
                ("active_from-month", "9"),
                ("active_from-year", "2023"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/admin/plugins"));
    let page = browser.get(&app, "/admin/plugins").await;
    assert!(
        page.body.contains("In use, active from 1 September 2023"),
        "{}",
        page.body
    );
    assert_eq!(plugins(&db)[0].status, PluginStatus::Active);

    // Another authority's admin cannot find Torbay's plugin by its hash: not its page,
    // nor its what-if, and retiring or activating it changes nothing. Their own list
    // does not show it.
    let mut wiltshire = Browser::default();
    wiltshire
        .sign_in(&app, "alex.mercer@wiltshire.example")
        .await;
    let theirs = wiltshire.get(&app, "/admin/plugins").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains(&sha.to_string()), "{}", theirs.body);
    for path in [plugin_page.clone(), format!("/admin/plugins/{sha}/what-if")] {
        assert_eq!(
            wiltshire.get(&app, &path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let page = wiltshire
        .submit(
            &app,
            "/admin/plugins",
            &format!("/admin/plugins/{sha}/what-if"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    let retire = format!("/admin/plugins/{sha}/retire");
    let page = wiltshire.submit(&app, "/admin/plugins", &retire, &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = wiltshire
        .submit(
            &app,
            "/admin/plugins",
            &activate,
            &[
                ("active_from-day", "1"),
                ("active_from-month", "1"),
                ("active_from-year", "2025"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let unchanged = &plugins(&db)[0];
    assert_eq!(unchanged.status, PluginStatus::Active);
    assert_eq!(
        unchanged.active_from,
        Some(chrono::NaiveDate::from_ymd_opt(2023, 9, 1).unwrap())
    );

    // What if: nothing on record yet, on the form's page and when it is sent.
    let what_if = format!("/admin/plugins/{sha}/what-if");
    let page = browser.get(&app, &what_if).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("No advice has been recorded yet"),
        "{}",
        page.body
    );
    let page = browser.submit(&app, &what_if, &what_if, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("No advice has been recorded yet"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("</html>"),
        "the page is whole: {}",
        page.body
    );

    // Two cases with advice on record: one the plugin's own, one that said something
    // else (as an older policy might have). Only the second would change.
    let facts = vectors
        .iter()
        .find_map(|v| match &v.call {
            TestCall::GraduatedResponse(facts) => Some(facts.clone()),
            _ => None,
        })
        .expect("a graduated-response vector");
    let mut facts = facts;
    facts.as_at = Date {
        year: 2026,
        month: 11,
        day: 24,
    };
    let (cases, children) = db
        .read(|tx| Ok((tx.list_cases(&torbay())?, tx.list_children(&torbay())?)))
        .unwrap();
    let name_of = |case: usize| {
        let child = children
            .iter()
            .find(|c| c.id == cases[case].child_id)
            .unwrap();
        format!(
            "{} {}",
            child.given_name.as_str(),
            child.family_name.as_str()
        )
    };
    // The vector's evidence ids name no document: upload one for each and cite it.
    let caseworker = db
        .read(|tx| tx.list_users(&torbay()))
        .unwrap()
        .into_iter()
        .find(|u| u.role == sendpanel_core::domain::UserRole::Caseworker)
        .unwrap();
    sendpanel_tests::cited::cite_real_documents(
        &db,
        &torbay(),
        cases[0].id,
        caseworker.id,
        clock().0,
        &mut facts,
    )
    .unwrap();
    let own = catalogue
        .advise(
            &db,
            &torbay(),
            cases[0].id,
            &Question::GraduatedResponse(facts),
            None,
            &clock(),
        )
        .unwrap()
        .expect("the plugin is in force");
    // Whatever the plugin recommends on these facts, the record says otherwise.
    let answer: serde_json::Value =
        serde_json::from_str(own.output_json.as_deref().unwrap()).unwrap();
    let (said, other) = match answer["Ok"]["recommendation"].as_str().unwrap() {
        "Assess" => ("Assess", "MoreInformationNeeded"),
        "DoNotAssess" => ("Do not assess", "MoreInformationNeeded"),
        _ => ("More information needed", "Assess"),
    };
    db.write(|tx| {
        tx.record_advice(
            &torbay(),
            &NewAdvice {
                case_id: cases[1].id,
                plugin_sha256: sha.clone(),
                api_version: own.api_version.clone(),
                call: own.call.clone(),
                input_json: own.input_json.clone(),
                outcome: "advice".to_owned(),
                output_json: Some(format!(
                    r#"{{"Ok":{{"recommendation":"{other}","criteria":[]}}}}"#
                )),
                unavailable_reason: None,
                fuel_used: own.fuel_used,
            },
        )
    })
    .unwrap();
    // The GET page says what a comparison would replay, and replays nothing: no
    // results, no progress, and the advice on record is as it was.
    let advice_on_record = || {
        db.read(|tx| {
            let mut n = 0;
            for case in tx.list_cases(&torbay())? {
                n += tx.advice_for_case(&torbay(), &case.id)?.len();
            }
            Ok(n)
        })
        .unwrap()
    };
    let before = advice_on_record();
    let page = browser.get(&app, &what_if).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<strong>2</strong> pieces of advice on record would be compared"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Compare with the advice on record"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("would change"), "{}", page.body);
    assert!(!page.body.contains("Compared "), "{}", page.body);
    assert_eq!(advice_on_record(), before);

    // Sent, it streams its progress and then the results; still nothing is recorded.
    let page = browser.submit(&app, &what_if, &what_if, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let progress = page
        .body
        .find("Compared 2 of 2 (100%)")
        .unwrap_or_else(|| panic!("a progress line: {}", page.body));
    let results = page
        .body
        .find("<strong>1 of 2</strong> recommendations would change")
        .unwrap_or_else(|| panic!("the results: {}", page.body));
    assert!(progress < results, "{}", page.body);
    assert!(page.body.contains("Compared 1 of 2 (50%)"), "{}", page.body);
    assert!(page.body.trim_end().ends_with("</html>"), "{}", page.body);
    assert!(!page.body.contains("Stopped after"), "{}", page.body);
    // No banding advice was compared, so no money is summed.
    assert!(
        !page.body.contains("Yearly top-up on record"),
        "{}",
        page.body
    );
    assert_eq!(advice_on_record(), before);
    let table = section(
        &page.body,
        "Recommendations that would change</caption>",
        "</table>",
    );
    assert!(
        table.contains(&format!("href=\"/cases/{}\"", cases[1].id)),
        "{table}"
    );
    assert!(table.contains(&name_of(1)), "{table}");
    assert!(
        !table.contains(&name_of(0)),
        "unchanged advice is not listed: {table}"
    );
    let recorded = if other == "Assess" {
        "Assess"
    } else {
        "More information needed"
    };
    assert!(
        table.contains(&format!(
            "<td class=\"govuk-table__cell\">{recorded}</td>\n      <td class=\"govuk-table__cell\">{said}</td>"
        )),
        "{table}"
    );

    // Retired: out of use, kept in the list.
    let page = browser
        .submit(
            &app,
            &plugin_page,
            &format!("/admin/plugins/{sha}/retire"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = browser.get(&app, "/admin/plugins").await;
    assert!(page.body.contains("Retired on"), "{}", page.body);
    assert_eq!(plugins(&db)[0].status, PluginStatus::Retired);
}

/// The what-if page beside banding advice: Torbay's costed mainstream banding on record
/// for two cases, one with a top-up £500 a year above what the plugin gives (as an
/// older tariff might have). Compared with the plugin, that one recommendation changes
/// and the page sums the yearly top-up on record and with the plugin: £500 less a year.
async fn what_if_money_scenario(db: Database) {
    use sendpanel_core::domain::Pence;
    use sendpanel_core::policy::contract::{BandAdvice, PolicyError};
    use sendpanel_core::policy::{Outcome, advice_record, install, vet};
    let state = support::demo_state(&db);
    let catalogue = state.catalogue.clone();
    let app = support::app(state).await;
    let bytes = wasm("sendpanel-plugin-torbay");
    let (plugin, _) = vet(catalogue.host(), &bytes).unwrap();
    install(&db, &torbay(), &plugin, bytes, None).unwrap();
    let cases = db.read(|tx| tx.list_cases(&torbay())).unwrap();
    let mut true_top_up = 0;
    let mut answered = 0;
    for vector in plugin.costed_test_vectors().unwrap() {
        let evaluation = plugin.costed_banding(&vector.call);
        let Outcome::Advice(band) = &evaluation.outcome else {
            continue;
        };
        true_top_up += band.yearly_top_up;
        let mut advice = advice_record(&cases[answered].id, &evaluation);
        if answered == 0 {
            let mut recorded: Result<BandAdvice, PolicyError> =
                serde_json::from_str(advice.output_json.as_deref().unwrap()).unwrap();
            if let Ok(band) = &mut recorded {
                band.yearly_top_up += 50_000;
            }
            advice.output_json = Some(serde_json::to_string(&recorded).unwrap());
        }
        db.write(|tx| tx.record_advice(&torbay(), &advice)).unwrap();
        answered += 1;
        if answered == 2 {
            break;
        }
    }
    assert_eq!(answered, 2, "two costed vectors give a band");

    let mut browser = Browser::default();
    browser.sign_in(&app, ADMIN).await;
    let what_if = format!("/admin/plugins/{}/what-if", plugin.sha256());
    let page = browser.submit(&app, &what_if, &what_if, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<strong>1 of 2</strong> recommendations would change"),
        "{}",
        page.body
    );
    let money = section(&page.body, "id=\"what-if-top-up\"", "</dl>");
    for text in [
        format!(
            "{} over 2 banding answers",
            Pence::new(true_top_up + 50_000)
        ),
        Pence::new(true_top_up).to_string(),
        "Change a year".to_owned(),
        "-£500.00".to_owned(),
    ] {
        assert!(money.contains(&text), "{text}: {money}");
    }
}

async fn panels_scenario(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut browser = Browser::default();
    browser.sign_in(&app, ADMIN).await;
    let page = browser.get(&app, "/admin/panels").await;
    assert_eq!(page.status, StatusCode::OK);
    let sen = section(&page.body, "<section id=\"sen-panel\"", "</section>");
    for text in [
        "SEN Panel",
        "Assess, Issue",
        "At least 4 members, including: chair, educational psychologist, sen manager",
        "Simple majority; a tie is settled by the chair&#x27;s casting vote",
        "Bridget Ashcombe",
    ] {
        assert!(sen.contains(text), "{text} in {sen}");
    }
    let members =
        |body: &str| section(body, "<section id=\"transitions-panel\"", "<form").to_owned();
    assert!(!members(&page.body).contains("Jordan Ellis"));

    let jordan = db
        .read(|tx| {
            tx.find_user_by_email(
                &torbay(),
                &Email::parse("jordan.ellis@torbay.example").unwrap(),
            )
        })
        .unwrap()
        .unwrap()
        .id
        .to_string();

    // No role chosen: the error beside that panel's role.
    let page = browser
        .submit(
            &app,
            "/admin/panels",
            "/admin/panels/members",
            &[
                ("panel", "transitions-panel"),
                ("user", &jordan),
                ("role", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("<a href=\"#transitions-panel-role\">Select the role they sit in</a>")
    );

    // A role the panel does not have: the core refuses it, named.
    let page = browser
        .submit(
            &app,
            "/admin/panels",
            "/admin/panels/members",
            &[
                ("panel", "sen-panel"),
                ("user", &jordan),
                ("role", "finance_officer"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("finance_officer is not a role of SEN Panel"),
        "{}",
        page.body
    );
    assert!(!members(&browser.get(&app, "/admin/panels").await.body).contains("Jordan Ellis"));

    // Seated: listed under the panel with the role.
    let page = browser
        .submit(
            &app,
            "/admin/panels",
            "/admin/panels/members",
            &[
                ("panel", "transitions-panel"),
                ("user", &jordan),
                ("role", "transition_worker"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some("/admin/panels#transitions-panel")
    );
    let listed = members(&browser.get(&app, "/admin/panels").await.body);
    assert!(listed.contains("Jordan Ellis"), "{listed}");
    assert!(listed.contains("Transition worker"), "{listed}");

    // Twice in the same role: refused.
    let page = browser
        .submit(
            &app,
            "/admin/panels",
            "/admin/panels/members",
            &[
                ("panel", "transitions-panel"),
                ("user", &jordan),
                ("role", "transition_worker"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("already sits on Transitions Panel"),
        "{}",
        page.body
    );
}

async fn users_scenario(db: Database) {
    let app = support::app(support::demo_state(&db)).await;
    let mut browser = Browser::default();
    browser.sign_in(&app, ADMIN).await;
    let page = browser.get(&app, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Morgan Reid"));
    assert!(page.body.contains(CASEWORKER));
    assert!(page.body.contains(
        "id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\""
    ));
    let users = user_count(&db);
    let form = |email: &'static str, password: &'static str| {
        HashMap::from([
            ("display_name", "Priya Shah"),
            ("email", email),
            ("role", "caseworker"),
            ("password", password),
        ])
    };
    let fields = |form: &HashMap<&'static str, &'static str>| {
        ["display_name", "email", "role", "password"]
            .iter()
            .map(|k| (*k, form[k]))
            .collect::<Vec<_>>()
    };

    // A bad address: named in the summary and beside the field; nobody added.
    let page = browser
        .submit(
            &app,
            "/admin/users",
            "/admin/users",
            &fields(&form("priya.shah", "a-long-enough-password")),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let rule = "Email address must be an e-mail address such as name@council.gov.uk";
    assert!(
        page.body
            .contains(&format!("<a href=\"#email\">{rule}</a>")),
        "{}",
        page.body
    );
    assert!(page.body.contains("govuk-input--error\" id=\"email\""));
    assert!(
        page.body.contains("value=\"Priya Shah\""),
        "the name is kept"
    );
    assert!(
        !page.body.contains("a-long-enough-password"),
        "the password is not echoed"
    );
    assert!(page.body.starts_with("<!DOCTYPE html>"));
    assert!(page.body.contains("<title>Error: Users and roles"));
    assert_eq!(user_count(&db), users);

    // Everything missing: every field listed.
    let page = browser
        .submit(&app, "/admin/users", "/admin/users", &[])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    for (href, text) in [
        ("#display_name", "Enter the person&#x27;s name"),
        ("#email", "Enter their email address"),
        ("#role", "Select their role"),
        ("#password", "Enter a password for them"),
    ] {
        assert!(
            page.body
                .contains(&format!("<a href=\"{href}\">{text}</a>")),
            "{href} {text} in {}",
            page.body
        );
    }

    // A short password and a taken address: the core's rules, beside their fields.
    let page = browser
        .submit(
            &app,
            "/admin/users",
            "/admin/users",
            &fields(&form("priya.shah@torbay.example", "short")),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("<a href=\"#password\">Password must be at least 12 characters</a>"),
        "{}",
        page.body
    );
    let page = browser
        .submit(
            &app,
            "/admin/users",
            "/admin/users",
            &fields(&form(CASEWORKER, "a-long-enough-password")),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("Email address is already used by another user")
    );
    assert_eq!(user_count(&db), users);

    // Added: listed with the role, and able to sign in.
    let page = browser
        .submit(
            &app,
            "/admin/users",
            "/admin/users",
            &fields(&form("priya.shah@torbay.example", "a-long-enough-password")),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(user_count(&db), users + 1);
    let page = browser.get(&app, "/admin/users").await;
    let row = section(&page.body, "Priya Shah", "</tr>");
    assert!(row.contains("priya.shah@torbay.example"), "{row}");
    assert!(row.contains("Caseworker"), "{row}");
    let mut priya = Browser::default();
    let csrf = priya.get(&app, "/sign-in").await.csrf();
    let page = priya
        .post(
            &app,
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("email", "priya.shah@torbay.example"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(priya.get(&app, "/caseload").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn caseworker_is_refused_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    caseworker_is_refused(db.db.clone()).await;
}

#[actix_web::test]
async fn caseworker_is_refused_on_postgres() {
    let db = TestDb::postgres().unwrap();
    caseworker_is_refused(db.db.clone()).await;
}

#[actix_web::test]
async fn plugins_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    plugins_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn plugins_on_postgres() {
    let db = TestDb::postgres().unwrap();
    plugins_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn panels_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    panels_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn panels_on_postgres() {
    let db = TestDb::postgres().unwrap();
    panels_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn users_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    users_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn users_on_postgres() {
    let db = TestDb::postgres().unwrap();
    users_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn what_if_money_on_sqlite() {
    let db = TestDb::sqlite().unwrap();
    what_if_money_scenario(db.db.clone()).await;
}

#[actix_web::test]
async fn what_if_money_on_postgres() {
    let db = TestDb::postgres().unwrap();
    what_if_money_scenario(db.db.clone()).await;
}
