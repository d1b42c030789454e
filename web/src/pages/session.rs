//! Signing in and out, the signed-in person, and CSRF protection.
//!
//! The session is an encrypted, authenticated cookie (`HttpOnly`, `SameSite=Lax`,
//! `Secure` unless the service is bound to loopback for development) holding the user's
//! id and authority and a CSRF token of 32 random bytes. Every form carries the token
//! in a hidden `csrf_token` field; a POST whose field does not match the session's, in
//! constant time, is refused with a 403 page before anything is read or written.
//! Signing in renews the session (a new cookie and token), so a token seen before
//! sign-in is worthless after it.
//!
//! A cookie session cannot be revoked on the server, so it is bounded in time instead:
//! it ends [`IDLE_TIMEOUT`] after the last page and [`ABSOLUTE_TIMEOUT`] after sign-in,
//! both read from the service's clock.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload, web};
use sendpanel_core::domain::{AuthorityId, User, UserId};
use sendpanel_core::store::AuthorityScope;
use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::render::{Frame, PageError, render};
use crate::settings::SessionSettings;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "sendpanel_session";
/// The hidden field every form carries.
pub const CSRF_FIELD: &str = "csrf_token";

const USER_KEY: &str = "user";
const CSRF_KEY: &str = "csrf";

/// The session cookie's key. Without a configured key, a random one is made now (and a
/// warning logged): sessions then end when the process stops. Make it once per process
/// and give it to every worker's [`session_middleware`].
pub fn session_key(settings: &SessionSettings) -> Key {
    match settings.key.as_deref().map(Key::try_from) {
        Some(Ok(key)) => key,
        Some(Err(error)) => {
            tracing::warn!(%error, "session_key unusable; using a random key for this run");
            Key::generate()
        }
        None => {
            tracing::warn!(
                "no session_key set: using a random key, so everyone is signed out when the service restarts"
            );
            Key::generate()
        }
    }
}

/// The session middleware the app is wrapped in.
pub fn session_middleware(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(COOKIE_NAME.to_owned())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        .build()
}

/// A session ends this long after sign-in, however busy: a council laptop left signed
/// in overnight, or a copied cookie, stops working by the next working day.
pub const ABSOLUTE_TIMEOUT: chrono::Duration = chrono::Duration::hours(10);
/// A session ends after this long without a page, as the GOV.UK Design System's
/// timeout pattern suggests for services holding personal data.
pub const IDLE_TIMEOUT: chrono::Duration = chrono::Duration::minutes(60);
/// How stale `last_seen` may be before a request renews it: renewing on every request
/// would rewrite the cookie on every page and every live-tally reconnect.
const SEEN_GRANULARITY: chrono::Duration = chrono::Duration::minutes(1);

/// Who the session belongs to, as stored in the cookie, and when they signed in.
#[derive(Debug, Serialize, Deserialize)]
struct SessionUser {
    user: UserId,
    authority: AuthorityId,
    /// Unix seconds; a cookie from before timeouts existed reads as 0, long expired.
    #[serde(default)]
    signed_in_at: i64,
}

/// The session's last page, in Unix seconds.
const LAST_SEEN_KEY: &str = "seen";

/// Whether a session signed in at `signed_in_at` and last seen at `last_seen` (Unix
/// seconds) has ended by `now`.
fn expired(signed_in_at: i64, last_seen: i64, now: chrono::DateTime<chrono::Utc>) -> bool {
    let now = now.timestamp();
    now - signed_in_at > ABSOLUTE_TIMEOUT.num_seconds()
        || now - last_seen > IDLE_TIMEOUT.num_seconds()
}

/// The session's CSRF token, made on first use.
fn csrf_token(session: &Session) -> Result<String, PageError> {
    if let Some(token) = session
        .get::<String>(CSRF_KEY)
        .map_err(PageError::internal)?
    {
        return Ok(token);
    }
    let token = new_token();
    session
        .insert(CSRF_KEY, &token)
        .map_err(PageError::internal)?;
    Ok(token)
}

/// 32 random bytes as 64 hex digits: a CSRF token, or a form's one-time token.
pub(crate) fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses a form whose `csrf_token` is missing or is not the session's.
pub fn check_csrf(session: &Session, form: &HashMap<String, String>) -> Result<(), PageError> {
    let expected = session
        .get::<String>(CSRF_KEY)
        .map_err(PageError::internal)?;
    let presented = form.get(CSRF_FIELD);
    match (expected, presented) {
        (Some(expected), Some(presented))
            if bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) =>
        {
            Ok(())
        }
        _ => Err(PageError::Forbidden("missing or wrong CSRF token".into())),
    }
}

/// The signed-in person, their authority's scope, and the session's CSRF token.
/// Extracting it from a request without a valid session redirects to sign-in.
pub struct SignedIn {
    /// The user.
    pub user: User,
    /// Their authority: the only one any page reads or writes.
    pub scope: AuthorityScope,
    /// The session, for CSRF checks.
    pub session: Session,
    /// What the layout shows.
    pub frame: Frame,
}

