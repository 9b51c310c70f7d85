//! tus 1.0.0 resumable uploads as the service serves them (contract §5: tusdotnet 2.11 behind the broker's own
//! hooks and middlewares), split by protocol extension as rustus does:
//!
//! - [`core`] — OPTIONS, HEAD and PATCH (the core protocol), with the idempotent final PATCH;
//! - [`creation`] — POST, with creation-with-upload;
//! - [`termination`] — DELETE;
//! - [`concatenation`] — partial uploads and the final;
//! - [`expiration`] — the sliding 24 h `Upload-Expires`;
//! - [`checksum`] — `Upload-Checksum`, which the service always answers with 460;
//! - [`session`] — authentication (with the expired-token rescue) and the broker's per-request authorization.
//!
//! Upload ids: a single upload and a concatenation final use the `fileTransferId`; a partial upload uses an
//! N-format GUID and lives at `.../{fileTransferId}/partial/{partialUploadId}` (the legacy form
//! `.../{fileTransferId}/{partialUploadId}` is rewritten to it). Errors are plain text, as tusdotnet writes them.

pub mod checksum;
pub mod concatenation;
pub mod core;
pub mod creation;
pub mod expiration;
pub mod session;
pub mod termination;

use std::collections::HashMap;
use std::sync::Mutex;

use altinn_broker_core::{BrokerErrorCode, FileTransferId};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::options;
use axum::Router;

use crate::error::AppError;
use crate::state::AppState;

/// The collection and file URL of a transfer's tus uploads.
pub const TUS_PATH: &str = "/broker/api/v1/filetransfer/upload/tus";
pub const TUS_VERSION: &str = "1.0.0";
/// The extensions the service's store implements, in the order tusdotnet lists them.
pub const TUS_EXTENSIONS: &str =
    "creation,creation-with-upload,termination,checksum,checksum-trailer,concatenation,expiration";
pub const OFFSET_CONTENT_TYPE: &str = "application/offset+octet-stream";

pub const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
pub const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
pub const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
pub const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
pub const UPLOAD_CONCAT: HeaderName = HeaderName::from_static("upload-concat");
pub const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
pub const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
pub const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");

pub fn router() -> Router<AppState> {
    let file =
        options(core::options).post(creation::create).head(core::head).patch(core::patch).delete(termination::delete);
    let partial = options(core::options_partial)
        .head(core::head_partial)
        .patch(core::patch_partial)
        .delete(termination::delete_partial);
    let legacy = options(core::options_partial)
        .head(core::head_partial)
        .patch(core::patch_partial)
        .delete(termination::delete_partial);
    Router::new()
        .route(&format!("{TUS_PATH}/{{id}}"), file)
        .route(&format!("{TUS_PATH}/{{id}}/partial/{{pid}}"), partial)
        // `TusPartialPathRewriteMiddleware`: `.../{id}/{partialId}` is served as `.../{id}/partial/{partialId}`.
        .route(&format!("{TUS_PATH}/{{id}}/{{pid}}"), legacy)
}

/// tusdotnet takes the method from `X-HTTP-Method-Override` when present (tus clients send PATCH and DELETE as
/// POST through proxies that drop them). axum routes by the real method, so POST handlers look at it.
pub fn method_override(headers: &HeaderMap) -> Option<axum::http::Method> {
    header_str(headers, &HeaderName::from_static("x-http-method-override"))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| axum::http::Method::from_bytes(v.to_ascii_uppercase().as_bytes()).ok())
}

/// The upload a file URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub transfer: FileTransferId,
    /// The tus file id: the hyphenated `fileTransferId`, or the N-format partial id.
    pub upload_id: String,
    pub partial: bool,
}

impl Target {
    /// `.../tus/{id}`: the single or final upload of a transfer. A non-GUID id resolves to nothing
    /// (404 `Missing file transfer id`).
    pub fn file(raw_id: &str) -> Option<Self> {
        let transfer = FileTransferId::parse(raw_id).ok()?;
        Some(Self { transfer, upload_id: transfer.to_string(), partial: false })
    }

    /// `.../tus/{id}/partial/{pid}`. The partial id is kept as an N-format GUID; anything else names no upload.
    pub fn partial(raw_id: &str, raw_pid: &str) -> Option<Self> {
        let transfer = FileTransferId::parse(raw_id).ok()?;
        let pid = uuid::Uuid::try_parse(raw_pid.trim()).ok()?.simple().to_string();
        Some(Self { transfer, upload_id: pid, partial: true })
    }

