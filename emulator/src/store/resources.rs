//! Resources configured in Broker (contract §8.1, §8.2): the service's `altinn_resource` table.
//!
//! A row exists once the resource is configured, either by the seed world or by the resource PUT. Unset settings
//! are `NULL` and fall back to the service's defaults (TTL 30 days, grace period 2 hours); the purge flag defaults to
//! true as in the service's schema.

use std::time::Duration;

use altinn_broker_core::duration::{format_timespan, parse_iso8601};
use altinn_broker_core::model::ResourceConfig;
use altinn_broker_core::validate::{DEFAULT_GRACE_PERIOD, DEFAULT_TIME_TO_LIVE};
use altinn_broker_core::OrgNumber;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Store;
use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS altinn_resource (
    id TEXT PRIMARY KEY,
    organization_number TEXT NOT NULL,
    service_owner_id TEXT NOT NULL,
    max_file_transfer_size INTEGER,
    time_to_live_micros INTEGER,
    purge_after_all_confirmed INTEGER NOT NULL DEFAULT 1,
    grace_period_micros INTEGER,
    use_manifest_file_shim INTEGER,
    external_service_code_legacy TEXT,
    external_service_edition_code_legacy INTEGER,
    required_party TEXT,
    approved_for_disabled_virus_scan INTEGER NOT NULL DEFAULT 0
);
";

/// A configured resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: String,
    /// The owner's organisation (the registry's competent authority).
    pub organization_number: OrgNumber,
    /// `0192:<orgnr>` of the Broker service owner the resource belongs to.
    pub service_owner_id: String,
    /// `None`: no per-resource limit.
    pub max_file_transfer_size: Option<i64>,
    /// `None`: the default 30 days ([`Resource::time_to_live`]).
    pub file_transfer_time_to_live: Option<Duration>,
    pub purge_file_transfer_after_all_recipients_confirmed: bool,
    /// `None`: the default 2 hours ([`Resource::grace_period`]).
    pub purge_file_transfer_grace_period: Option<Duration>,
    /// Stored but applied by no download path, as in the service.
    pub use_manifest_file_shim: Option<bool>,
    pub external_service_code_legacy: Option<String>,
    pub external_service_edition_code_legacy: Option<i32>,
    /// As given in the PUT (any org form).
    pub required_party: Option<String>,
    /// Pre-approved by Altinn for uploads without virus scan (errors 13 and 20 otherwise, in Production).
    pub approved_for_disabled_virus_scan: bool,
}

impl Resource {
    /// A freshly configured resource: every setting unset.
    pub fn new(id: impl Into<String>, owner: OrgNumber) -> Self {
        Self {
            id: id.into(),
            organization_number: owner,
            service_owner_id: owner.to_prefixed(),
            max_file_transfer_size: None,
            file_transfer_time_to_live: None,
            purge_file_transfer_after_all_recipients_confirmed: true,
            purge_file_transfer_grace_period: None,
            use_manifest_file_shim: None,
            external_service_code_legacy: None,
            external_service_edition_code_legacy: None,
            required_party: None,
            approved_for_disabled_virus_scan: false,
        }
    }

    /// Lifetime of new transfers: the configured TTL or 30 days.
    pub fn time_to_live(&self) -> Duration {
        self.file_transfer_time_to_live.unwrap_or(DEFAULT_TIME_TO_LIVE)
    }

    /// Delay of the purge after all recipients confirmed: the configured grace period or 2 hours.
    pub fn grace_period(&self) -> Duration {
        self.purge_file_transfer_grace_period.unwrap_or(DEFAULT_GRACE_PERIOD)
    }

    /// The required party as an org number, when one is set and readable (contract §1.2 step 8).
    pub fn required_party_org(&self) -> Option<OrgNumber> {
        self.required_party.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| OrgNumber::parse_lenient(s).ok())
    }

    /// The service owner as an org number.
    pub fn service_owner_org(&self) -> Option<OrgNumber> {
        OrgNumber::parse_lenient(&self.service_owner_id).ok()
    }

    /// The GET body: durations in .NET `TimeSpan.ToString()` form (`"30.00:00:00"`), `null` when unset.
    pub fn to_config(&self) -> ResourceConfig {
        ResourceConfig {
            max_file_transfer_size: self.max_file_transfer_size,
            file_transfer_time_to_live: self.file_transfer_time_to_live.map(format_timespan),
            purge_file_transfer_after_all_recipients_confirmed: Some(
                self.purge_file_transfer_after_all_recipients_confirmed,
            ),
            purge_file_transfer_grace_period: self.purge_file_transfer_grace_period.map(format_timespan),
            use_manifest_file_shim: self.use_manifest_file_shim,
            external_service_code_legacy: self.external_service_code_legacy.clone(),
            external_service_edition_code_legacy: self.external_service_edition_code_legacy,
            required_party: self.required_party.clone(),
        }
    }

    /// Applies a validated PUT body: only present, non-null fields change (contract §8.1). Durations must already
    /// have passed [`altinn_broker_core::validate::resource_update`].
    pub fn apply(&mut self, update: &ResourceConfig) -> Result<(), AppError> {
        let duration = |s: &str| parse_iso8601(s).map_err(|e| AppError::Internal(format!("unvalidated duration: {e}")));
        if let Some(v) = update.max_file_transfer_size {
            self.max_file_transfer_size = Some(v);
        }
        if let Some(v) = &update.file_transfer_time_to_live {
            self.file_transfer_time_to_live = Some(duration(v)?);
        }
        if let Some(v) = update.purge_file_transfer_after_all_recipients_confirmed {
            self.purge_file_transfer_after_all_recipients_confirmed = v;
        }
        if let Some(v) = &update.purge_file_transfer_grace_period {
            self.purge_file_transfer_grace_period = Some(duration(v)?);
        }
        if let Some(v) = update.use_manifest_file_shim {
            self.use_manifest_file_shim = Some(v);
        }
        if let Some(v) = &update.external_service_code_legacy {
            self.external_service_code_legacy = Some(v.clone());
        }
        if let Some(v) = update.external_service_edition_code_legacy {
            self.external_service_edition_code_legacy = Some(v);
        }
        if let Some(v) = &update.required_party {
            self.required_party = Some(v.clone());
        }
        Ok(())
    }
}

