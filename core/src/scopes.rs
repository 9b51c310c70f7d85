//! The scopes of the service's authorization policies (contract §7.2,
//! `src/Altinn.Broker.API/Configuration/AuthorizationConstants.cs`).

/// The `Sender` policy.
pub const WRITE: &str = "altinn:broker.write";
/// The `Recipient` policy.
pub const READ: &str = "altinn:broker.read";
/// The `ServiceOwner` policy.
pub const SERVICE_OWNER: &str = "altinn:serviceowner";
/// Altinn Events: subscribing to and polling a non-app resource's events (events-auth contract §1.1). Not a Broker
/// policy, but the seed world's Maskinporten clients may ask for it.
pub const EVENTS_SUBSCRIBE: &str = crate::subscriptions::SCOPE_SUBSCRIBE;
