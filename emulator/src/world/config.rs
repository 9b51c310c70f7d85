//! The world file given with `--config FILE` (TOML, or JSON when the name ends in `.json`). The format is
//! documented in the emulator's README and `examples/seed.toml` spells out the built-in default.
//!
//! Unknown keys are refused so that a typo does not silently leave a resource unconfigured.

use std::collections::BTreeMap;
use std::path::Path;

use altinn_broker_core::model::{DeploymentStatus, StorageProviderType};
use altinn_broker_core::OrgNumber;
use serde::{Deserialize, Serialize};

/// The whole world: who may act, the emulated Resource Registry, and what Broker holds on first start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    /// Organisations the emulated PDP lets act: each may send as itself and read transfers addressed to it.
    pub parties: Vec<OrgNumber>,
    /// Broker service owners registered at first start.
    #[serde(default)]
    pub service_owners: Vec<ServiceOwnerSeed>,
    /// The emulated Altinn Resource Registry.
    #[serde(default)]
    pub registry: Vec<RegistryEntry>,
    /// Resources configured in Broker at first start (each must be in `registry` with an owner that is one of
    /// `service_owners`).
    #[serde(default)]
    pub resources: Vec<ResourceSeed>,
    /// Altinn's organisation register (`altinn-orgs.json`): org number → service-owner code (`digdir`), which the
    /// token exchange writes as `urn:altinn:org` for tokens with the `altinn:serviceowner` scope (events-auth §3.1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub org_codes: BTreeMap<OrgNumber, String>,
    /// Clients of the emulated Maskinporten (events-auth contract §2): who may sign grants, with which key, for
    /// which scopes and system users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maskinporten_clients: Vec<MaskinportenClient>,
}

/// A client registered in the emulated Maskinporten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskinportenClient {
    /// The grant's `iss`, and `client_id` of the tokens.
    pub client_id: String,
    /// The organisation that owns the client: `consumer` of its tokens.
    pub org: OrgNumber,
    /// The scopes the client may request; a grant asking for any other is refused (`invalid_scope`).
    pub scopes: Vec<String>,
    /// The `kid` its grants name; the client id when absent (or the JWK's own `kid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The client's RSA public key, as a PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`) or a JWK table. Absent:
    /// the emulator makes a key pair for the client, once per data directory, and the test hook
    /// `GET /emulator/api/maskinporten/clients` hands out its private half.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyConfig>,
    /// How long its access tokens live, in seconds (Maskinporten takes it from the client's registration, not
    /// from the grant). Default 120.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_seconds: Option<u32>,
    /// System users the client may request tokens for (`authorization_details`, events-auth contract §2.3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_users: Vec<SystemUserSeed>,
}

/// A client's public key: a PEM text or a JWK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PublicKeyConfig {
    Pem(String),
    Jwk(PublicJwk),
}

/// An RSA public key as a JWK (`n` and `e` base64url).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    pub kty: String,
    pub n: String,
    pub e: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

/// A system user in Altinn's system register, reachable through one Maskinporten client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemUserSeed {
    /// The organisation the system user acts for (`systemuser_org`).
    pub org: OrgNumber,
    /// Its id (`systemuser_id`, a GUID).
    pub id: String,
    /// Set when the system-user request was created with one; a grant must then carry it. Absent: it is the org
    /// number, as Altinn defaults it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceOwnerSeed {
    pub org: OrgNumber,
    pub name: String,
    #[serde(default)]
    pub storage_providers: Vec<StorageProviderSeed>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageProviderSeed {
    #[serde(rename = "type")]
    pub provider_type: StorageProviderType,
    pub status: DeploymentStatus,
}

/// One resource of the emulated Resource Registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryEntry {
    pub id: String,
    /// The competent authority's organisation. Absent: the resource has none, and configuring it gives 403/5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OrgNumber>,
    /// Present: `accessListMode` is `Enabled` and only these organisations may be recipients (error 28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_list: Option<Vec<OrgNumber>>,
    /// The resource's policy permits nobody: every PDP decision on it is a deny (401/6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deny_all: bool,
}

