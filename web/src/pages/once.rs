//! A form that records something is recorded once, however many times it is sent.
//!
//! Every page carries a fresh one-time token (`form_token`, beside the CSRF token) in
//! the forms that record on a case: a step's form, a vote, a conflict, the chair's
//! close, a new request. This middleware, on those forms' routes, claims the token in
//! the database ([`sendpanel_core::idempotency`], per user and form address) before
//! the handler runs:
//!
//! - the first submission runs; when its handler answers `303 See Other` (what every
//!   form here answers after recording) the address it was sent to is kept, and any
//!   other answer (the form again with its errors, an error page) gives the token
//!   back, since nothing was recorded;
//! - a second submission of the same token (a double click, a reload of the POST, a
//!   retry after a dropped connection, even after a restart) records nothing and is
//!   sent where the first was, where the page says what was recorded;
//! - one that arrives while the first is still running waits for it (up to
//!   [`WAIT_FOR_FIRST`]) and then goes where it went.
//!
//! Only a form whose CSRF token is right and whose sender is signed in is claimed; the
//! handler refuses the rest as before. A form sent without a `form_token` (from a page
//! drawn before tokens existed) runs unguarded, as it always did.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, web};
use futures_util::StreamExt;
use sendpanel_core::idempotency::{self, Answer, Begun, Claim, IdempotencyKey, Origin, Submission};
use serde_json::json;
use tracing::Instrument;

use super::render::{PageError, render};
use super::session::{CSRF_FIELD, SignedIn, check_csrf, see_other};
use super::work::blocking;
use crate::state::AppState;

/// The hidden field that carries a form's one-time token.
pub const FORM_TOKEN_FIELD: &str = "form_token";

/// How long a second submission waits for the first to finish before saying so.
pub const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

/// How often a waiting submission looks again.
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// The largest form read; the forms' own extractor refuses far less.
const MAX_FORM_BYTES: usize = 256 << 10;

/// The middleware, for the routes of forms that record something.
pub async fn once_per_token(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let body = match read_body(&mut request).await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error)),
    };
    request.set_payload(Payload::from(body.clone()));
    let form = web::Form::<HashMap<String, String>>::from_request(
        request.request(),
        &mut Payload::from(body.clone()),
    )
    .await
    .map(web::Form::into_inner)
    .unwrap_or_default();
    let token = form.get(FORM_TOKEN_FIELD).filter(|t| !t.is_empty());
    // Claim only what the handler would run: a refused form claims nothing.
    let csrf_ok = check_csrf(&request.get_session(), &form).is_ok();
    let (Some(token), true) = (token, csrf_ok) else {
        return unguarded(request, next).await;
    };
    let Ok(who) = request.extract::<SignedIn>().await else {
        return unguarded(request, next).await;
    };
    let key = match IdempotencyKey::new(token) {
        Ok(key) => key,
        Err(rule) => {
            return Ok(request.error_response(PageError::refused(format!(
                "The form's one-time token {rule}. Open the form again and send it from there"
            ))));
        }
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(request.error_response(PageError::internal("no application state")));
    };
    let path = request.path().to_owned();
    let body = compared(&form);
    let waited_since = tokio::time::Instant::now();
    loop {
        let begun = {
            let (state, scope, user) = (state.clone(), who.scope.clone(), who.user.id);
            let (key, path, body) = (key.clone(), path.clone(), body.clone());
            blocking(move || {
                let submission = Submission {
                    origin: Origin::Page,
                    user,
                    key: &key,
                    method: "POST",
                    path: &path,
                    body: &body,
                };
                idempotency::begin(&state.db, &scope, &submission, state.clock.now())
            })
            .await
        };
        let begun = match begun {
            Ok(begun) => begun,
            Err(error) => return Ok(request.error_response(error)),
        };
        match begun {
            Begun::Claimed(claim) => return run_claimed(request, next, state, claim).await,
            Begun::Answered(answer) => {
                tracing::info!("form sent again: not recorded twice");
                let to = answer.location.unwrap_or_else(|| "/".to_owned());
                return Ok(request.into_response(see_other(&to)));
            }
            Begun::InProgress { .. } if waited_since.elapsed() < WAIT_FOR_FIRST => {
                tokio::time::sleep(LOOK_AGAIN).await;
            }
            Begun::InProgress { .. } => {
                let page = notice(
                    &who,
                    "This form is still being recorded",
                    "It was sent twice, and the first is still being recorded. Check the case before sending it again.",
                )?;
                return Ok(request.into_response(page));
            }
            _ => {
                // Same token and form, other answers: the page was gone back to and
                // changed after it was sent. It was recorded as first sent.
                let page = notice(
                    &who,
                    "This form was already sent",
                    "It was recorded as it was first sent. To record something else, open the form again from the case.",
                )?;
                return Ok(request.into_response(page));
            }
        }
    }
}

/// A form with no usable token (or one the handler will refuse) runs as before.
async fn unguarded(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    next.call(request)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Runs the form whose token was just claimed, then keeps where it was sent or gives
/// the token back. In a task of its own: a browser that sends a form twice drops the
/// first connection, and the first must still finish and keep its answer for the
/// second to find.
async fn run_claimed(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: web::Data<AppState>,
    claim: Claim,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let call = next.call(request);
    let task = actix_web::rt::spawn(
        async move {
            let outcome = call.await;
            let recorded_at = outcome.as_ref().ok().and_then(|response| {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .filter(|to| !to.starts_with("/sign-in"));
                (response.status() == StatusCode::SEE_OTHER)
                    .then_some(location)
                    .flatten()
                    .map(str::to_owned)
            });
            let db = state.db.clone();
            let kept = blocking(move || match recorded_at {
                Some(location) => idempotency::answer(
                    &db,
                    &claim,
                    &Answer {
                        status: StatusCode::SEE_OTHER.as_u16(),
                        content_type: None,
                        location: Some(location),
                        body: Vec::new(),
                    },
                ),
                None => idempotency::release(&db, &claim),
            })
            .await;
            if let Err(error) = kept {
                tracing::error!(%error, "a form's one-time token was not settled");
            }
            outcome.map(ServiceResponse::map_into_boxed_body)
        }
        .in_current_span(),
    );
    task.await.map_err(PageError::internal)?
}

/// The form as compared with its first sending: its fields in order, without the CSRF
/// token, which belongs to the session (a form sent again after signing in again is
/// still the same form).
fn compared(form: &HashMap<String, String>) -> Vec<u8> {
    let fields: BTreeMap<&str, &str> = form
        .iter()
        .filter(|(name, _)| name.as_str() != CSRF_FIELD)
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    serde_json::to_vec(&fields).unwrap_or_default()
}

/// A page under the person's own header saying what happened to their form.
fn notice(
    who: &SignedIn,
    heading: &str,
    message: &str,
) -> Result<actix_web::HttpResponse, PageError> {
    render(
        StatusCode::CONFLICT,
        "error",
        heading,
        &who.frame,
        json!({ "heading": heading, "message": message }),
    )
}

/// The form's body, up to [`MAX_FORM_BYTES`].
async fn read_body(request: &mut ServiceRequest) -> Result<web::Bytes, PageError> {
    let mut payload = request.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(PageError::internal)?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(PageError::refused(
                "The form is too large to send. Shorten what was typed and try again",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
