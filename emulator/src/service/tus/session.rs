//! Who may make a tus request (contract §5 "Session auth", §7.1 `TusUploadSession`).
//!
//! Two steps, as in the service:
//! 1. [`authenticate`]: the `Sender` policy. A bearer token that is expired but otherwise valid is still accepted
//!    for POST/PATCH/HEAD/DELETE when the caller has an active upload session on the transfer
//!    (`TusUploadSessionAuthenticationHelper`), so uploads outlive hour-long tokens.
//! 2. [`authorize`]: the broker's own check of every tus request (`TusUploadAuthorizationService`): inside an
//!    active session HEAD/PATCH only need the transfer to be `UploadStarted` or `UploadProcessing`; otherwise the
//!    streamed-upload rules apply (existence, PDP, status, resource, service owner, storage provider).
//!
//! An upload session is the key `tus-upload-auth:{fileTransferId}:{sid|client_id|sub}:{callerOrg}` with a 24 h TTL
//! (emulator time), refreshed on every authorized create and patch; "recent activity" is any tus activity on the
//! transfer within the same 24 h. Both live in SQLite, as the service keeps them in Redis across restarts.

use std::time::Duration;

use altinn_broker_core::{BrokerErrorCode, FileTransferId, FileTransferStatus};
use axum::http::HeaderMap;
use rusqlite::Connection;
use time::OffsetDateTime;

use super::TusFailure;
use crate::auth::{pdp, Caller, Lifetime, Policy, Rejection};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::resources::{self, Resource};
use crate::store::transfers::{self, Transfer};
use crate::store::{service_owners, tus};

/// `TusOptions:UploadExpiration`: the session TTL and the "recent activity" window.
pub const UPLOAD_EXPIRATION: Duration = Duration::from_secs(altinn_broker_core::tus::UPLOAD_EXPIRATION_SECS);

/// What the request wants to do (tusdotnet's intent, as the broker maps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// POST: creation, a partial or the final.
    Create,
    WriteChunk,
    GetInfo,
    Delete,
}

fn ttl() -> time::Duration {
    time::Duration::try_from(UPLOAD_EXPIRATION).unwrap_or(time::Duration::DAY)
}

/// Authenticates a tus request under the `Sender` policy. `transfer` is the transfer the URL names (needed for
/// the expired-token rescue); `None` for OPTIONS, which has no rescue.
pub fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    transfer: Option<FileTransferId>,
) -> Result<Caller, TusFailure> {
    let now = state.clock.now();
    let rejection = match state.authenticate(headers, now, Lifetime::Enforce) {
        Ok(caller) => {
            Policy::Sender.check(&caller)?;
            return Ok(caller);
        }
        Err(r) => r,
    };
    if let (Rejection::Expired(_), Some(id)) = (&rejection, transfer) {
        // Expired means the signature and issuer were fine: only the lifetime is ignored here.
        if let Ok(caller) = state.authenticate(headers, now, Lifetime::IgnoreExpiry) {
            let active = {
                let conn = state.store.conn()?;
                matches!(try_active_upload(&conn, &caller, id, now)?, Some(Ok(())))
            };
            if active {
                tracing::info!(transfer = %id, "accepted an expired bearer token for an active tus upload session");
                Policy::Sender.check(&caller)?;
                return Ok(caller);
            }
        }
    }
    Err(AppError::from(rejection).into())
}

/// The broker's authorization of one tus request (`OnAuthorizeAsync`). Errors are the hooks' plain-text answers.
pub fn authorize(state: &AppState, caller: &Caller, id: FileTransferId, intent: Intent) -> Result<(), TusFailure> {
    let now = state.clock.now();
    let outcome = state.store.tx(|tx| {
        if matches!(intent, Intent::GetInfo | Intent::WriteChunk) {
            if let Some(handled) = try_active_upload(tx, caller, id, now)? {
                return Ok(handled);
            }
        }
        if intent == Intent::GetInfo {
            return Ok(validate_get_info(state, tx, caller, id)?.map(|_found| ()));
        }
        let checked = validate_for_upload(state, tx, caller, id)?;
        if checked.is_ok() {
            if let Some(key) = session_key(id, caller) {
                match intent {
                    Intent::Delete => tus::remove_session(tx, &key)?,
                    _ => tus::refresh_session(tx, &key, now + ttl())?,
                }
            }
        }
        Ok(checked)
    })?;
    outcome.map_err(TusFailure::from)
}

