//! The scopes of the service's authorization policies (contract §7.2,
//! `src/Altinn.Broker.API/Configuration/AuthorizationConstants.cs`).

/// The `Sender` policy.
pub const WRITE: &str = "altinn:broker.write";
/// The `Recipient` policy.
pub const READ: &str = "altinn:broker.read";
/// The `ServiceOwner` policy.
pub const SERVICE_OWNER: &str = "altinn:serviceowner";
