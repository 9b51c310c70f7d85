//! The lookups every transfer workflow starts with, answered as the service answers a miss (404/1, 400/2).

use altinn_broker_core::{BrokerErrorCode, FileTransferId, OrgNumber};
use rusqlite::Connection;

use crate::error::AppError;
use crate::store::resources::{self, Resource};
use crate::store::service_owners::{self, ServiceOwner};
use crate::store::transfers::{self, Transfer};

/// The transfer, or 404/1.
pub fn load(conn: &Connection, id: FileTransferId) -> Result<Transfer, AppError> {
    transfers::get(conn, id)?.ok_or(AppError::Broker(BrokerErrorCode::FileTransferNotFound))
}

/// The configured resource of a transfer, if it still is.
pub fn resource_of(conn: &Connection, t: &Transfer) -> Result<Option<Resource>, AppError> {
    resources::get(conn, &t.resource_id)
}

/// The Broker service owner of a configured resource, or 400/2.
pub fn service_owner_of(conn: &Connection, resource: &Resource) -> Result<ServiceOwner, AppError> {
    resource
        .service_owner_org()
        .map(|o| service_owners::get(conn, &o))
        .transpose()?
        .flatten()
        .ok_or(AppError::Broker(BrokerErrorCode::ServiceOwnerNotConfigured))
}

/// Every actor with a recipient status row, as org numbers (the PDP's "any recipient").
pub fn recipient_orgs(conn: &Connection, id: FileTransferId) -> Result<Vec<OrgNumber>, AppError> {
    Ok(transfers::recipients_current(conn, id)?
        .into_iter()
        .filter_map(|r| OrgNumber::parse_lenient(&r.actor).ok())
        .collect())
}
