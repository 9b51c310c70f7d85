//! The monthly statistics of a service owner (contract §8.5), aggregated live from the transfer tables the way the
//! service's monthly rollup aggregates them (`MonthlyStatisticsRepository.RebuildMonthlyStatisticsRollupForMonth`):
//!
//! - a (transfer, recipient) pair counts in a month when the recipient had status activity in that month, or when
//!   the transfer was published in that month (then every recipient with an `Initialized` row counts);
//! - `totalFileTransfers` counts pairs whose transfer was created in the month, `uploadCount` those published in
//!   it, `totalTransferDownloadAttempts` the `DownloadStarted` rows in the month, `transfersWithDownloadConfirmed`
//!   the pairs with a `DownloadConfirmed` row in the month;
//! - only transfers on resources whose service owner is the caller count.
//!
//! Vendors (the `consumer` of the token) are recorded per transfer and actor in [`SCHEMA`]'s `transfer_vendor`
//! by [`record_caller_vendor`]: the sender's at initialize, a recipient's at each recorded download and at confirm.
//! The sender vendor column is the one recorded at initialize, the recipient vendor column the latest one recorded
//! in the month; a pair without one has an empty vendor column, as in the service.

use std::collections::BTreeMap;

use altinn_broker_core::{FileTransferId, FileTransferStatus, OrgNumber, RecipientStatus};
use rusqlite::{params, Connection};
use time::OffsetDateTime;

use super::to_micros;
use crate::error::AppError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS transfer_vendor (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    vendor TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transfer_vendor_transfer ON transfer_vendor(transfer_id, role);
";

/// Whose vendor a row records: the sender's at initialize, or a recipient's when it downloads or confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorRole {
    Sender,
    Recipient,
}

/// Records the vendor (`consumer.ID`, `0192:` form) of a caller acting on a transfer.
pub fn record_vendor(
    conn: &Connection,
    transfer_id: &str,
    actor: &OrgNumber,
    role: VendorRole,
    vendor: &OrgNumber,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    let role = match role {
        VendorRole::Sender => "sender",
        VendorRole::Recipient => "recipient",
    };
    conn.execute(
        "INSERT INTO transfer_vendor (transfer_id, actor, role, vendor, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![transfer_id, actor.to_prefixed(), role, vendor.to_prefixed(), to_micros(at)],
    )?;
    Ok(())
}

/// Records the vendor of a caller (its token's `consumer` claim, `None` when it names none): the service stores
/// `GetCallerVendorId()` with the sender's `Initialized` status and with each recipient's `DownloadStarted` and
/// `DownloadConfirmed` rows.
pub fn record_caller_vendor(
    conn: &Connection,
    transfer_id: FileTransferId,
    actor: &OrgNumber,
    role: VendorRole,
    vendor: Option<&OrgNumber>,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    match vendor {
        Some(vendor) => record_vendor(conn, &transfer_id.to_string(), actor, role, vendor, at),
        None => Ok(()),
    }
}

/// One CSV row before projection.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatisticsRow {
    pub resource_id: String,
    pub sender: String,
    pub recipient: String,
    pub sender_vendor: String,
    pub recipient_vendor: String,
    pub total_file_transfers: i64,
    pub upload_count: i64,
    pub total_transfer_download_attempts: i64,
    pub transfers_with_download_confirmed: i64,
}

/// The month's rows for the service owner `owner`, optionally for one resource.
pub fn monthly(
    conn: &Connection,
    owner: &OrgNumber,
    from: OffsetDateTime,
    to_exclusive: OffsetDateTime,
    resource_id: Option<&str>,
) -> Result<Vec<StatisticsRow>, AppError> {
    let sql = "
WITH
activity AS (
    SELECT transfer_id, actor,
           SUM(CASE WHEN status = :started THEN 1 ELSE 0 END) AS attempts,
           MAX(CASE WHEN status = :confirmed THEN 1 ELSE 0 END) AS confirmed
    FROM recipient_status
    WHERE at >= :from AND at < :to
    GROUP BY transfer_id, actor
),
published AS (
    SELECT DISTINCT transfer_id FROM file_transfer_status
    WHERE status = :published AND at >= :from AND at < :to
),
published_pairs AS (
    SELECT DISTINCT p.transfer_id, r.actor FROM published p
    JOIN recipient_status r ON r.transfer_id = p.transfer_id AND r.status = :initialized
),
pairs AS (
    SELECT transfer_id, actor FROM activity
    UNION
    SELECT transfer_id, actor FROM published_pairs
)
SELECT f.resource_id, f.sender, pr.actor,
       COALESCE((SELECT v.vendor FROM transfer_vendor v
                 WHERE v.transfer_id = f.id AND v.role = 'sender' ORDER BY v.at, v.seq LIMIT 1), ''),
       COALESCE((SELECT v.vendor FROM transfer_vendor v
                 WHERE v.transfer_id = f.id AND v.role = 'recipient' AND v.actor = pr.actor
                   AND v.at >= :from AND v.at < :to ORDER BY v.at DESC, v.seq DESC LIMIT 1), ''),
       CASE WHEN f.created >= :from AND f.created < :to THEN 1 ELSE 0 END,
       CASE WHEN pub.transfer_id IS NOT NULL THEN 1 ELSE 0 END,
       COALESCE(a.attempts, 0),
       COALESCE(a.confirmed, 0)
FROM pairs pr
JOIN file_transfer f ON f.id = pr.transfer_id
JOIN altinn_resource res ON res.id = f.resource_id
LEFT JOIN activity a ON a.transfer_id = pr.transfer_id AND a.actor = pr.actor
LEFT JOIN published pub ON pub.transfer_id = pr.transfer_id
WHERE res.service_owner_id = :owner AND (:resource IS NULL OR f.resource_id = :resource)";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        rusqlite::named_params! {
            ":started": RecipientStatus::DownloadStarted.code(),
            ":confirmed": RecipientStatus::DownloadConfirmed.code(),
            ":initialized": RecipientStatus::Initialized.code(),
            ":published": FileTransferStatus::Published.code(),
            ":from": to_micros(from),
            ":to": to_micros(to_exclusive),
            ":owner": owner.to_prefixed(),
            ":resource": resource_id,
        },
        |r| {
            Ok(StatisticsRow {
                resource_id: r.get(0)?,
                sender: r.get(1)?,
                recipient: r.get(2)?,
                sender_vendor: r.get(3)?,
                recipient_vendor: r.get(4)?,
                total_file_transfers: r.get(5)?,
                upload_count: r.get(6)?,
                total_transfer_download_attempts: r.get(7)?,
                transfers_with_download_confirmed: r.get(8)?,
            })
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}

