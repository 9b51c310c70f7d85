//! Purges (contract §3.1): at `expirationTime` for any state, and after every recipient confirmed plus the
//! resource's grace period. The file is deleted after the status change commits; a crash in between leaves a file
//! that startup recovery deletes.

use altinn_broker_core::transitions::{expiry_purge_applies, Trigger};
use altinn_broker_core::FileTransferId;
use time::OffsetDateTime;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{jobs, transfers};

pub fn run_expiry(state: &AppState, job_id: i64, id: FileTransferId, at: OffsetDateTime) -> Result<(), AppError> {
    purge(state, job_id, id, at, Trigger::Expired)
}

pub fn run_after_confirmation(
    state: &AppState,
    job_id: i64,
    id: FileTransferId,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    purge(state, job_id, id, at, Trigger::PurgedAfterConfirmation)
}

fn purge(
    state: &AppState,
    job_id: i64,
    id: FileTransferId,
    at: OffsetDateTime,
    trigger: Trigger,
) -> Result<(), AppError> {
    let purged = state.store.tx(|tx| {
        jobs::remove(tx, job_id)?;
        let Some(t) = transfers::get(tx, id)? else { return Ok(false) };
        let status = transfers::current_status(tx, id)?.status;
        if trigger == Trigger::Expired {
            // The resource's flag (default true, also when the resource is no longer configured).
            let purge_after_confirmed = crate::store::resources::get(tx, &t.resource_id)?
                .is_none_or(|r| r.purge_file_transfer_after_all_recipients_confirmed);
            if !expiry_purge_applies(status, purge_after_confirmed) {
                return Ok(false);
            }
        }
        Ok(crate::lifecycle::apply(tx, &state.settings, &t, trigger, None, at)?.is_some())
    })?;
    if purged {
        state.store.blobs().delete(id)?;
    }
    Ok(())
}
