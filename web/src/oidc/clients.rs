//! One OpenID Connect client per authority that configures one, with its provider's
//! discovery document and keys cached.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreProviderMetadata,
};
use openidconnect::url::Url;
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, DiscoveryError,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, StandardErrorResponse, TokenResponse, ureq,
};
use sendpanel_core::config::{AuthorityConfig, OidcConfig};
use sendpanel_core::domain::AuthorityId;

use super::login::{ProviderIdToken, ProviderIdTokenClaims, identity_from};
use super::{OidcError, PendingLogin, TokenProblem, VerifiedIdentity};

/// How long a discovery document (and the keys fetched with it) is used before it is
/// fetched again. Keys a provider rotates in sooner are caught by the unknown-key refresh.
const DISCOVERY_TTL: Duration = Duration::from_secs(60 * 60);

/// The least time between two fetches forced by an unknown key id: a token naming a
/// made-up key must not make us fetch the provider's keys on every request.
const KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// How long someone has between starting a sign-in and coming back with the code.
const LOGIN_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// Scopes asked for besides `openid`: the standard ones Entra ID and Google Workspace
/// both answer, which put the address (and, where configured, groups) in the ID token.
const SCOPES: [&str; 2] = ["email", "profile"];

/// Timeouts for every call to a provider; a sign-in page must not hang on one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// The client `openidconnect` builds from a discovery document: authorization endpoint
/// set, token and userinfo endpoints as the document says.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The OpenID Connect clients of every authority that configures `[sign_in.oidc]`.
/// Cheap to clone (one `Arc`); share one in the application state so the discovery
/// cache is shared too.
#[derive(Clone)]
pub struct OidcClients {
    inner: Arc<Inner>,
}

struct Inner {
    providers: HashMap<AuthorityId, Provider>,
    http: ureq::Agent,
}

/// One authority's provider: its configuration, credentials and cache.
struct Provider {
    config: OidcConfig,
    secret: ClientSecret,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    /// The discovery document with its keys, and when it was fetched.
    metadata: Option<(CoreProviderMetadata, Instant)>,
    /// When an unknown key id last forced a fetch.
    last_key_refresh: Option<Instant>,
}

impl Provider {
    /// The cache, even if a thread panicked holding it: it only ever holds a whole
    /// document or none, so it cannot be left half-written.
    fn cache(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn client(&self, metadata: CoreProviderMetadata) -> DiscoveredClient {
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(self.secret.clone()),
        )
    }
}

impl fmt::Debug for OidcClients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut authorities: Vec<_> = self.inner.providers.keys().collect();
        authorities.sort();
        f.debug_struct("OidcClients")
            .field("authorities", &authorities)
            .finish_non_exhaustive()
    }
}

impl Default for OidcClients {
    /// [`OidcClients::none`].
    fn default() -> Self {
        Self::none()
    }
}

impl OidcClients {
    /// Clients for every authority with `[sign_in.oidc]`, each client secret read from the
    /// environment variable its `client_secret_env` names. Fails, naming the authority and
    /// the variable, when a secret is missing, so start-up stops rather than sign-in
    /// failing later.
    pub fn from_environment(authorities: &[AuthorityConfig]) -> Result<Self, OidcError> {
        Self::new(authorities, |variable| std::env::var(variable).ok())
    }

    /// As [`Self::from_environment`], with the secrets looked up by `secret_of(variable)`
    /// (tests give them directly; changing the process environment is `unsafe`).
    pub fn new(
        authorities: &[AuthorityConfig],
        secret_of: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, OidcError> {
        let mut providers = HashMap::new();
        for authority in authorities {
            let Some(config) = &authority.sign_in.oidc else {
                continue;
            };
            let secret = secret_of(&config.client_secret_env)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| OidcError::SecretMissing {
                    authority: authority.id.clone(),
                    variable: config.client_secret_env.clone(),
                })?;
            providers.insert(
                authority.id.clone(),
                Provider {
                    config: config.clone(),
                    secret: ClientSecret::new(secret),
                    cache: Mutex::default(),
                },
            );
        }
        Ok(Self::with_providers(providers))
    }

    /// Clients for no authority: nobody is offered council sign-in (tests and tools
    /// whose authorities configure none).
    pub fn none() -> Self {
        Self::with_providers(HashMap::new())
    }

