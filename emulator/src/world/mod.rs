//! The world around Broker that the emulator plays as well: which organisations hold rights (the PDP's view), the
//! Altinn Resource Registry, and what Broker's own database holds on first start (service owners, storage
//! providers, configured resources).
//!
//! The registry and the parties are outside Broker, so they are read from the world (built-in or `--config`) on
//! every start. Broker's own rows are written into SQLite once, on the first start of a data directory; after that
//! the database is the truth, so resource PUTs and service owner POSTs survive restarts.

pub mod config;
pub mod default;

use std::collections::{BTreeMap, BTreeSet};

use altinn_broker_core::OrgNumber;
use rusqlite::{params, Connection, OptionalExtension};

pub use config::{ConfigError, RegistryEntry, WorldConfig};

use crate::error::AppError;
use crate::store::resources::{self, Resource};
use crate::store::service_owners::{self, StorageProviderRow};
use crate::store::Store;

/// Marks a data directory whose database has been seeded.
const SEED_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS world_seed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seeded_at INTEGER NOT NULL
);
";

/// The world as the running emulator consults it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    /// Organisations the PDP lets act as senders and recipients.
    pub parties: BTreeSet<OrgNumber>,
    /// The emulated Resource Registry, by resource id.
    pub registry: BTreeMap<String, RegistryEntry>,
    config: WorldConfig,
}

impl Default for World {
    fn default() -> Self {
        Self::new(default::default_world())
    }
}

impl World {
    /// A world from a config that has passed [`WorldConfig::check`].
    pub fn new(config: WorldConfig) -> Self {
        Self {
            parties: config.parties.iter().copied().collect(),
            registry: config.registry.iter().map(|e| (e.id.clone(), e.clone())).collect(),
            config,
        }
    }

    /// The built-in world, or the one in `path`.
    pub fn load(path: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        match path {
            Some(p) => WorldConfig::load(p).map(Self::new),
            None => Ok(Self::default()),
        }
    }

    pub fn config(&self) -> &WorldConfig {
        &self.config
    }

    /// The registry entry of a resource, if the registry knows it.
    pub fn registry_entry(&self, resource_id: &str) -> Option<&RegistryEntry> {
        self.registry.get(resource_id)
    }

    /// Writes Broker's starting rows into the database on the first start of a data directory; later starts keep
    /// what the database holds. Answers whether it seeded.
    pub fn seed(&self, store: &Store) -> Result<bool, AppError> {
        store.apply_schema(SEED_SCHEMA)?;
        store.tx(|tx| self.seed_into(tx, crate::store::to_micros(time::OffsetDateTime::now_utc())))
    }

    fn seed_into(&self, conn: &Connection, now_micros: i64) -> Result<bool, AppError> {
        let seeded: Option<i64> = conn.query_row("SELECT seeded_at FROM world_seed", [], |r| r.get(0)).optional()?;
        if seeded.is_some() {
            return Ok(false);
        }
        for so in &self.config.service_owners {
            service_owners::insert(conn, &so.org, &so.name)?;
            for p in &so.storage_providers {
                service_owners::set_storage_provider(
                    conn,
                    &so.org,
                    StorageProviderRow { provider_type: p.provider_type, status: p.status },
                )?;
            }
        }
        for seed in &self.config.resources {
            let owner = self
                .registry_entry(&seed.id)
                .and_then(|e| e.owner)
                .ok_or_else(|| AppError::Internal(format!("seed resource {} has no registry owner", seed.id)))?;
            let mut r = Resource::new(seed.id.clone(), owner);
            r.apply(&altinn_broker_core::model::ResourceConfig {
                max_file_transfer_size: seed.max_file_transfer_size,
                file_transfer_time_to_live: seed.file_transfer_time_to_live.clone(),
                purge_file_transfer_after_all_recipients_confirmed: seed
                    .purge_file_transfer_after_all_recipients_confirmed,
                purge_file_transfer_grace_period: seed.purge_file_transfer_grace_period.clone(),
                use_manifest_file_shim: seed.use_manifest_file_shim,
                external_service_code_legacy: seed.external_service_code_legacy.clone(),
                external_service_edition_code_legacy: seed.external_service_edition_code_legacy,
                required_party: seed.required_party.clone(),
            })?;
            r.approved_for_disabled_virus_scan = seed.approved_for_disabled_virus_scan;
            resources::upsert(conn, &r)?;
        }
        conn.execute("INSERT INTO world_seed (id, seeded_at) VALUES (1, ?1)", params![now_micros])?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_world_is_consistent() {
        let w = default::default_world();
        w.check().unwrap();
        assert_eq!(w.registry.len(), 8);
        assert_eq!(w.resources.len(), 4);
    }

    #[test]
    fn example_file_equals_the_built_in_world() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
        assert_eq!(WorldConfig::load(&path).unwrap(), default::default_world());
    }

    #[test]
    fn json_form_reads_the_same_world() {
        let json = serde_json::to_string(&default::default_world()).unwrap();
        assert_eq!(WorldConfig::from_json(&json).unwrap(), default::default_world());
    }

    #[test]
    fn inconsistent_worlds_are_refused() {
        let mut w = default::default_world();
        w.resources.push(config::ResourceSeed {
            id: "altinn-broker-test-resource-with-unconfigured-serviceowner".into(),
            ..Default::default()
        });
        assert!(matches!(w.check(), Err(ConfigError::Inconsistent(m)) if m.contains("not a service owner")));
        assert!(WorldConfig::from_toml("parties = []\nunknown = 1").is_err());
    }

    #[test]
    fn seeds_once() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SEED_SCHEMA).unwrap();
        conn.execute_batch(resources::SCHEMA).unwrap();
        conn.execute_batch(service_owners::SCHEMA).unwrap();
        let world = World::default();
        assert!(world.seed_into(&conn, 1).unwrap());
        let digdir = OrgNumber::parse_lenient(altinn_broker_core::seed::DIGDIR).unwrap();
        let so = service_owners::get(&conn, &digdir).unwrap().unwrap();
        assert_eq!(so.name, "Digitaliseringsdirektoratet Avd Oslo");
        assert!(so.storage_ready(true));
        let r = resources::get(&conn, "ttd-brokertestressurs").unwrap().unwrap();
        assert_eq!(r.required_party_org(), Some(digdir));
        assert!(resources::get(&conn, "altinn-broker-test-resource-not-configured").unwrap().is_none());
        // A later start leaves changed rows alone.
        let mut changed = r.clone();
        changed.max_file_transfer_size = Some(5);
        resources::upsert(&conn, &changed).unwrap();
        assert!(!world.seed_into(&conn, 2).unwrap());
        assert_eq!(resources::get(&conn, "ttd-brokertestressurs").unwrap().unwrap().max_file_transfer_size, Some(5));
    }
}
