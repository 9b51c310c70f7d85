//! Moving a transfer through the state machine of contract §3.1: one function applies a trigger using
//! `altinn_broker_core::transitions`, appends the status row and records the events the row says it emits.
//! Handlers and background jobs both go through here, so each transition's side effects exist once.

pub mod events;

use altinn_broker_core::transitions::{self, Audience, Trigger};
use altinn_broker_core::{FileTransferStatus, RecipientStatus};
use rusqlite::Connection;
use time::OffsetDateTime;

use crate::error::AppError;
use crate::state::Settings;
use crate::store::transfers::{self, NewTransfer, Transfer};

/// The status detail of a failed upload or completion (`CompleteFileUploadHandler`, the upload handlers).
pub const DETAIL_UPLOAD_ERROR: &str = "Error occurred while uploading fileTransfer";
/// The status detail of a checksum mismatch, found at once or deferred (`TusChecksumProcessingHandler`).
pub const DETAIL_CHECKSUM_MISMATCH: &str = "Checksum mismatch";

/// Applies `trigger` to `transfer` at time `at`: appends the new status (with `detail` as its text, if given) and
/// records its events. Returns the new status, or `None` when the trigger does not apply in the current status
/// (background work treats that as "nothing to do").
pub fn apply(
    conn: &Connection,
    settings: &Settings,
    transfer: &Transfer,
    trigger: Trigger,
    detail: Option<&str>,
    at: OffsetDateTime,
) -> Result<Option<FileTransferStatus>, AppError> {
    let current = transfers::current_status(conn, transfer.id)?.status;
    let Ok(row) = transitions::apply(Some(current), trigger) else {
        return Ok(None);
    };
    transfers::push_status(conn, transfer.id, row.to, detail, at)?;
    emit(conn, settings, transfer, row.emits, at)?;
    Ok(Some(row.to))
}

/// Creates a transfer (status `Initialized`, every recipient `Initialized`) and records its event.
pub fn create(conn: &Connection, settings: &Settings, new: &NewTransfer) -> Result<(), AppError> {
    let row = transitions::apply(None, Trigger::Initialize).map_err(AppError::internal)?;
    transfers::insert(conn, new)?;
    let transfer =
        transfers::get(conn, new.id)?.ok_or_else(|| AppError::Internal("inserted transfer missing".into()))?;
    emit(conn, settings, &transfer, row.emits, new.created)
}

/// Records the events of one transition.
fn emit(
    conn: &Connection,
    settings: &Settings,
    transfer: &Transfer,
    emits: &[transitions::Emits],
    at: OffsetDateTime,
) -> Result<(), AppError> {
    for emit in emits {
        match emit.audience {
            Audience::Sender => {
                events::record(conn, settings, transfer, emit.event, events::Subject::Sender, at)?;
            }
            Audience::EveryRecipient => {
                for r in transfers::recipients_current(conn, transfer.id)? {
                    events::record(conn, settings, transfer, emit.event, events::Subject::Recipient(&r.actor), at)?;
                }
            }
            Audience::UnconfirmedRecipientsThenSender => {
                let unconfirmed: Vec<_> = transfers::recipients_current(conn, transfer.id)?
                    .into_iter()
                    .filter(|r| r.status < RecipientStatus::DownloadConfirmed)
                    .collect();
                for r in &unconfirmed {
                    events::record(conn, settings, transfer, emit.event, events::Subject::Recipient(&r.actor), at)?;
                }
                if !unconfirmed.is_empty() {
                    events::record(conn, settings, transfer, emit.event, events::Subject::Sender, at)?;
                }
            }
        }
    }
    Ok(())
}
