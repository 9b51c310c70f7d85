//! Recorded CloudEvents (contract §6), oldest first. Delivery to subscribers comes in a later issue.

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
