//! The JS surface, all of it: every `#[wasm_bindgen]` export of the package lives in this folder, and nothing
//! else does. The layers below (`http`, `api`, `upload`, `download`, `resume`, `track`) are plain Rust that know
//! nothing of it.
//!
//! - [`client`]: `BrokerClient` and its methods, each a few lines through one helper (`BrokerClient::call`);
//! - [`tus_upload`]: the handle of a resumable upload (`TusUpload`);
//! - [`functions`]: the free functions (transfer state logic, validation, organisation numbers, MD5);
//! - [`options`]: the option objects, each a serde struct beside its TypeScript declaration;
//! - [`types`]: the TypeScript declarations of the model, and the result structs beside theirs;
//! - [`resume_stores`]: the resume stores the package ships (`resume_stores.js`);
//! - [`errors`]: the JS `Error` classes every failure becomes (`errors.js`, `errors.d.ts`).

pub mod args;
pub mod client;
pub mod errors;
pub mod events;
pub mod functions;
pub mod options;
pub mod resume_stores;
pub mod tus_upload;
pub mod types;
