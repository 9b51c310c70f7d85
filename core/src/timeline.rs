//! A transfer's history as one ordered list (contract §1.6).
//!
//! The service returns the transfer's and the recipients' status histories unordered (its SQL has no ORDER BY);
//! this merges both and sorts them by time, so a user reads what happened in the order it happened.

use serde::Serialize;
use time::OffsetDateTime;

use crate::model::FileTransferDetails;
use crate::status::{FileTransferStatus, RecipientStatus};
use crate::timestamp::serde_rfc3339;

/// Whose status changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TimelineKind {
    /// The transfer's own status.
    Transfer,
    /// One recipient's status.
    Recipient,
}

/// One status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    #[serde(with = "serde_rfc3339")]
    pub time: OffsetDateTime,
    pub kind: TimelineKind,
    /// The recipient (`0192:` form) for recipient entries, `null` for transfer entries.
    pub recipient: Option<String>,
    /// The status name (a transfer status for transfer entries, a recipient status for recipient entries).
    pub status: &'static str,
    /// The text the service recorded (the fixed text of the status, or a detail such as `"Checksum mismatch"`).
    pub text: String,
    /// Where the entry falls in the life of a transfer, used to order entries recorded in the same microsecond.
    #[serde(skip)]
    rank: u8,
}

/// The causal order of statuses across both histories: the service records some pairs with one timestamp
/// (initialize writes the transfer's and the recipients' `Initialized`; the last confirm writes the recipient's
/// `DownloadConfirmed` and the transfer's `AllConfirmedDownloaded`).
fn transfer_rank(s: FileTransferStatus) -> u8 {
    use FileTransferStatus::*;
    match s {
        Initialized => 0,
        UploadStarted => 2,
        UploadProcessing => 3,
        Published | Failed | Cancelled => 4,
        AllConfirmedDownloaded => 7,
        Purged => 8,
    }
}

fn recipient_rank(s: RecipientStatus) -> u8 {
    match s {
        RecipientStatus::Initialized => 1,
        RecipientStatus::DownloadStarted => 5,
        RecipientStatus::DownloadConfirmed => 6,
    }
}

/// Both histories of `details`, oldest first; entries with the same timestamp in the order they happen.
pub fn timeline(details: &FileTransferDetails) -> Vec<TimelineEntry> {
    let transfer = details.file_transfer_status_history.iter().map(|e| TimelineEntry {
        time: e.file_transfer_status_changed,
        kind: TimelineKind::Transfer,
        recipient: None,
        status: e.file_transfer_status.as_str(),
        text: e.file_transfer_status_text.clone(),
        rank: transfer_rank(e.file_transfer_status),
    });
    let recipients = details.recipient_file_transfer_status_history.iter().map(|e| TimelineEntry {
        time: e.recipient_file_transfer_status_changed,
        kind: TimelineKind::Recipient,
        recipient: Some(e.recipient.clone()),
        status: e.recipient_file_transfer_status_code.as_str(),
        text: e.recipient_file_transfer_status_text.clone(),
        rank: recipient_rank(e.recipient_file_transfer_status_code),
    });
    let mut out: Vec<TimelineEntry> = transfer.chain(recipients).collect();
    crate::small::sort_by(&mut out, |a, b| (a.time, a.rank).cmp(&(b.time, b.rank)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_and_sorted() {
        let json = serde_json::json!({
            "fileTransferId": "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab", "resourceId": "r", "fileName": "a.txt",
            "sendersFileTransferReference": "ref", "checksum": null, "useVirusScan": true, "fileTransferSize": 3,
            "fileTransferStatus": "Published", "fileTransferStatusText": "Ready for download",
            "fileTransferStatusChanged": "2026-08-18T11:40:53+00:00", "created": "2026-08-18T11:40:51+00:00",
            "expirationTime": "2026-09-17T11:40:51+00:00", "sender": "0192:991825827",
            "recipients": [], "propertyList": {},
            "fileTransferStatusHistory": [
                {"fileTransferStatus": "AllConfirmedDownloaded", "fileTransferStatusText": "All downloaded",
                 "fileTransferStatusChanged": "2026-08-18T11:40:55+00:00"},
                {"fileTransferStatus": "Published", "fileTransferStatusText": "Ready for download",
                 "fileTransferStatusChanged": "2026-08-18T11:40:53+00:00"},
                {"fileTransferStatus": "UploadStarted", "fileTransferStatusText": "Upload started",
                 "fileTransferStatusChanged": "2026-08-18T11:40:52+00:00"},
                {"fileTransferStatus": "Initialized", "fileTransferStatusText": "Ready for upload",
                 "fileTransferStatusChanged": "2026-08-18T11:40:51+00:00"}
            ],
            "recipientFileTransferStatusHistory": [
                {"recipient": "0192:986252932", "recipientFileTransferStatusCode": "DownloadStarted",
                 "recipientFileTransferStatusText": "Recipient has attempted to download fileTransfer",
                 "recipientFileTransferStatusChanged": "2026-08-18T11:40:54+00:00"},
                {"recipient": "0192:986252932", "recipientFileTransferStatusCode": "DownloadConfirmed",
                 "recipientFileTransferStatusText": "Recipient has downloaded fileTransfer",
                 "recipientFileTransferStatusChanged": "2026-08-18T11:40:55+00:00"},
                {"recipient": "0192:986252932", "recipientFileTransferStatusCode": "Initialized",
                 "recipientFileTransferStatusText": "Initialized",
                 "recipientFileTransferStatusChanged": "2026-08-18T11:40:51+00:00"}
            ]
        });
        let d: FileTransferDetails = serde_json::from_value(json).unwrap();
        let t = timeline(&d);
        let order: Vec<_> = t.iter().map(|e| (e.kind, e.status)).collect();
        assert_eq!(
            order,
            vec![
                (TimelineKind::Transfer, "Initialized"),
                (TimelineKind::Recipient, "Initialized"),
                (TimelineKind::Transfer, "UploadStarted"),
                (TimelineKind::Transfer, "Published"),
                (TimelineKind::Recipient, "DownloadStarted"),
                (TimelineKind::Recipient, "DownloadConfirmed"),
                (TimelineKind::Transfer, "AllConfirmedDownloaded"),
            ]
        );
        let v = serde_json::to_value(&t[1]).unwrap();
        assert_eq!(v["recipient"], "0192:986252932");
        assert_eq!(v["kind"], "recipient");
        assert_eq!(v["time"], "2026-08-18T11:40:51+00:00");
        assert!(v.get("rank").is_none());
    }
}
