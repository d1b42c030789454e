//! A member's sittings, one sitting with its agenda and live tally, joining it, the
//! chair opening it, the live stream the page's script follows, and the minutes.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, Responder, web};
use sendpanel_core::domain::{SittingMember, SittingStatus, UserId};
use sendpanel_core::panel::{self, CHAIR_ROLE, Minutes, SittingTally};
use serde_json::{Value, json};

use super::{SITTERS, WATCHERS, question, quorum_text, sitting_id, view_text};
use crate::pages::render::{PageError, render};
use crate::pages::session::{SignedIn, see_other};
use crate::pages::work::{authority_config, blocking, long_date, require_role, role_words, words};
use crate::roles::CLERKS;
use crate::state::AppState;

/// `GET /sittings`: a member's own sittings; every sitting for those who arrange or
/// audit them.
#[tracing::instrument(skip_all, fields(user_id = %who.user.id))]
pub async fn list(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, PageError> {
    require_role(&who, &WATCHERS, "see sittings")?;
    let seated_only = SITTERS.contains(&who.user.role);
    let (scope, user) = (who.scope.clone(), who.user.id);
    let sittings =
        blocking(move || panel::list_sittings_named(&state.db, &scope, user, seated_only)).await?;
    let rows: Vec<Value> = sittings
        .iter()
        .map(|(sitting, panel)| {
            json!({
                "id": sitting.id.to_string(),
                "panel": panel,
                "sits_on": long_date(sitting.sits_on),
                "starts_at": sitting.starts_at.format("%H:%M").to_string(),
                "location": sitting.location,
                "status": words(&sitting.status.to_string()),
            })
        })
        .collect();
    let title = if seated_only {
        "My sittings"
    } else {
        "Sittings"
    };
    render(
        StatusCode::OK,
        "sittings",
        title,
        &who.frame,
        json!({ "heading": title, "sittings": rows }),
    )
}

/// Everything the sitting page shows, read together.
struct SittingRead {
    minutes: Minutes,
    tally: SittingTally,
    seats: Vec<SittingMember>,
}

async fn read_sitting(
    state: web::Data<AppState>,
    who: &SignedIn,
    id: sendpanel_core::domain::SittingId,
) -> Result<SittingRead, PageError> {
    let scope = who.scope.clone();
    blocking(move || {
        let config = authority_config(&state, &scope)?;
        let minutes = panel::minutes(&state.db, &scope, id)?;
        let tally = panel::sitting_tally(&state.db, &scope, id, config)?;
        let seats = panel::sitting_members(&state.db, &scope, id)?;
        Ok::<_, PageError>(SittingRead {
            minutes,
            tally,
            seats,
        })
    })
    .await
}

/// The reader's seat at the sitting, if they have one.
fn seat_of(seats: &[SittingMember], user: UserId) -> Option<&SittingMember> {
    seats.iter().find(|s| s.user_id == user)
}

/// `GET /sittings/{id}`: the agenda with each item's tally and quorum, who is present,
/// and the buttons the reader's seat allows (join; the chair opens the sitting and
/// marks members present); those who put cases before panels have a link to do so.
/// The tally updates itself through `/sittings/{id}/live` when JavaScript runs;
/// without it, reloading shows the same.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %who.user.id))]
pub async fn sitting_page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    require_role(&who, &WATCHERS, "see a sitting")?;
    let id = sitting_id(&path)?;
    let read = read_sitting(state, &who, id).await?;
    let seat = seat_of(&read.seats, who.user.id);
    let is_chair = seat.is_some_and(|s| s.role.as_str() == CHAIR_ROLE);
    let status = read.tally.status;
    let members: Vec<Value> = read
        .minutes
        .members
        .iter()
        .map(|member| {
            json!({
                "name": member.name,
                "role": role_words(member.role.as_str()),
                "present": member.present_at.is_some(),
                "user": member.user_id.to_string(),
                "can_mark": is_chair && member.present_at.is_none() && status != SittingStatus::Closed,
            })
        })
        .collect();
    let items: Vec<Value> = read
        .tally
        .items
        .iter()
        .map(|item| {
            let minuted = read
                .minutes
                .items
                .iter()
                .find(|m| m.position == item.position);
            json!({
                "id": item.item.to_string(),
                "position": item.position,
                "child": minuted.map(|m| m.child_initials.clone()).unwrap_or_default(),
                "decision": minuted.map(|m| question(m.decision_kind)).unwrap_or_default(),
                "proposal": item.proposal.map(|p| words(&p.to_string())),
                "status": words(&item.status.to_string()),
                "agree": item.counts.agree,
                "disagree": item.counts.disagree,
                "abstain": item.counts.abstain,
                "conflicts": item.conflicts,
                "view": view_text(item.view),
                "quorum": quorum_text(&item.quorum),
                "quorum_met": item.quorum.met,
                "outcome": minuted.and_then(|m| m.outcome.clone()),
            })
        })
        .collect();
    let present = seat.is_some_and(|s| s.present_at.is_some());
    render(
        StatusCode::OK,
        "sitting",
        &format!(
            "{} on {}",
            read.minutes.panel,
            long_date(read.minutes.sits_on)
        ),
        &who.frame,
        json!({
            "id": id.to_string(),
            "panel": read.minutes.panel,
            "sits_on": long_date(read.minutes.sits_on),
            "status": words(&status.to_string()),
            "present_count": read.tally.present,
            "members": members,
            "items": items,
            "seated": seat.is_some(),
            "seat_role": seat.map(|s| role_words(s.role.as_str())),
            "can_join": seat.is_some() && !present && status != SittingStatus::Closed,
            "can_open": is_chair && status == SittingStatus::Scheduled,
            // The core refuses an item at a closed sitting; the link is not offered.
            "can_add": CLERKS.contains(&who.user.role) && status != SittingStatus::Closed,
            "is_open": status == SittingStatus::Open,
        }),
    )
}

