//! tus uploads (contract §5): one row per upload resource, plus the two caches the service keeps in Redis for
//! the expired-token rescue (the upload session keys and each transfer's last upload activity).
//!
//! An upload is the single upload of a transfer (its id is the `fileTransferId`), a partial upload of a parallel
//! upload (an N-format GUID), or the concatenation final (again the `fileTransferId`). `committed` is the durably
//! committed offset HEAD reports: it only ever covers bytes already fsynced in the staging file ([`staging`]).

pub mod staging;

use altinn_broker_core::FileTransferId;
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{from_micros, to_micros};
use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tus_upload (
    upload_id TEXT PRIMARY KEY,
    transfer_id TEXT NOT NULL,
    kind INTEGER NOT NULL,
    length INTEGER NOT NULL,
    committed INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    expires INTEGER,
    parts TEXT,
    finalized INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tus_upload_transfer ON tus_upload(transfer_id);
CREATE TABLE IF NOT EXISTS tus_session (
    key TEXT PRIMARY KEY,
    expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tus_activity (
    transfer_id TEXT PRIMARY KEY,
    at INTEGER NOT NULL
);
";

/// Which kind of tus resource an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    /// A plain upload; its id is the `fileTransferId`.
    Single,
    /// `Upload-Concat: partial`; its id is an N-format GUID.
    Partial,
    /// `Upload-Concat: final;...`; its id is the `fileTransferId`, its data the concatenation of its parts.
    Final,
}

impl UploadKind {
    const fn code(self) -> i64 {
        match self {
            UploadKind::Single => 0,
            UploadKind::Partial => 1,
            UploadKind::Final => 2,
        }
    }

    fn from_code(n: i64) -> rusqlite::Result<Self> {
        match n {
            0 => Ok(UploadKind::Single),
            1 => Ok(UploadKind::Partial),
            2 => Ok(UploadKind::Final),
            _ => Err(rusqlite::Error::IntegralValueOutOfRange(2, n)),
        }
    }
}

/// One tus upload resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub upload_id: String,
    pub transfer_id: FileTransferId,
    pub kind: UploadKind,
    /// `Upload-Length` (for a final: the sum of its parts).
    pub length: u64,
    /// The durably committed offset.
    pub committed: u64,
    /// PATCH requests committed so far (the service stores each as one Azure block).
    pub chunks: u64,
    /// Sliding expiry (`Upload-Expires`).
    pub expires: Option<OffsetDateTime>,
    /// Final only: the partial upload ids, in concatenation order.
    pub parts: Vec<String>,
    /// Final or single only: the finalisation job has built the transfer's file.
    pub finalized: bool,
}

impl Upload {
    pub fn is_complete(&self) -> bool {
        self.committed >= self.length
    }
}

const COLUMNS: &str = "upload_id, transfer_id, kind, length, committed, chunks, expires, parts, finalized";

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn upload_from(row: &Row<'_>) -> rusqlite::Result<Upload> {
    let transfer: String = row.get(1)?;
    let parts: Option<String> = row.get(7)?;
    Ok(Upload {
        upload_id: row.get(0)?,
        transfer_id: FileTransferId::parse(&transfer)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e)))?,
        kind: UploadKind::from_code(row.get(2)?)?,
        length: to_u64(row.get(3)?),
        committed: to_u64(row.get(4)?),
        chunks: to_u64(row.get(5)?),
        expires: row.get::<_, Option<i64>>(6)?.map(from_micros),
        parts: parts.map(|p| serde_json::from_str(&p).unwrap_or_default()).unwrap_or_default(),
        finalized: row.get(8)?,
    })
}

pub fn get(conn: &Connection, upload_id: &str) -> Result<Option<Upload>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM tus_upload WHERE upload_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([upload_id], upload_from).optional()?)
}

/// Every upload of a transfer (its single or final upload and its partials).
pub fn of_transfer(conn: &Connection, transfer: FileTransferId) -> Result<Vec<Upload>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM tus_upload WHERE transfer_id = ?1 ORDER BY created, upload_id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([transfer.to_string()], upload_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a creation stores.
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    pub upload_id: &'a str,
    pub transfer: FileTransferId,
    pub kind: UploadKind,
    pub length: u64,
    /// 0, except for a final: its parts are already complete.
    pub committed: u64,
    pub parts: &'a [String],
    pub expires: Option<OffsetDateTime>,
}

/// Creates (or, for a repeated creation of the same single or final upload, replaces) an upload.
pub fn create(conn: &Connection, new: &NewUpload<'_>, now: OffsetDateTime) -> Result<(), AppError> {
    let NewUpload { upload_id, transfer, kind, length, committed, parts, expires } = *new;
    let parts = if parts.is_empty() { None } else { Some(serde_json::to_string(parts).map_err(AppError::internal)?) };
    conn.execute(
        "INSERT OR REPLACE INTO tus_upload (upload_id, transfer_id, kind, length, committed, chunks, expires, parts,
             finalized, created)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, 0, ?8)",
        params![
            upload_id,
            transfer.to_string(),
            kind.code(),
            to_i64(length),
            to_i64(committed),
            expires.map(to_micros),
            parts,
            to_micros(now)
        ],
    )?;
    Ok(())
}

/// Records a durably written chunk: the committed offset and chunk count only ever grow, so commits that land
/// out of order cannot move them back.
pub fn commit(conn: &Connection, upload_id: &str, offset: u64, chunks: u64) -> Result<(), AppError> {
    conn.execute(
        "UPDATE tus_upload SET committed = MAX(committed, ?2), chunks = MAX(chunks, ?3) WHERE upload_id = ?1",
        params![upload_id, to_i64(offset), to_i64(chunks)],
    )?;
    Ok(())
}

