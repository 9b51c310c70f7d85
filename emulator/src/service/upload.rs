//! Receiving a transfer's file (contract §1.3), shared by the streamed upload and initialize+upload: checks, then
//! the body streamed to disk while hashing (flat memory for any size), then the completion. The order of durable
//! steps is what makes a crash harmless: the file is fsynced and renamed before the database records it, and the
//! database records it before the status moves on (see `jobs::recover`).

use altinn_broker_core::transitions::{self, Trigger};
use altinn_broker_core::validate::MAX_VIRUS_SCAN_UPLOAD_SIZE;
use altinn_broker_core::{BrokerErrorCode, FileTransferId};
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};

use super::lookup::{load, resource_of, service_owner_of};
use crate::auth::{pdp, Caller};
use crate::crash::{maybe_crash, CrashPoint};
use crate::error::AppError;
use crate::lifecycle::{DETAIL_CHECKSUM_MISMATCH, DETAIL_UPLOAD_ERROR};
use crate::state::AppState;
use crate::store::blobs::{StagedBlob, StoredBlob};
use crate::store::transfers::{self, Transfer};

/// Checks an upload of `id` by `caller` (contract §1.3 order) and marks it `UploadStarted`.
pub fn begin(state: &AppState, caller: &Caller, id: FileTransferId, length: Option<u64>) -> Result<Transfer, AppError> {
    let now = state.clock.now();
    state.store.tx(|tx| {
        let t = load(tx, id)?;
        let resource = resource_of(tx, &t)?;
        pdp::check_send(&state.world, resource.as_ref(), caller, &t.sender)?;
        if !transitions::accepts_upload(transfers::current_status(tx, id)?.status) {
            return Err(BrokerErrorCode::FileTransferAlreadyUploaded.into());
        }
        let resource = resource.ok_or(BrokerErrorCode::ResourceNotRegistered)?;
        let owner = service_owner_of(tx, &resource)?;
        if !owner.storage_ready(t.use_virus_scan) {
            return Err(BrokerErrorCode::StorageProviderNotReady.into());
        }
        if let Some(len) = length.map(|l| i64::try_from(l).unwrap_or(i64::MAX)) {
            let over_scan_limit = t.use_virus_scan && len > MAX_VIRUS_SCAN_UPLOAD_SIZE;
            if over_scan_limit || resource.max_file_transfer_size.is_some_and(|max| len > max) {
                return Err(BrokerErrorCode::FileSizeTooBig.into());
            }
        }
        crate::lifecycle::apply(tx, &state.settings, &t, Trigger::UploadStarted, None, now)?;
        Ok(t)
    })
}

/// Marks the upload failed ("Error occurred while uploading fileTransfer", event `uploadfailed`) and answers 500/8.
fn fail(state: &AppState, t: &Transfer, why: &dyn std::fmt::Display) -> AppError {
    tracing::warn!(transfer = %t.id, error = %why, "upload failed");
    // Nothing of the upload is kept: no file location is recorded, the partial file is already gone.
    let now = state.clock.now();
    let recorded = state.store.tx(|tx| {
        crate::lifecycle::apply(tx, &state.settings, t, Trigger::StorageFailed, Some(DETAIL_UPLOAD_ERROR), now)
    });
    match recorded {
        Ok(_) => BrokerErrorCode::UploadFailed.into(),
        Err(e) => e,
    }
}

/// Records the upload as failed if the request goes away mid-body: axum drops a handler whose client disconnected,
/// while the service's handler sees the broken stream and marks the transfer `Failed`.
struct FailOnDrop<'a> {
    state: &'a AppState,
    transfer: &'a Transfer,
    armed: bool,
}

impl FailOnDrop<'_> {
    fn fail(mut self, why: &dyn std::fmt::Display) -> AppError {
        self.armed = false;
        fail(self.state, self.transfer, why)
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for FailOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            fail(self.state, self.transfer, &"the request was aborted");
        }
    }
}

/// The whole upload of `id`: checks, body to disk, completion.
pub async fn receive<S, E>(
    state: &AppState,
    caller: &Caller,
    id: FileTransferId,
    length: Option<u64>,
    body: S,
) -> Result<(), AppError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let transfer = begin(state, caller, id, length)?;
    let crash_at = state.settings.crash_at;

    let guard = FailOnDrop { state, transfer: &transfer, armed: true };
    let mut writer = match state.store.blobs().create(id).await {
        Ok(w) => w,
        Err(e) => return Err(guard.fail(&e)),
    };
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let written = match chunk {
            Ok(c) => writer.write(c).await,
            Err(e) => return Err(guard.fail(&e)),
        };
        if let Err(e) = written {
            return Err(guard.fail(&e));
        }
        if writer.size() > 0 {
            maybe_crash(crash_at, CrashPoint::UploadMidBody);
        }
    }
    let blob = match writer.finish().await {
        Ok(b) => b,
        Err(e) => return Err(guard.fail(&e)),
    };
    guard.disarm();
    maybe_crash(crash_at, CrashPoint::UploadAfterBody);
    complete(state, &transfer, blob)
}

/// The upload of `id` whose body was already read to a staged file (initialize+upload): the same checks, with
/// the file's size as the known length, then the staged file becomes the transfer's file (a rename) and completes.
pub fn receive_staged(
    state: &AppState,
    caller: &Caller,
    id: FileTransferId,
    staged: StagedBlob,
) -> Result<(), AppError> {
    let transfer = begin(state, caller, id, Some(staged.size))?;
    let blob = state.store.blobs().adopt(staged, id).map_err(|e| fail(state, &transfer, &e))?;
    maybe_crash(state.settings.crash_at, CrashPoint::UploadAfterBody);
    complete(state, &transfer, blob)
}

/// A file is in place for `transfer`: the checksum check, then the file recorded, then the status moved on.
fn complete(state: &AppState, transfer: &Transfer, blob: StoredBlob) -> Result<(), AppError> {
    let id = transfer.id;
    let crash_at = state.settings.crash_at;
    // The service records the file (`SetStorageDetails`: location and size) before it compares checksums, so a
    // mismatched upload keeps its size in the overview, and a confirm gets 400/10 rather than 400/3.
    state.store.tx(|tx| transfers::set_file(tx, id, blob.size, Some(&blob.md5)))?;
    maybe_crash(crash_at, CrashPoint::UploadAfterCommit);

    if let Some(expected) = transfer.checksum.as_deref().filter(|_| transfer.user_checksum) {
        if !expected.eq_ignore_ascii_case(&blob.md5) {
            let now = state.clock.now();
            state.store.tx(|tx| {
                crate::lifecycle::apply(
                    tx,
                    &state.settings,
                    transfer,
                    Trigger::ChecksumMismatch,
                    Some(DETAIL_CHECKSUM_MISMATCH),
                    now,
                )
            })?;
            state.store.blobs().delete(id)?;
            return Err(BrokerErrorCode::ChecksumMismatch.into());
        }
    }

    let now = state.clock.now();
    state.store.tx(|tx| {
        if transfer.use_virus_scan {
            if crate::lifecycle::apply(tx, &state.settings, transfer, Trigger::UploadFinishedAwaitingChecks, None, now)?
                .is_some()
            {
                crate::jobs::scan::start(state, tx, id, now)?;
            }
        } else {
            transfers::adopt_computed_checksum(tx, id)?;
            crate::lifecycle::apply(tx, &state.settings, transfer, Trigger::UploadFinishedPublished, None, now)?;
        }
        Ok(())
    })
}
