//! Service owner bodies (contract §8.3, §8.4).

use serde::{Deserialize, Serialize};

/// `POST /broker/api/v1/serviceowner`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ServiceOwnerInitializeExt))]
#[serde(rename_all = "camelCase")]
pub struct ServiceOwnerInitialize {
    pub name: String,
}

/// `GET /broker/api/v1/serviceowner`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ServiceOwnerOverviewExt))]
#[serde(rename_all = "camelCase")]
pub struct ServiceOwnerOverview {
    pub name: String,
    pub storage_providers: Vec<StorageProvider>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StorageProviderExt))]
#[serde(rename_all = "camelCase")]
pub struct StorageProvider {
    #[serde(rename = "type")]
    pub provider_type: StorageProviderType,
    pub deployment_status: DeploymentStatus,
    /// The ASP.NET environment name, e.g. `Production`.
    pub deployment_environment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StorageProviderTypeExt))]
pub enum StorageProviderType {
    /// Files are scanned for malware.
    AltinnAzure,
    AltinnAzureWithoutVirusScan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DeploymentStatusExt))]
pub enum DeploymentStatus {
    NotStarted,
    DeployingResources,
    Ready,
}
