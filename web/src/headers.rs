//! Security headers on every response, in one middleware, so no page or API route can
//! forget them.
//!
//! - `Content-Security-Policy`: scripts, styles, images and fonts from this site only
//!   (GOV.UK Frontend is served from `/assets/`, and no page carries an inline script or
//!   style), forms post only here, and no other site may frame a page
//!   (`frame-ancestors 'none'`, with `X-Frame-Options: DENY` for older browsers). A
//!   route that sets its own policy (a letter, shown sandboxed) keeps it.
//! - `Cache-Control: no-store` unless the route chose its own (the static assets): every
//!   signed-in page and every API answer can carry a child's personal data, and a
//!   shared council PC or a proxy must not keep a copy.
//! - `Referrer-Policy: no-referrer`: case ids in addresses never leave in a `Referer`.
//! - `X-Content-Type-Options: nosniff`.
//! - `Strict-Transport-Security` only when `public_url` is `https://...`: the operator
//!   has said the service is reached over TLS (usually at a proxy in front of a loopback
//!   bind, so the connection itself cannot tell), and browsers then refuse plain http
//!   to it for a year.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The policy every page gets unless its route set one.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for a year, once the service is known to be reached over HTTPS.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Which of the headers depend on configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecurityHeaders {
    /// Send `Strict-Transport-Security` (the configured `public_url` is https).
    pub hsts: bool,
}

impl SecurityHeaders {
    /// Adds the headers to `response`, keeping any the route set itself.
    pub async fn apply<B: MessageBody>(
        self,
        request: ServiceRequest,
        next: Next<B>,
    ) -> Result<ServiceResponse<B>, actix_web::Error> {
        let mut response = next.call(request).await?;
        let headers = response.headers_mut();
        let mut set = |name: header::HeaderName, value: &'static str| {
            if !headers.contains_key(&name) {
                headers.insert(name, HeaderValue::from_static(value));
            }
        };
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        set(header::X_FRAME_OPTIONS, "DENY");
        set(header::CACHE_CONTROL, "no-store");
        set(header::REFERRER_POLICY, "no-referrer");
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        if self.hsts {
            set(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
        }
        Ok(response)
    }
}
