//! The creation and creation-with-upload extensions: `POST .../tus/{fileTransferId}`.
//!
//! The broker's hooks make it behave like a streamed upload's start: the same authorization (404/401/409/503 as
//! plain text), the size rules (400 `File size exceeds maximum`), no deferred length, and the transfer moves
//! `Initialized` → `UploadStarted`. The tus file id of a single upload is the `fileTransferId` itself, so the
//! `Location` is the URL that was posted to (root-relative). A body sent with the POST is the first chunk.

use altinn_broker_core::transitions::Trigger;
use altinn_broker_core::tus::OFFSET_CONTENT_TYPE;
use altinn_broker_core::validate::MAX_VIRUS_SCAN_UPLOAD_SIZE;
use altinn_broker_core::{BrokerErrorCode, FileTransferId, FileTransferStatus};
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine;
use time::OffsetDateTime;

use super::protocol::{self, write_chunk};
use super::session::{self, Intent};
use super::{
    checksum, expiration, header_str, set_header, tus_response, Target, TusFailure, TusResult, UPLOAD_DEFER_LENGTH,
    UPLOAD_EXPIRES, UPLOAD_LENGTH, UPLOAD_METADATA, UPLOAD_OFFSET,
};
use crate::state::AppState;
use crate::store::tus::{self as store, staging::Staging, NewUpload, UploadKind};
use crate::store::{resources, transfers};

/// Creates a single or partial upload, and writes the first chunk when the POST carries one.
pub async fn create_upload(
    state: &AppState,
    headers: &HeaderMap,
    target: &Target,
    kind: UploadKind,
    body: Body,
) -> TusResult {
    let length = upload_length(headers)?;
    let metadata = validate_metadata(headers)?;
    before_create(state, target.transfer, length)?;

    let now = state.clock.now();
    let upload_id = match kind {
        UploadKind::Partial => uuid::Uuid::new_v4().simple().to_string(),
        _ => target.upload_id.clone(),
    };
    let created =
        Target { transfer: target.transfer, upload_id: upload_id.clone(), partial: kind == UploadKind::Partial };
    // An empty upload never gets an expiry (tusdotnet sets it on the first write only when there is data).
    let expires = (length > 0).then(|| expiration::expires_after(now));
    Staging::of(&state.store).reset(&upload_id).await?;
    state.store.tx(|tx| {
        store::create(
            tx,
            &NewUpload {
                upload_id: &upload_id,
                transfer: target.transfer,
                kind,
                length,
                committed: 0,
                parts: &[],
                expires,
            },
            now,
        )?;
        session::record_activity(tx, target.transfer, now)?;
        mark_upload_started(state, tx, target.transfer, now)?;
        if length == 0 && kind == UploadKind::Single {
            // Nothing to wait for: the empty upload is complete at creation.
            crate::jobs::tus::enqueue(state, tx, target.transfer, now)?;
        }
        Ok(())
    })?;
    state.tus.reset(&upload_id);
    state.tus.set_metadata(&upload_id, metadata);

    let mut res = tus_response(StatusCode::CREATED);
    set_header(&mut res, header::LOCATION, &created.location());
    if let Some(e) = expires {
        set_header(&mut res, UPLOAD_EXPIRES, &expiration::header_value(e));
    }
    if length > 0 && has_body(headers) {
        // creation-with-upload: the body is a PATCH at offset 0; its failures are swallowed and the 201 answers
        // whatever offset was stored.
        let offset = first_chunk(state, headers, &created, body).await;
        set_header(&mut res, UPLOAD_OFFSET, &offset.to_string());
    }
    Ok(res)
}

/// The creation-with-upload write, as tusdotnet runs it: authorized as a chunk, content type and checksum
/// checked, then the chunk written. Returns the offset to answer.
async fn first_chunk(state: &AppState, headers: &HeaderMap, created: &Target, body: Body) -> u64 {
    let attempt = async {
        let caller = session::authenticate(state, headers, Some(created.transfer))?;
        session::authorize(state, &caller, created.transfer, Intent::WriteChunk)?;
        let ct = header_str(headers, &header::CONTENT_TYPE).unwrap_or_default();
        if !ct.eq_ignore_ascii_case(OFFSET_CONTENT_TYPE) {
            return Err(TusFailure::text(StatusCode::UNSUPPORTED_MEDIA_TYPE, "wrong content type"));
        }
        let declared = checksum::leading(headers)?;
        let upload = protocol::find(state, created)?;
        let written = write_chunk(state, &upload, headers, body, declared).await?;
        if let Some(commit) = written.pending_commit {
            commit.run()?;
        }
        Ok::<u64, TusFailure>(written.offset)
    };
    match attempt.await {
        Ok(offset) => offset,
        Err(e) => {
            tracing::debug!(upload = %created.upload_id, error = ?e, "creation-with-upload write failed");
            let committed = protocol::find(state, created).map_or(0, |u| u.committed);
            state.tus.accepted(&created.upload_id, (committed, 0)).0
        }
    }
}

