//! Metrics for an operations team, in Prometheus text at `/metrics` (when the `metrics`
//! setting is on): requests by route template and status with their durations,
//! plugin evaluations, the outbox, open cases and overdue limits per authority, the
//! database pool and the live tally's open streams.
//!
//! Recorded through the `metrics` facade (the core counts plugin calls and mail sent
//! the same way) and rendered by `metrics-exporter-prometheus`. Counts that need the
//! database are read on a schedule ([`spawn_gauges`]), never per scrape, so a scraper
//! cannot load the database.

use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sendpanel_core::store::AuthorityScope;
use subtle::ConstantTimeEq;

use crate::state::AppState;

/// Buckets for request and plugin durations, in seconds: 1 ms to 10 s.
const SECONDS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Buckets for fuel burnt by one plugin call.
const FUEL: [f64; 8] = [1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 5e7];

/// How often the gauges that need the database are read.
pub const GAUGE_INTERVAL: Duration = Duration::from_secs(30);

/// Installs the process's recorder; the handle renders `/metrics`.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &SECONDS)?
        .set_buckets_for_metric(
            Matcher::Full("sendpanel_plugin_fuel_used".to_owned()),
            &FUEL,
        )?
        .install_recorder()?;
    Ok(handle)
}

/// What `/metrics` renders, and the bearer token a scraper must send for it (the
/// `metrics_token` setting; `None` only on an address of its own without one).
#[derive(Clone)]
pub struct Scrape {
    handle: PrometheusHandle,
    token: Option<String>,
}

impl Scrape {
    /// `/metrics` from `handle`, open to whoever sends `token` as a bearer token.
    pub fn new(handle: PrometheusHandle, token: Option<String>) -> Self {
        Self { handle, token }
    }

    /// Whether the request carries the token, compared in constant time.
    fn allows(&self, request: &HttpRequest) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(token.as_bytes())))
    }
}

/// `GET /metrics`: Prometheus text, for a scraper that sends the token; 401 otherwise.
pub async fn render(scrape: web::Data<Scrape>, request: HttpRequest) -> HttpResponse {
    if !scrape.allows(&request) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .finish();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(scrape.handle.render())
}

/// Middleware counting each request by method, route template (never the path, which
/// holds ids, nor the query, which may hold a name) and status, with its duration.
pub async fn count_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.call(request).await;
    let status = match &response {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    metrics::counter!(
        "sendpanel_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.to_string(),
    )
    .increment(1);
    metrics::histogram!(
        "sendpanel_http_request_duration_seconds",
        "method" => method,
        "route" => route,
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// Reads the gauges that need the database every [`GAUGE_INTERVAL`], on the blocking
/// pool: per authority, open cases, overdue limits, the outbox's depth and the age of
/// its oldest message; the database pool; the live tally's open streams.
pub fn spawn_gauges(state: AppState) -> tokio::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let mut every = tokio::time::interval(GAUGE_INTERVAL);
        loop {
            every.tick().await;
            let state = state.clone();
            let read = actix_web::web::block(move || read_gauges(&state)).await;
            if let Err(error) = read {
                tracing::warn!(%error, "metrics gauges not read");
            }
        }
    })
}

fn read_gauges(state: &AppState) {
    let now = state.clock.now();
    let today = state.clock.today();
    for authority in state.authorities.iter() {
        let scope = AuthorityScope::new(authority.id.clone());
        let counts = match state.db.read(|tx| tx.operations_counts(&scope, today)) {
            Ok(counts) => counts,
            Err(error) => {
                tracing::warn!(?error, authority = %authority.id, "metrics gauges not read");
                continue;
            }
        };
        let name = authority.id.to_string();
        metrics::gauge!("sendpanel_open_cases", "authority" => name.clone())
            .set(counts.open_cases as f64);
        metrics::gauge!("sendpanel_overdue_deadlines", "authority" => name.clone())
            .set(counts.overdue_deadlines as f64);
        metrics::gauge!("sendpanel_outbox_pending", "authority" => name.clone())
            .set(counts.outbox_pending as f64);
        let oldest = counts.oldest_pending_at.map_or(0.0, |at| {
            (now - at).num_milliseconds().max(0) as f64 / 1000.0
        });
        metrics::gauge!("sendpanel_outbox_oldest_pending_seconds", "authority" => name).set(oldest);
    }
    let pool = state.db.pool_state();
    metrics::gauge!("sendpanel_db_pool_connections").set(f64::from(pool.connections));
    metrics::gauge!("sendpanel_db_pool_idle").set(f64::from(pool.idle_connections));
    metrics::gauge!("sendpanel_live_tally_streams").set(state.live.watchers() as f64);
}