/// `tus-upload-auth:{fileTransferId}:{sid|client_id|sub}:{callerOrg}`, or none for a token without a subject.
fn session_key(id: FileTransferId, caller: &Caller) -> Option<String> {
    let subject = caller.session_subject().filter(|s| !s.is_empty())?;
    let org = caller.org.map(|o| o.digits().to_owned()).unwrap_or_default();
    Some(format!("tus-upload-auth:{id}:{subject}:{org}"))
}

/// `TryAuthorizeActiveUploadAsync`: `None` when the caller has no active session (the normal rules apply),
/// otherwise the verdict of the in-progress check.
fn try_active_upload(
    conn: &Connection,
    caller: &Caller,
    id: FileTransferId,
    now: OffsetDateTime,
) -> Result<Option<Result<(), BrokerErrorCode>>, AppError> {
    let key = session_key(id, caller);
    if let Some(k) = &key {
        if tus::session_active(conn, k, now)? {
            tus::refresh_session(conn, k, now + ttl())?;
            return Ok(Some(in_progress(conn, id)?));
        }
    }
    let recent = tus::last_activity(conn, id)?.is_some_and(|at| now - at <= ttl());
    if !recent || in_progress(conn, id)?.is_err() || !caller_is_sender(conn, caller, id)? {
        return Ok(None);
    }
    if let Some(k) = &key {
        tus::refresh_session(conn, k, now + ttl())?;
    }
    Ok(Some(in_progress(conn, id)?))
}

/// `ValidateUploadInProgressAsync`: the transfer exists (404/1) and is `UploadStarted` or `UploadProcessing` (409/4).
fn in_progress(conn: &Connection, id: FileTransferId) -> Result<Result<(), BrokerErrorCode>, AppError> {
    if transfers::get(conn, id)?.is_none() {
        return Ok(Err(BrokerErrorCode::FileTransferNotFound));
    }
    let status = transfers::current_status(conn, id)?.status;
    Ok(if matches!(status, FileTransferStatus::UploadStarted | FileTransferStatus::UploadProcessing) {
        Ok(())
    } else {
        Err(BrokerErrorCode::FileTransferAlreadyUploaded)
    })
}

/// `ValidateActiveUploadSenderAsync`'s org comparison: the caller's org equals the stored sender's.
fn caller_is_sender(conn: &Connection, caller: &Caller, id: FileTransferId) -> Result<bool, AppError> {
    let Some(t) = transfers::get(conn, id)? else { return Ok(false) };
    let sender = t.sender.rsplit(':').next().unwrap_or(&t.sender).to_owned();
    Ok(caller.org.is_some_and(|o| o.digits() == sender))
}

/// `ValidateTusGetInfoAsync`: the transfer exists (404/1) and the caller may write as its sender (401/6). Answers
/// the transfer and its resource, which the upload checks go on with.
fn validate_get_info(
    state: &AppState,
    conn: &Connection,
    caller: &Caller,
    id: FileTransferId,
) -> Result<Result<(Transfer, Option<Resource>), BrokerErrorCode>, AppError> {
    let Some(t) = transfers::get(conn, id)? else { return Ok(Err(BrokerErrorCode::FileTransferNotFound)) };
    let resource = resources::get(conn, &t.resource_id)?;
    Ok(pdp::check_send(&state.world, resource.as_ref(), caller, &t.sender).map(|()| (t, resource)))
}

/// `ValidateForUploadAsync` without a length (contract §1.3 order): 404/1, 401/6, 409/4, 403/5, 400/2, 503/21.
pub fn validate_for_upload(
    state: &AppState,
    conn: &Connection,
    caller: &Caller,
    id: FileTransferId,
) -> Result<Result<(), BrokerErrorCode>, AppError> {
    let (t, resource) = match validate_get_info(state, conn, caller, id)? {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    if transfers::current_status(conn, id)?.status > FileTransferStatus::UploadStarted {
        return Ok(Err(BrokerErrorCode::FileTransferAlreadyUploaded));
    }
    let Some(resource) = resource else { return Ok(Err(BrokerErrorCode::ResourceNotRegistered)) };
    let owner = match resource.service_owner_org() {
        Some(org) => service_owners::get(conn, &org)?,
        None => None,
    };
    let Some(owner) = owner else { return Ok(Err(BrokerErrorCode::ServiceOwnerNotConfigured)) };
    if !owner.storage_ready(t.use_virus_scan) {
        return Ok(Err(BrokerErrorCode::StorageProviderNotReady));
    }
    Ok(Ok(()))
}

/// Records upload activity on a transfer (creation, PATCH, HEAD renewals), as the store's expiration renewal does.
pub fn record_activity(conn: &Connection, id: FileTransferId, now: OffsetDateTime) -> Result<(), AppError> {
    tus::record_activity(conn, id, now)
}
