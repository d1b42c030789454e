//! The signed-in person's own account: change their password, sign out everywhere,
//! set up an authenticator app; and, signed out, reset a forgotten password by an
//! e-mailed link. The rules are `sendpanel_core::identity`'s; these pages read forms,
//! call it and render.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use sendpanel_core::domain::{SignInMethod, TotpSecret, UserRole};
use sendpanel_core::identity::passwords::{self, ResetMail};
use sendpanel_core::identity::{IdentityError, sessions, two_factor};
use sendpanel_core::notify::digest;
use serde_json::{Value, json};

use super::render::{Frame, PageError, render};
use super::session::{SignedIn, check_csrf, keep_session_id, see_other};
use super::work::words;
use crate::state::AppState;

const ENROLLING_KEY: &str = "enrolling";

async fn account_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    notice: Option<&str>,
    errors: &[(&str, String)],
) -> Result<HttpResponse, PageError> {
    let (db, scope, user) = (state.db.clone(), who.scope.clone(), who.user.id);
    let (left, digest) = web::block(move || {
        let left = two_factor::recovery_codes_left(&db, &scope, user)?;
        let digest = digest::wants_deadline_digest(&db, &scope, user)?;
        Ok::<_, IdentityError>((left, digest))
    })
    .await
    .map_err(PageError::internal)?
    .map_err(PageError::internal)?;
    let error = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    render(
        status,
        "account",
        if errors.is_empty() {
            "Your account"
        } else {
            "Error: Your account"
        },
        &who.frame,
        json!({
            "name": who.user.display_name,
            "email": who.user.email.to_string(),
            "role": words(&who.user.role.to_string()),
            "method": match who.method {
                SignInMethod::Password => "sendpanel password",
                SignInMethod::Oidc => "your council account",
            },
            "two_factor": who.two_factor_enrolled,
            "recovery_left": left,
            "deadline_digest": digest,
            "notice": notice,
            "errors": errors.iter().map(|(f, m)| json!({"href": format!("#{f}"), "text": m})).collect::<Vec<_>>(),
            "error": {
                "current_password": error("current_password"),
                "new_password": error("new_password"),
            },
        }),
    )
}

/// `POST /account/password`: current and new password. Every other session of the
/// person ends; this browser gets a new one.
pub async fn change_password(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let current = form.get("current_password").cloned().unwrap_or_default();
    let new = form.get("new_password").cloned().unwrap_or_default();
    let mut errors = Vec::new();
    if current.is_empty() {
        errors.push(("current_password", "Enter your current password".to_owned()));
    }
    if new.is_empty() {
        errors.push(("new_password", "Enter a new password".to_owned()));
    }
    if !errors.is_empty() {
        return account_page(&state, &who, StatusCode::BAD_REQUEST, None, &errors).await;
    }
    let Some(permit) = state.sign_in_limiter.hash_permit().await else {
        return Err(PageError::refused(
            "The service is busy. Wait a few seconds, then try again",
        ));
    };
    let (db, scope, clock, user) = (
        state.db.clone(),
        who.scope.clone(),
        state.clock.clone(),
        who.user.id,
    );
    let changed =
        web::block(move || passwords::change(&db, &scope, user, &current, &new, clock.as_ref()))
            .await
            .map_err(PageError::internal)?;
    drop(permit);
    match changed {
        Ok(session) => {
            keep_session_id(&who.session, &session)?;
            tracing::info!(user_id = %who.user.id, "password changed");
            Ok(see_other("/account?changed=password"))
        }
        Err(IdentityError::WrongPassword) => {
            let errors = [(
                "current_password",
                "Your current password is not right".to_owned(),
            )];
            account_page(
                &state,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &errors,
            )
            .await
        }
        Err(IdentityError::Invalid { rule, .. }) => {
            let errors = [("new_password", format!("New password {rule}"))];
            account_page(
                &state,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &errors,
            )
            .await
        }
        Err(other) => Err(PageError::internal(other)),
    }
}

/// `GET /account`, and `?changed=password` after a change, to say what changed.
pub async fn page_after(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.get("changed").map(String::as_str) {
        Some("password") => {
            Some("Your password has been changed and you have been signed out everywhere else")
        }
        Some("digest-on") => Some("You will get the daily deadline digest"),
        Some("digest-off") => Some("You will not get the daily deadline digest"),
        _ => None,
    };
    account_page(&state, &who, StatusCode::OK, notice, &[]).await
}

