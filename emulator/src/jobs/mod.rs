//! Background work driven by the one emulator clock: the simulated malware scan, the expiry purge, the purge after
//! every recipient confirmed, and the recurring stuck-upload check; and, with a runner of its own ([`deliver`]),
//! Altinn Events' pushes to subscribers. Jobs live in SQLite (`store::jobs`), so they
//! survive a restart; a job runs at most once because it is removed in the same transaction that applies it.
//!
//! A job "runs at" its due time: when `clock/advance` jumps a month, each job is applied with the time it would
//! have run at in the real service, in due order, before the hook returns.

pub mod deliver;
pub mod purge;
pub mod scan;
pub mod stuck;
pub mod tus;

use std::time::Duration;

use altinn_broker_core::FileTransferStatus;
use time::OffsetDateTime;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::jobs::{self, Job, JobKind};
use crate::store::transfers;

/// Runs every job due at or before the clock's now, oldest first. Returns how many ran.
pub async fn run_due(state: &AppState) -> Result<usize, AppError> {
    run_due_until(state, || false).await
}

/// [`run_due`], stopping before the next job once `stop()` says so (a job that has started always finishes).
async fn run_due_until(state: &AppState, stop: impl Fn() -> bool) -> Result<usize, AppError> {
    let _one_runner = state.jobs_running.lock().await;
    let now = state.clock.now();
    let mut ran = 0;
    loop {
        if stop() {
            break;
        }
        let job = jobs::next_due(&*state.store.conn()?, now)?;
        let Some(job) = job else { break };
        if let Err(e) = execute(state, &job).await {
            // A failing job must not block the queue: log it and drop it, as Hangfire would after its retries.
            tracing::error!(error = %e, kind = job.kind.name(), transfer = ?job.transfer, "background job failed");
            jobs::remove(&*state.store.conn()?, job.id)?;
        }
        ran += 1;
    }
    Ok(ran)
}

async fn execute(state: &AppState, job: &Job) -> Result<(), AppError> {
    match (job.kind, job.transfer) {
        (JobKind::Scan, Some(id)) => scan::run_job(state, job.id, id, job.due_at).await,
        (JobKind::ExpiryPurge, Some(id)) => purge::run_expiry(state, job.id, id, job.due_at),
        (JobKind::ConfirmedPurge, Some(id)) => purge::run_after_confirmation(state, job.id, id, job.due_at),
        (JobKind::StuckUploads, _) => stuck::run(state, job.id, job.due_at),
        (JobKind::TusFinalize, Some(id)) => tus::run_job(state, job.id, id, job.due_at).await,
        (JobKind::TusChecksum, Some(id)) => tus::run_checksum(state, job.id, id).await,
        (kind, None) => Err(AppError::Internal(format!("{} job without a transfer", kind.name()))),
    }
}

/// Schedules a job and wakes the runner.
pub fn schedule(
    state: &AppState,
    conn: &rusqlite::Connection,
    kind: JobKind,
    transfer: Option<altinn_broker_core::FileTransferId>,
    due: OffsetDateTime,
) -> Result<(), AppError> {
    jobs::schedule(conn, kind, transfer, due)?;
    state.jobs_changed.notify_one();
    Ok(())
}

/// Runs due jobs until `stop` turns true: wakes when one falls due, when new work is scheduled, or at least every
/// second (the clock can move under it). On `stop` it lets the job in progress finish and returns; the jobs not
/// yet run stay in the database and run after the next start (a graceful shutdown loses no work and cancels no
/// scan half-way, where dropping the runner would see its blocking scan cancelled and drop the job as failed).
pub async fn run_forever(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let stopping = || *stop.borrow();
        if let Err(e) = run_due_until(&state, stopping).await {
            tracing::error!(error = %e, "job runner");
        }
        let wait = match state.store.conn().and_then(|c| jobs::earliest(&c)) {
            Ok(Some(due)) => {
                let left = due - state.clock.now();
                Duration::try_from(left).unwrap_or(Duration::ZERO).min(Duration::from_secs(1))
            }
            _ => Duration::from_secs(1),
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.jobs_changed.notified() => {}
            // A dropped sender is a stop too.
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}

/// Brings the data dir back to a consistent state after a crash, then makes sure the recurring work is scheduled.
///
/// - Partial upload files (`*.part`) are removed.
/// - A transfer still `UploadStarted` never had its upload acknowledged: whatever file it has is forgotten, so the
///   sender can upload again (as after a dropped connection in the real service). It is never published.
/// - A purged or failed transfer loses any file a crash left behind.
/// - A transfer in `UploadProcessing` without a pending scan gets one (unless its tus finalisation, which starts
///   the scan, is still pending).
/// - Orphaned tus staging files are removed.
pub fn recover(state: &AppState) -> Result<(), AppError> {
    let removed = state.store.blobs().remove_partials()?;
    if removed > 0 {
        tracing::info!(removed, "removed partial uploads left by a crash");
    }
    let now = state.clock.now();
    let conn = state.store.conn()?;
    for (id, _) in transfers::in_status(&conn, FileTransferStatus::UploadStarted)? {
        if transfers::get(&conn, id)?.is_some_and(|t| t.has_file) {
            transfers::clear_file(&conn, id)?;
        }
        state.store.blobs().delete(id)?;
    }
    for status in [FileTransferStatus::Purged, FileTransferStatus::Failed] {
        for (id, _) in transfers::in_status(&conn, status)? {
            state.store.blobs().delete(id)?;
        }
    }
    for (id, _) in transfers::in_status(&conn, FileTransferStatus::UploadProcessing)? {
        if !jobs::exists(&conn, JobKind::Scan, Some(id))? && !jobs::exists(&conn, JobKind::TusFinalize, Some(id))? {
            jobs::schedule(&conn, JobKind::Scan, Some(id), now + state.settings.scan_delay)?;
        }
    }
    if !jobs::exists(&conn, JobKind::StuckUploads, None)? {
        jobs::schedule(&conn, JobKind::StuckUploads, None, stuck::next_run_after(now))?;
    }
    drop(conn);
    tus::recover(state)
}
