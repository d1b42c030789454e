//! The authority admin's pages, under `/admin`: the policy plugins (upload, the check
//! and test-vector results, activate from a date, retire), the what-if comparison of a
//! candidate plugin over the advice already given, the panels with their members, and
//! the users with their roles.
//!
//! - [`plugins`]: the registry and the upload form, one plugin's check, activation and
//!   retirement.
//! - [`what_if`]: a candidate plugin replayed over the recorded advice.
//! - [`panels`]: the configured panels and who sits on them.
//! - [`users`]: the authority's users, and adding one.
//! - [`import`]: an earlier system's plans and open requests from its CSV export.
//!
//! Only an admin may open any of them; everyone else gets the 403 page. The rules stay
//! in `sendpanel_core` (vetting, activation dates, seats, addresses): these handlers
//! read forms, call it, and show what it said beside the field it concerns.

mod import;
mod panels;
mod plugins;
mod refusal;
mod users;
mod what_if;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use sendpanel_core::domain::UserRole;
use serde_json::{Value, json};

use super::fields::Reader;
use super::render::{PageError, render};
use super::session::SignedIn;
use super::work::{require_role, text, words};

/// Mounts the admin pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(index))
        .route("/admin/plugins", web::get().to(plugins::list))
        .route("/admin/plugins", web::post().to(plugins::upload))
        .route("/admin/plugins/{sha}", web::get().to(plugins::show))
        .route(
            "/admin/plugins/{sha}/activate",
            web::post().to(plugins::activate),
        )
        .route(
            "/admin/plugins/{sha}/retire",
            web::post().to(plugins::retire),
        )
        .route("/admin/plugins/{sha}/what-if", web::get().to(what_if::page))
        .route(
            "/admin/plugins/{sha}/what-if",
            web::post().to(what_if::compare),
        )
        .route("/admin/panels", web::get().to(panels::page))
        .route("/admin/panels/members", web::post().to(panels::seat))
        .route("/admin/import", web::get().to(import::page))
        .route("/admin/import", web::post().to(import::run))
        .route("/admin/users", web::get().to(users::page))
        .route("/admin/users", web::post().to(users::add))
        .route("/admin/users/{id}/disable", web::post().to(users::disable))
        .route("/admin/users/{id}/enable", web::post().to(users::enable))
        .route("/admin/users/{id}/role", web::post().to(users::change_role));
}

/// Refuses the page to anyone but the authority's admin.
fn require_admin(who: &SignedIn, what: &str) -> Result<(), PageError> {
    require_role(who, &[UserRole::Admin], what)
}

/// `GET /admin`: what an admin can do, one link each.
async fn index(who: SignedIn) -> Result<HttpResponse, PageError> {
    require_admin(&who, "open the admin pages")?;
    let sections = [
        (
            "/admin/plugins",
            "Policy plugins",
            "Upload a plugin, see its checks and test results, choose the date it is used from, retire it, and compare it with the advice already given.",
        ),
        (
            "/admin/panels",
            "Panels and members",
            "The panels as configured, who sits on each and in which role, and seating a member.",
        ),
        (
            "/admin/users",
            "Users and roles",
            "Everyone who can sign in, their roles, and adding a user.",
        ),
        (
            "/admin/import",
            "Import plans and requests",
            "Bring in the plans and open requests of an earlier system from its CSV export, with a dry run first.",
        ),
    ];
    render(
        StatusCode::OK,
        "admin_index",
        "Admin",
        &who.frame,
        json!({
            "sections": sections
                .iter()
                .map(|(href, title, text)| json!({ "href": href, "title": title, "text": text }))
                .collect::<Vec<_>>(),
        }),
    )
}

/// A GOV.UK date input's three boxes (`{field}-day`, `-month`, `-year`) as a date, or
/// the message to show beside it. `what` completes "Enter ..." and "... must be a real
/// date".
fn date_input(
    form: &HashMap<String, String>,
    field: &str,
    what: &str,
) -> Result<NaiveDate, String> {
    let mut reader = Reader::new(form);
    reader.date(field, &words(what)).ok_or_else(|| {
        reader
            .errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default()
    })
}

/// The error summary's list: each message linking to its field's `anchor`.
fn summary(errors: &[(String, String)]) -> Value {
    Value::Array(
        errors
            .iter()
            .map(|(anchor, message)| json!({ "href": format!("#{anchor}"), "text": message }))
            .collect(),
    )
}

/// The page title, prefixed "Error: " when the form has errors, as GOV.UK asks.
fn titled(title: &str, has_errors: bool) -> String {
    if has_errors {
        format!("Error: {title}")
    } else {
        title.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_input_needs_all_three_boxes_to_make_a_real_date() {
        let form = |d: &str, m: &str, y: &str| {
            HashMap::from([
                ("from-day".to_owned(), d.to_owned()),
                ("from-month".to_owned(), m.to_owned()),
                ("from-year".to_owned(), y.to_owned()),
            ])
        };
        assert_eq!(
            date_input(&form("1", "9", "2023"), "from", "the date"),
            NaiveDate::from_ymd_opt(2023, 9, 1).ok_or_else(String::new)
        );
        assert_eq!(
            date_input(&form("", "", ""), "from", "the date"),
            Err("Enter the date".to_owned())
        );
        assert_eq!(
            date_input(&form("31", "2", "2023"), "from", "the date"),
            Err("The date must be a real date".to_owned())
        );
    }
}
