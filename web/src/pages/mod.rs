//! The web pages: server-rendered with handlebars on GOV.UK Frontend, working without
//! JavaScript. Like the API, they hold no business rule: each handler calls one core
//! service and renders its answer.
//!
//! - [`session`]: sign in and out, the signed-in person ([`SignedIn`]), and the CSRF
//!   token every form carries.
//! - [`cases`]: the caseload, a case, and the new request form.
//! - [`assets`]: GOV.UK Frontend's stylesheet and script, embedded in the binary.
//!
//! Sessions live in an encrypted cookie; the middleware that keeps them wraps the whole
//! app ([`session_middleware`]), so an app built without it (the API tests) still
//! serves the pages, but nobody stays signed in.

mod assets;
mod cases;
mod render;
mod session;

use actix_web::web;

pub use render::PageError;
pub use session::{COOKIE_NAME, CSRF_FIELD, SignedIn, session_key, session_middleware};

/// Mounts the pages and `/assets/`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{file:.*}", web::get().to(assets::serve))
        .route("/sign-in", web::get().to(session::sign_in_page))
        .route("/sign-in", web::post().to(session::sign_in))
        .route("/sign-out", web::post().to(session::sign_out))
        .route("/", web::get().to(cases::caseload))
        .route("/caseload", web::get().to(cases::caseload))
        .route("/requests/new", web::get().to(cases::new_request_page))
        .route("/requests/new", web::post().to(cases::new_request))
        .route("/cases/{id}", web::get().to(cases::case_page));
}
