//! The Altinn 3 Broker contract (`docs/contract/broker-contract.md`) as pure Rust, written once and used by both the wasm
//! client and the emulator.
//!
//! Nothing here does I/O. Each module holds one part of the contract:
//! - [`ids`]: identifiers that carry rules (organisation numbers, resource ids, file transfer ids);
//! - [`status`]: transfer and recipient statuses with their fixed texts;
//! - [`transitions`]: the transfer state machine of contract §3.1 as data;
//! - [`model`]: the JSON bodies exactly as the service writes and reads them;
//! - [`binding`]: the initialize body read as the service's ASP.NET Core + System.Text.Json binding reads it;
//! - [`validate`]: every input rule with the service's own messages;
//! - [`error_codes`]: the Broker error table (`BRO-000NN`);
//! - [`paths`]: the API's route templates and the request paths built from them;
//! - [`platform`]: the paths of the Altinn platform around Broker (Maskinporten, token exchange, test tokens);
//! - [`tus`]: tus version, extensions, header names, chunk limits and upload expiry;
//! - [`scopes`]: the scopes of the authorization policies;
//! - [`seed`]: the organisations and resources of the seed world the emulator starts with and the tests use;
//! - [`problem`]: ProblemDetails and ValidationProblemDetails, parsed leniently;
//! - [`events`]: the CloudEvents the service emits;
//! - [`subscriptions`]: Altinn Events for Broker resources: subscription rules and messages, handshake, delivery and polling;
//! - [`actions`]: what a caller may do with a transfer now, and which statuses it can still reach;
//! - [`timeline`]: a transfer's two unordered histories merged into one ordered list;
//! - [`duration`]: ISO-8601 durations as .NET reads and prints them;
//! - [`timestamp`]: the service's timestamp format.

pub mod actions;
pub mod binding;
pub mod duration;
pub mod error_codes;
pub mod events;
pub mod ids;
pub mod model;
pub mod paths;
pub mod platform;
pub mod problem;
pub mod scopes;
pub mod seed;
pub mod small;
pub mod status;
pub mod subscriptions;
pub mod timeline;
pub mod timestamp;
pub mod transitions;
pub mod tus;
pub mod validate;

pub use error_codes::BrokerErrorCode;
pub use ids::{FileTransferId, OrgNumber, ResourceId};
pub use status::{FileTransferStatus, RecipientStatus};
