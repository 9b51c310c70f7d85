//! What a caller may do with a transfer now, and which statuses it can still reach (contract §1.3, §1.8, §1.9, §3).
//!
//! The client uses this to explain a transfer to a user before any request is made; the answers follow the
//! service's own checks, so a `true` here is what the service would allow given the caller's access.

use serde::Serialize;

use crate::ids::OrgNumber;
use crate::model::FileTransferSummary;
use crate::status::{FileTransferStatus, RecipientStatus};
use crate::transitions::{accepts_confirm, accepts_download, accepts_upload, successors};

/// The operations open to one organisation on one transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedActions {
    /// The caller is the transfer's sender.
    pub is_sender: bool,
    /// The caller is one of the transfer's recipients.
    pub is_recipient: bool,
    /// The sender may upload the file (status `Initialized` or `UploadStarted`).
    pub upload: bool,
    /// A recipient may download the file (status `Published` or `AllConfirmedDownloaded`).
    pub download: bool,
    /// A recipient may confirm the download: the transfer is `Published` and this recipient has started a
    /// download but not yet confirmed it.
    pub confirm: bool,
}

/// What `caller` may do with the transfer `t` now.
pub fn allowed_actions(t: &FileTransferSummary, caller: &OrgNumber) -> AllowedActions {
    let same = |s: &str| OrgNumber::parse_lenient(s).is_ok_and(|o| o == *caller);
    let is_sender = same(&t.sender);
    let mine = t.recipients.iter().find(|r| same(&r.recipient));
    let is_recipient = mine.is_some();
    let status = t.file_transfer_status;
    AllowedActions {
        is_sender,
        is_recipient,
        upload: is_sender && accepts_upload(status),
        download: is_recipient && accepts_download(status),
        confirm: accepts_confirm(status)
            && mine.is_some_and(|r| r.current_recipient_file_transfer_status_code == RecipientStatus::DownloadStarted),
    }
}

/// Whether a transfer in `from` can still reach `to` by the transitions of contract §3.1 (`from == to` counts).
pub fn can_reach(from: FileTransferStatus, to: FileTransferStatus) -> bool {
    let mut seen = vec![from];
    let mut next = 0;
    while let Some(&s) = seen.get(next) {
        if s == to {
            return true;
        }
        for n in successors(s) {
            if !seen.contains(&n) {
                seen.push(n);
            }
        }
        next += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileTransferOverview, RecipientFileStatus};
    use FileTransferStatus::*;

    fn transfer(status: FileTransferStatus, recipient: RecipientStatus) -> FileTransferSummary {
        let json = serde_json::json!({
            "fileTransferId": "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab", "resourceId": "r", "fileName": "a.txt",
            "sendersFileTransferReference": "ref", "checksum": null, "useVirusScan": true, "fileTransferSize": 0,
            "fileTransferStatus": status.as_str(), "fileTransferStatusText": status.default_text(),
            "fileTransferStatusChanged": "2026-08-18T11:40:51+00:00", "created": "2026-08-18T11:40:51+00:00",
            "expirationTime": "2026-09-17T11:40:51+00:00",
            "sender": "urn:altinn:organization:identifier-no:991825827",
            "recipients": [], "propertyList": {}, "published": null
        });
        let mut o: FileTransferOverview = serde_json::from_value(json).unwrap();
        o.summary.recipients.push(RecipientFileStatus {
            recipient: "0192:986252932".into(),
            current_recipient_file_transfer_status_code: recipient,
            current_recipient_file_transfer_status_text: recipient.default_text().into(),
            current_recipient_file_transfer_status_changed: o.summary.created,
        });
        o.summary
    }

    #[test]
    fn sender_and_recipient_views() {
        let sender = OrgNumber::parse_lenient("991825827").unwrap();
        let recipient = OrgNumber::parse_lenient("0192:986252932").unwrap();
        let stranger = OrgNumber::parse_lenient("312195771").unwrap();

        let t = transfer(Initialized, RecipientStatus::Initialized);
        let a = allowed_actions(&t, &sender);
        assert!(a.is_sender && a.upload && !a.download && !a.confirm);
        let a = allowed_actions(&t, &recipient);
        assert!(a.is_recipient && !a.upload && !a.download);

        let t = transfer(Published, RecipientStatus::Initialized);
        let a = allowed_actions(&t, &recipient);
        assert!(a.download && !a.confirm, "confirm needs a started download");
        assert!(!allowed_actions(&t, &sender).upload);

        let t = transfer(Published, RecipientStatus::DownloadStarted);
        assert!(allowed_actions(&t, &recipient).confirm);

        let t = transfer(AllConfirmedDownloaded, RecipientStatus::DownloadConfirmed);
        let a = allowed_actions(&t, &recipient);
        assert!(a.download && !a.confirm);

        let a = allowed_actions(&t, &stranger);
        assert_eq!(
            a,
            AllowedActions { is_sender: false, is_recipient: false, upload: false, download: false, confirm: false }
        );
    }

    #[test]
    fn reachability() {
        assert!(can_reach(Initialized, Published));
        assert!(can_reach(UploadStarted, Published));
        assert!(can_reach(Published, Purged));
        assert!(!can_reach(Failed, Published));
        assert!(!can_reach(Purged, Published));
        assert!(!can_reach(AllConfirmedDownloaded, Published));
        assert!(can_reach(Failed, Failed));
    }
}