    fn with_providers(providers: HashMap<AuthorityId, Provider>) -> Self {
        // No redirects: a provider's endpoints answer directly, and following one could
        // send our client secret or requests somewhere else (openidconnect's advice).
        let http = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .user_agent(concat!("sendpanel/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            inner: Arc::new(Inner { providers, http }),
        }
    }

    /// Whether `authority` offers sign-in through its OpenID Provider.
    pub fn offers(&self, authority: &AuthorityId) -> bool {
        self.inner.providers.contains_key(authority)
    }

    /// The authority's `[sign_in.oidc]`, for its group-to-role mapping.
    pub fn config(&self, authority: &AuthorityId) -> Option<&OidcConfig> {
        self.inner.providers.get(authority).map(|p| &p.config)
    }

    /// Starts a sign-in: the provider's address to send the browser to, and the
    /// [`PendingLogin`] to keep (encrypted) until it comes back to `redirect_uri`, which
    /// must be registered at the provider. Runs the discovery (when not cached) on the
    /// blocking pool.
    pub async fn begin(
        &self,
        authority: &AuthorityId,
        redirect_uri: &str,
    ) -> Result<(Url, PendingLogin), OidcError> {
        let this = self.clone();
        let authority = authority.clone();
        let redirect_uri = redirect_uri.to_owned();
        actix_web::web::block(move || this.begin_blocking(&authority, &redirect_uri))
            .await
            .map_err(|_| OidcError::Interrupted)?
    }

    /// Ends a sign-in when the browser comes back with `state` and `code`: checks the
    /// state, exchanges the code and checks the ID token. Runs on the blocking pool.
    pub async fn finish(
        &self,
        pending: PendingLogin,
        returned_state: &str,
        code: &str,
    ) -> Result<VerifiedIdentity, OidcError> {
        let this = self.clone();
        let state = returned_state.to_owned();
        let code = code.to_owned();
        actix_web::web::block(move || this.finish_blocking(&pending, &state, &code))
            .await
            .map_err(|_| OidcError::Interrupted)?
    }

    /// [`Self::begin`], on the calling thread (which may block on the provider).
    pub fn begin_blocking(
        &self,
        authority: &AuthorityId,
        redirect_uri: &str,
    ) -> Result<(Url, PendingLogin), OidcError> {
        self.begin_inner(authority, redirect_uri)
            .inspect_err(|error| log_failure(authority, error))
    }

    /// [`Self::finish`], on the calling thread (which may block on the provider).
    pub fn finish_blocking(
        &self,
        pending: &PendingLogin,
        returned_state: &str,
        code: &str,
    ) -> Result<VerifiedIdentity, OidcError> {
        self.finish_inner(pending, returned_state, code)
            .inspect_err(|error| log_failure(pending.authority(), error))
    }

    fn provider(&self, authority: &AuthorityId) -> Result<&Provider, OidcError> {
        self.inner
            .providers
            .get(authority)
            .ok_or_else(|| OidcError::NotConfigured {
                authority: authority.clone(),
            })
    }

    fn begin_inner(
        &self,
        authority: &AuthorityId,
        redirect_uri: &str,
    ) -> Result<(Url, PendingLogin), OidcError> {
        let provider = self.provider(authority)?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| OidcError::BadRedirectUri(e.to_string()))?;
        let metadata = self.metadata(authority, provider)?;
        let client = provider.client(metadata).set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let request = SCOPES.iter().fold(
            client
                .authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    CsrfToken::new_random,
                    Nonce::new_random,
                )
                .set_pkce_challenge(challenge),
            |request, scope| request.add_scope(Scope::new((*scope).to_owned())),
        );
        let (url, state, nonce) = request.url();
        let pending = PendingLogin::new(
            authority.clone(),
            state.into_secret(),
            nonce.secret().clone(),
            verifier.into_secret(),
            redirect_uri.to_owned(),
            Utc::now(),
        );
        Ok((url, pending))
    }

    fn finish_inner(
        &self,
        pending: &PendingLogin,
        returned_state: &str,
        code: &str,
    ) -> Result<VerifiedIdentity, OidcError> {
        let authority = pending.authority();
        let provider = self.provider(authority)?;
        if !pending.is_fresh(Utc::now(), LOGIN_LIFETIME) {
            return Err(OidcError::LoginExpired);
        }
        if !pending.state_matches(returned_state) {
            return Err(OidcError::StateMismatch);
        }
        let redirect = RedirectUrl::new(pending.redirect_uri().to_owned())
            .map_err(|e| OidcError::BadRedirectUri(e.to_string()))?;
        let client = provider
            .client(self.metadata(authority, provider)?)
            .set_redirect_uri(redirect);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::ProviderMisconfigured {
                authority: authority.clone(),
                reason: e.to_string(),
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier().to_owned()))
            .request(&self.inner.http)
            .map_err(|e| token_request_error(authority, e))?;
        let id_token = response.id_token().ok_or_else(|| OidcError::NoIdToken {
            authority: authority.clone(),
        })?;
        // Read again keeping every claim: the core type drops the ones it does not know,
        // and the e-mail or groups claim may be one of those.
        let id_token: ProviderIdToken = id_token
            .to_string()
            .parse()
            .map_err(|_| refused(authority, TokenProblem::Malformed))?;
        let nonce = Nonce::new(pending.nonce().to_owned());
        let claims = match verified(&client, &id_token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // The provider may have rotated its keys since we fetched them.
                match self.refreshed_metadata(authority, provider)? {
                    Some(metadata) => verified(&provider.client(metadata), &id_token, &nonce),
                    None => Err(ClaimsVerificationError::SignatureVerification(
                        SignatureVerificationError::NoMatchingKey,
                    )),
                }
            }
            other => other,
        }
        .map_err(|e| claims_error(authority, &e))?;
        identity_from(authority, &provider.config, claims)
    }

    /// The provider's discovery document and keys, fetched when not cached or stale.
    fn metadata(
        &self,
        authority: &AuthorityId,
        provider: &Provider,
    ) -> Result<CoreProviderMetadata, OidcError> {
        if let Some((metadata, fetched)) = &provider.cache().metadata
            && fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(metadata.clone());
        }
        self.discover(authority, provider)
    }

    /// The document fetched again because a token named a key we do not have; `None`
    /// when another such fetch happened within [`KEY_REFRESH_INTERVAL`].
    fn refreshed_metadata(
        &self,
        authority: &AuthorityId,
        provider: &Provider,
    ) -> Result<Option<CoreProviderMetadata>, OidcError> {
        {
            let mut cache = provider.cache();
            if cache
                .last_key_refresh
                .is_some_and(|at| at.elapsed() < KEY_REFRESH_INTERVAL)
            {
                return Ok(None);
            }
            cache.last_key_refresh = Some(Instant::now());
        }
        tracing::info!(authority = %authority, "ID token signed with an unknown key: fetching the provider's keys again");
        self.discover(authority, provider).map(Some)
    }

    /// Fetches the discovery document and the keys it points to; `openidconnect` checks
    /// the document's `issuer` is exactly the configured one. The cache is not locked
    /// during the fetch, so a slow provider holds up no one else.
    fn discover(
        &self,
        authority: &AuthorityId,
        provider: &Provider,
    ) -> Result<CoreProviderMetadata, OidcError> {
        let issuer = IssuerUrl::new(provider.config.issuer.as_str().to_owned()).map_err(|e| {
            OidcError::ProviderMisconfigured {
                authority: authority.clone(),
                reason: e.to_string(),
            }
        })?;
        let metadata = CoreProviderMetadata::discover(&issuer, &self.inner.http)
            .map_err(|e| discovery_error(authority, e))?;
        provider.cache().metadata = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }
}