/// `POST /account/deadline-digest`: the "Send me the daily deadline digest" box,
/// ticked (`deadline_digest=on`) or not (absent). A change is recorded as an
/// `AccountChanged` event; sending the page unchanged records nothing.
pub async fn set_deadline_digest(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let on = form.get("deadline_digest").map(String::as_str) == Some("on");
    let (db, scope, clock, user) = (
        state.db.clone(),
        who.scope.clone(),
        state.clock.clone(),
        who.user.id,
    );
    let changed = web::block(move || {
        digest::set_deadline_digest(&db, &scope, user, on, Some(user), clock.as_ref())
    })
    .await
    .map_err(PageError::internal)?
    .map_err(PageError::internal)?;
    tracing::info!(user_id = %who.user.id, on, changed, "deadline digest preference");
    Ok(see_other(if on {
        "/account?changed=digest-on"
    } else {
        "/account?changed=digest-off"
    }))
}

/// `POST /account/sign-out-everywhere`: ends every session of the person, this one too.
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let (db, scope, clock, user) = (
        state.db.clone(),
        who.scope.clone(),
        state.clock.clone(),
        who.user.id,
    );
    let ended = web::block(move || sessions::end_everywhere(&db, &scope, user, clock.as_ref()))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    who.session.purge();
    tracing::info!(user_id = %who.user.id, ended, "signed out everywhere");
    Ok(see_other("/sign-in"))
}

/// The secret being set up in this browser, made on first view and kept in the
/// (encrypted) cookie until the code proves the app has it.
fn enrolling_secret(session: &Session) -> Result<TotpSecret, PageError> {
    if let Some(base32) = session
        .get::<String>(ENROLLING_KEY)
        .map_err(PageError::internal)?
    {
        return Ok(TotpSecret::from_stored(base32));
    }
    let secret = two_factor::new_secret();
    session
        .insert(ENROLLING_KEY, secret.as_str())
        .map_err(PageError::internal)?;
    Ok(secret)
}

fn enrol_page(
    state: &AppState,
    who: &SignedIn,
    status: StatusCode,
    code_error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let secret = enrolling_secret(&who.session)?;
    let issuer = state.config_of(who.scope.authority()).map_or_else(
        || "sendpanel".to_owned(),
        |c| format!("sendpanel ({})", c.name),
    );
    let uri = two_factor::setup_uri(&secret, who.user.email.as_str(), &issuer)
        .map_err(PageError::internal)?;
    let grouped = secret
        .as_str()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    render(
        status,
        "account_two_factor",
        if code_error.is_some() {
            "Error: Set up an authenticator app"
        } else {
            "Set up an authenticator app"
        },
        &who.frame,
        json!({
            "required": who.user.role == UserRole::Admin && !who.two_factor_enrolled,
            "secret_grouped": grouped,
            "setup_uri": uri,
            "code_error": code_error,
            "errors": code_error.map(|t| vec![json!({"href": "#code", "text": t})]).unwrap_or_default(),
        }),
    )
}

/// `GET /account/two-factor`: the setup key and the code field.
pub async fn two_factor_page(
    state: web::Data<AppState>,
    who: SignedIn,
) -> Result<HttpResponse, PageError> {
    enrol_page(&state, &who, StatusCode::OK, None)
}

/// `POST /account/two-factor`: the first code from the app turns the second factor on
/// and shows the recovery codes, once.
pub async fn enrol(
    state: web::Data<AppState>,
    who: SignedIn,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    who.check_csrf(&form)?;
    let code = form
        .get("code")
        .map(|c| c.trim().to_owned())
        .unwrap_or_default();
    if code.is_empty() {
        return enrol_page(
            &state,
            &who,
            StatusCode::BAD_REQUEST,
            Some("Enter the 6-digit code from your authenticator app"),
        );
    }
    let secret = enrolling_secret(&who.session)?;
    let (db, scope, user) = (state.db.clone(), who.scope.clone(), who.user.id);
    let enrolled = web::block(move || two_factor::enrol(&db, &scope, user, &secret, &code))
        .await
        .map_err(PageError::internal)?;
    match enrolled {
        Ok(codes) => {
            who.session.remove(ENROLLING_KEY);
            tracing::info!(user_id = %who.user.id, "second factor enrolled");
            render(
                StatusCode::OK,
                "account_recovery_codes",
                "Authenticator app set up",
                &who.frame,
                json!({ "codes": codes }),
            )
        }
        Err(IdentityError::CodeRefused) => enrol_page(
            &state,
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(
                "The code is not right. Check the key you entered, then enter the code the app shows now",
            ),
        ),
        Err(other) => Err(PageError::internal(other)),
    }
}

fn signed_out_frame(session: &Session) -> Result<Frame, PageError> {
    Ok(Frame {
        csrf_token: super::session::csrf_token(session)?,
        ..Frame::default()
    })
}

fn forgotten_form(
    session: &Session,
    status: StatusCode,
    fields: Value,
) -> Result<HttpResponse, PageError> {
    render(
        status,
        "forgotten_password",
        "Reset your password",
        &signed_out_frame(session)?,
        fields,
    )
}