    /// Resolves a file URL: an unreadable `fileTransferId` is the hooks' 404 `Missing file transfer id`; an
    /// unreadable partial id names no upload (tusdotnet's bare 404).
    pub fn resolve(raw_id: &str, raw_pid: Option<&str>) -> Result<Self, TusFailure> {
        if FileTransferId::parse(raw_id).is_err() {
            return Err(missing_transfer_id());
        }
        match raw_pid {
            None => Self::file(raw_id).ok_or_else(missing_transfer_id),
            Some(pid) => Self::partial(raw_id, pid).ok_or(TusFailure::NotFound),
        }
    }

    /// The root-relative URL of this upload (the `Location` the service answers).
    pub fn location(&self) -> String {
        if self.partial {
            format!("{TUS_PATH}/{}/partial/{}", self.transfer, self.upload_id)
        } else {
            format!("{TUS_PATH}/{}", self.transfer)
        }
    }
}

/// The hooks' answer when the route names no file transfer.
pub fn missing_transfer_id() -> TusFailure {
    TusFailure::text(StatusCode::NOT_FOUND, "Missing file transfer id")
}

/// How a tus request fails, written the way the service writes it.
#[derive(Debug)]
pub enum TusFailure {
    /// tusdotnet's (and the broker hooks') plain-text errors: status, message, `Tus-Resumable`.
    Text(StatusCode, String),
    /// tusdotnet's bare 404 for an unknown or expired upload (`Tus-Resumable`, `Cache-Control: no-store`).
    NotFound,
    /// Not a tus request (no `Tus-Resumable`): the endpoint answers an empty 404.
    NotTus,
    /// A `Tus-Resumable` other than 1.0.0: 412 with `Tus-Version`.
    UnsupportedVersion(String),
    /// Authentication, scope and internal failures, as the rest of the emulator answers them.
    App(AppError),
}

impl TusFailure {
    pub fn text(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Text(status, message.into())
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::text(StatusCode::BAD_REQUEST, message)
    }
}

impl From<AppError> for TusFailure {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<rusqlite::Error> for TusFailure {
    fn from(e: rusqlite::Error) -> Self {
        Self::App(e.into())
    }
}

impl From<std::io::Error> for TusFailure {
    fn from(e: std::io::Error) -> Self {
        Self::App(e.into())
    }
}

/// A broker error raised by a tus hook (`context.FailRequest(error.StatusCode, error.Message)`): plain text.
impl From<BrokerErrorCode> for TusFailure {
    fn from(e: BrokerErrorCode) -> Self {
        Self::Text(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.message().to_owned())
    }
}

impl IntoResponse for TusFailure {
    fn into_response(self) -> Response {
        match self {
            TusFailure::Text(status, message) => {
                let mut res = (status, message).into_response();
                let h = res.headers_mut();
                h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                h.insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
                res
            }
            TusFailure::NotFound => {
                let mut res = StatusCode::NOT_FOUND.into_response();
                res.headers_mut().insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
                res
            }
            TusFailure::NotTus => StatusCode::NOT_FOUND.into_response(),
            TusFailure::UnsupportedVersion(sent) => {
                let message = format!("Tus version {sent} is not supported. Supported versions: {TUS_VERSION}");
                let mut res = TusFailure::Text(StatusCode::PRECONDITION_FAILED, message).into_response();
                res.headers_mut().insert(HeaderName::from_static("tus-version"), HeaderValue::from_static(TUS_VERSION));
                res
            }
            TusFailure::App(e) => e.into_response(),
        }
    }
}

pub type TusResult = Result<Response, TusFailure>;

/// A header as text, if present and readable.
pub fn header_str<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// tusdotnet only treats a request as tus when it carries `Tus-Resumable` (OPTIONS excepted).
pub fn require_tus(headers: &HeaderMap) -> Result<(), TusFailure> {
    if headers.contains_key(&TUS_RESUMABLE) {
        Ok(())
    } else {
        Err(TusFailure::NotTus)
    }
}

/// The version check tusdotnet makes after authorization: 412 with `Tus-Version` for anything but 1.0.0.
pub fn check_version(headers: &HeaderMap) -> Result<(), TusFailure> {
    let sent = header_str(headers, &TUS_RESUMABLE).unwrap_or_default();
    if sent == TUS_VERSION {
        Ok(())
    } else {
        Err(TusFailure::UnsupportedVersion(sent.to_owned()))
    }
}

/// Sets a header from a string the emulator produced (numbers, dates, paths: always valid header values).
pub fn set_header(res: &mut Response, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        res.headers_mut().insert(name, v);
    }
}

