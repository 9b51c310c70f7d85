//! The seed world: the organisations and resources that Altinn's own test suites assume (the service's
//! `tests/Altinn.Broker.Tests` and its Postman/Bruno collections, contract §10). The emulator starts with this world
//! by default (`emulator/src/world/default.rs`, `emulator/examples/seed.toml`), and the client's and the emulator's
//! tests name its members from here, so the three never drift apart.

/// Digitaliseringsdirektoratet Avd Oslo: the Broker service owner, the org behind every `ttd` resource, and the
/// sender in the tests.
pub const DIGDIR: &str = "991825827";
/// The service owner's name as it is registered.
pub const DIGDIR_NAME: &str = "Digitaliseringsdirektoratet Avd Oslo";
/// The recipient in the tests.
pub const RECIPIENT: &str = "986252932";
/// A second recipient.
pub const OTHER_RECIPIENT: &str = "312195771";
/// The only member of the access list of [`ACCESS_LIST_RESOURCE`]; otherwise a party with no transfers.
pub const ACCESS_LIST_MEMBER: &str = "311764837";
/// Owns registry resources but is not registered as a Broker service owner.
pub const UNREGISTERED_OWNER: &str = "313301753";
/// Organisations that act as senders and recipients.
pub const PARTIES: [&str; 4] = [DIGDIR, RECIPIENT, OTHER_RECIPIENT, ACCESS_LIST_MEMBER];

/// The resource the tests send on: configured, open to every party.
pub const RESOURCE: &str = "altinn-broker-test-resource-1";
/// A resource the PDP refuses to everybody.
pub const FAILED_ACCESS_RESOURCE: &str = "altinn-broker-test-resource-failed-access";
/// A configured resource with a required party (`requiredParty` = [`DIGDIR`]).
pub const REQUIRED_PARTY_RESOURCE: &str = "ttd-brokertestressurs";
/// A configured resource behind an access list ([`ACCESS_LIST_MEMBER`] only).
pub const ACCESS_LIST_RESOURCE: &str = "ttd-broker-tilgangsliste";
/// Registered, not configured at start (named for the graceful-purge tests of the service).
pub const GRACEFUL_PURGE_RESOURCE: &str = "altinn-broker-test-resource-with-graceful-purge";
/// Registered, not configured at start, owned by the registered service owner.
pub const CONFIGURED_OWNER_RESOURCE: &str = "altinn-broker-test-resource-with-configured-serviceowner";
/// Registered and never configured: initialize on it answers 401/6 in Production.
pub const NOT_CONFIGURED_RESOURCE: &str = "altinn-broker-test-resource-not-configured";
/// Registered, owned by [`UNREGISTERED_OWNER`].
pub const UNCONFIGURED_OWNER_RESOURCE: &str = "altinn-broker-test-resource-with-unconfigured-serviceowner";

/// [`DIGDIR`]'s code in Altinn's organisation register (`altinn-orgs.json`): an exchanged token that carries the
/// `altinn:serviceowner` scope gets it as `urn:altinn:org` (events-auth contract §3.1).
pub const DIGDIR_ORG_CODE: &str = "digdir";
/// What `urn:altinn:org` becomes for [`DIGDIR_ORG_CODE`] when the exchange is called with `?test=true` (§3.1).
pub const TEST_ORG_CODE: &str = "ttd";

/// A system user of [`RECIPIENT`], registered on [`DIGDIR`]'s Maskinporten client, created without an
/// `externalRef` (so its externalRef is the org number, events-auth contract §2.3).
pub const SYSTEM_USER_ID: &str = "5d5a3b4e-2c1f-4a8e-9b7d-0e6f1a2b3c4d";
/// A system user of [`OTHER_RECIPIENT`] on [`DIGDIR`]'s client, created with [`SYSTEM_USER_EXTERNAL_REF`].
pub const SYSTEM_USER_WITH_REF_ID: &str = "8e9f0a1b-3c4d-4e5f-8a6b-7c8d9e0f1a2b";
/// The externalRef a grant for [`SYSTEM_USER_WITH_REF_ID`] must carry.
pub const SYSTEM_USER_EXTERNAL_REF: &str = "emulator-external-ref";

/// The Maskinporten client id the default world registers for a seed org (one per [`PARTIES`] member).
pub fn maskinporten_client_id(org: &str) -> String {
    format!("emulator-client-{org}")
}
