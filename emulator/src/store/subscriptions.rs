//! Altinn Events' tables (events-auth contract §1): subscriptions, the outbox of pushes (handshakes and events, each
//! with its next attempt time), the log of every attempt, and how far the recorded Broker events have been fanned
//! out to subscriptions. Kept in SQLite so a restart keeps pending deliveries and their schedule.

use altinn_broker_core::subscriptions::{Subscription, SubscriptionRequest};
use altinn_broker_core::OrgNumber;
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use super::{from_micros, to_micros};
use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events_subscription (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    end_point TEXT NOT NULL,
    source_filter TEXT,
    resource_filter TEXT,
    subject_filter TEXT,
    type_filter TEXT,
    consumer TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created INTEGER NOT NULL,
    validated INTEGER NOT NULL DEFAULT 0,
    include_subunits INTEGER NOT NULL DEFAULT 0,
    consumer_org TEXT
);
CREATE TABLE IF NOT EXISTS events_delivery (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    event_id TEXT NOT NULL,
    end_point TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER,
    created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_delivery_due ON events_delivery(state, next_at);
CREATE TABLE IF NOT EXISTS events_attempt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    subscription_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER,
    outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events_fanout (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    last_seq INTEGER NOT NULL
);
";

const SUBSCRIPTION_COLUMNS: &str =
    "id, end_point, source_filter, resource_filter, subject_filter, type_filter, consumer, \
     created_by, created, validated, include_subunits";

fn subscription_row(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        id: r.get(0)?,
        end_point: r.get(1)?,
        source_filter: r.get(2)?,
        resource_filter: r.get(3)?,
        subject_filter: r.get(4)?,
        type_filter: r.get(5)?,
        consumer: r.get(6)?,
        created_by: r.get(7)?,
        created: altinn_broker_core::subscriptions::format_time_z(from_micros(r.get(8)?)),
        validated: r.get::<_, i64>(9)? != 0,
        include_subunits: r.get::<_, i64>(10)? != 0,
    })
}

/// `findsubscription.sql`: the same filters, consumer, endpoint and `includeSubunits`, nulls equal to nulls.
pub fn find_same(
    conn: &Connection,
    req: &SubscriptionRequest,
    consumer: &str,
) -> Result<Option<Subscription>, AppError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM events_subscription WHERE resource_filter IS ?1 AND source_filter IS ?2 \
                 AND subject_filter IS ?3 AND type_filter IS ?4 AND consumer = ?5 AND end_point = ?6 \
                 AND include_subunits = ?7 ORDER BY id LIMIT 1"
            ),
            params![
                req.resource_filter,
                req.source_filter,
                req.subject_filter,
                req.type_filter,
                consumer,
                req.end_point,
                i64::from(req.include_subunits)
            ],
            subscription_row,
        )
        .optional()?)
}

/// Inserts a new, unvalidated subscription.
pub fn insert(
    conn: &Connection,
    req: &SubscriptionRequest,
    end_point: &str,
    consumer: &str,
    consumer_org: Option<&OrgNumber>,
    now: OffsetDateTime,
) -> Result<Subscription, AppError> {
    conn.execute(
        "INSERT INTO events_subscription (end_point, source_filter, resource_filter, subject_filter, type_filter, \
         consumer, created_by, created, validated, include_subunits, consumer_org) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, 0, ?8, ?9)",
        params![
            end_point,
            req.source_filter,
            req.resource_filter,
            req.subject_filter,
            req.type_filter,
            consumer,
            to_micros(now),
            i64::from(req.include_subunits),
            consumer_org.map(OrgNumber::digits)
        ],
    )?;
    get(conn, conn.last_insert_rowid())?.ok_or_else(|| AppError::Internal("inserted subscription vanished".into()))
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Subscription>, AppError> {
    Ok(conn
        .query_row(
            &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM events_subscription WHERE id = ?1"),
            [id],
            subscription_row,
        )
        .optional()?)
}

/// The subscriptions of `consumer` (validated or not), or every subscription when `None` (the hook).
pub fn list(conn: &Connection, consumer: Option<&str>) -> Result<Vec<Subscription>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM events_subscription WHERE ?1 IS NULL OR consumer = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([consumer], subscription_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A hard delete (`deletesubscription.sql`).
pub fn delete(conn: &Connection, id: i64) -> Result<bool, AppError> {
    Ok(conn.execute("DELETE FROM events_subscription WHERE id = ?1", [id])? > 0)
}

pub fn mark_validated(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.execute("UPDATE events_subscription SET validated = 1 WHERE id = ?1", [id])?;
    Ok(())
}

/// `getsubscriptions.sql`: validated subscriptions with `resourcefilter = resource`, a null or equal subject filter and a
/// null or equal type filter. (Main-unit lookups for `includeSubunits` need Register, which the emulated world has
/// no units for, so a main-unit subscription matches its own subject only.)
/// Each comes with the organisation its consumer acts for (read from the creator's token), for the PDP.
pub fn matching(
    conn: &Connection,
    resource: &str,
    subject: Option<&str>,
    event_type: &str,
) -> Result<Vec<(Subscription, Option<OrgNumber>)>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS}, consumer_org FROM events_subscription WHERE validated = 1 AND resource_filter = ?1 \
         AND (subject_filter IS NULL OR subject_filter = ?2) AND (type_filter IS NULL OR type_filter = ?3) ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![resource, subject, event_type], |r| {
        let org = r.get::<_, Option<String>>(11)?.and_then(|o| OrgNumber::parse_lenient(&o).ok());
        Ok((subscription_row(r)?, org))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a delivery carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryKind {
    /// The `platform.events.validatesubscription` handshake (§1.4).
    Validation,
    /// A Broker event (§1.5).
    Event,
    /// An event sent again by the replay hook.
    Replay,
}

impl DeliveryKind {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::Event => "event",
            Self::Replay => "replay",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "validation" => Self::Validation,
            "replay" => Self::Replay,
            _ => Self::Event,
        }
    }
}

