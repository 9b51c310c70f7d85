//! The tus engine: tus 1.0.0 resumable uploads as the service serves them (contract §5: tusdotnet 2.11 behind the
//! broker's own hooks and middlewares), split by protocol extension as rustus does. It speaks the protocol itself
//! (request headers in, tusdotnet's answer out); the handlers in [`crate::routes::broker::tus`] only bind the URL.
//!
//! - [`create`] (here) — POST, dispatched by `Upload-Concat` to [`creation`] or [`concatenation`];
//! - [`protocol`] — OPTIONS, HEAD and PATCH (the core protocol), with the idempotent final PATCH;
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
pub mod creation;
pub mod expiration;
pub mod protocol;
pub mod session;
pub mod termination;

use altinn_broker_core::tus::{header as header_name, VERSION as TUS_VERSION};
use altinn_broker_core::{paths, BrokerErrorCode, FileTransferId};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use self::concatenation::Concat;
use self::protocol::admit;
use self::session::Intent;
use crate::error::AppError;
use crate::state::tus::{Live, UploadLock};
use crate::state::AppState;
use crate::store::tus::UploadKind;

// The protocol's facts (version, extensions, limits, header names) are the contract's, in `altinn_broker_core::tus`;
// the header names are typed here once for `HeaderMap` lookups.
pub const TUS_RESUMABLE: HeaderName = HeaderName::from_static(header_name::TUS_RESUMABLE);
pub const TUS_VERSION_HEADER: HeaderName = HeaderName::from_static(header_name::TUS_VERSION);
pub const TUS_EXTENSION: HeaderName = HeaderName::from_static(header_name::TUS_EXTENSION);
pub const TUS_CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static(header_name::TUS_CHECKSUM_ALGORITHM);
pub const UPLOAD_OFFSET: HeaderName = HeaderName::from_static(header_name::UPLOAD_OFFSET);
pub const UPLOAD_LENGTH: HeaderName = HeaderName::from_static(header_name::UPLOAD_LENGTH);
pub const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static(header_name::UPLOAD_EXPIRES);
pub const UPLOAD_CONCAT: HeaderName = HeaderName::from_static(header_name::UPLOAD_CONCAT);
pub const UPLOAD_METADATA: HeaderName = HeaderName::from_static(header_name::UPLOAD_METADATA);
pub const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static(header_name::UPLOAD_DEFER_LENGTH);
pub const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static(header_name::UPLOAD_CHECKSUM);

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
            paths::fill(paths::TUS_PARTIAL, &[&self.transfer.to_string(), &self.upload_id])
        } else {
            paths::fill(paths::TUS_UPLOAD, &[&self.transfer.to_string()])
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
                res.headers_mut().insert(TUS_VERSION_HEADER, HeaderValue::from_static(TUS_VERSION));
                res
            }
            TusFailure::App(e) => e.into_response(),
        }
    }
}

pub type TusResult = Result<Response, TusFailure>;

/// POST: a single or partial upload, or the final of a concatenation, as `Upload-Concat` says.
pub async fn create(state: &AppState, headers: &HeaderMap, raw_id: &str, body: Body) -> TusResult {
    let concat = match header_str(headers, &UPLOAD_CONCAT) {
        Some(h) => Some(h.to_owned()),
        None if headers.contains_key(&UPLOAD_CONCAT) => Some(String::new()),
        None => None,
    };
    let target = admit(state, headers, raw_id, None, Intent::Create)?;
    check_version(headers)?;
    match concat {
        None => creation::create_upload(state, headers, &target, UploadKind::Single, body).await,
        Some(value) => match concatenation::parse(&value, raw_id)? {
            Concat::Partial => creation::create_upload(state, headers, &target, UploadKind::Partial, body).await,
            Concat::Final(files) => concatenation::create_final(state, headers, &target, &files),
        },
    }
}

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

/// tusdotnet's file lock: a second request on the same upload while one runs gets 423.
pub fn lock(state: &AppState, upload_id: &str) -> Result<UploadLock, TusFailure> {
    Live::lock(state, upload_id).ok_or_else(|| {
        TusFailure::text(
            StatusCode::from_u16(423).unwrap_or(StatusCode::CONFLICT),
            "File is currently being updated. Please try again later",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_locations() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let t = Target::file(id).unwrap();
        assert_eq!(t.location(), format!("{}/{id}", paths::TUS));
        let p = Target::partial(id, "7C9E6679742540DE944BE07FC1F90AE7").unwrap();
        assert_eq!(p.upload_id, "7c9e6679742540de944be07fc1f90ae7");
        assert_eq!(p.location(), format!("{}/{id}/partial/7c9e6679742540de944be07fc1f90ae7", paths::TUS));
        assert!(Target::file("not-a-guid").is_none());
        assert!(Target::partial(id, "partial").is_none());
    }
}
