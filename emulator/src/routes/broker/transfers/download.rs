//! `GET .../{fileTransferId}/download` (contract §1.8): the file streamed from disk, whole or one byte range.

use std::time::Duration;

use altinn_broker_core::{paths, transitions, BrokerErrorCode, RecipientStatus};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::{StreamExt, TryStreamExt};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::parse_id;
use crate::auth::pdp;
use crate::error::AppError;
use crate::extract::AsRecipient;
use crate::routes::openapi::{self, Auth, Binary, ProblemDetails};
use crate::service::lookup::{load, recipient_orgs, resource_of};
use crate::state::AppState;
use crate::store::disk::blocking;
use crate::store::statistics::{self, VendorRole};
use crate::store::transfers;

/// Ranged downloads record `DownloadStarted` at most once per transfer and caller in this window.
const RANGE_DEBOUNCE: Duration = Duration::from_secs(5 * 60);

/// A satisfiable byte range, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

/// A `Range` header as the service reads it (`ByteRangeParser`): one `bytes` range (unit case-insensitive) of the
/// form `a-b`, `a-` or `-n`. Anything else (missing, malformed, another unit, several ranges, `b < a`) is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    FromTo(u64, u64),
    From(u64),
    Suffix(u64),
}

pub fn parse_range(header: Option<&str>) -> Option<RangeSpec> {
    let h = header?.trim();
    let (unit, spec) = h.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return None;
    }
    let (a, b) = spec.trim().split_once('-')?;
    let num = |s: &str| -> Option<Option<u64>> {
        let s = s.trim();
        if s.is_empty() {
            Some(None)
        } else if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok().map(Some)
        } else {
            None
        }
    };
    match (num(a)?, num(b)?) {
        (Some(a), Some(b)) if b >= a => Some(RangeSpec::FromTo(a, b)),
        (Some(_), Some(_)) => None,
        (Some(a), None) => Some(RangeSpec::From(a)),
        (None, Some(n)) => Some(RangeSpec::Suffix(n)),
        (None, None) => None,
    }
}

/// Resolves a range against the file size: `Err` is 416/29 (start past the end, `-0`, any range of an empty file).
pub fn resolve(spec: RangeSpec, size: u64) -> Result<ByteRange, BrokerErrorCode> {
    let unsatisfiable = Err(BrokerErrorCode::RangeNotSatisfiable);
    if size == 0 {
        return unsatisfiable;
    }
    match spec {
        RangeSpec::FromTo(a, _) | RangeSpec::From(a) if a >= size => unsatisfiable,
        RangeSpec::FromTo(a, b) => Ok(ByteRange { start: a, end: b.min(size - 1) }),
        RangeSpec::From(a) => Ok(ByteRange { start: a, end: size - 1 }),
        RangeSpec::Suffix(0) => unsatisfiable,
        RangeSpec::Suffix(n) => Ok(ByteRange { start: size.saturating_sub(n), end: size - 1 }),
    }
}

/// RFC 5987 `attr-char`: what may stay unescaped in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` as ASP.NET's `FileStreamResult` writes it: `attachment; filename=<name>;
/// filename*=UTF-8''<percent-encoded name>`; the plain `filename` is quoted when it is not a token, and non-ASCII
/// characters become `_` in it.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '_' }).collect();
    let is_token =
        !ascii.is_empty() && ascii.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
    let plain = if is_token { ascii } else { format!("\"{}\"", ascii.replace('\\', "\\\\").replace('"', "\\\"")) };
    format!("attachment; filename={plain}; filename*=UTF-8''{}", utf8_percent_encode(name, ATTR_CHAR))
}

