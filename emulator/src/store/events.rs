//! Recorded CloudEvents (contract §6), oldest first: what Broker published to Altinn Events. `seq` is Events'
//! `sequenceno`: polling pages by it and the delivery runner fans out by it (`store::subscriptions`).

use altinn_broker_core::events::CloudEvent;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::AppError;

/// `resource` is the event's `resource` attribute, kept beside the body so that polling reads only the polled
/// resource's events (through `event_by_resource`, made by [`migrate`]); `event_by_id` serves the `after` cursor and
/// the replay hook.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    resource TEXT
);
CREATE INDEX IF NOT EXISTS event_by_id ON event(id, seq);
";

/// Brings an `event` table of an older data dir (made before the `resource` column) up to [`SCHEMA`]'s shape: the
/// column added and filled from each body, then its index. Idempotent; run after [`SCHEMA`].
pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let has_resource =
        conn.prepare_cached("SELECT 1 FROM pragma_table_info('event') WHERE name = 'resource'")?.exists([])?;
    if !has_resource {
        conn.execute_batch(
            "ALTER TABLE event ADD COLUMN resource TEXT;
             UPDATE event SET resource = json_extract(body, '$.resource');",
        )?;
    }
    conn.execute_batch("CREATE INDEX IF NOT EXISTS event_by_resource ON event(resource, seq);")
}

pub fn record(conn: &Connection, event: &CloudEvent) -> Result<(), AppError> {
    let body = serde_json::to_string(event).map_err(AppError::internal)?;
    conn.execute(
        "INSERT INTO event (id, body, resource) VALUES (?1, ?2, ?3)",
        params![event.id, body, event.resource],
    )?;
    Ok(())
}

/// Every recorded event as JSON, oldest first.
pub fn all(conn: &Connection) -> Result<Vec<serde_json::Value>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT body FROM event ORDER BY seq")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in rows {
        out.push(serde_json::from_str(&body?).map_err(AppError::internal)?);
    }
    Ok(out)
}

/// Recorded events after `seq`, oldest first, at most `limit`.
pub fn after(conn: &Connection, seq: i64, limit: usize) -> Result<Vec<(i64, CloudEvent)>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT seq, body FROM event WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
    let events = decode(stmt.query(params![seq, limit_param(limit)])?);
    events
}

/// Recorded events of `resource` (the `resource` attribute, exactly) after `seq`, oldest first, at most `limit`.
pub fn of_resource_after(
    conn: &Connection,
    resource: &str,
    seq: i64,
    limit: usize,
) -> Result<Vec<(i64, CloudEvent)>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, body FROM event WHERE resource = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")?;
    let events = decode(stmt.query(params![resource, seq, limit_param(limit)])?);
    events
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// `(seq, body)` rows as events.
fn decode(mut rows: rusqlite::Rows<'_>) -> Result<Vec<(i64, CloudEvent)>, AppError> {
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let body: String = r.get(1)?;
        out.push((r.get(0)?, serde_json::from_str(&body).map_err(AppError::internal)?));
    }
    Ok(out)
}

/// The `seq` of the event with this id (the last, should an id repeat), if any.
pub fn seq_of(conn: &Connection, id: &str) -> Result<Option<i64>, AppError> {
    Ok(conn.prepare_cached("SELECT MAX(seq) FROM event WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

/// The event with this id (the last, should an id repeat).
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<CloudEvent>, AppError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM event WHERE id = ?1 ORDER BY seq DESC LIMIT 1", [id], |r| r.get(0))
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(AppError::internal)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_event_table_gets_its_resource_column_filled_from_the_bodies() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE event (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, body TEXT NOT NULL);
             INSERT INTO event (id, body) VALUES ('e1', '{\"resource\":\"urn:altinn:resource:r1\"}'),
                                                 ('e2', '{\"resource\":\"urn:altinn:resource:r2\"}');",
        )
        .unwrap();
        for _ in 0..2 {
            conn.execute_batch(SCHEMA).unwrap();
            migrate(&conn).unwrap();
        }
        let resources: Vec<(String, String)> = conn
            .prepare("SELECT id, resource FROM event ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            resources,
            [("e1".into(), "urn:altinn:resource:r1".into()), ("e2".into(), "urn:altinn:resource:r2".into())]
        );
        let indexes: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_index_list('event') WHERE name LIKE 'event_by_%'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(indexes, 2);
    }
}
