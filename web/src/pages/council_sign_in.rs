//! Signing in with a council account: the sign-in page's "Sign in with your ... account"
//! buttons, for each authority that configures `[sign_in.oidc]`.
//!
//! `GET /sign-in/council/{code}` starts the OpenID Connect sign-in
//! ([`crate::oidc::OidcClients::begin`]), keeps the pending sign-in in the session
//! cookie (encrypted: it holds the PKCE verifier and nonce) and sends the browser to the
//! council's provider. The provider sends it back to `GET /sign-in/council/callback`,
//! which checks the answer ([`crate::oidc::OidcClients::finish`]), asks the core which
//! account the vouched-for address is ([`federated::account_for_federated`]) and begins
//! a session. Every refusal is the sign-in page again with the reason in the error
//! summary.
//!
//! A council sign-in asks for no sendpanel second factor: the council's provider owns
//! multi-factor authentication for its people (the session's method says so).
//!
//! The log names the authority and the reason, never the address; the page shows the
//! address back to the person who signed in, who owns it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sendpanel_core::domain::{AuthorityId, SignInMethod};
use sendpanel_core::identity::federated::{self, FederatedError};
use serde::Deserialize;
use serde_json::{Value, json};

use super::render::{Frame, PageError, render};
use super::session::{begin_session, csrf_token, see_other};
use crate::oidc::{OidcError, PendingLogin};
use crate::state::AppState;

/// Where the provider sends the browser back; registered at each council's provider as
/// `<public_url>/sign-in/council/callback`.
pub const CALLBACK_PATH: &str = "/sign-in/council/callback";

/// The session key the pending sign-in waits under.
const PENDING_KEY: &str = "council_login";

/// The id of the sign-in page's council section, which refusals link to.
const SECTION_ID: &str = "council-sign-in";

/// The sign-in page's council buttons: `{code, name}` for each authority offering it.
pub(super) fn choices(state: &AppState) -> Vec<Value> {
    state
        .authorities
        .iter()
        .filter(|a| state.oidc.offers(&a.id))
        .map(|a| json!({"code": a.id.as_str(), "name": a.name}))
        .collect()
}

/// `GET /sign-in/council/{code}`: off to the council's provider.
pub async fn begin(
    state: web::Data<AppState>,
    session: Session,
    request: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let authority = AuthorityId::parse(&code).map_err(|_| PageError::NotFound)?;
    if !state.oidc.offers(&authority) {
        return Err(PageError::NotFound);
    }
    let redirect_uri = callback_url(&state, &request);
    match state.oidc.begin(&authority, &redirect_uri).await {
        Ok((url, pending)) => {
            session
                .insert(PENDING_KEY, &pending)
                .map_err(PageError::internal)?;
            Ok(see_other(url.as_str()))
        }
        Err(error) => refused(&state, &session, status_of(&error), error.user_message()),
    }
}