/// `GET /forgotten-password`. Not found when no `public_url` is set: a reset link
/// needs an address people can trust.
pub async fn forgotten_page(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    if state.account_mail.is_none() {
        return Err(PageError::NotFound);
    }
    forgotten_form(&session, StatusCode::OK, json!({}))
}

/// `POST /forgotten-password`: sends a link if the address has an account, and says
/// the same whether or not it does.
pub async fn forgotten(
    state: web::Data<AppState>,
    session: Session,
    request: actix_web::HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&session, &form)?;
    let Some(mail) = state.account_mail.clone() else {
        return Err(PageError::NotFound);
    };
    let email = form
        .get("email")
        .map(|e| e.trim().to_owned())
        .unwrap_or_default();
    if email.is_empty() {
        return forgotten_form(
            &session,
            StatusCode::BAD_REQUEST,
            json!({
                "email_error": "Enter your email address",
                "errors": [{"href": "#email", "text": "Enter your email address"}],
            }),
        );
    }
    let guard = &state.sign_in_limiter;
    let client = guard.client_address(&request);
    let clock = state.clock.as_ref();
    if !guard.allow_client(&state.db, clock, client).await
        || !guard.allow(&state.db, clock, &email).await
    {
        return forgotten_form(
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            json!({
                "email": email,
                "email_error": "There have been too many attempts. Wait a minute, then try again",
                "errors": [{"href": "#email", "text": "There have been too many attempts. Wait a minute, then try again"}],
            }),
        );
    }
    let (db, clock, address) = (state.db.clone(), state.clock.clone(), email.clone());
    let sent = web::block(move || {
        passwords::request_reset(
            &db,
            &address,
            ResetMail {
                public_url: &mail.public_url,
                from_address: &mail.from_address,
                from_name: &mail.from_name,
            },
            clock.as_ref(),
        )
    })
    .await
    .map_err(PageError::internal)?
    .map_err(PageError::internal)?;
    tracing::info!(sent, "password reset asked for");
    forgotten_form(
        &session,
        StatusCode::OK,
        json!({ "sent": true, "email": email }),
    )
}

fn reset_form(
    session: &Session,
    status: StatusCode,
    token: &str,
    unusable: bool,
    password_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    render(
        status,
        "reset_password",
        if unusable {
            "This link cannot be used"
        } else if password_error.is_some() {
            "Error: Choose a new password"
        } else {
            "Choose a new password"
        },
        &signed_out_frame(session)?,
        json!({
            "token": token,
            "unusable": unusable,
            "password_error": password_error,
            "errors": password_error.as_ref().map(|t| vec![json!({"href": "#new_password", "text": t})]).unwrap_or_default(),
        }),
    )
}

/// Only the shape a reset link has (64 hex digits) is looked up or echoed into a page.
fn token_shape(token: &str) -> Option<&str> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then_some(token)
}

/// `GET /reset-password/{token}`: the form, or a page saying the link cannot be used.
pub async fn reset_page(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some(token) = token_shape(&token).map(str::to_owned) else {
        return reset_form(&session, StatusCode::NOT_FOUND, "", true, None);
    };
    let (db, clock, secret) = (state.db.clone(), state.clock.clone(), token.clone());
    let owner = web::block(move || passwords::reset_link_owner(&db, &secret, clock.as_ref()))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    if owner.is_none() {
        return reset_form(&session, StatusCode::GONE, "", true, None);
    }
    reset_form(&session, StatusCode::OK, &token, false, None)
}

/// `POST /reset-password/{token}`: the new password. Uses the link once, ends every
/// session of the account, and sends the person to sign in.
pub async fn reset(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&session, &form)?;
    let Some(token) = token_shape(&token).map(str::to_owned) else {
        return reset_form(&session, StatusCode::NOT_FOUND, "", true, None);
    };
    let new = form.get("new_password").cloned().unwrap_or_default();
    if new.is_empty() {
        return reset_form(
            &session,
            StatusCode::BAD_REQUEST,
            &token,
            false,
            Some("Enter a new password".into()),
        );
    }
    let Some(permit) = state.sign_in_limiter.hash_permit().await else {
        return Err(PageError::refused(
            "The service is busy. Wait a few seconds, then try again",
        ));
    };
    let (db, clock, secret) = (state.db.clone(), state.clock.clone(), token.clone());
    let done = web::block(move || passwords::reset(&db, &secret, &new, clock.as_ref()))
        .await
        .map_err(PageError::internal)?;
    drop(permit);
    match done {
        Ok(()) => {
            tracing::info!("password reset through a link");
            Ok(see_other("/sign-in?reset=done"))
        }
        Err(IdentityError::Invalid { rule, .. }) => reset_form(
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            false,
            Some(format!("New password {rule}")),
        ),
        Err(IdentityError::LinkNotUsable | IdentityError::Disabled) => {
            reset_form(&session, StatusCode::GONE, "", true, None)
        }
        Err(other) => Err(PageError::internal(other)),
    }
}
