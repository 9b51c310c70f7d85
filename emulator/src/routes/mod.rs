//! The HTTP surface, one module per group of endpoints.

pub mod hooks;
pub mod json_input;
pub mod openapi;
pub mod openid;
pub mod resources;
pub mod service_owner;
pub mod statistics;
pub mod test_tokens;
pub mod transfers;
pub mod tus;
