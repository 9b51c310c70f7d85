//! The client as Rust sees it: one [`Transport`] and the operations, implemented per group in [`crate::api`],
//! [`crate::upload`], [`crate::download`] and [`crate::track`]. [`crate::bindings`] wraps it for JS.

use std::cell::Cell;

use crate::http::transport::Transport;
use crate::upload::tus::protocol::Capabilities;

pub struct Client {
    pub transport: Transport,
    /// Whether this runtime's `fetch` can send a stream request body to this base URL (as measured: Node yes,
    /// Chromium only over HTTP/2, Firefox never).
    pub stream_bodies: bool,
    /// What the tus server at the base URL (the client's one endpoint) said it supports, once it said so.
    pub tus_capabilities: Cell<Option<Capabilities>>,
}
