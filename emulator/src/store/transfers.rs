//! File transfers, their status history and their recipients' status history (contract §1.5, §1.6, §3, §4).
//!
//! Statuses are appended rows, as in the real service: the current status is the newest row, the overview's
//! recipient status is the highest ever reached, and search's `recipientStatus` uses the newest.

use std::collections::BTreeMap;

use altinn_broker_core::{FileTransferId, FileTransferStatus, RecipientStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{from_micros, to_micros};
use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS file_transfer (
    id TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    senders_reference TEXT,
    sender TEXT NOT NULL,
    checksum TEXT,
    computed_md5 TEXT,
    user_checksum INTEGER NOT NULL DEFAULT 0,
    use_virus_scan INTEGER NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    expiration INTEGER NOT NULL,
    has_file INTEGER NOT NULL DEFAULT 0,
    property_list TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS file_transfer_resource ON file_transfer(resource_id, sender);
CREATE TABLE IF NOT EXISTS file_transfer_status (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id TEXT NOT NULL REFERENCES file_transfer(id),
    status INTEGER NOT NULL,
    detail TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS file_transfer_status_transfer ON file_transfer_status(transfer_id, at);
CREATE TABLE IF NOT EXISTS recipient_status (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id TEXT NOT NULL REFERENCES file_transfer(id),
    actor TEXT NOT NULL,
    status INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS recipient_status_actor ON recipient_status(actor, transfer_id);
CREATE INDEX IF NOT EXISTS recipient_status_transfer ON recipient_status(transfer_id);
";

/// What initialize stores.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub id: FileTransferId,
    pub resource_id: String,
    pub file_name: String,
    pub senders_reference: Option<String>,
    /// Exactly as sent (it may be the URN form).
    pub sender: String,
    /// `0192:` form.
    pub recipients: Vec<String>,
    pub checksum: Option<String>,
    pub use_virus_scan: bool,
    pub created: OffsetDateTime,
    pub expiration: OffsetDateTime,
    pub property_list: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub id: FileTransferId,
    pub resource_id: String,
    pub file_name: String,
    pub senders_reference: Option<String>,
    pub sender: String,
    pub checksum: Option<String>,
    /// Whether `checksum` came from the sender (checked at upload) rather than computed by us.
    pub user_checksum: bool,
    pub use_virus_scan: bool,
    pub size: i64,
    pub created: OffsetDateTime,
    pub expiration: OffsetDateTime,
    /// A complete file is stored for this transfer (the service's "file location").
    pub has_file: bool,
    pub property_list: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusRow {
    pub status: FileTransferStatus,
    pub detail: Option<String>,
    pub at: OffsetDateTime,
}

impl StatusRow {
    /// The stored detail text, or the status's fixed text.
    pub fn text(&self) -> String {
        self.detail.clone().unwrap_or_else(|| self.status.default_text().to_owned())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecipientRow {
    /// `0192:` form.
    pub actor: String,
    pub status: RecipientStatus,
    pub at: OffsetDateTime,
}

fn status_from(n: i64) -> rusqlite::Result<FileTransferStatus> {
    FileTransferStatus::from_code(n).ok_or(rusqlite::Error::IntegralValueOutOfRange(0, n))
}

fn recipient_status_from(n: i64) -> rusqlite::Result<RecipientStatus> {
    RecipientStatus::from_code(n).ok_or(rusqlite::Error::IntegralValueOutOfRange(0, n))
}

fn id_from(s: String) -> rusqlite::Result<FileTransferId> {
    FileTransferId::parse(&s).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

pub fn insert(conn: &Connection, t: &NewTransfer) -> Result<(), AppError> {
    let props = serde_json::to_string(&t.property_list).map_err(AppError::internal)?;
    conn.execute(
        "INSERT INTO file_transfer (id, resource_id, file_name, senders_reference, sender, checksum, user_checksum,
             use_virus_scan, created, expiration, property_list)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            t.id.to_string(),
            t.resource_id,
            t.file_name,
            t.senders_reference,
            t.sender,
            t.checksum,
            t.checksum.is_some(),
            t.use_virus_scan,
            to_micros(t.created),
            to_micros(t.expiration),
            props
        ],
    )?;
    push_status(conn, t.id, FileTransferStatus::Initialized, None, t.created)?;
    for r in &t.recipients {
        push_recipient_status(conn, t.id, r, RecipientStatus::Initialized, t.created)?;
    }
    Ok(())
}

const TRANSFER_COLUMNS: &str = "id, resource_id, file_name, senders_reference, sender, checksum, user_checksum,
    use_virus_scan, size, created, expiration, has_file, property_list";

fn transfer_from(row: &Row<'_>) -> rusqlite::Result<Transfer> {
    let props: String = row.get(12)?;
    Ok(Transfer {
        id: id_from(row.get(0)?)?,
        resource_id: row.get(1)?,
        file_name: row.get(2)?,
        senders_reference: row.get(3)?,
        sender: row.get(4)?,
        checksum: row.get(5)?,
        user_checksum: row.get(6)?,
        use_virus_scan: row.get(7)?,
        size: row.get(8)?,
        created: from_micros(row.get(9)?),
        expiration: from_micros(row.get(10)?),
        has_file: row.get(11)?,
        property_list: serde_json::from_str(&props).unwrap_or_default(),
    })
}

pub fn get(conn: &Connection, id: FileTransferId) -> Result<Option<Transfer>, AppError> {
    let sql = format!("SELECT {TRANSFER_COLUMNS} FROM file_transfer WHERE id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id.to_string()], transfer_from).optional()?)
}

pub fn push_status(
    conn: &Connection,
    id: FileTransferId,
    status: FileTransferStatus,
    detail: Option<&str>,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO file_transfer_status (transfer_id, status, detail, at) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), status.code(), detail, to_micros(at)],
    )?;
    Ok(())
}

pub fn push_recipient_status(
    conn: &Connection,
    id: FileTransferId,
    actor: &str,
    status: RecipientStatus,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO recipient_status (transfer_id, actor, status, at) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), actor, status.code(), to_micros(at)],
    )?;
    Ok(())
}

