//! The end-to-end tests, in one binary: each file is a module (see `Cargo.toml`).

mod accounts;
mod advice_links;
mod backup;
mod banding_panel;
mod caseload;
mod concurrency;
mod digests;
mod evidence;
mod federated;
mod funding_ledger;
mod idempotency;
mod import;
mod letters;
mod mail;
mod moves;
mod old_events;
mod panels;
mod placement_panel;
mod placement_register;
mod policy;
mod reports;
mod scan;
mod sen2;
mod storage;
mod throttle;
mod workflow;