/// What the provider sends back: `code` and `state`, or an OAuth `error`.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /sign-in/council/callback`: the provider's answer, checked, then the session.
pub async fn callback(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<Callback>,
) -> Result<HttpResponse, PageError> {
    // Taken out at once: an answer is good for one try, whatever happens next.
    let pending = session.remove_as::<PendingLogin>(PENDING_KEY);
    let query = query.into_inner();
    let Some(Ok(pending)) = pending else {
        return refused(
            &state,
            &session,
            StatusCode::BAD_REQUEST,
            OidcError::LoginExpired.user_message(),
        );
    };
    let authority = pending.authority().clone();
    if let Some(error) = &query.error {
        // The provider's description is not shown: anyone can put words in this URL.
        tracing::info!(authority = %authority, error = %oauth_code(error), "council sign-in: the provider answered an error");
        let message = if error == "access_denied" {
            "Your council's sign-in service did not sign you in to sendpanel. If you cancelled, start again; otherwise ask your council's IT team whether you may use sendpanel."
        } else {
            "Your council's sign-in service could not sign you in. Start again, and tell your council's IT team if it happens again."
        };
        return refused(&state, &session, StatusCode::UNAUTHORIZED, message);
    }
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return refused(
            &state,
            &session,
            StatusCode::BAD_REQUEST,
            OidcError::StateMismatch.user_message(),
        );
    };
    let identity = match state.oidc.finish(pending, &returned_state, &code).await {
        Ok(identity) => identity,
        Err(error) => return refused(&state, &session, status_of(&error), error.user_message()),
    };
    // `None` when the authority maps no groups: roles are then sendpanel's alone.
    let mapped = state
        .oidc
        .config(&authority)
        .filter(|config| !config.group_roles.is_empty())
        .map(|config| config.roles_for_groups(&identity.groups));
    let (db, clock) = (state.db.clone(), state.clock.clone());
    let (email, verified, who) = (
        identity.email.clone(),
        identity.email_verified,
        authority.clone(),
    );
    let found = web::block(move || {
        federated::account_for_federated(
            &db,
            &who,
            &email,
            verified,
            mapped.as_deref(),
            clock.as_ref(),
        )
    })
    .await
    .map_err(PageError::internal)?;
    let user = match found {
        Ok(user) => user,
        Err(FederatedError::Store(error)) => return Err(PageError::internal(error)),
        Err(error) => {
            tracing::info!(authority = %authority, reason = %error, "council sign-in refused");
            let (status, message) = match &error {
                FederatedError::UnknownAccount => (
                    StatusCode::FORBIDDEN,
                    format!(
                        "Your council account ({}) has no sendpanel account. Ask your authority's sendpanel administrator to add you",
                        identity.email.as_str()
                    ),
                ),
                FederatedError::EmailNotVerified => (
                    StatusCode::UNAUTHORIZED,
                    "Your council's sign-in service has not confirmed your e-mail address, so sendpanel cannot tell who you are. Ask your council's IT team".to_owned(),
                ),
                FederatedError::Disabled => (
                    StatusCode::FORBIDDEN,
                    "This account has been disabled. Ask your authority's sendpanel administrator".to_owned(),
                ),
                FederatedError::NoMappedGroup => (
                    StatusCode::FORBIDDEN,
                    "Your council account is not in a group that gives access to sendpanel. Ask your council's IT team to add you to the right group".to_owned(),
                ),
                other => (StatusCode::FORBIDDEN, capitalised(&other.to_string())),
            };
            return refused(&state, &session, status, &message);
        }
    };
    begin_session(&state, &session, &user, SignInMethod::Oidc).await?;
    Ok(see_other("/"))
}

/// The callback's absolute address: under the configured `public_url` when there is
/// one, else the address this request came to. A forged `Host` gains nothing: the
/// provider sends people back only to addresses registered with it.
fn callback_url(state: &AppState, request: &HttpRequest) -> String {
    match &state.account_mail {
        Some(mail) => format!("{}{CALLBACK_PATH}", mail.public_url.trim_end_matches('/')),
        None => {
            let info = request.connection_info();
            format!("{}://{}{CALLBACK_PATH}", info.scheme(), info.host())
        }
    }
}

/// A provider that cannot be reached is our side's trouble for now; everything else
/// is a sign-in not accepted.
fn status_of(error: &OidcError) -> StatusCode {
    match error {
        OidcError::ProviderUnreachable { .. } | OidcError::Interrupted => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        OidcError::StateMismatch | OidcError::LoginExpired => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNAUTHORIZED,
    }
}

/// An OAuth error code as the log may hold it: its own character set (RFC 6749,
/// section 4.1.2.1), at most 64 characters; nothing else a URL could smuggle in.
fn oauth_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The sign-in page again, with `message` in the error summary, linked to the council
/// buttons.
fn refused(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    message: &str,
) -> Result<HttpResponse, PageError> {
    let frame = Frame {
        csrf_token: csrf_token(session)?,
        ..Frame::default()
    };
    render(
        status,
        "sign_in",
        "Error: Sign in",
        &frame,
        json!({
            "errors": [{"href": format!("#{SECTION_ID}"), "text": message}],
            "email": "",
            "council_sign_in": choices(state),
            "can_reset": state.account_mail.is_some(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_oauth_code_reaches_the_log() {
        assert_eq!(oauth_code("access_denied"), "access_denied");
        assert_eq!(oauth_code("x\n<script>y@z.example"), "xscriptyzexample");
        assert_eq!(oauth_code(&"a".repeat(100)).len(), 64);
    }

    #[test]
    fn messages_start_with_a_capital() {
        assert_eq!(capitalised("your groups"), "Your groups");
        assert_eq!(capitalised(""), "");
    }
}
