//! A faithful local Altinn 3 Broker (contract: `shared/broker-contract.md`), Production profile.
//!
//! [`app::app`] builds the whole HTTP surface from an [`state::AppState`], so tests drive it in-process;
//! `main.rs` only parses the CLI, binds the port and serves it.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod crash;
pub mod error;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod routes;
pub mod state;
pub mod store;
pub mod world;
