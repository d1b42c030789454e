//! The sendpanel web service and command line. Holds no business rule: handlers call
//! `sendpanel-core` services and map their results to HTTP.
#![forbid(unsafe_code)]

pub mod api;
pub mod cli;
pub mod export_cli;
pub mod headers;
pub mod import_cli;
pub mod live;
pub mod metrics;
pub mod oidc;
pub mod pages;
pub mod plugin_cli;
pub mod request_span;
pub mod roles;
pub mod server;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod uploads;
pub mod user_cli;
