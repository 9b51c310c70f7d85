//! The core protocol of tus: OPTIONS (capabilities), HEAD (the durably committed offset) and PATCH (a chunk at the
//! current offset), plus the broker's idempotent final PATCH.
//!
//! A PATCH body is streamed into the upload's staging file and fsynced; only then is the chunk accepted (the
//! offset the 204 answers) and its offset committed to the database (what HEAD answers). The commit of a chunk
//! that does not finish the upload runs just after the response has been handed to the connection, so HEAD may
//! trail the last acknowledged offset, as in the service; a kill in between loses only bytes HEAD never reported.
//! The chunk that finishes an upload is committed before its answer, together with the finalisation job.

use std::pin::Pin;
use std::task::{Context, Poll};

use altinn_broker_core::tus::{EXTENSIONS, MAX_CHUNKS, MAX_CHUNK_BYTES, OFFSET_CONTENT_TYPE, VERSION};
use altinn_broker_core::{paths, FileTransferId};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use http_body::Frame;
use http_body_util::BodyExt;
use time::OffsetDateTime;

use super::session::{self, Intent};
use super::{
    check_version, checksum, expiration, header_str, lock, require_tus, set_header, tus_response, Target, TusFailure,
    TusResult, TUS_CHECKSUM_ALGORITHM, TUS_EXTENSION, TUS_VERSION_HEADER, UPLOAD_CONCAT, UPLOAD_EXPIRES, UPLOAD_LENGTH,
    UPLOAD_METADATA, UPLOAD_OFFSET,
};
use crate::auth::Caller;
use crate::crash::{maybe_crash, CrashPoint};
use crate::state::AppState;
use crate::store::tus::{self as store, staging::Staging, Upload, UploadKind};

/// OPTIONS: the `Sender` policy still applies (the endpoint requires it), but no file-level check.
pub fn options(state: &AppState, headers: &HeaderMap) -> TusResult {
    session::authenticate(state, headers, None)?;
    let mut res = tus_response(StatusCode::NO_CONTENT);
    let h = res.headers_mut();
    h.insert(TUS_VERSION_HEADER, HeaderValue::from_static(VERSION));
    h.insert(TUS_EXTENSION, HeaderValue::from_static(EXTENSIONS));
    h.insert(TUS_CHECKSUM_ALGORITHM, HeaderValue::from_static(checksum::ALGORITHMS));
    Ok(res)
}

/// Authentication, the tus check, id resolution and the broker's authorization, in the service's order.
pub fn admit(
    state: &AppState,
    headers: &HeaderMap,
    raw_id: &str,
    raw_pid: Option<&str>,
    intent: Intent,
) -> Result<Target, TusFailure> {
    let caller = session::authenticate(state, headers, FileTransferId::parse(raw_id).ok())?;
    admit_as(state, &caller, headers, raw_id, raw_pid, intent)
}

/// [`admit`] for a caller already authenticated.
pub fn admit_as(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw_id: &str,
    raw_pid: Option<&str>,
    intent: Intent,
) -> Result<Target, TusFailure> {
    require_tus(headers)?;
    let target = Target::resolve(raw_id, raw_pid)?;
    session::authorize(state, caller, target.transfer, intent)?;
    Ok(target)
}

/// The upload a target names (tusdotnet's `FileExist`), or its bare 404 (unknown, or of another transfer).
pub fn find(state: &AppState, target: &Target) -> Result<Upload, TusFailure> {
    store::get(&*state.store.conn()?, &target.upload_id)?
        .filter(|u| u.transfer_id == target.transfer && (u.kind == UploadKind::Partial) == target.partial)
        .ok_or(TusFailure::NotFound)
}

/// [`find`], then `FileHasNotExpired`.
pub fn load(state: &AppState, target: &Target, now: OffsetDateTime) -> Result<Upload, TusFailure> {
    let upload = find(state, target)?;
    if expiration::has_expired(&upload, now) {
        return Err(TusFailure::NotFound);
    }
    Ok(upload)
}

