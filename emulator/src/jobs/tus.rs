//! Finalising a tus upload in the background (contract §5 "Completion"): the service answers the final PATCH (or
//! the concatenation final's POST) before anything below happens; a persisted job then makes the staged bytes the
//! transfer's file (the parts in order, for a concatenation) and completes the upload the way
//! `CompleteFileUploadHandler` does with deferred checksum validation:
//!
//! - with a user checksum or virus scan: `UploadProcessing` (with its event, unless a concatenation already set it
//!   without one), then with a user checksum the MD5 check (a mismatch fails the transfer with `uploadfailed` and
//!   deletes the file), then the scan, or straight to `Published` when there is no scan; a scan without a user
//!   checksum does not wait for the MD5 (contract §3.1: a clean scan publishes), which a job of its own computes;
//! - otherwise `Published` at once, and a second job (`TusChecksumProcessingHandler`) then computes the MD5 and
//!   stores it as `checksum`: until it has run, the published transfer has no `checksum`, as in the service.
//!
//! A tus upload's bytes are not copied, a concatenation's parts included (the service commits its staged blocks;
//! see `BlobStore::place`), and nothing is hashed before publishing unless a check needs it: a 256 MiB upload was
//! Published ~0.9 s after its last PATCH when the job copied and hashed it first, and a concatenation of four
//! 64 MiB parts 0.2–0.9 s after the final POST when the job copied three of them, which both the client and
//! tus-js-client waited for (issue 12, row 6).
//!
//! The file is in place (fsynced, renamed) before the database records it, and the staged bytes are deleted only
//! after that commit, so a `kill -9` anywhere (`tus.during-concatenation` included) leaves the job to run again
//! from the start.

use altinn_broker_core::transitions::Trigger;
use altinn_broker_core::{FileTransferId, FileTransferStatus};
use time::OffsetDateTime;

use crate::crash::{maybe_crash, CrashPoint};
use crate::error::AppError;
use crate::lifecycle::{DETAIL_CHECKSUM_MISMATCH, DETAIL_UPLOAD_ERROR};
use crate::state::AppState;
use crate::store::disk::blocking;
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
    let size = match build(state, id, &sources, concatenation).await {
        Ok(b) => b,
        Err(e) => return fail(state, job_id, id, &e),
    };
    // The checks that come before publishing need the MD5 now; otherwise it is computed after publishing.
    let md5 = if needs_md5_first(state, id)? {
        let blobs = state.store.blobs().clone();
        match blocking(move || blobs.md5_of(id)).await {
            Ok(m) => Some(m),
            Err(e) => return fail(state, job_id, id, &e),
        }
    } else {
        None
    };
    let now = state.clock.now();
    let delete_file = state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        tus::mark_finalized(tx, &upload.upload_id)?;
        for p in &upload.parts {
            tus::delete(tx, p)?;
        }
        complete(state, tx, id, size, md5.as_deref(), now)
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

/// Whether completing `id` needs its MD5 first: only to compare it with the sender's checksum. A virus scan does
/// not wait for it: the service publishes on a clean scan unless a user checksum must also pass (contract §3.1).
fn needs_md5_first(state: &AppState, id: FileTransferId) -> Result<bool, AppError> {
    let conn = state.store.conn()?;
    Ok(transfers::get(&conn, id)?.is_some_and(|t| t.checksum.is_some() && t.user_checksum))
}

/// `TusChecksumProcessingHandler` for a transfer completed without its MD5: hashes the stored file and records it;
/// it becomes the reported `checksum` now if the transfer is past processing, else when its scan reports clean
/// (`scan::report`), as a streamed upload's does. Nothing to do once the file is gone (purged, or malware).
pub async fn run_checksum(state: &AppState, job_id: i64, id: FileTransferId) -> Result<(), AppError> {
    let has_file = transfers::get(&*state.store.conn()?, id)?.is_some_and(|t| t.has_file);
    let md5 = if has_file {
        let blobs = state.store.blobs().clone();
        match blocking(move || blobs.md5_of(id)).await {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        if let Some(m) = &md5 {
            transfers::set_computed_md5(tx, id, m)?;
            if transfers::current_status(tx, id)?.status != FileTransferStatus::UploadProcessing {
                transfers::adopt_computed_checksum(tx, id)?;
            }
        }
        Ok(())
    })
}

/// Makes the staged bytes (each source's first `length` bytes, in order) the transfer's file; its size.
async fn build(
    state: &AppState,
    id: FileTransferId,
    sources: &[(String, u64)],
    concatenation: bool,
) -> std::io::Result<u64> {
    let staging = Staging::of(&state.store);
    let paths: Vec<_> = sources.iter().map(|(s, len)| (staging.path(s), *len)).collect();
    let crash_at = state.settings.crash_at;
    let blobs = state.store.blobs().clone();
    blocking(move || {
        blobs.place(id, &paths, || {
            if concatenation {
                maybe_crash(crash_at, CrashPoint::TusDuringConcatenation);
            }
        })
    })
    .await
}

/// `CompleteFileUploadHandler` with `DeferChecksumValidation`, then `TusChecksumProcessingHandler` (here when the
/// MD5 is already known, `md5`; otherwise scheduled as a job of its own after publishing). Returns whether the file
/// must be deleted (checksum mismatch).
fn complete(
    state: &AppState,
    conn: &rusqlite::Connection,
    id: FileTransferId,
    size: u64,
    md5: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool, AppError> {
    let apply = |t: &transfers::Transfer, trigger, detail| {
        crate::lifecycle::apply(conn, &state.settings, t, trigger, detail, now)
    };
    transfers::set_file(conn, id, size, md5)?;
    let Some(t) = transfers::get(conn, id)? else { return Ok(false) };
    let status = transfers::current_status(conn, id)?.status;
    let user_checksum = t.checksum.as_deref().filter(|_| t.user_checksum);
    if user_checksum.is_some() || t.use_virus_scan {
        if status == FileTransferStatus::UploadStarted {
            apply(&t, Trigger::UploadFinishedAwaitingChecks, None)?;
        }
        if user_checksum.is_some_and(|c| md5.is_none_or(|m| !c.eq_ignore_ascii_case(m))) {
            apply(&t, Trigger::DeferredChecksumMismatch, Some(DETAIL_CHECKSUM_MISMATCH))?;
            transfers::clear_file(conn, id)?;
            return Ok(true);
        }
        if t.use_virus_scan {
            // The scan first: the runner takes jobs due at the same time in order, and publishing waits only for it.
            crate::jobs::scan::start(state, conn, id, now)?;
            if md5.is_none() {
                crate::jobs::schedule(state, conn, JobKind::TusChecksum, Some(id), now)?;
            }
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
        match md5 {
            Some(_) => transfers::adopt_computed_checksum(conn, id)?,
            None => crate::jobs::schedule(state, conn, JobKind::TusChecksum, Some(id), now)?,
        }
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