/// A resource configured in Broker at first start; unset settings keep the service's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSeed {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_file_transfer_size: Option<i64>,
    /// ISO-8601, e.g. `P30D`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_transfer_time_to_live: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purge_file_transfer_after_all_recipients_confirmed: Option<bool>,
    /// ISO-8601, e.g. `PT2H`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purge_file_transfer_grace_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_manifest_file_shim: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_service_code_legacy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_service_edition_code_legacy: Option<i32>,
    /// Pre-approved for uploads without virus scan (otherwise errors 13 and 20 apply).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approved_for_disabled_virus_scan: bool,
}

/// Why a world file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the world file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the world file {path} is not valid TOML: {message}")]
    Toml { path: String, message: String },
    #[error("the world file {path} is not valid JSON: {source}")]
    Json { path: String, source: serde_json::Error },
    #[error("the world is inconsistent: {0}")]
    Inconsistent(String),
}

impl WorldConfig {
    /// Reads a world file: JSON when the name ends in `.json`, TOML otherwise.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
        let config = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            Self::from_json(&text).map_err(|source| ConfigError::Json { path: shown, source })?
        } else {
            Self::from_toml(&text).map_err(|message| ConfigError::Toml { path: shown, message })?
        };
        config.check()?;
        Ok(config)
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Checks what serde cannot: ids well-formed and unique, every configured resource registered with an owner
    /// that is a seeded service owner, durations readable.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Inconsistent(m));
        let mut seen = std::collections::BTreeSet::new();
        for entry in &self.registry {
            if entry.id.is_empty() || entry.id.len() > 255 || entry.id.contains(':') {
                return bad(format!("registry id {:?} must be 1-255 characters without ':'", entry.id));
            }
            if !seen.insert(entry.id.as_str()) {
                return bad(format!("registry id {:?} is listed twice", entry.id));
            }
        }
        let owners: std::collections::BTreeSet<OrgNumber> = self.service_owners.iter().map(|s| s.org).collect();
        if owners.len() != self.service_owners.len() {
            return bad("a service owner is listed twice".into());
        }
        let mut configured = std::collections::BTreeSet::new();
        for seed in &self.resources {
            if !configured.insert(seed.id.as_str()) {
                return bad(format!("resource {:?} is listed twice", seed.id));
            }
            let Some(entry) = self.registry.iter().find(|e| e.id == seed.id) else {
                return bad(format!("resource {:?} is configured but not in the registry", seed.id));
            };
            let Some(owner) = entry.owner else {
                return bad(format!("resource {:?} is configured but its registry entry has no owner", seed.id));
            };
            if !owners.contains(&owner) {
                return bad(format!(
                    "resource {:?} is configured but its owner {owner} is not a service owner",
                    seed.id
                ));
            }
            for (name, value) in [
                ("file_transfer_time_to_live", &seed.file_transfer_time_to_live),
                ("purge_file_transfer_grace_period", &seed.purge_file_transfer_grace_period),
            ] {
                if let Some(v) = value {
                    if altinn_broker_core::duration::parse_iso8601(v).is_err() {
                        return bad(format!("resource {:?}: {name} {v:?} is not an ISO-8601 duration", seed.id));
                    }
                }
            }
            if let Some(p) = &seed.required_party {
                if OrgNumber::parse_lenient(p).is_err() {
                    return bad(format!("resource {:?}: required_party {p:?} is not an organisation number", seed.id));
                }
            }
        }
        let mut clients = std::collections::BTreeSet::new();
        for client in &self.maskinporten_clients {
            if client.client_id.trim().is_empty() {
                return bad("a Maskinporten client has an empty client_id".into());
            }
            if !clients.insert(client.client_id.as_str()) {
                return bad(format!("Maskinporten client {:?} is listed twice", client.client_id));
            }
            if client.scopes.iter().any(|s| s.trim().is_empty() || s.contains(' ')) {
                return bad(format!("Maskinporten client {:?}: a scope is empty or has a space", client.client_id));
            }
            if client.token_lifetime_seconds == Some(0) {
                return bad(format!("Maskinporten client {:?}: token_lifetime_seconds must be > 0", client.client_id));
            }
            for su in &client.system_users {
                if uuid::Uuid::parse_str(&su.id).is_err() {
                    return bad(format!(
                        "Maskinporten client {:?}: system user id {:?} is no GUID",
                        client.client_id, su.id
                    ));
                }
            }
        }
        Ok(())
    }
}