/// Moves the sliding expiry and records activity (the store renews both whenever it reads a tracked upload).
fn touch(state: &AppState, upload: &Upload, now: OffsetDateTime) -> Result<OffsetDateTime, TusFailure> {
    let expires = expiration::expires_after(now);
    state.store.tx(|tx| {
        if !upload.finalized {
            store::set_expires(tx, &upload.upload_id, expires)?;
        }
        session::record_activity(tx, upload.transfer_id, now)
    })?;
    Ok(expires)
}

pub fn head(state: &AppState, headers: &HeaderMap, raw_id: &str, raw_pid: Option<&str>) -> TusResult {
    let target = admit(state, headers, raw_id, raw_pid, Intent::GetInfo)?;
    check_version(headers)?;
    let _lock = lock(state, &target.upload_id)?;
    let now = state.clock.now();
    let upload = load(state, &target, now)?;
    crate::jobs::tus::ensure_enqueued(state, &upload)?;
    touch(state, &upload, now)?;

    let mut res = tus_response(StatusCode::OK);
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(m) = state.tus.metadata(&upload.upload_id) {
        set_header(&mut res, UPLOAD_METADATA, &m);
    }
    set_header(&mut res, UPLOAD_LENGTH, &upload.length.to_string());
    match upload.kind {
        // A final has no offset until its concatenation is done; then offset = length.
        UploadKind::Final => {
            if upload.finalized {
                set_header(&mut res, UPLOAD_OFFSET, &upload.length.to_string());
            }
            // Until the concatenation is done the parts are listed; tusdotnet prefixes each with the endpoint path
            // (the partial URLs are not reconstructed). Afterwards the service has dropped the references.
            if !upload.finalized {
                let parts: Vec<String> = upload.parts.iter().map(|p| format!("{}/{p}", paths::TUS)).collect();
                set_header(&mut res, UPLOAD_CONCAT, &format!("final;{}", parts.join(" ")));
            }
        }
        UploadKind::Partial => {
            set_header(&mut res, UPLOAD_OFFSET, &upload.committed.to_string());
            set_header(&mut res, UPLOAD_CONCAT, "partial");
        }
        UploadKind::Single => set_header(&mut res, UPLOAD_OFFSET, &upload.committed.to_string()),
    }
    Ok(res)
}

/// `TusIdempotentCompletePatchMiddleware`: after authentication, before anything else, a PATCH at or past the
/// stored length of a known upload is answered 204 with `Upload-Offset: <length>`, and finalisation is
/// re-enqueued if it was lost.
fn idempotent_complete(
    state: &AppState,
    headers: &HeaderMap,
    raw_id: &str,
    raw_pid: Option<&str>,
) -> Result<Option<Response>, TusFailure> {
    let Some(offset) = header_str(headers, &UPLOAD_OFFSET).and_then(|v| v.trim().parse::<u64>().ok()) else {
        return Ok(None);
    };
    let Some(target) = (match raw_pid {
        None => Target::file(raw_id),
        Some(pid) => Target::partial(raw_id, pid),
    }) else {
        return Ok(None);
    };
    let Some(upload) = store::get(&*state.store.conn()?, &target.upload_id)? else { return Ok(None) };
    if upload.length == 0 || offset < upload.length || upload.transfer_id != target.transfer {
        return Ok(None);
    }
    crate::jobs::tus::ensure_enqueued(state, &upload)?;
    let mut res = tus_response(StatusCode::NO_CONTENT);
    set_header(&mut res, UPLOAD_OFFSET, &upload.length.to_string());
    Ok(Some(res))
}

