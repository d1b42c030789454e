//! `Idempotency-Key` on the API's POSTs (IETF `draft-ietf-httpapi-idempotency-key-header`),
//! as a middleware on `/api/v1`, so no handler repeats it. The rules are the core's
//! ([`sendpanel_core::idempotency`]); this module reads the header and the body, and
//! turns the core's answer into HTTP:
//!
//! - no header: the request runs as it always did;
//! - a malformed header: 400 naming `Idempotency-Key` and the rule;
//! - a new key: the request runs; a 2xx answer is kept (status, `Content-Type`, body)
//!   and any other answer releases the key, since a refused request changed nothing;
//! - the same key, caller, method, path and body again: the first answer, byte for
//!   byte, with `Idempotent-Replayed: true`, and nothing runs;
//! - the same key while the first is still running: 409;
//! - the same key with another body, or for another method or path: 422.
//!
//! The body is compared as JSON with its object keys sorted and no spaces, so a client
//! that serialises the same request differently is still sending the same request.
//! A claimed request runs to the end in a task of its own, so a client that hangs up
//! cannot leave its key half answered.

use std::borrow::Cow;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use futures_util::StreamExt;
use sendpanel_core::idempotency::{
    self, Answer, Begun, Claim, IdempotencyKey, Origin, Reuse, Submission,
};
use serde_json::Value;
use tracing::Instrument;

use super::MAX_BODY_BYTES;
use super::auth::Caller;
use super::error::ApiError;
use super::handlers::blocking;
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// The response header that marks an answer given again.
pub const REPLAYED: &str = "Idempotent-Replayed";

/// The middleware. Only a POST with the header is touched.
pub async fn idempotent(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut values = request.headers().get_all(HEADER);
    let first = values.next().cloned();
    let more = values.next().is_some();
    let Some(first) = first.filter(|_| request.method() == Method::POST) else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let multipart = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    let key = if more {
        Err(bad_header(
            "send one Idempotency-Key header, not several".into(),
        ))
    } else if multipart {
        // An upload is streamed to disk, never held to be replayed; it needs no key,
        // because the same file sent again is refused naming the copy already kept.
        Err(bad_header(
            "is not taken on a file upload: the same file sent again is refused \
             naming the copy already on the case, so send the upload again without a key"
                .into(),
        ))
    } else {
        key_from_header(first.as_bytes())
    };
    let key = match key {
        Ok(key) => key,
        Err(error) => return Ok(request.error_response(error)),
    };
    // The caller first: their key is theirs alone. A request without a working token
    // is answered 401 here, as its handler would.
    let caller = match request.extract::<Caller>().await {
        Ok(caller) => caller,
        Err(error) => return Ok(request.error_response(error)),
    };
    request.extensions_mut().insert(caller.clone());
    let body = match read_body(&mut request).await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error)),
    };
    request.set_payload(Payload::from(body.clone()));
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(request.error_response(ApiError::internal("no application state")));
    };
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.path().to_owned(), ToString::to_string);
    let begin = {
        let state = state.clone();
        let scope = caller.scope.clone();
        let user = caller.user.id;
        let path = path.clone();
        let compared = canonical(&body).into_owned();
        move || {
            let submission = Submission {
                origin: Origin::Api,
                user,
                key: &key,
                method: &method,
                path: &path,
                body: &compared,
            };
            Ok(idempotency::begin(
                &state.db,
                &scope,
                &submission,
                state.clock.now(),
            )?)
        }
    };
    let begun = match blocking(begin).await {
        Ok(begun) => begun,
        Err(error) => return Ok(request.error_response(error)),
    };
    match begun {
        Begun::Claimed(claim) => run_claimed(request, next, state, claim).await,
        Begun::Answered(answer) => {
            tracing::info!(status = answer.status, "repeat answered as the first");
            let response = replay(answer);
            Ok(request.into_response(response))
        }
        Begun::InProgress { since } => Ok(request.error_response(
            ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                format!(
                    "a request with this Idempotency-Key has been running since {}: wait for its answer, then send the same request again to read it. A request cut off part way keeps its key until the key expires, {} hours after its first use; read the case back before sending it again under a new key",
                    since.format("%H:%M:%S UTC"),
                    idempotency::KEY_LIFETIME.num_hours()
                ),
            )
            .with_field(HEADER),
        )),
        Begun::Reused(reuse) => Ok(request.error_response(reused(&reuse))),
        other => Ok(request.error_response(ApiError::internal(format!(
            "unexpected idempotency outcome {other:?}"
        )))),
    }
}

