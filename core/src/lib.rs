//! The core of sendpanel: the domain model of SEND statutory decisions, its storage on
//! SQLite or PostgreSQL, and the validated configuration of each local authority.
//!
//! The web layer (`sendpanel-web`) reaches this crate only through its public services;
//! nothing here knows about HTTP, and no diesel type appears in the public API, so the
//! storage engine can change without touching a handler.
//!
//! Start with [`domain`] (what a case is made of), then [`store::Database`] (how it is
//! kept) and [`config`] (what each authority decides for itself); [`notify`] writes the
//! letters and e-mail that tell families what was decided.
#![warn(missing_docs)]

pub mod access;
pub mod bundle;
pub mod caseload;
pub mod clock;
pub mod config;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod events;
pub mod idempotency;
pub mod identity;
pub mod import;
pub mod notify;
pub mod panel;
pub mod placement;
pub mod policy;
pub mod registry;
pub mod reports;
pub mod sen2;
pub mod services;
pub mod store;
pub mod subject_access;
pub mod time;
pub mod transitions;
pub mod workflow;
