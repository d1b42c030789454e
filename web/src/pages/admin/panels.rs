//! The authority's panels as configured in `authority.toml` (what each decides, its
//! roles, quorum and voting rule), who sits on each and in which role, and a form per
//! panel to seat a user. The panel's rules are the configuration's; whether a seat is
//! allowed is `panel::seat_member`'s.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sendpanel_core::config::{AuthorityConfig, PanelConfig, TieBreak, VotingRule};
use sendpanel_core::domain::{PanelCode, PanelRole, User, UserId};
use sendpanel_core::panel::{self, PanelError};
use serde_json::{Value, json};

use super::super::render::{PageError, render};
use super::super::session::{SignedIn, see_other};
use super::super::work::{authority_config, blocking, words};
use super::{require_admin, summary, text, titled};
use crate::state::AppState;

/// The seat form as typed on one panel, and the errors by field (`user`, `role`).
struct SeatForm {
    panel: PanelCode,
    user: String,
    role: String,
    errors: Vec<(&'static str, String)>,
}

fn voting(rule: VotingRule, tie: TieBreak) -> String {
    let rule = match rule {
        VotingRule::SimpleMajority => "Simple majority",
        VotingRule::Consensus => "Consensus: every voting member agrees",
        VotingRule::ChairDecides => "The chair decides after hearing the members",
    };
    let tie = match tie {
        TieBreak::ChairCastingVote => "a tie is settled by the chair's casting vote",
        TieBreak::Defer => "a tie defers the item to a later sitting",
    };
    format!("{rule}; {tie}")
}

fn quorum(config: &PanelConfig) -> String {
    let roles = config
        .quorum
        .required_roles
        .iter()
        .map(|r| words(r.as_str()).to_lowercase())
        .collect::<Vec<_>>();
    if roles.is_empty() {
        format!("At least {} members", config.quorum.min_members)
    } else {
        format!(
            "At least {} members, including: {}",
            config.quorum.min_members,
            roles.join(", ")
        )
    }
}

/// The authority's configuration, loaded at start-up.
fn config_of(state: &AppState, who: &SignedIn) -> Result<AuthorityConfig, PageError> {
    authority_config(state, &who.scope).cloned()
}

/// `GET /admin/panels`.
pub(super) async fn page(
    state: web::Data<AppState>,
    who: SignedIn,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "manage panels")?;
    panels_page(state, &who, StatusCode::OK, None).await
}

