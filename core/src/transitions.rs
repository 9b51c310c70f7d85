//! The file-transfer state machine of contract §3.1, as data.
//!
//! The emulator moves transfers with [`apply`]; the client uses the same table to explain a transfer (what can
//! still happen, which states are final). The machine is not a line: `UploadStarted → Published` (no scan),
//! `Initialized → Purged` (expiry before any upload) and a malware `Failed` whose purge leaves it `Failed` all happen.

use crate::events::{EventRole, EventType};
use crate::status::FileTransferStatus::{self, *};

/// What moves a transfer from one status to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// Initialize created the transfer.
    Initialize,
    /// A streamed or multipart upload began (recorded every time), or a tus upload was created.
    UploadStarted,
    /// The upload finished and now awaits the malware scan and/or the deferred checksum check.
    UploadFinishedAwaitingChecks,
    /// A tus concatenation final finished; the service sets `UploadProcessing` without an event.
    ConcatenationFinished,
    /// The upload finished with nothing left to check: published at once.
    UploadFinishedPublished,
    /// Every pending check passed (scan clean, checksum matched).
    ChecksPassed,
    /// The storage failed while receiving or completing the upload.
    StorageFailed,
    /// The user's checksum did not match the uploaded bytes, detected synchronously (streamed upload).
    ChecksumMismatch,
    /// The checksum did not match, detected by the deferred check (tus).
    DeferredChecksumMismatch,
    /// The malware scan found something.
    MalwareFound,
    /// The recurring job found the transfer stuck in `UploadStarted` for more than 24 hours.
    UploadStuck,
    /// The last recipient confirmed the download.
    AllRecipientsConfirmed,
    /// The expiry job ran at `expirationTime`.
    Expired,
    /// The purge job ran after every recipient confirmed plus the resource's grace period.
    PurgedAfterConfirmation,
}

/// Who receives an event when a transition happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Sender,
    EveryRecipient,
    /// Each recipient below `DownloadConfirmed`, then the sender once if there was any.
    UnconfirmedRecipientsThenSender,
}

/// One event a transition emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Emits {
    pub event: EventType,
    pub audience: Audience,
}

impl Emits {
    /// The role written in `data.Role` for this audience.
    pub fn role(&self) -> EventRole {
        match self.audience {
            Audience::Sender => EventRole::Sender,
            Audience::EveryRecipient | Audience::UnconfirmedRecipientsThenSender => EventRole::Recipient,
        }
    }
}

/// One row of contract §3.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub trigger: Trigger,
    /// The statuses the trigger applies in; empty means "no transfer yet" (initialize).
    pub from: &'static [FileTransferStatus],
    /// The status afterwards.
    pub to: FileTransferStatus,
    pub emits: &'static [Emits],
}

const fn ev(event: EventType, audience: Audience) -> Emits {
    Emits { event, audience }
}

const ALL_BUT_PURGED: &[FileTransferStatus] =
    &[Initialized, UploadStarted, UploadProcessing, Published, Cancelled, AllConfirmedDownloaded, Failed];

/// The table. Purge rows also delete the file; the expiry purge is skipped by the service for
/// `AllConfirmedDownloaded` when the resource purges after confirmation (see [`expiry_purge_applies`]).
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        trigger: Trigger::Initialize,
        from: &[],
        to: Initialized,
        emits: &[ev(EventType::FileTransferInitialized, Audience::Sender)],
    },
    Transition { trigger: Trigger::UploadStarted, from: &[Initialized, UploadStarted], to: UploadStarted, emits: &[] },
    Transition {
        trigger: Trigger::UploadFinishedAwaitingChecks,
        from: &[UploadStarted],
        to: UploadProcessing,
        emits: &[ev(EventType::UploadProcessing, Audience::Sender)],
    },
    Transition { trigger: Trigger::ConcatenationFinished, from: &[UploadStarted], to: UploadProcessing, emits: &[] },
    Transition {
        trigger: Trigger::UploadFinishedPublished,
        from: &[UploadStarted],
        to: Published,
        emits: &[ev(EventType::Published, Audience::Sender), ev(EventType::Published, Audience::EveryRecipient)],
    },
    Transition {
        trigger: Trigger::ChecksPassed,
        from: &[UploadProcessing],
        to: Published,
        emits: &[ev(EventType::Published, Audience::Sender), ev(EventType::Published, Audience::EveryRecipient)],
    },
    Transition {
        trigger: Trigger::StorageFailed,
        from: &[UploadStarted, UploadProcessing],
        to: Failed,
        emits: &[ev(EventType::UploadFailed, Audience::Sender)],
    },
    Transition { trigger: Trigger::ChecksumMismatch, from: &[UploadStarted], to: Failed, emits: &[] },
    Transition {
        trigger: Trigger::DeferredChecksumMismatch,
        from: &[UploadStarted, UploadProcessing],
        to: Failed,
        emits: &[ev(EventType::UploadFailed, Audience::Sender)],
    },
    Transition {
        trigger: Trigger::MalwareFound,
        from: &[UploadProcessing],
        to: Failed,
        emits: &[
            ev(EventType::UploadFailed, Audience::Sender),
            ev(EventType::FileNeverConfirmedDownloaded, Audience::UnconfirmedRecipientsThenSender),
        ],
    },
    Transition {
        trigger: Trigger::UploadStuck,
        from: &[UploadStarted],
        to: Failed,
        emits: &[ev(EventType::UploadFailed, Audience::Sender)],
    },
    Transition {
        trigger: Trigger::AllRecipientsConfirmed,
        from: &[Published],
        to: AllConfirmedDownloaded,
        emits: &[ev(EventType::AllConfirmedDownloaded, Audience::Sender)],
    },
    Transition {
        trigger: Trigger::Expired,
        from: ALL_BUT_PURGED,
        to: Purged,
        emits: &[
            ev(EventType::FilePurged, Audience::Sender),
            ev(EventType::FileNeverConfirmedDownloaded, Audience::UnconfirmedRecipientsThenSender),
        ],
    },
    Transition {
        trigger: Trigger::PurgedAfterConfirmation,
        from: ALL_BUT_PURGED,
        to: Purged,
        emits: &[
            ev(EventType::FilePurged, Audience::Sender),
            ev(EventType::FileNeverConfirmedDownloaded, Audience::UnconfirmedRecipientsThenSender),
        ],
    },
];

