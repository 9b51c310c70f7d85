//! Finalising a tus upload in the background (contract §5 "Completion"): the service answers the final PATCH (or
//! the concatenation final's POST) before anything below happens; a persisted job then builds the transfer's file
//! from the staged bytes (the parts in order, for a concatenation), computing its MD5, and completes the upload
//! the way `CompleteFileUploadHandler` does with deferred checksum validation:
//!
//! - with a user checksum or virus scan: `UploadProcessing` (with its event, unless a concatenation already set it
//!   without one), then the MD5 check (a mismatch fails the transfer with `uploadfailed` and deletes the file),
//!   then the scan, or straight to `Published` when there is no scan;
//! - otherwise `Published`, then the computed MD5 stored as `checksum`.
//!
//! The file is fsynced and renamed into place before the database records it, and the staged bytes are deleted
//! only after that commit, so a `kill -9` anywhere (`tus.during-concatenation` included) leaves the job to run
//! again from the start.

use altinn_broker_core::transitions::Trigger;
use altinn_broker_core::{FileTransferId, FileTransferStatus};
use time::OffsetDateTime;
use tokio::io::AsyncReadExt;

use crate::crash::{maybe_crash, CrashPoint};
use crate::error::AppError;
use crate::lifecycle::{DETAIL_CHECKSUM_MISMATCH, DETAIL_UPLOAD_ERROR};
use crate::state::AppState;
use crate::store::blobs::StoredBlob;
use crate::store::jobs::{self, JobKind};
use crate::store::transfers;
use crate::store::tus::{self, staging::Staging, Upload, UploadKind};

/// Enqueues the finalisation of `transfer`'s single or final upload (once).
pub fn enqueue(
    state: &AppState,
    conn: &rusqlite::Connection,
    transfer: FileTransferId,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if jobs::exists(conn, JobKind::TusFinalize, Some(transfer))? {
        return Ok(());
    }
    crate::jobs::schedule(state, conn, JobKind::TusFinalize, Some(transfer), now)
}

/// `TusFinalizeRecovery`: a complete single or final upload of a transfer still in `UploadStarted` or
/// `UploadProcessing` that was never finalised gets its job back.
pub fn ensure_enqueued(state: &AppState, upload: &Upload) -> Result<(), AppError> {
    if upload.kind == UploadKind::Partial || upload.finalized || !upload.is_complete() {
        return Ok(());
    }
    let now = state.clock.now();
    state.store.tx(|tx| {
        let status = match transfers::get(tx, upload.transfer_id)? {
            Some(_) => transfers::current_status(tx, upload.transfer_id)?.status,
            None => return Ok(()),
        };
        if matches!(status, FileTransferStatus::UploadStarted | FileTransferStatus::UploadProcessing) {
            enqueue(state, tx, upload.transfer_id, now)?;
        }
        Ok(())
    })
}

/// Startup: staged files no upload refers to any more (a crash between a removal and its commit) are deleted.
pub fn recover(state: &AppState) -> Result<(), AppError> {
    let known = tus::all_ids(&*state.store.conn()?)?.into_iter().collect();
    let removed = Staging::of(&state.store).remove_orphans(&known)?;
    if removed > 0 {
        tracing::info!(removed, "removed orphaned tus staging files");
    }
    Ok(())
}

pub async fn run_job(state: &AppState, job_id: i64, id: FileTransferId, _due: OffsetDateTime) -> Result<(), AppError> {
    let (upload, sources) = {
        let conn = state.store.conn()?;
        let upload = tus::get(&conn, &id.to_string())?;
        let status = match transfers::get(&conn, id)? {
            Some(_) => Some(transfers::current_status(&conn, id)?.status),
            None => None,
        };
        let in_progress =
            matches!(status, Some(FileTransferStatus::UploadStarted | FileTransferStatus::UploadProcessing));
        match upload {
            Some(u) if in_progress && !u.finalized && u.is_complete() && u.kind != UploadKind::Partial => {
                let sources = match u.kind {
                    UploadKind::Final => {
                        let mut parts = Vec::new();
                        for p in &u.parts {
                            let part = tus::get(&conn, p)?
                                .ok_or_else(|| AppError::Internal(format!("partial upload {p} is gone")))?;
                            parts.push((part.upload_id, part.length));
                        }
                        parts
                    }
                    _ => vec![(u.upload_id.clone(), u.length)],
                };
                (u, sources)
            }
            // Nothing (left) to finalise: terminated, already done, or the transfer moved on.
            _ => {
                jobs::remove(&conn, job_id)?;
                return Ok(());
            }
        }
    };

    let concatenation = upload.kind == UploadKind::Final;
    let blob = match build(state, id, &sources, concatenation).await {
        Ok(b) => b,
        Err(e) => return fail(state, job_id, id, &e),
    };
    let now = state.clock.now();
    let delete_file = state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        tus::mark_finalized(tx, &upload.upload_id)?;
        for p in &upload.parts {
            tus::delete(tx, p)?;
        }
        complete(state, tx, id, &blob, now)
    })?;
    if delete_file {
        state.store.blobs().delete(id)?;
    }
    let staging = Staging::of(&state.store);
    for (source, _) in &sources {
        staging.remove(source)?;
        if upload.kind == UploadKind::Final {
            state.tus.forget(source);
        }
    }
    Ok(())
}

