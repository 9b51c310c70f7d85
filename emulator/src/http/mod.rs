//! Cross-cutting HTTP behaviour of the service, as tower layers: security headers on every response, `Date` from
//! the emulator clock, CORS, the fault-injection test hook, and connections a fault can cut.

pub mod conn;
pub mod cors;
pub mod date;
pub mod faults;
pub mod security;
