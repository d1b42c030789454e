//! The HTTP server: routes and the process's lifecycle. What handlers share is
//! [`crate::state::AppState`].
//!
//! Every request gets a root span with a request id (`tracing-actix-web`); database
//! work runs on blocking threads through the store's `_async` methods, never on an
//! actix worker. SIGTERM and Ctrl-C stop accepting connections and let requests in
//! flight finish (actix's graceful shutdown, bounded by [`SHUTDOWN_GRACE_SECS`]).

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, dev::Server, web};
use sendpanel_core::store::SchemaStatus;
use serde_json::json;
use tracing_actix_web::TracingLogger;

use crate::headers::SecurityHeaders;
use crate::metrics::Scrape;
use crate::state::AppState;

/// How long in-flight requests may run after SIGTERM before the process exits.
pub const SHUTDOWN_GRACE_SECS: u64 = 30;

/// Adds the routes to an app; shared by the real server and in-process tests.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .configure(crate::api::routes)
        .configure(crate::pages::routes);
}

/// Serves `/metrics` alone on its own listener (the `metrics_bind` setting).
pub fn start_metrics(listener: TcpListener, scrape: Scrape) -> std::io::Result<Server> {
    let handle = web::Data::new(scrape);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(handle.clone())
            .route("/metrics", web::get().to(crate::metrics::render))
    })
    .workers(1)
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .listen(listener)?
    .run())
}

/// Liveness: the process is up and answering. Deliberately touches nothing else, so an
/// orchestrator does not restart a healthy process because the database blinked.
#[tracing::instrument]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: the database answers and its schema is exactly this binary's. The answer
/// says only ready or not: why not (a driver error can name the database's address and
/// user) goes to the log, never to whoever can reach the port.
#[tracing::instrument(skip(state))]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let outcome = web::block(move || db.check_ready()).await;
    match outcome {
        Ok(Ok(SchemaStatus::Current { .. })) => {
            HttpResponse::Ok().json(json!({ "status": "ready" }))
        }
        Ok(Ok(other)) => {
            tracing::warn!(schema = ?other, "not ready: the schema is not this binary's");
            not_ready()
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: the database did not answer");
            not_ready()
        }
        Err(error) => {
            tracing::warn!(%error, "not ready: the check did not run");
            not_ready()
        }
    }
}

fn not_ready() -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({ "status": "not_ready" }))
}

/// Builds the server on an already-bound listener (so tests can bind port 0) for
/// development on plain http: a random session key (sessions end with the process)
/// and cookies without `Secure`. `serve` uses [`start_with`] and the settings.
pub fn start(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    start_with(
        state,
        &crate::settings::SessionSettings {
            key: None,
            secure: false,
        },
        SecurityHeaders::default(),
        listener,
    )
}

/// [`start`], with the pages' session cookie and the security headers set up from the
/// settings.
pub fn start_with(
    state: AppState,
    sessions: &crate::settings::SessionSettings,
    headers: SecurityHeaders,
    listener: TcpListener,
) -> std::io::Result<Server> {
    start_serving(state, sessions, headers, listener, None)
}

/// [`start_with`], also serving `/metrics` from `metrics` when given (the `metrics`
/// setting on, with no address of its own).
pub fn start_serving(
    state: AppState,
    sessions: &crate::settings::SessionSettings,
    headers: SecurityHeaders,
    listener: TcpListener,
    metrics: Option<Scrape>,
) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let metrics = metrics.map(web::Data::new);
    // One key shared by every worker.
    let key = crate::pages::session_key(sessions);
    let secure = sessions.secure;
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .wrap(actix_web::middleware::from_fn(
                crate::pages::signed_in_error_pages,
            ))
            .wrap(crate::pages::session_middleware(key.clone(), secure))
            .wrap(actix_web::middleware::from_fn(move |request, next| {
                headers.apply(request, next)
            }))
            .wrap(actix_web::middleware::from_fn(
                crate::metrics::count_requests,
            ))
            .wrap(TracingLogger::<crate::request_span::RequestSpan>::new())
            .app_data(data.clone());
        if let Some(metrics) = &metrics {
            app = app
                .app_data(metrics.clone())
                .route("/metrics", web::get().to(crate::metrics::render));
        }
        app.configure(routes)
    })
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .listen(listener)?
    .run();
    Ok(server)
}
