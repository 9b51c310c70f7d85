//! The emulator's integration tests, one binary (one link on a 2-core machine) with a module per subject, all on
//! one fixture ([`fixture::Broker`]) that drives the app in-process or the real binary as a process.
//!
//! Tests run as parallel threads of this one process: they share no port (every process takes a free one; an
//! in-process app listens nowhere), set no environment variable of their own process (a crash point goes to the
//! child's environment), and measure the memory of their emulator child, never of this process. The few tests
//! that move hundreds of MiB take [`fixture::heavy`] so they do not run at once.

mod fixture;

mod admin;
mod auth;
mod authz;
mod authz_matrix;
mod cli;
mod cors;
mod events;
mod exchange;
mod fidelity;
mod flow;
mod layers;
mod maskinporten;
mod memory;
mod openapi;
mod process;
mod transfers;
mod tus;
mod tus_crash;
mod tus_js_client;
mod tus_memory;
mod world_config;