/// A response with `Tus-Resumable` set.
pub fn tus_response(status: StatusCode) -> Response {
    let mut res = status.into_response();
    res.headers_mut().insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    res
}

/// What the service keeps in process memory per upload: the accepted offset (which may run ahead of the committed
/// one while a chunk's commit is pending), the `Upload-Metadata` (never persisted), and tusdotnet's file lock.
#[derive(Debug, Default)]
pub struct Live {
    uploads: Mutex<HashMap<String, LiveUpload>>,
}

#[derive(Debug, Default, Clone)]
struct LiveUpload {
    /// Accepted offset and chunk count, when ahead of (or equal to) the store's committed values.
    accepted: Option<(u64, u64)>,
    metadata: Option<String>,
    locked: bool,
}

/// Holds tusdotnet's in-memory file lock of one upload until dropped.
pub struct UploadLock {
    state: AppState,
    upload_id: String,
}

impl Drop for UploadLock {
    fn drop(&mut self) {
        self.state.tus.with(&self.upload_id, |u| u.locked = false);
    }
}

impl Live {
    fn with<T>(&self, upload_id: &str, f: impl FnOnce(&mut LiveUpload) -> T) -> T {
        // A poisoned lock only means a panic elsewhere while holding it; the map itself stays consistent.
        let mut map = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        f(map.entry(upload_id.to_owned()).or_default())
    }

    /// tusdotnet's file lock: a second request on the same upload while one runs gets 423.
    pub fn lock(state: &AppState, upload_id: &str) -> Result<UploadLock, TusFailure> {
        let acquired = state.tus.with(upload_id, |u| !std::mem::replace(&mut u.locked, true));
        if acquired {
            Ok(UploadLock { state: state.clone(), upload_id: upload_id.to_owned() })
        } else {
            Err(TusFailure::text(
                StatusCode::from_u16(423).unwrap_or(StatusCode::CONFLICT),
                "File is currently being updated. Please try again later",
            ))
        }
    }

    /// The accepted offset and chunk count: what this process has acknowledged, or the committed values.
    pub fn accepted(&self, upload_id: &str, committed: (u64, u64)) -> (u64, u64) {
        self.with(upload_id, |u| match u.accepted {
            Some(a) if a.0 >= committed.0 => a,
            _ => committed,
        })
    }

    pub fn set_accepted(&self, upload_id: &str, offset: u64, chunks: u64) {
        self.with(upload_id, |u| u.accepted = Some((offset, chunks)));
    }

    /// Forgets the accepted offset (a failed commit, a restarted or removed upload): the committed one rules.
    pub fn reset(&self, upload_id: &str) {
        self.with(upload_id, |u| u.accepted = None);
    }

    /// Drops everything kept for an upload that is gone (terminated, or joined into its transfer's file).
    pub fn forget(&self, upload_id: &str) {
        let mut map = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(upload_id).is_some_and(|u| !u.locked) {
            map.remove(upload_id);
        }
    }

    pub fn set_metadata(&self, upload_id: &str, metadata: Option<String>) {
        self.with(upload_id, |u| u.metadata = metadata);
    }

    pub fn metadata(&self, upload_id: &str) -> Option<String> {
        self.with(upload_id, |u| u.metadata.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_locations() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let t = Target::file(id).unwrap();
        assert_eq!(t.location(), format!("{TUS_PATH}/{id}"));
        let p = Target::partial(id, "7C9E6679742540DE944BE07FC1F90AE7").unwrap();
        assert_eq!(p.upload_id, "7c9e6679742540de944be07fc1f90ae7");
        assert_eq!(p.location(), format!("{TUS_PATH}/{id}/partial/7c9e6679742540de944be07fc1f90ae7"));
        assert!(Target::file("not-a-guid").is_none());
        assert!(Target::partial(id, "partial").is_none());
    }
}
