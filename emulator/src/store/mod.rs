//! Persistence: one SQLite database (metadata, jobs, events) and a directory of blob files under `--data-dir`.
//!
//! Each module that owns tables declares its schema as a `SCHEMA` constant and is listed in [`SCHEMAS`]; the store
//! applies them all when it opens, so a module adds tables without touching the others.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: once a transaction commits it survives a `kill -9`.
//! The connection sits behind a mutex and queries are short; the store is shared through [`Store`]'s cheap clone.

pub mod blobs;
pub mod disk;
pub mod events;
pub mod jobs;
pub mod resources;
pub mod service_owners;
pub mod statistics;
pub mod subscriptions;
pub mod transfers;
pub mod tus;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::error::AppError;

/// Every module's tables, applied in order at open (`CREATE ... IF NOT EXISTS`, so reopening is harmless).
const SCHEMAS: &[(&str, &str)] = &[
    ("transfers", transfers::SCHEMA),
    ("jobs", jobs::SCHEMA),
    ("events", events::SCHEMA),
    ("resources", resources::SCHEMA),
    ("service_owners", service_owners::SCHEMA),
    ("statistics", statistics::SCHEMA),
    ("subscriptions", subscriptions::SCHEMA),
    ("tus", tus::SCHEMA),
];

const DB_FILE: &str = "broker.sqlite3";

/// How many prepared statements the connection keeps: room for all of the store's (about 35, plus the search's
/// filter combinations); an evicted one is only prepared again.
const STATEMENT_CACHE: usize = 128;

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    blobs: blobs::BlobStore,
    data_dir: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("data_dir", &self.data_dir).finish()
    }
}

impl Store {
    /// Opens (or creates) the database and blob directory in `data_dir` and applies every schema.
    pub fn open(data_dir: &Path) -> Result<Self, AppError> {
        std::fs::create_dir_all(data_dir)?;
        let conn = Connection::open(data_dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The store's queries go through the statement cache (`prepare_cached`): preparing (parsing, planning) the
        // SQL was a third of an overview request's CPU (perf at 500 req/s: sqlite3_prepare_v3 33% of samples).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        for (name, sql) in SCHEMAS {
            conn.execute_batch(sql).map_err(|e| AppError::Internal(format!("schema {name}: {e}")))?;
        }
        // Tables of an older data dir brought up to the schemas' shape (columns that `IF NOT EXISTS` cannot add).
        events::migrate(&conn).map_err(|e| AppError::Internal(format!("migration events: {e}")))?;
        let blobs = blobs::BlobStore::open(&data_dir.join("blobs"))?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), blobs, data_dir: data_dir.to_owned() })
    }

    /// Applies a schema owned by a module outside [`SCHEMAS`] (idempotent).
    pub fn apply_schema(&self, sql: &str) -> Result<(), AppError> {
        self.conn()?.execute_batch(sql)?;
        Ok(())
    }

    /// The connection, locked. Keep the guard short-lived and never hold it across an `.await`.
    pub fn conn(&self) -> Result<MutexGuard<'_, Connection>, AppError> {
        self.conn.lock().map_err(|_| AppError::Internal("database mutex poisoned".into()))
    }

    /// Runs `f` inside one transaction, committed when `f` succeeds.
    pub fn tx<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn blobs(&self) -> &blobs::BlobStore {
        &self.blobs
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

/// Timestamps are stored as Unix microseconds (the service's PostgreSQL precision).
pub fn to_micros(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

pub fn from_micros(m: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