/// Copies the staged bytes (each source's first `length` bytes, in order) into the transfer's file.
async fn build(
    state: &AppState,
    id: FileTransferId,
    sources: &[(String, u64)],
    concatenation: bool,
) -> std::io::Result<StoredBlob> {
    let staging = Staging::of(&state.store);
    let mut writer = state.store.blobs().create(id).await?;
    let mut buf = vec![0u8; 1 << 20];
    for (i, (source, length)) in sources.iter().enumerate() {
        let copied = async {
            let mut file = tokio::fs::File::open(staging.path(source)).await?;
            let mut left = *length;
            while left > 0 {
                let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                let n = file.read(&mut buf[..want]).await?;
                if n == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("staged upload {source} is shorter than its committed length"),
                    ));
                }
                writer.write(bytes::Bytes::copy_from_slice(&buf[..n])).await?;
                left -= n as u64;
            }
            Ok(())
        }
        .await;
        // Dropping the writer on an error removes its unfinished file.
        copied?;
        if concatenation && i == 0 {
            maybe_crash(state.settings.crash_at, CrashPoint::TusDuringConcatenation);
        }
    }
    writer.finish().await
}

/// `CompleteFileUploadHandler` with `DeferChecksumValidation`, then `TusChecksumProcessingHandler`. Returns whether
/// the file must be deleted (checksum mismatch).
fn complete(
    state: &AppState,
    conn: &rusqlite::Connection,
    id: FileTransferId,
    blob: &StoredBlob,
    now: OffsetDateTime,
) -> Result<bool, AppError> {
    let apply = |t: &transfers::Transfer, trigger, detail| {
        crate::lifecycle::apply(conn, &state.settings, t, trigger, detail, now)
    };
    transfers::set_file(conn, id, blob.size, &blob.md5)?;
    let Some(t) = transfers::get(conn, id)? else { return Ok(false) };
    let status = transfers::current_status(conn, id)?.status;
    let user_checksum = t.checksum.as_deref().filter(|_| t.user_checksum);
    if user_checksum.is_some() || t.use_virus_scan {
        if status == FileTransferStatus::UploadStarted {
            apply(&t, Trigger::UploadFinishedAwaitingChecks, None)?;
        }
        if user_checksum.is_some_and(|c| !c.eq_ignore_ascii_case(&blob.md5)) {
            apply(&t, Trigger::DeferredChecksumMismatch, Some(DETAIL_CHECKSUM_MISMATCH))?;
            transfers::clear_file(conn, id)?;
            return Ok(true);
        }
        if t.use_virus_scan {
            crate::jobs::scan::start(state, conn, id, now)?;
        } else {
            apply(&t, Trigger::ChecksPassed, None)?;
        }
    } else {
        let trigger = if status == FileTransferStatus::UploadStarted {
            Trigger::UploadFinishedPublished
        } else {
            Trigger::ChecksPassed
        };
        apply(&t, trigger, None)?;
        transfers::adopt_computed_checksum(conn, id)?;
    }
    Ok(false)
}

/// A storage failure while building the file: `Failed` ("Error occurred while uploading fileTransfer") with
/// `uploadfailed`, as the completion handler's catch does.
fn fail(state: &AppState, job_id: i64, id: FileTransferId, e: &std::io::Error) -> Result<(), AppError> {
    tracing::error!(transfer = %id, error = %e, "tus finalisation failed");
    let now = state.clock.now();
    state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        if let Some(t) = transfers::get(tx, id)? {
            crate::lifecycle::apply(tx, &state.settings, &t, Trigger::StorageFailed, Some(DETAIL_UPLOAD_ERROR), now)?;
        }
        Ok(())
    })
}