pub fn set_expires(conn: &Connection, upload_id: &str, expires: OffsetDateTime) -> Result<(), AppError> {
    conn.execute("UPDATE tus_upload SET expires = ?2 WHERE upload_id = ?1", params![upload_id, to_micros(expires)])?;
    Ok(())
}

pub fn mark_finalized(conn: &Connection, upload_id: &str) -> Result<(), AppError> {
    conn.execute("UPDATE tus_upload SET finalized = 1 WHERE upload_id = ?1", [upload_id])?;
    Ok(())
}

pub fn delete(conn: &Connection, upload_id: &str) -> Result<(), AppError> {
    conn.execute("DELETE FROM tus_upload WHERE upload_id = ?1", [upload_id])?;
    Ok(())
}

/// Committed chunks of every upload of `transfer` except `except` (the 50,000-block cap counts them together).
pub fn chunks_of_others(conn: &Connection, transfer: FileTransferId, except: &str) -> Result<u64, AppError> {
    let n: i64 = conn
        .prepare_cached("SELECT COALESCE(SUM(chunks), 0) FROM tus_upload WHERE transfer_id = ?1 AND upload_id <> ?2")?
        .query_row(params![transfer.to_string(), except], |r| r.get(0))?;
    Ok(to_u64(n))
}

/// Every upload id known to the store (startup cleanup of orphaned staging files).
pub fn all_ids(conn: &Connection) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT upload_id FROM tus_upload")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Refreshes (or creates) an upload session key until `expires`.
pub fn refresh_session(conn: &Connection, key: &str, expires: OffsetDateTime) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO tus_session (key, expires) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET expires = ?2",
        params![key, to_micros(expires)],
    )?;
    Ok(())
}

pub fn session_active(conn: &Connection, key: &str, now: OffsetDateTime) -> Result<bool, AppError> {
    let expires: Option<i64> = conn
        .prepare_cached("SELECT expires FROM tus_session WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(expires.is_some_and(|e| from_micros(e) > now))
}

pub fn remove_session(conn: &Connection, key: &str) -> Result<(), AppError> {
    conn.execute("DELETE FROM tus_session WHERE key = ?1", [key])?;
    Ok(())
}

/// Records upload activity on `transfer` (the service's `tus-upload-activity:{id}` key).
pub fn record_activity(conn: &Connection, transfer: FileTransferId, at: OffsetDateTime) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO tus_activity (transfer_id, at) VALUES (?1, ?2) ON CONFLICT(transfer_id) DO UPDATE SET at = ?2",
        params![transfer.to_string(), to_micros(at)],
    )?;
    Ok(())
}

/// The last upload activity on `transfer`, if any.
pub fn last_activity(conn: &Connection, transfer: FileTransferId) -> Result<Option<OffsetDateTime>, AppError> {
    let at: Option<i64> = conn
        .query_row("SELECT at FROM tus_activity WHERE transfer_id = ?1", [transfer.to_string()], |r| r.get(0))
        .optional()?;
    Ok(at.map(from_micros))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c
    }

    #[test]
    fn commits_only_grow_and_chunks_add_up_across_partials() {
        let c = conn();
        let id = FileTransferId::new_random();
        let now = datetime!(2026-08-18 11:40:51 UTC);
        let partial = |upload_id| NewUpload {
            upload_id,
            transfer: id,
            kind: UploadKind::Partial,
            length: 10,
            committed: 0,
            parts: &[],
            expires: Some(now),
        };
        create(&c, &partial("a"), now).unwrap();
        create(&c, &partial("b"), now).unwrap();
        commit(&c, "a", 6, 2).unwrap();
        commit(&c, "a", 3, 1).unwrap();
        let a = get(&c, "a").unwrap().unwrap();
        assert_eq!((a.committed, a.chunks, a.kind), (6, 2, UploadKind::Partial));
        assert!(!a.is_complete());
        commit(&c, "b", 10, 3).unwrap();
        assert_eq!(chunks_of_others(&c, id, "a").unwrap(), 3);
        assert_eq!(chunks_of_others(&c, id, "zzz").unwrap(), 5);
        let parts = vec!["a".to_owned(), "b".to_owned()];
        let final_id = id.to_string();
        let fin = NewUpload {
            upload_id: &final_id,
            transfer: id,
            kind: UploadKind::Final,
            length: 20,
            committed: 20,
            parts: &parts,
            expires: None,
        };
        create(&c, &fin, now).unwrap();
        let f = get(&c, &id.to_string()).unwrap().unwrap();
        assert_eq!(f.parts, parts);
        assert_eq!(of_transfer(&c, id).unwrap().len(), 3);
    }

    #[test]
    fn sessions_expire_and_activity_is_kept() {
        let c = conn();
        let now = datetime!(2026-08-18 11:40:51 UTC);
        refresh_session(&c, "k", now + time::Duration::hours(24)).unwrap();
        assert!(session_active(&c, "k", now).unwrap());
        assert!(!session_active(&c, "k", now + time::Duration::hours(25)).unwrap());
        remove_session(&c, "k").unwrap();
        assert!(!session_active(&c, "k", now).unwrap());
        let id = FileTransferId::new_random();
        assert_eq!(last_activity(&c, id).unwrap(), None);
        record_activity(&c, id, now).unwrap();
        assert_eq!(last_activity(&c, id).unwrap(), Some(now));
    }
}
