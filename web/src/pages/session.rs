//! Signing in and out, the signed-in person, and CSRF protection.
//!
//! The session lives in the database ([`sendpanel_core::identity::sessions`]); the
//! cookie (encrypted and authenticated, `HttpOnly`, `SameSite=Lax`, `Secure` unless
//! development on plain http asked otherwise) carries only its random id and the CSRF
//! token. So signing out, "sign out everywhere", an admin switching the account off
//! and a password change end it on the server, and a copied cookie stops working at
//! once. Every form carries the CSRF token in a hidden `csrf_token` field; a POST
//! whose field does not match the session's, in constant time, is refused with a 403
//! page before anything is read or written. Signing in renews the cookie (a new id and
//! token), so nothing seen before sign-in is worth anything after it.
//!
//! A person with a second factor enrolled gives a code after their password, before
//! any session begins; an admin without one is sent to enrol before anything else.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload, web};
use sendpanel_core::domain::{AuthorityId, SignInMethod, User, UserId, UserRole};
use sendpanel_core::identity::sessions::{self, SessionId};
use sendpanel_core::identity::{self, IdentityError, PasswordCheck, two_factor};
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

const SESSION_ID_KEY: &str = "sid";
const CSRF_KEY: &str = "csrf";
const PENDING_KEY: &str = "pending";

/// Where an admin without a second factor is sent, and the only pages (with signing
/// out) they may open until they have one.
pub const ENROL_PATH: &str = "/account/two-factor";

/// How long someone who gave the right password has to give their code.
const PENDING_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);

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

/// Someone who gave the right password and must now give a one-time code.
#[derive(Debug, Serialize, Deserialize)]
struct PendingSecondFactor {
    user: UserId,
    authority: AuthorityId,
    /// Unix seconds when the password was accepted.
    at: i64,
}

/// The session's CSRF token, made on first use.
pub(super) fn csrf_token(session: &Session) -> Result<String, PageError> {
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
/// Extracting it from a request without a live session redirects to sign-in.
pub struct SignedIn {
    /// The user, as they are now (a changed role applies at once).
    pub user: User,
    /// Their authority: the only one any page reads or writes.
    pub scope: AuthorityScope,
    /// The cookie session, for CSRF checks.
    pub session: Session,
    /// The server-side session's id, to end it.
    pub session_id: SessionId,
    /// How they signed in.
    pub method: SignInMethod,
    /// Whether they have a second factor enrolled.
    pub two_factor_enrolled: bool,
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

/// Whether `path` may be opened by an admin who has not yet enrolled a second factor.
fn open_before_enrolment(path: &str) -> bool {
    path == ENROL_PATH || path == "/sign-out" || path.starts_with("/assets/")
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
            let Some(id) = session
                .get::<String>(SESSION_ID_KEY)
                .map_err(PageError::internal)?
            else {
                return Err(PageError::SignIn);
            };
            let session_id = SessionId::presented(id);
            let (db, clock, lookup) = (state.db.clone(), state.clock.clone(), session_id.clone());
            let live = web::block(move || sessions::resume(&db, &lookup, clock.as_ref()))
                .await
                .map_err(PageError::internal)?
                .map_err(PageError::internal)?;
            let Some(live) = live else {
                session.purge();
                return Err(PageError::SignIn);
            };
            let user = live.user;
            if user.role == UserRole::Admin
                && live.method == SignInMethod::Password
                && !live.two_factor_enrolled
                && !open_before_enrolment(request.path())
            {
                return Err(PageError::GoFirst(ENROL_PATH));
            }
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
                scope: AuthorityScope::new(user.authority_id.clone()),
                user,
                session,
                session_id,
                method: live.method,
                two_factor_enrolled: live.two_factor_enrolled,
                frame,
            })
        })
    }
}

