//! The web crate's tests, in one binary: each file is a module, so the workspace links
//! one test executable for the web crate instead of one per file. Every one of those
//! executables carried wasmtime, actix and diesel; linking fifteen of them took minutes
//! and gigabytes of disk on a cold build.
//!
//! Run one part with a filter, e.g. `cargo test -p sendpanel-web --test web browser::`.

mod support;

mod account_pages;
mod admin_pages;
mod advice_link_pages;
mod agenda_pages;
mod api;
mod audit_pages;
mod banding_panel_http;
mod browser;
mod case_pages;
mod caseload_pages;
mod cli;
mod clock;
mod dashboard_pages;
mod digest_pages;
mod dispute_pages;
mod edges;
mod education_settings_api;
mod evidence_api;
mod evidence_browser;
mod fleet;
mod idempotency;
mod import_pages;
mod isolation;
mod live;
mod oidc;
mod oidc_browser;
mod openapi;
mod operations;
mod page_matrix;
mod pages;
mod panel_api;
mod panel_pages;
mod placement_panel_http;
mod plugin_cli;
mod races;
mod sen2_pages;
mod user_cli;
