//! A faithful local Altinn 3 Broker (contract: `docs/contract/broker-contract.md`), Production profile.
//!
//! [`app::app`] builds the whole HTTP surface from an [`state::AppState`], so tests drive it in-process;
//! `main.rs` only parses the CLI, binds the port and serves it.
//!
//! The layers point one way (`tests/it/layers.rs` checks that no import circle spans more than a module and its own
//! submodules):
//!
//! - [`app`]: the router with its middleware, and the start-up work on a data dir (seed, recovery);
//! - [`routes`]: handlers only, grouped by caller (Broker API, Altinn platform, the emulator's hooks);
//! - [`extract`]: what handlers read first (the caller and its policy, `Accept`, JSON bodies);
//! - [`service`]: the workflows handlers call (initialize, upload, confirm, the tus engine);
//! - [`jobs`] (background work) and [`lifecycle`] (status changes with their events);
//! - [`http`]: tower layers (CORS, security headers, fault injection, killable connections);
//! - [`state`]: the shared handle, a leaf over [`store`], [`auth`], [`world`], [`clock`];
//! - [`error`], [`crash`], [`cli`]: used by all.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod crash;
pub mod error;
pub mod extract;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod routes;
pub mod service;
pub mod state;
pub mod store;
pub mod world;
