//! The JS side of the boundary: error classes, option readers, runtime probes, TypeScript declarations.

pub mod errors;
pub mod options;
pub mod runtime;
pub mod stream;
pub mod types;