pub async fn patch(
    state: &AppState,
    headers: &HeaderMap,
    raw_id: &str,
    raw_pid: Option<&str>,
    body: Body,
) -> TusResult {
    let caller = session::authenticate(state, headers, FileTransferId::parse(raw_id).ok())?;
    if let Some(res) = idempotent_complete(state, headers, raw_id, raw_pid)? {
        return Ok(res);
    }
    let target = admit_as(state, &caller, headers, raw_id, raw_pid, Intent::WriteChunk)?;
    check_version(headers)?;
    let _lock = lock(state, &target.upload_id)?;
    let now = state.clock.now();
    // tusdotnet's requirements, in its order.
    let upload = find(state, &target)?;
    check_content_type(headers)?;
    if headers.contains_key(&UPLOAD_LENGTH) {
        return Err(TusFailure::bad_request("Upload-Length cannot be updated once set"));
    }
    let offset = request_offset(headers)?;
    if upload.kind == UploadKind::Final {
        return Err(TusFailure::text(StatusCode::FORBIDDEN, "File with \"Upload-Concat: final\" cannot be patched"));
    }
    let declared = checksum::leading(headers)?;
    if expiration::has_expired(&upload, now) {
        return Err(TusFailure::NotFound);
    }
    let (accepted, _) = state.tus.accepted(&upload.upload_id, (upload.committed, upload.chunks));
    if offset != accepted {
        return Err(TusFailure::text(
            StatusCode::CONFLICT,
            format!("Offset does not match file. File offset: {accepted}. Request offset: {offset}"),
        ));
    }
    if accepted == upload.length {
        return Err(TusFailure::bad_request("Upload is already complete."));
    }
    crate::jobs::tus::ensure_enqueued(state, &upload)?;
    let written = write_chunk(state, &upload, headers, body, declared).await?;
    let mut res = tus_response(StatusCode::NO_CONTENT);
    set_header(&mut res, UPLOAD_OFFSET, &written.offset.to_string());
    set_header(&mut res, UPLOAD_EXPIRES, &expiration::header_value(written.expires));
    match written.pending_commit {
        Some(commit) => Ok(commit_after_response(res, commit)),
        None => Ok(res),
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), TusFailure> {
    let ct = header_str(headers, &header::CONTENT_TYPE).unwrap_or_default();
    if ct.eq_ignore_ascii_case(OFFSET_CONTENT_TYPE) {
        Ok(())
    } else {
        Err(TusFailure::text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {ct} is invalid. Must be {OFFSET_CONTENT_TYPE}"),
        ))
    }
}

fn request_offset(headers: &HeaderMap) -> Result<u64, TusFailure> {
    let Some(raw) = headers.get(&UPLOAD_OFFSET) else {
        return Err(TusFailure::bad_request("Missing Upload-Offset header"));
    };
    let n: i64 = raw
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| TusFailure::bad_request("Could not parse Upload-Offset header"))?;
    u64::try_from(n).map_err(|_| TusFailure::bad_request("Header Upload-Offset must be a positive number"))
}

/// A chunk written and accepted.
pub struct Written {
    /// The accepted offset after the chunk.
    pub offset: u64,
    pub expires: OffsetDateTime,
    /// The commit still to run after the answer (`None`: already committed, or nothing to commit).
    pub pending_commit: Option<Commit>,
}

/// One chunk's commit: its offset, the upload's chunk count with it, and its expiry.
pub struct Commit {
    state: AppState,
    upload: Upload,
    offset: u64,
    chunks: u64,
    expires: OffsetDateTime,
}

