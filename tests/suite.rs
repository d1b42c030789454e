//! The end-to-end tests, in one binary: each file is a module (see `Cargo.toml`).

mod accounts;
mod advice_links;
mod concurrency;
mod evidence;
mod federated;
mod idempotency;
mod letters;
mod mail;
mod moves;
mod old_events;
mod panels;
mod policy;
mod reports;
mod scan;
mod storage;
mod workflow;
