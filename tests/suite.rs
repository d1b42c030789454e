//! The end-to-end tests, in one binary: each file is a module (see `Cargo.toml`).

mod accounts;
mod concurrency;
mod federated;
mod idempotency;
mod letters;
mod mail;
mod moves;
mod old_events;
mod panels;
mod policy;
mod reports;
mod storage;
mod workflow;