/// Begins a server-side session for `user` in this browser: a new cookie (nothing
/// set before carries over) holding the session's id and a new CSRF token. Used by
/// every way of signing in.
pub async fn begin_session(
    state: &AppState,
    session: &Session,
    user: &User,
    method: SignInMethod,
) -> Result<(), PageError> {
    let (db, clock, who) = (state.db.clone(), state.clock.clone(), user.clone());
    let id = web::block(move || sessions::begin(&db, &who, method, clock.as_ref()))
        .await
        .map_err(PageError::internal)?
        .map_err(|e| match e {
            IdentityError::Disabled => PageError::refused(e.to_string()),
            other => PageError::internal(other),
        })?;
    keep_session_id(session, &id)?;
    tracing::info!(user_id = %user.id, %method, "signed in");
    Ok(())
}

/// Puts a (new) session id in a renewed cookie with a new CSRF token.
pub(super) fn keep_session_id(session: &Session, id: &SessionId) -> Result<(), PageError> {
    session.renew();
    session.clear();
    session
        .insert(SESSION_ID_KEY, id.as_str())
        .map_err(PageError::internal)?;
    session
        .insert(CSRF_KEY, new_token())
        .map_err(PageError::internal)?;
    Ok(())
}

/// `GET /sign-in`. Someone already signed in goes to their home page.
pub async fn sign_in_page(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    if session
        .get::<String>(SESSION_ID_KEY)
        .map_err(PageError::internal)?
        .is_some()
    {
        return Ok(see_other("/"));
    }
    sign_in_form(&state, &session, StatusCode::OK, "", &[])
}

fn sign_in_form(
    state: &AppState,
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
    let council_sign_in = super::council_sign_in::choices(state);
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
            "council_sign_in": council_sign_in,
            "can_reset": state.account_mail.is_some(),
        }),
    )
}

/// `POST /sign-in`: email and password. A wrong password and an unknown address get
/// the same answer. Guarded three ways before any hash is computed: attempts per
/// address, attempts per client, and a bound on hashes running at once.
pub async fn sign_in(
    state: web::Data<AppState>,
    session: Session,
    request: HttpRequest,
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
        return sign_in_form(&state, &session, StatusCode::BAD_REQUEST, email, &errors);
    }
    let guard = &state.sign_in_limiter;
    let client = guard.client_address(&request);
    if !guard
        .allow_client(&state.db, state.clock.as_ref(), client)
        .await
    {
        tracing::warn!(%client, "sign-in attempts limited for this client");
        return sign_in_form(
            &state,
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            &[(
                "email",
                "There have been too many attempts to sign in from this network. Wait a minute, then try again",
            )],
        );
    }
    if !guard.allow(&state.db, state.clock.as_ref(), email).await {
        tracing::warn!("sign-in attempts limited");
        return sign_in_form(
            &state,
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            &[(
                "email",
                "There have been too many attempts to sign in with this email address. Wait a minute, then try again",
            )],
        );
    }
    let Some(permit) = guard.hash_permit().await else {
        tracing::warn!("sign-in refused: too many passwords being checked at once");
        return sign_in_form(
            &state,
            &session,
            StatusCode::SERVICE_UNAVAILABLE,
            email,
            &[(
                "email",
                "The service is busy signing people in. Wait a few seconds, then try again",
            )],
        );
    };
    let db = state.db.clone();
    let (address, secret) = (email.to_owned(), password.to_owned());
    let checked = web::block(move || identity::sign_in(&db, &address, &secret))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    drop(permit);
    let account = match checked {
        PasswordCheck::Passed(account) => account,
        PasswordCheck::Disabled => {
            tracing::info!("sign-in refused: account disabled");
            return sign_in_form(
                &state,
                &session,
                StatusCode::FORBIDDEN,
                email,
                &[(
                    "email",
                    "This account has been disabled. Ask your authority's sendpanel administrator",
                )],
            );
        }
        PasswordCheck::Refused => {
            tracing::info!("sign-in refused");
            return sign_in_form(
                &state,
                &session,
                StatusCode::UNAUTHORIZED,
                email,
                &[(
                    "email",
                    "Enter a correct email address and password; they may not match our records",
                )],
            );
        }
    };
    if account.totp_secret.is_some() {
        // A new cookie, so nothing planted before sign-in carries over.
        session.renew();
        session.clear();
        session
            .insert(
                PENDING_KEY,
                PendingSecondFactor {
                    user: account.user.id,
                    authority: account.user.authority_id.clone(),
                    at: state.clock.now().timestamp(),
                },
            )
            .map_err(PageError::internal)?;
        session
            .insert(CSRF_KEY, new_token())
            .map_err(PageError::internal)?;
        return Ok(see_other("/sign-in/two-factor"));
    }
    begin_session(&state, &session, &account.user, SignInMethod::Password).await?;
    Ok(see_other("/"))
}