/// `GET /sittings/{id}/live`: the sitting's tally as server-sent events, for the
/// sitting page's script. The same stream as the API's, behind the session.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %who.user.id))]
pub async fn live(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<impl Responder, PageError> {
    require_role(&who, &WATCHERS, "follow a sitting")?;
    let id = sitting_id(&path)?;
    let holder = crate::live::Holder::Session(who.session_id.clone());
    crate::live::follow(state, who.scope.clone(), id, holder)
        .await
        .map_err(|error| match error {
            crate::live::FollowError::Panel(panel) => panel.into(),
            crate::live::FollowError::Internal(detail) => PageError::internal(detail),
        })
}

/// `POST /sittings/{id}/open`: the chair opens the sitting for votes.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %who.user.id))]
pub async fn open(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_role(&who, &SITTERS, "open a sitting")?;
    let id = sitting_id(&path)?;
    let (scope, user) = (who.scope.clone(), who.user.id);
    blocking(move || {
        panel::open_sitting(&state.db, &scope, id, user, state.clock.as_ref())?;
        crate::live::publish_tally(&state, &scope, id);
        Ok::<_, PageError>(())
    })
    .await?;
    Ok(see_other(&format!("/sittings/{id}")))
}

/// `POST /sittings/{id}/attendance`: a member joins; the chair may name another
/// member (`member`) to mark them present.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %who.user.id))]
pub async fn attend(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    require_role(&who, &SITTERS, "join a sitting")?;
    let id = sitting_id(&path)?;
    let member = match form
        .get("member")
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
    {
        Some(named) => named
            .parse()
            .map_err(|_| PageError::invalid("member", "must be one of the sitting's members"))?,
        None => who.user.id,
    };
    let (scope, user) = (who.scope.clone(), who.user.id);
    blocking(move || {
        panel::mark_present(&state.db, &scope, id, member, user, state.clock.as_ref())?;
        crate::live::publish_tally(&state, &scope, id);
        Ok::<_, PageError>(())
    })
    .await?;
    Ok(see_other(&format!("/sittings/{id}")))
}

/// `GET /sittings/{id}/minutes`: the minutes, generated from the record.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %who.user.id))]
pub async fn minutes_page(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    require_role(&who, &WATCHERS, "read minutes")?;
    let id = sitting_id(&path)?;
    let (services, actor) = (state.services(), who.actor());
    let minutes =
        blocking(move || panel::read_minutes(&services, &actor, id, "GET /sittings/{id}/minutes"))
            .await?;
    let members: Vec<Value> = minutes
        .members
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "role": role_words(m.role.as_str()),
                "present": m.present_at.map(|at| at.format("%H:%M").to_string()),
            })
        })
        .collect();
    let items: Vec<Value> = minutes
        .items
        .iter()
        .map(|item| {
            json!({
                "position": item.position,
                "child": item.child_initials,
                "decision": question(item.decision_kind),
                "proposal": item.proposal.map(|p| words(&p.to_string())),
                "status": words(&item.status.to_string()),
                "conflicts": item.conflicts.iter().map(|(who, why)| json!({"who": who, "why": why})).collect::<Vec<_>>(),
                "papers_opened_by": item.papers_opened_by.join(", "),
                "votes": item.votes.iter().map(|v| json!({
                    "name": v.name,
                    "choice": words(&v.choice.to_string()),
                    "reason": v.reason,
                    "changes": v.changes,
                })).collect::<Vec<_>>(),
                "outcome": item.outcome,
            })
        })
        .collect();
    render(
        StatusCode::OK,
        "minutes",
        &format!(
            "Minutes: {} on {}",
            minutes.panel,
            long_date(minutes.sits_on)
        ),
        &who.frame
            .with_back(format!("/sittings/{id}"), "Back to the sitting"),
        json!({
            "id": id.to_string(),
            "panel": minutes.panel,
            "sits_on": long_date(minutes.sits_on),
            "members": members,
            "items": items,
        }),
    )
}
