//! The workflows handlers call, one per Broker operation that does more than read: each takes the state and an
//! authenticated caller, runs the service's checks in the contract's order and records what happened (store,
//! lifecycle, jobs). Handlers in [`crate::routes`] only bind the request to them and write the answer.
//!
//! - [`initialize`]: a new transfer (§1.2), shared by initialize and initialize+upload;
//! - [`upload`]: a transfer's file received (§1.3): `begin`, `receive`/`receive_staged`, `complete`;
//! - [`confirm`]: a recipient's confirmation (§1.9);
//! - [`events`]: Altinn Events for Broker resources: subscriptions and polling (events-auth contract §1);
//! - [`tus`]: the tus engine (§5), which speaks tusdotnet's headers and answers;
//! - [`lookup`]: the transfer, resource and service-owner lookups they share.

pub mod confirm;
pub mod events;
pub mod initialize;
pub mod lookup;
pub mod tus;
pub mod upload;
