//! Altinn 3 Broker client for JavaScript runtimes (browser, Web Worker, Node, workerd, Deno), built with
//! wasm-bindgen.
//!
//! [`bindings`] is the JS surface, all of it; it reads its arguments and delegates to [`client::Client`]. The work
//! happens in [`http`], [`api`], [`upload`], [`download`], [`resume`] and [`track`] (plain Rust, with [`js`] for
//! the JS runtime they need); the contract itself (model, statuses, rules, paths) comes from `altinn-broker-core`.
//!
//! "Contract §N" in comments is a section of `docs/contract/broker-contract.md`.

pub mod api;
pub mod bindings;
pub mod client;
pub mod download;
pub mod error;
pub mod events;
pub mod http;
pub mod js;
pub mod resume;
pub mod track;
pub mod upload;

pub use bindings::client::BrokerClient;
pub use bindings::events::{broker_event_types, is_validation_event, parse_event};
pub use bindings::functions::{
    allowed_actions, can_reach, file_transfer_statuses, is_settled, is_terminal, md5_hex, normalize_org_number,
    recipient_status_text, status_text, successors, timeline, validate_initialize, Md5,
};
pub use bindings::resume_stores::{file_resume_store, indexed_db_resume_store, memory_resume_store};
pub use bindings::tus_upload::TusUpload;
