//! The termination extension: `DELETE <upload URL>` drops the upload's staged bytes and its registration, and
//! answers 204. The transfer's status does not change (it stays `UploadStarted` until the stuck-upload job fails
//! it); once the upload has completed, the broker's authorization answers 409 with error 4's text.

use axum::http::{HeaderMap, StatusCode};

use super::protocol::{admit, load};
use super::session::Intent;
use super::{check_version, lock, tus_response, TusResult};
use crate::state::AppState;
use crate::store::tus::{self as store, staging::Staging};

pub fn terminate(state: &AppState, headers: &HeaderMap, raw_id: &str, raw_pid: Option<&str>) -> TusResult {
    let target = admit(state, headers, raw_id, raw_pid, Intent::Delete)?;
    check_version(headers)?;
    let _lock = lock(state, &target.upload_id)?;
    let upload = load(state, &target, state.clock.now())?;
    // The row goes first: a crash before the file is removed leaves an orphan that startup clears.
    state.store.tx(|tx| store::delete(tx, &upload.upload_id))?;
    Staging::of(&state.store).remove(&upload.upload_id)?;
    // Our own lock is still held: clear the values; the entry goes with the next finalisation or restart.
    state.tus.reset(&upload.upload_id);
    state.tus.set_metadata(&upload.upload_id, None);
    Ok(tus_response(StatusCode::NO_CONTENT))
}
