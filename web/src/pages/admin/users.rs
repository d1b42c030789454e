//! The authority's users and their roles, the form to add one, and each account's
//! switch (disable, enable) and role. The rules (a real address, unique across
//! authorities; a name; a password hard to guess; never the last admin, never one's
//! own account) are `identity`'s; these pages show its refusals.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sendpanel_core::domain::{DomainError, Email, UserId, UserRole};
use sendpanel_core::identity::{self, IdentityError};
use serde_json::json;
use strum::IntoEnumIterator;

use super::super::render::{PageError, render};
use super::super::session::{SignedIn, see_other};
use super::super::work::words;
use super::{require_admin, summary, text, titled};
use crate::state::AppState;

/// The form's fields in page order, with the label each error begins with.
const FIELDS: [(&str, &str); 4] = [
    ("display_name", "Name"),
    ("email", "Email address"),
    ("role", "Role"),
    ("password", "Password"),
];

/// What each role may do, as the radios' hints say it.
fn role_hint(role: UserRole) -> &'static str {
    match role {
        UserRole::Caseworker => "Logs requests, chases advice and prepares papers",
        UserRole::PanelMember => "Reads papers and votes at panel sittings",
        UserRole::PanelChair => {
            "Chairs panels: votes, and records the panel's decision and its reasons"
        }
        UserRole::Admin => "Manages plugins, panels and users",
        UserRole::Auditor => "Reads everything and changes nothing",
    }
}

/// `GET /admin/users`.
pub(super) async fn page(
    state: web::Data<AppState>,
    who: SignedIn,
) -> Result<HttpResponse, PageError> {
    require_admin(&who, "manage users")?;
    users_page(state, &who, StatusCode::OK, &HashMap::new(), &[]).await
}