/// Runs a request whose key was just claimed, then keeps its answer (2xx) or releases
/// the key (anything else). In a task of its own, so it finishes even if the client
/// hangs up: otherwise a recorded decision could leave its key running forever.
async fn run_claimed(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: web::Data<AppState>,
    claim: Claim,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let call = next.call(request);
    let task = actix_web::rt::spawn(
        async move {
            let response = match call.await {
                Ok(response) => response,
                Err(error) => {
                    release(&state, claim).await;
                    return Err(error);
                }
            };
            if !response.status().is_success() {
                release(&state, claim).await;
                return Ok(response.map_into_boxed_body());
            }
            let (request, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let bytes = match actix_web::body::to_bytes(body).await {
                Ok(bytes) => bytes,
                Err(error) => {
                    release(&state, claim).await;
                    let error: Box<dyn std::error::Error> = error.into();
                    return Err(ApiError::internal(error).into());
                }
            };
            let header_text = |name| {
                head.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let answer = Answer {
                status: head.status().as_u16(),
                content_type: header_text(header::CONTENT_TYPE),
                location: header_text(header::LOCATION),
                body: bytes.to_vec(),
            };
            let db = state.db.clone();
            if let Err(error) =
                blocking(move || Ok(idempotency::answer(&db, &claim, &answer)?)).await
            {
                // The request is recorded; only its repeat will find the key still
                // running (409) until it expires, never run it twice.
                tracing::error!(%error, "the answer to an idempotent request was not kept");
            }
            Ok(ServiceResponse::new(
                request,
                head.set_body(BoxBody::new(bytes)),
            ))
        }
        .in_current_span(),
    );
    task.await.map_err(ApiError::internal)?
}

/// Gives the key back after a request that changed nothing.
async fn release(state: &web::Data<AppState>, claim: Claim) {
    let db = state.db.clone();
    if let Err(error) = blocking(move || Ok(idempotency::release(&db, &claim)?)).await {
        tracing::error!(%error, "an idempotency key was not released");
    }
}

/// The first answer again.
fn replay(answer: Answer) -> HttpResponse {
    let Ok(status) = StatusCode::from_u16(answer.status) else {
        return HttpResponse::from_error(ApiError::internal(format!(
            "stored status {} is not an HTTP status",
            answer.status
        )));
    };
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = answer.content_type {
        response.insert_header((header::CONTENT_TYPE, content_type));
    }
    if let Some(location) = answer.location {
        response.insert_header((header::LOCATION, location));
    }
    response.insert_header((REPLAYED, "true")).body(answer.body)
}

fn reused(reuse: &Reuse) -> ApiError {
    let when = reuse.first_used_at.format("%-d %B %Y %H:%M:%S UTC");
    let first = if reuse.same_target {
        format!("for this request with another body, at {when}")
    } else {
        format!("for {} {}, at {when}", reuse.method, reuse.path)
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        format!(
            "this Idempotency-Key was first used {first}: a key stands for one request. Send that request again to get its answer, or use a new key for a new request"
        ),
    )
    .with_field(HEADER)
}

fn bad_header(rule: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_header", rule).with_field(HEADER)
}

/// The key in the header: the draft's structured-field string (`"..."`, with `\"` and
/// `\\` escapes), or the same characters unquoted as many clients send them.
fn key_from_header(value: &[u8]) -> Result<IdempotencyKey, ApiError> {
    let unquoted = match value {
        [b'"', inner @ .., b'"'] => unescape(inner),
        [b'"', ..] => Err("opens a quoted string that does not close".to_owned()),
        bare => Ok(bare.to_vec()),
    };
    unquoted
        .and_then(|bytes| {
            let text = String::from_utf8(bytes)
                .map_err(|_| "must be visible ASCII characters only".to_owned())?;
            IdempotencyKey::new(&text).map_err(|e| e.to_string())
        })
        .map_err(|rule| {
            bad_header(format!(
                "Idempotency-Key {rule}. Send 1 to {} visible ASCII characters, such as a UUID, each request its own",
                idempotency::MAX_KEY_CHARS
            ))
        })
}

/// A structured-field string's inside, escapes undone.
fn unescape(inner: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter();
    while let Some(&byte) = bytes.next() {
        match byte {
            b'\\' => match bytes.next() {
                Some(&escaped @ (b'"' | b'\\')) => out.push(escaped),
                _ => return Err("has a backslash that escapes neither \" nor \\".to_owned()),
            },
            b'"' => return Err("has a double quote inside the quoted string".to_owned()),
            other => out.push(other),
        }
    }
    Ok(out)
}

/// The body, up to [`MAX_BODY_BYTES`] (413 beyond, as the JSON extractor would).
async fn read_body(request: &mut ServiceRequest) -> Result<web::Bytes, ApiError> {
    let mut payload = request.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is over the limit of {MAX_BODY_BYTES} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The body as compared: JSON with object keys sorted and no insignificant spaces;
/// anything that is not JSON, as sent.
fn canonical(body: &[u8]) -> Cow<'_, [u8]> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            let mut out = String::with_capacity(body.len());
            write_canonical(&value, &mut out);
            Cow::Owned(out.into_bytes())
        }
        Err(_) => Cow::Borrowed(body),
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, inner)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(inner, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, inner) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(inner, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_json_compares_equal_however_it_is_written() {
        let a = canonical(br#"{"b": [1, {"y": 2, "x": "\u00e9"}], "a": null}"#);
        let b = canonical(r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#.as_bytes());
        assert_eq!(a, b);
        assert_eq!(
            a.as_ref(),
            r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#.as_bytes()
        );
        assert_ne!(canonical(br#"{"a":1}"#), canonical(br#"{"a":2}"#));
        assert_eq!(canonical(b"not json").as_ref(), b"not json");
    }

    #[test]
    fn keys_are_read_quoted_or_bare() {
        let key = |raw: &[u8]| key_from_header(raw).map(|k| k.as_str().to_owned());
        assert_eq!(key(b"abc-123").ok().as_deref(), Some("abc-123"));
        assert_eq!(key(br#""abc-123""#).ok().as_deref(), Some("abc-123"));
        assert_eq!(key(br#""a\"b\\c""#).ok().as_deref(), Some(r#"a"b\c"#));
        for bad in [
            &b""[..],
            b"\"\"",
            b"\"abc",
            b"\"a\"b\"",
            b"\"a\\nb\"",
            b"two words",
            "caf\u{e9}".as_bytes(),
            &[b'k'; 256],
        ] {
            let error = key(bad).err();
            assert!(
                error.is_some(),
                "{:?} was accepted",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
