//! The Broker operations, one module per group of endpoints (contract §1, §4, §8).

pub mod events;
pub mod resources;
pub mod search;
pub mod service_owner;
pub mod statistics;
pub mod transfers;

use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::FileTransferId;

use crate::error::Error;

/// Parses a transfer id as the service's route binding does, refusing a malformed one with its message.
pub fn transfer_id(id: &str) -> Result<FileTransferId, Error> {
    FileTransferId::parse(id).map_err(|_| {
        let mut errors = ValidationErrors::new();
        errors.insert("fileTransferId".into(), vec![format!("The value '{id}' is not valid.")]);
        Error::Validation(errors)
    })
}
