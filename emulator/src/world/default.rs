//! The built-in world (issue 2, item 5): the organisations, registry entries and Broker configuration that Altinn's
//! own test suites assume, so that tests and users start with a working Broker. `examples/seed.toml` writes the
//! same world as a file, and a test keeps the two equal.

use altinn_broker_core::model::{DeploymentStatus, StorageProviderType};
use altinn_broker_core::OrgNumber;

use super::config::{RegistryEntry, ResourceSeed, ServiceOwnerSeed, StorageProviderSeed, WorldConfig};

/// Digitaliseringsdirektoratet Avd Oslo: the Broker service owner, and the org behind every `ttd` resource.
pub const DIGDIR: &str = "991825827";
/// Owns registry resources but is not registered as a Broker service owner.
pub const UNREGISTERED_OWNER: &str = "313301753";
/// The only member of the access list of `ttd-broker-tilgangsliste`.
pub const ACCESS_LIST_MEMBER: &str = "311764837";
/// Organisations that act as senders and recipients.
pub const PARTIES: [&str; 4] = [DIGDIR, "986252932", "312195771", ACCESS_LIST_MEMBER];

/// Only ever called with the nine-digit constants above, at start-up (never on a request path).
fn org(s: &str) -> OrgNumber {
    OrgNumber::parse_lenient(s).expect("built-in organisation numbers are nine digits")
}

fn registry(id: &str, owner: &str) -> RegistryEntry {
    RegistryEntry { id: id.to_owned(), owner: Some(org(owner)), access_list: None, deny_all: false }
}

fn configured(id: &str) -> ResourceSeed {
    ResourceSeed { id: id.to_owned(), ..Default::default() }
}

/// The default world.
pub fn default_world() -> WorldConfig {
    WorldConfig {
        parties: PARTIES.iter().map(|p| org(p)).collect(),
        service_owners: vec![ServiceOwnerSeed {
            org: org(DIGDIR),
            name: "Digitaliseringsdirektoratet Avd Oslo".to_owned(),
            storage_providers: vec![StorageProviderSeed {
                provider_type: StorageProviderType::AltinnAzure,
                status: DeploymentStatus::Ready,
            }],
        }],
        registry: vec![
            registry("altinn-broker-test-resource-1", DIGDIR),
            RegistryEntry { deny_all: true, ..registry("altinn-broker-test-resource-failed-access", DIGDIR) },
            registry("ttd-brokertestressurs", DIGDIR),
            RegistryEntry {
                access_list: Some(vec![org(ACCESS_LIST_MEMBER)]),
                ..registry("ttd-broker-tilgangsliste", DIGDIR)
            },
            registry("altinn-broker-test-resource-with-graceful-purge", DIGDIR),
            registry("altinn-broker-test-resource-with-configured-serviceowner", DIGDIR),
            registry("altinn-broker-test-resource-not-configured", DIGDIR),
            registry("altinn-broker-test-resource-with-unconfigured-serviceowner", UNREGISTERED_OWNER),
        ],
        resources: vec![
            configured("altinn-broker-test-resource-1"),
            ResourceSeed { required_party: Some(DIGDIR.to_owned()), ..configured("ttd-brokertestressurs") },
            configured("ttd-broker-tilgangsliste"),
            configured("altinn-broker-test-resource-failed-access"),
        ],
    }
}