async fn panels_page(
    state: web::Data<AppState>,
    who: &SignedIn,
    status_code: StatusCode,
    form: Option<SeatForm>,
) -> Result<HttpResponse, PageError> {
    let config = config_of(&state, who)?;
    let scope = who.scope.clone();
    let (users, seats) = blocking(move || {
        state.db.read(|tx| {
            let users = tx.list_users(&scope)?;
            let mut seats: HashMap<PanelCode, Vec<(UserId, PanelRole)>> = HashMap::new();
            for panel in tx.list_panels(&scope)? {
                let members = tx.list_panel_members(&scope, panel.id)?;
                seats.insert(
                    panel.code,
                    members.into_iter().map(|m| (m.user_id, m.role)).collect(),
                );
            }
            Ok((users, seats))
        })
    })
    .await?;
    let user_of = |id: &UserId| users.iter().find(|u| &u.id == id);
    let all_errors = form.as_ref().map_or_else(Vec::new, |f| {
        f.errors
            .iter()
            .map(|(field, message)| (format!("{}-{field}", f.panel), message.clone()))
            .collect()
    });
    let panels = config
        .panels
        .iter()
        .map(|p| {
            let typed = form.as_ref().filter(|f| f.panel == p.code);
            let error = |field: &str| {
                typed.and_then(|f| {
                    f.errors
                        .iter()
                        .find(|(name, _)| *name == field)
                        .map(|(_, m)| m.clone())
                })
            };
            let chosen_user = typed.map_or("", |f| f.user.as_str());
            let chosen_role = typed.map_or("", |f| f.role.as_str());
            let members = seats
                .get(&p.code)
                .map(|list| {
                    list.iter()
                        .map(|(user, role)| {
                            let person = user_of(user);
                            json!({
                                "name": person.map_or_else(|| user.to_string(), |u| u.display_name.clone()),
                                "email": person.map(|u| u.email.to_string()),
                                "role": words(role.as_str()),
                            })
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            json!({
                "code": p.code.as_str(),
                "name": p.name,
                "decides": p.decides.iter().map(|d| if p.young_people_only.contains(d) {
                    format!("{} (young people only)", words(&d.to_string()))
                } else {
                    words(&d.to_string())
                }).collect::<Vec<_>>().join(", "),
                "roles": p.roles.iter().map(|r| words(r.as_str())).collect::<Vec<_>>().join(", "),
                "quorum": quorum(p),
                "voting": voting(p.voting_rule, p.tie_break),
                "papers_days": p.papers_due_days_before,
                "members": members,
                "users": user_options(&users, chosen_user),
                "role_options": p.roles.iter().map(|r| json!({
                    "value": r.as_str(),
                    "label": words(r.as_str()),
                    "checked": r.as_str() == chosen_role,
                })).collect::<Vec<_>>(),
                "user_error": error("user"),
                "role_error": error("role"),
            })
        })
        .collect::<Vec<_>>();
    render(
        status_code,
        "admin_panels",
        &titled("Panels and members", !all_errors.is_empty()),
        &who.frame.with_back("/admin", "Back to admin"),
        json!({ "panels": panels, "errors": summary(&all_errors) }),
    )
}

fn user_options(users: &[User], chosen: &str) -> Value {
    Value::Array(
        users
            .iter()
            .map(|u| {
                json!({
                    "value": u.id.to_string(),
                    "label": format!("{} ({}, {})", u.display_name, u.email, words(&u.role.to_string()).to_lowercase()),
                    "checked": u.id.to_string() == chosen,
                })
            })
            .collect(),
    )
}

/// `POST /admin/panels/members`: seats a user on a panel in one of its roles; or the
/// page again with the problem beside that panel's field. Nothing changes on error.
pub(super) async fn seat(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "seat a panel member")?;
    let config = config_of(&state, &who)?;
    let form = form.into_inner();
    let panel = PanelCode::parse("panel", text(&form, "panel"))
        .ok()
        .filter(|code| config.panels.iter().any(|p| &p.code == code))
        .ok_or_else(|| PageError::invalid("panel", "is not one of this authority's panels"))?;
    let mut typed = SeatForm {
        panel,
        user: text(&form, "user").to_owned(),
        role: text(&form, "role").to_owned(),
        errors: Vec::new(),
    };
    let user = typed.user.parse::<UserId>().ok();
    if user.is_none() {
        typed.errors.push(("user", "Select who to seat".to_owned()));
    }
    let role = PanelRole::parse("role", &typed.role).ok();
    if role.is_none() {
        typed
            .errors
            .push(("role", "Select the role they sit in".to_owned()));
    }
    let (Some(user), Some(role)) = (user, role) else {
        return panels_page(state, &who, StatusCode::BAD_REQUEST, Some(typed)).await;
    };
    let (db, scope, code) = (state.db.clone(), who.scope.clone(), typed.panel.clone());
    let outcome = web::block(move || panel::seat_member(&db, &scope, &config, &code, user, &role))
        .await
        .map_err(PageError::internal)?;
    match outcome {
        Ok(member) => {
            tracing::info!(user_id = %member.user_id, panel = %typed.panel, "panel member seated");
            Ok(see_other(&format!("/admin/panels#{}", typed.panel)))
        }
        Err(PanelError::Invalid { field, rule }) => {
            let field = if field == "user" { "user" } else { "role" };
            let label = if field == "user" { "Member" } else { "Role" };
            typed.errors.push((field, format!("{label}: {rule}")));
            panels_page(state, &who, StatusCode::UNPROCESSABLE_ENTITY, Some(typed)).await
        }
        Err(other) => Err(other.into()),
    }
}
