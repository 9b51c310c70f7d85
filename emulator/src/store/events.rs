//! Recorded CloudEvents (contract §6), oldest first: what Broker published to Altinn Events. `seq` is Events'
//! `sequenceno`: polling pages by it and the delivery runner fans out by it (`store::subscriptions`).

use altinn_broker_core::events::CloudEvent;
use rusqlite::{params, Connection};

use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    body TEXT NOT NULL
);
";

pub fn record(conn: &Connection, event: &CloudEvent) -> Result<(), AppError> {
    let body = serde_json::to_string(event).map_err(AppError::internal)?;
    conn.execute("INSERT INTO event (id, body) VALUES (?1, ?2)", params![event.id, body])?;
    Ok(())
}

/// Every recorded event as JSON, oldest first.
pub fn all(conn: &Connection) -> Result<Vec<serde_json::Value>, AppError> {
    let mut stmt = conn.prepare("SELECT body FROM event ORDER BY seq")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?).map_err(AppError::internal)?);
    }
    Ok(out)
}

/// Recorded events after `seq`, oldest first, at most `limit`.
pub fn after(conn: &Connection, seq: i64, limit: usize) -> Result<Vec<(i64, CloudEvent)>, AppError> {
    let mut stmt = conn.prepare("SELECT seq, body FROM event WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
    let rows = stmt.query_map(params![seq, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, body) = row?;
        out.push((seq, serde_json::from_str(&body).map_err(AppError::internal)?));
    }
    Ok(out)
}

/// The `seq` of the event with this id (the last, should an id repeat), if any.
pub fn seq_of(conn: &Connection, id: &str) -> Result<Option<i64>, AppError> {
    Ok(conn.query_row("SELECT MAX(seq) FROM event WHERE id = ?1", [id], |r| r.get(0))?)
}

/// The event with this id (the last, should an id repeat).
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<CloudEvent>, AppError> {
    let Some(seq) = seq_of(conn, id)? else { return Ok(None) };
    let body: String = conn.query_row("SELECT body FROM event WHERE seq = ?1", [seq], |r| r.get(0))?;
    Ok(Some(serde_json::from_str(&body).map_err(AppError::internal)?))
}
