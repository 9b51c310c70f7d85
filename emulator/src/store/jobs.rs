//! Scheduled background work, persisted so it survives a restart (the service uses Hangfire on PostgreSQL).

use altinn_broker_core::FileTransferId;
use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use super::{from_micros, to_micros};
use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS job (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    transfer_id TEXT,
    due_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS job_due ON job(due_at, id);
";

/// One kind of background work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// The simulated malware scan of an upload in `UploadProcessing`.
    Scan,
    /// The purge at `expirationTime`.
    ExpiryPurge,
    /// The purge after every recipient confirmed plus the grace period.
    ConfirmedPurge,
    /// The recurring (every 30 minutes) check for uploads stuck in `UploadStarted`.
    StuckUploads,
    /// Building the file of a finished tus upload (single or concatenation) and completing it.
    TusFinalize,
    /// The MD5 of a tus upload published before it was hashed (`TusChecksumProcessingHandler`), stored as its
    /// `checksum`.
    TusChecksum,
}

impl JobKind {
    const ALL: &'static [JobKind] = &[
        JobKind::Scan,
        JobKind::ExpiryPurge,
        JobKind::ConfirmedPurge,
        JobKind::StuckUploads,
        JobKind::TusFinalize,
        JobKind::TusChecksum,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            JobKind::Scan => "scan",
            JobKind::ExpiryPurge => "expiry-purge",
            JobKind::ConfirmedPurge => "confirmed-purge",
            JobKind::StuckUploads => "stuck-uploads",
            JobKind::TusFinalize => "tus-finalize",
            JobKind::TusChecksum => "tus-checksum",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub transfer: Option<FileTransferId>,
    pub due_at: OffsetDateTime,
}

pub fn schedule(
    conn: &Connection,
    kind: JobKind,
    transfer: Option<FileTransferId>,
    due_at: OffsetDateTime,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO job (kind, transfer_id, due_at) VALUES (?1, ?2, ?3)",
        params![kind.name(), transfer.map(|t| t.to_string()), to_micros(due_at)],
    )?;
    Ok(())
}

/// Whether a job of `kind` is pending (for `transfer`, or a transfer-less one).
pub fn exists(conn: &Connection, kind: JobKind, transfer: Option<FileTransferId>) -> Result<bool, AppError> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM job WHERE kind = ?1 AND transfer_id IS ?2")?
        .query_row(params![kind.name(), transfer.map(|t| t.to_string())], |r| r.get(0))?;
    Ok(n > 0)
}

pub fn cancel(conn: &Connection, kind: JobKind, transfer: FileTransferId) -> Result<usize, AppError> {
    Ok(conn
        .execute("DELETE FROM job WHERE kind = ?1 AND transfer_id = ?2", params![kind.name(), transfer.to_string()])?)
}

/// The earliest job due at or before `now`.
pub fn next_due(conn: &Connection, now: OffsetDateTime) -> Result<Option<Job>, AppError> {
    let row = conn
        .query_row(
            "SELECT id, kind, transfer_id, due_at FROM job WHERE due_at <= ?1 ORDER BY due_at, id LIMIT 1",
            [to_micros(now)],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?)),
        )
        .optional()?;
    let Some((id, kind, transfer, due)) = row else { return Ok(None) };
    let kind = JobKind::parse(&kind).ok_or_else(|| AppError::Internal(format!("unknown job kind {kind}")))?;
    let transfer = transfer.map(|t| FileTransferId::parse(&t)).transpose().map_err(AppError::internal)?;
    Ok(Some(Job { id, kind, transfer, due_at: from_micros(due) }))
}

/// The due time of the earliest pending job.
pub fn earliest(conn: &Connection) -> Result<Option<OffsetDateTime>, AppError> {
    let due: Option<i64> = conn.prepare_cached("SELECT MIN(due_at) FROM job")?.query_row([], |r| r.get(0))?;
    Ok(due.map(from_micros))
}

pub fn remove(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.execute("DELETE FROM job WHERE id = ?1", [id])?;
    Ok(())
}