/// The newest status row (ties broken by insertion order).
pub fn current_status(conn: &Connection, id: FileTransferId) -> Result<StatusRow, AppError> {
    conn.prepare_cached(
        "SELECT status, detail, at FROM file_transfer_status WHERE transfer_id = ?1 ORDER BY at DESC, seq DESC LIMIT 1",
    )?
    .query_row([id.to_string()], |r| {
        Ok(StatusRow { status: status_from(r.get(0)?)?, detail: r.get(1)?, at: from_micros(r.get(2)?) })
    })
    .optional()?
    .ok_or_else(|| AppError::Internal(format!("file transfer {id} has no status")))
}

pub fn status_history(conn: &Connection, id: FileTransferId) -> Result<Vec<StatusRow>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT status, detail, at FROM file_transfer_status WHERE transfer_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok(StatusRow { status: status_from(r.get(0)?)?, detail: r.get(1)?, at: from_micros(r.get(2)?) })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the transfer was first published, if it was.
pub fn published_at(conn: &Connection, id: FileTransferId) -> Result<Option<OffsetDateTime>, AppError> {
    let at: Option<i64> = conn
        .prepare_cached("SELECT MIN(at) FROM file_transfer_status WHERE transfer_id = ?1 AND status = ?2")?
        .query_row(params![id.to_string(), FileTransferStatus::Published.code()], |r| r.get(0))?;
    Ok(at.map(from_micros))
}

pub fn recipient_history(conn: &Connection, id: FileTransferId) -> Result<Vec<RecipientRow>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT actor, status, at FROM recipient_status WHERE transfer_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok(RecipientRow { actor: r.get(0)?, status: recipient_status_from(r.get(1)?)?, at: from_micros(r.get(2)?) })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Each recipient's highest status ever reached and latest status time (the overview's view), in first-seen order.
pub fn recipients_current(conn: &Connection, id: FileTransferId) -> Result<Vec<RecipientRow>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT actor, MAX(status), MAX(at), MIN(seq) AS first FROM recipient_status WHERE transfer_id = ?1
         GROUP BY actor ORDER BY first",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok(RecipientRow { actor: r.get(0)?, status: recipient_status_from(r.get(1)?)?, at: from_micros(r.get(2)?) })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records the stored file: its size and computed MD5 (`None`: not computed yet, see [`set_computed_md5`]). The MD5
/// becomes the reported `checksum` (when the sender gave none) only through [`adopt_computed_checksum`], right away
/// or after the scan, as in the service.
pub fn set_file(conn: &Connection, id: FileTransferId, size: u64, md5: Option<&str>) -> Result<(), AppError> {
    let size = i64::try_from(size).map_err(AppError::internal)?;
    conn.execute(
        "UPDATE file_transfer SET has_file = 1, size = ?2, computed_md5 = ?3 WHERE id = ?1",
        params![id.to_string(), size, md5],
    )?;
    Ok(())
}

/// Records the MD5 of a file stored earlier without one (a tus upload published before its MD5 job ran).
pub fn set_computed_md5(conn: &Connection, id: FileTransferId, md5: &str) -> Result<(), AppError> {
    conn.execute(
        "UPDATE file_transfer SET computed_md5 = ?2 WHERE id = ?1 AND has_file = 1",
        params![id.to_string(), md5],
    )?;
    Ok(())
}

/// Reports the computed MD5 as `checksum` when the sender gave none.
pub fn adopt_computed_checksum(conn: &Connection, id: FileTransferId) -> Result<(), AppError> {
    conn.execute(
        "UPDATE file_transfer SET checksum = COALESCE(checksum, computed_md5) WHERE id = ?1",
        [id.to_string()],
    )?;
    Ok(())
}

/// Forgets a stored file whose upload was never acknowledged (crash recovery): size and hash go with it.
pub fn clear_file(conn: &Connection, id: FileTransferId) -> Result<(), AppError> {
    conn.execute(
        "UPDATE file_transfer SET has_file = 0, size = 0, computed_md5 = NULL WHERE id = ?1",
        [id.to_string()],
    )?;
    Ok(())
}

