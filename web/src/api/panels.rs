//! Routes for panels online: sittings, agenda, papers, conflicts, votes, the chair's
//! close, minutes and the live tally as server-sent events. The core checks who sits
//! where; these check the caller's role, call it, and publish the new tally.

use actix_web::{HttpResponse, Responder, web};
use sendpanel_core::config::AuthorityConfig;
use sendpanel_core::domain::{AgendaItemId, PanelCode, SittingId, SittingStatus, UserRole};
use sendpanel_core::panel::{
    self, AddToAgenda, CastVote, CloseItem, DeclareConflict, ScheduleSitting,
};

use super::auth::Caller;
use super::error::ApiError;
use super::handlers::blocking;
use super::wire::{Attendance, PresentReply, Seat, SittingOpenedReply, SittingsReply};
use crate::state::AppState;

/// Those who arrange sittings and put cases before them: the pages' list too, and the
/// document (`super::openapi`) names them from here, so they cannot differ.
pub(super) use crate::roles::CLERKS;
/// Those who sit (the core checks they sit at this sitting).
use sendpanel_core::panel::SITTING_ROLES as SITTERS;
/// Everyone of the authority may follow a sitting.
use sendpanel_core::panel::WATCHING_ROLES as WATCHERS;

fn sitting_id(path: &str) -> Result<SittingId, ApiError> {
    path.parse().map_err(|_| ApiError::not_found("sitting"))
}

fn item_id(path: &str) -> Result<AgendaItemId, ApiError> {
    path.parse().map_err(|_| ApiError::not_found("agenda item"))
}

/// The caller's authority's configuration (panels, quorum, voting rule).
fn config_of(state: &AppState, caller: &Caller) -> Result<AuthorityConfig, ApiError> {
    state
        .config_of(caller.scope.authority())
        .cloned()
        .ok_or_else(|| {
            ApiError::internal(format!(
                "no configuration is loaded for authority {}",
                caller.scope.authority()
            ))
        })
}

/// Sends the sitting's new tally to its watchers (see [`crate::live::publish_tally`]).
fn publish(state: &AppState, caller: &Caller, sitting: SittingId) {
    crate::live::publish_tally(state, &caller.scope, sitting);
}

/// `POST /sittings`: arrange a sitting; 201 with it. Members are invited by e-mail.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn schedule_sitting(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ScheduleSitting>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&CLERKS, "arrange a sitting")?;
    let command = body.into_inner();
    let sitting = blocking(move || {
        let config = config_of(&state, &caller)?;
        Ok(panel::schedule_sitting(
            &state.db,
            &caller.scope,
            &config,
            &command,
            caller.user.id,
            state.clock.as_ref(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(sitting))
}

/// `GET /sittings`: a member's own sittings; every sitting for those who arrange or
/// audit them.
#[tracing::instrument(skip_all, fields(user_id = %caller.user.id))]
pub async fn list_sittings(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller.require(&WATCHERS, "list sittings")?;
    let seated_only = SITTERS.contains(&caller.user.role);
    let sittings = blocking(move || {
        Ok(panel::list_sittings(
            &state.db,
            &caller.scope,
            caller.user.id,
            seated_only,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SittingsReply { sittings }))
}

/// `GET /sittings/{id}`: the agenda with the tally, quorum and status of each item.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %caller.user.id))]
pub async fn get_sitting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&WATCHERS, "see a sitting")?;
    let id = sitting_id(&path)?;
    let tally = blocking(move || {
        let config = config_of(&state, &caller)?;
        Ok(panel::sitting_tally(&state.db, &caller.scope, id, &config)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(tally))
}

/// `POST /sittings/{id}/agenda`: put a case before the sitting with a proposal.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %caller.user.id))]
pub async fn add_to_agenda(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<AddToAgenda>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&CLERKS, "put a case on an agenda")?;
    let id = sitting_id(&path)?;
    let command = body.into_inner();
    let item = blocking(move || {
        let config = config_of(&state, &caller)?;
        let item = panel::add_to_agenda(
            &state.db,
            &caller.scope,
            &config,
            id,
            &command,
            caller.user.id,
            state.clock.as_ref(),
        )?;
        publish(&state, &caller, id);
        Ok(item)
    })
    .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `POST /sittings/{id}/open`: the chair opens the sitting for votes.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %caller.user.id))]
pub async fn open_sitting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // Whoever sits as chair at this sitting (the core checks the seat), whatever
    // their user role: a SEN manager may chair one panel and sit on another.
    caller.require(&SITTERS, "open a sitting")?;
    let id = sitting_id(&path)?;
    blocking(move || {
        panel::open_sitting(
            &state.db,
            &caller.scope,
            id,
            caller.user.id,
            state.clock.as_ref(),
        )?;
        publish(&state, &caller, id);
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(SittingOpenedReply {
        status: SittingStatus::Open,
    }))
}

/// `POST /sittings/{id}/attendance`: a member joins (or the chair marks one present).
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %caller.user.id))]
pub async fn mark_present(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&SITTERS, "join a sitting")?;
    let id = sitting_id(&path)?;
    // No body means "I am here"; a body must be a valid `Attendance`, and a bad one is
    // refused naming the field rather than quietly marking the caller present.
    let attendance: Attendance = if body.iter().all(u8::is_ascii_whitespace) {
        Attendance::default()
    } else {
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&body)).map_err(
            |e| {
                let field = match e.path().to_string() {
                    path if path == "." => "body".to_owned(),
                    path => path,
                };
                ApiError::invalid(field, e.inner().to_string())
            },
        )?
    };
    let member = attendance.member.unwrap_or(caller.user.id);
    let changed = blocking(move || {
        let changed = panel::mark_present(
            &state.db,
            &caller.scope,
            id,
            member,
            caller.user.id,
            state.clock.as_ref(),
        )?;
        publish(&state, &caller, id);
        Ok(changed)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PresentReply {
        present: true,
        changed,
    }))
}