impl Commit {
    /// Records the chunk durably (its bytes are already fsynced). The chunk that completes a single upload
    /// enqueues the finalisation in the same transaction.
    pub fn run(self) -> Result<(), TusFailure> {
        maybe_crash(self.state.settings.crash_at, CrashPoint::TusAfterPatchBeforeCommit);
        let now = self.state.clock.now();
        let complete = self.offset >= self.upload.length;
        let result = self.state.store.tx(|tx| {
            store::commit(tx, &self.upload.upload_id, self.offset, self.chunks)?;
            store::set_expires(tx, &self.upload.upload_id, self.expires)?;
            session::record_activity(tx, self.upload.transfer_id, now)?;
            if complete && self.upload.kind == UploadKind::Single {
                crate::jobs::tus::enqueue(&self.state, tx, self.upload.transfer_id, now)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            // The committed offset rules again: the client re-syncs with HEAD and sends the chunk again.
            self.state.tus.reset(&self.upload.upload_id);
            return Err(e.into());
        }
        Ok(())
    }
}

/// Streams `body` into the upload's staging file at its accepted offset, fsyncs it and accepts it.
///
/// Fails without accepting anything when the body is cut, runs past the upload length (413), exceeds
/// 2 GiB − 1 bytes, or would be the 50,001st chunk of the transfer.
pub async fn write_chunk(
    state: &AppState,
    upload: &Upload,
    headers: &HeaderMap,
    body: Body,
    declared: Option<checksum::Declared>,
) -> Result<Written, TusFailure> {
    let now = state.clock.now();
    let (offset, chunks) = state.tus.accepted(&upload.upload_id, (upload.committed, upload.chunks));
    let expires = expiration::expires_after(now);
    let room = upload.length.saturating_sub(offset);
    let content_length: Option<u64> = header_str(headers, &header::CONTENT_LENGTH).and_then(|v| v.trim().parse().ok());
    if content_length.is_some_and(|n| n > MAX_CHUNK_BYTES) {
        return Err(chunk_too_large(&upload.upload_id));
    }

    let staging = Staging::of(&state.store);
    let mut writer = staging.writer_at(&upload.upload_id, offset).await?;
    let mut trailer_checksum = None;
    let mut body = body;
    let crash_at = state.settings.crash_at;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(upload = %upload.upload_id, error = %e, "tus chunk cut short; nothing accepted");
                return Err(TusFailure::bad_request("The request body was not received completely"));
            }
        };
        let frame: Frame<Bytes> = frame;
        match frame.into_data() {
            Ok(data) => {
                if writer.written() + data.len() as u64 > room {
                    return Err(TusFailure::text(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Request contains more data than the file's upload length",
                    ));
                }
                if writer.written() + data.len() as u64 > MAX_CHUNK_BYTES {
                    return Err(chunk_too_large(&upload.upload_id));
                }
                writer.write(data).await?;
                if writer.written() > 0 {
                    maybe_crash(crash_at, CrashPoint::TusMidPatch);
                }
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    trailer_checksum = checksum::trailer(&trailers);
                }
            }
        }
    }
    let n = writer.finish().await?;
    if n == 0 {
        // An empty PATCH stores nothing and counts no chunk.
        return Ok(Written { offset, expires, pending_commit: None });
    }
    let others = store::chunks_of_others(&*state.store.conn()?, upload.transfer_id, &upload.upload_id)?;
    if others + chunks >= MAX_CHUNKS {
        return Err(TusFailure::bad_request(format!(
            "Upload exceeds maximum block count ({MAX_CHUNKS}) for file id {}. Increase TUS chunk size to at least {} bytes.",
            upload.upload_id,
            upload.length.div_ceil(MAX_CHUNKS).max(1)
        )));
    }
    let new_offset = offset + n;
    state.tus.set_accepted(&upload.upload_id, new_offset, chunks + 1);
    let commit =
        Commit { state: state.clone(), upload: upload.clone(), offset: new_offset, chunks: chunks + 1, expires };
    // A trailer that does not parse is answered with its parse error, after the chunk was stored.
    let declared = match trailer_checksum {
        Some(Err(e)) => {
            commit.run()?;
            return Err(e);
        }
        Some(Ok(d)) => Some(d),
        None => declared,
    };
    if new_offset >= upload.length || declared.is_some() {
        commit.run()?;
        checksum::verify(declared)?;
        return Ok(Written { offset: new_offset, expires, pending_commit: None });
    }
    Ok(Written { offset: new_offset, expires, pending_commit: Some(commit) })
}

fn chunk_too_large(upload_id: &str) -> TusFailure {
    TusFailure::bad_request(format!("TUS chunk size exceeds maximum supported size for file id {upload_id}."))
}

/// Runs `commit` once the response has been handed to the connection (its empty body is dropped then), or after
/// a second at the latest.
fn commit_after_response(res: Response, commit: Commit) -> Response {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), rx).await;
        tokio::task::yield_now().await;
        let upload = commit.upload.upload_id.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || commit.run())
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| format!("{e:?}")))
        {
            tracing::error!(upload = %upload, error = %e, "tus chunk commit failed");
        }
    });
    let (parts, _) = res.into_parts();
    Response::from_parts(parts, Body::new(SignalOnDrop(Some(tx))))
}

/// An empty response body that signals when the server is done with it.
struct SignalOnDrop(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

impl http_body::Body for SignalOnDrop {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        true
    }
}