fn has_body(headers: &HeaderMap) -> bool {
    match header_str(headers, &header::CONTENT_LENGTH).map(|v| v.trim().parse::<u64>()) {
        Some(Ok(n)) => n > 0,
        Some(Err(_)) => false,
        None => headers.contains_key(header::TRANSFER_ENCODING),
    }
}

/// tusdotnet's `UploadLengthForCreateFileAndConcatenateFiles` (the store has no creation-defer-length).
pub fn upload_length(headers: &HeaderMap) -> Result<u64, TusFailure> {
    let length = headers.get(&UPLOAD_LENGTH);
    let defer = headers.contains_key(&UPLOAD_DEFER_LENGTH);
    if length.is_some() && defer {
        return Err(TusFailure::bad_request(
            "Headers Upload-Length and Upload-Defer-Length are mutually exclusive and cannot be used in the same request",
        ));
    }
    if defer {
        return Err(TusFailure::bad_request("Header Upload-Defer-Length is not supported"));
    }
    let Some(length) = length else { return Err(TusFailure::bad_request("Missing Upload-Length header")) };
    let n: i64 = length
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| TusFailure::bad_request("Could not parse Upload-Length"))?;
    u64::try_from(n).map_err(|_| TusFailure::bad_request("Header Upload-Length must be a positive number"))
}

/// tusdotnet's `UploadMetadata` check (`AllowEmptyValues`). The value is kept in memory only, as the service does.
pub fn validate_metadata(headers: &HeaderMap) -> Result<Option<String>, TusFailure> {
    let Some(raw) = headers.get(&UPLOAD_METADATA) else { return Ok(None) };
    let value = raw.to_str().map_err(|_| TusFailure::bad_request(INVALID_METADATA))?;
    if value.trim().is_empty() {
        return Ok(None);
    }
    let mut keys = std::collections::HashSet::new();
    for pair in value.split(',') {
        let mut parts = pair.trim().split(' ');
        let key = parts.next().unwrap_or_default();
        let encoded = parts.next();
        if parts.next().is_some() {
            return Err(TusFailure::bad_request(INVALID_METADATA));
        }
        if key.is_empty() {
            return Err(TusFailure::bad_request("Header Upload-Metadata: Key must not be empty"));
        }
        if !keys.insert(key.to_owned()) {
            return Err(TusFailure::bad_request("Header Upload-Metadata: Duplicate keys are not allowed"));
        }
        if let Some(v) = encoded {
            if base64::engine::general_purpose::STANDARD.decode(v).is_err() {
                return Err(TusFailure::bad_request(format!(
                    "Header Upload-Metadata: Value for {key} is not properly encoded using base64"
                )));
            }
        }
    }
    Ok(Some(value.to_owned()))
}

const INVALID_METADATA: &str = "Header Upload-Metadata: The Upload-Metadata request and response header MUST consist of one or more comma - separated key - value pairs. The key and value MUST be separated by a space.The key MUST NOT contain spaces and commas and MUST NOT be empty. The key SHOULD be ASCII encoded and the value MUST be Base64 encoded. All keys MUST be unique. The value MAY be empty. In these cases, the space, which would normally separate the key and the value, MAY be left out.";

/// `OnBeforeCreateAsync` → `ValidateUploadSizeAsync`: 404/1, 403/5, then 400 `File size exceeds maximum` above
/// 50 GB with virus scan or above the resource's `maxFileTransferSize`.
pub fn before_create(state: &AppState, id: FileTransferId, length: u64) -> Result<(), TusFailure> {
    let conn = state.store.conn()?;
    let t = transfers::get(&conn, id)?.ok_or(BrokerErrorCode::FileTransferNotFound)?;
    let resource = resources::get(&conn, &t.resource_id)?.ok_or(BrokerErrorCode::ResourceNotRegistered)?;
    let len = i64::try_from(length).unwrap_or(i64::MAX);
    if (t.use_virus_scan && len > MAX_VIRUS_SCAN_UPLOAD_SIZE)
        || resource.max_file_transfer_size.is_some_and(|m| len > m)
    {
        return Err(BrokerErrorCode::FileSizeTooBig.into());
    }
    Ok(())
}

/// `MarkUploadStartedIfNeededAsync`: the first creation (single or partial) moves `Initialized` → `UploadStarted`.
pub fn mark_upload_started(
    state: &AppState,
    conn: &rusqlite::Connection,
    id: FileTransferId,
    now: OffsetDateTime,
) -> Result<(), crate::error::AppError> {
    let Some(t) = transfers::get(conn, id)? else { return Ok(()) };
    if transfers::current_status(conn, id)?.status == FileTransferStatus::Initialized {
        crate::lifecycle::apply(conn, &state.settings, &t, Trigger::UploadStarted, None, now)?;
    }
    Ok(())
}
