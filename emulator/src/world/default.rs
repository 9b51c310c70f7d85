//! The built-in world (issue 2, item 5): the organisations, registry entries and Broker configuration that Altinn's
//! own test suites assume, so that tests and users start with a working Broker. Its names are the contract's seed
//! (`altinn_broker_core::seed`), which the client's and the emulator's tests use too; `examples/seed.toml` writes
//! the same world as a file, and a test keeps the two equal.

use altinn_broker_core::model::{DeploymentStatus, StorageProviderType};
use altinn_broker_core::scopes::{EVENTS_SUBSCRIBE, READ, SERVICE_OWNER, WRITE};
use altinn_broker_core::seed::{
    maskinporten_client_id, ACCESS_LIST_MEMBER, ACCESS_LIST_RESOURCE, CONFIGURED_OWNER_RESOURCE, DIGDIR, DIGDIR_NAME,
    DIGDIR_ORG_CODE, FAILED_ACCESS_RESOURCE, GRACEFUL_PURGE_RESOURCE, NOT_CONFIGURED_RESOURCE, OTHER_RECIPIENT,
    PARTIES, RECIPIENT, REQUIRED_PARTY_RESOURCE, RESOURCE, SYSTEM_USER_EXTERNAL_REF, SYSTEM_USER_ID,
    SYSTEM_USER_WITH_REF_ID, UNCONFIGURED_OWNER_RESOURCE, UNREGISTERED_OWNER,
};
use altinn_broker_core::OrgNumber;

use super::config::{
    MaskinportenClient, RegistryEntry, ResourceSeed, ServiceOwnerSeed, StorageProviderSeed, SystemUserSeed, WorldConfig,
};

/// Only ever called with the seed's nine-digit constants, at start-up (never on a request path).
fn org(s: &str) -> OrgNumber {
    OrgNumber::parse_lenient(s).expect("built-in organisation numbers are nine digits")
}

fn registry(id: &str, owner: &str) -> RegistryEntry {
    RegistryEntry { id: id.to_owned(), owner: Some(org(owner)), access_list: None, deny_all: false }
}

fn configured(id: &str) -> ResourceSeed {
    ResourceSeed { id: id.to_owned(), ..Default::default() }
}

/// One Maskinporten client per seed org with the Broker scopes, its key made by the emulator (per data dir).
/// [`DIGDIR`]'s client (a system vendor) also reaches two system users: [`RECIPIENT`]'s, created without an
/// externalRef, and [`OTHER_RECIPIENT`]'s, created with [`SYSTEM_USER_EXTERNAL_REF`].
fn maskinporten_client(org_number: &str) -> MaskinportenClient {
    let system_users = if org_number == DIGDIR {
        vec![
            SystemUserSeed { org: org(RECIPIENT), id: SYSTEM_USER_ID.to_owned(), external_ref: None },
            SystemUserSeed {
                org: org(OTHER_RECIPIENT),
                id: SYSTEM_USER_WITH_REF_ID.to_owned(),
                external_ref: Some(SYSTEM_USER_EXTERNAL_REF.to_owned()),
            },
        ]
    } else {
        Vec::new()
    };
    MaskinportenClient {
        client_id: maskinporten_client_id(org_number),
        org: org(org_number),
        scopes: [WRITE, READ, SERVICE_OWNER, EVENTS_SUBSCRIBE].map(str::to_owned).to_vec(),
        kid: None,
        public_key: None,
        token_lifetime_seconds: None,
        system_users,
    }
}

/// The default world.
pub fn default_world() -> WorldConfig {
    WorldConfig {
        parties: PARTIES.iter().map(|p| org(p)).collect(),
        service_owners: vec![ServiceOwnerSeed {
            org: org(DIGDIR),
            name: DIGDIR_NAME.to_owned(),
            storage_providers: vec![StorageProviderSeed {
                provider_type: StorageProviderType::AltinnAzure,
                status: DeploymentStatus::Ready,
            }],
        }],
        registry: vec![
            registry(RESOURCE, DIGDIR),
            RegistryEntry { deny_all: true, ..registry(FAILED_ACCESS_RESOURCE, DIGDIR) },
            registry(REQUIRED_PARTY_RESOURCE, DIGDIR),
            RegistryEntry {
                access_list: Some(vec![org(ACCESS_LIST_MEMBER)]),
                ..registry(ACCESS_LIST_RESOURCE, DIGDIR)
            },
            registry(GRACEFUL_PURGE_RESOURCE, DIGDIR),
            registry(CONFIGURED_OWNER_RESOURCE, DIGDIR),
            registry(NOT_CONFIGURED_RESOURCE, DIGDIR),
            registry(UNCONFIGURED_OWNER_RESOURCE, UNREGISTERED_OWNER),
        ],
        resources: vec![
            configured(RESOURCE),
            ResourceSeed { required_party: Some(DIGDIR.to_owned()), ..configured(REQUIRED_PARTY_RESOURCE) },
            configured(ACCESS_LIST_RESOURCE),
            configured(FAILED_ACCESS_RESOURCE),
        ],
        org_codes: [(org(DIGDIR), DIGDIR_ORG_CODE.to_owned())].into_iter().collect(),
        maskinporten_clients: PARTIES.iter().map(|p| maskinporten_client(p)).collect(),
    }
}
