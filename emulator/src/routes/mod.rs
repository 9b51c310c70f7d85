//! The HTTP surface, one module per group of endpoints.

pub mod hooks;
