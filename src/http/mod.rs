//! Talking to the service: the global `fetch`, tokens, retries, stall timers and abort plumbing.

pub mod auth;
pub mod body;
pub mod guard;
pub mod retry;
pub mod transport;
pub mod url;
