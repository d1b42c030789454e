//! Who is calling: a bearer token, looked up by its hash, gives the user, and so the
//! authority every query is scoped to and the role that limits what they may do.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use sendpanel_core::domain::{User, UserRole};
use sendpanel_core::store::AuthorityScope;

use super::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// Their authority: the only one they can read or write.
    pub scope: AuthorityScope,
    /// The token presented, so a long-lived stream can check it was not revoked.
    token: String,
}

/// Never prints the token.
impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("user", &self.user.id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Caller {
    /// What keeps a live stream this caller opens alive: their token.
    pub fn holder(&self) -> crate::live::Holder {
        crate::live::Holder::Token(self.token.clone())
    }
}

impl Caller {
    /// Who acts in the core's terms: the user, their role and their authority.
    pub fn actor(&self) -> sendpanel_core::services::Actor {
        sendpanel_core::services::Actor {
            user: self.user.id,
            role: self.user.role,
            scope: self.scope.clone(),
        }
    }

    /// Refuses unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[UserRole], doing: &str) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "a {} cannot {doing}",
                self.user.role.to_string().replace('_', " ")
            )))
        }
    }
}

fn unauthorised(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorised", message)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already known when the idempotency middleware looked the token up.
        if let Some(caller) = request.extensions().get::<Caller>().cloned() {
            return Box::pin(std::future::ready(Ok(caller)));
        }
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let token = request
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("no application state"))?;
            let token = token.ok_or_else(|| {
                unauthorised(
                    "send `Authorization: Bearer <token>`; `sendpanel user token` makes one",
                )
            })?;
            let db = state.db.clone();
            let presented = token.clone();
            let user = web::block(move || sendpanel_core::identity::authenticate(&db, &presented))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?
                .ok_or_else(|| unauthorised("the token is unknown or revoked"))?;
            let scope = AuthorityScope::new(user.authority_id.clone());
            tracing::Span::current().record("user_id", tracing::field::display(user.id));
            Ok(Caller { user, scope, token })
        })
    }
}
