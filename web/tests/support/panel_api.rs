//! What the panel tests over the JSON API share: a demo authority's person with an API
//! token, and the day of a sitting (the chair opens it, everyone joins and agrees on an
//! item).

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use sendpanel_core::domain::{Email, UserId, UserRole};
use sendpanel_core::identity::{add_user, issue_token};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::Clock;
use serde_json::json;

use super::call_api as call;

/// The user with `email` in `scope` (added with `role` if the demo has none), and a new
/// API token of theirs labelled `label`.
pub fn person(
    db: &Database,
    scope: &AuthorityScope,
    clock: &dyn Clock,
    email: &str,
    role: UserRole,
    label: &str,
) -> (UserId, String) {
    let parsed = Email::parse(email).unwrap();
    let existing = db
        .read(|tx| tx.list_users(scope))
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == email);
    let id = match existing {
        Some(user) => user.id,
        None => {
            add_user(db, scope, &parsed, "Test Person", role, None, clock)
                .unwrap()
                .id
        }
    };
    let token = issue_token(db, scope, &parsed, Some(label), clock)
        .unwrap()
        .1;
    (id, token)
}

/// The day of a sitting: the chair opens it, then the chair and each member join and
/// vote to agree on `item`, giving `reason`.
pub async fn open_and_agree<S>(
    app: &S,
    sitting: &str,
    item: &str,
    chair: &str,
    members: &[&str],
    reason: &str,
) where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let (status, opened) = call(
        app,
        "POST",
        &format!("/api/v1/sittings/{sitting}/open"),
        chair,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    for token in std::iter::once(chair).chain(members.iter().copied()) {
        let (status, joined) = call(
            app,
            "POST",
            &format!("/api/v1/sittings/{sitting}/attendance"),
            token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{joined}");
        let (status, vote) = call(
            app,
            "POST",
            &format!("/api/v1/agenda-items/{item}/votes"),
            token,
            Some(json!({"choice": "agree", "reason": reason})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{vote}");
    }
}

/// Adds a setting to the register through the API, as the admin; its id.
pub async fn add_setting<S>(app: &S, admin: &str, name: &str, urn: &str, kind: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let body = json!({"name": name, "urn": urn, "kind": kind, "in_area": kind != "independent"});
    let (status, added) = call(app, "POST", "/api/v1/education-settings", admin, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    added["id"].as_str().unwrap().to_owned()
}

/// A member seated on a panel: their id, their API token and the role they sit in.
pub type Seated = (UserId, String, &'static str);

/// Three panel members (a SEN manager, health and social care), each a demo person
/// `{prefix}.{role}@torbay.example` with a token labelled `label`, seated on the
/// Independent Placement Overview Panel by the admin through the API. The demo's SEN
/// panel chair already chairs it.
pub async fn seat_ipop_members<S>(
    app: &S,
    db: &Database,
    scope: &AuthorityScope,
    clock: &dyn Clock,
    admin: &str,
    prefix: &str,
    label: &str,
) -> Vec<Seated>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut seated = Vec::new();
    for role in ["sen_manager", "health", "social_care"] {
        let email = format!("{prefix}.{role}@torbay.example");
        let (id, token) = person(db, scope, clock, &email, UserRole::PanelMember, label);
        let (status, body) = call(
            app,
            "POST",
            "/api/v1/panels/ipop/members",
            admin,
            Some(json!({"user": id, "role": role})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        seated.push((id, token, role));
    }
    seated
}