/// Checks an ID token against the client's issuer, client id and keys, and the nonce.
fn verified<'t>(
    client: &DiscoveredClient,
    id_token: &'t ProviderIdToken,
    nonce: &Nonce,
) -> Result<&'t ProviderIdTokenClaims, ClaimsVerificationError> {
    id_token.claims(&client.id_token_verifier(), nonce)
}

fn refused(authority: &AuthorityId, problem: TokenProblem) -> OidcError {
    OidcError::TokenRefused {
        authority: authority.clone(),
        problem,
    }
}

/// The check a verification error reports. The library's own message goes to the log
/// only for the checks whose message names no person (times, audiences, issuers).
fn claims_error(authority: &AuthorityId, error: &ClaimsVerificationError) -> OidcError {
    use ClaimsVerificationError as E;
    use SignatureVerificationError as S;
    let problem = match error {
        E::Expired(_) => TokenProblem::Expired,
        E::InvalidAudience(_) => TokenProblem::WrongAudience,
        E::InvalidIssuer(_) => TokenProblem::WrongIssuer,
        E::InvalidNonce(_) => TokenProblem::NonceMismatch,
        E::SignatureVerification(S::NoMatchingKey) => TokenProblem::UnknownKey,
        E::SignatureVerification(S::DisallowedAlg(_) | S::UnsupportedAlg(_) | S::NoSignature) => {
            TokenProblem::DisallowedAlgorithm
        }
        E::SignatureVerification(_) => TokenProblem::BadSignature,
        _ => TokenProblem::Other,
    };
    match error {
        E::Expired(detail) | E::InvalidAudience(detail) | E::InvalidIssuer(detail) => {
            tracing::warn!(authority = %authority, %problem, detail, "ID token refused");
        }
        E::SignatureVerification(detail) => {
            tracing::warn!(authority = %authority, %problem, %detail, "ID token refused");
        }
        _ => {}
    }
    refused(authority, problem)
}

