//! Logging and traces. Logs: human-readable or JSON lines, filtered by `log_filter` or
//! `RUST_LOG`, carrying ids and counts, never children's names or needs. Traces: when
//! a collector is configured, every span (a request, the plugin call, the database
//! work beneath it) goes to it over OTLP/HTTP, one trace per request.
//!
//! By default (`auto`) the log format follows where standard error goes: a person at a
//! terminal reads coloured lines; a file, journald or a log collector gets JSON lines
//! with no terminal colour codes in them.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::settings::LogFormat;

/// The format `auto` becomes when standard error is (or is not) a terminal.
pub fn resolve(format: LogFormat, on_terminal: bool) -> LogFormat {
    match format {
        LogFormat::Auto if on_terminal => LogFormat::Pretty,
        LogFormat::Auto => LogFormat::Json,
        chosen => chosen,
    }
}

/// Where traces go: the `otlp_endpoint` setting (a collector's base address, to which
/// `/v1/traces` is added), or OpenTelemetry's own variables
/// (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); none of them,
/// no traces.
fn traces_wanted(otlp_endpoint: &str) -> Option<Option<String>> {
    if !otlp_endpoint.is_empty() {
        return Some(Some(format!(
            "{}/v1/traces",
            otlp_endpoint.trim_end_matches('/')
        )));
    }
    let from_environment = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    from_environment.then_some(None)
}

/// What must be flushed before the process exits: the traces not yet sent.
#[must_use = "keep it until the end, then call shutdown, or spans are lost"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still buffered and stops the exporter.
    pub fn shutdown(self) {
        if let Some(traces) = self.traces
            && let Err(error) = traces.shutdown()
        {
            eprintln!("traces: not all sent at shutdown: {error}");
        }
    }
}

/// Installs the global subscriber once (later calls, in tests, change nothing) and, if
/// a collector is configured, the trace exporter. A collector that cannot be set up
/// stops start-up, naming the setting.
pub fn init(format: LogFormat, filter: &str, otlp_endpoint: &str) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let on_terminal = std::io::stderr().is_terminal();
    // Colour codes only where a terminal will read them, and never when NO_COLOR is set.
    let colour = on_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let traces = match traces_wanted(otlp_endpoint) {
        None => None,
        Some(endpoint) => {
            let mut exporter = opentelemetry_otlp::SpanExporter::builder().with_http();
            if let Some(endpoint) = endpoint {
                exporter = exporter.with_endpoint(endpoint);
            }
            let exporter = exporter
                .build()
                .map_err(|e| anyhow::anyhow!("otlp_endpoint: cannot send traces: {e}"))?;
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(Resource::builder().with_service_name("sendpanel").build())
                    .build(),
            )
        }
    };
    // Traces keep every span at info and above whatever the log shows: an operator
    // quietening the log to warnings must not lose the traces.
    let spans = traces.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("sendpanel"))
            .with_filter(LevelFilter::INFO)
    });
    let registry = tracing_subscriber::registry().with(spans);
    let _already_set = match resolve(format, on_terminal) {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_ansi(false)
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
            .try_init(),
        LogFormat::Pretty | LogFormat::Auto => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .compact()
                    .with_ansi(colour)
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
            .try_init(),
    };
    Ok(Telemetry { traces })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_json_off_a_terminal_and_readable_on_one() {
        assert_eq!(resolve(LogFormat::Auto, false), LogFormat::Json);
        assert_eq!(resolve(LogFormat::Auto, true), LogFormat::Pretty);
        assert_eq!(resolve(LogFormat::Pretty, false), LogFormat::Pretty);
        assert_eq!(resolve(LogFormat::Json, true), LogFormat::Json);
    }

    #[test]
    fn the_setting_names_the_collector_and_traces_go_to_its_traces_path() {
        assert_eq!(
            traces_wanted("http://collector:4318/"),
            Some(Some("http://collector:4318/v1/traces".to_owned()))
        );
    }
}