/// Where a delivery is in its life.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
/// Every attempt failed: the service's dead-letter (delivery) or error queue (handshake).
pub const DEAD: &str = "dead-lettered";

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub subscription_id: i64,
    pub kind: DeliveryKind,
    pub event_id: String,
    pub end_point: String,
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub next_at: Option<OffsetDateTime>,
    pub created: OffsetDateTime,
}

const DELIVERY_COLUMNS: &str =
    "id, subscription_id, kind, event_id, end_point, body, state, attempts, next_at, created";

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        subscription_id: r.get(1)?,
        kind: DeliveryKind::parse(&r.get::<_, String>(2)?),
        event_id: r.get(3)?,
        end_point: r.get(4)?,
        body: r.get(5)?,
        state: r.get(6)?,
        attempts: r.get(7)?,
        next_at: r.get::<_, Option<i64>>(8)?.map(from_micros),
        created: from_micros(r.get(9)?),
    })
}

/// Queues a push, due at `due`.
pub fn enqueue(
    conn: &Connection,
    subscription: &Subscription,
    kind: DeliveryKind,
    event_id: &str,
    body: &str,
    due: OffsetDateTime,
) -> Result<i64, AppError> {
    conn.execute(
        "INSERT INTO events_delivery (subscription_id, kind, event_id, end_point, body, state, attempts, next_at, created) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)",
        params![subscription.id, kind.name(), event_id, subscription.end_point, body, PENDING, to_micros(due)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Pending deliveries due at or before `now`, oldest due first.
pub fn due(conn: &Connection, now: OffsetDateTime, limit: usize) -> Result<Vec<Delivery>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM events_delivery WHERE state = ?1 AND next_at <= ?2 ORDER BY next_at, id LIMIT ?3"
    ))?;
    let rows =
        stmt.query_map(params![PENDING, to_micros(now), i64::try_from(limit).unwrap_or(i64::MAX)], delivery_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the next pending delivery falls due.
pub fn earliest_due(conn: &Connection) -> Result<Option<OffsetDateTime>, AppError> {
    let m: Option<i64> = conn
        .prepare_cached("SELECT MIN(next_at) FROM events_delivery WHERE state = ?1")?
        .query_row([PENDING], |r| r.get(0))?;
    Ok(m.map(from_micros))
}

/// Deliveries (newest last), optionally of one subscription and/or in one state.
pub fn deliveries(
    conn: &Connection,
    subscription: Option<i64>,
    state: Option<&str>,
) -> Result<Vec<Delivery>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM events_delivery WHERE (?1 IS NULL OR subscription_id = ?1) \
         AND (?2 IS NULL OR state = ?2) ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![subscription, state], delivery_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records one attempt and moves the delivery on: delivered, due again at `next_at`, or dead when that is `None`.
pub fn record_attempt(
    conn: &Connection,
    delivery: &Delivery,
    at: OffsetDateTime,
    status: Option<u16>,
    outcome: &str,
    success: bool,
    next_at: Option<OffsetDateTime>,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO events_attempt (delivery_id, subscription_id, at, status, outcome) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![delivery.id, delivery.subscription_id, to_micros(at), status, outcome],
    )?;
    let (state, next) = match (success, next_at) {
        (true, _) => (DELIVERED, None),
        (false, Some(n)) => (PENDING, Some(to_micros(n))),
        (false, None) => (DEAD, None),
    };
    conn.execute(
        "UPDATE events_delivery SET state = ?2, next_at = ?3, attempts = attempts + 1 WHERE id = ?1",
        params![delivery.id, state, next],
    )?;
    Ok(())
}

/// One logged attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub delivery_id: i64,
    pub subscription_id: i64,
    pub at: OffsetDateTime,
    pub status: Option<u16>,
    pub outcome: String,
}

/// Every attempt of one delivery, oldest first.
pub fn attempts(conn: &Connection, delivery_id: i64) -> Result<Vec<Attempt>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT delivery_id, subscription_id, at, status, outcome FROM events_attempt WHERE delivery_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([delivery_id], |r| {
        Ok(Attempt {
            delivery_id: r.get(0)?,
            subscription_id: r.get(1)?,
            at: from_micros(r.get(2)?),
            status: r.get(3)?,
            outcome: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The last recorded event (`event.seq`) already matched against subscriptions.
pub fn fanned_out_through(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT last_seq FROM events_fanout WHERE one = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub fn set_fanned_out_through(conn: &Connection, seq: i64) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO events_fanout (one, last_seq) VALUES (1, ?1) ON CONFLICT(one) DO UPDATE SET last_seq = ?1",
        [seq],
    )?;
    Ok(())
}