/// `GET /sittings/{id}/minutes`: the minutes, generated from the record; the read is
/// recorded in the access log for each case on the agenda.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %caller.user.id))]
pub async fn minutes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&WATCHERS, "read minutes")?;
    let id = sitting_id(&path)?;
    let minutes = blocking(move || {
        Ok(panel::read_minutes(
            &state.services(),
            &caller.actor(),
            id,
            "GET /api/v1/sittings/{id}/minutes",
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(minutes))
}

/// `GET /sittings/{id}/events`: the live tally as server-sent events (`event: tally`),
/// the current one first and then one after every change.
#[tracing::instrument(skip_all, fields(sitting_id = %path, user_id = %caller.user.id))]
pub async fn sitting_events(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<impl Responder, ApiError> {
    caller.require(&WATCHERS, "follow a sitting")?;
    let id = sitting_id(&path)?;
    let holder = caller.holder();
    crate::live::follow(state, caller.scope, id, holder)
        .await
        .map_err(|error| match error {
            crate::live::FollowError::Panel(panel) => panel.into(),
            crate::live::FollowError::Internal(detail) => ApiError::internal(detail),
        })
}

/// `GET /agenda-items/{id}/papers`: a member reads the papers; the opening is recorded.
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %caller.user.id))]
pub async fn open_papers(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&SITTERS, "read panel papers")?;
    let id = item_id(&path)?;
    let papers = blocking(move || {
        Ok(panel::open_papers(
            &state.db,
            &caller.scope,
            id,
            caller.user.id,
            "GET /api/v1/agenda-items/{id}/papers",
            state.clock.as_ref(),
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(papers))
}

/// `POST /agenda-items/{id}/conflict`: declare a conflict of interest.
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %caller.user.id))]
pub async fn declare_conflict(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<DeclareConflict>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&SITTERS, "declare a conflict")?;
    let id = item_id(&path)?;
    let command = body.into_inner();
    let conflict = blocking(move || {
        let conflict = panel::declare_conflict(
            &state.db,
            &caller.scope,
            id,
            caller.user.id,
            &command,
            state.clock.as_ref(),
        )?;
        publish(
            &state,
            &caller,
            panel::sitting_of(&state.db, &caller.scope, id)?,
        );
        Ok(conflict)
    })
    .await?;
    Ok(HttpResponse::Created().json(conflict))
}

/// `POST /agenda-items/{id}/votes`: vote, or change a vote; 201 with the vote.
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %caller.user.id))]
pub async fn cast_vote(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CastVote>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&SITTERS, "vote")?;
    let id = item_id(&path)?;
    let command = body.into_inner();
    let vote = blocking(move || {
        let vote = panel::cast_vote(
            &state.db,
            &caller.scope,
            id,
            caller.user.id,
            &command,
            state.clock.as_ref(),
        )?;
        publish(
            &state,
            &caller,
            panel::sitting_of(&state.db, &caller.scope, id)?,
        );
        Ok(vote)
    })
    .await?;
    Ok(HttpResponse::Created().json(vote))
}

/// `POST /agenda-items/{id}/close`: the chair decides the item (or it is deferred).
#[tracing::instrument(skip_all, fields(item_id = %path, user_id = %caller.user.id))]
pub async fn close_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CloseItem>,
) -> Result<HttpResponse, ApiError> {
    // The sitting's chair, by seat (the core checks it).
    caller.require(&SITTERS, "close an agenda item")?;
    let id = item_id(&path)?;
    let command = body.into_inner();
    let closed = blocking(move || {
        let config = config_of(&state, &caller)?;
        let closed = panel::close_item(&state.services(), &caller.actor(), &config, id, &command)?;
        publish(
            &state,
            &caller,
            panel::sitting_of(&state.db, &caller.scope, id)?,
        );
        Ok(closed)
    })
    .await?;
    Ok(HttpResponse::Ok().json(closed))
}

/// `POST /panels/{code}/members`: seat a user on a panel in one of its roles (admin).
#[tracing::instrument(skip_all, fields(panel = %path, user_id = %caller.user.id))]
pub async fn seat_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Seat>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[UserRole::Admin], "seat a panel member")?;
    let code = PanelCode::parse("panel", &path).map_err(|_| ApiError::not_found("panel"))?;
    let seat = body.into_inner();
    let member = blocking(move || {
        let config = config_of(&state, &caller)?;
        Ok(panel::seat_member(
            &state.db,
            &caller.scope,
            &config,
            &code,
            seat.user,
            &seat.role,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(member))
}
