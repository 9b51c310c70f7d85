//! The JSON bodies exactly as the service writes and reads them (contract §1, §4, §8).
//!
//! Field names are the service's camelCase names. Timestamps are `time::OffsetDateTime`, written in the service's
//! form ([`crate::timestamp`]). Input-side leniency that ASP.NET adds (property names in any case, numbers and
//! booleans as strings) is handled by [`lenient`], so the same types read the service's clients' bodies too.

pub mod lenient;
pub mod resource;
pub mod search;
pub mod service_owner;
pub mod statistics;
pub mod transfer;

pub use resource::ResourceConfig;
pub use search::{SearchQuery, SearchRole};
pub use service_owner::{
    DeploymentStatus, ServiceOwnerInitialize, ServiceOwnerOverview, StorageProvider, StorageProviderType,
};
pub use statistics::{MonthlyStatisticsQuery, MONTHLY_STATISTICS_HEADER};
pub use transfer::{
    FileTransferDetails, FileTransferOverview, FileTransferStatusEvent, FileTransferSummary, InitializeRequest,
    InitializeResponse, RecipientFileStatus, RecipientStatusEvent,
};