/// Transfers whose newest status is `status`, with the time they entered it.
pub fn in_status(
    conn: &Connection,
    status: FileTransferStatus,
) -> Result<Vec<(FileTransferId, OffsetDateTime)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.transfer_id, s.status, s.at FROM file_transfer_status s
         WHERE s.seq = (SELECT s2.seq FROM file_transfer_status s2 WHERE s2.transfer_id = s.transfer_id
                        ORDER BY s2.at DESC, s2.seq DESC LIMIT 1)
           AND s.status = ?1",
    )?;
    let rows = stmt.query_map([status.code()], |r| Ok((id_from(r.get(0)?)?, from_micros(r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The search of contract §4.
#[derive(Debug, Clone)]
pub struct Search {
    pub resource_id: String,
    /// `0192:` form of the caller.
    pub caller: String,
    pub status: Option<FileTransferStatus>,
    pub recipient_status: Option<RecipientStatus>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub ascending: bool,
    /// `None`: both roles.
    pub role: Option<altinn_broker_core::model::SearchRole>,
    pub limit: usize,
}

/// Whether `actor` (`0192:` form) has ever appeared as sender or recipient.
pub fn actor_known(conn: &Connection, actor: &str) -> Result<bool, AppError> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT (SELECT COUNT(*) FROM recipient_status WHERE actor = ?1)
              + (SELECT COUNT(*) FROM file_transfer WHERE sender = ?1)",
        )?
        .query_row([actor], |r| r.get(0))?;
    Ok(n > 0)
}

pub fn search(conn: &Connection, q: &Search) -> Result<Vec<FileTransferId>, AppError> {
    use altinn_broker_core::model::SearchRole;
    // The candidate set, by role (the recipient-status search ignores `role`).
    let candidates = if q.recipient_status.is_some() {
        "SELECT f.id FROM file_transfer f WHERE f.resource_id = :resource AND EXISTS (
             SELECT 1 FROM recipient_status r WHERE r.transfer_id = f.id AND r.actor = :caller
               AND r.status = :rstatus
               AND r.seq = (SELECT r2.seq FROM recipient_status r2 WHERE r2.transfer_id = f.id AND r2.actor = :caller
                            ORDER BY r2.at DESC, r2.seq DESC LIMIT 1))"
    } else {
        match q.role {
            Some(SearchRole::Sender) => {
                "SELECT f.id FROM file_transfer f WHERE f.resource_id = :resource AND f.sender = :caller"
            }
            Some(SearchRole::Recipient) => {
                "SELECT f.id FROM file_transfer f WHERE f.resource_id = :resource AND EXISTS (
                     SELECT 1 FROM recipient_status r WHERE r.transfer_id = f.id AND r.actor = :caller)"
            }
            None => {
                "SELECT f.id FROM file_transfer f WHERE f.resource_id = :resource AND (f.sender = :caller OR EXISTS (
                     SELECT 1 FROM recipient_status r WHERE r.transfer_id = f.id AND r.actor = :caller))"
            }
        }
    };
    // The timeline: with `status`, the latest time the transfer entered that status; otherwise `created`.
    let sort = if q.status.is_some() {
        "(SELECT MAX(s.at) FROM file_transfer_status s WHERE s.transfer_id = f.id AND s.status = :status)"
    } else {
        "f.created"
    };
    let status_filter = if q.status.is_some() {
        "AND (SELECT s.status FROM file_transfer_status s WHERE s.transfer_id = f.id
              ORDER BY s.at DESC, s.seq DESC LIMIT 1) = :status"
    } else {
        ""
    };
    let window = match (q.from, q.to) {
        (Some(_), Some(_)) => "AND sort_date BETWEEN :from AND :to",
        (Some(_), None) => "AND sort_date > :from",
        (None, Some(_)) => "AND sort_date < :to",
        (None, None) => "",
    };
    let order = if q.ascending { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT id FROM (SELECT f.id AS id, {sort} AS sort_date FROM file_transfer f WHERE f.id IN ({candidates}) {status_filter})
         WHERE 1 = 1 {window} ORDER BY sort_date {order}, id {order} LIMIT :limit"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let status = q.status.map(|s| i64::from(s.code()));
    let rstatus = q.recipient_status.map(|s| i64::from(s.code()));
    let from = q.from.map(to_micros);
    let to = q.to.map(to_micros);
    let mut named: Vec<(&str, &dyn rusqlite::ToSql)> =
        vec![(":resource", &q.resource_id), (":caller", &q.caller), (":limit", &limit)];
    if status.is_some() {
        named.push((":status", &status));
    }
    if rstatus.is_some() {
        named.push((":rstatus", &rstatus));
    }
    if from.is_some() {
        named.push((":from", &from));
    }
    if to.is_some() {
        named.push((":to", &to));
    }
    let rows = stmt.query_map(named.as_slice(), |r| id_from(r.get(0)?))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