/// The list and the form, with what was typed (never the password) and each error.
async fn users_page(
    state: web::Data<AppState>,
    who: &SignedIn,
    status_code: StatusCode,
    form: &HashMap<String, String>,
    errors: &[(&'static str, String)],
) -> Result<HttpResponse, PageError> {
    let scope = who.scope.clone();
    let db = state.db.clone();
    let users = web::block(move || identity::accounts::list(&db, &scope))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    let error = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    let chosen = text(form, "role");
    let roles = UserRole::iter()
        .enumerate()
        .map(|(i, role)| {
            json!({
                "id": if i == 0 { "role".to_owned() } else { format!("role-{}", i + 1) },
                "value": role.to_string(),
                "label": words(&role.to_string()),
                "hint": role_hint(role),
                "checked": role.to_string() == chosen,
            })
        })
        .collect::<Vec<_>>();
    let anchors = errors
        .iter()
        .map(|(field, message)| ((*field).to_owned(), message.clone()))
        .collect::<Vec<_>>();
    render(
        status_code,
        "admin_users",
        &titled("Users and roles", !errors.is_empty()),
        &who.frame.with_back("/admin", "Back to admin"),
        json!({
            "users": users.iter().map(|a| json!({
                "id": a.user.id.to_string(),
                "name": a.user.display_name,
                "email": a.user.email.to_string(),
                "role": words(&a.user.role.to_string()),
                "enabled": a.is_enabled(),
                "is_me": a.user.id == who.user.id,
                "two_factor": a.totp_secret.is_some(),
                "last_sign_in": a.last_sign_in_at.map_or_else(
                    || "Never".to_owned(),
                    |at| at.format("%-d %b %Y %H:%M").to_string(),
                ),
                "role_options": UserRole::iter().map(|r| json!({
                    "value": r.to_string(),
                    "label": words(&r.to_string()),
                    "selected": r == a.user.role,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "errors": summary(&anchors),
            "values": {
                "display_name": text(form, "display_name"),
                "email": text(form, "email"),
            },
            "error": {
                "display_name": error("display_name"),
                "email": error("email"),
                "role": error("role"),
                "password": error("password"),
            },
            "roles": roles,
        }),
    )
}

/// A core refusal as the message beside its field.
fn field_error(field: &str, rule: &str) -> (&'static str, String) {
    let (id, label) = FIELDS
        .iter()
        .find(|(id, _)| *id == field)
        .copied()
        .unwrap_or(("display_name", "Name"));
    (id, format!("{label} {rule}"))
}

/// `POST /admin/users`: adds the user and shows the list; or the form again with each
/// problem beside its field, and nobody added.
pub(super) async fn add(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "add a user")?;
    let form = form.into_inner();
    let mut errors = Vec::new();
    let name = text(&form, "display_name").to_owned();
    if name.is_empty() {
        errors.push(("display_name", "Enter the person's name".to_owned()));
    }
    let email = match text(&form, "email") {
        "" => {
            errors.push(("email", "Enter their email address".to_owned()));
            None
        }
        typed => match Email::parse(typed) {
            Ok(email) => Some(email),
            Err(DomainError::Invalid { rule, .. }) => {
                errors.push(field_error("email", &rule));
                None
            }
            Err(other) => {
                errors.push(field_error("email", &other.to_string()));
                None
            }
        },
    };
    let role = text(&form, "role").parse::<UserRole>().ok();
    if role.is_none() {
        errors.push(("role", "Select their role".to_owned()));
    }
    // Not trimmed: spaces may be part of a password.
    let password = form.get("password").cloned().unwrap_or_default();
    if password.is_empty() {
        errors.push(("password", "Enter a password for them".to_owned()));
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return users_page(state, &who, StatusCode::BAD_REQUEST, &form, &errors).await;
    };
    let (db, scope, clock) = (state.db.clone(), who.scope.clone(), state.clock.clone());
    let outcome = web::block(move || {
        identity::add_user(
            &db,
            &scope,
            &email,
            &name,
            role,
            Some(&password),
            clock.as_ref(),
        )
    })
    .await
    .map_err(PageError::internal)?;
    let refused = match outcome {
        Ok(user) => {
            tracing::info!(user_id = %user.id, role = %user.role, "user added");
            return Ok(see_other("/admin/users"));
        }
        Err(IdentityError::Invalid { field, rule }) => field_error(field, &rule),
        Err(IdentityError::EmailTaken { .. }) => (
            "email",
            "Email address is already used by another user; each person needs their own address"
                .to_owned(),
        ),
        Err(other) => return Err(PageError::internal(other)),
    };
    users_page(
        state,
        &who,
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
        &[refused],
    )
    .await
}

/// Reads the user id from the path; anything else is not a page.
fn user_id(raw: &str) -> Result<UserId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// A lifecycle refusal as a page saying why, nothing changed.
fn lifecycle_error(error: IdentityError) -> PageError {
    match error {
        refused @ (IdentityError::LastAdmin | IdentityError::OwnAccount { .. }) => {
            PageError::refused(refused.to_string())
        }
        IdentityError::Store(store) => store.into(),
        other => PageError::internal(other),
    }
}

/// `POST /admin/users/{id}/disable`: switches the account off; their sessions end and
/// their API tokens are revoked in the same transaction.
pub(super) async fn disable(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "disable a user")?;
    let target = user_id(&id)?;
    let (db, scope, clock, by) = (
        state.db.clone(),
        who.scope.clone(),
        state.clock.clone(),
        who.user.id,
    );
    let done = web::block(move || {
        identity::accounts::disable(&db, &scope, Some(by), target, clock.as_ref())
    })
    .await
    .map_err(PageError::internal)?
    .map_err(lifecycle_error)?;
    tracing::info!(user_id = %target, sessions = done.sessions_ended, tokens = done.tokens_revoked, "user disabled");
    Ok(see_other("/admin/users"))
}

/// `POST /admin/users/{id}/enable`: switches the account on again.
pub(super) async fn enable(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "enable a user")?;
    let target = user_id(&id)?;
    let (db, scope, clock, by) = (
        state.db.clone(),
        who.scope.clone(),
        state.clock.clone(),
        who.user.id,
    );
    web::block(move || identity::accounts::enable(&db, &scope, Some(by), target, clock.as_ref()))
        .await
        .map_err(PageError::internal)?
        .map_err(lifecycle_error)?;
    tracing::info!(user_id = %target, "user enabled");
    Ok(see_other("/admin/users"))
}

/// `POST /admin/users/{id}/role`: gives the user another role, from their next request.
pub(super) async fn change_role(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_admin(&who, "change a user's role")?;
    let target = user_id(&id)?;
    let role = text(&form, "role")
        .parse::<UserRole>()
        .map_err(|_| PageError::invalid("role", "must be one of the roles listed"))?;
    let (db, scope, clock, by) = (
        state.db.clone(),
        who.scope.clone(),
        state.clock.clone(),
        who.user.id,
    );
    web::block(move || {
        identity::accounts::change_role(&db, &scope, Some(by), target, role, clock.as_ref())
    })
    .await
    .map_err(PageError::internal)?
    .map_err(lifecycle_error)?;
    tracing::info!(user_id = %target, %role, "role changed");
    Ok(see_other("/admin/users"))
}