impl SignedIn {
    /// Who acts in the core's terms: the user, their role and their authority.
    pub fn actor(&self) -> sendpanel_core::services::Actor {
        sendpanel_core::services::Actor {
            user: self.user.id,
            role: self.user.role,
            scope: self.scope.clone(),
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, form: &HashMap<String, String>) -> Result<(), PageError> {
        check_csrf(&self.session, form)
    }
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let session = request.get_session();
        let request = request.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| PageError::internal("no application state"))?;
            let Some(who) = session
                .get::<SessionUser>(USER_KEY)
                .map_err(PageError::internal)?
            else {
                return Err(PageError::SignIn);
            };
            let now = state.clock.now();
            let last_seen = session
                .get::<i64>(LAST_SEEN_KEY)
                .map_err(PageError::internal)?
                .unwrap_or(who.signed_in_at);
            if expired(who.signed_in_at, last_seen, now) {
                tracing::info!(user_id = %who.user, "session timed out");
                session.purge();
                return Err(PageError::SignIn);
            }
            if now.timestamp() - last_seen >= SEEN_GRANULARITY.num_seconds() {
                session
                    .insert(LAST_SEEN_KEY, now.timestamp())
                    .map_err(PageError::internal)?;
            }
            let scope = AuthorityScope::new(who.authority.clone());
            let db = state.db.clone();
            let lookup = scope.clone();
            let user = web::block(move || sendpanel_core::identity::user(&db, &lookup, who.user))
                .await
                .map_err(PageError::internal)?
                .map_err(PageError::internal)?;
            let Some(user) = user else {
                session.purge();
                return Err(PageError::SignIn);
            };
            let authority_name = state
                .authorities
                .iter()
                .find(|a| a.id == user.authority_id)
                .map_or_else(|| user.authority_id.to_string(), |a| a.name.clone());
            let frame = Frame {
                authority_name: Some(authority_name),
                user_name: Some(user.display_name.clone()),
                csrf_token: csrf_token(&session)?,
                role: Some(user.role),
                back: None,
            };
            tracing::Span::current().record("user_id", tracing::field::display(user.id));
            // For an error page later in this request, so it keeps the person's header
            // ([`super::render::signed_in_error_pages`]).
            request.extensions_mut().insert(frame.clone());
            Ok(SignedIn {
                user,
                scope,
                session,
                frame,
            })
        })
    }
}

/// `GET /sign-in`. Someone already signed in goes to their caseload.
pub async fn sign_in_page(session: Session) -> Result<HttpResponse, PageError> {
    if session
        .get::<SessionUser>(USER_KEY)
        .map_err(PageError::internal)?
        .is_some()
    {
        return Ok(see_other("/"));
    }
    sign_in_form(&session, StatusCode::OK, "", &[])
}

fn sign_in_form(
    session: &Session,
    status: StatusCode,
    email: &str,
    errors: &[(&str, &str)],
) -> Result<HttpResponse, PageError> {
    let frame = Frame {
        csrf_token: csrf_token(session)?,
        ..Frame::default()
    };
    let error_of = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, message)| *message)
    };
    let title = if errors.is_empty() {
        "Sign in"
    } else {
        "Error: Sign in"
    };
    render(
        status,
        "sign_in",
        title,
        &frame,
        json!({
            "errors": errors.iter().map(|(field, message)| json!({"href": format!("#{field}"), "text": message})).collect::<Vec<_>>(),
            "email": email,
            "email_error": error_of("email"),
            "password_error": error_of("password"),
        }),
    )
}

/// `POST /sign-in`: email and password. A wrong password and an unknown address get
/// the same answer.
pub async fn sign_in(
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_csrf(&session, &form)?;
    let email = form.get("email").map(|e| e.trim()).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    let mut errors = Vec::new();
    if email.is_empty() {
        errors.push(("email", "Enter your email address"));
    }
    if password.is_empty() {
        errors.push(("password", "Enter your password"));
    }
    if !errors.is_empty() {
        return sign_in_form(&session, StatusCode::BAD_REQUEST, email, &errors);
    }
    if !state.sign_in_limiter.allow(email) {
        tracing::warn!("sign-in attempts limited");
        return sign_in_form(
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            &[(
                "email",
                "There have been too many attempts to sign in with this email address. Wait a minute, then try again",
            )],
        );
    }
    let db = state.db.clone();
    let (address, secret) = (email.to_owned(), password.to_owned());
    let user = web::block(move || sendpanel_core::identity::sign_in(&db, &address, &secret))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    let Some(user) = user else {
        tracing::info!("sign-in refused");
        return sign_in_form(
            &session,
            StatusCode::UNAUTHORIZED,
            email,
            &[(
                "email",
                "Enter a correct email address and password; they may not match our records",
            )],
        );
    };
    // A new session, so nothing set before sign-in (a planted cookie) carries over.
    session.renew();
    session.clear();
    session
        .insert(
            USER_KEY,
            SessionUser {
                user: user.id,
                authority: user.authority_id.clone(),
                signed_in_at: state.clock.now().timestamp(),
            },
        )
        .map_err(PageError::internal)?;
    session
        .insert(CSRF_KEY, new_token())
        .map_err(PageError::internal)?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(see_other("/"))
}

/// `POST /sign-out`: ends the session.
pub async fn sign_out(
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    who.session.purge();
    tracing::info!(user_id = %who.user.id, "signed out");
    Ok(see_other("/sign-in"))
}

/// A redirect after a form, so a reload does not send it again.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let signed_in = chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
            .single()
            .map(|t| t.timestamp())
            .unwrap_or_default();
        let at = |hour, minute| {
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 24, hour, minute, 0)
                .single()
                .unwrap_or_default()
        };
        // Busy all day: fine until ten hours after signing in.
        assert!(!expired(signed_in, at(17, 50).timestamp(), at(17, 59)));
        assert!(expired(signed_in, at(18, 0).timestamp(), at(18, 1)));
        // Away from the desk for over an hour.
        assert!(!expired(signed_in, at(9, 0).timestamp(), at(10, 0)));
        assert!(expired(signed_in, at(9, 0).timestamp(), at(10, 1)));
    }
}