/// The service's projection: orgs normalised to `0192:`, the end-user or vendor columns blanked when excluded,
/// rows with equal keys summed, ordered by resource, sender, sender vendor, recipient, recipient vendor.
pub fn project(rows: Vec<StatisticsRow>, include_end_user: bool, include_vendor: bool) -> Vec<StatisticsRow> {
    let normalize = |s: &str| match OrgNumber::parse_lenient(s) {
        Ok(o) => o.to_prefixed(),
        Err(_) => s.to_owned(),
    };
    let mut groups: BTreeMap<(String, String, String, String, String), StatisticsRow> = BTreeMap::new();
    for row in rows {
        let pick = |include: bool, v: &str| if include && !v.trim().is_empty() { normalize(v) } else { String::new() };
        let key = (
            row.resource_id.clone(),
            pick(include_end_user, &row.sender),
            pick(include_vendor, &row.sender_vendor),
            pick(include_end_user, &row.recipient),
            pick(include_vendor, &row.recipient_vendor),
        );
        let entry = groups.entry(key.clone()).or_insert_with(|| StatisticsRow {
            resource_id: key.0,
            sender: key.1,
            sender_vendor: key.2,
            recipient: key.3,
            recipient_vendor: key.4,
            ..Default::default()
        });
        entry.total_file_transfers += row.total_file_transfers;
        entry.upload_count += row.upload_count;
        entry.total_transfer_download_attempts += row.total_transfer_download_attempts;
        entry.transfers_with_download_confirmed += row.transfers_with_download_confirmed;
    }
    groups.into_values().collect()
}

/// RFC 4180 quoting where needed, as the service's `EscapeCsv`.
fn escape(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

/// The CSV document: header row, then one line per row (`\n` line ends, as on the service's Linux hosts).
pub fn to_csv(year: i32, month: i32, rows: &[StatisticsRow]) -> String {
    let mut out = String::from(altinn_broker_core::model::MONTHLY_STATISTICS_HEADER);
    out.push('\n');
    for r in rows {
        out.push_str(&format!(
            "{year},{month},{},{},{},{},{},{},{},{},{}\n",
            escape(&r.resource_id),
            escape(&r.sender_vendor),
            escape(&r.recipient_vendor),
            escape(&r.sender),
            escape(&r.recipient),
            r.total_file_transfers,
            r.upload_count,
            r.total_transfer_download_attempts,
            r.transfers_with_download_confirmed,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_groups_and_orders() {
        let row = |sender: &str, recipient: &str, vendor: &str| StatisticsRow {
            resource_id: "r".into(),
            sender: sender.into(),
            recipient: recipient.into(),
            sender_vendor: vendor.into(),
            recipient_vendor: String::new(),
            total_file_transfers: 1,
            upload_count: 1,
            total_transfer_download_attempts: 2,
            transfers_with_download_confirmed: 1,
        };
        let rows = vec![
            row("urn:altinn:organization:identifier-no:991825827", "0192:986252932", "0192:111111111"),
            row("0192:991825827", "0192:986252932", "0192:222222222"),
            row("0192:991825827", "0192:312195771", ""),
        ];
        let p = project(rows.clone(), true, false);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].recipient, "0192:312195771");
        assert_eq!(
            (p[1].sender.as_str(), p[1].total_file_transfers, p[1].total_transfer_download_attempts),
            ("0192:991825827", 2, 4)
        );
        let v = project(rows, false, true);
        assert_eq!(
            v.iter().map(|r| r.sender_vendor.as_str()).collect::<Vec<_>>(),
            ["", "0192:111111111", "0192:222222222"]
        );
        let csv = to_csv(2026, 1, &p);
        assert!(csv.starts_with(altinn_broker_core::model::MONTHLY_STATISTICS_HEADER));
        assert!(csv.contains("\n2026,1,r,,,0192:991825827,0192:986252932,2,2,4,2\n"), "{csv}");
        assert_eq!(escape("a,b"), "\"a,b\"");
    }
}
