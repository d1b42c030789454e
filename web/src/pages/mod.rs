//! The web pages: server-rendered with handlebars on GOV.UK Frontend, working without
//! JavaScript. Like the API, they hold no business rule: each handler calls one core
//! service and renders its answer.
//!
//! - [`session`]: sign in and out, the signed-in person ([`SignedIn`]), and the CSRF
//!   token every form carries.
//! - [`council_sign_in`]: signing in with a council account, through the council's
//!   own OpenID Provider.
//! - [`account`]: a person's own account (password, sign out everywhere, authenticator
//!   app) and resetting a forgotten password.
//! - [`once`]: the one-time token of each form that records something, so a double
//!   click records once.
//! - [`cases`]: the caseload and the new request form.
//! - [`case`]: one case whole (`case::page`), with a form on a page of its own for each
//!   workflow command that applies at its stage (`case::steps`, with its `disputes`
//!   for mediation and appeals and `moves` for phase transfers and moves between
//!   authorities).
//! - [`panels`]: a member's sittings, a sitting's agenda and live tally, papers, votes,
//!   conflicts and the chair's close.
//! - [`admin`]: the authority admin's plugins, what-if, panels and users.
//! - [`dashboard`]: the authority's figures as charts with their tables.
//! - [`sen2`]: the DfE's SEN2 return for a census date, its report and its file.
//! - [`audit`]: the access log for auditors, paged and as CSV.
//! - [`subject_access`]: everything held about one child, as a ZIP, for an admin.
//! - [`assets`]: GOV.UK Frontend's stylesheet and script, embedded in the binary.
//!
//! Sessions live in the database; the browser holds their id in an encrypted cookie,
//! whose middleware wraps the whole app ([`session_middleware`]), so an app built
//! without it (the API tests) still serves the pages, but nobody stays signed in.

mod account;
mod admin;
mod advice;
mod advice_link;
mod assets;
mod audit;
mod case;
mod cases;
mod chart;
mod council_sign_in;
mod dashboard;
mod fields;
mod funding;
mod once;
mod panels;
mod render;
pub(crate) mod sen2;
mod session;
mod sign_in_limit;
mod subject_access;
mod work;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use sendpanel_core::domain::UserRole;

use crate::state::AppState;

pub use render::{PageError, signed_in_error_pages};
pub use session::{COOKIE_NAME, CSRF_FIELD, SignedIn, session_key, session_middleware};
pub use sign_in_limit::{DEFAULT_CONCURRENT_HASHES, SignInLimiter};

/// Mounts the pages and `/assets/`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{file:.*}", web::get().to(assets::serve))
        .route("/sign-in", web::get().to(session::sign_in_page))
        .route("/sign-in", web::post().to(session::sign_in))
        .route("/sign-out", web::post().to(session::sign_out))
        .route(
            "/sign-in/two-factor",
            web::get().to(session::two_factor_page),
        )
        .route("/sign-in/two-factor", web::post().to(session::two_factor))
        // The callback first: `callback` is not an authority's code.
        .route(
            council_sign_in::CALLBACK_PATH,
            web::get().to(council_sign_in::callback),
        )
        .route(
            "/sign-in/council/{code}",
            web::get().to(council_sign_in::begin),
        )
        .route("/account", web::get().to(account::page_after))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route(
            "/account/sign-out-everywhere",
            web::post().to(account::sign_out_everywhere),
        )
        .route(
            "/account/two-factor",
            web::get().to(account::two_factor_page),
        )
        .route("/account/two-factor", web::post().to(account::enrol))
        .route(
            "/account/deadline-digest",
            web::post().to(account::set_deadline_digest),
        )
        .route(
            "/forgotten-password",
            web::get().to(account::forgotten_page),
        )
        .route("/forgotten-password", web::post().to(account::forgotten))
        .route(
            "/reset-password/{token}",
            web::get().to(account::reset_page),
        )
        .route("/reset-password/{token}", web::post().to(account::reset))
        .route("/advice/{token}", web::get().to(advice_link::page))
        .route("/advice/{token}", web::post().to(advice_link::upload))
        .route("/", web::get().to(home))
        .route("/caseload", web::get().to(cases::caseload))
        .route("/caseload.csv", web::get().to(cases::caseload_csv))
        .route("/team", web::get().to(cases::team))
        .route("/transitions", web::get().to(cases::transitions))
        .route("/funding-ledger", web::get().to(funding::ledger))
        .route(
            "/funding-ledger.csv",
            web::get().to(funding::ledger_download),
        )
        .route("/requests/new", web::get().to(cases::new_request_page))
        .route(
            "/requests/new",
            web::post()
                .to(cases::new_request)
                .wrap(from_fn(once::once_per_token)),
        )
        .route("/audit", web::get().to(audit::audit_page))
        .route("/audit.csv", web::get().to(audit::audit_csv))
        .route(
            "/children/{id}/subject-access.zip",
            web::get().to(subject_access::export),
        )
        .route("/cases/{id}", web::get().to(case::page::case_page))
        .route(
            "/cases/{id}/letters/{letter}",
            web::get().to(case::page::letter),
        )
        .route("/cases/{id}/evidence", web::post().to(case::evidence::add))
        .route(
            "/cases/{id}/allocation",
            web::post().to(case::casework::allocate),
        )
        .route(
            "/cases/{id}/notes",
            web::post().to(case::casework::add_note),
        )
        .route(
            "/cases/{id}/child/{field}",
            web::get().to(case::casework::correction_page),
        )
        .route(
            "/cases/{id}/child/{field}",
            web::post().to(case::casework::correct),
        )
        .route(
            "/cases/{id}/evidence/{document}",
            web::get().to(case::evidence::open),
        )
        .route(
            "/cases/{id}/advice-links",
            web::post().to(case::advice_links::send),
        )
        .route(
            "/cases/{id}/advice-links/{link}/revoke",
            web::post().to(case::advice_links::revoke),
        )
        .route(
            "/cases/{id}/tribunal-bundle.pdf",
            web::get().to(case::evidence::tribunal_bundle),
        );
    cfg.configure(case::steps::routes)
        .configure(panels::routes)
        .configure(admin::routes)
        .configure(dashboard::routes)
        .configure(sen2::routes);
}

/// `GET /`: where each person starts. Panel members and chairs start at their
/// sittings; caseworkers, admins and auditors at the caseload.
async fn home(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, PageError> {
    if matches!(who.user.role, UserRole::PanelMember | UserRole::PanelChair) {
        Ok(session::see_other("/sittings"))
    } else {
        // A caseworker starts at their own cases; admins and auditors at everyone's.
        let mine = who.user.role == UserRole::Caseworker;
        let query = sendpanel_core::caseload::CaseloadParams {
            officer: mine.then(|| "me".to_owned()),
            ..Default::default()
        };
        cases::caseload(state, who, web::Query(query)).await
    }
}