fn micros(d: Option<Duration>) -> Option<i64> {
    d.map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn duration(m: Option<i64>) -> Option<Duration> {
    m.map(|m| Duration::from_micros(m.max(0).unsigned_abs()))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Resource> {
    let org: String = r.get("organization_number")?;
    let organization_number = OrgNumber::parse_lenient(&org)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(Resource {
        id: r.get("id")?,
        organization_number,
        service_owner_id: r.get("service_owner_id")?,
        max_file_transfer_size: r.get("max_file_transfer_size")?,
        file_transfer_time_to_live: duration(r.get("time_to_live_micros")?),
        purge_file_transfer_after_all_recipients_confirmed: r.get("purge_after_all_confirmed")?,
        purge_file_transfer_grace_period: duration(r.get("grace_period_micros")?),
        use_manifest_file_shim: r.get("use_manifest_file_shim")?,
        external_service_code_legacy: r.get("external_service_code_legacy")?,
        external_service_edition_code_legacy: r.get("external_service_edition_code_legacy")?,
        required_party: r.get("required_party")?,
        approved_for_disabled_virus_scan: r.get("approved_for_disabled_virus_scan")?,
    })
}

/// Reads a configured resource (`None`: not configured in Broker).
pub fn get(conn: &Connection, id: &str) -> Result<Option<Resource>, AppError> {
    Ok(conn.prepare_cached("SELECT * FROM altinn_resource WHERE id = ?1")?.query_row([id], from_row).optional()?)
}

/// Writes a resource, creating or replacing its row.
pub fn upsert(conn: &Connection, r: &Resource) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO altinn_resource (id, organization_number, service_owner_id, max_file_transfer_size,
            time_to_live_micros, purge_after_all_confirmed, grace_period_micros, use_manifest_file_shim,
            external_service_code_legacy, external_service_edition_code_legacy, required_party,
            approved_for_disabled_virus_scan)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET
            organization_number = excluded.organization_number,
            service_owner_id = excluded.service_owner_id,
            max_file_transfer_size = excluded.max_file_transfer_size,
            time_to_live_micros = excluded.time_to_live_micros,
            purge_after_all_confirmed = excluded.purge_after_all_confirmed,
            grace_period_micros = excluded.grace_period_micros,
            use_manifest_file_shim = excluded.use_manifest_file_shim,
            external_service_code_legacy = excluded.external_service_code_legacy,
            external_service_edition_code_legacy = excluded.external_service_edition_code_legacy,
            required_party = excluded.required_party,
            approved_for_disabled_virus_scan = excluded.approved_for_disabled_virus_scan",
        params![
            r.id,
            r.organization_number.digits(),
            r.service_owner_id,
            r.max_file_transfer_size,
            micros(r.file_transfer_time_to_live),
            r.purge_file_transfer_after_all_recipients_confirmed,
            micros(r.purge_file_transfer_grace_period),
            r.use_manifest_file_shim,
            r.external_service_code_legacy,
            r.external_service_edition_code_legacy,
            r.required_party,
            r.approved_for_disabled_virus_scan,
        ],
    )?;
    Ok(())
}

impl Store {
    /// The resource as configured in Broker, or `None` when it is not configured.
    pub fn resource(&self, id: &str) -> Result<Option<Resource>, AppError> {
        get(&*self.conn()?, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        let org = OrgNumber::parse_lenient("991825827").unwrap();
        assert_eq!(get(&conn, "r").unwrap(), None);
        let mut r = Resource::new("r", org);
        upsert(&conn, &r).unwrap();
        let back = get(&conn, "r").unwrap().unwrap();
        assert_eq!(back, r);
        assert_eq!(back.time_to_live(), DEFAULT_TIME_TO_LIVE);
        assert_eq!(back.grace_period(), DEFAULT_GRACE_PERIOD);
        let cfg = back.to_config();
        assert_eq!(cfg.purge_file_transfer_after_all_recipients_confirmed, Some(true));
        assert_eq!(cfg.file_transfer_time_to_live, None);

        let update = ResourceConfig {
            file_transfer_time_to_live: Some("P30D".into()),
            purge_file_transfer_grace_period: Some("PT2H".into()),
            max_file_transfer_size: Some(1000),
            required_party: Some("0192:991825827".into()),
            ..Default::default()
        };
        r.apply(&update).unwrap();
        upsert(&conn, &r).unwrap();
        let back = get(&conn, "r").unwrap().unwrap();
        let cfg = back.to_config();
        assert_eq!(cfg.file_transfer_time_to_live.as_deref(), Some("30.00:00:00"));
        assert_eq!(cfg.purge_file_transfer_grace_period.as_deref(), Some("02:00:00"));
        assert_eq!(cfg.max_file_transfer_size, Some(1000));
        assert_eq!(back.required_party_org(), Some(org));

        // A partial update leaves the other fields alone.
        r.apply(&ResourceConfig {
            purge_file_transfer_after_all_recipients_confirmed: Some(false),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.max_file_transfer_size, Some(1000));
        assert!(!r.purge_file_transfer_after_all_recipients_confirmed);
    }
}
