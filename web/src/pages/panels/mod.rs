//! The panel member's pages: their sittings, a sitting with its agenda and live tally,
//! the form that puts a case on the agenda, a case's papers with the forms to declare
//! a conflict and vote, and the chair's close. The core checks who sits where and in
//! which seat; these pages check the user's role, call it, re-render, and publish the
//! new tally to everyone watching.

mod agenda;
mod papers;
mod sittings;

use actix_web::middleware::from_fn;
use actix_web::web;
use sendpanel_core::domain::{AgendaItemId, DecisionKind, SittingId};
use sendpanel_core::panel::quorum::QuorumCheck;
use sendpanel_core::panel::tally::View;

use super::render::PageError;

/// Those who sit (the core checks they sit at this sitting).
use sendpanel_core::panel::SITTING_ROLES as SITTERS;
/// Everyone of the authority may follow a sitting.
use sendpanel_core::panel::WATCHING_ROLES as WATCHERS;

/// Mounts the panel pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sittings", web::get().to(sittings::list))
        .route("/sittings/{id}", web::get().to(sittings::sitting_page))
        .route("/sittings/{id}/live", web::get().to(sittings::live))
        .route("/sittings/{id}/open", web::post().to(sittings::open))
        .route(
            "/sittings/{id}/attendance",
            web::post().to(sittings::attend),
        )
        .route(
            "/sittings/{id}/minutes",
            web::get().to(sittings::minutes_page),
        )
        .route(
            "/sittings/{id}/agenda/new",
            web::get().to(agenda::new_item_page),
        )
        .route(
            "/sittings/{id}/agenda/new",
            web::post()
                .to(agenda::add)
                .wrap(from_fn(super::once::once_per_token)),
        )
        .route("/agenda-items/{id}", web::get().to(papers::papers_page))
        .route(
            "/agenda-items/{id}/evidence/{document}",
            web::get().to(papers::open_evidence),
        )
        .route(
            "/agenda-items/{id}/conflict",
            web::post()
                .to(papers::conflict)
                .wrap(from_fn(super::once::once_per_token)),
        )
        .route(
            "/agenda-items/{id}/vote",
            web::post()
                .to(papers::vote)
                .wrap(from_fn(super::once::once_per_token)),
        )
        .route(
            "/agenda-items/{id}/close",
            web::post()
                .to(papers::close)
                .wrap(from_fn(super::once::once_per_token)),
        );
}

/// A sitting's id from the path; a malformed one is simply not found.
fn sitting_id(path: &str) -> Result<SittingId, PageError> {
    path.parse().map_err(|_| PageError::NotFound)
}

/// An agenda item's id from the path; a malformed one is simply not found.
fn item_id(path: &str) -> Result<AgendaItemId, PageError> {
    path.parse().map_err(|_| PageError::NotFound)
}

/// The question before the panel, as an agenda reads it.
fn question(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Assess => "Whether to assess",
        DecisionKind::Issue => "Whether to issue a plan",
        DecisionKind::AnnualReview => "After the annual review",
        DecisionKind::Placement => "Placement",
        DecisionKind::Post16 => "Post-16 transfer",
        DecisionKind::Banding => "Banding",
    }
}

/// "Met" or why not, as the sitting page, the papers and the live script show it.
fn quorum_text(quorum: &QuorumCheck) -> String {
    match quorum.shortfall() {
        None => "Met".to_owned(),
        Some(why) => format!("Not met: {why}"),
    }
}

/// What the votes say, in words a member reads at a glance. The live tally script
/// (`/assets/live-tally.js`) carries the same words for the same codes.
fn view_text(view: View) -> &'static str {
    match view {
        View::Carried => "Carried",
        View::NotCarried => "Not carried",
        View::TieChairCasts => "Tied: the chair's decision is the casting vote",
        View::Defer => "Tied or no consensus: the rule defers it",
        View::ChairDecides => "The chair decides; votes are advice",
        View::NoVotes => "No votes yet",
    }
}
