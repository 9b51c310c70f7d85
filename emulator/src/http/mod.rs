//! Cross-cutting HTTP behaviour of the service, as tower layers: security headers on every response, the Accept
//! check of `[Produces]` actions, CORS, and the fault-injection test hook.

pub mod accept;
pub mod conn;
pub mod cors;
pub mod faults;
pub mod security;