/// A trigger that does not apply in the current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{trigger:?} does not apply to a file transfer in status {from:?}")]
pub struct IllegalTransition {
    pub from: Option<FileTransferStatus>,
    pub trigger: Trigger,
}

/// The row for `trigger` from `from` (`None`: the transfer does not exist yet).
pub fn apply(from: Option<FileTransferStatus>, trigger: Trigger) -> Result<&'static Transition, IllegalTransition> {
    TRANSITIONS
        .iter()
        .find(|t| {
            t.trigger == trigger
                && match from {
                    None => t.from.is_empty(),
                    Some(s) => t.from.contains(&s),
                }
        })
        .ok_or(IllegalTransition { from, trigger })
}

/// Whether the expiry job purges a transfer in `status`: the service leaves an `AllConfirmedDownloaded`
/// transfer to the post-confirmation purge when the resource has one, and an already purged one alone.
pub fn expiry_purge_applies(status: FileTransferStatus, purge_after_all_confirmed: bool) -> bool {
    !(status == Purged || status == AllConfirmedDownloaded && purge_after_all_confirmed)
}

/// The statuses a transfer can move to next from `status`.
pub fn successors(status: FileTransferStatus) -> Vec<FileTransferStatus> {
    let mut out: Vec<FileTransferStatus> = Vec::new();
    for t in TRANSITIONS.iter().filter(|t| t.from.contains(&status)) {
        if !out.contains(&t.to) {
            out.push(t.to);
        }
    }
    crate::small::sort_by(&mut out, Ord::cmp);
    out
}

/// A status nothing moves out of.
pub fn is_terminal(status: FileTransferStatus) -> bool {
    successors(status).is_empty()
}

/// A status in which the transfer's outcome is settled: it will never be published (again). `Failed` and
/// `Cancelled` still get purged at expiry, but nothing a client does changes them.
pub fn is_settled(status: FileTransferStatus) -> bool {
    matches!(status, Failed | Cancelled | Purged | AllConfirmedDownloaded)
}

/// Whether the file may be uploaded (streamed, multipart or tus creation) in this status (contract §3.3).
pub fn accepts_upload(status: FileTransferStatus) -> bool {
    matches!(status, Initialized | UploadStarted)
}

/// Whether the file can be downloaded in this status (contract §1.8).
pub fn accepts_download(status: FileTransferStatus) -> bool {
    matches!(status, Published | AllConfirmedDownloaded)
}

/// Whether a download can be confirmed in this status (contract §1.9: exactly `Published`).
pub fn accepts_confirm(status: FileTransferStatus) -> bool {
    status == Published
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_path() {
        let mut s = apply(None, Trigger::Initialize).unwrap().to;
        for t in [
            Trigger::UploadStarted,
            Trigger::UploadFinishedAwaitingChecks,
            Trigger::ChecksPassed,
            Trigger::AllRecipientsConfirmed,
            Trigger::PurgedAfterConfirmation,
        ] {
            s = apply(Some(s), t).unwrap().to;
        }
        assert_eq!(s, Purged);
        assert!(is_terminal(s));
    }

    #[test]
    fn not_a_line() {
        assert_eq!(apply(Some(UploadStarted), Trigger::UploadFinishedPublished).unwrap().to, Published);
        assert_eq!(apply(Some(Initialized), Trigger::Expired).unwrap().to, Purged);
        assert_eq!(apply(Some(UploadProcessing), Trigger::MalwareFound).unwrap().to, Failed);
        assert_eq!(apply(Some(Failed), Trigger::Expired).unwrap().to, Purged);
        assert!(apply(Some(Published), Trigger::UploadStarted).is_err());
        assert!(apply(Some(Purged), Trigger::Expired).is_err());
        assert!(apply(Some(Initialized), Trigger::Initialize).is_err());
    }

    #[test]
    fn expiry_rules() {
        assert!(!expiry_purge_applies(AllConfirmedDownloaded, true));
        assert!(expiry_purge_applies(AllConfirmedDownloaded, false));
        assert!(expiry_purge_applies(Initialized, true));
        assert!(!expiry_purge_applies(Purged, false));
    }

    #[test]
    fn successors_and_terminals() {
        assert_eq!(successors(Initialized), vec![UploadStarted, Purged]);
        assert!(successors(Published).contains(&AllConfirmedDownloaded));
        assert!(!is_terminal(Failed));
        assert!(is_settled(Failed));
        assert!(is_terminal(Purged));
    }

    #[test]
    fn every_status_but_initialize_source_is_reachable() {
        for s in FileTransferStatus::ALL.iter().copied().filter(|s| *s != Cancelled && *s != Initialized) {
            assert!(TRANSITIONS.iter().any(|t| t.to == s), "{s} unreachable");
        }
    }
}
