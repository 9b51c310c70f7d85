//! Broker service owners and their storage providers (contract §8.3, §8.4).
//!
//! A service owner's id is `0192:<orgnr>`. Each storage provider is either virus-scanned (`AltinnAzure`) or not
//! (`AltinnAzureWithoutVirusScan`), with a deployment status; uploads need one that is `Ready` (error 21).

use altinn_broker_core::model::{DeploymentStatus, StorageProviderType};
use altinn_broker_core::OrgNumber;
use rusqlite::{params, Connection, OptionalExtension};

use super::Store;
use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS service_owner (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS storage_provider (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    service_owner_id TEXT NOT NULL REFERENCES service_owner(id),
    provider_type TEXT NOT NULL,
    deployment_status TEXT NOT NULL,
    UNIQUE (service_owner_id, provider_type)
);
";

/// A service owner with its storage providers, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceOwner {
    /// `0192:<orgnr>`.
    pub id: String,
    pub name: String,
    pub storage_providers: Vec<StorageProviderRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageProviderRow {
    pub provider_type: StorageProviderType,
    pub status: DeploymentStatus,
}

impl ServiceOwner {
    /// The provider an upload needs: virus-scanned or not (contract §1.2 step 5).
    pub fn storage_provider(&self, virus_scan: bool) -> Option<StorageProviderRow> {
        let wanted = if virus_scan {
            StorageProviderType::AltinnAzure
        } else {
            StorageProviderType::AltinnAzureWithoutVirusScan
        };
        self.storage_providers.iter().copied().find(|p| p.provider_type == wanted)
    }

    /// Whether an upload with or without virus scan has a `Ready` provider (error 21 otherwise).
    pub fn storage_ready(&self, virus_scan: bool) -> bool {
        self.storage_provider(virus_scan).is_some_and(|p| p.status == DeploymentStatus::Ready)
    }
}

fn type_name(t: StorageProviderType) -> &'static str {
    match t {
        StorageProviderType::AltinnAzure => "AltinnAzure",
        StorageProviderType::AltinnAzureWithoutVirusScan => "AltinnAzureWithoutVirusScan",
    }
}

fn parse_type(s: &str) -> Result<StorageProviderType, AppError> {
    match s {
        "AltinnAzure" => Ok(StorageProviderType::AltinnAzure),
        "AltinnAzureWithoutVirusScan" => Ok(StorageProviderType::AltinnAzureWithoutVirusScan),
        other => Err(AppError::Internal(format!("unknown storage provider type {other:?} in the database"))),
    }
}

pub fn status_name(s: DeploymentStatus) -> &'static str {
    match s {
        DeploymentStatus::NotStarted => "NotStarted",
        DeploymentStatus::DeployingResources => "DeployingResources",
        DeploymentStatus::Ready => "Ready",
    }
}

fn parse_status(s: &str) -> Result<DeploymentStatus, AppError> {
    match s {
        "NotStarted" => Ok(DeploymentStatus::NotStarted),
        "DeployingResources" => Ok(DeploymentStatus::DeployingResources),
        "Ready" => Ok(DeploymentStatus::Ready),
        other => Err(AppError::Internal(format!("unknown deployment status {other:?} in the database"))),
    }
}

/// Reads a service owner by org.
pub fn get(conn: &Connection, org: &OrgNumber) -> Result<Option<ServiceOwner>, AppError> {
    let id = org.to_prefixed();
    let name: Option<String> = conn
        .prepare_cached("SELECT name FROM service_owner WHERE id = ?1")?
        .query_row([&id], |r| r.get(0))
        .optional()?;
    let Some(name) = name else { return Ok(None) };
    let mut stmt = conn.prepare_cached(
        "SELECT provider_type, deployment_status FROM storage_provider WHERE service_owner_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut storage_providers = Vec::new();
    for row in rows {
        let (t, s) = row?;
        storage_providers.push(StorageProviderRow { provider_type: parse_type(&t)?, status: parse_status(&s)? });
    }
    Ok(Some(ServiceOwner { id, name, storage_providers }))
}

/// Creates a service owner; `false` when it already exists (nothing is changed then).
pub fn insert(conn: &Connection, org: &OrgNumber, name: &str) -> Result<bool, AppError> {
    let n = conn
        .execute("INSERT OR IGNORE INTO service_owner (id, name) VALUES (?1, ?2)", params![org.to_prefixed(), name])?;
    Ok(n == 1)
}

/// Adds a storage provider or sets the status of the existing one of that type.
pub fn set_storage_provider(conn: &Connection, org: &OrgNumber, provider: StorageProviderRow) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO storage_provider (service_owner_id, provider_type, deployment_status) VALUES (?1, ?2, ?3)
         ON CONFLICT (service_owner_id, provider_type) DO UPDATE SET deployment_status = excluded.deployment_status",
        params![org.to_prefixed(), type_name(provider.provider_type), status_name(provider.status)],
    )?;
    Ok(())
}

impl Store {
    /// The service owner registered for `org`, with its storage providers.
    pub fn service_owner(&self, org: &OrgNumber) -> Result<Option<ServiceOwner>, AppError> {
        get(&*self.conn()?, org)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        let org = OrgNumber::parse_lenient("991825827").unwrap();
        assert_eq!(get(&conn, &org).unwrap(), None);
        assert!(insert(&conn, &org, "Digdir").unwrap());
        assert!(!insert(&conn, &org, "Other").unwrap());
        let ready =
            StorageProviderRow { provider_type: StorageProviderType::AltinnAzure, status: DeploymentStatus::Ready };
        set_storage_provider(&conn, &org, StorageProviderRow { status: DeploymentStatus::NotStarted, ..ready })
            .unwrap();
        set_storage_provider(&conn, &org, ready).unwrap();
        let so = get(&conn, &org).unwrap().unwrap();
        assert_eq!(so.id, "0192:991825827");
        assert_eq!(so.name, "Digdir");
        assert_eq!(so.storage_providers, vec![ready]);
        assert!(so.storage_ready(true));
        assert!(!so.storage_ready(false));
    }
}