/// What went wrong fetching the discovery document or the keys.
fn discovery_error(
    authority: &AuthorityId,
    error: DiscoveryError<HttpClientError<ureq::Error>>,
) -> OidcError {
    match error {
        DiscoveryError::Request(error) => OidcError::ProviderUnreachable {
            authority: authority.clone(),
            reason: http_reason(error),
        },
        DiscoveryError::Response(status, _, _) => OidcError::ProviderUnreachable {
            authority: authority.clone(),
            reason: format!("answered HTTP {status}"),
        },
        // `Validation` says which issuer the document named instead of ours.
        other => OidcError::ProviderMisconfigured {
            authority: authority.clone(),
            reason: other.to_string(),
        },
    }
}

/// What went wrong exchanging the code. `ureq` turns the provider's 400 answer (the
/// usual `invalid_grant`) into an error, so its OAuth error code is read back from there.
fn token_request_error(
    authority: &AuthorityId,
    error: RequestTokenError<
        HttpClientError<ureq::Error>,
        StandardErrorResponse<CoreErrorResponseType>,
    >,
) -> OidcError {
    match error {
        RequestTokenError::ServerResponse(answer) => OidcError::CodeRefused {
            authority: authority.clone(),
            reason: answer.error().to_string(),
        },
        RequestTokenError::Request(HttpClientError::Reqwest(error)) => match *error {
            ureq::Error::Status(status, answer) => OidcError::CodeRefused {
                authority: authority.clone(),
                reason: answer
                    .into_string()
                    .ok()
                    .and_then(|body| {
                        serde_json::from_str::<StandardErrorResponse<CoreErrorResponseType>>(&body)
                            .ok()
                    })
                    .map_or_else(
                        || format!("HTTP {status}"),
                        |answer| format!("HTTP {status} {}", answer.error()),
                    ),
            },
            ureq::Error::Transport(transport) => OidcError::ProviderUnreachable {
                authority: authority.clone(),
                reason: transport.to_string(),
            },
        },
        RequestTokenError::Request(other) => OidcError::ProviderUnreachable {
            authority: authority.clone(),
            reason: other.to_string(),
        },
        // The ID token is parsed with the answer: a malformed one fails here. Only the
        // path of the failure is logged, never the answer (it holds the tokens).
        RequestTokenError::Parse(error, _) => {
            tracing::warn!(authority = %authority, path = %error.path(), "token answer not understood");
            refused(authority, TokenProblem::Malformed)
        }
        RequestTokenError::Other(reason) => OidcError::ProviderMisconfigured {
            authority: authority.clone(),
            reason,
        },
    }
}

fn http_reason(error: HttpClientError<ureq::Error>) -> String {
    match error {
        HttpClientError::Reqwest(error) => match *error {
            ureq::Error::Status(status, _) => format!("answered HTTP {status}"),
            ureq::Error::Transport(transport) => transport.to_string(),
        },
        other => other.to_string(),
    }
}

/// One log line per failed sign-in: the authority and the reason, which never include a
/// token, a code or an e-mail address.
fn log_failure(authority: &AuthorityId, error: &OidcError) {
    tracing::warn!(authority = %authority, %error, "OpenID Connect sign-in failed");
}