/// The person part way through signing in, if their password was accepted recently.
fn pending(state: &AppState, session: &Session) -> Result<Option<PendingSecondFactor>, PageError> {
    let Some(pending) = session
        .get::<PendingSecondFactor>(PENDING_KEY)
        .map_err(PageError::internal)?
    else {
        return Ok(None);
    };
    let age = state.clock.now().timestamp() - pending.at;
    Ok((0..=PENDING_LIFETIME.num_seconds())
        .contains(&age)
        .then_some(pending))
}

fn two_factor_form(
    session: &Session,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let frame = Frame {
        csrf_token: csrf_token(session)?,
        ..Frame::default()
    };
    render(
        status,
        "sign_in_two_factor",
        if error.is_some() {
            "Error: Enter the code from your authenticator app"
        } else {
            "Enter the code from your authenticator app"
        },
        &frame,
        json!({
            "errors": error.map(|text| vec![json!({"href": "#code", "text": text})]).unwrap_or_default(),
            "code_error": error,
        }),
    )
}

/// `GET /sign-in/two-factor`: the code, after the password.
pub async fn two_factor_page(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    if pending(&state, &session)?.is_none() {
        return Ok(see_other("/sign-in"));
    }
    two_factor_form(&session, StatusCode::OK, None)
}

/// `POST /sign-in/two-factor`: a code from the app, or a recovery code; then the
/// session begins. Attempts count against the same per-address limit as passwords.
pub async fn two_factor(
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_csrf(&session, &form)?;
    let Some(pending) = pending(&state, &session)? else {
        return Ok(see_other("/sign-in"));
    };
    let code = form.get("code").map(|c| c.trim()).unwrap_or_default();
    if code.is_empty() {
        return two_factor_form(
            &session,
            StatusCode::BAD_REQUEST,
            Some("Enter the 6-digit code from your authenticator app, or a recovery code"),
        );
    }
    if !state
        .sign_in_limiter
        .allow_second_factor(&state.db, state.clock.as_ref(), pending.user)
        .await
    {
        return two_factor_form(
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            Some("There have been too many attempts. Wait a minute, then try again"),
        );
    }
    let scope = AuthorityScope::new(pending.authority.clone());
    let (db, typed, lookup) = (state.db.clone(), code.to_owned(), scope.clone());
    let checked = web::block(move || {
        two_factor::verify(&db, &lookup, pending.user, &typed)?;
        identity::user(&db, &lookup, pending.user)
    })
    .await
    .map_err(PageError::internal)?;
    match checked {
        Ok(Some(user)) => {
            begin_session(&state, &session, &user, SignInMethod::Password).await?;
            Ok(see_other("/"))
        }
        Ok(None) => Ok(see_other("/sign-in")),
        Err(IdentityError::CodeRefused) => two_factor_form(
            &session,
            StatusCode::UNAUTHORIZED,
            Some("The code is not right, or it has been used. Enter the code your app shows now"),
        ),
        Err(other) => Err(PageError::internal(other)),
    }
}

/// `POST /sign-out`: ends this browser's session, on the server as well.
pub async fn sign_out(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let (db, clock, id) = (
        state.db.clone(),
        state.clock.clone(),
        who.session_id.clone(),
    );
    web::block(move || sessions::end(&db, &id, clock.as_ref()))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
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