#[utoipa::path(
    get,
    path = paths::DOWNLOAD,
    tag = openapi::TAG_TRANSFER,
    summary = "Download the file (single byte range supported)",
    extensions(("x-altinn-policy" = json!("Recipient"))),
    params(
        ("fileTransferId" = uuid::Uuid, Path, description = "The file transfer's id"),
        ("Range" = Option<String>, Header, description = "bytes=a-b, bytes=a- or bytes=-n"),
    ),
    responses(
        (status = 200, description = "The file", body = Binary, content_type = "application/octet-stream"),
        (status = 206, description = "The requested range", body = Binary, content_type = "application/octet-stream"),
        // Not a `[Produces]` action: its Broker problems stay application/problem+json.
        (status = 400, description = "A malformed id (validation), or BRO-00002/03", body = ProblemDetails, content_type = "application/problem+json"),
        Auth,
        (status = 404, description = "BRO-00001", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 416, description = "BRO-00029", body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
pub async fn download(
    AsRecipient(caller): AsRecipient,
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = parse_id(&raw_id)?;
    let now = state.clock.now();
    let (transfer, range) = {
        let conn = state.store.conn()?;
        let t = load(&conn, id)?;
        let resource = resource_of(&conn, &t)?;
        pdp::check_receive(&state.world, resource.as_ref(), &caller, &recipient_orgs(&conn, id)?)?;
        if !transitions::accepts_download(transfers::current_status(&conn, id)?.status) {
            return Err(BrokerErrorCode::FileTransferNotAvailable.into());
        }
        if !t.has_file {
            return Err(BrokerErrorCode::NoFileUploaded.into());
        }
        let resource = resource.ok_or(BrokerErrorCode::ResourceNotRegistered)?;
        crate::service::lookup::service_owner_of(&conn, &resource)?;
        let size = u64::try_from(t.size).unwrap_or(0);
        let spec = parse_range(headers.get(header::RANGE).and_then(|v| v.to_str().ok()));
        let range = spec.map(|s| resolve(s, size)).transpose()?;
        let org = caller.org.ok_or(BrokerErrorCode::NoAccessToResource)?;
        let actor = org.to_prefixed();
        if range.is_none() || state.debounce_download(id, &actor, now, RANGE_DEBOUNCE) {
            transfers::push_recipient_status(&conn, id, &actor, RecipientStatus::DownloadStarted, now)?;
            statistics::record_caller_vendor(&conn, id, &org, VendorRole::Recipient, caller.vendor.as_ref(), now)?;
        }
        (t, range)
    };

    // A tus concatenation is stored in pieces (`BlobStore::place`): the body reads the ones the range covers, in
    // order, each opened when it is reached (a file may have thousands).
    let blobs = state.store.blobs().clone();
    let span = range.map(|r| (r.start, r.end - r.start + 1));
    let (size, pieces) = blocking(move || blobs.span(id, span)).await?;
    if i64::try_from(size).ok() != Some(transfer.size) {
        // Purged (or never whole) between the checks above and here: not a short 200/206 passed off as the file.
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "the stored file is not the transfer's").into());
    }
    let (status, len) = match range {
        Some(r) => (StatusCode::PARTIAL_CONTENT, r.end - r.start + 1),
        None => (StatusCode::OK, size),
    };
    let body = Body::from_stream(
        futures_util::stream::iter(pieces)
            .then(|piece| async move {
                let mut file = tokio::fs::File::open(&piece.path).await?;
                file.seek(std::io::SeekFrom::Start(piece.skip)).await?;
                Ok::<_, std::io::Error>(ReaderStream::with_capacity(file.take(piece.len), 64 * 1024))
            })
            .try_flatten(),
    );
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&transfer.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(r) = range {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", r.start, r.end)) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_forms() {
        assert_eq!(parse_range(Some("bytes=0-9")), Some(RangeSpec::FromTo(0, 9)));
        assert_eq!(parse_range(Some("BYTES=5-")), Some(RangeSpec::From(5)));
        assert_eq!(parse_range(Some("bytes=-3")), Some(RangeSpec::Suffix(3)));
        for ignored in
            [None, Some("bytes=9-2"), Some("items=0-1"), Some("bytes=0-1,3-4"), Some("bytes=x-1"), Some("0-1")]
        {
            assert_eq!(parse_range(ignored), None, "{ignored:?}");
        }
    }

    #[test]
    fn range_resolution() {
        assert_eq!(resolve(RangeSpec::FromTo(0, 99), 10), Ok(ByteRange { start: 0, end: 9 }));
        assert_eq!(resolve(RangeSpec::Suffix(99), 10), Ok(ByteRange { start: 0, end: 9 }));
        assert_eq!(resolve(RangeSpec::Suffix(3), 10), Ok(ByteRange { start: 7, end: 9 }));
        assert!(resolve(RangeSpec::From(10), 10).is_err());
        assert!(resolve(RangeSpec::Suffix(0), 10).is_err());
        assert!(resolve(RangeSpec::FromTo(0, 0), 0).is_err());
    }

    #[test]
    fn disposition() {
        assert_eq!(content_disposition("input.txt"), "attachment; filename=input.txt; filename*=UTF-8''input.txt");
        assert_eq!(
            content_disposition("my file ø.txt"),
            "attachment; filename=\"my file _.txt\"; filename*=UTF-8''my%20file%20%C3%B8.txt"
        );
    }
}
